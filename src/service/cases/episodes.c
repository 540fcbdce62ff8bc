/* episodes.c: a child missing and located, and the duties each opens: the
 * reports while missing, the debrief and re-screen once back. */
#include "service/cases/cases_int.h"

#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "service/deadlines.h"
#include "service/sealed.h"

static const struct field_rule start_fields[] = {
	{.key = "last_seen_at", .type = FT_TIME, .required = true},
	{.key = "learned_at", .type = FT_TIME, .required = true},
	{.key = "circumstances", .type = FT_STRING, .max_len = MAX_TEXT},
	{.key = NULL},
};
const struct schema svc_missing_start_schema = {.name = "missing episode", .fields = start_fields};

static const struct field_rule locate_fields[] = {
	{.key = "located_at", .type = FT_TIME, .required = true},
	{.key = NULL},
};
const struct schema svc_missing_locate_schema = {.name = "missing episode located", .fields = locate_fields};

int cases_load_episode(struct db *db, int64_t case_id, int64_t eid, struct episode *e)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT last_seen_at, learned_at, located_at FROM missing_episode WHERE id = ? AND case_id = ?",
			"ii", eid, case_id);
	if (r < 0)
		return r;
	*e = (struct episode){.id = eid, .located = !db_column_is_null(st, 2)};
	if (time_parse(db_column_text(st, 0), &e->last_seen) < 0 ||
	    time_parse(db_column_text(st, 1), &e->learned) < 0 ||
	    (e->located && time_parse(db_column_text(st, 2), &e->located_at) < 0))
		r = ERR_DB;
	db_finalize(st);
	return r;
}

/* Open a duty of each kind on the episode, from `from`. */
static int open_duties(struct db *db, const struct pack *pack, int64_t case_id, int64_t eid, enum duty_kind k1,
		       enum duty_kind k2, hl_time from, int64_t ret_duties[2])
{
	int r = duty_open_pack(db, pack, case_id, k1, "missing_episode", eid, from, 0, &ret_duties[0]);
	return r < 0 ? r : duty_open_pack(db, pack, case_id, k2, "missing_episode", eid, from, 0, &ret_duties[1]);
}

static int start_write(const struct svc_ctx *ctx, struct db *db, int64_t id, hl_time seen, hl_time learned,
		       const char *circ, struct case_conflict *cf, int64_t *ret_eid, int64_t duties[2])
{
	char ts[32], seen_ts[32], learned_ts[32];
	time_strs(seen, ts, seen_ts);
	time_str(learned, learned_ts);
	int64_t current = 0, eid = 0;
	int r = db_int64f(db, &current, "SELECT id FROM missing_episode WHERE case_id = ? AND located_at IS NULL", "i",
			  id);
	if (r < 0 && r != ERR_NOTFOUND)
		return r;
	if (current) {
		cases_conflict(cf, "the child is already missing (episode %lld): record where they were located first",
			       (long long)current);
		return ERR_CONFLICT;
	}
	if ((r = db_int64f(db, &eid,
			   "INSERT INTO missing_episode (case_id, last_seen_at, learned_at, created_by, created_at,"
			   " updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			   "ittitt", id, seen_ts, learned_ts, ctx->actor->user_id, ts, ts)) < 0 ||
	    (r = counts_missing(db, id, 1)) < 0 ||
	    (circ && (r = sealed_put(db, ctx->app, "missing_episode", "circumstances", eid, circ)) < 0) ||
	    (r = open_duties(db, ctx->app->pack, id, eid, DUTY_MISSING_LAW_ENFORCEMENT_REPORT,
			     DUTY_MISSING_NCMEC_REPORT, learned, duties)) < 0 ||
	    (r = cases_event_packf(db, ctx, id, "missing_started", learned, "{s:I, s:s, s:s}", "missing_episode_id",
				   (json_int_t)eid, "last_seen_at", seen_ts, "learned_at", learned_ts)) < 0)
		return r;
	*ret_eid = eid;
	return cases_written(db, ctx, id, "missing.start", "episode=%lld", (long long)eid);
}

/* {id, duties: [duty ids]}. */
static int episode_answer(int64_t eid, const int64_t duties[2], json_t **ret)
{
	*ret = json_pack("{s:I, s:[I, I]}", "id", (json_int_t)eid, "duties", (json_int_t)duties[0],
			 (json_int_t)duties[1]);
	return *ret ? 0 : ERR_NOMEM;
}

int svc_missing_start(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		      struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_write_enter(ctx, id, &svc_missing_start_schema, body, errs, &db, &h);
	if (r < 0 && r != ERR_INVAL)
		return r;
	hl_time t = now(), seen = 0, learned = 0;
	bool has_seen = cases_time_past(body, "last_seen_at", t, errs, &seen);
	bool has_learned = cases_time_past(body, "learned_at", t, errs, &learned);
	if (has_seen && has_learned && learned < seen)
		field_error_add(errs, "learned_at", "before the child was last seen");
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (strcmp(h.status, "closed") == 0) {
		cases_conflict(cf, "case %s is closed", h.number);
		return ERR_CONFLICT;
	}
	int64_t eid = 0, duties[2] = {0, 0};
	if ((r = db_begin(db)) < 0 ||
	    (r = cases_end(db, start_write(ctx, db, id, seen, learned, cases_str(body, "circumstances"), cf, &eid,
					   duties))) < 0)
		return r;
	return episode_answer(eid, duties, ret);
}

static int locate_write(const struct svc_ctx *ctx, struct db *db, int64_t id, int64_t eid, hl_time located,
			struct case_conflict *cf, int64_t duties[2])
{
	char ts[32], loc_ts[32];
	time_strs(located, ts, loc_ts);
	int64_t done = 0;
	int r = db_execnf(db, &done,
			  "UPDATE missing_episode SET located_at = ?, located_by = ?, updated_at = ?"
			  " WHERE id = ? AND located_at IS NULL RETURNING id",
			  "titi", loc_ts, ctx->actor->user_id, ts, eid);
	if (r < 0)
		return r;
	if (!done) {
		cases_conflict(cf, "missing episode %lld ended already: the child was located", (long long)eid);
		return ERR_CONFLICT;
	}
	if ((r = counts_missing(db, id, -1)) < 0 ||
	    (r = open_duties(db, ctx->app->pack, id, eid, DUTY_RETURN_DEBRIEF, DUTY_RETURN_RESCREEN, located, duties)) <
		    0 ||
	    (r = cases_event_packf(db, ctx, id, "missing_located", located, "{s:I, s:s}", "missing_episode_id",
				   (json_int_t)eid, "located_at", loc_ts)) < 0)
		return r;
	return cases_written(db, ctx, id, "missing.locate", "episode=%lld", (long long)eid);
}

int svc_missing_locate(const struct svc_ctx *ctx, int64_t id, int64_t episode_id, const json_t *body,
		       struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	struct episode e;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0 || (r = cases_load_episode(db, id, episode_id, &e)) < 0)
		return r;
	hl_time located = 0;
	if ((r = cases_end_time(body, &svc_missing_locate_schema, "located_at", e.last_seen,
				"before the child was last seen", errs, &located)) < 0)
		return r;
	if (e.located) {
		cases_conflict(cf, "missing episode %lld ended already: the child was located", (long long)episode_id);
		return ERR_CONFLICT;
	}
	int64_t duties[2] = {0, 0};
	if ((r = db_begin(db)) < 0 ||
	    (r = cases_end(db, locate_write(ctx, db, id, episode_id, located, cf, duties))) < 0)
		return r;
	return episode_answer(episode_id, duties, ret);
}
