/* Batch deduplication and linkage over a whole store, on all cores. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "match/match.h"

#define MAX_CAND 2048

static double seconds_since(int64_t t0)
{
	return (double)(clock_mono_us() - t0) / 1e6;
}

/* A progress bar on stderr, redrawn at most every 1/10 s. */
struct bar {
	bool on;
	const char *what;
	int64_t last;
};

static void bar_draw(struct bar *b, size_t done, size_t total, bool final)
{
	if (!b->on)
		return;
	int64_t t = clock_mono_us();
	if (!final && t - b->last < 100000)
		return;
	b->last = t;
	double f = total ? (double)done / (double)total : 1;
	int width = 30, fill = (int)(f * width);
	char bar[64];
	for (int i = 0; i < width; i++)
		bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
	bar[width] = '\0';
	fprintf(stderr, "\r%-10s [%s] %3d%% %zu/%zu%s", b->what, bar, (int)(f * 100), done, total, final ? "\n" : "");
	fflush(stderr);
}

static bool wanted(const struct match_store *s, bool link, uint32_t i, uint32_t j)
{
	if (j <= i && !link)
		return false;
	if (link)
		return match_store_rec(s, i)->source == 0 && match_store_rec(s, j)->source == 1;
	return true;
}

/* ---- running on all cores ---- */

struct part {
	void (*fn)(void *ctx, int t, int nt);
	void *ctx;
	int t, nt;
};

static void *part_thread(void *arg)
{
	struct part *p = arg;
	p->fn(p->ctx, p->t, p->nt);
	return NULL;
}

/* fn(ctx, t, nt) for t = 0..nt-1, each on its own thread (the caller's
 * for t = 0); a thread that cannot be started runs on the caller's. */
static void run_parts(int nt, void (*fn)(void *ctx, int t, int nt), void *ctx)
{
	struct part p[64];
	pthread_t tid[64];
	bool started[64] = {false};
	if (nt > 64)
		nt = 64;
	for (int t = 1; t < nt; t++) {
		p[t] = (struct part){fn, ctx, t, nt};
		started[t] = pthread_create(&tid[t], NULL, part_thread, &p[t]) == 0;
	}
	fn(ctx, 0, nt);
	for (int t = 1; t < nt; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else
			fn(ctx, t, nt);
	}
}

static int cores(int wanted)
{
	long n = wanted > 0 ? wanted : sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* ---- every record's blocking keys, sorted ----
 *
 * The keys of all records are computed once, on all cores, and sorted by
 * key (records ascending within a key): equal keys side by side are the
 * blocks that give candidate pairs, and the birth-date and name blocks the
 * model is fitted on. A radix sort: first on the key's top byte, scattering
 * each thread's keys into 256 buckets, then each bucket on its own. */

struct entry {
	uint64_t key;
	uint32_t rec;
	uint8_t type;
	uint8_t first; /* the record's first key of this type */
};

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
static int sorted_keys(const struct match_store *s, uint32_t types, int threads, struct entry **ret, size_t *ret_n)
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
	run_parts(nt, keys_part, j);
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
	run_parts(nt, scatter_part, j);
	for (int t = 0; t < nt; t++) {
		free(j->buf[t]);
		j->buf[t] = NULL;
	}
	run_parts(nt, sort_part, j);
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

struct span {
	uint32_t from, to;
};

struct blocks {
	uint32_t *member;
	struct span *span;
	uint32_t *span_at; /* n + 1 */
};

static void blocks_done(struct blocks *b)
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

static int build_blocks(const struct entry *e, size_t ne, size_t n, uint32_t types, size_t cap, bool link,
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
		for (z = a + 1; z < ne && e[z].key == e[a].key; z++)
			;
		if (z - a < 2 || z - a > cap || !(types >> e[a].type & 1))
			continue;
		size_t k = run_members(e, a, z, run);
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
		blocks_done(ret);
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
		for (z = a + 1; z < ne && e[z].key == e[a].key; z++)
			;
		if (z - a < 2 || z - a > cap || !(types >> e[a].type & 1))
			continue;
		size_t k = run_members(e, a, z, run);
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
static int sample_levels(const struct match_store *s, const struct match_index *ix, bool link, size_t want,
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
			if (!wanted(s, link, i, cand[k]))
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
static int random_pairs(const struct match_store *s, bool link, size_t want, uint32_t **ret, size_t *ret_n)
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

static void random_levels(const struct match_store *s, const uint32_t *pairs, size_t from, size_t to, uint8_t *lv)
{
	size_t nf = (size_t)match_store_schema(s)->n;
	const char *pool = match_store_pool(s);
	for (size_t k = from; k < to; k++)
		match_compare(s, match_store_rec(s, pairs[2 * k]), pool, match_store_rec(s, pairs[2 * k + 1]), pool,
			      lv + k * nf);
}

/* ---- fitting the model without labels ----
 *
 * u comes from random pairs: almost all of them are different people.
 * m comes from EM on pairs that share one blocking key, with the fields of
 * that key left out, so that what made the pair a candidate does not count
 * as evidence (Splink's way): pairs with the same birth date tell how names
 * agree among matches, pairs with alike names tell how birth dates do.
 * Those two give the number of matching pairs in the whole file, and so
 * lambda, the chance that two records taken at random are one person: the
 * prior of every comparison, whichever key found the pair. */

struct keyed {
	uint64_t key;
	uint32_t rec;
};

struct session {
	uint8_t *lv;
	size_t n;          /* sampled pairs */
	double all_pairs;  /* pairs sharing a key of this type, in all */
	bool ignore[MATCH_MAX_FIELDS];
};

/* Pairs of records sharing their first key of a type. e: all records'
 * keys sorted (sorted_keys). */
static int session_levels(const struct match_store *s, bool link, int type, size_t want, const struct entry *e,
			  size_t ne, struct session *ret)
{
	size_t nf = (size_t)match_store_schema(s)->n;
	const char *pool = match_store_pool(s);
	size_t nk = 0;
	for (size_t i = 0; i < ne; i++)
		nk += e[i].type == type && e[i].first;
	struct keyed *k = malloc((nk ? nk : 1) * sizeof *k);
	if (!k)
		return ERR_NOMEM;
	nk = 0;
	for (size_t i = 0; i < ne; i++)
		if (e[i].type == type && e[i].first)
			k[nk++] = (struct keyed){e[i].key, e[i].rec};
	ret->lv = malloc(want * nf);
	if (!ret->lv) {
		free(k);
		return ERR_NOMEM;
	}
	ret->n = 0;
	ret->all_pairs = 0;
	/* Group boundaries, then groups visited in a spread order. */
	size_t ng = 0;
	uint32_t *starts = malloc((nk + 1) * sizeof *starts);
	if (!starts) {
		free(k);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < nk; i++)
		if (i == 0 || k[i].key != k[i - 1].key)
			starts[ng++] = (uint32_t)i;
	starts[ng] = (uint32_t)nk;
	for (size_t g = 0; g < ng; g++) {
		double c = starts[g + 1] - starts[g];
		ret->all_pairs += c * (c - 1) / 2;
	}
	size_t step = 7919;
	while (ng > 1 && step % ng == 0)
		step += 2;
	size_t pos = 0;
	for (size_t visited = 0; visited < ng && ret->n < want; visited++, pos = (pos + step) % ng) {
		size_t a0 = starts[pos], a1 = starts[pos + 1];
		if (a1 - a0 > 64)
			a1 = a0 + 64; /* a big group: its first members are sample enough */
		for (size_t x = a0; x < a1 && ret->n < want; x++)
			for (size_t y = x + 1; y < a1 && ret->n < want; y++) {
				const struct match_rec *ra = match_store_rec(s, k[x].rec), *rb = match_store_rec(s, k[y].rec);
				if (link && ra->source == rb->source)
					continue;
				uint8_t *lv = ret->lv + ret->n * nf;
				match_compare(s, ra, pool, rb, pool, lv);
				for (size_t f = 0; f < nf; f++)
					if (ret->ignore[f])
						lv[f] = 0;
				ret->n++;
			}
	}
	free(starts);
	free(k);
	return 0;
}

/* EM starts from the pairs a plain rule calls matches, so that it finds
 * the people and not some other pattern (two fields that always agree
 * together, such as a town and its postcode, would do as well for EM). */
static void start_from_rule(struct match_model *m, const struct session *ss, const bool rule[MATCH_MAX_FIELDS],
			    int ident)
{
	size_t nf = (size_t)m->n;
	double c[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS] = {{0}}, matches = 0;
	for (size_t p = 0; p < ss->n; p++) {
		const uint8_t *lv = ss->lv + p * nf;
		bool match = true;
		for (size_t f = 0; f < nf; f++)
			if (rule[f] && !(lv[f] >= 1 && lv[f] <= 3))
				match = false;
		if (ident >= 0 && lv[ident] == 1)
			match = true;
		if (!match)
			continue;
		matches++;
		for (size_t f = 0; f < nf; f++)
			if (lv[f])
				c[f][lv[f]]++;
	}
	if (matches < 10)
		return;
	for (size_t f = 0; f < nf; f++) {
		int L = match_levels(m->kind[f]);
		double sum = 0;
		for (int l = 1; l < L; l++)
			sum += c[f][l] + 0.5;
		for (int l = 1; l < L; l++)
			m->m[f][l] = (c[f][l] + 0.5) / sum;
	}
	m->lambda = matches / (double)ss->n;
	if (m->lambda > 0.9)
		m->lambda = 0.9;
}

/* The samples the model is fitted on are independent of one another:
 * they are gathered on all cores. */
struct fit_job {
	const struct match_store *s;
	bool link, sessions;
	size_t want;
	const struct entry *e;
	size_t ne;
	struct session a, b;
	uint32_t *rpairs; /* random pairs */
	uint8_t *rlv;     /* and their levels */
	size_t nr;
	int rc[4];
};

/* Four tasks: half the random pairs, the birth-date session, the other
 * half, the name session; on two threads, each takes two. */
static void fit_part(void *ctx, int t, int nt)
{
	struct fit_job *j = ctx;
	for (int task = t; task < 4; task += nt) {
		if (task == 0)
			random_levels(j->s, j->rpairs, 0, j->nr / 2, j->rlv);
		else if (task == 2)
			random_levels(j->s, j->rpairs, j->nr / 2, j->nr, j->rlv);
		else if (task == 1 && j->sessions)
			j->rc[1] = session_levels(j->s, j->link, MATCH_KEY_DOB, j->want, j->e, j->ne, &j->a);
		else if (task == 3 && j->sessions)
			j->rc[3] = session_levels(j->s, j->link, MATCH_KEY_NAMES, j->want, j->e, j->ne, &j->b);
	}
}

/* m and lambda from the two sessions, as described above. */
static void fit_from_sessions(const struct match_store *s, struct match_model *m, bool link,
			      const struct session *a, const struct session *b, int rc_em[1])
{
	const struct match_schema *sc = match_store_schema(s);
	int dob = -1, given = -1, family = -1, ident = -1;
	for (int f = 0; f < sc->n; f++) {
		if (sc->kind[f] == MK_DOB && dob < 0)
			dob = f;
		if (sc->kind[f] == MK_GIVEN && given < 0)
			given = f;
		if (sc->kind[f] == MK_FAMILY && family < 0)
			family = f;
		if (sc->kind[f] == MK_IDENT && ident < 0)
			ident = f;
	}
	struct match_model ma = *m, mb = *m;
	for (int f = 0; f < MATCH_MAX_FIELDS; f++)
		ma.tf[f] = mb.tf[f] = NULL;
	bool rule_a[MATCH_MAX_FIELDS] = {false}, rule_b[MATCH_MAX_FIELDS] = {false};
	rule_a[given] = rule_a[family] = true;
	rule_b[dob] = true;
	start_from_rule(&ma, a, rule_a, ident);
	start_from_rule(&mb, b, rule_b, ident);
	/* Names, birth dates and identifiers decide; places and sex follow
	 * (sex goes with the given name, a postcode with its town). */
	bool evidence[MATCH_MAX_FIELDS];
	for (int f = 0; f < sc->n; f++)
		evidence[f] = sc->kind[f] == MK_GIVEN || sc->kind[f] == MK_FAMILY || sc->kind[f] == MK_DOB ||
			      sc->kind[f] == MK_IDENT;
	int rc;
	if ((rc = match_model_em(&ma, a->lv, a->n, 200, 1e-6, false, evidence)) < 0 ||
	    (rc = match_model_em(&mb, b->lv, b->n, 200, 1e-6, false, evidence)) < 0) {
		rc_em[0] = rc;
		return;
	}
	for (int f = 0; f < sc->n; f++) {
		int L = match_levels(sc->kind[f]);
		for (int l = 1; l < L; l++) {
			if (a->ignore[f])
				m->m[f][l] = mb.m[f][l];
			else if (b->ignore[f])
				m->m[f][l] = ma.m[f][l];
			else
				m->m[f][l] = (ma.m[f][l] * (double)a->n + mb.m[f][l] * (double)b->n) / (double)(a->n + b->n);
		}
	}
	/* Matching pairs in the file: those found through the birth-date key,
	 * over the share of matches whose dates agree enough to share it. */
	double reach = mb.m[dob][1] + mb.m[dob][2];
	double matches = ma.lambda * a->all_pairs / (reach > 0.05 ? reach : 0.05);
	double n = (double)match_store_count(s);
	double pairs = link ? n * n / 4 : n * (n - 1) / 2;
	double lambda = pairs > 0 ? matches / pairs : 0.5;
	if (lambda < 1 / (pairs + 1))
		lambda = 1 / (pairs + 1);
	if (lambda > 0.5)
		lambda = 0.5;
	m->lambda = lambda;
	m->prior_w = log2(lambda / (1 - lambda));
	for (int f = 0; f < sc->n; f++) {
		int L = match_levels(sc->kind[f]);
		double best = -1e9;
		for (int l = 1; l < L; l++) {
			m->w[f][l] = log2(m->m[f][l] / m->u[f][l]);
			if (l > 1 && m->w[f][l] > best)
				best = m->w[f][l];
		}
		if (L > 2 && m->w[f][1] < best)
			m->w[f][1] = best;
		/* A partial agreement never counts for more than exact agreement. */
		for (int l = 2; l < L; l++)
			if (m->w[f][l] > m->w[f][1])
				m->w[f][l] = m->w[f][1];
	}
	m->iterations = ma.iterations > mb.iterations ? ma.iterations : mb.iterations;
	m->pairs = a->n + b->n;
}

/* u from random pairs, then m and lambda from the sessions; when the
 * schema lacks birth dates or either name (or the sessions found too few
 * pairs), classic EM of m, u and lambda over candidate pairs. e: the
 * records' keys of types MATCH_KEY_DOB and MATCH_KEY_NAMES at least. */
static int fit_model(const struct match_store *s, const struct entry *e, size_t ne, struct match_model *m,
		     bool link, size_t want, int threads)
{
	const struct match_schema *sc = match_store_schema(s);
	if (!want)
		want = 300000;
	match_model_init(m, sc);
	bool has[MK_COUNT] = {false};
	for (int f = 0; f < sc->n; f++)
		has[sc->kind[f]] = true;
	struct fit_job *j = calloc(1, sizeof *j);
	if (!j)
		return ERR_NOMEM;
	*j = (struct fit_job){.s = s, .link = link, .want = want, .e = e, .ne = ne};
	j->sessions = has[MK_DOB] && has[MK_GIVEN] && has[MK_FAMILY];
	for (int f = 0; f < sc->n; f++) {
		j->a.ignore[f] = sc->kind[f] == MK_DOB || sc->kind[f] == MK_AGE;
		j->b.ignore[f] = sc->kind[f] == MK_GIVEN || sc->kind[f] == MK_FAMILY;
	}
	int rc = random_pairs(s, link, 300000, &j->rpairs, &j->nr);
	if (rc < 0)
		goto out;
	if (!(j->rlv = malloc((j->nr ? j->nr : 1) * (size_t)sc->n))) {
		rc = ERR_NOMEM;
		goto out;
	}
	run_parts(threads < 4 ? threads : 4, fit_part, j);
	rc = j->rc[1] < 0 ? j->rc[1] : j->rc[3];
	if (rc < 0)
		goto out;
	match_model_u(m, j->rlv, j->nr);
	bool done = false;
	if (j->sessions && j->a.n >= 50 && j->b.n >= 50) {
		int rc_em[1] = {0};
		fit_from_sessions(s, m, link, &j->a, &j->b, rc_em);
		if ((rc = rc_em[0]) < 0)
			goto out;
		done = true;
	}
	if (!done) {
		struct match_index *ix;
		uint8_t *lv = NULL;
		size_t nlv = 0;
		if ((rc = match_index_new(0, &ix)) < 0)
			goto out;
		if ((rc = match_index_build(ix, s)) == 0)
			rc = sample_levels(s, ix, link, want, &lv, &nlv);
		match_index_free(ix);
		if (rc < 0)
			goto out;
		match_model_init(m, sc);
		rc = match_model_em(m, lv, nlv, 200, 1e-6, true, NULL);
		free(lv);
		if (rc < 0)
			goto out;
	}
	rc = match_model_tf(m, s);
out:
	free(j->rpairs);
	free(j->rlv);
	free(j->a.lv);
	free(j->b.lv);
	free(j);
	return rc;
}

#define FIT_TYPES (UINT32_C(1) << MATCH_KEY_DOB | UINT32_C(1) << MATCH_KEY_NAMES)

int match_fit(const struct match_store *s, struct match_model *m, bool link, size_t want)
{
	struct entry *e;
	size_t ne;
	int threads = cores(0);
	int rc = sorted_keys(s, FIT_TYPES, threads, &e, &ne);
	if (rc < 0)
		return rc;
	rc = fit_model(s, e, ne, m, link, want, threads);
	free(e);
	return rc;
}

/* As a lookup: a key shared by more records is not followed. */
#define BATCH_CAP 64

/* ---- the hot copy: what most comparisons need, in one cache line ----
 *
 * Most candidate pairs are two different people, and most of them can be
 * told apart from a few numbers: the birth dates, whether each other field
 * is equal, names that cannot be alike by the letters they are made of,
 * identifiers that cannot be one or two typing errors apart by the digits
 * they hold. Each record gets a 64-byte copy of those. A pair whose weight
 * cannot reach the threshold by them is dropped without touching the
 * record itself; the fields still in doubt are compared for the rest, and
 * the pairs that reach it are scored in full (match_score_at_least), so
 * the result is the same as comparing every pair in full. */

#define HOT_FIELDS 6
#define HOT_SLACK 1e-6

struct hot_name {
	uint32_t off;  /* in the pool, interned: equal offsets, equal names */
	uint32_t phon; /* phonetic code, folded (the code itself: struct hot_codes) */
	uint32_t mask; /* letters present (bit c & 31 of each of the first 64 bytes) */
	uint16_t nick; /* nickname groups, folded to 16 bits */
	uint8_t len;   /* bytes, at most CMP_MAX_LEN */
	uint8_t first;
};

struct hot_field {
	uint16_t hash; /* of the value; 0 when missing */
	union {
		uint16_t bag; /* identifiers: how often each character class occurs (8 x 2 bits) */
		int8_t tf;    /* others: the term-frequency bonus, as in struct hot */
	};
};

struct hot {
	struct hot_name given, family;
	uint32_t dob;               /* YYYYMMDD, 0 unknown */
	uint8_t age;                /* age + 1, 0 unknown */
	int8_t tf_given, tf_family; /* term-frequency bonus in 1/16 bits, rounded up */
	uint8_t pad;
	struct hot_field f[HOT_FIELDS]; /* the other fields */
};

/* The phonetic codes of the names, needed only when two names are
 * compared in full. */
struct hot_codes {
	uint64_t given, family;
};

/* Which fields the hot copy holds and what they can weigh. */
struct hot_plan {
	int gi, fi, di, ai; /* first given, family, birth date, age; -1 none */
	bool names;         /* both names: compared as names, crosswise too */
	int nh, hf[HOT_FIELDS];
	bool ident[HOT_FIELDS];     /* levels by edit distance 1, 2, more */
	int order[HOT_FIELDS];      /* loosest bound first */
	double eq_w[HOT_FIELDS], ne_w[HOT_FIELDS]; /* the most a field weighs when equal, unequal */
	double far_w[HOT_FIELDS];   /* identifiers more than two edits apart */
	double near2_w[HOT_FIELDS]; /* identifiers at least two edits apart */
	double rest_w;              /* the most the fields the copy lacks can weigh */
	double names_w;             /* the most both names can weigh */
	double part_w[2];           /* the most a given, family name weighs when not equal */
	int given_differ, family_differ; /* the "different" levels */
};

static void hot_plan_make(const struct match_store *s, const struct match_model *m,
			  const double max_w[MATCH_MAX_FIELDS], struct hot_plan *p)
{
	const struct match_schema *sc = match_store_schema(s);
	memset(p, 0, sizeof *p);
	p->gi = p->fi = p->di = p->ai = -1;
	for (int f = 0; f < sc->n; f++) {
		if (sc->kind[f] == MK_GIVEN && p->gi < 0)
			p->gi = f;
		else if (sc->kind[f] == MK_FAMILY && p->fi < 0)
			p->fi = f;
		else if (sc->kind[f] == MK_DOB && p->di < 0)
			p->di = f;
		else if (sc->kind[f] == MK_AGE && p->ai < 0)
			p->ai = f;
	}
	p->names = p->gi >= 0 && p->fi >= 0;
	p->given_differ = match_levels(MK_GIVEN) - 1;
	p->family_differ = match_levels(MK_FAMILY) - 1;
	if (p->names) {
		p->names_w = max_w[p->gi] + max_w[p->fi];
		for (int x = 0; x < 2; x++) {
			int f = x ? p->fi : p->gi, L = match_levels(sc->kind[f]);
			p->part_w[x] = m->w[f][2];
			for (int l = 3; l < L; l++)
				p->part_w[x] = fmax(p->part_w[x], m->w[f][l]);
		}
	}
	for (int f = 0; f < sc->n; f++) {
		if (sc->kind[f] == MK_AGE || f == p->di || (p->names && (f == p->gi || f == p->fi)))
			continue;
		/* A second birth date falls back on the ages when missing: it
		 * is left to the full comparison. */
		if (sc->kind[f] == MK_DOB || p->nh == HOT_FIELDS) {
			p->rest_w += max_w[f];
			continue;
		}
		/* Equal values are level 1, unequal ones any other. */
		int k = p->nh++, L = match_levels(sc->kind[f]);
		p->hf[k] = f;
		p->eq_w[k] = max_w[f];
		p->ne_w[k] = L > 2 ? m->w[f][2] : max_w[f];
		for (int l = 3; l < L; l++)
			p->ne_w[k] = fmax(p->ne_w[k], m->w[f][l]);
		if (sc->kind[f] == MK_IDENT) {
			p->ident[k] = true;
			p->near2_w[k] = fmax(m->w[f][3], m->w[f][4]);
			p->far_w[k] = m->w[f][4];
		}
	}
	/* By how much a field's bound can overstate it when it differs. */
	double loose[HOT_FIELDS];
	for (int k = 0; k < p->nh; k++) {
		int f = p->hf[k];
		double low = p->ne_w[k];
		for (int l = 2; l < match_levels(sc->kind[f]); l++)
			low = fmin(low, m->w[f][l]);
		loose[k] = p->ne_w[k] - low;
		int x = k;
		while (x > 0 && loose[p->order[x - 1]] < loose[k]) {
			p->order[x] = p->order[x - 1];
			x--;
		}
		p->order[x] = k;
	}
}

static void hot_name_make(const char *v, uint32_t off, uint64_t phon, uint64_t nick, struct hot_name *h)
{
	memset(h, 0, sizeof *h);
	h->off = off;
	h->phon = (uint32_t)(phon ^ phon >> 32);
	/* Folded with or, so that names with a group in common still meet. */
	h->nick = (uint16_t)(nick | nick >> 16 | nick >> 32 | nick >> 48);
	size_t n = 0;
	for (; n < CMP_MAX_LEN && v[n]; n++)
		h->mask |= UINT32_C(1) << ((unsigned char)v[n] & 31);
	h->len = (uint8_t)n;
	h->first = (uint8_t)v[0];
}

static uint16_t hash16(const char *v)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *v; v++)
		h = (h ^ (unsigned char)*v) * 1099511628211ULL;
	uint16_t x = (uint16_t)(h >> 48);
	return x ? x : 1;
}

/* How often each class of characters (c & 7) occurs, up to 3. */
static uint16_t bag16(const char *v)
{
	unsigned c[8] = {0};
	for (size_t i = 0; i < CMP_MAX_LEN && v[i]; i++)
		c[(unsigned char)v[i] & 7]++;
	uint16_t bag = 0;
	for (int k = 0; k < 8; k++)
		bag |= (uint16_t)((c[k] < 3 ? c[k] : 3) << (2 * k));
	return bag;
}

/* A lower bound on the edit distance of two values from their bags: one
 * edit changes the counts by two at most, and capping them at 3 or merging
 * characters into classes only makes them closer. */
static int bag_edits(uint16_t a, uint16_t b)
{
	int d = 0;
	for (int k = 0; k < 16; k += 2) {
		int x = a >> k & 3, y = b >> k & 3;
		d += x > y ? x - y : y - x;
	}
	return (d + 1) / 2;
}

/* A term-frequency bonus (-3 to 5 bits) in 1/16 bits, never less. */
static int8_t tf16(double bits)
{
	return (int8_t)ceil(bits * 16);
}

struct hot_job {
	const struct match_store *s;
	const struct match_model *m;
	const struct hot_plan *p;
	struct hot *hot;
	struct hot_codes *codes;
};

static void hot_part(void *ctx, int t, int nt)
{
	struct hot_job *j = ctx;
	const struct hot_plan *p = j->p;
	size_t n = match_store_count(j->s);
	const char *pool = match_store_pool(j->s);
	for (size_t i = n * (size_t)t / (size_t)nt; i < n * (size_t)(t + 1) / (size_t)nt; i++) {
		const struct match_rec *r = match_store_rec(j->s, (uint32_t)i);
		struct hot *h = &j->hot[i];
		memset(h, 0, sizeof *h);
		if (p->names) {
			const char *g = pool + r->off[p->gi], *f = pool + r->off[p->fi];
			hot_name_make(g, r->off[p->gi], r->aux[p->gi], r->nick[0], &h->given);
			hot_name_make(f, r->off[p->fi], r->aux[p->fi], r->nick[1], &h->family);
			j->codes[i] = (struct hot_codes){r->aux[p->gi], r->aux[p->fi]};
			h->tf_given = *g && j->m->tf[p->gi] ? tf16(match_tf_adjust(j->m, p->gi, g)) : 0;
			h->tf_family = *f && j->m->tf[p->fi] ? tf16(match_tf_adjust(j->m, p->fi, f)) : 0;
		}
		if (p->di >= 0)
			h->dob = (uint32_t)r->aux[p->di];
		if (p->ai >= 0)
			h->age = (uint8_t)r->aux[p->ai];
		for (int k = 0; k < p->nh; k++) {
			const char *v = pool + r->off[p->hf[k]];
			if (!*v)
				continue;
			h->f[k].hash = hash16(v);
			if (p->ident[k])
				h->f[k].bag = bag16(v);
			else if (j->m->tf[p->hf[k]])
				h->f[k].tf = tf16(match_tf_adjust(j->m, p->hf[k], v));
		}
	}
}

static int hot_build(const struct match_store *s, const struct match_model *m, const struct hot_plan *p,
		     int threads, struct hot **ret, struct hot_codes **ret_codes)
{
	size_t n = match_store_count(s);
	struct hot *hot = aligned_alloc(64, (n ? n : 1) * sizeof *hot);
	struct hot_codes *codes = malloc((n ? n : 1) * sizeof *codes);
	if (!hot || !codes) {
		free(hot);
		free(codes);
		return ERR_NOMEM;
	}
	struct hot_job j = {s, m, p, hot, codes};
	run_parts(n < 10000 ? 1 : threads, hot_part, &j);
	*ret = hot;
	*ret_codes = codes;
	return 0;
}

static int popcount32(uint32_t x)
{
	x = x - (x >> 1 & 0x55555555u);
	x = (x & 0x33333333u) + (x >> 2 & 0x33333333u);
	return (int)(((x + (x >> 4)) & 0x0f0f0f0fu) * 0x01010101u >> 24);
}

/* true when two names cannot compare better than "different": not equal,
 * not sounding alike, no nickname group in common, no initial, not
 * compound, and too few letters in common for a Jaro-Winkler similarity of
 * 0.80. Matched characters are at most the letters of each name less those
 * the other name lacks. */
static bool names_differ(const struct hot_name *a, const struct hot_name *b, bool given)
{
	if (a->phon == b->phon || a->len <= 1 || b->len <= 1)
		return false;
	if (given ? (a->nick & b->nick) != 0 : ((a->mask | b->mask) & 1) != 0)
		return false;
	int la = a->len, lb = b->len;
	int ma = la - popcount32(a->mask & ~b->mask), mb = lb - popcount32(b->mask & ~a->mask);
	int mm = ma < mb ? ma : mb;
	if (mm <= 0)
		return true;
	/* Jaro is at most (mm/la + mm/lb + 1) / 3 = num / (3 la lb). With no
	 * first letter in common there is no prefix bonus, and it must stay
	 * under 0.80; with one, the bonus takes anything over 0.70 to 0.82,
	 * so it must stay at 0.70 or under. A hair's margin for rounding. */
	long num = (long)mm * (la + lb) + (long)la * lb, den = 3L * la * lb;
	return a->first == b->first ? num * 10000 < den * 6999 : num * 10000 < den * 7999;
}

/* The level of two names from their hot copies alone: 0 missing, 1 equal,
 * differ when plainly different, -1 when it takes the strings. */
static int name_level_quick(const struct hot_name *a, const struct hot_name *b, bool given, int differ)
{
	if (!a->off || !b->off)
		return 0;
	if (a->off == b->off)
		return 1;
	return names_differ(a, b, given) ? differ : -1;
}

/* The most a name can weigh at a level found by name_level_quick. */
static double name_bound(const struct match_model *m, const struct hot_plan *p, bool given, int level, int8_t tf)
{
	int f = given ? p->gi : p->fi;
	return level < 0 ? p->part_w[!given] : level == 0 ? 0 : m->w[f][level] + (level == 1 ? tf / 16.0 : 0);
}

/* The most a crossed reading of the names (a's given against b's family
 * and a's family against b's given) can weigh; -1e300 when it cannot
 * apply. Exact agreement is bounded with the largest term-frequency bonus,
 * the value weighed being a's own. */
static double crossed_bound(const struct match_model *m, const struct hot_plan *p, const double *max_w,
			    const struct hot_name *ag, const struct hot_name *af, const struct hot_name *bg,
			    const struct hot_name *bf)
{
	int g = name_level_quick(ag, bf, true, p->given_differ), f = name_level_quick(af, bg, false, p->family_differ);
	if (!g || !f || (g == p->given_differ && f == p->family_differ))
		return -1e300;
	double wg = g == 1 ? max_w[p->gi] : name_bound(m, p, true, g, 0);
	double wf = f == 1 ? max_w[p->fi] : name_bound(m, p, false, f, 0);
	return wg + wf;
}

/* The level of two names from their hot copies, as given names or family
 * names: from the copies alone when they are equal or plainly different,
 * else through the thread's memory of names compared (ca, cb: their
 * phonetic codes). */
static int name_level(const struct match_store *s, struct match_cache *c, const struct hot_name *a,
		      const struct hot_name *b, const uint64_t *ca, const uint64_t *cb, bool given, int differ)
{
	if (!a->off || !b->off)
		return 0;
	if (a->off == b->off)
		return 1;
	if (names_differ(a, b, given))
		return differ;
	int l = match_cache_get(c, !given, a->off, b->off);
	return l >= 0 ? l : match_name_level(s, c, !given, a->off, b->off, *ca, *cb, a->nick, b->nick);
}

/* The most field k weighs when its hashes are equal: exact agreement with
 * a's own bonus, or, should two values share a hash, any other level. */
static double eq_bound(const struct match_model *m, const struct hot_plan *p, int k, const struct hot_field *x)
{
	int f = p->hf[k];
	if (p->ident[k] || !m->tf[f])
		return p->eq_w[k];
	return fmax(m->w[f][1] + x->tf / 16.0, p->ne_w[k]);
}

struct hot_pair {
	const struct hot *a, *b;
	const struct hot_codes *ca, *cb;
	const struct match_rec *ra; /* a itself */
	uint32_t j;                 /* b's index */
	const double *max_w;        /* match_model_bounds */
};

/* Whether a pair can reach min_weight: false when it surely cannot. */
static bool hot_may_reach(const struct match_store *s, const struct match_model *m, const struct hot_plan *p,
			  const struct hot_pair *q, double min_weight, struct match_cache *cache)
{
	const struct hot *a = q->a, *b = q->b;
	double w = m->prior_w + p->rest_w;
	if (p->di >= 0) {
		int l = match_dob_level(s, a->dob, a->age, b->dob, b->age);
		if (l)
			w += m->w[p->di][l];
	}
	bool doubt[HOT_FIELDS];
	for (int k = 0; k < p->nh; k++) {
		doubt[k] = false;
		const struct hot_field *x = &a->f[k], *y = &b->f[k];
		if (!x->hash || !y->hash)
			continue;
		if (x->hash == y->hash) {
			w += eq_bound(m, p, k, x);
			doubt[k] = true;
		} else if (!p->ident[k]) {
			w += p->ne_w[k];
			doubt[k] = true;
		} else {
			int e = bag_edits(x->bag, y->bag);
			w += e > 2 ? p->far_w[k] : e == 2 ? p->near2_w[k] : p->ne_w[k];
			doubt[k] = e <= 2;
		}
	}
	if (p->names) {
		if (w + p->names_w < min_weight - HOT_SLACK)
			return false;
		int gd = p->given_differ, fd = p->family_differ;
		int qg = name_level_quick(&a->given, &b->given, true, gd);
		int qf = name_level_quick(&a->family, &b->family, false, fd);
		if (qg < 0 || qf < 0 || (qg > 1 && qf > 1)) {
			/* Before asking for the names' exact levels: can the pair
			 * reach the threshold even at the best they could be? */
			double nb = name_bound(m, p, true, qg, a->tf_given) + name_bound(m, p, false, qf, a->tf_family);
			if (qg != 1 && qf != 1 && qg != 0 && qf != 0) {
				nb = fmax(nb, crossed_bound(m, p, q->max_w, &a->given, &a->family, &b->given, &b->family));
				nb = fmax(nb, crossed_bound(m, p, q->max_w, &b->given, &b->family, &a->given, &a->family));
			}
			if (w + nb < min_weight - HOT_SLACK)
				return false;
		}
		const uint64_t *cag = &q->ca->given, *caf = &q->ca->family, *cbg = &q->cb->given, *cbf = &q->cb->family;
		int lg = name_level(s, cache, &a->given, &b->given, cag, cbg, true, gd);
		int lf = name_level(s, cache, &a->family, &b->family, caf, cbf, false, fd);
		if (lg > 1 && lf > 1) {
			/* One record has its names the other way round, as in
			 * match_compare_names: each reading tried, the better kept. */
			int g1 = name_level(s, cache, &a->given, &b->family, cag, cbf, true, gd);
			int f1 = name_level(s, cache, &a->family, &b->given, caf, cbg, false, fd);
			int g2 = name_level(s, cache, &b->given, &a->family, cbg, caf, true, gd);
			int f2 = name_level(s, cache, &b->family, &a->given, cbf, cag, false, fd);
			int bg = lg, bf = lf;
			if (g1 && f1 && g1 + f1 < bg + bf) {
				bg = g1;
				bf = f1;
			}
			if (g2 && f2 && g2 + f2 < bg + bf) {
				bg = g2;
				bf = f2;
			}
			lg = bg;
			lf = bf;
		}
		if (lg)
			w += m->w[p->gi][lg] + (lg == 1 ? a->tf_given / 16.0 : 0);
		if (lf)
			w += m->w[p->fi][lf] + (lf == 1 ? a->tf_family / 16.0 : 0);
	}
	if (w < min_weight - HOT_SLACK)
		return false;
	/* Within reach by the bounds: the fields in doubt by their own
	 * levels, those that differ first (their bounds are the loosest). */
	const char *pool = match_store_pool(s);
	const struct match_rec *rb = match_store_rec(s, q->j);
	for (int pass = 0; pass < 2; pass++)
		for (int x = 0; x < p->nh; x++) {
			int k = p->order[x];
			if (!doubt[k] || (a->f[k].hash == b->f[k].hash) != (pass == 1))
				continue;
			int f = p->hf[k], l = match_field_level(s, q->ra, pool, rb, pool, f);
			double fw = l ? m->w[f][l] : 0;
			if (l == 1 && m->tf[f])
				fw += match_tf_adjust(m, f, pool + q->ra->off[f]);
			double bound = pass ? eq_bound(m, p, k, &a->f[k]) : p->ne_w[k];
			if (p->ident[k] && !pass && bag_edits(a->f[k].bag, b->f[k].bag) == 2)
				bound = p->near2_w[k];
			w += fw - bound;
			if (w < min_weight - HOT_SLACK)
				return false;
		}
	return true;
}

struct worker {
	const struct match_store *s;
	const struct blocks *b;
	const struct hot *hot;
	const struct hot_codes *codes;
	const struct hot_plan *plan;
	const struct match_model *m;
	const struct match_batch_opts *o;
	double min_weight;
	size_t *next; /* shared cursor, by chunks */
	pthread_mutex_t *lock;
	struct bar *bar;
	struct match_pair *pairs;
	size_t npairs, cap, candidates;
	int rc;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	const struct match_store *s = w->s;
	const struct blocks *bl = w->b;
	size_t n = match_store_count(s), chunk = 1024;
	const char *pool = match_store_pool(s);
	uint32_t *cand = malloc(MAX_CAND * sizeof *cand);
	/* Candidates already taken for this record, one bit each: small
	 * enough to stay in the core's cache. */
	uint64_t *seen = calloc(n / 64 + 1, sizeof *seen);
	struct match_cache *cache = match_cache_new();
	double max_w[MATCH_MAX_FIELDS];
	match_model_bounds(w->m, max_w);
	if (!cand || !seen || !cache) {
		free(cand);
		free(seen);
		match_cache_free(cache);
		w->rc = ERR_NOMEM;
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(w->lock);
		size_t start = *w->next;
		*w->next += chunk;
		bar_draw(w->bar, start < n ? start : n, n, false);
		pthread_mutex_unlock(w->lock);
		if (start >= n)
			break;
		size_t end = start + chunk < n ? start + chunk : n;
		for (size_t i = start; i < end; i++) {
			const struct match_rec *a = match_store_rec(s, (uint32_t)i);
			if (w->o->link && a->source != 0)
				continue;
			size_t nc = 0;
			for (uint32_t sp = bl->span_at[i]; sp < bl->span_at[i + 1]; sp++) {
				const uint32_t *p = bl->member + bl->span[sp].from, *e = bl->member + bl->span[sp].to;
				for (; p < e && nc < MAX_CAND; p++) {
					uint32_t j = *p;
					uint64_t bit = UINT64_C(1) << (j & 63);
					if (seen[j >> 6] & bit)
						continue;
					seen[j >> 6] |= bit;
					cand[nc++] = j;
					/* Candidates are scattered over the store: their hot
					 * copies are asked for now, to be there when compared. */
					__builtin_prefetch(&w->hot[j]);
				}
			}
			for (size_t k = 0; k < nc; k++)
				seen[cand[k] >> 6] = 0;
			const struct hot *ha = &w->hot[i];
			for (size_t k = 0; k < nc; k++) {
				uint32_t j = cand[k];
				if (!wanted(s, w->o->link, (uint32_t)i, j))
					continue;
				w->candidates++;
				struct hot_pair q = {ha, &w->hot[j], &w->codes[i], &w->codes[j], a, j, max_w};
				if (!hot_may_reach(s, w->m, w->plan, &q, w->min_weight, cache))
					continue;
				uint8_t lv[MATCH_MAX_FIELDS];
				double weight;
				if (!match_score_at_least(w->m, max_w, s, a, pool, match_store_rec(s, j), pool, w->min_weight,
							  lv, &weight, cache))
					continue;
				if (w->npairs == w->cap) {
					size_t c = w->cap ? w->cap * 2 : 4096;
					struct match_pair *p = realloc(w->pairs, c * sizeof *p);
					if (!p) {
						w->rc = ERR_NOMEM;
						break;
					}
					w->pairs = p;
					w->cap = c;
				}
				w->pairs[w->npairs++] = (struct match_pair){(uint32_t)i, j, (float)match_probability(weight)};
			}
		}
	}
	free(cand);
	free(seen);
	match_cache_free(cache);
	return NULL;
}

static int pair_cmp(const void *x, const void *y)
{
	const struct match_pair *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return (a->b > b->b) - (a->b < b->b);
}

int match_batch(struct match_store *s, struct match_model *m, const struct match_batch_opts *o,
		struct match_batch_result *ret)
{
	memset(ret, 0, sizeof *ret);
	size_t n = match_store_count(s);
	int threads = cores(o->threads);
	struct bar bar = {.on = o->progress, .what = "indexing"};
	struct blocks bl = {0};
	struct hot *hot = NULL;
	struct hot_codes *codes = NULL;
	struct entry *e = NULL;
	size_t ne;
	int64_t t0 = clock_mono_us();
	bar_draw(&bar, 0, 1, false);
	int rc = sorted_keys(s, MATCH_BATCH_KEYS | FIT_TYPES, threads, &e, &ne);
	if (rc < 0)
		return rc;
	if ((rc = build_blocks(e, ne, n, MATCH_BATCH_KEYS, BATCH_CAP, o->link, &bl)) < 0)
		goto out;
	bar_draw(&bar, 1, 1, true);
	ret->seconds_index = seconds_since(t0);

	t0 = clock_mono_us();
	bar.what = "fitting";
	bar_draw(&bar, 0, 1, false);
	rc = fit_model(s, e, ne, m, o->link, o->em_pairs, threads);
	free(e);
	e = NULL;
	if (rc < 0)
		goto out;
	bar_draw(&bar, 1, 1, true);
	ret->seconds_fit = seconds_since(t0);

	t0 = clock_mono_us();
	bar.what = "comparing";
	double max_w[MATCH_MAX_FIELDS];
	struct hot_plan plan;
	match_model_bounds(m, max_w);
	hot_plan_make(s, m, max_w, &plan);
	if ((rc = hot_build(s, m, &plan, threads, &hot, &codes)) < 0)
		goto out;
	double thr = o->threshold > 0 && o->threshold < 1 ? o->threshold : MATCH_LINK;
	struct worker w[64];
	pthread_t tid[64];
	size_t next = 0;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	for (int t = 0; t < threads; t++) {
		w[t] = (struct worker){.s = s, .b = &bl, .hot = hot, .codes = codes, .plan = &plan, .m = m, .o = o, .next = &next, .lock = &lock, .bar = &bar};
		w[t].min_weight = log2(thr / (1 - thr));
		pthread_create(&tid[t], NULL, work, &w[t]);
	}
	size_t total = 0;
	for (int t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		total += w[t].npairs;
		ret->candidates += w[t].candidates;
		if (w[t].rc < 0)
			rc = w[t].rc;
	}
	bar_draw(&bar, n, n, true);
	if (rc == 0 && !(ret->pairs = malloc((total ? total : 1) * sizeof *ret->pairs)))
		rc = ERR_NOMEM;
	for (int t = 0; t < threads; t++) {
		if (rc == 0 && w[t].npairs) {
			memcpy(ret->pairs + ret->npairs, w[t].pairs, w[t].npairs * sizeof *ret->pairs);
			ret->npairs += w[t].npairs;
		}
		free(w[t].pairs);
	}
	if (rc == 0)
		qsort(ret->pairs, ret->npairs, sizeof *ret->pairs, pair_cmp);
	ret->seconds_score = seconds_since(t0);
out:
	free(e);
	free(hot);
	free(codes);
	blocks_done(&bl);
	return rc;
}

static uint32_t find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

void match_clusters(size_t n, const struct match_pair *pairs, size_t npairs, uint32_t *cluster)
{
	for (size_t i = 0; i < n; i++)
		cluster[i] = (uint32_t)i;
	for (size_t p = 0; p < npairs; p++) {
		uint32_t a = find(cluster, pairs[p].a), b = find(cluster, pairs[p].b);
		if (a != b) {
			if (a < b)
				cluster[b] = a;
			else
				cluster[a] = b;
		}
	}
	for (size_t i = 0; i < n; i++)
		cluster[i] = find(cluster, (uint32_t)i);
}
