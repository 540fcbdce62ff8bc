/* episodes.c: a child missing and located, and the duties each opens. */
#include "service/cases/cases_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/casestate.h"
#include "service/audit.h"
#include "service/deadlines.h"
#include "service/sealed.h"

/* Episode eid of case case_id; ERR_NOTFOUND when the case has no such one. */
int cases_load_episode(struct db *db, int64_t case_id, int64_t eid, struct episode *e)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT last_seen_at, learned_at, located_at FROM missing_episode WHERE id = ? AND case_id = ?",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, eid);
	db_bind_int64(st, 2, case_id);
	r = db_step(st);
	if (r == DB_ROW) {
		memset(e, 0, sizeof *e);
		e->id = eid;
		time_parse(db_column_text(st, 0), &e->last_seen);
		time_parse(db_column_text(st, 1), &e->learned);
		e->located = !db_column_is_null(st, 2);
		if (e->located)
			time_parse(db_column_text(st, 2), &e->located_at);
		r = 0;
	} else if (r == DB_DONE) {
		r = ERR_NOTFOUND;
	}
	db_finalize(st);
	return r;
}

/* ---- missing episodes ---- */

int svc_missing_start(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		      struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	static const char *const known[] = {"last_seen_at", "learned_at", "circumstances", NULL};
	if (!cases_need_object(body, errs))
		return ERR_INVAL;
	cases_unknown_keys(body, known, errs);
	hl_time t = now(), seen = 0, learned = 0;
	bool has_seen = cases_time_field(body, "last_seen_at", true, t, errs, &seen);
	bool has_learned = cases_time_field(body, "learned_at", true, t, errs, &learned);
	const char *circ = cases_str_field(body, "circumstances", MAX_TEXT, false, errs);
	if (has_seen && has_learned && learned < seen)
		field_error_add(errs, "learned_at", "before the child was last seen");
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (strcmp(h.status, "closed") == 0) {
		cases_conflict(cf, "case %s is closed", h.number);
		return ERR_CONFLICT;
	}
	char ts[32], seen_ts[32], learned_ts[32], oid[24];
	time_str(t, ts);
	time_str(seen, seen_ts);
	time_str(learned, learned_ts);
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "SELECT id FROM missing_episode WHERE case_id = ? AND located_at IS NULL", &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	int64_t current = 0;
	if ((r = cases_step_id(st, &current)) < 0)
		goto fail;
	if (current) {
		cases_conflict(cf, "the child is already missing (episode %lld): record where they were located first",
			 (long long)current);
		r = ERR_CONFLICT;
		goto fail;
	}
	if ((r = db_prepare(db,
			    "INSERT INTO missing_episode (case_id, last_seen_at, learned_at, created_by, created_at,"
			    " updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, seen_ts);
	db_bind_text(st, 3, learned_ts);
	db_bind_int64(st, 4, ctx->actor->user_id);
	db_bind_text(st, 5, ts);
	db_bind_text(st, 6, ts);
	int64_t eid = 0;
	if ((r = cases_step_id(st, &eid)) < 0)
		goto fail;
	if (circ && *circ && (r = sealed_put(db, ctx->app, "missing_episode", "circumstances", eid, circ)) < 0)
		goto fail;
	int64_t d1 = 0, d2 = 0;
	if ((r = duty_open_pack(db, ctx->app->pack, id, DUTY_MISSING_LAW_ENFORCEMENT_REPORT, "missing_episode", eid, learned,
				0, &d1)) < 0 ||
	    (r = duty_open_pack(db, ctx->app->pack, id, DUTY_MISSING_NCMEC_REPORT, "missing_episode", eid, learned, 0,
				&d2)) < 0)
		goto fail;
	json_t *data = json_pack("{s:I, s:s, s:s}", "missing_episode_id", (json_int_t)eid, "last_seen_at", seen_ts,
				 "learned_at", learned_ts);
	r = cases_event_add(db, ctx->app, id, "missing_started", learned, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0 || (r = cases_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "missing.start", "case", id, "episode=%lld", (long long)eid)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	*ret = json_pack("{s:I, s:[I, I]}", "id", (json_int_t)eid, "duties", (json_int_t)d1, (json_int_t)d2);
	return 0;
fail:
	db_rollback(db);
	return r;
}

int svc_missing_locate(const struct svc_ctx *ctx, int64_t id, int64_t episode_id, const json_t *body,
		       struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	struct episode e;
	if ((r = cases_load_episode(db, id, episode_id, &e)) < 0)
		return r;
	static const char *const known[] = {"located_at", NULL};
	if (!cases_need_object(body, errs))
		return ERR_INVAL;
	cases_unknown_keys(body, known, errs);
	hl_time t = now(), located = 0;
	if (cases_time_field(body, "located_at", true, t, errs, &located) && located < e.last_seen)
		field_error_add(errs, "located_at", "before the child was last seen");
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (e.located) {
		cases_conflict(cf, "missing episode %lld ended already: the child was located", (long long)episode_id);
		return ERR_CONFLICT;
	}
	char ts[32], loc_ts[32], oid[24];
	time_str(t, ts);
	time_str(located, loc_ts);
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "UPDATE missing_episode SET located_at = ?, located_by = ?, updated_at = ?"
			    " WHERE id = ? AND located_at IS NULL RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, loc_ts);
	db_bind_int64(st, 2, ctx->actor->user_id);
	db_bind_text(st, 3, ts);
	db_bind_int64(st, 4, episode_id);
	int64_t done = 0;
	if ((r = cases_step_id(st, &done)) < 0)
		goto fail;
	if (!done) {
		cases_conflict(cf, "missing episode %lld ended already: the child was located", (long long)episode_id);
		r = ERR_CONFLICT;
		goto fail;
	}
	int64_t d1 = 0, d2 = 0;
	if ((r = duty_open_pack(db, ctx->app->pack, id, DUTY_RETURN_DEBRIEF, "missing_episode", episode_id, located, 0,
				&d1)) < 0 ||
	    (r = duty_open_pack(db, ctx->app->pack, id, DUTY_RETURN_RESCREEN, "missing_episode", episode_id, located, 0,
				&d2)) < 0)
		goto fail;
	json_t *data = json_pack("{s:I, s:s}", "missing_episode_id", (json_int_t)episode_id, "located_at", loc_ts);
	r = cases_event_add(db, ctx->app, id, "missing_located", located, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0 || (r = cases_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "missing.locate", "case", id, "episode=%lld", (long long)episode_id)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	*ret = json_pack("{s:I, s:[I, I]}", "id", (json_int_t)episode_id, "duties", (json_int_t)d1, (json_int_t)d2);
	return 0;
fail:
	db_rollback(db);
	return r;
}

