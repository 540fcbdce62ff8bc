/* Unit tests of src/match: comparison levels, the Fellegi-Sunter model and
 * its EM estimation, term frequencies, blocking, lookup, and batch
 * deduplication of the FEBRL file against its ground truth. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "match/gen.h"
#include "match/match.h"
#include "match/nick.h"

/* A small deterministic generator (xorshift64*), so the random tests are
 * repeatable. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed ? seed : 0x9E3779B97F4A7C15u;
}

static double rnd01(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

/* A level drawn from p[1..L-1] (p[0] unused). */
static uint8_t draw_level(const double *p, int L)
{
	double x = rnd01(), c = 0;
	for (int l = 1; l < L; l++) {
		c += p[l];
		if (x < c)
			return (uint8_t)l;
	}
	return (uint8_t)(L - 1);
}

static void assert_within(double got, double want, double tol, const char *what)
{
	if (fabs(got - want) > tol)
		fail_msg("%s: got %.4f, want %.4f +- %.3f", what, got, want, tol);
}

/* ---- a schema of every kind, and records prepared against it ---- */

enum { G, F, D, A, S, T, P, AD, I, NF };

static struct match_store *full_store(void)
{
	struct match_schema sc;
	memset(&sc, 0, sizeof sc);
	assert_int_equal(match_schema_add(&sc, MK_GIVEN, "given name", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_FAMILY, "family name", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_DOB, "birth date", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_AGE, "age", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_SEX, "sex", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_TOWN, "town", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_POSTCODE, "postcode", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_ADDRESS, "address", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_IDENT, "identifier", NULL), 0);
	sc.as_of = (struct cmp_date){2026, 11, 28};
	struct match_store *s;
	assert_int_equal(match_store_new(&sc, &s), 0);
	return s;
}

struct person {
	const char *given, *family, *dob, *age, *sex, *town, *postcode, *address, *ident;
};

static void values_of(const struct person *p, const char *v[NF])
{
	const char *w[NF] = {p->given, p->family, p->dob, p->age, p->sex, p->town, p->postcode, p->address, p->ident};
	memcpy(v, w, sizeof w);
}

/* The levels of two people compared, each prepared in a pool of its own. */
static void levels_of(struct match_store *s, const struct person *a, const struct person *b,
                      uint8_t lv[MATCH_MAX_FIELDS])
{
	const char *va[NF], *vb[NF];
	values_of(a, va);
	values_of(b, vb);
	char pa[1024], pb[1024];
	struct match_rec ra, rb;
	assert_int_equal(match_prepare(s, va, &ra, pa, sizeof pa), 0);
	assert_int_equal(match_prepare(s, vb, &rb, pb, sizeof pb), 0);
	memset(lv, 0xEE, MATCH_MAX_FIELDS);
	match_compare(s, &ra, pa, &rb, pb, lv);
	/* Symmetric: the other way round gives the same levels. */
	uint8_t back[MATCH_MAX_FIELDS];
	match_compare(s, &rb, pb, &ra, pa, back);
	for (int f = 0; f < match_store_schema(s)->n; f++)
		if (lv[f] != back[f])
			fail_msg("not symmetric: %s %s vs %s %s: field %d (%s) is level %d (%s) one way, %d (%s) the "
			         "other",
			         a->given ? a->given : "-", a->family ? a->family : "-", b->given ? b->given : "-",
			         b->family ? b->family : "-", f, match_store_schema(s)->label[f], lv[f],
			         match_level_text(match_store_schema(s)->kind[f], lv[f]), back[f],
			         match_level_text(match_store_schema(s)->kind[f], back[f]));
}

/* Each comparison test gets a store of every kind, freed even when it fails. */
static int setup_store(void **state)
{
	*state = full_store();
	return 0;
}

static int teardown_store(void **state)
{
	match_store_free(*state);
	return 0;
}

#define assert_level(lv, f, kind, want)                                                                                \
	do {                                                                                                           \
		if ((lv)[f] != (want))                                                                                 \
			fail_msg("field %d: level %d (%s), want %d (%s)", (f), (lv)[f],                                \
			         match_level_text((kind), (lv)[f]), (want), match_level_text((kind), (want)));         \
	} while (0)

/* The levels of a against b, of which field f (of kind) must be want. */
static void expect_level(struct match_store *s, const struct person *a, const struct person *b, int f,
                         enum match_kind kind, int want)
{
	uint8_t lv[MATCH_MAX_FIELDS];
	levels_of(s, a, b, lv);
	assert_level(lv, f, kind, want);
}

/* The names given_a family_a against given_b family_b: the given names
 * at level given, the family names at level family. */
static void expect_names(struct match_store *s, const char *given_a, const char *family_a, const char *given_b,
                         const char *family_b, int given, int family)
{
	uint8_t lv[MATCH_MAX_FIELDS];
	levels_of(s, &(struct person){.given = given_a, .family = family_a},
	          &(struct person){.given = given_b, .family = family_b}, lv);
	assert_level(lv, G, MK_GIVEN, given);
	assert_level(lv, F, MK_FAMILY, family);
}

/* ---- comparison levels ---- */

UNIT_TEST_WITH(a_nickname_one_hop_away_is_the_nickname_level, setup_store, teardown_store)
{
	assert_int_equal(nick_init(), 0);
	/* katie is a nickname of katy, itself a nickname of katherine. */
	assert_true(nick_equivalent("katie", "katherine"));
	assert_true(nick_equivalent("katherine", "katie"));
	struct match_store *s = *state;
	uint8_t lv[MATCH_MAX_FIELDS];
	levels_of(s, &(struct person){.given = "Katie", .family = "Smith"},
	          &(struct person){.given = "Katherine", .family = "Smith"}, lv);
	assert_level(lv, G, MK_GIVEN, 2);
	assert_string_equal(match_level_text(MK_GIVEN, 2), "nickname");
	assert_level(lv, F, MK_FAMILY, 1);
	/* Exact agreement is exact, not a nickname. */
	expect_level(s, &(struct person){.given = "KATHERINE"}, &(struct person){.given = "katherine"}, G, MK_GIVEN, 1);
	/* Two names of no common group are not nicknames of each other. */
	expect_level(s, &(struct person){.given = "katherine"}, &(struct person){.given = "tyler"}, G, MK_GIVEN, 6);
}

UNIT_TEST_WITH(swapped_day_and_month_is_level_2_of_the_birth_date, setup_store, teardown_store)
{
	struct match_store *s = *state;
	uint8_t lv[MATCH_MAX_FIELDS];
	expect_level(s, &(struct person){.dob = "2011-03-04"}, &(struct person){.dob = "2011-04-03"}, D, MK_DOB, 2);
	assert_string_equal(match_level_text(MK_DOB, 2), "day and month swapped");
	/* Swapped, but another year: not the swapped level. */
	levels_of(s, &(struct person){.dob = "2011-03-04"}, &(struct person){.dob = "2012-04-03"}, lv);
	assert_true(lv[D] > 2);
}

UNIT_TEST_WITH(a_compound_family_name_agrees_with_one_of_its_parts_at_level_2, setup_store, teardown_store)
{
	struct match_store *s = *state;
	expect_level(s, &(struct person){.family = "rivera lopez"}, &(struct person){.family = "rivera"}, F, MK_FAMILY, 2);
	assert_string_equal(match_level_text(MK_FAMILY, 2), "same apart from spacing, or a compound part");
	expect_level(s, &(struct person){.family = "Rivera-Lopez"}, &(struct person){.family = "Lopez"}, F, MK_FAMILY, 2);
	expect_level(s, &(struct person){.family = "Rivera-Lopez"}, &(struct person){.family = "riveralopez"}, F, MK_FAMILY, 2);
	expect_level(s, &(struct person){.family = "Rivera-Lopez"}, &(struct person){.family = "rivera lopez"}, F, MK_FAMILY, 1);
}

UNIT_TEST_WITH(given_and_family_names_written_the_other_way_round_agree, setup_store, teardown_store)
{
	struct match_store *s = *state;
	expect_names(s, "Smith", "Katherine", "Katherine", "Smith", 1, 1);
	/* Names that differ whichever way they are read stay different. */
	expect_names(s, "Tyler", "Obrien", "Katherine", "Smith", 6, 5);
}

/* "Smith Katie" against "Katherine Smith": read crosswise, the given names
 * are a nickname pair and the family names agree, whichever of the two
 * records has its names the other way round (levels_of compares both
 * ways). */
UNIT_TEST_WITH(swapped_names_with_a_nickname_compare_alike_whichever_record_is_swapped, setup_store, teardown_store)
{
	struct match_store *s = *state;
	expect_names(s, "Katherine", "Smith", "Smith", "Katie", 2, 1);
	expect_names(s, "Smith", "Katie", "Katherine", "Smith", 2, 1);
}

UNIT_TEST_WITH(an_age_that_agrees_with_a_birth_date_on_the_as_of_date_is_level_9, setup_store, teardown_store)
{
	struct match_store *s = *state; /* as of 2026-11-28 */
	uint8_t lv[MATCH_MAX_FIELDS];
	struct person born = {.dob = "2011-03-04"}; /* 15 on 2026-11-28 */
	levels_of(s, &born, &(struct person){.age = "15"}, lv);
	assert_level(lv, D, MK_DOB, 9);
	assert_string_equal(match_level_text(MK_DOB, 9), "age agrees");
	assert_level(lv, A, MK_AGE, 0); /* the age is never a level of its own */
	levels_of(s, &born, &(struct person){.age = "14"}, lv);
	assert_level(lv, D, MK_DOB, 6); /* a year apart */
	levels_of(s, &born, &(struct person){.age = "12"}, lv);
	assert_level(lv, D, MK_DOB, 7); /* 2 to 5 years apart */
	expect_level(s, &born, &(struct person){.age = "3"}, D, MK_DOB, 8);
	/* Born 2011-12-01: still 14 on 2026-11-28. */
	expect_level(s, &(struct person){.dob = "2011-12-01"}, &(struct person){.age = "14"}, D, MK_DOB, 9);
	/* Two ages only. */
	expect_level(s, &(struct person){.age = "15"}, &(struct person){.age = "15"}, D, MK_DOB, 9);
	expect_level(s, &(struct person){.age = "15"}, &(struct person){.age = "16"}, D, MK_DOB, 6);
	/* A birth date on both sides wins over an age. */
	expect_level(s, &(struct person){.dob = "2011-03-04", .age = "3"}, &(struct person){.dob = "2011-03-04"}, D, MK_DOB, 1);
}

UNIT_TEST_WITH(a_value_missing_on_either_side_is_level_0, setup_store, teardown_store)
{
	struct match_store *s = *state;
	uint8_t lv[MATCH_MAX_FIELDS];
	struct person full = {"Katherine", "Smith", "2011-03-04", NULL,       "F",
	                      "Hartford",  "06101", "12 Main St", "123456789"};
	levels_of(s, &full, &(struct person){0}, lv);
	for (int f = 0; f < NF; f++)
		assert_level(lv, f, match_store_schema(s)->kind[f], 0);
	levels_of(s, &(struct person){0}, &(struct person){0}, lv);
	for (int f = 0; f < NF; f++)
		assert_int_equal(lv[f], 0);
	/* Empty, blank and punctuation-only values count as missing too. */
	levels_of(s, &full,
	          &(struct person){.given = "",
	                           .family = "  ",
	                           .dob = " ",
	                           .sex = "unknown",
	                           .town = "--",
	                           .postcode = "",
	                           .address = " ",
	                           .ident = ""},
	          lv);
	for (int f = 0; f < NF; f++)
		assert_int_equal(lv[f], 0);
	/* A date that is no date is missing, and named as the bad field. */
	const char *v[NF] = {"Kat", NULL, "2011-02-30", NULL, NULL, NULL, NULL, NULL, NULL};
	uint32_t idx;
	int bad = -2;
	assert_int_equal(match_store_add(s, "x", v, 0, &idx, &bad), 0);
	assert_int_equal(bad, D);
	assert_string_equal(match_store_value(s, idx, D), "");
	assert_string_equal(match_store_value(s, idx, G), "kat");
}

UNIT_TEST_WITH(an_identifier_one_character_off_is_level_2, setup_store, teardown_store)
{
	struct match_store *s = *state;
	uint8_t lv[MATCH_MAX_FIELDS];
	expect_level(s, &(struct person){.ident = "123456789"}, &(struct person){.ident = "123 456 789"}, I, MK_IDENT, 1);
	expect_level(s, &(struct person){.ident = "123456789"}, &(struct person){.ident = "123456788"}, I, MK_IDENT, 2);
	assert_string_equal(match_level_text(MK_IDENT, 2), "one character differs");
	levels_of(s, &(struct person){.ident = "123456789"}, &(struct person){.ident = "123457689"}, lv);
	assert_level(lv, I, MK_IDENT, 2); /* adjacent transposition */
	levels_of(s, &(struct person){.ident = "123456789"}, &(struct person){.ident = "12345678"}, lv);
	assert_level(lv, I, MK_IDENT, 2); /* one dropped */
	expect_level(s, &(struct person){.ident = "123456789"}, &(struct person){.ident = "123456700"}, I, MK_IDENT, 3);
	expect_level(s, &(struct person){.ident = "123456789"}, &(struct person){.ident = "987654321"}, I, MK_IDENT, 4);
}

UNIT_TEST_WITH(levels_stay_within_each_kinds_range, setup_store, teardown_store)
{
	struct match_store *s = *state;
	const struct match_schema *sc = match_store_schema(s);
	struct person people[] = {
	        {"Katherine", "Smith", "2011-03-04", NULL, "F", "Hartford", "06101", "12 Main St", "123456789"},
	        {"Katie", "Smyth", NULL, "15", "f", "Hartfrod", "06102", "12 Main Street", "123456780"},
	        {"Tyler", "O'Brien", NULL, "15", "M", "Waterbury", "06701", "3 Elm Rd", NULL},
	        {"Jasmine", "Rivera-Lopez", "2010-07-19", NULL, "female", "New Haven", "06510", NULL, "555"},
	        {"J", "Rivera", "2010-07-91", "40", "x", "new haven", "6510", "Apt 4", "5555"},
	};
	size_t n = sizeof people / sizeof people[0];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			uint8_t lv[MATCH_MAX_FIELDS];
			levels_of(s, &people[i], &people[j], lv);
			for (int f = 0; f < sc->n; f++)
				if (lv[f] >= (sc->kind[f] == MK_AGE ? 1 : match_levels(sc->kind[f])))
					fail_msg("%zu vs %zu field %d: level %d of %d", i, j, f, lv[f],
					         match_levels(sc->kind[f]));
		}
}

/* ---- EM ---- */

/* A schema of four fields with their true m and u, and lambda. */
static const enum match_kind em_kinds[4] = {MK_GIVEN, MK_FAMILY, MK_DOB, MK_TOWN};
static const double em_m[4][MATCH_MAX_LEVELS] = {
        {0, 0.70, 0.10, 0.08, 0.05, 0.02, 0.05},
        {0, 0.75, 0.08, 0.07, 0.06, 0.04},
        {0, 0.80, 0.04, 0.04, 0.03, 0.03, 0.02, 0.01, 0.01, 0.02},
        {0, 0.70, 0.05, 0.25},
};
static const double em_u[4][MATCH_MAX_LEVELS] = {
        {0, 0.01, 0.005, 0.01, 0.03, 0.005, 0.94},
        {0, 0.01, 0.005, 0.01, 0.03, 0.945},
        {0, 0.002, 0.001, 0.01, 0.02, 0.05, 0.10, 0.30, 0.497, 0.02},
        {0, 0.05, 0.02, 0.93},
};
#define EM_LAMBDA 0.2
#define EM_PAIRS 30000

static void em_schema(struct match_schema *sc, int nf)
{
	memset(sc, 0, sizeof *sc);
	for (int f = 0; f < nf; f++)
		assert_int_equal(match_schema_add(sc, em_kinds[f], NULL, NULL), 0);
}

/* Level vectors of npairs pairs, each a match with probability lambda;
 * a share missing of every field is left at level 0. */
static uint8_t *em_levels(int nf, size_t npairs, double lambda, double missing, uint64_t seed)
{
	rng_seed(seed);
	uint8_t *lv = malloc(npairs * (size_t)nf);
	assert_non_null(lv);
	for (size_t p = 0; p < npairs; p++) {
		bool match = rnd01() < lambda;
		for (int f = 0; f < nf; f++) {
			uint8_t l = draw_level(match ? em_m[f] : em_u[f], match_levels(em_kinds[f]));
			if (rnd01() < missing)
				l = 0;
			lv[p * (size_t)nf + (size_t)f] = l;
		}
	}
	return lv;
}

static void check_recovered(const struct match_model *m, int nf, bool check_u)
{
	char what[64];
	for (int f = 0; f < nf; f++)
		for (int l = 1; l < match_levels(em_kinds[f]); l++) {
			snprintf(what, sizeof what, "m[%d][%d]", f, l);
			assert_within(m->m[f][l], em_m[f][l], 0.03, what);
			if (check_u) {
				snprintf(what, sizeof what, "u[%d][%d]", f, l);
				assert_within(m->u[f][l], em_u[f][l], 0.03, what);
			}
		}
}

UNIT_TEST(em_recovers_m_u_and_lambda_of_a_known_mixture)
{
	for (int nf = 3; nf <= 4; nf++) {
		struct match_schema sc;
		em_schema(&sc, nf);
		uint8_t *lv = em_levels(nf, EM_PAIRS, EM_LAMBDA, 0.05, 42 + (uint64_t)nf);
		struct match_model m;
		match_model_init(&m, &sc);
		assert_int_equal(match_model_em(&m, lv, EM_PAIRS, 500, 1e-7, true, NULL), 0);
		assert_within(m.lambda, EM_LAMBDA, 0.02, "lambda");
		check_recovered(&m, nf, true);
		assert_true(m.iterations > 0 && m.iterations <= 500);
		assert_int_equal(m.pairs, EM_PAIRS);
		/* Weights follow m and u; exact agreement weighs most. */
		for (int f = 0; f < nf; f++) {
			for (int l = 2; l < match_levels(em_kinds[f]); l++)
				assert_true(m.w[f][1] >= m.w[f][l]);
			assert_within(
			        m.w[f][match_levels(em_kinds[f]) - 1],
			        log2(m.m[f][match_levels(em_kinds[f]) - 1] / m.u[f][match_levels(em_kinds[f]) - 1]),
			        1e-9, "w of the last level");
		}
		assert_within(m.prior_w, log2(m.lambda / (1 - m.lambda)), 1e-9, "prior_w");
		match_model_done(&m);
		free(lv);
	}
}

UNIT_TEST(em_with_u_fixed_recovers_m_and_lambda)
{
	int nf = 4;
	struct match_schema sc;
	em_schema(&sc, nf);
	uint8_t *lv = em_levels(nf, EM_PAIRS, EM_LAMBDA, 0.0, 7);
	struct match_model m;
	match_model_init(&m, &sc);
	for (int f = 0; f < nf; f++)
		for (int l = 1; l < match_levels(em_kinds[f]); l++)
			m.u[f][l] = em_u[f][l];
	assert_int_equal(match_model_em(&m, lv, EM_PAIRS, 500, 1e-7, false, NULL), 0);
	check_recovered(&m, nf, false);
	assert_within(m.lambda, EM_LAMBDA, 0.02, "lambda");
	/* u is left exactly as it was set. */
	for (int f = 0; f < nf; f++)
		for (int l = 1; l < match_levels(em_kinds[f]); l++)
			assert_true(m.u[f][l] == em_u[f][l]);
	match_model_done(&m);
	free(lv);
}

UNIT_TEST(em_on_no_pairs_changes_nothing)
{
	struct match_schema sc;
	em_schema(&sc, 3);
	struct match_model m, before;
	match_model_init(&m, &sc);
	match_model_init(&before, &sc);
	uint8_t none[1] = {0};
	assert_int_equal(match_model_em(&m, none, 0, 100, 1e-6, true, NULL), 0);
	assert_true(m.lambda == before.lambda && m.prior_w == before.prior_w);
	assert_int_equal(m.iterations, 0);
	assert_memory_equal(m.m, before.m, sizeof m.m);
	assert_memory_equal(m.u, before.u, sizeof m.u);
	assert_memory_equal(m.w, before.w, sizeof m.w);
}

UNIT_TEST(u_from_random_pairs_is_the_share_of_each_level_among_them)
{
	int nf = 4;
	struct match_schema sc;
	em_schema(&sc, nf);
	/* All non-matches, a fifth of the values missing. */
	size_t n = 50000;
	uint8_t *lv = em_levels(nf, n, 0.0, 0.2, 99);
	struct match_model m;
	match_model_init(&m, &sc);
	match_model_u(&m, lv, n);
	char what[64];
	for (int f = 0; f < nf; f++) {
		double sum = 0;
		for (int l = 1; l < match_levels(em_kinds[f]); l++) {
			snprintf(what, sizeof what, "u[%d][%d]", f, l);
			assert_within(m.u[f][l], em_u[f][l], 0.01, what);
			assert_true(m.u[f][l] > 0);
			sum += m.u[f][l];
		}
		assert_within(sum, 1.0, 1e-9, "u sums to 1 over the levels");
	}
	free(lv);

	/* A level no random pair shows still gets a little probability, and
	 * missing values (level 0) are not counted. */
	uint8_t few[3 * 4] = {1, 0, 0, 0, 6, 0, 0, 0, 6, 0, 0, 0};
	match_model_init(&m, &sc);
	struct match_model before = m;
	match_model_u(&m, few, 3);
	double sum6 = 3 + 6 * 0.5; /* 3 values seen, 6 levels smoothed by a half */
	assert_within(m.u[0][1], 1.5 / sum6, 1e-12, "u[0][1]");
	assert_within(m.u[0][6], 2.5 / sum6, 1e-12, "u[0][6]");
	assert_within(m.u[0][3], 0.5 / sum6, 1e-12, "u[0][3]");
	/* A field always missing keeps its u. */
	for (int f = 1; f < nf; f++)
		for (int l = 1; l < match_levels(em_kinds[f]); l++)
			assert_true(m.u[f][l] == before.u[f][l]);
}

/* ---- weights and probabilities ---- */

UNIT_TEST(probability_is_one_half_at_weight_0_and_rises_with_the_weight)
{
	assert_within(match_probability(0), 0.5, 1e-12, "p(0)");
	assert_within(match_probability(1), 2.0 / 3.0, 1e-12, "p(1)");
	assert_within(match_probability(-1), 1.0 / 3.0, 1e-12, "p(-1)");
	assert_within(match_probability(log2(MATCH_LINK / (1 - MATCH_LINK))), MATCH_LINK, 1e-12,
	              "p at the link weight");
	double last = -1;
	for (double w = -80; w <= 80; w += 0.25) {
		double p = match_probability(w);
		assert_true(p >= 0 && p <= 1);
		assert_true(p >= last);
		if (w > -40 && w < 40)
			assert_true(p > last); /* strictly, where doubles can tell */
		last = p;
	}
	assert_true(match_probability(-1000) == 0);
	assert_true(match_probability(1000) == 1);
}

UNIT_TEST(the_weight_is_the_prior_plus_each_fields_weight)
{
	struct match_store *s = full_store();
	struct match_model m;
	match_model_init(&m, match_store_schema(s));
	m.lambda = 0.01;
	m.prior_w = log2(0.01 / 0.99);
	const char *v[NF] = {"katie", "smith", "2011-03-04", NULL, "f", NULL, NULL, NULL, NULL};
	char pool[512];
	struct match_rec r;
	assert_int_equal(match_prepare(s, v, &r, pool, sizeof pool), 0);
	uint8_t lv[MATCH_MAX_FIELDS] = {0};
	lv[G] = 2;
	lv[F] = 1;
	lv[D] = 8;
	double explain[MATCH_MAX_FIELDS];
	double w = match_weight(&m, s, &r, pool, lv, explain);
	assert_within(explain[G], m.w[G][2], 1e-12, "given");
	assert_within(explain[F], m.w[F][1], 1e-12, "family (no term frequencies)");
	assert_within(explain[D], m.w[D][8], 1e-12, "dob");
	for (int f = 0; f < NF; f++)
		if (f != G && f != F && f != D)
			assert_true(explain[f] == 0);
	assert_within(w, m.prior_w + m.w[G][2] + m.w[F][1] + m.w[D][8], 1e-9, "weight");
	assert_within(match_weight(&m, s, &r, pool, lv, NULL), w, 1e-12, "the same without explain");
	/* Agreement weighs more than disagreement. */
	assert_true(m.w[G][1] > 0 && m.w[G][6] < 0);
	match_model_done(&m);
	match_store_free(s);
}

UNIT_TEST(exact_agreement_on_a_rare_family_name_weighs_more_than_on_a_common_one)
{
	struct match_schema sc;
	memset(&sc, 0, sizeof sc);
	match_schema_add(&sc, MK_GIVEN, NULL, NULL);
	match_schema_add(&sc, MK_FAMILY, NULL, NULL);
	struct match_store *s;
	assert_int_equal(match_store_new(&sc, &s), 0);
	static const char *given[] = {"anna", "ben", "carl", "dora", "emil", "fay", "gus", "hana", "ivan", "jo"};
	char id[16];
	for (int i = 0; i < 100; i++) {
		const char *v[2] = {given[i % 10], "Smith"};
		snprintf(id, sizeof id, "s%d", i);
		assert_int_equal(match_store_add(s, id, v, 0, NULL, NULL), 0);
	}
	const char *z[2] = {"anna", "Zabrowski"};
	uint32_t zi;
	assert_int_equal(match_store_add(s, "z", z, 0, &zi, NULL), 0);
	struct match_model m;
	match_model_init(&m, &sc);
	assert_int_equal(match_model_tf(&m, s), 0);
	uint8_t lv[MATCH_MAX_FIELDS] = {1, 1};
	const char *pool = match_store_pool(s);
	double ex_smith[MATCH_MAX_FIELDS], ex_zab[MATCH_MAX_FIELDS];
	double w_smith = match_weight(&m, s, match_store_rec(s, 0), pool, lv, ex_smith);
	double w_zab = match_weight(&m, s, match_store_rec(s, zi), pool, lv, ex_zab);
	if (!(w_zab > w_smith + 1))
		fail_msg("zabrowski %.3f, smith %.3f", w_zab, w_smith);
	assert_true(ex_zab[1] > m.w[1][1]);    /* rarer than the average agreeing value */
	assert_true(ex_smith[1] <= m.w[1][1]); /* commoner */
	/* The given names are all equally common: the same adjustment. */
	assert_within(ex_smith[0], ex_zab[0], 1e-12, "given name anna both times");
	/* Only exact agreement is adjusted. */
	lv[1] = 3;
	assert_within(match_weight(&m, s, match_store_rec(s, zi), pool, lv, NULL) -
	                      match_weight(&m, s, match_store_rec(s, 0), pool, lv, NULL),
	              0, 1e-12, "a partial agreement");
	match_model_done(&m);
	for (int f = 0; f < MATCH_MAX_FIELDS; f++)
		assert_null(m.tf[f]);
	match_store_free(s);
}

/* ---- blocking ---- */

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

static uint32_t add6(struct match_store *s, const char *id, const char *given, const char *family, const char *dob,
                     const char *age, const char *sex, const char *town)
{
	const char *v[6] = {given, family, dob, age, sex, town};
	uint32_t i;
	assert_int_equal(match_store_add(s, id, v, 0, &i, NULL), 0);
	return i;
}

static uint64_t dob_key(const struct match_store *s, uint32_t i)
{
	uint64_t keys[MATCH_MAX_KEYS];
	uint8_t types[MATCH_MAX_KEYS];
	size_t n = match_keys_typed(s, match_store_rec(s, i), match_store_pool(s), keys, types);
	assert_true(n <= MATCH_MAX_KEYS);
	uint64_t found = 0;
	for (size_t k = 0; k < n; k++)
		if (types[k] == MATCH_KEY_DOB) {
			assert_true(found == 0); /* one birth-date key */
			found = keys[k];
		}
	assert_true(found != 0);
	/* The untyped keys are the same keys. */
	uint64_t plain[MATCH_MAX_KEYS];
	assert_int_equal(match_keys(s, match_store_rec(s, i), match_store_pool(s), plain), n);
	assert_memory_equal(plain, keys, n * sizeof keys[0]);
	return found;
}

UNIT_TEST(swapped_day_and_month_give_the_same_birth_date_key)
{
	struct match_store *s = person_store();
	uint32_t a = add6(s, "a", "Katherine", "Smith", "2011-03-04", NULL, "F", "Hartford");
	uint32_t b = add6(s, "b", "Tyler", "OBrien", "2011-04-03", NULL, "M", "Waterbury");
	uint32_t c = add6(s, "c", "Katherine", "Smith", "2012-03-04", NULL, "F", "Hartford");
	uint32_t d = add6(s, "d", "Katherine", "Smith", "2011-03-05", NULL, "F", "Hartford");
	assert_true(dob_key(s, a) == dob_key(s, b));
	assert_true(dob_key(s, a) != dob_key(s, c));
	assert_true(dob_key(s, a) != dob_key(s, d));
	match_store_free(s);
}

static bool has(const uint32_t *list, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == x)
			return true;
	return false;
}

UNIT_TEST(candidates_share_a_key_and_are_live_and_distinct)
{
	struct match_store *s = person_store();
	uint32_t kat = add6(s, "1", "Katherine", "Smith", "2011-03-04", NULL, "F", "Hartford");
	uint32_t jas = add6(s, "2", "Jasmine", "Rivera-Lopez", "2010-07-19", NULL, "F", "New Haven");
	uint32_t tyl = add6(s, "3", "Tyler", "O'Brien", NULL, "15", "M", "Waterbury");
	struct match_index *ix;
	assert_int_equal(match_index_new(10, &ix), 0);
	assert_int_equal(match_index_build(ix, s), 0);

	const char *q[6] = {"Kathryn", "Smith", "2011-04-03", NULL, NULL, NULL};
	char pool[512];
	struct match_rec r;
	assert_int_equal(match_prepare(s, q, &r, pool, sizeof pool), 0);
	uint32_t cand[16];
	size_t n = match_candidates(ix, s, &r, pool, cand, 16);
	assert_int_equal(n, 1); /* Katherine shares several keys; once */
	assert_int_equal(cand[0], kat);
	assert_false(has(cand, n, jas));
	assert_false(has(cand, n, tyl));

	/* A record of itself is its own candidate. */
	n = match_candidates(ix, s, match_store_rec(s, tyl), match_store_pool(s), cand, 16);
	assert_int_equal(n, 1);
	assert_int_equal(cand[0], tyl);

	/* Nothing in common: no candidates. */
	const char *none[6] = {"Zed", "Quux", "1999-12-12", NULL, NULL, NULL};
	assert_int_equal(match_prepare(s, none, &r, pool, sizeof pool), 0);
	assert_int_equal(match_candidates(ix, s, &r, pool, cand, 16), 0);

	/* A replaced record is no longer a candidate; its replacement is. */
	uint32_t kat2 = add6(s, "1", "Katherine", "Smith", "2011-03-04", NULL, "F", "West Hartford");
	assert_int_equal(match_index_add(ix, s, kat2), 0);
	match_store_kill(s, kat);
	assert_true(match_store_rec(s, kat)->dead);
	assert_int_equal(match_prepare(s, q, &r, pool, sizeof pool), 0);
	n = match_candidates(ix, s, &r, pool, cand, 16);
	assert_int_equal(n, 1);
	assert_int_equal(cand[0], kat2);
	assert_string_equal(match_store_id(s, cand[0]), "1");
	match_index_free(ix);
	match_store_free(s);
}

UNIT_TEST(a_key_shared_by_more_than_the_cap_is_not_followed)
{
	struct match_store *s = person_store();
	/* 100 Smiths born in 2011, each on a day of its own, all "john". */
	for (int i = 0; i < 100; i++) {
		char id[16], dob[16];
		snprintf(id, sizeof id, "smith-%d", i);
		snprintf(dob, sizeof dob, "2011-%02d-%02d", 1 + i / 10, 1 + i % 10);
		add6(s, id, "John", "Smith", dob, NULL, NULL, NULL);
	}
	/* Ten Browns share every key; one Jones. */
	for (int i = 0; i < 10; i++)
		add6(s, "brown", "Ann", "Brown", "2009-05-05", NULL, NULL, NULL);
	uint32_t jones = add6(s, "jones", "Mary", "Jones", "2008-06-07", NULL, NULL, NULL);

	/* A Smith who shares only the family name and birth year with them. */
	const char *q[6] = {"Zed", "Smith", "2011-12-31", NULL, NULL, NULL};
	char pool[512];
	struct match_rec r;
	assert_int_equal(match_prepare(s, q, &r, pool, sizeof pool), 0);
	uint32_t cand[256];
	struct {
		size_t cap, smiths;
	} cases[] = {{10, 0}, {99, 0}, {100, 100}, {1000, 100}};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct match_index *ix;
		assert_int_equal(match_index_new(cases[c].cap, &ix), 0);
		assert_int_equal(match_index_build(ix, s), 0);
		size_t n = match_candidates(ix, s, &r, pool, cand, 256);
		if (n != cases[c].smiths)
			fail_msg("cap %zu: %zu candidates, want %zu", cases[c].cap, n, cases[c].smiths);
		for (size_t k = 0; k < n; k++)
			assert_int_equal(strncmp(match_store_id(s, cand[k]), "smith-", 6), 0);
		/* Candidates come sorted and distinct. */
		for (size_t k = 1; k < n; k++)
			assert_true(cand[k - 1] < cand[k]);
		/* At most max come back. */
		if (cases[c].smiths)
			assert_int_equal(match_candidates(ix, s, &r, pool, cand, 7), 7);
		match_index_free(ix);
	}

	struct match_index *ix;
	assert_int_equal(match_index_new(10, &ix), 0);
	assert_int_equal(match_index_build(ix, s), 0);
	/* Exactly the cap: still followed. */
	const char *brown[6] = {"Ann", "Brown", "2009-05-05", NULL, NULL, NULL};
	assert_int_equal(match_prepare(s, brown, &r, pool, sizeof pool), 0);
	assert_int_equal(match_candidates(ix, s, &r, pool, cand, 256), 10);
	/* A rare key is followed whatever else is capped. */
	const char *mary[6] = {"Mary", "Jones", "2008-06-07", NULL, NULL, NULL};
	assert_int_equal(match_prepare(s, mary, &r, pool, sizeof pool), 0);
	assert_int_equal(match_candidates(ix, s, &r, pool, cand, 256), 1);
	assert_int_equal(cand[0], jones);
	/* An eleventh Brown puts every Brown key over the cap. */
	uint32_t b11 = add6(s, "brown", "Ann", "Brown", "2009-05-05", NULL, NULL, NULL);
	assert_int_equal(match_index_add(ix, s, b11), 0);
	assert_int_equal(match_prepare(s, brown, &r, pool, sizeof pool), 0);
	assert_int_equal(match_candidates(ix, s, &r, pool, cand, 256), 0);
	match_index_free(ix);
	match_store_free(s);
}

/* ---- lookup ---- */

UNIT_TEST(lookup_finds_katherine_for_katie_smyth_aged_15)
{
	struct match_store *s = person_store(); /* as of 2026-11-28 */
	static const char *people[][6] = {
	        {"Katherine", "Smith", "2011-03-04", NULL, "F", "Hartford"},
	        {"Jasmine", "Rivera-Lopez", "2010-07-19", NULL, "F", "New Haven"},
	        {"Tyler", "O'Brien", NULL, "15", "M", "Waterbury"},
	        {"Kevin", "Smith", "2011-05-06", NULL, "M", "Hartford"},
	        {"Katie", "Jones", "2011-03-04", NULL, "F", "Bristol"},
	        {"Kathleen", "Smithers", "2004-01-02", NULL, "F", "Hartford"},
	        {"Karen", "Smith", "1990-09-09", NULL, "F", "Norwich"},
	        {"Kate", "Smith", "2011-08-08", NULL, "F", "Enfield"},
	        {"Mark", "Smyth", NULL, "15", "M", "Hartford"},
	        {"Catherine", "Smithe", "2010-02-03", NULL, "F", "Stamford"},
	};
	size_t np = sizeof people / sizeof people[0];
	for (size_t i = 0; i < np; i++) {
		char id[16];
		snprintf(id, sizeof id, "%zu", i + 1);
		uint32_t idx;
		assert_int_equal(match_store_add(s, id, people[i], 0, &idx, NULL), 0);
	}
	struct match_index *ix;
	assert_int_equal(match_index_new(0, &ix), 0);
	assert_int_equal(match_index_build(ix, s), 0);
	struct match_model m;
	match_model_init(&m, match_store_schema(s));
	/* match_model_init treats the last level as disagreement; for birth
	 * dates the last is "age agrees": give it the weight of agreement. */
	m.m[2][9] = 0.7;
	m.u[2][9] = 0.06;
	m.w[2][9] = log2(m.m[2][9] / m.u[2][9]);
	assert_int_equal(match_model_tf(&m, s), 0);

	const char *q[6] = {"Katie", "Smyth", NULL, "15", NULL, NULL};
	char pool[512];
	struct match_rec r;
	assert_int_equal(match_prepare(s, q, &r, pool, sizeof pool), 0);
	struct match_hit hits[5];
	size_t n = 99;
	assert_int_equal(match_lookup(s, ix, &m, &r, pool, 5, hits, &n), 0);
	assert_true(n >= 1 && n <= 5);
	size_t at = n;
	for (size_t i = 0; i < n; i++)
		if (strcmp(match_store_id(s, hits[i].index), "1") == 0)
			at = i;
	if (at >= 3)
		fail_msg("Katherine Smith is not among the first three candidates (%zu found)", n);
	const struct match_hit *k = &hits[at];
	assert_int_equal(k->levels[0], 2); /* nickname */
	assert_int_equal(k->levels[2], 9); /* age agrees */
	assert_true(k->levels[1] >= 1 && k->levels[1] <= 4);
	/* Most probable first; weight and probability agree. */
	for (size_t i = 0; i < n; i++) {
		assert_within(hits[i].probability, match_probability(hits[i].weight), 1e-12, "probability");
		if (i)
			assert_true(hits[i - 1].weight >= hits[i].weight);
		double sum = m.prior_w;
		for (int f = 0; f < 6; f++)
			sum += hits[i].field_w[f];
		assert_within(sum, hits[i].weight, 1e-9, "field weights add up");
	}
	/* max 1: the best only. */
	struct match_hit one;
	assert_int_equal(match_lookup(s, ix, &m, &r, pool, 1, &one, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(one.index, hits[0].index);
	match_model_done(&m);
	match_index_free(ix);
	match_store_free(s);
}

/* ---- batch: the FEBRL file against its ground truth ---- */

/* "rec-12-dup-0" and "rec-12-org" are one person: 12. */
static long person_of(const char *id)
{
	if (strncmp(id, "rec-", 4) != 0)
		return -1;
	return strtol(id + 4, NULL, 10);
}

UNIT_TEST(batch_deduplicates_febrl_dataset1_with_f1_of_at_least_0_99)
{
	const char *root = getenv("HARTLINE_SOURCE_ROOT");
	char path[1024];
	snprintf(path, sizeof path, "%s/../shared/data/febrl/dataset1.csv", root ? root : ".");
	struct csv_reader *rd;
	char err[512];
	if (!root || csv_open(path, &rd, err, sizeof err) < 0)
		skip();

	/* As the CLI maps the columns. */
	static const struct {
		enum match_kind kind;
		const char *col, *format;
	} map[] = {
	        {MK_GIVEN, "given_name", NULL},  {MK_FAMILY, "surname", NULL},    {MK_OTHER, "street_number", NULL},
	        {MK_ADDRESS, "address_1", NULL}, {MK_ADDRESS, "address_2", NULL}, {MK_TOWN, "suburb", NULL},
	        {MK_POSTCODE, "postcode", NULL}, {MK_OTHER, "state", NULL},       {MK_DOB, "date_of_birth", "%Y%m%d"},
	        {MK_IDENT, "soc_sec_id", NULL},
	};
	int nf = (int)(sizeof map / sizeof map[0]);
	struct match_schema sc;
	memset(&sc, 0, sizeof sc);
	for (int f = 0; f < nf; f++)
		assert_int_equal(match_schema_add(&sc, map[f].kind, map[f].col, map[f].format), 0);
	struct match_store *s;
	assert_int_equal(match_store_new(&sc, &s), 0);

	struct csv_row row;
	assert_int_equal(csv_next(rd, 0, &row), 1);
	size_t ncols = row.n;
	int col[MATCH_MAX_FIELDS], id_col = -1;
	for (size_t c = 0; c < ncols; c++)
		if (strcmp(row.fields[c], "rec_id") == 0)
			id_col = (int)c;
	assert_true(id_col >= 0);
	for (int f = 0; f < nf; f++) {
		col[f] = -1;
		for (size_t c = 0; c < ncols; c++)
			if (strcmp(row.fields[c], map[f].col) == 0)
				col[f] = (int)c;
		assert_true(col[f] >= 0);
	}
	int rc;
	while ((rc = csv_next(rd, ncols, &row)) == 1) {
		const char *v[MATCH_MAX_FIELDS];
		for (int f = 0; f < nf; f++)
			v[f] = row.fields[col[f]];
		assert_int_equal(match_store_add(s, row.fields[id_col], v, 0, NULL, NULL), 0);
	}
	assert_int_equal(rc, 0);
	csv_close(rd);
	size_t n = match_store_count(s);
	assert_int_equal(n, 1000);

	struct match_model m;
	struct match_batch_opts o = {.threshold = 0.95, .threads = 2};
	struct match_batch_result res;
	assert_int_equal(match_batch(s, &m, &o, &res), 0);
	assert_true(res.candidates >= res.npairs);

	/* Pairwise precision and recall against the rec-N ground truth. */
	long *who = malloc(n * sizeof *who);
	assert_non_null(who);
	for (uint32_t i = 0; i < n; i++) {
		who[i] = person_of(match_store_id(s, i));
		assert_true(who[i] >= 0);
	}
	size_t true_pairs = 0, tp = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			true_pairs += who[i] == who[j];
	assert_true(true_pairs > 0);
	for (size_t p = 0; p < res.npairs; p++) {
		const struct match_pair *pr = &res.pairs[p];
		assert_true(pr->a < pr->b && pr->b < n);
		assert_true(pr->probability >= 0.95f - 1e-6f && pr->probability <= 1.0f);
		if (p)
			assert_true(pr[-1].a < pr->a || (pr[-1].a == pr->a && pr[-1].b < pr->b)); /* sorted, distinct */
		tp += who[pr->a] == who[pr->b];
	}
	double precision = res.npairs ? (double)tp / (double)res.npairs : 0;
	double recall = (double)tp / (double)true_pairs;
	double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
	print_message(
	        "febrl dataset1: F1 %.4f, precision %.4f, recall %.4f (%zu pairs kept of %zu compared, %zu true)\n", f1,
	        precision, recall, res.npairs, res.candidates, true_pairs);
	if (f1 < 0.99)
		fail_msg("F1 %.4f (precision %.4f, recall %.4f: %zu of %zu pairs found, %zu true)", f1, precision,
		         recall, tp, true_pairs, res.npairs);

	/* Clusters: every pair's two records in one cluster, named by its
	 * smallest record. */
	uint32_t *cl = malloc(n * sizeof *cl);
	assert_non_null(cl);
	match_clusters(n, res.pairs, res.npairs, cl);
	for (size_t p = 0; p < res.npairs; p++)
		assert_int_equal(cl[res.pairs[p].a], cl[res.pairs[p].b]);
	size_t clusters = 0;
	for (uint32_t i = 0; i < n; i++) {
		assert_true(cl[i] <= i);
		assert_int_equal(cl[cl[i]], cl[i]);
		clusters += cl[i] == i;
	}
	assert_true(clusters < n && clusters + res.npairs >= n);

	free(cl);
	free(who);
	free(res.pairs);
	match_model_done(&m);
	match_store_free(s);
}

/* ---- batch: the same pairs as comparing every candidate in full ---- */

/* n generated records (seed 3), in a store of the generator's columns;
 * with link, every other record from the second file. */
static struct match_store *generated_store(size_t n, bool link)
{
	struct gen_config c;
	gen_config_defaults(&c);
	c.seed = 3;
	c.records = n;
	c.originals = n * 6 / 10;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(gen_write(f, &c, NULL, NULL), 0);
	assert_int_equal(fclose(f), 0);

	static const enum match_kind kinds[] = {MK_GIVEN, MK_FAMILY, MK_DOB,      MK_AGE,  MK_SEX,
	                                        MK_TOWN,  MK_POSTCODE, MK_ADDRESS, MK_IDENT};
	struct match_schema sc;
	memset(&sc, 0, sizeof sc);
	for (int k = 0; k < 9; k++)
		assert_int_equal(match_schema_add(&sc, kinds[k], NULL, NULL), 0);
	sc.as_of = (struct cmp_date){2026, 11, 28};
	struct match_store *s;
	assert_int_equal(match_store_new(&sc, &s), 0);
	struct csv_reader *rd;
	assert_int_equal(csv_open_buffer("generated", buf, len, &rd), 0);
	struct csv_row row;
	assert_int_equal(csv_next(rd, 0, &row), 1); /* rec_id, then the columns in kinds' order */
	int rc;
	size_t i = 0;
	while ((rc = csv_next(rd, 10, &row)) == 1) {
		assert_int_equal(match_store_add(s, row.fields[0], row.fields + 1, link ? (uint8_t)(i % 2) : 0, NULL, NULL),
		                 0);
		i++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(i, n);
	csv_close(rd);
	free(buf);
	return s;
}

struct keyed_rec {
	uint64_t key;
	uint32_t rec;
};

static int keyed_rec_cmp(const void *x, const void *y)
{
	const struct keyed_rec *a = x, *b = y;
	return a->key != b->key ? (a->key < b->key ? -1 : 1) : (a->rec > b->rec) - (a->rec < b->rec);
}

static int pair_ab_cmp(const void *x, const void *y)
{
	const struct match_pair *a = x, *b = y;
	return a->a != b->a ? (a->a < b->a ? -1 : 1) : (a->b > b->b) - (a->b < b->b);
}

UNIT_TEST(batch_keeps_exactly_the_candidates_that_full_comparison_keeps)
{
	struct match_store *s = generated_store(20000, false);
	size_t n = match_store_count(s);
	struct match_model m;
	struct match_batch_opts o = {.threshold = 0.95, .threads = 2};
	struct match_batch_result res;
	assert_int_equal(match_batch(s, &m, &o, &res), 0);

	/* The candidates by hand: records sharing a key of a batch type
	 * that at most 64 records give. */
	const char *pool = match_store_pool(s);
	struct keyed_rec *k = malloc(n * MATCH_MAX_KEYS * sizeof *k);
	assert_non_null(k);
	size_t nk = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t keys[MATCH_MAX_KEYS];
		uint8_t types[MATCH_MAX_KEYS];
		size_t c = match_keys_typed(s, match_store_rec(s, i), pool, keys, types);
		for (size_t x = 0; x < c; x++)
			if (MATCH_BATCH_KEYS >> types[x] & 1)
				k[nk++] = (struct keyed_rec){keys[x], i};
	}
	qsort(k, nk, sizeof *k, keyed_rec_cmp);
	size_t cap = 1 << 20, np = 0;
	struct match_pair *cand = malloc(cap * sizeof *cand);
	assert_non_null(cand);
	for (size_t a = 0, z; a < nk; a = z) {
		for (z = a + 1; z < nk && k[z].key == k[a].key; z++)
			;
		if (z - a > 64)
			continue;
		for (size_t x = a; x < z; x++)
			for (size_t y = x + 1; y < z; y++) {
				if (k[x].rec == k[y].rec)
					continue;
				if (np == cap) {
					cap *= 2;
					cand = realloc(cand, cap * sizeof *cand);
					assert_non_null(cand);
				}
				cand[np++] = (struct match_pair){k[x].rec, k[y].rec, 0};
			}
	}
	qsort(cand, np, sizeof *cand, pair_ab_cmp);
	size_t w = 0;
	for (size_t p = 0; p < np; p++)
		if (!w || cand[p].a != cand[w - 1].a || cand[p].b != cand[w - 1].b)
			cand[w++] = cand[p];
	np = w;
	assert_int_equal(res.candidates, np);

	/* Each compared in full, with the model the batch fitted. */
	double max_w[MATCH_MAX_FIELDS], min_w = log2(0.95 / 0.05);
	match_model_bounds(&m, max_w);
	size_t kept = 0;
	for (size_t p = 0; p < np; p++) {
		uint8_t lv[MATCH_MAX_FIELDS];
		double weight;
		if (!match_score_at_least(&m, max_w, s, match_store_rec(s, cand[p].a), pool, match_store_rec(s, cand[p].b),
		                          pool, min_w, lv, &weight, NULL))
			continue;
		assert_true(kept < res.npairs);
		const struct match_pair *got = &res.pairs[kept++];
		if (got->a != cand[p].a || got->b != cand[p].b)
			fail_msg("pair %u-%u kept in full, the batch has %u-%u", cand[p].a, cand[p].b, got->a, got->b);
		assert_true(got->probability == (float)match_probability(weight));
	}
	assert_int_equal(kept, res.npairs);
	assert_true(res.npairs > 1000);

	free(cand);
	free(k);
	free(res.pairs);
	match_model_done(&m);
	match_store_free(s);
}

UNIT_TEST(link_pairs_a_record_of_the_first_file_with_one_of_the_second)
{
	struct match_store *s = generated_store(20000, true);
	struct match_model m;
	struct match_batch_opts o = {.threshold = 0.95, .threads = 2, .link = true};
	struct match_batch_result res;
	assert_int_equal(match_batch(s, &m, &o, &res), 0);
	size_t tp = 0;
	for (size_t p = 0; p < res.npairs; p++) {
		const struct match_pair *pr = &res.pairs[p];
		assert_int_equal(match_store_rec(s, pr->a)->source, 0);
		assert_int_equal(match_store_rec(s, pr->b)->source, 1);
		if (p)
			assert_true(pr[-1].a < pr->a || (pr[-1].a == pr->a && pr[-1].b < pr->b));
		tp += person_of(match_store_id(s, pr->a)) == person_of(match_store_id(s, pr->b));
	}
	assert_true(res.npairs > 1000);
	assert_true(tp >= res.npairs * 98 / 100);
	free(res.pairs);
	match_model_done(&m);
	match_store_free(s);
}

UNIT_TEST(clusters_are_the_connected_components_of_the_pairs)
{
	/* 0-3, 3-5, 5-1 chain into one cluster; 2-4; 6 alone. */
	struct match_pair pairs[] = {{3, 5, 0.99f}, {0, 3, 0.99f}, {1, 5, 0.97f}, {2, 4, 0.96f}};
	uint32_t cl[7];
	match_clusters(7, pairs, 4, cl);
	uint32_t want[7] = {0, 0, 2, 0, 2, 0, 6};
	assert_memory_equal(cl, want, sizeof want);
	match_clusters(7, NULL, 0, cl);
	for (uint32_t i = 0; i < 7; i++)
		assert_int_equal(cl[i], i);
}

int main(void)
{
	return unit_run("match", NULL, NULL);
}
