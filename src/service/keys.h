/* keys: the seal key file of an installation, its check value, and key
 * rotation. Every sealed column of the schema is listed in keys.c, so that
 * rotation re-seals all of them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "service/ctx.h"

struct keyring;

/* At init: load the key file or create it (mode 0600) when the
 * installation is new, and store or verify the check value. A database
 * that holds sealed values whose key file is missing is refused. */
int keys_init(struct db *db, const char *key_file, bool *ret_created, char *errmsg, size_t errsize);

/* Does this key ring open the database's check value? A message that names
 * the key file otherwise. */
int keys_check(struct db *db, const struct keyring *keys, const char *key_file, char *errmsg, size_t errsize);

struct keys_rotation {
	uint32_t new_id;
	int64_t resealed; /* values sealed anew */
};

/* Add a new key to the key file and re-seal every sealed value under it,
 * in one transaction; audited. */
int svc_keys_rotate(const struct svc_ctx *ctx, struct keys_rotation *ret, char *errmsg, size_t errsize);

/* What keys_verify_sealed found. */
struct keys_sealed_check {
	int64_t values;  /* sealed values that opened */
	int64_t columns; /* sealed columns walked */
	int64_t failed;  /* values that did not open */
	/* The first that did not, and why. */
	const char *table, *column;
	int64_t row;
	bool missing_key; /* sealed under a key the ring does not hold (else: altered or misplaced) */
};

/* Open every sealed value of every sealed column with the key ring (as a
 * restored database is checked): 0 with ret->failed 0 when all open; 0
 * with the first failure named otherwise; an error when the database
 * cannot be read. Reads a page of rows at a time. */
int keys_verify_sealed(struct db *db, const struct keyring *keys, struct keys_sealed_check *ret);
