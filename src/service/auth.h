/* svc_auth: logging in and out, sessions, and lockout.
 *
 * A session token is 32 random bytes shown once to the client; only its
 * BLAKE2b hash is stored. The CSRF token is derived from the session token
 * (a hash of it), so a page can get it again from /me, and a request that
 * carries the cookie but not the derived token is refused. */
#pragma once

#include <stdbool.h>

#include "base/crypto.h"
#include "service/ctx.h"
#include "service/users.h"

#define AUTH_TOKEN_SIZE 65 /* 64 hex characters and a NUL */

struct svc_login {
	char token[AUTH_TOKEN_SIZE];
	char csrf_token[AUTH_TOKEN_SIZE];
	struct user_info user; /* done with user_info_done */
};

/* Check username and password. ERR_AUTH for an unknown user, a wrong
 * password, a disabled or a locked account alike, after the same work; the
 * audit trail records which it was. */
int svc_auth_login(struct app *app, const char *client, const char *username, const char *password,
		   struct svc_login *ret);

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
