/* Batch deduplication and linkage over a whole store, on all cores: the
 * run from keys to scored pairs, and the clusters the pairs make. The parts
 * are in match/batch/. */
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

static double seconds_since(int64_t t0)
{
	return (double)(clock_mono_us() - t0) / 1e6;
}


void batch_bar_draw(struct bar *b, size_t done, size_t total, bool final)
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

bool batch_wanted(const struct match_store *s, bool link, uint32_t i, uint32_t j)
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
void batch_run_parts(int nt, void (*fn)(void *ctx, int t, int nt), void *ctx)
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

int batch_cores(int wanted)
{
	long n = wanted > 0 ? wanted : sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int match_batch(struct match_store *s, struct match_model *m, const struct match_batch_opts *o,
		struct match_batch_result *ret)
{
	memset(ret, 0, sizeof *ret);
	size_t n = match_store_count(s);
	int threads = batch_cores(o->threads);
	struct bar bar = {.on = o->progress, .what = "indexing"};
	struct blocks bl = {0};
	struct entry *e = NULL;
	size_t ne;
	int64_t t0 = clock_mono_us();
	batch_bar_draw(&bar, 0, 1, false);
	int rc = batch_sorted_keys(s, MATCH_BATCH_KEYS | FIT_TYPES, threads, &e, &ne);
	if (rc < 0)
		return rc;
	if ((rc = batch_build_blocks(e, ne, n, MATCH_BATCH_KEYS, BATCH_CAP, o->link, &bl)) < 0)
		goto out;
	batch_bar_draw(&bar, 1, 1, true);
	ret->seconds_index = seconds_since(t0);

	t0 = clock_mono_us();
	bar.what = "fitting";
	batch_bar_draw(&bar, 0, 1, false);
	rc = batch_fit_model(s, e, ne, m, o->link, o->em_pairs, threads);
	free(e);
	e = NULL;
	if (rc < 0)
		goto out;
	batch_bar_draw(&bar, 1, 1, true);
	ret->seconds_fit = seconds_since(t0);

	t0 = clock_mono_us();
	bar.what = "comparing";
	rc = batch_score(s, m, o, &bl, threads, &bar, ret);
	ret->seconds_score = seconds_since(t0);
out:
	free(e);
	batch_blocks_done(&bl);
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
