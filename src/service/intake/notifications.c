#include "service/intake/intake_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"
#include "match/cmp.h"
#include "model/routing.h"
#include "model/screening.h"
#include "service/audit.h"
#include "service/casejoin.h"
#include "service/figures.h"
#include "service/mailer.h"
#include "service/numbers.h"
#include "service/persons.h"
#include "service/sealed.h"


/* ---- notifications ---- */

int svc_notifications_list(const struct svc_ctx *ctx, bool unread_only, json_t **ret)
{
	int r = svc_require(ctx, PERM_SESSION);
	if (r < 0)
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "SELECT id, kind, object_type, object_id, text, created_at, read_at FROM notification"
			    " WHERE user_id = ? AND (? = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT 200",
			    &st)) < 0)
		return r;
	db_bind_int64(st, 1, ctx->actor->user_id);
	db_bind_int64(st, 2, unread_only);
	json_t *list = json_array();
	int64_t unread = 0;
	while ((r = db_step(st)) == DB_ROW) {
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?}", "id",
						      (json_int_t)db_column_int64(st, 0), "kind", db_column_text(st, 1),
						      "object_type", db_column_text(st, 2), "object_id",
						      db_column_text(st, 3), "text", db_column_text(st, 4), "created_at",
						      db_column_text(st, 5), "read_at", db_column_text(st, 6)));
	}
	db_finalize(st);
	if (r < 0) {
		json_decref(list);
		return r;
	}
	/* All unread, not only those listed. */
	if ((r = db_prepare(db, "SELECT count(*) FROM notification WHERE user_id = ? AND read_at IS NULL", &st)) == 0) {
		db_bind_int64(st, 1, ctx->actor->user_id);
		if ((r = db_step(st)) == DB_ROW)
			unread = db_column_int64(st, 0);
		db_finalize(st);
	}
	if (r < 0) {
		json_decref(list);
		return r;
	}
	*ret = json_pack("{s:o, s:I}", "notifications", list, "unread", (json_int_t)unread);
	return 0;
}

int svc_notification_read(const struct svc_ctx *ctx, int64_t id)
{
	int r = svc_require(ctx, PERM_SESSION);
	if (r < 0)
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "UPDATE notification SET read_at = coalesce(read_at, ?) WHERE id = ? AND user_id = ?"
			    " RETURNING id",
			    &st)) < 0)
		return r;
	db_bind_text(st, 1, ts);
	db_bind_int64(st, 2, id);
	db_bind_int64(st, 3, ctx->actor->user_id);
	r = db_step(st);
	db_finalize(st);
	return r == DB_ROW ? 0 : r < 0 ? r : ERR_NOTFOUND;
}
