#include "service/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"

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

/* BLAKE2b over the previous hash and every field, each length-prefixed so
 * that no two different records encode alike. */
static int record_hash(int64_t seq, const char *at, int64_t actor_id, const char *actor, const char *action,
		       const char *object_type, const char *object_id, const char *client, const char *detail,
		       const char *prev_hash, char out[CRYPTO_HASH_HEX_SIZE])
{
	struct buf b;
	buf_init(&b, 0);
	char num[2][24];
	snprintf(num[0], sizeof num[0], "%lld", (long long)seq);
	snprintf(num[1], sizeof num[1], "%lld", (long long)actor_id);
	int r = 0;
	if ((r = buf_printf(&b, "%s\n", prev_hash)) < 0 || (r = put_field(&b, num[0])) < 0 ||
	    (r = put_field(&b, at)) < 0 || (r = put_field(&b, actor_id ? num[1] : NULL)) < 0 ||
	    (r = put_field(&b, actor)) < 0 || (r = put_field(&b, action)) < 0 ||
	    (r = put_field(&b, object_type)) < 0 || (r = put_field(&b, object_id)) < 0 ||
	    (r = put_field(&b, client)) < 0 || (r = put_field(&b, detail)) < 0)
		goto out;
	crypto_hash_hex(b.data, b.len, out);
out:
	buf_done(&b);
	return r;
}

static int read_head(struct db *db, int64_t *ret_seq, char hash[CRYPTO_HASH_HEX_SIZE])
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT value FROM setting WHERE key = 'audit_head'", &st);
	if (r < 0)
		return r;
	r = db_step(st);
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

int svc_audit_append(struct db *db, const struct svc_ctx *ctx, const char *action, const char *object_type,
		     const char *object_id, const char *detail)
{
	/* Touching the head row first takes its lock on PostgreSQL, so two
	 * transactions never chain onto the same record; SQLite's writer lock
	 * is already held. */
	int r = db_exec(db, "UPDATE setting SET value = value WHERE key = 'audit_head'");
	if (r < 0)
		return r;
	int64_t seq;
	char prev[CRYPTO_HASH_HEX_SIZE], hash[CRYPTO_HASH_HEX_SIZE], at[32];
	if ((r = read_head(db, &seq, prev)) < 0)
		return r;
	seq++;
	time_format(now(), at, sizeof at);
	const struct actor *a = ctx->actor;
	int64_t actor_id = a ? a->user_id : 0;
	const char *actor = a ? a->username : "-";
	const char *client = ctx->client;
	if ((r = record_hash(seq, at, actor_id, actor, action, object_type, object_id, client, detail, prev, hash)) <
	    0)
		return r;
	struct db_stmt *st;
	r = db_prepare(db,
		       "INSERT INTO audit (seq, at, actor_id, actor, action, object_type, object_id, client, detail,"
		       " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, seq);
	db_bind_text(st, 2, at);
	if (actor_id)
		db_bind_int64(st, 3, actor_id);
	else
		db_bind_null(st, 3);
	db_bind_text(st, 4, actor);
	db_bind_text(st, 5, action);
	db_bind_text(st, 6, object_type);
	db_bind_text(st, 7, object_id);
	db_bind_text(st, 8, client);
	db_bind_text(st, 9, detail);
	db_bind_text(st, 10, prev);
	db_bind_text(st, 11, hash);
	r = db_step(st);
	db_finalize(st);
	if (r < 0)
		return r;
	char head[96];
	snprintf(head, sizeof head, "%lld %s", (long long)seq, hash);
	if ((r = db_prepare(db, "UPDATE setting SET value = ?, updated_at = ? WHERE key = 'audit_head'", &st)) < 0)
		return r;
	db_bind_text(st, 1, head);
	db_bind_text(st, 2, at);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_audit_record(const struct svc_ctx *ctx, const char *action, const char *object_type,
		     const char *object_id, const char *detail)
{
	struct db *db;
	int r = app_db(ctx->app, &db);
	if (r < 0)
		return r;
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = svc_audit_append(db, ctx, action, object_type, object_id, detail)) < 0) {
		db_rollback(db);
		return r;
	}
	return db_commit(db);
}

int svc_audit_verify(struct db *db, struct audit_verify_result *ret)
{
	memset(ret, 0, sizeof *ret);
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT seq, at, actor_id, actor, action, object_type, object_id, client, detail, prev_hash,"
			   " hash FROM audit ORDER BY seq",
			   &st);
	if (r < 0)
		return r;
	char prev[CRYPTO_HASH_HEX_SIZE] = ZERO_HASH;
	int64_t expect = 1;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t seq = db_column_int64(st, 0);
		const char *at = db_column_text(st, 1);
		const char *stored_prev = db_column_text(st, 9);
		const char *stored = db_column_text(st, 10);
		char hash[CRYPTO_HASH_HEX_SIZE];
		if (seq != expect) {
			ret->broken_seq = expect;
			snprintf(ret->reason, sizeof ret->reason,
				 seq > expect ? "record %lld is missing (removed); the next is %lld"
					      : "record %lld appears twice (inserted); next is %lld",
				 (long long)expect, (long long)seq);
			break;
		}
		if (!stored_prev || strcmp(stored_prev, prev) != 0) {
			ret->broken_seq = seq;
			snprintf(ret->reason, sizeof ret->reason,
				 "record %lld (%s) does not follow the record before it (inserted or reordered)",
				 (long long)seq, at ? at : "?");
			break;
		}
		if ((r = record_hash(seq, at, db_column_int64(st, 2), db_column_text(st, 3), db_column_text(st, 4),
				     db_column_text(st, 5), db_column_text(st, 6), db_column_text(st, 7),
				     db_column_text(st, 8), prev, hash)) < 0)
			break;
		if (!stored || strcmp(stored, hash) != 0) {
			ret->broken_seq = seq;
			snprintf(ret->reason, sizeof ret->reason,
				 "record %lld (%s %s) does not match its hash (changed)", (long long)seq,
				 at ? at : "?", db_column_text(st, 4) ? db_column_text(st, 4) : "?");
			break;
		}
		memcpy(prev, hash, sizeof prev);
		ret->records++;
		expect++;
	}
	db_finalize(st);
	if (r < 0)
		return r;
	if (ret->broken_seq)
		return 0;
	int64_t head_seq;
	char head[CRYPTO_HASH_HEX_SIZE];
	if ((r = read_head(db, &head_seq, head)) < 0)
		return r;
	if (head_seq != ret->records || strcmp(head, prev) != 0) {
		ret->broken_seq = ret->records + 1;
		snprintf(ret->reason, sizeof ret->reason,
			 "the chain ends at record %lld but its head says %lld (records removed from the end)",
			 (long long)ret->records, (long long)head_seq);
	}
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void audit_records_free(struct audit_record *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].actor);
		free(r[i].action);
		free(r[i].object_type);
		free(r[i].object_id);
		free(r[i].client);
		free(r[i].detail);
	}
	free(r);
}

int svc_audit_list(const struct svc_ctx *ctx, const struct audit_filter *f, struct audit_record **ret,
		   size_t *ret_n)
{
	int r = svc_require(ctx, PERM_AUDIT_READ);
	if (r < 0)
		return r;
	int limit = f->limit > 0 && f->limit <= 500 ? f->limit : 100;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	/* Each filter is "? IS NULL OR column = ?", so the SQL is fixed and
	 * every value is bound. */
	struct db_stmt *st;
	r = db_prepare(db,
		       "SELECT seq, at, actor_id, actor, action, object_type, object_id, client, detail FROM audit"
		       " WHERE (CAST(? AS TEXT) IS NULL OR actor = ?)"
		       " AND (CAST(? AS TEXT) IS NULL OR object_type = ?)"
		       " AND (CAST(? AS TEXT) IS NULL OR object_id = ?)"
		       " AND (CAST(? AS TEXT) IS NULL OR action = ?)"
		       " AND (CAST(? AS TEXT) IS NULL OR at >= ?)"
		       " AND (CAST(? AS TEXT) IS NULL OR at < ?)"
		       " AND (? = 0 OR seq < ?)"
		       " ORDER BY seq DESC LIMIT ?",
		       &st);
	if (r < 0)
		return r;
	const char *vals[] = {f->actor, f->object_type, f->object_id, f->action, f->from, f->to};
	for (int i = 0; i < 6; i++) {
		db_bind_text(st, 2 * i + 1, vals[i]);
		db_bind_text(st, 2 * i + 2, vals[i]);
	}
	db_bind_int64(st, 13, f->before_seq);
	db_bind_int64(st, 14, f->before_seq);
	db_bind_int64(st, 15, limit);
	struct audit_record *list = calloc((size_t)limit, sizeof *list);
	size_t n = 0;
	if (!list) {
		db_finalize(st);
		return ERR_NOMEM;
	}
	while ((r = db_step(st)) == DB_ROW && n < (size_t)limit) {
		struct audit_record *a = &list[n++];
		a->seq = db_column_int64(st, 0);
		str_copy(a->at, sizeof a->at, db_column_text(st, 1) ? db_column_text(st, 1) : "");
		a->actor_id = db_column_int64(st, 2);
		a->actor = dup_or_null(db_column_text(st, 3));
		a->action = dup_or_null(db_column_text(st, 4));
		a->object_type = dup_or_null(db_column_text(st, 5));
		a->object_id = dup_or_null(db_column_text(st, 6));
		a->client = dup_or_null(db_column_text(st, 7));
		a->detail = dup_or_null(db_column_text(st, 8));
	}
	db_finalize(st);
	if (r < 0) {
		audit_records_free(list, n);
		return r;
	}
	*ret = list;
	*ret_n = n;
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

void svc_audit_denial(const struct svc_ctx *ctx, const char *what, const char *object_type,
		      const char *object_id)
{
	svc_audit_record(ctx, "permission.denied", object_type, object_id, what);
}
