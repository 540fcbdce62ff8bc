/* rapid.c: rapid responses, requested and arrived, against the pack's target. */
#include "service/cases/cases_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/deadlines.h"
#include "service/page.h"
#include "service/providers.h"
#include "service/sealed.h"

/* A rapid response as answered: minutes taken and whether within target
 * once the responder arrived. */
static json_t *rapid_row_json(struct app *app, struct db_stmt *st, int *ret_err)
{
	const char *req = db_column_text(st, 1), *arr = db_column_text(st, 4);
	int64_t rid = db_column_int64(st, 0);
	char *responder = NULL;
	if ((*ret_err = sealed_get(app, st, 2, "rapid_response", "responder_sealed", rid, &responder)) < 0)
		return NULL;
	bool has_target = !db_column_is_null(st, 3);
	int64_t target = has_target ? db_column_int64(st, 3) : 0;
	hl_time a = 0, q = 0;
	bool arrived = arr && time_parse(arr, &a) == 0 && time_parse(req, &q) == 0;
	int64_t taken = arrived ? (a - q) / MINUTE : 0;
	json_t *j = json_pack("{s:I, s:s, s:s?, s:s?, s:o, s:o, s:o, s:o}", "id", (json_int_t)rid, "requested_at", req,
			      "responder", responder, "arrived_at", arr, "target_minutes",
			      has_target ? json_integer(target) : json_null(), "minutes_taken",
			      arrived ? json_integer(taken) : json_null(), "within_target",
			      arrived && has_target ? json_boolean(taken <= target) : json_null(), "duty_id",
			      db_column_is_null(st, 5) ? json_null() : json_integer(db_column_int64(st, 5)));
	free(responder);
	if (!j)
		*ret_err = ERR_NOMEM;
	return j;
}

#define RAPID_SELECT                                                                                         \
	"SELECT r.id, r.requested_at, r.responder_sealed, r.target_minutes, r.arrived_at,"                   \
	" (SELECT d.id FROM duty d WHERE d.kind = ? AND d.subject_type = 'rapid_response'"                   \
	" AND d.subject_id = r.id) FROM rapid_response r"

/* The rapid responses of case_id (rid 0), or rapid response rid, into out. */
static int rapids_select(struct db *db, struct app *app, int64_t case_id, int64_t rid, json_t *out)
{
	/* Only the conditions given: each finds its rows by an index. */
	struct sqlb *q = malloc(sizeof *q);
	if (!q)
		return ERR_NOMEM;
	sqlb_init(q);
	sqlb_add(q, RAPID_SELECT " WHERE 1 = 1", "t", duty_kind_to_string(DUTY_RAPID_RESPONSE_TARGET));
	if (case_id != 0)
		sqlb_add(q, " AND r.case_id = ?", "i", case_id);
	if (rid != 0)
		sqlb_add(q, " AND r.id = ?", "i", rid);
	sqlb_add(q, " ORDER BY r.requested_at, r.id", "");
	struct db_stmt *st;
	int r = sqlb_prepare(db, q, &st);
	free(q);
	if (r < 0)
		return r;
	json_t *j;
	while ((r = db_step(st)) == DB_ROW && (j = rapid_row_json(app, st, &r)))
		if (json_array_append_new(out, j) < 0) {
			r = ERR_NOMEM;
			break;
		}
	db_finalize(st);
	return r < 0 ? r : 0;
}

int cases_rapids_json(struct db *db, struct app *app, int64_t case_id, json_t *out)
{
	return rapids_select(db, app, case_id, 0, out);
}

/* ---- rapid response ---- */

static const struct field_rule request_fields[] = {
	{.key = "requested_at", .type = FT_TIME},
	{.key = "responder", .type = FT_STRING, .max_len = MAX_SHORT},
	{.key = NULL},
};
const struct schema svc_rapid_request_schema = {.name = "rapid response", .fields = request_fields};

static const struct field_rule arrive_fields[] = {
	{.key = "arrived_at", .type = FT_TIME, .required = true},
	{.key = "responder", .type = FT_STRING, .max_len = MAX_SHORT},
	{.key = NULL},
};
const struct schema svc_rapid_arrive_schema = {.name = "rapid response arrived", .fields = arrive_fields};

static int rapid_json_by_id(struct db *db, struct app *app, int64_t rid, json_t **ret)
{
	json_t *a = json_array();
	int r = a ? rapids_select(db, app, 0, rid, a) : ERR_NOMEM;
	if (r == 0 && !(*ret = json_incref(json_array_get(a, 0))))
		r = ERR_NOTFOUND;
	json_decref(a);
	return r;
}

static int request_write(const struct svc_ctx *ctx, struct db *db, int64_t id, hl_time requested,
			 const char *responder, json_t **ret)
{
	const struct pack_deadline *target =
		pack_deadline(ctx->app->pack, duty_kind_to_string(DUTY_RAPID_RESPONSE_TARGET));
	char ts[32], req_ts[32];
	time_strs(requested, ts, req_ts);
	int64_t rid = 0;
	int r = db_int64f(db, &rid,
			  "INSERT INTO rapid_response (case_id, requested_at, target_minutes, requested_by,"
			  " created_at, updated_at) VALUES (?, ?, NULLIF(CAST(? AS BIGINT), -1), ?, ?, ?) RETURNING id",
			  "itiitt", id, req_ts, target ? (int64_t)target->minutes : (int64_t)-1, ctx->actor->user_id,
			  ts, ts);
	if (r < 0 || (r = sealed_put(db, ctx->app, "rapid_response", "responder_sealed", rid, responder)) < 0 ||
	    (target && (r = duty_open_pack(db, ctx->app->pack, id, DUTY_RAPID_RESPONSE_TARGET, "rapid_response", rid,
					   requested, 0, NULL)) < 0) ||
	    /* The responder's name stays with the rapid response, sealed. */
	    (r = cases_event_packf(db, ctx, id, "rapid_response_requested", requested, "{s:I}", "rapid_response_id",
				   (json_int_t)rid)) < 0 ||
	    (r = cases_written(db, ctx, id, "rapid.request", "rapid_response=%lld", (long long)rid)) < 0)
		return r;
	return rapid_json_by_id(db, ctx->app, rid, ret);
}

/* The providers to call: see providers_offers. */
static int offers_json(struct db *db, const struct pack *pack, const char *region, json_t **ret)
{
	json_t *a = json_array();
	const char *service = pack->cases.rapid_response_service;
	int r = !a ? ERR_NOMEM : service ? providers_offers(db, service, region, PROVIDERS_RAPID_MAX, a) : 0;
	if (r < 0) {
		json_decref(a);
		return r;
	}
	*ret = a;
	return 0;
}

int svc_rapid_offers(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	struct case_head h;
	json_t *offers = NULL;
	int r = cases_access(ctx, PERM_CASES_READ, id, &db, &h, NULL);
	/* A read of the case: audited in the transaction that reads it. */
	if (r < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = offers_json(db, ctx->app->pack, h.region, &offers)) == 0)
		r = svc_audit_appendf(db, ctx, "case.rapid_offers", "case", id, "region=%s offers=%zu", h.region,
				      json_array_size(offers));
	if ((r = cases_end(db, r)) < 0) {
		json_decref(offers);
		return r;
	}
	*ret = json_pack("{s:s, s:o}", "region", h.region, "offers", offers);
	return *ret ? 0 : ERR_NOMEM;
}

int svc_rapid_request(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		      struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_write_enter(ctx, id, &svc_rapid_request_schema, body, errs, &db, &h);
	if (r < 0 && r != ERR_INVAL)
		return r;
	hl_time t = now(), requested = t;
	cases_time_past(body, "requested_at", t, errs, &requested);
	requested -= requested % HL_USEC_PER_SEC;
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (strcmp(h.status, "closed") == 0) {
		cases_conflict(cf, "case %s is closed", h.number);
		return ERR_CONFLICT;
	}
	json_t *j = NULL;
	if ((r = db_begin(db)) < 0)
		return r;
	const char *responder = json_string_value(json_object_get(body, "responder"));
	json_t *offers = NULL;
	if ((r = cases_end(db, request_write(ctx, db, id, requested, responder, &j))) < 0 ||
	    (r = offers_json(db, ctx->app->pack, h.region, &offers)) < 0 || (r = json_object_set_new(j, "offers", offers)) < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

static int arrive_write(const struct svc_ctx *ctx, struct db *db, int64_t id, int64_t rapid_id, hl_time at,
			const char *responder, struct case_conflict *cf, json_t **ret)
{
	char ts[32], at_ts[32];
	time_strs(at, ts, at_ts);
	int64_t done = 0;
	int r = db_execnf(db, &done,
			  "UPDATE rapid_response SET arrived_at = ?, updated_at = ?"
			  " WHERE id = ? AND arrived_at IS NULL RETURNING id",
			  "tti", at_ts, ts, rapid_id);
	if (r < 0)
		return r;
	if (!done) {
		cases_conflict(cf, "the responder's arrival is recorded already");
		return ERR_CONFLICT;
	}
	/* A responder named at arrival replaces the one named at the request. */
	if ((responder &&
	     (r = sealed_put(db, ctx->app, "rapid_response", "responder_sealed", rapid_id, responder)) < 0) ||
	    (r = duty_meet(db, DUTY_RAPID_RESPONSE_TARGET, "rapid_response", rapid_id, at, ctx->actor->user_id, NULL)) <
		    0 ||
	    (r = rapid_json_by_id(db, ctx->app, rapid_id, ret)) < 0)
		return r;
	if ((r = cases_event_packf(db, ctx, id, "rapid_response_arrived", at, "{s:I, s:O, s:O}", "rapid_response_id",
				   (json_int_t)rapid_id, "minutes_taken", json_object_get(*ret, "minutes_taken"),
				   "within_target", json_object_get(*ret, "within_target"))) < 0)
		return r;
	return cases_written(db, ctx, id, "rapid.arrive", "rapid_response=%lld", (long long)rapid_id);
}

int svc_rapid_arrive(const struct svc_ctx *ctx, int64_t id, int64_t rapid_id, const json_t *body,
		     struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	struct db_stmt *st;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0 || (r = db_rowf(db, &st,
				  "SELECT requested_at, arrived_at FROM rapid_response"
				  " WHERE id = ? AND case_id = ?",
				  "ii", rapid_id, id)) < 0)
		return r;
	hl_time requested = 0, at = 0;
	bool arrived = !db_column_is_null(st, 1);
	r = time_parse(db_column_text(st, 0), &requested);
	db_finalize(st);
	if (r < 0)
		return ERR_DB;
	if ((r = cases_end_time(body, &svc_rapid_arrive_schema, "arrived_at", requested,
				"before the responder was requested", errs, &at)) < 0)
		return r;
	if (arrived) {
		cases_conflict(cf, "the responder's arrival is recorded already");
		return ERR_CONFLICT;
	}
	json_t *j = NULL;
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = cases_end(db, arrive_write(ctx, db, id, rapid_id, at, cases_str(body, "responder"), cf, &j))) < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}
