/* casestate: the rules of a case that need no database (docs/cases.md).
 *
 * The status machine (open, response, services, monitoring, closed) with
 * the statuses allowed from each; the victim statuses and when one
 * identifies the child; and the closed vocabularies of a case: petition
 * statuses, placements, the event kinds a user records, report kinds. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* --- Status ---------------------------------------------------------------- */

enum case_status { CASE_OPEN, CASE_RESPONSE, CASE_SERVICES, CASE_MONITORING, CASE_CLOSED, CASE_STATUS_COUNT };

/* "open", "response", ...; NULL outside the enum. */
const char *case_status_name(enum case_status s);
/* 0 and *ret when name is a status; ERR_INVAL otherwise. */
int case_status_parse(const char *name, enum case_status *ret);
/* Whether a case may go from one status to another. Staying is no change
 * and is not a transition: from == to answers false. */
bool case_status_may(enum case_status from, enum case_status to);
/* The statuses allowed from `from`, in the enum's order, into out; their
 * count (0 for closed). */
size_t case_status_allowed(enum case_status from, enum case_status out[CASE_STATUS_COUNT]);

/* A value of a closed vocabulary with its words for the person at the form;
 * GET /api/v1/config publishes them so that the web UI keeps no copy. */
struct case_term {
	const char *id;
	const char *label;
};

/* "Open", "Response", ...; NULL outside the enum. */
const char *case_status_label(enum case_status s);

/* --- Victim status ------------------------------------------------------- */

enum victim_status { VICTIM_NONE, VICTIM_AT_RISK, VICTIM_SUSPECTED, VICTIM_CONFIRMED, VICTIM_STATUS_COUNT };

const char *victim_status_name(enum victim_status v);
int victim_status_parse(const char *name, enum victim_status *ret);
/* Suspected and confirmed identify the child as a victim. */
bool victim_status_identifies(enum victim_status v);
/* "None", "At risk", ...; NULL outside the enum. */
const char *victim_status_label(enum victim_status v);
/* Whether moving to `to` is the child's first identification: it
 * identifies and the case was never identified before (already: the case
 * has an identified_at). That sets identified_at and opens the
 * law-enforcement duty. */
bool victim_status_first_identification(bool already_identified, enum victim_status to);

/* --- Vocabularies -------------------------------------------------------- */

/* none, planned, filed, granted, denied: the "uncared for" petition. */
bool case_petition_status_valid(const char *s);
/* home, foster, congregate_care, homeless, unknown. */
bool case_placement_valid(const char *s);
/* The kinds a user records with POST /cases/{id}/events: note, contact,
 * medical_exam, forensic_interview, placement_change, debrief, rescreen. */
bool case_event_kind_user(const char *s);
/* Whether a user-recorded kind must carry text (note, contact). */
bool case_event_kind_needs_text(const char *s);
/* law_enforcement, ncmec. */
bool case_report_kind_valid(const char *s);

/* The vocabularies with their words, each ending with {NULL, NULL}. */
extern const struct case_term case_petition_terms[];
extern const struct case_term case_placement_terms[];
extern const struct case_term case_report_kind_terms[];
/* Every kind of event on a case's timeline, those the system records
 * (opened, status_change, ...) as well as those a user records. */
extern const struct case_term case_event_kind_terms[];
