/* db_internal: what the two drivers share with db.c. Not for feature code. */
#pragma once

#include <stdarg.h>
#include <stdatomic.h>

#include "db/db.h"

struct db_ops {
	void (*close)(struct db *db);
	int (*prepare)(struct db *db, const char *sql, struct db_stmt **ret);
	int (*bind_int64)(struct db_stmt *st, int idx, int64_t v);
	int (*bind_text)(struct db_stmt *st, int idx, const char *s);
	int (*bind_blob)(struct db_stmt *st, int idx, const void *data, size_t len);
	int (*bind_null)(struct db_stmt *st, int idx);
	int (*step)(struct db_stmt *st);
	int (*reset)(struct db_stmt *st);
	void (*finalize)(struct db_stmt *st);
	int (*column_count)(struct db_stmt *st);
	bool (*column_is_null)(struct db_stmt *st, int col);
	int64_t (*column_int64)(struct db_stmt *st, int col);
	const char *(*column_text)(struct db_stmt *st, int col);
	const void *(*column_blob)(struct db_stmt *st, int col, size_t *ret_len);
	int (*exec)(struct db *db, const char *sql);
	int (*begin)(struct db *db);
	bool (*in_txn)(struct db *db); /* is a transaction open on the connection? */
	bool (*txn_failed)(struct db *db); /* ... and failed, so only a rollback may follow? */
	/* SQLite: copy what it can of the log into the database; *ret_frames
	 * the frames the log holds, *ret_left those not copied yet. With
	 * restart, copy all of it, waiting at most a short while for readers
	 * to leave it, so the next commit writes the log from its start
	 * (ERR_BUSY when a reader stayed). */
	int (*checkpoint)(struct db *db, bool restart, int *ret_frames, int *ret_left);
	/* PostgreSQL, inside a transaction: send a write (a statement bound,
	 * or sql without parameters) without waiting for its result, which
	 * comes back with the next statement that waits for one, in the same
	 * round trip; the first that failed is that statement's error.
	 * settle reads them back now. NULL on SQLite, where each runs at
	 * once. */
	int (*step_later)(struct db_stmt *st);
	int (*exec_later)(struct db *db, const char *sql);
	int (*settle)(struct db *db);
};

/* Each driver's connection and statement begin with these. */
struct db {
	const struct db_ops *ops;
	enum db_engine engine;
	char errmsg[512];
	bool in_transaction; /* between db_begin and db_commit or db_rollback */
	bool in_read;        /* between db_read_begin and db_read_end */
	void (*after_commit)(void *arg);
	void *after_commit_arg;
	struct db_writer *writer; /* a pool's: transactions run there */
	struct db *active;        /* the writer's connection, inside a transaction */
	/* The writer's own connection: its statements run only inside the
	 * group's transaction. txn_lost is set when that transaction is found
	 * gone (the engine ended it) or taken away (the pool is closing), and
	 * stays set until the turn ends, so no statement of the turn runs
	 * outside a transaction. */
	bool writer_conn;
	atomic_bool txn_lost;
	/* Statements sent to the server and waited for (PostgreSQL; 0 on
	 * SQLite), for measuring. */
	_Atomic uint64_t round_trips;
};

struct db_stmt {
	struct db *db;
	int bind_err; /* the first failed bind since prepare or reset, or 0 */
};

/* A statement of its own holding a copy of st's current row, for reading
 * after st's connection has moved on: it has that one row and steps to its
 * end. */
int db_row_copy(struct db_stmt *st, struct db_stmt **ret);

void db_set_error(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int db_sqlite_open(const char *path, struct db **ret, char *errmsg, size_t errsize);
int db_pg_open(const char *url, struct db **ret, char *errmsg, size_t errsize);

/* The single writer of a pool (writer.c). */
struct db_writer;
int db_writer_new(const char *url, struct db_writer **ret);
/* Refuse new transactions, wait (within a bound) for the one holding the
 * writer to end its turn and for the last commit, and end the threads;
 * ERR_BUSY, with the writer left as it is, when a holder would not end its
 * turn even once its statements were refused. */
int db_writer_stop(struct db_writer *w) DB_WUR;
/* Free a writer stopped, or never used. */
void db_writer_free(struct db_writer *w);
void db_writer_stats(struct db_writer *w, struct db_writer_stats *ret);
/* Wait for the writer and open a savepoint on it; db's statements go there
 * until db_writer_commit or db_writer_rollback. */
int db_writer_begin(struct db_writer *w, struct db *db);
/* Release the savepoint and wait until the group it joined is durable. */
int db_writer_commit(struct db_writer *w, struct db *db);
void db_writer_rollback(struct db_writer *w, struct db *db);
/* Queue run(writer's connection, arg) for the commit thread and wait until
 * the commit it joined is durable (db_write). */
int db_writer_job(struct db_writer *w, struct db *db, int (*run)(struct db *db, void *arg), void *arg);
/* May a statement run on c now? ERR_DB on the writer's connection while
 * its transaction is gone (db.c asks before each statement). */
int db_writer_guard(struct db *c) DB_WUR;
#ifdef HARTLINE_TEST_HOOKS
void db_writer_set_stop_wait(struct db_writer *w, long ms);
void db_writer_set_log_restart(struct db_writer *w, int frames);
#endif
