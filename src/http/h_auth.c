/* Handlers for logging in and out, and for the signed-in user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "model/totp.h"
#include "http/http.h"
#include "service/auth.h"
#include "service/providers.h"
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

/* 429 with the wait, for a client, an account or the hashing slots. */
static int too_many(struct http_req *req, struct http_resp *resp, int retry_after)
{
	int secs = retry_after > 0 ? retry_after : 1;
	const char *value = arena_printf(&req->arena, "%d", secs);
	if (!value)
		return ERR_NOMEM;
	int r = http_header_add(resp, "Retry-After", value);
	if (r < 0)
		return r;
	const char *detail = arena_printf(&req->arena,
					  "Too many attempts to log in. Wait %d second%s, then try again.", secs,
					  secs == 1 ? "" : "s");
	if (!detail)
		return ERR_NOMEM;
	return http_problem_ext(resp, 429, "too-many-attempts", "Too many attempts", detail,
				json_pack("{s:i}", "retry_after", secs));
}

static const char *next_name(int pending)
{
	return pending == AUTH_MFA_ENROL ? "enrol" : pending == AUTH_MFA_CODE ? "code" : NULL;
}

/* The answer of a login, complete (201) or waiting for its second factor
 * (200, mfa_required), with the session's cookie either way. */
static int login_answer(struct http_req *req, struct http_resp *resp, struct svc_login *login)
{
	json_t *user = http_user_json(&login->user);
	user_info_done(&login->user);
	int r = http_header_add(resp, "Set-Cookie", cookie(req, login->token));
	if (r < 0) {
		json_decref(user);
		return r;
	}
	if (login->mfa_pending)
		return http_json(resp, 200,
				 json_pack("{s:b, s:s, s:s, s:s, s:o}", "mfa_required", 1, "next",
					   next_name(login->mfa_pending), "token", login->token, "csrf_token",
					   login->csrf_token, "user", user));
	return http_json(resp, 201,
			 json_pack("{s:s, s:s, s:o}", "token", login->token, "csrf_token", login->csrf_token, "user", user));
}

int h_session_create(struct http_req *req, struct http_resp *resp)
{
	const char *username = json_get_str(req->json, "username");
	const char *password = json_get_str(req->json, "password");
	struct svc_login login;
	struct auth_client from = {.address = req->client, .user_agent = req->user_agent};
	int r = svc_auth_login(req->app, &from, username, password, &login);
	if (r == ERR_BUSY)
		return too_many(req, resp, login.retry_after);
	if (r == ERR_AUTH)
		return http_problem(resp, 401, "login-failed", "Login failed",
				    "Wrong username or password, or the account is disabled or locked after repeated "
				    "failures. Try again later, or ask an administrator.",
				    NULL);
	if (r < 0)
		return r;
	return login_answer(req, resp, &login);
}

/* After a wrong code: the same answer whatever was wrong. */
static int code_refused(struct http_req *req, struct http_resp *resp, int r, int retry_after)
{
	if (r == ERR_BUSY)
		return too_many(req, resp, retry_after);
	if (r == ERR_AUTH)
		return http_problem(resp, 401, "code-failed", "Code not accepted",
				    "That code was not accepted. Type the six digits your authenticator app shows now "
				    "(each code works once), or one of your recovery codes. After repeated failures the "
				    "account is locked for a while.",
				    NULL);
	if (r == ERR_CONFLICT)
		return http_problem(resp, 409, "mfa-state", "Not at this step",
				    "This session is not waiting for this step. Log in again.", NULL);
	return r;
}

int h_session_mfa(struct http_req *req, struct http_resp *resp)
{
	const char *code = json_get_str(req->json, "code");
	const char *recovery = json_get_str(req->json, "recovery_code");
	/* One of the two, which the schema of each field cannot say. */
	if (!code == !recovery) {
		struct field_errors errs;
		field_errors_init(&errs, 1);
		field_error_add(&errs, "code", "type the six-digit code from your authenticator app, or a recovery code");
		return http_problem_fields(resp, &errs);
	}
	struct svc_ctx ctx = http_ctx(req);
	struct svc_login login;
	int r = svc_auth_mfa_verify(&ctx, code, recovery, &login);
	if (r < 0)
		return code_refused(req, resp, r, login.retry_after);
	return login_answer(req, resp, &login);
}

int h_mfa_enrol_begin(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct mfa_enrolment e;
	int r = svc_auth_mfa_enrol_begin(&ctx, &e);
	if (r < 0)
		return code_refused(req, resp, r, 0);
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i}", "secret", e.secret, "otpauth_uri", e.uri, "qr_svg",
			      e.qr_svg, "digits", TOTP_DIGITS, "period", TOTP_STEP_SECONDS);
	mfa_enrolment_done(&e);
	return http_json(resp, 201, j);
}

int h_mfa_enrol_confirm(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct svc_login login;
	int r = svc_auth_mfa_enrol_confirm(&ctx, json_get_str(req->json, "code"), &login);
	if (r < 0)
		return code_refused(req, resp, r, login.retry_after);
	json_t *codes = json_array();
	for (int i = 0; codes && i < AUTH_RECOVERY_CODES; i++)
		if (json_array_append_new(codes, json_string(login.recovery_codes[i])) < 0) {
			json_decref(codes);
			codes = NULL;
		}
	memset(login.recovery_codes, 0, sizeof login.recovery_codes);
	json_t *user = http_user_json(&login.user);
	user_info_done(&login.user);
	if ((r = http_header_add(resp, "Set-Cookie", cookie(req, login.token))) < 0) {
		json_decref(codes);
		json_decref(user);
		return r;
	}
	return http_json(resp, 201,
			 json_pack("{s:s, s:s, s:o, s:o}", "token", login.token, "csrf_token", login.csrf_token, "user",
				   user, "recovery_codes", codes));
}

int h_session_delete(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_auth_logout(&ctx);
	if (r < 0)
		return r;
	http_header_add(resp, "Set-Cookie", cookie(req, NULL));
	return http_no_content(resp, 0);
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
	/* A provider user's agency, by name (service/providers.h). */
	json_t *agency = NULL;
	if (u.role == ROLE_PROVIDER && !req->actor->mfa_pending && svc_provider_of_actor(&ctx, &agency) == 0 && agency)
		json_object_set_new(user, "provider", agency);
	char csrf[AUTH_TOKEN_SIZE];
	auth_csrf_for(req->token, csrf);
	/* A session still waiting for its second factor may do nothing but
	 * give it (or enrol), see itself and log out. */
	int pending = req->actor->mfa_pending;
	json_t *perms = json_array();
	for (int p = 0; p < PERM_COUNT; p++)
		if (role_may(u.role, (enum perm)p) && (!pending || p == PERM_SESSION))
			json_array_append_new(perms, json_string(perm_name((enum perm)p)));
	return http_json(resp, 200,
			 json_pack("{s:o, s:s, s:o, s:{s:b, s:s?}}", "user", user, "csrf_token", csrf, "permissions", perms,
				   "second_factor", "required", auth_mfa_required(u.role), "next", next_name(pending)));
}

int h_session_state(struct http_req *req, struct http_resp *resp)
{
	/* Asked by the page as it loads: no session is an answer, not an error. */
	if (!req->actor)
		return http_json(resp, 200, json_pack("{s:b}", "signed_in", 0));
	return h_me(req, resp);
}

int h_my_sessions(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct page_query q;
	http_page_query(req, &q);
	struct list_page p;
	struct session_info *list = NULL;
	size_t n = 0;
	int r = svc_auth_sessions_list(&ctx, &q, &errs, &p, &list, &n);
	json_t *items = r == 0 ? json_array() : NULL, *out = NULL;
	for (size_t i = 0; items && i < n; i++) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}", "id", (json_int_t)list[i].id, "created_at",
				      list[i].created_at, "last_used_at", list[i].last_seen_at, "client", list[i].client,
				      "user_agent", list[i].user_agent, "current", list[i].current);
		if (!o || json_array_append_new(items, o) < 0) {
			json_decref(items);
			items = NULL;
		}
	}
	free(list);
	if (r == 0)
		r = items ? page_answer(&p, items, &out) : ERR_NOMEM;
	return http_answer(resp, r, &errs, 200, out);
}

int h_my_session_delete(struct http_req *req, struct http_resp *resp)
{
	int64_t id;
	int r = http_param_id(req, 0, &id);
	if (r < 0)
		return r;
	struct svc_ctx ctx = http_ctx(req);
	if ((r = svc_auth_session_end(&ctx, id)) < 0)
		return r;
	if (id == req->actor->session_id && (r = http_header_add(resp, "Set-Cookie", cookie(req, NULL))) < 0)
		return r;
	return http_no_content(resp, 0);
}

int h_user_sessions_delete(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id, n = 0;
	int r = http_param_id(req, 0, &id);
	if (r == 0)
		r = svc_auth_sessions_end_all(&ctx, id, &n);
	return http_reply(resp, r, 200, r < 0 ? NULL : json_pack("{s:I}", "ended", (json_int_t)n));
}

int h_user_mfa_delete(struct http_req *req, struct http_resp *resp)
{
	return http_act_by_id(req, resp, svc_auth_mfa_reset);
}
