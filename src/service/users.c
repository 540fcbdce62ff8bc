#include "service/users.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"
#include "model/password.h"
#include "service/audit.h"
#include "service/auth_int.h"
#include "model/schema.h"
#include "service/mailer.h"
#include "service/providers.h"
#include "service/sealed.h"
#include "service/setup.h"

#define USER_COLUMNS                                                                                   \
	"id, username, role, scope, display_name, email, disabled, locked_until, version, created_at, " \
	"updated_at"
#define DISPLAY_NAME_MAX 200
/* After USER_COLUMNS: when the account's unused set-up link expires (at
 * most one is neither used nor voided). */
#define USER_SETUP_COLUMN                                                                              \
	", (SELECT max(s.expires_at) FROM user_setup s WHERE s.user_id = app_user.id AND s.used_at IS NULL" \
	" AND s.voided_at IS NULL)"

void user_info_done(struct user_info *u)
{
	if (!u)
		return;
	free(u->display_name);
	free(u->email);
	u->display_name = u->email = NULL;
}

void user_infos_free(struct user_info *u, size_t n)
{
	for (size_t i = 0; u && i < n; i++)
		user_info_done(&u[i]);
	free(u);
}

int users_open_row(struct app *app, struct db_stmt *st, int c, struct user_info *u)
{
	memset(u, 0, sizeof *u);
	u->id = db_column_int64(st, c);
	str_copy(u->username, sizeof u->username, db_column_text(st, c + 1));
	if (role_parse(db_column_text(st, c + 2), &u->role) < 0)
		return ERR_DB;
	if (db_column_text(st, c + 3))
		str_copy(u->scope, sizeof u->scope, db_column_text(st, c + 3));
	int r = sealed_get(app, st, c + 4, "app_user", "display_name", u->id, &u->display_name);
	if (r == 0)
		r = sealed_get(app, st, c + 5, "app_user", "email", u->id, &u->email);
	if (r < 0) {
		user_info_done(u);
		return r;
	}
	u->disabled = db_column_int64(st, c + 6) != 0;
	char nowbuf[32];
	time_format(now(), nowbuf, sizeof nowbuf);
	const char *locked = db_column_text(st, c + 7);
	u->locked = locked && strcmp(locked, nowbuf) > 0;
	u->version = db_column_int64(st, c + 8);
	str_copy(u->created_at, sizeof u->created_at, db_column_text(st, c + 9) ? db_column_text(st, c + 9) : "");
	str_copy(u->updated_at, sizeof u->updated_at, db_column_text(st, c + 10) ? db_column_text(st, c + 10) : "");
	return 0;
}

static int put_sealed(struct db *db, struct app *app, const char *column, int64_t id, const char *value)
{
	return sealed_put(db, app, "app_user", column, id, value);
}

static bool valid_username(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n >= USERNAME_MAX || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static bool valid_scope_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= SCOPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-", s[i]))
			return false;
	return true;
}

/* Check role and scope together: liaison needs a region of the pack, mdt a
 * team, provider an agency; the other roles take no scope. */
static void check_role_scope(const struct app *app, const char *role_s, const char *scope, struct field_errors *errs,
			     enum role *ret_role)
{
	enum role role;
	if (!role_s || role_parse(role_s, &role) < 0) {
		field_error_add(errs, "role", "%s", role_s ? "Role: not one of the roles; choose one from the list"
							  : "Role: required; choose one from the list");
		return;
	}
	*ret_role = role;
	enum scope_kind k = role_scope_kind(role);
	if (k == SCOPE_NONE) {
		if (scope && *scope)
			field_error_add(errs, "scope", "Area of work: the role %s works across the state; leave it empty", role_label(role));
		return;
	}
	if (!scope || !*scope) {
		field_error_add(errs, "scope", "Area of work: required for the role %s; give the %s", role_label(role), scope_kind_name(k));
		return;
	}
	if (k == SCOPE_REGION && !pack_region(app->pack, scope))
		field_error_add(errs, "scope", "Region: \"%.40s\" is not one of the agency's regions; choose one from the list", scope);
	else if (!valid_scope_id(scope))
		field_error_add(errs, "scope", "%s: letters, digits, '-' and '_', at most %d", k == SCOPE_TEAM ? "Team" : "Agency code",
				SCOPE_MAX - 1);
}

/* A provider user's scope is the code of a provider in the directory
 * (service/providers.h); checked once role and scope passed
 * check_role_scope. */
static int check_provider_scope(struct db *db, const char *role_s, const char *scope, struct field_errors *errs)
{
	enum role role;
	if (!role_s || role_parse(role_s, &role) < 0 || role_scope_kind(role) != SCOPE_PROVIDER || !scope)
		return 0;
	int r = providers_code_exists(db, scope);
	if (r == 0)
		field_error_add(errs, "scope",
				"Agency code: no provider has the code \"%.40s\"; add the provider to the directory first, "
				"or check the code",
				scope);
	return r < 0 ? r : 0;
}

static void check_password(const struct app *app, const char *username, const char *password,
			   struct field_errors *errs)
{
	char reason[160];
	if (password_check(username, password, app->common_passwords, app->common_passwords_len, reason,
			   sizeof reason) < 0)
		field_error_add(errs, "password", "%s", reason);
}

/* Only the operator at the command line, who holds the key file and the
 * database already, sets a password; an administrator issues a set-up
 * link, so that no one but the person ever knows it. */
static bool password_refused(const struct svc_ctx *ctx, const char *password, struct field_errors *errs)
{
	if (!password || ctx->actor->user_id == 0)
		return false;
	field_error_add(errs, "password",
			"Password: an administrator does not choose passwords; the person chooses their own with a set-up link");
	return true;
}

/* A scope or an e-mail address may be null: none. */
#define NULL_OK "type it as text, or leave it empty"

static const struct field_rule user_create_fields[] = {
	{.key = "username", .type = FT_STRING, .required = true},
	{.key = "role", .type = FT_STRING, .required = true},
	{.key = "scope", .type = FT_STRING, .nullable = true, .reason = NULL_OK, .label = "Area of work"},
	{.key = "display_name", .type = FT_STRING, .required = true, .label = "Name"},
	{.key = "email", .type = FT_STRING, .nullable = true, .reason = NULL_OK, .label = "E-mail"},
	/* Refused with a reason unless at the command line: the person chooses it. */
	{.key = "password", .type = FT_STRING},
	{.key = NULL},
};
const struct schema svc_users_create_schema = {.name = "user create", .fields = user_create_fields};

static const struct field_rule user_update_fields[] = {
	{.key = "version", .type = FT_INT, .required = true, .reason = "reload the user and try again", .label = "The user you read"},
	{.key = "role", .type = FT_STRING},
	{.key = "scope", .type = FT_STRING, .nullable = true, .reason = NULL_OK, .label = "Area of work"},
	{.key = "display_name", .type = FT_STRING, .label = "Name"},
	{.key = "email", .type = FT_STRING, .nullable = true, .reason = NULL_OK, .label = "E-mail"},
	{.key = "password", .type = FT_STRING},
	{.key = "disabled", .type = FT_BOOL, .label = "Disabled"},
	{.key = "unlock", .type = FT_BOOL},
	{.key = NULL},
};
const struct schema svc_users_update_schema = {.name = "user update", .fields = user_update_fields};

int svc_users_create(const struct svc_ctx *ctx, const struct user_new *u, struct field_errors *errs,
		     int64_t *ret_id, struct setup_link *ret_link)
{
	int r = svc_require(ctx, PERM_USERS_MANAGE);
	if (r < 0)
		return r;
	r = schema_check_strings(&svc_users_create_schema, errs, "username", u->username, "role", u->role, "scope",
				 u->scope, "display_name", u->display_name, "email", u->email, "password",
				 u->password, NULL);
	if (r < 0)
		return r;
	struct app *app = ctx->app;
	enum role role = ROLE_CARELINE;
	if (!u->username)
		field_error_add(errs, "username", "Username: required; fill it in");
	else if (strcmp(u->username, "cli") == 0)
		field_error_add(errs, "username", "Username: \"cli\" names the server's command line in the audit trail; choose another");
	else if (!valid_username(u->username))
		field_error_add(errs, "username",
				"Username: 2 to 63 characters, lowercase letters, digits, '.', '-' and '_', starting with a "
				"letter or digit");
	size_t scope_errs = errs->count;
	check_role_scope(app, u->role, u->scope, errs, &role);
	struct db *db;
	if ((r = app_db(app, &db)) < 0 ||
	    (errs->count == scope_errs && (r = check_provider_scope(db, u->role, u->scope, errs)) < 0))
		return r;
	if (!u->display_name)
		field_error_add(errs, "display_name", "Name: required; fill it in");
	else if (!str_is_line(u->display_name, DISPLAY_NAME_MAX))
		field_error_add(errs, "display_name", "Name: one line of 1 to %d characters", DISPLAY_NAME_MAX);
	field_check_email(errs, "email", "E-mail", u->email);
	if (!password_refused(ctx, u->password, errs) && u->password)
		check_password(app, u->username ? u->username : "", u->password, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;

	char hash[CRYPTO_PWHASH_SIZE];
	if ((r = u->password ? crypto_password_hash(u->password, hash) : setup_unusable_hash(hash)) < 0)
		return r;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	if ((r = db_begin(db)) < 0)
		return r;
	int64_t taken = 0, id = 0;
	if ((r = db_int64f(db, &taken, "SELECT count(*) FROM app_user WHERE username = ?", "t", u->username)) < 0)
		goto fail;
	if (taken) {
		field_error_add(errs, "username", "Username: already taken; choose another");
		r = ERR_EXISTS;
		goto fail;
	}
	if ((r = db_int64f(db, &id,
			   "INSERT INTO app_user (username, role, scope, password_hash, created_at, updated_at)"
			   " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			   "tttttt", u->username, role_name(role), u->scope && *u->scope ? u->scope : NULL, hash, ts,
			   ts)) < 0)
		goto fail;
	if ((r = put_sealed(db, app, "display_name", id, u->display_name)) < 0 ||
	    (r = put_sealed(db, app, "email", id, u->email && *u->email ? u->email : NULL)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "user.create", "user", id, "username=%s role=%s%s%s", u->username,
	                           role_name(role), u->scope && *u->scope ? " scope=" : "",
	                           u->scope && *u->scope ? u->scope : "")) < 0)
		goto fail;
	struct setup_link link;
	if (!u->password && (r = setup_link_store(db, ctx, id, &link)) < 0)
		goto fail;
	if ((r = access_notice_add(db, ctx, id, u->username, role, u->scope, "created")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	mailer_kick(app);
	*ret_id = id;
	if (!u->password && ret_link)
		*ret_link = link;
	return 0;
fail:
	db_rollback(db);
	return r;
}

/* A row of USER_COLUMNS USER_SETUP_COLUMN. */
static int open_row_setup(struct app *app, struct db_stmt *st, struct user_info *u)
{
	int r = users_open_row(app, st, 0, u);
	if (r == 0 && db_column_text(st, 11))
		str_copy(u->setup_expires_at, sizeof u->setup_expires_at, db_column_text(st, 11));
	return r;
}

static int load_user(struct app *app, struct db *db, int64_t id, struct user_info *ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT " USER_COLUMNS USER_SETUP_COLUMN " FROM app_user WHERE id = ?", "i", id);
	if (r < 0)
		return r;
	r = open_row_setup(app, st, ret);
	db_finalize(st);
	return r;
}

static const struct page_sort user_sorts[] = {
	{"username", "username"},
	{"id", "id"},
	{"created_at", "created_at"},
	{NULL, NULL},
};
static const struct page_list users_page_list = {"users", "id", user_sorts, "username"};

/* The page's rows: USER_COLUMNS, the set-up column, then the sort key. */
static int users_page(struct app *app, struct db *db, struct list_page *p, struct user_info *list, size_t *ret_n)
{
	struct sqlb *s = malloc(sizeof *s);
	if (!s)
		return ERR_NOMEM;
	sqlb_init(s);
	sqlb_add(s, "SELECT " USER_COLUMNS USER_SETUP_COLUMN ", ", "");
	page_sql_key(s, p);
	sqlb_add(s, " FROM app_user WHERE 1 = 1", "");
	page_sql_after(s, p);
	page_sql_order(s, p);
	struct db_stmt *st;
	int r = sqlb_prepare(db, s, &st);
	free(s);
	if (r < 0)
		return r;
	size_t n = 0;
	while ((r = db_step(st)) == DB_ROW && page_row_at(p, st, 12, 0) &&
	       (r = open_row_setup(app, st, &list[n])) == 0)
		n++;
	db_finalize(st);
	*ret_n = n;
	return r < 0 ? r : 0;
}

int svc_users_list(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs,
		   struct list_page *ret_page, struct user_info **ret, size_t *ret_n)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_USERS_MANAGE, &db);
	if (r < 0 || (r = page_parse(&users_page_list, q, ret_page, errs)) < 0)
		return r;
	struct user_info *list = calloc((size_t)ret_page->limit, sizeof *list);
	size_t n = 0;
	if (!list)
		return ERR_NOMEM;
	r = users_page(ctx->app, db, ret_page, list, &n);
	if (r == 0)
		r = svc_audit_record(ctx, "user.list", "user", NULL, NULL);
	if (r < 0) {
		user_infos_free(list, n);
		return r;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int svc_users_get(const struct svc_ctx *ctx, int64_t id, struct user_info *ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_USERS_MANAGE, &db);
	return r < 0 ? r : load_user(ctx->app, db, id, ret);
}

int svc_users_find(const struct svc_ctx *ctx, const char *username, int64_t *ret_id)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_USERS_MANAGE, &db);
	return r < 0 ? r : db_int64f(db, ret_id, "SELECT id FROM app_user WHERE username = ?", "t", username);
}

int svc_users_me(const struct svc_ctx *ctx, struct user_info *ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_SESSION, &db);
	if (r < 0)
		return r;
	return ctx->actor->user_id == 0 ? ERR_NOTFOUND : load_user(ctx->app, db, ctx->actor->user_id, ret);
}

/* The audit's detail of a change: "changed=role,scope,...". */
static int changed_detail(const struct user_patch *p, struct buf *ret)
{
	const struct {
		bool on;
		const char *name;
	} changed[] = {
		{p->role != NULL, "role"},
		{p->scope != NULL || p->clear_scope, "scope"},
		{p->display_name != NULL, "display_name"},
		{p->email != NULL || p->clear_email, "email"},
		{p->password != NULL, "password"},
		{p->disabled == 1, "disabled"},
		{p->disabled == 0, "enabled"},
		{p->unlock, "unlocked"},
	};
	buf_init(ret, 512);
	int r = buf_puts(ret, "changed=");
	bool first = true;
	for (size_t i = 0; r >= 0 && i < sizeof changed / sizeof changed[0]; i++)
		if (changed[i].on) {
			r = buf_printf(ret, "%s%s", first ? "" : ",", changed[i].name);
			first = false;
		}
	if (r < 0)
		buf_done(ret);
	return r < 0 ? r : 0;
}

int svc_users_update(const struct svc_ctx *ctx, int64_t id, const struct user_patch *p, struct field_errors *errs)
{
	int r = svc_require(ctx, PERM_USERS_MANAGE);
	if (r < 0)
		return r;
	r = schema_check_strings(&svc_users_update_schema, errs, "role", p->role, "scope", p->scope, "display_name",
				 p->display_name, "email", p->email, "password", p->password, NULL);
	if (r < 0)
		return r;
	struct app *app = ctx->app;
	struct db *db;
	if ((r = app_db(app, &db)) < 0)
		return r;
	struct user_info cur;
	if ((r = load_user(app, db, id, &cur)) < 0)
		return r;
	enum role role = cur.role;
	const char *role_s = p->role ? p->role : role_name(cur.role);
	const char *scope = p->clear_scope ? NULL : p->scope ? p->scope : (cur.scope[0] ? cur.scope : NULL);
	/* A new role whose kind of scope differs drops the old scope: a role
	 * without scope needs none, another kind needs a new one. */
	enum role new_role;
	if (p->role && role_parse(p->role, &new_role) == 0 &&
	    role_scope_kind(new_role) != role_scope_kind(cur.role) && !p->scope)
		scope = NULL;
	size_t scope_errs = errs->count;
	check_role_scope(app, role_s, scope, errs, &role);
	if (errs->count == scope_errs && (p->role || p->scope) &&
	    (r = check_provider_scope(db, role_s, scope, errs)) < 0) {
		user_info_done(&cur);
		return r;
	}
	if (p->display_name && !str_is_line(p->display_name, DISPLAY_NAME_MAX))
		field_error_add(errs, "display_name", "Name: one line of 1 to %d characters", DISPLAY_NAME_MAX);
	field_check_email(errs, "email", "E-mail", p->email);
	if (!password_refused(ctx, p->password, errs) && p->password)
		check_password(app, cur.username, p->password, errs);
	bool self = ctx->actor && ctx->actor->user_id == id;
	/* New case access: a new role, or the same role in another area. */
	bool role_changed = role != cur.role;
	bool new_scope = !role_changed && strcmp(scope ? scope : "", cur.scope) != 0;
	char username[USERNAME_MAX];
	str_copy(username, sizeof username, cur.username);
	if (self && p->disabled == 1)
		field_error_add(errs, "disabled", "Disabled: you cannot disable your own account");
	if (self && role != ROLE_ADMIN)
		field_error_add(errs, "role", "Role: you cannot take the administrator role from yourself; ask another administrator");
	user_info_done(&cur);
	if (field_errors_any(errs))
		return ERR_INVAL;

	char hash[CRYPTO_PWHASH_SIZE];
	if (p->password && (r = crypto_password_hash(p->password, hash)) < 0)
		return r;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	if ((r = db_begin(db)) < 0)
		return r;
	int64_t written = 0;
	if ((r = db_execnf(db, &written,
			   "UPDATE app_user SET role = ?, scope = ?, disabled = CASE WHEN ? < 0 THEN disabled ELSE ? END,"
			   " password_hash = coalesce(?, password_hash),"
			   " locked_until = CASE WHEN ? = 1 THEN NULL ELSE locked_until END,"
			   " version = version + 1, updated_at = ? WHERE id = ? AND version = ? RETURNING version",
			   "ttddtdtii", role_name(role), scope, p->disabled, p->disabled, p->password ? hash : NULL,
			   p->unlock || p->password ? 1 : 0, ts, id, p->version)) < 0)
		goto fail;
	if (!written) {
		r = ERR_CONFLICT;
		goto fail;
	}
	if (p->display_name && (r = put_sealed(db, app, "display_name", id, p->display_name)) < 0)
		goto fail;
	if ((p->email || p->clear_email) &&
	    (r = put_sealed(db, app, "email", id, p->clear_email || !*p->email ? NULL : p->email)) < 0)
		goto fail;
	if ((p->unlock || p->password) &&
	    (r = db_execf(db, "DELETE FROM login_failure WHERE user_id = ?", "i", id)) < 0)
		goto fail;
	/* A disabled account, or a new password, ends the sessions it had. */
	if ((p->disabled == 1 || p->password) && (r = auth_sessions_end(db, id, 0, NULL)) < 0)
		goto fail;
	struct buf detail;
	if ((r = changed_detail(p, &detail)) < 0)
		goto fail;
	r = svc_audit_appendf(db, ctx, "user.update", "user", id, "%s", buf_str(&detail));
	buf_done(&detail);
	if (r < 0)
		goto fail;
	if ((role_changed || new_scope) &&
	    (r = access_notice_add(db, ctx, id, username, role, scope, role_changed ? "role" : "scope")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	mailer_kick(app);
	return 0;
fail:
	db_rollback(db);
	return r;
}
