#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "http/http.h"
#include "service/page.h"

int http_json(struct http_resp *resp, int status, json_t *j)
{
	if (!j)
		return http_problem(resp, 500, "internal", "Internal error", "out of memory", NULL);
	buf_clear(&resp->body);
	int r = json_dump_to_buf(j, &resp->body);
	json_decref(j);
	if (r < 0)
		return http_problem(resp, 500, "internal", "Internal error", "response too large", NULL);
	resp->status = status;
	resp->content_type = "application/json";
	return 0;
}

static int problem(struct http_resp *resp, int status, const char *slug, const char *title, const char *detail,
		   json_t *errors, json_t *ext)
{
	char type[96];
	snprintf(type, sizeof type, "urn:hartline:problem:%s", slug);
	json_t *j = json_pack("{s:s, s:s, s:i}", "type", type, "title", title, "status", status);
	if (j && detail)
		json_object_set_new(j, "detail", json_string(detail));
	if (j && errors)
		json_object_set(j, "errors", errors);
	json_decref(errors);
	const char *key;
	json_t *v;
	if (j && json_is_object(ext))
		json_object_foreach(ext, key, v)
		{
			/* The standard members stay as they are. */
			if (!json_object_get(j, key))
				json_object_set(j, key, v);
		}
	json_decref(ext);
	buf_clear(&resp->body);
	resp->static_body = NULL;
	int r = j ? json_dump_to_buf(j, &resp->body) : ERR_NOMEM;
	json_decref(j);
	if (r < 0) {
		/* The answer that needs no memory: a constant, not the buffer that
		 * just failed to grow. */
		static const char internal[] =
			"{\"type\":\"urn:hartline:problem:internal\",\"title\":\"Internal error\",\"status\":500}";
		buf_clear(&resp->body);
		resp->static_body = (const unsigned char *)internal;
		resp->static_len = sizeof internal - 1;
		status = 500;
	}
	resp->status = status;
	resp->content_type = "application/problem+json";
	return 0;
}

int http_problem(struct http_resp *resp, int status, const char *slug, const char *title, const char *detail,
		 json_t *errors)
{
	return problem(resp, status, slug, title, detail, errors, NULL);
}

int http_problem_ext(struct http_resp *resp, int status, const char *slug, const char *title, const char *detail,
		     json_t *ext)
{
	return problem(resp, status, slug, title, detail, NULL, ext);
}

int http_problem_from_err(struct http_resp *resp, int err)
{
	switch (err) {
	case ERR_NOTFOUND:
		return http_problem(resp, 404, "not-found", "Not found", NULL, NULL);
	case ERR_CONFLICT:
		return http_problem(resp, 409, "conflict", "Conflict",
				    "the record changed since it was read, or the change is not allowed now", NULL);
	case ERR_PERM:
		return http_problem(resp, 403, "forbidden", "Forbidden",
				    "your role does not allow this, or the record is outside your scope", NULL);
	case ERR_AUTH:
		return http_problem(resp, 401, "unauthenticated", "Not logged in", NULL, NULL);
	case ERR_TOOBIG:
		return http_problem(resp, 413, "too-large", "Too large", NULL, NULL);
	case ERR_BUSY:
		return http_problem(resp, 503, "busy", "Busy", "try again in a moment", NULL);
	case ERR_INVAL:
		return http_problem(resp, 422, "validation", "Invalid input", NULL, NULL);
	case ERR_RESTRICTED: /* docs/recovery.md, "Record relief" */
		return http_problem(resp, 403, "restricted", "Restricted record",
				    "This record was vacated or erased by court order. To open it, give your reason.", NULL);
	}
	return http_problem(resp, 500, "internal", "Internal error", err_str(err), NULL);
}

int http_header_add(struct http_resp *resp, const char *name, const char *value)
{
	if (resp->nheaders >= HTTP_MAX_HEADERS)
		return ERR_TOOBIG;
	resp->headers[resp->nheaders].name = name;
	resp->headers[resp->nheaders].value = value;
	resp->nheaders++;
	return 0;
}

const char *http_query(struct http_req *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

void http_page_query(struct http_req *req, struct page_query *ret)
{
	ret->limit = http_query(req, "limit");
	ret->after = http_query(req, "after");
	ret->sort = http_query(req, "sort");
}

int http_param_id(const struct http_req *req, int i, int64_t *ret)
{
	return req->nparams > i && str_to_id(req->params[i], 1, INT64_MAX, ret) == 0 ? 0 : ERR_NOTFOUND;
}

int http_reply(struct http_resp *resp, int r, int status, json_t *out)
{
	if (r < 0) {
		json_decref(out);
		return r;
	}
	return http_json(resp, status, out);
}

int http_no_content(struct http_resp *resp, int r)
{
	if (r < 0)
		return r;
	resp->status = 204;
	resp->content_type = NULL;
	return 0;
}

int http_refused(struct http_resp *resp, int r, struct field_errors *errs)
{
	if (r == ERR_INVAL && field_errors_any(errs))
		return http_problem_fields(resp, errs);
	field_errors_done(errs);
	return r;
}

int http_answer(struct http_resp *resp, int r, struct field_errors *errs, int status, json_t *out)
{
	if (r < 0) {
		json_decref(out);
		return http_refused(resp, r, errs);
	}
	field_errors_done(errs);
	return http_json(resp, status, out);
}

int http_id_errs(const struct http_req *req, int64_t *id, struct field_errors *errs, size_t max)
{
	int r = http_param_id(req, 0, id);
	if (r == 0)
		field_errors_init(errs, max);
	return r;
}

int http_sub_errs(const struct http_req *req, int64_t *id, int64_t *sub, struct field_errors *errs, size_t max)
{
	int r = http_param_id(req, 0, id);
	if (r == 0 && (r = http_param_id(req, 1, sub)) == 0)
		field_errors_init(errs, max);
	return r;
}

int http_write_by_id(struct http_req *req, struct http_resp *resp, http_write_fn fn, size_t max, int status)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	json_t *out = NULL;
	int r = http_id_errs(req, &id, &errs, max);
	if (r < 0)
		return r;
	r = fn(&ctx, id, req->json, &errs, &out);
	return http_answer(resp, r, &errs, status, out);
}

int http_act_by_id(struct http_req *req, struct http_resp *resp, http_act_fn fn)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	int r = http_param_id(req, 0, &id);
	if (r == 0)
		r = fn(&ctx, id);
	return http_no_content(resp, r);
}

int http_read_doc(struct http_req *req, struct http_resp *resp, http_doc_fn fn)
{
	struct svc_ctx ctx = http_ctx(req);
	json_t *out = NULL;
	/* Not in one expression: the order in which arguments are read is
	 * unspecified, and out must be read after fn has set it. */
	int r = fn(&ctx, &out);
	return http_reply(resp, r, 200, out);
}

int http_read_by_id(struct http_req *req, struct http_resp *resp, http_read_fn fn)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	json_t *out = NULL;
	int r = http_param_id(req, 0, &id);
	if (r == 0)
		r = fn(&ctx, id, &out);
	return http_reply(resp, r, 200, out);
}
