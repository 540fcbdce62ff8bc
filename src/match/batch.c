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

/* Levels of random pairs, for u. */
static int random_levels(const struct match_store *s, bool link, size_t want, uint8_t **ret, size_t *ret_n)
{
	size_t n = match_store_count(s), nf = (size_t)match_store_schema(s)->n;
	uint8_t *lv = malloc(want * nf);
	if (!lv)
		return ERR_NOMEM;
	const char *pool = match_store_pool(s);
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
		match_compare(s, a, pool, b, pool, lv + got * nf);
		got++;
	}
	*ret = lv;
	*ret_n = got;
	return 0;
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

static int keyed_cmp(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->rec > b->rec) - (a->rec < b->rec);
}

struct session {
	uint8_t *lv;
	size_t n;          /* sampled pairs */
	double all_pairs;  /* pairs sharing a key of this type, in all */
	bool ignore[MATCH_MAX_FIELDS];
};

static int session_levels(const struct match_store *s, bool link, int type, size_t want, struct session *ret)
{
	size_t n = match_store_count(s), nf = (size_t)match_store_schema(s)->n;
	const char *pool = match_store_pool(s);
	struct keyed *k = malloc((n ? n : 1) * sizeof *k);
	if (!k)
		return ERR_NOMEM;
	size_t nk = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct match_rec *r = match_store_rec(s, i);
		if (r->dead)
			continue;
		uint64_t keys[MATCH_MAX_KEYS];
		uint8_t types[MATCH_MAX_KEYS];
		size_t m = match_keys_typed(s, r, pool, keys, types);
		for (size_t j = 0; j < m; j++)
			if (types[j] == type) {
				k[nk++] = (struct keyed){keys[j], i};
				break;
			}
	}
	qsort(k, nk, sizeof *k, keyed_cmp);
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

struct session_job {
	const struct match_store *s;
	bool link;
	int type;
	size_t want;
	struct session *out;
	int rc;
};

static void *session_thread(void *arg)
{
	struct session_job *j = arg;
	j->rc = session_levels(j->s, j->link, j->type, j->want, j->out);
	return NULL;
}

/* m and lambda as described above; false when the schema has neither
 * birth dates nor both names, and EM must fit u too. */
static int fit_by_sessions(const struct match_store *s, struct match_model *m, bool link, size_t want,
			   bool *ret_done)
{
	const struct match_schema *sc = match_store_schema(s);
	int dob = -1, given = -1, family = -1;
	for (int f = 0; f < sc->n; f++) {
		if (sc->kind[f] == MK_DOB && dob < 0)
			dob = f;
		if (sc->kind[f] == MK_GIVEN && given < 0)
			given = f;
		if (sc->kind[f] == MK_FAMILY && family < 0)
			family = f;
	}
	*ret_done = false;
	if (dob < 0 || given < 0 || family < 0)
		return 0;
	struct session a = {0}, b = {0};
	for (int f = 0; f < sc->n; f++) {
		a.ignore[f] = sc->kind[f] == MK_DOB || sc->kind[f] == MK_AGE;
		b.ignore[f] = sc->kind[f] == MK_GIVEN || sc->kind[f] == MK_FAMILY;
	}
	/* The two samples are independent: gather them on two threads. */
	struct session_job job = {s, link, MATCH_KEY_DOB, want, &a, 0};
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, session_thread, &job) == 0;
	if (!threaded)
		session_thread(&job);
	int rc = session_levels(s, link, MATCH_KEY_NAMES, want, &b);
	if (threaded)
		pthread_join(t, NULL);
	if (rc == 0)
		rc = job.rc;
	if (rc < 0 || a.n < 50 || b.n < 50)
		goto out;
	struct match_model ma = *m, mb = *m;
	for (int f = 0; f < MATCH_MAX_FIELDS; f++)
		ma.tf[f] = mb.tf[f] = NULL;
	int ident = -1;
	bool rule_a[MATCH_MAX_FIELDS] = {false}, rule_b[MATCH_MAX_FIELDS] = {false};
	for (int f = 0; f < sc->n; f++)
		if (sc->kind[f] == MK_IDENT && ident < 0)
			ident = f;
	rule_a[given] = rule_a[family] = true;
	rule_b[dob] = true;
	start_from_rule(&ma, &a, rule_a, ident);
	start_from_rule(&mb, &b, rule_b, ident);
	/* Names, birth dates and identifiers decide; places and sex follow
	 * (sex goes with the given name, a postcode with its town). */
	bool evidence[MATCH_MAX_FIELDS];
	for (int f = 0; f < sc->n; f++)
		evidence[f] = sc->kind[f] == MK_GIVEN || sc->kind[f] == MK_FAMILY || sc->kind[f] == MK_DOB ||
			      sc->kind[f] == MK_IDENT;
	if ((rc = match_model_em(&ma, a.lv, a.n, 200, 1e-6, false, evidence)) < 0 ||
	    (rc = match_model_em(&mb, b.lv, b.n, 200, 1e-6, false, evidence)) < 0)
		goto out;
	for (int f = 0; f < sc->n; f++) {
		int L = match_levels(sc->kind[f]);
		for (int l = 1; l < L; l++) {
			if (a.ignore[f])
				m->m[f][l] = mb.m[f][l];
			else if (b.ignore[f])
				m->m[f][l] = ma.m[f][l];
			else
				m->m[f][l] = (ma.m[f][l] * (double)a.n + mb.m[f][l] * (double)b.n) / (double)(a.n + b.n);
		}
	}
	/* Matching pairs in the file: those found through the birth-date key,
	 * over the share of matches whose dates agree enough to share it. */
	double reach = mb.m[dob][1] + mb.m[dob][2];
	double matches = ma.lambda * a.all_pairs / (reach > 0.05 ? reach : 0.05);
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
	m->pairs = a.n + b.n;
	*ret_done = true;
out:
	free(a.lv);
	free(b.lv);
	return rc;
}

static int match_fit_indexed(const struct match_store *s, const struct match_index *ix, struct match_model *m,
			     bool link, size_t want)
{
	if (!want)
		want = 300000;
	match_model_init(m, match_store_schema(s));
	uint8_t *rlv;
	size_t nr;
	int rc = random_levels(s, link, 300000, &rlv, &nr);
	if (rc < 0)
		return rc;
	match_model_u(m, rlv, nr);
	free(rlv);
	bool done;
	if ((rc = fit_by_sessions(s, m, link, want, &done)) < 0)
		return rc;
	if (!done) {
		/* No dates or names to condition on: classic EM of m, u and
		 * lambda over candidate pairs. */
		uint8_t *lv;
		size_t nlv;
		if (!ix)
			return ERR_INVAL;
		if ((rc = sample_levels(s, ix, link, want, &lv, &nlv)) < 0)
			return rc;
		match_model_init(m, match_store_schema(s));
		rc = match_model_em(m, lv, nlv, 200, 1e-6, true, NULL);
		free(lv);
		if (rc < 0)
			return rc;
	}
	return match_model_tf(m, s);
}

int match_fit(const struct match_store *s, struct match_model *m, bool link, size_t want)
{
	struct match_index *ix;
	int rc = match_index_new(0, &ix);
	if (rc < 0)
		return rc;
	if ((rc = match_index_build(ix, s)) == 0)
		rc = match_fit_indexed(s, ix, m, link, want);
	match_index_free(ix);
	return rc;
}

struct worker {
	const struct match_store *s;
	const struct match_index *ix;
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
	size_t n = match_store_count(s), chunk = 1024;
	const char *pool = match_store_pool(s);
	uint32_t *cand = malloc(MAX_CAND * sizeof *cand);
	uint32_t *seen = malloc((n ? n : 1) * sizeof *seen);
	struct match_cache *cache = match_cache_new();
	int nf = match_store_schema(s)->n;
	double max_w[MATCH_MAX_FIELDS];
	match_model_bounds(w->m, max_w);
	if (!cand || !seen || !cache) {
		free(cand);
		free(seen);
		match_cache_free(cache);
		w->rc = ERR_NOMEM;
		return NULL;
	}
	memset(seen, 0xff, (n ? n : 1) * sizeof *seen);
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
			if (a->dead || (w->o->link && a->source != 0))
				continue;
			size_t nc = match_candidates_batch(w->ix, s, (uint32_t)i, w->o->link, seen, cand, MAX_CAND);
			for (size_t k = 0; k < nc; k++) {
				uint32_t j = cand[k];
				/* Candidates are scattered over the store: ask for the
				 * ones a few steps ahead while this one is compared. */
				if (k + 4 < nc) {
					const char *ahead = (const char *)match_store_rec(s, cand[k + 4]);
					for (size_t line = 0; line < sizeof(struct match_rec); line += 64)
						__builtin_prefetch(ahead + line);
				}
				if (k + 2 < nc) {
					const struct match_rec *near = match_store_rec(s, cand[k + 2]);
					for (int f = 0; f < nf; f++)
						if (near->off[f])
							__builtin_prefetch(pool + near->off[f]);
				}
				if (!wanted(s, w->o->link, (uint32_t)i, j))
					continue;
				uint8_t lv[MATCH_MAX_FIELDS];
				double weight;
				w->candidates++;
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
	struct bar bar = {.on = o->progress, .what = "indexing"};
	int64_t t0 = clock_mono_us();
	struct match_index *ix;
	int rc = match_index_new(0, &ix);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		if ((rc = match_index_add(ix, s, i)) < 0)
			goto out;
		if ((i & 0xffff) == 0)
			bar_draw(&bar, i, n, false);
	}
	bar_draw(&bar, n, n, true);
	ret->seconds_index = seconds_since(t0);

	t0 = clock_mono_us();
	bar.what = "fitting";
	bar_draw(&bar, 0, 1, false);
	if ((rc = match_fit_indexed(s, ix, m, o->link, o->em_pairs)) < 0 || (rc = match_index_freeze(ix)) < 0)
		goto out;
	bar_draw(&bar, 1, 1, true);
	ret->seconds_fit = seconds_since(t0);

	t0 = clock_mono_us();
	bar.what = "comparing";
	double thr = o->threshold > 0 && o->threshold < 1 ? o->threshold : MATCH_LINK;
	int threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	struct worker w[64];
	pthread_t tid[64];
	size_t next = 0;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	for (int t = 0; t < threads; t++) {
		w[t] = (struct worker){.s = s, .ix = ix, .m = m, .o = o, .next = &next, .lock = &lock, .bar = &bar};
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
	match_index_free(ix);
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
