/* teams_int.h: what the parts of the teams service share (teams.c, the
 * teams and members; reviews.c, the reviews and action items); the public
 * interface is service/teams.h. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/clock.h"
#include "base/json.h"
#include "model/schema.h"
#include "service/ctx.h"
#include "service/teams.h"

struct db;
struct db_stmt;

#define NAME_MAX_LEN 200
#define TEXT_MAX_LEN 20000
#define ITEM_TEXT_MAX_LEN 4000
#define MAX_ACTION_ITEMS 50
#define MAX_ATTENDEES 100

static inline json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static inline void id_str(char out[24], int64_t id)
{
	snprintf(out, 24, "%lld", (long long)id);
}

/* ---- input ---- */

/* Free text: newlines and tabs allowed, other controls not. */
bool teams_valid_text(const char *s, size_t max);
/* The string at key, or NULL when absent or null. */
const char *teams_opt_str(const json_t *body, const char *key);
/* A time at path; not later than now when past_only. */
bool teams_time_field(const json_t *v, const char *path, bool past_only, hl_time t_now, struct field_errors *errs,
		      hl_time *ret);

/* ---- teams ---- */

struct team_head {
	int64_t id;
	char code[SCOPE_MAX];
	char region[32];
};

/* The first steps of a use case on team team_id: the permission, the
 * database, the team (ERR_NOTFOUND when there is none). */
int teams_enter(const struct svc_ctx *ctx, enum perm perm, int64_t team_id, struct db **ret_db, struct team_head *h);
/* The end of a write: commit when r is not an error, else roll back. */
int teams_end(struct db *db, int r);

/* ---- reviews (reviews.c) ---- */

struct review_filter {
	int64_t case_id, team_id, review_id; /* 0: any */
	const char *team_code;               /* NULL: any */
	const char *region;                  /* NULL: any; else cases of that region only */
	bool mdt;                            /* the MDT's view: no reason of a corrected time */
};

/* Reviews matching f, oldest first, each with its action items. */
int teams_reviews_json(struct db *db, struct app *app, const struct review_filter *f, json_t **ret);

/* ---- an action item done, and its time corrected (reviews.c, done.c) ---- */

struct case_head;
/* The review's case, with the permission to write reviews and the actor's
 * scope over the case checked, and when the review was held (0: not yet). */
int teams_review_case(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, struct db **ret_db,
		      struct case_head *c, hl_time *ret_held);
/* The action item as answered, with its corrections. */
int teams_action_item_json(struct db *db, struct app *app, int64_t item_id, json_t **ret);
