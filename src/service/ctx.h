/* ctx: who is asking, and from where. Every service call takes one.
 *
 * A service checks the actor's permission first (svc_require), then does
 * its work inside one transaction that also appends the audit record. */
#pragma once

#include <stdint.h>

#include "model/access.h"
#include "service/app.h"

#define ACTOR_NAME_MAX 64
#define SCOPE_MAX 64

struct actor {
	int64_t user_id; /* 0 for the command line */
	char username[ACTOR_NAME_MAX];
	enum role role;
	char scope[SCOPE_MAX]; /* region, team or provider id; "" when none */
	int64_t session_id;    /* 0 when not from a session */
	int mfa_pending;       /* AUTH_MFA_*: the session still lacks its second factor */
};

struct svc_ctx {
	struct app *app;
	const struct actor *actor; /* NULL: nobody is logged in */
	const char *client;        /* peer address, or "cli" */
};

/* The actor for an operator at the server's command line: an
 * administrator named "cli". */
void actor_cli(struct actor *a);

/* ERR_AUTH without an actor; ERR_PERM (and an audit record of the
 * denial, committed on its own) when the actor's role lacks perm. */
int svc_require(const struct svc_ctx *ctx, enum perm perm) __attribute__((warn_unused_result));

/* The first two steps of every use case: svc_require(perm), then this
 * thread's database. Nothing to undo on failure. */
struct db;
int svc_enter(const struct svc_ctx *ctx, enum perm perm, struct db **ret) __attribute__((warn_unused_result));

/* How many rows a list answers: LIST_LIMIT_DEFAULT when the caller asks
 * for none (0), and never more than LIST_LIMIT_MAX (a larger request is
 * refused with a field error by the route's check, "from 1 to 500"). */
#define LIST_LIMIT_DEFAULT 200
#define LIST_LIMIT_MAX 500
/* The limit to use for a request of n (0: none asked). */
static inline int list_limit(int n)
{
	return n > 0 && n <= LIST_LIMIT_MAX ? n : n > LIST_LIMIT_MAX ? LIST_LIMIT_MAX : LIST_LIMIT_DEFAULT;
}

/* Record a denial for reasons other than a missing permission (a CSRF
 * token missing, an object outside the actor's scope). */
void svc_audit_denial(const struct svc_ctx *ctx, const char *what, const char *object_type,
		      const char *object_id);
