/* list.c: GET /api/v1/intakes: the reports in the actor's scope, a page at
 * a time (service/page.h), oldest first by default as a queue is worked,
 * filtered and searched by number or by a child's name through the
 * identity registry. */
#include "service/intake/intake_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "service/audit.h"
#include "service/page.h"
#include "service/persons.h"

static const struct page_sort intake_sorts[] = {
	{"received_at", "i.received_at"},
	{"number", "i.number"},
	{"id", "i.id"},
	{NULL, NULL},
};
const struct page_list intakes_page_list = {"intakes", "i.id", intake_sorts, "received_at"};

static int64_t deadline_minutes(const struct pack *p)
{
	const struct pack_deadline *d = pack_deadline(p, "intake_disposition");
	return d ? d->minutes : 24 * 60;
}

/* The filter checked; its region, or the liaison's own: a liaison who asks
 * for another region is refused, and the refusal audited. */
static int list_filter(const struct svc_ctx *ctx, const struct intake_filter *f, struct field_errors *errs,
		       struct list_page *p, const char **ret)
{
	const char *status = f->status && *f->status ? f->status : "open";
	if (strcmp(status, "open") != 0 && strcmp(status, "decided") != 0 && strcmp(status, "all") != 0)
		field_error_add(errs, "status", "open, decided or all");
	if (f->region && *f->region && strcmp(f->region, "none") != 0 && !pack_region(ctx->app->pack, f->region))
		field_error_add(errs, "region", "Region: choose one from the list");
	if (f->received_from && *f->received_from)
		(void)page_date(f->received_from, "received_from", errs);
	if (f->received_to && *f->received_to)
		(void)page_date(f->received_to, "received_to", errs);
	if (f->q && strlen(f->q) > 200)
		field_error_add(errs, "q", "at most 200 characters: a report number or a child's name");
	if (page_parse(&intakes_page_list, &f->page, p, errs) < 0 || field_errors_any(errs))
		return ERR_INVAL;
	*ret = f->region && *f->region ? f->region : NULL;
	if (ctx->actor->role == ROLE_LIAISON) {
		if (*ret && strcmp(*ret, ctx->actor->scope) != 0) {
			svc_audit_denial(ctx, "intake list outside the liaison's region", "intake", NULL);
			return ERR_PERM;
		}
		*ret = ctx->actor->scope;
	}
	return 0;
}

/* One row of the queue, with its age and whether it is overdue. Column 0
 * is the sort key. */
static int queue_row(struct db_stmt *st, hl_time t, int64_t due, json_t *list)
{
	json_t *o = json_object();
	if (!o)
		return ERR_NOMEM;
	int r = db_row_json(st, "- id:i number received_at channel source region office unmapped_town:b"
				" suspected_victim:b disposition disposition_at children:i screening_level restricted:b", o);
	hl_time received = 0;
	if (r == 0 && time_parse(db_column_text(st, 3), &received) < 0)
		received = 0;
	int64_t age_min = (t - received) / (60 * HL_USEC_PER_SEC);
	if (r == 0 && (json_object_set_new(o, "age_minutes", json_integer(age_min)) < 0 ||
		       json_object_set_new(o, "overdue", json_boolean(db_column_is_null(st, 10) && age_min > due)) < 0))
		r = ERR_NOMEM;
	if (r == 0 && json_array_append_new(list, o) < 0)
		return ERR_NOMEM;
	if (r < 0)
		json_decref(o);
	return r;
}

struct list_bufs {
	char cutoff[32], to[32], number[256];
	int64_t ids[NAME_SEARCH_MAX];
	struct sqlb s;
};

/* The search: the number, or a child of the report whom the registry
 * takes the name for, as one set of report ids (each part by an index). A
 * restricted report is never found by the name. */
static int add_search(const struct svc_ctx *ctx, struct db *db, const char *q, struct list_bufs *b)
{
	static const char not_restricted[] =
		" AND NOT EXISTS (SELECT 1 FROM relief_link l JOIN relief_record rr ON rr.id = l.relief_id"
		" WHERE l.kind = 'intake' AND l.object_id = x.intake_id AND rr.status = 'granted')";
	struct sqlb *s = &b->s;
	size_t n = 0;
	int r;
	page_number_text(q, b->number, sizeof b->number);
	/* A name has letters and no digit; a number has a digit. */
	if (strpbrk(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") && !strpbrk(q, "0123456789") &&
	    (r = persons_name_ids(ctx->app, db, q, b->ids, NAME_SEARCH_MAX, &n)) < 0)
		return r;
	sqlb_add(s, " AND i.id IN (SELECT y.id FROM intake y WHERE y.number = ?", "t", b->number);
	if (n) {
		sqlb_add(s, " UNION SELECT x.intake_id FROM intake_child x WHERE x.person_id IN (", "");
		sqlb_ids(s, b->ids, n);
		sqlb_add(s, ")", "");
		sqlb_add(s, not_restricted, "");
		sqlb_add(s,
			 " UNION SELECT x.intake_id FROM intake_child x JOIN person p ON p.id = x.person_id"
			 " WHERE p.merged_into IN (",
			 "");
		sqlb_ids(s, b->ids, n);
		sqlb_add(s, ")", "");
		sqlb_add(s, not_restricted, "");
	}
	sqlb_add(s, ")", "");
	return 0;
}

static int list_sql(const struct svc_ctx *ctx, struct db *db, const struct intake_filter *f,
		    const struct list_page *p, const char *region, hl_time t, struct list_bufs *b)
{
	struct sqlb *s = &b->s;
	const char *status = f->status && *f->status ? f->status : "open";
	int r = 0;
	sqlb_init(s);
	sqlb_add(s, "SELECT ", "");
	page_sql_key(s, p);
	sqlb_add(s,
		", i.id, i.number, i.received_at, i.channel, i.source, i.region, i.office, i.unmapped_town,"
		" i.suspected_victim, i.disposition, i.disposition_at,"
		" (SELECT count(*) FROM intake_child c WHERE c.intake_id = i.id),"
		" (SELECT s.level FROM screening s WHERE s.intake_id = i.id ORDER BY s.id DESC LIMIT 1),"
		" (SELECT count(*) FROM relief_link l JOIN relief_record rr ON rr.id = l.relief_id"
		"  WHERE l.kind = 'intake' AND l.object_id = i.id AND rr.status = 'granted')"
		" FROM intake i WHERE 1 = 1",
		"");
	if (strcmp(status, "open") == 0)
		sqlb_add(s, " AND i.disposition IS NULL", "");
	else if (strcmp(status, "decided") == 0)
		sqlb_add(s, " AND i.disposition IS NOT NULL", "");
	if (region && strcmp(region, "none") == 0)
		sqlb_add(s, " AND i.region IS NULL", "");
	else if (region)
		sqlb_add(s, " AND i.region = ?", "t", region);
	if (f->older_than_minutes > 0) {
		if ((r = time_format(t - f->older_than_minutes * 60 * HL_USEC_PER_SEC, b->cutoff, sizeof b->cutoff)) < 0)
			return r;
		sqlb_add(s, " AND i.received_at <= ?", "t", b->cutoff);
	}
	if (f->received_from && *f->received_from)
		sqlb_add(s, " AND i.received_at >= ?", "t", f->received_from);
	if (f->received_to && *f->received_to) {
		/* Any time of that day sorts before the day followed by "T24". */
		snprintf(b->to, sizeof b->to, "%.10sT24", f->received_to);
		sqlb_add(s, " AND i.received_at < ?", "t", b->to);
	}
	if (f->q && *f->q && (r = add_search(ctx, db, f->q, b)) < 0)
		return r;
	page_sql_after(s, p);
	page_sql_order(s, p);
	return 0;
}

int svc_intake_list(const struct svc_ctx *ctx, const struct intake_filter *f, struct field_errors *errs,
		    json_t **ret)
{
	struct db *db;
	const char *region;
	struct list_page p;
	int r = svc_enter(ctx, PERM_INTAKE_READ, &db);
	if (r < 0 || (r = list_filter(ctx, f, errs, &p, &region)) < 0)
		return r;
	hl_time t = now();
	struct list_bufs *b = malloc(sizeof *b);
	struct db_stmt *st;
	if ((r = b ? list_sql(ctx, db, f, &p, region, t, b) : ERR_NOMEM) == 0)
		r = sqlb_prepare(db, &b->s, &st);
	free(b);
	if (r < 0)
		return r;
	json_t *list = json_array();
	int64_t due = deadline_minutes(ctx->app->pack);
	while (list && (r = db_step(st)) == DB_ROW && page_row(&p, st) && (r = queue_row(st, t, due, list)) == 0)
		;
	db_finalize(st);
	char detail[96];
	snprintf(detail, sizeof detail, "%s sort=%s%s search=%s count=%zu", f->status && *f->status ? f->status : "open",
		 p.desc ? "-" : "", p.sort->name, f->q && *f->q ? "yes" : "no", p.n);
	if (!list || r < 0 || (r = svc_audit_record(ctx, "intake.list", "intake", NULL, detail)) < 0) {
		json_decref(list);
		return r < 0 ? r : ERR_NOMEM;
	}
	if ((r = page_answer(&p, list, ret)) < 0)
		return r;
	/* The pack's disposition deadline, which each row's overdue is
	 * measured against. */
	if (json_object_set_new(*ret, "deadline_minutes", json_integer(due)) < 0) {
		json_decref(*ret);
		return ERR_NOMEM;
	}
	return 0;
}
