#include "service/drafts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "service/audit.h"
#include "service/sealed.h"

/* Which permission a kind of draft needs. */
static int require_kind(const struct svc_ctx *ctx, const char *kind)
{
	if (strcmp(kind, "intake") != 0)
		return ERR_NOTFOUND;
	return svc_require(ctx, PERM_INTAKE_WRITE);
}

int svc_draft_put(const struct svc_ctx *ctx, const char *kind, const json_t *doc, char updated_at[32])
{
	int r = require_kind(ctx, kind);
	if (r < 0)
		return r;
	if (!json_is_object(doc))
		return ERR_INVAL;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	char *text = json_dumps(doc, JSON_COMPACT);
	if (!text)
		return ERR_NOMEM;
	time_format(now(), updated_at, 32);
	if ((r = db_begin(db)) < 0) {
		free(text);
		return r;
	}
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO draft (user_id, kind, updated_at) VALUES (?, ?, ?)"
			    " ON CONFLICT (user_id, kind) DO UPDATE SET updated_at = excluded.updated_at RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, ctx->actor->user_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, updated_at);
	r = db_step(st);
	int64_t id = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0 || (r = sealed_put(db, ctx->app, "draft", "body", id, text)) < 0)
		goto fail;
	char oid[24];
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	if ((r = svc_audit_append(db, ctx, "draft.save", "draft", oid, kind)) < 0)
		goto fail;
	r = db_commit(db);
	free(text);
	return r;
fail:
	db_rollback(db);
	free(text);
	return r;
}

int svc_draft_get(const struct svc_ctx *ctx, const char *kind, json_t **ret, char updated_at[32])
{
	int r = require_kind(ctx, kind);
	if (r < 0)
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "SELECT id, body, updated_at FROM draft WHERE user_id = ? AND kind = ?", &st)) < 0)
		return r;
	db_bind_int64(st, 1, ctx->actor->user_id);
	db_bind_text(st, 2, kind);
	r = db_step(st);
	char *text = NULL;
	if (r == DB_ROW) {
		r = sealed_get(ctx->app, st, 1, "draft", "body", db_column_int64(st, 0), &text);
		str_copy(updated_at, 32, db_column_text(st, 2));
	} else if (r == DB_DONE) {
		r = ERR_NOTFOUND;
	}
	db_finalize(st);
	if (r < 0)
		return r;
	*ret = text ? json_loads(text, 0, NULL) : json_object();
	free(text);
	return *ret ? 0 : ERR_DB;
}

int svc_draft_delete(const struct svc_ctx *ctx, const char *kind)
{
	int r = require_kind(ctx, kind);
	if (r < 0)
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "DELETE FROM draft WHERE user_id = ? AND kind = ?", &st)) < 0)
		return r;
	db_bind_int64(st, 1, ctx->actor->user_id);
	db_bind_text(st, 2, kind);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : 0;
}
