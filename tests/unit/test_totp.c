/* Unit tests of the second factor's pure parts: RFC 6238 codes, the window
 * and the replay rule, the otpauth address, the QR code's SVG, and the
 * login limits' fixed-size table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "model/qr.h"
#include "model/totp.h"
#include "service/limits.h"

/* RFC 6238 appendix B's SHA-1 secret: "12345678901234567890". */
static const unsigned char RFC_SECRET[TOTP_SECRET_BYTES] = "12345678901234567890";

UNIT_TEST(matches_the_rfc_6238_test_vectors)
{
	/* The RFC's 8-digit codes; an authenticator shows their last 6. */
	static const struct {
		int64_t t;
		const char *code;
	} v[] = {{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
		 {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char out[TOTP_DIGITS + 1];
		assert_int_equal(totp_code(RFC_SECRET, v[i].t / TOTP_STEP_SECONDS, out), 0);
		assert_string_equal(out, v[i].code);
	}
}

UNIT_TEST(accepts_one_step_either_side_and_never_a_used_step)
{
	int64_t step = 1111111109 / 30, got = 0;
	char c[TOTP_DIGITS + 1];
	assert_int_equal(totp_code(RFC_SECRET, step, c), 0);
	assert_int_equal(totp_check(RFC_SECRET, c, step, 0, &got), 0);
	assert_int_equal(got, step);
	assert_int_equal(totp_check(RFC_SECRET, c, step, step, &got), ERR_AUTH); /* replayed */
	assert_int_equal(totp_check(RFC_SECRET, c, step + 1, 0, &got), 0);       /* a phone a step slow */
	assert_int_equal(totp_check(RFC_SECRET, c, step - 1, 0, &got), 0);       /* a step fast */
	assert_int_equal(totp_check(RFC_SECRET, c, step + 2, 0, &got), ERR_AUTH);
	assert_int_equal(totp_check(RFC_SECRET, c, step - 2, 0, &got), ERR_AUTH);
	assert_int_equal(totp_check(RFC_SECRET, "12345", step, 0, &got), ERR_INVAL);
	assert_int_equal(totp_check(RFC_SECRET, "12a456", step, 0, &got), ERR_INVAL);
	assert_int_equal(totp_check(RFC_SECRET, "1234567", step, 0, &got), ERR_INVAL);
}

UNIT_TEST(a_secret_goes_to_base32_and_back)
{
	char text[TOTP_SECRET_TEXT_SIZE];
	unsigned char back[TOTP_SECRET_BYTES];
	assert_int_equal(totp_secret_text(RFC_SECRET, text), 0);
	assert_string_equal(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_int_equal(totp_secret_parse(text, back), 0);
	assert_memory_equal(back, RFC_SECRET, TOTP_SECRET_BYTES);
	assert_int_equal(totp_secret_parse("GEZDGNBV", back), ERR_PARSE);
}

UNIT_TEST(the_otpauth_address_escapes_the_account)
{
	char uri[256];
	assert_int_equal(totp_uri("hartline", "a b&c", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", uri, sizeof uri), 0);
	assert_string_equal(uri, "otpauth://totp/hartline:a%20b%26c?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
				 "&issuer=hartline&algorithm=SHA1&digits=6&period=30");
	assert_int_equal(totp_uri("hartline", "x", "GEZD", uri, 20), ERR_TOOBIG);
}

UNIT_TEST(the_qr_code_is_one_svg_with_an_escaped_title)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(qr_svg("otpauth://totp/x", "Scan <this> & that", &b), 0);
	const char *s = buf_str(&b);
	assert_true(strncmp(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	assert_non_null(strstr(s, "<title id=\"qr-title\">Scan &lt;this&gt; &amp; that</title>"));
	assert_non_null(strstr(s, "<path fill=\"#000\" d=\"M"));
	assert_true(strcmp(s + strlen(s) - 6, "</svg>") == 0);
	buf_done(&b);
}

UNIT_TEST(the_limits_wait_after_the_free_failures_and_double)
{
	struct auth_limits *l;
	assert_int_equal(auth_limits_new(64, 1, &l), 0);
	const struct limit_rule rule = {.free = 3, .window = 60 * HL_USEC_PER_SEC, .first = HL_USEC_PER_SEC,
					.cap = 4 * HL_USEC_PER_SEC};
	hl_time t = 1000 * HL_USEC_PER_SEC;
	auth_limits_fail(l, "client", "10.0.0.1", &rule, t);
	auth_limits_fail(l, "client", "10.0.0.1", &rule, t);
	assert_int_equal(auth_limits_wait(l, "client", "10.0.0.1", t), 0);
	auth_limits_fail(l, "client", "10.0.0.1", &rule, t);
	assert_int_equal(auth_limits_wait(l, "client", "10.0.0.1", t), HL_USEC_PER_SEC);
	auth_limits_fail(l, "client", "10.0.0.1", &rule, t);
	assert_int_equal(auth_limits_wait(l, "client", "10.0.0.1", t), 2 * HL_USEC_PER_SEC);
	for (int i = 0; i < 5; i++)
		auth_limits_fail(l, "client", "10.0.0.1", &rule, t);
	assert_int_equal(auth_limits_wait(l, "client", "10.0.0.1", t), 4 * HL_USEC_PER_SEC); /* the cap */
	assert_int_equal(auth_limits_wait(l, "client", "10.0.0.1", t + 4 * HL_USEC_PER_SEC), 0);
	assert_int_equal(auth_limits_wait(l, "account", "10.0.0.1", t), 0); /* another kind, another count */
	assert_int_equal(auth_limits_wait(l, "client", "10.0.0.2", t), 0);
	auth_limits_free(l);
}

UNIT_TEST(a_flood_of_addresses_costs_old_counts_not_memory)
{
	struct auth_limits *l;
	assert_int_equal(auth_limits_new(64, 1, &l), 0);
	const struct limit_rule rule = {.free = 1, .window = 60 * HL_USEC_PER_SEC, .first = HL_USEC_PER_SEC,
					.cap = HL_USEC_PER_SEC};
	hl_time t = 1000 * HL_USEC_PER_SEC;
	/* 100,000 addresses into 64 slots: the table does not grow (it has no
	 * way to), and the latest addresses are still counted. */
	char addr[32];
	for (int i = 0; i < 100000; i++) {
		snprintf(addr, sizeof addr, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		auth_limits_fail(l, "client", addr, &rule, t + i);
	}
	assert_true(auth_limits_wait(l, "client", addr, t + 100000) > 0);
	auth_limits_free(l);
}

UNIT_TEST(the_hashing_slots_refuse_past_the_limit)
{
	struct auth_limits *l;
	assert_int_equal(auth_limits_new(64, 2, &l), 0);
	assert_int_equal(auth_limits_hash_begin(l), 0);
	assert_int_equal(auth_limits_hash_begin(l), 0);
	assert_int_equal(auth_limits_hash_begin(l), ERR_BUSY);
	auth_limits_hash_end(l);
	assert_int_equal(auth_limits_hash_begin(l), 0);
	auth_limits_hash_end(l);
	auth_limits_hash_end(l);
	auth_limits_free(l);
}

int main(void)
{
	assert_int_equal(totp_init(), 0);
	return unit_run("tests", NULL, NULL);
}
