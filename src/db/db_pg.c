/* The PostgreSQL driver: libpq, text results, ? rewritten to $n, each
 * statement prepared once per connection (a named statement, kept in a
 * cache keyed by its SQL text) and then only executed. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db_internal.h"
#include "db/stmt_cache.h"

#define PG_MAX_PARAMS 256
/* Every session: quiet notices, and UTC so that times never shift. */
#define PG_SESSION_SETUP "SET client_min_messages TO warning; SET TIME ZONE 'UTC'"

struct pg_stmt;

/* Named statements kept for the next use of the same SQL on this
 * connection: parsing and planning each anew cost more than running it. */
#define PG_CACHE 256
_Static_assert(PG_CACHE <= SC_MAX, "the cache index holds every slot");
#define PG_UNDEALLOCATED 16 /* names evicted and not yet deallocated */

struct pg_cached {
	char *server;  /* with $n placeholders; NULL: an empty slot */
	int nparams;
	unsigned users; /* statements using it: never evicted meanwhile */
	bool prepared;  /* on the server, as name */
	char name[24];
};

struct pg_db {
	struct db base;
	PGconn *conn;
	bool session; /* PG_SESSION_SETUP done on this connection */
	uint64_t names;
	struct stmt_cache index; /* the SQL text of each slot of cache */
	struct pg_cached cache[PG_CACHE];
	/* Names evicted while prepared, deallocated before the next prepare
	 * (DEALLOCATE fails inside a failed transaction: kept until it
	 * works). */
	char evicted[PG_UNDEALLOCATED][24];
	unsigned nevicted;
	/* The statement whose rows are still arriving on the connection
	 * (single-row mode), if any: its rows are read one at a time as it
	 * steps, so a large result is never held at once. */
	struct pg_stmt *active;
	/* Writes sent ahead inside a transaction (db_step_later): the
	 * connection is in pipeline mode while later > 0, and their results
	 * are read with the next statement that waits for one. */
	unsigned later;
};

struct pg_stmt {
	struct db_stmt base;
	struct pg_cached *slot; /* its named statement, or NULL: sent whole */
	char *sql;   /* with $n placeholders (NULL when slot has it) */
	int nparams; /* placeholders in sql */
	char *values[PG_MAX_PARAMS];
	int lengths[PG_MAX_PARAMS];
	int formats[PG_MAX_PARAMS];
	PGresult *res;
	int row;  /* current row, -1 before the first */
	int done; /* result consumed */
	int sent; /* the statement has been sent */
	bool retried; /* sent again once, its named statement prepared anew */
	/* Results read ahead when another statement needed the connection
	 * before this one had stepped through its rows: taken from here
	 * first (a ring of nqueued from qhead). */
	PGresult **queue;
	size_t qhead, nqueued, qcap;
	unsigned char *blob; /* last unescaped bytea, freed on next use */
};

static PGconn *C(struct db *db)
{
	return ((struct pg_db *)db)->conn;
}

static struct pg_stmt *P(struct db_stmt *st)
{
	return (struct pg_stmt *)st;
}

/* Map a failed result to an error code, keeping the server's message. */
static int pg_error(struct db *db, PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(C(db));
	db_set_error(db, "postgresql: %s", msg && *msg ? msg : "unknown error");
	size_t n = strlen(db->errmsg);
	while (n && (db->errmsg[n - 1] == '\n' || db->errmsg[n - 1] == ' '))
		db->errmsg[--n] = '\0';
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!state)
		return PQstatus(C(db)) == CONNECTION_OK ? ERR_DB : ERR_IO;
	if (strncmp(state, "23", 2) == 0)
		return ERR_CONFLICT; /* integrity constraint violation */
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
		return ERR_BUSY; /* serialization failure, deadlock, lock not available */
	if (strcmp(state, "53200") == 0)
		return ERR_NOMEM;
	if (strncmp(state, "08", 2) == 0)
		return ERR_IO;
	return ERR_DB;
}

/* Rewrite ? to $1, $2, ... outside quoted strings, identifiers and
 * comments. */
static int rewrite_placeholders(const char *sql, char **ret, int *ret_n)
{
	struct buf b;
	buf_init(&b, 0);
	int n = 0, r = 0;
	for (const char *p = sql; *p && r == 0; p++) {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			const char *e = p + 1;
			while (*e && !(*e == q && e[1] != q)) {
				if (*e == q)
					e++; /* doubled quote */
				e++;
			}
			r = buf_append(&b, p, (size_t)(e - p) + (*e ? 1 : 0));
			p = *e ? e : e - 1;
		} else if (p[0] == '-' && p[1] == '-') {
			const char *e = strchr(p, '\n');
			if (!e)
				e = p + strlen(p) - 1;
			r = buf_append(&b, p, (size_t)(e - p) + 1);
			p = e;
		} else if (*p == '?') {
			if (++n > PG_MAX_PARAMS)
				r = ERR_TOOBIG;
			else
				r = buf_printf(&b, "$%d", n);
		} else {
			r = buf_putc(&b, *p);
		}
	}
	if (r < 0) {
		buf_done(&b);
		return r;
	}
	*ret = buf_detach(&b, NULL);
	*ret_n = n;
	return *ret ? 0 : ERR_NOMEM;
}

static struct pg_db *PGDB(struct db *db)
{
	return (struct pg_db *)db;
}

/* A connection opened anew has none of the named statements. */
static void cache_forget(struct pg_db *db)
{
	for (size_t i = 0; i < PG_CACHE; i++)
		db->cache[i].prepared = false;
	db->nevicted = 0;
}

static void cache_free(struct pg_db *db)
{
	for (size_t i = 0; i < PG_CACHE; i++)
		free(db->cache[i].server);
	sc_free(&db->index);
}

/* The slot's statement gets a new name, to be prepared again; the old one
 * is deallocated if the server has it. */
static void cache_rename(struct pg_db *db, struct pg_cached *c, bool on_server)
{
	if (on_server && c->prepared) {
		if (db->nevicted == PG_UNDEALLOCATED)
			return; /* kept as it is: tried again when the list is short */
		memcpy(db->evicted[db->nevicted++], c->name, sizeof c->name);
	}
	c->prepared = false;
	snprintf(c->name, sizeof c->name, "hl_%llu", (unsigned long long)++db->names);
}

/* The slot for sql: the one that has it, or a free or the least recently
 * used one, filled with it. *ret NULL when none can be had (every slot in
 * use, or too many names wait to be deallocated): the statement is then
 * sent whole. */
static int cache_get(struct pg_db *db, const char *sql, struct pg_cached **ret)
{
	size_t len = strlen(sql);
	uint64_t hash = sc_hash(sql, len);
	int i = sc_find(&db->index, sql, len, hash, false);
	*ret = NULL;
	if (i >= 0) {
		sc_take(&db->index, i);
		db->cache[i].users++;
		*ret = &db->cache[i];
		return 0;
	}
	if ((i = sc_victim(&db->index)) < 0)
		return 0;
	struct pg_cached *slot = &db->cache[i];
	if (slot->prepared && db->nevicted == PG_UNDEALLOCATED)
		return 0;
	char *server;
	int n, r = rewrite_placeholders(sql, &server, &n);
	if (r < 0)
		return r;
	if ((r = sc_fill(&db->index, i, sql, len, hash)) < 0) {
		free(server);
		return r;
	}
	cache_rename(db, slot, true);
	free(slot->server);
	slot->server = server;
	slot->nparams = n;
	slot->users = 1;
	*ret = slot;
	return 0;
}

/* A statement is done with its slot: idle when nobody else uses it. */
static void cache_put(struct pg_db *db, struct pg_cached *c)
{
	if (--c->users == 0)
		sc_put(&db->index, (int)(c - db->cache));
}

/* Deallocate the names evicted, when the transaction (if any) has not
 * failed; they stay listed when it cannot be done now. */
static void cache_deallocate(struct pg_db *db)
{
	if (!db->nevicted || PQtransactionStatus(db->conn) == PQTRANS_INERROR)
		return;
	struct buf b;
	buf_init(&b, 0);
	int r = 0;
	for (unsigned i = 0; i < db->nevicted && r == 0; i++)
		r = buf_printf(&b, "DEALLOCATE %s;", db->evicted[i]);
	char *sql = r == 0 ? buf_detach(&b, NULL) : NULL;
	buf_done(&b);
	if (!sql)
		return;
	db->base.round_trips++;
	PGresult *res = PQexec(db->conn, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		db->nevicted = 0;
	PQclear(res);
	free(sql);
}

/* Prepare the slot's statement on the server as its name. The connection
 * is free. */
static int cache_prepare(struct pg_db *db, struct pg_cached *c)
{
	cache_deallocate(db);
	db->base.round_trips++;
	PGresult *res = PQprepare(db->conn, c->name, c->server, c->nparams, NULL);
	int r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_error(&db->base, res);
	PQclear(res);
	c->prepared = r == 0;
	return r;
}

/* An execution of a named statement failed with res: the server may have
 * lost the statement, or refuse its cached plan (a table it reads was
 * changed); it is prepared again next time. */
static bool cache_failed(struct pg_db *db, struct pg_cached *c, PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!state)
		return false;
	if (strcmp(state, "26000") == 0) /* invalid_sql_statement_name */
		cache_rename(db, c, false);
	else if (strcmp(state, "0A000") == 0) /* feature_not_supported: the plan's result changed */
		cache_rename(db, c, true);
	return !c->prepared;
}

/* Keep res for st to read later; false when out of memory (res is
 * freed). */
static bool queue_push(struct pg_stmt *st, PGresult *res)
{
	if (st->nqueued == st->qcap) {
		size_t cap = st->qcap ? st->qcap * 2 : 16;
		PGresult **q = malloc(cap * sizeof *q);
		if (!q) {
			PQclear(res);
			return false;
		}
		for (size_t i = 0; i < st->nqueued; i++)
			q[i] = st->queue[(st->qhead + i) % st->qcap];
		free(st->queue);
		st->queue = q;
		st->qhead = 0;
		st->qcap = cap;
	}
	st->queue[(st->qhead + st->nqueued++) % st->qcap] = res;
	return true;
}

/* The rows of st end early, out of memory: step reports it there. */
static void queue_failed(struct pg_stmt *st)
{
	for (size_t i = 0; i < st->nqueued; i++)
		PQclear(st->queue[(st->qhead + i) % st->qcap]);
	st->nqueued = 0;
	st->res = NULL;
	st->done = 2;
}

/* Read what is left of the active statement's results off the
 * connection: into its queue when keep (another statement needs the
 * connection, the rows are still wanted), else thrown away. A result that
 * cannot be queued (out of memory) becomes the end of the rows, and the
 * statement fails with ERR_NOMEM at that point. */
static void pg_drain(struct pg_db *db, bool keep)
{
	struct pg_stmt *st = db->active;
	if (!st)
		return;
	db->active = NULL;
	PGresult *res;
	bool failed = false;
	while ((res = PQgetResult(db->conn))) {
		if (!keep || failed)
			PQclear(res);
		else
			failed = !queue_push(st, res);
	}
	if (failed)
		queue_failed(st);
}

/* Make the connection free for a new command: a statement still reading
 * its rows reads the rest ahead. */
static void pg_free_conn(struct db *db)
{
	pg_drain(PGDB(db), true);
}

static void clear_result(struct pg_stmt *st)
{
	struct pg_db *db = PGDB(st->base.db);
	if (db->active == st)
		pg_drain(db, false);
	PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	st->done = 0;
	st->sent = 0;
	for (size_t i = 0; i < st->nqueued; i++)
		PQclear(st->queue[(st->qhead + i) % st->qcap]);
	st->nqueued = st->qhead = 0;
	if (st->blob) {
		PQfreemem(st->blob);
		st->blob = NULL;
	}
}

/* A connection whose state is not known any more is opened anew: out of
 * pipeline mode, without its named statements, its transaction gone. */
static void pg_restart(struct pg_db *db)
{
	PQreset(db->conn);
	cache_forget(db);
	db->session = false;
	db->later = 0;
}

/* A connection the server dropped (restart, failover) is tried once more
 * before a statement runs; a statement inside a lost transaction still
 * fails, as it must. */
static int pg_ensure(struct db *db)
{
	struct pg_db *p = PGDB(db);
	if (PQstatus(p->conn) == CONNECTION_BAD)
		pg_restart(p);
	/* A connection still lost fails in the statement itself. */
	if (p->session || PQstatus(p->conn) != CONNECTION_OK)
		return 0;
	db->round_trips++;
	PGresult *res = PQexec(p->conn, PG_SESSION_SETUP);
	p->session = PQresultStatus(res) == PGRES_COMMAND_OK;
	int r = p->session ? 0 : pg_error(db, res);
	PQclear(res);
	return r;
}

/* Is sql a rollback? It runs even after a write sent ahead failed. */
static bool is_rollback(const char *sql)
{
	return strncasecmp(sql, "ROLLBACK", 8) == 0 || strncasecmp(sql, "ABORT", 5) == 0;
}

/* Writes sent ahead are read back at the latest after this many: their
 * results are small, but a server whose answers nobody reads stops reading
 * in the end, and both sides would wait for ever. */
#define PG_LATER_MAX 64

/* End the pipeline of writes sent ahead: a sync after them, then their
 * results and, when st is not NULL, those of st, sent last and kept in
 * its queue for it to step through. One round trip. The first write that
 * failed is the error (the server then skipped the rest, st too); a
 * failure of st itself is in its results. */
static int pipe_end(struct pg_db *db, struct pg_stmt *st)
{
	if (PQpipelineStatus(db->conn) == PQ_PIPELINE_OFF)
		return 0;
	struct db *base = &db->base;
	unsigned n = db->later + (st != NULL);
	db->later = 0;
	if (n == 0)
		return PQexitPipelineMode(db->conn) ? 0 : pg_error(base, NULL);
	base->round_trips++;
	if (!PQpipelineSync(db->conn)) {
		/* What the server got is unknown: the connection, and its
		 * transaction with it, is started anew. */
		int err = pg_error(base, NULL);
		pg_restart(db);
		return err;
	}
	int err = 0;
	bool kept = true;
	for (unsigned i = 0; i < n; i++) {
		PGresult *res;
		while ((res = PQgetResult(db->conn))) { /* NULL ends each statement's results */
			if (st && i + 1 == n && err == 0 && kept) {
				kept = queue_push(st, res);
				continue;
			}
			if (PQresultStatus(res) == PGRES_FATAL_ERROR && err == 0)
				err = pg_error(base, res);
			PQclear(res);
		}
	}
	PQclear(PQgetResult(db->conn)); /* the sync */
	if (!PQexitPipelineMode(db->conn)) {
		/* Results nobody can match to their statements: the
		 * connection, and its transaction with it, is started anew. */
		int e = pg_error(base, NULL);
		err = err ? err : e;
		pg_restart(db);
	}
	if (!kept && err == 0) {
		queue_failed(st);
		db_set_error(base, "postgresql: out of memory reading a result");
		err = ERR_NOMEM;
	}
	return err;
}

/* Send st (or sql, without parameters) ahead, in pipeline mode: its result
 * is read with the next statement that waits for one. */
static int send_ahead(struct db *db, struct pg_stmt *st, const char *sql)
{
	struct pg_db *p = PGDB(db);
	int r;
	if (p->later >= PG_LATER_MAX && (r = pipe_end(p, NULL)) < 0)
		return r;
	pg_free_conn(db);
	/* Only ever inside a transaction: a connection lost is never opened
	 * again here, where the write would run outside it. */
	if (PQstatus(p->conn) != CONNECTION_OK)
		return pg_error(db, NULL);
	/* Preparing waits for its answer: what was sent ahead goes first. */
	if (st && st->slot && !st->slot->prepared &&
	    ((r = pipe_end(p, NULL)) < 0 || (r = cache_prepare(p, st->slot)) < 0))
		return r;
	if (PQpipelineStatus(p->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(p->conn))
		return pg_error(db, NULL);
	bool sent;
	if (!st)
		sent = PQsendQueryParams(p->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	else if (st->slot)
		sent = PQsendQueryPrepared(p->conn, st->slot->name, st->nparams, (const char *const *)st->values,
					   st->lengths, st->formats, 0);
	else
		sent = PQsendQueryParams(p->conn, st->sql, st->nparams, NULL, (const char *const *)st->values,
					 st->lengths, st->formats, 0);
	if (!sent) {
		r = pg_error(db, NULL);
		(void)pipe_end(p, NULL);
		return r;
	}
	p->later++;
	return 0;
}

static int pg_step_later(struct db_stmt *sst)
{
	struct pg_stmt *st = P(sst);
	int r = send_ahead(sst->db, st, NULL);
	st->done = 1; /* nothing to step through */
	return r;
}

static int pg_exec_later(struct db *db, const char *sql)
{
	return send_ahead(db, NULL, sql);
}

static int pg_settle(struct db *db)
{
	pg_free_conn(db);
	return pipe_end(PGDB(db), NULL);
}

static void pg_close(struct db *db)
{
	pg_drain(PGDB(db), false);
	PQfinish(C(db));
	cache_free(PGDB(db));
	free(db);
}

static int pg_prepare(struct db *db, const char *sql, struct db_stmt **ret)
{
	struct pg_stmt *st = calloc(1, sizeof *st);
	if (!st)
		return ERR_NOMEM;
	int r = cache_get(PGDB(db), sql, &st->slot);
	if (r == 0 && st->slot)
		st->nparams = st->slot->nparams;
	else if (r == 0)
		r = rewrite_placeholders(sql, &st->sql, &st->nparams);
	if (r < 0) {
		free(st);
		if (r == ERR_TOOBIG)
			db_set_error(db, "postgresql: statement has more than %d parameters", PG_MAX_PARAMS);
		else
			db_set_error(db, "postgresql: out of memory preparing a statement");
		return r;
	}
	st->base.db = db;
	st->row = -1;
	st->done = 0;
	*ret = &st->base;
	return 0;
}

static int set_param(struct db_stmt *sst, int idx, char *value, int length, int format)
{
	struct pg_stmt *st = P(sst);
	if (idx < 1 || idx > st->nparams) {
		free(value);
		db_set_error(sst->db, "postgresql: parameter %d out of range (statement has %d)", idx,
			     st->nparams);
		return ERR_INVAL;
	}
	free(st->values[idx - 1]);
	st->values[idx - 1] = value;
	st->lengths[idx - 1] = length;
	st->formats[idx - 1] = format;
	return 0;
}

static int pg_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%lld", (long long)v);
	char *s = strdup(tmp);
	return s ? set_param(st, idx, s, 0, 0) : ERR_NOMEM;
}

static int pg_bind_text(struct db_stmt *st, int idx, const char *text)
{
	char *s = strdup(text);
	return s ? set_param(st, idx, s, 0, 0) : ERR_NOMEM;
}

static int pg_bind_blob(struct db_stmt *st, int idx, const void *data, size_t len)
{
	if (len > (size_t)1 << 30)
		return ERR_TOOBIG;
	char *s = malloc(len ? len : 1);
	if (!s)
		return ERR_NOMEM;
	if (len)
		memcpy(s, data, len);
	return set_param(st, idx, s, (int)len, 1);
}

static int pg_bind_null(struct db_stmt *st, int idx)
{
	return set_param(st, idx, NULL, 0, 0);
}

/* Send the statement in single-row mode: its rows come one result each.
 * After writes sent ahead it goes with them, in one round trip, and its
 * rows are read at once. */
static int pg_send(struct pg_stmt *st)
{
	struct db *db = st->base.db;
	struct pg_db *p = PGDB(db);
	pg_free_conn(db);
	st->sent = 1;
	int r = pg_ensure(db);
	if (r < 0)
		return r;
	if (p->later) {
		if ((r = send_ahead(db, st, NULL)) < 0)
			return r;
		p->later--; /* st's results are read as its own */
		return pipe_end(p, st);
	}
	if (st->slot && !st->slot->prepared && (r = cache_prepare(p, st->slot)) < 0)
		return r;
	db->round_trips++;
	const char *const *values = (const char *const *)st->values;
	if (st->slot ? !PQsendQueryPrepared(C(db), st->slot->name, st->nparams, values, st->lengths, st->formats, 0)
		     : !PQsendQueryParams(C(db), st->sql, st->nparams, NULL, values, st->lengths, st->formats, 0))
		return pg_error(db, NULL);
	p->active = st;
	/* Right after sending it cannot fail; were it refused, the rows
	 * would come as one result, which step reads all the same. */
	(void)PQsetSingleRowMode(C(db));
	return 0;
}

/* The statement's next result: read ahead, or off the connection. NULL
 * when there are no more. */
static PGresult *next_result(struct pg_stmt *st)
{
	if (st->nqueued) {
		PGresult *res = st->queue[st->qhead];
		st->qhead = (st->qhead + 1) % st->qcap;
		st->nqueued--;
		return res;
	}
	struct pg_db *db = PGDB(st->base.db);
	if (db->active != st)
		return NULL;
	PGresult *res = PQgetResult(db->conn);
	if (!res)
		db->active = NULL;
	return res;
}

static int pg_step(struct db_stmt *sst)
{
	struct pg_stmt *st = P(sst);
	if (st->done == 2) {
		st->done = 1;
		db_set_error(sst->db, "postgresql: out of memory reading a result");
		return ERR_NOMEM;
	}
	if (st->done)
		return DB_DONE;
	if (!st->sent) {
		int r = pg_send(st);
		if (r < 0) {
			clear_result(st);
			return r;
		}
	}
	if (st->blob) {
		PQfreemem(st->blob);
		st->blob = NULL;
	}
	if (st->res && st->row + 1 < PQntuples(st->res)) {
		st->row++;
		return DB_ROW;
	}
	for (;;) {
		PGresult *res = next_result(st);
		if (!res)
			break;
		ExecStatusType s = PQresultStatus(res);
		if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
			/* Outside a transaction, which the failure has not
			 * spoiled, a statement the server lost is sent again,
			 * prepared anew. */
			if (st->slot && !st->retried && !st->res && cache_failed(PGDB(sst->db), st->slot, res)) {
				int r = pg_error(sst->db, res);
				PQclear(res);
				clear_result(st);
				if (PQtransactionStatus(C(sst->db)) != PQTRANS_IDLE)
					return r;
				st->retried = true;
				if ((r = pg_send(st)) < 0) {
					clear_result(st);
					return r;
				}
				continue;
			}
			int r = pg_error(sst->db, res);
			PQclear(res);
			clear_result(st); /* stepping again runs it again */
			return r;
		}
		/* Keep the last result (its columns answer column_count) until
		 * the next one has rows. */
		PQclear(st->res);
		st->res = res;
		st->row = -1;
		if (PQntuples(res) > 0) {
			st->row = 0;
			return DB_ROW;
		}
	}
	st->done = 1;
	return DB_DONE;
}

static int pg_reset(struct db_stmt *sst)
{
	struct pg_stmt *st = P(sst);
	clear_result(st);
	st->retried = false;
	for (int i = 0; i < st->nparams; i++) {
		free(st->values[i]);
		st->values[i] = NULL;
		st->lengths[i] = st->formats[i] = 0;
	}
	return 0;
}

static void pg_finalize(struct db_stmt *sst)
{
	struct pg_stmt *st = P(sst);
	pg_reset(sst);
	if (st->slot)
		cache_put(PGDB(sst->db), st->slot);
	free(st->queue);
	free(st->sql);
	free(st);
}

static int pg_column_count(struct db_stmt *sst)
{
	return P(sst)->res ? PQnfields(P(sst)->res) : 0;
}

static bool pg_column_is_null(struct db_stmt *sst, int col)
{
	struct pg_stmt *st = P(sst);
	return !st->res || st->row < 0 || PQgetisnull(st->res, st->row, col);
}

static int64_t pg_column_int64(struct db_stmt *sst, int col)
{
	if (pg_column_is_null(sst, col))
		return 0;
	const char *s = PQgetvalue(P(sst)->res, P(sst)->row, col);
	if (s[0] == 't' && s[1] == '\0')
		return 1; /* boolean */
	if (s[0] == 'f' && s[1] == '\0')
		return 0;
	int64_t v = 0;
	if (str_to_int64(s, INT64_MIN, INT64_MAX, &v) < 0)
		return 0;
	return v;
}

static const char *pg_column_text(struct db_stmt *sst, int col)
{
	if (pg_column_is_null(sst, col))
		return NULL;
	return PQgetvalue(P(sst)->res, P(sst)->row, col);
}

static const void *pg_column_blob(struct db_stmt *sst, int col, size_t *ret_len)
{
	struct pg_stmt *st = P(sst);
	*ret_len = 0;
	if (pg_column_is_null(sst, col))
		return NULL;
	if (st->blob) {
		PQfreemem(st->blob);
		st->blob = NULL;
	}
	const unsigned char *text = (const unsigned char *)PQgetvalue(st->res, st->row, col);
	st->blob = PQunescapeBytea(text, ret_len);
	return st->blob;
}

static int pg_exec(struct db *db, const char *sql)
{
	pg_free_conn(db);
	struct pg_db *p = PGDB(db);
	int r;
	/* After writes sent ahead, one command goes with them (one round
	 * trip); a rollback runs whatever failed before it. */
	bool piped = PQpipelineStatus(p->conn) != PQ_PIPELINE_OFF;
	if (piped && !is_rollback(sql) && !strchr(sql, ';')) {
		if ((r = send_ahead(db, NULL, sql)) < 0)
			return r;
		return pipe_end(p, NULL);
	}
	if (piped && (r = pipe_end(p, NULL)) < 0 && !is_rollback(sql))
		return r;
	if ((r = pg_ensure(db)) < 0)
		return r;
	db->round_trips++;
	PGresult *res = PQexec(C(db), sql);
	ExecStatusType s = PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY)
		r = pg_error(db, res);
	PQclear(res);
	return r;
}

static int pg_begin(struct db *db)
{
	return pg_exec(db, "BEGIN");
}

static bool pg_in_txn(struct db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(C(db));
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static bool pg_txn_failed(struct db *db)
{
	return PQtransactionStatus(C(db)) == PQTRANS_INERROR;
}

static const struct db_ops pg_ops = {
	.close = pg_close,
	.prepare = pg_prepare,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.column_count = pg_column_count,
	.column_is_null = pg_column_is_null,
	.column_int64 = pg_column_int64,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.exec = pg_exec,
	.begin = pg_begin,
	.in_txn = pg_in_txn,
	.txn_failed = pg_txn_failed,
	.step_later = pg_step_later,
	.exec_later = pg_exec_later,
	.settle = pg_settle,
};

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int db_pg_open(const char *url, struct db **ret, char *errmsg, size_t errsize)
{
	struct pg_db *db = calloc(1, sizeof *db);
	if (!db)
		return ERR_NOMEM;
	db->base.ops = &pg_ops;
	db->base.engine = DB_POSTGRESQL;
	sc_init(&db->index, PG_CACHE);
	db->conn = PQconnectdb(url);
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		/* libpq's message names host and port, never the password. */
		const char *m = db->conn ? PQerrorMessage(db->conn) : "out of memory";
		snprintf(errmsg, errsize, "postgresql: %s", m);
		size_t n = strlen(errmsg);
		while (n && (errmsg[n - 1] == '\n' || errmsg[n - 1] == ' '))
			errmsg[--n] = '\0';
		PQfinish(db->conn);
		free(db);
		return ERR_IO;
	}
	PQsetNoticeProcessor(db->conn, quiet_notices, NULL);
	PGresult *res = PQexec(db->conn, PG_SESSION_SETUP);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		snprintf(errmsg, errsize, "postgresql: %s", PQerrorMessage(db->conn));
		PQfinish(db->conn);
		free(db);
		return ERR_DB;
	}
	db->session = true;
	*ret = &db->base;
	return 0;
}
