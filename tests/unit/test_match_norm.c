/* Unit tests of src/match/norm: names reduced to a comparable form. */
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

#include "match/norm.h"

/* norm_text into a NORM_MAX buffer, checking the returned length. */
static const char *norm(const char *in)
{
	static char out[NORM_MAX];
	size_t n = norm_text(in, out, sizeof out);
	assert_int_equal(n, strlen(out));
	return out;
}

/* UTF-8 for one code point (below U+10000). */
static size_t put_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | cp >> 12);
	out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

/* Copy s into buf (no strcpy here either). */
static void set(char *buf, size_t size, const char *s)
{
	int n = snprintf(buf, size, "%s", s);
	assert_true(n >= 0 && (size_t)n < size);
}

static bool only_lowercase_ascii(const char *s)
{
	for (; *s; s++)
		if (*s < 'a' || *s > 'z')
			return false;
	return true;
}

/* An input and what norm() makes of it. */
struct norm_case {
	const char *in, *want;
};

static void norms(const struct norm_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_string_equal(norm(cases[i].in), cases[i].want);
}

/* Define the test name: norm() makes of each input of the cases (the
 * macro's other arguments, struct norm_case initializers) what it wants. */
#define NORM_TEST(name, ...)                                           \
	UNIT_TEST(name)                                                \
	{                                                              \
		static const struct norm_case cases[] = {__VA_ARGS__}; \
		norms(cases, sizeof cases / sizeof *cases);            \
	}

/* A long input (LONG_INPUT bytes and a NUL) of unit over and over; free() it. */
enum { LONG_INPUT = 10 * 1024 };
static char *repeated(const char *unit)
{
	size_t len = strlen(unit);
	char *in = malloc(LONG_INPUT + 1);
	assert_non_null(in);
	for (size_t i = 0; i < LONG_INPUT; i++)
		in[i] = unit[i % len];
	in[LONG_INPUT] = '\0';
	return in;
}

/* fn(in) into a buffer of size bytes is want, and fn returns its length. */
static void becomes(size_t (*fn)(const char *, char *, size_t), const char *in, size_t size, const char *want)
{
	char out[NORM_MAX];
	assert_true(size <= sizeof out);
	assert_int_equal(fn(in, out, size), strlen(want));
	assert_string_equal(out, want);
}

/* ---- norm_text ---- */

NORM_TEST(folds_case_and_accents_to_ascii_letters,
	{"KATHERINE Smith", "katherine smith"},
	{"Zoë", "zoe"},
	{"Núñez", "nunez"},
	{"Łukasz Wałęsa", "lukasz walesa"},
	{"Straße", "strasse"},
	{"STRASSE", "strasse"},
	{"Æthelred", "aethelred"},
	{"Œdipe cœur", "oedipe coeur"},
	{"Søren Ødegård", "soren odegard"},
	{"Đorđević", "dordevic"},
	{"Þór Þorsteinsdóttir", "thor thorsteinsdottir"},
	{"François Çelik", "francois celik"},
	{"ÀÁÂÃÄÅ àáâãäå ÿŸ", "aaaaaa aaaaaa yy"},
	{"Dvořák Šťastný Žižek", "dvorak stastny zizek"},
	{"İbrahim Yıldız Ğüneş", "ibrahim yildiz gunes"},
	{"Ștefan Țurcanu", "stefan turcanu"})

UNIT_TEST(folds_every_letter_of_latin1_and_extended_a)
{
	for (uint32_t cp = 0xC0; cp <= 0x17F; cp++) {
		char in[8] = {0};
		put_utf8(cp, in);
		const char *out = norm(in);
		if (cp == 0xD7 || cp == 0xF7) {
			assert_string_equal(out, ""); /* × and ÷ are punctuation */
			continue;
		}
		size_t n = strlen(out);
		assert_true(n == 1 || n == 2);
		assert_true(only_lowercase_ascii(out));
	}
	/* Capital and small letters of Latin-1 fold alike. */
	for (uint32_t cp = 0xC0; cp <= 0xDE; cp++) {
		if (cp == 0xD7)
			continue;
		char up[8] = {0}, low[8] = {0}, a[NORM_MAX];
		put_utf8(cp, up);
		put_utf8(cp + 0x20, low);
		norm_text(up, a, sizeof a);
		assert_string_equal(a, norm(low));
	}
}

NORM_TEST(removes_apostrophes_without_splitting_the_name,
	{"O'Brien", "obrien"},
	{"O’Brien", "obrien"},
	{"D`Arcy", "darcy"},
	{"N‘Diaye ʼOkina", "ndiaye okina"},
	{"'quoted'", "quoted"})

NORM_TEST(turns_punctuation_and_other_scripts_into_single_spaces,
	{"  Mary-Jane   Smith,  Jr. ", "mary jane smith jr"},
	{"smith/jones", "smith jones"},
	{"tab\there\nnewline\r\n", "tab here newline"},
	{"Иван Smith", "smith"},
	{"李 Wei", "wei"},
	{"Ana😀Lopez", "ana lopez"},
	{"2×3÷4", "2 3 4"},
	{"-- ,, ...", ""},
	{"a\302\240b", "a b"} /* no-break space */)

UNIT_TEST(keeps_digits)
{
	assert_string_equal(norm("Flat 3B, 12 High St."), "flat 3b 12 high st");
	assert_string_equal(norm("SW1A 1AA"), "sw1a 1aa");
}

/* Bytes are written in octal: "\xc3e" would read as one escape. */
NORM_TEST(drops_invalid_utf8_bytes,
	{"ab\377cd", "abcd"},
	{"Zo\303", "zo"}, /* truncated at the end */
	{"Zo\303e", "zoe"}, /* truncated in the middle */
	{"a\300\257b", "ab"}, /* overlong '/' */
	{"a\340\200\257b", "ab"}, /* overlong, three bytes */
	{"a\355\240\200b", "ab"}, /* a UTF-16 surrogate */
	{"a\364\220\200\200b", "ab"}, /* past U+10FFFF */
	{"a\200\200\277b", "ab"}, /* stray continuation bytes */
	{"Zo\353", "zo"}, /* Latin-1, not UTF-8 */
	{"\342\200x", "x"})

NORM_TEST(drops_combining_accents_of_decomposed_input,
	{"Zoe\314\210", "zoe"},
	{"Nu\314\203n\314\203ez", "nunez"},
	{"Jose\314\201 Luis", "jose luis"})

UNIT_TEST(gives_an_empty_string_for_empty_or_null_input)
{
	char out[8] = "junk";
	becomes(norm_text, "", 8, "");
	set(out, sizeof out, "junk");
	becomes(norm_text, NULL, 8, "");
	assert_int_equal(norm_text("abc", out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(norm_text("abc", NULL, 0), 0);
}

UNIT_TEST(cuts_long_input_to_size_minus_one_bytes_without_a_trailing_space)
{
	size_t n = LONG_INPUT;
	char *in = repeated("Abc ");
	const char *out = norm(in);
	assert_true(strlen(out) <= NORM_MAX - 1);
	assert_true(strlen(out) >= NORM_MAX - 4);
	assert_true(out[strlen(out) - 1] != ' ');
	assert_memory_equal(out, "abc abc ", 8);

	/* two bytes in, one out */
	for (size_t i = 0; i + 1 < n; i += 2)
		memcpy(in + i, "\303\251", 2);
	in[n] = '\0';
	out = norm(in);
	assert_int_equal(strlen(out), NORM_MAX - 1);
	assert_true(only_lowercase_ascii(out));

	/* two bytes in, two out */
	for (size_t i = 0; i + 1 < n; i += 2)
		memcpy(in + i, "\303\237", 2);
	out = norm(in);
	assert_int_equal(strlen(out), NORM_MAX - 1);

	/* all separators */
	memset(in, '.', n);
	assert_string_equal(norm(in), "");
	free(in);

	char small[4];
	assert_int_equal(norm_text("ab cd", small, sizeof small), 2);
	assert_string_equal(small, "ab");
	assert_int_equal(norm_text("aß", small, 3), 2); /* a fold of two letters cut in half */
	assert_string_equal(small, "as");
	assert_int_equal(norm_text("abcdef", small, sizeof small), 3);
	assert_string_equal(small, "abc");
}

UNIT_TEST(a_normalised_value_normalises_to_itself)
{
	static const char *const pieces[] = {"É", "ß", " ", "-", "'", "’", "a", "Z", "9", "\377", "Ø", "ł", ",", "李"};
	srand(7);
	for (int round = 0; round < 2000; round++) {
		char in[256] = "";
		size_t len = 0;
		int k = rand() % 30;
		for (int i = 0; i < k; i++) {
			const char *p = pieces[rand() % (int)(sizeof pieces / sizeof pieces[0])];
			size_t pl = strlen(p);
			memcpy(in + len, p, pl);
			len += pl;
		}
		in[len] = '\0';
		char once[NORM_MAX], twice[NORM_MAX];
		norm_text(in, once, sizeof once);
		norm_text(once, twice, sizeof twice);
		assert_string_equal(once, twice);
		assert_true(once[0] != ' ');
		assert_true(!*once || once[strlen(once) - 1] != ' ');
		assert_null(strstr(once, "  "));
	}
}

/* ---- norm_split ---- */

UNIT_TEST(splits_a_name_on_spaces_and_hyphens)
{
	char buf[NORM_MAX];
	const char *parts[8];

	set(buf, sizeof buf, "garcia lopez");
	assert_int_equal(norm_split(buf, parts, 8), 2);
	assert_string_equal(parts[0], "garcia");
	assert_string_equal(parts[1], "lopez");

	set(buf, sizeof buf, "-mary-jane  smith- ");
	assert_int_equal(norm_split(buf, parts, 8), 3);
	assert_string_equal(parts[0], "mary");
	assert_string_equal(parts[1], "jane");
	assert_string_equal(parts[2], "smith");

	set(buf, sizeof buf, "single");
	assert_int_equal(norm_split(buf, parts, 8), 1);
	assert_string_equal(parts[0], "single");
}

UNIT_TEST(splits_into_no_more_than_max_parts)
{
	char buf[NORM_MAX] = "a b c d";
	const char *parts[2];
	assert_int_equal(norm_split(buf, parts, 2), 2);
	assert_string_equal(parts[0], "a");
	assert_string_equal(parts[1], "b");
	assert_int_equal(norm_split(buf, parts, 0), 0);
}

UNIT_TEST(splits_an_empty_name_into_no_parts)
{
	char buf[NORM_MAX] = "";
	const char *parts[4];
	assert_int_equal(norm_split(buf, parts, 4), 0);
	set(buf, sizeof buf, " - -");
	assert_int_equal(norm_split(buf, parts, 4), 0);
	assert_int_equal(norm_split(NULL, parts, 4), 0);
}

UNIT_TEST(splits_a_normalised_non_ascii_name)
{
	char buf[NORM_MAX];
	const char *parts[4];
	norm_text("José-María Núñez", buf, sizeof buf);
	assert_int_equal(norm_split(buf, parts, 4), 3);
	assert_string_equal(parts[0], "jose");
	assert_string_equal(parts[1], "maria");
	assert_string_equal(parts[2], "nunez");
}

UNIT_TEST(splits_a_10kb_name_without_overrunning)
{
	char *buf = repeated("x ");
	const char *parts[8];
	assert_int_equal(norm_split(buf, parts, 8), 8);
	assert_string_equal(parts[7], "x");
	free(buf);
}

/* ---- norm_squash ---- */

UNIT_TEST(squash_removes_every_space)
{
	char out[NORM_MAX];
	becomes(norm_squash, "de la cruz", NORM_MAX, "delacruz");
	becomes(norm_squash, "", NORM_MAX, "");
	becomes(norm_squash, "   ", NORM_MAX, "");
	assert_int_equal(norm_squash(NULL, out, sizeof out), 0);
}

UNIT_TEST(squash_of_a_normalised_non_ascii_name)
{
	char n[NORM_MAX], out[NORM_MAX];
	norm_text("Van der Straße-Ødegård", n, sizeof n);
	norm_squash(n, out, sizeof out);
	assert_string_equal(out, "vanderstrasseodegard");
}

UNIT_TEST(squash_cuts_long_input)
{
	becomes(norm_squash, "de la cruz", 6, "delac");

	char *in = repeated(" qq");
	char big[NORM_MAX];
	assert_int_equal(norm_squash(in, big, sizeof big), NORM_MAX - 1);
	assert_int_equal(strlen(big), NORM_MAX - 1);
	free(in);
}

/* ---- norm_digits ---- */

UNIT_TEST(digits_keeps_only_digits)
{
	char out[NORM_MAX];
	becomes(norm_digits, "+44 (0)20 7946-0958", NORM_MAX, "4402079460958");
	becomes(norm_digits, "no digits here", NORM_MAX, "");
	assert_int_equal(norm_digits("", out, sizeof out), 0);
	assert_int_equal(norm_digits(NULL, out, sizeof out), 0);
	/* Non-ASCII digits (Arabic-Indic ٣) are not digits here. */
	becomes(norm_digits, "٣ 1²", NORM_MAX, "1");
}

UNIT_TEST(digits_cuts_long_input)
{
	becomes(norm_digits, "12-34-56", 4, "123");

	char *in = repeated("0123456789");
	char big[NORM_MAX];
	assert_int_equal(norm_digits(in, big, sizeof big), NORM_MAX - 1);
	free(in);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
