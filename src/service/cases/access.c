/* access.c: a case's scope, its timeline entries and version, and the
 * input helpers the use cases share. */
#include "service/cases/cases_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
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

/* A conflict that is someone else's write since the client read the case:
 * the client reloads (docs/openapi.yaml, urn:hartline:problem:stale-version). */
void cases_stale(struct case_conflict *cf)
{
	if (cf)
		cf->slug = "stale-version";
}

/* Every key of body must be one of known. */
void cases_unknown_keys(const json_t *body, const char *const *known, struct field_errors *errs)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v)
	{
		if (!in_list(known, key)) {
			char path[80];
			snprintf(path, sizeof path, "%.60s", key);
			field_error_add(errs, path, "unknown field");
		}
	}
}

bool cases_need_object(const json_t *body, struct field_errors *errs)
{
	if (json_is_object(body))
		return true;
	field_error_add(errs, "", "expected a JSON object");
	return false;
}

/* A string field: NULL when absent or null (then "required" if it must be
 * there), else a string of at most max characters without NUL. */
const char *cases_str_field(const json_t *o, const char *key, size_t max, bool required, struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			field_error_add(errs, key, "required");
		return NULL;
	}
	if (!json_is_string(v)) {
		field_error_add(errs, key, "must be a string");
		return NULL;
	}
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v)) {
		field_error_add(errs, key, "must not contain NUL characters");
		return NULL;
	}
	if (strlen(s) > max) {
		field_error_add(errs, key, "at most %zu characters", max);
		return NULL;
	}
	if (required && !*s) {
		field_error_add(errs, key, "required");
		return NULL;
	}
	return s;
}

/* A positive integer id: 0 when absent (then "required" if it must be). */
int64_t cases_id_field(const json_t *o, const char *key, bool required, struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			field_error_add(errs, key, "required");
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		field_error_add(errs, key, "must be a positive integer id");
		return -1;
	}
	return json_integer_value(v);
}

/* A time field (RFC 3339), never in the future. false when absent (then
 * "required" if it must be there) or bad. */
bool cases_time_field(const json_t *o, const char *key, bool required, hl_time t, struct field_errors *errs,
		       hl_time *ret)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			field_error_add(errs, key, "required");
		return false;
	}
	hl_time x;
	if (!json_is_string(v) || time_parse(json_string_value(v), &x) < 0) {
		field_error_add(errs, key, "must be a time in RFC 3339, e.g. 2026-11-28T14:05:00Z");
		return false;
	}
	/* Seconds are the precision kept. */
	x -= x % HL_USEC_PER_SEC;
	if (x > t) {
		field_error_add(errs, key, "must not be in the future");
		return false;
	}
	*ret = x;
	return true;
}

bool cases_bool_field(const json_t *o, const char *key, struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		field_error_add(errs, key, "must be true or false");
		return false;
	}
	return json_is_true(v);
}
/* One statement that returns nothing or one id; ret_id may be NULL. */
int cases_step_id(struct db_stmt *st, int64_t *ret_id)
{
	int r = db_step(st);
	if (r == DB_ROW && ret_id)
		*ret_id = db_column_int64(st, 0);
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- the case, its scope ---- */

/* Permission, then the case, then its scope: a liaison its region, an mdt
 * user the cases its team reviews (*ret_mdt: answer the MDT view). A case
 * outside the scope is refused and the denial audited. */
int cases_access(const struct svc_ctx *ctx, enum perm perm, int64_t id, struct db **ret_db,
		       struct case_head *h, bool *ret_mdt)
{
	int r = svc_require(ctx, perm);
	if (r < 0)
		return r;
	if ((r = app_db(ctx->app, ret_db)) < 0 || (r = case_load(*ret_db, id, h)) < 0)
		return r;
	char oid[24];
	fmt_id(oid, id);
	bool mdt = false;
	switch (ctx->actor->role) {
	case ROLE_HART:
		break;
	case ROLE_LIAISON:
		if (strcmp(h->region, ctx->actor->scope) != 0) {
			svc_audit_denial(ctx, "case outside the liaison's region", "case", oid);
			return ERR_PERM;
		}
		break;
	case ROLE_MDT:
		r = teams_case_visible(*ret_db, id, ctx->actor->scope);
		if (r < 0)
			return r;
		if (r == 0) {
			svc_audit_denial(ctx, "case not reviewed by the member's team", "case", oid);
			return ERR_PERM;
		}
		mdt = true;
		break;
	default:
		svc_audit_denial(ctx, "case outside the role", "case", oid);
		return ERR_PERM;
	}
	if (ret_mdt)
		*ret_mdt = mdt;
	return 0;
}

/* Append one event to the timeline, its text sealed. Inside the caller's
 * transaction. data (may be NULL) is not taken. */
int cases_event_add(struct db *db, struct app *app, int64_t case_id, const char *kind, hl_time occurred,
		     int64_t by, bool shared, const json_t *data, const char *text, int64_t *ret_id)
{
	char occ[32], rec[32];
	time_str(occurred, occ);
	time_str(now(), rec);
	char *dumped = data && json_object_size(data) ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	struct db_stmt *st;
	int r = db_prepare(db,
			   "INSERT INTO case_event (case_id, kind, occurred_at, recorded_at, recorded_by, shared, data)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			   &st);
	if (r < 0) {
		free(dumped);
		return r;
	}
	db_bind_int64(st, 1, case_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, occ);
	db_bind_text(st, 4, rec);
	if (by > 0)
		db_bind_int64(st, 5, by);
	else
		db_bind_null(st, 5);
	db_bind_int64(st, 6, shared ? 1 : 0);
	db_bind_text(st, 7, dumped);
	int64_t id = 0;
	r = cases_step_id(st, &id);
	free(dumped);
	if (r < 0)
		return r;
	if (text && *text && (r = sealed_put(db, app, "case_event", "text", id, text)) < 0)
		return r;
	if (ret_id)
		*ret_id = id;
	return 0;
}

/* Bump the version of a case that changed. */
int cases_touch(struct db *db, int64_t id, const char *ts)
{
	struct db_stmt *st;
	int r = db_prepare(db, "UPDATE child_case SET version = version + 1, updated_at = ? WHERE id = ?", &st);
	if (r < 0)
		return r;
	db_bind_text(st, 1, ts);
	db_bind_int64(st, 2, id);
	return cases_step_id(st, NULL);
}

