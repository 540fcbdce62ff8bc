/* batch/score: comparing the candidate pairs of the blocks, on all cores,
 * through a hot copy of each record. */
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
	double moved_max;           /* the most a move gives back (match_moved_bonus_max) */
	bool place[HOT_FIELDS];     /* a town, postcode or address */
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
	/* A move (match_moved_bonus) weighs its places m->moved_w together.
	 * The bounds above never count a known place below its lowest
	 * bound (an unequal value at its best partial level, one the copy
	 * lacks at its most): only a move weighing more than the negative
	 * ones of those together needs room. */
	double places_low = 0;
	for (int f = 0; f < sc->n; f++) {
		if (sc->kind[f] != MK_TOWN && sc->kind[f] != MK_POSTCODE && sc->kind[f] != MK_ADDRESS)
			continue;
		double lo = max_w[f];
		for (int k = 0; k < p->nh; k++)
			if (p->hf[k] == f)
				lo = p->ne_w[k];
		places_low += fmin(0, lo);
	}
	if (m->moved_w > places_low)
		p->rest_w += m->moved_w - places_low;
	p->moved_max = match_moved_bonus_max(m);
	for (int k = 0; k < p->nh; k++)
		p->place[k] = sc->kind[p->hf[k]] == MK_TOWN || sc->kind[p->hf[k]] == MK_POSTCODE ||
			      sc->kind[p->hf[k]] == MK_ADDRESS;
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
	batch_run_parts(n < 10000 ? 1 : threads, hot_part, &j);
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
			match_best_reading(&lg, &lf, g1, f1, g2, f2);
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
	bool give_back = false;
	for (int pass = 0; pass < 2; pass++)
		for (int x = 0; x < p->nh; x++) {
			int k = p->order[x];
			if (!doubt[k] || (a->f[k].hash == b->f[k].hash) != (pass == 1))
				continue;
			if (p->place[k] && !give_back) {
				/* A place at its own level may yet be part of a move. */
				w += p->moved_max;
				give_back = true;
			}
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
		batch_bar_draw(w->bar, start < n ? start : n, n, false);
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
				if (!batch_wanted(s, w->o->link, (uint32_t)i, j))
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

int batch_score(const struct match_store *s, const struct match_model *m, const struct match_batch_opts *o,
		const struct blocks *bl, int threads, struct bar *bar, struct match_batch_result *ret)
{
	size_t n = match_store_count(s);
	struct hot *hot = NULL;
	struct hot_codes *codes = NULL;
	int rc;
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
		w[t] = (struct worker){.s = s, .b = bl, .hot = hot, .codes = codes, .plan = &plan, .m = m, .o = o, .next = &next, .lock = &lock, .bar = bar};
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
	batch_bar_draw(bar, n, n, true);
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
out:
	free(hot);
	free(codes);
	return rc;
}
