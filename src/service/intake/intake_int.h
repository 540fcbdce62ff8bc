/* What the parts of the intake service share: the head of a report and
 * the permission and scope check every use case on one report starts
 * with. Private to src/service/intake/. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "service/intake.h"

#define MAX_CHILDREN 20
#define MAX_TEXT 20000
#define MAX_NAME 100

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
