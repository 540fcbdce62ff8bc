/* Tests for opening the identity registry at start-up
 * (service/persons/load.c): rows read on one thread and put in the
 * registry on another, in batches, the index counted and filled in after:
 * the registry finds what it found before a restart, aliases and all, and
 * a person added after the start joins it. */
#include "persons_fx.h"
#include "unit.h"

#include "service/persons.h"

enum { PEOPLE = 700 }; /* several batches of rows, and a part one */

static const char *givens[] = {"Katherine", "Jasmine", "Tyler", "Ava", "Liam", "Noah", "Emma", "Olivia", "Mia",
			       "Lucas", "Zoe", "Ellie", "Mason", "Aria", "Ethan", "Luna"};
static const char *families[] = {"Smith", "Rivera", "O'Brien", "Nguyen", "Garcia", "Hudson", "Kowalski", "Lee",
				 "Brown", "Patel", "Okafor", "Jensen", "Moreau", "Castillo"};

static void add_people(const struct fx_user *as)
{
	static const char *aliases[] = {"Kat Jones"};
	struct person_new p[PEOPLE];
	char dob[PEOPLE][16];
	for (size_t i = 0; i < PEOPLE; i++) {
		snprintf(dob[i], sizeof dob[i], "20%02zu-%02zu-%02zu", 8 + i % 10, 1 + i % 12, 1 + (i * 7) % 28);
		p[i] = (struct person_new){.given_name = givens[i % 16], .family_name = families[(i / 16) % 14],
					   .dob = i % 9 ? dob[i] : NULL, .estimated_age = i % 9 ? -1 : 14,
					   .sex = i % 2 ? "F" : "M", .town = "Bridgeport", .synthetic = true};
		if (i % 50 == 3) {
			p[i].aliases = aliases;
			p[i].naliases = 1;
		}
	}
	struct field_errors errs;
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_persons_add(&as->ctx, p, PEOPLE, &errs, NULL), &errs);
}

/* The ids and probabilities the registry answers for q, as text. */
static void answer(const struct fx_user *as, const struct person_query *q, char *out, size_t size)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct person_candidate *c = NULL;
	size_t n = 0;
	fx_assert_no_errors(svc_persons_match(&as->ctx, q, &errs, &c, &n), &errs);
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		int w = snprintf(out + len, size - len, "%lld:%.6f ", (long long)c[i].person_id, c[i].probability);
		assert_true(w > 0);
		len += (size_t)w;
	}
	assert_true(len < size);
	person_candidates_free(c, n);
}

static const struct person_query queries[] = {
	{.given_name = "Katherine", .family_name = "Smith", .dob = "2008-01-01", .age = -1},
	{.given_name = "Kathryn", .family_name = "Smyth", .age = 15},
	{.given_name = "Kat", .family_name = "Jones", .age = -1, .dob = "2011-04-22"},
	{.given_name = "Liam", .family_name = "O'Brien", .sex = "M", .age = -1, .dob = "2012-05-29"},
	{.given_name = "Zoey", .family_name = "Nguyen", .town = "Bridgeport", .age = 16},
	{.given_name = "Mia", .family_name = "Rivera", .dob = "2016-09-15", .age = -1},
};
enum { NQ = sizeof queries / sizeof *queries };

/* Person i of add_people, as a query of its own values. */
static struct person_query own(size_t i, char *dob, size_t size)
{
	snprintf(dob, size, "20%02zu-%02zu-%02zu", 8 + i % 10, 1 + i % 12, 1 + (i * 7) % 28);
	return (struct person_query){.given_name = givens[i % 16], .family_name = families[(i / 16) % 14],
				     .dob = i % 9 ? dob : NULL, .age = i % 9 ? -1 : 14, .sex = i % 2 ? "F" : "M",
				     .town = "Bridgeport"};
}

UNIT_TEST_WITH(a_restart_finds_what_the_registry_found_before, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	char err[256] = "";
	int64_t first = pf_int("SELECT COALESCE(MAX(id), 0) FROM person") + 1;
	add_people(&careline);
	/* Read whole at start-up: each person is its own best candidate,
	 * in every batch of rows. */
	assert_int_equal(persons_registry_open(&fx.app, err, sizeof err), 0);
	assert_int_equal(persons_registry_count(&fx.app), PEOPLE);
	static const size_t picks[] = {0, 1, 100, 255, 256, 257, 512, 640, 699};
	for (size_t k = 0; k < sizeof picks / sizeof *picks; k++) {
		char dob[16], got[4096], want[32];
		if (picks[k] % 9 == 0)
			continue; /* no birth date: namesakes tie */
		struct person_query q = own(picks[k], dob, sizeof dob);
		answer(&careline, &q, got, sizeof got);
		snprintf(want, sizeof want, "%lld:", (long long)(first + (int64_t)picks[k]));
		assert_true(strncmp(got, want, strlen(want)) == 0);
	}
	static char before[NQ][4096], after[NQ][4096];
	for (size_t k = 0; k < NQ; k++)
		answer(&careline, &queries[k], before[k], sizeof before[k]);
	assert_true(strlen(before[2]) > 0); /* the alias is found */

	/* Read again: the same answers, candidates and probabilities. */
	persons_registry_close(&fx.app);
	assert_int_equal(persons_registry_open(&fx.app, err, sizeof err), 0);
	assert_int_equal(persons_registry_count(&fx.app), PEOPLE);
	for (size_t k = 0; k < NQ; k++) {
		answer(&careline, &queries[k], after[k], sizeof after[k]);
		assert_string_equal(after[k], before[k]);
	}

	/* Someone new joins the read registry and is found. */
	struct person_new p = {.given_name = "Quentin", .family_name = "Abernathy", .dob = "2012-02-02",
			       .estimated_age = -1, .sex = "M", .town = "Bridgeport", .synthetic = true};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int64_t id = 0;
	fx_assert_no_errors(svc_persons_add(&careline.ctx, &p, 1, &errs, &id), &errs);
	struct person_query q = {.given_name = "Quentin", .family_name = "Abernathy", .dob = "2012-02-02", .age = -1};
	char got[4096], want[64];
	answer(&careline, &q, got, sizeof got);
	snprintf(want, sizeof want, "%lld:", (long long)id);
	assert_true(strncmp(got, want, strlen(want)) == 0);
	persons_registry_close(&fx.app);
}

int main(void)
{
	return unit_run("svc_persons_load", NULL, NULL);
}
