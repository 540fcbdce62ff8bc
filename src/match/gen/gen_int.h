/* gen_int: what the parts of the record generator share, and nothing
 * outside them needs: the random stream and the weighted choices
 * (random.c), keyboard typos (typo.c), and gen.c's string helper. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A record's name and address fields, at most (with the NUL). */
#define NAME_CAP 64
#define ADDR_CAP 96

/* xoshiro256** state. */
struct rng {
	uint64_t s[4];
};

/* A keyed bijection of [0, n). */
struct perm {
	uint64_t n, mask;
	unsigned half;
	uint64_t key[4];
};

/* ---- random.c ---- */

uint64_t gen_mix64(uint64_t z);
uint64_t gen_splitmix64(uint64_t *x);
void gen_rng_seed(struct rng *r, uint64_t seed);
/* Uniform in [0, n) (0 when n is 0); the modulo bias is below 2^-40 for
 * every n used here. */
uint64_t gen_rng_below(struct rng *r, uint64_t n);
bool gen_rng_chance(struct rng *r, double p);
void gen_perm_init(struct perm *p, uint64_t n, uint64_t seed);
uint64_t gen_perm_apply(const struct perm *p, uint64_t x);
void gen_zipf_table(uint64_t *cum, size_t n, uint64_t offset);
size_t gen_wpick(const uint64_t *cum, size_t n, struct rng *r);
uint64_t gen_isqrt64(uint64_t v);

/* ---- typo.c ---- */

/* One or two typos (three in the rare case two cancel out), so the field
 * always ends up different. */
void gen_typo(struct rng *g, char *s, size_t cap);

/* ---- gen.c ---- */

/* s appended to dst (capacity cap) at len, always NUL-terminated and
 * truncating; the new length. */
size_t gen_put_str(char *dst, size_t cap, size_t len, const char *s);
