/* db: one SQL interface over SQLite and PostgreSQL.
 *
 * Feature code writes SQL that both engines accept, with ? placeholders,
 * and never knows which engine it talks to. A struct db is one connection,
 * used by one thread at a time; the server keeps one per worker thread
 * (struct db_pool). The PostgreSQL driver rewrites ? to $1, $2, ...
 *
 *   struct db_stmt *st;
 *   if ((r = db_prepare(db, "SELECT name FROM region WHERE id = ?", &st)) < 0) ...
 *   db_bind_text(st, 1, "R1");
 *   while ((r = db_step(st)) == DB_ROW)
 *           use(db_column_text(st, 0));
 *   db_finalize(st);
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

enum db_engine { DB_SQLITE, DB_POSTGRESQL };

/* Results of db_step(). Errors are negative ERR_* codes. */
enum { DB_DONE = 0, DB_ROW = 1 };

/* ---- connections ---- */

/* Open url: "postgresql://..." or "postgres://..." for PostgreSQL, anything
 * else is a SQLite file path (created if missing; "sqlite:" prefix allowed).
 * SQLite runs in WAL mode with synchronous=FULL, foreign keys on and a busy
 * timeout. On failure a reason is written to errmsg (never a password). */
int db_open(const char *url, struct db **ret, char *errmsg, size_t errsize);
void db_close(struct db *db);

enum db_engine db_engine(const struct db *db);
/* "sqlite" or "postgresql". */
const char *db_engine_name(enum db_engine e);
/* The engine a URL names, without opening it. */
enum db_engine db_url_engine(const char *url);
/* The last error on this connection, for logs. */
const char *db_errmsg(const struct db *db);

/* A result that must not be dropped: the build has -Werror, so ignoring
 * one fails it. GCC does not accept a (void) cast as using the result. */
#define DB_WUR __attribute__((warn_unused_result))

/* ---- statements ---- */

int db_prepare(struct db *db, const char *sql, struct db_stmt **ret) DB_WUR;
/* Parameters are numbered from 1. Text and blobs are copied. The first bind
 * that fails is also kept in the statement, and db_step returns it, so a
 * failed bind can never run the statement with NULL in its place. */
int db_bind_int64(struct db_stmt *st, int idx, int64_t v) DB_WUR;
int db_bind_text(struct db_stmt *st, int idx, const char *s) DB_WUR; /* NULL binds NULL */
int db_bind_blob(struct db_stmt *st, int idx, const void *data, size_t len) DB_WUR;
int db_bind_null(struct db_stmt *st, int idx) DB_WUR;
/* DB_ROW when a row is ready, DB_DONE at the end, or an error (the kept
 * bind error, if any). */
int db_step(struct db_stmt *st) DB_WUR;
/* Run a write whose rows are not wanted (an INSERT or UPDATE without
 * RETURNING) to its end: 0 or an error. Inside a transaction on
 * PostgreSQL it is only sent: its result comes back with the next
 * statement that waits for one, or with the commit, in that round trip,
 * and a failure is reported there (so the transaction fails all the
 * same, only a statement later). Elsewhere it runs at once. */
int db_step_later(struct db_stmt *st) DB_WUR;
/* Run it again with new bindings; clears a kept bind error. */
int db_reset(struct db_stmt *st) DB_WUR;
void db_finalize(struct db_stmt *st);

/* Columns of the current row, numbered from 0. Text and blob pointers stay
 * valid until the next step, reset or finalize. */
int db_column_count(struct db_stmt *st);
bool db_column_is_null(struct db_stmt *st, int col);
int64_t db_column_int64(struct db_stmt *st, int col);
const char *db_column_text(struct db_stmt *st, int col); /* NULL for NULL */
const void *db_column_blob(struct db_stmt *st, int col, size_t *ret_len);

/* ---- convenience ---- */

/* Run one or more statements that take no parameters and return no rows. */
int db_exec(struct db *db, const char *sql) DB_WUR;
/* The first column of the first row of a statement without parameters; ret
 * untouched and ERR_NOTFOUND when there is no row. */
int db_query_int64(struct db *db, const char *sql, int64_t *ret) DB_WUR;

/* ---- statement helpers (query.c) ----
 *
 * Parameters are typed by a format, one letter per ? in order:
 *
 *   i  int64_t            d  int
 *   t  const char *       (NULL binds NULL)
 *   b  const void *, size_t
 *   n  no argument, binds NULL
 *
 * A letter the helpers do not know is ERR_INVAL, before anything runs.
 *
 *   r = db_execf(db, "UPDATE child_case SET status = ? WHERE id = ?", "ti", status, id);
 *
 *   struct db_stmt *st;
 *   r = db_rowf(db, &st, "SELECT number, version FROM child_case WHERE id = ?", "i", id);
 *   if (r == ERR_NOTFOUND) ...            nothing to finalize
 *   if (r < 0) ...
 *   use(db_column_text(st, 0));
 *   db_finalize(st);
 *
 * Loops over many rows keep the raw form, prepared by db_preparef.
 */

/* Bind fmt's parameters to ?1, ?2, ... */
int db_bindf(struct db_stmt *st, const char *fmt, ...) DB_WUR;
int db_vbindf(struct db_stmt *st, const char *fmt, va_list ap) DB_WUR;
/* Prepare sql and bind its parameters. On error there is nothing to
 * finalize. */
int db_preparef(struct db *db, struct db_stmt **ret, const char *sql, const char *fmt, ...) DB_WUR;
/* Run one statement to its end; rows it returns are ignored. 0 or an error.
 * Outside a transaction, a write on a pool's connection (a statement that
 * begins with INSERT, UPDATE, DELETE or REPLACE, after any white space and
 * comments, in any case, or a WITH ... that has one of them outside its
 * quotes) is a transaction of its own through the writer, answered when
 * durable; so is one run by db_rowf, db_int64f, db_textf or db_rowsf
 * (INSERT ... RETURNING), whose row is then a copy, read after the
 * commit.
 * ret_rows (db_execnf) counts the rows it returned, so "UPDATE ... WHERE
 * version = ? RETURNING id" tells a stale version (0) from a write (1). */
int db_execf(struct db *db, const char *sql, const char *fmt, ...) DB_WUR;
int db_execnf(struct db *db, int64_t *ret_rows, const char *sql, const char *fmt, ...) DB_WUR;
/* db_execf of a write through db_step_later: inside a transaction on
 * PostgreSQL its failure is reported by a later statement or the commit. */
int db_sendf(struct db *db, const char *sql, const char *fmt, ...) DB_WUR;
/* Prepare, bind and step to the first row: 0 with *ret on that row (the
 * caller finalizes it), ERR_NOTFOUND when there is none (nothing to
 * finalize), or an error. */
int db_rowf(struct db *db, struct db_stmt **ret, const char *sql, const char *fmt, ...) DB_WUR;
/* The first column of the first row, as an integer, or as a copy of its text
 * (free() it; NULL for SQL NULL). ERR_NOTFOUND and ret untouched when there
 * is no row. */
int db_int64f(struct db *db, int64_t *ret, const char *sql, const char *fmt, ...) DB_WUR;
int db_textf(struct db *db, char **ret, const char *sql, const char *fmt, ...) DB_WUR;

/* Prepare, bind and step to the end, reading every row into a growing
 * array of elem-byte elements: read(st, element, arg) fills one (0, or a
 * negative error that ends the loop). *ret (free() it) and *ret_n are the
 * array and the elements read whole, also on an error, for the caller to
 * free what they hold. 0 or the error. */
typedef int db_row_reader(struct db_stmt *st, void *element, void *arg);
int db_rowsf(struct db *db, size_t elem, db_row_reader *read, void *arg, void **ret, size_t *ret_n, const char *sql,
	     const char *fmt, ...) DB_WUR;

/* Set the current row's columns on a JSON object, named by spec: one word
 * per column in order, separated by spaces. "name" is text, "name:i" an
 * integer, "name:b" a boolean from an integer, "name:j" JSON text (an
 * unparsable value becomes null), and "-" skips a column. SQL NULL is null.
 *
 *   db_row_json(st, "id:i number status held_at version:i", obj)
 *
 * ERR_NOMEM, or ERR_INVAL for a spec naming more columns than the row has
 * or an unknown type letter; obj keeps what was set before the error. */
struct json_t;
int db_row_json(struct db_stmt *st, const char *spec, struct json_t *obj) DB_WUR;

/* Transactions. db_begin() takes the write lock at once on SQLite, so two
 * writers never deadlock on upgrade. */
int db_begin(struct db *db) DB_WUR;
int db_commit(struct db *db) DB_WUR;
int db_rollback(struct db *db);
/* Run fn(writer, arg) inside the transaction of the writer's next commit,
 * in a savepoint of its own (an error undoes fn's writes only), and return
 * once that commit is durable: fn's error, the commit's, or 0. fn runs on
 * the writer's own thread and uses only the connection it is given. For
 * the small writes many requests make at once (the record of a read): the
 * writer runs them one after another, with no hand-over between threads.
 * On a connection without a writer, fn runs in a transaction here. */
int db_write(struct db *db, int (*fn)(struct db *writer, void *arg), void *arg) DB_WUR;

/* A consistent view for reading: every statement until db_read_end sees
 * the database as the first one found it. On a pool's connection it is the
 * thread's own connection's, and never waits for the writer. Inside a
 * transaction (which sees one view already) both do nothing. */
int db_read_begin(struct db *db) DB_WUR;
void db_read_end(struct db *db);

/* Inside db_begin ... db_commit or db_rollback? */
bool db_in_transaction(const struct db *db);
/* Is db a pool's connection, whose transactions run on the pool's writer? */
bool db_has_writer(const struct db *db);
/* Run fn(arg) once, right after the open transaction commits; a rollback
 * drops it. One at a time: a second call replaces the first. For work
 * outside the database that must follow only what was committed. */
void db_after_commit(struct db *db, void (*fn)(void *arg), void *arg);
/* Is fn waiting for the open transaction to commit? */
bool db_after_commit_pending(const struct db *db, void (*fn)(void *arg));

#ifdef HARTLINE_TEST_HOOKS
/* Failure injection, in test builds only: the nth statement from now
 * (1 = the next) fails with ERR_DB, as a full disk or a lost server would
 * make it. Counted are db_prepare, db_exec, db_begin and db_commit on any
 * connection; a rollback is never failed, since it is what cleans up after
 * the failure. n 0 turns it off. */
void db_fail_at(long n);
/* The same, and the failing statement also ends the transaction its
 * connection is in, as SQLite does on a full disk or an I/O error. */
void db_fail_dropping_at(long n);

/* What happened since the last db_fail_at(). */
struct db_fail_report {
	long counted;        /* statements counted */
	bool fired;          /* the nth statement came, and failed */
	bool fired_on_begin; /* ... and it was a BEGIN */
	long begins, commits; /* transactions begun and committed before it */
};
void db_fail_report(struct db_fail_report *ret);
#endif

/* ---- migrations (migrate.c) ---- */

/* The newest schema version this program knows. */
int db_schema_latest(void);
/* The database's schema version (0 when never migrated). */
int db_schema_version(struct db *db, int *ret);
/* Apply every migration not yet applied, each in its own transaction, and
 * record it in schema_version. ERR_SCHEMA when the database is newer than
 * this program. ret_applied (may be NULL) counts what was applied now. */
int db_migrate(struct db *db, int *ret_applied, char *errmsg, size_t errsize);

/* ---- one connection per thread (for the server) ---- */

struct db_pool;

/* Remembers url; connections are opened on first use in each thread and
 * closed when that thread ends or the pool is freed. db_pool_free refuses
 * new transactions, and waits for one holding the writer to end its turn
 * (a few seconds; then the holder's statements are refused, and it is
 * waited for as long again) and for the last commit. */
int db_pool_new(const char *url, struct db_pool **ret);
void db_pool_free(struct db_pool *pool);
/* This thread's connection, opened if needed. */
int db_pool_get(struct db_pool *pool, struct db **ret);

/* What the pool's single writer has done since the pool opened. Every
 * transaction begun on a pool connection runs on the writer, and
 * transactions that end while a commit is under way share the next one
 * (group commit). batches[k] counts commits that made 2^(k-1) < n <= 2^k
 * transactions durable (batches[0]: one), the last slot anything larger. */
#define DB_BATCH_SLOTS 9
struct db_writer_stats {
	uint64_t commits;      /* durable commits */
	uint64_t transactions; /* transactions they made durable */
	uint64_t failed;       /* commits that failed (each of their transactions was told) */
	unsigned waiting;      /* transactions waiting for the writer or for their commit, now */
	uint64_t round_trips;  /* statements the writer's connection sent and waited for (PostgreSQL) */
	uint64_t batches[DB_BATCH_SLOTS];
	uint64_t log_restarts; /* SQLite: times the write-ahead log was started again */
};
void db_pool_writer_stats(struct db_pool *pool, struct db_writer_stats *ret);
#ifdef HARTLINE_TEST_HOOKS
/* From now on the pool's connections refuse a write made outside a
 * transaction (which would take the engine's write lock beside the
 * writer's), so the tests find any. */
void db_pool_writes_in_transactions(struct db_pool *pool);
/* How long db_pool_free waits for a transaction holding the writer to end
 * its turn, before its statements are refused (and as long again after). */
void db_pool_set_stop_wait(struct db_pool *pool, long ms);
/* SQLite: the write-ahead log is started again once it holds this many
 * frames (8192 otherwise). */
void db_pool_set_log_restart(struct db_pool *pool, int frames);
#endif

/* Statements this connection has sent to the server and waited for since
 * it opened (PostgreSQL's round trips; 0 on SQLite, which has no server).
 * A pool's transactions run on the writer's connection, which counts them
 * (struct db_writer_stats). */
uint64_t db_round_trips(const struct db *db);

/* ---- LISTEN/NOTIFY (db_listen.c) ----
 *
 * For several servers on one PostgreSQL database: a write queues a
 * notification on a channel in its transaction (db_notify; PostgreSQL sends
 * it when the transaction commits, and not at all when it rolls back), and
 * each server's listener wakes whatever keeps a copy of that data in
 * memory. On SQLite, which one server serves, db_notify does nothing and
 * there is no listener. */

struct db_listener;

/* Queue a notification on channel, sent at commit. 0 on SQLite. */
int db_notify(struct db *db, const char *channel) DB_WUR;
/* A thread with its own connection to url (PostgreSQL only: ERR_INVAL
 * otherwise) that LISTENs on channel and calls fn(arg) for what arrives
 * (once for a burst), and once after each (re)connection, since what was
 * sent while it was not listening is lost; a lost connection is opened
 * again every second. */
int db_listen_start(const char *url, const char *channel, void (*fn)(void *arg), void *arg,
		    struct db_listener **ret) DB_WUR;
/* Listening now (and told fn since it connected)? false for NULL. */
bool db_listen_up(struct db_listener *l);
/* End the thread and close its connection; NULL is fine. */
void db_listen_stop(struct db_listener *l);
