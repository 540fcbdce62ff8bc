/* h_certificates.c: training certificates, the public check of a code,
 * and the trainers' cascade (docs/training.md). */
#include "http/h_certificates.h"

#include "base/err.h"
#include "base/str.h"
#include "service/page.h"
#include "service/training_certs.h"

int h_certificates_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct cert_filter f = {.course = http_query(req, "course"), .after = http_query(req, "after")};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	const char *trainee = http_query(req, "trainee"), *limit = http_query(req, "limit");
	int64_t n = 0;
	if (trainee && *trainee && str_to_int64(trainee, 1, INT64_MAX, &f.trainee) < 0)
		field_error_add(&errs, "trainee", "the number of a person trained");
	/* The service names a bad limit, with the other filters it judges. */
	if (limit && *limit && str_to_int64(limit, 1, LIST_LIMIT_MAX, &n) < 0)
		n = -1;
	f.limit = (int)n;
	json_t *out = NULL;
	int r = svc_certificates_list(&ctx, &f, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_certificate_get(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_certificate_get);
}

int h_certificate_print(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_certificate_print);
}

int h_certificate_revoke(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	int64_t id;
	int r = http_id_errs(req, &id, &errs, 10);
	if (r < 0)
		return r;
	json_t *out = NULL;
	r = svc_certificate_revoke(&ctx, id, req->json, &errs, &out);
	if (r == ERR_CONFLICT) {
		field_errors_done(&errs);
		return http_problem_ext(resp, 409, "illegal-transition", "Not allowed now",
					"This certificate is revoked already.", json_pack("{s:[]}", "allowed"));
	}
	return http_answer(resp, r, &errs, 200, out);
}

/* Public: a known code's course, date and status; any other code the same
 * answer, 200 {valid: false, status: "unknown"}. Too many unknown codes
 * from one client: 429 with the wait. */
int h_certificate_verify(struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	int retry = 1;
	int r = svc_certificate_verify(req->app, req->client, req->params[0], &out, &retry);
	if (r == ERR_BUSY) {
		const char *secs = arena_printf(&req->arena, "%d", retry);
		if (!secs || (r = http_header_add(resp, "Retry-After", secs)) < 0)
			return secs ? r : ERR_NOMEM;
		return http_problem_ext(resp, 429, "too-many-attempts", "Too many attempts",
					arena_printf(&req->arena,
						     "Too many codes that match no certificate. Wait %d second%s, then try again.",
						     retry, retry == 1 ? "" : "s"),
					json_pack("{s:i}", "retry_after", retry));
	}
	return http_reply(resp, r, 200, out);
}

int h_trainers_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct page_query q;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	http_page_query(req, &q);
	json_t *out = NULL;
	int r = svc_trainers_list(&ctx, &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_trainer_get(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_trainer_get);
}
