/* batch/blocks: every record's blocking keys, sorted, the blocks they make,
 * and the samples of pairs the model is fitted on. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "match/batch/batch_int.h"
#include "match/match.h"

/* ---- every record's blocking keys, sorted ----
 *
 * The keys of all records are computed once, on all cores, and sorted by
 * key (records ascending within a key): equal keys side by side are the
 * blocks that give candidate pairs, and the birth-date and name blocks the
 * model is fitted on. A radix sort: first on the key's top byte, scattering
 * each thread's keys into 256 buckets, then each bucket on its own. */


struct keys_job {
	const struct match_store *s;
	uint32_t types; /* bit per key type kept */
	struct entry *buf[64];
	size_t len[64];
	size_t hist[64][256];
	struct entry *sorted;
	size_t bucket[257];
	size_t next_bucket; /* shared cursor over buckets */
	int rc[64];
};

static void keys_part(void *ctx, int t, int nt)
{
	struct keys_job *j = ctx;
	size_t n = match_store_count(j->s);
	size_t from = n * (size_t)t / (size_t)nt, to = n * (size_t)(t + 1) / (size_t)nt;
	const char *pool = match_store_pool(j->s);
	struct entry *e = malloc(((to - from) * MATCH_MAX_KEYS + 1) * sizeof *e);
	if (!e) {
		j->rc[t] = ERR_NOMEM;
		return;
	}
	size_t m = 0;
	for (size_t i = from; i < to; i++) {
		const struct match_rec *r = match_store_rec(j->s, (uint32_t)i);
		if (r->dead)
			continue;
		uint64_t keys[MATCH_MAX_KEYS];
		uint8_t types[MATCH_MAX_KEYS];
		size_t nk = match_keys_typed(j->s, r, pool, keys, types);
		uint32_t had = 0;
		for (size_t k = 0; k < nk; k++) {
			uint32_t bit = UINT32_C(1) << types[k];
			if (!(j->types & bit))
				continue;
			e[m++] = (struct entry){keys[k], (uint32_t)i, types[k], !(had & bit)};
			had |= bit;
			j->hist[t][keys[k] >> 56]++;
		}
	}
	j->buf[t] = e;
	j->len[t] = m;
}

static void scatter_part(void *ctx, int t, int nt)
{
	struct keys_job *j = ctx;
	(void)nt;
	size_t at[256];
	for (int b = 0; b < 256; b++) {
		at[b] = j->bucket[b];
		for (int u = 0; u < t; u++)
			at[b] += j->hist[u][b];
	}
	const struct entry *e = j->buf[t];
	for (size_t i = 0; i < j->len[t]; i++)
		j->sorted[at[e[i].key >> 56]++] = e[i];
}

/* A stable radix sort of one bucket on the key's lower seven bytes. */
static void sort_bucket(struct entry *a, struct entry *tmp, size_t n)
{
	if (n < 2)
		return;
	if (n < 32) {
		for (size_t i = 1; i < n; i++) {
			struct entry x = a[i];
			size_t k = i;
			while (k > 0 && a[k - 1].key > x.key) {
				a[k] = a[k - 1];
				k--;
			}
			a[k] = x;
		}
		return;
	}
	size_t c[7][256] = {{0}};
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 7; d++)
			c[d][a[i].key >> (8 * d) & 0xff]++;
	struct entry *src = a, *dst = tmp;
	for (int d = 0; d < 7; d++) {
		if (c[d][src[0].key >> (8 * d) & 0xff] == n)
			continue; /* one digit everywhere: the order stands */
		size_t at = 0;
		for (int v = 0; v < 256; v++) {
			size_t k = c[d][v];
			c[d][v] = at;
			at += k;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[d][src[i].key >> (8 * d) & 0xff]++] = src[i];
		struct entry *x = src;
		src = dst;
		dst = x;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

static void sort_part(void *ctx, int t, int nt)
{
	struct keys_job *j = ctx;
	(void)nt;
	size_t biggest = 0;
	for (int b = 0; b < 256; b++)
		if (j->bucket[b + 1] - j->bucket[b] > biggest)
			biggest = j->bucket[b + 1] - j->bucket[b];
	struct entry *tmp = malloc((biggest ? biggest : 1) * sizeof *tmp);
	if (!tmp) {
		j->rc[t] = ERR_NOMEM;
		return;
	}
	for (;;) {
		size_t b = __atomic_fetch_add(&j->next_bucket, 1, __ATOMIC_RELAXED);
		if (b >= 256)
			break;
		sort_bucket(j->sorted + j->bucket[b], tmp, j->bucket[b + 1] - j->bucket[b]);
	}
	free(tmp);
}

/* The keys of the given types (a bit per type) of every live record,
 * sorted by key. *ret is the caller's to free. */
int batch_sorted_keys(const struct match_store *s, uint32_t types, int threads, struct entry **ret, size_t *ret_n)
{
	struct keys_job *j = calloc(1, sizeof *j);
	if (!j)
		return ERR_NOMEM;
	j->s = s;
	j->types = types;
	int nt = threads;
	if (match_store_count(s) < 10000)
		nt = 1;
	int rc = 0;
	batch_run_parts(nt, keys_part, j);
	size_t total = 0;
	for (int t = 0; t < nt; t++) {
		if (j->rc[t] < 0)
			rc = j->rc[t];
		total += j->len[t];
	}
	if (rc < 0)
		goto out;
	for (int b = 0; b < 256; b++) {
		j->bucket[b + 1] = j->bucket[b];
		for (int t = 0; t < nt; t++)
			j->bucket[b + 1] += j->hist[t][b];
	}
	if (!(j->sorted = malloc((total ? total : 1) * sizeof *j->sorted))) {
		rc = ERR_NOMEM;
		goto out;
	}
	batch_run_parts(nt, scatter_part, j);
	for (int t = 0; t < nt; t++) {
		free(j->buf[t]);
		j->buf[t] = NULL;
	}
	batch_run_parts(nt, sort_part, j);
	for (int t = 0; t < nt; t++)
		if (j->rc[t] < 0)
			rc = j->rc[t];
	if (rc < 0)
		goto out;
	*ret = j->sorted;
	*ret_n = total;
	j->sorted = NULL;
out:
	for (int t = 0; t < nt; t++)
		free(j->buf[t]);
	free(j->sorted);
	free(j);
	return rc;
}

/* ---- blocks ----
 *
 * The candidates of record i are the records after it (in linkage: all
 * records) in each block it belongs to: span[span_at[i]..span_at[i+1]]
 * name stretches of member[]. Blocks of more than cap records are not
 * followed, as in a lookup. */


void batch_blocks_done(struct blocks *b)
{
	free(b->member);
	free(b->span);
	free(b->span_at);
}

/* The distinct records of a run of equal keys (a record may give one key
 * twice), written to out; returns how many. */
static size_t run_members(const struct entry *e, size_t a, size_t z, uint32_t *out)
{
	size_t k = 0;
	for (size_t x = a; x < z; x++)
		if (k == 0 || out[k - 1] != e[x].rec)
			out[k++] = e[x].rec;
	return k;
}

/* The block of equal keys that starts at e[a]: its members in run, and
 * in *ret_z where the next one starts. 0 for a block that gives no pair
 * (one record, more than cap, or a type not wanted). */
static size_t next_block(const struct entry *e, size_t ne, size_t a, size_t cap, uint32_t types, uint32_t *run,
			 size_t *ret_z)
{
	size_t z;
	for (z = a + 1; z < ne && e[z].key == e[a].key; z++)
		;
	*ret_z = z;
	if (z - a < 2 || z - a > cap || !(types >> e[a].type & 1))
		return 0;
	return run_members(e, a, z, run);
}

int batch_build_blocks(const struct entry *e, size_t ne, size_t n, uint32_t types, size_t cap, bool link,
			struct blocks *ret)
{
	memset(ret, 0, sizeof *ret);
	uint32_t *cnt = calloc(n + 1, sizeof *cnt);
	uint32_t run[1024];
	if (cap > sizeof run / sizeof run[0])
		cap = sizeof run / sizeof run[0];
	if (!cnt)
		return ERR_NOMEM;
	size_t members = 0, spans = 0;
	for (size_t a = 0, z; a < ne; a = z) {
		size_t k = next_block(e, ne, a, cap, types, run, &z);
		if (k < 2)
			continue;
		members += k;
		for (size_t x = 0; x < (link ? k : k - 1); x++) {
			cnt[run[x]]++;
			spans++;
		}
	}
	ret->member = malloc((members ? members : 1) * sizeof *ret->member);
	ret->span = malloc((spans ? spans : 1) * sizeof *ret->span);
	ret->span_at = malloc((n + 1) * sizeof *ret->span_at);
	if (!ret->member || !ret->span || !ret->span_at) {
		free(cnt);
		batch_blocks_done(ret);
		return ERR_NOMEM;
	}
	uint32_t at = 0;
	for (size_t i = 0; i < n; i++) {
		ret->span_at[i] = at;
		at += cnt[i];
		cnt[i] = ret->span_at[i];
	}
	ret->span_at[n] = at;
	uint32_t m = 0;
	for (size_t a = 0, z; a < ne; a = z) {
		size_t k = next_block(e, ne, a, cap, types, run, &z);
		if (k < 2)
			continue;
		memcpy(ret->member + m, run, k * sizeof *run);
		for (size_t x = 0; x < (link ? k : k - 1); x++)
			ret->span[cnt[run[x]]++] = (struct span){link ? m : m + (uint32_t)x + 1, m + (uint32_t)k};
		m += (uint32_t)k;
	}
	free(cnt);
	return 0;
}

/* Compare candidate pairs of a sample of records until enough pairs are
 * gathered to fit the model. */
int batch_sample_levels(const struct match_store *s, const struct match_index *ix, bool link, size_t want,
			 uint8_t **ret, size_t *ret_n)
{
	size_t n = match_store_count(s), nf = (size_t)match_store_schema(s)->n;
	uint8_t *lv = malloc(want * nf);
	uint32_t *cand = malloc(MAX_CAND * sizeof *cand);
	if (!lv || !cand) {
		free(lv);
		free(cand);
		return ERR_NOMEM;
	}
	const char *pool = match_store_pool(s);
	size_t got = 0;
	/* A stride through the records with a step coprime to n spreads the
	 * sample over the whole file. */
	size_t step = 7919;
	while (n > 1 && step % n == 0)
		step += 2;
	size_t pos = 0;
	for (size_t visited = 0; visited < n && got < want; visited++, pos = (pos + step) % n) {
		uint32_t i = (uint32_t)pos;
		const struct match_rec *a = match_store_rec(s, i);
		if (a->dead || (link && a->source != 0))
			continue;
		size_t nc = match_candidates(ix, s, a, pool, cand, MAX_CAND);
		for (size_t k = 0; k < nc && got < want; k++) {
			if (!batch_wanted(s, link, i, cand[k]))
				continue;
			match_compare(s, a, pool, match_store_rec(s, cand[k]), pool, lv + got * nf);
			got++;
		}
	}
	free(cand);
	*ret = lv;
	*ret_n = got;
	return 0;
}

/* Random pairs, for u: the pairs first (one sequence of random numbers),
 * their levels then on as many threads as there are parts. */
int batch_random_pairs(const struct match_store *s, bool link, size_t want, uint32_t **ret, size_t *ret_n)
{
	size_t n = match_store_count(s);
	uint32_t *p = malloc((want ? want : 1) * 2 * sizeof *p);
	if (!p)
		return ERR_NOMEM;
	uint64_t x = 0x243F6A8885A308D3ULL;
	size_t got = 0;
	for (size_t tries = 0; n > 1 && got < want && tries < want * 4; tries++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint32_t i = (uint32_t)(x % n);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint32_t j = (uint32_t)(x % n);
		const struct match_rec *a = match_store_rec(s, i), *b = match_store_rec(s, j);
		if (i == j || a->dead || b->dead || (link && a->source == b->source))
			continue;
		p[2 * got] = i;
		p[2 * got + 1] = j;
		got++;
	}
	*ret = p;
	*ret_n = got;
	return 0;
}

void batch_random_levels(const struct match_store *s, const uint32_t *pairs, size_t from, size_t to, uint8_t *lv)
{
	size_t nf = (size_t)match_store_schema(s)->n;
	const char *pool = match_store_pool(s);
	for (size_t k = from; k < to; k++)
		match_compare(s, match_store_rec(s, pairs[2 * k]), pool, match_store_rec(s, pairs[2 * k + 1]), pool,
			      lv + k * nf);
}
