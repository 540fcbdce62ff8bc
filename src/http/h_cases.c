/* Handlers for cases, deadlines and the dashboard (docs/cases.md). The
 * services check permission, scope and input; a handler reads the path and
 * query, and turns a refusal into its answer. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "http/h_cases.h"
#include "service/cases.h"
#include "service/deadlines.h"

/* The answer to a service's refusal: 422 with the fields, 409 with why
 * (an illegal transition lists the statuses allowed, a closing refused
 * for open work lists the duties and referrals), else the error. */
static int refusal(struct http_resp *resp, int r, struct field_errors *errs, struct case_conflict *cf)
{
	if (r == ERR_INVAL && field_errors_any(errs))
		return http_problem_fields(resp, errs);
	field_errors_done(errs);
	if (r == ERR_CONFLICT && cf->slug && strcmp(cf->slug, "illegal-transition") == 0) {
		json_t *ext = json_pack("{s:o}", "allowed", cf->allowed ? cf->allowed : json_array());
		cf->allowed = NULL;
		return http_problem_ext(resp, 409, "illegal-transition", "Illegal transition", cf->detail, ext);
	}
	json_decref(cf->allowed);
	cf->allowed = NULL;
	if (r == ERR_CONFLICT && cf->open_work) {
		json_t *ext = cf->open_work;
		cf->open_work = NULL;
		return http_problem_ext(resp, 409, cf->slug, "Open work", cf->detail, ext);
	}
	if (r == ERR_CONFLICT && cf->slug)
		return http_problem(resp, 409, cf->slug, "Conflict", cf->detail, NULL);
	return r;
}

/* Call shapes of the services below. */
typedef int (*case_write_fn)(const struct svc_ctx *, int64_t, const json_t *, struct field_errors *,
			     struct case_conflict *, json_t **);
typedef int (*sub_write_fn)(const struct svc_ctx *, int64_t, int64_t, const json_t *, struct field_errors *,
			    struct case_conflict *, json_t **);

static int case_write(struct http_req *req, struct http_resp *resp, case_write_fn fn, int status)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 100);
	if (r < 0)
		return r;
	struct case_conflict cf = {0};
	json_t *out = NULL;
	if ((r = fn(&ctx, id, req->json, &errs, &cf, &out)) < 0)
		return refusal(resp, r, &errs, &cf);
	field_errors_done(&errs);
	return http_json(resp, status, out);
}

static int sub_write(struct http_req *req, struct http_resp *resp, sub_write_fn fn)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id, sub;
	struct field_errors errs;
	int r = http_sub_errs(req, &id, &sub, &errs, 100);
	if (r < 0)
		return r;
	struct case_conflict cf = {0};
	json_t *out = NULL;
	if ((r = fn(&ctx, id, sub, req->json, &errs, &cf, &out)) < 0)
		return refusal(resp, r, &errs, &cf);
	field_errors_done(&errs);
	return http_json(resp, 200, out);
}

int h_cases_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 100);
	struct case_conflict cf = {0};
	struct case_opened c;
	int r = svc_case_open(&ctx, req->json, &errs, &cf, &c);
	if (r < 0)
		return refusal(resp, r, &errs, &cf);
	field_errors_done(&errs);
	char *loc = arena_printf(&req->arena, "/api/v1/cases/%lld", (long long)c.id);
	http_header_add(resp, "Location", loc);
	return http_json(resp, c.joined ? 200 : 201,
			 json_pack("{s:I, s:s, s:I, s:b}", "id", (json_int_t)c.id, "number", c.number, "version",
				   (json_int_t)c.version, "joined", c.joined));
}

/* A query flag: true, false or absent. */
static bool query_flag(struct http_req *req, const char *key, struct field_errors *errs)
{
	const char *v = http_query(req, key);
	if (!v || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return false;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		return true;
	field_error_add(errs, key, "true or false");
	return false;
}

int h_cases_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct case_filter f = {.status = http_query(req, "status"),
				.region = http_query(req, "region"),
				.q = http_query(req, "q"),
				.opened_from = http_query(req, "opened_from"),
				.opened_to = http_query(req, "opened_to")};
	f.missing = query_flag(req, "missing", &errs);
	const char *lead = http_query(req, "lead");
	if (lead && *lead && str_to_int64(lead, 1, INT64_MAX, &f.lead) < 0)
		field_error_add(&errs, "lead", "Worker: choose a worker from the list");
	http_page_query(req, &f.page);
	json_t *out = NULL;
	r = field_errors_any(&errs) ? ERR_INVAL : svc_case_list(&ctx, &f, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_case_get(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_case_get);
}

int h_case_update(struct http_req *req, struct http_resp *resp)
{
	return case_write(req, resp, svc_case_update, 200);
}

int h_case_event(struct http_req *req, struct http_resp *resp)
{
	return case_write(req, resp, svc_case_event, 201);
}

int h_case_report(struct http_req *req, struct http_resp *resp)
{
	return case_write(req, resp, svc_case_report, 201);
}

int h_missing_start(struct http_req *req, struct http_resp *resp)
{
	return case_write(req, resp, svc_missing_start, 201);
}

int h_missing_locate(struct http_req *req, struct http_resp *resp)
{
	return sub_write(req, resp, svc_missing_locate);
}

int h_rapid_request(struct http_req *req, struct http_resp *resp)
{
	return case_write(req, resp, svc_rapid_request, 201);
}

int h_rapid_arrive(struct http_req *req, struct http_resp *resp)
{
	return sub_write(req, resp, svc_rapid_arrive);
}

int h_deadlines_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct deadline_filter f = {.status = http_query(req, "status"), .region = http_query(req, "region")};
	const char *c = http_query(req, "case");
	if (c && *c && str_to_int64(c, 1, INT64_MAX, &f.case_id) < 0)
		field_error_add(&errs, "case", "Case: choose a case from the list");
	http_page_query(req, &f.page);
	json_t *out = NULL;
	r = field_errors_any(&errs) ? ERR_INVAL : svc_deadlines_list(&ctx, &f, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_dashboard(struct http_req *req, struct http_resp *resp)
{
	return http_read_doc(req, resp, svc_dashboard);
}

/* ---- who works a case, my work, the caseload, reopening, printing ---- */

int h_case_assign(struct http_req *req, struct http_resp *resp)
{
	return case_write(req, resp, svc_case_assign, 200);
}

int h_case_unassign(struct http_req *req, struct http_resp *resp)
{
	return sub_write(req, resp, svc_case_unassign);
}

int h_case_reopen(struct http_req *req, struct http_resp *resp)
{
	return case_write(req, resp, svc_case_reopen, 200);
}

int h_case_assignable(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 10);
	if (r < 0)
		return r;
	struct page_query q;
	http_page_query(req, &q);
	json_t *out = NULL;
	r = svc_case_assignable(&ctx, id, &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_case_print(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 10);
	if (r < 0)
		return r;
	json_t *out = NULL;
	r = svc_case_print(&ctx, id, http_query(req, "parts"), &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_my_cases(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct page_query q;
	http_page_query(req, &q);
	json_t *out = NULL;
	int r = svc_my_cases(&ctx, http_query(req, "status"), &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_my_duties(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct page_query q;
	http_page_query(req, &q);
	json_t *out = NULL;
	int r = svc_my_duties(&ctx, &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_caseload(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct page_query q;
	http_page_query(req, &q);
	json_t *out = NULL;
	int r = svc_caseload(&ctx, http_query(req, "region"), &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}
