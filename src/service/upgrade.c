/* upgrade: seal the values an older schema kept in clear (migration 0013).
 *
 * A migration runs without the key, so it only adds the sealed columns;
 * this step, run by hartline init and migrate and at every start with the
 * key ring, moves each clear value into its sealed column and clears the
 * old one. It finds nothing to do once done, so running it again is cheap
 * and a crash half-way is finished by the next run. */
#include "service/upgrade.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/seal.h"

/* An old clear column and the sealed column that replaces it. not_null:
 * the old column is declared NOT NULL, so it keeps '' instead. */
static const struct {
	const char *table, *clear, *sealed;
	bool not_null;
} moves[] = {
	{"mandated_report", "officer", "officer_sealed", false},
	{"mandated_report", "reference", "reference_sealed", false},
	{"missing_episode", "ncmec_number", "ncmec_sealed", false},
	{"rapid_response", "responder", "responder_sealed", false},
	{"mdt_member", "name", "name_sealed", true},
	{"mdt_member", "email", "email_sealed", false},
	{"mdt_member", "phone", "phone_sealed", false},
	{"action_item", "owner", "owner_sealed", true},
	{"contact", "name", "name_sealed", true},
	{"contact", "phone", "phone_sealed", false},
	{"contact", "email", "email_sealed", false},
	{"intake_child", "gender_identity", "gender_sealed", false},
};

struct clear_row {
	int64_t id;
	char *text;
};

static void rows_free(struct clear_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (rows[i].text) {
			sodium_memzero(rows[i].text, strlen(rows[i].text));
			free(rows[i].text);
		}
	}
	free(rows);
}

/* One row (id, text) with a copy of the text. */
static int clear_row_read(struct db_stmt *st, void *element, void *arg)
{
	(void)arg;
	struct clear_row *row = element;
	const char *t = db_column_text(st, 1);
	row->id = db_column_int64(st, 0);
	return (row->text = strdup(t ? t : "")) ? 0 : ERR_NOMEM;
}

/* Every row of sql (id, text) into *ret. */
static int read_rows(struct db *db, const char *sql, struct clear_row **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	void *v;
	size_t n;
	int r = db_rowsf(db, sizeof(struct clear_row), clear_row_read, NULL, &v, &n, sql, "");
	struct clear_row *rows = v;
	if (r < 0) {
		rows_free(rows, n);
		return r;
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

/* Run one row's update and make the statement ready for the next. */
static int step_reset(struct db_stmt *st)
{
	int r = db_step(st);
	return r < 0 ? r : db_reset(st);
}

static int move_column(struct db *db, const struct keyring *keys, const struct pack *pack, size_t m,
		       int64_t *count)
{
	char sql[256];
	int n = snprintf(sql, sizeof sql, "SELECT id, %s FROM %s WHERE %s IS NOT NULL AND %s <> '' ORDER BY id",
			 moves[m].clear, moves[m].table, moves[m].clear, moves[m].clear);
	if (n < 0 || (size_t)n >= sizeof sql)
		return ERR_TOOBIG;
	struct clear_row *rows;
	size_t nrows;
	int r = read_rows(db, sql, &rows, &nrows);
	if (r < 0 || nrows == 0)
		return r;
	bool gender = strcmp(moves[m].sealed, "gender_sealed") == 0;
	n = snprintf(sql, sizeof sql, "UPDATE %s SET %s = ?, %s = %s%s WHERE id = ?", moves[m].table, moves[m].sealed,
		     moves[m].clear, moves[m].not_null ? "''" : "NULL", gender ? ", gender_category = ?" : "");
	struct db_stmt *up = NULL;
	r = n < 0 || (size_t)n >= sizeof sql ? ERR_TOOBIG : db_prepare(db, sql, &up);
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; r >= 0 && i < nrows; i++) {
		buf_clear(&b);
		if ((r = seal_value(keys, moves[m].table, moves[m].sealed, rows[i].id, rows[i].text,
				    strlen(rows[i].text), &b)) < 0)
			break;
		const struct pack_gender *g = gender ? pack_gender_of(pack, rows[i].text) : NULL;
		if ((r = gender ? db_bindf(up, "bti", b.data, b.len, g ? g->id : NULL, rows[i].id)
				: db_bindf(up, "bi", b.data, b.len, rows[i].id)) < 0 ||
		    (r = step_reset(up)) < 0)
			break;
		(*count)++;
	}
	buf_done(&b);
	db_finalize(up);
	rows_free(rows, nrows);
	return r < 0 ? r : 0;
}

/* Timeline entries once copied a report's reference number and a
 * responder's name into their JSON; the report and the rapid response
 * keep them, sealed, and the entry points at those by id. */
static int strip_event_data(struct db *db, int64_t *count)
{
	struct clear_row *rows;
	size_t n;
	int r = read_rows(db,
			  "SELECT id, data FROM case_event WHERE kind IN ('report', 'rapid_response_requested')"
			  " AND data IS NOT NULL AND (data LIKE '%\"reference\"%' OR data LIKE '%\"responder\"%')"
			  " ORDER BY id",
			  &rows, &n);
	if (r < 0 || n == 0)
		return r;
	struct db_stmt *up = NULL;
	r = db_prepare(db, "UPDATE case_event SET data = ? WHERE id = ?", &up);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		json_t *j = json_loads(rows[i].text, 0, NULL);
		if (!json_is_object(j)) {
			json_decref(j);
			continue; /* not written by hartline: left for an operator to look at */
		}
		json_object_del(j, "reference");
		json_object_del(j, "responder");
		char *doc = json_dump_text(j, JSON_COMPACT);
		json_decref(j);
		if (!doc) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = db_bindf(up, "ti", doc, rows[i].id)) >= 0)
			r = step_reset(up);
		free(doc);
		if (r < 0)
			break;
		(*count)++;
	}
	db_finalize(up);
	rows_free(rows, n);
	return r < 0 ? r : 0;
}

/* Figures count a referral by the pack's gender category, never by the
 * words typed: an older row holding free text gets its category. */
static int referral_categories(struct db *db, const struct pack *pack, int64_t *count)
{
	struct clear_row *rows;
	size_t n;
	int r = read_rows(db, "SELECT id, gender_identity FROM referral WHERE gender_identity IS NOT NULL ORDER BY id",
			  &rows, &n);
	if (r < 0 || n == 0)
		return r;
	struct db_stmt *up = NULL;
	r = db_prepare(db, "UPDATE referral SET gender_identity = ? WHERE id = ?", &up);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		const struct pack_gender *g = pack_gender_of(pack, rows[i].text);
		if (g && strcmp(g->id, rows[i].text) == 0)
			continue;
		if ((r = db_bindf(up, "ti", g ? g->id : NULL, rows[i].id)) < 0 || (r = step_reset(up)) < 0)
			break;
		(*count)++;
	}
	db_finalize(up);
	rows_free(rows, n);
	return r < 0 ? r : 0;
}

/* The old values must not outlive the change where the database keeps
 * what it replaced: SQLite zeroes what it frees (secure_delete) and writes
 * the new pages into the file at once; PostgreSQL rewrites each table
 * without its dead row versions. */
static int purge_old_versions(struct db *db, bool before)
{
	if (db_engine(db) == DB_SQLITE)
		return db_exec(db, before ? "PRAGMA secure_delete = ON" : "PRAGMA wal_checkpoint(TRUNCATE)");
	if (before)
		return 0;
	static const char *const tables[] = {"mandated_report", "missing_episode", "rapid_response", "mdt_member",
					     "action_item",     "contact",         "intake_child",   "case_event",
					     "referral"};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char sql[64];
		int n = snprintf(sql, sizeof sql, "VACUUM FULL %s", tables[i]);
		int r = n < 0 || (size_t)n >= sizeof sql ? ERR_TOOBIG : db_exec(db, sql);
		if (r < 0)
			return r;
	}
	return 0;
}

int svc_upgrade_seal(struct db *db, const struct keyring *keys, const struct pack *pack, int64_t *ret_count,
		     char *errmsg, size_t errsize)
{
	int64_t count = 0;
	int r = purge_old_versions(db, true);
	if (r >= 0)
		r = db_begin(db);
	for (size_t m = 0; r >= 0 && m < sizeof moves / sizeof moves[0]; m++)
		r = move_column(db, keys, pack, m, &count);
	if (r >= 0)
		r = strip_event_data(db, &count);
	if (r >= 0)
		r = referral_categories(db, pack, &count);
	if (r >= 0)
		r = db_commit(db);
	else
		db_rollback(db);
	if (r >= 0 && count > 0)
		r = purge_old_versions(db, false);
	if (r < 0) {
		snprintf(errmsg, errsize, "cannot seal the values an older version kept in clear: %s",
			 r == ERR_DB ? db_errmsg(db) : err_str(r));
		return r;
	}
	if (ret_count)
		*ret_count = count;
	return 0;
}
