/* Unit tests of src/db, run once on SQLite and once on PostgreSQL.
 *
 * PostgreSQL comes from the environment (PGHOST, PGPORT, ... as set by
 * pg_virtualenv); each test gets a fresh database. Without it the
 * PostgreSQL group is skipped, unless HARTLINE_REQUIRE_PG is set (make
 * check sets it), when it fails. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/crypto.h"
#include "base/err.h"
#include "db/db.h"
#include "db/stmt_cache.h"
#include "db_fixture.h"

static void reports_its_engine(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_engine(f->db), f->engine);
	assert_int_equal(db_url_engine(f->url), f->engine);
	assert_string_equal(db_engine_name(DB_SQLITE), "sqlite");
	assert_string_equal(db_engine_name(DB_POSTGRESQL), "postgresql");
}

static void binds_and_reads_back_every_type(void **state)
{
	struct fixture *f = *state;
	const char *blob_type = f->engine == DB_POSTGRESQL ? "BYTEA" : "BLOB";
	char sql[256];
	snprintf(sql, sizeof sql, "CREATE TABLE t (i BIGINT, s TEXT, b %s, n TEXT)", blob_type);
	assert_int_equal(db_exec(f->db, sql), 0);
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "INSERT INTO t (i, s, b, n) VALUES (?, ?, ?, ?)", &st), 0);
	const unsigned char blob[] = {0, 1, 2, 0xff, 0, 'x'};
	assert_int_equal(db_bind_int64(st, 1, INT64_C(9007199254740993)), 0);
	assert_int_equal(db_bind_text(st, 2, "Katie O'Brien – \"K\" ?"), 0);
	assert_int_equal(db_bind_blob(st, 3, blob, sizeof blob), 0);
	assert_int_equal(db_bind_null(st, 4), 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);

	assert_int_equal(db_prepare(f->db, "SELECT i, s, b, n FROM t WHERE i = ?", &st), 0);
	assert_int_equal(db_bind_int64(st, 1, INT64_C(9007199254740993)), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_count(st), 4);
	assert_true(db_column_int64(st, 0) == INT64_C(9007199254740993));
	assert_string_equal(db_column_text(st, 1), "Katie O'Brien – \"K\" ?");
	size_t len;
	const unsigned char *got = db_column_blob(st, 2, &len);
	assert_int_equal(len, sizeof blob);
	assert_memory_equal(got, blob, sizeof blob);
	assert_true(db_column_is_null(st, 3));
	assert_null(db_column_text(st, 3));
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
}

static void question_marks_inside_quotes_and_comments_are_not_parameters(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db,
				    "SELECT 'why?' AS a, -- what?\n"
				    " ? AS b, 'it''s ?' AS c",
				    &st),
			 0);
	assert_int_equal(db_bind_text(st, 1, "yes"), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "why?");
	assert_string_equal(db_column_text(st, 1), "yes");
	assert_string_equal(db_column_text(st, 2), "it's ?");
	db_finalize(st);
}

static void a_statement_can_be_reset_and_run_again(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE n (v INTEGER)"), 0);
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "INSERT INTO n (v) VALUES (?)", &st), 0);
	for (int i = 1; i <= 5; i++) {
		assert_int_equal(db_bind_int64(st, 1, i), 0);
		assert_int_equal(db_step(st), DB_DONE);
		assert_int_equal(db_reset(st), 0);
	}
	db_finalize(st);
	int64_t sum = 0;
	assert_int_equal(db_query_int64(f->db, "SELECT sum(v) FROM n", &sum), 0);
	assert_true(sum == 15);
	assert_int_equal(db_query_int64(f->db, "SELECT v FROM n WHERE v > 100", &sum), ERR_NOTFOUND);
	assert_true(sum == 15);
}

static void rollback_discards_and_commit_keeps(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE n (v INTEGER)"), 0);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO n (v) VALUES (1)"), 0);
	assert_int_equal(db_rollback(f->db), 0);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO n (v) VALUES (2)"), 0);
	assert_int_equal(db_commit(f->db), 0);
	int64_t n = 0, sum = 0;
	assert_int_equal(db_query_int64(f->db, "SELECT count(*) FROM n", &n), 0);
	assert_int_equal(db_query_int64(f->db, "SELECT sum(v) FROM n", &sum), 0);
	assert_true(n == 1 && sum == 2);
}

static void a_constraint_violation_is_a_conflict(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE u (k TEXT PRIMARY KEY)"), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO u (k) VALUES ('a')"), 0);
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "INSERT INTO u (k) VALUES (?)", &st), 0);
	assert_int_equal(db_bind_text(st, 1, "a"), 0);
	assert_int_equal(db_step(st), ERR_CONFLICT);
	assert_true(strlen(db_errmsg(f->db)) > 0);
	db_finalize(st);
}

static void bad_sql_is_an_error_with_a_message(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *st = NULL;
	int r = db_prepare(f->db, "SELEC nothing", &st);
	if (r == 0) /* PostgreSQL parses on the first step */
		r = db_step(st);
	assert_true(r < 0);
	assert_non_null(strstr(db_errmsg(f->db), "syntax"));
	db_finalize(st);
}

static void migrate_applies_everything_once(void **state)
{
	struct fixture *f = *state;
	int version = -1, applied = -1;
	char err[512];
	assert_int_equal(db_schema_version(f->db, &version), 0);
	assert_int_equal(version, 0);
	assert_int_equal(db_migrate(f->db, &applied, err, sizeof err), 0);
	assert_true(db_schema_latest() >= 1);
	assert_int_equal(applied, db_schema_latest());
	assert_int_equal(db_schema_version(f->db, &version), 0);
	assert_int_equal(version, db_schema_latest());
	int64_t rows;
	assert_int_equal(db_query_int64(f->db, "SELECT count(*) FROM schema_version", &rows), 0);
	assert_true(rows == db_schema_latest());

	assert_int_equal(db_migrate(f->db, &applied, err, sizeof err), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(db_query_int64(f->db, "SELECT count(*) FROM schema_version", &rows), 0);
	assert_true(rows == db_schema_latest());
	/* The first migration's table is there. */
	assert_int_equal(db_query_int64(f->db, "SELECT count(*) FROM setting", &rows), 0);
}

static void a_database_newer_than_the_program_is_refused(void **state)
{
	struct fixture *f = *state;
	char err[512];
	assert_int_equal(db_migrate(f->db, NULL, err, sizeof err), 0);
	struct db_stmt *st;
	assert_int_equal(
		db_prepare(f->db, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future', 'x')", &st),
		0);
	assert_int_equal(db_bind_int64(st, 1, db_schema_latest() + 1), 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	assert_int_equal(db_migrate(f->db, NULL, err, sizeof err), ERR_SCHEMA);
	assert_non_null(strstr(err, "newer than this hartline"));
}

/* ---- statement helpers (query.c) ---- */

/* A table of three rows for the helpers to read and write. */
static void helper_table(struct db *db)
{
	assert_int_equal(db_exec(db, "CREATE TABLE h (id BIGINT, name TEXT, flag INTEGER, doc TEXT)"), 0);
	for (int64_t id = 1; id <= 3; id++)
		assert_int_equal(db_execf(db, "INSERT INTO h (id, name, flag, doc) VALUES (?, ?, ?, ?)", "itdt", id,
					  id == 2 ? NULL : "Katie", (int)(id % 2), "{\"a\":1}"),
				 0);
}

static int64_t count_rows(struct db *db, const char *sql)
{
	int64_t n = -1;
	assert_int_equal(db_query_int64(db, sql, &n), 0);
	return n;
}

static void execf_runs_one_statement_and_execnf_counts_its_rows(void **state)
{
	struct fixture *f = *state;
	helper_table(f->db);
	assert_true(count_rows(f->db, "SELECT count(*) FROM h") == 3);
	int64_t rows = -1;
	assert_int_equal(db_execnf(f->db, &rows, "UPDATE h SET flag = ? WHERE flag = ? RETURNING id", "dd", 7, 1), 0);
	assert_true(rows == 2);
	/* A stale version: the WHERE matches nothing, and that is 0 rows, not an error. */
	assert_int_equal(db_execnf(f->db, &rows, "UPDATE h SET flag = ? WHERE id = ? RETURNING id", "di", 8,
				   (int64_t)99),
			 0);
	assert_true(rows == 0);
	assert_int_equal(db_execf(f->db, "DELETE FROM h WHERE id = ?", "i", (int64_t)3), 0);
	assert_true(count_rows(f->db, "SELECT count(*) FROM h") == 2);
	assert_int_equal(db_execnf(f->db, NULL, "DELETE FROM h WHERE id = ?", "i", (int64_t)2), 0);
	assert_true(count_rows(f->db, "SELECT count(*) FROM h") == 1);
}

static void every_format_letter_binds_its_type(void **state)
{
	struct fixture *f = *state;
	char sql[128];
	snprintf(sql, sizeof sql, "CREATE TABLE t (i BIGINT, d INTEGER, s TEXT, b %s, n TEXT)",
		 f->engine == DB_POSTGRESQL ? "BYTEA" : "BLOB");
	assert_int_equal(db_exec(f->db, sql), 0);
	const unsigned char blob[] = {0, 'h', 0xff, 0};
	assert_int_equal(db_execf(f->db, "INSERT INTO t (i, d, s, b, n) VALUES (?, ?, ?, ?, ?)", "idtbn",
				  INT64_C(9007199254740993), -7, "Katie O'Brien", blob, sizeof blob),
			 0);
	struct db_stmt *st;
	assert_int_equal(db_rowf(f->db, &st, "SELECT i, d, s, b, n FROM t WHERE i = ? AND d = ?", "id",
				 INT64_C(9007199254740993), -7),
			 0);
	assert_true(db_column_int64(st, 0) == INT64_C(9007199254740993));
	assert_true(db_column_int64(st, 1) == -7);
	assert_string_equal(db_column_text(st, 2), "Katie O'Brien");
	size_t len = 0;
	const void *got = db_column_blob(st, 3, &len);
	assert_int_equal(len, sizeof blob);
	assert_memory_equal(got, blob, sizeof blob);
	assert_true(db_column_is_null(st, 4));
	db_finalize(st);
	/* A NULL text argument binds NULL, as 'n' does. */
	assert_int_equal(db_execf(f->db, "UPDATE t SET s = ? WHERE d = ?", "td", (const char *)NULL, -7), 0);
	char *text = (char *)"untouched";
	assert_int_equal(db_textf(f->db, &text, "SELECT s FROM t", ""), 0);
	assert_null(text);
}

static void rowf_answers_the_first_row_or_not_found(void **state)
{
	struct fixture *f = *state;
	helper_table(f->db);
	struct db_stmt *st = NULL;
	assert_int_equal(db_rowf(f->db, &st, "SELECT id, name FROM h WHERE id >= ? ORDER BY id", "i", (int64_t)2), 0);
	assert_non_null(st);
	assert_true(db_column_int64(st, 0) == 2);
	assert_null(db_column_text(st, 1));
	db_finalize(st);
	st = NULL;
	assert_int_equal(db_rowf(f->db, &st, "SELECT id FROM h WHERE name = ?", "t", "nobody"), ERR_NOTFOUND);
	assert_null(st);
	assert_int_equal(db_rowf(f->db, &st, "SELEC id FROM h", ""), ERR_DB);
	assert_null(st);
}

static void int64f_and_textf_read_one_value(void **state)
{
	struct fixture *f = *state;
	helper_table(f->db);
	int64_t n = -1;
	assert_int_equal(db_int64f(f->db, &n, "SELECT count(*) FROM h WHERE flag = ?", "d", 1), 0);
	assert_true(n == 2);
	assert_int_equal(db_int64f(f->db, &n, "SELECT id FROM h WHERE id = ?", "i", (int64_t)42), ERR_NOTFOUND);
	assert_true(n == 2); /* untouched */
	char *text = NULL;
	assert_int_equal(db_textf(f->db, &text, "SELECT name FROM h WHERE id = ?", "i", (int64_t)1), 0);
	assert_string_equal(text, "Katie");
	free(text);
	text = (char *)"untouched";
	assert_int_equal(db_textf(f->db, &text, "SELECT name FROM h WHERE id = ?", "i", (int64_t)2), 0);
	assert_null(text); /* SQL NULL */
	text = (char *)"untouched";
	assert_int_equal(db_textf(f->db, &text, "SELECT name FROM h WHERE id = ?", "i", (int64_t)42), ERR_NOTFOUND);
	assert_string_equal(text, "untouched");
}

static void row_json_sets_each_column_by_its_type(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *st;
	assert_int_equal(db_rowf(f->db, &st,
				 /* Typed, as PostgreSQL cannot guess a bare parameter's type. */
				 "SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER),"
				 " CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT),"
				 " CAST(? AS BIGINT)",
				 "tttddttin", "plain", "typed", "1234", 1, 0, "{\"k\":[1,2]}", "{not json", (int64_t)5),
			 0);
	json_t *obj = json_object();
	assert_int_equal(db_row_json(st, "s t:t i:i b:b f:b j:j bad:j - none:i", obj), 0);
	db_finalize(st);
	char *got = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(got, "{\"b\":true,\"bad\":null,\"f\":false,\"i\":1234,\"j\":{\"k\":[1,2]},\"none\":null,"
				 "\"s\":\"plain\",\"t\":\"typed\"}");
	free(got);
	json_decref(obj);
}

static void row_json_refuses_a_bad_spec(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *st;
	assert_int_equal(db_rowf(f->db, &st, "SELECT CAST(? AS TEXT), CAST(? AS TEXT)", "tt", "x", "y"), 0);
	json_t *obj = json_object();
	/* More columns named than the row has: what came before is kept. */
	assert_int_equal(db_row_json(st, "a b c", obj), ERR_INVAL);
	assert_string_equal(json_string_value(json_object_get(obj, "a")), "x");
	assert_string_equal(json_string_value(json_object_get(obj, "b")), "y");
	assert_int_equal(json_object_size(obj), 2);
	json_object_clear(obj);
	assert_int_equal(db_row_json(st, "a:z", obj), ERR_INVAL);
	assert_int_equal(json_object_size(obj), 0);
	db_finalize(st);
	json_decref(obj);
}

static void an_unknown_format_letter_is_refused_before_anything_runs(void **state)
{
	struct fixture *f = *state;
	helper_table(f->db);
	assert_int_equal(db_execf(f->db, "DELETE FROM h WHERE id = ?", "x", (int64_t)1), ERR_INVAL);
	/* The letter after the bad one would have bound: still nothing runs. */
	assert_int_equal(db_execf(f->db, "DELETE FROM h WHERE id = ? OR name = ?", "iq", (int64_t)1, "Katie"),
			 ERR_INVAL);
	assert_true(count_rows(f->db, "SELECT count(*) FROM h") == 3);
	struct db_stmt *st = NULL;
	assert_int_equal(db_preparef(f->db, &st, "SELECT id FROM h WHERE id = ?", "l", 1L), ERR_INVAL);
	assert_null(st);
	assert_int_equal(db_rowf(f->db, &st, "SELECT id FROM h WHERE id = ?", "I", (int64_t)1), ERR_INVAL);
	assert_null(st);
	int64_t n = -1;
	assert_int_equal(db_int64f(f->db, &n, "SELECT id FROM h WHERE id = ?", "?", (int64_t)1), ERR_INVAL);
	assert_true(n == -1);
}

static void a_failed_bind_is_kept_and_the_statement_never_runs(void **state)
{
	struct fixture *f = *state;
	helper_table(f->db);
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "DELETE FROM h WHERE id = ?", &st), 0);
	int kept = db_bind_int64(st, 5, 1); /* there is no ?5 */
	assert_true(kept < 0);
	/* A later bind that works does not clear it. */
	assert_int_equal(db_bind_int64(st, 1, 1), 0);
	assert_int_equal(db_step(st), kept);
	assert_int_equal(db_step(st), kept);
	assert_true(count_rows(f->db, "SELECT count(*) FROM h") == 3);
	/* A reset clears it, so the statement can be used again. */
	assert_int_equal(db_reset(st), 0);
	assert_int_equal(db_bind_int64(st, 1, 1), 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	assert_true(count_rows(f->db, "SELECT count(*) FROM h") == 2);
	/* The same through the helpers: a format with one letter too many. */
	assert_true(db_execf(f->db, "DELETE FROM h WHERE id = ?", "ii", (int64_t)2, (int64_t)3) < 0);
	assert_true(count_rows(f->db, "SELECT count(*) FROM h") == 2);
}

static void sqlite_is_durable_with_wal_and_foreign_keys(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *st;
	assert_int_equal(db_prepare(f->db, "PRAGMA journal_mode", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "wal");
	db_finalize(st);
	int64_t v;
	assert_int_equal(db_query_int64(f->db, "PRAGMA synchronous", &v), 0);
	assert_true(v == 2); /* FULL */
	assert_int_equal(db_query_int64(f->db, "PRAGMA foreign_keys", &v), 0);
	assert_true(v == 1);
	assert_int_equal(db_exec(f->db, "CREATE TABLE p (id INTEGER PRIMARY KEY);"
					 "CREATE TABLE c (p INTEGER REFERENCES p(id))"),
			 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO c (p) VALUES (7)"), ERR_CONFLICT);
}

struct pool_probe {
	struct db_pool *pool;
	pthread_barrier_t *barrier;
	struct db *got;
	bool ok;
};

static void *pool_thread(void *arg)
{
	struct pool_probe *p = arg;
	struct db *again;
	int64_t one = 0;
	p->ok = db_pool_get(p->pool, &p->got) == 0 && db_pool_get(p->pool, &again) == 0 && again == p->got &&
		db_query_int64(p->got, "SELECT 1", &one) == 0 && one == 1;
	/* Both threads hold their connection at this point. */
	pthread_barrier_wait(p->barrier);
	pthread_barrier_wait(p->barrier);
	return NULL;
}

static void the_pool_gives_each_thread_its_own_connection(void **state)
{
	struct fixture *f = *state;
	struct db_pool *pool;
	assert_int_equal(db_pool_new(f->url, &pool), 0);
	pthread_barrier_t barrier;
	pthread_barrier_init(&barrier, NULL, 3);
	struct pool_probe a = {pool, &barrier, NULL, false}, b = {pool, &barrier, NULL, false};
	pthread_t ta, tb;
	pthread_create(&ta, NULL, pool_thread, &a);
	pthread_create(&tb, NULL, pool_thread, &b);
	pthread_barrier_wait(&barrier);
	assert_true(a.ok);
	assert_true(b.ok);
	assert_ptr_not_equal(a.got, b.got);
	pthread_barrier_wait(&barrier);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&barrier);
	struct db *mine;
	assert_int_equal(db_pool_get(pool, &mine), 0);
	db_pool_free(pool);
}

static void opening_a_missing_server_fails_with_a_reason(void **state)
{
	struct db *db = NULL;
	char err[512];
	int r = db_open("postgresql://127.0.0.1:1/none?connect_timeout=2", &db, err, sizeof err);
	assert_true(r < 0);
	assert_null(db);
	assert_non_null(strstr(err, "postgresql:"));
	r = db_open("/nonexistent-dir/x/hartline.db", &db, err, sizeof err);
	assert_true(r < 0);
	assert_non_null(strstr(err, "/nonexistent-dir/x/hartline.db"));
}


/* ---- the single writer ---- */

#define WRITERS 8
#define WRITES_EACH 40

struct writer_probe {
	struct db_pool *pool;
	int id;
	int failed;
};

/* Each thread writes WRITES_EACH rows, one transaction each, and rolls back
 * a further row every fourth time: only what was committed stays. */
static void *writer_thread(void *arg)
{
	struct writer_probe *p = arg;
	struct db *db;
	if (db_pool_get(p->pool, &db) < 0) {
		p->failed++;
		return NULL;
	}
	for (int i = 0; i < WRITES_EACH; i++) {
		if (db_begin(db) < 0 || db_execf(db, "INSERT INTO w (who, n) VALUES (?, ?)", "di", p->id, (int64_t)i) < 0 ||
		    db_commit(db) < 0) {
			db_rollback(db);
			p->failed++;
		}
		if (i % 4 == 0) {
			if (db_begin(db) < 0 || db_execf(db, "INSERT INTO w (who, n) VALUES (?, ?)", "di", p->id, (int64_t)-1) < 0)
				p->failed++;
			db_rollback(db);
		}
		/* A write on its own is a transaction of its own. */
		if (i % 10 == 0 && db_execf(db, "UPDATE w SET n = n WHERE who = ? AND n = ?", "di", p->id, (int64_t)i) < 0)
			p->failed++;
	}
	return NULL;
}

static void concurrent_transactions_share_commits_and_rollbacks_stay_their_own(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE w (who INTEGER NOT NULL, n INTEGER NOT NULL)"), 0);
	struct db_pool *pool;
	assert_int_equal(db_pool_new(f->url, &pool), 0);
	pthread_t t[WRITERS];
	struct writer_probe p[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		p[i] = (struct writer_probe){.pool = pool, .id = i};
		assert_int_equal(pthread_create(&t[i], NULL, writer_thread, &p[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(p[i].failed, 0);
	}
	struct db_writer_stats st;
	db_pool_writer_stats(pool, &st);
	db_pool_free(pool);

	int64_t rows = -1, undone = -1;
	assert_int_equal(db_query_int64(f->db, "SELECT count(*) FROM w", &rows), 0);
	assert_int_equal(db_query_int64(f->db, "SELECT count(*) FROM w WHERE n < 0", &undone), 0);
	assert_int_equal(rows, WRITERS * WRITES_EACH);
	assert_int_equal(undone, 0);
	int64_t each = WRITES_EACH + WRITES_EACH / 10;
	assert_int_equal(st.transactions, WRITERS * each);
	assert_true(st.commits >= 1 && st.commits <= st.transactions);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.waiting, 0);
	uint64_t batches = 0;
	for (int k = 0; k < DB_BATCH_SLOTS; k++)
		batches += st.batches[k];
	assert_int_equal(batches, st.commits);
}

struct view_writer {
	struct db_pool *pool;
	int result;
	int64_t seen;
};

static void *write_beside_view(void *arg)
{
	struct view_writer *vw = arg;
	struct db *db;
	if ((vw->result = db_pool_get(vw->pool, &db)) < 0 || (vw->result = db_begin(db)) < 0)
		return NULL;
	if ((vw->result = db_execf(db, "INSERT INTO v (n) VALUES (?)", "i", (int64_t)2)) < 0 ||
	    (vw->result = db_query_int64(db, "SELECT count(*) FROM v", &vw->seen)) < 0) {
		db_rollback(db);
		return NULL;
	}
	vw->result = db_commit(db);
	return NULL;
}

static void a_read_view_holds_while_the_writer_commits(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE v (n INTEGER NOT NULL)"), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO v (n) VALUES (1)"), 0);
	struct db_pool *pool;
	assert_int_equal(db_pool_new(f->url, &pool), 0);
	struct db *db;
	assert_int_equal(db_pool_get(pool, &db), 0);
	int64_t n = 0;
	assert_int_equal(db_read_begin(db), 0);
	assert_int_equal(db_query_int64(db, "SELECT count(*) FROM v", &n), 0);
	assert_int_equal(n, 1);
	/* Another thread's transaction goes through the writer, beside the
	 * open view, and does not wait for it. */
	struct view_writer vw = {.pool = pool, .result = 1};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, write_beside_view, &vw), 0);
	pthread_join(t, NULL);
	assert_int_equal(vw.result, 0);
	assert_int_equal(vw.seen, 2); /* the transaction sees its own write */
	assert_int_equal(db_query_int64(db, "SELECT count(*) FROM v", &n), 0);
	assert_int_equal(n, 1); /* the view does not */
#ifdef HARTLINE_TEST_HOOKS
	/* A write of this thread's, waited for while its view is open, is
	 * refused in test builds (the view would hold through the commit). */
	assert_int_equal(db_begin(db), ERR_INVAL);
#endif
	db_read_end(db);
	assert_int_equal(db_query_int64(db, "SELECT count(*) FROM v", &n), 0);
	assert_int_equal(n, 2);
	/* No transaction to commit, and none in a transaction twice. */
	assert_int_equal(db_commit(db), ERR_INVAL);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_begin(db), ERR_INVAL);
	assert_int_equal(db_rollback(db), 0);
	db_pool_free(pool);
}


static int write_then_fail(struct db *w, void *arg)
{
	(void)arg;
	int r = db_execf(w, "INSERT INTO j (n) VALUES (?)", "i", (int64_t)1);
	return r < 0 ? r : db_exec(w, "INSERT INTO no_such_table (n) VALUES (1)");
}

static int write_two(struct db *w, void *arg)
{
	(void)arg;
	return db_execf(w, "INSERT INTO j (n) VALUES (?), (?)", "ii", (int64_t)2, (int64_t)3);
}

static void a_write_by_the_writer_undoes_only_itself_and_names_its_own_error(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE j (n INTEGER NOT NULL)"), 0);
	struct db_pool *pool;
	assert_int_equal(db_pool_new(f->url, &pool), 0);
	struct db *db;
	assert_int_equal(db_pool_get(pool, &db), 0);
	assert_true(db_write(db, write_then_fail, NULL) < 0);
	assert_non_null(strstr(db_errmsg(db), "no_such_table"));
	assert_int_equal(db_write(db, write_two, NULL), 0);
	int64_t n = -1;
	assert_int_equal(db_query_int64(db, "SELECT count(*) FROM j", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(db_query_int64(db, "SELECT min(n) FROM j", &n), 0);
	assert_int_equal(n, 2);
	db_pool_free(pool);
}

#define BOTH(fn) cmocka_unit_test_setup_teardown(fn, SETUP, teardown)
/* A result is read as the statement steps (PostgreSQL: a row at a time),
 * and statements may still be run, stepped and given up in the middle of
 * another's rows: each gets its own rows, in order, and nothing is lost. */
static void statements_interleave_in_the_middle_of_a_result(void **state)
{
	struct fixture *f = *state;
	struct db *db = f->db;
	assert_int_equal(db_exec(db, "CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"), 0);
	assert_int_equal(db_exec(db, "BEGIN"), 0);
	for (int64_t i = 1; i <= 3000; i++)
		assert_int_equal(db_execf(db, "INSERT INTO big (id, v) VALUES (?, ?)", "it", i, "value"), 0);
	assert_int_equal(db_exec(db, "COMMIT"), 0);

	struct db_stmt *a, *b;
	assert_int_equal(db_preparef(db, &a, "SELECT id, v FROM big ORDER BY id", ""), 0);
	int64_t seen = 0;
	int r;
	while ((r = db_step(a)) == DB_ROW) {
		assert_int_equal(db_column_int64(a, 0), ++seen);
		assert_string_equal(db_column_text(a, 1), "value");
		if (seen % 1000 == 1) {
			/* Another statement, to its end, in the middle of a's rows. */
			int64_t n = 0;
			assert_int_equal(db_preparef(db, &b, "SELECT id FROM big WHERE id <= ? ORDER BY id", "i", seen), 0);
			while ((r = db_step(b)) == DB_ROW)
				assert_int_equal(db_column_int64(b, 0), ++n);
			assert_int_equal(r, DB_DONE);
			assert_int_equal(n, seen);
			db_finalize(b);
			/* One given up after its first row, and a write. */
			assert_int_equal(db_preparef(db, &b, "SELECT id FROM big ORDER BY id DESC", ""), 0);
			assert_int_equal(db_step(b), DB_ROW);
			assert_int_equal(db_column_int64(b, 0), 3000);
			db_finalize(b);
			assert_int_equal(db_execf(db, "UPDATE big SET v = ? WHERE id = ?", "ti", "value", seen), 0);
		}
	}
	assert_int_equal(r, DB_DONE);
	assert_int_equal(seen, 3000);
	/* Run again after a reset: the same rows from the start. */
	assert_int_equal(db_reset(a), 0);
	assert_int_equal(db_step(a), DB_ROW);
	assert_int_equal(db_column_int64(a, 0), 1);
	db_finalize(a);

	/* A statement given up in the middle leaves the connection usable. */
	assert_int_equal(db_preparef(db, &a, "SELECT id FROM big ORDER BY id", ""), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(db_step(a), DB_ROW);
	db_finalize(a);
	int64_t count = 0;
	assert_int_equal(db_int64f(db, &count, "SELECT COUNT(*) FROM big", ""), 0);
	assert_int_equal(count, 3000);
	if (f->engine != DB_POSTGRESQL)
		return; /* SQLite divides by zero into NULL */
	/* An error after rows have come: reported at that step. */
	assert_int_equal(db_preparef(db, &a, "SELECT 10 / (2000 - id) FROM big ORDER BY id", ""), 0);
	int64_t rows = 0;
	while ((r = db_step(a)) == DB_ROW)
		rows++;
	assert_true(r < 0);
	assert_true(rows <= 1999);
	db_finalize(a);
	assert_int_equal(db_int64f(db, &count, "SELECT COUNT(*) FROM big", ""), 0);
	assert_int_equal(count, 3000);
}

/* ---- PostgreSQL: each statement prepared once per connection ---- */

static void a_statement_is_prepared_once_and_then_only_executed(void **state)
{
	struct fixture *f = *state;
	int64_t v = 0;
	uint64_t before = db_round_trips(f->db);
	assert_int_equal(db_int64f(f->db, &v, "SELECT CAST(? AS BIGINT) + 1", "i", (int64_t)1), 0);
	assert_int_equal(v, 2);
	assert_int_equal(db_round_trips(f->db) - before, 2); /* prepared, executed */
	before = db_round_trips(f->db);
	for (int64_t i = 0; i < 10; i++) {
		assert_int_equal(db_int64f(f->db, &v, "SELECT CAST(? AS BIGINT) + 1", "i", i), 0);
		assert_int_equal(v, i + 1);
	}
	assert_int_equal(db_round_trips(f->db) - before, 10);
	/* The same statement twice at once (a loop inside its own rows). */
	struct db_stmt *a, *b;
	assert_int_equal(db_preparef(f->db, &a, "SELECT generate_series(1, CAST(? AS INTEGER))", "i", (int64_t)3), 0);
	assert_int_equal(db_step(a), DB_ROW);
	assert_int_equal(db_preparef(f->db, &b, "SELECT generate_series(1, CAST(? AS INTEGER))", "i", (int64_t)2), 0);
	int n = 0;
	while (db_step(b) == DB_ROW)
		n++;
	assert_int_equal(n, 2);
	db_finalize(b);
	n = 1;
	while (db_step(a) == DB_ROW)
		n++;
	assert_int_equal(n, 3);
	db_finalize(a);
	/* A prepare refused (bad SQL) is an error with the server's words,
	 * and the connection goes on. */
	assert_true(db_execf(f->db, "SELEC ?", "i", (int64_t)1) < 0);
	assert_non_null(strstr(db_errmsg(f->db), "syntax"));
	assert_int_equal(db_int64f(f->db, &v, "SELECT CAST(? AS BIGINT) + 1", "i", (int64_t)5), 0);
	assert_int_equal(v, 6);
}

static void a_connection_opened_anew_prepares_its_statements_again(void **state)
{
	struct fixture *f = *state;
	int64_t pid = 0, v = 0;
	assert_int_equal(db_int64f(f->db, &pid, "SELECT pg_backend_pid()", ""), 0);
	assert_int_equal(db_int64f(f->db, &v, "SELECT CAST(? AS BIGINT) * 2", "i", (int64_t)4), 0);
	struct db *admin;
	char err[256];
	assert_int_equal(db_open(f->url, &admin, err, sizeof err), 0);
	assert_int_equal(db_execf(admin, "SELECT pg_terminate_backend(CAST(? AS INTEGER))", "i", pid), 0);
	db_close(admin);
	/* The loss shows once; the connection is then opened anew and the
	 * statement prepared on it again. */
	int r = db_int64f(f->db, &v, "SELECT CAST(? AS BIGINT) * 2", "i", (int64_t)5);
	if (r < 0)
		r = db_int64f(f->db, &v, "SELECT CAST(? AS BIGINT) * 2", "i", (int64_t)5);
	assert_int_equal(r, 0);
	assert_int_equal(v, 10);
	int64_t pid2 = 0;
	assert_int_equal(db_int64f(f->db, &pid2, "SELECT pg_backend_pid()", ""), 0);
	assert_true(pid2 != pid);
	/* ... with the session set up again: times in UTC. */
	char *tz = NULL;
	assert_int_equal(db_textf(f->db, &tz, "SELECT current_setting('TimeZone')", ""), 0);
	assert_string_equal(tz, "UTC");
	free(tz);
}

static void a_changed_table_is_read_with_its_new_columns(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE c (a INTEGER)"), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO c (a) VALUES (1)"), 0);
	struct db_stmt *st;
	assert_int_equal(db_rowf(f->db, &st, "SELECT * FROM c", ""), 0);
	assert_int_equal(db_column_count(st), 1);
	db_finalize(st);
	assert_int_equal(db_exec(f->db, "ALTER TABLE c ADD COLUMN b TEXT DEFAULT 'x'"), 0);
	assert_int_equal(db_rowf(f->db, &st, "SELECT * FROM c", ""), 0);
	assert_int_equal(db_column_count(st), 2);
	assert_string_equal(db_column_text(st, 1), "x");
	db_finalize(st);
}

static void more_statements_than_the_cache_holds_are_deallocated(void **state)
{
	struct fixture *f = *state;
	char sql[64];
	int64_t v = 0;
	for (int i = 0; i < 600; i++) {
		snprintf(sql, sizeof sql, "SELECT %d + CAST(? AS INTEGER)", i);
		assert_int_equal(db_int64f(f->db, &v, sql, "i", (int64_t)1), 0);
		assert_int_equal(v, i + 1);
	}
	int64_t held = 0;
	assert_int_equal(db_int64f(f->db, &held, "SELECT count(*) FROM pg_prepared_statements", ""), 0);
	assert_true(held > 0 && held <= 256 + 16 + 1);
	/* Inside a transaction too, and the first of them again. */
	assert_int_equal(db_begin(f->db), 0);
	for (int i = 600; i < 900; i++) {
		snprintf(sql, sizeof sql, "SELECT %d + CAST(? AS INTEGER)", i);
		assert_int_equal(db_int64f(f->db, &v, sql, "i", (int64_t)1), 0);
	}
	assert_int_equal(db_int64f(f->db, &v, "SELECT 0 + CAST(? AS INTEGER)", "i", (int64_t)7), 0);
	assert_int_equal(v, 7);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(db_int64f(f->db, &held, "SELECT count(*) FROM pg_prepared_statements", ""), 0);
	assert_true(held <= 256 + 16 + 1);
}

/* Distinct texts, more than either cache holds, each run three times: a
 * statement evicted and prepared again answers as before. The texts are
 * built at run time in one buffer (one address, many texts). */
static void run_many_texts(struct db *db, int n)
{
	char sql[64];
	int64_t v = 0;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < n; i++) {
			snprintf(sql, sizeof sql, "SELECT %04d + CAST(? AS INTEGER)", i);
			assert_int_equal(db_int64f(db, &v, sql, "i", (int64_t)round), 0);
			assert_int_equal(v, i + round);
			/* A few used all the time stay cached beside them. */
			assert_int_equal(db_int64f(db, &v, "SELECT CAST(? AS INTEGER) * 3", "i", (int64_t)i), 0);
			assert_int_equal(v, 3 * i);
		}
	}
	/* The same text twice at once: each statement its own rows. */
	struct db_stmt *a, *b;
	const char *two = "SELECT 1 UNION ALL SELECT 2 ORDER BY 1";
	assert_int_equal(db_rowf(db, &a, two, ""), 0);
	assert_int_equal(db_rowf(db, &b, two, ""), 0);
	assert_int_equal(db_column_int64(a, 0), 1);
	assert_int_equal(db_step(b), DB_ROW);
	assert_int_equal(db_column_int64(b, 0), 2);
	assert_int_equal(db_step(a), DB_ROW);
	assert_int_equal(db_column_int64(a, 0), 2);
	db_finalize(b);
	db_finalize(a);
	assert_int_equal(db_rowf(db, &a, two, ""), 0);
	assert_int_equal(db_column_int64(a, 0), 1);
	db_finalize(a);
}

static void the_statement_cache_answers_each_text_with_its_own_statement(void **state)
{
	struct fixture *f = *state;
	run_many_texts(f->db, 400);
#ifdef HARTLINE_TEST_HOOKS
	/* Every text of a length alike in the hash: found by the text. */
	sc_test_weak_hash(true);
	run_many_texts(f->db, 300);
	sc_test_weak_hash(false);
#endif
}

static int take_text(struct stmt_cache *c, const char *sql)
{
	size_t len = strlen(sql);
	uint64_t h = sc_hash(sql, len);
	int i = sc_find(c, sql, len, h, true);
	if (i < 0) {
		if ((i = sc_victim(c)) < 0)
			return -1;
		assert_int_equal(sc_fill(c, i, sql, len, h), 0);
	} else {
		sc_take(c, i);
	}
	return i;
}

static void the_cache_index_evicts_the_least_recently_used_idle_slot(void **state)
{
	(void)state;
	for (int weak = 0; weak < 2; weak++) {
#ifdef HARTLINE_TEST_HOOKS
		sc_test_weak_hash(weak);
#endif
		static struct stmt_cache c;
		sc_init(&c, 3);
		int a = take_text(&c, "SELECT a"), b = take_text(&c, "SELECT b"), d = take_text(&c, "SELECT d");
		assert_true(a >= 0 && b >= 0 && d >= 0 && a != b && b != d && a != d);
		assert_int_equal(sc_victim(&c), -1); /* all in use */
		assert_int_equal(take_text(&c, "SELECT a"), -1); /* in use: not shared */
		sc_put(&c, a);
		sc_put(&c, b);
		sc_put(&c, d);
		assert_int_equal(take_text(&c, "SELECT a"), a); /* found again */
		sc_put(&c, a);
		assert_int_equal(sc_victim(&c), b); /* b is now the oldest */
		int e = take_text(&c, "SELECT e");
		assert_int_equal(e, b);
		assert_int_equal(sc_find(&c, "SELECT b", 8, sc_hash("SELECT b", 8), false), -1);
		assert_int_equal(sc_find(&c, "SELECT d", 8, sc_hash("SELECT d", 8), false), d);
		assert_int_equal(sc_find(&c, "SELECT e", 8, sc_hash("SELECT e", 8), false), e);
		assert_int_equal(sc_find(&c, "SELECT e", 8, sc_hash("SELECT e", 8), true), -1); /* in use */
		sc_put(&c, e);
		assert_int_equal(sc_victim(&c), d);
		sc_free(&c);
	}
#ifdef HARTLINE_TEST_HOOKS
	sc_test_weak_hash(false);
#endif
}

#define ALL_ENGINE_TESTS                                                            \
	BOTH(reports_its_engine), BOTH(binds_and_reads_back_every_type),              \
		BOTH(question_marks_inside_quotes_and_comments_are_not_parameters),   \
		BOTH(a_statement_can_be_reset_and_run_again),                         \
		BOTH(rollback_discards_and_commit_keeps),                             \
		BOTH(a_constraint_violation_is_a_conflict),                           \
		BOTH(bad_sql_is_an_error_with_a_message),                             \
		BOTH(migrate_applies_everything_once),                                \
		BOTH(a_database_newer_than_the_program_is_refused),                   \
		BOTH(the_pool_gives_each_thread_its_own_connection),                  \
		BOTH(execf_runs_one_statement_and_execnf_counts_its_rows),            \
		BOTH(every_format_letter_binds_its_type),                             \
		BOTH(rowf_answers_the_first_row_or_not_found),                        \
		BOTH(int64f_and_textf_read_one_value),                                \
		BOTH(row_json_sets_each_column_by_its_type),                          \
		BOTH(row_json_refuses_a_bad_spec),                                    \
		BOTH(an_unknown_format_letter_is_refused_before_anything_runs),       \
		BOTH(a_failed_bind_is_kept_and_the_statement_never_runs),            \
		BOTH(concurrent_transactions_share_commits_and_rollbacks_stay_their_own), \
		BOTH(a_read_view_holds_while_the_writer_commits),                    \
		BOTH(statements_interleave_in_the_middle_of_a_result),               \
		BOTH(a_write_by_the_writer_undoes_only_itself_and_names_its_own_error), \
		BOTH(the_statement_cache_answers_each_text_with_its_own_statement)

int main(void)
{
	if (crypto_init() < 0)
		return 1;
#define SETUP setup_sqlite
	const struct CMUnitTest sqlite_tests[] = {
		ALL_ENGINE_TESTS,
		BOTH(sqlite_is_durable_with_wal_and_foreign_keys),
		cmocka_unit_test(opening_a_missing_server_fails_with_a_reason),
		cmocka_unit_test(the_cache_index_evicts_the_least_recently_used_idle_slot),
	};
#undef SETUP
#define SETUP setup_pg
	const struct CMUnitTest pg_tests[] = {
		ALL_ENGINE_TESTS,
		BOTH(a_statement_is_prepared_once_and_then_only_executed),
		BOTH(a_connection_opened_anew_prepares_its_statements_again),
		BOTH(a_changed_table_is_read_with_its_new_columns),
		BOTH(more_statements_than_the_cache_holds_are_deallocated),
	};
#undef SETUP
	int failed = cmocka_run_group_tests_name("db_sqlite", sqlite_tests, NULL, NULL);
	if (pg_available()) {
		failed += cmocka_run_group_tests_name("db_postgresql", pg_tests, NULL, NULL);
	} else if (getenv("HARTLINE_REQUIRE_PG")) {
		fprintf(stderr, "db_postgresql: PostgreSQL required (HARTLINE_REQUIRE_PG) but PGHOST/PGPORT are not set\n");
		failed++;
	} else {
		fprintf(stderr, "db_postgresql: skipped: no PostgreSQL in the environment (run under pg_virtualenv)\n");
	}
	return failed;
}
