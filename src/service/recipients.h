/* recipients: who a notification (in-app or e-mail) goes to.
 *
 * Callers name the people, never SQL: the HART coordinators, one region's
 * liaisons, the trainers, one user, a provider's users, or any union of these, less one user (the actor who
 * caused the notice). Every set resolves through one fixed statement whose
 * values are bound, with role names from the role table in model/access.c,
 * so no caller's text reaches the database as SQL. Only active users are
 * reached. */
#pragma once

#include <stdint.h>

#include "db/db.h"

enum {
	RCPT_HART = 1u << 0,	       /* every HART coordinator */
	RCPT_REGION_LIAISONS = 1u << 1, /* the liaisons whose scope is region */
	RCPT_USER = 1u << 2,	       /* the user user_id */
	RCPT_PROVIDER_USERS = 1u << 3, /* the users of the provider whose code is provider */
	RCPT_TRAINERS = 1u << 4,       /* every user of the trainer role (the training unit) */
};

struct recipients {
	unsigned who;	    /* RCPT_* bits */
	const char *region; /* with RCPT_REGION_LIAISONS; NULL reaches no liaison */
	int64_t user_id;    /* with RCPT_USER */
	const char *provider; /* with RCPT_PROVIDER_USERS: the provider's code; NULL reaches none */
	int64_t except_id;  /* a user left out of the set (0: none) */
};

/* Insert one in-app notification for each recipient. Inside the caller's
 * transaction. object_id and text may not be NULL. */
int notify_insert(struct db *db, const struct recipients *rc, const char *kind, const char *object_type,
		  const char *object_id, const char *text, const char *ts);

/* Prepare the statement that answers (id, email) of every recipient with
 * an e-mail address, its values bound. */
int recipients_email_select(struct db *db, const struct recipients *rc, struct db_stmt **ret);
