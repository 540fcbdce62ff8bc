/* svc_users: the people who may use hartline, each with a role and, for
 * some roles, a scope. Display names and e-mail addresses are sealed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "model/schema.h"
#include "service/ctx.h"
#include "service/page.h"

#define USERNAME_MAX 64

struct user_info {
	int64_t id;
	char username[USERNAME_MAX];
	enum role role;
	char scope[SCOPE_MAX];
	char *display_name; /* opened; caller frees through user_info_done */
	char *email;        /* NULL when none */
	bool disabled;
	bool locked;        /* locked out after failed logins, now */
	int64_t version;
	char created_at[32], updated_at[32];
	/* When the account has no password yet: when its set-up link expires
	 * (past when it has). "" when the person has chosen a password. Read
	 * by svc_users_get and svc_users_list only. */
	char setup_expires_at[32];
};

void user_info_done(struct user_info *u);
void user_infos_free(struct user_info *u, size_t n);

struct user_new {
	const char *username, *role, *scope, *display_name, *email;
	const char *password; /* the command line only; NULL: a set-up link */
};

struct setup_link;

/* The input rules of svc_users_create and svc_users_update, which the
 * route rows name too. What a schema cannot say (a username's letters, the
 * role and its scope, the password rules) the service checks itself. */
extern const struct schema svc_users_create_schema;
extern const struct schema svc_users_update_schema;

/* Create a user (PERM_USERS_MANAGE). Problems go to errs with the field
 * and ERR_INVAL; a taken username is ERR_EXISTS. Without a password (an
 * administrator never gives one; only the operator at the command line
 * may) the account gets a set-up link, in ret_link. A role that reads case
 * content is told to HART (svc_setup). */
int svc_users_create(const struct svc_ctx *ctx, const struct user_new *u, struct field_errors *errs,
		     int64_t *ret_id, struct setup_link *ret_link);

/* A page of the users (PERM_USERS_MANAGE), by username unless q sorts by
 * id or created_at (service/page.h). *ret: the page's n users, to free
 * with user_infos_free; ret_page: for page_answer or page_cursor. A bad
 * limit, sort or after is ERR_INVAL with errs. Audited (user.list). */
int svc_users_list(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs,
		   struct list_page *ret_page, struct user_info **ret, size_t *ret_n);

int svc_users_get(const struct svc_ctx *ctx, int64_t id, struct user_info *ret);
int svc_users_find(const struct svc_ctx *ctx, const char *username, int64_t *ret_id);

/* A change; NULL or -1 leaves a field as it is. version must be the one
 * read (ERR_CONFLICT otherwise). A password only from the command line
 * (an administrator issues a set-up link instead). A new role or area of
 * work that reads case content is told to HART. */
struct user_patch {
	int64_t version;
	const char *display_name, *email, *role, *scope, *password;
	bool clear_email, clear_scope;
	int disabled; /* -1 unchanged, 0 enable, 1 disable */
	bool unlock;
};

int svc_users_update(const struct svc_ctx *ctx, int64_t id, const struct user_patch *p, struct field_errors *errs);

/* The signed-in user's own record (PERM_SESSION). */
int svc_users_me(const struct svc_ctx *ctx, struct user_info *ret);

/* Open a user's sealed display name (internal: login answers). */
int users_open_row(struct app *app, struct db_stmt *st, int first_col, struct user_info *u);
