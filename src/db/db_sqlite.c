/* The SQLite driver: a file, WAL, synchronous=FULL, foreign keys on. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "db/db_internal.h"
#include "db/stmt_cache.h"

#define SQLITE_BUSY_TIMEOUT_MS 10000
#define SQLITE_RESTART_WAIT_MS 100 /* for readers to leave the log, when it is started again */

/* Prepared statements kept for the next use of the same SQL on this
 * connection: a request runs a score of statements, and preparing each
 * anew (parsing, planning) cost more than running it. */
#define SQ_CACHE 96
_Static_assert(SQ_CACHE <= SC_MAX, "the cache index holds every slot");

struct sq_db {
	struct db base;
	sqlite3 *h;
	struct stmt_cache cache;
	sqlite3_stmt *stmt[SQ_CACHE]; /* of each slot */
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *h;
	int slot; /* kept in the cache's slot, or -1 */
};

static sqlite3 *H(struct db *db)
{
	return ((struct sq_db *)db)->h;
}

static sqlite3_stmt *S(struct db_stmt *st)
{
	return ((struct sq_stmt *)st)->h;
}

static int sq_error(struct db *db, int rc)
{
	db_set_error(db, "sqlite: %s", sqlite3_errmsg(H(db)));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ERR_BUSY;
	case SQLITE_CONSTRAINT:
		return ERR_CONFLICT;
	case SQLITE_NOMEM:
		return ERR_NOMEM;
	case SQLITE_TOOBIG:
		return ERR_TOOBIG;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
		return ERR_IO;
	}
	return ERR_DB;
}

static void cache_free(struct sq_db *q)
{
	for (size_t i = 0; i < SQ_CACHE; i++)
		sqlite3_finalize(q->stmt[i]);
	memset(q->stmt, 0, sizeof q->stmt);
	sc_free(&q->cache);
}

static void sq_close(struct db *db)
{
	cache_free((struct sq_db *)db);
	sqlite3_close_v2(H(db));
	free(db);
}

/* A statement for sql from the cache, or prepared now (and kept when it is
 * one whole statement). *ret_slot is its slot, or -1 when not kept; a
 * statement in use (a loop running the same SQL inside itself) is not
 * shared: the second gets its own. */
static int cached_prepare(struct sq_db *q, const char *sql, sqlite3_stmt **ret, int *ret_slot, const char **ret_tail)
{
	size_t len = strlen(sql);
	uint64_t hash = sc_hash(sql, len);
	int i = sc_find(&q->cache, sql, len, hash, true);
	if (i >= 0) {
		sc_take(&q->cache, i);
		*ret = q->stmt[i];
		*ret_slot = i;
		*ret_tail = "";
		return SQLITE_OK;
	}
	const char *tail = NULL;
	int rc = sqlite3_prepare_v2(q->h, sql, (int)(len + 1), ret, &tail);
	*ret_slot = -1;
	*ret_tail = tail ? tail : "";
	if (rc != SQLITE_OK || !*ret)
		return rc;
	while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == ';')
		tail++;
	if (*tail || (i = sc_victim(&q->cache)) < 0)
		return rc;
	if (sc_fill(&q->cache, i, sql, len, hash) < 0) {
		sqlite3_finalize(*ret);
		*ret = NULL;
		return SQLITE_NOMEM;
	}
	sqlite3_finalize(q->stmt[i]);
	q->stmt[i] = *ret;
	*ret_slot = i;
	return rc;
}

/* Done with a statement: back to the cache, reset, or finalized. */
static void cached_release(struct sq_db *q, sqlite3_stmt *h, int slot)
{
	if (slot < 0) {
		sqlite3_finalize(h);
		return;
	}
	sqlite3_reset(h);
	sqlite3_clear_bindings(h);
	sc_put(&q->cache, slot);
}

static int sq_prepare(struct db *db, const char *sql, struct db_stmt **ret)
{
	struct sq_stmt *st = calloc(1, sizeof *st);
	if (!st)
		return ERR_NOMEM;
	const char *tail;
	int rc = cached_prepare((struct sq_db *)db, sql, &st->h, &st->slot, &tail);
	if (rc != SQLITE_OK) {
		free(st);
		return sq_error(db, rc);
	}
	st->base.db = db;
	*ret = &st->base;
	return 0;
}

static int sq_bind_rc(struct db_stmt *st, int rc)
{
	return rc == SQLITE_OK ? 0 : sq_error(st->db, rc);
}

static int sq_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	return sq_bind_rc(st, sqlite3_bind_int64(S(st), idx, v));
}

static int sq_bind_text(struct db_stmt *st, int idx, const char *s)
{
	return sq_bind_rc(st, sqlite3_bind_text(S(st), idx, s, -1, SQLITE_TRANSIENT));
}

static int sq_bind_blob(struct db_stmt *st, int idx, const void *data, size_t len)
{
	return sq_bind_rc(st, sqlite3_bind_blob64(S(st), idx, data, len, SQLITE_TRANSIENT));
}

static int sq_bind_null(struct db_stmt *st, int idx)
{
	return sq_bind_rc(st, sqlite3_bind_null(S(st), idx));
}

static int sq_step(struct db_stmt *st)
{
	int rc = sqlite3_step(S(st));
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return sq_error(st->db, rc);
}

static int sq_reset(struct db_stmt *st)
{
	sqlite3_reset(S(st));
	sqlite3_clear_bindings(S(st));
	return 0;
}

static void sq_finalize(struct db_stmt *st)
{
	cached_release((struct sq_db *)st->db, S(st), ((struct sq_stmt *)st)->slot);
	free(st);
}

static int sq_column_count(struct db_stmt *st)
{
	return sqlite3_column_count(S(st));
}

static bool sq_column_is_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(S(st), col) == SQLITE_NULL;
}

static int64_t sq_column_int64(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(S(st), col);
}

static const char *sq_column_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(S(st), col);
}

static const void *sq_column_blob(struct db_stmt *st, int col, size_t *ret_len)
{
	const void *p = sqlite3_column_blob(S(st), col);
	*ret_len = (size_t)sqlite3_column_bytes(S(st), col);
	return p;
}

static int sq_exec(struct db *db, const char *sql)
{
	/* One statement (a transaction's BEGIN, SAVEPOINT, COMMIT) from the
	 * cache; more than one through sqlite3_exec. */
	sqlite3_stmt *h;
	int slot;
	const char *tail;
	int rc = cached_prepare((struct sq_db *)db, sql, &h, &slot, &tail);
	if (rc != SQLITE_OK)
		return sq_error(db, rc);
	if (slot >= 0) {
		while ((rc = sqlite3_step(h)) == SQLITE_ROW)
			;
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		int r = rc == SQLITE_OK ? 0 : sq_error(db, rc);
		cached_release((struct sq_db *)db, h, slot);
		return r;
	}
	cached_release((struct sq_db *)db, h, -1);
	rc = sqlite3_exec(H(db), sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_error(db, rc);
}

static int sq_begin(struct db *db)
{
	return sq_exec(db, "BEGIN IMMEDIATE");
}

static bool sq_in_txn(struct db *db)
{
	return !sqlite3_get_autocommit(H(db));
}

static int sq_checkpoint(struct db *db, bool restart, int *ret_frames, int *ret_left)
{
	int log = 0, done = 0, rc;
	*ret_frames = *ret_left = 0;
	if (!restart) {
		/* PASSIVE: copies what no reader still needs, and waits for
		 * nobody. */
		rc = sqlite3_wal_checkpoint_v2(H(db), NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	} else {
		/* RESTART: everything, then the readers still reading from the
		 * log waited for, so the next commit writes it from its start
		 * (a short wait: a reader that reads for long makes this one
		 * give up, not the writes wait). The file keeps its size, so
		 * the commits that follow do not grow it again. */
		sqlite3_busy_timeout(H(db), SQLITE_RESTART_WAIT_MS);
		rc = sqlite3_wal_checkpoint_v2(H(db), NULL, SQLITE_CHECKPOINT_RESTART, &log, &done);
		sqlite3_busy_timeout(H(db), SQLITE_BUSY_TIMEOUT_MS);
		if ((rc & 0xff) == SQLITE_BUSY)
			return ERR_BUSY;
	}
	if (rc != SQLITE_OK)
		return sq_error(db, rc);
	*ret_frames = log > 0 ? log : 0;
	*ret_left = log > done ? log - done : 0;
	return 0;
}

/* SQLite has no failed state: a transaction it cannot go on with, it rolls
 * back whole. */
static bool sq_txn_failed(struct db *db)
{
	(void)db;
	return false;
}

static const struct db_ops sq_ops = {
	.close = sq_close,
	.prepare = sq_prepare,
	.bind_int64 = sq_bind_int64,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.reset = sq_reset,
	.finalize = sq_finalize,
	.column_count = sq_column_count,
	.column_is_null = sq_column_is_null,
	.column_int64 = sq_column_int64,
	.column_text = sq_column_text,
	.column_blob = sq_column_blob,
	.exec = sq_exec,
	.begin = sq_begin,
	.in_txn = sq_in_txn,
	.txn_failed = sq_txn_failed,
	.checkpoint = sq_checkpoint,
};

/* A new database file is made here, 0600 whatever the umask, before
 * SQLite opens it: SQLite gives the -wal and -shm files the mode of the
 * database file, so none of the three is readable by others. */
static int create_private(const char *path, char *errmsg, size_t errsize)
{
	if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		snprintf(errmsg, errsize, "%s: cannot create: %s", path, strerror(errno));
		return ERR_IO;
	}
	int r = fchmod(fd, 0600) == 0 ? 0 : ERR_IO;
	if (r < 0)
		snprintf(errmsg, errsize, "%s: cannot chmod: %s", path, strerror(errno));
	close(fd);
	return r;
}

int db_sqlite_open(const char *path, struct db **ret, char *errmsg, size_t errsize)
{
	int cr = create_private(path, errmsg, errsize);
	if (cr < 0)
		return cr;
	struct sq_db *db = calloc(1, sizeof *db);
	if (!db)
		return ERR_NOMEM;
	db->base.ops = &sq_ops;
	db->base.engine = DB_SQLITE;
	sc_init(&db->cache, SQ_CACHE);
	int rc = sqlite3_open_v2(path, &db->h,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
					 SQLITE_OPEN_EXRESCODE,
				 NULL);
	if (rc != SQLITE_OK) {
		snprintf(errmsg, errsize, "%s: %s", path, db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		sqlite3_close_v2(db->h);
		free(db);
		return ERR_IO;
	}
	sqlite3_busy_timeout(db->h, SQLITE_BUSY_TIMEOUT_MS);
	/* WAL: readers never block the writer. synchronous=FULL: an
	 * acknowledged write survives power loss. */
	static const char *setup = "PRAGMA journal_mode=WAL;"
				   "PRAGMA synchronous=FULL;"
				   "PRAGMA foreign_keys=ON;";
	rc = sqlite3_exec(db->h, setup, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(errmsg, errsize, "%s: %s", path, sqlite3_errmsg(db->h));
		sqlite3_close_v2(db->h);
		free(db);
		return rc == SQLITE_NOTADB ? ERR_INVAL : ERR_IO;
	}
	*ret = &db->base;
	return 0;
}
