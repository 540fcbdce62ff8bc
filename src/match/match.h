/* match: identity resolution. Is this child already known?
 *
 * A store holds prepared records (normalised fields, phonetic codes,
 * parsed dates) under a schema of typed fields. Two records compare field
 * by field into comparison levels ("given name: nickname", "birth date: day
 * and month swapped"); a Fellegi-Sunter model turns the levels into a match
 * weight and a probability. The model's m and u probabilities are
 * estimated from the data by expectation maximisation, without labels, and
 * exact agreement on a rare value counts for more than on a common one
 * (term frequencies). Blocking keys find the candidates worth comparing.
 *
 *   struct match_store *s;   match_store_new(&schema, &s);
 *   match_store_add(s, "rec-1", values);   ...
 *   struct match_model m;    match_model_fit(s, &m, NULL);
 *   struct match_index *ix;  match_index_build(s, &ix);
 *   match_lookup(s, ix, &m, &query, 10, results, &n);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match/cmp.h"

#define MATCH_MAX_FIELDS 16
#define MATCH_MAX_LEVELS 10

enum match_kind {
	MK_GIVEN,
	MK_FAMILY,
	MK_DOB,
	MK_AGE, /* not compared on its own: stands in for a missing birth date */
	MK_SEX,
	MK_TOWN,
	MK_POSTCODE,
	MK_ADDRESS,
	MK_IDENT,
	MK_OTHER,
	MK_COUNT
};

/* "given", "family", ...; parse is the reverse (ERR_INVAL when unknown). */
const char *match_kind_name(enum match_kind k);
int match_kind_parse(const char *s, enum match_kind *ret);

struct match_model;
struct match_cache;

struct match_schema {
	int n;
	enum match_kind kind[MATCH_MAX_FIELDS];
	char label[MATCH_MAX_FIELDS][32];  /* for explanations: "given name" */
	char format[MATCH_MAX_FIELDS][16]; /* dates: "%Y%m%d" (default "%Y-%m-%d") */
	struct cmp_date as_of;             /* ages are ages on this date */
};

/* Add a field; ERR_TOOBIG past MATCH_MAX_FIELDS. format may be NULL. */
int match_schema_add(struct match_schema *s, enum match_kind kind, const char *label, const char *format);

/* ---- the store ---- */

/* A prepared record. off points at the record's own offsets: off_ in a
 * record of match_prepare, and in the store's records just after
 * aux[schema.n - 1], for the store keeps its records cut short after the
 * schema's fields (only aux[0 .. schema.n - 1] and as many offsets). So a
 * record is never copied whole, and its fields past the schema's are
 * never read. */
struct match_rec {
	uint64_t nick[2];               /* nickname groups of the first given and family name, as bits */
	uint32_t id_off;                /* external id in the pool */
	uint8_t source;                 /* which file (linking), 0 or 1 */
	bool dead;                      /* replaced by a newer version */
	uint32_t *off;                  /* normalised value in the pool, by field; 0 = missing */
	uint64_t aux[MATCH_MAX_FIELDS]; /* phonetic code, packed date, or age */
	uint32_t off_[MATCH_MAX_FIELDS];
};

struct match_store;

int match_store_new(const struct match_schema *schema, struct match_store **ret);
void match_store_free(struct match_store *s);
const struct match_schema *match_store_schema(const struct match_store *s);
size_t match_store_count(const struct match_store *s);
const struct match_rec *match_store_rec(const struct match_store *s, uint32_t i);
const char *match_store_id(const struct match_store *s, uint32_t i);
/* The pool that the store's records' offsets point into. */
const char *match_store_pool(const struct match_store *s);
/* A field's normalised value ("" when missing). */
const char *match_store_value(const struct match_store *s, uint32_t i, int field);

/* Prepare and add a record of schema.n raw values (NULL or "" missing).
 * ret_index may be NULL. Values that do not parse (a date that is no
 * date) count as missing; ret_bad (may be NULL) names the first such field. */
int match_store_add(struct match_store *s, const char *id, const char *const *values, uint8_t source,
		    uint32_t *ret_index, int *ret_bad);
/* Make room for n records in all (a load that knows how many are
 * coming grows the store once). */
int match_store_reserve(struct match_store *s, size_t n);
/* Bytes the store holds (records, pool, interned values), allocated. */
size_t match_store_bytes(const struct match_store *s);
/* Mark a record replaced (the index skips it). */
void match_store_kill(struct match_store *s, uint32_t i);

/* Prepare a record without adding it (a query). */
int match_prepare(struct match_store *s, const char *const *values, struct match_rec *ret, char *pool,
		  size_t poolsize);

/* ---- comparing ---- */

/* The comparison level of each field (0 = missing on either side). a and
 * b may come from match_prepare with their own pools (pa, pb). */
void match_compare(const struct match_store *s, const struct match_rec *a, const char *pa,
		   const struct match_rec *b, const char *pb, uint8_t levels[MATCH_MAX_FIELDS]);
int match_levels(enum match_kind k);
/* Only the given and family names (written either way round). */
void match_compare_names(const struct match_store *s, const struct match_rec *a, const char *pa,
			 const struct match_rec *b, const char *pb, uint8_t levels[MATCH_MAX_FIELDS]);
/* The term-frequency bonus of exact agreement on value v of field f. */
double match_tf_adjust(const struct match_model *m, int f, const char *v);

/* Compare and score together, stopping as soon as the weight cannot reach
 * min_weight: cheap, decisive fields first (dates, identifiers), names next,
 * places last. true with *ret_weight and levels filled when it reaches it.
 * max_w: each field's largest possible weight (match_model_bounds). */
bool match_score_at_least(const struct match_model *m, const double max_w[MATCH_MAX_FIELDS],
			  const struct match_store *s, const struct match_rec *a, const char *pa,
			  const struct match_rec *b, const char *pb, double min_weight,
			  uint8_t levels[MATCH_MAX_FIELDS], double *ret_weight, struct match_cache *cache);

/* The level of field f, of any kind but names (match_compare_names). */
int match_field_level(const struct match_store *s, const struct match_rec *a, const char *pa,
		      const struct match_rec *b, const char *pb, int f);

/* How pairs of names compared, remembered for one thread of a batch over
 * one store (names are kept once each in its pool). NULL: no memory. */
struct match_cache;
struct match_cache *match_cache_new(void);
void match_cache_free(struct match_cache *c);
/* match_compare_names, remembering through c when a and b share a pool. */
void match_compare_names_cached(const struct match_store *s, const struct match_rec *a, const char *pa,
				const struct match_rec *b, const char *pb, uint8_t levels[MATCH_MAX_FIELDS],
				struct match_cache *c);
/* The level of the names at offsets oa and ob of the store's pool as
 * given names (family false) or family names, remembered through c (may
 * be NULL); pa, pb their phonetic codes, na, nb their nickname bits (any
 * superset of a name's bits will do: they only rule out the table). */
int match_name_level(const struct match_store *s, struct match_cache *c, bool family, uint32_t oa, uint32_t ob,
		     uint64_t pa, uint64_t pb, uint64_t na, uint64_t nb);
/* The level c remembers for those names; -1 when it does not. */
int match_cache_get(const struct match_cache *c, bool family, uint32_t oa, uint32_t ob);
/* The level of a birth-date comparison from packed dates (da, db:
 * YYYYMMDD, 0 when unknown) and ages (aa, ab: age + 1, 0 when unknown). */
int match_dob_level(const struct match_store *s, uint64_t da, uint64_t aa, uint64_t db, uint64_t ab);
/* A readable description of a level: "nickname", "day and month swapped". */
const char *match_level_text(enum match_kind k, int level);

/* The levels of a pair's names, given and family (*g, *f, the straight
 * reading), or of one of the two readings with a record's names the other
 * way round (g1, f1 and g2, f2), whichever agrees best: the lowest sum of
 * levels, of a reading whose two levels are both known. */
static inline void match_best_reading(int *g, int *f, int g1, int f1, int g2, int f2)
{
	if (g1 && f1 && g1 + f1 < *g + *f) {
		*g = g1;
		*f = f1;
	}
	if (g2 && f2 && g2 + f2 < *g + *f) {
		*g = g2;
		*f = f2;
	}
}

/* ---- the model ---- */

struct match_tf; /* term frequencies of one field */

struct match_model {
	int n;
	enum match_kind kind[MATCH_MAX_FIELDS];
	double m[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS];
	double u[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS];
	double w[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS]; /* log2(m/u); 0 for missing */
	double lambda;   /* share of candidate pairs that match */
	double prior_w;  /* log2(lambda / (1 - lambda)) */
	struct match_tf *tf[MATCH_MAX_FIELDS]; /* NULL: no adjustment */
	int iterations;  /* EM iterations run */
	size_t pairs;    /* candidate pairs it was fitted on */
	/* EM stopped because it settled (the parameters or the likelihood
	 * stopped changing), not at its cap; match_fit falls back on the
	 * plain rule's estimate when it did not (fallback). */
	bool converged, fallback;
	/* Twin and sibling safeguards (match_siblings) apply: on from
	 * match_model_init; match_fit turns them off when the file shows no
	 * households (of household_pairs pairs of records sharing a family
	 * name and an address, or a town without one, with given names that
	 * differ, fewer than half, household_apart, born a year or more
	 * apart; with fewer than ten such pairs it cannot tell, and they stay
	 * on). */
	bool households;
	size_t household_pairs, household_apart;
	double moved_w; /* a move's weight (match_moved_bonus) */
};

/* Thresholds on the match probability. */
#define MATCH_LINK 0.95
#define MATCH_REVIEW 0.50

/* Starting values for a schema (used as they are when there is too little
 * data to fit). */
void match_model_init(struct match_model *m, const struct match_schema *s);
void match_model_done(struct match_model *m);

/* Fit m and lambda (and u too when fit_u) by EM on level vectors
 * (npairs x n bytes). evidence (NULL: every field) names the fields whose
 * agreement decides, in the E step, whether a pair is a match; m is
 * estimated for every field. Leaving out fields that agree together for
 * reasons other than identity (a town and its postcode) keeps EM on the
 * people. */
int match_model_em(struct match_model *m, const uint8_t *levels, size_t npairs, int max_iter, double tol,
		   bool fit_u, const bool *evidence);
/* EM has settled when no parameter moves by tol, or when an iteration
 * raises the log-likelihood by less than this share of it (m->converged);
 * else it stops at max_iter with m->converged false. */
#define MATCH_EM_LL_TOL 1e-9

/* Set u from the levels of random pairs (almost all non-matches): the
 * chance that two different people agree at each level. */
void match_model_u(struct match_model *m, const uint8_t *levels, size_t npairs);

/* Count term frequencies of the name, town, postcode and address fields. */
int match_model_tf(struct match_model *m, const struct match_store *s);

/* The match weight and probability of a compared pair; a's values give
 * the term frequencies. explain (may be NULL) gets each field's weight. */
double match_weight(const struct match_model *m, const struct match_store *s, const struct match_rec *a,
		    const char *pa, const uint8_t levels[MATCH_MAX_FIELDS], double explain[MATCH_MAX_FIELDS]);
double match_probability(double weight);

/* Twins and siblings. Fellegi-Sunter counts each field's agreement apart,
 * but a family name, an address, a town and a birth date agree together
 * for brothers and sisters: their sum says "one household", not "one
 * child". A pair whose given names differ outright (not a nickname, not
 * spelled or sounding alike, not an initial) while the family names agree
 * is two children (MATCH_TWINS when their birth dates agree, exactly or
 * with day and month swapped; MATCH_SIBLINGS otherwise, a birth date
 * missing included), unless an identifier agrees exactly. Such a pair's
 * weight is at most MATCH_SIBLINGS_W: below the review threshold, so never
 * linked; match_weight takes the excess from the given name's share.
 * MATCH_ONE_CHILD always when m->households is false. */
enum match_siblings { MATCH_ONE_CHILD, MATCH_TWINS, MATCH_SIBLINGS };
#define MATCH_SIBLINGS_W (-2.0) /* probability 0.2 */
enum match_siblings match_siblings(const struct match_model *m, const uint8_t levels[MATCH_MAX_FIELDS]);

/* A family that moved changes town, postcode and address at once: one
 * event, not three independent pieces of evidence. When every known place
 * field (at least two) of a pair is at its "different" level, the pair
 * weighs m->moved_w for its places (how much likelier a move is among
 * matches than among random pairs) instead of their sum, when that is
 * more. The bonus is the difference (>= 0), added to the weight by
 * match_weight and match_score_at_least. */
double match_moved_bonus(const struct match_model *m, const uint8_t levels[MATCH_MAX_FIELDS]);
/* The largest it can be for the model. */
double match_moved_bonus_max(const struct match_model *m);
/* Fit m->moved_w from the levels of likely matches (nm pairs) and of
 * random pairs (nr). Until fitted (match_model_init) there is no bonus. */
void match_model_moved(struct match_model *m, const uint8_t *matches, size_t nm, const uint8_t *random, size_t nr);
/* Each field's largest possible weight, term-frequency bonus included. */
void match_model_bounds(const struct match_model *m, double max_w[MATCH_MAX_FIELDS]);

/* ---- blocking ---- */

#define MATCH_MAX_KEYS 16
/* The blocking keys of a record (hashes); returns how many. */
size_t match_keys(const struct match_store *s, const struct match_rec *r, const char *pool,
		  uint64_t keys[MATCH_MAX_KEYS]);

/* The same, with each key's type (MATCH_KEY_*) in types. */
size_t match_keys_typed(const struct match_store *s, const struct match_rec *r, const char *pool,
			uint64_t keys[MATCH_MAX_KEYS], uint8_t types[MATCH_MAX_KEYS]);

/* Key types. The model is fitted through DOB and NAMES (see batch.c); a
 * batch compares the pairs of fewer types than a lookup follows. */
#define MATCH_KEY_IDENT 1          /* identifier */
#define MATCH_KEY_DOB 2            /* birth date, day and month in either order */
#define MATCH_KEY_NAMES 3          /* phonetic given and family name, in either order */
#define MATCH_KEY_FAMILY_YEAR 4    /* family name and birth year */
#define MATCH_KEY_FAMILY_MONTH 5   /* phonetic family name, birth year and month */
#define MATCH_KEY_GIVEN_YEAR 6     /* given name and birth year */
#define MATCH_KEY_NICK_FAMILY 7    /* nickname group and phonetic family name */
#define MATCH_KEY_POSTCODE 8       /* postcode and family initial */
#define MATCH_KEY_ADDRESS 9        /* address and postcode */
#define MATCH_KEY_GIVEN_MONTH 10   /* phonetic given name, birth year and month */
#define MATCH_KEY_TOWN_FAMILY 11   /* town and phonetic family name */
#define MATCH_KEY_DOB_FAMILY 12    /* birth date and the family name's first sound */
#define MATCH_KEY_DOB_GIVEN 13     /* birth date and the given name's first sound */
#define MATCH_KEY_FAMILY_BORN 14   /* phonetic family name and birth year */
#define MATCH_KEY_FAMILY 15        /* family name alone */

/* The key types whose pairs a batch compares, a bit each: fewer than a
 * lookup follows, for a batch has millions of pairs to compare. Measured on
 * 1,000,000 generated records, the types left out (family name and birth
 * year, phonetic family name and birth month or year, given name and birth
 * year or month) gave 21 million pairs for 457 matches the others miss. */
#define MATCH_BATCH_KEYS                                                                                     \
	(1u << MATCH_KEY_IDENT | 1u << MATCH_KEY_DOB | 1u << MATCH_KEY_NAMES | 1u << MATCH_KEY_NICK_FAMILY |      \
	 1u << MATCH_KEY_POSTCODE | 1u << MATCH_KEY_ADDRESS | 1u << MATCH_KEY_TOWN_FAMILY |                        \
	 1u << MATCH_KEY_DOB_FAMILY | 1u << MATCH_KEY_DOB_GIVEN | 1u << MATCH_KEY_FAMILY)

struct match_index;

/* Keys shared by more than cap records are not followed (0: default 64). */
int match_index_new(size_t cap, struct match_index **ret);
void match_index_free(struct match_index *ix);
int match_index_add(struct match_index *ix, const struct match_store *s, uint32_t i);
int match_index_build(struct match_index *ix, const struct match_store *s);
/* Building an empty index in two passes, without the room postings
 * take while they are added one at a time: count records 0, 1, 2, ... in
 * turn (match_index_count), then fill them in at once (match_index_fill;
 * ERR_INVAL unless the index was empty). Until filled, the counted records
 * are not found. match_index_build does both for a whole empty index. */
int match_index_count(struct match_index *ix, const struct match_store *s, uint32_t i);
int match_index_fill(struct match_index *ix, const struct match_store *s);
/* Pack the postings added so far into one array (match_index_build does
 * at its end; call it after adding many with match_index_add). Lookups
 * find the same candidates, in the same order, before and after. */
int match_index_compact(struct match_index *ix);
/* Bytes the index holds, allocated. */
size_t match_index_bytes(const struct match_index *ix);

/* The candidates of a record: distinct live records sharing a key, at most
 * max. ret must hold max entries. */
size_t match_candidates(const struct match_index *ix, const struct match_store *s, const struct match_rec *r,
			const char *pool, uint32_t *ret, size_t max);

/* ---- batch: deduplicate one file, or link two ---- */

struct match_batch_opts {
	double threshold;   /* pairs at or above this probability are written */
	int threads;        /* 0: one per core */
	bool link;          /* only pairs across sources 0 and 1 */
	size_t em_pairs;    /* candidate pairs sampled to fit the model (0: 300,000) */
	bool progress;      /* draw a progress bar on stderr */
};

struct match_pair {
	uint32_t a, b;
	float probability;
};

struct match_batch_result {
	struct match_pair *pairs; /* sorted by a, then b; free() it */
	size_t npairs;
	size_t candidates;  /* pairs compared */
	double seconds_index, seconds_fit, seconds_score;
};

/* Fit the model to the store without labels: u from random pairs, m and
 * lambda by EM on pairs sharing a birth-date key and on pairs sharing a
 * name key, term frequencies from all records. want: pairs per session
 * (0: 300,000). */
int match_fit(const struct match_store *s, struct match_model *m, bool link, size_t want);

/* Block the store on the MATCH_BATCH_KEYS types, fit the model (m, u,
 * lambda by EM on samples of pairs; term frequencies), then compare every
 * candidate pair on all threads and keep those at or above the threshold:
 * the same pairs, with the same probabilities, as match_score_at_least
 * keeps, most of them told apart by a compact copy of each record first. */
int match_batch(struct match_store *s, struct match_model *m, const struct match_batch_opts *o,
		struct match_batch_result *ret);

/* Connected components of the pairs: cluster[i] is the smallest record
 * index of i's cluster. cluster must hold match_store_count() entries. */
void match_clusters(size_t n, const struct match_pair *pairs, size_t npairs, uint32_t *cluster);

/* ---- lookup ---- */

struct match_hit {
	uint32_t index;
	double probability, weight;
	uint8_t levels[MATCH_MAX_FIELDS];
	double field_w[MATCH_MAX_FIELDS];
};

/* The best candidates for a query with a probability of at least
 * min_probability, most probable first; candidates below are dropped as
 * soon as their weight cannot reach it. */
int match_lookup_floor(const struct match_store *s, const struct match_index *ix, const struct match_model *m,
		       const struct match_rec *q, const char *qpool, double min_probability, size_t max,
		       struct match_hit *ret, size_t *ret_n);

/* The best candidates for a query, most probable first. */
int match_lookup(const struct match_store *s, const struct match_index *ix, const struct match_model *m,
		 const struct match_rec *q, const char *qpool, size_t max, struct match_hit *ret, size_t *ret_n);
