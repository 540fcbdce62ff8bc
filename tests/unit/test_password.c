/* Unit tests of src/model/password: length in characters and bytes, UTF-8,
 * repeated characters, the username, and the common-password list (the real
 * data/common-passwords.txt, read from HARTLINE_SOURCE_ROOT). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "model/password.h"

#define LIST_CAP ((size_t)1 << 20)

static char *list;
static size_t list_len;

static int read_list(void **state)
{
	const char *root = getenv("HARTLINE_SOURCE_ROOT");
	char path[4096];
	if (!root) {
		fprintf(stderr, "HARTLINE_SOURCE_ROOT is not set\n");
		return -1;
	}
	int n = snprintf(path, sizeof path, "%s/data/common-passwords.txt", root);
	if (n < 0 || (size_t)n >= sizeof path)
		return -1;
	if (file_read_all(path, LIST_CAP, &list, &list_len) < 0) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	return 0;
}

static int free_list(void **state)
{
	free(list);
	list = NULL;
	return 0;
}

/* password_check against the real list; the reason, or "" when accepted. */
static int check(const char *username, const char *password, char *reason, size_t size)
{
	reason[0] = '\0';
	return password_check(username, password, list, list_len, reason, size);
}

static void assert_refused(const char *username, const char *password, const char *why)
{
	char reason[128];
	int r = check(username, password, reason, sizeof reason);
	if (r != ERR_INVAL)
		fail_msg("\"%s\" was not refused (expected: %s)", password ? password : "(null)", why);
	assert_string_equal(reason, why);
}

static void assert_accepted(const char *username, const char *password)
{
	char reason[128];
	int r = check(username, password, reason, sizeof reason);
	if (r != 0)
		fail_msg("\"%s\" was refused: %s", password, reason);
}

/* ---- length ---- */

UNIT_TEST(accepts_a_good_passphrase)
{
	assert_accepted("jsmith", "violet stapler orbits the harbour");
	assert_accepted("jsmith", "Tr0mb0ne-Lantern-Quilt");
	assert_accepted(NULL, "violet stapler orbits the harbour");
}

UNIT_TEST(refuses_11_characters_and_accepts_12)
{
	assert_refused("jsmith", "Xk9#mP2$vL7", "must be at least 12 characters");
	assert_accepted("jsmith", "Xk9#mP2$vL7q");
	assert_refused("jsmith", "", "must be at least 12 characters");
	assert_refused("jsmith", NULL, "must be at least 12 characters");
}

UNIT_TEST(counts_characters_not_bytes_so_12_multibyte_characters_are_enough)
{
	/* 12 two-byte characters (24 bytes), then 11 of them (22 bytes: over
	 * 12 bytes, but still too short). */
	assert_accepted("jsmith", "ñáéíóúüçßøåæ");
	assert_refused("jsmith", "ñáéíóúüçßøå", "must be at least 12 characters");
	/* 12 three-byte characters and 12 four-byte characters. */
	assert_accepted("jsmith", "日本語のパスワードですね");
	assert_refused("jsmith", "日本語のパスワードです", "must be at least 12 characters");
	assert_accepted("jsmith", "🐻🐼🦊🐨🐯🦁🐮🐷🐸🐵🐔🐧");
}

UNIT_TEST(refuses_a_password_longer_than_256_bytes)
{
	char pw[PASSWORD_MAX_BYTES + 2];
	for (size_t i = 0; i < sizeof pw - 1; i++)
		pw[i] = (char)('a' + (i * 7) % 26);
	pw[PASSWORD_MAX_BYTES + 1] = '\0';
	assert_refused("jsmith", pw, "is too long (at most 256 bytes)");
	pw[PASSWORD_MAX_BYTES] = '\0';
	assert_accepted("jsmith", pw);
}

UNIT_TEST(counts_the_256_byte_limit_in_bytes_not_characters)
{
	/* 129 two-byte characters: 258 bytes, though only 129 characters. */
	char pw[2 * 129 + 1];
	for (size_t i = 0; i < 129; i++) {
		pw[2 * i] = (char)0xc3;
		pw[2 * i + 1] = (char)(0xa0 + i % 16); /* U+00E0 to U+00EF */
	}
	pw[2 * 129] = '\0';
	assert_refused("jsmith", pw, "is too long (at most 256 bytes)");
	pw[2 * 128] = '\0';
	assert_accepted("jsmith", pw);
}

/* ---- UTF-8 ---- */

UNIT_TEST(refuses_invalid_utf8)
{
	static const char *const bad[] = {
	        "correct\xff horse staple",          /* byte never used in UTF-8 */
	        "correct\x80 horse staple",          /* stray continuation byte */
	        "correct horse staple\xc3",          /* truncated at the end */
	        "correct\xc3 horse staple",          /* lead byte without its continuation */
	        "correct\xc0\xaf horse staple",      /* overlong '/' */
	        "correct\xe0\x80\xaf horse",         /* overlong, three bytes */
	        "correct\xed\xa0\x80 horse",         /* UTF-16 surrogate U+D800 */
	        "correct\xf4\x90\x80\x80 horse",     /* past U+10FFFF */
	        "correct\xf8\x88\x80\x80\x80 horse", /* five-byte form */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_refused("jsmith", bad[i], "is not valid UTF-8");
	/* The edges of the valid range are accepted. */
	assert_accepted("jsmith", "correct\xf4\x8f\xbf\xbf horse");
	assert_accepted("jsmith", "correct\xee\x80\x80\xef\xbf\xbd horse");
}

/* ---- repeated characters ---- */

UNIT_TEST(refuses_a_single_repeated_character)
{
	/* Without a list, so that the rule itself is what refuses them. */
	static const char *const same[] = {
	        "zzzzzzzzzzzzzzzzzzzz", "777777777777", "AaAaAaAaAaAaAaAa", "éééééééééééé", "            ",
	};
	char reason[128];
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		assert_int_equal(password_check("jsmith", same[i], NULL, 0, reason, sizeof reason), ERR_INVAL);
		assert_string_equal(reason, "must not be a single repeated character");
	}
	assert_int_equal(password_check("jsmith", "zzzzzzzzzzzzzzzzzzzy", NULL, 0, reason, sizeof reason), 0);
}

/* ---- username ---- */

UNIT_TEST(refuses_a_password_containing_the_username_in_any_case)
{
	assert_refused("jsmith", "MyJSmithPassword!", "must not contain the username");
	assert_refused("JSmith", "harbour-jsmith-lantern", "must not contain the username");
	assert_refused("anna.k", "violet stapler ANNA.K 42", "must not contain the username");
}

UNIT_TEST(ignores_usernames_shorter_than_3_characters)
{
	assert_accepted("al", "always alert, always kind");
	assert_accepted("", "always alert, always kind");
	/* Three characters is enough, even when they are two bytes each. */
	assert_refused("åöü", "lantern åöü harbour", "must not contain the username");
}

/* ---- the list ---- */

UNIT_TEST(refuses_a_listed_password_in_any_case)
{
	assert_refused("jsmith", "PassWord1234", "is on the list of common passwords");
	assert_refused("jsmith", "password1234", "is on the list of common passwords");
	assert_refused("jsmith", "QWERTYUIOPAS", "is on the list of common passwords");
	assert_refused("jsmith", "Welcome12345", "is on the list of common passwords");
	assert_refused("jsmith", "Hartline2025!", "is on the list of common passwords");
	assert_refused("jsmith", "Connecticut1", "is on the list of common passwords");
	/* Only the whole password is compared: a listed one inside a longer
	 * one is accepted. */
	assert_accepted("jsmith", "password1234 under the violet harbour");
}

UNIT_TEST(reads_a_list_with_crlf_comments_blank_lines_and_no_final_newline)
{
	static const char small[] = "# not a password\r\n\r\nlanternharbour\r\n  \nvioletstapler \t\nquiltorbits42";
	char reason[128];
	const char *refused[] = {"LanternHarbour", "violetstapler", "quiltorbits42"};
	for (size_t i = 0; i < 3; i++) {
		reason[0] = '\0';
		assert_int_equal(password_check(NULL, refused[i], small, sizeof small - 1, reason, sizeof reason),
		                 ERR_INVAL);
		assert_string_equal(reason, "is on the list of common passwords");
	}
	assert_int_equal(password_check(NULL, "# not a password", small, sizeof small - 1, reason, sizeof reason), 0);
	/* The list is bounded by its length, not by a NUL. */
	assert_int_equal(password_check(NULL, "quiltorbits42", small, sizeof small - 3, reason, sizeof reason), 0);
	assert_int_equal(password_check(NULL, "lanternharbour", NULL, 0, reason, sizeof reason), 0);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

UNIT_TEST(the_list_has_1000_unique_lowercase_entries_of_12_characters_or_more)
{
	char *copy = malloc(list_len + 1);
	const char **entries = malloc((list_len / 2 + 1) * sizeof *entries);
	size_t n = 0;
	assert_non_null(copy);
	assert_non_null(entries);
	memcpy(copy, list, list_len + 1);

	for (char *line = copy; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line && *line != '#') {
			size_t chars = 0;
			for (const char *p = line; *p; p++) {
				unsigned char c = (unsigned char)*p;
				if (c >= 'A' && c <= 'Z')
					fail_msg("not lowercase: \"%s\"", line);
				if (c < 0x20 || c == 0x7f)
					fail_msg("control character in \"%s\"", line);
				if ((c & 0xc0) != 0x80)
					chars++;
			}
			if (chars < PASSWORD_MIN_CHARS)
				fail_msg("shorter than 12 characters: \"%s\"", line);
			if (line[strlen(line) - 1] == ' ')
				fail_msg("trailing space: \"%s\"", line);
			entries[n++] = line;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	assert_true(n >= 1000);

	qsort(entries, n, sizeof *entries, compare_strings);
	for (size_t i = 1; i < n; i++)
		if (strcmp(entries[i - 1], entries[i]) == 0)
			fail_msg("listed twice: \"%s\"", entries[i]);

	free(entries);
	free(copy);
}

UNIT_TEST(refuses_every_entry_on_the_list)
{
	/* Each entry is refused, by the list or by an earlier rule (a
	 * repeated character); none slips through as acceptable. */
	char *copy = malloc(list_len + 1);
	assert_non_null(copy);
	memcpy(copy, list, list_len + 1);
	char reason[128];
	for (char *line = copy; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line && *line != '#') {
			reason[0] = '\0';
			if (password_check(NULL, line, list, list_len, reason, sizeof reason) != ERR_INVAL)
				fail_msg("listed but accepted: \"%s\"", line);
			if (strcmp(reason, "is on the list of common passwords") != 0 &&
			    strcmp(reason, "must not be a single repeated character") != 0)
				fail_msg("\"%s\" refused for another reason: %s", line, reason);
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	free(copy);
}

/* ---- the reason ---- */

UNIT_TEST(cuts_the_reason_to_its_buffer_and_accepts_none)
{
	char reason[8];
	memset(reason, 'x', sizeof reason);
	assert_int_equal(password_check("jsmith", "short", list, list_len, reason, sizeof reason), ERR_INVAL);
	assert_string_equal(reason, "must be");
	assert_int_equal(password_check("jsmith", "short", list, list_len, NULL, 0), ERR_INVAL);
	assert_int_equal(password_check("jsmith", "short", list, list_len, reason, 0), ERR_INVAL);
}

UNIT_TEST(leaves_the_reason_alone_when_the_password_is_acceptable)
{
	char reason[16] = "untouched";
	assert_int_equal(password_check("jsmith", "violet stapler orbits", list, list_len, reason, sizeof reason), 0);
	assert_string_equal(reason, "untouched");
}

int main(void)
{
	return unit_run("tests", read_list, free_list);
}
