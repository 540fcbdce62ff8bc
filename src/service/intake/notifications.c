/* The signed-in user's notifications: an accepted report is the first
 * thing that notifies (dispose.c). */
#include "service/intake/intake_int.h"

#include "base/clock.h"
#include "base/err.h"

int svc_notifications_list(const struct svc_ctx *ctx, bool unread_only, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_SESSION, &db);
	if (r < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_preparef(db, &st,
			     "SELECT id, kind, object_type, object_id, text, created_at, read_at FROM notification"
			     " WHERE user_id = ? AND (? = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT ?",
			     "idd", ctx->actor->user_id, unread_only, LIST_LIMIT_DEFAULT)) < 0)
		return r;
	json_t *list = json_array();
	while ((r = db_step(st)) == DB_ROW) {
		json_t *o = json_object();
		if (!o || json_array_append_new(list, o) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = db_row_json(st, "id:i kind object_type object_id text created_at read_at", o)) < 0)
			break;
	}
	db_finalize(st);
	/* All unread, not only those listed. */
	int64_t unread = 0;
	if (r < 0 || (r = db_int64f(db, &unread, "SELECT count(*) FROM notification WHERE user_id = ? AND read_at IS NULL",
				    "i", ctx->actor->user_id)) < 0) {
		json_decref(list);
		return r;
	}
	*ret = json_pack("{s:o, s:I}", "notifications", list, "unread", (json_int_t)unread);
	return *ret ? 0 : ERR_NOMEM;
}

int svc_notification_read(const struct svc_ctx *ctx, int64_t id)
{
	struct db *db;
	char ts[32];
	int64_t n = 0;
	int r = svc_enter(ctx, PERM_SESSION, &db);
	if (r < 0 || (r = time_format(now(), ts, sizeof ts)) < 0 ||
	    (r = db_execnf(db, &n,
			   "UPDATE notification SET read_at = coalesce(read_at, ?) WHERE id = ? AND user_id = ?"
			   " RETURNING id",
			   "tii", ts, id, ctx->actor->user_id)) < 0)
		return r;
	return n > 0 ? 0 : ERR_NOTFOUND;
}

int svc_notifications_read_all(const struct svc_ctx *ctx, int64_t *ret_n)
{
	struct db *db;
	char ts[32];
	*ret_n = 0;
	int r = svc_enter(ctx, PERM_SESSION, &db);
	if (r < 0 || (r = time_format(now(), ts, sizeof ts)) < 0)
		return r;
	return db_execnf(db, ret_n, "UPDATE notification SET read_at = ? WHERE user_id = ? AND read_at IS NULL RETURNING id", "ti", ts,
			 ctx->actor->user_id);
}
