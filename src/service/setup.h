/* svc_setup: set-up links and the notices of case access.
 *
 * An administrator never chooses a person's password. A new account, or
 * one whose password is reset, gets a set-up link instead: a random token
 * that the administrator hands over, that expires (72 hours unless the
 * server is told otherwise) and that works once. The person opens it and
 * chooses their own password. Only a hash of the token is stored.
 *
 * Giving an account a role that reads case content (a new account, a new
 * role or area of work, a new set-up link) is told to the HART
 * coordinators (in the app, and by e-mail when the server sends e-mail)
 * and listed on their dashboard until one of them acknowledges it, or for
 * 30 days, so that an administrator cannot quietly make themselves a way
 * into children's records. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/json.h"
#include "service/ctx.h"
#include "service/users.h"

#define SETUP_TOKEN_HEX 64 /* 32 random bytes */
#define SETUP_DEFAULT_TTL (72 * 3600 * HL_USEC_PER_SEC)
#define ACCESS_NOTICE_DAYS 30

struct setup_link {
	char token[SETUP_TOKEN_HEX + 1];
	char expires_at[32];
};

/* Why a link was refused. */
enum setup_refusal {
	SETUP_UNKNOWN,  /* no such link */
	SETUP_USED,     /* used already */
	SETUP_REPLACED, /* a newer link for the same account voided it */
	SETUP_EXPIRED,
	SETUP_DISABLED, /* the account is disabled */
};

/* "unknown", "used", ...: the audit's and the API's word. */
const char *setup_refusal_name(enum setup_refusal why);

/* ---- for users.c, inside its transaction ---- */

/* A password hash that no one can log in with: the hash of a random
 * password thrown away at once. */
int setup_unusable_hash(char out[CRYPTO_PWHASH_SIZE]);

/* Void the account's unused links and store a new one; audited
 * (user.setup.issue). */
int setup_link_store(struct db *db, const struct svc_ctx *ctx, int64_t user_id, struct setup_link *ret);

/* When role reads case content: a notice for HART (why: "created",
 * "role", "scope" or "setup_link"), a notification for each active HART
 * coordinator but the account itself, and e-mail when it is on. */
int access_notice_add(struct db *db, const struct svc_ctx *ctx, int64_t user_id, const char *username,
		      enum role role, const char *scope, const char *why);

/* ---- use cases ---- */

/* A new link for an account (PERM_USERS_MANAGE), for a person who lost
 * theirs or forgot their password: the old link is voided, the password
 * replaced by one nobody knows, the sessions ended. ERR_NOTFOUND for no
 * such user. */
int svc_setup_link_issue(const struct svc_ctx *ctx, int64_t user_id, struct setup_link *ret);

/* The account a link is for (public: the link is the credential). A
 * refused link is ERR_NOTFOUND with *ret_why set, and audited
 * (user.setup.refused). */
struct setup_account {
	int64_t user_id;
	char username[USERNAME_MAX];
	char *display_name; /* caller frees */
	char expires_at[32];
};
/* The bodies of the two public set-up requests. */
extern const struct schema svc_setup_check_schema;
extern const struct schema svc_setup_complete_schema;

int svc_setup_check(struct app *app, const char *client, const char *token, struct setup_account *ret,
		    enum setup_refusal *ret_why);

/* Choose the password (public). The password policy's problems go to errs
 * (field "password", ERR_INVAL) and leave the link unused; a refused link
 * is ERR_NOTFOUND with *ret_why, audited. On success the link is spent,
 * the account's sessions and lockout end, and the use is audited
 * (user.setup.use); ret_username names the account. */
int svc_setup_complete(struct app *app, const char *client, const char *token, const char *password,
		       struct field_errors *errs, char ret_username[USERNAME_MAX], enum setup_refusal *ret_why);

/* The open notices, newest first, as an array for the dashboard of a
 * role that holds PERM_ACCESS_REVIEW (else an empty array). Read inside
 * the caller's transaction. */
int access_notices_json(struct db *db, const struct svc_ctx *ctx, json_t **ret);

/* A HART coordinator has seen a notice (PERM_ACCESS_REVIEW). Not one's
 * own account's: ERR_PERM, audited. ERR_NOTFOUND for no such notice. */
int svc_access_notice_ack(const struct svc_ctx *ctx, int64_t id);
