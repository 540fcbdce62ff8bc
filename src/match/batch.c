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
	if (!cand) {
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
			if (a->dead || (w->o->link && a->source != 0))
				continue;
			size_t nc = match_candidates(w->ix, s, a, pool, cand, MAX_CAND);
			for (size_t k = 0; k < nc; k++) {
				uint32_t j = cand[k];
				if (!wanted(s, w->o->link, (uint32_t)i, j))
					continue;
				uint8_t lv[MATCH_MAX_FIELDS];
				match_compare(s, a, pool, match_store_rec(s, j), pool, lv);
				double weight = match_weight(w->m, s, a, pool, lv, NULL);
				w->candidates++;
				if (weight < w->min_weight)
					continue;
				if (w->npairs == w->cap) {
					size_t c = w->cap ? w->cap * 2 : 4096;
					struct match_pair *p = realloc(w->pairs, c * sizeof *p);
					if (!p) {
						w->rc = ERR_NOMEM;
						free(cand);
						return NULL;
					}
					w->pairs = p;
					w->cap = c;
				}
				w->pairs[w->npairs++] = (struct match_pair){(uint32_t)i, j, (float)match_probability(weight)};
			}
		}
	}
	free(cand);
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
	uint8_t *lv;
	size_t nlv;
	if ((rc = sample_levels(s, ix, o->link, o->em_pairs ? o->em_pairs : 300000, &lv, &nlv)) < 0)
		goto out;
	match_model_init(m, match_store_schema(s));
	rc = match_model_em(m, lv, nlv, 200, 1e-6);
	free(lv);
	if (rc < 0 || (rc = match_model_tf(m, s)) < 0)
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
		if (rc == 0) {
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
