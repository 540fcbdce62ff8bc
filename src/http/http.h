/* http: the request and response every handler sees, the route table, and
 * the helpers that build JSON and problem+json answers.
 *
 * A handler reads a parsed request (path parameters, query, JSON body) and
 * fills a response; it calls services and never writes SQL. Everything it
 * allocates from req->arena is freed when the response has been sent. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "model/access.h"
#include "model/schema.h"
#include "service/app.h"
#include "service/ctx.h"

struct MHD_Connection;

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 8

/* The body of an HTTP_STREAM_BODY route, taken piece by piece as it
 * arrives (an attachment), never gathered whole. The route's handler runs
 * once the headers are in and the request is admitted (session,
 * permission); it either answers at once (a refusal: the body is then
 * discarded unread), or sets req->sink. write takes each piece (an error
 * stops the taking: the rest is discarded, and finish still runs); finish
 * answers at the end of the body; free runs when the request is done,
 * finished or cut short. */
struct http_req;
struct http_resp;
struct http_sink {
	int (*write)(void *state, const void *data, size_t len);
	int (*finish)(void *state, struct http_req *req, struct http_resp *resp);
	void (*free)(void *state);
	void *state; /* NULL: no sink */
};

/* A response body given piece by piece (a download): next sets the next
 * piece (*len 0 at the end), valid until the following call, or answers an
 * error, which cuts the connection short, so that the client never takes
 * a part for the whole; free runs when the response is done with. */
struct http_stream {
	int64_t size; /* the whole length, sent as Content-Length */
	int (*next)(void *state, const void **data, size_t *len);
	void (*free)(void *state);
	void *state; /* NULL: the body is resp->body */
};

struct http_req {
	struct app *app;
	struct MHD_Connection *conn;
	struct arena arena;
	const char *method; /* "HEAD" is served as "GET" by the router */
	const char *path;   /* without the query string, percent-decoded */
	const char *params[HTTP_MAX_PARAMS]; /* {name} segments, in order */
	int nparams;
	json_t *json; /* the body, for routes that take JSON */
	struct buf body;
	const char *client; /* peer address (or the proxy's word for it), for logs and audit */
	const char *user_agent; /* the User-Agent header, or NULL */
	struct actor actor_store;
	const struct actor *actor; /* the signed-in user, or NULL */
	bool via_cookie;           /* authenticated by the browser's cookie */
	const char *token;         /* the session token presented */
	struct http_sink sink;     /* HTTP_STREAM_BODY routes: where the body goes */
};

struct http_header {
	const char *name, *value;
};

struct http_resp {
	int status;
	const char *content_type;
	struct buf body;
	const unsigned char *static_body; /* set instead of body: data that outlives the response */
	size_t static_len;
	struct http_header headers[HTTP_MAX_HEADERS];
	int nheaders;
	bool cacheable; /* static assets; API answers are never cached */
	struct http_stream stream; /* set instead of body: a body given piece by piece */
};

typedef int (*http_handler)(struct http_req *req, struct http_resp *resp);

enum http_route_flags {
	HTTP_JSON_BODY = 1 << 0, /* the request carries a JSON document */
	HTTP_PUBLIC = 1 << 1,    /* answered without a session; all others need one */
	HTTP_MFA_STEP = 1 << 2,  /* open to a session still waiting for its second factor */
	HTTP_OFFLOAD = 1 << 3,   /* slow (a password hash): run off the worker threads */
	HTTP_STREAM_BODY = 1 << 4, /* the body is a file, streamed to req->sink (struct http_sink) */
};

/* One row of the route table says everything the dispatcher checks before
 * the handler runs: whether a session is needed, the permission it must
 * hold, and the rules of the body. The service checks the permission and
 * the body again (defence in depth, and the command line meets the same
 * rules), so a handler only translates. */
struct http_route {
	const char *method;
	const char *pattern; /* "/api/v1/users/{id}": {x} matches one segment */
	http_handler handler;
	unsigned flags;
	enum perm perm;            /* what the actor must hold; ignored on HTTP_PUBLIC routes */
	const struct schema *body; /* the JSON body's rules, or NULL: none, or checked by the handler */
};

/* The permission column of a public row: nothing is checked. */
#define HTTP_NO_PERM PERM_SESSION

extern const struct http_route http_routes[];
extern const size_t http_routes_count;

/* ---- router.c ---- */

/* Find the route for method and path. ERR_NOTFOUND when no pattern matches
 * the path; ERR_PERM when patterns match but not for this method, with the
 * allowed methods written to allow ("GET, HEAD"). */
int http_route_find(const char *method, const char *path, const struct http_route **ret,
		    const char **params, int *nparams, struct arena *arena, char *allow, size_t allowsize);

/* ---- response.c ---- */

/* Answer j (the reference is taken) with status. */
int http_json(struct http_resp *resp, int status, json_t *j);
/* An application/problem+json answer. slug names the problem
 * ("urn:hartline:problem:<slug>"); errors (taken, may be NULL) is the list
 * of failing fields. */
int http_problem(struct http_resp *resp, int status, const char *slug, const char *title, const char *detail,
		 json_t *errors);
/* The same with extension members: each member of ext (taken, may be
 * NULL) is added to the problem, e.g. {"allowed": [...]}. */
int http_problem_ext(struct http_resp *resp, int status, const char *slug, const char *title, const char *detail,
		     json_t *ext);
/* The problem for an error code from a service (404, 409, 500...). */
int http_problem_from_err(struct http_resp *resp, int err);
int http_header_add(struct http_resp *resp, const char *name, const char *value);

/* What most handlers end with, so that each is one service call between a
 * read of the request and one of these. */

/* The id in path parameter i (1 or more); ERR_NOTFOUND for anything else,
 * as for an id that names nothing. */
int http_param_id(const struct http_req *req, int i, int64_t *ret);
/* r when it is an error (the dispatcher answers it), else out (taken) with status. */
int http_reply(struct http_resp *resp, int r, int status, json_t *out);
/* r when it is an error, else 204 No Content. */
int http_no_content(struct http_resp *resp, int r);
/* A refusal with fields: the 422 for errs when r is ERR_INVAL and errs has
 * some, else errs freed and r passed on (0 included). */
int http_refused(struct http_resp *resp, int r, struct field_errors *errs);
/* The end of a write: the refusal as http_refused (out freed), else errs
 * freed and out (taken) with status. */
int http_answer(struct http_resp *resp, int r, struct field_errors *errs, int status, json_t *out);
/* The start of a write to one object: *id from path parameter 0 (as
 * http_param_id), then errs made ready for max errors; errs is untouched
 * when the id is refused. */
int http_id_errs(const struct http_req *req, int64_t *id, struct field_errors *errs, size_t max);
/* The same for a part of an object: *id and *sub from path parameters 0
 * and 1. */
int http_sub_errs(const struct http_req *req, int64_t *id, int64_t *sub, struct field_errors *errs, size_t max);
/* GET of one object by the id in the path: fn's JSON, 200. */
typedef int (*http_read_fn)(const struct svc_ctx *ctx, int64_t id, json_t **ret);
int http_read_by_id(struct http_req *req, struct http_resp *resp, http_read_fn fn);
/* A write to one object by the id in the path, with the body: the
 * refusal (up to max fields), else fn's JSON with status. */
typedef int (*http_write_fn)(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			     json_t **ret);
int http_write_by_id(struct http_req *req, struct http_resp *resp, http_write_fn fn, size_t max, int status);
/* An action on one object by the id in the path, without a body: 204. */
typedef int (*http_act_fn)(const struct svc_ctx *ctx, int64_t id);
int http_act_by_id(struct http_req *req, struct http_resp *resp, http_act_fn fn);
/* A GET answered by one service's document, without arguments. */
typedef int (*http_doc_fn)(const struct svc_ctx *ctx, json_t **ret);
int http_read_doc(struct http_req *req, struct http_resp *resp, http_doc_fn fn);
/* A query-string argument, or NULL. */
const char *http_query(struct http_req *req, const char *key);
/* A list's limit, after and sort from the query, for its service to check
 * (service/page.h). */
struct page_query;
void http_page_query(struct http_req *req, struct page_query *ret);

/* ---- validate.c: a body against its rules ---- */

/* The words for a field that may be a string or null (null: none). */
#define NULL_OK "must be a string or null"

/* Check body against s: true when it passes; false when it does not, with
 * the 422 naming every bad field written to resp (the handler then returns 0). */
bool http_body_ok(struct http_resp *resp, const json_t *body, const struct schema *s);
/* The 422 answer for errs (consumed). */
int http_problem_fields(struct http_resp *resp, struct field_errors *errs);

/* ---- auth.c ---- */

#define HTTP_SESSION_COOKIE "hartline_session"

/* Find the session token (Authorization: Bearer, else the cookie) and the
 * actor behind it. 0 with req->actor NULL when there is none or it is no
 * longer valid. */
int http_authenticate(struct http_req *req);
/* A state-changing request authenticated by cookie must carry the
 * session's X-CSRF-Token. */
bool http_csrf_ok(struct http_req *req);
/* The service context of this request. */
struct svc_ctx http_ctx(struct http_req *req);

/* ---- handlers ---- */

int h_session_create(struct http_req *req, struct http_resp *resp);
int h_session_delete(struct http_req *req, struct http_resp *resp);
int h_me(struct http_req *req, struct http_resp *resp);
int h_session_state(struct http_req *req, struct http_resp *resp);
int h_session_mfa(struct http_req *req, struct http_resp *resp);
int h_mfa_enrol_begin(struct http_req *req, struct http_resp *resp);
int h_mfa_enrol_confirm(struct http_req *req, struct http_resp *resp);
int h_my_sessions(struct http_req *req, struct http_resp *resp);
int h_my_session_delete(struct http_req *req, struct http_resp *resp);
int h_user_sessions_delete(struct http_req *req, struct http_resp *resp);
int h_user_mfa_delete(struct http_req *req, struct http_resp *resp);
int h_users_list(struct http_req *req, struct http_resp *resp);
int h_users_create(struct http_req *req, struct http_resp *resp);
int h_users_get(struct http_req *req, struct http_resp *resp);
int h_users_update(struct http_req *req, struct http_resp *resp);
int h_audit_list(struct http_req *req, struct http_resp *resp);
int h_audit_export(struct http_req *req, struct http_resp *resp);
int h_audit_actions(struct http_req *req, struct http_resp *resp);
int h_users_setup_link(struct http_req *req, struct http_resp *resp);
int h_setup_check(struct http_req *req, struct http_resp *resp);
int h_setup_complete(struct http_req *req, struct http_resp *resp);
int h_access_notice_ack(struct http_req *req, struct http_resp *resp);
int h_persons_match(struct http_req *req, struct http_resp *resp);
int h_intake_create(struct http_req *req, struct http_resp *resp);
int h_intake_list(struct http_req *req, struct http_resp *resp);
int h_intake_get(struct http_req *req, struct http_resp *resp);
int h_intake_candidates(struct http_req *req, struct http_resp *resp);
int h_intake_link(struct http_req *req, struct http_resp *resp);
int h_intake_dispose(struct http_req *req, struct http_resp *resp);
int h_intake_screen(struct http_req *req, struct http_resp *resp);
int h_notifications(struct http_req *req, struct http_resp *resp);
int h_notification_read(struct http_req *req, struct http_resp *resp);
int h_notifications_read_all(struct http_req *req, struct http_resp *resp);
int h_outbox(struct http_req *req, struct http_resp *resp);
int h_draft_get(struct http_req *req, struct http_resp *resp);
int h_draft_put(struct http_req *req, struct http_resp *resp);
int h_draft_delete(struct http_req *req, struct http_resp *resp);

int h_healthz(struct http_req *req, struct http_resp *resp);
int h_metrics(struct http_req *req, struct http_resp *resp);
int h_config(struct http_req *req, struct http_resp *resp);
int h_config_validate(struct http_req *req, struct http_resp *resp);
int h_static(struct http_req *req, struct http_resp *resp);
