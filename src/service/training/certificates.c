/* certificates.c: certificates of courses completed, read, printed,
 * revoked, and verified by anyone who holds a code (docs/training.md,
 * "Certificates and verification"). Attendance issues them. */
#include "service/training_certs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/str.h"
#include "db/db.h"
#include "model/qr.h"
#include "service/audit.h"
#include "service/limits.h"
#include "service/sealed.h"
#include "service/training/training_int.h"

#define REASON_MAX 500
#define CODE_MAX 64

/* Unknown codes tried by one client: as many as a person mistyping
 * might, then a doubling wait, so that codes cannot be guessed in bulk. */
static const struct limit_rule LIMIT_VERIFY = {
	.free = 20, .window = 15 * 60 * HL_USEC_PER_SEC, .first = HL_USEC_PER_SEC, .cap = 15 * 60 * HL_USEC_PER_SEC};

const char *cert_status(const char *expires_at, const char *revoked_at, hl_time t)
{
	if (revoked_at && *revoked_at)
		return "revoked";
	if (!expires_at || !*expires_at)
		return "valid";
	char ts[32], day[11];
	if (time_format(t, ts, sizeof ts) < 0 || local_date(t, day, sizeof day) < 0)
		return "expired"; /* cannot tell: never say valid */
	/* A date is valid through that day on the agency's calendar; a time
	 * until that instant. */
	if (strlen(expires_at) == 10)
		return strcmp(expires_at, day) < 0 ? "expired" : "valid";
	return strcmp(expires_at, ts) <= 0 ? "expired" : "valid";
}

int cert_trainee_in_scope(struct db *db, const struct svc_ctx *ctx, int64_t trainee_id, bool *ret)
{
	if (ctx->actor->role != ROLE_PROVIDER) {
		*ret = true;
		return 0;
	}
	int64_t n = 0;
	int r = db_int64f(db, &n,
			  "SELECT count(*) FROM trainee t JOIN provider p ON p.id = t.provider_id"
			  " WHERE t.id = ? AND p.code = ?",
			  "it", trainee_id, ctx->actor->scope);
	if (r < 0)
		return r;
	*ret = n > 0;
	return 0;
}

/* The provider scope as two bound values: (is a provider user, its code). */
#define SCOPE_SQL " AND (CAST(? AS BIGINT) = 0 OR p.code = ?)"
#define CERT_SQL                                                                                              \
	"SELECT c.id, c.code, c.trainee_id, c.course, c.session_id, c.completed_on, c.issued_at, c.expires_at,"  \
	" c.revoked_at, c.revoke_reason, t.name, t.organisation, s.number"                                       \
	" FROM certificate c JOIN trainee t ON t.id = c.trainee_id LEFT JOIN provider p ON p.id = t.provider_id" \
	" LEFT JOIN training_session s ON s.id = c.session_id"

static int64_t is_provider(const struct svc_ctx *ctx)
{
	return ctx->actor->role == ROLE_PROVIDER ? 1 : 0;
}

static int set(json_t *j, const char *key, json_t *v)
{
	return json_object_set_new(j, key, v) < 0 ? ERR_NOMEM : 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The current row of a CERT_SQL statement. The revoke reason is opened
 * for those who keep certificates only. */
static json_t *cert_json(const struct svc_ctx *ctx, struct db_stmt *st, int *ret_err)
{
	struct app *app = ctx->app;
	int64_t id = db_column_int64(st, 0), trainee = db_column_int64(st, 2);
	const char *course = db_column_text(st, 3), *expires = db_column_text(st, 7), *revoked = db_column_text(st, 8);
	const struct pack_course *pc = course ? pack_course(app->pack, course) : NULL;
	json_t *j = json_object();
	int r = j ? 0 : ERR_NOMEM;
	if (r == 0 &&
	    ((r = set(j, "id", json_integer(id))) < 0 || (r = set(j, "code", str_or_null(db_column_text(st, 1)))) < 0 ||
	     (r = set(j, "trainee_id", json_integer(trainee))) < 0 ||
	     (r = sealed_json(app, st, 10, "trainee", "name", trainee, j, "name")) < 0 ||
	     (r = set(j, "organisation", str_or_null(db_column_text(st, 11)))) < 0 ||
	     (r = set(j, "course", str_or_null(course))) < 0 ||
	     (r = set(j, "course_name", str_or_null(pc ? pc->name : course))) < 0 ||
	     (r = set(j, "hours", pc ? json_real(pc->hours) : json_null())) < 0 ||
	     (r = set(j, "session_id", db_column_is_null(st, 4) ? json_null() : json_integer(db_column_int64(st, 4)))) <
		     0 ||
	     (r = set(j, "session_number", str_or_null(db_column_text(st, 12)))) < 0 ||
	     (r = set(j, "completed_on", str_or_null(db_column_text(st, 5)))) < 0 ||
	     (r = set(j, "issued_at", str_or_null(db_column_text(st, 6)))) < 0 ||
	     (r = set(j, "expires_at", str_or_null(expires))) < 0 || (r = set(j, "revoked_at", str_or_null(revoked))) < 0 ||
	     (r = set(j, "status", json_string(cert_status(expires, revoked, now())))) < 0))
		goto fail;
	if (role_may(ctx->actor->role, PERM_TRAINING_MANAGE))
		r = sealed_json(app, st, 9, "certificate", "revoke_reason", id, j, "revoke_reason");
	if (r == 0)
		return j;
fail:
	json_decref(j);
	*ret_err = r;
	return NULL;
}

/* One certificate in scope; ERR_NOTFOUND otherwise. */
static int cert_load(struct db *db, const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, CERT_SQL " WHERE c.id = ?" SCOPE_SQL, "iit", id, is_provider(ctx), ctx->actor->scope);
	if (r < 0)
		return r;
	*ret = cert_json(ctx, st, &r);
	db_finalize(st);
	return *ret ? 0 : r;
}

struct certs_read {
	const struct svc_ctx *ctx;
	const struct cert_filter *f;
	int64_t after;
	int limit;
	const char *course;
	json_t *items;
};

static int certs_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct certs_read *l = arg;
	const struct svc_ctx *ctx = l->ctx;
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    CERT_SQL " WHERE c.id > ? AND (CAST(? AS BIGINT) = 0 OR c.trainee_id = ?)"
				     " AND (CAST(? AS TEXT) IS NULL OR c.course = ?)" SCOPE_SQL " ORDER BY c.id LIMIT ?",
			    "iiittiti", l->after, l->f->trainee, l->f->trainee, l->course, l->course, is_provider(ctx),
			    ctx->actor->scope, (int64_t)l->limit + 1);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		json_t *c = cert_json(ctx, st, &r);
		if (!c || json_array_append_new(l->items, c) < 0) {
			r = r < 0 ? r : ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	if (r < 0)
		return r;
	size_t shown = json_array_size(l->items) > (size_t)l->limit ? (size_t)l->limit : json_array_size(l->items);
	return audit_read_detail(rec, "course=%s count=%zu", l->course ? l->course : "", shown);
}

int svc_certificates_list(const struct svc_ctx *ctx, const struct cert_filter *f, struct field_errors *errs,
			  json_t **ret)
{
	struct db *db;
	int64_t after = 0;
	int r = svc_enter(ctx, PERM_TRAINING_READ, &db);
	if (r < 0)
		return r;
	if (f->course && *f->course && !pack_course(ctx->app->pack, f->course))
		field_error_add(errs, "course", "a course of the catalogue");
	if (tr_page(&tr_certificates_page, f->limit, f->after, &after, errs) < 0 || field_errors_any(errs))
		return ERR_INVAL;
	int limit = f->limit > 0 ? f->limit : 50;
	struct certs_read l = {.ctx = ctx, .f = f, .after = after, .limit = limit,
			       .course = f->course && *f->course ? f->course : NULL};
	if (!(l.items = json_array()))
		return ERR_NOMEM;
	struct audit_read rec = {.action = "certificate.list", .object_type = "trainee",
				 .object_id = f->trainee > 0 ? f->trainee : AUDIT_NO_OBJECT};
	if ((r = svc_audited_read(db, ctx, &rec, certs_read, &l)) < 0) {
		json_decref(l.items);
		return r;
	}
	return tr_page_answer(&tr_certificates_page, l.items, limit, ret);
}

struct cert_read {
	const struct svc_ctx *ctx;
	int64_t id;
	json_t *c;
};

static int cert_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct cert_read *p = arg;
	int r = cert_load(db, p->ctx, p->id, &p->c);
	return r < 0 ? r : audit_read_detail(rec, "course=%s", json_string_value(json_object_get(p->c, "course")));
}

/* Read one certificate in scope and audit it as action. */
static int read_audited(const struct svc_ctx *ctx, int64_t id, const char *action, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_TRAINING_READ, &db);
	if (r < 0)
		return r;
	struct cert_read p = {.ctx = ctx, .id = id};
	struct audit_read rec = {.action = action, .object_type = "certificate", .object_id = id};
	if ((r = svc_audited_read(db, ctx, &rec, cert_read, &p)) < 0) {
		json_decref(p.c);
		return r;
	}
	*ret = p.c;
	return 0;
}

int svc_certificate_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	return read_audited(ctx, id, "certificate.read", ret);
}

int svc_certificate_print(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	json_t *c = NULL;
	struct buf svg;
	buf_init(&svg, 64 * 1024);
	int r = read_audited(ctx, id, "certificate.print", &c);
	if (r < 0)
		goto out;
	const char *base = ctx->app->public_url ? ctx->app->public_url : "";
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	char url[512];
	int w = snprintf(url, sizeof url, "%.*s/verify?code=%s", (int)n, base,
			 json_string_value(json_object_get(c, "code")));
	if (w < 0 || (size_t)w >= sizeof url) {
		r = ERR_TOOBIG;
		goto out;
	}
	if ((r = qr_svg(url, "QR code of the address to check this certificate", &svg)) < 0 ||
	    (r = set(c, "verify_url", json_string(url))) < 0 || (r = set(c, "qr_svg", json_string(buf_str(&svg)))) < 0)
		goto out;
	*ret = c;
	c = NULL;
out:
	json_decref(c);
	buf_done(&svg);
	return r;
}

static const struct field_rule revoke_fields[] = {
	{"reason", FT_STRING, .required = true, .max_len = REASON_MAX},
	{.key = NULL},
};
const struct schema svc_certificate_revoke_schema = {.name = "certificate revoke", .fields = revoke_fields};

static bool blank(const char *s)
{
	while (s && *s && isspace((unsigned char)*s))
		s++;
	return !s || !*s;
}

int svc_certificate_revoke(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			   json_t **ret)
{
	struct db *db;
	json_t *c = NULL;
	int r = svc_enter(ctx, PERM_TRAINING_MANAGE, &db);
	if (r < 0)
		return r;
	if (schema_check(&svc_certificate_revoke_schema, body, errs) == 0 && blank(json_get_str(body, "reason")))
		field_error_add(errs, "reason", "required: say why this certificate is revoked");
	if (field_errors_any(errs))
		return ERR_INVAL;
	char ts[32];
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = cert_load(db, ctx, id, &c)) < 0)
		goto fail;
	if (!json_is_null(json_object_get(c, "revoked_at"))) {
		r = ERR_CONFLICT;
		goto fail;
	}
	json_decref(c);
	c = NULL;
	if ((r = db_execf(db, "UPDATE certificate SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", "ti", ts,
			  id)) < 0 ||
	    (r = sealed_put(db, ctx->app, "certificate", "revoke_reason", id, json_get_str(body, "reason"))) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "certificate.revoke", "certificate", id, "revoked_at=%s", ts)) < 0 ||
	    (r = cert_load(db, ctx, id, &c)) < 0 || (r = db_commit(db)) < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	db_rollback(db);
	json_decref(c);
	return r;
}

/* A code as typed: spaces around it dropped, letters upper-cased, hyphens
 * and inner spaces dropped; false when it cannot be a code at all. */
static bool code_normalise(const char *in, char *out, size_t size)
{
	size_t n = 0;
	for (const char *s = in ? in : ""; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == ' ' || ch == '-')
			continue;
		if (!isalnum(ch) || n + 1 >= size)
			return false;
		out[n++] = (char)toupper(ch);
	}
	out[n] = '\0';
	return n > 0;
}

static int verify_answer(json_t **ret, const char *course_name, const char *completed_on, const char *status)
{
	if (!course_name)
		*ret = json_pack("{s:b,s:s}", "valid", 0, "status", "unknown");
	else
		*ret = json_pack("{s:s,s:s,s:b,s:s}", "course_name", course_name, "completed_on", completed_on, "valid",
				 strcmp(status, "valid") == 0, "status", status);
	return *ret ? 0 : ERR_NOMEM;
}

int svc_certificate_verify(struct app *app, const char *client, const char *code, json_t **ret, int *ret_retry)
{
	hl_time t = now();
	int64_t wait = auth_limits_wait(app->limits, "verify", client ? client : "", t);
	if (wait > 0) {
		*ret_retry = (int)((wait + HL_USEC_PER_SEC - 1) / HL_USEC_PER_SEC);
		return ERR_BUSY;
	}
	char raw[CODE_MAX + 1], norm[CODE_MAX + 1];
	bool ok = code && strlen(code) <= CODE_MAX && code_normalise(code, norm, sizeof norm);
	if (ok) { /* as stored, or as typed without its hyphens and in capitals */
		while (*code == ' ')
			code++;
		size_t n = strlen(code);
		while (n > 0 && code[n - 1] == ' ')
			n--;
		snprintf(raw, sizeof raw, "%.*s", (int)n, code);
	}
	struct db *db;
	struct db_stmt *st;
	int r = ok ? app_db(app, &db) : ERR_NOTFOUND;
	if (r == 0)
		r = db_rowf(db, &st,
			    "SELECT course, completed_on, expires_at, revoked_at FROM certificate WHERE code = ? OR code = ?"
			    " ORDER BY id LIMIT 1",
			    "tt", raw, norm);
	if (r == ERR_NOTFOUND) {
		auth_limits_fail(app->limits, "verify", client ? client : "", &LIMIT_VERIFY, t);
		return verify_answer(ret, NULL, NULL, NULL);
	}
	if (r < 0)
		return r;
	const char *course = db_column_text(st, 0);
	const struct pack_course *pc = course ? pack_course(app->pack, course) : NULL;
	char completed[11];
	snprintf(completed, sizeof completed, "%s", db_column_text(st, 1) ? db_column_text(st, 1) : "");
	r = verify_answer(ret, pc ? pc->name : course ? course : "", completed,
			  cert_status(db_column_text(st, 2), db_column_text(st, 3), t));
	db_finalize(st);
	return r;
}
