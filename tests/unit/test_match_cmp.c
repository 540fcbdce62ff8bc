/* Unit tests of src/match/cmp: string, phonetic and date comparators. */
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

#include "match/cmp.h"
#include "match/norm.h"

static void random_string(char *out, size_t len, int alphabet)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (char)('a' + unit_rand((uint32_t)alphabet));
	out[len] = '\0';
}

/* A 10 KB string: prefix, then filler. The caller frees it. */
static char *long_string(const char *prefix, char filler)
{
	size_t n = 10 * 1024;
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, filler, n);
	memcpy(s, prefix, strlen(prefix));
	s[n] = '\0';
	return s;
}

/* The length of s that the comparisons read: at most CMP_MAX_LEN. */
static int cut_len(const char *s)
{
	size_t n = strlen(s);
	return n > CMP_MAX_LEN ? CMP_MAX_LEN : (int)n;
}

static void assert_near(double got, double want)
{
	if (fabs(got - want) > 0.0005)
		fail_msg("got %.6f, want %.3f", got, want);
}

/* ---- Jaro-Winkler ---- */

/* The textbook algorithm, plainly: the reference for the fast one. */
static double plain_jaro_winkler(const char *a, const char *b)
{
	int la = cut_len(a), lb = cut_len(b);
	if (la == 0 || lb == 0)
		return 0;
	int window = (la > lb ? la : lb) / 2 - 1;
	if (window < 0)
		window = 0;
	bool fa[CMP_MAX_LEN] = {false}, fb[CMP_MAX_LEN] = {false};
	int m = 0;
	for (int i = 0; i < la; i++) {
		for (int j = i - window < 0 ? 0 : i - window; j <= i + window && j < lb; j++) {
			if (!fb[j] && a[i] == b[j]) {
				fa[i] = fb[j] = true;
				m++;
				break;
			}
		}
	}
	if (m == 0)
		return 0;
	int t = 0;
	for (int i = 0, j = 0; i < la; i++) {
		if (!fa[i])
			continue;
		while (!fb[j])
			j++;
		if (a[i] != b[j])
			t++;
		j++;
	}
	t /= 2;
	double jaro = ((double)m / la + (double)m / lb + (double)(m - t) / m) / 3;
	if (jaro <= 0.7)
		return jaro;
	int l = 0;
	while (l < 4 && l < la && l < lb && a[l] == b[l])
		l++;
	return jaro + l * 0.1 * (1 - jaro);
}

UNIT_TEST(jaro_winkler_gives_the_published_values)
{
	assert_near(cmp_jaro_winkler("MARTHA", "MARHTA"), 0.961);
	assert_near(cmp_jaro_winkler("DWAYNE", "DUANE"), 0.840);
	assert_near(cmp_jaro_winkler("DIXON", "DICKSONX"), 0.813);
	assert_near(cmp_jaro_winkler("martha", "marhta"), 0.961);
	/* Jaro 0.822 for JELLYFISH/SMELLYFISH: no common prefix, no boost. */
	assert_near(cmp_jaro_winkler("JELLYFISH", "SMELLYFISH"), 0.896);
}

UNIT_TEST(jaro_winkler_is_one_for_equal_and_zero_for_empty_strings)
{
	assert_true(cmp_jaro_winkler("katherine", "katherine") == 1.0);
	assert_true(cmp_jaro_winkler("a", "a") == 1.0);
	assert_true(cmp_jaro_winkler("", "") == 0.0);
	assert_true(cmp_jaro_winkler("", "smith") == 0.0);
	assert_true(cmp_jaro_winkler("smith", "") == 0.0);
	assert_true(cmp_jaro_winkler(NULL, "smith") == 0.0);
	assert_true(cmp_jaro_winkler("abc", "xyz") == 0.0);
	assert_true(cmp_jaro_winkler("a", "b") == 0.0);
}

UNIT_TEST(jaro_winkler_adds_the_prefix_bonus_only_above_0_7)
{
	/* "abcxyz"/"abcpqr": jaro 0.667 and a prefix of 3, left unboosted. */
	assert_near(cmp_jaro_winkler("abcxyz", "abcpqr"), 2.0 / 3.0);
	/* The prefix counts at most four characters. */
	double jaro = (8.0 / 9 + 8.0 / 9 + 1) / 3;
	assert_near(cmp_jaro_winkler("abcdefghx", "abcdefghy"), jaro + 0.4 * (1 - jaro));
}

UNIT_TEST(jaro_winkler_matches_the_plain_algorithm_on_random_strings)
{
	char a[CMP_MAX_LEN + 1], b[CMP_MAX_LEN + 1];
	for (int round = 0; round < 20000; round++) {
		int alphabet = 2 + (int)unit_rand(25);
		random_string(a, unit_rand(CMP_MAX_LEN + 1), alphabet);
		random_string(b, unit_rand(CMP_MAX_LEN + 1), alphabet);
		double want = plain_jaro_winkler(a, b), got = cmp_jaro_winkler(a, b);
		if (fabs(got - want) > 1e-12)
			fail_msg("'%s' '%s': got %.9f, want %.9f", a, b, got, want);
		assert_true(got >= 0.0 && got <= 1.0);
	}
}

UNIT_TEST(jaro_winkler_compares_normalised_non_ascii_names)
{
	char a[NORM_MAX], b[NORM_MAX];
	norm_text("Zoë Núñez", a, sizeof a);
	norm_text("ZOE NUNEZ", b, sizeof b);
	assert_true(cmp_jaro_winkler(a, b) == 1.0);
	/* Raw UTF-8 bytes are compared as bytes, not crashed on. */
	double raw = cmp_jaro_winkler("Zoë", "Zoe");
	assert_true(raw > 0.0 && raw < 1.0);
}

UNIT_TEST(jaro_winkler_compares_10kb_strings_on_their_first_64_bytes)
{
	char *a = long_string("katherine", 'x'), *b = long_string("katherine", 'y');
	assert_true(cmp_jaro_winkler(a, a) == 1.0);
	assert_near(cmp_jaro_winkler(a, b), plain_jaro_winkler(a, b));
	a[CMP_MAX_LEN] = 'q'; /* past the cut: no difference */
	char *c = long_string("katherine", 'x');
	assert_true(cmp_jaro_winkler(a, c) == 1.0);
	free(a);
	free(b);
	free(c);
}

/* ---- Damerau-Levenshtein ---- */

/* Optimal string alignment by the O(nm) table: the reference. */
static int plain_osa(const char *a, const char *b)
{
	int la = cut_len(a), lb = cut_len(b);
	int d[CMP_MAX_LEN + 1][CMP_MAX_LEN + 1];
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++) {
		for (int j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

UNIT_TEST(damerau_levenshtein_gives_the_known_distances)
{
	// clang-format off
	static const struct {
		const char *a, *b;
		int d;
	} cases[] = {
		{"ca", "abc", 3}, /* OSA; unrestricted Damerau would give 2 */
		{"abcdef", "abcfed", 2},
		{"abcdef", "abcdfe", 1},
		{"ab", "ba", 1},
		{"abcd", "badc", 2},
		{"kitten", "sitting", 3},
		{"martha", "marhta", 1},
		{"smith", "smyth", 1},
		{"katherine", "kathryn", 3},
		{"jon", "john", 1},
		{"flaw", "lawn", 2},
		{"abc", "abc", 0},
		{"a", "b", 1},
		{"", "abc", 3},
		{"abc", "", 3},
		{"", "", 0},
	};
	// clang-format on
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(cmp_damerau_levenshtein(cases[i].a, cases[i].b), cases[i].d);
		assert_int_equal(cmp_damerau_levenshtein(cases[i].b, cases[i].a), cases[i].d);
		assert_int_equal(plain_osa(cases[i].a, cases[i].b), cases[i].d);
	}
}

UNIT_TEST(damerau_levenshtein_handles_strings_of_exactly_64_bytes)
{
	char a[CMP_MAX_LEN + 1], b[CMP_MAX_LEN + 1];
	memset(a, 'a', CMP_MAX_LEN);
	memset(b, 'b', CMP_MAX_LEN);
	a[CMP_MAX_LEN] = b[CMP_MAX_LEN] = '\0';
	assert_int_equal(cmp_damerau_levenshtein(a, b), 64);
	assert_int_equal(cmp_damerau_levenshtein(a, ""), 64);
	b[0] = 'a';
	b[63] = 'a';
	assert_int_equal(cmp_damerau_levenshtein(a, b), 62);
	assert_int_equal(cmp_damerau_levenshtein_max(a, b, 61), 62);
	assert_int_equal(cmp_damerau_levenshtein_max(a, b, 62), 62);
}

UNIT_TEST(damerau_levenshtein_matches_the_plain_table_on_random_strings)
{
	char a[CMP_MAX_LEN + 1], b[CMP_MAX_LEN + 1];
	for (int round = 0; round < 20000; round++) {
		int alphabet = 2 + (int)unit_rand(25);
		random_string(a, unit_rand(CMP_MAX_LEN + 1), alphabet);
		/* Half the time b is a from a few edits, as real near-matches are. */
		if (unit_rand(2)) {
			random_string(b, unit_rand(CMP_MAX_LEN + 1), alphabet);
		} else {
			memcpy(b, a, sizeof a);
			int edits = 1 + (int)unit_rand(4);
			for (int e = 0; e < edits; e++) {
				size_t n = strlen(b);
				size_t at = n ? unit_rand((uint32_t)n) : 0;
				switch (unit_rand(4)) {
				case 0: /* substitute */
					if (n)
						b[at] = (char)('a' + unit_rand((uint32_t)alphabet));
					break;
				case 1: /* delete */
					if (n)
						memmove(b + at, b + at + 1, n - at);
					break;
				case 2: /* insert */
					if (n < CMP_MAX_LEN) {
						memmove(b + at + 1, b + at, n - at + 1);
						b[at] = (char)('a' + unit_rand((uint32_t)alphabet));
					}
					break;
				default: /* transpose */
					if (at + 1 < n) {
						char c = b[at];
						b[at] = b[at + 1];
						b[at + 1] = c;
					}
					break;
				}
			}
		}
		int want = plain_osa(a, b);
		int got = cmp_damerau_levenshtein(a, b);
		if (got != want)
			fail_msg("'%s' '%s': got %d, want %d", a, b, got, want);
		int max = (int)unit_rand(12);
		int capped = cmp_damerau_levenshtein_max(a, b, max);
		int capped_want = want > max ? max + 1 : want;
		if (capped != capped_want)
			fail_msg("'%s' '%s' max %d: got %d, want %d", a, b, max, capped, capped_want);
	}
}

UNIT_TEST(damerau_levenshtein_handles_every_byte_value)
{
	char a[CMP_MAX_LEN + 1], b[CMP_MAX_LEN + 1];
	for (int round = 0; round < 3000; round++) {
		size_t la = unit_rand(CMP_MAX_LEN + 1), lb = unit_rand(CMP_MAX_LEN + 1);
		for (size_t i = 0; i < la; i++)
			a[i] = (char)(1 + unit_rand(255));
		for (size_t i = 0; i < lb; i++)
			b[i] = (char)(1 + unit_rand(255));
		a[la] = b[lb] = '\0';
		if (la > 3 && lb > 3)
			memcpy(b, a, 3); /* bytes above 0x7f in both */
		assert_int_equal(cmp_damerau_levenshtein(a, b), plain_osa(a, b));
	}
}

UNIT_TEST(damerau_levenshtein_max_stops_early_at_max_plus_one)
{
	assert_int_equal(cmp_damerau_levenshtein_max("smith", "smith", 0), 0);
	assert_int_equal(cmp_damerau_levenshtein_max("smith", "smyth", 0), 1);
	assert_int_equal(cmp_damerau_levenshtein_max("smith", "smyth", 1), 1);
	assert_int_equal(cmp_damerau_levenshtein_max("smith", "jones", 2), 3);
	assert_int_equal(cmp_damerau_levenshtein_max("a", "abcdefgh", 3), 4); /* by length alone */
	assert_int_equal(cmp_damerau_levenshtein_max("", "ab", 2), 2);
	assert_int_equal(cmp_damerau_levenshtein_max("", "", 0), 0);
	assert_int_equal(cmp_damerau_levenshtein_max("ab", "ba", -5), 1); /* max below 0 is 0 */
	assert_int_equal(cmp_damerau_levenshtein_max(NULL, "ab", 5), 2);
}

UNIT_TEST(damerau_levenshtein_compares_10kb_strings_on_their_first_64_bytes)
{
	char *a = long_string("katherine", 'x'), *b = long_string("kathryn", 'x');
	assert_int_equal(cmp_damerau_levenshtein(a, b), plain_osa(a, b));
	/* cut at 64: "katherine" 55 x against "kathryn" 57 x, so "erine" against "rynxx" */
	assert_int_equal(cmp_damerau_levenshtein(a, b), 4);
	b[CMP_MAX_LEN + 10] = 'q';
	char *c = long_string("katherine", 'x');
	c[5000] = 'z';
	assert_int_equal(cmp_damerau_levenshtein(a, c), 0);
	assert_int_equal(cmp_damerau_levenshtein_max(a, c, 0), 0);
	free(a);
	free(b);
	free(c);
}

UNIT_TEST(damerau_levenshtein_compares_normalised_non_ascii_names)
{
	char a[NORM_MAX], b[NORM_MAX];
	norm_text("Łukasz Wałęsa", a, sizeof a);
	norm_text("Lukasz Walesa", b, sizeof b);
	assert_int_equal(cmp_damerau_levenshtein(a, b), 0);
	/* Raw UTF-8: "ë" is two bytes against one. */
	assert_int_equal(cmp_damerau_levenshtein("Zoë", "Zoe"), 2);
}

/* ---- phonetic ---- */

static void assert_same_code(const char *const *names, size_t n)
{
	char first[CMP_PHONETIC_MAX], code[CMP_PHONETIC_MAX];
	cmp_phonetic(names[0], first);
	assert_true(first[0] != '\0');
	for (size_t i = 1; i < n; i++) {
		cmp_phonetic(names[i], code);
		if (strcmp(first, code) != 0)
			fail_msg("%s -> %s but %s -> %s", names[0], first, names[i], code);
	}
}

#define SAME(...)                                                                                                      \
	do {                                                                                                           \
		static const char *const group[] = {__VA_ARGS__};                                                      \
		assert_same_code(group, sizeof group / sizeof group[0]);                                               \
	} while (0)

static void assert_differ(const char *a, const char *b)
{
	char ca[CMP_PHONETIC_MAX], cb[CMP_PHONETIC_MAX];
	cmp_phonetic(a, ca);
	cmp_phonetic(b, cb);
	if (strcmp(ca, cb) == 0)
		fail_msg("%s and %s share %s", a, b, ca);
}

UNIT_TEST(phonetic_gives_spelling_variants_one_code)
{
	SAME("katherine", "catherine", "kathryn", "katharine", "cathryn", "katherin");
	SAME("smith", "smyth", "smithe");
	SAME("jon", "john", "jonn");
	SAME("steven", "stephen", "stefan");
	SAME("philip", "phillip", "filip", "phillipp");
	SAME("mcdonald", "macdonald");
	SAME("sean", "shaun", "shawn");
	SAME("aaliyah", "aliyah", "aaliya");
	SAME("zoe", "zoey", "zoie");
	SAME("caitlin", "katelyn", "kaitlyn");
	SAME("geoffrey", "jeffrey");
	SAME("gillian", "jillian");
	SAME("nicholas", "nicolas", "nikolas");
	SAME("christopher", "kristopher", "kristofer");
	SAME("lawrence", "laurence");
	SAME("leigh", "lee");
	SAME("dwayne", "duane");
	SAME("mohammed", "muhammad", "mohamed", "mohammad");
	SAME("meghan", "megan");
	SAME("rebecca", "rebekah");
	SAME("jonathan", "johnathan", "jonathon");
	SAME("knight", "night");
	SAME("wright", "right");
	SAME("isabel", "isobel", "isabelle");
	SAME("sophie", "sofia");
	SAME("bridget", "bridgette", "briget");
	SAME("doherty", "dougherty");
	SAME("mackenzie", "mckenzie", "makenzie");
}

UNIT_TEST(phonetic_keeps_different_names_apart)
{
	assert_differ("smith", "jones");
	assert_differ("katherine", "karen");
	assert_differ("charles", "carl");
	assert_differ("mary", "mark");
	assert_differ("emily", "emma");
	assert_differ("oliver", "olivia");
	assert_differ("jack", "james");
	assert_differ("thomas", "tamsin");
	assert_differ("mitchell", "michelle");
}

UNIT_TEST(phonetic_codes_are_short_upper_case_letters)
{
	char code[CMP_PHONETIC_MAX];
	cmp_phonetic("katherine", code);
	assert_string_equal(code, "KTRN");
	cmp_phonetic("smith", code);
	assert_string_equal(code, "SMT");
	cmp_phonetic("aaliyah", code);
	assert_string_equal(code, "AL");
	cmp_phonetic("wolfeschlegelsteinhausenbergerdorff", code);
	assert_int_equal(strlen(code), CMP_PHONETIC_MAX - 1);
	for (const char *p = code; *p; p++)
		assert_true(*p >= 'A' && *p <= 'Z');
}

UNIT_TEST(phonetic_of_an_empty_name_is_empty)
{
	char code[CMP_PHONETIC_MAX] = "junk";
	cmp_phonetic("", code);
	assert_string_equal(code, "");
	cmp_phonetic("  123 -", code);
	assert_string_equal(code, "");
	cmp_phonetic(NULL, code);
	assert_string_equal(code, "");
	cmp_phonetic("a", code);
	assert_string_equal(code, "A");
	cmp_phonetic("h", code);
	assert_string_equal(code, "H");
}

UNIT_TEST(phonetic_ignores_case_spaces_and_normalised_accents)
{
	char a[CMP_PHONETIC_MAX], b[CMP_PHONETIC_MAX], n[NORM_MAX];
	cmp_phonetic("KATHERINE", a);
	cmp_phonetic("katherine", b);
	assert_string_equal(a, b);
	cmp_phonetic("mc donald", a);
	cmp_phonetic("mcdonald", b);
	assert_string_equal(a, b);
	norm_text("Zoë", n, sizeof n);
	cmp_phonetic(n, a);
	cmp_phonetic("zoe", b);
	assert_string_equal(a, b);
	norm_text("Stéphane", n, sizeof n);
	cmp_phonetic(n, a);
	cmp_phonetic("stephane", b);
	assert_string_equal(a, b);
	/* Raw non-ASCII bytes are skipped, not read as letters. */
	cmp_phonetic("Zo\303\253", a);
	assert_string_equal(a, "S");
}

UNIT_TEST(phonetic_of_a_10kb_name_is_cut)
{
	char code[CMP_PHONETIC_MAX];
	char *s = long_string("katherine", 'b');
	cmp_phonetic(s, code);
	assert_string_equal(code, "KTRNB");
	free(s);
	s = long_string("", 'a');
	cmp_phonetic(s, code);
	assert_string_equal(code, "A");
	free(s);
	/* Every short random word: never more than 7 letters, never a crash. */
	char w[CMP_MAX_LEN + 1];
	for (int round = 0; round < 20000; round++) {
		random_string(w, unit_rand(20), 26);
		cmp_phonetic(w, code);
		assert_true(strlen(code) < CMP_PHONETIC_MAX);
		assert_true(w[0] == '\0' || code[0] != '\0');
	}
}

/* ---- dates ---- */

static struct cmp_date date(int y, int m, int d)
{
	struct cmp_date v = {y, m, d};
	return v;
}

UNIT_TEST(parses_the_default_formats_and_strptime_like_ones)
{
	struct cmp_date d;
	assert_true(cmp_date_parse("2026-11-28", "%Y-%m-%d", &d));
	assert_int_equal(d.y, 2026);
	assert_int_equal(d.m, 11);
	assert_int_equal(d.d, 28);
	assert_true(cmp_date_parse("20260105", "%Y%m%d", &d));
	assert_int_equal(d.m, 1);
	assert_int_equal(d.d, 5);
	assert_true(cmp_date_parse("5/1/2026", "%d/%m/%Y", &d));
	assert_int_equal(d.d, 5);
	assert_int_equal(d.m, 1);
	assert_true(cmp_date_parse("28.11.2026", "%d.%m.%Y", &d));
	assert_true(cmp_date_parse("2026-1-5", "%Y-%m-%d", &d));
	assert_true(cmp_date_parse("born 2026%11%28", "born %Y%%%m%%%d", &d));
	assert_int_equal(d.d, 28);
	/* No format (NULL or ""): either of the two usual ones. */
	assert_true(cmp_date_parse("2026-11-28", NULL, &d));
	assert_true(cmp_date_parse("20261128", NULL, &d));
	assert_true(cmp_date_parse("20261128", "", &d));
	assert_int_equal(d.m, 11);
}

UNIT_TEST(rejects_dates_that_are_not_real)
{
	struct cmp_date d = {1, 2, 3};
	assert_false(cmp_date_parse("2023-02-29", NULL, &d));
	assert_false(cmp_date_parse("1900-02-29", NULL, &d)); /* not a leap year */
	assert_false(cmp_date_parse("2026-04-31", NULL, &d));
	assert_false(cmp_date_parse("2026-13-01", NULL, &d));
	assert_false(cmp_date_parse("2026-00-10", NULL, &d));
	assert_false(cmp_date_parse("2026-01-00", NULL, &d));
	assert_false(cmp_date_parse("0000-01-01", NULL, &d));
	/* ret is written only on success */
	assert_int_equal(d.y, 1);
	assert_int_equal(d.m, 2);
	assert_int_equal(d.d, 3);
	assert_true(cmp_date_parse("2024-02-29", NULL, &d));
	assert_true(cmp_date_parse("2000-02-29", NULL, &d));
	assert_true(cmp_date_parse("0001-01-01", NULL, &d));
	assert_true(cmp_date_parse("9999-12-31", NULL, &d));
}

UNIT_TEST(rejects_text_that_does_not_fit_the_format)
{
	struct cmp_date d;
	assert_false(cmp_date_parse("", NULL, &d));
	assert_false(cmp_date_parse(NULL, NULL, &d));
	assert_false(cmp_date_parse("2026-11-28", NULL, NULL));
	assert_false(cmp_date_parse("2026-11-28x", NULL, &d));
	assert_false(cmp_date_parse(" 2026-11-28", NULL, &d));
	assert_false(cmp_date_parse("26-11-28", NULL, &d));
	assert_false(cmp_date_parse("2026/11/28", "%Y-%m-%d", &d));
	assert_false(cmp_date_parse("2026115", "%Y%m%d", &d)); /* ambiguous: no guess */
	assert_false(cmp_date_parse("2026111", "%Y%m%d", &d));
	assert_false(cmp_date_parse("2026-11-28", "%Y-%m-%e", &d)); /* unknown directive */
	assert_false(cmp_date_parse("2026-11-28", "%Y-%m-%", &d));
	assert_false(cmp_date_parse("2026-11", "%Y-%m", &d)); /* no day */
	assert_false(cmp_date_parse("2026-11-28", "%Y-%m-%d-", &d));
	assert_false(cmp_date_parse("２０２６-11-28", NULL, &d));
	char *s = long_string("2026-11-28", '9');
	assert_false(cmp_date_parse(s, NULL, &d));
	free(s);
}

UNIT_TEST(counts_days_from_1970)
{
	static const struct {
		int y, m, d;
		int64_t days;
	} cases[] = {
		{1970, 1, 1, 0},      {1970, 1, 2, 1},         {1969, 12, 31, -1},
		{2000, 3, 1, 11017},  {2012, 2, 29, 15399},    {2026, 11, 28, 20785},
		{1900, 2, 28, -25509}, {1, 1, 1, -719162},     {9999, 12, 31, 2932896},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct cmp_date d = date(cases[i].y, cases[i].m, cases[i].d);
		assert_int_equal(cmp_date_days(&d), cases[i].days);
	}
}

UNIT_TEST(counts_consecutive_days_one_apart_from_1600_to_2400)
{
	struct cmp_date d = date(1600, 1, 1);
	int64_t prev = cmp_date_days(&d);
	int y = 1600, m = 1, dd = 1;
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	while (y < 2400) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		int len = m == 2 && leap ? 29 : mdays[m - 1];
		if (++dd > len) {
			dd = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
		d = date(y, m, dd);
		int64_t now = cmp_date_days(&d);
		if (now != prev + 1)
			fail_msg("%04d-%02d-%02d: %lld after %lld", y, m, dd, (long long)now, (long long)prev);
		prev = now;
	}
}

UNIT_TEST(compares_dates_level_by_level)
{
	// clang-format off
	static const struct {
		struct cmp_date a, b;
		enum cmp_date_level want;
	} cases[] = {
		{{0, 0, 0}, {2010, 5, 13}, CMP_DATE_MISSING},
		{{2010, 5, 13}, {0, 5, 13}, CMP_DATE_MISSING},
		{{2010, 5, 13}, {2010, 5, 13}, CMP_DATE_EXACT},
		{{2010, 1, 10}, {2010, 10, 1}, CMP_DATE_SWAPPED},
		{{2010, 3, 4}, {2010, 4, 3}, CMP_DATE_SWAPPED},
		{{2010, 5, 13}, {2010, 5, 18}, CMP_DATE_ONE_DIGIT},
		{{2010, 5, 13}, {2010, 5, 31}, CMP_DATE_ONE_DIGIT}, /* 13 -> 31 */
		{{2010, 5, 13}, {2011, 5, 13}, CMP_DATE_ONE_DIGIT}, /* year typo */
		{{2010, 5, 13}, {2001, 5, 13}, CMP_DATE_ONE_DIGIT}, /* 2010 -> 2001 */
		{{2010, 5, 13}, {2010, 8, 13}, CMP_DATE_ONE_DIGIT},
		{{2010, 5, 28}, {2010, 6, 3}, CMP_DATE_NEAR},
		{{2010, 12, 30}, {2011, 1, 2}, CMP_DATE_NEAR}, /* over a new year */
		{{2010, 1, 15}, {2010, 9, 20}, CMP_DATE_SAME_YEAR},
		{{2010, 3, 15}, {2011, 8, 20}, CMP_DATE_YEARS_1},
		{{2010, 3, 15}, {2014, 8, 20}, CMP_DATE_YEARS_2_5},
		{{2015, 3, 15}, {2010, 8, 20}, CMP_DATE_YEARS_2_5},
		{{2016, 3, 15}, {2010, 8, 20}, CMP_DATE_DIFFERENT},
		{{2000, 3, 15}, {2010, 8, 20}, CMP_DATE_DIFFERENT},
		/* only the year known on one side: the year decides */
		{{2010, 0, 0}, {2010, 8, 20}, CMP_DATE_SAME_YEAR},
		{{2010, 0, 0}, {2012, 8, 20}, CMP_DATE_YEARS_2_5},
	};
	// clang-format on
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum cmp_date_level l = cmp_dates(&cases[i].a, &cases[i].b);
		if (l != cases[i].want)
			fail_msg("case %zu: level %d, want %d", i, (int)l, (int)cases[i].want);
		assert_int_equal(cmp_dates(&cases[i].b, &cases[i].a), cases[i].want);
	}
}

UNIT_TEST(compares_leap_day_birth_dates)
{
	struct cmp_date a = date(2012, 2, 29), b = date(2012, 2, 28), c = date(2012, 3, 1), e = date(2016, 2, 29);
	assert_int_equal(cmp_dates(&a, &a), CMP_DATE_EXACT);
	assert_int_equal(cmp_dates(&a, &b), CMP_DATE_ONE_DIGIT);
	assert_int_equal(cmp_dates(&a, &c), CMP_DATE_NEAR);
	assert_int_equal(cmp_dates(&a, &e), CMP_DATE_ONE_DIGIT); /* 2012 -> 2016 */
}

UNIT_TEST(checks_an_age_against_a_birth_date)
{
	struct cmp_date on = date(2026, 11, 28);
	struct cmp_date dob = date(2011, 11, 29); /* 15 tomorrow */
	assert_int_equal(cmp_date_age(&dob, 14, &on), CMP_DATE_EXACT);
	assert_int_equal(cmp_date_age(&dob, 15, &on), CMP_DATE_YEARS_1);
	assert_int_equal(cmp_date_age(&dob, 13, &on), CMP_DATE_YEARS_1);
	assert_int_equal(cmp_date_age(&dob, 12, &on), CMP_DATE_YEARS_2_5);
	assert_int_equal(cmp_date_age(&dob, 19, &on), CMP_DATE_YEARS_2_5);
	assert_int_equal(cmp_date_age(&dob, 20, &on), CMP_DATE_DIFFERENT);
	assert_int_equal(cmp_date_age(&dob, 0, &on), CMP_DATE_DIFFERENT);
	dob = date(2011, 11, 28); /* 15 today */
	assert_int_equal(cmp_date_age(&dob, 15, &on), CMP_DATE_EXACT);
	dob = date(2026, 11, 28); /* born today */
	assert_int_equal(cmp_date_age(&dob, 0, &on), CMP_DATE_EXACT);
}

UNIT_TEST(an_age_on_a_leap_day_birthday_counts_from_1_march)
{
	struct cmp_date dob = date(2012, 2, 29);
	struct cmp_date on = date(2026, 2, 28);
	assert_int_equal(cmp_date_age(&dob, 13, &on), CMP_DATE_EXACT);
	on = date(2026, 3, 1);
	assert_int_equal(cmp_date_age(&dob, 14, &on), CMP_DATE_EXACT);
	on = date(2028, 2, 28);
	assert_int_equal(cmp_date_age(&dob, 15, &on), CMP_DATE_EXACT);
	on = date(2028, 2, 29);
	assert_int_equal(cmp_date_age(&dob, 16, &on), CMP_DATE_EXACT);
}

UNIT_TEST(an_age_is_missing_without_a_birth_date)
{
	struct cmp_date on = date(2026, 11, 28), none = date(0, 0, 0), dob = date(2011, 5, 1);
	assert_int_equal(cmp_date_age(&none, 15, &on), CMP_DATE_MISSING);
	assert_int_equal(cmp_date_age(&dob, 15, &none), CMP_DATE_MISSING);
	assert_int_equal(cmp_date_age(&dob, -1, &on), CMP_DATE_MISSING);
	assert_int_equal(cmp_date_age(NULL, 15, &on), CMP_DATE_MISSING);
	/* A birth year alone: the age is one of two. */
	struct cmp_date year = date(2011, 0, 0);
	assert_int_equal(cmp_date_age(&year, 15, &on), CMP_DATE_EXACT);
	assert_int_equal(cmp_date_age(&year, 14, &on), CMP_DATE_EXACT);
	assert_int_equal(cmp_date_age(&year, 16, &on), CMP_DATE_YEARS_1);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
