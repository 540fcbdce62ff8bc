#include "base/crypto.h"

#include <sodium.h>

#include "base/err.h"

int crypto_init(void)
{
	return sodium_init() < 0 ? ERR_IO : 0;
}

void crypto_random(void *out, size_t size)
{
	randombytes_buf(out, size);
}

int crypto_random_hex(size_t nbytes, char *out, size_t size)
{
	unsigned char raw[64];
	if (nbytes > sizeof raw || size < nbytes * 2 + 1)
		return ERR_TOOBIG;
	randombytes_buf(raw, nbytes);
	sodium_bin2hex(out, size, raw, nbytes);
	sodium_memzero(raw, sizeof raw);
	return 0;
}
