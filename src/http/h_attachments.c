/* Handlers for attachments (h_attachments.h). The upload is the one kind
 * of route whose body is not gathered: each piece goes to the service as
 * it arrives (HTTP_STREAM_BODY), and the download leaves the same way. */
#include "http/h_attachments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "base/err.h"
#include "base/str.h"
#include "service/attachments.h"

/* The cap in the words the page uses (web/attachments.js, size()): "25
 * MB", "2.5 MB", "195 KB", "100 bytes"; never more than the cap. */
static void cap_words(int64_t cap, char *out, size_t size)
{
	const int64_t mb = 1024 * 1024;
	if (cap >= mb && cap % mb == 0)
		snprintf(out, size, "%lld MB", (long long)(cap / mb));
	else if (cap >= mb)
		snprintf(out, size, "%lld.%lld MB", (long long)(cap / mb), (long long)(cap % mb * 10 / mb));
	else if (cap >= 1024)
		snprintf(out, size, "%lld KB", (long long)(cap / 1024));
	else
		snprintf(out, size, "%lld bytes", (long long)cap);
}

static int too_large(struct http_resp *resp, int64_t cap)
{
	char words[32], detail[256];
	cap_words(cap, words, sizeof words);
	snprintf(detail, sizeof detail,
		 "The file is larger than %s, the largest that can be attached. Attach a smaller file: fewer "
		 "pages, or a photo taken at a lower size.",
		 words);
	return http_problem_ext(resp, 413, "too-large", "File too large", detail,
				json_pack("{s:I}", "max_bytes", (json_int_t)cap));
}

/* ---- upload ---- */

/* A refusal: a conflict (a child's record merged into another) as 409
 * with its words, the rest as any service's. */
static int refused(struct http_resp *resp, int r, struct field_errors *errs)
{
	json_t *first = json_array_get(errs->list, 0);
	const char *why = json_string_value(json_object_get(first, "reason"));
	if (r != ERR_CONFLICT || !why)
		return http_refused(resp, r, errs);
	r = http_problem(resp, 409, "conflict", "Conflict", why, NULL);
	field_errors_done(errs);
	return r;
}

struct upload {
	struct svc_ctx ctx; /* the upload keeps a pointer to it */
	struct attach_upload *u;
};

static int sink_write(void *state, const void *data, size_t len)
{
	struct upload *up = state;
	return svc_attachment_write(up->u, data, len);
}

static int sink_finish(void *state, struct http_req *req, struct http_resp *resp)
{
	struct upload *up = state;
	(void)req;
	struct field_errors errs;
	field_errors_init(&errs, 4);
	json_t *out = NULL;
	int r = svc_attachment_finish(up->u, &errs, &out);
	if (r == ERR_TOOBIG) {
		field_errors_done(&errs);
		return too_large(resp, svc_attachment_cap(up->u));
	}
	if (r < 0) {
		json_decref(out);
		return refused(resp, r, &errs);
	}
	return http_answer(resp, r, &errs, 201, out);
}

static void sink_free(void *state)
{
	struct upload *up = state;
	svc_attachment_upload_free(up->u);
	free(up);
}

static int add(struct http_req *req, struct http_resp *resp, enum attach_owner kind)
{
	int64_t owner, declared = -1;
	if (http_param_id(req, 0, &owner) < 0)
		return ERR_NOTFOUND;
	const char *len = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	/* A browser sends a file's size with it; a body of unknown length
	 * would be read with no end known in advance. */
	if (!len || str_to_int64(len, 0, INT64_MAX, &declared) < 0)
		return http_problem(resp, 411, "length-required", "Size not sent",
				    "The file came without its size, so it was not taken. Attach it again from the"
				    " page.",
				    NULL);
	struct upload *up = calloc(1, sizeof *up);
	if (!up)
		return ERR_NOMEM;
	up->ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 4);
	int r = svc_attachment_begin(&up->ctx, kind, owner, http_query(req, "name"), http_query(req, "description"),
				     declared, &errs, &up->u);
	if (r < 0) {
		free(up);
		if (r == ERR_TOOBIG) {
			field_errors_done(&errs);
			return too_large(resp, req->app->pack->attachments.max_bytes);
		}
		return refused(resp, r, &errs);
	}
	field_errors_done(&errs);
	req->sink = (struct http_sink){.write = sink_write, .finish = sink_finish, .free = sink_free, .state = up};
	return 0;
}

int h_case_attachment_add(struct http_req *req, struct http_resp *resp)
{
	return add(req, resp, ATTACH_CASE);
}

int h_person_attachment_add(struct http_req *req, struct http_resp *resp)
{
	return add(req, resp, ATTACH_PERSON);
}

/* ---- lists ---- */

static int list(struct http_req *req, struct http_resp *resp, enum attach_owner kind)
{
	int64_t owner;
	if (http_param_id(req, 0, &owner) < 0)
		return ERR_NOTFOUND;
	struct field_errors errs;
	field_errors_init(&errs, 4);
	struct page_query q;
	http_page_query(req, &q);
	struct svc_ctx ctx = http_ctx(req);
	json_t *out = NULL;
	int r = svc_attachments_list(&ctx, kind, owner, &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_case_attachments(struct http_req *req, struct http_resp *resp)
{
	return list(req, resp, ATTACH_CASE);
}

int h_person_attachments(struct http_req *req, struct http_resp *resp)
{
	return list(req, resp, ATTACH_PERSON);
}

/* ---- download ---- */

static int stream_next(void *state, const void **data, size_t *len)
{
	return svc_attachment_next(state, data, len);
}

static void stream_free(void *state)
{
	svc_attachment_read_free(state);
}

/* Content-Disposition: always an attachment, never shown in the page; the
 * name in plain ASCII (anything else, and quotes, as _) and whole in
 * UTF-8 as filename*. */
static const char *disposition(struct arena *a, const char *name)
{
	size_t n = strlen(name);
	char *ascii = arena_alloc(a, n + 1), *enc = arena_alloc(a, 3 * n + 1);
	if (!ascii || !enc)
		return "attachment";
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		ascii[i] = c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? (char)c : '_';
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-._~", c)) {
			enc[k++] = (char)c;
		} else {
			snprintf(enc + k, 4, "%%%02X", c);
			k += 3;
		}
	}
	ascii[n] = '\0';
	enc[k] = '\0';
	size_t size = n + k + 64;
	char *out = arena_alloc(a, size);
	if (!out)
		return "attachment";
	int w = snprintf(out, size, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
	return w > 0 && (size_t)w < size ? out : "attachment";
}

int h_attachment_get(struct http_req *req, struct http_resp *resp)
{
	int64_t id;
	if (http_param_id(req, 0, &id) < 0)
		return ERR_NOTFOUND;
	struct svc_ctx ctx = http_ctx(req);
	struct attach_info info;
	struct attach_read *rd;
	int r = svc_attachment_open(&ctx, id, &info, &rd);
	if (r < 0)
		return r;
	const char *cd = disposition(&req->arena, info.name);
	free(info.name);
	resp->status = 200;
	resp->content_type = arena_strdup(&req->arena, info.content_type);
	if (!resp->content_type)
		resp->content_type = "application/octet-stream";
	if ((r = http_header_add(resp, "Content-Disposition", cd)) < 0 ||
	    (r = http_header_add(resp, "Content-Security-Policy", "sandbox")) < 0) {
		svc_attachment_read_free(rd);
		return r;
	}
	resp->stream = (struct http_stream){.size = info.size, .next = stream_next, .free = stream_free, .state = rd};
	return 0;
}
