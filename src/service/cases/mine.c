/* mine.c: a worker's own work and the coordinators' caseload: "My cases"
 * (the cases one leads or works), "My duties" (the unmet duties one owns)
 * and the caseload (per worker: open cases, overdue duties, missing
 * children). Each is a page of the list convention (service/page.h:
 * limit, an opaque after, sort) and is audited. */
#include "service/cases/cases_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/deadlines.h"
#include "service/sealed.h"

/* ---- GET /api/v1/me/cases ---- */

static const char *const my_statuses[] = {"open", "closed", "all", NULL};

static json_t *my_case_row(struct db_stmt *st, int *ret_err)
{
	json_t *j = json_object();
	*ret_err = j ? db_row_json(st,
				   "id:i number - region status victim_status assignment assigned_at missing:b"
				   " overdue:i next_due_at",
				   j)
		     : ERR_NOMEM;
	if (*ret_err < 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static const struct page_sort my_case_sorts[] = {
	{"id", "c.id"},
	{"number", "c.number"},
	{"assigned_at", "a.started_at"},
	{NULL, NULL},
};
static const struct page_list my_cases_page_list = {"my-cases", "c.id", my_case_sorts, "-id"};

/* The actor's cases, in its scope: a liaison its region, an mdt user the
 * cases its team reviews. The sort key is the last column. */
static int my_cases_select(const struct svc_ctx *ctx, struct db *db, const char *status, struct list_page *p,
			   json_t *items)
{
	const struct actor *a = ctx->actor;
	char ts[32];
	time_str(now(), ts);
	struct sqlb *s = malloc(sizeof *s);
	if (!s)
		return ERR_NOMEM;
	sqlb_init(s);
	sqlb_add(s,
		 "SELECT c.id, c.number, c.person_id, c.region, c.status, c.victim_status, a.role, a.started_at,"
		 " (SELECT count(*) FROM missing_episode m WHERE m.case_id = c.id AND m.located_at IS NULL),"
		 " (SELECT count(*) FROM duty d WHERE d.case_id = c.id AND d.met_at IS NULL AND d.due_at < ?),"
		 " (SELECT min(d.due_at) FROM duty d WHERE d.case_id = c.id AND d.met_at IS NULL), ",
		 "t", ts);
	page_sql_key(s, p);
	sqlb_add(s,
		 " FROM case_assignment a JOIN child_case c ON c.id = a.case_id"
		 " WHERE a.user_id = ? AND a.ended_at IS NULL"
		 " AND (? = 'all' OR (? = 'open' AND c.status <> 'closed') OR (? = 'closed' AND c.status = 'closed'))"
		 " AND (? = 1 OR (? = 2 AND c.region = ?)"
		 "  OR (? = 3 AND EXISTS (SELECT 1 FROM case_review v JOIN mdt_team t ON t.id = v.team_id"
		 "   WHERE v.case_id = c.id AND v.status <> 'cancelled' AND t.code = ?)))",
		 "itttddtdt", a->user_id, status, status, status, a->role == ROLE_HART ? 1 : 0,
		 a->role == ROLE_LIAISON ? 2 : 0, a->scope, a->role == ROLE_MDT ? 3 : 0, a->scope);
	page_sql_after(s, p);
	page_sql_order(s, p);
	struct db_stmt *st;
	int r = sqlb_prepare(db, s, &st);
	free(s);
	if (r < 0)
		return r;
	struct cases_rows rows = {0};
	json_t *j;
	while ((r = db_step(st)) == DB_ROW && page_row_at(p, st, 11, 0) && (j = my_case_row(st, &r)) &&
	       (r = cases_rows_add(&rows, db_column_int64(st, 2), j)) == 0)
		;
	db_finalize(st);
	if (r == DB_ROW)
		r = 0;
	return cases_rows_finish(db, ctx->app, &rows, r, items);
}

/* One of the lists below, read in one view and recorded. */
struct list_read {
	const struct svc_ctx *ctx;
	struct list_page *p;
	const char *what; /* the status or region asked for */
	json_t *items;
};

static int list_audited(struct db *db, const struct svc_ctx *ctx, struct audit_read *rec, audit_read_fn *read,
			struct list_read *l, json_t **ret)
{
	if (!(l->items = json_array()))
		return ERR_NOMEM;
	int r = svc_audited_read(db, ctx, rec, read, l);
	if (r < 0) {
		json_decref(l->items);
		return r;
	}
	return page_answer(l->p, l->items, ret);
}

static int my_cases_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct list_read *l = arg;
	int r = my_cases_select(l->ctx, db, l->what, l->p, l->items);
	return r < 0 ? r : audit_read_detail(rec, "mine status=%s count=%zu", l->what, json_array_size(l->items));
}

int svc_my_cases(const struct svc_ctx *ctx, const char *status, const struct page_query *q,
		 struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct list_page p;
	int r = svc_enter(ctx, PERM_CASES_READ, &db);
	if (r < 0)
		return r;
	status = status && *status ? status : "open";
	if (!in_list(my_statuses, status))
		field_error_add(errs, "status", "open, closed or all");
	if (page_parse(&my_cases_page_list, q, &p, errs) < 0 || field_errors_any(errs))
		return ERR_INVAL;
	struct list_read l = {.ctx = ctx, .p = &p, .what = status};
	struct audit_read rec = {.action = "case.list", .object_type = "case", .object_id = AUDIT_NO_OBJECT};
	return list_audited(db, ctx, &rec, my_cases_read, &l, ret);
}

/* ---- GET /api/v1/me/duties ---- */

static const struct page_sort my_duty_sorts[] = {
	{"due_at", "d.due_at"},
	{"id", "d.id"},
	{NULL, NULL},
};
static const struct page_list my_duties_page_list = {"my-duties", "d.id", my_duty_sorts, "due_at"};

static int my_duty_ids(struct db *db, int64_t user, struct list_page *p, int64_t **ret, size_t *ret_n)
{
	struct sqlb *s = malloc(sizeof *s);
	if (!s)
		return ERR_NOMEM;
	sqlb_init(s);
	sqlb_add(s, "SELECT ", "");
	page_sql_key(s, p);
	sqlb_add(s, ", d.id FROM duty d WHERE d.owner_id = ? AND d.met_at IS NULL", "i", user);
	page_sql_after(s, p);
	page_sql_order(s, p);
	struct db_stmt *st;
	int r = sqlb_prepare(db, s, &st);
	free(s);
	if (r < 0)
		return r;
	int64_t *ids = calloc((size_t)p->limit, sizeof *ids);
	size_t n = 0;
	if (!ids)
		r = ERR_NOMEM;
	while (r >= 0 && (r = db_step(st)) == DB_ROW && page_row(p, st))
		ids[n++] = db_column_int64(st, 1);
	db_finalize(st);
	if (r < 0) {
		free(ids);
		return r;
	}
	*ret = ids;
	*ret_n = n;
	return 0;
}

static int my_duties_json(struct db *db, struct app *app, int64_t user, struct list_page *p, json_t *items)
{
	int64_t *ids = NULL;
	size_t n = 0;
	hl_time t = now();
	int r = my_duty_ids(db, user, p, &ids, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		json_t *d = duty_json(db, app, ids[i], t);
		int64_t still = 0;
		/* No answer: a duty gone since the page's ids were read is left
		 * out; one still there could not be read. */
		if (!d && (r = db_int64f(db, &still, "SELECT count(*) FROM duty WHERE id = ?", "i", ids[i])) == 0)
			r = still ? ERR_DB : 0;
		else if (d && json_array_append_new(items, d) < 0)
			r = ERR_NOMEM;
	}
	free(ids);
	return r;
}

static int my_duties_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct list_read *l = arg;
	int r = my_duties_json(db, l->ctx->app, l->ctx->actor->user_id, l->p, l->items);
	return r < 0 ? r : audit_read_detail(rec, "mine count=%zu", json_array_size(l->items));
}

int svc_my_duties(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct list_page p;
	int r = svc_enter(ctx, PERM_CASES_READ, &db);
	if (r < 0 || (r = page_parse(&my_duties_page_list, q, &p, errs)) < 0)
		return r;
	struct list_read l = {.ctx = ctx, .p = &p};
	struct audit_read rec = {.action = "deadlines.list", .object_type = "duty", .object_id = AUDIT_NO_OBJECT};
	return list_audited(db, ctx, &rec, my_duties_read, &l, ret);
}

/* ---- GET /api/v1/caseload ---- */

static int caseload_row(struct db_stmt *st, struct app *app, json_t *items)
{
	int64_t id = db_column_int64(st, 0);
	json_t *u = json_object(), *o = NULL;
	int r = u ? db_row_json(st, "id:i username role scope", u) : ERR_NOMEM;
	if (r == 0)
		r = sealed_json(app, st, 4, "app_user", "display_name", id, u, "display_name");
	if (r == 0 && !(o = json_pack("{s:I, s:O, s:I, s:I, s:I, s:I}", "user_id", (json_int_t)id, "user", u,
				      "open_cases", (json_int_t)db_column_int64(st, 5), "lead_cases",
				      (json_int_t)db_column_int64(st, 6), "overdue_duties",
				      (json_int_t)db_column_int64(st, 7), "missing_children",
				      (json_int_t)db_column_int64(st, 8))))
		r = ERR_NOMEM;
	json_decref(u);
	if (r == 0 && json_array_append(items, o) < 0)
		r = ERR_NOMEM;
	json_decref(o);
	return r;
}

/* The workers: HART (for every region) and the liaisons (of the region,
 * when there is one), and whoever works or owns an overdue duty of an open
 * case there; each with its counts in the region (NULL: all). */
#define IN_REGION " AND (CAST(? AS TEXT) IS NULL OR c.region = ?)"
#define MY_OPEN                                                                                                \
	" FROM case_assignment a JOIN child_case c ON c.id = a.case_id"                                        \
	" WHERE a.user_id = u.id AND a.ended_at IS NULL AND c.status <> 'closed'" IN_REGION
static const char caseload_sql[] =
	" FROM (SELECT u.id, u.username, u.role, u.scope, u.display_name,"
	" (SELECT count(*)" MY_OPEN ") AS open_n,"
	" (SELECT count(*)" MY_OPEN " AND a.role = 'lead') AS lead_n,"
	" (SELECT count(*) FROM duty d JOIN child_case c ON c.id = d.case_id WHERE d.owner_id = u.id"
	"  AND d.met_at IS NULL AND d.due_at < ?" IN_REGION ") AS overdue_n,"
	" (SELECT count(*)" MY_OPEN " AND EXISTS (SELECT 1 FROM missing_episode m"
	"  WHERE m.case_id = c.id AND m.located_at IS NULL)) AS missing_n,"
	" u.disabled FROM app_user u) w"
	" WHERE ((w.disabled = 0 AND ((w.role = 'hart' AND CAST(? AS TEXT) IS NULL)"
	"  OR (w.role = 'liaison' AND (CAST(? AS TEXT) IS NULL OR w.scope = ?))))"
	" OR w.open_n > 0 OR w.overdue_n > 0)";
#undef MY_OPEN
#undef IN_REGION

static const struct page_sort caseload_sorts[] = {
	{"id", "w.id"},
	{"username", "w.username"},
	{NULL, NULL},
};
static const struct page_list caseload_page_list = {"caseload", "w.id", caseload_sorts, "id"};

/* The row's columns: w's ten, then the sort key. */
static int caseload_select(struct db *db, struct app *app, const char *region, struct list_page *p, json_t *items)
{
	char ts[32];
	time_str(now(), ts);
	const char *rg = region ? region : "";
	struct sqlb *s = malloc(sizeof *s);
	if (!s)
		return ERR_NOMEM;
	sqlb_init(s);
	sqlb_add(s, "SELECT w.id, w.username, w.role, w.scope, w.display_name, w.open_n, w.lead_n, w.overdue_n,"
		    " w.missing_n, w.disabled, ", "");
	page_sql_key(s, p);
	sqlb_add(s, caseload_sql, "tttttttttttt", region, rg, region, rg, ts, region, rg, region, rg, region, region,
		 rg);
	page_sql_after(s, p);
	page_sql_order(s, p);
	struct db_stmt *st;
	int r = sqlb_prepare(db, s, &st);
	free(s);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && page_row_at(p, st, 10, 0) && (r = caseload_row(st, app, items)) == 0)
		;
	db_finalize(st);
	return r < 0 ? r : 0;
}

static int caseload_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct list_read *l = arg;
	int r = caseload_select(db, l->ctx->app, l->what, l->p, l->items);
	return r < 0 ? r
		     : audit_read_detail(rec, "region=%s count=%zu", l->what ? l->what : "all", json_array_size(l->items));
}

int svc_caseload(const struct svc_ctx *ctx, const char *region, const struct page_query *q,
		 struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct list_page p;
	int r = svc_enter(ctx, PERM_CASELOAD_READ, &db);
	if (r < 0)
		return r;
	region = region && *region ? region : NULL;
	if (region && !pack_region(ctx->app->pack, region))
		field_error_add(errs, "region", "Region: choose one from the list");
	if (page_parse(&caseload_page_list, q, &p, errs) < 0 || field_errors_any(errs))
		return ERR_INVAL;
	/* A liaison sees its own region's caseload, and no other. */
	if (ctx->actor->role == ROLE_LIAISON) {
		if (region && strcmp(region, ctx->actor->scope) != 0) {
			svc_audit_denial(ctx, "caseload outside the liaison's region", "case", NULL);
			return ERR_PERM;
		}
		region = ctx->actor->scope;
	}
	struct list_read l = {.ctx = ctx, .p = &p, .what = region};
	struct audit_read rec = {.action = "caseload.read", .object_type = "case", .object_id = AUDIT_NO_OBJECT};
	return list_audited(db, ctx, &rec, caseload_read, &l, ret);
}
