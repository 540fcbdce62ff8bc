/* Handlers for corrections (docs/cases.md, "Corrections"). The services
 * check permission, scope, authorship, the window and the input; a handler
 * reads the path and turns a refusal into an answer that says why. */
#include <string.h>

#include "base/err.h"
#include "http/h_corrections.h"
#include "service/cases.h"
#include "service/teams.h"

typedef int (*correct_fn)(const struct svc_ctx *, int64_t, int64_t, const json_t *, struct field_errors *,
			  struct case_conflict *, json_t **);

/* A refusal with its reason: 403 for someone who may not (when the service
 * said why), 409 for what cannot be done now, 422 with the fields. */
static int case_correct(struct http_req *req, struct http_resp *resp, correct_fn fn)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id, sub;
	struct field_errors errs;
	int r = http_sub_errs(req, &id, &sub, &errs, 100);
	if (r < 0)
		return r;
	struct case_conflict cf = {0};
	json_t *out = NULL;
	r = fn(&ctx, id, sub, req->json, &errs, &cf, &out);
	if (r == ERR_PERM && cf.detail[0]) {
		field_errors_done(&errs);
		return http_problem(resp, 403, "forbidden", "Forbidden", cf.detail, NULL);
	}
	if (r == ERR_CONFLICT && cf.slug) {
		field_errors_done(&errs);
		return http_problem(resp, 409, cf.slug, "Conflict", cf.detail, NULL);
	}
	return http_answer(resp, r, &errs, 201, out);
}

int h_case_event_correct(struct http_req *req, struct http_resp *resp)
{
	return case_correct(req, resp, svc_case_event_correct);
}

int h_missing_locate_correct(struct http_req *req, struct http_resp *resp)
{
	return case_correct(req, resp, svc_missing_locate_correct);
}

int h_action_item_done_correct(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t team, rid, aid;
	int r;
	if ((r = http_param_id(req, 0, &team)) < 0 || (r = http_param_id(req, 1, &rid)) < 0 ||
	    (r = http_param_id(req, 2, &aid)) < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *out = NULL;
	struct case_conflict cf = {0};
	r = svc_action_item_done_correct(&ctx, team, rid, aid, req->json, &errs, &cf, &out);
	if (r == ERR_CONFLICT && cf.slug) {
		field_errors_done(&errs);
		return http_problem(resp, 409, cf.slug, "Conflict", cf.detail, NULL);
	}
	return http_answer(resp, r, &errs, 201, out);
}
