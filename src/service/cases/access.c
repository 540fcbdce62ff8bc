/* access.c: a case's scope, its timeline entries and version, and what the
 * use cases share to check their input and end their transaction. */
#include "service/cases/cases_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/sealed.h"
#include "service/teams.h"

void cases_conflict(struct case_conflict *cf, const char *fmt, ...)
{
	if (!cf)
		return;
	cf->slug = "conflict";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cf->detail, sizeof cf->detail, fmt, ap);
	va_end(ap);
}

/* The client reloads on this one (docs/openapi.yaml,
 * urn:hartline:problem:stale-version). */
void cases_stale(struct case_conflict *cf)
{
	if (cf)
		cf->slug = "stale-version";
}

bool cases_time_past(const json_t *body, const char *key, hl_time t, struct field_errors *errs, hl_time *ret)
{
	hl_time x;
	const char *s = json_string_value(json_object_get(body, key));
	if (!s || time_parse(s, &x) < 0)
		return false;
	/* Seconds are the precision kept. */
	x -= x % HL_USEC_PER_SEC;
	if (x > t) {
		field_error_add(errs, key, "must not be in the future");
		return false;
	}
	*ret = x;
	return true;
}

int cases_end_time(const json_t *body, const struct schema *sc, const char *key, hl_time floor, const char *before,
		   struct field_errors *errs, hl_time *ret)
{
	schema_check(sc, body, errs);
	if (cases_time_past(body, key, now(), errs, ret) && *ret < floor)
		field_error_add(errs, key, "%s", before);
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

const char *cases_str(const json_t *body, const char *key)
{
	const char *s = json_string_value(json_object_get(body, key));
	return s && *s ? s : NULL;
}

int cases_end(struct db *db, int r)
{
	if (r >= 0 && (r = db_commit(db)) >= 0)
		return 0;
	db_rollback(db);
	return r;
}

/* ---- the case, its scope ---- */

/* A case outside the actor's scope: 0 when within it, else ERR_PERM with
 * the denial audited, or a database error. */
static int scope_check(const struct svc_ctx *ctx, struct db *db, const struct case_head *h, bool *ret_mdt)
{
	const char *why = NULL;
	int r;
	switch (ctx->actor->role) {
	case ROLE_HART:
		return 0;
	case ROLE_LIAISON:
		if (strcmp(h->region, ctx->actor->scope) == 0)
			return 0;
		why = "case outside the liaison's region";
		break;
	case ROLE_MDT:
		if ((r = teams_case_visible(db, h->id, ctx->actor->scope)) < 0)
			return r;
		*ret_mdt = true;
		if (r > 0)
			return 0;
		why = "case not reviewed by the member's team";
		break;
	default:
		why = "case outside the role";
		break;
	}
	char oid[24];
	fmt_id(oid, h->id);
	svc_audit_denial(ctx, why, "case", oid);
	return ERR_PERM;
}

int cases_access(const struct svc_ctx *ctx, enum perm perm, int64_t id, struct db **ret_db, struct case_head *h,
		 bool *ret_mdt)
{
	bool mdt = false;
	int r;
	if ((r = svc_enter(ctx, perm, ret_db)) < 0 || (r = case_load(*ret_db, id, h)) < 0 ||
	    (r = scope_check(ctx, *ret_db, h, &mdt)) < 0)
		return r;
	if (ret_mdt)
		*ret_mdt = mdt;
	return 0;
}

int cases_write_enter(const struct svc_ctx *ctx, int64_t id, const struct schema *s, const json_t *body,
		      struct field_errors *errs, struct db **ret_db, struct case_head *h)
{
	int r = cases_access(ctx, PERM_CASES_WRITE, id, ret_db, h, NULL);
	if (r < 0)
		return r;
	return schema_check(s, body, errs);
}

int cases_event_add(struct db *db, struct app *app, int64_t case_id, const char *kind, hl_time occurred, int64_t by,
		    bool shared, const json_t *data, const char *text, int64_t *ret_id)
{
	char occ[32], rec[32];
	time_str(occurred, occ);
	time_str(now(), rec);
	char *dumped = data && json_object_size(data) ? json_dump_text(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (data && json_object_size(data) && !dumped)
		return ERR_NOMEM;
	int64_t id = 0;
	int r = db_int64f(db, &id,
			  "INSERT INTO case_event (case_id, kind, occurred_at, recorded_at, recorded_by, shared, data)"
			  " VALUES (?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?, ?) RETURNING id",
			  "itttidt", case_id, kind, occ, rec, by > 0 ? by : (int64_t)0, (int)shared, dumped);
	free(dumped);
	if (r < 0)
		return r;
	if (text && *text && (r = sealed_put(db, app, "case_event", "text", id, text)) < 0)
		return r;
	if (ret_id)
		*ret_id = id;
	return 0;
}

int cases_event_packf(struct db *db, const struct svc_ctx *ctx, int64_t case_id, const char *kind, hl_time occurred,
		      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	json_t *data = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	if (!data)
		return ERR_NOMEM;
	int r = cases_event_add(db, ctx->app, case_id, kind, occurred, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	return r;
}

/* Bump the version of a case that changed. */
static int case_touch(struct db *db, int64_t id, const char *ts)
{
	return db_execf(db, "UPDATE child_case SET version = version + 1, updated_at = ? WHERE id = ?", "ti", ts, id);
}

int cases_written(struct db *db, const struct svc_ctx *ctx, int64_t id, const char *action, const char *fmt, ...)
{
	char ts[32], detail[AUDIT_DETAIL_MAX];
	time_str(now(), ts);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof detail)
		return n < 0 ? ERR_INVAL : ERR_TOOBIG;
	int r = case_touch(db, id, ts);
	return r < 0 ? r : svc_audit_appendf(db, ctx, action, "case", id, "%s", detail);
}
