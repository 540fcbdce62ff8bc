/* merge.c: two records found to be one child, merged with a reason, and
 * the merge undone exactly (docs/recovery.md, "Merging records").
 *
 * Every row that names the merged record follows to the kept one, and the
 * merge keeps the list of the rows it moved (table, column, row id): an
 * undo puts back those rows and no others, so a report linked to the kept
 * child after the merge stays with it. */
#include "service/persons/persons_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/child.h"
#include "service/figures.h"
#include "service/persons.h"
#include "service/sealed.h"

#define REASON_MIN 10

/* Every column that names a person and follows it in a merge. The names
 * are constants, the only table and column words written into SQL here;
 * an undo reads them back from the merge and takes only these. */
static const struct {
	const char *table, *column;
} links[] = {
	{"intake_child", "person_id"},
	{"child_case", "person_id"},
	{"service_referral", "person_id"},
	{"relief_record", "person_id"},
	{"attachment", "person_id"},
};
#define NLINKS (sizeof links / sizeof links[0])

static const struct field_rule merge_fields[] = {
	{"other_id", FT_ID, .required = true},
	{"reason", FT_STRING, .required = true, .max_len = PERSONS_REASON_MAX},
	{.key = NULL},
};
const struct schema svc_person_merge_schema = {.name = "person merge", .fields = merge_fields};

static const struct field_rule undo_fields[] = {
	{"reason", FT_STRING, .required = true, .max_len = PERSONS_REASON_MAX},
	{.key = NULL},
};
const struct schema svc_person_merge_undo_schema = {.name = "person merge undo", .fields = undo_fields};

static void check_reason(const json_t *body, const char *why, struct field_errors *errs)
{
	size_t n = 0;
	for (const char *s = json_get_str(body, "reason"); s && *s; s++)
		n += !isspace((unsigned char)*s);
	if (n < REASON_MIN)
		field_error_add(errs, "reason", "%s, in at least %d characters", why, REASON_MIN);
}

/* ---- moving the rows ---- */

/* Repoint one row of links[k] from `from` to `to`; *ret_moved: whether it
 * still named `from` (an undo skips a row that has moved on since). A
 * report's child takes its figures key along. */
static int move_row(struct db *db, size_t k, int64_t row, int64_t from, int64_t to, bool *ret_moved)
{
	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE id = ? AND %s = ? RETURNING id", links[k].table,
		 links[k].column, links[k].column);
	int64_t n = 0;
	int r = db_execnf(db, &n, sql, "iii", to, row, from);
	if (r < 0 || !n) {
		*ret_moved = false;
		return r;
	}
	*ret_moved = true;
	if (strcmp(links[k].table, "intake_child") != 0)
		return 0;
	struct db_stmt *st;
	if ((r = db_rowf(db, &st, "SELECT intake_id, position FROM intake_child WHERE id = ?", "i", row)) < 0)
		return r;
	int64_t intake = db_column_int64(st, 0), position = db_column_int64(st, 1);
	db_finalize(st);
	return figures_child_linked(db, intake, (int)position, to);
}

static int read_id(struct db_stmt *st, void *element, void *arg)
{
	(void)arg;
	*(int64_t *)element = db_column_int64(st, 0);
	return 0;
}

/* Move every row of every link from other to kept, listed in moved. */
static int move_all(struct db *db, int64_t other, int64_t kept, json_t *moved)
{
	int r = 0;
	for (size_t k = 0; k < NLINKS && r == 0; k++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE %s = ? ORDER BY id", links[k].table, links[k].column);
		int64_t *ids = NULL;
		size_t n = 0;
		r = db_rowsf(db, sizeof *ids, read_id, NULL, (void **)&ids, &n, sql, "i", other);
		for (size_t i = 0; i < n && r == 0; i++) {
			bool done;
			if ((r = move_row(db, k, ids[i], other, kept, &done)) == 0 &&
			    json_array_append_new(moved, json_pack("{s:s, s:s, s:I}", "table", links[k].table, "column",
								   links[k].column, "id", (json_int_t)ids[i])) < 0)
				r = ERR_NOMEM;
		}
		free(ids);
	}
	return r;
}

#ifdef HARTLINE_TEST_HOOKS
void (*persons_merge_race)(struct db *db);
#define RACE(db) (persons_merge_race ? persons_merge_race(db) : (void)0)
#else
#define RACE(db) ((void)0)
#endif

/* On PostgreSQL, hold both person rows until the transaction ends (in id
 * order, so two merges of the same pair wait instead of deadlocking); on
 * SQLite BEGIN IMMEDIATE (db_sqlite.c) already holds the database. */
static int lock_rows(struct db *db, const char *sql, int64_t a, int64_t b)
{
	if (db_engine(db) == DB_SQLITE)
		return 0;
	struct db_stmt *st;
	int r = db_preparef(db, &st, sql, "ii", a, b);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW)
		;
	db_finalize(st);
	return r < 0 ? r : 0;
}

static int lock_persons(struct db *db, int64_t a, int64_t b)
{
	return lock_rows(db, "SELECT id FROM person WHERE id IN (?, ?) ORDER BY id FOR UPDATE", a, b);
}

/* The merge mid and its two records (the same order as lock_persons). */
static int lock_merge(struct db *db, int64_t mid)
{
	return lock_rows(db,
			 "SELECT p.id FROM person_merge m JOIN person p ON p.id = m.kept_id OR p.id = m.merged_id"
			 " WHERE m.id = ? AND m.id = ? ORDER BY p.id FOR UPDATE",
			 mid, mid);
}

/* After the commit, put root's group in the registry as it now stands.
 * The merge or undo stands whatever happens here: a failure is logged and
 * the group refreshed again before the next lookup. */
static void registry_follow(struct app *app, struct db *db, int64_t root)
{
	persons_registry_changed(app);
	int r = persons_registry_sync(app, db);
	if (r < 0) {
		log_warn("registry_refresh", "person=%lld error=%s retry=next_lookup", (long long)root, err_str(r));
		persons_registry_later(app, root);
	}
}

/* ---- merging ---- */

/* The checks a merge makes of the two records: ERR_NOTFOUND for no kept
 * record, ERR_INVAL with errs, ERR_CONFLICT with cf. */
static int merge_check(struct db *db, int64_t id, int64_t other, struct field_errors *errs,
		       struct case_conflict *cf)
{
	int64_t kept_into, other_into;
	int r = persons_merged_into(db, id, &kept_into);
	if (r < 0)
		return r;
	if (other == id) {
		field_error_add(errs, "other_id", "A record cannot be merged with itself: choose the other record");
		return ERR_INVAL;
	}
	if ((r = persons_merged_into(db, other, &other_into)) == ERR_NOTFOUND) {
		field_error_add(errs, "other_id", "There is no record %lld: choose the record from the search", (long long)other);
		return ERR_INVAL;
	}
	if (r < 0)
		return r;
	if (kept_into || other_into) {
		persons_conflict(cf, "conflict", "Record %lld was already merged into record %lld: merge with that one instead",
				 (long long)(kept_into ? id : other), (long long)(kept_into ? kept_into : other_into));
		return ERR_CONFLICT;
	}
	/* A child has at most one case open (child_case_one_open). */
	struct db_stmt *st;
	char numbers[2][24] = {"", ""};
	int n = 0;
	if ((r = db_preparef(db, &st,
			     "SELECT number FROM child_case WHERE person_id IN (?, ?) AND status <> 'closed' ORDER BY id",
			     "ii", id, other)) < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && n < 2)
		str_copy(numbers[n++], sizeof numbers[0], db_column_text(st, 0));
	db_finalize(st);
	if (r < 0)
		return r;
	if (n == 2) {
		persons_conflict(cf, "conflict",
				 "Both records have a case open (%s and %s), and a child has one open case at most: close "
				 "one of them, then merge",
				 numbers[0], numbers[1]);
		return ERR_CONFLICT;
	}
	return 0;
}

/* Mark other merged into id, only while neither is merged (whatever
 * happened since the checks): ERR_CONFLICT with cf when one is. */
static int mark_merged(struct db *db, int64_t id, int64_t other, const char *ts, struct case_conflict *cf)
{
	int64_t n = 0;
	int r = db_execnf(db, &n,
			  "UPDATE person SET merged_into = ?, version = version + 1, updated_at = ? WHERE id = ?"
			  " AND merged_into IS NULL AND (SELECT k.merged_into FROM person k WHERE k.id = ?) IS NULL RETURNING id",
			  "itii", id, ts, other, id);
	if (r == 0 && n != 1) {
		persons_conflict(cf, "conflict", "Record %lld or %lld was merged a moment ago: reload the page and look again",
				 (long long)id, (long long)other);
		r = ERR_CONFLICT;
	}
	/* Every server's registry finds the merged record as the kept one. */
	if (r == 0 && (r = persons_seq_mark(db, other)) == 0)
		r = persons_seq_mark(db, id);
	return r;
}

static int merge_write(const struct svc_ctx *ctx, struct db *db, int64_t id, int64_t other, const char *reason,
		       struct case_conflict *cf, int64_t *ret_mid, size_t *ret_moved)
{
	char ts[32];
	json_t *moved = json_array();
	char *text = NULL;
	int r = moved ? time_format(now(), ts, sizeof ts) : ERR_NOMEM;
	if (r == 0)
		r = mark_merged(db, id, other, ts, cf);
	if (r == 0)
		r = move_all(db, other, id, moved);
	if (r == 0 && !(text = json_dump_text(moved, JSON_COMPACT)))
		r = ERR_NOMEM;
	if (r == 0)
		r = db_int64f(db, ret_mid,
			      "INSERT INTO person_merge (kept_id, merged_id, moved, merged_by, merged_at)"
			      " VALUES (?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?) RETURNING id",
			      "iitit", id, other, text, ctx->actor->user_id, ts);
	if (r == 0)
		r = sealed_put(db, ctx->app, "person_merge", "reason", *ret_mid, reason);
	*ret_moved = json_array_size(moved);
	if (r == 0)
		r = svc_audit_appendf(db, ctx, "person.merge", "person", id, "merge=%lld merged=%lld moved=%zu",
				      (long long)*ret_mid, (long long)other, *ret_moved);
	free(text);
	json_decref(moved);
	return r;
}

int svc_person_merge(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		     struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_PERSONS_MERGE, &db);
	if (r < 0)
		return r;
	if (schema_check(&svc_person_merge_schema, body, errs) == 0)
		check_reason(body, "Say why these two records are one child", errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	int64_t other = json_integer_value(json_object_get(body, "other_id")), mid;
	size_t moved;
	/* The checks inside the transaction, so that no other merge comes between. */
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = lock_persons(db, id, other)) < 0 || (r = merge_check(db, id, other, errs, cf)) < 0 ||
	    (RACE(db), (r = merge_write(ctx, db, id, other, json_get_str(body, "reason"), cf, &mid, &moved)) < 0) ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	/* The merged record is no longer a candidate; its names find the kept. */
	registry_follow(ctx->app, db, id);
	*ret = json_pack("{s:I, s:I, s:I, s:I}", "id", (json_int_t)mid, "kept_id", (json_int_t)id, "merged_id",
			 (json_int_t)other, "moved", (json_int_t)moved);
	return *ret ? 0 : ERR_NOMEM;
}

/* ---- undoing ---- */

struct merge_row {
	int64_t kept, merged, kept_into;
	bool undone;
	char undone_at[32];
	json_t *moved;
};

static int merge_load(struct db *db, int64_t mid, struct merge_row *m)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT m.kept_id, m.merged_id, m.moved, m.undone_at, p.merged_into FROM person_merge m"
			" JOIN person p ON p.id = m.kept_id WHERE m.id = ?",
			"i", mid);
	if (r < 0)
		return r;
	m->kept = db_column_int64(st, 0);
	m->merged = db_column_int64(st, 1);
	m->undone = !db_column_is_null(st, 3);
	str_copy(m->undone_at, sizeof m->undone_at, m->undone ? db_column_text(st, 3) : "");
	m->kept_into = db_column_is_null(st, 4) ? 0 : db_column_int64(st, 4);
	r = json_load_stored(db_column_text(st, 2), &m->moved);
	db_finalize(st);
	if (r == 0 && !json_is_array(m->moved)) {
		json_decref(m->moved);
		r = ERR_PARSE;
	}
	return r;
}

/* Which of links a stored entry names; NLINKS when none. */
static size_t link_of(const json_t *e)
{
	const char *t = json_get_str(e, "table"), *c = json_get_str(e, "column");
	for (size_t k = 0; t && c && k < NLINKS; k++)
		if (strcmp(t, links[k].table) == 0 && strcmp(c, links[k].column) == 0)
			return k;
	return NLINKS;
}

/* An undo that would leave the merged record with two open cases. */
static int undo_check(struct db *db, const struct merge_row *m, struct case_conflict *cf)
{
	int64_t open_now = 0, open_back = 0;
	size_t i;
	json_t *e;
	int r = db_int64f(db, &open_now, "SELECT count(*) FROM child_case WHERE person_id = ? AND status <> 'closed'",
			  "i", m->merged);
	json_array_foreach(m->moved, i, e)
	{
		int64_t n = 0;
		if (r == 0 && link_of(e) < NLINKS && strcmp(json_get_str(e, "table"), "child_case") == 0 &&
		    (r = db_int64f(db, &n,
				   "SELECT count(*) FROM child_case WHERE id = ? AND person_id = ? AND status <> 'closed'",
				   "ii", (int64_t)json_integer_value(json_object_get(e, "id")), m->kept)) == 0)
			open_back += n;
	}
	if (r < 0)
		return r;
	if (open_now + open_back > 1) {
		persons_conflict(cf, "conflict",
				 "Record %lld has a case open of its own now, and the merge would give it back another: "
				 "close one of them, then undo",
				 (long long)m->merged);
		return ERR_CONFLICT;
	}
	return 0;
}

/* Whether relief_link l names a record of person ? and not of person ?
 * (a report naming both children names neither alone). */
#define LINK_OF                                                                                                 \
	"((l.kind = 'case' AND EXISTS (SELECT 1 FROM child_case c WHERE c.id = l.object_id AND c.person_id = ?))"  \
	" OR (l.kind = 'intake' AND EXISTS (SELECT 1 FROM intake_child ic WHERE ic.intake_id = l.object_id"        \
	" AND ic.person_id = ?) AND NOT EXISTS (SELECT 1 FROM intake_child ic WHERE ic.intake_id = l.object_id"    \
	" AND ic.person_id = ?)))"

struct relief_side {
	int64_t id, merged, kept; /* the relief record; its links to each child */
};

static int read_side(struct db_stmt *st, void *element, void *arg)
{
	(void)arg;
	struct relief_side *r = element;
	r->id = db_column_int64(st, 0);
	r->merged = db_column_int64(st, 1);
	r->kept = db_column_int64(st, 2);
	return 0;
}

/* What was made on the kept record after the merge for the records the
 * undo gives back follows them: the services of each case given back,
 * and relief about those records only. Relief about records of both
 * children refuses the undo (ERR_CONFLICT with cf). *ret: the rows moved. */
static int undo_followers(struct db *db, const struct merge_row *m, struct case_conflict *cf, size_t *ret)
{
	size_t i, n = 0;
	json_t *e;
	int r = 0;
	json_array_foreach(m->moved, i, e)
	{
		int64_t rows = 0;
		if (r == 0 && link_of(e) < NLINKS && strcmp(json_get_str(e, "table"), "child_case") == 0 &&
		    (r = db_execnf(db, &rows,
				   "UPDATE service_referral SET person_id = ? WHERE case_id = ? AND person_id = ?"
				   " AND EXISTS (SELECT 1 FROM child_case c WHERE c.id = ? AND c.person_id = ?) RETURNING id",
				   "iiiii", m->merged, (int64_t)json_integer_value(json_object_get(e, "id")), m->kept,
				   (int64_t)json_integer_value(json_object_get(e, "id")), m->merged)) == 0)
			*ret += (size_t)rows;
	}
	struct relief_side *sides = NULL;
	if (r == 0)
		r = db_rowsf(db, sizeof *sides, read_side, NULL, (void **)&sides, &n,
			     "SELECT r.id, (SELECT count(*) FROM relief_link l WHERE l.relief_id = r.id AND " LINK_OF "),"
			     " (SELECT count(*) FROM relief_link l WHERE l.relief_id = r.id AND " LINK_OF ")"
			     " FROM relief_record r WHERE r.person_id = ? ORDER BY r.id",
			     "iiiiiii", m->merged, m->merged, m->kept, m->kept, m->kept, m->merged, m->kept);
	for (i = 0; r == 0 && i < n; i++) {
		if (sides[i].merged && sides[i].kept) {
			persons_conflict(cf, "conflict",
					 "Relief record %lld is about records of both children (records %lld and %lld): "
					 "record relief for each child apart, then undo",
					 (long long)sides[i].id, (long long)m->kept, (long long)m->merged);
			r = ERR_CONFLICT;
		} else if (sides[i].merged &&
			   (r = db_execf(db, "UPDATE relief_record SET person_id = ? WHERE id = ?", "ii", m->merged,
					 sides[i].id)) == 0)
			(*ret)++;
	}
	free(sides);
	return r;
}

static int undo_write(const struct svc_ctx *ctx, struct db *db, int64_t mid, const struct merge_row *m,
		      const char *reason, struct case_conflict *cf, size_t *ret_restored)
{
	char ts[32];
	size_t i, restored = 0;
	json_t *e;
	int r = time_format(now(), ts, sizeof ts);
	int64_t n = 0;
	/* Only while it stands as the checks saw it. */
	if (r == 0)
		r = db_execnf(db, &n,
			      "UPDATE person_merge SET undone_by = NULLIF(CAST(? AS BIGINT), 0), undone_at = ? WHERE id = ?"
			      " AND undone_at IS NULL AND (SELECT p.merged_into FROM person p WHERE p.id = ?) IS NULL"
			      " AND (SELECT p.merged_into FROM person p WHERE p.id = ?) = ? RETURNING id",
			      "itiiii", ctx->actor->user_id, ts, mid, m->kept, m->merged, m->kept);
	if (r == 0 && n != 1) {
		persons_conflict(cf, "conflict", "This merge was undone or changed a moment ago: reload the page and look again");
		r = ERR_CONFLICT;
	}
	json_array_foreach(m->moved, i, e)
	{
		size_t k = link_of(e);
		bool done = false;
		if (r == 0 && k < NLINKS &&
		    (r = move_row(db, k, json_integer_value(json_object_get(e, "id")), m->kept, m->merged, &done)) == 0)
			restored += done;
	}
	size_t followed = 0;
	if (r == 0)
		r = undo_followers(db, m, cf, &followed);
	if (r == 0)
		r = db_execf(db, "UPDATE person SET merged_into = NULL, version = version + 1, updated_at = ? WHERE id = ?",
			     "ti", ts, m->merged);
	/* ... and as itself again, the kept one without its names. */
	if (r == 0 && (r = persons_seq_mark(db, m->merged)) == 0)
		r = persons_seq_mark(db, m->kept);
	if (r == 0)
		r = sealed_put(db, ctx->app, "person_merge", "undo_reason", mid, reason);
	if (r == 0)
		r = svc_audit_appendf(db, ctx, "person.merge_undo", "person", m->kept, "merge=%lld merged=%lld restored=%zu followed=%zu",
				      (long long)mid, (long long)m->merged, restored, followed);
	*ret_restored = restored;
	return r;
}

int svc_person_merge_undo(const struct svc_ctx *ctx, int64_t mid, const json_t *body, struct field_errors *errs,
			  struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_PERSONS_MERGE, &db);
	if (r < 0)
		return r;
	if (schema_check(&svc_person_merge_undo_schema, body, errs) == 0)
		check_reason(body, "Say why the merge was wrong", errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	struct merge_row m = {0};
	/* The checks inside the transaction, so that no other undo or merge comes between. */
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = lock_merge(db, mid)) < 0 || (r = merge_load(db, mid, &m)) < 0) {
		db_rollback(db);
		return r;
	}
	size_t restored = 0;
	if (m.undone) {
		persons_conflict(cf, "conflict", "This merge was undone already (%s)", m.undone_at);
		r = ERR_CONFLICT;
	} else if (m.kept_into) {
		persons_conflict(cf, "conflict", "Record %lld has since been merged into record %lld: undo that merge first",
				 (long long)m.kept, (long long)m.kept_into);
		r = ERR_CONFLICT;
	}
	if (r == 0 && (r = undo_check(db, &m, cf)) == 0) {
		RACE(db);
		if ((r = undo_write(ctx, db, mid, &m, json_get_str(body, "reason"), cf, &restored)) == 0)
			r = db_commit(db);
	}
	if (r < 0)
		db_rollback(db);
	json_decref(m.moved);
	if (r < 0)
		return r;
	/* Both are found again as themselves. */
	registry_follow(ctx->app, db, m.kept);
	registry_follow(ctx->app, db, m.merged);
	*ret = json_pack("{s:I, s:I, s:I, s:I}", "id", (json_int_t)mid, "kept_id", (json_int_t)m.kept, "merged_id",
			 (json_int_t)m.merged, "restored", (json_int_t)restored);
	return *ret ? 0 : ERR_NOMEM;
}
