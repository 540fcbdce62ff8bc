/* list.c: GET /api/v1/referrals: the referrals in the actor's scope,
 * newest first, a page at a time (keyset: the cursor is the last id
 * answered), each as its view answers it without the steps. */
#include "service/referrals/referrals_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/page.h"
#include "service/relief.h"

#define REFERRALS_PAGE_DEFAULT PAGE_LIMIT_DEFAULT

/* The ids of one page, in the actor's scope: one more than the limit, to
 * tell whether there is a next page. The scope is a bound flag per role,
 * so the statement's text never changes. */
static int page_ids(struct db *db, const struct svc_ctx *ctx, const struct referral_filter *f, int64_t after,
		    int limit, int64_t **ret, size_t *ret_n)
{
	const struct actor *a = ctx->actor;
	struct db_stmt *st;
	int r = db_preparef(
		db, &st,
		"SELECT r.id FROM service_referral r JOIN child_case c ON c.id = r.case_id"
		" JOIN provider p ON p.id = r.provider_id"
		" WHERE (CAST(? AS TEXT) IS NULL OR r.status = ?) AND (? = 0 OR r.provider_id = ?)"
		" AND (? = 0 OR r.case_id = ?) AND (? = 0 OR r.id < ?)"
		" AND (? = 1 OR (? = 2 AND c.region = ?) OR (? = 3 AND p.code = ?)"
		"  OR (? = 4 AND EXISTS (SELECT 1 FROM case_review v JOIN mdt_team t ON t.id = v.team_id"
		"   WHERE v.case_id = r.case_id AND t.code = ? AND v.status <> 'cancelled')))"
		" ORDER BY r.id DESC LIMIT ?",
		"ttiiiiiiddtdtdtd", f->status, f->status ? f->status : "", f->provider_id, f->provider_id, f->case_id,
		f->case_id, after, after,
		a->role == ROLE_HART ? 1 : 0, a->role == ROLE_LIAISON ? 2 : 0, a->scope, a->role == ROLE_PROVIDER ? 3 : 0,
		a->scope, a->role == ROLE_MDT ? 4 : 0, a->scope, limit + 1);
	if (r < 0)
		return r;
	int64_t *ids = calloc((size_t)limit + 1, sizeof *ids);
	size_t n = 0;
	if (!ids)
		r = ERR_NOMEM;
	while (r >= 0 && (r = db_step(st)) == DB_ROW && n < (size_t)limit + 1)
		ids[n++] = db_column_int64(st, 0);
	db_finalize(st);
	if (r < 0) {
		free(ids);
		return r;
	}
	*ret = ids;
	*ret_n = n;
	return 0;
}

/* Newest first by id; the cursors are the shared helper's. */
static const struct page_sort referral_sorts[] = {{"id", "r.id"}, {NULL, NULL}};
static const struct page_list referrals_page_list = {"referrals", "r.id", referral_sorts, "-id"};

static void check_filter(const struct svc_ctx *ctx, const struct referral_filter *f, struct field_errors *errs,
			 int64_t *ret_after)
{
	enum referral_status s;
	*ret_after = 0;
	if (f->status && referral_status_parse(f->status, &s) < 0)
		field_error_add(errs, "status", "pending, accepted, declined, started, completed, ended or withdrawn");
	if (f->limit < 0 || f->limit > PAGE_LIMIT_MAX)
		field_error_add(errs, "limit", "a number of rows from 1 to %d", PAGE_LIMIT_MAX);
	if (f->provider_id < 0)
		field_error_add(errs, "provider", "Provider: choose one from the directory");
	if (f->case_id < 0)
		field_error_add(errs, "case", "Case: choose a case from the list");
	/* A provider knows no case: a filter by one would tell it which
	 * internal case ids its referrals belong to. */
	else if (f->case_id > 0 && ctx->actor->role == ROLE_PROVIDER)
		field_error_add(errs, "case", "Providers cannot filter by case.");
	struct list_page p;
	struct page_query q = {.after = f->after};
	if (page_parse(&referrals_page_list, &q, &p, errs) == 0 && p.has_after)
		*ret_after = p.id;
}

/* Whether the row's case is restricted by relief granted and the actor
 * has not broken the glass on it. */
static int row_restricted(struct db *db, const struct svc_ctx *ctx, const struct referral_row *row, bool *ret)
{
	bool restricted = false, open = false;
	int r = relief_restricted(db, "case", row->case_id, &restricted);
	if (r == 0 && restricted)
		r = relief_glass_open(ctx, db, "case", row->case_id, &open);
	*ret = restricted && !open;
	return r;
}

static int list_json(struct db *db, const struct svc_ctx *ctx, const int64_t *ids, size_t n, json_t *items)
{
	bool provider = ctx->actor->role == ROLE_PROVIDER;
	for (size_t i = 0; i < n; i++) {
		struct referral_row row;
		json_t *j = NULL;
		bool restricted = false;
		int r;
		if ((r = referral_load(db, ids[i], &row)) < 0 || (r = row_restricted(db, ctx, &row, &restricted)) < 0)
			return r;
		/* A restricted row says only that it is there, as case lists do. */
		if (restricted && !(j = json_pack("{s:I, s:s, s:b}", "id", (json_int_t)row.id, "number", row.number,
						  "restricted", 1)))
			return ERR_NOMEM;
		if (!restricted && (r = referral_json(db, ctx, &row, provider, false, &j)) < 0)
			return r;
		if (json_array_append_new(items, j) < 0)
			return ERR_NOMEM;
	}
	return 0;
}

struct referrals_read {
	const struct svc_ctx *ctx;
	const struct referral_filter *f;
	int64_t after;
	int limit;
	int64_t *ids;
	size_t n;
	bool more;
	json_t *items;
};

static int referrals_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct referrals_read *l = arg;
	const struct referral_filter *f = l->f;
	int r = page_ids(db, l->ctx, f, l->after, l->limit, &l->ids, &l->n);
	if (r < 0)
		return r;
	l->more = l->n > (size_t)l->limit;
	if (l->more)
		l->n = (size_t)l->limit;
	if ((r = list_json(db, l->ctx, l->ids, l->n, l->items)) < 0)
		return r;
	return audit_read_detail(rec, "status=%s provider=%lld case=%lld count=%zu", f->status ? f->status : "all",
				 (long long)f->provider_id, (long long)f->case_id, l->n);
}

int svc_referrals_list(const struct svc_ctx *ctx, const struct referral_filter *f, struct field_errors *errs,
		       json_t **ret)
{
	struct db *db;
	struct referrals_read l = {.ctx = ctx, .f = f};
	int r = svc_enter(ctx, PERM_REFERRALS_READ, &db);
	if (r < 0)
		return r;
	check_filter(ctx, f, errs, &l.after);
	if (field_errors_any(errs))
		return ERR_INVAL;
	l.limit = f->limit > 0 ? f->limit : REFERRALS_PAGE_DEFAULT;
	if (!(l.items = json_array()))
		return ERR_NOMEM;
	struct audit_read rec = {.action = "referral.list", .object_type = "referral", .object_id = AUDIT_NO_OBJECT};
	r = svc_audited_read(db, ctx, &rec, referrals_read, &l);
	char next[128] = "";
	struct list_page p;
	struct page_query none = {0};
	if (r == 0 && l.more && (r = page_parse(&referrals_page_list, &none, &p, errs)) == 0)
		r = page_cursor(&p, "", l.ids[l.n - 1], next, sizeof next);
	free(l.ids);
	if (r < 0 || !(*ret = json_pack("{s:o, s:o}", "items", l.items, "next", l.more ? json_string(next) : json_null()))) {
		if (r >= 0)
			return ERR_NOMEM;
		json_decref(l.items);
		return r;
	}
	return 0;
}
