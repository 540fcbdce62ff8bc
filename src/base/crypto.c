#include "base/crypto.h"

#include <sodium.h>
#include <string.h>

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

void crypto_hash_hex(const void *data, size_t len, char out[CRYPTO_HASH_HEX_SIZE])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, data, len, NULL, 0);
	sodium_bin2hex(out, CRYPTO_HASH_HEX_SIZE, h, sizeof h);
}

_Static_assert(CRYPTO_PWHASH_SIZE >= crypto_pwhash_STRBYTES, "password hash buffer too small");

#ifdef HARTLINE_TEST_HOOKS
#include <stdatomic.h>

static _Atomic bool pwhash_light;

void crypto_password_hash_light(bool on)
{
	atomic_store(&pwhash_light, on);
}
#endif

int crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_SIZE])
{
	unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
#ifdef HARTLINE_TEST_HOOKS
	if (atomic_load(&pwhash_light)) {
		ops = crypto_pwhash_OPSLIMIT_MIN;
		mem = crypto_pwhash_MEMLIMIT_MIN;
	}
#endif
	if (crypto_pwhash_str_alg(out, password, strlen(password), ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ERR_NOMEM;
	return 0;
}

bool crypto_password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}
