/* A user's own sessions, and an administrator ending all of a user's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "service/audit.h"
#include "service/auth.h"
#include "service/auth_int.h"

#define SESSIONS_MAX 100

static void copy_col(struct db_stmt *st, int col, char *out, size_t size)
{
	const char *s = db_column_text(st, col);
	if (str_copy(out, size, s ? s : "") < 0)
		out[0] = '\0';
}

int svc_auth_sessions_list(const struct svc_ctx *ctx, struct session_info **ret, size_t *ret_n)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_SESSION, &db);
	if (r < 0)
		return r;
	char nowbuf[32], idle[32];
	hl_time t = now();
	time_format(t, nowbuf, sizeof nowbuf);
	time_format(t - ctx->app->auth.idle, idle, sizeof idle);
	struct db_stmt *st;
	/* Only full sessions: one waiting for its second factor is not yet in
	 * anyone's hands but the person logging in. */
	if ((r = db_preparef(db, &st,
			     "SELECT id, created_at, last_seen_at, client, user_agent FROM user_session"
			     " WHERE user_id = ? AND ended_at IS NULL AND mfa_pending IS NULL AND expires_at > ?"
			     " AND last_seen_at > ? ORDER BY created_at DESC, id DESC LIMIT ?",
			     "ittd", ctx->actor->user_id, nowbuf, idle, SESSIONS_MAX)) < 0)
		return r;
	struct session_info *list = calloc(SESSIONS_MAX, sizeof *list);
	size_t n = 0;
	if (!list) {
		db_finalize(st);
		return ERR_NOMEM;
	}
	while (n < SESSIONS_MAX && (r = db_step(st)) == DB_ROW) {
		struct session_info *s = &list[n++];
		s->id = db_column_int64(st, 0);
		copy_col(st, 1, s->created_at, sizeof s->created_at);
		copy_col(st, 2, s->last_seen_at, sizeof s->last_seen_at);
		copy_col(st, 3, s->client, sizeof s->client);
		copy_col(st, 4, s->user_agent, sizeof s->user_agent);
		s->current = s->id == ctx->actor->session_id;
	}
	db_finalize(st);
	if (r < 0) {
		free(list);
		return r;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int auth_sessions_end(struct db *db, int64_t user_id, int64_t session_id, int64_t *ret_n)
{
	char ts[32];
	int r = time_format(now(), ts, sizeof ts);
	int64_t n = 0;
	if (r < 0 || (r = db_execnf(db, &n,
				    "UPDATE user_session SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL"
				    " AND (? = 0 OR id = ?) RETURNING id",
				    "tiii", ts, user_id, session_id, session_id)) < 0)
		return r;
	if (ret_n)
		*ret_n = n;
	return 0;
}

int auth_user_exists(struct db *db, int64_t user_id)
{
	int64_t n = 0;
	int r = db_int64f(db, &n, "SELECT count(*) FROM app_user WHERE id = ?", "i", user_id);
	return r < 0 ? r : n ? 0 : ERR_NOTFOUND;
}

/* End the sessions matching (id or every one) of user_id; audited as
 * action. ret_n: how many ended. */
static int end_sessions(const struct svc_ctx *ctx, struct db *db, int64_t user_id, int64_t session_id,
			const char *action, int64_t *ret_n)
{
	int64_t n = 0;
	int r = db_begin(db);
	if (r < 0)
		return r;
	/* One session that is not the user's (or not open) is not found. */
	if ((r = auth_sessions_end(db, user_id, session_id, &n)) >= 0)
		r = session_id && n == 0 ? ERR_NOTFOUND
					 : svc_audit_appendf(db, ctx, action, "user", user_id, "%s=%lld",
							     session_id ? "session" : "sessions",
							     (long long)(session_id ? session_id : n));
	if ((r = auth_commit(db, r)) < 0)
		return r;
	if (ret_n)
		*ret_n = n;
	return 0;
}

int svc_auth_session_end(const struct svc_ctx *ctx, int64_t session_id)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_SESSION, &db);
	if (r < 0)
		return r;
	if (session_id <= 0)
		return ERR_NOTFOUND;
	/* Only the actor's own: another user's session is "not found" too, and
	 * the attempt on it is on the record. */
	r = end_sessions(ctx, db, ctx->actor->user_id, session_id, "session.end", NULL);
	if (r != ERR_NOTFOUND)
		return r;
	int64_t others = 0;
	if ((r = db_int64f(db, &others, "SELECT count(*) FROM user_session WHERE id = ? AND user_id <> ?", "ii",
			   session_id, ctx->actor->user_id)) < 0)
		return r;
	if (others) {
		char oid[24];
		snprintf(oid, sizeof oid, "%lld", (long long)session_id);
		svc_audit_denial(ctx, "end another user's session", "session", oid);
	}
	return ERR_NOTFOUND;
}

int svc_auth_sessions_end_all(const struct svc_ctx *ctx, int64_t user_id, int64_t *ret_n)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_USERS_MANAGE, &db);
	if (r < 0 || (r = auth_user_exists(db, user_id)) < 0)
		return r;
	return end_sessions(ctx, db, user_id, 0, "sessions.end_all", ret_n);
}
