/* Unit tests of src/base: arena, buffer, clock, JSON limits, field errors,
 * strings, logging, random tokens. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "base/thread.h"

/* ---- arena ---- */

UNIT_TEST(arena_hands_out_aligned_distinct_memory)
{
	struct arena a;
	arena_init(&a, 0);
	char *p = arena_alloc(&a, 3);
	char *q = arena_alloc(&a, 5);
	assert_non_null(p);
	assert_non_null(q);
	assert_true(((uintptr_t)p % 16) == 0);
	assert_true(((uintptr_t)q % 16) == 0);
	assert_ptr_not_equal(p, q);
	memset(p, 'a', 3);
	memset(q, 'b', 5);
	assert_int_equal(p[2], 'a');
	arena_done(&a);
}

UNIT_TEST(arena_serves_allocations_bigger_than_a_block)
{
	struct arena a;
	arena_init(&a, 0);
	char *small = arena_alloc(&a, 10);
	char *big = arena_alloc(&a, 100000);
	char *after = arena_alloc(&a, 10);
	assert_non_null(small);
	assert_non_null(big);
	assert_non_null(after);
	memset(big, 1, 100000);
	/* The small allocation after the big one still comes from the first
	 * block: the block was not thrown away. */
	assert_true(after > small && after - small < 8192);
	arena_done(&a);
}

UNIT_TEST(arena_refuses_past_its_cap)
{
	struct arena a;
	arena_init(&a, 1024);
	assert_non_null(arena_alloc(&a, 1000));
	assert_null(arena_alloc(&a, 100));
	arena_done(&a);
}

UNIT_TEST(arena_copies_and_formats_strings)
{
	struct arena a;
	arena_init(&a, 0);
	assert_string_equal(arena_strdup(&a, "Careline"), "Careline");
	assert_string_equal(arena_strndup(&a, "Hartford", 4), "Hart");
	assert_string_equal(arena_printf(&a, "R%d/%s", 4, "hartford"), "R4/hartford");
	arena_done(&a);
	arena_done(NULL);
}

/* ---- buf ---- */

UNIT_TEST(buf_appends_and_stays_terminated)
{
	struct buf b;
	buf_init(&b, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(buf_puts(&b, "I-2026-"), 0);
	assert_int_equal(buf_printf(&b, "%06d", 123), 0);
	assert_int_equal(buf_putc(&b, '!'), 0);
	assert_string_equal(buf_str(&b), "I-2026-000123!");
	assert_int_equal(b.len, 14);
	buf_clear(&b);
	assert_string_equal(buf_str(&b), "");
	buf_done(&b);
}

UNIT_TEST(buf_refuses_to_grow_past_its_cap_and_keeps_its_contents)
{
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_int_equal(buf_puts(&b, "abc"), ERR_TOOBIG);
	assert_string_equal(buf_str(&b), "12345678");
	assert_int_equal(buf_printf(&b, "%s", "xyz"), ERR_TOOBIG);
	assert_int_equal(buf_puts(&b, "90"), 0);
	assert_int_equal(b.len, 10);
	buf_done(&b);
}

UNIT_TEST(buf_detach_hands_over_the_storage)
{
	struct buf b;
	buf_init(&b, 0);
	size_t len;
	char *empty = buf_detach(&b, &len);
	assert_string_equal(empty, "");
	assert_int_equal(len, 0);
	free(empty);
	assert_int_equal(buf_puts(&b, "sealed"), 0);
	char *s = buf_detach(&b, &len);
	assert_string_equal(s, "sealed");
	assert_int_equal(len, 6);
	assert_null(b.data);
	free(s);
	buf_done(&b);
	buf_done(NULL);
}

/* ---- clock ---- */

UNIT_TEST(clock_can_be_fixed_advanced_and_released)
{
	hl_time t;
	assert_int_equal(time_parse("2026-11-28T03:00:00Z", &t), 0);
	clock_set(t);
	assert_true(now() == t);
	clock_advance(90 * HL_USEC_PER_SEC);
	char out[32];
	assert_int_equal(time_format(now(), out, sizeof out), 0);
	assert_string_equal(out, "2026-11-28T03:01:30Z");
	clock_reset();
	assert_true(now() > t + HL_USEC_PER_SEC);
}

UNIT_TEST(time_parse_reads_offsets_and_fractions)
{
	hl_time a, b, c;
	assert_int_equal(time_parse("2026-03-08T01:30:00-05:00", &a), 0);
	assert_int_equal(time_parse("2026-03-08T06:30:00Z", &b), 0);
	assert_true(a == b);
	assert_int_equal(time_parse("2026-03-08T06:30:00.250Z", &c), 0);
	assert_true(c - b == 250000);
	assert_int_equal(time_parse("1970-01-01T00:00:00Z", &a), 0);
	assert_true(a == 0);
	assert_int_equal(time_parse("2024-02-29T12:00:00Z", &a), 0);
}

/* One calendar for every date in the tree: the century rule, the 400-year
 * exception, and every month's length in a common and a leap year. */
UNIT_TEST(civil_calendar_knows_leap_years_and_month_lengths)
{
	assert_true(civil_is_leap(2024));
	assert_false(civil_is_leap(2026));
	assert_false(civil_is_leap(1900));
	assert_false(civil_is_leap(2100));
	assert_true(civil_is_leap(2000));
	assert_true(civil_is_leap(1600));
	assert_true(civil_is_leap(0));
	assert_true(civil_is_leap(-4));
	assert_false(civil_is_leap(-1));
	static const int common[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	for (int m = 1; m <= 12; m++) {
		assert_int_equal(civil_days_in_month(2026, m), common[m - 1]);
		assert_int_equal(civil_days_in_month(2024, m), m == 2 ? 29 : common[m - 1]);
	}
	assert_int_equal(civil_days_in_month(1900, 2), 28);
	assert_int_equal(civil_days_in_month(2000, 2), 29);
	assert_int_equal(civil_days_in_month(2026, 0), 0);
	assert_int_equal(civil_days_in_month(2026, 13), 0);
	assert_int_equal(civil_days_in_month(2026, -1), 0);
	/* The day counts agree with the lengths: the first of March follows
	 * the last of February. */
	assert_int_equal(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 29), 1);
	assert_int_equal(days_from_civil(2026, 3, 1) - days_from_civil(2026, 2, 28), 1);
	assert_int_equal(days_from_civil(2001, 1, 1) - days_from_civil(2000, 1, 1), 366);
	assert_int_equal(days_from_civil(2101, 1, 1) - days_from_civil(2100, 1, 1), 365);
}

UNIT_TEST(time_parse_rejects_impossible_dates_and_junk)
{
	hl_time t = 42;
	assert_int_equal(time_parse("2026-02-29T00:00:00Z", &t), ERR_PARSE);
	assert_int_equal(time_parse("2026-13-01T00:00:00Z", &t), ERR_PARSE);
	assert_int_equal(time_parse("2026-04-31T00:00:00Z", &t), ERR_PARSE);
	assert_int_equal(time_parse("2026-04-01T24:00:00Z", &t), ERR_PARSE);
	assert_int_equal(time_parse("2026-04-01T10:00:00", &t), ERR_PARSE);
	assert_int_equal(time_parse("2026-04-01 10:00:00Z", &t), ERR_PARSE);
	assert_int_equal(time_parse("2026-04-01T10:00:00Zjunk", &t), ERR_PARSE);
	assert_int_equal(time_parse("yesterday", &t), ERR_PARSE);
	assert_true(t == 42);
}

/* ---- json ---- */

UNIT_TEST(json_parses_within_limits)
{
	const char *doc = "{\"a\":[1,{\"b\":\"[[[[\"}]}";
	json_t *j = NULL;
	char err[128];
	struct json_limits lim = {.max_bytes = 100, .max_depth = 3};
	assert_int_equal(json_parse_limited(doc, strlen(doc), &lim, &j, err, sizeof err), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "a"), 1), "b")),
			    "[[[[");
	json_decref(j);
}

UNIT_TEST(json_refuses_documents_nested_too_deep)
{
	const char *doc = "[[[[1]]]]";
	json_t *j = NULL;
	char err[128];
	struct json_limits lim = {.max_bytes = 100, .max_depth = 3};
	assert_int_equal(json_parse_limited(doc, strlen(doc), &lim, &j, err, sizeof err), ERR_TOOBIG);
	assert_null(j);
	assert_string_equal(err, "nested deeper than 3 levels");
}

UNIT_TEST(json_refuses_documents_too_large)
{
	char doc[64];
	memset(doc, ' ', sizeof doc);
	doc[0] = '1';
	json_t *j = NULL;
	char err[128];
	struct json_limits lim = {.max_bytes = 32, .max_depth = 3};
	assert_int_equal(json_parse_limited(doc, sizeof doc, &lim, &j, err, sizeof err), ERR_TOOBIG);
}

/* json_parse_limited refuses doc as malformed, saying part. */
static void assert_malformed(const char *doc, const char *part)
{
	json_t *j = NULL;
	char err[128];
	assert_int_equal(json_parse_limited(doc, strlen(doc), NULL, &j, err, sizeof err), ERR_PARSE);
	assert_non_null(strstr(err, part));
}

UNIT_TEST(json_reports_where_a_document_is_malformed)
{
	assert_malformed("{\n  \"a\": 1,\n  \"b\": }", "line 3");
}

UNIT_TEST(json_rejects_duplicate_keys)
{
	assert_malformed("{\"dob\":\"2011-03-04\",\"dob\":\"2012-01-01\"}", "duplicate");
}

/* The field json_parse_limited names for doc, which must be refused for a NUL. */
static void assert_nul_at(const char *doc, const char *field)
{
	json_t *j = NULL;
	char err[256], path[160];
	assert_int_equal(json_parse_limited(doc, strlen(doc), NULL, &j, err, sizeof err), ERR_INVAL);
	assert_null(j);
	assert_true(json_find_nul(doc, strlen(doc), path, sizeof path));
	assert_string_equal(path, field);
	assert_non_null(strstr(err, JSON_NUL_REASON));
}

UNIT_TEST(json_refuses_nul_anywhere_and_names_where)
{
	assert_nul_at("{\"aliases\":[\"Good Alias\",\"bad\\u0000alias\"]}", "aliases[1]");
	assert_nul_at("{\"n\":\"a\\u0000b\"}", "n");
	assert_nul_at("{\"a\":{\"b\":[1,{\"c\":\"x\"},{\"d\":[\"\",\"\\u0000\"]}]}}", "a.b[2].d[1]");
	assert_nul_at("{\"a\":1,\"k\\u0000ey\":2}", "k\\u0000ey");
	assert_nul_at("{\"r\":{\"x\":\"y\",\"z\\u0000\":{}}}", "r.z\\u0000");
	assert_nul_at("[\"ok\",[\"\\\"\",\"\\u0000\"]]", "[1][1]");
	assert_nul_at("{\"s, with [brackets] and {braces}\":\"\\u0000\"}", "s, with [brackets] and {braces}");
	/* An escaped backslash before u0000 is text, and other escapes are kept. */
	const char *doc = "{\"a\":\"\\\\u0000\",\"b\":\"\\u0001\"}";
	json_t *j = NULL;
	char err[256], path[64];
	assert_int_equal(json_parse_limited(doc, strlen(doc), NULL, &j, err, sizeof err), 0);
	assert_string_equal(json_get_str(j, "a"), "\\u0000");
	json_decref(j);
	assert_false(json_find_nul(doc, strlen(doc), path, sizeof path));
	/* Deeper than the names kept: still found, named as far as kept. */
	char deep[2 * JSON_NUL_MAX_DEPTH + 64];
	size_t n = 0;
	for (int i = 0; i < JSON_NUL_MAX_DEPTH + 5; i++)
		deep[n++] = '[';
	memcpy(deep + n, "\"\\u0000\"", 8);
	n += 8;
	for (int i = 0; i < JSON_NUL_MAX_DEPTH + 5; i++)
		deep[n++] = ']';
	assert_true(json_find_nul(deep, n, path, sizeof path));
	assert_int_equal(strncmp(path, "[0][0][0]", 9), 0);
}

UNIT_TEST(field_checks_name_the_field_and_say_what_to_enter)
{
	struct field_errors fe;
	field_errors_init(&fe, 10);
	field_check_phone(&fe, "reporter.phone", "Reporter's telephone", "abc");
	field_check_email(&fe, "reporter.email", "Reporter's e-mail", "not-an-email");
	field_check_phone(&fe, "phone", "Telephone", "860-555-0100");
	field_check_email(&fe, "email", "E-mail", "a@example.org");
	field_check_phone(&fe, "phone", "Telephone", "");
	field_check_email(&fe, "email", "E-mail", NULL);
	assert_int_equal(fe.count, 2);
	char line[512];
	assert_int_equal(field_error_format(&fe, 0, line, sizeof line), 0);
	assert_true(str_starts_with(line, "reporter.phone: Reporter's telephone is not a telephone number: enter "));
	assert_int_equal(field_error_format(&fe, 1, line, sizeof line), 0);
	assert_true(str_starts_with(line, "reporter.email: Reporter's e-mail is not an e-mail address: enter "));
	field_errors_done(&fe);
}

UNIT_TEST(field_errors_keep_path_and_reason_up_to_a_maximum)
{
	struct field_errors fe;
	field_errors_init(&fe, 2);
	assert_false(field_errors_any(&fe));
	field_error_add(&fe, "children[0].dob", "in the future");
	field_error_add(&fe, "reporter.source", "unknown source \"%s\"", "psychic");
	field_error_add(&fe, "town", "required");
	assert_true(field_errors_any(&fe));
	assert_int_equal(fe.count, 3);
	assert_int_equal(json_array_size(fe.list), 2);
	char out[128];
	assert_int_equal(field_error_format(&fe, 1, out, sizeof out), 0);
	assert_string_equal(out, "reporter.source: unknown source \"psychic\"");
	assert_int_equal(field_error_format(&fe, 2, out, sizeof out), ERR_NOTFOUND);
	field_errors_done(&fe);
}

/* ---- strings ---- */

UNIT_TEST(str_to_int64_checks_the_whole_string_and_the_range)
{
	int64_t v = 7;
	assert_int_equal(str_to_int64("8080", 0, 65535, &v), 0);
	assert_true(v == 8080);
	assert_int_equal(str_to_int64("65536", 0, 65535, &v), ERR_INVAL);
	assert_int_equal(str_to_int64("80x", 0, 65535, &v), ERR_INVAL);
	assert_int_equal(str_to_int64("", 0, 65535, &v), ERR_INVAL);
	assert_int_equal(str_to_int64("-1", 0, 65535, &v), ERR_INVAL);
	assert_int_equal(str_to_int64("99999999999999999999", INT64_MIN, INT64_MAX, &v), ERR_INVAL);
	assert_true(v == 8080);
}

UNIT_TEST(str_checks_lines_addresses_and_telephone_numbers)
{
	assert_true(str_is_line("Det. Casey Sample", 100));
	assert_false(str_is_line("", 100));
	assert_false(str_is_line(NULL, 100));
	assert_false(str_is_line("two\nlines", 100));
	assert_false(str_is_line("tab\there", 100));
	assert_false(str_is_line("abcdef", 5));
	assert_true(str_is_line("Jos\xc3\xa9", 10)); /* UTF-8 is not a control character */
	assert_true(str_is_email("liaison@example.org"));
	assert_false(str_is_email("no-at.example.org"));
	assert_false(str_is_email("two@@example.org"));
	assert_false(str_is_email("a@b"));
	assert_false(str_is_email("a b@example.org"));
	assert_false(str_is_email("@example.org"));
	assert_true(str_is_phone("+1 (203) 555-0131 x12"));
	assert_false(str_is_phone(""));
	assert_false(str_is_phone("call me"));
}

UNIT_TEST(str_to_id_takes_one_spelling_of_a_number)
{
	int64_t v = 7;
	assert_int_equal(str_to_id("12", 1, INT64_MAX, &v), 0);
	assert_true(v == 12);
	assert_int_equal(str_to_id("0", 0, 100, &v), 0);
	assert_true(v == 0);
	static const char *const bad[] = {"012", "00", "+12", " 12", "12 ", "\t12", "12junk", "1.0", "0x1", "-12", "",
					  "99999999999999999999", "9223372036854775808", "1e3"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(str_to_id(bad[i], 1, INT64_MAX, &v), ERR_INVAL);
	assert_int_equal(str_to_id(NULL, 1, INT64_MAX, &v), ERR_INVAL);
	assert_int_equal(str_to_id("0", 1, INT64_MAX, &v), ERR_INVAL);
	assert_int_equal(str_to_id("5", -10, INT64_MAX, &v), 0);
	assert_int_equal(str_to_id("9223372036854775807", 1, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	/* The general parse refuses blanks and a plus before the digits too. */
	assert_int_equal(str_to_int64(" 1", 0, 10, &v), ERR_INVAL);
	assert_int_equal(str_to_int64("+1", 0, 10, &v), ERR_INVAL);
	assert_int_equal(str_to_int64("-", -10, 10, &v), ERR_INVAL);
	assert_int_equal(str_to_int64("- 1", -10, 10, &v), ERR_INVAL);
	assert_int_equal(str_to_int64("-1", -10, 10, &v), 0);
	assert_true(v == -1);
}

UNIT_TEST(str_checks_telephone_numbers_as_people_write_them)
{
	static const char *const good[] = {"911", "860-555-0100", "860.555.0100", "(860) 555-0100", "+1 860 555 0100",
					   "+44 20 7946 0958", "+1 (203) 555-0131 x12", "860-555-0100 ext. 4",
					   "860-555-0100 extension 12", "860-555-0100 #7", "860 555 0100x123456",
					   "1-800-842-2288", "123456789012345"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(str_is_phone(good[i]));
	static const char *const bad[] = {"", "abc", "12", "+", "+ 860 555 0100", "x12", "860-555-0100 x",
					  "860-555-0100 x1234567", "860-555-0100-", "(860 555 0100", "860) 555 0100",
					  "(860) (555) 0100", "1234567890123456", "call 860 555 0100", "860-555-0100 or 0101",
					  "860-555-0100\n", "-860-555-0100", "860/555/0100",
					  "860 555 0100 555 0100 555 0100 555 0100 55"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(str_is_phone(bad[i]));
	assert_false(str_is_phone(NULL));
}

UNIT_TEST(str_checks_email_addresses_as_people_write_them)
{
	static const char *const good[] = {"a@example.org", "first.last+tag@mail.example.org", "o'neil@example.co.uk",
					   "x_y-z@sub-domain.example.org", "jos\xc3\xa9@exampl\xc3\xa9.org"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(str_is_email(good[i]));
	static const char *const bad[] = {"", "not-an-email", "a@b", "@example.org", "a@", "a@@example.org",
					  "a@b@example.org", "a b@example.org", "a@example..org", "a@.example.org",
					  "a@example.org.", ".a@example.org", "a.@example.org", "a..b@example.org",
					  "a@-example.org", "a@example-.org", "a@exa_mple.org", "\"a\"@example.org",
					  "<a@example.org>", "a,b@example.org", "a@example.org\n", "a\tb@example.org"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(str_is_email(bad[i]));
	assert_false(str_is_email(NULL));
	char local[66], domain[64];
	memset(local, 'a', 65);
	memcpy(local + 65, "", 1);
	char addr[400];
	snprintf(addr, sizeof addr, "%s@example.org", local);
	assert_false(str_is_email(addr)); /* a name of 65 */
	local[64] = '\0';
	snprintf(addr, sizeof addr, "%s@example.org", local);
	assert_true(str_is_email(addr));
	memset(domain, 'b', 63);
	domain[63] = '\0';
	snprintf(addr, sizeof addr, "a@%s.%s.%s.%s", domain, domain, domain, domain);
	assert_false(str_is_email(addr)); /* 258 bytes */
}

UNIT_TEST(str_copy_truncates_and_says_so)
{
	char out[5];
	assert_int_equal(str_copy(out, sizeof out, "abcd"), 0);
	assert_string_equal(out, "abcd");
	assert_int_equal(str_copy(out, sizeof out, "abcdef"), ERR_TOOBIG);
	assert_string_equal(out, "abcd");
	assert_true(str_starts_with("postgresql://x", "postgresql://"));
	assert_true(str_ends_with("0001_init.pg.sql", ".pg.sql"));
	assert_false(str_ends_with("sql", ".pg.sql"));
}

UNIT_TEST(file_read_all_reads_and_respects_the_cap)
{
	char path[] = "/tmp/hartline-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello, hart", 11), 11);
	close(fd);
	char *data;
	size_t len;
	assert_int_equal(file_read_all(path, 100, &data, &len), 0);
	assert_string_equal(data, "hello, hart");
	assert_int_equal(len, 11);
	free(data);
	assert_int_equal(file_read_all(path, 5, &data, &len), ERR_TOOBIG);
	unlink(path);
	assert_int_equal(file_read_all(path, 100, &data, &len), ERR_NOTFOUND);
}

UNIT_TEST(error_codes_have_descriptions)
{
	assert_string_equal(err_str(ERR_NOMEM), "out of memory");
	assert_string_equal(err_str(ERR_SCHEMA), "database schema is newer than this program");
	assert_string_equal(err_str(12345), "unknown error");
}

/* ---- log ---- */

UNIT_TEST(log_writes_one_line_per_event_with_time_level_and_event)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	int saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	hl_time t;
	time_parse("2026-11-28T03:00:00Z", &t);
	clock_set(t);
	log_set_level(LOG_INFO);
	log_info("http", "method=%s path=%s status=%d", "GET", "/x\ny", 200);
	log_debug("hidden", "x=%d", 1);
	clock_reset();
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	char out[512] = {0};
	ssize_t n = read(fds[0], out, sizeof out - 1);
	close(fds[0]);
	assert_true(n > 0);
	assert_string_equal(out, "2026-11-28T03:00:00Z info http method=GET path=/x y status=200\n");
}

/* ---- crypto ---- */

UNIT_TEST(random_tokens_are_hex_and_differ)
{
	assert_int_equal(crypto_init(), 0);
	char a[65], b[65];
	assert_int_equal(crypto_random_hex(32, a, sizeof a), 0);
	assert_int_equal(crypto_random_hex(32, b, sizeof b), 0);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	assert_string_not_equal(a, b);
	assert_int_equal(crypto_random_hex(32, a, 10), ERR_TOOBIG);
}

/* jansson's allocator, failing its nth allocation from now. */
static long dump_alloc_n, dump_alloc_fail;
static void *failing_malloc(size_t size)
{
	return ++dump_alloc_n == dump_alloc_fail ? NULL : malloc(size);
}

/* Out of memory part way through, a dump answers nothing or the whole
 * document, never one with a key left out (as jansson 2.14's json_dumps
 * can), and a buffer's cap met inside a key fails the dump. */
UNIT_TEST(json_dump_is_whole_or_nothing)
{
	json_t *doc = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:s}", "genital_injury", 1, "many_partners", 0,
				"ran_away", 0, "sti_history", 0, "substance_use", 1, "violent_injury", 0,
				"a_longer_key_name_here", 1, "note", "synthetic");
	assert_non_null(doc);
	char *whole = json_dump_text(doc, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(whole);
	json_set_alloc_funcs(failing_malloc, free);
	int nulls = 0;
	for (dump_alloc_fail = 1; dump_alloc_fail < 40; dump_alloc_fail++) {
		dump_alloc_n = 0;
		char *text = json_dump_text(doc, JSON_COMPACT | JSON_SORT_KEYS);
		if (!text)
			nulls++;
		else
			assert_string_equal(text, whole);
		free(text);
	}
	/* Reading it back is whole or a failure too (jansson's lexer can drop
	 * a character of a key it failed to grow). */
	int failed = 0;
	for (dump_alloc_fail = 1; dump_alloc_fail < 80; dump_alloc_fail++) {
		dump_alloc_n = 0;
		json_t *back = NULL;
		int r = json_load_stored(whole, &back);
		if (r < 0) {
			assert_true(r == ERR_NOMEM || r == ERR_PARSE); /* jansson may call it malformed */
			assert_null(back);
			failed++;
		} else {
			assert_true(json_equal(back, doc));
		}
		json_decref(back);
	}
	json_set_alloc_funcs(malloc, free);
	assert_true(nulls > 0 && failed > 0);
	json_t *back = NULL;
	assert_int_equal(json_load_stored("{\"a\": [1, 2]}", &back), 0); /* written otherwise: still read */
	json_decref(back);
	assert_int_equal(json_load_stored("{not json", &back), ERR_PARSE);
	assert_int_equal(json_load_stored(NULL, &back), 0);
	assert_null(back);
	for (size_t cap = 1; cap < strlen(whole); cap++) {
		struct buf b;
		buf_init(&b, cap);
		assert_int_equal(json_dump_to_buf(doc, &b), ERR_TOOBIG);
		buf_done(&b);
	}
	free(whole);
	json_decref(doc);
}

/* A string of pieces that each need a different treatment when written. */
static json_t *gen_string(void)
{
	static const char *const pieces[] = {
		"a", "Bridgeport", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x01", "\x1f", "\x7f",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe2\x80\xa8", "\xef\xbf\xbf", "\xc2\x80", "<", "&", "'",
	};
	char text[256];
	size_t len = 0;
	unsigned n = unit_rand(8);
	for (unsigned i = 0; i < n; i++) {
		const char *p = pieces[unit_rand(sizeof pieces / sizeof *pieces)];
		size_t pl = strlen(p);
		memcpy(text + len, p, pl);
		len += pl;
		if (unit_rand(10) == 0)
			text[len++] = '\0'; /* a NUL inside the text */
	}
	return json_stringn(text, len);
}

static json_t *gen_value(int depth)
{
	static const json_int_t ints[] = {0, 1, -1, 42, 1000000, INT64_MAX, INT64_MIN, -987654321};
	static const double reals[] = {0.0, 0.1, -2.5, 3.0, 1e20, 1e-7, -1e300, 123456.789, 1.0 / 3.0};
	switch (unit_rand(depth > 4 ? 6 : 8)) {
	case 0: return gen_string();
	case 1: return json_integer(ints[unit_rand(sizeof ints / sizeof *ints)]);
	case 2: return json_real(reals[unit_rand(sizeof reals / sizeof *reals)]);
	case 3: return json_true();
	case 4: return json_false();
	case 5: return json_null();
	case 6: {
		json_t *a = json_array();
		for (unsigned i = unit_rand(5); i > 0; i--)
			json_array_append_new(a, gen_value(depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();
		for (unsigned i = unit_rand(6); i > 0; i--) {
			json_t *k = gen_string();
			/* Keys are text without a NUL; a key set twice keeps its place. */
			char key[300];
			snprintf(key, sizeof key, "%s%u", json_string_value(k), unit_rand(4));
			json_decref(k);
			json_object_set_new(o, key, gen_value(depth + 1));
		}
		return o;
	}
	}
}

/* The compact writer answers what jansson writes, byte for byte. */
UNIT_TEST(json_compact_dump_writes_what_jansson_writes)
{
	for (int i = 0; i < 3000; i++) {
		json_t *j = gen_value(0);
		assert_non_null(j);
		char *theirs = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		char *ours = json_dump_text(j, JSON_COMPACT | JSON_ENCODE_ANY);
		char *ordered = json_dump_text(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
		assert_non_null(theirs);
		assert_non_null(ours);
		assert_string_equal(ours, theirs);
		assert_string_equal(ordered, theirs);
		struct buf b;
		buf_init(&b, 0);
		assert_int_equal(buf_puts(&b, "x"), 0);
		assert_int_equal(json_dump_to_buf(j, &b), 0);
		assert_string_equal(buf_str(&b) + 1, theirs);
		buf_done(&b);
		free(theirs);
		free(ours);
		free(ordered);
		json_decref(j);
	}
}

/* A string that is not UTF-8 (made without jansson's check) is refused,
 * as jansson refuses it, and nothing of the document is left behind. */
UNIT_TEST(json_compact_dump_refuses_what_is_not_utf8)
{
	static const char *const bad[] = {"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3",
					  "ab\xe2\x82"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *j = json_pack("{s:s, s:o}", "ok", "fine", "bad", json_string_nocheck(bad[i]));
		assert_non_null(j);
		char *theirs = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		assert_null(theirs);
		struct buf b;
		buf_init(&b, 0);
		assert_int_equal(buf_puts(&b, "kept"), 0);
		assert_int_equal(json_dump_to_buf(j, &b), ERR_NOMEM);
		assert_string_equal(buf_str(&b), "kept");
		buf_done(&b);
		json_decref(j);
	}
}

/* A value deeper than the writer goes (a loop looks like one) is refused. */
UNIT_TEST(json_compact_dump_refuses_a_loop)
{
	json_t *a = json_array();
	json_t *inner = json_array();
	assert_int_equal(json_array_append(a, inner), 0);
	assert_int_equal(json_array_append(inner, a), 0); /* a loop */
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(json_dump_to_buf(a, &b), ERR_NOMEM);
	assert_int_equal(b.len, 0);
	buf_done(&b);
	json_array_clear(inner);
	json_decref(inner);
	json_decref(a);
}

/* buf_printf writes into the room there is, and grows when it is short. */
UNIT_TEST(buf_printf_fits_or_grows)
{
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(buf_printf(&b, "%s-%d", "short", 7), 0);
	assert_string_equal(buf_str(&b), "short-7");
	char long_text[300];
	memset(long_text, 'x', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	assert_int_equal(buf_printf(&b, "[%s]", long_text), 0);
	assert_int_equal(b.len, 7 + 2 + 299);
	assert_int_equal(buf_str(&b)[b.len - 1], ']');
	assert_int_equal(buf_printf(&b, "%d", 5), 0);
	assert_int_equal(b.len, 7 + 2 + 299 + 1);
	buf_done(&b);
}

/* What a thread of thread_start's finds its own mask to be. */
static void *read_own_mask(void *arg)
{
	pthread_sigmask(SIG_BLOCK, NULL, arg);
	return NULL;
}

/* The server's threads never take a signal sent to the process (its
 * default action would end the server where hartline serve waits for it
 * in sigwait), while the faults a thread makes still reach it. */
UNIT_TEST(a_thread_started_blocks_the_signals_sent_to_the_process)
{
	sigset_t none, before, after, in_thread;
	sigemptyset(&none);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &none, &before), 0);
	pthread_t t;
	assert_int_equal(thread_start(&t, read_own_mask, &in_thread), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &before, &after), 0);
	for (int sig = 1; sig < 32; sig++) {
		bool fault = sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP ||
			     sig == SIGABRT || sig == SIGSYS;
		bool can_block = sig != SIGKILL && sig != SIGSTOP;
		if (!can_block)
			continue;
		if (sigismember(&in_thread, sig) != !fault)
			fail_msg("signal %d is %sblocked in the thread", sig, fault ? "" : "not ");
		assert_int_equal(sigismember(&after, sig), 0); /* the caller's own mask is as it was */
	}
}

int main(void)
{
	return unit_run("base", NULL, NULL);
}
