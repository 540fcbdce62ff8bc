/* Blocking keys, the in-memory index over them, and lookup. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "match/match.h"
#include "match/nick.h"
#include "match/norm.h"

#define DEFAULT_CAP 64

/* A key and its postings (records sharing it): one slot of the table,
 * read with one cache line. */
struct slot {
	uint64_t key;   /* 0: empty */
	uint32_t count; /* records with the key, ever (kills do not count down) */
	uint32_t head;  /* newest posting of its chain (UINT32_MAX: none) */
	uint32_t start, ncsr; /* its packed postings: csr[start .. start + ncsr) */
};

struct match_index {
	/* Open addressing: key -> its slot. */
	struct slot *slot;
	size_t cap, used;
	/* Postings since the last packing: chains through post_next, newest
	 * first from a slot's head. */
	uint32_t *post_id, *post_next;
	size_t npost, post_cap;
	/* Packed postings: a slot's run, newest first, all older than its
	 * chain's. */
	uint32_t *csr;
	size_t csr_len;
	/* Keys with more postings than this are not followed; their postings
	 * are not kept once they pass it (a count never goes down). */
	size_t key_cap;
	/* Records 0 .. counted - 1 are counted, not yet filled in
	 * (match_index_count, match_index_fill). */
	uint32_t counted;
	bool filled; /* match_index_fill has run */
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static uint64_t key_of(int type, uint64_t a, uint64_t b)
{
	uint64_t h = mix(mix(0x5bd1e995u + (uint64_t)type, a), b);
	return h ? h : 1;
}

#define ADD(type, a, b)                                   \
	do {                                              \
		if (types)                                \
			types[n] = (uint8_t)(type);       \
		keys[n++] = key_of((type), (a), (b));     \
	} while (0)

size_t match_keys(const struct match_store *s, const struct match_rec *r, const char *pool,
		  uint64_t keys[MATCH_MAX_KEYS])
{
	return match_keys_typed(s, r, pool, keys, NULL);
}

size_t match_keys_typed(const struct match_store *s, const struct match_rec *r, const char *pool,
			uint64_t keys[MATCH_MAX_KEYS], uint8_t types[MATCH_MAX_KEYS])
{
	const struct match_schema *sc = match_store_schema(s);
	int gi = -1, fi = -1, di = -1, ai = -1, pi = -1, ii = -1, ti = -1, adi = -1;
	for (int f = 0; f < sc->n; f++) {
		int *slot = NULL;
		switch (sc->kind[f]) {
		case MK_GIVEN: slot = &gi; break;
		case MK_FAMILY: slot = &fi; break;
		case MK_DOB: slot = &di; break;
		case MK_AGE: slot = &ai; break;
		case MK_POSTCODE: slot = &pi; break;
		case MK_IDENT: slot = &ii; break;
		case MK_TOWN: slot = &ti; break;
		case MK_ADDRESS: slot = &adi; break;
		default: break;
		}
		if (slot && *slot < 0)
			*slot = f;
	}
	size_t n = 0;
	const char *given = gi >= 0 ? pool + r->off[gi] : "";
	const char *family = fi >= 0 ? pool + r->off[fi] : "";
	uint64_t pg = gi >= 0 && *given ? r->aux[gi] : 0, pf = fi >= 0 && *family ? r->aux[fi] : 0;
	uint64_t dob = di >= 0 ? r->aux[di] : 0;
	int year = (int)(dob / 10000), month = (int)(dob / 100 % 100), day = (int)(dob % 100);
	if (!dob && ai >= 0 && r->aux[ai])
		year = sc->as_of.y - (int)(r->aux[ai] - 1); /* about; the key below tolerates a year */
	uint64_t hfam = hash_str(1469598103934665603ULL, family);
	uint64_t hgiv = hash_str(1469598103934665603ULL, given);

	if (ii >= 0 && r->off[ii])
		ADD(MATCH_KEY_IDENT, hash_str(7, pool + r->off[ii]), 0);
	if (dob) {
		/* Day and month in either order, so swapped dates block together;
		 * with the first sound of either name, so a key stays small. */
		int lo = month < day ? month : day, hi = month < day ? day : month;
		uint64_t md = (uint64_t)(year * 10000 + lo * 100 + hi);
		ADD(MATCH_KEY_DOB, md, 0);
		if (pf)
			ADD(MATCH_KEY_DOB_FAMILY, md, pf & 0xff);
		if (pg)
			ADD(MATCH_KEY_DOB_GIVEN, md, pg & 0xff);
	}
	if (pg && pf) /* phonetic names in either order: swapped names too */
		ADD(MATCH_KEY_NAMES, pg < pf ? pg : pf, pg < pf ? pf : pg);
	/* Each part of a compound family name with the given name: "Jasmine
	 * Rivera" finds "Jasmine Rivera-Lopez". */
	if (pg && strchr(family, ' ')) {
		char buf[NORM_MAX];
		const char *parts[4];
		size_t len = strlen(family);
		if (len < sizeof buf) {
			memcpy(buf, family, len + 1);
			size_t np = norm_split(buf, parts, 4);
			for (size_t k = 0; k < np && k < 2 && n < MATCH_MAX_KEYS - 4; k++) {
				char code[CMP_PHONETIC_MAX];
				cmp_phonetic(parts[k], code);
				uint64_t pc = 0;
				for (int c = 0; c < 8 && code[c]; c++)
					pc |= (uint64_t)(unsigned char)code[c] << (8 * c);
				if (pc && pc != pf)
					ADD(MATCH_KEY_NAMES, pg < pc ? pg : pc, pg < pc ? pc : pg);
			}
		}
	}
	/* The family name alone, for a caller who knows little else: only
	 * names rarer than the cap are followed. */
	if (*family && n < MATCH_MAX_KEYS)
		ADD(MATCH_KEY_FAMILY, hfam, 0);
	if (*family && year)
		ADD(MATCH_KEY_FAMILY_YEAR, hfam, (uint64_t)year);
	if (pf && dob)
		ADD(MATCH_KEY_FAMILY_MONTH, pf, (uint64_t)(year * 100 + month));
	if (*given && year)
		ADD(MATCH_KEY_GIVEN_YEAR, hgiv, (uint64_t)year);
	if (gi >= 0 && *given && pf) {
		uint32_t groups[NICK_MAX_GROUPS];
		size_t ng = nick_groups(given, groups);
		for (size_t k = 0; k < ng && k < 2 && n < MATCH_MAX_KEYS - 3; k++)
			ADD(MATCH_KEY_NICK_FAMILY, groups[k], pf);
	}
	if (pi >= 0 && r->off[pi] && *family)
		ADD(MATCH_KEY_POSTCODE, hash_str(11, pool + r->off[pi]), (uint64_t)(unsigned char)family[0]);
	if (adi >= 0 && r->off[adi] && n < MATCH_MAX_KEYS)
		ADD(MATCH_KEY_ADDRESS, hash_str(13, pool + r->off[adi]), pi >= 0 ? hash_str(17, pool + r->off[pi]) : 0);
	if (pg && year && n < MATCH_MAX_KEYS)
		ADD(MATCH_KEY_GIVEN_MONTH, pg, (uint64_t)(year * 100 + month));
	/* Phonetic family name and birth year: a child reported with an age
	 * only ("about 15") was born in one of two years. */
	if (pf && year && n < MATCH_MAX_KEYS)
		ADD(MATCH_KEY_FAMILY_BORN, pf, (uint64_t)year);
	if (pf && !dob && year && n < MATCH_MAX_KEYS)
		ADD(MATCH_KEY_FAMILY_BORN, pf, (uint64_t)(year - 1));
	if (ti >= 0 && r->off[ti] && pf && n < MATCH_MAX_KEYS)
		ADD(MATCH_KEY_TOWN_FAMILY, hash_str(19, pool + r->off[ti]), pf);
	return n;
}

static struct slot *new_table(size_t cap)
{
	struct slot *t = calloc(cap, sizeof *t);
	if (t)
		for (size_t i = 0; i < cap; i++)
			t[i].head = UINT32_MAX;
	return t;
}

int match_index_new(size_t cap, struct match_index **ret)
{
	struct match_index *ix = calloc(1, sizeof *ix);
	if (!ix)
		return ERR_NOMEM;
	ix->key_cap = cap ? cap : DEFAULT_CAP;
	ix->cap = 1 << 16;
	if (!(ix->slot = new_table(ix->cap))) {
		free(ix);
		return ERR_NOMEM;
	}
	*ret = ix;
	return 0;
}

size_t match_index_bytes(const struct match_index *ix)
{
	return sizeof *ix + ix->cap * sizeof *ix->slot + ix->csr_len * sizeof *ix->csr +
	       ix->post_cap * (sizeof *ix->post_id + sizeof *ix->post_next);
}

void match_index_free(struct match_index *ix)
{
	if (!ix)
		return;
	free(ix->slot);
	free(ix->post_id);
	free(ix->post_next);
	free(ix->csr);
	free(ix);
}

static struct slot *find_slot(const struct match_index *ix, uint64_t key)
{
	size_t i = (key * 0x9E3779B97F4A7C15ULL) >> 17 & (ix->cap - 1);
	while (ix->slot[i].key && ix->slot[i].key != key)
		i = (i + 1) & (ix->cap - 1);
	return &ix->slot[i];
}

static int grow_table(struct match_index *ix)
{
	size_t ncap = ix->cap * 2;
	struct slot *t = calloc(ncap, sizeof *t);
	if (!t)
		return ERR_NOMEM;
	struct slot *old = ix->slot;
	size_t ocap = ix->cap;
	ix->slot = t;
	ix->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key)
			*find_slot(ix, old[i].key) = old[i];
	free(old);
	return 0;
}

/* key's slot, made when new (the table grown first when it must). */
static int slot_of(struct match_index *ix, uint64_t key, struct slot **ret)
{
	if ((ix->used + 1) * 10 > ix->cap * 7) {
		int rc = grow_table(ix);
		if (rc < 0)
			return rc;
	}
	struct slot *sl = find_slot(ix, key);
	if (!sl->key) {
		*sl = (struct slot){.key = key, .head = UINT32_MAX};
		ix->used++;
	}
	*ret = sl;
	return 0;
}

static int grow_postings(struct match_index *ix)
{
	size_t c = ix->post_cap ? ix->post_cap * 2 : 1 << 12;
	uint32_t *a = realloc(ix->post_id, c * sizeof *a);
	if (!a)
		return ERR_NOMEM;
	ix->post_id = a;
	uint32_t *b = realloc(ix->post_next, c * sizeof *b);
	if (!b)
		return ERR_NOMEM;
	ix->post_next = b;
	ix->post_cap = c;
	return 0;
}

static int add_posting(struct match_index *ix, uint64_t key, uint32_t id)
{
	struct slot *sl;
	int rc = slot_of(ix, key, &sl);
	if (rc < 0)
		return rc;
	if (sl->count >= ix->key_cap) {
		/* Past the cap for good: counted, never followed. */
		if (sl->count < UINT32_MAX)
			sl->count++;
		return 0;
	}
	if (ix->npost == ix->post_cap && (rc = grow_postings(ix)) < 0)
		return rc;
	uint32_t p = (uint32_t)ix->npost++;
	ix->post_id[p] = id;
	ix->post_next[p] = sl->head;
	sl->head = p;
	sl->count++;
	return 0;
}

/* Run body with id set to each of slot sl's postings, newest first: its
 * chain, then its packed ones (a break leaves only the part it is in). */
#define FOR_POSTINGS(ix, sl, id, body)                                                                         \
	do {                                                                                                   \
		for (uint32_t p_ = (sl)->head; p_ != UINT32_MAX; p_ = (ix)->post_next[p_]) {                   \
			uint32_t id = (ix)->post_id[p_];                                                       \
			body;                                                                                  \
		}                                                                                              \
		for (uint32_t q_ = 0; q_ < (sl)->ncsr; q_++) {                                                 \
			uint32_t id = (ix)->csr[(sl)->start + q_];                                             \
			body;                                                                                  \
		}                                                                                              \
	} while (0)

static bool followed(const struct match_index *ix, const struct slot *sl)
{
	return sl->key && sl->count <= ix->key_cap;
}

/* The packed array for every followed key's postings, sized for them. */
static int postings_alloc(const struct match_index *ix, uint32_t **ret)
{
	size_t total = 0;
	for (size_t i = 0; i < ix->cap; i++)
		if (followed(ix, &ix->slot[i]))
			total += ix->slot[i].count;
	if (total > UINT32_MAX)
		return ERR_TOOBIG;
	*ret = malloc((total ? total : 1) * sizeof **ret);
	return *ret ? 0 : ERR_NOMEM;
}

int match_index_compact(struct match_index *ix)
{
	uint32_t *csr;
	int pr = postings_alloc(ix, &csr);
	if (pr < 0)
		return pr;
	size_t k = 0;
	for (size_t i = 0; i < ix->cap; i++) {
		struct slot *sl = &ix->slot[i];
		uint32_t start = (uint32_t)k;
		if (followed(ix, sl))
			FOR_POSTINGS(ix, sl, id, csr[k++] = id);
		sl->start = start;
		sl->ncsr = (uint32_t)k - start;
		sl->head = UINT32_MAX;
	}
	free(ix->csr);
	free(ix->post_id);
	free(ix->post_next);
	ix->post_id = ix->post_next = NULL;
	ix->npost = ix->post_cap = 0;
	ix->csr = csr;
	ix->csr_len = k;
	return 0;
}

int match_index_add(struct match_index *ix, const struct match_store *s, uint32_t i)
{
	const struct match_rec *r = match_store_rec(s, i);
	uint64_t keys[MATCH_MAX_KEYS];
	size_t n = match_keys(s, r, match_store_pool(s), keys);
	for (size_t k = 0; k < n; k++) {
		int rc = add_posting(ix, keys[k], i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int match_index_count(struct match_index *ix, const struct match_store *s, uint32_t i)
{
	const struct match_rec *r = match_store_rec(s, i);
	uint64_t keys[MATCH_MAX_KEYS];
	size_t n = match_keys(s, r, match_store_pool(s), keys);
	for (size_t k = 0; k < n; k++) {
		struct slot *sl;
		int rc = slot_of(ix, keys[k], &sl);
		if (rc < 0)
			return rc;
		if (sl->count < UINT32_MAX)
			sl->count++;
	}
	ix->counted = i + 1;
	return 0;
}

/* The counted records' postings, straight into the packed array: each
 * slot gets its run, filled from the end so the newest comes first. */
static int fill_counted(struct match_index *ix, const struct match_store *s)
{
	uint32_t *csr;
	int pr = postings_alloc(ix, &csr);
	if (pr < 0)
		return pr;
	size_t at = 0;
	for (size_t i = 0; i < ix->cap; i++) {
		struct slot *sl = &ix->slot[i];
		sl->start = (uint32_t)at;
		sl->ncsr = followed(ix, sl) ? sl->count : 0;
		at += sl->ncsr;
		sl->head = 0; /* filled so far */
	}
	for (uint32_t r = 0; r < ix->counted; r++) {
		uint64_t keys[MATCH_MAX_KEYS];
		size_t n = match_keys(s, match_store_rec(s, r), match_store_pool(s), keys);
		for (size_t k = 0; k < n; k++) {
			struct slot *sl = find_slot(ix, keys[k]);
			if (sl->ncsr)
				csr[sl->start + sl->ncsr - 1 - sl->head++] = r;
		}
	}
	for (size_t i = 0; i < ix->cap; i++)
		ix->slot[i].head = UINT32_MAX;
	ix->csr = csr;
	ix->csr_len = at;
	ix->counted = 0;
	ix->filled = true;
	return 0;
}

int match_index_fill(struct match_index *ix, const struct match_store *s)
{
	if (ix->filled || ix->csr || ix->npost)
		return ERR_INVAL;
	return fill_counted(ix, s);
}

int match_index_build(struct match_index *ix, const struct match_store *s)
{
	size_t n = match_store_count(s);
	if (!ix->filled && !ix->csr && !ix->npost && !ix->used) {
		/* An empty index: count every record's keys, then fill. */
		for (uint32_t i = 0; i < n; i++) {
			int rc = match_index_count(ix, s, i);
			if (rc < 0)
				return rc;
		}
		return fill_counted(ix, s);
	}
	for (uint32_t i = 0; i < n; i++) {
		int rc = match_index_add(ix, s, i);
		if (rc < 0)
			return rc;
	}
	return match_index_compact(ix);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

size_t match_candidates(const struct match_index *ix, const struct match_store *s, const struct match_rec *r,
			const char *pool, uint32_t *ret, size_t max)
{
	uint64_t keys[MATCH_MAX_KEYS];
	size_t nk = match_keys(s, r, pool, keys), n = 0;
	for (size_t k = 0; k < nk && n < max; k++) {
		const struct slot *sl = find_slot(ix, keys[k]);
		if (!followed(ix, sl))
			continue;
		FOR_POSTINGS(ix, sl, id, {
			if (n >= max)
				break;
			ret[n++] = id;
		});
	}
	if (n > 1) {
		qsort(ret, n, sizeof *ret, cmp_u32);
		size_t w = 1;
		for (size_t i = 1; i < n; i++)
			if (ret[i] != ret[w - 1])
				ret[w++] = ret[i];
		n = w;
	}
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (!match_store_rec(s, ret[i])->dead)
			ret[w++] = ret[i];
	return w;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct match_hit *x = a, *y = b;
	return x->weight < y->weight ? 1 : x->weight > y->weight ? -1 : (x->index > y->index) - (x->index < y->index);
}

int match_lookup_floor(const struct match_store *s, const struct match_index *ix, const struct match_model *m,
		       const struct match_rec *q, const char *qpool, double min_probability, size_t max,
		       struct match_hit *ret, size_t *ret_n)
{
	enum { MAX_CANDIDATES = 4096 };
	uint32_t *cand = malloc(MAX_CANDIDATES * sizeof *cand);
	struct match_hit *hits = malloc(MAX_CANDIDATES * sizeof *hits);
	if (!cand || !hits) {
		free(cand);
		free(hits);
		return ERR_NOMEM;
	}
	double max_w[MATCH_MAX_FIELDS];
	match_model_bounds(m, max_w);
	double floor_w = min_probability > 0 && min_probability < 1 ? log2(min_probability / (1 - min_probability))
								   : -1e300;
	size_t nc = match_candidates(ix, s, q, qpool, cand, MAX_CANDIDATES), nh = 0;
	const char *pool = match_store_pool(s);
	for (size_t i = 0; i < nc; i++) {
		struct match_hit *h = &hits[nh];
		const struct match_rec *b = match_store_rec(s, cand[i]);
		double w;
		if (!match_score_at_least(m, max_w, s, q, qpool, b, pool, floor_w, h->levels, &w, NULL))
			continue;
		h->index = cand[i];
		/* Weights for the explanation, from the candidate's side, as
		 * the batch scores it. */
		h->weight = match_weight(m, s, b, pool, h->levels, h->field_w);
		h->probability = match_probability(h->weight);
		nh++;
	}
	qsort(hits, nh, sizeof *hits, hit_cmp);
	size_t n = nh < max ? nh : max;
	memcpy(ret, hits, n * sizeof *hits);
	*ret_n = n;
	free(cand);
	free(hits);
	return 0;
}

int match_lookup(const struct match_store *s, const struct match_index *ix, const struct match_model *m,
		 const struct match_rec *q, const char *qpool, size_t max, struct match_hit *ret, size_t *ret_n)
{
	return match_lookup_floor(s, ix, m, q, qpool, 0, max, ret, ret_n);
}
