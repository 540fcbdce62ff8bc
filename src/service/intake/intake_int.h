/* What the parts of the intake service share: the head of a report, the
 * permission and scope check every use case on one report starts with,
 * and the field readers the bodies are checked with. Private to
 * src/service/intake/. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "match/cmp.h"
#include "service/intake.h"

#define MAX_CHILDREN 20
#define MAX_TEXT 20000
#define MAX_NAME 100

bool intake_in_list(const char *const *list, const char *s);

/* The calendar date of t in the jurisdiction's time zone (app_open sets
 * the process's zone to the pack's): a girl is 17 until midnight in
 * Connecticut, whatever the hour in UTC. */
struct cmp_date intake_date_of(hl_time t);

const char *intake_str_field(const json_t *o, const char *key, const char *path, size_t max, bool required,
			     struct field_errors *errs);
void intake_unknown_keys(const json_t *o, const char *const *known, const char *prefix, struct field_errors *errs);
bool intake_flag(const json_t *o, const char *key, const char *path, struct field_errors *errs);

struct intake_head {
	int64_t id;
	char region[32];
	bool suspected_victim;
	int64_t version;
	bool decided;
};

/* Checks permission and scope for one report; audits a denial. */
int intake_open(const struct svc_ctx *ctx, enum perm perm, int64_t id, struct db **ret_db, struct intake_head *h);

/* The law on a suspected victim (the pack's text and citations), set on
 * obj as "law". */
int intake_law_json(const struct pack *p, json_t *obj);

/* s, or NULL for "": an empty answer is stored as no answer. */
static inline const char *intake_nonempty(const char *s)
{
	return s && *s ? s : NULL;
}
