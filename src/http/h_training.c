/* h_training.c: handlers for training's people, sessions, registration
 * and attendance (docs/training.md). The services check permission and
 * input; a handler reads the path and query, and turns a refusal into its
 * answer. */
#include "http/h_training.h"

#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "service/training.h"

/* 409s: a stale version; an illegal transition (errs names "status"); a
 * prerequisite missing (errs names "trainee_id"); already registered. */
static int training_answer(struct http_resp *resp, int r, struct field_errors *errs, int status, json_t *out)
{
	if (r == ERR_EXISTS) {
		field_errors_done(errs);
		return http_problem(resp, 409, "conflict", "Already registered",
				    "this person already has a place or is waiting for one in this session", NULL);
	}
	if (r != ERR_CONFLICT)
		return http_answer(resp, r, errs, status, out);
	json_t *first = json_array_get(errs->list, 0);
	const char *field = json_get_str(first, "field");
	const char *reason = json_get_str(first, "reason");
	int ret;
	if (field && strcmp(field, "status") == 0)
		ret = http_problem_ext(resp, 409, "illegal-transition", "Illegal transition", reason,
				       json_pack("{s:[]}", "allowed"));
	else if (field)
		ret = http_problem(resp, 409, "prerequisite-missing", "Prerequisite not completed", reason,
				   json_incref(errs->list));
	else
		ret = http_problem(resp, 409, "stale-version", "Changed by someone else",
				   "this was changed since you read it; reload and try again", NULL);
	field_errors_done(errs);
	return ret;
}

static const char *query_str(struct http_req *req, const char *key)
{
	const char *v = http_query(req, key);
	return v && *v ? v : NULL;
}

static int query_limit(struct http_req *req, struct field_errors *errs)
{
	const char *v = http_query(req, "limit");
	int64_t n;
	if (!v || !*v)
		return 0;
	if (str_to_int64(v, 1, 500, &n) < 0) {
		field_error_add(errs, "limit", "from 1 to 500");
		return 0;
	}
	return (int)n;
}

int h_trainees_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct trainee_filter f = {.q = query_str(req, "q"), .provider = query_str(req, "provider"),
				   .after = query_str(req, "after")};
	f.limit = query_limit(req, &errs);
	json_t *out = NULL;
	int r = field_errors_any(&errs) ? ERR_INVAL : svc_trainees_list(&ctx, &f, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_trainee_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 50);
	json_t *out = NULL;
	int r = svc_trainee_create(&ctx, req->json, &errs, &out);
	if (r == 0)
		http_header_add(resp, "Location",
				arena_printf(&req->arena, "/api/v1/training/trainees/%lld",
					     (long long)json_integer_value(json_object_get(out, "id"))));
	return http_answer(resp, r, &errs, 201, out);
}

int h_trainee_get(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_trainee_get);
}

int h_trainee_update(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 50);
	if (r < 0)
		return r;
	json_t *out = NULL;
	r = svc_trainee_update(&ctx, id, req->json, &errs, &out);
	return training_answer(resp, r, &errs, 200, out);
}

int h_tsessions_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct tsession_filter f = {.course = query_str(req, "course"), .from = query_str(req, "from"),
				    .to = query_str(req, "to"), .status = query_str(req, "status"),
				    .after = query_str(req, "after")};
	f.limit = query_limit(req, &errs);
	json_t *out = NULL;
	int r = svc_tsessions_list(&ctx, &f, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_tsession_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 50);
	json_t *out = NULL;
	int r = svc_tsession_create(&ctx, req->json, &errs, &out);
	if (r == 0)
		http_header_add(resp, "Location",
				arena_printf(&req->arena, "/api/v1/training/sessions/%lld",
					     (long long)json_integer_value(json_object_get(out, "id"))));
	return http_answer(resp, r, &errs, 201, out);
}

int h_tsession_get(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_tsession_get);
}

int h_tsession_update(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 50);
	if (r < 0)
		return r;
	json_t *out = NULL;
	r = svc_tsession_update(&ctx, id, req->json, &errs, &out);
	return training_answer(resp, r, &errs, 200, out);
}

int h_registration_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 20);
	if (r < 0)
		return r;
	json_t *out = NULL;
	r = svc_registration_create(&ctx, id, req->json, &errs, &out);
	return training_answer(resp, r, &errs, 201, out);
}

int h_registration_cancel(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id, rid;
	struct field_errors errs;
	int r = http_sub_errs(req, &id, &rid, &errs, 5);
	if (r < 0)
		return r;
	json_t *out = NULL;
	r = svc_registration_cancel(&ctx, id, rid, &out);
	if (r == ERR_CONFLICT)
		field_error_add(&errs, "status", "this registration is already cancelled, or the session is no longer scheduled");
	return training_answer(resp, r, &errs, 200, out);
}

int h_attendance_put(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 1000);
	if (r < 0)
		return r;
	json_t *out = NULL;
	r = svc_attendance_put(&ctx, id, req->json, &errs, &out);
	return training_answer(resp, r, &errs, 200, out);
}
