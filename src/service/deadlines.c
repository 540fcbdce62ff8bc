/* deadlines.c: every duty with a due time, its status, and the once-only
 * reminders (docs/cases.md, "Duties and deadlines"). */
#include "model/access.h"
#include "service/deadlines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/counts.h"
#include "service/page.h"
#include "service/mailer.h"
#include "service/sealed.h"

#define MINUTE (60 * HL_USEC_PER_SEC)
#define ACTION_ITEM_NAME "MDT action item"
#define ACTION_ITEM_BASIS "case review"

static const char *const statuses[] = {"open", "overdue", "met_on_time", "met_late", "unmet", NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static void fmt_id(char out[24], int64_t id)
{
	snprintf(out, 24, "%lld", (long long)id);
}

/* ---- opening, moving, meeting ---- */

int duty_bind_kind(struct db_stmt *st, int i, enum duty_kind kind)
{
	const char *name = duty_kind_to_string(kind);
	int r = name ? db_bind_text(st, i, name) : ERR_INVAL;
	if (r < 0)
		db_finalize(st);
	return r;
}

/* The duty of kind on a subject that is not met: its id, start and due
 * time. ERR_NOTFOUND when there is none. */
static int find_unmet(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id,
		      int64_t *ret_id, hl_time *ret_starts, hl_time *ret_due)
{
	const char *name = duty_kind_to_string(kind);
	if (!name)
		return ERR_INVAL;
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT id, starts_at, due_at FROM duty WHERE kind = ? AND subject_type = ? AND subject_id = ?"
			" AND met_at IS NULL",
			"tti", name, subject_type, subject_id);
	if (r < 0)
		return r;
	*ret_id = db_column_int64(st, 0);
	if (time_parse(db_column_text(st, 1), ret_starts) < 0)
		*ret_starts = 0;
	if (time_parse(db_column_text(st, 2), ret_due) < 0)
		*ret_due = 0;
	db_finalize(st);
	return 0;
}

int duty_find_unmet(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id,
		    int64_t *ret_id, hl_time *ret_due)
{
	int64_t id;
	hl_time starts, due;
	int r = find_unmet(db, kind, subject_type, subject_id, &id, &starts, &due);
	if (r < 0)
		return r;
	if (ret_id)
		*ret_id = id;
	if (ret_due)
		*ret_due = due;
	return 0;
}

/* The case's region, and the owner of a duty of it: owner_id, or else the
 * case's lead, or else who opened it. */
static int case_region_owner(struct db *db, int64_t case_id, int64_t owner_id, char region[32], int64_t *ret_owner)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT region, lead_user_id, opened_by FROM child_case WHERE id = ?", "i", case_id);
	if (r < 0)
		return r;
	r = str_copy(region, 32, db_column_text(st, 0) ? db_column_text(st, 0) : "");
	*ret_owner = owner_id > 0 ? owner_id
		     : !db_column_is_null(st, 1) ? db_column_int64(st, 1)
						 : db_column_int64(st, 2);
	db_finalize(st);
	return r;
}

static int open_named_in(struct db *db, int64_t case_id, const char *kind, const char *name, const char *basis,
			 const char *subject_type, int64_t subject_id, hl_time starts_at, hl_time due_at,
			 int64_t owner_id, int64_t *ret_id)
{
	if (!kind || !*kind || !subject_type || !*subject_type || !name)
		return ERR_INVAL;
	/* Opening it again changes nothing. */
	int64_t id = 0;
	int r = db_int64f(db, &id, "SELECT id FROM duty WHERE kind = ? AND subject_type = ? AND subject_id = ?", "tti",
			  kind, subject_type, subject_id);
	if (r < 0 && r != ERR_NOTFOUND)
		return r;
	char region[32] = "", starts[32], due[32], created[32];
	int64_t owner = 0;
	/* The case gives the region and the default owner. */
	if (r == ERR_NOTFOUND &&
	    ((r = case_region_owner(db, case_id, owner_id, region, &owner)) < 0 ||
	     (r = time_format(starts_at, starts, sizeof starts)) < 0 || (r = time_format(due_at, due, sizeof due)) < 0 ||
	     (r = time_format(now(), created, sizeof created)) < 0 ||
	     (r = db_int64f(db, &id,
			    "INSERT INTO duty (case_id, kind, name, basis, subject_type, subject_id, region, starts_at,"
			    " due_at, owner_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?) RETURNING id",
			    "ittttitttit", case_id, kind, name, basis, subject_type, subject_id, region[0] ? region : NULL,
			    starts, due, owner > 0 ? owner : (int64_t)0, created)) < 0 ||
	     (r = counts_duty_opened(db, id)) < 0))
		return r;
	if (ret_id)
		*ret_id = id;
	return 0;
}

/* A duty and the dashboard's counts change together (service/counts.h):
 * in the caller's transaction, or in one of their own. */
static int whole_begin(struct db *db, bool *own)
{
	*own = !db_in_transaction(db);
	return *own ? db_begin(db) : 0;
}

static int whole_end(struct db *db, bool own, int r)
{
	if (!own)
		return r;
	if (r < 0) {
		db_rollback(db);
		return r;
	}
	return db_commit(db);
}

static int open_named(struct db *db, int64_t case_id, const char *kind, const char *name, const char *basis,
		      const char *subject_type, int64_t subject_id, hl_time starts_at, hl_time due_at, int64_t owner_id,
		      int64_t *ret_id)
{
	bool own;
	int r = whole_begin(db, &own);
	if (r == 0)
		r = open_named_in(db, case_id, kind, name, basis, subject_type, subject_id, starts_at, due_at, owner_id,
				  ret_id);
	return whole_end(db, own, r);
}

int duty_open(struct db *db, int64_t case_id, enum duty_kind kind, const char *subject_type, int64_t subject_id,
	      hl_time starts_at, hl_time due_at, int64_t owner_id, int64_t *ret_id)
{
	/* Without a pack only the action item has a name of its own; a pack
	 * deadline opened this way is named by its id. */
	const char *name = duty_kind_to_string(kind);
	if (!name)
		return ERR_INVAL;
	bool item = kind == DUTY_ACTION_ITEM;
	return open_named(db, case_id, name, item ? ACTION_ITEM_NAME : name, item ? ACTION_ITEM_BASIS : NULL,
			  subject_type, subject_id, starts_at, due_at, owner_id, ret_id);
}

int duty_open_pack(struct db *db, const struct pack *pack, int64_t case_id, enum duty_kind kind,
		   const char *subject_type, int64_t subject_id, hl_time starts_at, int64_t owner_id, int64_t *ret_id)
{
	const char *name = duty_kind_to_string(kind);
	if (!name)
		return ERR_INVAL;
	const struct pack_deadline *d = pack_deadline(pack, name);
	if (!d)
		return ERR_NOTFOUND;
	return open_named(db, case_id, name, d->name, d->basis, subject_type, subject_id, starts_at,
			  starts_at + d->minutes * MINUTE, owner_id, ret_id);
}

int duty_open_named(struct db *db, int64_t case_id, enum duty_kind kind, const char *name, const char *basis,
		    const char *subject_type, int64_t subject_id, hl_time starts_at, hl_time due_at, int64_t owner_id,
		    int64_t *ret_id)
{
	const char *k = duty_kind_to_string(kind);
	if (!k)
		return ERR_INVAL;
	return open_named(db, case_id, k, name, basis, subject_type, subject_id, starts_at, due_at, owner_id, ret_id);
}

static int duty_move_in(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id,
			hl_time due_at)
{
	/* The start moves with the due time: a later identified_at is a later
	 * start of the same duty. */
	int64_t id;
	hl_time starts, due;
	int r = find_unmet(db, kind, subject_type, subject_id, &id, &starts, &due);
	if (r == ERR_NOTFOUND)
		return 0;
	char starts_ts[32], due_ts[32], ts[32];
	if (r < 0 || (r = time_format(starts + (due_at - due), starts_ts, sizeof starts_ts)) < 0 ||
	    (r = time_format(due_at, due_ts, sizeof due_ts)) < 0 || (r = time_format(now(), ts, sizeof ts)) < 0)
		return r;
	/* A duty moved into the future may come due again: its notices may be
	 * sent again, so that a later lapse is never silent. */
	if ((r = db_execf(db,
			  "UPDATE duty SET starts_at = ?, due_at = ?,"
			  " reminded_at = CASE WHEN ? > ? THEN NULL ELSE reminded_at END,"
			  " overdue_notified_at = CASE WHEN ? > ? THEN NULL ELSE overdue_notified_at END"
			  " WHERE id = ?",
			  "tttttti", starts_ts, due_ts, due_ts, ts, due_ts, ts, id)) < 0)
		return r;
	return counts_duty_moved(db, id);
}

int duty_move(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id, hl_time due_at)
{
	bool own;
	int r = whole_begin(db, &own);
	if (r == 0)
		r = duty_move_in(db, kind, subject_type, subject_id, due_at);
	return whole_end(db, own, r);
}

static int duty_meet_in(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id,
			hl_time met_at, int64_t met_by, int64_t *ret_id)
{
	const char *name = duty_kind_to_string(kind);
	char met[32];
	int64_t id = 0;
	struct db_stmt *st;
	int r = name ? time_format(met_at, met, sizeof met) : ERR_INVAL;
	/* Met, it leaves the dashboard's counts (service/counts.h). */
	if (r == 0 &&
	    (r = db_rowf(db, &st,
			 "UPDATE duty SET met_at = ?, met_by = NULLIF(?, 0) WHERE kind = ? AND subject_type = ?"
			 " AND subject_id = ? AND met_at IS NULL RETURNING id, COALESCE(region, '')",
			 "titti", met, met_by > 0 ? met_by : (int64_t)0, name, subject_type, subject_id)) == 0) {
		id = db_column_int64(st, 0);
		r = counts_duty_met(db, id, db_column_text(st, 1));
		db_finalize(st);
	}
	if (r < 0 && r != ERR_NOTFOUND)
		return r;
	if (ret_id)
		*ret_id = id;
	return 0;
}

int duty_meet(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id, hl_time met_at,
	      int64_t met_by, int64_t *ret_id)
{
	bool own;
	int r = whole_begin(db, &own);
	if (r == 0)
		r = duty_meet_in(db, kind, subject_type, subject_id, met_at, met_by, ret_id);
	return whole_end(db, own, r);
}

static int duty_shift_in(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id,
			 hl_time delta)
{
	const char *name = duty_kind_to_string(kind);
	if (!name)
		return ERR_INVAL;
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT id, starts_at, due_at FROM duty WHERE kind = ? AND subject_type = ? AND subject_id = ?", "tti",
			name, subject_type, subject_id);
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	int64_t id = db_column_int64(st, 0);
	hl_time starts = 0, due = 0;
	if (time_parse(db_column_text(st, 1), &starts) < 0 || time_parse(db_column_text(st, 2), &due) < 0)
		r = ERR_DB;
	db_finalize(st);
	char starts_ts[32], due_ts[32], ts[32];
	if (r < 0 || (r = time_format(starts + delta, starts_ts, sizeof starts_ts)) < 0 ||
	    (r = time_format(due + delta, due_ts, sizeof due_ts)) < 0 || (r = time_format(now(), ts, sizeof ts)) < 0)
		return r;
	if ((r = db_execf(db,
			  "UPDATE duty SET starts_at = ?, due_at = ?,"
			  " reminded_at = CASE WHEN met_at IS NULL AND ? > ? THEN NULL ELSE reminded_at END,"
			  " overdue_notified_at = CASE WHEN met_at IS NULL AND ? > ? THEN NULL ELSE overdue_notified_at END"
			  " WHERE id = ?",
			  "tttttti", starts_ts, due_ts, due_ts, ts, due_ts, ts, id)) < 0)
		return r;
	return counts_duty_moved(db, id);
}

int duty_shift(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id, hl_time delta)
{
	bool own;
	int r = whole_begin(db, &own);
	if (r == 0)
		r = duty_shift_in(db, kind, subject_type, subject_id, delta);
	return whole_end(db, own, r);
}

int duty_remeet(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id, hl_time met_at)
{
	const char *name = duty_kind_to_string(kind);
	char met[32];
	int r = name ? time_format(met_at, met, sizeof met) : ERR_INVAL;
	if (r < 0)
		return r;
	return db_execf(db,
			"UPDATE duty SET met_at = ? WHERE kind = ? AND subject_type = ? AND subject_id = ?"
			" AND met_at IS NOT NULL",
			"ttti", met, name, subject_type, subject_id);
}

int duty_reassign(struct db *db, int64_t case_id, int64_t owner_id)
{
	return db_execf(db, "UPDATE duty SET owner_id = ? WHERE case_id = ? AND met_at IS NULL AND kind <> ?", "iit",
			owner_id, case_id, duty_kind_to_string(DUTY_ACTION_ITEM));
}

/* ---- reading ---- */

#define DUTY_COLUMNS                                                                                           \
	"d.id, d.kind, d.name, d.basis, d.case_id, c.number, c.region, d.subject_type, d.subject_id, d.starts_at, " \
	"d.due_at, d.met_at, d.owner_id, u.username, u.display_name"
#define DUTY_FROM " FROM duty d JOIN child_case c ON c.id = d.case_id LEFT JOIN app_user u ON u.id = d.owner_id"

static const char *status_of(const char *due, const char *met, const char *now_ts)
{
	if (met)
		return strcmp(met, due) <= 0 ? "met_on_time" : "met_late";
	return strcmp(due, now_ts) < 0 ? "overdue" : "open";
}

/* The owner of the current row, or null. */
static int owner_json(struct db_stmt *st, struct app *app, json_t **ret)
{
	*ret = NULL;
	if (db_column_is_null(st, 12) || !db_column_text(st, 13))
		return (*ret = json_null()) ? 0 : ERR_NOMEM;
	json_t *o = json_object();
	int r = o ? db_row_json(st, "- - - - - - - - - - - - id:i username", o) : ERR_NOMEM;
	if (r == 0 && app)
		r = sealed_json(app, st, 14, "app_user", "display_name", db_column_int64(st, 12), o, "display_name");
	else if (r == 0 && json_object_set_new(o, "display_name", json_null()) < 0)
		r = ERR_NOMEM;
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*ret = o;
	return 0;
}

/* The current row of a statement selecting DUTY_COLUMNS. */
static json_t *row_json(struct db_stmt *st, struct app *app, hl_time t)
{
	char now_ts[32];
	if (time_format(t, now_ts, sizeof now_ts) < 0)
		return NULL;
	const char *due = db_column_text(st, 10), *met = db_column_text(st, 11);
	hl_time due_t = 0;
	if (time_parse(due, &due_t) < 0)
		due_t = 0;
	json_t *owner;
	if (owner_json(st, app, &owner) < 0)
		return NULL;
	json_t *j = json_pack("{s:I, s:s, s:s, s:s?, s:{s:I, s:s, s:s?}, s:{s:s, s:I}, s:s, s:s, s:s, s:s?, s:o, s:o}",
			      "id", (json_int_t)db_column_int64(st, 0), "kind", db_column_text(st, 1), "name",
			      db_column_text(st, 2), "basis", db_column_text(st, 3), "case", "id",
			      (json_int_t)db_column_int64(st, 4), "number", db_column_text(st, 5), "region",
			      db_column_text(st, 6), "subject", "type", db_column_text(st, 7), "id",
			      (json_int_t)db_column_int64(st, 8), "starts_at", db_column_text(st, 9), "due_at", due,
			      "status", status_of(due, met, now_ts), "met_at", met, "minutes_left",
			      met ? json_null() : json_integer((due_t - t) / MINUTE), "owner", owner);
	return j;
}

json_t *duty_json(struct db *db, struct app *app, int64_t duty_id, hl_time t)
{
	struct db_stmt *st;
	if (db_rowf(db, &st, "SELECT " DUTY_COLUMNS DUTY_FROM " WHERE d.id = ?", "i", duty_id) < 0)
		return NULL;
	json_t *j = row_json(st, app, t);
	db_finalize(st);
	return j;
}

json_t *duty_json_by_id(struct db *db, int64_t duty_id, hl_time t)
{
	return duty_json(db, NULL, duty_id, t);
}

/* The conditions of a duty list, only those asked for, each one a plain
 * condition an index serves: duty_case for a case, duty_unmet for a
 * status, duty_region_due for a region and a status. A status not known
 * matches nothing. A list in id order (by_id) reads the duties in that
 * order and stops at the page's end: whether a duty is met, and its
 * region, are then written so that no index on them is taken, which would
 * read every duty not met (most of them) and sort them all first. */
static void duty_where(struct sqlb *q, const char *status, const char *region, int64_t case_id, const char *now_ts,
		       const char *until, bool by_id)
{
	const char *unmet = by_id ? " AND COALESCE(d.met_at, '') = ''" : " AND d.met_at IS NULL";
	const char *met = by_id ? " AND COALESCE(d.met_at, '') <> ''" : " AND d.met_at IS NOT NULL";
	sqlb_add(q, " WHERE 1 = 1", "");
	if (region)
		sqlb_add(q, by_id ? " AND COALESCE(d.region, '') = ?" : " AND d.region = ?", "t", region);
	if (case_id != 0)
		sqlb_add(q, " AND d.case_id = ?", "i", case_id);
	if (strcmp(status, "all") == 0)
		return;
	if (strcmp(status, "unmet") == 0) {
		sqlb_add(q, unmet, "");
	} else if (strcmp(status, "open") == 0) {
		sqlb_add(q, unmet, "");
		sqlb_add(q, " AND d.due_at >= ?", "t", now_ts);
	} else if (strcmp(status, "overdue") == 0) {
		sqlb_add(q, unmet, "");
		sqlb_add(q, " AND d.due_at < ?", "t", now_ts);
	} else if (strcmp(status, "met_on_time") == 0) {
		sqlb_add(q, met, "");
		sqlb_add(q, " AND d.met_at <= d.due_at", "");
	} else if (strcmp(status, "met_late") == 0) {
		sqlb_add(q, met, "");
		sqlb_add(q, " AND d.met_at > d.due_at", "");
	} else if (strcmp(status, "due_soon") == 0 && until) {
		sqlb_add(q, unmet, "");
		sqlb_add(q, " AND d.due_at >= ? AND d.due_at <= ?", "tt", now_ts, until);
	} else {
		sqlb_add(q, " AND 1 = 0", "");
	}
}

/* Rows of st into out, each as row_json makes it; with p, as many as the
 * page holds (its sort key in column 15). */
static int duty_rows(struct db_stmt *st, struct app *app, struct list_page *p, hl_time t, json_t *out)
{
	int r;
	while ((r = db_step(st)) == DB_ROW && (!p || page_row_at(p, st, 15, 0))) {
		json_t *j = row_json(st, app, t);
		if (!j || json_array_append_new(out, j) < 0) {
			r = ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

int duty_select(struct db *db, struct app *app, const char *status, const char *region, int64_t case_id,
		int64_t due_within, int limit, hl_time t, json_t *out)
{
	char now_ts[32], until[32];
	int r;
	if ((r = time_format(t, now_ts, sizeof now_ts)) < 0 ||
	    (r = time_format(t + (due_within > 0 ? due_within : 0), until, sizeof until)) < 0)
		return r;
	const char *s = status && *status ? status : "all";
	struct sqlb *q = malloc(sizeof *q);
	if (!q)
		return ERR_NOMEM;
	sqlb_init(q);
	sqlb_add(q, "SELECT " DUTY_COLUMNS DUTY_FROM, "");
	duty_where(q, s, region, case_id, now_ts, until, false);
	/* Overdue first, then the others not met, then the met; within one
	 * status (any but "all") that is the order of the due time. */
	if (strcmp(s, "all") == 0)
		sqlb_add(q,
			 " ORDER BY CASE WHEN d.met_at IS NULL AND d.due_at < ? THEN 0 WHEN d.met_at IS NULL THEN 1"
			 " ELSE 2 END, d.due_at, d.id",
			 "t", now_ts);
	else
		sqlb_add(q, " ORDER BY d.due_at, d.id", "");
	sqlb_add(q, " LIMIT ?", "d", list_limit(limit));
	struct db_stmt *st;
	r = sqlb_prepare(db, q, &st);
	free(q);
	return r < 0 ? r : duty_rows(st, app, NULL, t, out);
}

static const struct page_sort duty_sorts[] = {
	{"due_at", "d.due_at"},
	{"id", "d.id"},
	{NULL, NULL},
};
static const struct page_list duties_page_list = {"deadlines", "d.id", duty_sorts, "due_at"};

/* One page of the deadline list: the conditions of duty_select, by keyset. */
static int duty_page(struct db *db, struct app *app, const struct deadline_filter *f, const char *region,
		     struct list_page *p, hl_time t, json_t *out)
{
	char now_ts[32];
	const char *s = f->status && *f->status ? f->status : "all";
	struct sqlb *q = malloc(sizeof *q);
	int r = q ? time_format(t, now_ts, sizeof now_ts) : ERR_NOMEM;
	if (r < 0) {
		free(q);
		return r;
	}
	sqlb_init(q);
	sqlb_add(q, "SELECT " DUTY_COLUMNS ", ", "");
	page_sql_key(q, p);
	sqlb_add(q, DUTY_FROM, "");
	duty_where(q, s, region, f->case_id, now_ts, NULL, strcmp(p->sort->expr, "d.id") == 0);
	page_sql_after(q, p);
	page_sql_order(q, p);
	struct db_stmt *st;
	r = sqlb_prepare(db, q, &st);
	free(q);
	return r < 0 ? r : duty_rows(st, app, p, t, out);
}

int svc_deadlines_list(const struct svc_ctx *ctx, const struct deadline_filter *f, struct field_errors *errs,
		       json_t **ret)
{
	struct list_page p;
	struct db *db;
	int r = svc_enter(ctx, PERM_DEADLINES_READ, &db);
	if (r < 0)
		return r;
	if (f->status && *f->status && !in_list(statuses, f->status))
		field_error_add(errs, "status", "Status: choose one from the list");
	if (f->region && *f->region && !pack_region(ctx->app->pack, f->region))
		field_error_add(errs, "region", "Region: choose one from the list");
	if (f->case_id < 0)
		field_error_add(errs, "case", "Case: choose a case from the list");
	if (page_parse(&duties_page_list, &f->page, &p, errs) < 0 || field_errors_any(errs))
		return ERR_INVAL;
	const char *region = f->region && *f->region ? f->region : NULL;
	if (ctx->actor->role == ROLE_LIAISON) {
		if (region && strcmp(region, ctx->actor->scope) != 0) {
			svc_audit_denial(ctx, "deadlines outside the liaison's region", "duty", NULL);
			return ERR_PERM;
		}
		region = ctx->actor->scope;
	}
	char oid[24] = "";
	if (f->case_id > 0) {
		char *creg = NULL;
		if ((r = db_textf(db, &creg, "SELECT region FROM child_case WHERE id = ?", "i", f->case_id)) < 0)
			return r;
		bool outside = ctx->actor->role == ROLE_LIAISON && (!creg || strcmp(creg, ctx->actor->scope) != 0);
		free(creg);
		fmt_id(oid, f->case_id);
		if (outside) {
			svc_audit_denial(ctx, "case outside the liaison's region", "case", oid);
			return ERR_PERM;
		}
	}
	json_t *list = json_array();
	if (!list)
		return ERR_NOMEM;
	hl_time t = now();
	if ((r = duty_page(db, ctx->app, f, region, &p, t, list)) < 0) {
		json_decref(list);
		return r;
	}
	char detail[96];
	snprintf(detail, sizeof detail, "status=%s region=%s count=%zu", f->status && *f->status ? f->status : "all",
		 region ? region : "all", json_array_size(list));
	if ((r = svc_audit_record(ctx, "deadlines.list", f->case_id > 0 ? "case" : "duty", f->case_id > 0 ? oid : NULL,
				  detail)) < 0) {
		json_decref(list);
		return r;
	}
	return page_answer(&p, list, ret);
}

/* ---- the sweep ---- */

struct due_duty {
	int64_t id, case_id, owner_id;
	char number[32], name[200], due[32];
	bool overdue;
};

/* Notify the owner and every active HART user of one duty, in the app and
 * by e-mail; the text names the case and the duty, never the child. */
static int notify(struct db *db, struct app *app, const struct due_duty *d, const char *ts)
{
	char text[400], subject[300], body[900], case_id[24], due[64];
	fmt_id(case_id, d->case_id);
	/* The due time as the agency's clocks show it ("Mar 14, 2027, 1:00 PM
	 * EDT"): a person reads it, in the app and by e-mail. */
	hl_time due_t;
	if (time_parse(d->due, &due_t) < 0 || local_words(due_t, due, sizeof due) < 0)
		(void)str_copy(due, sizeof due, d->due);
	if (d->overdue) {
		snprintf(text, sizeof text, "Case %s: %s is overdue (it was due %s)", d->number, d->name, due);
		snprintf(subject, sizeof subject, "[hartline] Overdue: %s, case %s", d->name, d->number);
	} else {
		snprintf(text, sizeof text, "Case %s: %s is due %s", d->number, d->name, due);
		snprintf(subject, sizeof subject, "[hartline] Due soon: %s, case %s", d->name, d->number);
	}
	snprintf(body, sizeof body,
		 "%s.\n\nOpen the case in hartline: %s/#case/%s\n\n"
		 "This message names no child. The case, and what is known, are in hartline.\n",
		 text, app->public_url ? app->public_url : "", case_id);
	const char *kind = d->overdue ? "deadline_overdue" : "deadline_due_soon";
	const struct recipients to = {.who = RCPT_HART | RCPT_USER, .user_id = d->owner_id};
	int r = notify_insert(db, &to, kind, "case", case_id, text, ts);
	if (r < 0)
		return r;
	return mailer_queue(db, app, &to, subject, body, "case", case_id);
}

static int due_duty_read(struct db_stmt *st, void *element, void *arg)
{
	(void)arg;
	struct due_duty *d = element;
	memset(d, 0, sizeof *d);
	d->id = db_column_int64(st, 0);
	d->case_id = db_column_int64(st, 1);
	d->owner_id = db_column_is_null(st, 2) ? 0 : db_column_int64(st, 2);
	/* A name too long for the notice is cut short there, not refused. */
	(void)str_copy(d->number, sizeof d->number, db_column_text(st, 3));
	(void)str_copy(d->name, sizeof d->name, db_column_text(st, 4));
	(void)str_copy(d->due, sizeof d->due, db_column_text(st, 5));
	d->overdue = db_column_int64(st, 6) != 0;
	return 0;
}

/* The duties whose notice is due: overdue and not yet told, or due before
 * soon and not yet reminded. Two plain conditions, each served by an
 * index (duty_overdue_untold; duty_unmet): one of the two ORed together
 * read every duty not met, once a minute. */
static int due_duties(struct db *db, const char *now_ts, const char *soon, struct due_duty **ret, size_t *ret_n)
{
	void *v;
	size_t n;
	int r = db_rowsf(db, sizeof(struct due_duty), due_duty_read, NULL, &v, &n,
			 "SELECT d.id, d.case_id, d.owner_id, c.number, d.name, d.due_at, 1"
			 " FROM duty d JOIN child_case c ON c.id = d.case_id WHERE d.met_at IS NULL"
			 " AND d.overdue_notified_at IS NULL AND d.due_at < ?"
			 " UNION ALL SELECT d.id, d.case_id, d.owner_id, c.number, d.name, d.due_at, 0"
			 " FROM duty d JOIN child_case c ON c.id = d.case_id WHERE d.met_at IS NULL"
			 " AND d.due_at >= ? AND d.due_at <= ? AND d.reminded_at IS NULL"
			 " ORDER BY 6, 1",
			 "ttt", now_ts, now_ts, soon);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Claim the notice first: of two sweeps at once (the server's and
 * `hartline deadlines sweep`), only the one whose update finds it unsent
 * sends it. */
static int claim(struct db *db, const struct due_duty *d, const char *now_ts, bool *ret)
{
	int64_t n = 0;
	int r = db_execnf(db, &n,
			  d->overdue ? "UPDATE duty SET overdue_notified_at = ? WHERE id = ? AND overdue_notified_at IS NULL"
				       " AND met_at IS NULL RETURNING id"
				     : "UPDATE duty SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL"
				       " AND met_at IS NULL RETURNING id",
			  "ti", now_ts, d->id);
	*ret = n > 0;
	return r;
}

/* Several servers on one PostgreSQL database take turns: a sweep holds
 * this advisory lock until its transaction ends, and a server that finds it
 * held leaves the sweep to the one holding it (docs/operations.md, "More
 * than one server"). The claims below would keep each notice single
 * anyway; the lock keeps two sweeps from doing the same work and waiting
 * on each other's rows. SQLite has one server. */
int svc_sweep_lock(struct db *db, enum sweep_lock which)
{
	if (db_engine(db) != DB_POSTGRESQL)
		return 0;
	/* "hart" in the high half, the sweep in the low one. */
	int64_t got = 0, key = (INT64_C(0x68617274) << 32) | (int64_t)which;
	int r = db_int64f(db, &got, "SELECT CASE WHEN pg_try_advisory_xact_lock(CAST(? AS BIGINT)) THEN 1 ELSE 0 END",
			  "i", key);
	return r < 0 ? r : got ? 0 : ERR_BUSY;
}

int svc_deadlines_sweep(struct app *app, hl_time t, struct sweep_result *ret)
{
	struct db *db;
	int r = app_db(app, &db);
	if (r < 0)
		return r;
	const struct pack_deadline *rem = pack_deadline(app->pack, "reminder_before");
	char now_ts[32], soon[32];
	/* Without reminder_before in the pack only the overdue notice is sent. */
	if ((r = time_format(t, now_ts, sizeof now_ts)) < 0 ||
	    (r = time_format(rem ? t + rem->minutes * MINUTE : t - 1, soon, sizeof soon)) < 0)
		return r;
	struct sweep_result res = {0, 0};
	struct due_duty *list = NULL;
	size_t n = 0;
	if ((r = db_begin(db)) < 0)
		return r;
	/* The duties come due since the last sweep join their regions'
	 * overdue counts (service/counts.h). */
	if ((r = svc_sweep_lock(db, SWEEP_LOCK_DEADLINES)) < 0 || (r = counts_overdue_sweep(db, t, NULL)) < 0 ||
	    (r = due_duties(db, now_ts, soon, &list, &n)) < 0)
		goto fail;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		bool claimed;
		if ((r = claim(db, &list[i], now_ts, &claimed)) < 0 || !claimed)
			continue;
		if ((r = notify(db, app, &list[i], now_ts)) < 0)
			break;
		if (list[i].overdue)
			res.overdue++;
		else
			res.due_soon++;
	}
	free(list);
	if (r < 0 || (r = db_commit(db)) < 0)
		goto fail;
	if (res.due_soon + res.overdue > 0)
		mailer_kick(app);
	if (ret)
		*ret = res;
	return 0;
fail:
	db_rollback(db);
	return r;
}
