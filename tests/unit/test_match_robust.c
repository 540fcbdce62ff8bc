/* Unit tests of what keeps identity resolution sound on data it was not
 * designed on: EM that says whether it settled, the twin and sibling
 * safeguards, a move counted once, and the quality on a file written by
 * the second generator (bench/match/welfare_gen.py, docs/generator.md). */
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
#include <sys/wait.h>
#include <unistd.h>

#include "base/csv.h"
#include "match/match.h"

enum { G, F, D, S, T, P, AD, I, NF };

static struct match_schema full_schema(void)
{
	struct match_schema sc;
	memset(&sc, 0, sizeof sc);
	assert_int_equal(match_schema_add(&sc, MK_GIVEN, "given name", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_FAMILY, "family name", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_DOB, "birth date", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_SEX, "sex", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_TOWN, "town", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_POSTCODE, "postcode", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_ADDRESS, "address", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_IDENT, "identifier", NULL), 0);
	sc.as_of = (struct cmp_date){2026, 11, 28};
	return sc;
}

static struct match_store *full_store(void)
{
	struct match_schema sc = full_schema();
	struct match_store *s;
	assert_int_equal(match_store_new(&sc, &s), 0);
	return s;
}

/* A model with plain weights (the starting values), safeguards on. */
static void plain_model(struct match_model *m)
{
	struct match_schema sc = full_schema();
	match_model_init(m, &sc);
	m->lambda = 1e-4;
	m->prior_w = log2(m->lambda / (1 - m->lambda));
}

static void assert_within(double got, double want, double tol, const char *what)
{
	if (fabs(got - want) > tol)
		fail_msg("%s: %.6f, expected %.6f (within %g)", what, got, want, tol);
}

/* ---- EM says whether it settled ---- */

/* A two-class mixture of 3 fields, with levels drawn from known m and u. */
static uint8_t *mixture(size_t n, double lambda, uint64_t seed)
{
	static const double m3[3][4] = {{0, 0.8, 0.15, 0.05}, {0, 0.85, 0.1, 0.05}, {0, 0.7, 0.2, 0.1}};
	static const double u3[3][4] = {{0, 0.02, 0.08, 0.9}, {0, 0.05, 0.1, 0.85}, {0, 0.01, 0.04, 0.95}};
	uint8_t *lv = malloc(n * 3);
	assert_non_null(lv);
	uint64_t x = seed;
	for (size_t p = 0; p < n; p++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		bool match = (double)(x >> 11) / 9007199254740992.0 < lambda;
		for (int f = 0; f < 3; f++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			double r = (double)(x >> 11) / 9007199254740992.0, c = 0;
			int l = 1;
			for (; l < 3; l++) {
				c += match ? m3[f][l] : u3[f][l];
				if (r < c)
					break;
			}
			lv[p * 3 + (size_t)f] = (uint8_t)l;
		}
	}
	return lv;
}

static void mixture_model(struct match_model *m)
{
	struct match_schema sc;
	memset(&sc, 0, sizeof sc);
	/* Three fields of four levels each (missing, and three more). */
	assert_int_equal(match_schema_add(&sc, MK_POSTCODE, "a", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_POSTCODE, "b", NULL), 0);
	assert_int_equal(match_schema_add(&sc, MK_POSTCODE, "c", NULL), 0);
	match_model_init(m, &sc);
}

UNIT_TEST(em_on_a_known_mixture_settles_before_its_cap_and_says_so)
{
	uint8_t *lv = mixture(50000, 0.1, 3);
	struct match_model m;
	mixture_model(&m);
	assert_int_equal(match_model_em(&m, lv, 50000, 500, 1e-7, true, NULL), 0);
	assert_true(m.converged);
	assert_true(m.iterations > 0 && m.iterations < 500);
	assert_within(m.lambda, 0.1, 0.02, "lambda");
	match_model_done(&m);
	free(lv);
}

UNIT_TEST(em_stopped_by_its_cap_says_it_did_not_settle)
{
	uint8_t *lv = mixture(50000, 0.1, 4);
	struct match_model m;
	mixture_model(&m);
	/* Two steps from the plain starting values cannot settle. */
	assert_int_equal(match_model_em(&m, lv, 50000, 2, 1e-12, true, NULL), 0);
	assert_false(m.converged);
	assert_int_equal(m.iterations, 2);
	match_model_done(&m);
	free(lv);
}

UNIT_TEST(em_settles_when_the_likelihood_stops_rising_though_the_parameters_still_creep)
{
	uint8_t *lv = mixture(50000, 0.1, 5);
	struct match_model a, b;
	mixture_model(&a);
	mixture_model(&b);
	/* A parameter test too strict to be met in 500 steps ... */
	assert_int_equal(match_model_em(&a, lv, 50000, 500, 0, true, NULL), 0);
	/* ... is not needed: the likelihood flattens. */
	assert_true(a.converged);
	assert_true(a.iterations < 500);
	/* And where it stops is where a looser parameter test stops. */
	assert_int_equal(match_model_em(&b, lv, 50000, 500, 1e-5, true, NULL), 0);
	assert_true(b.converged);
	assert_within(a.lambda, b.lambda, 0.002, "lambda either way");
	match_model_done(&a);
	match_model_done(&b);
	free(lv);
}

/* ---- twins and siblings ---- */

static void set_levels(uint8_t lv[MATCH_MAX_FIELDS], int g, int f, int d, int s, int t, int p, int ad, int i)
{
	memset(lv, 0, MATCH_MAX_FIELDS);
	lv[G] = (uint8_t)g;
	lv[F] = (uint8_t)f;
	lv[D] = (uint8_t)d;
	lv[S] = (uint8_t)s;
	lv[T] = (uint8_t)t;
	lv[P] = (uint8_t)p;
	lv[AD] = (uint8_t)ad;
	lv[I] = (uint8_t)i;
}

/* The weight of levels lv for a record, with the explanation summing to it. */
static double weight_of(struct match_store *s, const struct match_model *m, const uint8_t *lv)
{
	const char *v[NF] = {"emma", "garcia", "2015-03-04", "F", "fallowby", "2041", "12 elm road", NULL};
	char pool[512];
	struct match_rec r;
	assert_int_equal(match_prepare(s, v, &r, pool, sizeof pool), 0);
	double explain[MATCH_MAX_FIELDS];
	double w = match_weight(m, s, &r, pool, lv, explain), sum = m->prior_w;
	for (int f = 0; f < m->n; f++)
		sum += explain[f];
	assert_within(sum, w, 1e-9, "the explanation sums to the weight");
	return w;
}

UNIT_TEST(twins_same_family_and_birth_date_with_different_given_names_never_link)
{
	struct match_store *s = full_store();
	struct match_model m;
	plain_model(&m);
	uint8_t lv[MATCH_MAX_FIELDS];
	/* Given names differ outright; family, birth date, sex and every
	 * place agree: all a household shares. */
	set_levels(lv, 6, 1, 1, 1, 1, 1, 1, 0);
	assert_int_equal(match_siblings(&m, lv), MATCH_TWINS);
	double w = weight_of(s, &m, lv);
	assert_true(w <= MATCH_SIBLINGS_W);
	assert_true(match_probability(w) < MATCH_REVIEW);
	/* Birth dates with day and month swapped: twins too. */
	set_levels(lv, 6, 1, 2, 1, 1, 1, 1, 0);
	assert_int_equal(match_siblings(&m, lv), MATCH_TWINS);
	/* The same pair with the safeguard off weighs far more. */
	m.households = false;
	set_levels(lv, 6, 1, 1, 1, 1, 1, 1, 0);
	assert_int_equal(match_siblings(&m, lv), MATCH_ONE_CHILD);
	assert_true(weight_of(s, &m, lv) > MATCH_SIBLINGS_W + 5);
	match_model_done(&m);
	match_store_free(s);
}

UNIT_TEST(siblings_sharing_family_name_and_address_born_apart_never_link)
{
	struct match_store *s = full_store();
	struct match_model m;
	plain_model(&m);
	uint8_t lv[MATCH_MAX_FIELDS];
	for (int d = 3; d <= 8; d++) {
		set_levels(lv, 6, 1, d, 2, 1, 1, 1, 0);
		assert_int_equal(match_siblings(&m, lv), MATCH_SIBLINGS);
		assert_true(weight_of(s, &m, lv) <= MATCH_SIBLINGS_W);
	}
	/* A birth date missing on one side: two children all the same. */
	set_levels(lv, 6, 1, 0, 0, 1, 1, 1, 0);
	assert_int_equal(match_siblings(&m, lv), MATCH_SIBLINGS);
	/* A family name spelled alike, or one part of a compound: still one family. */
	set_levels(lv, 6, 3, 7, 1, 1, 1, 1, 0);
	assert_int_equal(match_siblings(&m, lv), MATCH_SIBLINGS);
	set_levels(lv, 6, 2, 7, 1, 1, 1, 1, 0);
	assert_int_equal(match_siblings(&m, lv), MATCH_SIBLINGS);
	match_model_done(&m);
	match_store_free(s);
}

UNIT_TEST(a_nickname_an_initial_a_missing_name_or_an_agreeing_identifier_is_one_child)
{
	struct match_store *s = full_store();
	struct match_model m;
	plain_model(&m);
	uint8_t lv[MATCH_MAX_FIELDS];
	for (int g = 0; g <= 5; g++) { /* missing, exact, nickname, alike, sounds alike, initial */
		set_levels(lv, g, 1, 1, 1, 1, 1, 1, 0);
		assert_int_equal(match_siblings(&m, lv), MATCH_ONE_CHILD);
	}
	/* Given names differ, but so do the family names: not a household. */
	set_levels(lv, 6, 5, 1, 1, 1, 1, 1, 0);
	assert_int_equal(match_siblings(&m, lv), MATCH_ONE_CHILD);
	set_levels(lv, 6, 4, 1, 1, 1, 1, 1, 0);
	assert_int_equal(match_siblings(&m, lv), MATCH_ONE_CHILD);
	/* The agency's own number agrees: one child whatever the names. */
	set_levels(lv, 6, 1, 1, 1, 1, 1, 1, 1);
	assert_int_equal(match_siblings(&m, lv), MATCH_ONE_CHILD);
	assert_true(weight_of(s, &m, lv) > 0);
	match_model_done(&m);
	match_store_free(s);
}

/* Twins compared from records: the batch's scoring caps them as the weight does. */
UNIT_TEST(scoring_records_of_twins_caps_them_as_the_weight_does)
{
	struct match_store *s = full_store();
	struct match_model m;
	plain_model(&m);
	const char *a[NF] = {"olivia", "garcia", "2015-03-04", "F", "fallowby", "2041", "12 elm road", NULL};
	const char *b[NF] = {"harper", "garcia", "2015-03-04", "F", "fallowby", "2041", "12 elm road", NULL};
	const char *c[NF] = {"livvy", "garcia", "2015-03-04", "F", "fallowby", "2041", "12 elm road", NULL};
	uint32_t ia, ib, ic;
	assert_int_equal(match_store_add(s, "a", a, 0, &ia, NULL), 0);
	assert_int_equal(match_store_add(s, "b", b, 0, &ib, NULL), 0);
	assert_int_equal(match_store_add(s, "c", c, 0, &ic, NULL), 0);
	double max_w[MATCH_MAX_FIELDS];
	match_model_bounds(&m, max_w);
	const char *pool = match_store_pool(s);
	uint8_t lv[MATCH_MAX_FIELDS];
	double w;
	assert_true(match_score_at_least(&m, max_w, s, match_store_rec(s, ia), pool, match_store_rec(s, ib), pool,
					 -100, lv, &w, NULL));
	assert_int_equal(lv[G], 6);
	assert_within(w, MATCH_SIBLINGS_W, 1e-9, "twins' weight");
	assert_within(match_weight(&m, s, match_store_rec(s, ia), pool, lv, NULL), w, 1e-9, "as match_weight");
	assert_false(match_score_at_least(&m, max_w, s, match_store_rec(s, ia), pool, match_store_rec(s, ib), pool,
					  0, lv, &w, NULL));
	/* Olivia and Livvy are one child. */
	assert_true(match_score_at_least(&m, max_w, s, match_store_rec(s, ia), pool, match_store_rec(s, ic), pool,
					 0, lv, &w, NULL));
	assert_int_equal(lv[G], 2);
	match_model_done(&m);
	match_store_free(s);
}

/* ---- a move counts once ---- */

UNIT_TEST(a_move_changes_town_postcode_and_address_at_once_and_counts_once)
{
	struct match_store *s = full_store();
	struct match_model m;
	plain_model(&m);
	uint8_t lv[MATCH_MAX_FIELDS];
	set_levels(lv, 1, 1, 1, 1, 3, 4, 4, 0); /* every place different */
	/* Until fitted, there is no bonus. */
	assert_true(match_moved_bonus(&m, lv) == 0);
	assert_true(match_moved_bonus_max(&m) == 0);
	double sum = m.w[T][3] + m.w[P][4] + m.w[AD][4];
	m.moved_w = -2.0;
	assert_within(match_moved_bonus(&m, lv), -2.0 - sum, 1e-9, "bonus");
	assert_within(match_moved_bonus_max(&m), -2.0 - sum, 1e-9, "the most");
	double before = m.prior_w + m.w[G][1] + m.w[F][1] + m.w[D][1] + m.w[S][1];
	assert_within(weight_of(s, &m, lv), before - 2.0, 1e-9, "the places weigh the move's weight");
	/* One place agreeing, even in part, is no move. */
	set_levels(lv, 1, 1, 1, 1, 1, 4, 4, 0);
	assert_true(match_moved_bonus(&m, lv) == 0);
	set_levels(lv, 1, 1, 1, 1, 3, 3, 4, 0);
	assert_true(match_moved_bonus(&m, lv) == 0);
	/* One place known: nothing to count twice. */
	set_levels(lv, 1, 1, 1, 1, 3, 0, 0, 0);
	assert_true(match_moved_bonus(&m, lv) == 0);
	/* A move weighing less than its parts together gives nothing back. */
	set_levels(lv, 1, 1, 1, 1, 3, 4, 4, 0);
	m.moved_w = sum - 1;
	assert_true(match_moved_bonus(&m, lv) == 0);
	match_model_done(&m);
	match_store_free(s);
}

UNIT_TEST(the_moves_weight_is_fitted_from_matches_and_random_pairs)
{
	struct match_model m;
	plain_model(&m);
	/* 100 matches, 20 of them moved; 1000 random pairs, 900 of them all different. */
	uint8_t *x = calloc(1100, MATCH_MAX_FIELDS), *mt = x, *rd = x + 100 * (size_t)m.n;
	assert_non_null(x);
	for (size_t p = 0; p < 100; p++)
		set_levels(mt + p * (size_t)m.n, 1, 1, 1, 1, p < 20 ? 3 : 1, p < 20 ? 4 : 1, p < 20 ? 4 : 1, 0);
	uint8_t tmp[MATCH_MAX_FIELDS];
	for (size_t p = 0; p < 1000; p++) {
		set_levels(tmp, 6, 5, 8, 2, p < 900 ? 3 : 1, 4, 4, 0);
		memcpy(rd + p * (size_t)m.n, tmp, (size_t)m.n);
	}
	match_model_moved(&m, mt, 100, rd, 1000);
	assert_within(m.moved_w, log2((20.5 / 101) / (900.5 / 1001)), 1e-9, "moved_w");
	free(x);
	match_model_done(&m);
}

/* ---- the file says whether it has households ---- */

static void add(struct match_store *s, const char *id, const char *g, const char *f, const char *dob,
		const char *address)
{
	const char *v[NF] = {g, f, dob, NULL, "fallowby", "2041", address, NULL};
	assert_int_equal(match_store_add(s, id, v, 0, NULL, NULL), 0);
}

static const char *const givens[] = {"olivia", "liam", "harper", "mason", "chloe", "owen", "ruby", "felix"};
static const char *const families[] = {"garcia", "okafor", "lindqvist", "brennan", "tanaka", "moreau"};

UNIT_TEST(a_file_of_brothers_and_sisters_turns_the_safeguards_on_and_one_of_garbled_names_off)
{
	struct match_store *fam = full_store(), *garbled = full_store(), *few = full_store();
	char id[32], dob[16], addr[32];
	for (int h = 0; h < 60; h++) {
		snprintf(addr, sizeof addr, "%d elm road", h + 1);
		for (int k = 0; k < 3; k++) {
			snprintf(id, sizeof id, "h%d-%d", h, k);
			/* Born three years apart, on other days. */
			snprintf(dob, sizeof dob, "%d-0%d-1%d", 2010 + 3 * k, 1 + (h + 4 * k) % 9, (h + 3 * k) % 10);
			add(fam, id, givens[(h + k) % 8], families[h % 6], dob, addr);
		}
		/* One person twice, the given name garbled beyond recognition:
		 * the same family name, address and birth date. */
		snprintf(dob, sizeof dob, "2012-0%d-1%d", 1 + h % 9, h % 10);
		snprintf(id, sizeof id, "p%d-a", h);
		add(garbled, id, givens[h % 8], families[h % 6], dob, addr);
		snprintf(id, sizeof id, "p%d-b", h);
		add(garbled, id, givens[(h + 3) % 8], families[h % 6], dob, addr);
		/* Unrelated people, each at an address of their own. */
		snprintf(addr, sizeof addr, "%d oak lane", h + 1);
		add(few, id, givens[h % 8], families[h % 6], dob, addr);
	}
	struct match_model m;
	assert_int_equal(match_fit(fam, &m, false, 0), 0);
	assert_true(m.households);
	assert_true(m.household_pairs >= 100 && m.household_apart == m.household_pairs);
	match_model_done(&m);
	assert_int_equal(match_fit(garbled, &m, false, 0), 0);
	assert_false(m.households);
	assert_true(m.household_pairs >= 50);
	assert_int_equal(m.household_apart, 0);
	match_model_done(&m);
	/* Nothing to tell by: the safeguards stay on. */
	assert_int_equal(match_fit(few, &m, false, 0), 0);
	assert_true(m.households);
	assert_int_equal(m.household_pairs, 0);
	match_model_done(&m);
	match_store_free(fam);
	match_store_free(garbled);
	match_store_free(few);
}

/* ---- quality on the second generator's file ---- */

/* Writes path from bench/match/welfare_gen.py; false when python3 or the
 * script cannot be run. */
static bool generate(const char *path, int people, int seed)
{
	const char *root = getenv("HARTLINE_SOURCE_ROOT");
	char script[1024], arg_people[16], arg_seed[16];
	snprintf(script, sizeof script, "%s/bench/match/welfare_gen.py", root ? root : ".");
	snprintf(arg_people, sizeof arg_people, "%d", people);
	snprintf(arg_seed, sizeof arg_seed, "%d", seed);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		execlp("python3", "python3", script, "--people", arg_people, "--seed", arg_seed, "--out", path,
		       (char *)NULL);
		_exit(127);
	}
	int st;
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Loads the file (rec_id, cluster, given_name, family_name, dob, sex,
 * town, postcode, address) into s; cluster[i] is record i's true cluster. */
static size_t load(const char *path, struct match_store *s, long **cluster)
{
	struct csv_reader *rd;
	char err[256];
	assert_int_equal(csv_open(path, &rd, err, sizeof err), 0);
	struct csv_row row;
	assert_true(csv_next(rd, 9, &row) > 0); /* the header */
	size_t n = 0, cap = 0;
	int r;
	while ((r = csv_next(rd, 9, &row)) != 0) {
		assert_true(r > 0);
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			*cluster = realloc(*cluster, cap * sizeof **cluster);
			assert_non_null(*cluster);
		}
		(*cluster)[n++] = strtol(row.fields[1], NULL, 10);
		const char *v[NF] = {row.fields[2], row.fields[3], row.fields[4], row.fields[5],
				     row.fields[6], row.fields[7], row.fields[8], NULL};
		assert_int_equal(match_store_add(s, row.fields[0], v, 0, NULL, NULL), 0);
	}
	csv_close(rd);
	return n;
}

UNIT_TEST(dedupe_of_a_file_from_the_second_generator_scores_well_above_the_old_model)
{
	char path[] = "/tmp/hartline-welfare-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	if (!generate(path, 2000, 11)) {
		unlink(path);
		skip(); /* no python3 here */
	}
	struct match_store *s = full_store();
	long *cluster = NULL;
	size_t n = load(path, s, &cluster);
	unlink(path);
	assert_true(n > 2000);
	struct match_model m;
	memset(&m, 0, sizeof m);
	struct match_batch_opts o = {.threshold = MATCH_LINK};
	struct match_batch_result res;
	assert_int_equal(match_batch(s, &m, &o, &res), 0);
	/* Pairwise precision and recall against the true clusters. */
	double tp = 0, found = (double)res.npairs, truth = 0;
	for (size_t p = 0; p < res.npairs; p++)
		tp += cluster[res.pairs[p].a] == cluster[res.pairs[p].b];
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			truth += cluster[i] == cluster[j];
	double precision = tp / found, recall = tp / truth, f1 = 2 * precision * recall / (precision + recall);
	print_message("second generator, %zu records: precision %.4f, recall %.4f, F1 %.4f; EM %s in %d\n", n,
		      precision, recall, f1, m.converged ? "converged" : "did not converge", m.iterations);
	/* The model before these safeguards scored about 0.5 here. */
	assert_true(f1 >= 0.85);
	assert_true(precision >= 0.82 && recall >= 0.88);
	assert_true(m.converged);
	assert_false(m.fallback);
	assert_true(m.households);
	free(res.pairs);
	free(cluster);
	match_model_done(&m);
	match_store_free(s);
}

int main(void)
{
	return unit_run("match_robust", NULL, NULL);
}
