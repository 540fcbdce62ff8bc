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


static void copy_col(struct db_stmt *st, int col, char *out, size_t size)
{
	const char *s = db_column_text(st, col);
	if (str_copy(out, size, s ? s : "") < 0)
		out[0] = '\0';
}

static const struct page_sort session_sorts[] = {
	{"created_at", "created_at"},
	{"last_used_at", "last_seen_at"},
	{"id", "id"},
	{NULL, NULL},
};
static const struct page_list sessions_page_list = {"sessions", "id", session_sorts, "-created_at"};

static int sessions_rows(const struct svc_ctx *ctx, struct db *db, struct list_page *p, struct session_info *list,
			 size_t *ret_n)
{
	char nowbuf[32], idle[32];
	hl_time t = now();
	if (time_format(t, nowbuf, sizeof nowbuf) < 0 || time_format(t - ctx->app->auth.idle, idle, sizeof idle) < 0)
		return ERR_INVAL;
	struct sqlb *s = malloc(sizeof *s);
	if (!s)
		return ERR_NOMEM;
	sqlb_init(s);
	sqlb_add(s, "SELECT ", "");
	page_sql_key(s, p);
	/* Only full sessions: one waiting for its second factor is not yet in
	 * anyone's hands but the person logging in. */
	sqlb_add(s,
		 ", id, created_at, last_seen_at, client, user_agent FROM user_session"
		 " WHERE user_id = ? AND ended_at IS NULL AND mfa_pending IS NULL AND expires_at > ?"
		 " AND last_seen_at > ?",
		 "itt", ctx->actor->user_id, nowbuf, idle);
	page_sql_after(s, p);
	page_sql_order(s, p);
	struct db_stmt *st;
	int r = sqlb_prepare(db, s, &st);
	free(s);
	if (r < 0)
		return r;
	size_t n = 0;
	while ((r = db_step(st)) == DB_ROW && page_row(p, st)) {
		struct session_info *si = &list[n++];
		si->id = db_column_int64(st, 1);
		copy_col(st, 2, si->created_at, sizeof si->created_at);
		copy_col(st, 3, si->last_seen_at, sizeof si->last_seen_at);
		copy_col(st, 4, si->client, sizeof si->client);
		copy_col(st, 5, si->user_agent, sizeof si->user_agent);
		si->current = si->id == ctx->actor->session_id;
	}
	db_finalize(st);
	*ret_n = n;
	return r < 0 ? r : 0;
}

int svc_auth_sessions_list(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs,
			   struct list_page *ret_page, struct session_info **ret, size_t *ret_n)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_SESSION, &db);
	if (r < 0 || (r = page_parse(&sessions_page_list, q, ret_page, errs)) < 0)
		return r;
	struct session_info *list = calloc((size_t)ret_page->limit, sizeof *list);
	size_t n = 0;
	if (!list)
		return ERR_NOMEM;
	if ((r = sessions_rows(ctx, db, ret_page, list, &n)) < 0) {
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
