/* Unit tests of the single writer (src/db/writer.c) and of the statement
 * helpers' routing of writes to it, once on SQLite and once on
 * PostgreSQL (from the environment, as pg_virtualenv sets it; skipped
 * without it unless HARTLINE_REQUIRE_PG is set). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/crypto.h"
#include "base/err.h"
#include "db/db.h"
#include "db_fixture.h"

static void make_log_table(struct db *db)
{
	assert_int_equal(db_exec(db, "CREATE TABLE o (seq INTEGER NOT NULL, who TEXT NOT NULL)"), 0);
}

/* Append who to the log, in the order the writer runs it. */
static int log_who(struct db *db, const char *who)
{
	return db_execf(db, "INSERT INTO o (seq, who) SELECT COALESCE(MAX(seq), 0) + 1, ? FROM o", "t", who);
}

static int64_t count_of(struct db *db, const char *who)
{
	int64_t n = -1;
	assert_int_equal(db_int64f(db, &n, "SELECT count(*) FROM o WHERE who = ?", "t", who), 0);
	return n;
}

/* A pool on the fixture's database, and this thread's connection of it. */
static struct db *pool_conn(const struct fixture *f, struct db_pool **ret_pool)
{
	assert_int_equal(db_pool_new(f->url, ret_pool), 0);
	struct db *db;
	assert_int_equal(db_pool_get(*ret_pool, &db), 0);
	return db;
}

static void wait_waiting(struct db_pool *pool, unsigned n)
{
	for (int i = 0; i < 5000; i++) {
		struct db_writer_stats st;
		db_pool_writer_stats(pool, &st);
		if (st.waiting == n)
			return;
		usleep(2000);
	}
	fail_msg("the writer never had %u waiting", n);
}

/* ---- d. writes outside a transaction go through the writer ---- */

static int64_t transactions(struct db_pool *pool)
{
	struct db_writer_stats st;
	db_pool_writer_stats(pool, &st);
	return (int64_t)st.transactions;
}

/* Each write counts as a transaction of the writer; in test builds the
 * pool's connections refuse writes of their own, so only what goes through
 * the writer can write (db_pool_writes_in_transactions). */
static void writes_of_every_shape_go_through_the_writer(void **state)
{
	struct fixture *f = *state;
	make_log_table(f->db);
	struct db_pool *pool;
	assert_int_equal(db_pool_new(f->url, &pool), 0);
#ifdef HARTLINE_TEST_HOOKS
	db_pool_writes_in_transactions(pool);
#endif
	struct db *db;
	assert_int_equal(db_pool_get(pool, &db), 0);
	int64_t before = transactions(pool);
	assert_int_equal(db_execf(db, "WITH x AS (SELECT 1 AS n) INSERT INTO o (seq, who) SELECT n + ?, 'with' FROM x", "i",
				  (int64_t)0),
			 0);
	assert_int_equal(db_execf(db, "  \n\t-- a comment\n /* and another */ insert INTO o (seq, who) VALUES (?, 'lower')",
				  "i", (int64_t)2),
			 0);
	assert_int_equal(db_execf(db, "with x as (select 'lower' as w) update o set seq = seq + ? where who in (select w from x)",
				  "i", (int64_t)10),
			 0);
	assert_int_equal(transactions(pool), before + 3);
	/* A write that returns its row, through db_rowf, db_int64f, db_textf. */
	struct db_stmt *st;
	assert_int_equal(db_rowf(db, &st, "INSERT INTO o (seq, who) VALUES (?, ?) RETURNING seq, who", "it", (int64_t)40, "rowf"),
			 0);
	assert_int_equal(db_column_int64(st, 0), 40);
	assert_string_equal(db_column_text(st, 1), "rowf");
	assert_false(db_column_is_null(st, 1));
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	int64_t seq = 0;
	assert_int_equal(db_int64f(db, &seq, "/* x */ DELETE FROM o WHERE who = ? RETURNING seq", "t", "rowf"), 0);
	assert_int_equal(seq, 40);
	char *who = NULL;
	assert_int_equal(db_textf(db, &who, "UPDATE o SET who = ? WHERE seq = ? RETURNING who", "ti", "textf", (int64_t)1), 0);
	assert_string_equal(who, "textf");
	free(who);
	assert_int_equal(db_int64f(db, &seq, "DELETE FROM o WHERE who = ? RETURNING seq", "t", "nobody"), ERR_NOTFOUND);
	assert_int_equal(transactions(pool), before + 7);
	/* Reads stay on the thread's own connection, words in names and
	 * quotes are no writes. */
	assert_int_equal(db_int64f(db, &seq, "WITH updated_at AS (SELECT 'delete' AS x) SELECT count(*) FROM o, updated_at", ""),
			 0);
	assert_int_equal(seq, 2);
	assert_int_equal(transactions(pool), before + 7);
	db_pool_free(pool);
	assert_int_equal(count_of(f->db, "textf"), 1);
	assert_int_equal(count_of(f->db, "lower"), 1);
	int64_t lower = 0;
	assert_int_equal(db_int64f(f->db, &lower, "SELECT seq FROM o WHERE who = 'lower'", ""), 0);
	assert_int_equal(lower, 12);
}

/* ---- b. transactions and jobs take turns ---- */

struct turns {
	struct db_pool *pool;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool started, released;
	const char *who;
	int result;
};

static int blocking_job(struct db *w, void *arg)
{
	struct turns *t = arg;
	pthread_mutex_lock(&t->lock);
	t->started = true;
	pthread_cond_broadcast(&t->cond);
	while (!t->released)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
	return log_who(w, "first");
}

static int logging_job(struct db *w, void *arg)
{
	return log_who(w, arg);
}

static void *run_blocking_job(void *arg)
{
	struct turns *t = arg;
	struct db *db;
	t->result = db_pool_get(t->pool, &db);
	if (t->result == 0)
		t->result = db_write(db, blocking_job, t);
	return NULL;
}

struct one {
	struct db_pool *pool;
	const char *who;
	bool transaction;
	int result;
};

static void *run_one(void *arg)
{
	struct one *o = arg;
	struct db *db;
	if ((o->result = db_pool_get(o->pool, &db)) < 0)
		return NULL;
	if (!o->transaction) {
		o->result = db_write(db, logging_job, (void *)o->who);
		return NULL;
	}
	if ((o->result = db_begin(db)) < 0)
		return NULL;
	if ((o->result = log_who(db, o->who)) < 0) {
		db_rollback(db);
		return NULL;
	}
	o->result = db_commit(db);
	return NULL;
}

/* Jobs queued while a transaction waits for its turn go after it. */
static void a_waiting_transaction_goes_before_jobs_queued_after_it(void **state)
{
	struct fixture *f = *state;
	make_log_table(f->db);
	struct turns t = {.result = 1};
	pthread_mutex_init(&t.lock, NULL);
	pthread_cond_init(&t.cond, NULL);
	assert_int_equal(db_pool_new(f->url, &t.pool), 0);
	pthread_t first, holder, jobs[4];
	assert_int_equal(pthread_create(&first, NULL, run_blocking_job, &t), 0);
	pthread_mutex_lock(&t.lock);
	while (!t.started)
		pthread_cond_wait(&t.cond, &t.lock);
	pthread_mutex_unlock(&t.lock);

	struct one h = {.pool = t.pool, .who = "holder", .transaction = true, .result = 1};
	assert_int_equal(pthread_create(&holder, NULL, run_one, &h), 0);
	wait_waiting(t.pool, 1);
	struct one j[4];
	for (int i = 0; i < 4; i++) {
		j[i] = (struct one){.pool = t.pool, .who = "job", .result = 1};
		assert_int_equal(pthread_create(&jobs[i], NULL, run_one, &j[i]), 0);
	}
	wait_waiting(t.pool, 5);
	pthread_mutex_lock(&t.lock);
	t.released = true;
	pthread_cond_broadcast(&t.cond);
	pthread_mutex_unlock(&t.lock);
	pthread_join(first, NULL);
	pthread_join(holder, NULL);
	for (int i = 0; i < 4; i++) {
		pthread_join(jobs[i], NULL);
		assert_int_equal(j[i].result, 0);
	}
	assert_int_equal(t.result, 0);
	assert_int_equal(h.result, 0);
	db_pool_free(t.pool);
	int64_t seq = 0;
	assert_int_equal(db_int64f(f->db, &seq, "SELECT seq FROM o WHERE who = 'holder'", ""), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(count_of(f->db, "job"), 4);
	pthread_cond_destroy(&t.cond);
	pthread_mutex_destroy(&t.lock);
}

#define STREAMS 6

struct stream {
	struct db_pool *pool;
	atomic_bool *stop;
	long writes;
	int failed;
	/* Transactions ("tx") rather than jobs ("stream"), each counted in
	 * done too when set. */
	bool transactions;
	atomic_long *done;
};

static void *run_stream(void *arg)
{
	struct stream *s = arg;
	struct db *db;
	if (db_pool_get(s->pool, &db) < 0) {
		s->failed++;
		return NULL;
	}
	while (!atomic_load(s->stop)) {
		if (s->transactions ? db_begin(db) < 0 || log_who(db, "tx") < 0 || db_commit(db) < 0
				    : db_write(db, logging_job, "stream") < 0)
			s->failed++;
		s->writes++;
		if (s->done)
			atomic_fetch_add(s->done, 1);
	}
	return NULL;
}

/* A steady stream of jobs from many threads: a transaction still gets its
 * turns, and the jobs theirs. */
static void transactions_get_their_turns_under_a_stream_of_jobs(void **state)
{
	struct fixture *f = *state;
	make_log_table(f->db);
	struct db_pool *pool;
	assert_int_equal(db_pool_new(f->url, &pool), 0);
	atomic_bool stop = false;
	pthread_t t[STREAMS];
	struct stream s[STREAMS];
	for (int i = 0; i < STREAMS; i++) {
		s[i] = (struct stream){.pool = pool, .stop = &stop};
		assert_int_equal(pthread_create(&t[i], NULL, run_stream, &s[i]), 0);
	}
	struct db *db;
	assert_int_equal(db_pool_get(pool, &db), 0);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(db_begin(db), 0);
		assert_int_equal(log_who(db, "holder"), 0);
		assert_int_equal(db_commit(db), 0);
	}
	atomic_store(&stop, true);
	long writes = 0;
	for (int i = 0; i < STREAMS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(s[i].failed, 0);
		writes += s[i].writes;
	}
	db_pool_free(pool);
	assert_int_equal(count_of(f->db, "holder"), 20);
	assert_int_equal(count_of(f->db, "stream"), writes);
}

#ifdef HARTLINE_TEST_HOOKS
/* ---- a. a transaction the engine dropped runs nothing more ---- */

static void statements_after_the_engine_dropped_the_transaction_are_refused(void **state)
{
	struct fixture *f = *state;
	make_log_table(f->db);
	struct db_pool *pool;
	struct db *db = pool_conn(f, &pool);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(log_who(db, "kept?"), 0);
	db_fail_dropping_at(1);
	assert_true(log_who(db, "failed") < 0);
	db_fail_at(0);
	/* A holder that goes on as if nothing happened: refused, and never
	 * written outside a transaction. */
	assert_true(log_who(db, "after") < 0);
	int64_t n = 0;
	assert_true(db_int64f(db, &n, "SELECT count(*) FROM o", "") < 0);
	assert_true(db_commit(db) < 0);
	assert_int_equal(db_rollback(db), 0);
	/* The next transaction has a transaction of its own. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(log_who(db, "next"), 0);
	assert_int_equal(db_commit(db), 0);
	/* The same for a job of the writer. */
	db_pool_free(pool);
	assert_int_equal(count_of(f->db, "after"), 0);
	assert_int_equal(count_of(f->db, "kept?"), 0);
	assert_int_equal(count_of(f->db, "next"), 1);
}

static int job_ignoring_its_error(struct db *w, void *arg)
{
	(void)arg;
	db_fail_dropping_at(1);
	if (log_who(w, "failed") == 0)
		return ERR_INVAL; /* the failure did not come */
	db_fail_at(0);
	(void)!log_who(w, "after");
	return 0;
}

static void a_job_that_goes_on_after_the_engine_dropped_the_transaction_writes_nothing(void **state)
{
	struct fixture *f = *state;
	make_log_table(f->db);
	struct db_pool *pool;
	struct db *db = pool_conn(f, &pool);
	assert_true(db_write(db, job_ignoring_its_error, NULL) < 0);
	assert_int_equal(db_write(db, logging_job, "next"), 0);
	db_pool_free(pool);
	assert_int_equal(count_of(f->db, "after"), 0);
	assert_int_equal(count_of(f->db, "next"), 1);
}

/* ---- c. closing the pool while a transaction holds the writer ---- */

struct holding {
	struct db_pool *pool;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool holding, may_exit;
	int hold_ms;   /* before committing; 0: write until refused */
	int commit;    /* db_commit's result */
	int refused;   /* the write that was refused */
};

static void *run_holding(void *arg)
{
	struct holding *h = arg;
	struct db *db;
	h->commit = 1;
	if (db_pool_get(h->pool, &db) < 0 || db_begin(db) < 0)
		goto out;
	if (log_who(db, "holder") < 0) {
		db_rollback(db);
		goto out;
	}
	pthread_mutex_lock(&h->lock);
	h->holding = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (h->hold_ms) {
		usleep((useconds_t)h->hold_ms * 1000);
		h->commit = db_commit(db);
	} else {
		for (int i = 0; i < 1000 && (h->refused = log_who(db, "holder")) == 0; i++)
			usleep(20000);
		h->commit = db_commit(db); /* ended either way; db is the closing pool's now */
	}
out:
	pthread_mutex_lock(&h->lock);
	while (!h->may_exit)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static void close_while_holding(struct fixture *f, struct holding *h, long stop_wait_ms)
{
	make_log_table(f->db);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	assert_int_equal(db_pool_new(f->url, &h->pool), 0);
	db_pool_set_stop_wait(h->pool, stop_wait_ms);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, run_holding, h), 0);
	pthread_mutex_lock(&h->lock);
	while (!h->holding)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	db_pool_free(h->pool); /* returns: the point of the test */
	pthread_mutex_lock(&h->lock);
	h->may_exit = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(t, NULL);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
}

static void closing_waits_for_a_holder_to_end_its_turn(void **state)
{
	struct fixture *f = *state;
	struct holding h = {.hold_ms = 300};
	close_while_holding(f, &h, 5000);
	assert_int_equal(h.commit, 0);
	assert_int_equal(count_of(f->db, "holder"), 1);
}

static void closing_refuses_a_holder_that_keeps_the_writer(void **state)
{
	struct fixture *f = *state;
	struct holding h = {.hold_ms = 0};
	close_while_holding(f, &h, 200);
	assert_true(h.refused < 0);
	assert_true(h.commit < 0);
	assert_int_equal(count_of(f->db, "holder"), 0);
}
#endif

/* ---- round trips of the writer (PostgreSQL) ---- */

static uint64_t writer_trips(struct db_pool *pool)
{
	struct db_writer_stats st;
	db_pool_writer_stats(pool, &st);
	return st.round_trips;
}

/* A transaction alone in its group has no savepoint: BEGIN, its
 * statements, COMMIT. One that rolls back undoes its whole transaction,
 * and the next begins anew. */
static void a_transaction_alone_in_its_group_costs_begin_and_commit_only(void **state)
{
	struct fixture *f = *state;
	make_log_table(f->db);
	struct db_pool *pool;
	struct db *db = pool_conn(f, &pool);
	for (int i = 0; i < 2; i++) { /* the first prepares the statement */
		assert_int_equal(db_begin(db), 0);
		assert_int_equal(log_who(db, "one"), 0);
		assert_int_equal(db_commit(db), 0);
	}
	uint64_t before = writer_trips(pool);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(log_who(db, "one"), 0);
	assert_int_equal(db_commit(db), 0);
	if (f->engine == DB_POSTGRESQL)
		assert_int_equal(writer_trips(pool) - before, 3);
	before = writer_trips(pool);
	assert_int_equal(db_write(db, logging_job, "one"), 0);
	if (f->engine == DB_POSTGRESQL)
		assert_int_equal(writer_trips(pool) - before, 3);
	else
		assert_int_equal(writer_trips(pool), 0);

	assert_int_equal(db_begin(db), 0);
	assert_int_equal(log_who(db, "undone"), 0);
	assert_int_equal(db_rollback(db), 0);
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(log_who(db, "two"), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(db_write(db, logging_job, "two"), 0);
	db_pool_free(pool);
	assert_int_equal(count_of(f->db, "one"), 4);
	assert_int_equal(count_of(f->db, "undone"), 0);
	assert_int_equal(count_of(f->db, "two"), 2);
}


#ifdef HARTLINE_TEST_HOOKS
/* A write waited for while a read view is open on the same connection
 * would hold the view's snapshot through the commit (on SQLite the log
 * could then never start again): test builds refuse it, whatever its
 * shape. */
static void a_write_inside_a_read_view_is_refused(void **state)
{
	struct fixture *f = *state;
	make_log_table(f->db);
	struct db_pool *pool;
	struct db *db = pool_conn(f, &pool);
	assert_int_equal(db_read_begin(db), 0);
	assert_int_equal(count_of(db, "in-view"), 0);
	assert_int_equal(db_begin(db), ERR_INVAL);
	assert_non_null(strstr(db_errmsg(db), "read view"));
	assert_int_equal(log_who(db, "in-view"), ERR_INVAL);
	assert_int_equal(db_write(db, logging_job, "in-view"), ERR_INVAL);
	db_read_end(db);
	assert_int_equal(log_who(db, "after"), 0);
	assert_int_equal(db_write(db, logging_job, "after"), 0);
	db_pool_free(pool);
	assert_int_equal(count_of(f->db, "in-view"), 0);
	assert_int_equal(count_of(f->db, "after"), 2);
}
#endif

/* ---- writes sent ahead (db_sendf) ---- */

static int send_who(struct db *db, const char *who)
{
	return db_sendf(db, "INSERT INTO s (who) VALUES (?)", "t", who);
}

/* A job that writes who, sent ahead. */
static int sent_job(struct db *w, void *arg)
{
	return send_who(w, arg);
}

static int64_t count_s(struct db *db)
{
	int64_t n = -1;
	assert_int_equal(db_int64f(db, &n, "SELECT count(*) FROM s", ""), 0);
	return n;
}

/* On PostgreSQL the writes of a transaction sent ahead go to the server
 * with its next statement that waits for an answer, in one round trip;
 * each still lands once, on both engines. */
static void writes_sent_ahead_go_with_the_next_statement(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE s (who TEXT PRIMARY KEY)"), 0);
	struct db_pool *pool;
	struct db *db = pool_conn(f, &pool);
	/* The first use prepares the statements. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(send_who(db, "first"), 0);
	assert_int_equal(count_s(db), 1);
	assert_int_equal(db_commit(db), 0);

	uint64_t before = writer_trips(pool);
	assert_int_equal(db_begin(db), 0);
	char who[16];
	for (int i = 0; i < 5; i++) {
		snprintf(who, sizeof who, "a%d", i);
		assert_int_equal(send_who(db, who), 0);
	}
	assert_int_equal(count_s(db), 6); /* sees its own writes */
	for (int i = 0; i < 5; i++) {
		snprintf(who, sizeof who, "b%d", i);
		assert_int_equal(send_who(db, who), 0);
	}
	assert_int_equal(db_commit(db), 0);
	/* BEGIN, the count (a0..a4 with it), b0..b4 read back at the commit,
	 * COMMIT */
	if (f->engine == DB_POSTGRESQL)
		assert_int_equal(writer_trips(pool) - before, 4);

	/* More than are ever sent before reading back. */
	assert_int_equal(db_begin(db), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(who, sizeof who, "c%d", i);
		assert_int_equal(send_who(db, who), 0);
	}
	assert_int_equal(db_commit(db), 0);
	/* Outside a transaction it is a transaction of its own. */
	assert_int_equal(send_who(db, "alone"), 0);
	db_pool_free(pool);
	assert_int_equal(count_s(f->db), 1 + 10 + 300 + 1);
}

/* A write sent ahead that fails fails its transaction: at the next
 * statement, or at the commit, with the write's own error; nothing of the
 * transaction is kept, and the next one runs as if nothing happened. */
static void a_write_sent_ahead_that_fails_fails_its_transaction(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE s (who TEXT PRIMARY KEY)"), 0);
	struct db_pool *pool;
	struct db *db = pool_conn(f, &pool);
	assert_int_equal(send_who(db, "taken"), 0);

	/* Found by the commit. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(send_who(db, "lost-1"), 0);
	int r = send_who(db, "taken");
	if (f->engine == DB_POSTGRESQL) {
		assert_int_equal(r, 0);
		assert_int_equal(send_who(db, "lost-2"), 0);
		assert_int_equal(db_commit(db), ERR_CONFLICT);
	} else {
		assert_int_equal(r, ERR_CONFLICT);
		assert_int_equal(db_rollback(db), 0);
	}
	/* Found by the next statement that waits for an answer. */
	assert_int_equal(db_begin(db), 0);
	r = send_who(db, "taken");
	if (f->engine == DB_POSTGRESQL) {
		assert_int_equal(r, 0);
		int64_t n;
		assert_int_equal(db_int64f(db, &n, "SELECT count(*) FROM s", ""), ERR_CONFLICT);
		assert_non_null(strstr(db_errmsg(db), "duplicate"));
	} else {
		assert_int_equal(r, ERR_CONFLICT);
	}
	assert_int_equal(db_rollback(db), 0);
	/* A command of several statements, after writes sent ahead. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(send_who(db, "several"), 0);
	assert_int_equal(db_exec(db, "UPDATE s SET who = who WHERE who = 'several'; UPDATE s SET who = who"), 0);
	assert_int_equal(db_commit(db), 0);
	/* Rolled back with writes still on their way. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(send_who(db, "undone"), 0);
	assert_int_equal(db_rollback(db), 0);

	assert_int_equal(db_begin(db), 0);
	assert_int_equal(send_who(db, "next"), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(db_write(db, sent_job, "job"), 0);
	assert_int_equal(db_write(db, sent_job, "taken"), ERR_CONFLICT);
	db_pool_free(pool);
	int64_t n = -1;
	assert_int_equal(db_int64f(f->db, &n, "SELECT count(*) FROM s WHERE who LIKE 'lost%' OR who = 'undone'", ""), 0);
	assert_int_equal(n, 0);
	assert_int_equal(count_s(f->db), 4); /* taken, several, next, job */
}

struct sent {
	struct db_pool *pool;
	const char *who;
	int result;
};

static void *run_sent_job(void *arg)
{
	struct sent *t = arg;
	struct db *db;
	if ((t->result = db_pool_get(t->pool, &db)) == 0)
		t->result = db_write(db, sent_job, (void *)t->who);
	return NULL;
}

/* Jobs queued while a transaction holds the writer run after it, in the
 * same group, each in a savepoint: the one whose write sent ahead fails is
 * undone alone, and the transaction and the other jobs are committed. */
static void a_failed_write_sent_ahead_undoes_its_own_turn_only(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE s (who TEXT PRIMARY KEY)"), 0);
	struct db_pool *pool;
	struct db *db = pool_conn(f, &pool);
	assert_int_equal(send_who(db, "taken"), 0);
	struct db_writer_stats before;
	db_pool_writer_stats(pool, &before);

	assert_int_equal(db_begin(db), 0);
	assert_int_equal(send_who(db, "holder"), 0);
	struct sent t[3] = {{pool, "c1", 1}, {pool, "taken", 1}, {pool, "c2", 1}};
	pthread_t th[3];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pthread_create(&th[i], NULL, run_sent_job, &t[i]), 0);
		wait_waiting(pool, 2 + (unsigned)i);
	}
	assert_int_equal(db_commit(db), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	struct db_writer_stats after;
	db_pool_writer_stats(pool, &after);
	db_pool_free(pool);
	assert_int_equal(t[0].result, 0);
	assert_int_equal(t[1].result, ERR_CONFLICT);
	assert_int_equal(t[2].result, 0);
	assert_int_equal(after.commits - before.commits, 1); /* one group */
	assert_int_equal(count_s(f->db), 4); /* taken, holder, c1, c2 */
}

/* ---- e. each waiter is answered with its own group's result ---- */

#define MANY_THREADS 24
#define MANY_EACH 25

struct many {
	struct db_pool *pool;
	int thread;
	int result[MANY_EACH];
};

static int many_job(struct db *w, void *arg)
{
	const char *who = arg;
	int r = db_execf(w, "INSERT INTO m (who) VALUES (?)", "t", who);
	char last = who[strlen(who) - 1];
	/* Every tenth fails on its own, after writing: undone alone. */
	if (r == 0 && last == '4')
		r = db_execf(w, "INSERT INTO m (who) VALUES (?)", "t", who);
	/* Another tenth fails only at its end: a write sent ahead, whose
	 * failure comes back with the release of its savepoint (PostgreSQL). */
	if (r == 0 && last == '7')
		r = db_sendf(w, "INSERT INTO m (who) VALUES (?)", "t", who);
	return r;
}

static void *run_many(void *arg)
{
	struct many *m = arg;
	struct db *db;
	if (db_pool_get(m->pool, &db) < 0) {
		for (int k = 0; k < MANY_EACH; k++)
			m->result[k] = 1; /* never a result of the writer */
		return NULL;
	}
	for (int k = 0; k < MANY_EACH; k++) {
		char who[32];
		snprintf(who, sizeof who, "t%02d-%03d", m->thread, k);
		if (k % 2) {
			m->result[k] = db_write(db, many_job, who);
			continue;
		}
		int r = db_begin(db);
		if (r == 0 && (r = many_job(db, who)) < 0)
			db_rollback(db);
		else if (r == 0)
			r = db_commit(db);
		m->result[k] = r;
	}
	return NULL;
}

/* Many threads waiting at once, in many groups (one of them lost whole
 * when the test hooks fail a statement): each is told what became of its
 * own transaction, and what it was told is what the database holds. */
static void many_waiters_are_each_answered_with_their_own_groups_result(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(db_exec(f->db, "CREATE TABLE m (who TEXT PRIMARY KEY)"), 0);
	struct db_pool *pool;
	assert_int_equal(db_pool_new(f->url, &pool), 0);
#ifdef HARTLINE_TEST_HOOKS
	db_fail_dropping_at(MANY_THREADS * MANY_EACH);
#endif
	pthread_t t[MANY_THREADS];
	static struct many m[MANY_THREADS];
	for (int i = 0; i < MANY_THREADS; i++) {
		m[i] = (struct many){.pool = pool, .thread = i};
		assert_int_equal(pthread_create(&t[i], NULL, run_many, &m[i]), 0);
	}
	for (int i = 0; i < MANY_THREADS; i++)
		pthread_join(t[i], NULL);
#ifdef HARTLINE_TEST_HOOKS
	struct db_fail_report rep;
	db_fail_report(&rep);
	db_fail_at(0);
	assert_true(rep.fired);
#endif
	struct db_writer_stats st;
	db_pool_writer_stats(pool, &st);
	db_pool_free(pool);
	assert_true(st.commits >= 2);
	int committed = 0, refused = 0;
	for (int i = 0; i < MANY_THREADS; i++) {
		for (int k = 0; k < MANY_EACH; k++) {
			char who[32];
			snprintf(who, sizeof who, "t%02d-%03d", i, k);
			int64_t n = -1;
			assert_int_equal(db_int64f(f->db, &n, "SELECT count(*) FROM m WHERE who = ?", "t", who), 0);
			assert_true(m[i].result[k] <= 0);
			if (n != (m[i].result[k] == 0))
				fail_msg("%s was answered %d but %s", who, m[i].result[k], n ? "saved" : "not saved");
			if (k % 10 == 4 || k % 10 == 7)
				assert_true(m[i].result[k] < 0);
			committed += m[i].result[k] == 0;
			refused += m[i].result[k] < 0;
		}
	}
	assert_true(committed > 0);
	assert_true(refused >= MANY_THREADS * 3);
}


#ifdef HARTLINE_TEST_HOOKS
static uint64_t log_restarts(struct db_pool *pool)
{
	struct db_writer_stats st;
	db_pool_writer_stats(pool, &st);
	return st.log_restarts;
}

static long wal_size(const struct fixture *f)
{
	char path[600];
	snprintf(path, sizeof path, "%s-wal", f->url);
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return 0;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fclose(fp);
	return n;
}

/* Writes through the writer, one transaction each, until the log has been
 * started again at least once more than before (at most n of them). */
static void write_until_restarted(struct db_pool *pool, struct db *db, uint64_t before, int n)
{
	for (int i = 0; i < n && log_restarts(pool) <= before; i++) {
		assert_int_equal(log_who(db, "steady"), 0);
		if (i % 20 == 19)
			usleep(20000); /* the checkpoint thread looks every 250 ms */
	}
}

/* The log table, and a pool whose log is started again at 40 frames. */
static struct db_pool *restarting_pool(struct fixture *f)
{
	make_log_table(f->db);
	struct db_pool *pool;
	assert_int_equal(db_pool_new(f->url, &pool), 0);
	db_pool_set_log_restart(pool, 40);
	return pool;
}

/* SQLite: under steady writes the write-ahead log is started again once
 * it passes its size (a passive checkpoint copies it but never lets it
 * start again while readers come and go), so its file stops growing. A
 * reader keeping an old view neither loses it nor holds the writes up;
 * once it has gone the log is started again. */
static void the_log_is_started_again_under_steady_writes(void **state)
{
	struct fixture *f = *state;
	struct db_pool *pool = restarting_pool(f);
	struct db *db;
	assert_int_equal(db_pool_get(pool, &db), 0);
	write_until_restarted(pool, db, 0, 4000);
	assert_true(log_restarts(pool) >= 1);
	/* Then 2,000 commits more, each a frame at least: a log that never
	 * started again would hold them all (8 MB); this one is written
	 * from its start each time, at most a look's worth of commits past
	 * its size. */
	uint64_t before = log_restarts(pool);
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(log_who(db, "steady"), 0);
		if (i % 20 == 19)
			usleep(20000);
	}
	assert_true(log_restarts(pool) > before);
	assert_true(wal_size(f) < 2000L * 4096 / 2);

	/* A reader keeps its view across the writes that follow. */
	char err[256];
	struct db *reader;
	assert_int_equal(db_open(f->url, &reader, err, sizeof err), 0);
	assert_int_equal(log_who(db, "before-the-reader"), 0);
	assert_int_equal(db_exec(reader, "BEGIN"), 0);
	int64_t seen = -1, again = -1;
	assert_int_equal(db_int64f(reader, &seen, "SELECT count(*) FROM o", ""), 0);
	for (int i = 0; i < 400; i++)
		assert_int_equal(log_who(db, "while-reading"), 0);
	assert_int_equal(db_int64f(reader, &again, "SELECT count(*) FROM o", ""), 0);
	assert_int_equal(again, seen);
	assert_int_equal(db_exec(reader, "COMMIT"), 0);
	db_close(reader);
	assert_int_equal(count_of(f->db, "while-reading"), 400);

	/* With the reader gone, the log is started again. */
	before = log_restarts(pool);
	write_until_restarted(pool, db, before, 4000);
	assert_true(log_restarts(pool) > before);
	db_pool_free(pool);
}

/* Transactions from many threads while the log is started again and again
 * keep getting their turns: the checkpoint thread waits for the open group
 * on the same condition as those in line, and a turn ending must wake them
 * too, not only it. */
static void transactions_go_on_while_the_log_is_started_again(void **state)
{
	struct fixture *f = *state;
	struct db_pool *pool = restarting_pool(f);
	atomic_bool stop = false;
	atomic_long done = 0;
	pthread_t t[STREAMS];
	struct stream s[STREAMS];
	for (int i = 0; i < STREAMS; i++) {
		s[i] = (struct stream){.pool = pool, .stop = &stop, .transactions = true, .done = &done};
		assert_int_equal(pthread_create(&t[i], NULL, run_stream, &s[i]), 0);
	}
	/* Every half second for 4 s, some transaction has committed (one
	 * left without its turn would wait for ever). */
	long seen = 0;
	for (int i = 0; i < 8; i++) {
		usleep(500000);
		long now_done = atomic_load(&done);
		if (now_done == seen)
			fail_msg("no transaction committed for half a second (%ld so far, %llu restarts)", now_done,
				 (unsigned long long)log_restarts(pool));
		seen = now_done;
	}
	atomic_store(&stop, true);
	for (int i = 0; i < STREAMS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(s[i].failed, 0);
	}
	assert_true(log_restarts(pool) >= 3);
	db_pool_free(pool);
	assert_int_equal(count_of(f->db, "tx"), atomic_load(&done));
}
#endif

#define BOTH(fn) cmocka_unit_test_setup_teardown(fn, SETUP, teardown)
#ifdef HARTLINE_TEST_HOOKS
#define HOOK_TESTS                                                                                      \
	BOTH(statements_after_the_engine_dropped_the_transaction_are_refused),                         \
		BOTH(a_job_that_goes_on_after_the_engine_dropped_the_transaction_writes_nothing),       \
		BOTH(closing_waits_for_a_holder_to_end_its_turn),                                       \
		BOTH(closing_refuses_a_holder_that_keeps_the_writer),                                   \
		BOTH(a_write_inside_a_read_view_is_refused),
#else
#define HOOK_TESTS
#endif
#define ALL_ENGINE_TESTS                                                                                \
	HOOK_TESTS BOTH(writes_of_every_shape_go_through_the_writer),                                  \
		BOTH(a_waiting_transaction_goes_before_jobs_queued_after_it),                           \
		BOTH(transactions_get_their_turns_under_a_stream_of_jobs),                              \
		BOTH(a_transaction_alone_in_its_group_costs_begin_and_commit_only),                     \
		BOTH(writes_sent_ahead_go_with_the_next_statement),                                     \
		BOTH(a_write_sent_ahead_that_fails_fails_its_transaction),                              \
		BOTH(a_failed_write_sent_ahead_undoes_its_own_turn_only),                               \
		BOTH(many_waiters_are_each_answered_with_their_own_groups_result)

int main(void)
{
	if (crypto_init() < 0)
		return 1;
#define SETUP setup_sqlite
	const struct CMUnitTest sqlite_tests[] = {
#ifdef HARTLINE_TEST_HOOKS
		BOTH(the_log_is_started_again_under_steady_writes),
		BOTH(transactions_go_on_while_the_log_is_started_again),
#endif
		ALL_ENGINE_TESTS};
#undef SETUP
#define SETUP setup_pg
	const struct CMUnitTest pg_tests[] = {ALL_ENGINE_TESTS};
#undef SETUP
	int failed = cmocka_run_group_tests_name("db_writer_sqlite", sqlite_tests, NULL, NULL);
	if (pg_available()) {
		failed += cmocka_run_group_tests_name("db_writer_postgresql", pg_tests, NULL, NULL);
	} else if (getenv("HARTLINE_REQUIRE_PG")) {
		fprintf(stderr, "db_writer_postgresql: PostgreSQL required (HARTLINE_REQUIRE_PG) but PGHOST/PGPORT are not set\n");
		failed++;
	} else {
		fprintf(stderr, "db_writer_postgresql: skipped: no PostgreSQL in the environment (run under pg_virtualenv)\n");
	}
	return failed;
}
