/* routing: where a Careline report goes and what the law makes of its
 * child, decided from the pack alone (no database, no I/O).
 *
 * A report goes to the office whose towns include the child's town (else
 * the incident town), and to that office's region; a report with no town,
 * or a town no office covers, goes to the statewide queue and is flagged
 * so that a worker maps it by hand.
 *
 * The guardrail: a child under the pack's minor age reported in
 * connection with commercial sex is a suspected victim, never an
 * offender. An age nobody knows is taken as a minor's: the Careline is
 * about children. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/pack.h"

/* The minor age when a pack names none. */
#define ROUTING_DEFAULT_MINOR_AGE 18

struct route {
	const char *town;   /* the town routed on, as given; NULL when none */
	const char *office; /* the pack's office id; NULL for the statewide queue */
	const char *region; /* the pack's region id; NULL for the statewide queue */
	bool unmapped;      /* statewide: no town, or no office covers it */
};

/* Route on one town. Towns compare without surrounding spaces and
 * without regard to ASCII case; accents are not folded ("Norwalk" and
 * " NORWALK " are one town, "Nörwalk" is not). The strings in *ret point
 * into the pack and town. ERR_INVAL when p or ret is NULL. */
int route_town(const struct pack *p, const char *town, struct route *ret);

/* Route a report: the first of its children's towns that is given (not
 * NULL, not empty), else the incident town. child_towns may hold NULLs. */
int route_report(const struct pack *p, const char *const *child_towns, size_t n, const char *incident_town,
                 struct route *ret);

enum guardrail_reason {
	GUARDRAIL_NO_CONCERN,  /* no concern is commercial sex: not suspected */
	GUARDRAIL_ADULT,       /* commercial sex, at or over the minor age: not suspected */
	GUARDRAIL_MINOR,       /* commercial sex, under the minor age: suspected */
	GUARDRAIL_AGE_UNKNOWN, /* commercial sex, age unknown: suspected */
};

struct guardrail {
	bool suspected_victim;
	enum guardrail_reason reason;
	const char *concern; /* the first commercial-sex concern, the pack's string; NULL for none */
	int minor_age;       /* the age limit applied */
};

/* The guardrail for one child: age in whole years at the report, negative
 * when unknown; concerns a JSON array of vulnerability ids, or NULL for
 * none (entries that are not strings match nothing). ERR_INVAL when p or
 * ret is NULL, or concerns is neither NULL nor an array. */
int guardrail_check(const struct pack *p, int age, const json_t *concerns, struct guardrail *ret);

/* Why a case opened from a report takes the child as a suspected victim:
 * "guardrail" when the report was flagged at intake, else "screening" when
 * the report's latest screen (its level; NULL for none) is "clear" or
 * "positive"; NULL when neither says so. */
const char *guardrail_suspected_by(bool flagged_at_intake, const char *screen_level);
