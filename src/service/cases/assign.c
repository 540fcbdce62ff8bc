/* assign.c: who works a case. A case has one lead (a HART user or a
 * liaison of its region) and any number of workers (a user who may read
 * the case: HART, a liaison of its region, an MDT member of a team that
 * reviews it). Every change ends one row of case_assignment and starts
 * another, so a transfer keeps its history; the duties of the case follow
 * its lead (docs/cases.md, "Assignment"). */
#include "service/cases/cases_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "service/deadlines.h"
#include "service/recipients.h"
#include "service/sealed.h"

static const char *const assign_roles[] = {"lead", "worker", NULL};

static const struct field_rule assign_fields[] = {
	{.key = "user_id", .type = FT_ID, .required = true, .reason = "required: the person to assign"},
	{.key = "role", .type = FT_STRING, .required = true, .max_len = 16, .allowed = assign_roles,
	 .reason = "lead or worker"},
	{.key = NULL},
};
const struct schema svc_case_assign_schema = {.name = "case assignment", .fields = assign_fields};

/* The users who may work case_id of region: active, and HART, a liaison of
 * the region or an active member of a team that reviews the case. One
 * user (only > 0), or a page of them after the id after. */
#define WORKERS_SQL                                                                                            \
	"SELECT u.id, u.username, u.role, u.scope, u.display_name FROM app_user u"                              \
	" WHERE u.disabled = 0 AND (u.role = 'hart' OR (u.role = 'liaison' AND u.scope = ?)"                   \
	"  OR (u.role = 'mdt' AND EXISTS (SELECT 1 FROM case_review v JOIN mdt_team t ON t.id = v.team_id"      \
	"   JOIN mdt_member m ON m.team_id = t.id WHERE v.case_id = ? AND v.status <> 'cancelled'"             \
	"   AND t.code = u.scope AND m.user_id = u.id AND m.active = 1)))"                                      \
	" AND (? = 0 OR u.id = ?) AND u.id > ? ORDER BY u.id LIMIT ?"

bool cases_may_lead(const char *role, const char *scope, const char *region)
{
	return role && (strcmp(role, "hart") == 0 ||
			(strcmp(role, "liaison") == 0 && scope && region && strcmp(scope, region) == 0));
}

int cases_check_lead(struct db *db, int64_t user, const char *region, const char *key, struct field_errors *errs)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT role, scope, disabled FROM app_user WHERE id = ?", "i", user);
	if (r == ERR_NOTFOUND) {
		field_error_add(errs, key, "There is no such person: choose one from the list.");
		return 0;
	}
	if (r < 0)
		return r;
	if (db_column_int64(st, 2))
		field_error_add(errs, key, "This person's account is disabled: choose someone else.");
	else if (!cases_may_lead(db_column_text(st, 0), db_column_text(st, 1), region))
		field_error_add(errs, key, "The lead is a HART coordinator or a liaison of region %s.", region);
	db_finalize(st);
	return 0;
}

/* Whether user may be a worker of case h. */
static int check_worker(struct db *db, const struct case_head *h, int64_t user, struct field_errors *errs)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, WORKERS_SQL, "tiiiid", h->region, h->id, user, user, (int64_t)0, 1);
	if (r == ERR_NOTFOUND) {
		field_error_add(errs, "user_id",
				"This person cannot work this case: a worker is a HART coordinator, a liaison of region"
				" %s or a member of a team that reviews the case.",
				h->region);
		return 0;
	}
	if (r < 0)
		return r;
	db_finalize(st);
	return 0;
}

/* The username of user, for the timeline; "" when there is none. */
static int username_of(struct db *db, int64_t user, char out[64])
{
	out[0] = '\0';
	if (user <= 0)
		return 0;
	char *name = NULL;
	int r = db_textf(db, &name, "SELECT username FROM app_user WHERE id = ?", "i", user);
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	snprintf(out, 64, "%s", name ? name : "");
	free(name);
	return 0;
}

/* End the current assignment rows of case_id that match role (NULL: any)
 * and user (0: any). */
static int end_rows(struct db *db, const struct svc_ctx *ctx, int64_t case_id, const char *role, int64_t user,
		    const char *ts)
{
	return db_execf(db,
			"UPDATE case_assignment SET ended_at = ?, ended_by = NULLIF(CAST(? AS BIGINT), 0)"
			" WHERE case_id = ? AND ended_at IS NULL AND (CAST(? AS TEXT) IS NULL OR role = ?)"
			" AND (? = 0 OR user_id = ?)",
			"tiittii", ts, ctx->actor->user_id, case_id, role, role ? role : "", user, user);
}

static int start_row(struct db *db, const struct svc_ctx *ctx, int64_t case_id, const char *role, int64_t user,
		     const char *ts)
{
	return db_execf(db,
			"INSERT INTO case_assignment (case_id, user_id, role, started_at, started_by)"
			" VALUES (?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0))",
			"iitti", case_id, user, role, ts, ctx->actor->user_id);
}

/* Tell user, in the app, that it leads or works case h now (not the actor,
 * who knows). The text names the case, never the child. */
static int tell_assigned(struct db *db, const struct svc_ctx *ctx, const struct case_head *h, int64_t user,
			 bool lead)
{
	if (user <= 0 || user == ctx->actor->user_id)
		return 0;
	char ts[32], oid[24], text[160];
	time_str(now(), ts);
	fmt_id(oid, h->id);
	snprintf(text, sizeof text, lead ? "You lead case %s now: its duties are yours." : "You work case %s now.",
		 h->number);
	const struct recipients to = {.who = RCPT_USER, .user_id = user};
	return notify_insert(db, &to, "case_assigned", "case", oid, text, ts);
}

int cases_set_lead(struct db *db, const struct svc_ctx *ctx, const struct case_head *h, int64_t user)
{
	if (user == h->lead)
		return 0;
	char ts[32], from[64], to[64];
	time_str(now(), ts);
	int r;
	if ((r = username_of(db, h->lead, from)) < 0 || (r = username_of(db, user, to)) < 0 ||
	    (r = end_rows(db, ctx, h->id, "lead", 0, ts)) < 0)
		return r;
	/* A worker who becomes the lead is no longer counted as a worker. */
	if (user > 0 && ((r = end_rows(db, ctx, h->id, NULL, user, ts)) < 0 ||
			 (r = start_row(db, ctx, h->id, "lead", user, ts)) < 0))
		return r;
	if ((r = db_execf(db, "UPDATE child_case SET lead_user_id = NULLIF(CAST(? AS BIGINT), 0) WHERE id = ?", "ii",
			  user, h->id)) < 0 ||
	    (r = duty_reassign(db, h->id, user > 0 ? user : h->opened_by)) < 0 ||
	    (r = tell_assigned(db, ctx, h, user, true)) < 0)
		return r;
	return cases_event_packf(db, ctx, h->id, "lead_changed", now(), "{s:s?, s:s?}", "from", *from ? from : NULL,
				 "to", *to ? to : NULL);
}

/* A user as the list of assignments answers it: id, username, name. */
static int user_ref_json(struct db_stmt *st, struct app *app, int col, json_t **ret)
{
	*ret = NULL;
	if (db_column_is_null(st, col))
		return (*ret = json_null()) ? 0 : ERR_NOMEM;
	int64_t id = db_column_int64(st, col);
	json_t *o = json_pack("{s:I, s:s?}", "id", (json_int_t)id, "username", db_column_text(st, col + 1));
	if (!o)
		return ERR_NOMEM;
	int r = sealed_json(app, st, col + 2, "app_user", "display_name", id, o, "display_name");
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*ret = o;
	return 0;
}

static int assignment_row_json(struct db_stmt *st, struct app *app, json_t *out)
{
	json_t *a = json_object(), *u = NULL, *by = NULL, *end_by = NULL;
	int r = a ? db_row_json(st, "id:i role started_at ended_at", a) : ERR_NOMEM;
	if (r == 0 && (r = user_ref_json(st, app, 4, &u)) == 0 && (r = user_ref_json(st, app, 7, &by)) == 0)
		r = user_ref_json(st, app, 10, &end_by);
	if (r == 0 && (json_object_set_new(a, "current", json_boolean(db_column_is_null(st, 3))) < 0 ||
		       json_object_set(a, "user", u) < 0 || json_object_set(a, "started_by", by) < 0 ||
		       json_object_set(a, "ended_by", end_by) < 0))
		r = ERR_NOMEM;
	json_decref(u);
	json_decref(by);
	json_decref(end_by);
	if (r == 0 && json_array_append(out, a) < 0)
		r = ERR_NOMEM;
	json_decref(a);
	return r;
}

int cases_assignments_json(struct db *db, struct app *app, int64_t case_id, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(
		db, &st,
		"SELECT a.id, a.role, a.started_at, a.ended_at, u.id, u.username, u.display_name,"
		" b.id, b.username, b.display_name, e.id, e.username, e.display_name"
		" FROM case_assignment a JOIN app_user u ON u.id = a.user_id"
		" LEFT JOIN app_user b ON b.id = a.started_by LEFT JOIN app_user e ON e.id = a.ended_by"
		" WHERE a.case_id = ?"
		" ORDER BY CASE WHEN a.ended_at IS NULL THEN 0 ELSE 1 END, CASE WHEN a.role = 'lead' THEN 0 ELSE 1 END,"
		" a.started_at DESC, a.id DESC",
		"i", case_id);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && (r = assignment_row_json(st, app, out)) == 0)
		;
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- POST /api/v1/cases/{id}/assignments ---- */

/* Add user as a worker: nothing when it already works the case. */
static int add_worker(struct db *db, const struct svc_ctx *ctx, const struct case_head *h, int64_t user,
		      struct case_conflict *cf, bool *ret_added)
{
	*ret_added = false;
	if (user == h->lead) {
		cases_conflict(cf, "This person is the lead of case %s already.", h->number);
		return ERR_CONFLICT;
	}
	int64_t n = 0;
	int r = db_int64f(db, &n, "SELECT count(*) FROM case_assignment WHERE case_id = ? AND user_id = ? AND ended_at IS NULL",
			  "ii", h->id, user);
	if (r < 0 || n > 0)
		return r;
	char ts[32], name[64];
	time_str(now(), ts);
	if ((r = username_of(db, user, name)) < 0 || (r = start_row(db, ctx, h->id, "worker", user, ts)) < 0 ||
	    (r = cases_event_packf(db, ctx, h->id, "worker_added", now(), "{s:s}", "user", name)) < 0 ||
	    (r = tell_assigned(db, ctx, h, user, false)) < 0)
		return r;
	*ret_added = true;
	return 0;
}

static int assign_write(const struct svc_ctx *ctx, struct db *db, const struct case_head *h, bool lead,
			int64_t user, struct case_conflict *cf, json_t **ret)
{
	int r;
	bool added = true;
	if (lead)
		r = cases_set_lead(db, ctx, h, user);
	else
		r = add_worker(db, ctx, h, user, cf, &added);
	if (r < 0)
		return r;
	if ((lead ? user != h->lead : added) &&
	    (r = cases_written(db, ctx, h->id, "case.assign", "%s=%lld", lead ? "lead" : "worker", (long long)user)) < 0)
		return r;
	return cases_staff_json(db, ctx->app, h->id, ret);
}

int svc_case_assign(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_write_enter(ctx, id, &svc_case_assign_schema, body, errs, &db, &h);
	if (r < 0 && r != ERR_INVAL)
		return r;
	int64_t user = json_integer_value(json_object_get(body, "user_id"));
	const char *role = cases_str(body, "role");
	bool lead = role && strcmp(role, "lead") == 0;
	if (user > 0 && role && (r = lead ? cases_check_lead(db, user, h.region, "user_id", errs)
					  : check_worker(db, &h, user, errs)) < 0)
		return r;
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (strcmp(h.status, "closed") == 0) {
		cases_conflict(cf, "Case %s is closed: reopen it before you assign anyone.", h.number);
		return ERR_CONFLICT;
	}
	json_t *j = NULL;
	if ((r = db_begin(db)) < 0)
		return r;
	/* The head again, inside the transaction: the lead may have changed. */
	if ((r = case_load(db, id, &h)) == 0)
		r = assign_write(ctx, db, &h, lead, user, cf, &j);
	if ((r = cases_end(db, r)) < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

/* ---- DELETE /api/v1/cases/{id}/assignments/{aid} ---- */

static int unassign_write(const struct svc_ctx *ctx, struct db *db, const struct case_head *h, int64_t aid,
			  struct case_conflict *cf, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT user_id, role, ended_at FROM case_assignment WHERE id = ? AND case_id = ?",
			"ii", aid, h->id);
	if (r < 0)
		return r;
	int64_t user = db_column_int64(st, 0);
	bool lead = strcmp(db_column_text(st, 1), "lead") == 0, ended = !db_column_is_null(st, 2);
	db_finalize(st);
	if (ended) {
		cases_conflict(cf, "This assignment of case %s has ended already: reload the case.", h->number);
		return ERR_CONFLICT;
	}
	char ts[32], name[64];
	time_str(now(), ts);
	if (lead)
		r = cases_set_lead(db, ctx, h, 0);
	else if ((r = username_of(db, user, name)) == 0 && (r = end_rows(db, ctx, h->id, "worker", user, ts)) == 0)
		r = cases_event_packf(db, ctx, h->id, "worker_removed", now(), "{s:s}", "user", name);
	if (r < 0 || (r = cases_written(db, ctx, h->id, "case.unassign", "%s=%lld", lead ? "lead" : "worker",
				     (long long)user)) < 0)
		return r;
	return cases_staff_json(db, ctx->app, h->id, ret);
}

int svc_case_unassign(const struct svc_ctx *ctx, int64_t id, int64_t aid, const json_t *body,
		      struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	(void)body;
	(void)errs;
	struct db *db;
	struct case_head h;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	if (strcmp(h.status, "closed") == 0) {
		cases_conflict(cf, "Case %s is closed: reopen it before you change who works it.", h.number);
		return ERR_CONFLICT;
	}
	json_t *j = NULL;
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = case_load(db, id, &h)) == 0)
		r = unassign_write(ctx, db, &h, aid, cf, &j);
	if ((r = cases_end(db, r)) < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

/* ---- GET /api/v1/cases/{id}/assignable ---- */

static int assignable_row(struct db_stmt *st, struct app *app, const char *region, json_t *items)
{
	int64_t id = db_column_int64(st, 0);
	json_t *o = json_object();
	int r = o ? db_row_json(st, "id:i username role scope", o) : ERR_NOMEM;
	if (r == 0)
		r = sealed_json(app, st, 4, "app_user", "display_name", id, o, "display_name");
	if (r == 0 && json_object_set_new(o, "may_lead", json_boolean(cases_may_lead(db_column_text(st, 2),
										     db_column_text(st, 3), region))) < 0)
		r = ERR_NOMEM;
	if (r == 0 && json_array_append(items, o) < 0)
		r = ERR_NOMEM;
	json_decref(o);
	return r;
}

/* The people who may work a case, by id (the one order). */
static const struct page_sort assignable_sorts[] = {
	{"id", "u.id"},
	{NULL, NULL},
};
static const struct page_list assignable_page_list = {"assignable", "u.id", assignable_sorts, "id"};

int svc_case_assignable(const struct svc_ctx *ctx, int64_t id, const struct page_query *q,
			struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct case_head h;
	struct list_page p;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0 || (r = page_parse(&assignable_page_list, q, &p, errs)) < 0)
		return r;
	if (p.desc) {
		field_error_add(errs, "sort",
				"The people who may work a case are listed in one order only: leave Sort out.");
		return ERR_INVAL;
	}
	json_t *items = json_array();
	struct db_stmt *st;
	if (!items)
		return ERR_NOMEM;
	if ((r = db_preparef(db, &st, WORKERS_SQL, "tiiiid", h.region, h.id, (int64_t)0, (int64_t)0,
			     p.has_after ? p.id : (int64_t)0, p.limit + 1)) < 0) {
		json_decref(items);
		return r;
	}
	while ((r = db_step(st)) == DB_ROW && page_row_at(&p, st, 0, 0) &&
	       (r = assignable_row(st, ctx->app, h.region, items)) == 0)
		;
	db_finalize(st);
	if (r < 0) {
		json_decref(items);
		return r;
	}
	return page_answer(&p, items, ret);
}
