/* h_teams.c: handlers for MDT teams, members, case reviews, action items
 * and the contacts directory (docs/cases.md). Each checks the permission
 * first, then the path, then the declared body fields; the service judges
 * the rest. */
#include "http/h_teams.h"

#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "service/contacts.h"
#include "service/teams.h"

static int param_id(struct http_req *req, int i, int64_t *ret)
{
	return req->nparams > i && str_to_id(req->params[i], 1, INT64_MAX, ret) == 0 ? 0 : ERR_NOTFOUND;
}

/* 201 {id} with the new object's address. */
static int created(struct http_resp *resp, const char *loc, int64_t id)
{
	if (loc)
		http_header_add(resp, "Location", loc);
	return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* The 422 for errs, or errs freed and r passed on. */
static int answer_err(struct http_resp *resp, struct field_errors *errs, int r)
{
	if (r == ERR_INVAL && field_errors_any(errs))
		return http_problem_fields(resp, errs);
	field_errors_done(errs);
	return r;
}

/* ---- teams ---- */

int h_teams_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	json_t *out;
	int r = svc_teams_list(&ctx, &out);
	if (r < 0)
		return r;
	return http_json(resp, 200, out);
}

static const struct http_field team_fields[] = {
	{"code", HF_STRING, true},
	{"name", HF_STRING, true},
	{"region", HF_STRING, true},
	{NULL, 0, false},
};

int h_team_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_TEAMS_MANAGE);
	if (r < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	http_fields_check(req->json, team_fields, &errs);
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	int64_t id;
	r = svc_team_create(&ctx, req->json, &errs, &id);
	if (r == ERR_EXISTS) {
		field_errors_done(&errs);
		return http_problem(resp, 409, "conflict", "Team code taken", "a team with this code exists already",
				    NULL);
	}
	if (r < 0)
		return answer_err(resp, &errs, r);
	field_errors_done(&errs);
	return created(resp, arena_printf(&req->arena, "/api/v1/teams/%lld", (long long)id), id);
}

int h_team_get(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_TEAMS_READ);
	int64_t id;
	if (r < 0 || (r = param_id(req, 0, &id)) < 0)
		return r;
	json_t *out;
	if ((r = svc_team_get(&ctx, id, &out)) < 0)
		return r;
	return http_json(resp, 200, out);
}

static const struct http_field member_fields[] = {
	{"name", HF_STRING, true},
	{"agency", HF_STRING, true},
	{"mdt_role", HF_STRING, true},
	{"email", HF_STRING_OR_NULL, false},
	{"phone", HF_STRING_OR_NULL, false},
	{"user_id", HF_INT, false},
	{NULL, 0, false},
};

int h_team_member_add(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_TEAMS_MANAGE);
	int64_t team;
	if (r < 0 || (r = param_id(req, 0, &team)) < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	/* user_id may be null: no hartline user is this member. */
	json_t *uid = json_object_get(req->json, "user_id");
	if (json_is_null(uid))
		json_object_del(req->json, "user_id");
	http_fields_check(req->json, member_fields, &errs);
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	int64_t id;
	r = svc_team_member_add(&ctx, team, req->json, &errs, &id);
	if (r < 0)
		return answer_err(resp, &errs, r);
	field_errors_done(&errs);
	return created(
		resp, arena_printf(&req->arena, "/api/v1/teams/%lld/members/%lld", (long long)team, (long long)id), id);
}

int h_team_member_remove(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_TEAMS_MANAGE);
	int64_t team, member;
	if (r < 0 || (r = param_id(req, 0, &team)) < 0 || (r = param_id(req, 1, &member)) < 0 ||
	    (r = svc_team_member_remove(&ctx, team, member)) < 0)
		return r;
	resp->status = 204;
	resp->content_type = NULL;
	return 0;
}

/* ---- case reviews ---- */

static const struct http_field review_fields[] = {
	{"case_id", HF_INT, true},
	{"scheduled_at", HF_STRING, true},
	{NULL, 0, false},
};

int h_review_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_REVIEWS_WRITE);
	int64_t team;
	if (r < 0 || (r = param_id(req, 0, &team)) < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	http_fields_check(req->json, review_fields, &errs);
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	int64_t id;
	r = svc_review_create(&ctx, team, req->json, &errs, &id);
	if (r == ERR_CONFLICT) {
		field_errors_done(&errs);
		return http_problem(resp, 409, "conflict", "Case closed", "a closed case is not put before a team",
				    NULL);
	}
	if (r < 0)
		return answer_err(resp, &errs, r);
	field_errors_done(&errs);
	return created(
		resp, arena_printf(&req->arena, "/api/v1/teams/%lld/reviews/%lld", (long long)team, (long long)id), id);
}

/* Besides these: attendees and action_items, arrays (see below). */
static const struct http_field review_update_fields[] = {
	{"status", HF_STRING, false},
	{"held_at", HF_STRING_OR_NULL, false},
	{"decisions", HF_STRING_OR_NULL, false},
	{"version", HF_INT, false},
	{NULL, 0, false},
};

int h_review_update(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_REVIEWS_WRITE);
	int64_t team, rid;
	if (r < 0 || (r = param_id(req, 0, &team)) < 0 || (r = param_id(req, 1, &rid)) < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 100);
	/* The scalar fields by declaration; the arrays are set aside for
	 * that check and judged item by item by the service. */
	json_t *shallow = json_is_object(req->json) ? json_copy(req->json) : json_incref(req->json);
	if (json_is_object(shallow)) {
		json_object_del(shallow, "attendees");
		json_object_del(shallow, "action_items");
	}
	http_fields_check(shallow, review_update_fields, &errs);
	json_decref(shallow);
	json_t *v;
	if ((v = json_object_get(req->json, "attendees")) && !json_is_array(v) && !json_is_null(v))
		field_error_add(&errs, "attendees", "an array of member ids of the team");
	if ((v = json_object_get(req->json, "action_items")) && !json_is_array(v) && !json_is_null(v))
		field_error_add(&errs, "action_items", "an array of {text, owner, owner_user_id?, due_at}");
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	json_t *out;
	r = svc_review_update(&ctx, team, rid, req->json, &errs, &out);
	if (r == ERR_CONFLICT) {
		field_errors_done(&errs);
		return http_problem(resp, 409, "conflict", "Review closed",
				    "a cancelled review changes no more, a held one is not cancelled, and a stale "
				    "version is refused; reload the team",
				    NULL);
	}
	if (r < 0)
		return answer_err(resp, &errs, r);
	field_errors_done(&errs);
	return http_json(resp, 200, out);
}

static const struct http_field item_done_fields[] = {
	{"done_at", HF_STRING, true},
	{NULL, 0, false},
};

int h_action_item_done(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_REVIEWS_WRITE);
	int64_t team, rid, aid;
	if (r < 0 || (r = param_id(req, 0, &team)) < 0 || (r = param_id(req, 1, &rid)) < 0 ||
	    (r = param_id(req, 2, &aid)) < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	http_fields_check(req->json, item_done_fields, &errs);
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	json_t *out;
	r = svc_action_item_done(&ctx, team, rid, aid, req->json, &errs, &out);
	if (r == ERR_CONFLICT) {
		field_errors_done(&errs);
		return http_problem(resp, 409, "conflict", "Already done", "the action item is marked done already",
				    NULL);
	}
	if (r < 0)
		return answer_err(resp, &errs, r);
	field_errors_done(&errs);
	return http_json(resp, 200, out);
}

/* ---- contacts ---- */

int h_contacts_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_CONTACTS_READ);
	if (r < 0)
		return r;
	const char *all = http_query(req, "all");
	if (all && strcmp(all, "true") != 0 && strcmp(all, "false") != 0) {
		struct field_errors errs;
		field_errors_init(&errs, 1);
		field_error_add(&errs, "all", "true or false");
		return http_problem_fields(resp, &errs);
	}
	json_t *out;
	if ((r = svc_contacts_list(&ctx, all && strcmp(all, "true") == 0, &out)) < 0)
		return r;
	return http_json(resp, 200, out);
}

static const struct http_field contact_fields[] = {
	{"name", HF_STRING, true},
	{"kind", HF_STRING, true},
	{"title", HF_STRING_OR_NULL, false},
	{"region", HF_STRING_OR_NULL, false},
	{"phone", HF_STRING_OR_NULL, false},
	{"email", HF_STRING_OR_NULL, false},
	{NULL, 0, false},
};

static const struct http_field contact_update_fields[] = {
	{"name", HF_STRING, false},          {"kind", HF_STRING, false},
	{"title", HF_STRING_OR_NULL, false}, {"region", HF_STRING_OR_NULL, false},
	{"phone", HF_STRING_OR_NULL, false}, {"email", HF_STRING_OR_NULL, false},
	{"active", HF_BOOL, false},          {NULL, 0, false},
};

int h_contact_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_CONTACTS_MANAGE);
	if (r < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	http_fields_check(req->json, contact_fields, &errs);
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	int64_t id;
	r = svc_contact_create(&ctx, req->json, &errs, &id);
	if (r < 0)
		return answer_err(resp, &errs, r);
	field_errors_done(&errs);
	return created(resp, arena_printf(&req->arena, "/api/v1/contacts/%lld", (long long)id), id);
}

int h_contact_update(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_require(&ctx, PERM_CONTACTS_MANAGE);
	int64_t id;
	if (r < 0 || (r = param_id(req, 0, &id)) < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	http_fields_check(req->json, contact_update_fields, &errs);
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	json_t *out;
	r = svc_contact_update(&ctx, id, req->json, &errs, &out);
	if (r < 0)
		return answer_err(resp, &errs, r);
	field_errors_done(&errs);
	return http_json(resp, 200, out);
}
