/* attendance.c: who attended and who completed a session, in one request
 * and one transaction (docs/training.md, "Registration and attendance"),
 * and the certificates completing a course issues. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/sealed.h"
#include "service/training/training_int.h"
#include "service/training_informed.h"

#define LINES_MAX 1000
#define CODE_LEN 10

static const struct field_rule put_fields[] = {{"lines", FT_ARRAY, .required = true, .max_len = LINES_MAX},
					       {.key = NULL}};
const struct schema svc_attendance_schema = {.name = "training attendance", .fields = put_fields};


/* A verification code: CODE_LEN characters of an alphabet without 0/O,
 * 1/I/L, drawn without bias. */
static void certificate_code(char out[CODE_LEN + 1])
{
	static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"; /* 31 */
	for (int i = 0; i < CODE_LEN;) {
		unsigned char b;
		crypto_random(&b, 1);
		if (b < 248) /* 8 * 31 */
			out[i++] = alphabet[b % 31];
	}
	out[CODE_LEN] = '\0';
}

/* Check every line; each bad one named by its index. */
static int check_lines(struct db *db, int64_t sid, const json_t *lines, struct tr_attendance_line *out, struct field_errors *errs)
{
	size_t i;
	json_t *v;
	json_array_foreach(lines, i, v)
	{
		char key[40];
		snprintf(key, sizeof key, "lines[%zu]", i);
		json_t *reg = json_object_get(v, "registration_id"), *a = json_object_get(v, "attended"),
		       *c = json_object_get(v, "completed");
		if (!json_is_object(v) || !json_is_integer(reg) || !json_is_boolean(a) || !json_is_boolean(c)) {
			field_error_add(errs, key, "Line %zu: tick attended and completed, or leave them unticked", i + 1);
			continue;
		}
		out[i] = (struct tr_attendance_line){.reg = (int64_t)json_integer_value(reg), .attended = json_is_true(a),
				       .completed = json_is_true(c)};
		for (size_t k = 0; k < i; k++)
			if (out[k].reg == out[i].reg)
				field_error_add(errs, key, "the same registration twice: keep one line for each person");
		struct db_stmt *st;
		int r = db_rowf(db, &st, "SELECT trainee_id, status FROM registration WHERE id = ? AND session_id = ?", "ii",
				out[i].reg, sid);
		if (r == ERR_NOTFOUND) {
			field_error_add(errs, key, "not registered for this session: register the person first");
			continue;
		}
		if (r < 0)
			return r;
		out[i].trainee = db_column_int64(st, 0);
		bool registered = strcmp(db_column_text(st, 1), "registered") == 0;
		db_finalize(st);
		if (!registered)
			field_error_add(errs, key, "not registered for this session (waiting or cancelled): give them a place first");
		else if (out[i].completed && !out[i].attended)
			field_error_add(errs, key, "completed without attending: tick attended too, or untick completed");
	}
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

#define CORRECTED "attendance corrected"

/* Whether certificate cid is revoked, and by a correction of attendance
 * (its sealed reason is CORRECTED). */
static int revoked_by_correction(const struct svc_ctx *ctx, struct db *db, int64_t cid, bool *ret)
{
	struct db_stmt *st;
	*ret = false;
	int r = db_preparef(db, &st, "SELECT revoke_reason FROM certificate WHERE id = ? AND revoked_at IS NOT NULL",
			    "i", cid);
	if (r < 0)
		return r;
	if ((r = db_step(st)) == DB_ROW) {
		char *why = NULL;
		if ((r = sealed_get(ctx->app, st, 0, "certificate", "revoke_reason", cid, &why)) == 0)
			*ret = why && strcmp(why, CORRECTED) == 0;
		free(why);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* Issue the certificate of a completion (once per trainee, course and
 * session; one revoked by a correction is restored), or revoke it when the
 * completion is taken back. *issued and *revoked count. */
static int certify(const struct svc_ctx *ctx, struct db *db, const struct tr_session *s, const struct tr_attendance_line *l,
		   const char *ts, int *issued, int *revoked)
{
	const struct pack_course *c = pack_course(ctx->app->pack, s->course);
	if (!c || !c->certifies)
		return 0;
	int64_t cid;
	int r = db_int64f(db, &cid, "SELECT id FROM certificate WHERE trainee_id = ? AND course = ? AND session_id = ?",
			  "iti", l->trainee, s->course, s->id);
	if (r < 0 && r != ERR_NOTFOUND)
		return r;
	if (!l->completed) {
		if (r == ERR_NOTFOUND)
			return 0;
		int64_t was;
		r = db_int64f(db, &was, "UPDATE certificate SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id",
			      "ti", ts, cid);
		if (r == ERR_NOTFOUND)
			return 0;
		if (r == 0 && (r = sealed_put(db, ctx->app, "certificate", "revoke_reason", cid, CORRECTED)) == 0)
			++*revoked;
		return r;
	}
	if (r == 0) {
		/* Only a revocation of attendance's own is undone here: one a
		 * trainer made, for whatever reason, stands. */
		bool ours = false;
		if ((r = revoked_by_correction(ctx, db, cid, &ours)) < 0 || !ours)
			return r;
		int64_t was;
		r = db_int64f(db, &was, "UPDATE certificate SET revoked_at = NULL WHERE id = ? AND revoked_at IS NOT NULL"
					" RETURNING id", "i", cid);
		if (r == ERR_NOTFOUND)
			return 0;
		if (r == 0 && (r = sealed_put(db, ctx->app, "certificate", "revoke_reason", cid, NULL)) == 0)
			++*issued;
		return r;
	}
	char code[CODE_LEN + 1], on[11], until[32];
	/* Completed on the session's day on the agency's calendar (an evening
	 * session is already the next day in UTC). */
	hl_time started;
	if (time_parse(s->starts_at, &started) < 0 || local_date(started, on, sizeof on) < 0)
		snprintf(on, sizeof on, "%.10s", s->starts_at);
	if (c->valid_months > 0)
		if ((r = training_add_months(on, c->valid_months, until)) < 0)
			return r;
	certificate_code(code);
	if ((r = db_int64f(db, &cid,
			   "INSERT INTO certificate (code, trainee_id, course, session_id, completed_on, issued_at,"
			   " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			   "titittt", code, l->trainee, s->course, s->id, on, ts,
			   c->valid_months > 0 ? until : NULL)) == 0)
		++*issued;
	return r;
}

/* The writes of one attendance, inside its transaction. */
static int write_lines(const struct svc_ctx *ctx, struct db *db, const struct tr_session *s, const struct tr_attendance_line *l,
		       size_t n, const char *ts, int *issued, int *revoked)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		if ((r = db_execf(db,
				  "UPDATE registration SET attended = ?, completed = ?, attendance_at = ?,"
				  " attendance_by = NULLIF(?, 0), version = version + 1 WHERE id = ?",
				  "iitii", (int64_t)l[i].attended, (int64_t)l[i].completed, ts, ctx->actor->user_id,
				  l[i].reg)) == 0)
			r = certify(ctx, db, s, &l[i], ts, issued, revoked);
	if (r == 0)
		r = db_execf(db, "UPDATE training_session SET status = 'held', version = version + 1, updated_at = ?"
				 " WHERE id = ?", "ti", ts, s->id);
	return r < 0 ? r : tr_mark_session(db, s->id);
}

/* Recompute the trafficking-informed status of every provider whose staff
 * are on session sid, inside the attendance's transaction. The ids are
 * read first: a provider's refresh runs statements of its own. */
static int refresh_providers(struct db *db, const struct svc_ctx *ctx, int64_t sid)
{
	struct db_stmt *st;
	int64_t ids[64];
	size_t n = 0;
	int r = db_preparef(db, &st,
			    "SELECT DISTINCT t.provider_id FROM registration r JOIN trainee t ON t.id = r.trainee_id"
			    " WHERE r.session_id = ? AND t.provider_id IS NOT NULL ORDER BY t.provider_id",
			    "i", sid);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && n < sizeof ids / sizeof *ids)
		ids[n++] = db_column_int64(st, 0);
	db_finalize(st);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if ((r = training_informed_refresh(db, ctx, ids[i], NULL)) < 0)
			return r;
	/* More providers than fit here are caught by the sweep. */
	return 0;
}

int tr_attendance_write(const struct svc_ctx *ctx, struct db *db, const struct tr_session *s,
			const struct tr_attendance_line *l, size_t n, const char *ts, int *issued, int *revoked)
{
	int r = write_lines(ctx, db, s, l, n, ts, issued, revoked);
	return r < 0 ? r : refresh_providers(db, ctx, s->id);
}

int svc_attendance_put(const struct svc_ctx *ctx, int64_t sid, const json_t *body, struct field_errors *errs,
		       json_t **ret)
{
	struct db *db;
	struct tr_session s;
	int r = svc_enter(ctx, PERM_TRAINING_MANAGE, &db);
	if (r < 0 || (r = tr_session_load(db, sid, &s)) < 0)
		return r;
	if (schema_check(&svc_attendance_schema, body, errs) < 0)
		return ERR_INVAL;
	const json_t *lines = json_object_get(body, "lines");
	size_t n = json_array_size(lines);
	if (n == 0) {
		field_error_add(errs, "lines", "no lines: tick who attended and who completed");
		return ERR_INVAL;
	}
	if (strcmp(s.status, "cancelled") == 0) {
		field_error_add(errs, "status", "the session is cancelled: it takes no attendance");
		return ERR_CONFLICT;
	}
	struct tr_attendance_line *l = calloc(n, sizeof *l);
	if (!l)
		return ERR_NOMEM;
	char ts[32];
	int issued = 0, revoked = 0, attended = 0, completed = 0;
	if ((r = check_lines(db, sid, lines, l, errs)) < 0 || (r = time_format(now(), ts, sizeof ts)) < 0 ||
	    (r = db_begin(db)) < 0) {
		free(l);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		attended += l[i].attended, completed += l[i].completed;
	if ((r = tr_attendance_write(ctx, db, &s, l, n, ts, &issued, &revoked)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "training.attendance", "training_session", sid,
				   "lines=%zu attended=%d completed=%d issued=%d revoked=%d", n, attended, completed, issued,
				   revoked)) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		free(l);
		return r;
	}
	free(l);
	*ret = json_pack("{s:I, s:s, s:I, s:i, s:i, s:i, s:i}", "id", (json_int_t)sid, "status", "held", "lines",
			 (json_int_t)n, "attended", attended, "completed", completed, "certificates_issued", issued,
			 "certificates_revoked", revoked);
	return *ret ? 0 : ERR_NOMEM;
}
