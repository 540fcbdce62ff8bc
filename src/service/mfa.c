/* The second factor: an authenticator app (TOTP) and recovery codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "model/qr.h"
#include "model/totp.h"
#include "service/audit.h"
#include "service/auth.h"
#include "service/auth_int.h"
#include "model/schema.h"
#include "service/sealed.h"

#define ISSUER "hartline"
/* Letters that cannot be mistaken for one another when read aloud or
 * typed from paper: 32 of them, so each carries 5 bits (16 carry 80). */
static const char RECOVERY_ALPHABET[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
#define SALT_HEX 33

void mfa_enrolment_done(struct mfa_enrolment *e)
{
	if (!e)
		return;
	free(e->uri);
	free(e->qr_svg);
	e->uri = e->qr_svg = NULL;
}

static int64_t step_now(void)
{
	return now_for_codes() / HL_USEC_PER_SEC / TOTP_STEP_SECONDS;
}

/* The actor's own partial session, of the kind this step needs. */
static int require_pending(const struct svc_ctx *ctx, int kind)
{
	if (!ctx->actor || !ctx->actor->session_id)
		return ERR_AUTH;
	if (ctx->actor->mfa_pending != kind)
		return ERR_CONFLICT;
	return 0;
}

struct totp_row {
	int64_t id, last_step;
	unsigned char secret[TOTP_SECRET_BYTES];
};

/* The user's authenticator, confirmed or still being set up. */
static int load_totp(struct app *app, struct db *db, int64_t user_id, bool confirmed, struct totp_row *ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			confirmed ? "SELECT id, secret, last_step FROM user_totp WHERE user_id = ? AND confirmed_at IS NOT NULL"
				  : "SELECT id, secret, last_step FROM user_totp WHERE user_id = ? AND confirmed_at IS NULL",
			"i", user_id);
	if (r < 0)
		return r;
	ret->id = db_column_int64(st, 0);
	ret->last_step = db_column_int64(st, 2);
	char *text = NULL;
	if ((r = sealed_get(app, st, 1, "user_totp", "secret", ret->id, &text)) < 0)
		goto done;
	r = totp_secret_parse(text, ret->secret);
	if (text) {
		memset(text, 0, strlen(text));
		free(text);
	}
	if (r < 0)
		r = ERR_DB;
done:
	db_finalize(st);
	return r;
}

/* Take the step for the authenticator, only if no code of it or a later
 * step was taken meanwhile (two requests racing with one code). */
static int take_step(struct db *db, int64_t totp_id, int64_t step, bool *ret_taken)
{
	int64_t n = 0;
	int r = db_execnf(db, &n, "UPDATE user_totp SET last_step = ? WHERE id = ? AND last_step < ? RETURNING id", "iii",
			  step, totp_id, step);
	*ret_taken = r == 0 && n > 0;
	return r;
}

static void recovery_hash(const char *salt, const char *code, char out[CRYPTO_HASH_HEX_SIZE])
{
	char text[SALT_HEX + AUTH_RECOVERY_CODE_SIZE + 2];
	int n = snprintf(text, sizeof text, "%s:%s", salt, code);
	crypto_hash_hex(text, n > 0 && (size_t)n < sizeof text ? (size_t)n : 0, out);
}

/* The code as typed, upper case, without spaces or dashes. */
static int recovery_normal(const char *in, char out[AUTH_RECOVERY_CODE_SIZE])
{
	size_t n = 0;
	for (const char *p = in; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		if (n + 1 >= AUTH_RECOVERY_CODE_SIZE)
			return ERR_INVAL;
		out[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	}
	out[n] = '\0';
	return n == 16 ? 0 : ERR_INVAL;
}

/* Use up one of the user's recovery codes; *ret_ok false when none fits. */
static int use_recovery_code(struct db *db, int64_t user_id, const char *typed, bool *ret_ok)
{
	*ret_ok = false;
	char code[AUTH_RECOVERY_CODE_SIZE];
	if (recovery_normal(typed, code) < 0)
		return 0;
	struct db_stmt *st;
	int r = db_preparef(db, &st, "SELECT id, code_hash FROM user_recovery_code WHERE user_id = ? AND used_at IS NULL",
			    "i", user_id);
	if (r < 0)
		return r;
	int64_t match = 0;
	while ((r = db_step(st)) == DB_ROW) {
		const char *stored = db_column_text(st, 1);
		const char *sep = stored ? strchr(stored, '$') : NULL;
		if (!sep || sep - stored >= SALT_HEX || strlen(sep + 1) != CRYPTO_HASH_HEX_SIZE - 1)
			continue;
		char salt[SALT_HEX], want[CRYPTO_HASH_HEX_SIZE];
		memcpy(salt, stored, (size_t)(sep - stored));
		salt[sep - stored] = '\0';
		recovery_hash(salt, code, want);
		if (crypto_equal(want, sep + 1, CRYPTO_HASH_HEX_SIZE - 1) && !match)
			match = db_column_int64(st, 0);
	}
	db_finalize(st);
	if (r < 0)
		return r;
	if (!match)
		return 0;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	int64_t n = 0;
	r = db_execnf(db, &n, "UPDATE user_recovery_code SET used_at = ? WHERE id = ? AND used_at IS NULL RETURNING id",
		      "ti", ts, match);
	*ret_ok = r == 0 && n > 0;
	return r;
}

/* A wrong code: counted like a wrong password (towards the lock too, unless
 * already locked), audited, committed. */
static int refuse_code(const struct svc_ctx *ctx, struct db *db, const char *why, bool towards_lock)
{
	int r = db_begin(db);
	if (r < 0)
		return r;
	char oid[24], detail[64];
	snprintf(oid, sizeof oid, "%lld", (long long)ctx->actor->user_id);
	snprintf(detail, sizeof detail, "reason=%s", why);
	if ((r = auth_note_failure(ctx->app, db, ctx, towards_lock ? ctx->actor->user_id : 0, ctx->client,
				   ctx->actor->username)) < 0 ||
	    (r = svc_audit_append(db, ctx, "login.failure", "user", oid, detail)) < 0 || (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	return ERR_AUTH;
}

/* Throttled, or locked for this address: checked before any code. */
static int code_gate(const struct svc_ctx *ctx, struct db *db, struct svc_login *ret)
{
	int r = auth_throttled(ctx->app, ctx->client, ctx->actor->username, &ret->retry_after);
	if (r < 0)
		return r;
	bool locked = false;
	if ((r = auth_pair_locked(db, ctx->actor->user_id, ctx->client, &locked)) < 0)
		return r;
	return locked ? refuse_code(ctx, db, "account locked", false) : 0;
}

static int finish(const struct svc_ctx *ctx, struct db *db, const char *how, struct svc_login *ret)
{
	int r = auth_session_complete(ctx, db, how, ret);
	if (r < 0 || (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	return auth_load_user(ctx->app, db, ctx->actor->user_id, &ret->user);
}

/* A code or a recovery code: which one, and that it is one, is the
 * handler's question of the two fields together. */
static const struct field_rule mfa_verify_fields[] = {
	{.key = "code", .type = FT_STRING},
	{.key = "recovery_code", .type = FT_STRING},
	{.key = NULL},
};
const struct schema svc_auth_mfa_verify_schema = {.name = "second factor", .fields = mfa_verify_fields};

static const struct field_rule mfa_enrol_confirm_fields[] = {
	{.key = "code", .type = FT_STRING, .required = true},
	{.key = NULL},
};
const struct schema svc_auth_mfa_enrol_confirm_schema = {.name = "second factor enrolment", .fields = mfa_enrol_confirm_fields};

/* What taking a code and finishing an enrolment share before the code is
 * judged: the session waits for this step, the input kept its rules
 * (checked: what schema_check_strings answered), the account may try now,
 * and its authenticator (confirmed, or the one being set up) is in t. None any more (removed by an
 * administrator meanwhile, or a set-up begun again elsewhere) is a
 * conflict: the session is not at this step. */
static int code_begin(const struct svc_ctx *ctx, int step, int checked, struct svc_login *ret, struct db **ret_db,
		      struct totp_row *t)
{
	memset(ret, 0, sizeof *ret);
	int r = require_pending(ctx, step);
	if (r < 0)
		return r;
	if ((r = checked) < 0 || (r = app_db(ctx->app, ret_db)) < 0 ||
	    (r = code_gate(ctx, *ret_db, ret)) < 0)
		return r;
	if ((r = load_totp(ctx->app, *ret_db, ctx->actor->user_id, step == AUTH_MFA_CODE, t)) < 0)
		memset(t, 0, sizeof *t);
	return r == ERR_NOTFOUND ? ERR_CONFLICT : r;
}

int svc_auth_mfa_verify(const struct svc_ctx *ctx, const char *code, const char *recovery_code,
			struct svc_login *ret)
{
	struct db *db;
	struct totp_row t;
	int r = code_begin(ctx, AUTH_MFA_CODE,
			   schema_check_strings(&svc_auth_mfa_verify_schema, NULL, "code", code, "recovery_code",
						recovery_code, NULL),
			   ret, &db, &t);
	if (r < 0)
		return r;
	if ((r = db_begin(db)) < 0)
		goto out;
	bool ok = false;
	int64_t step = 0;
	if (code) {
		r = totp_check(t.secret, code, step_now(), t.last_step, &step);
		if (r == 0)
			r = take_step(db, t.id, step, &ok);
		else if (r == ERR_AUTH || r == ERR_INVAL)
			r = 0;
	} else {
		r = use_recovery_code(db, ctx->actor->user_id, recovery_code ? recovery_code : "", &ok);
	}
	if (r < 0 || !ok) {
		db_rollback(db);
		if (r == 0)
			r = refuse_code(ctx, db, code ? "wrong code" : "wrong recovery code", true);
		goto out;
	}
	r = finish(ctx, db, code ? "totp" : "recovery", ret);
out:
	memset(&t, 0, sizeof t);
	return r;
}

int svc_auth_mfa_enrol_begin(const struct svc_ctx *ctx, struct mfa_enrolment *ret)
{
	memset(ret, 0, sizeof *ret);
	int r = require_pending(ctx, AUTH_MFA_ENROL);
	if (r < 0)
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	unsigned char secret[TOTP_SECRET_BYTES];
	crypto_random(secret, sizeof secret);
	r = totp_secret_text(secret, ret->secret);
	memset(secret, 0, sizeof secret);
	if (r < 0)
		return r;
	char uri[256], ts[32];
	if ((r = totp_uri(ISSUER, ctx->actor->username, ret->secret, uri, sizeof uri)) < 0)
		return r;
	struct buf svg;
	buf_init(&svg, 1 << 20);
	if ((r = qr_svg(uri, "QR code to scan with your authenticator app", &svg)) < 0)
		goto fail_svg;
	time_format(now(), ts, sizeof ts);
	if ((r = db_begin(db)) < 0)
		goto fail_svg;
	int64_t id = 0, user = ctx->actor->user_id;
	/* A new start replaces a set-up never finished. */
	if ((r = db_execf(db, "DELETE FROM user_totp WHERE user_id = ? AND confirmed_at IS NULL", "i", user)) < 0 ||
	    (r = db_int64f(db, &id, "INSERT INTO user_totp (user_id, created_at) VALUES (?, ?) RETURNING id", "it", user,
			   ts)) < 0 ||
	    (r = sealed_put(db, ctx->app, "user_totp", "secret", id, ret->secret)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "mfa.enrol.begin", "user", user, NULL)) < 0 || (r = db_commit(db)) < 0)
		goto fail;
	ret->uri = strdup(uri);
	ret->qr_svg = buf_detach(&svg, NULL);
	if (!ret->uri || !ret->qr_svg) {
		mfa_enrolment_done(ret);
		return ERR_NOMEM;
	}
	return 0;
fail:
	db_rollback(db);
fail_svg:
	buf_done(&svg);
	return r;
}

/* Ten new recovery codes for the user, replacing any before; the clear
 * codes go to ret only. Inside a transaction. */
static int new_recovery_codes(struct db *db, int64_t user_id, struct svc_login *ret)
{
	int r = db_execf(db, "DELETE FROM user_recovery_code WHERE user_id = ?", "i", user_id);
	for (int i = 0; r >= 0 && i < AUTH_RECOVERY_CODES; i++) {
		unsigned char raw[16];
		crypto_random(raw, sizeof raw);
		char plain[17], salt[SALT_HEX], hash[CRYPTO_HASH_HEX_SIZE], stored[SALT_HEX + CRYPTO_HASH_HEX_SIZE + 1];
		for (int k = 0; k < 16; k++)
			plain[k] = RECOVERY_ALPHABET[raw[k] & 31];
		plain[16] = '\0';
		if ((r = crypto_random_hex(16, salt, sizeof salt)) < 0)
			break;
		recovery_hash(salt, plain, hash);
		int n = snprintf(stored, sizeof stored, "%s$%s", salt, hash);
		n = n < 0 || (size_t)n >= sizeof stored ? -1 : n;
		n = n < 0 ? n
			  : snprintf(ret->recovery_codes[i], AUTH_RECOVERY_CODE_SIZE, "%.4s-%.4s-%.4s-%.4s", plain,
				     plain + 4, plain + 8, plain + 12);
		r = n < 0 ? ERR_TOOBIG
			  : db_execf(db, "INSERT INTO user_recovery_code (user_id, code_hash) VALUES (?, ?)", "it", user_id,
				     stored);
	}
	return r < 0 ? r : 0;
}

int svc_auth_mfa_enrol_confirm(const struct svc_ctx *ctx, const char *code, struct svc_login *ret)
{
	struct db *db;
	struct totp_row t;
	int r = code_begin(ctx, AUTH_MFA_ENROL,
			   schema_check_strings(&svc_auth_mfa_enrol_confirm_schema, NULL, "code", code, NULL),
			   ret, &db, &t);
	if (r < 0)
		return r;
	int64_t step = 0, totp_id = t.id;
	r = totp_check(t.secret, code, step_now(), t.last_step, &step);
	memset(&t, 0, sizeof t);
	if (r == ERR_AUTH || r == ERR_INVAL)
		return refuse_code(ctx, db, "wrong code at enrolment", true);
	if (r < 0)
		return r;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = db_execf(db, "UPDATE user_totp SET confirmed_at = ?, last_step = ? WHERE id = ?", "tii", ts, step,
			  totp_id)) < 0 ||
	    (r = new_recovery_codes(db, ctx->actor->user_id, ret)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "mfa.enrolled", "user", ctx->actor->user_id, NULL)) < 0) {
		db_rollback(db);
		return r;
	}
	char codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE];
	memcpy(codes, ret->recovery_codes, sizeof codes);
	if ((r = finish(ctx, db, "totp", ret)) < 0)
		return r;
	memcpy(ret->recovery_codes, codes, sizeof codes);
	return 0;
}

int svc_auth_mfa_reset(const struct svc_ctx *ctx, int64_t user_id)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_USERS_MANAGE, &db);
	if (r < 0 || (r = auth_user_exists(db, user_id)) < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = db_execf(db, "DELETE FROM user_totp WHERE user_id = ?", "i", user_id)) >= 0 &&
	    (r = db_execf(db, "DELETE FROM user_recovery_code WHERE user_id = ?", "i", user_id)) >= 0 &&
	    (r = auth_sessions_end(db, user_id, 0, NULL)) >= 0)
		r = svc_audit_appendf(db, ctx, "mfa.reset", "user", user_id, NULL);
	r = auth_commit(db, r);
	return r < 0 ? r : 0;
}
