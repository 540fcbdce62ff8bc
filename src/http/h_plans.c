/* h_plans.c: handlers for a case's plans. The service checks permission,
 * scope and the body; a handler reads the path and the print flag, and
 * turns a refusal into its answer. */
#include "http/h_plans.h"

#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "service/plans.h"

/* ?print=true: the read is for printing (audited as such). */
static bool print_flag(struct http_req *req)
{
	const char *v = http_query(req, "print");
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* A plan's answer, or what is not there said in words. */
static int reply(struct http_resp *resp, int r, json_t *out)
{
	if (r == ERR_NOTFOUND)
		return http_problem(resp, 404, "not-found", "Not found",
				    "no such case, plan (safety or service) or version of it", NULL);
	return http_reply(resp, r, 200, out);
}

int h_plans_get(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	json_t *out = NULL;
	int r = http_param_id(req, 0, &id);
	if (r == 0)
		r = svc_plans_get(&ctx, id, &out);
	return reply(resp, r, out);
}

int h_plan_get(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	json_t *out = NULL;
	int r = http_param_id(req, 0, &id);
	if (r == 0)
		r = svc_plan_get(&ctx, id, req->params[1], print_flag(req), &out);
	return reply(resp, r, out);
}

int h_plan_version(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id, n;
	json_t *out = NULL;
	int r = http_param_id(req, 0, &id);
	if (r == 0 && (r = str_to_id(req->nparams > 2 ? req->params[2] : NULL, 1, INT64_MAX, &n)) < 0)
		r = ERR_NOTFOUND;
	if (r == 0)
		r = svc_plan_version(&ctx, id, req->params[1], n, print_flag(req), &out);
	return reply(resp, r, out);
}

int h_plan_put(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 100);
	if (r < 0)
		return r;
	struct case_conflict cf = {0};
	json_t *out = NULL;
	r = svc_plan_put(&ctx, id, req->params[1], req->json, &errs, &cf, &out);
	if (r == ERR_CONFLICT && cf.slug) {
		field_errors_done(&errs);
		bool stale = strcmp(cf.slug, "stale-version") == 0;
		return http_problem(resp, 409, cf.slug, stale ? "Changed by someone else" : "Conflict",
				    stale ? "the plan was saved by someone else since you read it; reload it and make your changes again"
					  : cf.detail,
				    NULL);
	}
	if (r == ERR_NOTFOUND) {
		field_errors_done(&errs);
		return reply(resp, r, NULL);
	}
	return http_answer(resp, r, &errs, 201, out);
}
