/* crypto: libsodium start-up and random values.
 *
 * crypto_init() must succeed before any other call; the program refuses to
 * start without a working random source. */
#pragma once

#include <stddef.h>

int crypto_init(void);
/* size random bytes. */
void crypto_random(void *out, size_t size);
/* A random token of nbytes bytes as lowercase hex into out (size >= 2n+1). */
int crypto_random_hex(size_t nbytes, char *out, size_t size);
