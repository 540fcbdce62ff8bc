/* batch_int: what the parts of the batch run share, and nothing outside
 * them needs. batch.c runs it (match_batch, match_clusters) and holds the
 * threads and the progress bar; blocks.c computes the blocking keys and
 * the blocks that give candidate pairs; fit.c fits the model without
 * labels; score.c compares the candidate pairs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match/match.h"

#define MAX_CAND 2048
/* As a lookup: a key shared by more records is not followed. */
#define BATCH_CAP 64
/* The key types the model is fitted on. */
#define FIT_TYPES (UINT32_C(1) << MATCH_KEY_DOB | UINT32_C(1) << MATCH_KEY_NAMES)

/* A progress bar on stderr, redrawn at most every 1/10 s. */
struct bar {
	bool on;
	const char *what;
	int64_t last;
};

/* One blocking key of one record. */
struct entry {
	uint64_t key;
	uint32_t rec;
	uint8_t type;
	uint8_t first; /* the record's first key of this type */
};

struct span {
	uint32_t from, to;
};

struct blocks {
	uint32_t *member;
	struct span *span;
	uint32_t *span_at; /* n + 1 */
};

/* ---- batch.c ---- */

void batch_bar_draw(struct bar *b, size_t done, size_t total, bool final);
/* Is (i, j) a pair to compare: in deduplication each pair once, in
 * linkage a record of source 0 with one of source 1? */
bool batch_wanted(const struct match_store *s, bool link, uint32_t i, uint32_t j);
/* fn(ctx, t, nt) for t = 0..nt-1, each on its own thread (the caller's
 * for t = 0); a thread that cannot be started runs on the caller's. */
void batch_run_parts(int nt, void (*fn)(void *ctx, int t, int nt), void *ctx);
/* The threads to use: wanted, or one per core when 0. */
int batch_cores(int wanted);

/* ---- blocks.c ---- */

/* The keys of the given types (a bit per type) of every live record,
 * sorted by key. *ret is the caller's to free. */
int batch_sorted_keys(const struct match_store *s, uint32_t types, int threads, struct entry **ret, size_t *ret_n);
void batch_blocks_done(struct blocks *b);
int batch_build_blocks(const struct entry *e, size_t ne, size_t n, uint32_t types, size_t cap, bool link,
		       struct blocks *ret);
/* Compare candidate pairs of a sample of records until enough pairs are
 * gathered to fit the model. */
int batch_sample_levels(const struct match_store *s, const struct match_index *ix, bool link, size_t want,
			uint8_t **ret, size_t *ret_n);
/* Random pairs, for u: the pairs first (one sequence of random numbers),
 * their levels then on as many threads as there are parts. */
int batch_random_pairs(const struct match_store *s, bool link, size_t want, uint32_t **ret, size_t *ret_n);
void batch_random_levels(const struct match_store *s, const uint32_t *pairs, size_t from, size_t to, uint8_t *lv);

/* ---- fit.c ---- */

/* u from random pairs, then m and lambda from the sessions; when the
 * schema lacks birth dates or either name (or the sessions found too few
 * pairs), classic EM of m, u and lambda over candidate pairs. e: the
 * records' keys of types MATCH_KEY_DOB and MATCH_KEY_NAMES at least. */
int batch_fit_model(const struct match_store *s, const struct entry *e, size_t ne, struct match_model *m,
		    bool link, size_t want, int threads);

/* ---- score.c ---- */

/* Compare every candidate pair of the blocks on `threads` threads, and
 * set ret's pairs (sorted) and candidates. */
int batch_score(const struct match_store *s, const struct match_model *m, const struct match_batch_opts *o,
		const struct blocks *bl, int threads, struct bar *bar, struct match_batch_result *ret);
