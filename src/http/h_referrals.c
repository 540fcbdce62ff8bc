/* h_referrals.c: handlers for service referrals. The service checks
 * permission, scope and input; a handler reads the path and query, and
 * turns a refusal into its answer. */
#include "http/h_referrals.h"

#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "service/referrals.h"

/* 422 with the fields, 409 with why (an illegal move lists the statuses
 * allowed now), else the error for the dispatcher. */
static int refusal(struct http_resp *resp, int r, struct field_errors *errs, struct case_conflict *cf)
{
	if (r == ERR_INVAL && field_errors_any(errs))
		return http_problem_fields(resp, errs);
	field_errors_done(errs);
	if (r == ERR_CONFLICT && cf->slug && strcmp(cf->slug, "illegal-transition") == 0) {
		json_t *ext = json_pack("{s:o}", "allowed", cf->allowed ? cf->allowed : json_array());
		cf->allowed = NULL;
		return http_problem_ext(resp, 409, "illegal-transition", "Not allowed now", cf->detail, ext);
	}
	json_decref(cf->allowed);
	cf->allowed = NULL;
	if (r == ERR_CONFLICT && cf->slug && strcmp(cf->slug, "stale-version") == 0)
		return http_problem(resp, 409, "stale-version", "Changed by someone else", cf->detail, NULL);
	if (r == ERR_CONFLICT && cf->slug)
		return http_problem(resp, 409, cf->slug, "Conflict", cf->detail, NULL);
	return r;
}

typedef int (*referral_write_fn)(const struct svc_ctx *, int64_t, const json_t *, struct field_errors *,
				 struct case_conflict *, json_t **);

/* A write to the object in the path; a new referral is 201 at its address. */
static int write(struct http_req *req, struct http_resp *resp, referral_write_fn fn, int status)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 20);
	if (r < 0)
		return r;
	struct case_conflict cf = {0};
	json_t *out = NULL;
	if ((r = fn(&ctx, id, req->json, &errs, &cf, &out)) < 0)
		return refusal(resp, r, &errs, &cf);
	field_errors_done(&errs);
	if (status == 201)
		http_header_add(resp, "Location",
				arena_printf(&req->arena, "/api/v1/referrals/%lld",
					     (long long)json_integer_value(json_object_get(out, "id"))));
	return http_json(resp, status, out);
}

int h_referral_create(struct http_req *req, struct http_resp *resp)
{
	return write(req, resp, svc_referral_create, 201);
}

int h_referral_get(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_referral_get);
}

int h_referral_update(struct http_req *req, struct http_resp *resp)
{
	return write(req, resp, svc_referral_update, 200);
}

int h_referral_rerefer(struct http_req *req, struct http_resp *resp)
{
	return write(req, resp, svc_referral_rerefer, 201);
}

/* An id in the query: 0 when absent. */
static int64_t query_id(struct http_req *req, const char *key, struct field_errors *errs)
{
	const char *v = http_query(req, key);
	int64_t id = 0;
	if (v && *v && str_to_int64(v, 1, INT64_MAX, &id) < 0)
		field_error_add(errs, key, "%s: choose one from the list", strcmp(key, "case") == 0 ? "Case" : "Provider");
	return id;
}

int h_referrals_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	const char *status = http_query(req, "status"), *limit = http_query(req, "limit");
	struct referral_filter f = {.status = status && *status ? status : NULL, .after = http_query(req, "after")};
	f.provider_id = query_id(req, "provider", &errs);
	f.case_id = query_id(req, "case", &errs);
	int64_t n = 0;
	if (limit && *limit && str_to_int64(limit, 1, 500, &n) < 0)
		field_error_add(&errs, "limit", "from 1 to 500");
	f.limit = (int)n;
	json_t *out = NULL;
	int r = field_errors_any(&errs) ? ERR_INVAL : svc_referrals_list(&ctx, &f, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}
