#include "service/drafts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "base/str.h"
#include "service/audit.h"
#include "service/sealed.h"

/* A draft is whatever the form holds, as an object: the form's own use
 * case checks it when it is sent. */
static const struct field_rule draft_fields[] = {{.key = NULL}};
const struct schema svc_draft_put_schema = {.name = "draft", .fields = draft_fields, .open = true};

/* Which permission a kind of draft needs; then the database. */
static int enter_kind(const struct svc_ctx *ctx, const char *kind, struct db **ret)
{
	if (strcmp(kind, "intake") != 0)
		return ERR_NOTFOUND;
	return svc_enter(ctx, PERM_INTAKE_WRITE, ret);
}

int svc_draft_put(const struct svc_ctx *ctx, const char *kind, const json_t *doc, char updated_at[32])
{
	struct db *db;
	int r = enter_kind(ctx, kind, &db);
	if (r < 0)
		return r;
	struct field_errors errs;
	field_errors_init(&errs, 1);
	r = schema_check(&svc_draft_put_schema, doc, &errs);
	field_errors_done(&errs);
	if (r < 0)
		return r;
	char *text = json_dump_text(doc, JSON_COMPACT);
	if (!text)
		return ERR_NOMEM;
	int64_t id;
	if ((r = time_format(now(), updated_at, 32)) < 0 || (r = db_begin(db)) < 0)
		goto out;
	if ((r = db_int64f(db, &id,
			   "INSERT INTO draft (user_id, kind, updated_at) VALUES (?, ?, ?)"
			   " ON CONFLICT (user_id, kind) DO UPDATE SET updated_at = excluded.updated_at RETURNING id",
			   "itt", ctx->actor->user_id, kind, updated_at)) < 0 ||
	    (r = sealed_put(db, ctx->app, "draft", "body", id, text)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "draft.save", "draft", id, "%s", kind)) < 0 || (r = db_commit(db)) < 0)
		db_rollback(db);
out:
	free(text);
	return r;
}

int svc_draft_get(const struct svc_ctx *ctx, const char *kind, json_t **ret, char updated_at[32])
{
	struct db *db;
	struct db_stmt *st;
	*ret = NULL;
	updated_at[0] = '\0';
	int r = enter_kind(ctx, kind, &db);
	if (r < 0)
		return r;
	r = db_rowf(db, &st, "SELECT id, body, updated_at FROM draft WHERE user_id = ? AND kind = ?", "it",
		    ctx->actor->user_id, kind);
	/* No draft is an answer, not a missing page: nothing to take up. */
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	char *text = NULL;
	r = sealed_get(ctx->app, st, 1, "draft", "body", db_column_int64(st, 0), &text);
	if (r == 0)
		r = str_copy(updated_at, 32, db_column_text(st, 2));
	db_finalize(st);
	if (r < 0) {
		free(text);
		return r;
	}
	*ret = text ? json_loads(text, 0, NULL) : json_object();
	free(text);
	return *ret ? 0 : ERR_DB;
}

int svc_draft_delete(const struct svc_ctx *ctx, const char *kind)
{
	struct db *db;
	int r = enter_kind(ctx, kind, &db);
	if (r < 0)
		return r;
	return db_execf(db, "DELETE FROM draft WHERE user_id = ? AND kind = ?", "it", ctx->actor->user_id, kind);
}
