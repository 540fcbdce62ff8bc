#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "base/thread.h"
#include "http/http.h"
#include "http/metrics.h"
#include "service/auth.h"

#define OFFLOAD_QUEUE 64 /* requests waiting for a slow thread; more get 429 */
#define OFFLOAD_MAX_THREADS 16

struct reqctx;

struct http_server {
	struct MHD_Daemon *daemon;
	struct app *app;
	size_t max_body;
	unsigned port, workers;
	bool trust_proxy;
	atomic_int inflight;
	/* The slow routes (HTTP_OFFLOAD: the password hash of a login) run on
	 * threads of their own while the connection is suspended, so a worker
	 * never stops answering its other connections to hash. */
	pthread_t slow[OFFLOAD_MAX_THREADS];
	unsigned nslow;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct reqctx *queue[OFFLOAD_QUEUE];
	size_t qhead, qlen;
	bool stopping;
};

/* One per request, from the first call of the access handler until MHD
 * reports the request completed. */
struct reqctx {
	struct http_req req;
	struct http_resp resp;
	const struct http_route *route;
	int64_t started_us;
	bool answered;  /* a response was queued early (404, 405, 413, 415) */
	bool offloaded; /* handed to a slow thread, the connection suspended */
	atomic_bool offload_done; /* the slow thread filled the response */
	bool too_big;   /* the body went over the limit */
	bool sink_failed; /* a streamed body's sink refused a piece */
	bool sink_full;   /* ... because the body went past what it takes */
	char method[16];
	char *path;
};

/* Per TCP connection: whether a %00 was decoded in the request line now
 * being read. MHD decodes the path and the query into C strings, where
 * the text after a NUL would silently vanish; the unescape callback notes
 * it here so that the request is refused instead. */
struct connstate {
	bool nul;
};

static const char *CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
			 "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
			 "form-action 'self'; frame-ancestors 'none'";

int http_parse_listen(const char *s, char *host, size_t hostsize, unsigned *ret_port, int *ret_family)
{
	const char *colon;
	int family;
	size_t hlen;
	const char *h;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return ERR_INVAL;
		h = s + 1;
		hlen = (size_t)(end - h);
		colon = end + 1;
		family = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return ERR_INVAL;
		h = s;
		hlen = (size_t)(colon - s);
		family = AF_INET;
	}
	if (hlen == 0 || hlen >= hostsize)
		return ERR_INVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (strcmp(host, "localhost") == 0)
		str_copy(host, hostsize, "127.0.0.1");
	int64_t port;
	if (str_to_int64(colon + 1, 0, 65535, &port) < 0)
		return ERR_INVAL;
	unsigned char tmp[sizeof(struct in6_addr)];
	if (inet_pton(family, host, tmp) != 1)
		return ERR_INVAL;
	*ret_port = (unsigned)port;
	*ret_family = family;
	return 0;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	log_warn("mhd", "msg=\"%s\"", msg);
}

static void reqctx_free(struct reqctx *c)
{
	if (!c)
		return;
	if (c->req.sink.state && c->req.sink.free)
		c->req.sink.free(c->req.sink.state);
	if (c->resp.stream.state && c->resp.stream.free)
		c->resp.stream.free(c->resp.stream.state);
	json_decref(c->req.json);
	buf_done(&c->req.body);
	buf_done(&c->resp.body);
	arena_done(&c->req.arena);
	free(c->path);
	free(c);
}

static const char *client_address(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return out;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
	return out;
}

static struct connstate *connstate_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct connstate));
	} else {
		free(*socket_context);
		*socket_context = NULL;
	}
}

static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	size_t n = MHD_http_unescape(s);
	struct connstate *cs;
	if (memchr(s, '\0', n) && (cs = connstate_of(conn)))
		cs->nul = true;
	return n;
}

struct nul_find {
	struct arena *arena;
	const char *name; /* the first key or value holding NUL, or NULL */
};

static enum MHD_Result find_nul(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				const char *value, size_t value_size)
{
	struct nul_find *f = cls;
	if ((key && memchr(key, '\0', key_size)) || (value && memchr(value, '\0', value_size))) {
		f->name = key ? arena_strdup(f->arena, key) : NULL;
		if (!f->name)
			f->name = "";
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_Result queue(struct reqctx *c);
static enum MHD_Result stream_begin(struct reqctx *c);

/* Refuse a request whose path or query holds a NUL; true when answered. The
 * path is malformed (400); a query argument is a field of the request and
 * is named (422). Its length is the one unescape() returned, so a NUL
 * inside it shows. (Header lines are cut at a raw NUL by libmicrohttpd's
 * own parser, which keeps no length: see docs/security.md.) */
static bool refuse_nul(struct reqctx *c, bool decoded_nul, enum MHD_Result *ret)
{
	if (!decoded_nul)
		return false;
	struct nul_find f = {.arena = &c->req.arena, .name = NULL};
	MHD_get_connection_values_n(c->req.conn, MHD_GET_ARGUMENT_KIND, find_nul, &f);
	if (f.name) {
		struct field_errors errs;
		field_errors_init(&errs, 1);
		field_error_add(&errs, f.name, "%s", JSON_NUL_REASON);
		http_problem_fields(&c->resp, &errs);
		*ret = queue(c);
		return true;
	}
	http_problem(&c->resp, 400, "bad-path", "Bad address",
		     "the address holds a hidden character (%00); no page or record has such an address", NULL);
	*ret = queue(c);
	return true;
}

/* Behind a proxy that says who its client was (--trust-proxy), the last
 * address of X-Forwarded-For, the one that proxy added; whatever came
 * before it the client could have written itself. Anything that is not an
 * address leaves the peer's. */
static void forwarded_address(struct MHD_Connection *conn, char *out, size_t size)
{
	const char *xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff)
		return;
	const char *last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ')
		last++;
	char cand[INET6_ADDRSTRLEN];
	size_t n = strcspn(last, " ");
	if (n == 0 || n >= sizeof cand)
		return;
	memcpy(cand, last, n);
	cand[n] = '\0';
	unsigned char bin[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, cand, bin) == 1 || inet_pton(AF_INET6, cand, bin) == 1)
		str_copy(out, size, cand);
}

/* A response body given piece by piece (struct http_stream), owned by the
 * MHD response from the moment it is queued. */
struct stream_out {
	struct http_stream s;
	const unsigned char *data;
	size_t len, off;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream_out *o = cls;
	(void)pos;
	while (o->off == o->len) {
		const void *data;
		size_t len;
		int r = o->s.next(o->s.state, &data, &len);
		if (r < 0) {
			log_warn("http", "event=stream_cut error=%d", r);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (len == 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		o->data = data;
		o->len = len;
		o->off = 0;
	}
	size_t n = o->len - o->off < max ? o->len - o->off : max;
	memcpy(out, o->data + o->off, n);
	o->off += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream_out *o = cls;
	if (o->s.free)
		o->s.free(o->s.state);
	free(o);
}

/* The MHD response of a streamed body; the stream is the response's from
 * here on, whatever happens. */
static struct MHD_Response *stream_response(struct http_resp *r)
{
	struct stream_out *o = calloc(1, sizeof *o);
	if (!o) {
		if (r->stream.free)
			r->stream.free(r->stream.state);
		r->stream.state = NULL;
		return NULL;
	}
	o->s = r->stream;
	r->stream.state = NULL;
	struct MHD_Response *mr =
		MHD_create_response_from_callback((uint64_t)o->s.size, 64 * 1024, stream_read, o, stream_free);
	if (!mr) /* no response to free the stream with it */
		stream_free(o);
	return mr;
}

static enum MHD_Result queue(struct reqctx *c)
{
	struct http_resp *r = &c->resp;
	struct MHD_Response *mr;
	if (r->stream.state)
		mr = stream_response(r);
	else if (r->static_body)
		mr = MHD_create_response_from_buffer(r->static_len, (void *)r->static_body, MHD_RESPMEM_PERSISTENT);
	else
		mr = MHD_create_response_from_buffer(r->body.len, r->body.data ? r->body.data : (void *)"",
						     MHD_RESPMEM_MUST_COPY);
	if (!mr)
		return MHD_NO;
	if (r->content_type)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(mr, "X-Frame-Options", "DENY");
	MHD_add_response_header(mr, "Content-Security-Policy", CSP);
	MHD_add_response_header(mr, "Cache-Control", r->cacheable ? "no-cache" : "no-store");
	/* Served over TLS (--tls-cert, or --cookie-secure behind a TLS
	 * proxy): browsers are to use nothing else for this host from now on. */
	if (c->req.app->auth.cookie_secure)
		MHD_add_response_header(mr, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
	for (int i = 0; i < r->nheaders; i++)
		MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value);
	enum MHD_Result ok = MHD_queue_response(c->req.conn, (unsigned)r->status, mr);
	MHD_destroy_response(mr);
	c->answered = true;
	return ok;
}

static bool is_json_type(const char *ct)
{
	if (!ct)
		return false;
	size_t n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* The first call: the headers are in, the body (if any) is not. Answer at
 * once when the route, the content type or the declared size rules the
 * request out, so an unwanted body is never read. */
static enum MHD_Result on_headers(struct http_server *s, struct reqctx *c, bool decoded_nul)
{
	char allow[128];
	enum MHD_Result refused;
	if (refuse_nul(c, decoded_nul, &refused))
		return refused;
	int r = http_route_find(c->method, c->path, &c->route, c->req.params, &c->req.nparams, &c->req.arena,
				allow, sizeof allow);
	if (r == ERR_NOTFOUND) {
		http_problem(&c->resp, 404, "not-found", "Not found", "no such page or API route", NULL);
		return queue(c);
	}
	if (r == ERR_PERM) {
		char detail[192];
		snprintf(detail, sizeof detail, "%s is not allowed on %s; allowed: %s", c->method, c->path, allow);
		http_problem(&c->resp, 405, "method-not-allowed", "Method not allowed", detail, NULL);
		http_header_add(&c->resp, "Allow", arena_strdup(&c->req.arena, allow));
		return queue(c);
	}
	if (r < 0) {
		http_problem_from_err(&c->resp, r);
		return queue(c);
	}
	const char *len = MHD_lookup_connection_value(c->req.conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	int64_t declared = 0;
	if (c->route->flags & HTTP_STREAM_BODY)
		return stream_begin(c);
	if (len && str_to_int64(len, 0, INT64_MAX, &declared) == 0 && (uint64_t)declared > s->max_body) {
		char detail[96];
		snprintf(detail, sizeof detail, "the body is larger than %zu bytes", s->max_body);
		http_problem(&c->resp, 413, "too-large", "Request body too large", detail, NULL);
		return queue(c);
	}
	if (c->route->flags & HTTP_JSON_BODY) {
		const char *ct = MHD_lookup_connection_value(c->req.conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (!is_json_type(ct)) {
			http_problem(&c->resp, 415, "unsupported-media-type", "Unsupported media type",
				     "send the body as application/json", NULL);
			http_header_add(&c->resp, "Accept-Post", "application/json");
			return queue(c);
		}
	}
	return MHD_YES;
}

static enum MHD_Result offload(struct http_server *s, struct reqctx *c)
{
	pthread_mutex_lock(&s->qlock);
	bool full = s->qlen == OFFLOAD_QUEUE || s->stopping;
	if (!full) {
		c->offloaded = true;
		MHD_suspend_connection(c->req.conn);
		s->queue[(s->qhead + s->qlen++) % OFFLOAD_QUEUE] = c;
		pthread_cond_signal(&s->qcond);
	}
	pthread_mutex_unlock(&s->qlock);
	if (!full)
		return MHD_YES;
	http_header_add(&c->resp, "Retry-After", "1");
	http_problem_ext(&c->resp, 429, "too-many-attempts", "Too many attempts",
			 "Too many people are logging in at this moment. Wait 1 second, then try again.",
			 json_pack("{s:i}", "retry_after", 1));
	return queue(c);
}

static void *slow_thread(void *arg)
{
	struct http_server *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->qlock);
		while (!s->qlen && !s->stopping)
			pthread_cond_wait(&s->qcond, &s->qlock);
		if (!s->qlen) {
			pthread_mutex_unlock(&s->qlock);
			return NULL;
		}
		struct reqctx *c = s->queue[s->qhead];
		s->qhead = (s->qhead + 1) % OFFLOAD_QUEUE;
		s->qlen--;
		pthread_mutex_unlock(&s->qlock);
		int r = c->route->handler(&c->req, &c->resp);
		if (r < 0)
			http_problem_from_err(&c->resp, r);
		atomic_store(&c->offload_done, true);
		MHD_resume_connection(c->req.conn);
	}
}

/* The route's own rules, after the session and before the handler: the
 * permission (through svc_require, so a refusal is audited as any other),
 * then the body. Permission first, so a role that may not use a route
 * learns nothing of its fields. false when the answer is written. */
static bool admitted(struct reqctx *c)
{
	const struct http_route *rt = c->route;
	if (!(rt->flags & HTTP_PUBLIC)) {
		struct svc_ctx ctx = http_ctx(&c->req);
		int r = svc_require(&ctx, rt->perm);
		if (r < 0) {
			if (http_problem_from_err(&c->resp, r) < 0)
				c->resp.status = 500;
			return false;
		}
	}
	return !rt->body || http_body_ok(&c->resp, c->req.json, rt->body);
}

/* The session a route needs: logged in, the second factor done, the CSRF
 * token on a cookie's change. false when the refusal is written. */
static bool session_ok(struct reqctx *c)
{
	int r = http_authenticate(&c->req);
	if (r < 0) {
		http_problem_from_err(&c->resp, r);
		return false;
	}
	if (!(c->route->flags & HTTP_PUBLIC)) {
		if (!c->req.actor) {
			http_problem(&c->resp, 401, "unauthenticated", "Not logged in",
				     "log in first: POST /api/v1/session, then send the cookie or Authorization: Bearer TOKEN",
				     NULL);
			http_header_add(&c->resp, "WWW-Authenticate", "Bearer realm=\"hartline\"");
			return false;
		}
		if (c->req.actor->mfa_pending && !(c->route->flags & HTTP_MFA_STEP)) {
			bool enrol = c->req.actor->mfa_pending == AUTH_MFA_ENROL;
			http_problem_ext(&c->resp, 401, "mfa-required", "Second factor needed",
					 enrol ? "Set up your authenticator app first: this account needs a code from it "
						 "at every login."
					       : "Type the code from your authenticator app first.",
					 json_pack("{s:s}", "next", enrol ? "enrol" : "code"));
			return false;
		}
		if (!http_csrf_ok(&c->req)) {
			struct svc_ctx ctx = http_ctx(&c->req);
			svc_audit_denial(&ctx, "csrf token missing or wrong", NULL, NULL);
			http_problem(&c->resp, 403, "csrf", "Forbidden",
				     "this request needs the session's X-CSRF-Token header", NULL);
			return false;
		}
	}
	return true;
}

/* A streamed body's route, once its headers are in: the session and the
 * route's permission, then the handler, which answers at once or sets the
 * sink the body goes to. */
static enum MHD_Result stream_begin(struct reqctx *c)
{
	c->resp.status = 200;
	if (!session_ok(c) || !admitted(c))
		return queue(c);
	int r = c->route->handler(&c->req, &c->resp);
	if (r < 0)
		http_problem_from_err(&c->resp, r);
	if (r < 0 || !c->req.sink.state)
		return queue(c);
	return MHD_YES;
}

/* The end of a streamed body: the sink's answer. */
static enum MHD_Result stream_end(struct reqctx *c)
{
	c->resp.status = 200;
	int r = c->req.sink.finish(c->req.sink.state, &c->req, &c->resp);
	if (r < 0)
		http_problem_from_err(&c->resp, r);
	return queue(c);
}

static enum MHD_Result dispatch(struct http_server *s, struct reqctx *c)
{
	if (c->too_big) {
		char detail[96];
		snprintf(detail, sizeof detail, "the body is larger than %zu bytes", s->max_body);
		http_problem(&c->resp, 413, "too-large", "Request body too large", detail, NULL);
		return queue(c);
	}
	if (!session_ok(c))
		return queue(c);
	int r;
	if (c->route->flags & HTTP_JSON_BODY) {
		char err[160];
		struct json_limits lim = {.max_bytes = s->max_body, .max_depth = JSON_DEFAULT_MAX_DEPTH};
		r = json_parse_limited(buf_str(&c->req.body), c->req.body.len, &lim, &c->req.json, err, sizeof err);
		if (r == ERR_INVAL) {
			char field[160];
			struct field_errors errs;
			field_errors_init(&errs, 1);
			json_find_nul(buf_str(&c->req.body), c->req.body.len, field, sizeof field);
			field_error_add(&errs, field, "%s", JSON_NUL_REASON);
			http_problem_fields(&c->resp, &errs);
			return queue(c);
		}
		if (r < 0) {
			http_problem(&c->resp, 400, "malformed-json", "Unreadable request", err, NULL);
			return queue(c);
		}
	}
	c->resp.status = 200;
	if (!admitted(c))
		return queue(c);
	if ((c->route->flags & HTTP_OFFLOAD) && s->nslow)
		return offload(s, c);
	r = c->route->handler(&c->req, &c->resp);
	if (r < 0)
		http_problem_from_err(&c->resp, r);
	return queue(c);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *s = cls;
	struct reqctx *c = *con_cls;
	if (!c) {
		c = calloc(1, sizeof *c);
		if (!c)
			return MHD_NO;
		*con_cls = c;
		atomic_fetch_add(&s->inflight, 1);
		c->started_us = clock_mono_us();
		c->req.app = s->app;
		c->req.conn = conn;
		arena_init(&c->req.arena, 0);
		buf_init(&c->req.body, s->max_body);
		buf_init(&c->resp.body, 0);
		str_copy(c->method, sizeof c->method, method);
		c->path = strdup(url);
		if (!c->path)
			return MHD_NO;
		c->req.method = c->method;
		c->req.path = c->path;
		char addr[INET6_ADDRSTRLEN];
		client_address(conn, addr, sizeof addr);
		if (s->trust_proxy)
			forwarded_address(conn, addr, sizeof addr);
		c->req.client = arena_strdup(&c->req.arena, addr);
		c->req.user_agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
		/* Without its state a connection cannot tell a %00 from none. */
		struct connstate *cs = connstate_of(conn);
		if (!cs) {
			http_problem_from_err(&c->resp, ERR_NOMEM);
			return queue(c);
		}
		bool decoded_nul = cs->nul;
		cs->nul = false;
		return on_headers(s, c, decoded_nul);
	}
	if (c->offloaded) /* called again once resumed: the answer is ready */
		return atomic_load(&c->offload_done) && !c->answered ? queue(c) : MHD_YES;
	if (c->answered) {
		*upload_data_size = 0; /* discard what is still coming */
		return MHD_YES;
	}
	if (*upload_data_size && c->req.sink.state) {
		/* More still coming past the cap: the connection is dropped
		 * rather than read without end. */
		if (c->sink_full)
			return MHD_NO;
		int w = c->sink_failed ? 0 : c->req.sink.write(c->req.sink.state, upload_data, *upload_data_size);
		if (w < 0) {
			c->sink_failed = true; /* the rest is discarded; finish says why */
			c->sink_full = w == ERR_TOOBIG;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!c->too_big && buf_append(&c->req.body, upload_data, *upload_data_size) < 0)
			c->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (c->req.sink.state)
		return stream_end(c);
	return dispatch(s, c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct reqctx *c = *con_cls;
	if (!c)
		return;
	int64_t us = clock_mono_us() - c->started_us;
	double ms = (double)us / 1000.0;
	http_metrics_count(c->route, c->answered ? c->resp.status : 0, us);
	if (c->answered)
		log_info("http", "method=%s path=%s status=%d ms=%.2f client=%s user=%s", c->method, c->path,
			 c->resp.status, ms, c->req.client ? c->req.client : "",
			 c->req.actor ? c->req.actor->username : "-");
	else
		log_info("http", "method=%s path=%s status=none ms=%.2f client=%s reason=%s", c->method, c->path, ms,
			 c->req.client ? c->req.client : "",
			 toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout" : "aborted");
	reqctx_free(c);
	*con_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

int http_server_start(struct app *app, const struct http_server_config *cfg, struct http_server **ret,
		      char *errmsg, size_t errsize)
{
	char host[64];
	unsigned port;
	int family;
	if (http_parse_listen(cfg->listen, host, sizeof host, &port, &family) < 0) {
		snprintf(errmsg, errsize, "--listen %s: expected ADDRESS:PORT such as 127.0.0.1:8080 or [::1]:8080",
			 cfg->listen);
		return ERR_INVAL;
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &sin->sin_addr);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, host, &sin6->sin6_addr);
	}
	struct http_server *s = calloc(1, sizeof *s);
	if (!s)
		return ERR_NOMEM;
	s->app = app;
	s->max_body = cfg->max_body ? cfg->max_body : APP_DEFAULT_MAX_BODY;
	s->trust_proxy = cfg->trust_proxy;
	s->workers = cfg->workers ? cfg->workers : http_default_workers();
	unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* HTTPS: TLS 1.2 and 1.3 only, GnuTLS's choice of ciphers within them. */
	struct MHD_OptionItem tls[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cfg->tls_cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->tls_key},
		{MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
		{MHD_OPTION_END, 0, NULL},
	};
	if (cfg->tls_cert && cfg->tls_key)
		flags |= MHD_USE_TLS;
	else
		tls[0].option = MHD_OPTION_END;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				     MHD_OPTION_ARRAY, tls,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_THREAD_POOL_SIZE, s->workers,
				     MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout ? cfg->connection_timeout : 30u,
				     MHD_OPTION_CONNECTION_LIMIT, 1000u,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
				     MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				     MHD_OPTION_END);
	if (!s->daemon) {
		if (flags & MHD_USE_TLS)
			snprintf(errmsg, errsize, "cannot serve HTTPS on %s (address in use, not an address of this "
				 "machine, or a certificate the TLS library refused: see the line above)", cfg->listen);
		else
			snprintf(errmsg, errsize,
				 "cannot listen on %s (address in use, or not an address of this machine?)", cfg->listen);
		free(s);
		return ERR_IO;
	}
	pthread_mutex_init(&s->qlock, NULL);
	pthread_cond_init(&s->qcond, NULL);
	unsigned want = cfg->slow_threads ? cfg->slow_threads : 1;
	for (unsigned i = 0; i < want && i < OFFLOAD_MAX_THREADS; i++) {
		if (thread_start(&s->slow[i], slow_thread, s) != 0)
			break;
		s->nslow++;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : port;
	*ret = s;
	return 0;
}

unsigned http_server_port(const struct http_server *s)
{
	return s->port;
}

unsigned http_default_workers(void)
{
	/* A worker waiting for the commit its writes joined answers nobody
	 * meanwhile; with several per core, the others fill the next commit. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = cores > 0 ? 8 * (unsigned)cores : 8;
	return n < 8 ? 8 : n > 64 ? 64 : n;
}

unsigned http_server_workers(const struct http_server *s)
{
	return s->workers;
}

void http_server_stop(struct http_server *s, unsigned grace_ms)
{
	if (!s)
		return;
	MHD_socket fd = MHD_quiesce_daemon(s->daemon);
	int64_t deadline = clock_mono_us() + (int64_t)grace_ms * 1000;
	while (atomic_load(&s->inflight) > 0 && clock_mono_us() < deadline) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	int left = atomic_load(&s->inflight);
	if (left > 0)
		log_warn("stopping", "requests_cut_short=%d", left);
	/* The slow threads finish what is queued (resuming each connection,
	 * as the daemon must have none suspended when it stops). */
	pthread_mutex_lock(&s->qlock);
	s->stopping = true;
	pthread_cond_broadcast(&s->qcond);
	pthread_mutex_unlock(&s->qlock);
	for (unsigned i = 0; i < s->nslow; i++)
		pthread_join(s->slow[i], NULL);
	MHD_stop_daemon(s->daemon);
	pthread_cond_destroy(&s->qcond);
	pthread_mutex_destroy(&s->qlock);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	free(s);
}
