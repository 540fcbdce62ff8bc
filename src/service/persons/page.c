/* page.c: the child's page (docs/recovery.md, "The child's page"): one
 * document of everything about one child that the reader reaches, and one
 * timeline of it (timeline.c). */
#include "service/persons/persons_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "match/cmp.h"
#include "model/casestate.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/child.h"
#include "service/relief.h"
#include "service/sealed.h"

#define MERGE_CHAIN_MAX 64

/* What the page is being built for. */
struct page {
	const struct svc_ctx *ctx;
	struct db *db;
	struct person_reach pr;
	int64_t id;
	json_t *j;
	/* The cases whose content the page shows: reached, and not
	 * restricted (or the glass broken on them). */
	int64_t *cases;
	char (*numbers)[24];
	size_t ncases, cap;
};

static json_t *arr(const struct page *pg, const char *key)
{
	return json_object_get(pg->j, key);
}

/* ---- the child ---- */

static int age_of(struct db_stmt *st, const char *dob)
{
	struct cmp_date today = cmp_date_local(now() / HL_USEC_PER_SEC), d;
	if (dob && cmp_date_parse(dob, "%Y-%m-%d", &d))
		return cmp_age_on(&d, &today);
	if (db_column_is_null(st, 4))
		return -1;
	int age = (int)db_column_int64(st, 4);
	const char *on = db_column_text(st, 5);
	if (on && cmp_date_parse(on, "%Y-%m-%d", &d)) {
		int years = cmp_age_on(&d, &today);
		age += years > 0 ? years : 0;
	}
	return age;
}

/* A JSON list of names kept as text (aliases), or an empty list. */
static json_t *names_list(const char *text)
{
	json_t *v = NULL;
	if (text && json_load_stored(text, &v) == 0 && json_is_array(v))
		return v;
	json_decref(v);
	return json_array();
}

static int child_json(struct page *pg)
{
	struct app *app = pg->ctx->app;
	struct db_stmt *st;
	int r = db_rowf(pg->db, &st,
			"SELECT given_name, family_name, dob, aliases, estimated_age, age_estimated_on, sex, town"
			" FROM person WHERE id = ?",
			"i", pg->id);
	if (r < 0)
		return r;
	char *given = NULL, *family = NULL, *dob = NULL, *aliases = NULL;
	json_t *c = NULL;
	if ((r = sealed_get(app, st, 0, "person", "given_name", pg->id, &given)) == 0 &&
	    (r = sealed_get(app, st, 1, "person", "family_name", pg->id, &family)) == 0 &&
	    (r = sealed_get(app, st, 2, "person", "dob", pg->id, &dob)) == 0 &&
	    (r = sealed_get(app, st, 3, "person", "aliases", pg->id, &aliases)) == 0) {
		int age = age_of(st, dob);
		c = json_pack("{s:o, s:o, s:o}", "given_name", persons_text(given), "family_name", persons_text(family),
			      "age", age >= 0 ? json_integer(age) : json_null());
		/* The MDT view: names and age, as in a case's MDT view. */
		if (c && !pg->pr.mdt &&
		    (json_object_set_new(c, "dob", persons_text(dob)) < 0 ||
		     json_object_set_new(c, "aliases", names_list(aliases)) < 0 ||
		     json_object_set_new(c, "sex", persons_text(db_column_text(st, 6))) < 0 ||
		     json_object_set_new(c, "town", persons_text(db_column_text(st, 7))) < 0)) {
			json_decref(c);
			c = NULL;
		}
		r = c ? 0 : ERR_NOMEM;
	}
	db_finalize(st);
	free(given);
	free(family);
	free(dob);
	free(aliases);
	return r < 0 ? r : persons_set(pg->j, "child", c);
}

/* ---- restriction ---- */

/* Whether the page may show kind id's content: *ret_restricted says it
 * is restricted, *ret_show whether the reader broke the glass on it. */
static int shown(const struct page *pg, const char *kind, int64_t id, bool *ret_restricted, bool *ret_show)
{
	bool open = false;
	int r = relief_restricted(pg->db, kind, id, ret_restricted);
	if (r == 0 && *ret_restricted)
		r = relief_glass_open(pg->ctx, pg->db, kind, id, &open);
	*ret_show = !*ret_restricted || open;
	return r;
}

/* A restricted record the reader has not opened: its id and number, and
 * nothing else. */
static int restricted_json(json_t *o)
{
	json_t *keep_id = json_incref(json_object_get(o, "id")), *keep_number = json_incref(json_object_get(o, "number"));
	json_object_clear(o);
	int r = json_object_set_new(o, "id", keep_id) < 0 || json_object_set_new(o, "number", keep_number) < 0 ||
			json_object_set_new(o, "restricted", json_true()) < 0 ||
			json_object_set_new(o, "label", json_string("Restricted record")) < 0
		? ERR_NOMEM
		: 0;
	return r;
}

/* ---- cases ---- */

static int gather_rows(struct db_stmt *st, json_t *out, const char *spec)
{
	int r;
	while ((r = db_step(st)) == DB_ROW) {
		json_t *o = json_object();
		if (!o || json_array_append_new(out, o) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = db_row_json(st, spec, o)) < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* Keep the case (index i of out) as one whose content the page shows. */
static int keep_case(struct page *pg, const json_t *c)
{
	if (pg->ncases == pg->cap) {
		size_t cap = pg->cap ? pg->cap * 2 : 8;
		int64_t *a = realloc(pg->cases, cap * sizeof *a);
		if (!a)
			return ERR_NOMEM;
		pg->cases = a;
		char(*b)[24] = realloc(pg->numbers, cap * sizeof *b);
		if (!b)
			return ERR_NOMEM;
		pg->numbers = b;
		pg->cap = cap;
	}
	pg->cases[pg->ncases] = json_integer_value(json_object_get(c, "id"));
	str_copy(pg->numbers[pg->ncases], 24, json_string_value(json_object_get(c, "number")));
	pg->ncases++;
	return 0;
}

static int cases_json(struct page *pg)
{
	json_t *all = json_array(), *out = arr(pg, "cases");
	struct db_stmt *st;
	int r = all ? db_preparef(pg->db, &st,
				  "SELECT id, number, region, status, victim_status, trafficking_type, opened_at, closed_at"
				  " FROM child_case WHERE person_id = ? ORDER BY opened_at, id",
				  "i", pg->id)
		    : ERR_NOMEM;
	if (r == 0)
		r = gather_rows(st, all, "id:i number region status victim_status trafficking_type opened_at closed_at");
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		bool reached = false, restricted = false, show = false;
		if (r < 0 || (r = persons_case_reached(pg->db, &pg->pr, json_integer_value(json_object_get(c, "id")),
						       json_string_value(json_object_get(c, "region")), &reached)) < 0 ||
		    !reached)
			continue;
		if ((r = shown(pg, "case", json_integer_value(json_object_get(c, "id")), &restricted, &show)) < 0)
			continue;
		enum case_status s;
		const char *label = case_status_parse(json_string_value(json_object_get(c, "status")), &s) == 0
					    ? case_status_label(s)
					    : NULL;
		if (!show)
			r = restricted_json(c);
		else if ((r = json_object_set_new(c, "restricted", json_boolean(restricted)) < 0 ? ERR_NOMEM : 0) == 0 &&
			 (r = persons_set(c, "status_label", persons_text(label))) == 0 && pg->pr.mdt) {
			/* The MDT view of a case has no dates. */
			json_object_del(c, "opened_at");
			json_object_del(c, "closed_at");
		}
		if (r == 0 && show)
			r = keep_case(pg, c);
		if (r == 0 && json_array_append(out, c) < 0)
			r = ERR_NOMEM;
	}
	json_decref(all);
	return r;
}

/* ---- reports and the names the child was reported under ---- */

static int report_row(struct page *pg, struct db_stmt *st, json_t *reports)
{
	struct app *app = pg->ctx->app;
	int64_t cid = db_column_int64(st, 0);
	json_t *o = json_object();
	char *given = NULL, *family = NULL, *aliases = NULL;
	int r = o && json_array_append_new(reports, o) == 0 ? 0 : ERR_NOMEM;
	if (r == 0 && (r = db_row_json(st, "- id:i number received_at region disposition child:i", o)) == 0 &&
	    (r = sealed_get(app, st, 7, "intake_child", "given_name", cid, &given)) == 0 &&
	    (r = sealed_get(app, st, 8, "intake_child", "family_name", cid, &family)) == 0 &&
	    (r = sealed_get(app, st, 9, "intake_child", "aliases", cid, &aliases)) == 0) {
		/* The names as that report gave them, kept with it. */
		json_t *n = json_pack("{s:o, s:o, s:o}", "given_name", persons_text(given), "family_name",
				      persons_text(family), "aliases", names_list(aliases));
		r = persons_set(o, "names", n);
		if (r == 0 && (r = db_row_json(st, "- - - - - - - - - - placement", o)) < 0)
			r = ERR_NOMEM;
	}
	free(given);
	free(family);
	free(aliases);
	return r;
}

static int name_entry(const json_t *rep, json_t *names)
{
	json_t *n = json_deep_copy(json_object_get(rep, "names"));
	if (!n || json_object_set(n, "intake_id", json_object_get(rep, "id")) < 0 ||
	    json_object_set(n, "number", json_object_get(rep, "number")) < 0 ||
	    json_object_set(n, "received_at", json_object_get(rep, "received_at")) < 0 ||
	    json_array_append_new(names, n) < 0) {
		json_decref(n);
		return ERR_NOMEM;
	}
	return 0;
}

static int reports_json(struct page *pg)
{
	json_t *reports = arr(pg, "reports"), *names = arr(pg, "names");
	const char *region = pg->pr.region;
	struct db_stmt *st;
	int r = db_preparef(pg->db, &st,
			    "SELECT ic.id, i.id, i.number, i.received_at, i.region, i.disposition, ic.position,"
			    " ic.given_name, ic.family_name, ic.aliases, ic.placement FROM intake_child ic"
			    " JOIN intake i ON i.id = ic.intake_id WHERE ic.person_id = ?"
			    " AND (CAST(? AS TEXT) IS NULL OR i.region = ?) ORDER BY i.received_at, i.id, ic.position",
			    "itt", pg->id, region, region);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && (r = report_row(pg, st, reports)) == 0)
		;
	db_finalize(st);
	if (r < 0)
		return r;
	size_t i;
	json_t *rep;
	json_array_foreach(reports, i, rep)
	{
		bool restricted = false, show = false;
		if ((r = shown(pg, "intake", json_integer_value(json_object_get(rep, "id")), &restricted, &show)) < 0)
			return r;
		/* A vacated report's names go with it. */
		if (!show)
			r = restricted_json(rep);
		else if ((r = json_object_set_new(rep, "restricted", json_boolean(restricted)) < 0 ? ERR_NOMEM : 0) == 0)
			r = name_entry(rep, names);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- what the cases hold ---- */

/* Each row of sql for each case shown, as objects of spec with the case's
 * id and number, appended to out. sql takes two parameters: the case id,
 * then second (the page's person, the MDT flag, or 0 for a query that
 * needs none and only checks it). */
static int per_case(struct page *pg, const char *sql, int64_t second, const char *spec, json_t *out)
{
	int r = 0;
	for (size_t k = 0; k < pg->ncases && r == 0; k++) {
		struct db_stmt *st;
		size_t before = json_array_size(out);
		if ((r = db_preparef(pg->db, &st, sql, "ii", pg->cases[k], second)) < 0 || (r = gather_rows(st, out, spec)) < 0)
			break;
		for (size_t i = before; i < json_array_size(out) && r == 0; i++) {
			json_t *o = json_array_get(out, i);
			if (json_object_set_new(o, "case_id", json_integer(pg->cases[k])) < 0 ||
			    json_object_set_new(o, "case_number", json_string(pg->numbers[k])) < 0)
				r = ERR_NOMEM;
		}
	}
	return r;
}

/* A placement change's placement, from its data, with the words for it. */
static int placements_fix(json_t *list)
{
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
	{
		json_t *data = NULL;
		const char *place = NULL;
		if (json_load_stored(json_string_value(json_object_get(o, "data")), &data) == 0)
			place = json_string_value(json_object_get(data, "placement"));
		const char *label = place;
		for (const struct case_term *t = case_placement_terms; place && t->id; t++)
			if (strcmp(t->id, place) == 0)
				label = t->label;
		int r = persons_set(o, "placement", persons_text(place));
		if (r == 0)
			r = persons_set(o, "placement_label", persons_text(label));
		json_object_del(o, "data");
		json_decref(data);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A referral's service and provider, with the pack's words. */
static int services_fix(const struct pack *p, json_t *list)
{
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
	{
		const struct pack_item *s = pack_item_find(p->services, p->n_services,
							   json_string_value(json_object_get(o, "service")));
		json_t *prov = json_pack("{s:O, s:O}", "id", json_object_get(o, "provider_id"), "name",
					 json_object_get(o, "provider_name"));
		int r = persons_set(o, "provider", prov);
		if (r == 0)
			r = persons_set(o, "service_name", persons_text(s ? s->name : NULL));
		json_object_del(o, "provider_id");
		json_object_del(o, "provider_name");
		if (r < 0)
			return r;
	}
	return 0;
}

static int case_content(struct page *pg)
{
	int r;
	if ((r = per_case(pg,
			  "SELECT id, occurred_at, data FROM case_event WHERE case_id = ? AND kind = 'placement_change'"
			  " AND (CAST(? AS BIGINT) = 0 OR shared = 1) ORDER BY occurred_at, id",
			  pg->pr.mdt, "id:i occurred_at data", arr(pg, "placements"))) < 0 ||
	    (r = placements_fix(arr(pg, "placements"))) < 0 ||
	    (r = per_case(pg,
			  "SELECT id, last_seen_at, learned_at, located_at FROM missing_episode WHERE case_id = ?"
			  " AND CAST(? AS BIGINT) >= 0 ORDER BY last_seen_at, id",
			  0, "id:i last_seen_at learned_at located_at", arr(pg, "missing_episodes"))) < 0 ||
	    (r = per_case(pg,
			  "SELECT r.id, r.number, r.service, r.status, r.urgency, r.referred_at, r.answered_at,"
			  " r.started_at, r.ended_at, p.id, p.name FROM service_referral r"
			  " JOIN provider p ON p.id = r.provider_id WHERE r.case_id = ? AND r.person_id = ?"
			  " ORDER BY r.referred_at, r.id",
			  pg->id,
			  "id:i number service status urgency referred_at answered_at started_at ended_at provider_id:i"
			  " provider_name",
			  arr(pg, "services"))) < 0 ||
	    (r = services_fix(pg->ctx->app->pack, arr(pg, "services"))) < 0)
		return r;
	/* A plan is its latest version. */
	return per_case(pg,
			"SELECT p.id, p.kind, p.version, p.review_at, p.written_at FROM case_plan p WHERE p.case_id = ?"
			" AND CAST(? AS BIGINT) >= 0 AND p.version = (SELECT max(q.version) FROM case_plan q"
			"  WHERE q.case_id = p.case_id AND q.kind = p.kind) ORDER BY p.kind",
			0, "id:i kind version:i review_at written_at", arr(pg, "plans"));
}

/* ---- merges ---- */

static int merge_row(struct page *pg, struct db_stmt *st, json_t *out)
{
	json_t *o = json_object();
	int r = o && json_array_append_new(out, o) == 0 ? 0 : ERR_NOMEM;
	if (r == 0)
		r = db_row_json(st, "id:i kept_id:i merged_id:i merged_at merged_by undone_at undone_by", o);
	/* The reasons are for those who merge. */
	int64_t mid = db_column_int64(st, 0);
	if (r == 0 && role_may(pg->ctx->actor->role, PERM_PERSONS_MERGE) &&
	    (r = sealed_json(pg->ctx->app, st, 7, "person_merge", "reason", mid, o, "reason")) == 0)
		r = sealed_json(pg->ctx->app, st, 8, "person_merge", "undo_reason", mid, o, "undo_reason");
	/* The names the people who merged and undid go by (9, 10 ids; 11, 12 names). */
	if (r == 0 && (r = sealed_json(pg->ctx->app, st, 11, "app_user", "display_name", db_column_int64(st, 9), o,
				       "merged_by_name")) == 0)
		r = sealed_json(pg->ctx->app, st, 12, "app_user", "display_name", db_column_int64(st, 10), o,
				"undone_by_name");
	return r;
}

static int merges_json(struct page *pg)
{
	struct db_stmt *st;
	int r = db_preparef(pg->db, &st,
			    "SELECT m.id, m.kept_id, m.merged_id, m.merged_at, u.username, m.undone_at, v.username,"
			    " m.reason, m.undo_reason, u.id, v.id, u.display_name, v.display_name"
			    " FROM person_merge m LEFT JOIN app_user u ON u.id = m.merged_by"
			    " LEFT JOIN app_user v ON v.id = m.undone_by WHERE m.kept_id = ? OR m.merged_id = ?"
			    " ORDER BY m.id",
			    "ii", pg->id, pg->id);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && (r = merge_row(pg, st, arr(pg, "merges"))) == 0)
		;
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- the page ---- */

static int page_json(struct page *pg)
{
	int r;
	pg->j = json_pack("{s:I, s:s, s:[], s:[], s:[], s:[], s:[], s:[], s:[], s:[], s:[], s:[]}", "id",
			  (json_int_t)pg->id, "view", pg->pr.mdt ? "mdt" : "full", "names", "reports", "cases",
			  "placements", "missing_episodes", "services", "plans", "relief", "merges", "timeline");
	if (!pg->j)
		return ERR_NOMEM;
	if ((r = child_json(pg)) < 0 || (pg->pr.reports && (r = reports_json(pg)) < 0) || (r = cases_json(pg)) < 0 ||
	    (r = case_content(pg)) < 0 ||
	    (pg->pr.relief && (r = persons_relief_json(pg->db, pg->ctx->app, pg->pr.region, pg->id, LIST_LIMIT_MAX, 0,
						      arr(pg, "relief"))) < 0) ||
	    (!pg->pr.mdt && (r = merges_json(pg)) < 0))
		return r;
	return persons_timeline_build(pg->j);
}

/* A record merged away: the record kept at the end of its merges. */
static int merged_root(struct db *db, int64_t into, int64_t *ret)
{
	int64_t kept = into, next = 0;
	int r = 0;
	for (int i = 0; i < MERGE_CHAIN_MAX && (r = persons_merged_into(db, kept, &next)) == 0 && next; i++)
		kept = next;
	*ret = kept;
	return r;
}

struct page_read {
	struct page *pg;
	int64_t into, kept;
};

static int page_read(struct db *db, void *arg, struct audit_read *rec)
{
	(void)db;
	struct page_read *p = arg;
	struct page *pg = p->pg;
	int r;
	if (p->into) {
		if (!(pg->j = json_pack("{s:I, s:I, s:I}", "id", (json_int_t)pg->id, "merged_into", (json_int_t)p->into,
					"kept_id", (json_int_t)p->kept)))
			return ERR_NOMEM;
		return audit_read_detail(rec, "merged_into=%lld", (long long)p->into);
	}
	if ((r = page_json(pg)) < 0)
		return r;
	return audit_read_detail(rec, "view=%s cases=%zu", pg->pr.mdt ? "mdt" : "full", pg->ncases);
}

int svc_person_page(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct page pg = {.ctx = ctx, .id = id};
	int64_t into, kept = 0;
	int r = svc_enter(ctx, PERM_PERSONS_READ, &pg.db);
	if (r < 0 || (r = persons_merged_into(pg.db, id, &into)) < 0 || (into && (r = merged_root(pg.db, into, &kept)) < 0))
		return r;
	persons_reach(ctx, &pg.pr);
	/* A merged record answers where it went, when the reader reaches that. */
	if ((r = persons_reached(ctx, pg.db, &pg.pr, into ? kept : id)) < 0)
		return r;
	struct page_read p = {.pg = &pg, .into = into, .kept = kept};
	struct audit_read rec = {.action = "person.read", .object_type = "person", .object_id = id};
	r = svc_audited_read(pg.db, ctx, &rec, page_read, &p);
	free(pg.cases);
	free(pg.numbers);
	if (r < 0) {
		json_decref(pg.j);
		return r;
	}
	*ret = pg.j;
	return 0;
}
