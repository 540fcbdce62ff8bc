/* The single writer: one connection that every transaction of a pool runs
 * on, and one thread that commits them in groups.
 *
 * A transaction begun on a pool connection waits for its turn on the
 * writer connection (a condition variable, never a sleep), runs inside a
 * savepoint of the writer's open transaction, and on db_commit releases
 * its savepoint, hands the connection to the next one in line and waits.
 * The commit thread commits when nobody is in line or running (or the
 * group is full): one durable commit for every transaction that ended
 * while the last one was being made durable. Each waiter is answered with
 * the commit's result, so nothing is acknowledged before it is durable and
 * a commit that fails is a failure for each of its transactions. Each
 * waits on a condition of its own: a commit wakes the members of its group
 * only, not every thread waiting on the writer.
 *
 * A transaction that rolls back undoes its savepoint only; the others of
 * its group are untouched. The first of a group needs no savepoint (two
 * round trips fewer on PostgreSQL): it undoes the whole transaction,
 * which holds nothing else yet. If the engine drops the whole open transaction
 * (SQLite does on a full disk or an I/O error), every transaction of the
 * group is told at once and the next begins a new one; the statements of
 * the turn in which it was dropped are refused from then on (they would
 * run outside any transaction), as is its commit, until it rolls back.
 *
 * Transactions and jobs (db_write) take turns: once jobs have run, a
 * transaction waiting in line goes before the jobs queued meanwhile, and
 * jobs run at most as many at once as the group has room for.
 *
 * Stopping (db_writer_stop) refuses new transactions and jobs, waits a
 * bounded time for the one holding the writer to end its turn, then
 * refuses its statements and waits as long again, and commits what ended.
 */
#include "db/db_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/thread.h"

#define GROUP_MAX 128 /* transactions in one commit, at most */
#define STOP_WAIT_MS 5000 /* for a holder to end its turn when stopping, twice */

/* One transaction waiting for its commit; on its own thread's stack.
 * Each has a condition of its own: a commit wakes only the members of
 * its group, not every thread waiting on the writer. */
struct waiter {
	struct waiter *next;
	int result;
	bool done;
	pthread_cond_t answered;
};

/* Tell one waiter its result; the lock is held. */
static void answer(struct waiter *m, int r)
{
	m->result = r;
	m->done = true;
	pthread_cond_signal(&m->answered);
}

/* Wait for the answer, then drop the condition; lock is held. */
static int await_answer(struct waiter *m, pthread_mutex_t *lock)
{
	while (!m->done)
		pthread_cond_wait(&m->answered, lock);
	pthread_cond_destroy(&m->answered);
	return m->result;
}

/* Work the commit thread runs itself (db_write). */
struct job {
	struct job *next;
	int (*run)(struct db *db, void *arg);
	void *arg;
	struct waiter w;
	char error[512]; /* why it failed */
};

struct db_writer {
	char *url;
	struct job *jobs, **jobs_tail; /* waiting for the commit thread */
	struct db *conn; /* opened on first use */
	pthread_mutex_t lock;
	pthread_cond_t turn;   /* the connection is free */
	pthread_cond_t wakeup; /* for the commit thread */
	pthread_cond_t left;   /* a transaction left the line (for stopping) */
	pthread_t thread;
	bool thread_started, stop;
	/* SQLite: the write-ahead log is copied into the database file by a
	 * thread of its own, so no commit waits for it. */
	pthread_t checkpointer;
	struct db *ckpt; /* its connection */
	bool checkpointer_started;
	pthread_cond_t stopping;
	uint64_t checkpointed; /* commits when the last checkpoint began */
	/* The checkpoint thread starts the log again: no new group begins
	 * (those in line wait on their condition) until it is done. */
	bool restarting;
	int restart_frames; /* the log's size, in frames, that asks for it */
	int restart_every;  /* RESTART_FRAMES, or what a test set */
	bool held;       /* a transaction is running on conn */
	bool bare;       /* ... as the first of its group, without a savepoint */
	bool committing; /* the commit thread is using conn */
	bool open;       /* the group's transaction is begun */
	char error[512]; /* why the last commit failed */
	unsigned line;   /* transactions waiting for their turn or running */
	unsigned asking; /* ... of them, waiting for their turn */
	unsigned inside; /* callers in a transaction or a job, until they return */
	uint64_t round_trips; /* of connections closed */
	bool jobs_turn;  /* jobs go before the transactions in line */
	long stop_wait_ms;
	unsigned members;
	struct waiter *group;
	struct db_writer_stats stats;
};

static unsigned batch_slot(unsigned n)
{
	unsigned k = 0;
	while (k + 1 < DB_BATCH_SLOTS && (1u << k) < n)
		k++;
	return k;
}

/* Tell every member of the group its result; the lock is held. */
static void answer_group(struct db_writer *w, struct waiter *group, unsigned n, int r)
{
	for (struct waiter *m = group, *next; m; m = next) {
		next = m->next; /* m may be gone once answered and the lock let go */
		answer(m, r);
	}
	if (n) {
		w->stats.commits += r == 0;
		w->stats.failed += r < 0;
		w->stats.transactions += r == 0 ? n : 0;
		w->stats.batches[batch_slot(n)]++;
	}
}

/* Is the group's transaction still one that can be committed? */
static bool usable(struct db *c)
{
	return c->ops->in_txn(c) && !c->ops->txn_failed(c);
}

/* End whatever transaction the connection is in; a connection that will not
 * roll back is closed, and opened anew by the next transaction. The caller
 * has the connection to itself. */
static void abandon(struct db_writer *w)
{
	struct db *c = w->conn;
	if (!c || !c->ops->in_txn(c))
		return;
	if (c->ops->exec(c, "ROLLBACK") == 0 && !c->ops->in_txn(c))
		return;
	log_error("db_commit", "error=\"the writer's connection would not roll back: %s\" action=reopen", c->errmsg);
	w->round_trips += atomic_load(&c->round_trips);
	db_close(c);
	w->conn = NULL;
}

/* The group, taken whole: the next transaction begins a new one. */
static struct waiter *take_group(struct db_writer *w, unsigned *ret_n)
{
	struct waiter *group = w->group;
	*ret_n = w->members;
	w->group = NULL;
	w->members = 0;
	w->open = false;
	return group;
}

/* Commit whatever the group holds, or end an open transaction that nobody
 * wrote in (so the lock is not kept while idle). The lock is held on entry
 * and on return; it is let go while the engine commits. */
static void commit_group(struct db_writer *w)
{
	unsigned n;
	struct waiter *group = take_group(w, &n);
	w->committing = true;
	pthread_mutex_unlock(&w->lock);

	/* A transaction PostgreSQL has failed answers COMMIT with a rollback
	 * that looks like success: never let it. */
	int r = usable(w->conn) ? w->conn->ops->exec(w->conn, "COMMIT") : ERR_DB;
	char error[sizeof w->error] = "";
	if (r < 0) {
		snprintf(error, sizeof error, "%s", w->conn->errmsg[0] ? w->conn->errmsg : "the transaction had failed");
		log_error("db_commit", "transactions=%u error=\"%s\"", n, error);
	}

	pthread_mutex_lock(&w->lock);
	if (r < 0)
		abandon(w); /* under the lock: the statistics read the connection */
	w->committing = false;
	if (r < 0)
		memcpy(w->error, error, sizeof error);
	answer_group(w, group, n, r);
	pthread_cond_broadcast(&w->turn);
}

#define CHECKPOINT_EVERY_MS 250
/* The log is started again once it holds this many frames (32 MiB of
 * 4 KiB pages). Under steady writes a passive checkpoint copies the log
 * but never lets it start again (some reader is always on it), so it would
 * grow without end, and reads would slow down as it does. */
#define RESTART_FRAMES 8192
/* Before the writes are held for that, passive copies, the writes going
 * on, bring what is left to copy down to this many frames, trying for at
 * most CATCH_UP_MS: the writes then wait only for that last part. */
#define CATCH_UP_FRAMES 512
#define CATCH_UP_MS 200

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Start the log again: copy it while the writes go on until little is
 * left, then keep new groups from beginning (those in line wait on their
 * conditions), wait for the open one to commit, and copy the rest with a
 * RESTART checkpoint, after which the next commit writes the log from its
 * start. The lock is held on entry and on return. */
static void restart_log(struct db_writer *w, struct db *db, int frames, int left)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = 0;
	pthread_mutex_unlock(&w->lock);
	while (left > CATCH_UP_FRAMES && ms_since(&t0) < CATCH_UP_MS &&
	       (r = db->ops->checkpoint(db, false, &frames, &left)) == 0)
		;
	pthread_mutex_lock(&w->lock);
	if (r < 0) {
		log_warn("db_checkpoint", "error=\"%s\"", db_errmsg(db));
		return;
	}
	if (left > CATCH_UP_FRAMES) {
		/* The writes outrun the copies: they are not held for long
		 * copying; the next look tries again. */
		log_info("db_checkpoint", "event=log_kept frames=%d left=%d reason=\"the copies did not catch up\"", frames,
			 left);
		return;
	}
	w->restarting = true;
	while (!w->stop && (w->open || w->held || w->committing))
		pthread_cond_wait(&w->turn, &w->lock);
	if (w->stop) {
		/* Those who found it restarting look again (the commit thread
		 * may be waiting on it to run the jobs left). */
		w->restarting = false;
		pthread_cond_broadcast(&w->turn);
		pthread_cond_signal(&w->wakeup);
		return;
	}
	w->held = true;
	pthread_mutex_unlock(&w->lock);
	int had = frames;
	r = db->ops->checkpoint(db, true, &frames, &left);
	if (r == ERR_BUSY)
		log_info("db_checkpoint", "event=log_kept frames=%d reason=\"a reader stayed\"", had);
	else if (r < 0)
		log_warn("db_checkpoint", "error=\"%s\"", db_errmsg(db));
	pthread_mutex_lock(&w->lock);
	w->held = false;
	w->restarting = false;
	/* A reader that stayed is not waited for again until the log has
	 * grown as much once more. */
	w->restart_frames = r == 0 ? w->restart_every : had + w->restart_every;
	if (r == 0)
		w->stats.log_restarts++;
	pthread_cond_broadcast(&w->turn);
	pthread_cond_signal(&w->wakeup);
}

static void *checkpoint_thread(void *arg)
{
	struct db_writer *w = arg;
	struct db *db = w->ckpt;
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct timespec at;
		clock_gettime(CLOCK_REALTIME, &at);
		at.tv_nsec += CHECKPOINT_EVERY_MS * 1000000L;
		at.tv_sec += at.tv_nsec / 1000000000L;
		at.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&w->stopping, &w->lock, &at);
		if (w->stop || w->stats.commits == w->checkpointed)
			continue;
		w->checkpointed = w->stats.commits;
		pthread_mutex_unlock(&w->lock);
		/* PASSIVE: copies what no reader still needs, and waits for
		 * nobody. */
		int frames = 0, left = 0;
		if (db->ops->checkpoint(db, false, &frames, &left) < 0)
			log_warn("db_checkpoint", "error=\"%s\"", db_errmsg(db));
		pthread_mutex_lock(&w->lock);
		if (frames >= w->restart_frames)
			restart_log(w, db, frames, left);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void group_lost(struct db_writer *w);
static int writer_reopen(struct db_writer *w);

/* A turn begins: in a savepoint of the open transaction, or bare, as the
 * first of a transaction begun for it. */
static int turn_open(struct db *c, bool bare)
{
	if (bare)
		return 0;
	/* Sent ahead where the engine can: it goes with the turn's first
	 * statement. */
	return c->ops->exec_later ? c->ops->exec_later(c, "SAVEPOINT tx") : c->ops->exec(c, "SAVEPOINT tx");
}

/* A turn that went well ends: its savepoint released, and the results of
 * its writes sent ahead read back with it (a bare turn has only those).
 * An error, of either, leaves the savepoint as it was, for the turn to be
 * undone. */
static int turn_end(struct db *c, bool bare)
{
	if (!bare)
		return c->ops->exec(c, "RELEASE SAVEPOINT tx");
	return c->ops->settle ? c->ops->settle(c) : 0;
}

/* A turn is undone: true when its savepoint was rolled back and ended. A
 * bare turn is never "ended" here (undo_bare rolls back its
 * transaction). */
static bool turn_undone(struct db *c, bool bare)
{
	return !bare && c->ops->exec(c, "ROLLBACK TO SAVEPOINT tx") == 0 && c->ops->exec(c, "RELEASE SAVEPOINT tx") == 0;
}

/* Undo a bare turn: its transaction, which holds nothing else, rolled
 * back whole. The lock is held. */
static void undo_bare(struct db_writer *w)
{
	unsigned n;
	(void)take_group(w, &n); /* empty: the turn was its first */
	abandon(w);
}

/* Run the queued jobs one after another, each in a savepoint of the
 * group's transaction; those that succeed join the group. The lock is held
 * on entry and on return; it is let go while they run. */
static void run_jobs(struct db_writer *w)
{
	/* As many as the group has room for; the rest wait for the next
	 * turn. */
	struct job *jobs = w->jobs, **end = &w->jobs;
	for (unsigned n = w->members; *end && n < GROUP_MAX; n++)
		end = &(*end)->next;
	w->jobs = *end;
	*end = NULL;
	if (!w->jobs)
		w->jobs_tail = &w->jobs;
	w->held = true;
	pthread_mutex_unlock(&w->lock);

	while (jobs) {
		struct job *j = jobs;
		jobs = j->next;
		int r = 0;
		if (!w->conn) {
			pthread_mutex_lock(&w->lock);
			r = writer_reopen(w);
			pthread_mutex_unlock(&w->lock);
		}
		struct db *c = w->conn;
		bool bare = r == 0 && !w->open;
		if (bare) {
			r = c->ops->begin(c);
			w->open = r == 0;
		}
		if (r < 0) {
			snprintf(j->error, sizeof j->error, "%s", c ? c->errmsg : "the database cannot be opened");
			pthread_mutex_lock(&w->lock);
			answer(&j->w, r);
			pthread_mutex_unlock(&w->lock);
			continue;
		}
		bool kept = false;
		atomic_store(&c->txn_lost, false); /* a turn of its own */
		if ((r = turn_open(c, bare)) == 0) {
			r = j->run(c, j->arg);
			if (r > 0)
				r = 0;
			if (r == 0 && atomic_load(&c->txn_lost))
				r = ERR_DB; /* it went on after losing the transaction */
			if (r == 0)
				r = turn_end(c, bare);
			if (r < 0) /* before undoing it, which may say more */
				snprintf(j->error, sizeof j->error, "%s", c->errmsg);
			kept = r == 0 || turn_undone(c, bare);
		}
		if ((r < 0 || !kept) && !j->error[0])
			snprintf(j->error, sizeof j->error, "%s", c->errmsg);
		pthread_mutex_lock(&w->lock);
		if (bare && r < 0 && w->open)
			undo_bare(w);
		/* A savepoint that could not be ended, or a transaction the
		 * engine ended or failed: nothing of the group can be trusted. */
		else if (w->open && (!kept || !usable(c))) {
			group_lost(w);
			r = r < 0 ? r : ERR_DB;
		}
		if (r < 0) {
			answer(&j->w, r);
		} else {
			j->w.next = w->group;
			w->group = &j->w;
			w->members++;
		}
		pthread_mutex_unlock(&w->lock);
	}

	pthread_mutex_lock(&w->lock);
	w->held = false;
	w->jobs_turn = false; /* a transaction in line goes next */
	pthread_cond_broadcast(&w->turn);
}

/* May the commit thread run the queued jobs now? The lock is held. */
static bool jobs_ready(const struct db_writer *w)
{
	return w->jobs && !w->held && w->members < GROUP_MAX && (w->jobs_turn || w->asking == 0) &&
	       !(w->restarting && !w->open);
}

/* ... commit the group now? */
static bool commit_ready(const struct db_writer *w)
{
	return w->open && !w->held && (w->line == 0 || w->members >= GROUP_MAX);
}

/* ... end, everything done? */
static bool finished(const struct db_writer *w)
{
	return w->stop && !w->jobs && !w->held && !w->open && w->line == 0;
}

static void *commit_thread(void *arg)
{
	struct db_writer *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		/* Wait while someone is in line and the group has room: they
		 * share this commit. Jobs are run as they come, taking turns
		 * with the transactions in line. */
		while (!jobs_ready(w) && !commit_ready(w) && !finished(w))
			pthread_cond_wait(&w->wakeup, &w->lock);
		if (jobs_ready(w))
			run_jobs(w);
		else if (commit_ready(w))
			commit_group(w);
		else
			break;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int db_writer_new(const char *url, struct db_writer **ret)
{
	struct db_writer *w = calloc(1, sizeof *w);
	if (!w || !(w->url = strdup(url))) {
		free(w);
		return ERR_NOMEM;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->turn, NULL);
	pthread_cond_init(&w->wakeup, NULL);
	pthread_cond_init(&w->stopping, NULL);
	pthread_cond_init(&w->left, NULL);
	w->jobs_tail = &w->jobs;
	w->jobs_turn = true;
	w->stop_wait_ms = STOP_WAIT_MS;
	w->restart_every = w->restart_frames = RESTART_FRAMES;
	*ret = w;
	return 0;
}

/* Wait until every caller is done with the writer, or ms have passed; the
 * lock is held. */
static bool wait_out(struct db_writer *w, long ms)
{
	struct timespec at;
	clock_gettime(CLOCK_REALTIME, &at);
	at.tv_sec += ms / 1000;
	at.tv_nsec += (ms % 1000) * 1000000L;
	at.tv_sec += at.tv_nsec / 1000000000L;
	at.tv_nsec %= 1000000000L;
	while (w->inside > 0)
		if (pthread_cond_timedwait(&w->left, &w->lock, &at) == ETIMEDOUT)
			return w->inside == 0;
	return true;
}

int db_writer_stop(struct db_writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->turn); /* those in line are refused */
	pthread_cond_signal(&w->wakeup);
	pthread_cond_broadcast(&w->stopping);
	bool ended = wait_out(w, w->stop_wait_ms);
	if (!ended && w->conn) {
		/* Its statements are refused from now on: a holder that checks
		 * its results rolls back. */
		log_error("db_close", "error=\"a transaction keeps the writer\" action=\"its statements are refused\"");
		atomic_store(&w->conn->txn_lost, true);
		ended = wait_out(w, w->stop_wait_ms);
	}
	pthread_mutex_unlock(&w->lock);
	if (!ended)
		return ERR_BUSY;
	if (w->thread_started)
		pthread_join(w->thread, NULL);
	w->thread_started = false;
	if (w->checkpointer_started)
		pthread_join(w->checkpointer, NULL);
	w->checkpointer_started = false;
	return 0;
}

void db_writer_free(struct db_writer *w)
{
	if (!w)
		return;
	db_close(w->ckpt);
	if (w->conn && w->conn->ops->in_txn(w->conn))
		(void)w->conn->ops->exec(w->conn, "ROLLBACK");
	db_close(w->conn);
	pthread_cond_destroy(&w->turn);
	pthread_cond_destroy(&w->wakeup);
	pthread_cond_destroy(&w->stopping);
	pthread_cond_destroy(&w->left);
	pthread_mutex_destroy(&w->lock);
	free(w->url);
	free(w);
}

void db_writer_stats(struct db_writer *w, struct db_writer_stats *ret)
{
	pthread_mutex_lock(&w->lock);
	*ret = w->stats;
	ret->round_trips = w->round_trips + (w->conn ? atomic_load(&w->conn->round_trips) : 0);
	ret->waiting = w->line + w->members;
	for (struct job *j = w->jobs; j; j = j->next)
		ret->waiting++;
	pthread_mutex_unlock(&w->lock);
}

/* The writer's connection, opened (again); the lock is held. */
static int writer_reopen(struct db_writer *w)
{
	char err[256];
	int r = db_open(w->url, &w->conn, err, sizeof err);
	if (r < 0) {
		snprintf(w->error, sizeof w->error, "%s", err);
		return r;
	}
	w->conn->writer_conn = true;
	if (db_engine(w->conn) != DB_SQLITE)
		return 0;
	/* The log is copied by the checkpoint thread, when there is one. */
	r = w->conn->ops->exec(w->conn, w->checkpointer_started
						? "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864"
						: "PRAGMA journal_size_limit=67108864");
	if (r < 0) {
		snprintf(w->error, sizeof w->error, "%s", w->conn->errmsg);
		db_close(w->conn);
		w->conn = NULL;
	}
	return r;
}

/* The connection and the threads, on first use; the lock is held. */
static int writer_start(struct db_writer *w, struct db *asking)
{
	int r;
	if (!w->conn && (r = writer_reopen(w)) < 0) {
		db_set_error(asking, "%s", w->error);
		return r;
	}
	if (db_engine(w->conn) == DB_SQLITE && !w->ckpt) {
		char err[256];
		if ((r = db_open(w->url, &w->ckpt, err, sizeof err)) < 0) {
			db_set_error(asking, "%s", err);
			return r;
		}
		w->checkpointer_started = thread_start(&w->checkpointer, checkpoint_thread, w) == 0;
		if (!w->checkpointer_started)
			log_warn("db_checkpoint", "error=\"no thread: the log is copied by the commits\"");
		else if ((r = w->conn->ops->exec(w->conn, "PRAGMA wal_autocheckpoint=0")) < 0)
			log_warn("db_checkpoint", "error=\"%s\"", w->conn->errmsg);
	}
	if (!w->thread_started) {
		if (thread_start(&w->thread, commit_thread, w) != 0) {
			db_set_error(asking, "cannot start the commit thread");
			return ERR_NOMEM;
		}
		w->thread_started = true;
	}
	return 0;
}

/* Leave the line; the lock is held. */
static void leave(struct db_writer *w)
{
	w->held = false;
	w->line--;
	/* One waiter is enough, unless the checkpoint thread waits on the
	 * same condition to start the log again: a signal it took would wake
	 * nobody in line. */
	if (w->restarting)
		pthread_cond_broadcast(&w->turn);
	else
		pthread_cond_signal(&w->turn);
	pthread_cond_signal(&w->wakeup);
}

/* A caller is done with the writer (its last use of it); the lock is
 * held. */
static void out(struct db_writer *w)
{
	w->inside--;
	if (w->stop)
		pthread_cond_broadcast(&w->left);
}

/* The engine ended the group's transaction on its own (SQLite does on some
 * errors): its members' work is gone, and they are told now. */
static void group_lost(struct db_writer *w)
{
	unsigned n;
	struct waiter *group = take_group(w, &n);
	abandon(w);
	snprintf(w->error, sizeof w->error, "the open transaction was rolled back by the database");
	log_error("db_commit", "transactions=%u error=\"%s\"", n, w->error);
	answer_group(w, group, n, ERR_DB);
}

/* Refused: the pool is closing. */
static int stopping(struct db *db)
{
	db_set_error(db, "the database is closing: the server is stopping");
	return ERR_IO;
}

int db_writer_begin(struct db_writer *w, struct db *db)
{
	pthread_mutex_lock(&w->lock);
	w->inside++;
	w->line++;
	w->asking++;
	/* Jobs queued go first once, then this one. */
	while (!w->stop && (w->held || w->committing || w->members >= GROUP_MAX || (w->jobs && w->jobs_turn) ||
			    (w->restarting && !w->open)))
		pthread_cond_wait(&w->turn, &w->lock);
	w->asking--;
	int r = w->stop ? stopping(db) : writer_start(w, db);
	if (r == 0 && w->open && !usable(w->conn))
		group_lost(w);
	if (r == 0 && !w->conn)
		r = writer_start(w, db); /* closed by group_lost */
	bool bare = r == 0 && !w->open;
	if (bare) {
		if ((r = w->conn->ops->begin(w->conn)) < 0)
			db_set_error(db, "%s", w->conn->errmsg);
		w->open = r == 0;
	}
	if (r < 0) {
		leave(w);
		out(w);
		pthread_mutex_unlock(&w->lock);
		return r;
	}
	w->held = true;
	w->bare = bare;
	w->jobs_turn = true;
	atomic_store(&w->conn->txn_lost, false); /* a turn of its own */
	pthread_mutex_unlock(&w->lock);

	if ((r = turn_open(w->conn, bare)) < 0) {
		db_set_error(db, "%s", w->conn->errmsg);
		pthread_mutex_lock(&w->lock);
		if (!usable(w->conn))
			group_lost(w);
		leave(w);
		out(w);
		pthread_mutex_unlock(&w->lock);
		return r;
	}
	db->active = w->conn;
	return 0;
}

/* Undo this transaction's savepoint and give up the connection. */
static void undo(struct db_writer *w, struct db *db)
{
	struct db *c = w->conn;
	if (c->errmsg[0])
		db_set_error(db, "%s", c->errmsg); /* what went wrong, kept for the caller */
	bool kept = c->ops->in_txn(c) && turn_undone(c, w->bare);
	db->active = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->bare && w->open)
		undo_bare(w);
	else if (!kept || !usable(c))
		group_lost(w);
	leave(w);
	out(w);
	pthread_mutex_unlock(&w->lock);
}

int db_writer_commit(struct db_writer *w, struct db *db)
{
	struct db *c = w->conn;
	if (atomic_load(&c->txn_lost)) {
		/* Some of its statements were refused: never committed. */
		db_set_error(c, "the transaction was ended by the database or the server is stopping: nothing was saved");
		undo(w, db);
		return ERR_DB;
	}
	struct waiter me = {0};
	if (pthread_cond_init(&me.answered, NULL) != 0) {
		db_set_error(c, "out of memory: nothing was saved");
		undo(w, db);
		return ERR_NOMEM;
	}
	int r = turn_end(c, w->bare);
	if (r < 0) {
		pthread_cond_destroy(&me.answered);
		undo(w, db);
		return r;
	}
	db->active = NULL;
	pthread_mutex_lock(&w->lock);
	if (!usable(c)) {
		/* Released, but the group's transaction was gone already: what
		 * was written has no transaction to be committed in. */
		group_lost(w);
		leave(w);
		db_set_error(db, "the open transaction was rolled back by the database");
		out(w);
		pthread_mutex_unlock(&w->lock);
		pthread_cond_destroy(&me.answered);
		return ERR_DB;
	}
	me.next = w->group;
	w->group = &me;
	w->members++;
	leave(w);
	if (await_answer(&me, &w->lock) < 0)
		db_set_error(db, "the commit failed: %s", w->error);
	out(w);
	pthread_mutex_unlock(&w->lock);
	return me.result;
}

void db_writer_rollback(struct db_writer *w, struct db *db)
{
	undo(w, db);
}

int db_writer_job(struct db_writer *w, struct db *db, int (*run)(struct db *db, void *arg), void *arg)
{
	struct job j = {.run = run, .arg = arg};
	if (pthread_cond_init(&j.w.answered, NULL) != 0) {
		db_set_error(db, "out of memory");
		return ERR_NOMEM;
	}
	pthread_mutex_lock(&w->lock);
	int r = w->stop ? stopping(db) : writer_start(w, db);
	if (r < 0) {
		pthread_mutex_unlock(&w->lock);
		pthread_cond_destroy(&j.w.answered);
		return r;
	}
	w->inside++;
	*w->jobs_tail = &j;
	w->jobs_tail = &j.next;
	pthread_cond_signal(&w->wakeup);
	if (await_answer(&j.w, &w->lock) < 0)
		db_set_error(db, "%s", j.error[0] ? j.error : w->error[0] ? w->error : "the write failed");
	out(w);
	pthread_mutex_unlock(&w->lock);
	return j.w.result;
}

int db_writer_guard(struct db *c)
{
	if (!c->writer_conn)
		return 0;
	if (!atomic_load(&c->txn_lost) && c->ops->in_txn(c))
		return 0;
	/* Kept until the turn ends: a transaction begun again under it would
	 * not hold what came before. */
	atomic_store(&c->txn_lost, true);
	db_set_error(c, "the transaction was ended by the database or the server is stopping: roll back");
	return ERR_DB;
}

#ifdef HARTLINE_TEST_HOOKS
void db_writer_set_log_restart(struct db_writer *w, int frames)
{
	pthread_mutex_lock(&w->lock);
	w->restart_every = frames;
	w->restart_frames = frames;
	pthread_mutex_unlock(&w->lock);
}

void db_writer_set_stop_wait(struct db_writer *w, long ms)
{
	pthread_mutex_lock(&w->lock);
	w->stop_wait_ms = ms;
	pthread_mutex_unlock(&w->lock);
}
#endif
