/* glass.c: the reports and cases that relief granted restricts, and
 * breaking the glass to read one (docs/recovery.md, "Record relief"). */
#include "service/persons/persons_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/reliefstate.h"
#include "service/audit.h"
#include "service/casehead.h"
#include "service/mailer.h"
#include "service/recipients.h"
#include "service/relief.h"
#include "service/sealed.h"

#define GLASS_MINUTES 60
#define GLASS_REASON_MIN 10

int relief_restricted(struct db *db, const char *kind, int64_t id, bool *ret)
{
	int64_t n = 0;
	int r = db_int64f(db, &n,
			  "SELECT count(*) FROM relief_link l JOIN relief_record rr ON rr.id = l.relief_id"
			  " WHERE l.kind = ? AND l.object_id = ? AND rr.status = ?",
			  "tit", kind, id, relief_status_name(RELIEF_GRANTED));
	if (r < 0)
		return r;
	*ret = n > 0;
	return 0;
}

int relief_glass_open(const struct svc_ctx *ctx, struct db *db, const char *kind, int64_t id, bool *ret)
{
	char ts[32];
	int64_t n = 0;
	int r = time_format(now(), ts, sizeof ts);
	if (r < 0 || (r = db_int64f(db, &n,
				    "SELECT count(*) FROM break_glass WHERE user_id = ? AND object_type = ?"
				    " AND object_id = ? AND expires_at > ?",
				    "itit", ctx->actor->user_id, kind, id, ts)) < 0)
		return r;
	*ret = n > 0;
	return 0;
}

int relief_read_check(const struct svc_ctx *ctx, struct db *db, const char *kind, int64_t id)
{
	bool restricted, open = false;
	int r = relief_restricted(db, kind, id, &restricted);
	if (r < 0 || !restricted)
		return r;
	if ((r = relief_glass_open(ctx, db, kind, id, &open)) < 0)
		return r;
	if (open)
		return 0;
	char oid[24];
	persons_fmt_id(oid, id);
	if ((r = svc_audit_record(ctx, "record.restricted", kind, oid, "break the glass to read it")) < 0)
		return r;
	return ERR_RESTRICTED;
}

json_t *relief_statuses_json(void)
{
	json_t *statuses = json_array();
	for (int s = 0; statuses && s < RELIEF_STATUS_COUNT; s++) {
		enum relief_status out[RELIEF_STATUS_COUNT];
		size_t n = relief_status_allowed((enum relief_status)s, out);
		json_t *allowed = json_array();
		for (size_t i = 0; allowed && i < n; i++)
			if (json_array_append_new(allowed, json_string(relief_status_name(out[i]))) < 0) {
				json_decref(allowed);
				allowed = NULL;
			}
		json_t *o = allowed ? json_pack("{s:s, s:s, s:o}", "id", relief_status_name((enum relief_status)s), "label",
						relief_status_label((enum relief_status)s), "allowed", allowed)
				    : NULL;
		if (json_array_append_new(statuses, o) < 0) {
			json_decref(statuses);
			statuses = NULL;
		}
	}
	return statuses;
}

json_t *relief_kinds_json(void)
{
	json_t *kinds = json_array();
	for (size_t k = 0; kinds && relief_kinds[k]; k++)
		if (json_array_append_new(kinds, json_pack("{s:s, s:s}", "id", relief_kinds[k], "label",
							   relief_kind_label(relief_kinds[k]))) < 0) {
			json_decref(kinds);
			kinds = NULL;
		}
	return kinds;
}

/* ---- breaking the glass ---- */

static const char *const glass_kinds[] = {"intake", "case", NULL};
static const struct field_rule glass_fields[] = {
	{"kind", FT_STRING, .required = true, .allowed = glass_kinds, .label = "Record"},
	{"id", FT_ID, .required = true, .reason = "open the record from its page", .label = "Record"},
	{"reason", FT_STRING, .required = true, .max_len = PERSONS_REASON_MAX, .label = "Why you need to open it"},
	{.key = NULL},
};
const struct schema svc_break_glass_schema = {.name = "break the glass", .fields = glass_fields};

/* The characters of s that are not white space. */
static size_t visible_chars(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += !isspace((unsigned char)*s);
	return n;
}

/* The record's number, when the actor reaches it with the kind's own
 * read permission; ERR_NOTFOUND (the denial audited) when it does not. */
static int glass_target(const struct svc_ctx *ctx, struct db *db, const char *kind, int64_t id, char number[32])
{
	bool intake = strcmp(kind, "intake") == 0;
	int r = svc_require(ctx, intake ? PERM_INTAKE_READ : PERM_CASES_READ);
	if (r < 0)
		return r;
	struct person_reach pr;
	persons_reach(ctx, &pr);
	char *region = NULL;
	bool reached = false;
	struct db_stmt *st;
	if ((r = db_rowf(db, &st, intake ? "SELECT number, region FROM intake WHERE id = ?"
					 : "SELECT number, region FROM child_case WHERE id = ?",
			 "i", id)) < 0)
		return r;
	r = str_copy(number, 32, db_column_text(st, 0));
	if (r == 0 && db_column_text(st, 1) && !(region = strdup(db_column_text(st, 1))))
		r = ERR_NOMEM;
	db_finalize(st);
	if (r == 0 && intake)
		reached = pr.role != ROLE_LIAISON || (region && strcmp(region, pr.region) == 0);
	else if (r == 0)
		r = persons_case_reached(db, &pr, id, region, &reached);
	free(region);
	if (r < 0)
		return r;
	if (reached)
		return 0;
	char oid[24];
	persons_fmt_id(oid, id);
	svc_audit_denial(ctx, "restricted record outside the actor's scope", kind, oid);
	return ERR_NOTFOUND;
}

/* HART is told, without the child's name: in the app and by e-mail. */
static int glass_notify(const struct svc_ctx *ctx, struct db *db, const char *kind, int64_t id, const char *number,
			const char *ts, const char *until)
{
	char oid[24], text[320], body[768];
	persons_fmt_id(oid, id);
	const char *what = strcmp(kind, "intake") == 0 ? "report" : "case";
	int n = snprintf(text, sizeof text,
			 "%s broke the glass on restricted %s %s (vacated or erased by court order): open to them until %s",
			 ctx->actor->username, what, number, until);
	if (n < 0 || (size_t)n >= sizeof text)
		return ERR_TOOBIG;
	n = snprintf(body, sizeof body,
		     "%s.\n\nTheir reason is recorded with the grant and the audit trail shows every read. "
		     "This message names no child.\n%s/\n",
		     text, ctx->app->public_url ? ctx->app->public_url : "");
	if (n < 0 || (size_t)n >= sizeof body)
		return ERR_TOOBIG;
	const struct recipients to = {.who = RCPT_HART, .except_id = ctx->actor->user_id};
	int r = notify_insert(db, &to, "break_glass", kind, oid, text, ts);
	return r < 0 ? r : mailer_queue(db, ctx->app, &to, "hartline: a restricted record was opened", body, kind, oid);
}

int svc_break_glass(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_PERSONS_READ, &db);
	if (r < 0)
		return r;
	if (schema_check(&svc_break_glass_schema, body, errs) == 0 &&
	    visible_chars(json_get_str(body, "reason")) < GLASS_REASON_MIN)
		field_error_add(errs, "reason", "Say why you need to open this record, in at least %d characters",
				GLASS_REASON_MIN);
	if (field_errors_any(errs))
		return ERR_INVAL;
	const char *kind = json_get_str(body, "kind");
	int64_t id = json_integer_value(json_object_get(body, "id")), gid;
	char number[32], ts[32], until[32];
	bool restricted;
	if ((r = glass_target(ctx, db, kind, id, number)) < 0 || (r = relief_restricted(db, kind, id, &restricted)) < 0)
		return r;
	if (!restricted) {
		persons_conflict(cf, "conflict", "This record is not restricted: open it as usual.");
		return ERR_CONFLICT;
	}
	hl_time t = now();
	if ((r = time_format(t, ts, sizeof ts)) < 0 ||
	    (r = time_format(t + (hl_time)GLASS_MINUTES * 60 * HL_USEC_PER_SEC, until, sizeof until)) < 0 ||
	    (r = db_begin(db)) < 0)
		return r;
	if ((r = db_int64f(db, &gid,
			   "INSERT INTO break_glass (user_id, object_type, object_id, granted_at, expires_at)"
			   " VALUES (?, ?, ?, ?, ?) RETURNING id",
			   "ititt", ctx->actor->user_id, kind, id, ts, until)) < 0 ||
	    (r = sealed_put(db, ctx->app, "break_glass", "reason", gid, json_get_str(body, "reason"))) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "break_glass", kind, id, "grant=%lld minutes=%d number=%s", (long long)gid,
				   GLASS_MINUTES, number)) < 0 ||
	    (r = glass_notify(ctx, db, kind, id, number, ts, until)) < 0 || (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	mailer_kick(ctx->app);
	*ret = json_pack("{s:I, s:s, s:I, s:s, s:s}", "id", (json_int_t)gid, "kind", kind, "object_id", (json_int_t)id,
			 "number", number, "expires_at", until);
	return *ret ? 0 : ERR_NOMEM;
}
