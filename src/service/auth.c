#include "service/auth.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "service/audit.h"
#include "service/teams.h"

/* Sessions touched within this long are not written again on each
 * request: a minute, or a quarter of the idle limit when that is shorter,
 * so a session in use never expires early. */
#define LAST_SEEN_GRANULARITY (60 * HL_USEC_PER_SEC)

static int64_t last_seen_granularity(const struct app *app)
{
	int64_t q = app->auth.idle / 4;
	return q < LAST_SEEN_GRANULARITY ? q : LAST_SEEN_GRANULARITY;
}

void auth_csrf_for(const char *token, char out[AUTH_TOKEN_SIZE])
{
	char tmp[160];
	int n = snprintf(tmp, sizeof tmp, "hartline-csrf-v1:%s", token);
	crypto_hash_hex(tmp, n > 0 && (size_t)n < sizeof tmp ? (size_t)n : strlen(tmp), out);
}

bool auth_csrf_ok(const char *token, const char *csrf)
{
	char want[AUTH_TOKEN_SIZE];
	auth_csrf_for(token, want);
	return csrf && strlen(csrf) == AUTH_TOKEN_SIZE - 1 && crypto_equal(want, csrf, AUTH_TOKEN_SIZE - 1);
}

static void fmt_time(hl_time t, char out[32])
{
	time_format(t, out, 32);
}

struct login_row {
	int64_t id;
	char hash[CRYPTO_PWHASH_SIZE];
	bool disabled;
	char locked_until[32];
};

static int find_login(struct db *db, const char *username, struct login_row *ret)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT id, password_hash, disabled, locked_until FROM app_user WHERE username = ?", &st);
	if (r < 0)
		return r;
	db_bind_text(st, 1, username);
	r = db_step(st);
	if (r == DB_ROW) {
		ret->id = db_column_int64(st, 0);
		str_copy(ret->hash, sizeof ret->hash, db_column_text(st, 1) ? db_column_text(st, 1) : "");
		ret->disabled = db_column_int64(st, 2) != 0;
		str_copy(ret->locked_until, sizeof ret->locked_until,
			 db_column_text(st, 3) ? db_column_text(st, 3) : "");
		r = 0;
	} else if (r == DB_DONE) {
		r = ERR_NOTFOUND;
	}
	db_finalize(st);
	return r;
}

/* Record a failed password; lock the account when the failures within the
 * window reach the limit. Inside a transaction. */
static int note_failure(struct app *app, struct db *db, const struct svc_ctx *ctx, int64_t user_id, bool *ret_locked)
{
	char at[32], since[32], until[32];
	hl_time t = now();
	fmt_time(t, at);
	fmt_time(t - app->auth.lockout_window, since);
	fmt_time(t + app->auth.lockout_duration, until);
	struct db_stmt *st;
	int r = db_prepare(db, "INSERT INTO login_failure (user_id, at) VALUES (?, ?)", &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, at);
	r = db_step(st);
	db_finalize(st);
	if (r < 0)
		return r;
	if ((r = db_prepare(db, "SELECT count(*) FROM login_failure WHERE user_id = ? AND at > ?", &st)) < 0)
		return r;
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, since);
	r = db_step(st);
	int64_t failures = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0)
		return r;
	*ret_locked = failures >= app->auth.lockout_failures;
	if (!*ret_locked)
		return 0;
	if ((r = db_prepare(db, "UPDATE app_user SET locked_until = ? WHERE id = ?", &st)) < 0)
		return r;
	db_bind_text(st, 1, until);
	db_bind_int64(st, 2, user_id);
	r = db_step(st);
	db_finalize(st);
	if (r < 0)
		return r;
	char oid[24], detail[96];
	snprintf(oid, sizeof oid, "%lld", (long long)user_id);
	snprintf(detail, sizeof detail, "failures=%lld until=%s", (long long)failures, until);
	return svc_audit_append(db, ctx, "user.locked", "user", oid, detail);
}

int svc_auth_login(struct app *app, const char *client, const char *username, const char *password,
		   struct svc_login *ret)
{
	struct db *db;
	int r = app_db(app, &db);
	if (r < 0)
		return r;
	struct actor who;
	memset(&who, 0, sizeof who);
	str_copy(who.username, sizeof who.username, username ? username : "");
	struct svc_ctx ctx = {.app = app, .actor = &who, .client = client};
	struct login_row row;
	bool known = username && *username && strlen(username) < USERNAME_MAX;
	if (known && (r = find_login(db, username, &row)) < 0) {
		if (r != ERR_NOTFOUND)
			return r;
		known = false;
	}
	/* The password is checked whatever else is wrong, so every failure
	 * takes the same time. */
	bool password_ok = crypto_password_verify(known ? row.hash : app->dummy_hash, password ? password : "");
	char nowbuf[32];
	fmt_time(now(), nowbuf);
	const char *why = NULL;
	if (!known)
		why = "unknown user";
	else if (row.disabled)
		why = "account disabled";
	else if (row.locked_until[0] && strcmp(row.locked_until, nowbuf) > 0)
		why = "account locked";
	else if (!password_ok)
		why = "wrong password";
	char oid[24] = "";
	if (known)
		snprintf(oid, sizeof oid, "%lld", (long long)row.id);
	if (why) {
		if ((r = db_begin(db)) < 0)
			return r;
		bool locked = false;
		if (known && !password_ok && strcmp(why, "wrong password") == 0 &&
		    (r = note_failure(app, db, &ctx, row.id, &locked)) < 0)
			goto fail;
		char detail[64];
		snprintf(detail, sizeof detail, "reason=%s", why);
		if ((r = svc_audit_append(db, &ctx, "login.failure", known ? "user" : NULL, known ? oid : NULL,
					  detail)) < 0)
			goto fail;
		if ((r = db_commit(db)) < 0)
			goto fail;
		return ERR_AUTH;
	}

	/* A new session. */
	char token[AUTH_TOKEN_SIZE], token_hash[CRYPTO_HASH_HEX_SIZE], expires[32];
	crypto_random_hex(32, token, sizeof token);
	crypto_hash_hex(token, strlen(token), token_hash);
	fmt_time(now() + app->auth.absolute, expires);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO user_session (token_hash, user_id, created_at, last_seen_at, expires_at, client)"
			    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, token_hash);
	db_bind_int64(st, 2, row.id);
	db_bind_text(st, 3, nowbuf);
	db_bind_text(st, 4, nowbuf);
	db_bind_text(st, 5, expires);
	db_bind_text(st, 6, client);
	r = db_step(st);
	int64_t session_id = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0)
		goto fail;
	struct db_stmt *del;
	if ((r = db_prepare(db, "DELETE FROM login_failure WHERE user_id = ?", &del)) < 0)
		goto fail;
	db_bind_int64(del, 1, row.id);
	r = db_step(del);
	db_finalize(del);
	if (r < 0)
		goto fail;
	who.user_id = row.id;
	who.session_id = session_id;
	char detail[48];
	snprintf(detail, sizeof detail, "session=%lld", (long long)session_id);
	if ((r = svc_audit_append(db, &ctx, "login.success", "user", oid, detail)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	struct db_stmt *u;
	if ((r = db_prepare(db,
			    "SELECT id, username, role, scope, display_name, email, disabled, locked_until, version,"
			    " created_at, updated_at FROM app_user WHERE id = ?",
			    &u)) < 0)
		return r;
	db_bind_int64(u, 1, row.id);
	r = db_step(u);
	if (r == DB_ROW)
		r = users_open_row(app, u, 0, &ret->user);
	else if (r == DB_DONE)
		r = ERR_NOTFOUND;
	db_finalize(u);
	if (r < 0)
		return r;
	str_copy(ret->token, sizeof ret->token, token);
	auth_csrf_for(token, ret->csrf_token);
	return 0;
fail:
	db_rollback(db);
	return r;
}

int svc_auth_resolve(struct app *app, const char *token, struct actor *ret)
{
	if (!token || strlen(token) != AUTH_TOKEN_SIZE - 1)
		return ERR_AUTH;
	struct db *db;
	int r = app_db(app, &db);
	if (r < 0)
		return r;
	char token_hash[CRYPTO_HASH_HEX_SIZE];
	crypto_hash_hex(token, strlen(token), token_hash);
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, s.ended_at, u.username, u.role,"
			    " u.scope, u.disabled FROM user_session s JOIN app_user u ON u.id = s.user_id"
			    " WHERE s.token_hash = ?",
			    &st)) < 0)
		return r;
	db_bind_text(st, 1, token_hash);
	r = db_step(st);
	if (r != DB_ROW) {
		db_finalize(st);
		return r < 0 ? r : ERR_AUTH;
	}
	hl_time t = now(), last_seen = 0, expires = 0;
	enum role role = ROLE_CARELINE;
	int64_t session_id = db_column_int64(st, 0);
	bool ok = !db_column_text(st, 4) && db_column_int64(st, 8) == 0 &&
		  time_parse(db_column_text(st, 2), &last_seen) == 0 && time_parse(db_column_text(st, 3), &expires) == 0 &&
		  t < expires && t - last_seen < app->auth.idle && role_parse(db_column_text(st, 6), &role) == 0;
	if (ok) {
		memset(ret, 0, sizeof *ret);
		ret->user_id = db_column_int64(st, 1);
		str_copy(ret->username, sizeof ret->username, db_column_text(st, 5));
		ret->role = role;
		str_copy(ret->scope, sizeof ret->scope, db_column_text(st, 7) ? db_column_text(st, 7) : "");
		ret->session_id = session_id;
	}
	db_finalize(st);
	if (!ok)
		return ERR_AUTH;
	/* An mdt user's scope names its team, but access follows membership
	 * now: removed from the team, the session keeps working and sees
	 * nothing of the team or its cases. */
	if (ret->role == ROLE_MDT) {
		if ((r = teams_is_member(db, ret->user_id, ret->scope)) < 0)
			return r;
		if (r == 0)
			ret->scope[0] = '\0';
	}
	if (t - last_seen >= last_seen_granularity(app)) {
		char ts[32];
		fmt_time(t, ts);
		if ((r = db_prepare(db, "UPDATE user_session SET last_seen_at = ? WHERE id = ?", &st)) < 0)
			return r;
		db_bind_text(st, 1, ts);
		db_bind_int64(st, 2, session_id);
		r = db_step(st);
		db_finalize(st);
		if (r < 0)
			return r;
	}
	return 0;
}

int svc_auth_logout(const struct svc_ctx *ctx)
{
	int r = svc_require(ctx, PERM_SESSION);
	if (r < 0)
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	char ts[32], oid[24], detail[48];
	fmt_time(now(), ts);
	snprintf(oid, sizeof oid, "%lld", (long long)ctx->actor->user_id);
	snprintf(detail, sizeof detail, "session=%lld", (long long)ctx->actor->session_id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "UPDATE user_session SET ended_at = ? WHERE id = ? AND ended_at IS NULL", &st)) < 0)
		goto fail;
	db_bind_text(st, 1, ts);
	db_bind_int64(st, 2, ctx->actor->session_id);
	r = db_step(st);
	db_finalize(st);
	if (r < 0)
		goto fail;
	if ((r = svc_audit_append(db, ctx, "logout", "user", oid, detail)) < 0)
		goto fail;
	return db_commit(db);
fail:
	db_rollback(db);
	return r;
}
