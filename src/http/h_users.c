/* Handlers for user administration. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "http/http.h"
#include "service/audit.h"
#include "service/users.h"

json_t *http_user_json(const struct user_info *u);

static int path_id(struct http_req *req, int64_t *ret)
{
	return req->nparams > 0 && str_to_id(req->params[0], 1, INT64_MAX, ret) == 0 ? 0 : ERR_NOTFOUND;
}

int h_users_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct user_info *users;
	size_t n;
	int r = svc_users_list(&ctx, &users, &n);
	if (r < 0)
		return r;
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, http_user_json(&users[i]));
	user_infos_free(users, n);
	return http_json(resp, 200, json_pack("{s:o}", "users", list));
}

static const struct http_field user_create_fields[] = {
	{"username", HF_STRING, true},
	{"role", HF_STRING, true},
	{"scope", HF_STRING_OR_NULL, false},
	{"display_name", HF_STRING, true},
	{"email", HF_STRING_OR_NULL, false},
	{"password", HF_STRING, true},
	{NULL, 0, false},
};

int h_users_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	/* Permission first: a role that may not create users learns nothing
	 * about the fields. */
	int r = svc_require(&ctx, PERM_USERS_MANAGE);
	if (r < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 50);
	http_fields_check(req->json, user_create_fields, &errs);
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	struct user_new u = {
		.username = json_get_str(req->json, "username"),
		.role = json_get_str(req->json, "role"),
		.scope = json_get_str(req->json, "scope"),
		.display_name = json_get_str(req->json, "display_name"),
		.email = json_get_str(req->json, "email"),
		.password = json_get_str(req->json, "password"),
	};
	int64_t id;
	r = svc_users_create(&ctx, &u, &errs, &id);
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
	struct user_info info;
	if ((r = svc_users_get(&ctx, id, &info)) < 0)
		return r;
	json_t *j = http_user_json(&info);
	user_info_done(&info);
	char *loc = arena_printf(&req->arena, "/api/v1/users/%lld", (long long)id);
	http_header_add(resp, "Location", loc);
	return http_json(resp, 201, j);
}

int h_users_get(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	int r = svc_require(&ctx, PERM_USERS_MANAGE);
	if (r < 0)
		return r;
	if ((r = path_id(req, &id)) < 0)
		return r;
	struct user_info info;
	if ((r = svc_users_get(&ctx, id, &info)) < 0)
		return r;
	json_t *j = http_user_json(&info);
	user_info_done(&info);
	return http_json(resp, 200, j);
}

static const struct http_field user_patch_fields[] = {
	{"version", HF_INT, true},
	{"role", HF_STRING, false},
	{"scope", HF_STRING_OR_NULL, false},
	{"display_name", HF_STRING, false},
	{"email", HF_STRING_OR_NULL, false},
	{"password", HF_STRING, false},
	{"disabled", HF_BOOL, false},
	{"unlock", HF_BOOL, false},
	{NULL, 0, false},
};

int h_users_update(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_USERS_MANAGE);
	if (r < 0)
		return r;
	int64_t id;
	if ((r = path_id(req, &id)) < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 50);
	http_fields_check(req->json, user_patch_fields, &errs);
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
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
		return http_problem(resp, 409, "conflict", "Changed by someone else",
				    "the user was changed since you read it; reload and try again", NULL);
	if (r < 0)
		return r;
	struct user_info info;
	if ((r = svc_users_get(&ctx, id, &info)) < 0)
		return r;
	json_t *j = http_user_json(&info);
	user_info_done(&info);
	return http_json(resp, 200, j);
}

int h_audit_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_AUDIT_READ);
	if (r < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct audit_filter f = {
		.actor = http_query(req, "actor"),
		.object_type = http_query(req, "object_type"),
		.object_id = http_query(req, "object_id"),
		.action = http_query(req, "action"),
	};
	/* Times are compared as stored: normalise what was given. */
	const char *names[2] = {"from", "to"};
	const char **dest[2] = {&f.from, &f.to};
	for (int i = 0; i < 2; i++) {
		const char *v = http_query(req, names[i]);
		hl_time t;
		if (!v)
			continue;
		if (time_parse(v, &t) < 0) {
			field_error_add(&errs, names[i], "expected an RFC 3339 time such as 2026-11-28T03:00:00Z");
			continue;
		}
		char *s = arena_alloc(&req->arena, 32);
		time_format(t, s, 32);
		*dest[i] = s;
	}
	int64_t v;
	const char *limit = http_query(req, "limit"), *before = http_query(req, "before");
	if (limit && str_to_int64(limit, 1, 500, &v) < 0)
		field_error_add(&errs, "limit", "a number from 1 to 500");
	else if (limit)
		f.limit = (int)v;
	if (before && str_to_int64(before, 1, INT64_MAX, &v) < 0)
		field_error_add(&errs, "before", "a record number");
	else if (before)
		f.before_seq = v;
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	field_errors_done(&errs);
	struct audit_record *recs;
	size_t n;
	if ((r = svc_audit_list(&ctx, &f, &recs, &n)) < 0)
		return r;
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct audit_record *a = &recs[i];
		json_array_append_new(list, json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "seq",
						      (json_int_t)a->seq, "at", a->at, "actor", a->actor, "action",
						      a->action, "object_type", a->object_type, "object_id",
						      a->object_id, "client", a->client, "detail", a->detail));
	}
	json_t *out = json_pack("{s:o}", "records", list);
	int limit_used = f.limit ? f.limit : 100;
	if (n == (size_t)limit_used && n > 0)
		json_object_set_new(out, "next_before", json_integer(recs[n - 1].seq));
	audit_records_free(recs, n);
	return http_json(resp, 200, out);
}
