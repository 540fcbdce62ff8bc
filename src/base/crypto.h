/* crypto: libsodium start-up and random values.
 *
 * crypto_init() must succeed before any other call; the program refuses to
 * start without a working random source. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

int crypto_init(void);
/* size random bytes. */
void crypto_random(void *out, size_t size);
/* A random token of nbytes bytes as lowercase hex into out (size >= 2n+1). */
int crypto_random_hex(size_t nbytes, char *out, size_t size);

/* BLAKE2b-256 of data as 64 lowercase hex characters and a NUL. */
#define CRYPTO_HASH_HEX_SIZE 65
void crypto_hash_hex(const void *data, size_t len, char out[CRYPTO_HASH_HEX_SIZE]);

/* Argon2id password hashing (libsodium crypto_pwhash, interactive limits).
 * The encoded hash carries its algorithm, limits and salt. */
#define CRYPTO_PWHASH_SIZE 128
int crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_SIZE]);
#ifdef HARTLINE_TEST_HOOKS
/* Service unit tests hash with the least work Argon2id allows, so that a
 * write run once per failed statement stays quick (under Valgrind above
 * all). The parameters are kept in each hash, so verifying is unchanged. */
void crypto_password_hash_light(bool on);
#endif
/* true when password matches hash; always does the full work. */
bool crypto_password_verify(const char *hash, const char *password);

/* Compare n bytes in constant time. */
bool crypto_equal(const void *a, const void *b, size_t n);
