#include "service/audit.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/log.h"
#include "base/seal.h"
#include "base/str.h"
#include "service/audit_head.h"

/* The purpose a seal key is derived for to MAC the chain. */
#define AUDIT_KDF_CONTEXT "hlaudit1"
#define KEYED_DETAIL "records 1 to %lld were written before the chain was keyed"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

void actor_cli(struct actor *a)
{
	memset(a, 0, sizeof *a);
	str_copy(a->username, sizeof a->username, "cli");
	a->role = ROLE_ADMIN;
}

static int put_field(struct buf *b, const char *v)
{
	if (!v)
		return buf_puts(b, "-\n");
	return buf_printf(b, "%zu:%s\n", strlen(v), v);
}

/* One record as it is chained. */
struct rec {
	int64_t seq;
	const char *at;
	int64_t actor_id; /* 0: none */
	const char *actor, *action, *object_type, *object_id, *client, *detail;
	const char *prev; /* the record before's hash or MAC */
};

/* The previous hash or MAC and every field, each length-prefixed so that no
 * two different records encode alike. */
static int encode(struct buf *b, const struct rec *rec)
{
	char num[2][24];
	snprintf(num[0], sizeof num[0], "%lld", (long long)rec->seq);
	snprintf(num[1], sizeof num[1], "%lld", (long long)rec->actor_id);
	int r;
	if ((r = buf_printf(b, "%s\n", rec->prev)) < 0 || (r = put_field(b, num[0])) < 0 ||
	    (r = put_field(b, rec->at)) < 0 || (r = put_field(b, rec->actor_id ? num[1] : NULL)) < 0 ||
	    (r = put_field(b, rec->actor)) < 0 || (r = put_field(b, rec->action)) < 0 ||
	    (r = put_field(b, rec->object_type)) < 0 || (r = put_field(b, rec->object_id)) < 0 ||
	    (r = put_field(b, rec->client)) < 0 || (r = put_field(b, rec->detail)) < 0)
		return r;
	return 0;
}

/* The plain BLAKE2b of records written before the chain was keyed. */
static int record_hash(const struct rec *rec, char out[CRYPTO_HASH_HEX_SIZE])
{
	struct buf b;
	buf_init(&b, 0);
	int r = encode(&b, rec);
	if (r == 0)
		crypto_hash_hex(b.data, b.len, out);
	buf_done(&b);
	return r;
}

/* Keyed BLAKE2b under a key derived from seal key key_id (0: the current
 * one, whose id goes to *ret_id). The key id is part of what is MACed. */
static int record_mac(const struct keyring *keys, uint32_t key_id, const struct rec *rec,
		      char out[CRYPTO_HASH_HEX_SIZE], uint32_t *ret_id)
{
	if (!keys)
		return ERR_INVAL;
	unsigned char key[crypto_generichash_KEYBYTES], h[32];
	int r = keyring_derive(keys, key_id, AUDIT_KDF_CONTEXT, key, sizeof key, ret_id);
	if (r < 0)
		return r;
	struct buf b;
	buf_init(&b, 0);
	if ((r = buf_printf(&b, "hartline-audit-mac-v1\nkey %u\n", (unsigned)*ret_id)) == 0 &&
	    (r = encode(&b, rec)) == 0) {
		crypto_generichash(h, sizeof h, (const unsigned char *)b.data, b.len, key, sizeof key);
		sodium_bin2hex(out, CRYPTO_HASH_HEX_SIZE, h, sizeof h);
	}
	sodium_memzero(key, sizeof key);
	buf_done(&b);
	return r;
}

/* The head "SEQ MAC" the statement st reads, stepped here. */
static int head_of(struct db_stmt *st, int64_t *ret_seq, char hash[CRYPTO_HASH_HEX_SIZE])
{
	int r = db_step(st);
	if (r == DB_ROW) {
		const char *v = db_column_text(st, 0);
		const char *sp = v ? strchr(v, ' ') : NULL;
		char num[24];
		if (!sp || (size_t)(sp - v) >= sizeof num || strlen(sp + 1) != CRYPTO_HASH_HEX_SIZE - 1) {
			r = ERR_DB;
		} else {
			memcpy(num, v, (size_t)(sp - v));
			num[sp - v] = '\0';
			r = str_to_int64(num, 0, INT64_MAX, ret_seq) < 0 ? ERR_DB : 0;
			memcpy(hash, sp + 1, CRYPTO_HASH_HEX_SIZE);
		}
	} else if (r == DB_DONE) {
		r = ERR_DB;
	}
	db_finalize(st);
	return r;
}

static int read_head(struct db *db, int64_t *ret_seq, char hash[CRYPTO_HASH_HEX_SIZE])
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT value FROM setting WHERE key = 'audit_head'", &st);
	return r < 0 ? r : head_of(st, ret_seq, hash);
}

/* The head, its row locked until the transaction ends, so two
 * transactions never chain onto the same record. One statement. On
 * PostgreSQL a row lock (FOR UPDATE), not an update: an update, even of
 * nothing, leaves a dead version of the row behind at every audited write,
 * and reading the head then slows down with every one of them until vacuum
 * comes. On SQLite the update takes the database's write lock before the
 * head is read (another process, such as a command run beside the server,
 * writes only after this transaction). */
static int lock_head(struct db *db, int64_t *ret_seq, char hash[CRYPTO_HASH_HEX_SIZE])
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   db_engine(db) == DB_POSTGRESQL
				   ? "SELECT value FROM setting WHERE key = 'audit_head' FOR UPDATE"
				   : "UPDATE setting SET value = value WHERE key = 'audit_head' RETURNING value",
			   &st);
	return r < 0 ? r : head_of(st, ret_seq, hash);
}

/* MAC rec under the current key and insert it; its MAC goes to mac. */
static int insert_record(struct db *db, const struct keyring *keys, const struct rec *rec,
			 char mac[CRYPTO_HASH_HEX_SIZE])
{
	uint32_t key_id;
	int r = record_mac(keys, 0, rec, mac, &key_id);
	if (r < 0)
		return r;
	struct db_stmt *st;
	r = db_prepare(db,
		       "INSERT INTO audit (seq, at, actor_id, actor, action, object_type, object_id, client, detail,"
		       " prev_hash, hash, key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       &st);
	if (r < 0)
		return r;
	if ((r = db_bind_int64(st, 1, rec->seq)) < 0 || (r = db_bind_text(st, 2, rec->at)) < 0 ||
	    (r = rec->actor_id ? db_bind_int64(st, 3, rec->actor_id) : db_bind_null(st, 3)) < 0 ||
	    (r = db_bind_text(st, 4, rec->actor)) < 0 || (r = db_bind_text(st, 5, rec->action)) < 0 ||
	    (r = db_bind_text(st, 6, rec->object_type)) < 0 || (r = db_bind_text(st, 7, rec->object_id)) < 0 ||
	    (r = db_bind_text(st, 8, rec->client)) < 0 || (r = db_bind_text(st, 9, rec->detail)) < 0 ||
	    (r = db_bind_text(st, 10, rec->prev)) < 0 || (r = db_bind_text(st, 11, mac)) < 0 ||
	    (r = db_bind_int64(st, 12, key_id)) < 0)
		goto out;
	r = db_step_later(st);
out:
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* The head to file once the transaction commits. Each thread has its own
 * connection, so the one waiting for this thread's commit is this thread's. */
static _Thread_local struct {
	struct audit_head_file *file;
	int64_t seq;
	char mac[CRYPTO_HASH_HEX_SIZE];
	bool force; /* a gap was recorded: file this head though it is lower */
} pending;

static void file_pending(void *arg)
{
	(void)arg;
	if (!pending.file)
		return;
	int r = audit_head_append(pending.file, pending.seq, pending.mac, pending.force);
	/* The records are committed; the head file lagging behind them is
	 * seen by audit verify as records after the last filed head. */
	if (r < 0)
		log_error("audit", "head_file=\"%s\" seq=%lld error=\"%s\"", audit_head_file_path(pending.file),
			  (long long)pending.seq, err_str(r));
	pending.file = NULL;
	pending.force = false;
}

/* Does the chain still hold the filed head? prev is the MAC of its last
 * record, seq. */
static int holds_filed(struct db *db, const struct audit_head *filed, int64_t seq, const char *prev, bool *ret)
{
	*ret = true;
	if (filed->seq == 0)
		return 0;
	if (filed->seq >= seq) {
		*ret = filed->seq == seq && strcmp(filed->mac, prev) == 0;
		return 0;
	}
	/* Behind the chain: another thread or process has committed records
	 * whose head is not filed yet. Rare, so the look-up is too. */
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT hash FROM audit WHERE seq = ?", &st);
	if (r < 0)
		return r;
	if ((r = db_bind_int64(st, 1, filed->seq)) >= 0 && (r = db_step(st)) >= 0)
		*ret = r == DB_ROW && db_column_text(st, 0) && strcmp(db_column_text(st, 0), filed->mac) == 0;
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* When the head file has filed a record the database no longer holds (or
 * holds changed), the next record says so in the keyed chain, so the loss
 * stays on record after the chain has grown past it again. */
static int note_gap(struct db *db, const struct keyring *keys, const struct audit_head *filed, int64_t *seq,
		    char prev[CRYPTO_HASH_HEX_SIZE], const char *at)
{
	char detail[256];
	if (filed->seq > *seq)
		snprintf(detail, sizeof detail,
		         "the head file had filed record %lld, but the chain ended at record %lld",
		         (long long)filed->seq, (long long)*seq);
	else
		snprintf(detail, sizeof detail,
		         "the head file had filed record %lld with a MAC the chain no longer holds for it",
		         (long long)filed->seq);
	struct rec rec = {.seq = *seq + 1, .at = at, .actor = "-", .action = AUDIT_GAP_ACTION,
			  .client = "hartline", .detail = detail, .prev = prev};
	char mac[CRYPTO_HASH_HEX_SIZE];
	int r = insert_record(db, keys, &rec, mac);
	if (r < 0)
		return r;
	(*seq)++;
	memcpy(prev, mac, CRYPTO_HASH_HEX_SIZE);
	return 0;
}

/* A record's head, to file once its commit is durable. */
struct filed {
	bool set;
	bool force;
	int64_t seq;
	char mac[CRYPTO_HASH_HEX_SIZE];
};

/* A record to append: who asks, and what. */
struct entry {
	const struct svc_ctx *ctx;
	const char *action, *object_type, *object_id, *detail;
	struct entry *next; /* appended after this one, in the same transaction */
};

/* Append the records of the list, in order, chained onto the head. Their
 * head (the last one's) is filed after the transaction commits: by the
 * thread's pending head (out NULL), or by whoever waits for the commit,
 * from out. */
static int append(struct db *db, struct app *app, const struct entry *e, struct filed *out)
{
	int64_t seq;
	char prev[CRYPTO_HASH_HEX_SIZE], mac[CRYPTO_HASH_HEX_SIZE], at[32];
	int r = lock_head(db, &seq, prev);
	if (r < 0)
		return r;
	time_format(now(), at, sizeof at);
	/* The first record of a transaction checks the chain against the head
	 * file; the rest of the transaction chains onto that one. */
	bool same_tx = db_after_commit_pending(db, file_pending);
	bool gap = same_tx && pending.force;
	if (app->audit_head && !same_tx) {
		struct audit_head filed;
		bool holds;
		if ((r = audit_head_last(app->audit_head, &filed)) < 0 ||
		    (r = holds_filed(db, &filed, seq, prev, &holds)) < 0)
			return r;
		if (!holds) {
			if ((r = note_gap(db, app->keys, &filed, &seq, prev, at)) < 0)
				return r;
			gap = true;
		}
	}
	for (; e; e = e->next) {
		const struct actor *a = e->ctx->actor;
		struct rec rec = {.seq = seq + 1, .at = at, .actor_id = a ? a->user_id : 0,
				  .actor = a ? a->username : "-", .action = e->action, .object_type = e->object_type,
				  .object_id = e->object_id, .client = e->ctx->client, .detail = e->detail, .prev = prev};
		if ((r = insert_record(db, app->keys, &rec, mac)) < 0)
			return r;
		seq = rec.seq;
		memcpy(prev, mac, sizeof prev);
	}
	char head[96];
	snprintf(head, sizeof head, "%lld %s", (long long)seq, mac);
	struct db_stmt *st;
	if ((r = db_prepare(db, "UPDATE setting SET value = ?, updated_at = ? WHERE key = 'audit_head'", &st)) < 0)
		return r;
	if ((r = db_bind_text(st, 1, head)) >= 0 && (r = db_bind_text(st, 2, at)) >= 0)
		r = db_step_later(st);
	db_finalize(st);
	if (r < 0)
		return r;
	if (app->audit_head && out) {
		*out = (struct filed){.set = true, .force = gap, .seq = seq};
		memcpy(out->mac, mac, sizeof out->mac);
	} else if (app->audit_head) {
		pending.file = app->audit_head;
		pending.seq = seq;
		memcpy(pending.mac, mac, sizeof pending.mac);
		pending.force = gap;
		if (db_in_transaction(db))
			db_after_commit(db, file_pending, NULL);
		else
			file_pending(NULL);
	}
	return 0;
}

/* ---- records written on their own, together (PostgreSQL) ----
 *
 * Each audited read writes a record of its own, outside any transaction of
 * the request. Written one job each, a record costs the writer the head's
 * lock, read and update and a savepoint, statements that on PostgreSQL are
 * each a round trip, one after another on the writer's connection.
 * Instead the records of requests that come at the same time wait in a
 * line of the app's, and one of them (the first to find nobody writing)
 * writes every record in line then, in one job: the head read and updated
 * once, the records inserted one after another. Its job ends by handing
 * the line to the next request waiting, so the next batch can join the
 * same commit; each request is answered once the commit holding its record
 * is durable, with that commit's result. */
struct audit_waiting {
	struct entry e;
	struct audit_waiting *next;
	pthread_cond_t cond;
	int result;
	bool done;  /* result is its answer */
	bool leads; /* it is to write the line next */
};

static pthread_mutex_t waiting_lock = PTHREAD_MUTEX_INITIALIZER;

/* The next in line writes next, or nobody writes; the lock is held. */
static void hand_over(struct app *app)
{
	if (app->audit_first) {
		app->audit_first->leads = true;
		pthread_cond_signal(&app->audit_first->cond);
	} else {
		app->audit_writing = false;
	}
}

/* One job's records: the line taken whole, or one record alone. */
struct batch {
	struct app *app;
	const struct entry *e;
	struct filed out;
	bool alone;  /* not the line: nothing to hand on */
	bool handed; /* the line has been handed on */
};

/* The head of a commit made durable, into the head file. */
static void file_head(struct app *app, const struct filed *out)
{
	int r = audit_head_append(app->audit_head, out->seq, out->mac, out->force);
	if (r < 0)
		log_error("audit", "head_file=\"%s\" seq=%lld error=\"%s\"", audit_head_file_path(app->audit_head),
			  (long long)out->seq, err_str(r));
}

static int batch_job(struct db *writer, void *arg)
{
	struct batch *b = arg;
	b->out.set = false;
	int r = append(writer, b->app, b->e, &b->out);
	if (b->alone)
		return r;
	/* Written (or failed): the next batch may join this commit. */
	pthread_mutex_lock(&waiting_lock);
	hand_over(b->app);
	b->handed = true;
	pthread_mutex_unlock(&waiting_lock);
	return r;
}

/* The record e as a job of its own, its head filed once durable. */
static int write_alone(struct db *db, struct app *app, const struct entry *e)
{
	struct batch one = {.app = app, .e = e, .alone = true};
	int r = db_write(db, batch_job, &one);
	if (r == 0 && one.out.set)
		file_head(app, &one.out);
	return r;
}

/* Append one record as a transaction of its own, beside the records of
 * other requests (see above), and file its head once durable. */
static int append_alone(struct db *db, struct app *app, const struct entry *e)
{
	struct audit_waiting me = {.e = *e};
	if (pthread_cond_init(&me.cond, NULL) != 0)
		return ERR_NOMEM;
	pthread_mutex_lock(&waiting_lock);
	if (app->audit_last)
		app->audit_last->next = &me;
	else
		app->audit_first = &me;
	app->audit_last = &me;
	if (app->audit_writing)
		while (!me.done && !me.leads)
			pthread_cond_wait(&me.cond, &waiting_lock);
	if (me.done) {
		pthread_mutex_unlock(&waiting_lock);
		pthread_cond_destroy(&me.cond);
		return me.result;
	}
	/* This request writes the line: everyone in it now. */
	app->audit_writing = true;
	struct audit_waiting *line = app->audit_first;
	app->audit_first = app->audit_last = NULL;
	pthread_mutex_unlock(&waiting_lock);
	for (struct audit_waiting *w = line; w->next; w = w->next)
		w->e.next = &w->next->e;
	struct batch b = {.app = app, .e = &line->e};

	int r = db_write(db, batch_job, &b);
	if (r == 0 && b.out.set)
		file_head(app, &b.out);
	pthread_mutex_lock(&waiting_lock);
	if (!b.handed)
		hand_over(app); /* the job never ran */
	pthread_mutex_unlock(&waiting_lock);
	for (struct audit_waiting *w = line; w; w = w->next)
		w->result = r;
	/* One record the database refused must not fail the others with it:
	 * after a failed batch each is tried again as a job of its own. The
	 * others are still waiting, so their entries are there to read. */
	if (r < 0 && line->next)
		for (struct audit_waiting *w = line; w; w = w->next) {
			w->e.next = NULL;
			w->result = write_alone(db, app, &w->e);
		}
	pthread_mutex_lock(&waiting_lock);
	for (struct audit_waiting *w = line, *next; w; w = next) {
		next = w->next; /* w may be gone once answered and the lock let go */
		if (w == &me)
			continue;
		w->done = true;
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&waiting_lock);
	pthread_cond_destroy(&me.cond);
	return me.result;
}

int svc_audit_append(struct db *db, const struct svc_ctx *ctx, const char *action, const char *object_type,
		     const char *object_id, const char *detail)
{
	const struct entry e = {.ctx = ctx, .action = action, .object_type = object_type, .object_id = object_id,
				.detail = detail};
	if (db_in_transaction(db))
		return append(db, ctx->app, &e, NULL);
	if (db_engine(db) == DB_POSTGRESQL)
		return append_alone(db, ctx->app, &e);
	/* On SQLite a statement is a call, not a round trip: the line's
	 * hand-offs between threads would cost more than they save (case
	 * reads at 64 connections fell from about 6,000/s to 4,500/s). Each
	 * record is a job of its own, still sharing its commit. */
	return write_alone(db, ctx->app, &e);
}

int svc_audit_appendf(struct db *db, const struct svc_ctx *ctx, const char *action, const char *object_type,
		      int64_t object_id, const char *fmt, ...)
{
	char oid[24], detail[AUDIT_DETAIL_MAX];
	if (object_id != AUDIT_NO_OBJECT) {
		int n = snprintf(oid, sizeof oid, "%lld", (long long)object_id);
		if (n < 0 || (size_t)n >= sizeof oid)
			return ERR_TOOBIG;
	}
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(detail, sizeof detail, fmt, ap);
		va_end(ap);
		if (n < 0)
			return ERR_INVAL;
		if ((size_t)n >= sizeof detail)
			return ERR_TOOBIG;
	}
	return svc_audit_append(db, ctx, action, object_type, object_id != AUDIT_NO_OBJECT ? oid : NULL,
				fmt ? detail : NULL);
}

int audit_read_detail(struct audit_read *rec, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(rec->detail, sizeof rec->detail, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ERR_INVAL;
	return (size_t)n >= sizeof rec->detail ? ERR_TOOBIG : 0;
}

int svc_audited_read(struct db *db, const struct svc_ctx *ctx, struct audit_read *rec, audit_read_fn *read,
		     void *arg)
{
	int r = db_read_begin(db);
	if (r < 0)
		return r;
	r = read(db, arg, rec);
	/* The view ends before the record waits for its commit: nothing of
	 * the read is held while the writer works. */
	db_read_end(db);
	if (r < 0)
		return r;
	char oid[24];
	if (rec->object_id != AUDIT_NO_OBJECT) {
		int n = snprintf(oid, sizeof oid, "%lld", (long long)rec->object_id);
		if (n < 0 || (size_t)n >= sizeof oid)
			return ERR_TOOBIG;
	}
	return svc_audit_append(db, ctx, rec->action, rec->object_type, rec->object_id != AUDIT_NO_OBJECT ? oid : NULL,
				rec->detail[0] ? rec->detail : NULL);
}

int svc_audit_record(const struct svc_ctx *ctx, const char *action, const char *object_type,
		     const char *object_id, const char *detail)
{
	struct db *db;
	int r = app_db(ctx->app, &db);
	if (r < 0)
		return r;
	return svc_audit_append(db, ctx, action, object_type, object_id, detail);
}

/* The last record: seq 0 when there is none; *ret_keyed false for a record
 * from before the chain was keyed. */
static int last_record(struct db *db, int64_t *ret_seq, bool *ret_keyed)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT seq, key_id FROM audit ORDER BY seq DESC LIMIT 1", &st);
	if (r < 0)
		return r;
	*ret_seq = 0;
	*ret_keyed = false;
	if ((r = db_step(st)) == DB_ROW) {
		*ret_seq = db_column_int64(st, 0);
		*ret_keyed = !db_column_is_null(st, 1);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_audit_open(struct app *app, char *errmsg, size_t errsize)
{
	errmsg[0] = '\0';
	char *path;
	int r = audit_head_path(app->key_file, &path);
	if (r < 0)
		return r;
	bool created;
	r = audit_head_open(path, &app->audit_head, &created, errmsg, errsize);
	if (r < 0) {
		free(path);
		return r;
	}
	struct audit_head filed;
	struct db *db = NULL;
	int64_t last = 0;
	bool keyed = false;
	if ((r = audit_head_last(app->audit_head, &filed)) < 0 || (r = app_db(app, &db)) < 0 ||
	    (r = db_begin(db)) < 0)
		goto out;
	if ((r = last_record(db, &last, &keyed)) < 0)
		goto rollback;
	struct svc_ctx ctx = {.app = app, .actor = NULL, .client = "hartline"};
	char detail[256 + 4096];
	int n = 0;
	if (last && !keyed && filed.seq == 0) {
		/* A database from before the chain was keyed: its records stay
		 * checkable by their plain hashes, and the keyed record that
		 * follows them binds their head, so they cannot change from now
		 * on without the key. */
		n = snprintf(detail, sizeof detail, KEYED_DETAIL, (long long)last);
		r = n < 0 || (size_t)n >= sizeof detail
		            ? ERR_TOOBIG
		            : svc_audit_append(db, &ctx, AUDIT_KEYED_ACTION, NULL, NULL, detail);
	} else if (last && keyed && filed.seq == 0) {
		n = snprintf(detail, sizeof detail, "the head file %s %s; it starts again after record %lld", path,
			     created ? "was missing" : "held no head", (long long)last);
		log_warn("audit", "head_file=\"%s\" event=started_again after_seq=%lld", path, (long long)last);
		r = n < 0 || (size_t)n >= sizeof detail
			    ? ERR_TOOBIG
			    : svc_audit_append(db, &ctx, AUDIT_HEAD_STARTED_ACTION, NULL, NULL, detail);
	}
	if (r < 0)
		goto rollback;
	r = db_commit(db);
	goto out;
rollback:
	db_rollback(db);
out:
	if (r < 0 && errmsg[0] == '\0')
		snprintf(errmsg, errsize, "cannot start the audit trail's head file %s: %s", path,
			 r == ERR_DB && db ? db_errmsg(db) : err_str(r));
	free(path);
	return r;
}

static void set_broken(struct audit_verify_result *ret, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_broken(struct audit_verify_result *ret, int64_t seq, const char *fmt, ...)
{
	ret->broken = true;
	ret->broken_seq = seq;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(ret->reason, sizeof ret->reason, fmt, ap);
	va_end(ap);
	if (n < 0)
		str_copy(ret->reason, sizeof ret->reason, "the chain is broken");
}

/* Is rec the record that keyed a chain of rec->seq - 1 older records? */
static bool keys_old_records(const struct rec *rec)
{
	char detail[128];
	snprintf(detail, sizeof detail, KEYED_DETAIL, (long long)(rec->seq - 1));
	return strcmp(rec->action, AUDIT_KEYED_ACTION) == 0 && rec->detail && strcmp(rec->detail, detail) == 0;
}

/* Check one stored record, the next in the chain after prev; a break goes
 * to ret, its MAC (or hash) to mac. */
static int check_record(struct db_stmt *st, const struct keyring *keys, int64_t expect, int64_t db_head,
			const char *prev, struct audit_verify_result *ret, char mac[CRYPTO_HASH_HEX_SIZE])
{
	struct rec rec = {.seq = db_column_int64(st, 0), .at = db_column_text(st, 1),
			  .actor_id = db_column_int64(st, 2), .actor = db_column_text(st, 3),
			  .action = db_column_text(st, 4), .object_type = db_column_text(st, 5),
			  .object_id = db_column_text(st, 6), .client = db_column_text(st, 7),
			  .detail = db_column_text(st, 8), .prev = prev};
	const char *stored_prev = db_column_text(st, 9), *stored = db_column_text(st, 10);
	const char *at = rec.at ? rec.at : "?", *action = rec.action ? rec.action : "?";
	bool keyed = !db_column_is_null(st, 11);
	long long seq = (long long)rec.seq;
	if (rec.seq != expect) {
		set_broken(ret, expect, "record %lld is missing (deleted); the next record is %lld", (long long)expect,
			   seq);
		return 0;
	}
	if (rec.seq > db_head) {
		set_broken(ret, rec.seq,
		           "record %lld (%s %s) was appended after the chain's last record, %lld (inserted)", seq, at,
		           action, (long long)db_head);
		return 0;
	}
	if (!stored_prev || strcmp(stored_prev, prev) != 0) {
		set_broken(ret, rec.seq,
		           "record %lld (%s) does not follow the record before it (inserted, deleted or reordered)",
		           seq, at);
		return 0;
	}
	int r;
	if (!keyed && ret->keyed_from) {
		set_broken(ret, rec.seq,
			   "record %lld (%s %s) has no MAC, though the chain is keyed from record %lld on (written "
			   "without the key)",
			   seq, at, action, (long long)ret->keyed_from);
		return 0;
	} else if (!keyed) {
		if ((r = record_hash(&rec, mac)) < 0)
			return r;
	} else {
		int64_t key = db_column_int64(st, 11);
		uint32_t used;
		if (!ret->keyed_from)
			ret->keyed_from = rec.seq;
		r = key > 0 && key <= UINT32_MAX ? record_mac(keys, (uint32_t)key, &rec, mac, &used) : ERR_NOTFOUND;
		if (r == ERR_NOTFOUND) {
			set_broken(ret, rec.seq, "record %lld (%s %s) names key %lld, which the key file does not hold",
				   seq, at, action, (long long)key);
			return 0;
		}
		if (r < 0)
			return r;
	}
	if (!stored || strcmp(stored, mac) != 0) {
		set_broken(ret, rec.seq,
		           "record %lld (%s %s) does not match its %s (changed, or written without the key)", seq, at,
		           action, keyed ? "MAC" : "hash");
		return 0;
	}
	if (keyed && ret->keyed_from == rec.seq && rec.seq > 1 && !keys_old_records(&rec))
		set_broken(ret, rec.seq,
		           "record %lld (%s %s) is the first with a MAC, but not the one that keyed the chain: the "
		           "records "
		           "before it were written or rewritten without the key",
		           seq, at, action);
	else if (keyed && strcmp(action, AUDIT_GAP_ACTION) == 0)
		set_broken(ret, rec.seq, "the chain was cut or rewritten before record %lld (%s): %s", seq, at,
			   rec.detail ? rec.detail : "");
	else if (keyed && strcmp(action, AUDIT_HEAD_STARTED_ACTION) == 0)
		ret->head_restarted = rec.seq;
	return 0;
}

/* Does the chain reach head, and hold head's MAC there? */
static void check_against(const struct audit_head *head, const char *found_mac, const char *whose,
			  struct audit_verify_result *ret)
{
	if (head->seq > ret->records && ret->records == 0)
		set_broken(ret, head->seq,
		           "the audit trail is empty, but %s names record %lld: every record was deleted", whose,
		           (long long)head->seq);
	else if (head->seq > ret->records)
		set_broken(ret, ret->records + 1,
			   "the chain ends at record %lld, but %s names record %lld: records deleted from the end",
			   (long long)ret->records, whose, (long long)head->seq);
	else if (head->seq > 0 && strcmp(found_mac, head->mac) != 0)
		set_broken(ret, head->seq,
		           "record %lld does not carry the MAC %s holds for it: the chain was rewritten",
		           (long long)head->seq, whose);
}

/* After a whole walk: the chain against its head in the database, the head
 * given, and the head file. */
static void check_heads(int64_t db_head, const char *db_mac, const struct audit_head *given, const char *given_mac,
			const char *head_path, const char *filed_mac, struct audit_verify_result *ret)
{
	char whose[4096 + 32];
	snprintf(whose, sizeof whose, "the head file %s", head_path ? head_path : "");
	if (ret->records < db_head) {
		set_broken(ret, ret->records + 1,
			   "the chain ends at record %lld, but its head in the database names record %lld: records "
			   "deleted from the end",
			   (long long)ret->records, (long long)db_head);
		return;
	}
	if (strcmp(db_mac, ret->head.mac) != 0) {
		set_broken(ret, db_head, "record %lld does not match the chain's head in the database (changed)",
			   (long long)db_head);
		return;
	}
	if (given)
		check_against(given, given_mac, "the head you gave", ret);
	if (ret->broken || !head_path)
		return;
	if (!ret->head_file_exists && ret->records == 0)
		return; /* nothing written yet, so no head filed yet */
	if (ret->records > 0 && ret->keyed_from == 0 && ret->filed.seq == 0)
		set_broken(
		        ret, 0,
		        "none of the %lld records is keyed yet: start hartline serve once with its key file, so that "
		        "the chain is keyed",
		        (long long)ret->records);
	else if (!ret->head_file_exists)
		set_broken(ret, 0,
			   "there is no head file %s, so records deleted from the end could not be seen; restore it "
			   "from its copy, or check against a head filed elsewhere with --head SEQ:MAC",
			   head_path);
	else if (ret->filed.seq > 0)
		check_against(&ret->filed, filed_mac, whose, ret);
	else if (ret->records > 0)
		set_broken(ret, 0, "%s holds no head, though the chain has %lld records", whose,
			   (long long)ret->records);
}

int svc_audit_verify(struct db *db, const struct keyring *keys, const char *head_path,
		     const struct audit_head *given, struct audit_verify_result *ret)
{
	memset(ret, 0, sizeof *ret);
	int r = head_path ? audit_head_read(head_path, &ret->filed, &ret->head_file_exists) : 0;
	if (r < 0) {
		if (r == ERR_PERM)
			set_broken(ret, 0, "the head file %s may be used by group or others; run: chmod 600 %s",
			           head_path, head_path);
		else
			set_broken(ret, 0, "the head file %s cannot be read, or its last line is not a head",
			           head_path);
		return 0;
	}
	int64_t db_head;
	char db_mac[CRYPTO_HASH_HEX_SIZE], filed_mac[CRYPTO_HASH_HEX_SIZE] = "", given_mac[CRYPTO_HASH_HEX_SIZE] = "";
	if ((r = read_head(db, &db_head, db_mac)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(
	             db,
	             "SELECT seq, at, actor_id, actor, action, object_type, object_id, client, detail, prev_hash,"
	             " hash, key_id FROM audit ORDER BY seq",
	             &st)) < 0)
		return r;
	char prev[CRYPTO_HASH_HEX_SIZE] = ZERO_HASH;
	while ((r = db_step(st)) == DB_ROW) {
		char mac[CRYPTO_HASH_HEX_SIZE];
		if ((r = check_record(st, keys, ret->records + 1, db_head, prev, ret, mac)) < 0 || ret->broken)
			break;
		memcpy(prev, mac, sizeof prev);
		ret->records++;
		if (ret->records == ret->filed.seq)
			memcpy(filed_mac, mac, sizeof filed_mac);
		if (given && ret->records == given->seq)
			memcpy(given_mac, mac, sizeof given_mac);
	}
	db_finalize(st);
	if (r < 0)
		return r;
	ret->head.seq = ret->records;
	memcpy(ret->head.mac, prev, sizeof prev);
	ret->unkeyed = ret->keyed_from ? ret->keyed_from - 1 : ret->records;
	if (!ret->broken)
		check_heads(db_head, db_mac, given, given_mac, head_path, filed_mac, ret);
	if (!ret->broken && ret->head_file_exists && ret->filed.seq < ret->records)
		ret->after_filed = ret->records - ret->filed.seq;
	return 0;
}

int svc_require(const struct svc_ctx *ctx, enum perm perm)
{
	if (!ctx->actor)
		return ERR_AUTH;
	/* A session still waiting for its second factor may only see itself
	 * and log out, whatever the route table lets through. */
	if (ctx->actor->mfa_pending && perm != PERM_SESSION)
		return ERR_AUTH;
	if (role_may(ctx->actor->role, perm))
		return 0;
	char detail[96];
	snprintf(detail, sizeof detail, "missing permission %s", perm_name(perm));
	svc_audit_record(ctx, "permission.denied", NULL, NULL, detail);
	return ERR_PERM;
}

int svc_enter(const struct svc_ctx *ctx, enum perm perm, struct db **ret)
{
	int r = svc_require(ctx, perm);
	if (r < 0)
		return r;
	return app_db(ctx->app, ret);
}

void svc_audit_denial(const struct svc_ctx *ctx, const char *what, const char *object_type,
		      const char *object_id)
{
	svc_audit_record(ctx, "permission.denied", object_type, object_id, what);
}
