/* gen/random: the random stream (splitmix64 to seed, xoshiro256** to
 * draw), a keyed permutation, and weighted choices, all in integer
 * arithmetic so that a seed gives the same records everywhere. */
#include "match/gen/gen_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- The random stream: splitmix64 to seed, xoshiro256** to draw ---- */


uint64_t gen_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

uint64_t gen_splitmix64(uint64_t *x)
{
	*x += 0x9e3779b97f4a7c15u;
	return gen_mix64(*x);
}

void gen_rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = gen_splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n) (0 when n is 0); the modulo bias is below 2^-40 for
 * every n used here. */
uint64_t gen_rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

bool gen_rng_chance(struct rng *r, double p)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53 < p;
}

/* ---- A keyed bijection of [0, n): a balanced Feistel network over the
 * smallest even number of bits that holds n, cycle-walked into range ---- */


void gen_perm_init(struct perm *p, uint64_t n, uint64_t seed)
{
	unsigned bits = 2;
	while (bits < 62 && ((uint64_t)1 << bits) < n)
		bits += 2;
	p->n = n;
	p->half = bits / 2;
	p->mask = ((uint64_t)1 << p->half) - 1;
	for (int i = 0; i < 4; i++)
		p->key[i] = gen_splitmix64(&seed);
}

uint64_t gen_perm_apply(const struct perm *p, uint64_t x)
{
	if (p->n <= 1)
		return x;
	do {
		uint64_t l = x >> p->half, r = x & p->mask;
		for (int i = 0; i < 4; i++) {
			uint64_t t = l ^ (gen_mix64(r ^ p->key[i]) & p->mask);
			l = r;
			r = t;
		}
		x = (l << p->half) | r;
	} while (x >= p->n);
	return x;
}

/* ---- Weighted choice: cumulative integer weights, binary searched ---- */

void gen_zipf_table(uint64_t *cum, size_t n, uint64_t offset)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		total += ((uint64_t)1 << 24) / (i + offset);
		cum[i] = total;
	}
}

size_t gen_wpick(const uint64_t *cum, size_t n, struct rng *r)
{
	uint64_t x = gen_rng_below(r, cum[n - 1]);
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

uint64_t gen_isqrt64(uint64_t v)
{
	uint64_t r = 0, bit = (uint64_t)1 << 62;
	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}
