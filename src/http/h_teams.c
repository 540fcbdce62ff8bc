/* h_teams.c: handlers for MDT teams, members, case reviews, action items
 * and the contacts directory (docs/cases.md). Each checks the permission
 * first, then the path, then the declared body fields; the service judges
 * the rest. */
#include "http/h_teams.h"

#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "service/contacts.h"
#include "service/page.h"
#include "service/teams.h"

/* The refusal as http_refused, else 201 {id} with the new object's
 * address. */
static int created(struct http_resp *resp, int r, struct field_errors *errs, const char *loc, int64_t id)
{
	if (r < 0)
		return http_refused(resp, r, errs);
	field_errors_done(errs);
	if (loc)
		http_header_add(resp, "Location", loc);
	return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* ---- teams ---- */

int h_teams_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	struct page_query q;
	field_errors_init(&errs, 10);
	http_page_query(req, &q);
	json_t *out = NULL;
	int r = svc_teams_list(&ctx, &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

/* A new top-level object: 201 at base/<id>; a 409 "Team code taken" when
 * taken is given and the service answers ERR_EXISTS. */
typedef int (*create_fn)(const struct svc_ctx *, const json_t *, struct field_errors *, int64_t *);

static int create_at(struct http_req *req, struct http_resp *resp, create_fn fn, const char *base,
		     const char *taken)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 20);
	int64_t id = 0;
	int r = fn(&ctx, req->json, &errs, &id);
	if (r == ERR_EXISTS && taken) {
		field_errors_done(&errs);
		return http_problem(resp, 409, "conflict", "Team code taken", taken, NULL);
	}
	return created(resp, r, &errs, arena_printf(&req->arena, "%s/%lld", base, (long long)id), id);
}

int h_team_create(struct http_req *req, struct http_resp *resp)
{
	return create_at(req, resp, svc_team_create, "/api/v1/teams", "a team with this code exists already");
}

int h_team_get(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_team_get);
}

/* A member or review added to the team in the path: 201 at
 * /api/v1/teams/<team>/<what>/<id>; a 409 with closed as its detail when
 * closed is given and the service answers ERR_CONFLICT. */
typedef int (*team_add_fn)(const struct svc_ctx *, int64_t, const json_t *, struct field_errors *, int64_t *);

static int team_add(struct http_req *req, struct http_resp *resp, team_add_fn fn, const char *what,
		    const char *closed)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t team, id = 0;
	struct field_errors errs;
	int r = http_id_errs(req, &team, &errs, 20);
	if (r < 0)
		return r;
	r = fn(&ctx, team, req->json, &errs, &id);
	if (r == ERR_CONFLICT && closed) {
		field_errors_done(&errs);
		return http_problem(resp, 409, "conflict", "Case closed", closed, NULL);
	}
	return created(resp, r, &errs,
		       arena_printf(&req->arena, "/api/v1/teams/%lld/%s/%lld", (long long)team, what, (long long)id), id);
}

int h_team_member_add(struct http_req *req, struct http_resp *resp)
{
	/* user_id may be null: no hartline user is this member. */
	if (json_is_null(json_object_get(req->json, "user_id")))
		json_object_del(req->json, "user_id");
	return team_add(req, resp, svc_team_member_add, "members", NULL);
}

int h_team_member_remove(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t team, member;
	int r;
	if ((r = http_param_id(req, 0, &team)) < 0 || (r = http_param_id(req, 1, &member)) < 0 ||
	    (r = svc_team_member_remove(&ctx, team, member)) < 0)
		return r;
	return http_no_content(resp, 0);
}

/* ---- case reviews ---- */

int h_review_create(struct http_req *req, struct http_resp *resp)
{
	return team_add(req, resp, svc_review_create, "reviews", "a closed case is not put before a team");
}

/* The review as it is now, read after a refused change: NULL when it
 * cannot be read. A reference into team, which the caller keeps. */
static json_t *review_of(json_t *team, int64_t rid)
{
	size_t i;
	json_t *rv;
	json_array_foreach(json_object_get(team, "reviews"), i, rv)
	{
		if (json_integer_value(json_object_get(rv, "id")) == rid)
			return rv;
	}
	return NULL;
}

/* The service refuses a change to a closed review and a stale version
 * alike; the page offers a reload for the one and explains the other, so
 * the answer tells them apart by the review as it is now (a stale version
 * is "stale-version", as for cases and reports). */
static int review_conflict(const struct svc_ctx *ctx, struct http_resp *resp, int64_t team, int64_t rid,
			   const char *asked)
{
	json_t *t = NULL;
	const char *now = NULL;
	if (svc_team_get(ctx, team, &t) == 0)
		now = json_get_str(review_of(t, rid), "status");
	bool closed = now && (strcmp(now, "cancelled") == 0 ||
			      (strcmp(now, "held") == 0 && asked && strcmp(asked, "cancelled") == 0));
	json_decref(t);
	if (closed)
		return http_problem(resp, 409, "conflict", "Review closed",
				    "a cancelled review changes no more, and a held one is not cancelled; reload the team",
				    NULL);
	return http_problem(resp, 409, "stale-version", "Changed by someone else",
			    "the review was changed since you read it; reload the team and try again", NULL);
}

int h_review_update(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t team, rid;
	struct field_errors errs;
	/* The arrays are judged item by item by the service. */
	int r = http_sub_errs(req, &team, &rid, &errs, 100);
	if (r < 0)
		return r;
	json_t *out = NULL;
	r = svc_review_update(&ctx, team, rid, req->json, &errs, &out);
	if (r == ERR_CONFLICT) {
		field_errors_done(&errs);
		return review_conflict(&ctx, resp, team, rid, json_get_str(req->json, "status"));
	}
	return http_answer(resp, r, &errs, 200, out);
}

int h_action_item_done(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t team, rid, aid;
	int r;
	if ((r = http_param_id(req, 0, &team)) < 0 || (r = http_param_id(req, 1, &rid)) < 0 ||
	    (r = http_param_id(req, 2, &aid)) < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *out = NULL;
	r = svc_action_item_done(&ctx, team, rid, aid, req->json, &errs, &out);
	if (r == ERR_CONFLICT) {
		field_errors_done(&errs);
		return http_problem(resp, 409, "conflict", "Already done", "the action item is marked done already",
				    NULL);
	}
	return http_answer(resp, r, &errs, 200, out);
}

/* ---- contacts ---- */

int h_contacts_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r;
	const char *all = http_query(req, "all");
	if (all && strcmp(all, "true") != 0 && strcmp(all, "false") != 0) {
		struct field_errors errs;
		field_errors_init(&errs, 1);
		field_error_add(&errs, "all", "true or false");
		return http_problem_fields(resp, &errs);
	}
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct page_query q;
	http_page_query(req, &q);
	json_t *out = NULL;
	r = svc_contacts_list(&ctx, all && strcmp(all, "true") == 0, &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_contact_create(struct http_req *req, struct http_resp *resp)
{
	return create_at(req, resp, svc_contact_create, "/api/v1/contacts", NULL);
}

int h_contact_update(struct http_req *req, struct http_resp *resp)
{
	return http_write_by_id(req, resp, svc_contact_update, 20, 200);
}
