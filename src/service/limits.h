/* limits: how fast a client or an account may fail to log in, and how many
 * password hashes run at once.
 *
 * Failures are counted in memory per key ("client 10.0.0.5", "account
 * alice"); past a rule's free allowance within its window, each further
 * failure doubles the wait before the next try, up to a cap. The table has
 * a fixed number of slots, whatever the number of addresses or names
 * tried: a new key takes a free slot near its hash or the least recently
 * used one there, so a flood of addresses costs the oldest counts, never
 * memory. The lockout kept in the database (by account and address) does
 * not depend on this table. */
#pragma once

#include <stdint.h>

#include "base/clock.h"

struct auth_limits;

struct limit_rule {
	int free;          /* failures within window before the first wait */
	int64_t window;    /* microseconds */
	int64_t first;     /* the wait after the first failure past free */
	int64_t cap;       /* the longest wait */
};

/* slots: the table's fixed size; hashes: how many password hashes may run
 * at once (at least 1). */
int auth_limits_new(unsigned slots, unsigned hashes, struct auth_limits **ret);
void auth_limits_free(struct auth_limits *l);

/* Microseconds until kind:key may try again; 0 when it may now. */
int64_t auth_limits_wait(struct auth_limits *l, const char *kind, const char *key, hl_time t);
/* Count a failure of kind:key under rule at time t. */
void auth_limits_fail(struct auth_limits *l, const char *kind, const char *key, const struct limit_rule *rule,
		      hl_time t);

/* Take a hashing slot: ERR_BUSY when all are taken (answer "try again"
 * at once rather than queue behind the hashes). */
int auth_limits_hash_begin(struct auth_limits *l);
void auth_limits_hash_end(struct auth_limits *l);

/* The rules: a client address over every account, an account over every
 * address. The account's cap is short, so that guessing spread over many
 * addresses slows down without shutting the owner out for long. */
extern const struct limit_rule LIMIT_CLIENT, LIMIT_ACCOUNT;
