/* audit_view.c: the audit trail as an administrator reads it (audit.h):
 * filtered, a page at a time, each action in words, each person by name,
 * figure reads folded, and the same selection as a CSV file.
 *
 * Folding happens here, as the records are read: every read is still
 * written as its own record in the hash chain (audit.c), so the chain's
 * guarantees are those of every other record; the view only shows a run of
 * one person's reads of one figure within AUDIT_FOLD_SECONDS as one line
 * with a count and the first and last times. */
#include "service/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/csv.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/audit_labels.h"
#include "service/sealed.h"

/* Records read to fill one folded page: a flood of figure reads is passed
 * over in one request, however long. */
#define FOLD_SCAN_MAX 20000
/* Records in one export; a larger selection is refused: choose dates. */
#define EXPORT_MAX 100000

/* The display names of the actors met on a page, read once each. */
struct names {
	char who[64][64];
	char *name[64];
	size_t n;
};

static void names_done(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->name[i]);
	nm->n = 0;
}

/* The display name of the user named username, or NULL (the command line,
 * a user gone, a failed login of no account). A record's actor is the
 * username it was written with; a login is written before its session. */
static int name_of(const struct svc_ctx *ctx, struct db *db, struct names *nm, const char *username, const char **ret)
{
	*ret = NULL;
	if (!username || !*username || strcmp(username, "cli") == 0 || strlen(username) >= sizeof nm->who[0])
		return 0;
	for (size_t i = 0; i < nm->n; i++)
		if (strcmp(nm->who[i], username) == 0) {
			*ret = nm->name[i];
			return 0;
		}
	struct db_stmt *st;
	char *name = NULL;
	int r = db_rowf(db, &st, "SELECT id, display_name FROM app_user WHERE username = ?", "t", username);
	if (r == 0) {
		r = sealed_get(ctx->app, st, 1, "app_user", "display_name", db_column_int64(st, 0), &name);
		db_finalize(st);
	}
	if (r < 0 && r != ERR_NOTFOUND)
		return r;
	if (nm->n == sizeof nm->who / sizeof *nm->who) {
		free(name);
		return 0;
	}
	str_copy(nm->who[nm->n], sizeof nm->who[0], username);
	nm->name[nm->n++] = name;
	*ret = name;
	return 0;
}

/* The records f selects, newest first, before the record before_seq
 * (0: from the newest), at most max. */
static int select_records(struct db *db, const struct audit_filter *f, int64_t before_seq, int max,
			  struct db_stmt **st)
{
	/* Each filter is "? IS NULL OR column = ?", so the SQL is fixed and
	 * every value is bound. */
	return db_preparef(db, st,
			   "SELECT seq, at, actor_id, actor, action, object_type, object_id, client, detail FROM audit"
			   " WHERE (CAST(? AS TEXT) IS NULL OR actor = ?)"
			   " AND (CAST(? AS TEXT) IS NULL OR object_type = ?)"
			   " AND (CAST(? AS TEXT) IS NULL OR object_id = ?)"
			   " AND (CAST(? AS TEXT) IS NULL OR action = ?)"
			   " AND (CAST(? AS TEXT) IS NULL OR at >= ?)"
			   " AND (CAST(? AS TEXT) IS NULL OR at < ?)"
			   " AND (? = 0 OR seq < ?)"
			   " ORDER BY seq DESC LIMIT ?",
			   "ttttttttttttiid", f->actor, f->actor, f->object_type, f->object_type, f->object_id,
			   f->object_id, f->action, f->action, f->from, f->from, f->to, f->to, before_seq, before_seq,
			   max);
}

static const char *col(struct db_stmt *st, int c)
{
	return db_column_text(st, c);
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The item of the current row of st: its record, its action in words and
 * its actor's name. */
static int item_json(const struct svc_ctx *ctx, struct db *db, struct names *nm, struct db_stmt *st, json_t **ret)
{
	const char *name;
	int r = name_of(ctx, db, nm, col(st, 3), &name);
	if (r < 0)
		return r;
	char words[128];
	json_t *j = json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:i}", "seq",
			      (json_int_t)db_column_int64(st, 0), "at", col(st, 1), "actor", col(st, 3), "actor_name",
			      name, "action", col(st, 4), "label", audit_action_words(col(st, 4), words, sizeof words),
			      "object_type", col(st, 5), "object_id", col(st, 6), "client", col(st, 7), "detail",
			      col(st, 8), "count", 1);
	if (!j)
		return ERR_NOMEM;
	if (db_column_int64(st, 2) > 0 && json_object_set_new(j, "actor_id", json_integer(db_column_int64(st, 2))) < 0) {
		json_decref(j);
		return ERR_NOMEM;
	}
	*ret = j;
	return 0;
}

/* The item of items the current row folds into, or NULL: a figure read by
 * the same person of the same figure, within the window of the item's
 * newest record. */
static json_t *fold_into(json_t *items, struct db_stmt *st)
{
	const char *action = col(st, 4);
	hl_time at;
	if (!audit_action_folds(action) || !col(st, 1) || time_parse(col(st, 1), &at) < 0)
		return NULL;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		hl_time newest;
		if (same(json_get_str(it, "action"), action) && same(json_get_str(it, "actor"), col(st, 3)) &&
		    same(json_get_str(it, "object_type"), col(st, 5)) && same(json_get_str(it, "object_id"), col(st, 6)) &&
		    time_parse(json_get_str(it, "at"), &newest) == 0 && newest - at <= (hl_time)AUDIT_FOLD_SECONDS * HL_USEC_PER_SEC)
			return it;
	}
	return NULL;
}

/* Count the current row into item it, which it folds into. */
static int fold_row(json_t *it, struct db_stmt *st)
{
	json_int_t n = json_integer_value(json_object_get(it, "count"));
	if (json_object_set_new(it, "count", json_integer(n + 1)) < 0 ||
	    json_object_set_new(it, "first_at", json_string(col(st, 1))) < 0 ||
	    json_object_set_new(it, "first_seq", json_integer(db_column_int64(st, 0))) < 0)
		return ERR_NOMEM;
	return 0;
}

/* Fill items from st, up to limit items; *last the seq of the last record
 * taken, *more whether records are left that were not taken. */
static int fill_page(const struct svc_ctx *ctx, struct db *db, struct db_stmt *st, bool fold, int limit, json_t *items,
		     int64_t *last, bool *more)
{
	struct names nm = {.n = 0};
	int r;
	*more = false;
	while ((r = db_step(st)) == DB_ROW) {
		json_t *into = fold ? fold_into(items, st) : NULL;
		if (into) {
			if ((r = fold_row(into, st)) < 0)
				break;
		} else {
			if (json_array_size(items) == (size_t)limit) {
				*more = true;
				break;
			}
			json_t *it;
			if ((r = item_json(ctx, db, &nm, st, &it)) < 0)
				break;
			if (json_array_append_new(items, it) < 0) {
				r = ERR_NOMEM;
				break;
			}
		}
		*last = db_column_int64(st, 0);
	}
	names_done(&nm);
	return r < 0 ? r : 0;
}

/* The view's one order, newest first; the cursor is the seq of the last
 * record the page took (for a folded page, the oldest record of its last
 * run). */
static const struct page_sort audit_sorts[] = {
	{"seq", "seq"},
	{NULL, NULL},
};
static const struct page_list audit_page_list = {"audit", "seq", audit_sorts, "-seq"};

int svc_audit_page(const struct svc_ctx *ctx, const struct audit_filter *f, bool fold, struct field_errors *errs,
		   json_t **ret)
{
	struct db *db;
	struct list_page p;
	int r = svc_enter(ctx, PERM_AUDIT_READ, &db);
	if (r < 0 || (r = page_parse(&audit_page_list, &f->page, &p, errs)) < 0)
		return r;
	if (!p.desc) {
		field_error_add(errs, "sort", "The audit trail is read newest first only: leave Sort out.");
		return ERR_INVAL;
	}
	int64_t before = p.has_after ? p.id : 0;
	int scan = fold ? FOLD_SCAN_MAX : p.limit + 1;
	struct db_stmt *st;
	if ((r = select_records(db, f, before, scan, &st)) < 0)
		return r;
	json_t *items = json_array();
	int64_t last = 0;
	bool more = false;
	r = items ? fill_page(ctx, db, st, fold, p.limit, items, &last, &more) : ERR_NOMEM;
	db_finalize(st);
	/* A folded scan that ended at its bound may have left records behind. */
	if (r == 0 && !more && fold && last > 0) {
		struct db_stmt *st2;
		if ((r = select_records(db, f, last, 1, &st2)) == 0) {
			more = db_step(st2) == DB_ROW;
			db_finalize(st2);
		}
	}
	if (r < 0) {
		json_decref(items);
		return r;
	}
	p.more = more;
	p.n = json_array_size(items);
	p.last_id = last;
	p.last_key[0] = '\0';
	return page_answer(&p, items, ret);
}

/* One record as a line of the export. */
static int export_line(const struct svc_ctx *ctx, struct db *db, struct names *nm, struct db_stmt *st, struct buf *out)
{
	const char *name;
	int r = name_of(ctx, db, nm, col(st, 3), &name);
	if (r < 0)
		return r;
	char words[128], seq[24];
	snprintf(seq, sizeof seq, "%lld", (long long)db_column_int64(st, 0));
	const char *fields[] = {col(st, 1), col(st, 3), name, audit_action_words(col(st, 4), words, sizeof words),
				col(st, 4), col(st, 5), col(st, 6), col(st, 7), col(st, 8)};
	r = csv_put_field(out, seq, false);
	for (size_t i = 0; r == 0 && i < sizeof fields / sizeof *fields; i++)
		if ((r = buf_putc(out, ',')) == 0)
			r = csv_put_field(out, fields[i], true);
	if (r == 0)
		r = buf_puts(out, "\r\n");
	return r < 0 ? ERR_NOMEM : 0;
}

int svc_audit_export(const struct svc_ctx *ctx, const struct audit_filter *f, struct buf *out)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_AUDIT_READ, &db);
	if (r < 0)
		return r;
	struct db_stmt *st;
	if ((r = select_records(db, f, 0, EXPORT_MAX + 1, &st)) < 0)
		return r;
	if (buf_puts(out, "Record,When,Username,Name,What happened,Action,On,Record id,From,Detail\r\n") < 0) {
		db_finalize(st);
		return ERR_NOMEM;
	}
	struct names nm = {.n = 0};
	int n = 0;
	while ((r = db_step(st)) == DB_ROW) {
		if (++n > EXPORT_MAX) {
			r = ERR_TOOBIG;
			break;
		}
		/* A name cache per thousand lines: an export meets many people. */
		if (n % 1000 == 0)
			names_done(&nm);
		if ((r = export_line(ctx, db, &nm, st, out)) < 0)
			break;
	}
	names_done(&nm);
	db_finalize(st);
	if (r < 0)
		return r;
	char detail[64];
	snprintf(detail, sizeof detail, "records=%d", n);
	return svc_audit_record(ctx, "audit.export", NULL, NULL, detail);
}

int svc_audit_actions(const struct svc_ctx *ctx, json_t **ret)
{
	int r = svc_require(ctx, PERM_AUDIT_READ);
	if (r < 0)
		return r;
	json_t *items = json_array();
	const char *action, *label;
	for (size_t i = 0; items && audit_action_at(i, &action, &label); i++)
		if (json_array_append_new(items, json_pack("{s:s, s:s}", "action", action, "label", label)) < 0) {
			json_decref(items);
			items = NULL;
		}
	json_t *out = items ? json_pack("{s:o, s:n}", "items", items, "next") : NULL;
	if (!out)
		return ERR_NOMEM;
	*ret = out;
	return 0;
}
