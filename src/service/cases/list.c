/* list.c: GET /api/v1/cases: the cases in the actor's scope, a page at a
 * time (service/page.h), sorted, filtered and searched by number or by the
 * child's name through the identity registry. */
#include "service/cases/cases_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "model/casestate.h"
#include "service/audit.h"
#include "service/page.h"
#include "service/persons.h"

/* Every sort's expression is a column the indexes of migration 0025 pair
 * with the id. */
static const struct page_sort case_sorts[] = {
	{"opened_at", "c.opened_at"},
	{"number", "c.number"},
	{"status", "c.status"},
	{"region", "c.region"},
	{"id", "c.id"},
	{NULL, NULL},
};
const struct page_list cases_page_list = {"cases", "c.id", case_sorts, "-opened_at"};

static const char *const list_statuses[] = {"open", "closed", "all", NULL};

/* The filter checked, and a liaison held to its own region. */
static int list_filter(const struct svc_ctx *ctx, const struct case_filter *f, struct field_errors *errs,
		       struct list_page *p, const char **ret_status, const char **ret_region)
{
	const char *status = f->status && *f->status ? f->status : "open";
	const char *region = f->region && *f->region ? f->region : NULL;
	enum case_status cs;
	if (!in_list(list_statuses, status) && case_status_parse(status, &cs) < 0)
		field_error_add(errs, "status", "open, closed, all, or one status of a case");
	if (region && !pack_region(ctx->app->pack, region))
		field_error_add(errs, "region", "Region: choose one from the list");
	if (f->opened_from && *f->opened_from)
		(void)page_date(f->opened_from, "opened_from", errs);
	if (f->opened_to && *f->opened_to)
		(void)page_date(f->opened_to, "opened_to", errs);
	if (f->q && strlen(f->q) > 200)
		field_error_add(errs, "q", "at most 200 characters: a case number or a child's name");
	if (f->lead < 0)
		field_error_add(errs, "lead", "Worker: choose a worker from the list");
	if (page_parse(&cases_page_list, &f->page, p, errs) < 0 || field_errors_any(errs))
		return ERR_INVAL;
	if (ctx->actor->role == ROLE_LIAISON) {
		if (region && strcmp(region, ctx->actor->scope) != 0) {
			svc_audit_denial(ctx, "cases outside the liaison's region", "case", NULL);
			return ERR_PERM;
		}
		region = ctx->actor->scope;
	}
	*ret_status = status;
	*ret_region = region;
	return 0;
}

/* One case of the list; an mdt user's has no office, dates, lead or duties.
 * Column 0 is the sort key. */
static json_t *list_row_json(struct db_stmt *st, bool mdt, int *ret_err)
{
	json_t *j = json_object();
	if (!j) {
		*ret_err = ERR_NOMEM;
		return NULL;
	}
	if (mdt)
		*ret_err = db_row_json(
			st, "- id:i number - region - status victim_status - trafficking_type - - - - - missing:b", j);
	else
		*ret_err = db_row_json(st,
				       "- id:i number - region office status victim_status identified_at trafficking_type"
				       " - - opened_at closed_at version:i missing:b overdue:i next_due_at",
				       j);
	if (*ret_err == 0 && !mdt &&
	    json_object_set_new(j, "lead",
				db_column_text(st, 11)
					? json_pack("{s:I, s:s}", "id", (json_int_t)db_column_int64(st, 10), "username",
						    db_column_text(st, 11))
					: json_null()) < 0)
		*ret_err = ERR_NOMEM;
	if (*ret_err < 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The search: the number, or a child the registry takes the name for,
 * as one set of case ids that the page is then read from (each part by
 * an index: the number, the person, the record merged into it). A case
 * restricted by relief is never found by the name. */
static int add_search(const struct svc_ctx *ctx, struct db *db, const char *q, char *number, size_t nsize,
		      int64_t *ids, struct sqlb *s)
{
	static const char not_restricted[] =
		" AND NOT EXISTS (SELECT 1 FROM relief_link l JOIN relief_record rr ON rr.id = l.relief_id"
		" WHERE l.kind = 'case' AND l.object_id = x.id AND rr.status = 'granted')";
	size_t n = 0;
	int r;
	page_number_text(q, number, nsize);
	/* A name has letters and no digit; a number has a digit. */
	if (strpbrk(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") && !strpbrk(q, "0123456789") &&
	    (r = persons_name_ids(ctx->app, db, q, ids, NAME_SEARCH_MAX, &n)) < 0)
		return r;
	sqlb_add(s, " AND c.id IN (SELECT x.id FROM child_case x WHERE x.number = ?", "t", number);
	if (n) {
		sqlb_add(s, " UNION SELECT x.id FROM child_case x WHERE x.person_id IN (", "");
		sqlb_ids(s, ids, n);
		sqlb_add(s, ")", "");
		sqlb_add(s, not_restricted, "");
		sqlb_add(s, " UNION SELECT x.id FROM child_case x JOIN person p ON p.id = x.person_id WHERE p.merged_into IN (",
			 "");
		sqlb_ids(s, ids, n);
		sqlb_add(s, ")", "");
		sqlb_add(s, not_restricted, "");
	}
	sqlb_add(s, ")", "");
	return 0;
}

/* What the statement's parameters point to, alive until it is prepared. */
struct list_bufs {
	char ts[32], to[32], number[256];
	int64_t ids[NAME_SEARCH_MAX];
	struct sqlb s;
};

/* The statement of one page. */
static int list_sql(const struct svc_ctx *ctx, struct db *db, const struct case_filter *f, const struct list_page *p,
		    const char *status, const char *region, struct list_bufs *b)
{
	struct sqlb *s = &b->s;
	time_str(now(), b->ts);
	sqlb_init(s);
	sqlb_add(s, "SELECT ", "");
	page_sql_key(s, p);
	sqlb_add(s,
		", c.id, c.number, c.person_id, c.region, c.office, c.status, c.victim_status,"
		" c.identified_at, c.trafficking_type, c.lead_user_id, u.username, c.opened_at, c.closed_at, c.version,"
		" (SELECT count(*) FROM missing_episode m WHERE m.case_id = c.id AND m.located_at IS NULL),"
		" (SELECT count(*) FROM duty d WHERE d.case_id = c.id AND d.met_at IS NULL AND d.due_at < ?),"
		" (SELECT min(d.due_at) FROM duty d WHERE d.case_id = c.id AND d.met_at IS NULL)"
		" FROM child_case c LEFT JOIN app_user u ON u.id = c.lead_user_id WHERE 1 = 1",
		"t", b->ts);
	if (strcmp(status, "open") == 0)
		sqlb_add(s, " AND c.status <> 'closed'", "");
	else if (strcmp(status, "all") != 0)
		sqlb_add(s, " AND c.status = ?", "t", status);
	if (region)
		sqlb_add(s, " AND c.region = ?", "t", region);
	if (f->missing)
		sqlb_add(s, " AND EXISTS (SELECT 1 FROM missing_episode m WHERE m.case_id = c.id AND m.located_at IS NULL)",
			"");
	/* An mdt user: the cases its team reviews (a review not cancelled). */
	if (ctx->actor->role == ROLE_MDT)
		sqlb_add(s,
			" AND EXISTS (SELECT 1 FROM case_review v JOIN mdt_team t ON t.id = v.team_id"
			" WHERE v.case_id = c.id AND v.status <> 'cancelled' AND t.code = ?)",
			"t", ctx->actor->scope);
	if (f->opened_from && *f->opened_from)
		sqlb_add(s, " AND c.opened_at >= ?", "t", f->opened_from);
	if (f->opened_to && *f->opened_to) {
		/* Any time of that day sorts before the day followed by "T24". */
		snprintf(b->to, sizeof b->to, "%.10sT24", f->opened_to);
		sqlb_add(s, " AND c.opened_at < ?", "t", b->to);
	}
	if (f->lead > 0)
		sqlb_add(s, " AND c.lead_user_id = ?", "i", f->lead);
	int r = f->q && *f->q ? add_search(ctx, db, f->q, b->number, sizeof b->number, b->ids, s) : 0;
	page_sql_after(s, p);
	page_sql_order(s, p);
	return r;
}

static int list_select(const struct svc_ctx *ctx, struct db *db, const char *status, const char *region,
		       const struct case_filter *f, struct list_page *p, json_t *list)
{
	bool mdt = ctx->actor->role == ROLE_MDT;
	struct list_bufs *b = malloc(sizeof *b);
	struct db_stmt *st;
	int r = b ? list_sql(ctx, db, f, p, status, region, b) : ERR_NOMEM;
	if (r == 0)
		r = sqlb_prepare(db, &b->s, &st);
	free(b);
	if (r < 0)
		return r;
	/* Gather the rows first, then open each child's names. */
	struct cases_rows rows = {0};
	json_t *j;
	while ((r = db_step(st)) == DB_ROW && page_row(p, st) && (j = list_row_json(st, mdt, &r)) &&
	       (r = cases_rows_add(&rows, db_column_int64(st, 3), j)) == 0)
		;
	db_finalize(st);
	return cases_rows_finish(db, ctx->app, &rows, r, list);
}

int svc_case_list(const struct svc_ctx *ctx, const struct case_filter *f, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	const char *status, *region;
	struct list_page p;
	int r;
	if ((r = svc_enter(ctx, PERM_CASES_READ, &db)) < 0 ||
	    (r = list_filter(ctx, f, errs, &p, &status, &region)) < 0)
		return r;
	/* The page is read in one view on this thread's connection, outside
	 * any transaction: a transaction runs on the single writer, and the reads
	 * would hold it (and every other request's write) while they last. The
	 * record of the read is a transaction of its own; the page is answered
	 * only once that is durable. */
	json_t *list = json_array();
	if ((r = list ? db_read_begin(db) : ERR_NOMEM) == 0) {
		r = list_select(ctx, db, status, region, f, &p, list);
		db_read_end(db);
	}
	if (r == 0)
		r = svc_audit_appendf(db, ctx, "case.list", "case", AUDIT_NO_OBJECT,
				      "status=%s region=%s sort=%s%s search=%s count=%zu%s", status,
				      region ? region : "all", p.desc ? "-" : "", p.sort->name,
				      f->q && *f->q ? "yes" : "no", json_array_size(list),
				      ctx->actor->role == ROLE_MDT ? " view=mdt" : "");
	if (r < 0) {
		json_decref(list);
		return r;
	}
	return page_answer(&p, list, ret);
}
