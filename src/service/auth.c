#include "service/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "service/audit.h"
#include "model/schema.h"
#include "service/teams.h"
#include "service/auth_int.h"
#include "service/limits.h"

/* Sessions touched within this long are not written again on each
 * request: a minute, or a quarter of the idle limit when that is shorter,
 * so a session in use never expires early. */
#define LAST_SEEN_GRANULARITY (60 * HL_USEC_PER_SEC)

static int64_t last_seen_granularity(const struct app *app)
{
	int64_t q = app->auth.idle / 4;
	return q < LAST_SEEN_GRANULARITY ? q : LAST_SEEN_GRANULARITY;
}

/* Sessions whose last-seen time this server is writing now or wrote within
 * the granularity, by token hash (a session id alone may name another
 * session of another database in the same process). A session used by
 * many requests at once is touched by one of them, not by each: the
 * others read on without a write of their own. A slot is shared by the
 * sessions that hash to it; a collision costs a touch, never skips one
 * longer than the granularity. */
#define TOUCH_SLOTS 256
struct touch {
	char key[17]; /* the token hash's first 16 digits; "" when free */
	hl_time at;
};
static struct {
	pthread_mutex_t lock;
	struct touch slot[TOUCH_SLOTS];
} touches = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Is the touch of the session token_hash this request's to write? */
static bool touch_claim(const char *token_hash, hl_time t, int64_t granularity)
{
	unsigned h = 0;
	for (int i = 0; i < 8; i++)
		h = h * 31u + (unsigned char)token_hash[i];
	bool mine = false;
	pthread_mutex_lock(&touches.lock);
	struct touch *s = &touches.slot[h % TOUCH_SLOTS];
	if (strncmp(s->key, token_hash, 16) != 0 || t - s->at >= granularity || t < s->at) {
		memcpy(s->key, token_hash, 16);
		s->key[16] = '\0';
		s->at = t;
		mine = true;
	}
	pthread_mutex_unlock(&touches.lock);
	return mine;
}

/* A touch that failed: the next request tries again. */
static void touch_release(const char *token_hash)
{
	pthread_mutex_lock(&touches.lock);
	for (size_t i = 0; i < TOUCH_SLOTS; i++)
		if (strncmp(touches.slot[i].key, token_hash, 16) == 0)
			touches.slot[i].key[0] = '\0';
	pthread_mutex_unlock(&touches.lock);
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

bool auth_mfa_required(enum role role)
{
	switch (role) {
	case ROLE_CARELINE:
	case ROLE_HART:
	case ROLE_LIAISON:
	case ROLE_MDT:
	case ROLE_PROVIDER:
		return true;
	default:
		return false;
	}
}

static void fmt_time(hl_time t, char out[32])
{
	time_format(t, out, 32);
}

struct login_row {
	int64_t id;
	char hash[CRYPTO_PWHASH_SIZE];
	bool disabled;
	enum role role;
};

static int find_login(struct db *db, const char *username, struct login_row *ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT id, password_hash, disabled, role FROM app_user WHERE username = ?", "t",
			username);
	if (r < 0)
		return r;
	ret->id = db_column_int64(st, 0);
	str_copy(ret->hash, sizeof ret->hash, db_column_text(st, 1) ? db_column_text(st, 1) : "");
	ret->disabled = db_column_int64(st, 2) != 0;
	r = role_parse(db_column_text(st, 3), &ret->role) == 0 ? 0 : ERR_DB;
	db_finalize(st);
	return r;
}

int auth_pair_locked(struct db *db, int64_t user_id, const char *client, bool *ret)
{
	char nowbuf[32];
	fmt_time(now(), nowbuf);
	int64_t n = 0;
	int r = db_int64f(db, &n, "SELECT count(*) FROM login_failure WHERE user_id = ? AND client = ? AND locks_until > ?",
			  "itt", user_id, client, nowbuf);
	if (r < 0)
		return r == ERR_NOTFOUND ? ERR_DB : r;
	*ret = n > 0;
	return 0;
}

int auth_throttled(struct app *app, const char *client, const char *username, int *ret_retry)
{
	hl_time t = now();
	int64_t a = auth_limits_wait(app->limits, "client", client, t);
	int64_t b = auth_limits_wait(app->limits, "account", username, t);
	int64_t wait = a > b ? a : b;
	if (wait <= 0)
		return 0;
	*ret_retry = (int)((wait + HL_USEC_PER_SEC - 1) / HL_USEC_PER_SEC);
	return ERR_BUSY;
}

/* Count the pair's failures within the window; at the limit, lock the
 * pair (and mark the account, so an administrator sees that someone is
 * locked out of it). */
static int lock_pair_at_limit(struct app *app, struct db *db, const struct svc_ctx *ctx, int64_t user_id,
			      const char *client, int64_t failure_id, hl_time t)
{
	char since[32], until[32];
	fmt_time(t - app->auth.lockout_window, since);
	fmt_time(t + app->auth.lockout_duration, until);
	int64_t failures = 0;
	int r = db_int64f(db, &failures, "SELECT count(*) FROM login_failure WHERE user_id = ? AND client = ? AND at > ?",
			  "itt", user_id, client, since);
	if (r < 0)
		return r;
	if (failures < app->auth.lockout_failures)
		return 0;
	if ((r = db_execf(db, "UPDATE login_failure SET locks_until = ? WHERE id = ?", "ti", until, failure_id)) < 0 ||
	    (r = db_execf(db, "UPDATE app_user SET locked_until = ? WHERE id = ?", "ti", until, user_id)) < 0)
		return r;
	return svc_audit_appendf(db, ctx, "user.locked", "user", user_id, "failures=%lld until=%s client=%s",
	                         (long long)failures, until, client);
}

int auth_note_failure(struct app *app, struct db *db, const struct svc_ctx *ctx, int64_t user_id,
		      const char *client, const char *username)
{
	hl_time t = now();
	auth_limits_fail(app->limits, "client", client, &LIMIT_CLIENT, t);
	auth_limits_fail(app->limits, "account", username, &LIMIT_ACCOUNT, t);
	if (user_id <= 0)
		return 0;
	char at[32];
	fmt_time(t, at);
	int64_t id = 0;
	int r = db_int64f(db, &id, "INSERT INTO login_failure (user_id, at, client) VALUES (?, ?, ?) RETURNING id",
			  "itt", user_id, at, client);
	if (r < 0)
		return r;
	return lock_pair_at_limit(app, db, ctx, user_id, client, id, t);
}

/* "Firefox on Linux": enough to tell one's sessions apart, no more. */
static void ua_summary(const char *ua, char out[64])
{
	static const struct {
		const char *token, *name;
	} browsers[] = {{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"},
			{"Safari/", "Safari"}, {"curl/", "curl"}, {"node", "Node.js"}},
	  systems[] = {{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iOS"}, {"Windows", "Windows"},
		       {"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"}};
	const char *browser = NULL, *system = NULL;
	for (size_t i = 0; ua && !browser && i < sizeof browsers / sizeof browsers[0]; i++)
		if (strstr(ua, browsers[i].token))
			browser = browsers[i].name;
	for (size_t i = 0; ua && !system && i < sizeof systems / sizeof systems[0]; i++)
		if (strstr(ua, systems[i].token))
			system = systems[i].name;
	int n = snprintf(out, 64, "%s%s%s", browser ? browser : "Other program", system ? " on " : "",
			 system ? system : "");
	if (n < 0)
		out[0] = '\0';
}

static int new_session(struct app *app, struct db *db, int64_t user_id, const struct auth_client *from,
		       int pending, char token[AUTH_TOKEN_SIZE], int64_t *ret_id)
{
	char token_hash[CRYPTO_HASH_HEX_SIZE], nowbuf[32], expires[32], ua[64];
	int r = crypto_random_hex(32, token, AUTH_TOKEN_SIZE);
	if (r < 0)
		return r;
	crypto_hash_hex(token, strlen(token), token_hash);
	hl_time t = now();
	fmt_time(t, nowbuf);
	fmt_time(t + (pending ? AUTH_PENDING_LIFETIME : app->auth.absolute), expires);
	ua_summary(from->user_agent, ua);
	*ret_id = 0;
	r = db_int64f(db, ret_id,
		      "INSERT INTO user_session (token_hash, user_id, created_at, last_seen_at, expires_at, client,"
		      " user_agent, mfa_pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		      "titttttt", token_hash, user_id, nowbuf, nowbuf, expires, from->address, ua,
		      pending == AUTH_MFA_CODE ? "code" : pending == AUTH_MFA_ENROL ? "enrol" : NULL);
	return r == ERR_NOTFOUND ? ERR_DB : r;
}

int auth_load_user(struct app *app, struct db *db, int64_t id, struct user_info *ret)
{
	struct db_stmt *u;
	int r = db_rowf(db, &u,
			"SELECT id, username, role, scope, display_name, email, disabled, locked_until, version,"
			" created_at, updated_at FROM app_user WHERE id = ?",
			"i", id);
	if (r < 0)
		return r;
	r = users_open_row(app, u, 0, ret);
	db_finalize(u);
	return r;
}

/* Whether the user has a confirmed second factor. */
static int mfa_enrolled(struct db *db, int64_t user_id, bool *ret)
{
	int64_t n = 0;
	int r = db_int64f(db, &n, "SELECT count(*) FROM user_totp WHERE user_id = ? AND confirmed_at IS NOT NULL", "i",
			  user_id);
	if (r < 0)
		return r == ERR_NOTFOUND ? ERR_DB : r;
	*ret = n > 0;
	return 0;
}

/* How a failed login counts: not at all (a disabled account given its
 * right password), in the rate limits only (any try while locked, which
 * must not make the lock last longer), or there and towards the lock. */
enum { COUNT_NONE, COUNT_LIMITS, COUNT_ALL };

/* The failed login: counted, audited, answered like every other. */
static int refuse_login(struct app *app, struct db *db, const struct svc_ctx *ctx, const struct login_row *row,
			bool known, int count, const char *why)
{
	int r = db_begin(db);
	if (r < 0)
		return r;
	char oid[24] = "", detail[64];
	if (known)
		snprintf(oid, sizeof oid, "%lld", (long long)row->id);
	if (count != COUNT_NONE &&
	    (r = auth_note_failure(app, db, ctx, known && count == COUNT_ALL ? row->id : 0, ctx->client,
				   ctx->actor->username)) < 0)
		goto fail;
	snprintf(detail, sizeof detail, "reason=%s", why);
	if ((r = svc_audit_append(db, ctx, "login.failure", known ? "user" : NULL, known ? oid : NULL, detail)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	return ERR_AUTH;
fail:
	db_rollback(db);
	return r;
}

/* The password is checked whatever else is wrong, so every failure takes
 * the same time; at most a few hashes run at once. */
static int check_password(struct app *app, struct db *db, const char *username, const char *password,
			  struct login_row *row, bool *ret_known, bool *ret_ok)
{
	bool known = username && *username && strlen(username) < USERNAME_MAX;
	int r;
	if (known && (r = find_login(db, username, row)) < 0) {
		if (r != ERR_NOTFOUND)
			return r;
		known = false;
	}
	if ((r = auth_limits_hash_begin(app->limits)) < 0)
		return r;
	*ret_ok = crypto_password_verify(known ? row->hash : app->dummy_hash, password ? password : "");
	auth_limits_hash_end(app->limits);
	*ret_known = known;
	return 0;
}

static int open_session(struct app *app, struct db *db, const struct svc_ctx *ctx, const struct login_row *row,
			const struct auth_client *from, struct svc_login *ret)
{
	bool enrolled = false;
	int r;
	if (auth_mfa_required(row->role) && (r = mfa_enrolled(db, row->id, &enrolled)) < 0)
		return r;
	int pending = !auth_mfa_required(row->role) ? AUTH_MFA_NONE : enrolled ? AUTH_MFA_CODE : AUTH_MFA_ENROL;
	int64_t session_id;
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = new_session(app, db, row->id, from, pending, ret->token, &session_id)) < 0)
		goto fail;
	/* The pair's failures are forgotten only once the login is complete,
	 * so that a known password does not reset the count of wrong codes. */
	if (!pending && (r = db_execf(db, "DELETE FROM login_failure WHERE client = ? AND user_id = ?", "ti",
				      from->address, row->id)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, pending ? "login.password" : "login.success", "user", row->id,
	                           "session=%lld%s", (long long)session_id,
	                           pending == AUTH_MFA_CODE    ? " next=code"
	                           : pending == AUTH_MFA_ENROL ? " next=enrol"
	                                                       : "")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	ret->mfa_pending = pending;
	if ((r = auth_load_user(app, db, row->id, &ret->user)) < 0)
		return r;
	auth_csrf_for(ret->token, ret->csrf_token);
	return 0;
fail:
	db_rollback(db);
	return r;
}

static const struct field_rule login_fields[] = {
	{.key = "username", .type = FT_STRING, .required = true},
	{.key = "password", .type = FT_STRING, .required = true},
	{.key = NULL},
};
const struct schema svc_auth_login_schema = {.name = "login", .fields = login_fields, .open = true};

int svc_auth_login(struct app *app, const struct auth_client *from, const char *username, const char *password,
		   struct svc_login *ret)
{
	struct db *db;
	int r = schema_check_strings(&svc_auth_login_schema, NULL, "username", username, "password", password, NULL);
	if (r < 0 || (r = app_db(app, &db)) < 0)
		return r;
	memset(ret, 0, sizeof *ret);
	if ((r = auth_throttled(app, from->address, username, &ret->retry_after)) < 0)
		return r;
	struct actor who;
	memset(&who, 0, sizeof who);
	str_copy(who.username, sizeof who.username, username ? username : "");
	struct svc_ctx ctx = {.app = app, .actor = &who, .client = from->address};
	struct login_row row;
	bool known = false, password_ok = false, locked = false;
	if ((r = check_password(app, db, username, password, &row, &known, &password_ok)) < 0) {
		if (r == ERR_BUSY)
			ret->retry_after = 1;
		return r;
	}
	if (known && (r = auth_pair_locked(db, row.id, from->address, &locked)) < 0)
		return r;
	if (!known)
		return refuse_login(app, db, &ctx, &row, false, COUNT_LIMITS, "unknown user");
	if (row.disabled)
		return refuse_login(app, db, &ctx, &row, true, password_ok ? COUNT_NONE : COUNT_LIMITS, "account disabled");
	if (locked)
		return refuse_login(app, db, &ctx, &row, true, COUNT_LIMITS, "account locked");
	if (!password_ok)
		return refuse_login(app, db, &ctx, &row, true, COUNT_ALL, "wrong password");
	return open_session(app, db, &ctx, &row, from, ret);
}

int auth_session_complete(const struct svc_ctx *ctx, struct db *db, const char *how, struct svc_login *ret)
{
	const struct actor *a = ctx->actor;
	char token_hash[CRYPTO_HASH_HEX_SIZE], expires[32];
	int r = crypto_random_hex(32, ret->token, sizeof ret->token);
	if (r < 0)
		return r;
	crypto_hash_hex(ret->token, strlen(ret->token), token_hash);
	fmt_time(now() + ctx->app->auth.absolute, expires);
	/* A new token: whoever held the partial one does not hold this. */
	if ((r = db_execf(db, "UPDATE user_session SET token_hash = ?, expires_at = ?, mfa_pending = NULL WHERE id = ?",
			  "tti", token_hash, expires, a->session_id)) < 0 ||
	    (r = db_execf(db, "DELETE FROM login_failure WHERE client = ? AND user_id = ?", "ti", ctx->client,
			  a->user_id)) < 0)
		return r;
	if ((r = svc_audit_appendf(db, ctx, "login.success", "user", a->user_id, "session=%lld second_factor=%s",
	                           (long long)a->session_id, how)) < 0)
		return r;
	ret->mfa_pending = AUTH_MFA_NONE;
	auth_csrf_for(ret->token, ret->csrf_token);
	return 0;
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
	if ((r = db_rowf(db, &st,
			 "SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, s.ended_at, u.username, u.role,"
			 " u.scope, u.disabled, s.mfa_pending FROM user_session s JOIN app_user u ON u.id = s.user_id"
			 " WHERE s.token_hash = ?",
			 "t", token_hash)) < 0)
		return r == ERR_NOTFOUND ? ERR_AUTH : r;
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
		const char *pending = db_column_text(st, 9);
		ret->mfa_pending = !pending			  ? AUTH_MFA_NONE
				   : strcmp(pending, "enrol") == 0 ? AUTH_MFA_ENROL
								  : AUTH_MFA_CODE;
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
	if (t - last_seen >= last_seen_granularity(app) && touch_claim(token_hash, t, last_seen_granularity(app))) {
		char ts[32];
		fmt_time(t, ts);
		if ((r = db_execf(db, "UPDATE user_session SET last_seen_at = ? WHERE id = ?", "ti", ts, session_id)) < 0) {
			touch_release(token_hash);
			return r;
		}
	}
	return 0;
}

int svc_auth_logout(const struct svc_ctx *ctx)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_SESSION, &db);
	if (r < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = auth_sessions_end(db, ctx->actor->user_id, ctx->actor->session_id, NULL)) >= 0)
		r = svc_audit_appendf(db, ctx, "logout", "user", ctx->actor->user_id, "session=%lld",
				      (long long)ctx->actor->session_id);
	r = auth_commit(db, r);
	return r < 0 ? r : 0;
}
