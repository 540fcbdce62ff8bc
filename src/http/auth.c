/* Who is asking: the session token of a request and its CSRF check. */
#include <microhttpd.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "http/http.h"
#include "service/auth.h"

int http_authenticate(struct http_req *req)
{
	req->actor = NULL;
	req->via_cookie = false;
	const char *authz = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *token = NULL;
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
		token = authz + 7;
		while (*token == ' ')
			token++;
	} else {
		token = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, HTTP_SESSION_COOKIE);
		req->via_cookie = token != NULL;
	}
	if (!token || !*token)
		return 0;
	int r = svc_auth_resolve(req->app, token, &req->actor_store);
	if (r == ERR_AUTH)
		return 0;
	if (r < 0)
		return r;
	req->actor = &req->actor_store;
	req->token = arena_strdup(&req->arena, token);
	return req->token ? 0 : ERR_NOMEM;
}

bool http_csrf_ok(struct http_req *req)
{
	if (!req->via_cookie || strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)
		return true;
	const char *csrf = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-CSRF-Token");
	return auth_csrf_ok(req->token, csrf);
}

struct svc_ctx http_ctx(struct http_req *req)
{
	struct svc_ctx ctx = {.app = req->app, .actor = req->actor, .client = req->client};
	return ctx;
}
