/* svc_packs: the pack a database runs with, and changing it
 * (docs/packs.md, "Changing a pack on a live database").
 *
 * The database records the pack it runs with (its digest, id, version and
 * the labels of every value records keep, with the labels of values a
 * change retired) in the setting table. A server started with another pack
 * compares the two: labels may change, values may be added, deadlines may
 * change length for duties opened from then on, and a value no record uses
 * may go; a value in use may not be removed or renamed. A change that
 * passes is recorded and audited ("pack.changed", with the old and new
 * digests); one that does not stops the server with every use named. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/crypto.h"
#include "model/pack.h"

struct app;
struct db;

/* The digest of a pack: BLAKE2b-256 of its document with sorted keys and
 * no spaces, so that layout alone is no change. */
int svc_pack_digest(const struct pack *p, char out[CRYPTO_HASH_HEX_SIZE]) __attribute__((warn_unused_result));

struct svc_pack_compare {
	bool recorded;                         /* the database records a pack */
	bool same;                             /* with the same digest */
	char old_id[65], old_version[65];      /* what it records */
	char old_digest[CRYPTO_HASH_HEX_SIZE]; /* "" when none is recorded */
	char new_digest[CRYPTO_HASH_HEX_SIZE];
	json_t *changes;  /* pack_compare_labels, a removed value in use with "used_by": "12 cases, 3
	                   * duties"; an empty array when none is recorded */
	json_t *problems; /* strings for people: a value in use that would go, and where it is used */
	json_t *labels;   /* what to record: the new pack's labels with "retired" */
};

/* Compare p with the pack db records. */
int svc_pack_compare(struct db *db, const struct pack *p, struct svc_pack_compare *ret)
        __attribute__((warn_unused_result));
void svc_pack_compare_done(struct svc_pack_compare *c);

/* At start, after the audit trail is open: compare the server's pack with
 * the recorded one; refuse (ERR_CONFLICT, errmsg naming the uses) a change
 * that removes a value in use; record and audit any other change (or the
 * first pack); and keep the labels of retired values in a->pack_retired
 * for the figures. */
int svc_pack_start(struct app *a, char *errmsg, size_t errsize) __attribute__((warn_unused_result));

/* The refusal in one line: the first problems, and how many more. */
void svc_pack_refusal(const struct svc_pack_compare *c, const char *source, char *out, size_t size);
