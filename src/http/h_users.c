/* Handlers for user administration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "http/http.h"
#include "service/audit.h"
#include "service/setup.h"
#include "service/users.h"

json_t *http_user_json(const struct user_info *u);

/* A user as the administrator sees it: with "setup", when the account has
 * no password yet, saying when its link expires and whether it has. */
static json_t *admin_user_json(const struct user_info *u)
{
	json_t *j = http_user_json(u);
	if (!j)
		return NULL;
	json_t *setup = json_null();
	if (u->setup_expires_at[0]) {
		char ts[32];
		bool expired = time_format(now(), ts, sizeof ts) == 0 && strcmp(u->setup_expires_at, ts) <= 0;
		setup = json_pack("{s:s, s:b}", "expires_at", u->setup_expires_at, "expired", expired);
	}
	if (json_object_set_new(j, "setup", setup) < 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The link as the API answers it: the token, and where the person opens
 * it (the token after "#", which browsers never send to a server). */
static json_t *link_json(const struct setup_link *link)
{
	return json_pack("{s:s, s:s+, s:s}", "token", link->token, "path", "/setup#token=", link->token, "expires_at",
			 link->expires_at);
}

/* The user as it is now (every answer about a user reads it again) and,
 * when one was issued, the set-up link to hand over. */
static int answer_user(const struct svc_ctx *ctx, struct http_resp *resp, int status, int64_t id,
		       const struct setup_link *link)
{
	struct user_info info;
	int r = svc_users_get(ctx, id, &info);
	if (r < 0)
		return r;
	json_t *j = admin_user_json(&info);
	user_info_done(&info);
	if (j && link && json_object_set_new(j, "setup_link", link_json(link)) < 0) {
		json_decref(j);
		j = NULL;
	}
	return j ? http_json(resp, status, j) : ERR_NOMEM;
}

int h_users_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct page_query q;
	http_page_query(req, &q);
	struct list_page p;
	struct user_info *users = NULL;
	size_t n = 0;
	int r = svc_users_list(&ctx, &q, &errs, &p, &users, &n);
	json_t *list = r == 0 ? json_array() : NULL, *out = NULL;
	for (size_t i = 0; list && i < n; i++)
		if (json_array_append_new(list, admin_user_json(&users[i])) < 0) {
			json_decref(list);
			list = NULL;
		}
	user_infos_free(users, n);
	if (r == 0)
		r = list ? page_answer(&p, list, &out) : ERR_NOMEM;
	return http_answer(resp, r, &errs, 200, out);
}

int h_users_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 50);
	struct user_new u = {
		.username = json_get_str(req->json, "username"),
		.role = json_get_str(req->json, "role"),
		.scope = json_get_str(req->json, "scope"),
		.display_name = json_get_str(req->json, "display_name"),
		.email = json_get_str(req->json, "email"),
		.password = json_get_str(req->json, "password"),
	};
	int64_t id;
	struct setup_link link;
	int r = svc_users_create(&ctx, &u, &errs, &id, &link);
	if (r == ERR_INVAL || r == ERR_EXISTS) {
		if (r == ERR_EXISTS) {
			field_errors_done(&errs);
			return http_problem(resp, 409, "conflict", "Username taken",
					    "a user with this username exists already", NULL);
		}
		return http_problem_fields(resp, &errs);
	}
	field_errors_done(&errs);
	if (r < 0)
		return r;
	char *loc = arena_printf(&req->arena, "/api/v1/users/%lld", (long long)id);
	if (!loc || (r = http_header_add(resp, "Location", loc)) < 0)
		return loc ? r : ERR_NOMEM;
	return answer_user(&ctx, resp, 201, id, &link);
}

int h_users_setup_link(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct setup_link link;
	int r = http_param_id(req, 0, &id);
	if (r < 0 || (r = svc_setup_link_issue(&ctx, id, &link)) < 0)
		return r;
	return answer_user(&ctx, resp, 201, id, &link);
}

int h_users_get(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	int r = http_param_id(req, 0, &id);
	return r < 0 ? r : answer_user(&ctx, resp, 200, id, NULL);
}

int h_users_update(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	int r = http_param_id(req, 0, &id);
	if (r < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 50);
	const json_t *b = req->json;
	json_t *disabled = json_object_get(b, "disabled");
	json_t *scope = json_object_get(b, "scope");
	json_t *email = json_object_get(b, "email");
	struct user_patch p = {
		.version = json_integer_value(json_object_get(b, "version")),
		.role = json_get_str(b, "role"),
		.scope = json_get_str(b, "scope"),
		.clear_scope = json_is_null(scope),
		.display_name = json_get_str(b, "display_name"),
		.email = json_get_str(b, "email"),
		.clear_email = json_is_null(email),
		.password = json_get_str(b, "password"),
		.disabled = disabled ? json_is_true(disabled) : -1,
		.unlock = json_is_true(json_object_get(b, "unlock")),
	};
	r = svc_users_update(&ctx, id, &p, &errs);
	if (r == ERR_INVAL)
		return http_problem_fields(resp, &errs);
	field_errors_done(&errs);
	if (r == ERR_CONFLICT)
		return http_problem(resp, 409, "stale-version", "Changed by someone else",
				    "the user was changed since you read it; reload and try again", NULL);
	return r < 0 ? r : answer_user(&ctx, resp, 200, id, NULL);
}

/* ---- the person with a set-up link (public: the link is the key) ---- */

/* A refused link, in words for the person holding it. */
static int setup_refused(struct http_resp *resp, enum setup_refusal why)
{
	static const char *const detail[] = {
		[SETUP_UNKNOWN] = "This set-up link is not known. Check that you copied the whole link, or ask your "
				  "administrator for a new one.",
		[SETUP_USED] = "This set-up link has been used already. If you did not use it yourself, tell your "
			       "administrator and a HART coordinator now, and ask for a new link.",
		[SETUP_REPLACED] = "A newer set-up link has replaced this one. Use the newest link you were given, or "
				   "ask your administrator for a new one.",
		[SETUP_EXPIRED] = "This set-up link has expired. Ask your administrator for a new one.",
		[SETUP_DISABLED] = "This account is disabled. Ask your administrator.",
	};
	json_t *ext = json_pack("{s:s}", "reason", setup_refusal_name(why));
	return http_problem_ext(resp, why == SETUP_UNKNOWN ? 404 : 410, "setup-link", "Set-up link refused",
				detail[why], ext);
}

int h_setup_check(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct setup_account a;
	enum setup_refusal why = SETUP_UNKNOWN;
	int r = svc_setup_check(ctx.app, ctx.client, json_get_str(req->json, "token"), &a, &why);
	if (r == ERR_NOTFOUND)
		return setup_refused(resp, why);
	if (r < 0)
		return r;
	json_t *j = json_pack("{s:s, s:s?, s:s}", "username", a.username, "display_name", a.display_name, "expires_at",
			      a.expires_at);
	free(a.display_name);
	return j ? http_json(resp, 200, j) : ERR_NOMEM;
}

int h_setup_complete(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	char username[USERNAME_MAX];
	enum setup_refusal why = SETUP_UNKNOWN;
	int r = svc_setup_complete(ctx.app, ctx.client, json_get_str(req->json, "token"),
				   json_get_str(req->json, "password"), &errs, username, &why);
	if (r == ERR_INVAL)
		return http_problem_fields(resp, &errs);
	field_errors_done(&errs);
	if (r == ERR_NOTFOUND)
		return setup_refused(resp, why);
	if (r < 0)
		return r;
	json_t *j = json_pack("{s:s}", "username", username);
	return j ? http_json(resp, 200, j) : ERR_NOMEM;
}

int h_access_notice_ack(struct http_req *req, struct http_resp *resp)
{
	return http_act_by_id(req, resp, svc_access_notice_ack);
}

/* The audit view's filters from the query: user (a username), action,
 * object_type, object_id, from and to (times), and the page (limit, after,
 * sort). */
static void audit_query(struct http_req *req, struct audit_filter *f, struct field_errors *errs)
{
	*f = (struct audit_filter){
		.actor = http_query(req, "user"),
		.object_type = http_query(req, "object_type"),
		.object_id = http_query(req, "object_id"),
		.action = http_query(req, "action"),
	};
	/* The older name of the user filter. */
	if (!f->actor)
		f->actor = http_query(req, "actor");
	/* Times are compared as stored: normalise what was given. */
	static const char *const names[2] = {"from", "to"}, *const words[2] = {"From", "To"};
	const char **dest[2] = {&f->from, &f->to};
	for (int i = 0; i < 2; i++) {
		const char *v = http_query(req, names[i]);
		hl_time t;
		if (!v || !*v)
			continue;
		char *s = arena_alloc(&req->arena, 32);
		if (time_parse(v, &t) < 0 || !s) {
			field_error_add(errs, names[i], "%s: enter a date and a time", words[i]);
			continue;
		}
		time_format(t, s, 32);
		*dest[i] = s;
	}
	if (f->from && f->to && strcmp(f->to, f->from) < 0)
		field_error_add(errs, "to", "To: not before From; choose a later date");
	http_page_query(req, &f->page);
}

int h_audit_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct audit_filter f;
	audit_query(req, &f, &errs);
	const char *fold = http_query(req, "fold");
	if (fold && strcmp(fold, "true") != 0 && strcmp(fold, "false") != 0)
		field_error_add(&errs, "fold", "Fold figure reads: true or false");
	json_t *out = NULL;
	int r = field_errors_any(&errs) ? ERR_INVAL
					: svc_audit_page(&ctx, &f, fold && strcmp(fold, "true") == 0, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_audit_export(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct audit_filter f;
	audit_query(req, &f, &errs);
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	field_errors_done(&errs);
	buf_clear(&resp->body);
	int r = svc_audit_export(&ctx, &f, &resp->body);
	if (r == ERR_TOOBIG) {
		buf_clear(&resp->body);
		field_errors_init(&errs, 1);
		field_error_add(&errs, "from", "From: more than 100,000 records; choose a shorter range of dates");
		return http_problem_fields(resp, &errs);
	}
	if (r < 0) {
		buf_clear(&resp->body);
		return http_problem_from_err(resp, r);
	}
	resp->status = 200;
	resp->content_type = "text/csv; charset=utf-8";
	char day[32];
	time_format(now(), day, sizeof day);
	day[10] = '\0';
	const char *disp = arena_printf(&req->arena, "attachment; filename=\"audit-%s.csv\"", day);
	return disp ? http_header_add(resp, "Content-Disposition", disp) : ERR_NOMEM;
}

int h_audit_actions(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	json_t *out = NULL;
	int r = svc_audit_actions(&ctx, &out);
	return http_reply(resp, r, 200, out);
}
