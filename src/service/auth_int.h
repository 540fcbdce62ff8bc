/* What the account services share: auth.c (passwords, logins), mfa.c (the
 * second factor), sessions.c, and users.c and setup.c where they end
 * sessions. */
#pragma once

#include "db/db.h"
#include "service/auth.h"

/* A partial session waits this long for its second factor. */
#define AUTH_PENDING_LIFETIME (10 * 60 * HL_USEC_PER_SEC)

/* ERR_BUSY with *ret_retry seconds when the client or account must wait. */
int auth_throttled(struct app *app, const char *client, const char *username, int *ret_retry);
/* Count a failed password or code from client for the account (known:
 * user_id > 0): in the database by account and client (locking the pair
 * at the limit, audited) and in the rate limits. Inside a transaction. */
int auth_note_failure(struct app *app, struct db *db, const struct svc_ctx *ctx, int64_t user_id,
		      const char *client, const char *username);
/* Whether the pair is locked now. */
int auth_pair_locked(struct db *db, int64_t user_id, const char *client, bool *ret);
/* Make the actor's partial session full under a new token (the old one
 * stops working), forget the pair's failures, audit the login, and read
 * the user into ret. Inside a transaction that the caller commits. */
int auth_session_complete(const struct svc_ctx *ctx, struct db *db, const char *how, struct svc_login *ret);
/* End user_id's sessions still open: all of them (session_id 0) or that
 * one; how many in ret_n (may be NULL). Inside the caller's transaction. */
int auth_sessions_end(struct db *db, int64_t user_id, int64_t session_id, int64_t *ret_n);
/* 0 when the user exists, ERR_NOTFOUND when not. */
int auth_user_exists(struct db *db, int64_t user_id);
/* The end of a write begun with db_begin: commit when r is not an error,
 * else roll back (and roll back too when the commit fails, which leaves
 * the transaction open). r, or the commit's error. */
static inline int auth_commit(struct db *db, int r)
{
	if (r >= 0 && (r = db_commit(db)) >= 0)
		return r;
	db_rollback(db);
	return r;
}
/* The user row as the login answers it. */
int auth_load_user(struct app *app, struct db *db, int64_t id, struct user_info *ret);
