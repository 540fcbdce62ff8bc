/* The store of prepared records, and the comparison of two of them. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "match/match.h"
#include "match/nick.h"
#include "match/norm.h"

struct match_store {
	struct match_schema schema;
	int age_field; /* index of the MK_AGE field, or -1 */
	int dob_field;
	char *recs;    /* records of stride bytes each (cut short: match.h) */
	size_t stride, nf;
	size_t n, cap;
	char *pool;
	size_t pool_len, pool_cap;
	/* Names and towns are kept once each: equal values share an offset,
	 * so a batch can remember how two of them compared. */
	uint64_t *intern_hash;
	uint32_t *intern_id; /* index in interned */
	size_t intern_cap;
	struct interned *interned;
	size_t interned_n, interned_cap;
};

/* A value kept once, with what a name's comparison needs of it worked out
 * once too. */
struct interned {
	uint32_t off;
	bool named;          /* phon and nick are known */
	uint64_t phon, nick; /* phonetic code and nickname groups, as a name */
};

struct match_cache {
	uint64_t key[2][1 << 16];
	uint8_t level[2][1 << 16];
};

struct match_cache *match_cache_new(void)
{
	struct match_cache *c = malloc(sizeof *c);
	if (c)
		memset(c->key, 0xff, sizeof c->key);
	return c;
}

void match_cache_free(struct match_cache *c)
{
	free(c);
}

static const char *kind_names[MK_COUNT] = {
	[MK_GIVEN] = "given",	   [MK_FAMILY] = "family",     [MK_DOB] = "dob",	 [MK_AGE] = "age",
	[MK_SEX] = "sex",	   [MK_TOWN] = "town",	       [MK_POSTCODE] = "postcode", [MK_ADDRESS] = "address",
	[MK_IDENT] = "ident",	   [MK_OTHER] = "other",
};

const char *match_kind_name(enum match_kind k)
{
	return (unsigned)k < MK_COUNT ? kind_names[k] : NULL;
}

int match_kind_parse(const char *s, enum match_kind *ret)
{
	for (int i = 0; i < MK_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*ret = (enum match_kind)i;
			return 0;
		}
	return ERR_INVAL;
}

int match_schema_add(struct match_schema *s, enum match_kind kind, const char *label, const char *format)
{
	if (s->n >= MATCH_MAX_FIELDS)
		return ERR_TOOBIG;
	s->kind[s->n] = kind;
	str_copy(s->label[s->n], sizeof s->label[0], label ? label : match_kind_name(kind));
	str_copy(s->format[s->n], sizeof s->format[0], format && *format ? format : "%Y-%m-%d");
	s->n++;
	return 0;
}

int match_store_new(const struct match_schema *schema, struct match_store **ret)
{
	if (nick_init() < 0)
		return ERR_NOMEM;
	struct match_store *s = calloc(1, sizeof *s);
	if (!s)
		return ERR_NOMEM;
	s->schema = *schema;
	s->nf = (size_t)(schema->n > 0 ? schema->n : 1);
	s->stride = offsetof(struct match_rec, aux) + s->nf * (sizeof(uint64_t) + sizeof(uint32_t));
	s->stride = (s->stride + _Alignof(struct match_rec) - 1) / _Alignof(struct match_rec) * _Alignof(struct match_rec);
	s->age_field = s->dob_field = -1;
	for (int i = 0; i < schema->n; i++) {
		if (schema->kind[i] == MK_AGE && s->age_field < 0)
			s->age_field = i;
		if (schema->kind[i] == MK_DOB && s->dob_field < 0)
			s->dob_field = i;
	}
	s->pool_cap = 1 << 16;
	s->pool = malloc(s->pool_cap);
	if (!s->pool) {
		free(s);
		return ERR_NOMEM;
	}
	s->pool[0] = '\0';
	s->pool_len = 1;
	*ret = s;
	return 0;
}

void match_store_free(struct match_store *s)
{
	if (!s)
		return;
	free(s->recs);
	free(s->pool);
	free(s->intern_hash);
	free(s->intern_id);
	free(s->interned);
	free(s);
}

size_t match_store_bytes(const struct match_store *s)
{
	return sizeof *s + s->cap * s->stride + s->pool_cap +
	       s->intern_cap * (sizeof *s->intern_hash + sizeof *s->intern_id) +
	       s->interned_cap * sizeof *s->interned;
}

const struct match_schema *match_store_schema(const struct match_store *s)
{
	return &s->schema;
}

size_t match_store_count(const struct match_store *s)
{
	return s->n;
}

static struct match_rec *rec_at(const struct match_store *s, size_t i)
{
	return (struct match_rec *)(void *)(s->recs + i * s->stride);
}

/* Where record i's offsets are kept: right after its last aux. */
static uint32_t *offs_at(const struct match_store *s, size_t i)
{
	return (uint32_t *)(void *)(s->recs + i * s->stride + offsetof(struct match_rec, aux) +
				    s->nf * sizeof(uint64_t));
}

const struct match_rec *match_store_rec(const struct match_store *s, uint32_t i)
{
	return rec_at(s, i);
}

const char *match_store_id(const struct match_store *s, uint32_t i)
{
	return s->pool + rec_at(s, i)->id_off;
}

const char *match_store_pool(const struct match_store *s)
{
	return s->pool;
}

const char *match_store_value(const struct match_store *s, uint32_t i, int field)
{
	return s->pool + rec_at(s, i)->off[field];
}

static uint64_t pack_code(const char *code)
{
	uint64_t v = 0;
	for (int i = 0; i < 8 && code[i]; i++)
		v |= (uint64_t)(unsigned char)code[i] << (8 * i);
	return v;
}

/* Append a string to a pool; returns its offset (0 for ""). */
static int pool_put(char **pool, size_t *len, size_t *cap, bool grow, const char *v, uint32_t *ret)
{
	size_t n = strlen(v);
	if (n == 0) {
		*ret = 0;
		return 0;
	}
	if (*len + n + 1 > *cap) {
		if (!grow)
			return ERR_TOOBIG;
		size_t c = *cap;
		while (*len + n + 1 > c)
			c *= 2;
		if (c > UINT32_MAX)
			return ERR_TOOBIG;
		char *p = realloc(*pool, c);
		if (!p)
			return ERR_NOMEM;
		*pool = p;
		*cap = c;
	}
	memcpy(*pool + *len, v, n + 1);
	*ret = (uint32_t)*len;
	*len += n + 1;
	return 0;
}

/* The phonetic code of a normalised name, packed. */
static uint64_t name_code(const char *name)
{
	char code[CMP_PHONETIC_MAX];
	char squashed[NORM_MAX];
	norm_squash(name, squashed, sizeof squashed);
	cmp_phonetic(squashed, code);
	return pack_code(code);
}

/* Normalise one value of a field; writes the text to keep and aux. Returns
 * false when a value was given but does not parse. */
static bool prepare_value(const struct match_schema *sc, int f, const char *raw, char *out, size_t size,
			  uint64_t *aux)
{
	*aux = 0;
	out[0] = '\0';
	if (!raw || !*raw)
		return true;
	switch (sc->kind[f]) {
	case MK_DOB: {
		struct cmp_date d;
		char tmp[NORM_MAX];
		str_copy(tmp, sizeof tmp, raw);
		/* trim */
		char *t = tmp;
		while (*t == ' ')
			t++;
		size_t n = strlen(t);
		while (n && t[n - 1] == ' ')
			t[--n] = '\0';
		if (!*t)
			return true;
		if (!cmp_date_parse(t, sc->format[f], &d))
			return false;
		if (size < 11)
			return false;
		/* YYYY-MM-DD by hand: this runs for every record of a file. */
		int y = d.y;
		for (int k = 3; k >= 0; k--, y /= 10)
			out[k] = (char)('0' + y % 10);
		out[4] = out[7] = '-';
		out[5] = (char)('0' + d.m / 10);
		out[6] = (char)('0' + d.m % 10);
		out[8] = (char)('0' + d.d / 10);
		out[9] = (char)('0' + d.d % 10);
		out[10] = '\0';
		*aux = (uint64_t)(d.y * 10000 + d.m * 100 + d.d);
		return true;
	}
	case MK_AGE: {
		int64_t age;
		char tmp[32];
		norm_text(raw, tmp, sizeof tmp);
		if (!*tmp)
			return true;
		if (str_to_int64(tmp, 0, 130, &age) < 0)
			return false;
		snprintf(out, size, "%d", (int)age);
		*aux = (uint64_t)age + 1;
		return true;
	}
	case MK_SEX: {
		char tmp[32];
		norm_text(raw, tmp, sizeof tmp);
		if (!*tmp)
			return true;
		char c = tmp[0];
		if (strcmp(tmp, "f") == 0 || strcmp(tmp, "female") == 0 || strcmp(tmp, "girl") == 0)
			c = 'f';
		else if (strcmp(tmp, "m") == 0 || strcmp(tmp, "male") == 0 || strcmp(tmp, "boy") == 0)
			c = 'm';
		else if (strcmp(tmp, "u") == 0 || strcmp(tmp, "unknown") == 0)
			return true;
		out[0] = c;
		out[1] = '\0';
		return true;
	}
	case MK_POSTCODE:
	case MK_IDENT: {
		char tmp[NORM_MAX];
		norm_text(raw, tmp, sizeof tmp);
		/* Identifiers compare as written without spaces; mostly digits. */
		norm_squash(tmp, out, size);
		return true;
	}
	case MK_GIVEN:
	case MK_FAMILY:
		norm_text(raw, out, size);
		*aux = name_code(out);
		return true;
	default:
		norm_text(raw, out, size);
		return true;
	}
}

/* The nickname groups of a name as bits of a 64-bit set: two names can
 * be nicknames of one another only when their sets meet. */
static uint64_t nick_bits(const char *name)
{
	uint32_t g[NICK_MAX_GROUPS];
	size_t n = *name ? nick_groups(name, g) : 0;
	uint64_t bits = 0;
	for (size_t i = 0; i < n; i++)
		bits |= UINT64_C(1) << ((g[i] * 2654435761u) >> 26);
	return bits;
}

static uint64_t str_hash(const char *v)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *v; v++)
		h = (h ^ (unsigned char)*v) * 1099511628211ULL;
	return h | 1;
}

/* v kept once in the store's pool: its entry. */
static int intern(struct match_store *s, const char *v, struct interned **ret)
{
	if ((s->interned_n + 1) * 2 > s->intern_cap) {
		size_t cap = s->intern_cap ? s->intern_cap * 2 : 1 << 14;
		uint64_t *hh = calloc(cap, sizeof *hh);
		uint32_t *ii = malloc(cap * sizeof *ii);
		if (!hh || !ii) {
			free(hh);
			free(ii);
			return ERR_NOMEM;
		}
		for (size_t i = 0; i < s->intern_cap; i++)
			if (s->intern_hash[i]) {
				size_t j = s->intern_hash[i] & (cap - 1);
				while (hh[j])
					j = (j + 1) & (cap - 1);
				hh[j] = s->intern_hash[i];
				ii[j] = s->intern_id[i];
			}
		free(s->intern_hash);
		free(s->intern_id);
		s->intern_hash = hh;
		s->intern_id = ii;
		s->intern_cap = cap;
	}
	if (s->interned_n == s->interned_cap) {
		size_t cap = s->interned_cap ? s->interned_cap * 2 : 1 << 13;
		struct interned *e = realloc(s->interned, cap * sizeof *e);
		if (!e)
			return ERR_NOMEM;
		s->interned = e;
		s->interned_cap = cap;
	}
	uint64_t h = str_hash(v);
	size_t i = h & (s->intern_cap - 1);
	while (s->intern_hash[i]) {
		struct interned *e = &s->interned[s->intern_id[i]];
		if (s->intern_hash[i] == h && strcmp(s->pool + e->off, v) == 0) {
			*ret = e;
			return 0;
		}
		i = (i + 1) & (s->intern_cap - 1);
	}
	struct interned *e = &s->interned[s->interned_n];
	memset(e, 0, sizeof *e);
	int r = pool_put(&s->pool, &s->pool_len, &s->pool_cap, true, v, &e->off);
	if (r < 0)
		return r;
	s->intern_hash[i] = h;
	s->intern_id[i] = (uint32_t)s->interned_n++;
	*ret = e;
	return 0;
}

static bool interned_kind(enum match_kind k)
{
	return k == MK_GIVEN || k == MK_FAMILY || k == MK_TOWN;
}

static bool few_values(enum match_kind k)
{
	return k == MK_DOB || k == MK_AGE || k == MK_SEX;
}

static bool is_name(enum match_kind k)
{
	return k == MK_GIVEN || k == MK_FAMILY;
}

static int prepare_into(const struct match_store *s, const char *const *values, struct match_rec *r,
			char **pool, size_t *len, size_t *cap, bool grow, int *ret_bad, struct match_store *interning)
{
	memset(r, 0, sizeof *r);
	r->off = r->off_;
	if (ret_bad)
		*ret_bad = -1;
	bool given_done = false, family_done = false;
	for (int f = 0; f < s->schema.n; f++) {
		enum match_kind kind = s->schema.kind[f];
		char out[NORM_MAX];
		uint64_t nick = 0;
		int rc;
		if (interning && interned_kind(kind)) {
			/* A name or town seen before: its normal form, phonetic
			 * code and nickname groups are the same as then. */
			norm_text(values[f], out, sizeof out);
			if (!*out) {
				r->off[f] = 0;
			} else {
				struct interned *e;
				if ((rc = intern(interning, out, &e)) < 0)
					return rc;
				if (is_name(kind) && !e->named) {
					e->phon = name_code(out);
					e->nick = nick_bits(out);
					e->named = true;
				}
				r->off[f] = e->off;
				r->aux[f] = is_name(kind) ? e->phon : 0;
				nick = e->nick;
			}
		} else {
			if (!prepare_value(&s->schema, f, values[f], out, sizeof out, &r->aux[f]) && ret_bad &&
			    *ret_bad < 0)
				*ret_bad = f;
			if (is_name(kind))
				nick = nick_bits(out);
			if (interning && few_values(kind) && *out) {
				/* Birth dates, ages and sexes repeat: kept once each. */
				struct interned *e;
				if ((rc = intern(interning, out, &e)) < 0)
					return rc;
				r->off[f] = e->off;
			} else if ((rc = pool_put(pool, len, cap, grow, out, &r->off[f])) < 0) {
				return rc;
			}
		}
		if (kind == MK_GIVEN && !given_done) {
			r->nick[0] = nick;
			given_done = true;
		} else if (kind == MK_FAMILY && !family_done) {
			r->nick[1] = nick;
			family_done = true;
		}
	}
	return 0;
}

int match_store_reserve(struct match_store *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	if (n > UINT32_MAX || n > SIZE_MAX / s->stride)
		return ERR_TOOBIG;
	char *p = realloc(s->recs, n * s->stride);
	if (!p)
		return ERR_NOMEM;
	s->recs = p;
	s->cap = n;
	/* The records moved: their offsets with them. */
	for (size_t i = 0; i < s->n; i++)
		rec_at(s, i)->off = offs_at(s, i);
	return 0;
}

int match_store_add(struct match_store *s, const char *id, const char *const *values, uint8_t source,
		    uint32_t *ret_index, int *ret_bad)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		int rc = match_store_reserve(s, cap);
		if (rc < 0)
			return rc;
	}
	if (s->n >= UINT32_MAX - 1)
		return ERR_TOOBIG;
	struct match_rec r;
	int rc = prepare_into(s, values, &r, &s->pool, &s->pool_len, &s->pool_cap, true, ret_bad, s);
	if (rc < 0)
		return rc;
	if ((rc = pool_put(&s->pool, &s->pool_len, &s->pool_cap, true, id ? id : "", &r.id_off)) < 0)
		return rc;
	r.source = source;
	struct match_rec *kept = rec_at(s, s->n);
	memcpy(kept, &r, offsetof(struct match_rec, aux) + s->nf * sizeof(uint64_t));
	kept->off = offs_at(s, s->n);
	memcpy(kept->off, r.off_, s->nf * sizeof(uint32_t));
	if (ret_index)
		*ret_index = (uint32_t)s->n;
	s->n++;
	return 0;
}

void match_store_kill(struct match_store *s, uint32_t i)
{
	if (i < s->n)
		rec_at(s, i)->dead = true;
}

int match_prepare(struct match_store *s, const char *const *values, struct match_rec *ret, char *pool,
		  size_t poolsize)
{
	if (poolsize < 2)
		return ERR_TOOBIG;
	pool[0] = '\0';
	size_t len = 1, cap = poolsize;
	return prepare_into(s, values, ret, &pool, &len, &cap, false, NULL, NULL);
}

/* ---- comparing ---- */

/* Levels of each kind, in order; 0 is always "missing". */
static const char *level_text[MK_COUNT][MATCH_MAX_LEVELS] = {
	[MK_GIVEN] = {"missing", "exact", "nickname", "spelled alike", "sounds alike or close", "initial agrees",
		      "different"},
	[MK_FAMILY] = {"missing", "exact", "same apart from spacing, or a compound part", "spelled alike",
		       "sounds alike or close", "different"},
	[MK_DOB] = {"missing", "exact", "day and month swapped", "one digit differs", "within a month",
		    "same year", "a year apart", "2 to 5 years apart", "different", "age agrees"},
	[MK_AGE] = {"missing"},
	[MK_SEX] = {"missing", "same", "different"},
	[MK_TOWN] = {"missing", "exact", "spelled alike", "different"},
	[MK_POSTCODE] = {"missing", "exact", "one digit differs", "same area", "different"},
	[MK_ADDRESS] = {"missing", "exact", "spelled alike", "partly alike", "different"},
	[MK_IDENT] = {"missing", "exact", "one character differs", "two characters differ", "different"},
	[MK_OTHER] = {"missing", "exact", "spelled alike", "different"},
};

int match_levels(enum match_kind k)
{
	int n = 0;
	while (n < MATCH_MAX_LEVELS && level_text[k][n])
		n++;
	return n;
}

const char *match_level_text(enum match_kind k, int level)
{
	return (unsigned)k < MK_COUNT && level >= 0 && level < MATCH_MAX_LEVELS && level_text[k][level]
		       ? level_text[k][level]
		       : "?";
}

/* Names spelt alike: 3 close by Jaro-Winkler, 4 sounding the same (the
 * phonetic keys pa, pb) or fairly close, else 0. */
static int cmp_close(const char *a, const char *b, uint64_t pa, uint64_t pb)
{
	double jw = cmp_jaro_winkler(a, b);
	if (jw >= 0.92)
		return 3;
	if (pa == pb || jw >= 0.80)
		return 4;
	return 0;
}

static int cmp_given(const char *a, const char *b, uint64_t pa, uint64_t pb, uint64_t na, uint64_t nb)
{
	if (!*a || !*b)
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	if ((na & nb) && nick_equivalent(a, b))
		return 2;
	int c = cmp_close(a, b, pa, pb);
	if (c)
		return c;
	if (a[0] == b[0] && (a[1] == '\0' || b[1] == '\0'))
		return 5;
	return 6;
}

/* Compound names: "garcia lopez" against "garcia" or "garcialopez". */
static bool compound_agrees(const char *a, const char *b)
{
	char sa[NORM_MAX], sb[NORM_MAX];
	norm_squash(a, sa, sizeof sa);
	norm_squash(b, sb, sizeof sb);
	if (strcmp(sa, sb) == 0)
		return true;
	if (!strchr(a, ' ') && !strchr(b, ' '))
		return false;
	char ba[NORM_MAX], bb[NORM_MAX];
	const char *pa[8], *pb[8];
	str_copy(ba, sizeof ba, a);
	str_copy(bb, sizeof bb, b);
	size_t na = norm_split(ba, pa, 8), nb = norm_split(bb, pb, 8);
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (strlen(pa[i]) > 1 && strcmp(pa[i], pb[j]) == 0)
				return true;
	return false;
}

static int cmp_family(const char *a, const char *b, uint64_t pa, uint64_t pb)
{
	if (!*a || !*b)
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	if (compound_agrees(a, b))
		return 2;
	int c = cmp_close(a, b, pa, pb);
	return c ? c : 5;
}

static struct cmp_date unpack_date(uint64_t v)
{
	struct cmp_date d = {(int)(v / 10000), (int)(v / 100 % 100), (int)(v % 100)};
	return d;
}

static int date_level(enum cmp_date_level l)
{
	switch (l) {
	case CMP_DATE_MISSING: return 0;
	case CMP_DATE_EXACT: return 1;
	case CMP_DATE_SWAPPED: return 2;
	case CMP_DATE_ONE_DIGIT: return 3;
	case CMP_DATE_NEAR: return 4;
	case CMP_DATE_SAME_YEAR: return 5;
	case CMP_DATE_YEARS_1: return 6;
	case CMP_DATE_YEARS_2_5: return 7;
	default: return 8; /* different; 9 is "age agrees", set by the caller */
	}
}

int match_dob_level(const struct match_store *s, uint64_t da, uint64_t aa, uint64_t db, uint64_t ab)
{
	if (da && db) {
		struct cmp_date x = unpack_date(da), y = unpack_date(db);
		return date_level(cmp_dates(&x, &y));
	}
	if (s->age_field < 0)
		return 0;
	if (da && ab) {
		struct cmp_date x = unpack_date(da);
		enum cmp_date_level l = cmp_date_age(&x, (int)ab - 1, &s->schema.as_of);
		return l == CMP_DATE_EXACT ? 9 : date_level(l);
	}
	if (db && aa) {
		struct cmp_date y = unpack_date(db);
		enum cmp_date_level l = cmp_date_age(&y, (int)aa - 1, &s->schema.as_of);
		return l == CMP_DATE_EXACT ? 9 : date_level(l);
	}
	if (aa && ab) {
		int d = (int)aa - (int)ab;
		d = d < 0 ? -d : d;
		return d == 0 ? 9 : d == 1 ? 6 : d <= 5 ? 7 : 8;
	}
	return 0;
}

static int cmp_dob(const struct match_store *s, const struct match_rec *a, const struct match_rec *b, int f)
{
	int af = s->age_field;
	return match_dob_level(s, a->aux[f], af >= 0 ? a->aux[af] : 0, b->aux[f], af >= 0 ? b->aux[af] : 0);
}

static int cmp_simple(const char *a, const char *b, double hi, double mid, int levels_after)
{
	if (!*a || !*b)
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	double jw = cmp_jaro_winkler(a, b);
	if (jw >= hi)
		return 2;
	if (mid > 0 && jw >= mid)
		return 3;
	return levels_after;
}

static int cmp_postcode(const char *a, const char *b)
{
	if (!*a || !*b)
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	if (cmp_damerau_levenshtein_max(a, b, 1) <= 1)
		return 2;
	if (strlen(a) >= 3 && strncmp(a, b, 3) == 0)
		return 3;
	return 4;
}

static int cmp_ident(const char *a, const char *b)
{
	if (!*a || !*b)
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	int d = cmp_damerau_levenshtein_max(a, b, 2);
	return d <= 1 ? 2 : d == 2 ? 3 : 4;
}

/* How two names of the store's pool compared, remembered by their
 * offsets (interned: one offset per value). kind 0 given, 1 family. */
static int cached(struct match_cache *c, int kind, const char *pool, uint32_t oa, uint32_t ob, uint64_t aa,
		  uint64_t ab, uint64_t na, uint64_t nb)
{
	const char *x = pool + oa, *y = pool + ob;
	if (!c || !oa || !ob)
		return kind ? cmp_family(x, y, aa, ab) : cmp_given(x, y, aa, ab, na, nb);
	uint64_t key = (uint64_t)oa << 32 | ob;
	size_t i = (key * 0x9E3779B97F4A7C15ULL) >> 48;
	if (c->key[kind][i] == key)
		return c->level[kind][i];
	int l = kind ? cmp_family(x, y, aa, ab) : cmp_given(x, y, aa, ab, na, nb);
	c->key[kind][i] = key;
	c->level[kind][i] = (uint8_t)l;
	return l;
}

int match_cache_get(const struct match_cache *c, bool family, uint32_t oa, uint32_t ob)
{
	uint64_t key = (uint64_t)oa << 32 | ob;
	size_t i = (key * 0x9E3779B97F4A7C15ULL) >> 48;
	return c->key[family][i] == key ? c->level[family][i] : -1;
}

int match_name_level(const struct match_store *s, struct match_cache *c, bool family, uint32_t oa, uint32_t ob,
		     uint64_t pa, uint64_t pb, uint64_t na, uint64_t nb)
{
	return cached(c, family, s->pool, oa, ob, pa, pb, na, nb);
}

/* One record has its names the other way round; which one is not known,
 * so both readings are tried and the better kept: the same levels
 * whichever record comes first. */
static void compare_crosswise(const struct match_rec *a, const char *pa, const struct match_rec *b, const char *pb,
			      int gi, int fi, uint8_t levels[MATCH_MAX_FIELDS], struct match_cache *c)
{
	int g1, f1, g2, f2;
	if (c && pa == pb) {
		g1 = cached(c, 0, pa, a->off[gi], b->off[fi], a->aux[gi], b->aux[fi], a->nick[0], b->nick[1]);
		f1 = cached(c, 1, pa, a->off[fi], b->off[gi], a->aux[fi], b->aux[gi], 0, 0);
		g2 = cached(c, 0, pa, b->off[gi], a->off[fi], b->aux[gi], a->aux[fi], b->nick[0], a->nick[1]);
		f2 = cached(c, 1, pa, b->off[fi], a->off[gi], b->aux[fi], a->aux[gi], 0, 0);
	} else {
		const char *ag = pa + a->off[gi], *af = pa + a->off[fi], *bg = pb + b->off[gi], *bf = pb + b->off[fi];
		/* b is swapped: a's given against b's family name. */
		g1 = cmp_given(ag, bf, a->aux[gi], b->aux[fi], a->nick[0], b->nick[1]);
		f1 = cmp_family(af, bg, a->aux[fi], b->aux[gi]);
		/* a is swapped: b's given against a's family name. */
		g2 = cmp_given(bg, af, b->aux[gi], a->aux[fi], b->nick[0], a->nick[1]);
		f2 = cmp_family(bf, ag, b->aux[fi], a->aux[gi]);
	}
	int best_g = levels[gi], best_f = levels[fi];
	match_best_reading(&best_g, &best_f, g1, f1, g2, f2);
	levels[gi] = (uint8_t)best_g;
	levels[fi] = (uint8_t)best_f;
}

void match_compare_names(const struct match_store *s, const struct match_rec *a, const char *pa,
			 const struct match_rec *b, const char *pb, uint8_t levels[MATCH_MAX_FIELDS])
{
	match_compare_names_cached(s, a, pa, b, pb, levels, NULL);
}

void match_compare_names_cached(const struct match_store *s, const struct match_rec *a, const char *pa,
				const struct match_rec *b, const char *pb, uint8_t levels[MATCH_MAX_FIELDS],
				struct match_cache *c)
{
	const struct match_schema *sc = &s->schema;
	int gi = -1, fi = -1;
	if (pa != pb)
		c = NULL;
	for (int f = 0; f < sc->n; f++) {
		const char *x = pa + a->off[f], *y = pb + b->off[f];
		if (sc->kind[f] == MK_GIVEN) {
			if (gi < 0)
				gi = f;
			uint64_t na = f == gi ? a->nick[0] : ~UINT64_C(0), nb = f == gi ? b->nick[0] : ~UINT64_C(0);
			levels[f] = (uint8_t)(c ? cached(c, 0, pa, a->off[f], b->off[f], a->aux[f], b->aux[f], na, nb)
						: cmp_given(x, y, a->aux[f], b->aux[f], na, nb));
		} else if (sc->kind[f] == MK_FAMILY) {
			if (fi < 0)
				fi = f;
			levels[f] = (uint8_t)(c ? cached(c, 1, pa, a->off[f], b->off[f], a->aux[f], b->aux[f], 0, 0)
						: cmp_family(x, y, a->aux[f], b->aux[f]));
		}
	}
	if (gi >= 0 && fi >= 0 && levels[gi] > 1 && levels[fi] > 1)
		compare_crosswise(a, pa, b, pb, gi, fi, levels, c);
}

void match_compare(const struct match_store *s, const struct match_rec *a, const char *pa,
		   const struct match_rec *b, const char *pb, uint8_t levels[MATCH_MAX_FIELDS])
{
	const struct match_schema *sc = &s->schema;
	int gi = -1, fi = -1;
	for (int f = 0; f < sc->n; f++) {
		const char *x = pa + a->off[f], *y = pb + b->off[f];
		int l = 0;
		switch (sc->kind[f]) {
		case MK_GIVEN:
			if (gi < 0)
				gi = f;
			l = cmp_given(x, y, a->aux[f], b->aux[f], f == gi ? a->nick[0] : ~UINT64_C(0),
				      f == gi ? b->nick[0] : ~UINT64_C(0));
			break;
		case MK_FAMILY:
			l = cmp_family(x, y, a->aux[f], b->aux[f]);
			if (fi < 0)
				fi = f;
			break;
		case MK_DOB: l = cmp_dob(s, a, b, f); break;
		case MK_AGE: l = 0; break;
		case MK_SEX: l = !*x || !*y ? 0 : x[0] == y[0] ? 1 : 2; break;
		case MK_TOWN: l = cmp_simple(x, y, 0.90, 0, 3); break;
		case MK_POSTCODE: l = cmp_postcode(x, y); break;
		case MK_ADDRESS: l = cmp_simple(x, y, 0.90, 0.75, 4); break;
		case MK_IDENT: l = cmp_ident(x, y); break;
		case MK_OTHER: l = cmp_simple(x, y, 0.90, 0, 3); break;
		default: break;
		}
		levels[f] = (uint8_t)l;
	}
	/* Given and family names written the other way round. */
	if (gi >= 0 && fi >= 0 && levels[gi] > 1 && levels[fi] > 1)
		compare_crosswise(a, pa, b, pb, gi, fi, levels, NULL);
}

/* ---- comparing and scoring with an early exit ---- */

static int field_level(const struct match_store *s, const struct match_rec *a, const char *pa,
		       const struct match_rec *b, const char *pb, int f)
{
	const char *x = pa + a->off[f], *y = pb + b->off[f];
	switch (s->schema.kind[f]) {
	case MK_DOB: return cmp_dob(s, a, b, f);
	case MK_SEX: return !*x || !*y ? 0 : x[0] == y[0] ? 1 : 2;
	case MK_TOWN: return cmp_simple(x, y, 0.90, 0, 3);
	case MK_POSTCODE: return cmp_postcode(x, y);
	case MK_ADDRESS: return cmp_simple(x, y, 0.90, 0.75, 4);
	case MK_IDENT: return cmp_ident(x, y);
	case MK_OTHER: return cmp_simple(x, y, 0.90, 0, 3);
	default: return 0;
	}
}

int match_field_level(const struct match_store *s, const struct match_rec *a, const char *pa,
		      const struct match_rec *b, const char *pb, int f)
{
	return field_level(s, a, pa, b, pb, f);
}

static int phase_of(enum match_kind k)
{
	switch (k) {
	case MK_DOB:
	case MK_IDENT:
	case MK_SEX:
	case MK_POSTCODE: return 0;
	case MK_GIVEN:
	case MK_FAMILY: return 1;
	default: return 2;
	}
}

bool match_score_at_least(const struct match_model *m, const double max_w[MATCH_MAX_FIELDS],
			  const struct match_store *s, const struct match_rec *a, const char *pa,
			  const struct match_rec *b, const char *pb, double min_weight,
			  uint8_t levels[MATCH_MAX_FIELDS], double *ret_weight, struct match_cache *cache)
{
	const struct match_schema *sc = &s->schema;
	double bound[MATCH_MAX_FIELDS], remaining = 0;
	for (int f = 0; f < sc->n; f++) {
		levels[f] = 0;
		bound[f] = max_w[f];
		if (bound[f] > 0)
			remaining += bound[f];
	}
	/* A move (match_moved_bonus) may give back some of what the places
	 * take off: the most it can is within reach until they are known. */
	double moved_max = match_moved_bonus_max(m);
	remaining += moved_max;
	double w = m->prior_w;
	for (int phase = 0; phase < 3; phase++) {
		if (phase == 1) {
			/* Names, written either way round. */
			uint8_t lv[MATCH_MAX_FIELDS];
			match_compare_names_cached(s, a, pa, b, pb, lv, cache);
			for (int f = 0; f < sc->n; f++) {
				if (phase_of(sc->kind[f]) != 1)
					continue;
				levels[f] = lv[f];
				double fw = levels[f] ? m->w[f][levels[f]] : 0;
				if (levels[f] == 1 && m->tf[f])
					fw += match_tf_adjust(m, f, pa + a->off[f]);
				w += fw;
				if (bound[f] > 0)
					remaining -= bound[f];
			}
			/* Places come last: when they are not equal (a cheap test),
			 * exact agreement and its bonus are out of reach, and the
			 * bound is the best partial level. */
			for (int f = 0; f < sc->n; f++) {
				if (phase_of(sc->kind[f]) != 2 || sc->kind[f] == MK_AGE || bound[f] <= 0)
					continue;
				const char *x = pa + a->off[f], *y = pb + b->off[f];
				double nb = bound[f];
				if (!*x || !*y) {
					nb = 0;
				} else if (pa == pb ? a->off[f] != b->off[f] && strcmp(x, y) != 0 : strcmp(x, y) != 0) {
					nb = 0;
					for (int l = 2; l < match_levels(sc->kind[f]); l++)
						if (m->w[f][l] > nb)
							nb = m->w[f][l];
				}
				remaining -= bound[f] - nb;
				bound[f] = nb;
			}
			if (w + remaining < min_weight)
				return false;
			continue;
		}
		for (int f = 0; f < sc->n; f++) {
			if (phase_of(sc->kind[f]) != phase || sc->kind[f] == MK_AGE)
				continue;
			int l = field_level(s, a, pa, b, pb, f);
			levels[f] = (uint8_t)l;
			double fw = l ? m->w[f][l] : 0;
			if (l == 1 && m->tf[f])
				fw += match_tf_adjust(m, f, pa + a->off[f]);
			w += fw;
			if (bound[f] > 0)
				remaining -= bound[f];
			if (w + remaining < min_weight)
				return false;
		}
	}
	w += match_moved_bonus(m, levels);
	if (w > MATCH_SIBLINGS_W && match_siblings(m, levels) != MATCH_ONE_CHILD)
		w = MATCH_SIBLINGS_W;
	*ret_weight = w;
	return w >= min_weight;
}
