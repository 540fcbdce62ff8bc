#include "service/setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "model/password.h"
#include "service/audit.h"
#include "service/auth_int.h"
#include "model/schema.h"
#include "service/mailer.h"
#include "service/sealed.h"

const char *setup_refusal_name(enum setup_refusal why)
{
	switch (why) {
	case SETUP_UNKNOWN: return "unknown";
	case SETUP_USED: return "used";
	case SETUP_REPLACED: return "replaced";
	case SETUP_EXPIRED: return "expired";
	case SETUP_DISABLED: return "disabled";
	}
	return "unknown";
}

int setup_unusable_hash(char out[CRYPTO_PWHASH_SIZE])
{
	char secret[65];
	int r = crypto_random_hex(32, secret, sizeof secret);
	if (r == 0)
		r = crypto_password_hash(secret, out);
	memset(secret, 0, sizeof secret);
	return r;
}

static int64_t ttl_of(const struct app *app)
{
	return app->setup_ttl > 0 ? app->setup_ttl : SETUP_DEFAULT_TTL;
}

/* A new password hash (the person's, or one nobody knows while a link
 * is out): the lockout and the failed logins that led to it go, and so do
 * the sessions the old password opened. Inside the caller's transaction. */
static int password_replace(struct db *db, int64_t user_id, const char *hash, const char *ts)
{
	int r = db_execf(db,
			 "UPDATE app_user SET password_hash = ?, locked_until = NULL, version = version + 1,"
			 " updated_at = ? WHERE id = ?",
			 "tti", hash, ts, user_id);
	if (r < 0 || (r = auth_sessions_end(db, user_id, 0, NULL)) < 0)
		return r;
	return db_execf(db, "DELETE FROM login_failure WHERE user_id = ?", "i", user_id);
}

int setup_link_store(struct db *db, const struct svc_ctx *ctx, int64_t user_id, struct setup_link *ret)
{
	char ts[32], token_hash[CRYPTO_HASH_HEX_SIZE];
	struct setup_link link;
	hl_time t = now();
	int r = crypto_random_hex(32, link.token, sizeof link.token);
	if (r < 0)
		return r;
	crypto_hash_hex(link.token, strlen(link.token), token_hash);
	if (time_format(t, ts, sizeof ts) < 0 || time_format(t + ttl_of(ctx->app), link.expires_at,
							      sizeof link.expires_at) < 0)
		return ERR_INVAL;
	if ((r = db_execf(db,
			  "UPDATE user_setup SET voided_at = ? WHERE user_id = ? AND used_at IS NULL AND voided_at IS NULL",
			  "ti", ts, user_id)) < 0 ||
	    (r = db_execf(db,
			  "INSERT INTO user_setup (user_id, token_hash, issued_by, created_at, expires_at)"
			  " VALUES (?, ?, ?, ?, ?)",
			  "itttt", user_id, token_hash, ctx->actor->username, ts, link.expires_at)) < 0)
		return r;
	if (r < 0)
		return r;
	if ((r = svc_audit_appendf(db, ctx, "user.setup.issue", "user", user_id, "expires_at=%s", link.expires_at)) < 0)
		return r;
	*ret = link;
	return 0;
}

/* ---- notices of case access ---- */

static void notice_text(const char *why, const char *username, enum role role, const char *scope, const char *by,
			char *out, size_t size)
{
	char what[96];
	snprintf(what, sizeof what, "%s%s%s%s", role_label(role), scope && *scope ? " (" : "",
		 scope && *scope ? scope : "", scope && *scope ? ")" : "");
	if (strcmp(why, "created") == 0)
		snprintf(out, size, "New account %s with case access: %s, added by %s", username, what, by);
	else if (strcmp(why, "setup_link") == 0)
		snprintf(out, size, "New set-up link for %s (%s), issued by %s: their password was replaced", username,
			 what, by);
	else
		snprintf(out, size, "Account %s given case access: now %s, changed by %s", username, what, by);
}

int access_notice_add(struct db *db, const struct svc_ctx *ctx, int64_t user_id, const char *username,
		      enum role role, const char *scope, const char *why)
{
	if (!role_reads_case_content(role))
		return 0;
	char ts[32], oid[24], text[320];
	if (time_format(now(), ts, sizeof ts) < 0)
		return ERR_INVAL;
	snprintf(oid, sizeof oid, "%lld", (long long)user_id);
	const char *by = ctx->actor->username;
	notice_text(why, username, role, scope, by, text, sizeof text);
	int r = db_execf(db,
			 "INSERT INTO access_notice (user_id, reason, role, scope, granted_by, granted_at)"
			 " VALUES (?, ?, ?, ?, ?, ?)",
			 "ittttt", user_id, why, role_name(role), scope && *scope ? scope : NULL, by, ts);
	if (r < 0)
		return r;
	/* The account itself is not told: it may be the very one to watch. */
	const struct recipients to = {.who = RCPT_HART, .except_id = user_id};
	if ((r = notify_insert(db, &to, "user.case_access", "user", oid, text, ts)) < 0)
		return r;
	char body[768];
	int n = snprintf(body, sizeof body,
			 "%s.\n\nIf you did not expect this account to read children's records, ask the administrator "
			 "why now. The notice stays on the HART dashboard until a HART coordinator acknowledges it:\n"
			 "%s/\n",
			 text, ctx->app->public_url ? ctx->app->public_url : "");
	if (n < 0 || (size_t)n >= sizeof body)
		return ERR_TOOBIG;
	return mailer_queue(db, ctx->app, &to, "hartline: an account was given case access", body, "user", oid);
}

int svc_setup_link_issue(const struct svc_ctx *ctx, int64_t user_id, struct setup_link *ret)
{
	struct app *app = ctx->app;
	struct db *db;
	int r = svc_enter(ctx, PERM_USERS_MANAGE, &db);
	if (r < 0)
		return r;
	struct user_info u;
	if ((r = svc_users_get(ctx, user_id, &u)) < 0)
		return r;
	char hash[CRYPTO_PWHASH_SIZE], ts[32];
	if ((r = setup_unusable_hash(hash)) < 0 || (r = time_format(now(), ts, sizeof ts)) < 0)
		goto out;
	if ((r = db_begin(db)) < 0)
		goto out;
	/* The old password goes: whoever knew it (or guessed the reset was
	 * coming) cannot use it any more. */
	if ((r = password_replace(db, user_id, hash, ts)) < 0 ||
	    (r = setup_link_store(db, ctx, user_id, ret)) < 0 ||
	    (r = access_notice_add(db, ctx, user_id, u.username, u.role, u.scope, "setup_link")) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	mailer_kick(app);
	goto out;
fail:
	db_rollback(db);
out:
	user_info_done(&u);
	return r;
}

/* ---- the person with the link ---- */

struct link_row {
	int64_t id, user_id;
	char username[USERNAME_MAX];
	char *display_name;
	char expires_at[32];
	enum setup_refusal why;
	bool ok;
};

/* The link behind token and whether it may be used now. */
static int find_link(struct app *app, struct db *db, const char *token, struct link_row *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->why = SETUP_UNKNOWN;
	if (!token || strlen(token) != SETUP_TOKEN_HEX || strspn(token, "0123456789abcdef") != SETUP_TOKEN_HEX)
		return 0;
	char token_hash[CRYPTO_HASH_HEX_SIZE], ts[32];
	crypto_hash_hex(token, strlen(token), token_hash);
	if (time_format(now(), ts, sizeof ts) < 0)
		return ERR_INVAL;
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT s.id, s.user_id, s.expires_at, s.used_at, s.voided_at, u.username, u.disabled,"
			" u.display_name FROM user_setup s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = ?",
			"t", token_hash);
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	ret->id = db_column_int64(st, 0);
	ret->user_id = db_column_int64(st, 1);
	str_copy(ret->expires_at, sizeof ret->expires_at, db_column_text(st, 2));
	str_copy(ret->username, sizeof ret->username, db_column_text(st, 5));
	if (db_column_text(st, 3))
		ret->why = SETUP_USED;
	else if (db_column_text(st, 4))
		ret->why = SETUP_REPLACED;
	else if (strcmp(ret->expires_at, ts) <= 0)
		ret->why = SETUP_EXPIRED;
	else if (db_column_int64(st, 6) != 0)
		ret->why = SETUP_DISABLED;
	else
		ret->ok = true;
	r = ret->ok ? sealed_get(app, st, 7, "app_user", "display_name", ret->user_id, &ret->display_name) : 0;
	db_finalize(st);
	return r;
}

/* A refused link, audited on its own (nothing else is written). */
static int refuse(struct app *app, const char *client, const struct link_row *l, enum setup_refusal *ret_why)
{
	struct actor anon;
	memset(&anon, 0, sizeof anon);
	str_copy(anon.username, sizeof anon.username, l->username[0] ? l->username : "-");
	struct svc_ctx ctx = {.app = app, .actor = l->username[0] ? &anon : NULL, .client = client};
	char oid[24], detail[48];
	snprintf(oid, sizeof oid, "%lld", (long long)l->user_id);
	snprintf(detail, sizeof detail, "reason=%s", setup_refusal_name(l->why));
	int r = svc_audit_record(&ctx, "user.setup.refused", l->user_id ? "user" : NULL, l->user_id ? oid : NULL,
				 detail);
	if (r < 0)
		return r;
	*ret_why = l->why;
	return ERR_NOTFOUND;
}

static const struct field_rule setup_check_fields[] = {
	{.key = "token", .type = FT_STRING, .required = true},
	{.key = NULL},
};
const struct schema svc_setup_check_schema = {.name = "set-up link check", .fields = setup_check_fields};

static const struct field_rule setup_complete_fields[] = {
	{.key = "token", .type = FT_STRING, .required = true},
	{.key = "password", .type = FT_STRING, .required = true},
	{.key = NULL},
};
const struct schema svc_setup_complete_schema = {.name = "set-up", .fields = setup_complete_fields};

int svc_setup_check(struct app *app, const char *client, const char *token, struct setup_account *ret,
		    enum setup_refusal *ret_why)
{
	struct db *db;
	int r = schema_check_strings(&svc_setup_check_schema, NULL, "token", token, NULL);
	if (r < 0 || (r = app_db(app, &db)) < 0)
		return r;
	struct link_row l;
	if ((r = find_link(app, db, token, &l)) < 0)
		return r;
	if (!l.ok)
		return refuse(app, client, &l, ret_why);
	ret->user_id = l.user_id;
	str_copy(ret->username, sizeof ret->username, l.username);
	str_copy(ret->expires_at, sizeof ret->expires_at, l.expires_at);
	ret->display_name = l.display_name;
	return 0;
}

/* Spend the link and set the password, in one transaction: the UPDATE
 * that marks the link used is the check that it still may be, so two
 * tabs sending at once cannot both succeed. */
static int spend(struct app *app, struct db *db, const char *client, struct link_row *l, const char *hash)
{
	char ts[32];
	if (time_format(now(), ts, sizeof ts) < 0)
		return ERR_INVAL;
	int r = db_begin(db);
	if (r < 0)
		return r;
	int64_t spent = 0;
	if ((r = db_execnf(db, &spent,
			   "UPDATE user_setup SET used_at = ? WHERE id = ? AND used_at IS NULL AND voided_at IS NULL"
			   " AND expires_at > ? RETURNING id",
			   "tit", ts, l->id, ts)) < 0)
		goto fail;
	if (!spent) {
		db_rollback(db);
		l->why = SETUP_USED;
		return ERR_CONFLICT;
	}
	if ((r = password_replace(db, l->user_id, hash, ts)) < 0)
		goto fail;
	struct actor who;
	memset(&who, 0, sizeof who);
	who.user_id = l->user_id;
	str_copy(who.username, sizeof who.username, l->username);
	struct svc_ctx ctx = {.app = app, .actor = &who, .client = client};
	r = auth_commit(db, svc_audit_appendf(db, &ctx, "user.setup.use", "user", l->user_id, NULL));
	return r < 0 ? r : 0;
fail:
	db_rollback(db);
	return r;
}

int svc_setup_complete(struct app *app, const char *client, const char *token, const char *password,
		       struct field_errors *errs, char ret_username[USERNAME_MAX], enum setup_refusal *ret_why)
{
	struct db *db;
	int r = schema_check_strings(&svc_setup_complete_schema, errs, "token", token, "password", password, NULL);
	if (r < 0 || (r = app_db(app, &db)) < 0)
		return r;
	struct link_row l;
	if ((r = find_link(app, db, token, &l)) < 0)
		return r;
	free(l.display_name);
	if (!l.ok)
		return refuse(app, client, &l, ret_why);
	char reason[160];
	if (!password || !*password) {
		field_error_add(errs, "password", "choose a password");
		return ERR_INVAL;
	}
	if (password_check(l.username, password, app->common_passwords, app->common_passwords_len, reason,
			   sizeof reason) < 0) {
		field_error_add(errs, "password", "%s", reason);
		return ERR_INVAL;
	}
	char hash[CRYPTO_PWHASH_SIZE];
	if ((r = crypto_password_hash(password, hash)) < 0)
		return r;
	r = spend(app, db, client, &l, hash);
	if (r == ERR_CONFLICT)
		return refuse(app, client, &l, ret_why);
	if (r < 0)
		return r;
	str_copy(ret_username, USERNAME_MAX, l.username);
	return 0;
}

/* ---- the HART dashboard ---- */

int access_notices_json(struct db *db, const struct svc_ctx *ctx, json_t **ret)
{
	json_t *list = json_array();
	if (!list)
		return ERR_NOMEM;
	if (!role_may(ctx->actor->role, PERM_ACCESS_REVIEW)) {
		*ret = list;
		return 0;
	}
	char since[32];
	if (time_format(now() - (int64_t)ACCESS_NOTICE_DAYS * 86400 * HL_USEC_PER_SEC, since, sizeof since) < 0) {
		json_decref(list);
		return ERR_INVAL;
	}
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT n.id, n.user_id, u.username, u.display_name, n.reason, n.role, n.scope, n.granted_by,"
			   " n.granted_at FROM access_notice n JOIN app_user u ON u.id = n.user_id"
			   " WHERE n.acknowledged_at IS NULL AND n.granted_at > ? ORDER BY n.granted_at DESC, n.id DESC"
			   " LIMIT 200",
			   &st);
	if (r < 0) {
		json_decref(list);
		return r;
	}
	if ((r = db_bind_text(st, 1, since)) == 0)
		while ((r = db_step(st)) == DB_ROW) {
			int64_t uid = db_column_int64(st, 1);
			char *name = NULL;
			enum role role = ROLE_COUNT;
			if ((r = sealed_get(ctx->app, st, 3, "app_user", "display_name", uid, &name)) < 0)
				break;
			(void)role_parse(db_column_text(st, 5), &role);
			json_t *o = json_pack("{s:I, s:{s:I, s:s, s:s?}, s:s, s:s, s:s?, s:s?, s:s, s:s}", "id",
					      (json_int_t)db_column_int64(st, 0), "user", "id", (json_int_t)uid,
					      "username", db_column_text(st, 2), "display_name", name, "reason",
					      db_column_text(st, 4), "role", db_column_text(st, 5), "role_label",
					      role_label(role), "scope", db_column_text(st, 6), "granted_by",
					      db_column_text(st, 7), "granted_at", db_column_text(st, 8));
			free(name);
			if (!o || json_array_append_new(list, o) < 0) {
				r = ERR_NOMEM;
				break;
			}
		}
	db_finalize(st);
	if (r < 0) {
		json_decref(list);
		return r;
	}
	*ret = list;
	return 0;
}

int svc_access_notice_ack(const struct svc_ctx *ctx, int64_t id)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_ACCESS_REVIEW, &db);
	if (r < 0)
		return r;
	char oid[24], ts[32];
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	if (time_format(now(), ts, sizeof ts) < 0)
		return ERR_INVAL;
	int64_t about = 0;
	if ((r = db_int64f(db, &about, "SELECT user_id FROM access_notice WHERE id = ?", "i", id)) < 0)
		return r;
	/* Whoever was given the access does not close its own notice. */
	if (about == ctx->actor->user_id) {
		svc_audit_denial(ctx, "acknowledge the notice of one's own account", "access_notice", oid);
		return ERR_PERM;
	}
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = db_execf(db,
			  "UPDATE access_notice SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?"
			  " AND acknowledged_at IS NULL",
			  "tii", ts, ctx->actor->user_id, id)) >= 0)
		r = svc_audit_append(db, ctx, "access_notice.acknowledge", "access_notice", oid, NULL);
	r = auth_commit(db, r);
	return r < 0 ? r : 0;
}
