#include "model/totp.h"

#include <liboath/oath.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/err.h"

int totp_init(void)
{
	return oath_init() == OATH_OK ? 0 : ERR_INVAL;
}

int totp_secret_text(const unsigned char secret[TOTP_SECRET_BYTES], char out[TOTP_SECRET_TEXT_SIZE])
{
	char *b32 = NULL;
	size_t len = 0;
	if (oath_base32_encode((const char *)secret, TOTP_SECRET_BYTES, &b32, &len) != OATH_OK)
		return ERR_NOMEM;
	int r = len == TOTP_SECRET_TEXT_SIZE - 1 ? 0 : ERR_INVAL;
	if (r == 0) {
		memcpy(out, b32, len);
		out[len] = '\0';
	}
	free(b32);
	return r;
}

int totp_secret_parse(const char *text, unsigned char out[TOTP_SECRET_BYTES])
{
	if (!text || strlen(text) != TOTP_SECRET_TEXT_SIZE - 1)
		return ERR_PARSE;
	char *bin = NULL;
	size_t len = 0;
	if (oath_base32_decode(text, strlen(text), &bin, &len) != OATH_OK)
		return ERR_PARSE;
	int r = len == TOTP_SECRET_BYTES ? 0 : ERR_PARSE;
	if (r == 0)
		memcpy(out, bin, len);
	free(bin);
	return r;
}

int totp_code(const unsigned char secret[TOTP_SECRET_BYTES], int64_t step, char out[TOTP_DIGITS + 1])
{
	if (step < 0)
		return ERR_INVAL;
	time_t at = (time_t)(step * TOTP_STEP_SECONDS);
	return oath_totp_generate((const char *)secret, TOTP_SECRET_BYTES, at, TOTP_STEP_SECONDS, 0, TOTP_DIGITS,
				  out) == OATH_OK
		       ? 0
		       : ERR_INVAL;
}

static bool six_digits(const char *code)
{
	if (!code || strlen(code) != TOTP_DIGITS)
		return false;
	for (const char *p = code; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

int totp_check(const unsigned char secret[TOTP_SECRET_BYTES], const char *code, int64_t step, int64_t after,
	       int64_t *ret_step)
{
	if (!six_digits(code))
		return ERR_INVAL;
	/* Every step in the window is computed and compared, matched or not,
	 * so the time taken does not tell which step matched. */
	int64_t found = -1;
	for (int64_t s = step - TOTP_WINDOW; s <= step + TOTP_WINDOW; s++) {
		char want[TOTP_DIGITS + 1];
		if (s < 0 || totp_code(secret, s, want) < 0)
			continue;
		bool same = crypto_equal(want, code, TOTP_DIGITS);
		if (same && s > after && found < 0)
			found = s;
	}
	if (found < 0)
		return ERR_AUTH;
	*ret_step = found;
	return 0;
}

/* Percent-encodes what is not unreserved (RFC 3986) into out at *at. */
static int put_encoded(char *out, size_t size, size_t *at, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			     *p == '-' || *p == '.' || *p == '_' || *p == '~';
		size_t need = plain ? 1 : 3;
		if (*at + need >= size)
			return ERR_TOOBIG;
		if (plain) {
			out[(*at)++] = (char)*p;
		} else {
			out[(*at)++] = '%';
			out[(*at)++] = hex[*p >> 4];
			out[(*at)++] = hex[*p & 15];
		}
	}
	out[*at] = '\0';
	return 0;
}

static int put_plain(char *out, size_t size, size_t *at, const char *s)
{
	size_t n = strlen(s);
	if (*at + n >= size)
		return ERR_TOOBIG;
	memcpy(out + *at, s, n + 1);
	*at += n;
	return 0;
}

int totp_uri(const char *issuer, const char *account, const char *secret_text, char *out, size_t size)
{
	char tail[96];
	int n = snprintf(tail, sizeof tail, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_STEP_SECONDS);
	if (n < 0 || (size_t)n >= sizeof tail || size == 0)
		return ERR_TOOBIG;
	size_t at = 0;
	out[0] = '\0';
	int r;
	if ((r = put_plain(out, size, &at, "otpauth://totp/")) < 0 || (r = put_encoded(out, size, &at, issuer)) < 0 ||
	    (r = put_plain(out, size, &at, ":")) < 0 || (r = put_encoded(out, size, &at, account)) < 0 ||
	    (r = put_plain(out, size, &at, "?secret=")) < 0 || (r = put_plain(out, size, &at, secret_text)) < 0 ||
	    (r = put_plain(out, size, &at, "&issuer=")) < 0 || (r = put_encoded(out, size, &at, issuer)) < 0 ||
	    (r = put_plain(out, size, &at, tail)) < 0)
		return r;
	return 0;
}
