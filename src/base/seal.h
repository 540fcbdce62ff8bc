/* seal: encryption of children's personal data at rest, and the key ring.
 *
 * Every personal value is stored sealed with XChaCha20-Poly1305 under a key
 * from a key file that lives apart from the database, so a copied database
 * or backup on its own reveals nothing. A sealed value is bound to the
 * table, column and row it was written for: copied to another place, or
 * altered in any bit, it fails to open rather than yield someone else's data.
 *
 * A sealed value is
 *   byte 0        0x01, the format version
 *   bytes 1..4    the key id, big-endian
 *   bytes 5..28   a random 24-byte nonce
 *   then          the ciphertext followed by its 16-byte tag
 * and its associated data is those 5 header bytes followed by
 * "hartline-seal-v1" NUL table NUL column NUL decimal-row.
 *
 * The key file is text, mode 0600:
 *   # comment lines and blank lines are ignored
 *   hartline-keyring 1
 *   key 1 <64 hex digits>
 *   key 2 <64 hex digits>
 *   current 2
 * New values are sealed under the current key; older keys stay in the ring
 * so values sealed before a rotation still open. Losing a key loses every
 * value sealed under it: keep a copy of the file apart from database backups.
 *
 * Keys live in libsodium guarded memory and are wiped when freed. Threads
 * may share one ring, and keyring_rotate() may run while others seal and
 * open with it: they see the ring before or after the new key, never a mix.
 * sodium_init() (crypto_init()) must have succeeded first. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct keyring;

/* ---- The key file ---- */

/* Create a key file at path holding one fresh random key (id 1, current),
 * mode 0600. Never overwrites: ERR_EXISTS when path exists. On failure the
 * reason goes to errmsg and no file is left behind. */
int keyring_create(const char *path, char *errmsg, size_t errsize);

/* Load the key file at path into a new ring (*ret, free with keyring_free).
 *   ERR_NOTFOUND  the file does not exist
 *   ERR_PERM      group or others may read or write it; errmsg is
 *                 "PATH: readable by group or others (mode 0644); run: chmod 600 PATH"
 *   ERR_PARSE     malformed; errmsg is "PATH: line N: reason" (the reason
 *                 never quotes the line, which may hold key material)
 *   ERR_TOOBIG, ERR_IO, ERR_NOMEM, ERR_INVAL (not a regular file)
 * errmsg is written only on failure. */
int keyring_load(const char *path, struct keyring **ret, char *errmsg, size_t errsize);

/* Add a new random key (id = highest id + 1) and make it current. The file
 * at path is rewritten atomically (PATH.tmp written with mode 0600, fsync,
 * rename over PATH, fsync of the directory) and only then is ring updated;
 * old keys stay, so old values still open.
 *
 * Rotation holds an exclusive flock() on the key file and first checks that
 * the file still holds exactly the keys in ring: if another process rotated
 * since ring was loaded, it fails with ERR_CONFLICT instead of writing a file
 * that would drop that process's new key (and every value sealed under it).
 * Reload and retry. ERR_TOOBIG when the ids or the file are exhausted.
 * On any failure ring is unchanged. The sets of keys a ring had before its
 * rotations stay in memory until keyring_free, as a thread may still be
 * using one. */
int keyring_rotate(const char *path, struct keyring *ring, uint32_t *ret_new_id, char *errmsg, size_t errsize);

/* ---- The ring ---- */

/* The id of the key new values are sealed under. */
uint32_t keyring_current_id(const struct keyring *ring);
/* How many keys the ring holds. */
size_t keyring_count(const struct keyring *ring);
/* Wipe the keys and free the ring. NULL is fine. */
void keyring_free(struct keyring *ring);

/* Derive a subkey of outlen bytes (16..64) from key id (0: the current key)
 * for the purpose named by context (8 characters), with libsodium's KDF, so
 * that a key used for another purpose is never the sealing key itself. The
 * id used goes to *ret_id. ERR_NOTFOUND when the ring has no key id. */
int keyring_derive(const struct keyring *ring, uint32_t id, const char context[8], unsigned char *out,
                   size_t outlen, uint32_t *ret_id);

/* ---- Sealed values ---- */

/* Bytes a sealed value of plain_len bytes takes: plain_len + 45. SIZE_MAX
 * when that would overflow (seal_value refuses such a value). */
size_t seal_size(size_t plain_len);

/* Seal len bytes of plain under the current key, bound to (table, column,
 * row), and append the sealed value (seal_size(len) bytes) to out.
 * ERR_TOOBIG when it would not fit in out (out is then unchanged). */
int seal_value(const struct keyring *ring, const char *table, const char *column, int64_t row, const void *plain,
               size_t len, struct buf *out);

/* Open a sealed value made for (table, column, row) and append the
 * plaintext to out (out stays NUL-terminated, as a buf always is).
 *   ERR_NOTFOUND  its key id is not in the ring
 *   ERR_INVAL     malformed, sealed for another table, column or row, or
 *                 altered
 * On failure out is as it was. sealed must not point into out. */
int seal_open(const struct keyring *ring, const char *table, const char *column, int64_t row, const void *sealed,
              size_t len, struct buf *out);

/* The id of the key a sealed value was made with (to find values still
 * under an old key). ERR_INVAL when too short to be a sealed value or of
 * another format version. */
int seal_key_id(const void *sealed, size_t len, uint32_t *ret);
