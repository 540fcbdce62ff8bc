/* svc_auth: logging in and out, sessions, and lockout.
 *
 * A session token is 32 random bytes shown once to the client; only its
 * BLAKE2b hash is stored. The CSRF token is derived from the session token
 * (a hash of it), so a page can get it again from /me, and a request that
 * carries the cookie but not the derived token is refused. */
#pragma once

#include <stdbool.h>

#include "base/crypto.h"
#include "model/schema.h"
#include "service/ctx.h"
#include "service/users.h"

#define AUTH_TOKEN_SIZE 65 /* 64 hex characters and a NUL */

/* What a session still lacks (struct actor's mfa_pending). */
enum { AUTH_MFA_NONE = 0, AUTH_MFA_CODE = 1, AUTH_MFA_ENROL = 2 };

#define AUTH_RECOVERY_CODES 10
#define AUTH_RECOVERY_CODE_SIZE 20 /* XXXX-XXXX-XXXX-XXXX and a NUL */

struct svc_login {
	char token[AUTH_TOKEN_SIZE];
	char csrf_token[AUTH_TOKEN_SIZE];
	struct user_info user; /* done with user_info_done */
	int mfa_pending;       /* AUTH_MFA_*: NONE for a full session */
	int retry_after;       /* seconds, with ERR_BUSY */
	/* After enrolment only: the recovery codes, shown once. */
	char recovery_codes[AUTH_RECOVERY_CODES][AUTH_RECOVERY_CODE_SIZE];
};

/* Where a login comes from. */
struct auth_client {
	const char *address;    /* the client address */
	const char *user_agent; /* the User-Agent header, or NULL */
};

/* The roles that read case content must give a second factor. */
bool auth_mfa_required(enum role role);

/* Check username and password. ERR_AUTH for an unknown user, a wrong
 * password, a disabled account or one locked for this client address
 * alike, after the same work; the audit trail records which it was.
 * ERR_BUSY (with ret->retry_after) when the client or the account must
 * wait, or every hashing slot is taken. For a role that needs a second
 * factor the session is partial (ret->mfa_pending): it may only give the
 * code, enrol, see itself and log out. */
/* The bodies of a login, a second-factor code and the first code of an
 * enrolment. A login lets other keys through, as it always has. */
extern const struct schema svc_auth_login_schema;
extern const struct schema svc_auth_mfa_verify_schema;
extern const struct schema svc_auth_mfa_enrol_confirm_schema;

int svc_auth_login(struct app *app, const struct auth_client *from, const char *username, const char *password,
		   struct svc_login *ret);

/* Give the second factor for the actor's partial session: a six-digit
 * code or one of the recovery codes. On success the session is full and
 * has a new token (ret). A wrong code counts as a failed login. */
int svc_auth_mfa_verify(const struct svc_ctx *ctx, const char *code, const char *recovery_code,
			struct svc_login *ret);

struct mfa_enrolment {
	char secret[40]; /* base32, to type into the app */
	char *uri;       /* otpauth:// address; caller frees */
	char *qr_svg;    /* the QR code of uri as SVG; caller frees */
};
void mfa_enrolment_done(struct mfa_enrolment *e);

/* Start (or start again) setting up the authenticator for the actor's
 * partial session that must enrol: a new secret, sealed at rest. */
int svc_auth_mfa_enrol_begin(const struct svc_ctx *ctx, struct mfa_enrolment *ret);
/* Finish it with a first code from the app: the second factor is on, the
 * session is full (ret, with the recovery codes). */
int svc_auth_mfa_enrol_confirm(const struct svc_ctx *ctx, const char *code, struct svc_login *ret);

/* An administrator removes a user's second factor and recovery codes and
 * ends the user's sessions; the user enrols again at the next login. */
int svc_auth_mfa_reset(const struct svc_ctx *ctx, int64_t user_id);

struct session_info {
	int64_t id;
	char created_at[32], last_seen_at[32];
	char client[64];
	char user_agent[64];
	bool current; /* the session asking */
};

/* A page of the actor's active sessions (service/page.h; newest first,
 * or sorted by created_at, last_used_at or id): *ret, n of them, which the
 * caller frees; ret_page for page_answer. A bad limit, sort or after is
 * ERR_INVAL with errs. */
int svc_auth_sessions_list(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs,
			   struct list_page *ret_page, struct session_info **ret, size_t *ret_n);
/* End one of the actor's own sessions; ERR_NOTFOUND for any other. */
int svc_auth_session_end(const struct svc_ctx *ctx, int64_t session_id);
/* An administrator ends every session of a user; ret_n: how many. */
int svc_auth_sessions_end_all(const struct svc_ctx *ctx, int64_t user_id, int64_t *ret_n);

/* The actor behind a session token. ERR_AUTH when the token is unknown, the
 * session ended, went idle too long or passed its absolute expiry, or the
 * account was disabled. */
int svc_auth_resolve(struct app *app, const char *token, struct actor *ret);

/* End the actor's session. */
int svc_auth_logout(const struct svc_ctx *ctx);

/* The CSRF token that belongs to a session token. */
void auth_csrf_for(const char *token, char out[AUTH_TOKEN_SIZE]);
/* true when csrf is the one for token (constant time). */
bool auth_csrf_ok(const char *token, const char *csrf);
