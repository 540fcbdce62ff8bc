/* db_listen.c: PostgreSQL's LISTEN/NOTIFY, for several servers on one
 * database (db.h, "LISTEN/NOTIFY"). A listener is one thread with its own
 * connection: it waits on the connection's socket and on a pipe that ends
 * it, hands each notification to its callback, and after a lost
 * connection opens a new one (the callback is told then as well, since
 * what was sent meanwhile is lost). */
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "base/thread.h"
#include "db/db.h"

/* Between attempts to connect again, and the longest quiet wait, in ms. */
#define RETRY_MS 1000
#define WAIT_MS 30000

struct db_listener {
	char *url, *channel;
	void (*fn)(void *arg);
	void *arg;
	int stop_pipe[2];
	pthread_t thread;
	atomic_bool up;
};

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* A connection that listens on l's channel, or NULL. */
static PGconn *listen_connect(struct db_listener *l)
{
	PGconn *c = PQconnectdb(l->url);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet_notices, NULL);
	char *ident = PQescapeIdentifier(c, l->channel, strlen(l->channel));
	char sql[200];
	int n = ident ? snprintf(sql, sizeof sql, "LISTEN %s", ident) : -1;
	PQfreemem(ident);
	PGresult *res = n > 0 && (size_t)n < sizeof sql ? PQexec(c, sql) : NULL;
	bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok || PQsetnonblocking(c, 1) != 0) {
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Wait for c's socket (or only the stop pipe when c is NULL) for ms: true
 * when the listener is to stop. *ret_quiet: the time passed with nothing. */
static bool wait_for(struct db_listener *l, PGconn *c, int ms, bool *ret_readable, bool *ret_quiet)
{
	struct pollfd p[2] = {{.fd = l->stop_pipe[0], .events = POLLIN}, {.fd = c ? PQsocket(c) : -1, .events = POLLIN}};
	int n = poll(p, c ? 2 : 1, ms);
	*ret_readable = n > 0 && c && (p[1].revents & (POLLIN | POLLHUP | POLLERR));
	*ret_quiet = n == 0;
	return n > 0 && (p[0].revents & (POLLIN | POLLHUP));
}

/* After a quiet while, whether the connection still answers: a server gone
 * without a word (a cut network) sends nothing to wake the poll. While it
 * is asked, the callers read for themselves. */
static bool still_there(struct db_listener *l, PGconn *c)
{
	atomic_store(&l->up, false);
	bool ok = PQsetnonblocking(c, 0) == 0;
	PGresult *res = ok ? PQexec(c, "") : NULL;
	ok = ok && res && PQresultStatus(res) == PGRES_EMPTY_QUERY && PQsetnonblocking(c, 1) == 0;
	PQclear(res);
	/* Whatever came with the answer. */
	PGnotify *note;
	bool any = false;
	while (ok && (note = PQnotifies(c))) {
		any = true;
		PQfreemem(note);
	}
	if (any)
		l->fn(l->arg);
	if (ok)
		atomic_store(&l->up, true);
	return ok;
}

/* Read what arrived on c: false when the connection is lost. */
static bool consume(struct db_listener *l, PGconn *c)
{
	if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK)
		return false;
	PGnotify *note;
	bool any = false;
	while ((note = PQnotifies(c))) {
		any = true;
		PQfreemem(note);
	}
	/* One call for many notifications: the callback catches up on all. */
	if (any)
		l->fn(l->arg);
	return true;
}

static void *listen_main(void *arg)
{
	struct db_listener *l = arg;
	PGconn *c = NULL;
	bool was_up = false, readable, quiet;
	for (;;) {
		if (!c && (c = listen_connect(l))) {
			log_info("listen", "channel=%s state=listening", l->channel);
			/* Whatever was sent while no one listened is read now;
			 * until then the callers were not counting on this. */
			l->fn(l->arg);
			atomic_store(&l->up, true);
			was_up = true;
		}
		if (wait_for(l, c, c ? WAIT_MS : RETRY_MS, &readable, &quiet))
			break;
		if (c && ((readable && !consume(l, c)) || (quiet && !still_there(l, c)))) {
			PQfinish(c);
			c = NULL;
			atomic_store(&l->up, false);
			if (was_up)
				log_warn("listen", "channel=%s state=lost retry=1s", l->channel);
			was_up = false;
		}
	}
	atomic_store(&l->up, false);
	PQfinish(c);
	return NULL;
}

int db_listen_start(const char *url, const char *channel, void (*fn)(void *arg), void *arg,
		    struct db_listener **ret)
{
	*ret = NULL;
	if (db_url_engine(url) != DB_POSTGRESQL)
		return ERR_INVAL;
	struct db_listener *l = calloc(1, sizeof *l);
	if (!l)
		return ERR_NOMEM;
	l->url = strdup(url);
	l->channel = strdup(channel);
	l->fn = fn;
	l->arg = arg;
	atomic_init(&l->up, false);
	if (!l->url || !l->channel || pipe2(l->stop_pipe, O_CLOEXEC) != 0) {
		free(l->url);
		free(l->channel);
		free(l);
		return ERR_NOMEM;
	}
	if (thread_start(&l->thread, listen_main, l) != 0) {
		close(l->stop_pipe[0]);
		close(l->stop_pipe[1]);
		free(l->url);
		free(l->channel);
		free(l);
		return ERR_NOMEM;
	}
	*ret = l;
	return 0;
}

bool db_listen_up(struct db_listener *l)
{
	return l && atomic_load(&l->up);
}

void db_listen_stop(struct db_listener *l)
{
	if (!l)
		return;
	ssize_t w;
	do
		w = write(l->stop_pipe[1], "x", 1);
	while (w < 0 && errno == EINTR);
	pthread_join(l->thread, NULL);
	close(l->stop_pipe[0]);
	close(l->stop_pipe[1]);
	free(l->url);
	free(l->channel);
	free(l);
}

int db_notify(struct db *db, const char *channel)
{
	if (db_engine(db) != DB_POSTGRESQL)
		return 0;
	return db_execf(db, "SELECT pg_notify(?, '')", "t", channel);
}
