/* Handlers for Careline intakes and notifications. */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "http/http.h"
#include "service/drafts.h"
#include "service/intake.h"
#include "service/mailer.h"

static int param_child(struct http_req *req, int i, int *ret)
{
	int64_t v;
	if (req->nparams <= i || str_to_id(req->params[i], 0, 100, &v) < 0)
		return ERR_NOTFOUND;
	*ret = (int)v;
	return 0;
}

int h_intake_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	const char *key = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Idempotency-Key");
	struct field_errors errs;
	field_errors_init(&errs, 100);
	struct intake_created c;
	int r = svc_intake_create(&ctx, req->json, key, &errs, &c);
	if (r == ERR_INVAL)
		return http_problem_fields(resp, &errs);
	field_errors_done(&errs);
	if (r == ERR_EXISTS && key)
		return http_problem(resp, 422, "idempotency-mismatch", "This form was already sent with other details",
				    "this key was used before for a report with other details, so nothing was saved: "
				    "send that report unchanged to get its answer again, or use a new key for a new "
				    "report",
				    NULL);
	if (r < 0)
		return r;
	char *loc = arena_printf(&req->arena, "/api/v1/intakes/%lld", (long long)c.id);
	http_header_add(resp, "Location", loc);
	if (c.replayed)
		http_header_add(resp, "Idempotent-Replayed", "true");
	return http_json(resp, c.replayed ? 200 : 201,
			 json_pack("{s:I, s:s, s:b}", "id", (json_int_t)c.id, "number", c.number, "replayed", c.replayed));
}

int h_intake_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct intake_filter f = {.status = http_query(req, "status"),
				  .region = http_query(req, "region"),
				  .q = http_query(req, "q"),
				  .received_from = http_query(req, "received_from"),
				  .received_to = http_query(req, "received_to")};
	const char *older = http_query(req, "older_than_minutes");
	int64_t v;
	if (older && *older && str_to_int64(older, 0, 525600, &v) < 0)
		field_error_add(&errs, "older_than_minutes", "minutes, from 0 to 525600");
	else if (older && *older)
		f.older_than_minutes = v;
	http_page_query(req, &f.page);
	json_t *out = NULL;
	int r = field_errors_any(&errs) ? ERR_INVAL : svc_intake_list(&ctx, &f, &errs, &out);
	if (r == ERR_INVAL)
		return http_problem_fields(resp, &errs);
	field_errors_done(&errs);
	return http_reply(resp, r, 200, out);
}

int h_intake_get(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_intake_get);
}

/* The intake and child in the path. */
static int param_intake_child(struct http_req *req, int64_t *id, int *child)
{
	int r = http_param_id(req, 0, id);
	return r < 0 ? r : param_child(req, 1, child);
}

int h_intake_candidates(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	int child;
	json_t *out = NULL;
	int r = param_intake_child(req, &id, &child);
	if (r < 0 || (r = svc_intake_candidates(&ctx, id, child, &out)) < 0)
		return r;
	return http_json(resp, 200, out);
}

int h_intake_link(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id, person = 0;
	int child;
	int r = param_intake_child(req, &id, &child);
	if (r < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *pid = json_object_get(req->json, "person_id");
	bool fresh = json_is_true(json_object_get(req->json, "new_person"));
	if ((pid != NULL) == fresh)
		field_error_add(&errs, "person_id", "Child: choose a known child, or say this is a new child");
	if (pid && json_is_integer(pid) && json_integer_value(pid) < 1)
		field_error_add(&errs, "person_id", "Child: choose a child from the search");
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	r = svc_intake_link(&ctx, id, child, fresh ? 0 : json_integer_value(pid), &errs, &person);
	if (r == ERR_INVAL)
		return http_problem_fields(resp, &errs);
	field_errors_done(&errs);
	if (r < 0)
		return r;
	return http_json(resp, 200, json_pack("{s:I, s:i, s:I}", "intake_id", (json_int_t)id, "child", child,
					      "person_id", (json_int_t)person));
}

/* svc_intake_screen with its arguments taken from the body. */
static int screen(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs, json_t **ret)
{
	return svc_intake_screen(ctx, id, json_get_str(body, "instrument"), json_object_get(body, "answers"), errs, ret);
}

int h_intake_screen(struct http_req *req, struct http_resp *resp)
{
	return http_write_by_id(req, resp, screen, 50, 201);
}

/* The decision on the report, then the report as it is now. */
static int dispose(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs, json_t **ret)
{
	int r = svc_intake_dispose(ctx, id, body, errs);
	return r < 0 ? r : svc_intake_get(ctx, id, ret);
}

int h_intake_dispose(struct http_req *req, struct http_resp *resp)
{
	int r = http_write_by_id(req, resp, dispose, 20, 200);
	if (r == ERR_CONFLICT)
		return http_problem(resp, 409, "stale-version", "Changed by someone else",
				    "the report was changed since you read it; reload it and decide again", NULL);
	return r;
}

int h_notifications(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	const char *unread = http_query(req, "unread");
	struct page_query q;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	http_page_query(req, &q);
	json_t *out = NULL;
	int r = svc_notifications_list(&ctx, unread && strcmp(unread, "true") == 0, &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_notification_read(struct http_req *req, struct http_resp *resp)
{
	return http_act_by_id(req, resp, svc_notification_read);
}

int h_notifications_read_all(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t n = 0;
	int r = svc_notifications_read_all(&ctx, &n);
	if (r < 0)
		return r;
	return http_json(resp, 200, json_pack("{s:I, s:i}", "marked", (json_int_t)n, "unread", 0));
}

int h_outbox(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct page_query q;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	http_page_query(req, &q);
	json_t *out = NULL;
	int r = svc_outbox_list(&ctx, &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_draft_get(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	json_t *doc;
	char at[32];
	int r = svc_draft_get(&ctx, req->params[0], &doc, at);
	if (r < 0)
		return r;
	return http_json(resp, 200, json_pack("{s:s, s:o, s:s?}", "kind", req->params[0], "body", doc ? doc : json_null(),
					      "updated_at", *at ? at : NULL));
}

int h_draft_put(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	char at[32];
	int r = svc_draft_put(&ctx, req->params[0], req->json, at);
	if (r == ERR_INVAL)
		return http_problem(resp, 422, "validation", "Invalid input", "the draft was not saved whole; keep the page open and it is saved again", NULL);
	if (r < 0)
		return r;
	return http_json(resp, 200, json_pack("{s:s, s:s}", "kind", req->params[0], "updated_at", at));
}

int h_draft_delete(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_draft_delete(&ctx, req->params[0]);
	if (r < 0)
		return r;
	return http_no_content(resp, 0);
}
