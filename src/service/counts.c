/* counts.c: the dashboard's counts per region, kept in dashboard_count as
 * the rows they count change (counts.h). */
#include "service/counts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/pack.h"

#define ITEM_OVERDUE "overdue"
#define ITEM_MISSING "missing"
#define CASE_PREFIX "case."

/* Add delta to region's item, making the row when there is none. */
static int add(struct db *db, const char *region, const char *item, int64_t delta)
{
	if (delta == 0)
		return 0;
	return db_execf(db,
	                "INSERT INTO dashboard_count (region, item, n) VALUES (?, ?, ?)"
	                " ON CONFLICT (region, item) DO UPDATE SET n = dashboard_count.n + excluded.n",
	                "tti", region ? region : "", item, delta);
}

int counts_case_status(struct db *db, const char *region, const char *from, const char *to)
{
	char item[48];
	int r = 0;
	if (from && to && strcmp(from, to) == 0)
		return 0;
	if (from && (r = snprintf(item, sizeof item, CASE_PREFIX "%s", from)) >= 0 && (size_t)r < sizeof item)
		r = add(db, region, item, -1);
	else if (from)
		return ERR_INVAL;
	if (r < 0)
		return r;
	if (to && (r = snprintf(item, sizeof item, CASE_PREFIX "%s", to)) >= 0 && (size_t)r < sizeof item)
		return add(db, region, item, 1);
	return to ? ERR_INVAL : 0;
}

int counts_missing(struct db *db, int64_t case_id, int delta)
{
	/* WHERE before ON CONFLICT: SQLite reads the clause as the upsert's. */
	return db_execf(db,
	                "INSERT INTO dashboard_count (region, item, n) SELECT region, '" ITEM_MISSING "', ?"
	                " FROM child_case WHERE id = ?"
	                " ON CONFLICT (region, item) DO UPDATE SET n = dashboard_count.n + excluded.n",
	                "ii", (int64_t)delta, case_id);
}

int counts_duty_opened(struct db *db, int64_t duty_id)
{
	return db_execf(db,
	                "INSERT INTO duty_pending (duty_id, region, due_at)"
	                " SELECT id, COALESCE(region, ''), due_at FROM duty WHERE id = ? AND met_at IS NULL",
	                "i", duty_id);
}

/* Duty id out of the waiting duties, or, when it was not waiting (the
 * sweep had counted it), out of region's overdue count. */
static int leave(struct db *db, int64_t duty_id, const char *region)
{
	int64_t waiting = 0;
	int r = db_execnf(db, &waiting, "DELETE FROM duty_pending WHERE duty_id = ? RETURNING duty_id", "i", duty_id);
	if (r == 0 && waiting == 0)
		r = add(db, region, ITEM_OVERDUE, -1);
	return r;
}

int counts_duty_met(struct db *db, int64_t duty_id, const char *region)
{
	return leave(db, duty_id, region);
}

int counts_duty_moved(struct db *db, int64_t duty_id)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT COALESCE(region, '') FROM duty WHERE id = ? AND met_at IS NULL", "i", duty_id);
	if (r == ERR_NOTFOUND) /* met: in neither */
		return 0;
	if (r < 0)
		return r;
	char region[64];
	r = str_copy(region, sizeof region, db_column_text(st, 0));
	db_finalize(st);
	/* Waiting again, at its new due time, for the sweep to count it. */
	if (r == 0 && (r = leave(db, duty_id, region)) == 0)
		r = counts_duty_opened(db, duty_id);
	return r;
}

/* ---- counts per region, as many regions as there are ---- */

struct tally_row {
	char region[64];
	struct region_counts c;
};

struct tally {
	struct tally_row *rows;
	size_t n, cap;
};

static void tally_free(struct tally *t)
{
	free(t->rows);
	*t = (struct tally){0};
}

/* The row of region, made when new. */
static int tally_at(struct tally *t, const char *region, struct tally_row **ret)
{
	const char *reg = region ? region : "";
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].region, reg) == 0) {
			*ret = &t->rows[i];
			return 0;
		}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		struct tally_row *rows = realloc(t->rows, cap * sizeof *rows);
		if (!rows)
			return ERR_NOMEM;
		t->rows = rows;
		t->cap = cap;
	}
	struct tally_row *row = &t->rows[t->n];
	memset(row, 0, sizeof *row);
	if (str_copy(row->region, sizeof row->region, reg) < 0)
		return ERR_INVAL;
	t->n++;
	*ret = row;
	return 0;
}

/* Rows (region, n) of sql, bound to ts and to ts2 when there is one, into
 * each region's overdue, times sign. */
static int tally_overdue(struct db *db, struct tally *t, int sign, const char *sql, const char *ts, const char *ts2)
{
	struct db_stmt *st;
	int r = ts2 ? db_preparef(db, &st, sql, "tt", ts, ts2) : db_preparef(db, &st, sql, "t", ts);
	if (r < 0)
		return r;
	struct tally_row *row;
	while ((r = db_step(st)) == DB_ROW && (r = tally_at(t, db_column_text(st, 0), &row)) == 0)
		row->c.overdue += sign * db_column_int64(st, 1);
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* The kept rows (only: of one region), then the waiting duties already
 * due, less, when the time read at is before the sweep's mark, the counted
 * duties not due yet at it. */
static int tally_read(struct db *db, const char *only, hl_time t, struct tally *out)
{
	char ts[32], *mark = NULL;
	struct db_stmt *st;
	int r = time_format(t, ts, sizeof ts);
	if (r < 0 || (r = db_preparef(db, &st,
	                              "SELECT region, item, n FROM dashboard_count"
	                              " WHERE region = COALESCE(CAST(? AS TEXT), region)",
	                              "t", only)) < 0)
		return r;
	struct tally_row *row;
	while ((r = db_step(st)) == DB_ROW && (r = tally_at(out, db_column_text(st, 0), &row)) == 0) {
		const char *item = db_column_text(st, 1);
		int64_t n = db_column_int64(st, 2);
		if (!item)
			continue;
		if (strncmp(item, CASE_PREFIX, strlen(CASE_PREFIX)) == 0 && strcmp(item, CASE_PREFIX "closed") != 0)
			row->c.open_cases += n;
		else if (strcmp(item, ITEM_OVERDUE) == 0)
			row->c.overdue += n;
		else if (strcmp(item, ITEM_MISSING) == 0)
			row->c.missing += n;
	}
	db_finalize(st);
	if (r < 0 ||
	    (r = tally_overdue(db, out, 1, "SELECT region, COUNT(*) FROM duty_pending WHERE due_at < ? GROUP BY region",
	                       ts, NULL)) < 0 ||
	    (r = db_textf(db, &mark, "SELECT counted_before FROM dashboard_count_mark WHERE id = 1", "")) < 0)
		return r;
	/* Every counted duty was due before the mark: only one due between
	 * the time read at and the mark can be counted and not due yet. */
	if (mark && strcmp(ts, mark) < 0)
		r = tally_overdue(db, out, -1,
		                  "SELECT COALESCE(d.region, ''), COUNT(*) FROM duty d WHERE d.met_at IS NULL"
		                  " AND d.due_at >= ? AND d.due_at < ?"
		                  " AND NOT EXISTS (SELECT 1 FROM duty_pending p WHERE p.duty_id = d.id)"
		                  " GROUP BY COALESCE(d.region, '')",
		                  ts, mark);
	free(mark);
	return r;
}

int counts_read(struct db *db, const struct pack *pack, const char *only, hl_time t, struct region_counts *out)
{
	memset(out, 0, pack->n_regions * sizeof *out);
	struct tally all = {0};
	int r = tally_read(db, only, t, &all);
	for (size_t i = 0; r == 0 && i < all.n; i++)
		for (size_t k = 0; k < pack->n_regions; k++)
			if (strcmp(all.rows[i].region, pack->regions[k].id) == 0 &&
			    (!only || strcmp(only, pack->regions[k].id) == 0))
				out[k] = all.rows[i].c;
	tally_free(&all);
	return r;
}

/* ---- the sweep ---- */

int counts_overdue_sweep(struct db *db, hl_time t, int64_t *ret_counted)
{
	char ts[32];
	struct db_stmt *st;
	int r = time_format(t, ts, sizeof ts);
	/* The mark with the counts: a reader sees both or neither. */
	if (r < 0 ||
	    (r = db_execf(db, "UPDATE dashboard_count_mark SET counted_before = ? WHERE id = 1 AND counted_before < ?",
	                  "tt", ts, ts)) < 0 ||
	    (r = db_preparef(db, &st, "DELETE FROM duty_pending WHERE due_at < ? RETURNING region", "t", ts)) < 0)
		return r;
	/* The regions first, then their rows: one statement at a time. */
	struct tally got = {0};
	struct tally_row *row;
	int64_t total = 0;
	while ((r = db_step(st)) == DB_ROW && (r = tally_at(&got, db_column_text(st, 0), &row)) == 0) {
		row->c.overdue++;
		total++;
	}
	db_finalize(st);
	for (size_t i = 0; r >= 0 && i < got.n; i++)
		r = add(db, got.rows[i].region, ITEM_OVERDUE, got.rows[i].c.overdue);
	tally_free(&got);
	if (r < 0)
		return r;
	if (ret_counted)
		*ret_counted = total;
	return 0;
}

/* ---- recounting ---- */

/* The counts as the rows have them, as (region, item, n): the cases by
 * status, the children missing now, the duties not met and not waiting. */
#define RECOUNT                                                                                                        \
	"SELECT region, '" CASE_PREFIX "' || status AS item, COUNT(*) AS n FROM child_case GROUP BY region, status"    \
	" UNION ALL SELECT COALESCE(d.region, ''), '" ITEM_OVERDUE "', COUNT(*) FROM duty d"                           \
	" WHERE d.met_at IS NULL AND NOT EXISTS (SELECT 1 FROM duty_pending p WHERE p.duty_id = d.id)"                 \
	" GROUP BY COALESCE(d.region, '')"                                                                             \
	" UNION ALL SELECT c.region, '" ITEM_MISSING "', COUNT(*) FROM missing_episode m"                              \
	" JOIN child_case c ON c.id = m.case_id WHERE m.located_at IS NULL GROUP BY c.region"

int counts_rebuild(struct db *db, hl_time t)
{
	char ts[32];
	bool own = !db_in_transaction(db);
	int r = time_format(t, ts, sizeof ts);
	if (r < 0 || (own && (r = db_begin(db)) < 0))
		return r;
	if ((r = db_exec(db, "DELETE FROM dashboard_count")) < 0 || (r = db_exec(db, "DELETE FROM duty_pending")) < 0 ||
	    (r = db_execf(db,
	                  "INSERT INTO duty_pending (duty_id, region, due_at) SELECT id, COALESCE(region, ''), due_at"
	                  " FROM duty WHERE met_at IS NULL AND due_at >= ?",
	                  "t", ts)) < 0 ||
	    (r = db_execf(db, "UPDATE dashboard_count_mark SET counted_before = ? WHERE id = 1", "t", ts)) < 0 ||
	    (r = db_exec(db, "INSERT INTO dashboard_count (region, item, n) " RECOUNT)) < 0) {
		if (own)
			db_rollback(db);
		return r;
	}
	return own ? db_commit(db) : 0;
}

/* The first kept row the recount does not agree with, into why. */
static int check_rows(struct db *db, bool *ret_ok, char *why, size_t size)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
	                "WITH t (region, item, n) AS (" RECOUNT ")"
	                " SELECT k.region, k.item, k.n, COALESCE(t.n, 0) FROM dashboard_count k"
	                " LEFT JOIN t ON t.region = k.region AND t.item = k.item WHERE k.n <> COALESCE(t.n, 0)"
	                " UNION ALL SELECT t.region, t.item, 0, t.n FROM t WHERE NOT EXISTS"
	                " (SELECT 1 FROM dashboard_count k WHERE k.region = t.region AND k.item = t.item)",
	                "");
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	*ret_ok = false;
	snprintf(why, size, "%s %s: kept %lld, counted %lld", db_column_text(st, 0), db_column_text(st, 1),
	         (long long)db_column_int64(st, 2), (long long)db_column_int64(st, 3));
	db_finalize(st);
	return 0;
}

/* The overdue duties each region's count gives at t against a count of
 * them, and the sweep's mark against the duties counted. */
static int check_overdue(struct db *db, hl_time t, bool *ret_ok, char *why, size_t size)
{
	char ts[32];
	struct tally read = {0}, truth = {0};
	int64_t late = 0;
	int r = time_format(t, ts, sizeof ts);
	if (r == 0)
		r = tally_read(db, NULL, t, &read);
	if (r == 0)
		r = tally_overdue(db, &truth, 1,
		                  "SELECT COALESCE(region, ''), COUNT(*) FROM duty WHERE met_at IS NULL AND due_at < ?"
		                  " GROUP BY COALESCE(region, '')",
		                  ts, NULL);
	/* Each region either list names, in both. */
	struct tally_row *row;
	for (size_t i = 0; r == 0 && i < truth.n; i++)
		r = tally_at(&read, truth.rows[i].region, &row);
	for (size_t i = 0; r == 0 && *ret_ok && i < read.n; i++) {
		int64_t want = 0;
		for (size_t k = 0; k < truth.n; k++)
			if (strcmp(truth.rows[k].region, read.rows[i].region) == 0)
				want = truth.rows[k].c.overdue;
		if (read.rows[i].c.overdue != want) {
			*ret_ok = false;
			snprintf(why, size, "%s overdue at %s: kept %lld, counted %lld", read.rows[i].region, ts,
			         (long long)read.rows[i].c.overdue, (long long)want);
		}
	}
	tally_free(&read);
	tally_free(&truth);
	/* Each waiting duty as its duty is, and none counted due after the
	 * mark (the reading above relies on it). */
	if (r == 0 && *ret_ok &&
	    (r = db_int64f(db, &late,
	                   "SELECT (SELECT COUNT(*) FROM duty_pending p JOIN duty d ON d.id = p.duty_id"
	                   " WHERE d.met_at IS NOT NULL OR d.due_at <> p.due_at OR COALESCE(d.region, '') <> p.region)"
	                   " + (SELECT COUNT(*) FROM duty d WHERE d.met_at IS NULL AND d.due_at >="
	                   " (SELECT counted_before FROM dashboard_count_mark WHERE id = 1)"
	                   " AND NOT EXISTS (SELECT 1 FROM duty_pending p WHERE p.duty_id = d.id))",
	                   "")) == 0 &&
	    late > 0) {
		*ret_ok = false;
		snprintf(why, size, "%lld duties waiting to be counted are not as their duties are", (long long)late);
	}
	return r;
}

int counts_check(struct db *db, hl_time t, bool *ret_ok, char *why, size_t size)
{
	*ret_ok = true;
	if (size)
		why[0] = '\0';
	int r = db_read_begin(db);
	if (r < 0)
		return r;
	r = check_rows(db, ret_ok, why, size);
	if (r == 0 && *ret_ok)
		r = check_overdue(db, t, ret_ok, why, size);
	db_read_end(db);
	return r;
}
