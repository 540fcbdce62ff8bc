/* done.c: correcting the time an action item was marked done
 * (docs/cases.md, "Corrections"). The earlier time is kept
 * (service/corrections.h); the item's duty is met at the corrected time,
 * so its standing (on time or late) follows. */
#include "service/teams/teams_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/casehead.h"
#include "service/cases.h"
#include "service/corrections.h"
#include "service/deadlines.h"

static const struct field_rule fields[] = {
	{.key = "done_at", .type = FT_TIME, .required = true},
	{.key = "reason", .type = FT_STRING, .required = true, .max_len = CORRECTION_REASON_MAX},
	{.key = NULL},
};
const struct schema svc_action_item_done_correct_schema = {.name = "done time correction", .fields = fields};

static int refuse(struct case_conflict *cf, const char *slug, const char *why)
{
	cf->slug = slug;
	snprintf(cf->detail, sizeof cf->detail, "%s", why);
	return ERR_CONFLICT;
}

static int correct_write(const struct svc_ctx *ctx, struct db *db, int64_t case_id, int64_t item_id, hl_time from,
			 hl_time to, const char *reason, struct case_conflict *cf)
{
	char from_ts[32], to_ts[32];
	int r;
	if ((r = time_format(from, from_ts, sizeof from_ts)) < 0 || (r = time_format(to, to_ts, sizeof to_ts)) < 0)
		return r;
	int64_t n = 0;
	if ((r = db_execnf(db, &n, "UPDATE action_item SET done_at = ? WHERE id = ? AND done_at = ? RETURNING id", "tit",
			   to_ts, item_id, from_ts)) < 0)
		return r;
	if (!n)
		return refuse(cf, "stale-version",
			      "Someone changed the time this action item was done since you opened it: reload the page"
			      " to see it, then correct it again.");
	const struct time_correction c = {.case_id = case_id, .subject_type = "action_item", .subject_id = item_id,
					  .field = "done_at", .subject_key = "action_item_id",
					  .earlier = from, .to = to, .reason = reason};
	if ((r = duty_remeet(db, DUTY_ACTION_ITEM, "action_item", item_id, to)) < 0 ||
	    (r = correction_time_keep(db, ctx, &c)) < 0 ||
	    (r = db_execf(db, "UPDATE child_case SET version = version + 1 WHERE id = ?", "i", case_id)) < 0)
		return r;
	return svc_audit_appendf(db, ctx, "review.action_item_done_correct", "case", case_id,
				 "action_item=%lld from=%s to=%s", (long long)item_id, from_ts, to_ts);
}

int svc_action_item_done_correct(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, int64_t item_id,
				 const json_t *body, struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head c;
	hl_time held = 0, done = 0, to = 0;
	char *done_s = NULL;
	int r = teams_review_case(ctx, team_id, review_id, &db, &c, &held);
	if (r < 0 || (r = db_textf(db, &done_s, "SELECT done_at FROM action_item WHERE id = ? AND review_id = ?", "ii",
				   item_id, review_id)) < 0)
		return r;
	r = done_s && time_parse(done_s, &done) < 0 ? ERR_DB : 0;
	bool is_done = done_s != NULL;
	free(done_s);
	if (r < 0)
		return r;
	if (!is_done)
		return refuse(cf, "conflict", "The action item is not marked done: mark it done first, then correct the time.");
	if ((r = correction_time_input(body, &svc_action_item_done_correct_schema, "done_at", held,
				       "before the review that set the action item was held", done, errs, &to)) < 0)
		return r;
	const char *reason = json_string_value(json_object_get(body, "reason"));
#ifdef HARTLINE_TEST_HOOKS
	if (cases_correct_race)
		cases_correct_race();
#endif
	if ((r = db_begin(db)) < 0 ||
	    (r = teams_end(db, correct_write(ctx, db, c.id, item_id, done, to, reason, cf))) < 0)
		return r;
	return teams_action_item_json(db, ctx->app, item_id, ret);
}
