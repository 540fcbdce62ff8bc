/* rapid.c: rapid responses, requested and arrived, against the pack's target. */
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

/* A rapid response as answered: minutes taken and whether within target
 * once the responder arrived. */
json_t *cases_rapid_row_json(struct app *app, struct db_stmt *st, int *ret_err)
{
	const char *req = db_column_text(st, 1), *arr = db_column_text(st, 4);
	int64_t rid = db_column_int64(st, 0);
	char *responder = NULL;
	if ((*ret_err = sealed_get(app, st, 2, "rapid_response", "responder_sealed", rid, &responder)) < 0)
		return NULL;
	json_t *j = json_pack("{s:I, s:s, s:s?, s:s?}", "id", (json_int_t)rid, "requested_at", req, "responder",
			      responder, "arrived_at", arr);
	free(responder);
	if (!j) {
		*ret_err = ERR_NOMEM;
		return NULL;
	}
	bool has_target = !db_column_is_null(st, 3);
	int64_t target = has_target ? db_column_int64(st, 3) : 0;
	json_object_set_new(j, "target_minutes", has_target ? json_integer(target) : json_null());
	if (arr) {
		hl_time a = 0, q = 0;
		time_parse(arr, &a);
		time_parse(req, &q);
		int64_t taken = (a - q) / MINUTE;
		json_object_set_new(j, "minutes_taken", json_integer(taken));
		json_object_set_new(j, "within_target", has_target ? json_boolean(taken <= target) : json_null());
	} else {
		json_object_set_new(j, "minutes_taken", json_null());
		json_object_set_new(j, "within_target", json_null());
	}
	json_object_set_new(j, "duty_id", db_column_is_null(st, 5) ? json_null() : json_integer(db_column_int64(st, 5)));
	return j;
}

#define RAPID_SELECT                                                                                         \
	"SELECT r.id, r.requested_at, r.responder_sealed, r.target_minutes, r.arrived_at,"                   \
	" (SELECT d.id FROM duty d WHERE d.kind = ? AND d.subject_type = 'rapid_response'" \
	" AND d.subject_id = r.id) FROM rapid_response r"

int cases_rapids_json(struct db *db, struct app *app, int64_t case_id, json_t *out)
{
	struct db_stmt *st;
	int r = db_prepare(db, RAPID_SELECT " WHERE r.case_id = ? ORDER BY r.requested_at, r.id", &st);
	if (r < 0 || (r = duty_bind_kind(st, 1, DUTY_RAPID_RESPONSE_TARGET)) < 0)
		return r;
	db_bind_int64(st, 2, case_id);
	while ((r = db_step(st)) == DB_ROW) {
		json_t *j = cases_rapid_row_json(app, st, &r);
		if (!j)
			break;
		json_array_append_new(out, j);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- rapid response ---- */

static int rapid_json_by_id(struct db *db, struct app *app, int64_t rid, json_t **ret)
{
	struct db_stmt *st;
	int r = db_prepare(db, RAPID_SELECT " WHERE r.id = ?", &st);
	if (r < 0 || (r = duty_bind_kind(st, 1, DUTY_RAPID_RESPONSE_TARGET)) < 0)
		return r;
	db_bind_int64(st, 2, rid);
	r = db_step(st);
	int err = 0;
	if (r == DB_ROW && !(*ret = cases_rapid_row_json(app, st, &err)))
		r = err < 0 ? err : ERR_NOMEM;
	db_finalize(st);
	return r == DB_ROW ? 0 : r < 0 ? r : ERR_NOTFOUND;
}

int svc_rapid_request(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		      struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	static const char *const known[] = {"requested_at", "responder", NULL};
	if (!cases_need_object(body, errs))
		return ERR_INVAL;
	cases_unknown_keys(body, known, errs);
	hl_time t = now(), requested = t;
	cases_time_field(body, "requested_at", false, t, errs, &requested);
	requested -= requested % HL_USEC_PER_SEC;
	const char *responder = cases_str_field(body, "responder", MAX_SHORT, false, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (strcmp(h.status, "closed") == 0) {
		cases_conflict(cf, "case %s is closed", h.number);
		return ERR_CONFLICT;
	}
	const struct pack_deadline *target = pack_deadline(ctx->app->pack, duty_kind_to_string(DUTY_RAPID_RESPONSE_TARGET));
	char ts[32], req_ts[32], oid[24];
	time_str(t, ts);
	time_str(requested, req_ts);
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO rapid_response (case_id, requested_at, target_minutes, requested_by,"
			    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, req_ts);
	if (target)
		db_bind_int64(st, 3, target->minutes);
	else
		db_bind_null(st, 3);
	db_bind_int64(st, 4, ctx->actor->user_id);
	db_bind_text(st, 5, ts);
	db_bind_text(st, 6, ts);
	int64_t rid = 0;
	if ((r = cases_step_id(st, &rid)) < 0 ||
	    (r = sealed_put(db, ctx->app, "rapid_response", "responder_sealed", rid, responder)) < 0)
		goto fail;
	if (target && (r = duty_open_pack(db, ctx->app->pack, id, DUTY_RAPID_RESPONSE_TARGET, "rapid_response", rid,
					  requested, 0, NULL)) < 0)
		goto fail;
	/* The responder's name stays with the rapid response, sealed. */
	json_t *data = json_pack("{s:I}", "rapid_response_id", (json_int_t)rid);
	r = cases_event_add(db, ctx->app, id, "rapid_response_requested", requested, ctx->actor->user_id, false, data, NULL,
		      NULL);
	json_decref(data);
	if (r < 0 || (r = cases_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "rapid.request", "case", id, "rapid_response=%lld", (long long)rid)) < 0)
		goto fail;
	json_t *j = NULL;
	if ((r = rapid_json_by_id(db, ctx->app, rid, &j)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0) {
		json_decref(j);
		goto fail;
	}
	*ret = j;
	return 0;
fail:
	db_rollback(db);
	return r;
}

int svc_rapid_arrive(const struct svc_ctx *ctx, int64_t id, int64_t rapid_id, const json_t *body,
		     struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "SELECT requested_at, arrived_at FROM rapid_response WHERE id = ? AND case_id = ?",
			    &st)) < 0)
		return r;
	db_bind_int64(st, 1, rapid_id);
	db_bind_int64(st, 2, id);
	r = db_step(st);
	hl_time requested = 0;
	bool arrived = false;
	if (r == DB_ROW) {
		time_parse(db_column_text(st, 0), &requested);
		arrived = !db_column_is_null(st, 1);
	}
	db_finalize(st);
	if (r == DB_DONE)
		return ERR_NOTFOUND;
	if (r < 0)
		return r;
	static const char *const known[] = {"arrived_at", "responder", NULL};
	if (!cases_need_object(body, errs))
		return ERR_INVAL;
	cases_unknown_keys(body, known, errs);
	hl_time t = now(), at = 0;
	if (cases_time_field(body, "arrived_at", true, t, errs, &at) && at < requested)
		field_error_add(errs, "arrived_at", "before the responder was requested");
	const char *responder = cases_str_field(body, "responder", MAX_SHORT, false, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (arrived) {
		cases_conflict(cf, "the responder's arrival is recorded already");
		return ERR_CONFLICT;
	}
	char ts[32], at_ts[32], oid[24];
	time_str(t, ts);
	time_str(at, at_ts);
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = db_prepare(db,
			    "UPDATE rapid_response SET arrived_at = ?, updated_at = ?"
			    " WHERE id = ? AND arrived_at IS NULL RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, at_ts);
	db_bind_text(st, 2, ts);
	db_bind_int64(st, 3, rapid_id);
	int64_t done = 0;
	if ((r = cases_step_id(st, &done)) < 0)
		goto fail;
	/* A responder named at arrival replaces the one named at the request. */
	if (done && responder && *responder &&
	    (r = sealed_put(db, ctx->app, "rapid_response", "responder_sealed", rapid_id, responder)) < 0)
		goto fail;
	if (!done) {
		cases_conflict(cf, "the responder's arrival is recorded already");
		r = ERR_CONFLICT;
		goto fail;
	}
	if ((r = duty_meet(db, DUTY_RAPID_RESPONSE_TARGET, "rapid_response", rapid_id, at, ctx->actor->user_id, NULL)) < 0)
		goto fail;
	json_t *j = NULL;
	if ((r = rapid_json_by_id(db, ctx->app, rapid_id, &j)) < 0)
		goto fail;
	json_t *data = json_pack("{s:I, s:O, s:O}", "rapid_response_id", (json_int_t)rapid_id, "minutes_taken",
				 json_object_get(j, "minutes_taken"), "within_target", json_object_get(j, "within_target"));
	r = cases_event_add(db, ctx->app, id, "rapid_response_arrived", at, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0 || (r = cases_touch(db, id, ts)) < 0) {
		json_decref(j);
		goto fail;
	}
	r = svc_audit_appendf(db, ctx, "rapid.arrive", "case", id, "rapid_response=%lld", (long long)rapid_id);
	if (r < 0 || (r = db_commit(db)) < 0) {
		json_decref(j);
		goto fail;
	}
	*ret = j;
	return 0;
fail:
	db_rollback(db);
	return r;
}

