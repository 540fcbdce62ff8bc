/* answer.c: PATCH /api/v1/referrals/{id}: a referral's status moves (the
 * provider accepts, declines, starts, completes or ends early; the
 * referring side withdraws), and notes. Every step is kept. */
#include "service/referrals/referrals_int.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "model/duty.h"
#include "service/audit.h"
#include "service/deadlines.h"
#include "service/mailer.h"
#include "service/sealed.h"

static const char *const status_names[] = {"pending",	"accepted", "declined", "started",
					   "completed", "ended",    "withdrawn", NULL};

static const struct field_rule update_fields[] = {
	{"version", FT_INT, .required = true, .reason = "reload the referral and try again", .label = "The referral you read"},
	{"status", FT_STRING, .max_len = 16, .allowed = status_names},
	{"reason_code", FT_STRING, .max_len = 64},
	{"outcome", FT_STRING, .max_len = 64},
	{"note", FT_STRING, .max_len = REFERRAL_TEXT_MAX},
	{.key = NULL},
};
const struct schema svc_referral_update_schema = {.name = "referral update", .fields = update_fields};

/* The pack list a move's code comes from, and the field that names it. */
static const struct pack_item *needs_list(const struct pack *p, enum referral_needs needs, size_t *n,
					  const char **field, const char **what)
{
	const struct pack_recovery *rc = &p->recovery;
	switch (needs) {
	case REFERRAL_NEEDS_DECLINE_REASON:
		*n = rc->n_decline_reasons, *field = "reason_code", *what = "why the provider declines";
		return rc->decline_reasons;
	case REFERRAL_NEEDS_END_REASON:
		*n = rc->n_end_reasons, *field = "reason_code", *what = "why the service ended early";
		return rc->end_reasons;
	case REFERRAL_NEEDS_OUTCOME:
		*n = rc->n_outcomes, *field = "outcome", *what = "the outcome";
		return rc->outcomes;
	default:
		*n = 0, *field = NULL, *what = NULL;
		return NULL;
	}
}

/* What the move to `to` must carry: its reason or outcome from the pack
 * (required), a note where that is "other", and nothing it does not
 * take. *ret_code: the code given. */
static void check_carried(const struct pack *p, const json_t *body, enum referral_status to, bool move,
			  struct field_errors *errs, const char **ret_code)
{
	enum referral_needs needs = move ? referral_move_needs(to) : REFERRAL_NEEDS_NOTHING;
	size_t n;
	const char *field, *what;
	const struct pack_item *list = needs_list(p, needs, &n, &field, &what);
	const char *reason = json_get_str(body, "reason_code"), *outcome = json_get_str(body, "outcome");
	const char *note = json_get_str(body, "note");
	*ret_code = NULL;
	if (field) {
		const char *code = json_get_str(body, field);
		if (!code || !*code)
			field_error_add(errs, field, "required: choose %s", what);
		else if (!pack_item_find(list, n, code))
			field_error_add(errs, field, "not one of the choices; choose %s from the list", what);
		else if (strcmp(code, "other") == 0 && (!note || !*note))
			field_error_add(errs, "note", "required with \"another reason\": say which in the note");
		else
			*ret_code = code;
	}
	if (reason && *reason && (!field || strcmp(field, "reason_code") != 0))
		field_error_add(errs, "reason_code", "only a decline or an early end takes a reason");
	if (outcome && *outcome && (!field || strcmp(field, "outcome") != 0))
		field_error_add(errs, "outcome", "only a completion takes an outcome");
	if (!move && (!note || !*note))
		field_error_add(errs, "note", "required: a change of status, or a note to add");
}

/* The row's new status with its times, the version checked: false in
 * *ret_stale when someone wrote first. */
static int write_move(struct db *db, const struct svc_ctx *ctx, const struct referral_row *row, int64_t version,
		      enum referral_status to, bool move, const char *code, const char *note, const char *at,
		      bool *ret_stale)
{
	const char *status = referral_status_name(move ? to : row->status);
	bool answered = move && referral_move_answers(to), started = move && to == REFERRAL_STARTED;
	bool ended = move && referral_is_final(to);
	bool outcome = move && to == REFERRAL_COMPLETED, reason = move && code && !outcome;
	int64_t n = 0;
	int r = db_execnf(db, &n,
			  "UPDATE service_referral SET status = ?,"
			  " reason_code = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE reason_code END,"
			  " outcome = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE outcome END,"
			  " answered_at = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE answered_at END,"
			  " started_at = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE started_at END,"
			  " ended_at = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE ended_at END,"
			  " version = version + 1, updated_at = ? WHERE id = ? AND version = ? RETURNING id",
			  "tititititittii", status, (int64_t)reason, code, (int64_t)outcome, code, (int64_t)answered, at,
			  (int64_t)started, at, (int64_t)ended, at, at, row->id, version);
	*ret_stale = r == 0 && n == 0;
	if (r < 0 || *ret_stale)
		return r;
	int64_t step, by = ctx->actor->user_id;
	/* The note goes with its step only: the referral's own note stays
	 * the referring side's. */
	if ((r = db_int64f(db, &step,
			   "INSERT INTO service_referral_step (referral_id, status, reason_code, at, by_user)"
			   " VALUES (?, ?, ?, ?, NULLIF(?, 0)) RETURNING id",
			   "ittti", row->id, status, move ? code : NULL, at, by > 0 ? by : (int64_t)0)) < 0 ||
	    (r = sealed_put(db, ctx->app, "service_referral_step", "note", step, note)) < 0)
		return r;
	return 0;
}

static int update_write(struct db *db, const struct svc_ctx *ctx, const struct referral_row *row, int64_t version,
			enum referral_status to, bool move, const char *code, const char *note,
			struct case_conflict *cf)
{
	hl_time t = now();
	char at[32];
	bool stale = false;
	int r = time_format(t, at, sizeof at);
	if (r < 0 || (r = write_move(db, ctx, row, version, to, move, code, note, at, &stale)) < 0)
		return r;
	if (stale) {
		referral_conflict(cf, "stale-version", "the referral was changed since you read it; reload it and try again");
		return ERR_CONFLICT;
	}
	/* An answer meets the provider's duty; a withdrawal ends the wait for
	 * one. */
	if (move && (referral_move_answers(to) || to == REFERRAL_WITHDRAWN) &&
	    (r = duty_meet(db, DUTY_REFERRAL_ANSWER, "referral", row->id, t, ctx->actor->user_id, NULL)) < 0)
		return r;
	const struct pack *p = ctx->app->pack;
	size_t n;
	const char *field, *what;
	const struct pack_item *list = needs_list(p, referral_move_needs(to), &n, &field, &what);
	const struct pack_item *it = list && code ? pack_item_find(list, n, code) : NULL;
	if (move && (r = referral_notify_move(db, ctx, row, to, it ? it->name : NULL)) < 0)
		return r;
	return svc_audit_appendf(db, ctx, "referral.update", "referral", row->id, "%s=%s from=%s%s%s",
				 move ? "status" : "note", move ? referral_status_name(to) : "added",
				 referral_status_name(row->status), code ? " code=" : "", code ? code : "");
}

/* The 409 of a move the lifecycle does not allow, with what it allows. */
static int illegal(const struct referral_row *row, enum referral_status to, struct case_conflict *cf)
{
	enum referral_status out[REFERRAL_STATUS_COUNT];
	size_t n = referral_allowed(row->status, out);
	json_t *allowed = json_array();
	if (!allowed)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(allowed, json_string(referral_status_name(out[i]))) < 0) {
			json_decref(allowed);
			return ERR_NOMEM;
		}
	referral_conflict(cf, "illegal-transition", "a referral %s cannot become %s",
			  referral_status_label(row->status), referral_status_name(to));
	if (cf)
		cf->allowed = allowed;
	else
		json_decref(allowed);
	return ERR_CONFLICT;
}

int svc_referral_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct referral_row row;
	bool provider = false;
	int r = referral_enter(ctx, PERM_REFERRALS_READ, id, &db, &row, &provider);
	if (r < 0)
		return r;
	bool valid = schema_check(&svc_referral_update_schema, body, errs) == 0;
	const char *s = json_get_str(body, "status");
	enum referral_status to = row.status;
	if (s && *s && referral_status_parse(s, &to) < 0)
		valid = false;
	bool move = to != row.status;
	/* Who may make the move first: HART does not accept for a provider,
	 * whatever the status. A note is either side's. */
	if (move ? (r = svc_require(ctx, referral_move_perm(to))) < 0
		 : !role_may(ctx->actor->role, PERM_REFERRALS_ANSWER) && (r = svc_require(ctx, PERM_REFERRALS_WRITE)) < 0)
		return r;
	if (valid && move && !referral_may(row.status, to))
		return illegal(&row, to, cf);
	const char *code = NULL;
	if (valid || json_is_object(body))
		check_carried(ctx->app->pack, body, to, move, errs, &code);
	if (field_errors_any(errs))
		return ERR_INVAL;
	int64_t version = json_integer_value(json_object_get(body, "version"));
	if (version != row.version) {
		referral_conflict(cf, "stale-version", "the referral was changed since you read it; reload it and try again");
		return ERR_CONFLICT;
	}
	const char *note = json_get_str(body, "note");
	if ((r = db_begin(db)) < 0 ||
	    (r = referral_end(db, update_write(db, ctx, &row, version, to, move, code, note && *note ? note : NULL, cf))) <
		    0)
		return r;
	mailer_kick(ctx->app);
	return referral_json_by_id(db, ctx, id, provider, ret);
}
