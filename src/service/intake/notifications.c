/* The signed-in user's notifications: an accepted report is the first
 * thing that notifies (dispose.c). */
#include "service/intake/intake_int.h"

#include "base/clock.h"
#include "base/err.h"
#include "service/page.h"

#include <stdlib.h>

static const struct page_sort note_sorts[] = {
	{"id", "id"},
	{NULL, NULL},
};
static const struct page_list notes_page_list = {"notifications", "id", note_sorts, "-id"};

int svc_notifications_list(const struct svc_ctx *ctx, bool unread_only, const struct page_query *q,
			   struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct list_page p;
	int r = svc_enter(ctx, PERM_SESSION, &db);
	if (r < 0 || (r = page_parse(&notes_page_list, q, &p, errs)) < 0)
		return r;
	struct sqlb *s = malloc(sizeof *s);
	if (!s)
		return ERR_NOMEM;
	sqlb_init(s);
	sqlb_add(s, "SELECT ", "");
	page_sql_key(s, &p);
	sqlb_add(s,
		 ", id, kind, object_type, object_id, text, created_at, read_at FROM notification"
		 " WHERE user_id = ? AND (? = 0 OR read_at IS NULL)",
		 "id", ctx->actor->user_id, (int)unread_only);
	page_sql_after(s, &p);
	page_sql_order(s, &p);
	struct db_stmt *st;
	r = sqlb_prepare(db, s, &st);
	free(s);
	if (r < 0)
		return r;
	json_t *list = json_array();
	while (list && (r = db_step(st)) == DB_ROW && page_row(&p, st)) {
		json_t *o = json_object();
		if (!o || json_array_append_new(list, o) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = db_row_json(st, "- id:i kind object_type object_id text created_at read_at", o)) < 0)
			break;
	}
	db_finalize(st);
	/* All unread, not only those listed. */
	int64_t unread = 0;
	if (!list || r < 0 ||
	    (r = db_int64f(db, &unread, "SELECT count(*) FROM notification WHERE user_id = ? AND read_at IS NULL", "i",
			   ctx->actor->user_id)) < 0 ||
	    (r = page_answer(&p, list, ret)) < 0) {
		if (r >= 0)
			json_decref(list);
		return r < 0 ? r : ERR_NOMEM;
	}
	if (json_object_set_new(*ret, "unread", json_integer(unread)) < 0) {
		json_decref(*ret);
		return ERR_NOMEM;
	}
	return 0;
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
