/* Handlers for logging in and out, and for the signed-in user. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "http/http.h"
#include "service/auth.h"
#include "service/users.h"

json_t *http_user_json(const struct user_info *u);

json_t *http_user_json(const struct user_info *u)
{
	enum scope_kind k = role_scope_kind(u->role);
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:b, s:b, s:I, s:s, s:s}", "id",
			      (json_int_t)u->id, "username", u->username, "role", role_name(u->role), "role_label",
			      role_label(u->role), "scope_kind", scope_kind_name(k), "scope", u->scope[0] ? u->scope : NULL,
			      "display_name", u->display_name, "email", u->email, "disabled", u->disabled, "locked",
			      u->locked, "version", (json_int_t)u->version, "created_at", u->created_at, "updated_at",
			      u->updated_at);
	return j;
}

static const char *cookie(struct http_req *req, const char *token)
{
	return arena_printf(&req->arena, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", HTTP_SESSION_COOKIE,
			    token ? token : "", token ? "" : "; Max-Age=0",
			    req->app->auth.cookie_secure ? "; Secure" : "");
}

int h_session_create(struct http_req *req, struct http_resp *resp)
{
	const char *username = json_get_str(req->json, "username");
	const char *password = json_get_str(req->json, "password");
	struct field_errors errs;
	field_errors_init(&errs, 10);
	if (!json_is_object(req->json))
		field_error_add(&errs, "", "expected an object {\"username\", \"password\"}");
	if (!username || !*username)
		field_error_add(&errs, "username", "required");
	if (!password || !*password)
		field_error_add(&errs, "password", "required");
	if (field_errors_any(&errs)) {
		json_t *list = json_incref(errs.list);
		field_errors_done(&errs);
		return http_problem(resp, 422, "validation", "Invalid input", "username and password are required",
				    list);
	}
	field_errors_done(&errs);
	struct svc_login login;
	int r = svc_auth_login(req->app, req->client, username, password, &login);
	if (r == ERR_AUTH)
		return http_problem(resp, 401, "login-failed", "Login failed",
				    "Wrong username or password, or the account is disabled or locked after repeated "
				    "failures. Try again later, or ask an administrator.",
				    NULL);
	if (r < 0)
		return r;
	json_t *user = http_user_json(&login.user);
	user_info_done(&login.user);
	http_header_add(resp, "Set-Cookie", cookie(req, login.token));
	return http_json(resp, 201,
			 json_pack("{s:s, s:s, s:o}", "token", login.token, "csrf_token", login.csrf_token, "user", user));
}

int h_session_delete(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_auth_logout(&ctx);
	if (r < 0)
		return r;
	http_header_add(resp, "Set-Cookie", cookie(req, NULL));
	resp->status = 204;
	resp->content_type = NULL;
	return 0;
}

int h_me(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct user_info u;
	int r = svc_users_me(&ctx, &u);
	if (r < 0)
		return r;
	json_t *user = http_user_json(&u);
	user_info_done(&u);
	char csrf[AUTH_TOKEN_SIZE];
	auth_csrf_for(req->token, csrf);
	json_t *perms = json_array();
	for (int p = 0; p < PERM_COUNT; p++)
		if (role_may(u.role, (enum perm)p))
			json_array_append_new(perms, json_string(perm_name((enum perm)p)));
	return http_json(resp, 200, json_pack("{s:o, s:s, s:o}", "user", user, "csrf_token", csrf, "permissions", perms));
}
