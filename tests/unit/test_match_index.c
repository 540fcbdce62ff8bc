/* The registry's memory: records cut to their schema's fields, blocking
 * postings packed (and not kept past the key cap), and the index built
 * in two passes: each finds what the plain way finds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "match/match.h"

static struct match_store *person_store(void)
{
	struct match_schema sc;
	memset(&sc, 0, sizeof sc);
	match_schema_add(&sc, MK_GIVEN, "given name", NULL);
	match_schema_add(&sc, MK_FAMILY, "family name", NULL);
	match_schema_add(&sc, MK_DOB, "birth date", NULL);
	match_schema_add(&sc, MK_AGE, "age", NULL);
	match_schema_add(&sc, MK_SEX, "sex", NULL);
	match_schema_add(&sc, MK_TOWN, "town", NULL);
	sc.as_of = (struct cmp_date){2026, 11, 28};
	struct match_store *s;
	assert_int_equal(match_store_new(&sc, &s), 0);
	return s;
}

static const char *givens[] = {"Katherine", "Kate", "Jasmine", "Tyler", "Ava", "Liam", "Noah", "Emma",
			       "Olivia", "Mia", "Lucas", "Zoe", "Jon", "John", "Jonathan", "Ellie"};
static const char *families[] = {"Smith", "Smyth", "Rivera-Lopez", "Rivera", "O'Brien", "Nguyen",
				 "Garcia", "Hudson", "Kowalski", "Lee", "Brown", "Patel"};
static const char *towns[] = {"Hartford", "New Haven", "Waterbury", "Stamford", NULL};

/* Record i of a file with many shared names and dates, some values
 * missing: keys past a small cap, and keys under it. */
static void values_of(size_t i, char *dob, size_t dobsize, char *age, size_t agesize, const char *v[6])
{
	unsigned x = (unsigned)(i * 2654435761u);
	snprintf(dob, dobsize, "20%02u-%02u-%02u", 5 + x % 12, 1 + (x >> 8) % 12, 1 + (x >> 12) % 28);
	snprintf(age, agesize, "%u", 3 + (x >> 16) % 14);
	v[0] = x % 23 ? givens[(x >> 3) % 16] : NULL;
	v[1] = families[(x >> 7) % 12];
	v[2] = x % 5 ? dob : NULL;
	v[3] = x % 5 ? NULL : age;
	v[4] = (x >> 20) % 3 ? ((x >> 21) & 1 ? "F" : "M") : NULL;
	v[5] = towns[(x >> 22) % 5];
}

static struct match_store *filled_store(size_t n)
{
	struct match_store *s = person_store();
	for (size_t i = 0; i < n; i++) {
		char dob[16], age[8], id[24];
		const char *v[6];
		values_of(i, dob, sizeof dob, age, sizeof age, v);
		snprintf(id, sizeof id, "%zu", i + 1);
		assert_int_equal(match_store_add(s, id, v, 0, NULL, NULL), 0);
	}
	return s;
}

/* What a lookup must find, worked out the long way: for each of the
 * query's keys, every live record with that key, when no more than cap
 * records have it. Sorted, distinct. */
static size_t expected(const struct match_store *s, const struct match_rec *q, const char *qpool, size_t cap,
		       uint32_t *ret)
{
	uint64_t qk[MATCH_MAX_KEYS];
	size_t nq = match_keys(s, q, qpool, qk), n = 0, count = match_store_count(s);
	bool *hit = calloc(count ? count : 1, sizeof *hit);
	uint32_t *with = malloc((count ? count : 1) * sizeof *with);
	assert_non_null(hit);
	assert_non_null(with);
	for (size_t k = 0; k < nq; k++) {
		size_t m = 0;
		for (uint32_t i = 0; i < count; i++) {
			uint64_t rk[MATCH_MAX_KEYS];
			size_t nr = match_keys(s, match_store_rec(s, i), match_store_pool(s), rk);
			for (size_t j = 0; j < nr; j++)
				if (rk[j] == qk[k]) {
					with[m++] = i;
					break;
				}
		}
		if (m <= cap)
			for (size_t j = 0; j < m; j++)
				hit[with[j]] = true;
	}
	for (uint32_t i = 0; i < count; i++)
		if (hit[i] && !match_store_rec(s, i)->dead)
			ret[n++] = i;
	free(hit);
	free(with);
	return n;
}

static void same_candidates(const struct match_store *s, struct match_index *const *ix, size_t nix, size_t cap)
{
	size_t count = match_store_count(s);
	uint32_t *want = malloc(count * sizeof *want), *got = malloc(count * sizeof *got);
	assert_non_null(want);
	assert_non_null(got);
	for (uint32_t i = 0; i < count; i += 7) {
		const struct match_rec *q = match_store_rec(s, i);
		size_t nw = expected(s, q, match_store_pool(s), cap, want);
		for (size_t k = 0; k < nix; k++) {
			size_t ng = match_candidates(ix[k], s, q, match_store_pool(s), got, count);
			assert_int_equal(ng, nw);
			assert_memory_equal(got, want, nw * sizeof *want);
		}
		/* Cut short, every index walks its postings in one order. */
		size_t first = match_candidates(ix[0], s, q, match_store_pool(s), want, 3);
		for (size_t k = 1; k < nix; k++) {
			assert_int_equal(match_candidates(ix[k], s, q, match_store_pool(s), got, 3), first);
			assert_memory_equal(got, want, first * sizeof *want);
		}
	}
	free(want);
	free(got);
}

UNIT_TEST(every_way_of_building_the_index_finds_the_same_candidates)
{
	enum { N = 1500, CAP = 12 };
	struct match_store *s = filled_store(N);
	struct match_index *ix[4];
	for (int k = 0; k < 4; k++)
		assert_int_equal(match_index_new(CAP, &ix[k]), 0);
	/* One at a time, as records join a running server. */
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(match_index_add(ix[0], s, i), 0);
	/* Built whole: counted, then filled in. */
	assert_int_equal(match_index_build(ix[1], s), 0);
	/* Counted while loading, filled in after; then more join. */
	for (uint32_t i = 0; i < N / 2; i++)
		assert_int_equal(match_index_count(ix[2], s, i), 0);
	assert_int_equal(match_index_fill(ix[2], s), 0);
	for (uint32_t i = N / 2; i < N; i++)
		assert_int_equal(match_index_add(ix[2], s, i), 0);
	/* Added, packed half way, added again, packed again. */
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(match_index_add(ix[3], s, i), 0);
		if (i == N / 3)
			assert_int_equal(match_index_compact(ix[3]), 0);
	}
	same_candidates(s, ix, 4, CAP);
	assert_int_equal(match_index_compact(ix[3]), 0);
	same_candidates(s, ix, 4, CAP);
	/* A filled index is filled once. */
	assert_int_equal(match_index_fill(ix[1], s), ERR_INVAL);

	/* Replaced records drop out of every one. */
	for (uint32_t i = 0; i < N; i += 3)
		match_store_kill(s, i);
	same_candidates(s, ix, 4, CAP);

	for (int k = 0; k < 4; k++)
		match_index_free(ix[k]);
	match_store_free(s);
}

UNIT_TEST(an_empty_index_and_store_find_nothing)
{
	struct match_store *s = person_store();
	struct match_index *ix;
	assert_int_equal(match_index_new(0, &ix), 0);
	assert_int_equal(match_index_build(ix, s), 0);
	const char *q[6] = {"Kate", "Smith", "2011-03-04", NULL, "F", NULL};
	char pool[256];
	struct match_rec r;
	assert_int_equal(match_prepare(s, q, &r, pool, sizeof pool), 0);
	uint32_t cand[4];
	assert_int_equal(match_candidates(ix, s, &r, pool, cand, 4), 0);
	/* And the first record to join is found. */
	assert_int_equal(match_store_add(s, "1", q, 0, NULL, NULL), 0);
	assert_int_equal(match_index_add(ix, s, 0), 0);
	assert_int_equal(match_candidates(ix, s, &r, pool, cand, 4), 1);
	match_index_free(ix);
	match_store_free(s);
}

/* A stored record holds what match_prepare makes of the same values,
 * field by field, through every time the store grows. */
static void records_hold_their_values(int nfields)
{
	struct match_schema sc;
	memset(&sc, 0, sizeof sc);
	static const enum match_kind kinds[] = {MK_GIVEN, MK_FAMILY, MK_DOB, MK_AGE, MK_SEX, MK_TOWN};
	for (int f = 0; f < nfields; f++)
		assert_int_equal(match_schema_add(&sc, kinds[f % 6], NULL, NULL), 0);
	sc.as_of = (struct cmp_date){2026, 11, 28};
	struct match_store *s;
	assert_int_equal(match_store_new(&sc, &s), 0);
	enum { N = 5000 };
	for (size_t i = 0; i < N; i++) {
		char dob[16], age[8], id[24];
		const char *v6[6], *v[MATCH_MAX_FIELDS];
		values_of(i, dob, sizeof dob, age, sizeof age, v6);
		for (int f = 0; f < nfields; f++)
			v[f] = v6[f % 6];
		snprintf(id, sizeof id, "p%zu", i);
		assert_int_equal(match_store_add(s, id, v, (uint8_t)(i & 1), NULL, NULL), 0);
	}
	assert_int_equal(match_store_count(s), N);
	for (uint32_t i = 0; i < N; i++) {
		char dob[16], age[8], id[24], pool[1024];
		const char *v6[6], *v[MATCH_MAX_FIELDS];
		values_of(i, dob, sizeof dob, age, sizeof age, v6);
		for (int f = 0; f < nfields; f++)
			v[f] = v6[f % 6];
		struct match_rec q;
		assert_int_equal(match_prepare(s, v, &q, pool, sizeof pool), 0);
		const struct match_rec *r = match_store_rec(s, i);
		snprintf(id, sizeof id, "p%u", i);
		assert_string_equal(match_store_id(s, i), id);
		assert_int_equal(r->source, i & 1);
		assert_false(r->dead);
		assert_memory_equal(r->nick, q.nick, sizeof q.nick);
		for (int f = 0; f < nfields; f++) {
			assert_string_equal(match_store_value(s, i, f), pool + q.off[f]);
			assert_int_equal(r->aux[f], q.aux[f]);
			assert_int_equal(r->off[f] == 0, q.off[f] == 0);
		}
	}
	match_store_kill(s, 17);
	assert_true(match_store_rec(s, 17)->dead);
	assert_false(match_store_rec(s, 18)->dead);
	match_store_free(s);
}

UNIT_TEST(stored_records_keep_every_field_of_a_short_or_a_full_schema)
{
	records_hold_their_values(1);
	records_hold_their_values(6);
	records_hold_their_values(MATCH_MAX_FIELDS);
}

/* The registry's cost per person (docs/architecture.md, "Budgets"): its
 * record of six fields in the store, values kept once each, under 128
 * bytes all told. */
UNIT_TEST(a_person_costs_the_store_little)
{
	enum { N = 32768 };
	struct match_store *s = filled_store(N);
	size_t bytes = match_store_bytes(s);
	/* Birth dates and names repeat: a record's values point at one copy. */
	for (uint32_t i = 1; i < N; i++) {
		const char *a = match_store_value(s, i, 2), *b = match_store_value(s, i - 1, 2);
		if (*a && strcmp(a, b) == 0)
			assert_ptr_equal(a, b);
	}
	assert_true(bytes / N < 128);
	match_store_free(s);
}

int main(void)
{
	return unit_run("match_index", NULL, NULL);
}
