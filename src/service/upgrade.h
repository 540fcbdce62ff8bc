/* upgrade: seal, with the key ring, the values an older schema kept in
 * clear, and clear them (see upgrade.c and migration 0013). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "model/pack.h"

struct keyring;

/* In one transaction: move every clear value of the columns migration
 * 0013 replaced into its sealed column, drop reference numbers and
 * responders' names from timeline JSON, and give old referrals the pack's
 * gender category. *ret_count (may be NULL): values changed. */
int svc_upgrade_seal(struct db *db, const struct keyring *keys, const struct pack *pack, int64_t *ret_count,
		     char *errmsg, size_t errsize);
