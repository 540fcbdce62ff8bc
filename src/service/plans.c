/* plans.c: a case's safety and service plans, their versions and their
 * review duty (docs/recovery.md, "Safety and service plans"). */
#include "service/plans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "match/cmp.h"
#include "model/duty.h"
#include "service/audit.h"
#include "service/cases/cases_int.h"
#include "service/deadlines.h"
#include "service/relief.h"
#include "service/sealed.h"

#define MAX_GOALS 30
#define MAX_GOAL_SERVICES 20
#define GOAL_MAX_LEN 2000
#define RESPONSIBLE_MAX_LEN 200
/* A review date at most this many days ahead. */
#define MAX_REVIEW_DAYS (5 * 366)

static const struct field_rule put_fields[] = {
	{"version", FT_INT, .required = true, .reason = "reload the plan and try again", .label = "The plan you read"},
	/* Each goal is judged by the service, named "Goal N". */
	{"goals", FT_ARRAY, .required = true, .max_len = MAX_GOALS,
	 .reason = "give each goal its services, who is responsible and a target date", .label = "Goals"},
	{"review_at", FT_STRING, .nullable = true, .max_len = 10, .reason = "enter a date", .label = "Review date"},
	{.key = NULL},
};
const struct schema svc_plan_put_schema = {.name = "plan version", .fields = put_fields};

static bool plan_kind(const char *kind)
{
	return kind && (strcmp(kind, PLAN_KIND_SAFETY) == 0 || strcmp(kind, PLAN_KIND_SERVICE) == 0);
}

/* ---- dates ---- */

/* "YYYY-MM-DD" exactly, a real date. */
static bool parse_date(const char *s, struct cmp_date *ret)
{
	return s && strlen(s) == 10 && s[4] == '-' && s[7] == '-' && cmp_date_parse(s, "%Y-%m-%d", ret);
}

static int64_t date_days(const struct cmp_date *d)
{
	return days_from_civil(d->y, d->m, d->d);
}

/* The last second of day d in the pack's time zone (the process's). */
static int end_of_local_day(const struct cmp_date *d, hl_time *ret)
{
	return time_from_local(d->y, d->m, d->d, 23, 59, 59, ret, NULL);
}

/* ---- the body ---- */

/* A checked body: the goals as stored, the version read, the review. */
struct plan_in {
	int64_t version;
	json_t *goals; /* new array, the caller's */
	struct cmp_date review;
};

static const char *const goal_keys[] = {"goal", "services", "responsible", "target_date", NULL};

/* The services of goal n, checked: every one a service of the pack, once.
 * NULL when refused (errs says why). */
static json_t *goal_services(const struct pack *p, const json_t *v, bool need_one, const char *path, int n,
			     struct field_errors *errs)
{
	char at[48];
	snprintf(at, sizeof at, "%s.services", path);
	if (!json_is_array(v) || json_array_size(v) > MAX_GOAL_SERVICES) {
		field_error_add(errs, at, "Goal %d: choose services from the list (at most %d)", n, MAX_GOAL_SERVICES);
		return NULL;
	}
	size_t i;
	json_t *s;
	json_array_foreach(v, i, s)
	{
		const char *id = json_string_value(s);
		bool twice = false;
		for (size_t k = 0; id && k < i; k++)
			twice |= json_equal(s, json_array_get(v, k)) != 0;
		if (!id || twice || !pack_item_find(p->services, p->n_services, id)) {
			field_error_add(errs, at, "Goal %d: choose services from the list", n);
			return NULL;
		}
	}
	if (need_one && json_array_size(v) == 0) {
		field_error_add(errs, at, "Goal %d: choose at least one service from the list", n);
		return NULL;
	}
	return json_deep_copy(v);
}

/* Goal i as stored, or NULL when refused (errs) or out of memory (*nomem). */
static json_t *check_goal(const struct pack *p, const json_t *g, size_t i, bool service_plan,
			  struct field_errors *errs, bool *nomem)
{
	char path[32];
	int n = (int)i + 1;
	snprintf(path, sizeof path, "goals[%zu]", i);
	if (!json_is_object(g)) {
		field_error_add(errs, path, "Goal %d: a goal, its services, who is responsible and a target date", n);
		return NULL;
	}
	const char *key;
	json_t *v;
	size_t before = errs->count;
	json_object_foreach((json_t *)g, key, v)
	{
		if (!in_list(goal_keys, key)) {
			char at[80];
			snprintf(at, sizeof at, "%s.%.40s", path, key);
			field_error_add(errs, at, "Goal %d: not a field of a goal", n);
		}
	}
	char at[48];
	const char *goal = json_string_value(json_object_get(g, "goal"));
	snprintf(at, sizeof at, "%s.goal", path);
	if (!goal || !*goal || strspn(goal, " \t\r\n") == strlen(goal))
		field_error_add(errs, at, "Goal %d: say what the goal is", n);
	else if (strlen(goal) > GOAL_MAX_LEN)
		field_error_add(errs, at, "Goal %d: at most %d characters", n, GOAL_MAX_LEN);
	const char *resp = json_string_value(json_object_get(g, "responsible"));
	snprintf(at, sizeof at, "%s.responsible", path);
	if (!str_is_line(resp, RESPONSIBLE_MAX_LEN) || strspn(resp, " ") == strlen(resp))
		field_error_add(errs, at, "Goal %d: say who is responsible, a person or an agency (one line, at most %d characters)",
				n, RESPONSIBLE_MAX_LEN);
	json_t *td = json_object_get(g, "target_date");
	struct cmp_date d;
	snprintf(at, sizeof at, "%s.target_date", path);
	if (td && !json_is_null(td) && !(json_is_string(td) && !*json_string_value(td)) &&
	    !parse_date(json_string_value(td), &d))
		field_error_add(errs, at, "Goal %d: the target date as YYYY-MM-DD", n);
	json_t *services = goal_services(p, json_object_get(g, "services"), service_plan, path, n, errs);
	if (errs->count != before) {
		json_decref(services);
		return NULL;
	}
	const char *tds = json_string_value(td);
	json_t *out = services ? json_pack("{s:s, s:o, s:s, s:o}", "goal", goal, "services", services, "responsible",
					   resp, "target_date", tds && *tds ? json_string(tds) : json_null())
			       : NULL;
	if (!out)
		*nomem = true;
	return out;
}

static int check_body(const struct pack *p, const json_t *body, bool service_plan, struct field_errors *errs,
		      struct plan_in *in)
{
	json_t *v = json_object_get(body, "version");
	if (json_is_integer(v) && json_integer_value(v) < 0)
		field_error_add(errs, "version", "the version you read: 0 for a new plan");
	in->version = json_integer_value(v);
	const json_t *goals = json_object_get(body, "goals");
	if (json_is_array(goals) && json_array_size(goals) == 0)
		field_error_add(errs, "goals", "add at least one goal");
	if (!(in->goals = json_array()))
		return ERR_NOMEM;
	bool nomem = false;
	for (size_t i = 0; json_is_array(goals) && i < json_array_size(goals) && i < MAX_GOALS; i++) {
		json_t *g = check_goal(p, json_array_get(goals, i), i, service_plan, errs, &nomem);
		if (nomem || (g && json_array_append_new(in->goals, g) < 0))
			return ERR_NOMEM;
	}
	const char *review = json_get_str(body, "review_at");
	struct cmp_date today = cmp_date_local(now() / HL_USEC_PER_SEC);
	if (review && *review) {
		if (!parse_date(review, &in->review))
			field_error_add(errs, "review_at", "Review date: a date as YYYY-MM-DD");
		else if (date_days(&in->review) < date_days(&today))
			field_error_add(errs, "review_at", "Review date: today or later");
		else if (date_days(&in->review) > date_days(&today) + MAX_REVIEW_DAYS)
			field_error_add(errs, "review_at", "Review date: within five years");
	} else {
		civil_from_days(date_days(&today) + p->recovery.plan_review_days, &in->review.y, &in->review.m,
				&in->review.d);
	}
	return 0;
}

/* ---- reading ---- */

#define VERSION_COLUMNS                                                                                       \
	"p.id, p.version, p.body, p.review_at, p.written_by, p.written_at, u.username, u.display_name"
#define VERSION_FROM " FROM case_plan p LEFT JOIN app_user u ON u.id = p.written_by"

/* The writer of the current row (columns 4, 6, 7), or null. */
static int writer_json(struct app *app, struct db_stmt *st, json_t **ret)
{
	if (db_column_is_null(st, 4))
		return (*ret = json_null()) ? 0 : ERR_NOMEM;
	int64_t uid = db_column_int64(st, 4);
	json_t *w = json_pack("{s:I, s:s?}", "id", (json_int_t)uid, "username", db_column_text(st, 6));
	int r = w ? sealed_json(app, st, 7, "app_user", "display_name", uid, w, "display_name") : ERR_NOMEM;
	if (r < 0) {
		json_decref(w);
		return r;
	}
	*ret = w;
	return 0;
}

/* The goals of the current row's sealed body, as a new array. */
static int goals_json(struct app *app, struct db_stmt *st, int64_t id, json_t **ret)
{
	char *text = NULL;
	json_t *body = NULL;
	int r = sealed_get(app, st, 2, "case_plan", "body", id, &text);
	if (r == 0 && text)
		r = json_load_stored(text, &body);
	free(text);
	if (r < 0)
		return r;
	json_t *goals = json_object_get(body, "goals");
	*ret = json_is_array(goals) ? json_incref(goals) : json_array();
	json_decref(body);
	return *ret ? 0 : ERR_NOMEM;
}

/* The review duty of version row id, or null. */
static int review_duty_json(struct db *db, struct app *app, int64_t id, json_t **ret)
{
	int64_t duty_id = 0;
	int r = db_int64f(db, &duty_id, "SELECT id FROM duty WHERE kind = ? AND subject_type = 'case_plan' AND subject_id = ?",
			  "ti", duty_kind_to_string(DUTY_PLAN_REVIEW), id);
	if (r == ERR_NOTFOUND)
		return (*ret = json_null()) ? 0 : ERR_NOMEM;
	if (r < 0)
		return r;
	*ret = duty_json(db, app, duty_id, now());
	return *ret ? 0 : ERR_NOMEM;
}

/* Version n of the case's plan of kind (n 0: the current one) as
 * answered; ERR_NOTFOUND when there is none. mdt: without the duty. */
static int version_json(struct db *db, struct app *app, const struct case_head *h, const char *kind, int64_t n,
			bool mdt, json_t **ret)
{
	int64_t latest = 0;
	int r = db_int64f(db, &latest, "SELECT COALESCE(MAX(version), 0) FROM case_plan WHERE case_id = ? AND kind = ?",
			  "it", h->id, kind);
	if (r < 0)
		return r;
	if (latest == 0 || n > latest || n < 0)
		return ERR_NOTFOUND;
	struct db_stmt *st;
	if ((r = db_rowf(db, &st,
			 "SELECT " VERSION_COLUMNS VERSION_FROM " WHERE p.case_id = ? AND p.kind = ? AND p.version = ?",
			 "iti", h->id, kind, n ? n : latest)) < 0)
		return r;
	int64_t id = db_column_int64(st, 0), version = db_column_int64(st, 1);
	json_t *goals = NULL, *writer = NULL, *duty = NULL, *j = NULL;
	if ((r = goals_json(app, st, id, &goals)) == 0 && (r = writer_json(app, st, &writer)) == 0) {
		j = json_pack("{s:{s:I, s:s}, s:s, s:I, s:b, s:O, s:s?, s:O, s:s}", "case", "id", (json_int_t)h->id,
			      "number", h->number, "kind", kind, "version", (json_int_t)version, "current",
			      version == latest, "goals", goals, "review_at", db_column_text(st, 3), "written_by", writer,
			      "written_at", db_column_text(st, 5));
		if (!j)
			r = ERR_NOMEM;
	}
	db_finalize(st);
	json_decref(goals);
	json_decref(writer);
	if (r == 0 && !mdt &&
	    ((r = review_duty_json(db, app, id, &duty)) < 0 ||
	     (r = json_object_set_new(j, "review_duty", duty) < 0 ? ERR_NOMEM : 0) < 0)) {
		json_decref(j);
		return r;
	}
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

/* Every version of the plan, newest first: {version, written_by, written_at, review_at}. */
static int versions_json(struct db *db, struct app *app, int64_t case_id, const char *kind, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st, "SELECT " VERSION_COLUMNS VERSION_FROM " WHERE p.case_id = ? AND p.kind = ?"
				     " ORDER BY p.version DESC",
			    "it", case_id, kind);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		json_t *writer = NULL, *v = NULL;
		if ((r = writer_json(app, st, &writer)) < 0)
			break;
		v = json_pack("{s:I, s:o, s:s, s:s?}", "version", (json_int_t)db_column_int64(st, 1), "written_by",
			      writer, "written_at", db_column_text(st, 5), "review_at", db_column_text(st, 3));
		if (!v || json_array_append_new(out, v) < 0) {
			r = ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* A read of a case's plans: every kind's current version (kind NULL), one
 * kind's current version and its history (n 0), or version n of one kind. */
struct plan_read {
	struct app *app;
	const struct case_head *h;
	const char *kind;
	int64_t n;
	bool mdt, print;
	json_t *out;
};

static int plans_all(struct db *db, struct plan_read *p)
{
	static const char *const kinds[] = {PLAN_KIND_SAFETY, PLAN_KIND_SERVICE};
	json_t *v;
	int r = (p->out = json_object()) ? 0 : ERR_NOMEM;
	for (size_t i = 0; r == 0 && i < 2; i++) {
		if ((r = version_json(db, p->app, p->h, kinds[i], 0, p->mdt, &v)) == ERR_NOTFOUND)
			r = (v = json_null()) ? 0 : ERR_NOMEM;
		if (r == 0 && json_object_set_new(p->out, kinds[i], v) < 0)
			r = ERR_NOMEM;
	}
	return r;
}

/* One kind's current version and every version, newest first; the
 * current one's number into *ret_n (0 when there is none). */
static int plan_history(struct db *db, struct plan_read *p, int64_t *ret_n)
{
	json_t *cur = NULL, *versions = json_array();
	int r = versions ? 0 : ERR_NOMEM;
	if (r == 0 && (r = version_json(db, p->app, p->h, p->kind, 0, p->mdt, &cur)) == ERR_NOTFOUND)
		r = (cur = json_null()) ? 0 : ERR_NOMEM;
	if (r == 0)
		r = versions_json(db, p->app, p->h->id, p->kind, versions);
	if (r == 0 && !(p->out = json_pack("{s:s, s:O, s:O}", "kind", p->kind, "current", cur, "versions", versions)))
		r = ERR_NOMEM;
	*ret_n = json_integer_value(json_object_get(cur, "version"));
	json_decref(cur);
	json_decref(versions);
	return r;
}

static int plan_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct plan_read *p = arg;
	int64_t n = p->n;
	int r;
	if (!p->kind)
		return (r = plans_all(db, p)) < 0 ? r : audit_read_detail(rec, "kind=all");
	if (n == 0)
		r = plan_history(db, p, &n);
	else
		r = version_json(db, p->app, p->h, p->kind, n, p->mdt, &p->out);
	return r < 0 ? r
		     : audit_read_detail(rec, "kind=%s version=%lld%s", p->kind, (long long)n, p->print ? " print" : "");
}

/* Check, read in one view and record the read (kind NULL: every kind). */
static int plans_read(const struct svc_ctx *ctx, int64_t case_id, const char *kind, int64_t n, bool print,
		      json_t **ret)
{
	struct db *db;
	struct case_head h;
	bool mdt = false;
	int r = cases_access(ctx, PERM_PLANS_READ, case_id, &db, &h, &mdt);
	if (r < 0 || (r = relief_read_check(ctx, db, "case", case_id)) < 0)
		return r;
	if (kind && (!plan_kind(kind) || n < 0))
		return ERR_NOTFOUND;
	struct plan_read p = {.app = ctx->app, .h = &h, .kind = kind, .n = n, .mdt = mdt, .print = print};
	struct audit_read rec = {.action = "plan.read", .object_type = "case", .object_id = case_id};
	if ((r = svc_audited_read(db, ctx, &rec, plan_read, &p)) < 0) {
		json_decref(p.out);
		return r;
	}
	*ret = p.out;
	return 0;
}

int svc_plans_get(const struct svc_ctx *ctx, int64_t case_id, json_t **ret)
{
	return plans_read(ctx, case_id, NULL, 0, false, ret);
}

int svc_plan_get(const struct svc_ctx *ctx, int64_t case_id, const char *kind, bool print, json_t **ret)
{
	return plans_read(ctx, case_id, kind, 0, print, ret);
}

int svc_plan_version(const struct svc_ctx *ctx, int64_t case_id, const char *kind, int64_t n, bool print,
		     json_t **ret)
{
	return plans_read(ctx, case_id, kind, n < 1 ? -1 : n, print, ret);
}

/* ---- writing ---- */

/* Store the new version: its row, its sealed body, the review duty met
 * and the next opened. Inside the caller's transaction. */
static int write_version(struct db *db, const struct svc_ctx *ctx, const struct case_head *h, const char *kind,
			 int64_t prev_id, int64_t version, const char *body, const struct cmp_date *review,
			 int64_t *ret_id)
{
	char ts[32], review_s[16];
	hl_time t = now(), due;
	int64_t id, by = ctx->actor->user_id;
	snprintf(review_s, sizeof review_s, "%04d-%02d-%02d", review->y, review->m, review->d);
	int r = time_format(t, ts, sizeof ts);
	if (r < 0 || (r = end_of_local_day(review, &due)) < 0)
		return r;
	if ((r = db_int64f(db, &id,
			   "INSERT INTO case_plan (case_id, kind, version, review_at, written_by, written_at)"
			   " VALUES (?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?) RETURNING id",
			   "ititit", h->id, kind, version, review_s, by > 0 ? by : (int64_t)0, ts)) < 0)
		return r;
	char name[64];
	snprintf(name, sizeof name, "Review the %s plan", kind);
	/* Writing a new version is the review the last one asked for. */
	if ((r = sealed_put(db, ctx->app, "case_plan", "body", id, body)) < 0 ||
	    (prev_id && (r = duty_meet(db, DUTY_PLAN_REVIEW, "case_plan", prev_id, t, by, NULL)) < 0) ||
	    (r = duty_open_named(db, h->id, DUTY_PLAN_REVIEW, name, NULL, "case_plan", id, t, due,
				 h->lead ? h->lead : by, NULL)) < 0)
		return r;
	*ret_id = id;
	return 0;
}

int svc_plan_put(const struct svc_ctx *ctx, int64_t case_id, const char *kind, const json_t *body,
		 struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_access(ctx, PERM_PLANS_WRITE, case_id, &db, &h, NULL);
	if (r < 0)
		return r;
	if (!plan_kind(kind))
		return ERR_NOTFOUND;
	struct plan_in in = {0};
	if ((schema_check(&svc_plan_put_schema, body, errs) == 0 || json_is_object(body)) &&
	    (r = check_body(ctx->app->pack, body, strcmp(kind, PLAN_KIND_SERVICE) == 0, errs, &in)) < 0)
		goto out;
	if (field_errors_any(errs)) {
		r = ERR_INVAL;
		goto out;
	}
	if (strcmp(h.status, "closed") == 0) {
		cases_conflict(cf, "case %s is closed: a closed case takes no new plan", h.number);
		r = ERR_CONFLICT;
		goto out;
	}
	json_t *stored = json_pack("{s:O}", "goals", in.goals);
	char *text = stored ? json_dump_text(stored, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(stored);
	if (!text) {
		r = ERR_NOMEM;
		goto out;
	}
	int64_t prev_id = 0, prev_version = 0, id = 0;
	struct db_stmt *st;
	json_t *j = NULL;
	if ((r = db_begin(db)) < 0) {
		free(text);
		goto out;
	}
	r = db_rowf(db, &st, "SELECT id, version FROM case_plan WHERE case_id = ? AND kind = ? ORDER BY version DESC LIMIT 1",
		    "it", case_id, kind);
	if (r == 0) {
		prev_id = db_column_int64(st, 0);
		prev_version = db_column_int64(st, 1);
		db_finalize(st);
	}
	if (r == ERR_NOTFOUND)
		r = 0;
	if (r == 0 && in.version != prev_version)
		r = ERR_CONFLICT;
	if (r == 0 &&
	    ((r = write_version(db, ctx, &h, kind, prev_id, prev_version + 1, text, &in.review, &id)) < 0 ||
	     (r = svc_audit_appendf(db, ctx, "plan.write", "case", case_id, "kind=%s version=%lld goals=%zu review_at=%04d-%02d-%02d",
				    kind, (long long)(prev_version + 1), json_array_size(in.goals), in.review.y,
				    in.review.m, in.review.d)) < 0 ||
	     (r = version_json(db, ctx->app, &h, kind, prev_version + 1, false, &j)) < 0))
		json_decref(j), j = NULL;
	free(text);
	/* Two writers of the same version: the second meets the unique key. */
	if (r == ERR_CONFLICT)
		cases_stale(cf);
	if ((r = cases_end(db, r)) < 0) {
		json_decref(j);
		goto out;
	}
	*ret = j;
out:
	json_decref(in.goals);
	return r;
}
