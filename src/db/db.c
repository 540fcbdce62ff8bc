#include "db/db_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

void db_set_error(struct db *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
	va_end(ap);
}

enum db_engine db_url_engine(const char *url)
{
	if (str_starts_with(url, "postgresql://") || str_starts_with(url, "postgres://"))
		return DB_POSTGRESQL;
	return DB_SQLITE;
}

int db_open(const char *url, struct db **ret, char *errmsg, size_t errsize)
{
	if (!url || !*url) {
		snprintf(errmsg, errsize, "no database given");
		return ERR_INVAL;
	}
	if (db_url_engine(url) == DB_POSTGRESQL)
		return db_pg_open(url, ret, errmsg, errsize);
	if (str_starts_with(url, "sqlite:"))
		url += strlen("sqlite:");
	return db_sqlite_open(url, ret, errmsg, errsize);
}

void db_close(struct db *db)
{
	if (db)
		db->ops->close(db);
}

enum db_engine db_engine(const struct db *db)
{
	return db->engine;
}

const char *db_engine_name(enum db_engine e)
{
	return e == DB_POSTGRESQL ? "postgresql" : "sqlite";
}

const char *db_errmsg(const struct db *db)
{
	return db->active ? db->active->errmsg : db->errmsg;
}

/* Where db's statements run: the writer's connection inside a transaction
 * of a pool's connection, else the connection itself. */
static struct db *use(struct db *db)
{
	return db->active ? db->active : db;
}

#ifdef HARTLINE_TEST_HOOKS
#include <stdatomic.h>

static _Atomic long fail_at, counted, begins, commits;
static atomic_bool fail_drops; /* the failure also ends the transaction */
static struct db_fail_report report;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

void db_fail_at(long n)
{
	pthread_mutex_lock(&report_lock);
	atomic_store(&counted, 0);
	atomic_store(&begins, 0);
	atomic_store(&commits, 0);
	memset(&report, 0, sizeof report);
	atomic_store(&fail_drops, false);
	atomic_store(&fail_at, n);
	pthread_mutex_unlock(&report_lock);
}

void db_fail_dropping_at(long n)
{
	db_fail_at(n);
	atomic_store(&fail_drops, true);
}

void db_fail_report(struct db_fail_report *ret)
{
	pthread_mutex_lock(&report_lock);
	*ret = report;
	ret->counted = atomic_load(&counted);
	pthread_mutex_unlock(&report_lock);
}

/* ERR_DB when this is the statement a test asked to fail. */
static int injected(struct db *db, const char *what)
{
	long n = atomic_fetch_add(&counted, 1) + 1;
	if (atomic_load(&fail_at) != n)
		return 0;
	pthread_mutex_lock(&report_lock);
	report.fired = true;
	report.fired_on_begin = strcmp(what, "BEGIN") == 0;
	report.begins = atomic_load(&begins);
	report.commits = atomic_load(&commits);
	pthread_mutex_unlock(&report_lock);
	if (atomic_load(&fail_drops)) {
		/* As SQLite does on a full disk: the whole transaction is
		 * rolled back under the one who asked. */
		if (db->ops->in_txn(db))
			(void)db->ops->exec(db, "ROLLBACK");
		db_set_error(db, "injected failure of statement %ld (%s), the transaction rolled back", n, what);
		return ERR_IO;
	}
	db_set_error(db, "injected failure of statement %ld (%s)", n, what);
	return ERR_DB;
}
#define COUNT(what) atomic_fetch_add(&(what), 1)
#define INJECT(db, what)                                                                                               \
	do {                                                                                                           \
		int inj_ = injected((db), (what));                                                                     \
		if (inj_ < 0)                                                                                          \
			return inj_;                                                                                   \
	} while (0)
#else
#define INJECT(db, what) ((void)0)
#define COUNT(what) ((void)0)
#endif

int db_prepare(struct db *db, const char *sql, struct db_stmt **ret)
{
	db = use(db);
	INJECT(db, sql);
	int r = db_writer_guard(db);
	return r < 0 ? r : db->ops->prepare(db, sql, ret);
}

/* Keep the first bind error, for db_step to return. */
static int kept(struct db_stmt *st, int r)
{
	if (r < 0 && st->bind_err == 0)
		st->bind_err = r;
	return r;
}

int db_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	return kept(st, st->db->ops->bind_int64(st, idx, v));
}

int db_bind_text(struct db_stmt *st, int idx, const char *s)
{
	if (!s)
		return kept(st, st->db->ops->bind_null(st, idx));
	return kept(st, st->db->ops->bind_text(st, idx, s));
}

int db_bind_blob(struct db_stmt *st, int idx, const void *data, size_t len)
{
	return kept(st, st->db->ops->bind_blob(st, idx, data, len));
}

int db_bind_null(struct db_stmt *st, int idx)
{
	return kept(st, st->db->ops->bind_null(st, idx));
}

int db_step(struct db_stmt *st)
{
	if (st->bind_err < 0)
		return st->bind_err;
	int r = db_writer_guard(st->db);
	return r < 0 ? r : st->db->ops->step(st);
}

int db_step_later(struct db_stmt *st)
{
	if (st->bind_err < 0)
		return st->bind_err;
	struct db *c = st->db;
	int r = db_writer_guard(c);
	if (r < 0)
		return r;
	/* Only on the writer's connection, whose turns always end by reading
	 * them back (writer.c). */
	if (c->ops->step_later && c->writer_conn && c->ops->in_txn(c))
		return c->ops->step_later(st);
	while ((r = c->ops->step(st)) == DB_ROW)
		;
	return r == DB_DONE ? 0 : r;
}

int db_reset(struct db_stmt *st)
{
	st->bind_err = 0;
	return st->db->ops->reset(st);
}

void db_finalize(struct db_stmt *st)
{
	if (st)
		st->db->ops->finalize(st);
}

int db_column_count(struct db_stmt *st)
{
	return st->db->ops->column_count(st);
}

bool db_column_is_null(struct db_stmt *st, int col)
{
	return st->db->ops->column_is_null(st, col);
}

int64_t db_column_int64(struct db_stmt *st, int col)
{
	return st->db->ops->column_int64(st, col);
}

const char *db_column_text(struct db_stmt *st, int col)
{
	return st->db->ops->column_text(st, col);
}

const void *db_column_blob(struct db_stmt *st, int col, size_t *ret_len)
{
	return st->db->ops->column_blob(st, col, ret_len);
}

int db_exec(struct db *db, const char *sql)
{
	db = use(db);
	INJECT(db, sql);
	int r = db_writer_guard(db);
	return r < 0 ? r : db->ops->exec(db, sql);
}

int db_query_int64(struct db *db, const char *sql, int64_t *ret)
{
	struct db_stmt *st;
	int r = db_prepare(db, sql, &st);
	if (r < 0)
		return r;
	r = db_step(st);
	if (r == DB_ROW) {
		*ret = db_column_int64(st, 0);
		r = 0;
	} else if (r == DB_DONE) {
		r = ERR_NOTFOUND;
	}
	db_finalize(st);
	return r;
}

/* In test builds, a write waited for while a read view is open on the
 * same connection is refused: the view would hold its snapshot through the
 * writer's commit (on SQLite the write-ahead log could then never start
 * again, and would grow for as long as such requests come). End the view
 * first (svc_audited_read shows how). */
static int view_open(struct db *db)
{
#ifdef HARTLINE_TEST_HOOKS
	if (db->in_read) {
		db_set_error(db, "a read view is open on this connection: end it before writing");
		return ERR_INVAL;
	}
#else
	(void)db;
#endif
	return 0;
}

int db_begin(struct db *db)
{
	if (db->in_transaction) {
		db_set_error(db, "a transaction is open on this connection already");
		return ERR_INVAL;
	}
	int v = view_open(db);
	if (v < 0)
		return v;
	db->after_commit = NULL;
	INJECT(db, "BEGIN");
	int r = db->writer ? db_writer_begin(db->writer, db) : db->ops->begin(db);
	if (r >= 0) {
		db->in_transaction = true;
		COUNT(begins);
	}
	return r;
}

int db_commit(struct db *db)
{
	if (!db->in_transaction) {
		db_set_error(db, "no transaction is open to commit");
		return ERR_INVAL;
	}
	/* Taken first: a commit that fails runs nothing, and nothing is left
	 * for the next transaction on this connection. */
	void (*fn)(void *) = db->after_commit;
	void *arg = db->after_commit_arg;
	db->after_commit = NULL;
#ifdef HARTLINE_TEST_HOOKS
	if (injected(use(db), "COMMIT") < 0) {
		(void)db_rollback(db);
		return ERR_DB;
	}
#endif
	int r;
	if (db->writer) {
		/* Ended either way: a failed commit was undone. Nothing of db
		 * is touched after it, which a closing pool may free. */
		db->in_transaction = false;
		r = db_writer_commit(db->writer, db);
	} else if ((r = db->ops->exec(db, "COMMIT")) < 0) {
		return r;
	} else {
		db->in_transaction = false;
	}
	if (r < 0)
		return r;
	COUNT(commits);
	if (fn)
		fn(arg);
	return r;
}

int db_rollback(struct db *db)
{
	bool open = db->in_transaction;
	db->in_transaction = false;
	db->after_commit = NULL;
	if (db->writer) {
		if (open)
			db_writer_rollback(db->writer, db);
		return 0;
	}
	return db->ops->exec(db, "ROLLBACK");
}

int db_write(struct db *db, int (*fn)(struct db *writer, void *arg), void *arg)
{
	int v = view_open(db);
	if (v < 0)
		return v;
	if (db->writer && !db->in_transaction)
		return db_writer_job(db->writer, db, fn, arg);
	bool own = !db->in_transaction;
	int r;
	if (own && (r = db_begin(db)) < 0)
		return r;
	r = fn(db, arg);
	if (!own)
		return r;
	if (r < 0) {
		db_rollback(db);
		return r;
	}
	return db_commit(db);
}

int db_read_begin(struct db *db)
{
	if (db->in_transaction || db->in_read)
		return 0;
	INJECT(db, "BEGIN");
	int r = db->ops->exec(db, db->engine == DB_POSTGRESQL ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
							      : "BEGIN");
	if (r == 0)
		db->in_read = true;
	return r;
}

void db_read_end(struct db *db)
{
	if (!db->in_read)
		return;
	db->in_read = false;
	if (db->ops->exec(db, "COMMIT") < 0)
		(void)db->ops->exec(db, "ROLLBACK");
}

bool db_in_transaction(const struct db *db)
{
	return db->in_transaction;
}

bool db_has_writer(const struct db *db)
{
	return db->writer != NULL;
}

void db_after_commit(struct db *db, void (*fn)(void *arg), void *arg)
{
	db->after_commit = fn;
	db->after_commit_arg = arg;
}

bool db_after_commit_pending(const struct db *db, void (*fn)(void *arg))
{
	return db->in_transaction && db->after_commit == fn;
}

/* ---- a copied row ---- */

struct copied_col {
	bool null;
	int64_t i;
	char *text;
	void *blob;
	size_t blob_len;
};

struct row_copy {
	struct db_stmt base;
	struct db db; /* base.db: its operations read the copy */
	int ncol;
	bool stepped; /* the row was stepped past */
	struct copied_col cols[];
};

static struct row_copy *RC(struct db_stmt *st)
{
	return (struct row_copy *)st;
}

static int rc_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	(void)idx, (void)v;
	db_set_error(st->db, "a copied row takes no parameters");
	return ERR_INVAL;
}

static int rc_bind_text(struct db_stmt *st, int idx, const char *s)
{
	(void)s;
	return rc_bind_int64(st, idx, 0);
}

static int rc_bind_blob(struct db_stmt *st, int idx, const void *data, size_t len)
{
	(void)data, (void)len;
	return rc_bind_int64(st, idx, 0);
}

static int rc_bind_null(struct db_stmt *st, int idx)
{
	return rc_bind_int64(st, idx, 0);
}

static int rc_step(struct db_stmt *st)
{
	RC(st)->stepped = true;
	return DB_DONE;
}

static int rc_reset(struct db_stmt *st)
{
	RC(st)->stepped = false;
	return 0;
}

static void rc_finalize(struct db_stmt *st)
{
	struct row_copy *rc = RC(st);
	for (int i = 0; i < rc->ncol; i++) {
		free(rc->cols[i].text);
		free(rc->cols[i].blob);
	}
	free(rc);
}

static int rc_column_count(struct db_stmt *st)
{
	return RC(st)->ncol;
}

static const struct copied_col *rc_col(struct db_stmt *st, int col)
{
	struct row_copy *rc = RC(st);
	return rc->stepped || col < 0 || col >= rc->ncol || rc->cols[col].null ? NULL : &rc->cols[col];
}

static bool rc_column_is_null(struct db_stmt *st, int col)
{
	return rc_col(st, col) == NULL;
}

static int64_t rc_column_int64(struct db_stmt *st, int col)
{
	const struct copied_col *c = rc_col(st, col);
	return c ? c->i : 0;
}

static const char *rc_column_text(struct db_stmt *st, int col)
{
	const struct copied_col *c = rc_col(st, col);
	return c ? c->text : NULL;
}

static const void *rc_column_blob(struct db_stmt *st, int col, size_t *ret_len)
{
	const struct copied_col *c = rc_col(st, col);
	*ret_len = c ? c->blob_len : 0;
	return c ? c->blob : NULL;
}

static const struct db_ops row_copy_ops = {
	.bind_int64 = rc_bind_int64,
	.bind_text = rc_bind_text,
	.bind_blob = rc_bind_blob,
	.bind_null = rc_bind_null,
	.step = rc_step,
	.reset = rc_reset,
	.finalize = rc_finalize,
	.column_count = rc_column_count,
	.column_is_null = rc_column_is_null,
	.column_int64 = rc_column_int64,
	.column_text = rc_column_text,
	.column_blob = rc_column_blob,
};

/* A copy of n bytes and a NUL after them (NULL for NULL data). */
static int copy_bytes(const void *data, size_t n, void **ret)
{
	*ret = NULL;
	if (!data)
		return 0;
	char *p = malloc(n + 1);
	if (!p)
		return ERR_NOMEM;
	memcpy(p, data, n);
	p[n] = '\0';
	*ret = p;
	return 0;
}

int db_row_copy(struct db_stmt *st, struct db_stmt **ret)
{
	int ncol = db_column_count(st);
	struct row_copy *rc = calloc(1, sizeof *rc + (size_t)ncol * sizeof rc->cols[0]);
	if (!rc)
		return ERR_NOMEM;
	rc->base.db = &rc->db;
	rc->db.ops = &row_copy_ops;
	rc->db.engine = st->db->engine;
	rc->ncol = ncol;
	int r = 0;
	for (int i = 0; i < ncol && r == 0; i++) {
		struct copied_col *c = &rc->cols[i];
		if ((c->null = db_column_is_null(st, i)))
			continue;
		c->i = db_column_int64(st, i);
		const char *text = db_column_text(st, i);
		void *copy;
		if ((r = copy_bytes(text, text ? strlen(text) : 0, &copy)) < 0)
			break;
		c->text = copy;
		const void *blob = db_column_blob(st, i, &c->blob_len);
		r = copy_bytes(blob, c->blob_len, &c->blob);
	}
	if (r < 0) {
		rc_finalize(&rc->base);
		return r;
	}
	*ret = &rc->base;
	return 0;
}

/* ---- one connection per thread ---- */

struct pool_conn {
	struct db_pool *pool;
	struct db *db;
	struct pool_conn *next;
};

struct db_pool {
	char *url;
	bool writes_in_transactions;
	struct db_writer *writer;
	pthread_key_t key;
	pthread_mutex_t lock;
	struct pool_conn *conns; /* every open connection, to close at the end */
};

static void pool_unlink(struct db_pool *pool, struct pool_conn *c)
{
	pthread_mutex_lock(&pool->lock);
	for (struct pool_conn **p = &pool->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	pthread_mutex_unlock(&pool->lock);
}

static void pool_thread_end(void *value)
{
	struct pool_conn *c = value;
	pool_unlink(c->pool, c);
	db_close(c->db);
	free(c);
}

int db_pool_new(const char *url, struct db_pool **ret)
{
	struct db_pool *pool = calloc(1, sizeof *pool);
	if (!pool)
		return ERR_NOMEM;
	pool->url = strdup(url);
	if (!pool->url) {
		free(pool);
		return ERR_NOMEM;
	}
	if (db_writer_new(url, &pool->writer) < 0) {
		free(pool->url);
		free(pool);
		return ERR_NOMEM;
	}
	if (pthread_key_create(&pool->key, pool_thread_end) != 0) {
		db_writer_free(pool->writer);
		free(pool->url);
		free(pool);
		return ERR_NOMEM;
	}
	pthread_mutex_init(&pool->lock, NULL);
	*ret = pool;
	return 0;
}

void db_pool_free(struct db_pool *pool)
{
	if (!pool)
		return;
	/* The writer first: a transaction still holding it ends its turn
	 * (on its own thread's connection) before any connection closes. */
	if (db_writer_stop(pool->writer) < 0) {
		log_error("db_close", "error=\"a transaction would not end its turn on the writer\" action=\"left open\"");
		return;
	}
	/* Threads that used the pool have ended; what is left belongs to the
	 * calling thread or to threads that never exit. */
	struct pool_conn *c = pool->conns;
	while (c) {
		struct pool_conn *next = c->next;
		db_close(c->db);
		free(c);
		c = next;
	}
	pthread_setspecific(pool->key, NULL);
	pthread_key_delete(pool->key);
	db_writer_free(pool->writer);
	pthread_mutex_destroy(&pool->lock);
	free(pool->url);
	free(pool);
}

int db_pool_get(struct db_pool *pool, struct db **ret)
{
	struct pool_conn *c = pthread_getspecific(pool->key);
	if (c) {
		*ret = c->db;
		return 0;
	}
	c = calloc(1, sizeof *c);
	if (!c)
		return ERR_NOMEM;
	char err[256];
	int r = db_open(pool->url, &c->db, err, sizeof err);
	if (r < 0) {
		free(c);
		return r;
	}
	c->pool = pool;
	c->db->writer = pool->writer;
#ifdef HARTLINE_TEST_HOOKS
	/* Every write goes through the writer: in the tests a server's
	 * connection refuses one made outside a transaction. */
	if (pool->writes_in_transactions)
		r = db_exec(c->db, c->db->engine == DB_SQLITE ? "PRAGMA query_only=1"
						       : "SET default_transaction_read_only = on");
	if (r < 0) {
		db_close(c->db);
		free(c);
		return r;
	}
#endif
	pthread_mutex_lock(&pool->lock);
	c->next = pool->conns;
	pool->conns = c;
	pthread_mutex_unlock(&pool->lock);
	pthread_setspecific(pool->key, c);
	*ret = c->db;
	return 0;
}

#ifdef HARTLINE_TEST_HOOKS
void db_pool_writes_in_transactions(struct db_pool *pool)
{
	pool->writes_in_transactions = true;
}

void db_pool_set_stop_wait(struct db_pool *pool, long ms)
{
	db_writer_set_stop_wait(pool->writer, ms);
}

void db_pool_set_log_restart(struct db_pool *pool, int frames)
{
	db_writer_set_log_restart(pool->writer, frames);
}
#endif

void db_pool_writer_stats(struct db_pool *pool, struct db_writer_stats *ret)
{
	db_writer_stats(pool->writer, ret);
}

uint64_t db_round_trips(const struct db *db)
{
	return atomic_load(&db->round_trips);
}
