#include "model/password.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"

/* Usernames shorter than this are too likely to turn up by chance ("al" in
 * "always") for containment to mean anything. */
#define USERNAME_MIN_CHARS 3

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* ASCII only, so the answer never depends on the locale. */
static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool equal_folded(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return false;
	return true;
}

static bool contains_folded(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	if (needle_len > hay_len)
		return false;
	for (size_t i = 0; i + needle_len <= hay_len; i++)
		if (equal_folded(hay + i, needle, needle_len))
			return true;
	return false;
}

/* Decode the code point at s[*i] (len bytes in all) and advance *i past it.
 * ERR_INVAL for a stray continuation byte, a truncated sequence, an overlong
 * form, a UTF-16 surrogate or a code point past U+10FFFF. */
static int utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *ret_cp)
{
	unsigned char c = s[*i];
	size_t n;
	uint32_t cp, min;

	if (c < 0x80) {
		*ret_cp = c;
		*i += 1;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return ERR_INVAL; /* continuation byte, 0xc0/0xc1 (always overlong) or 0xf5 and up */
	}
	if (len - *i < n)
		return ERR_INVAL;
	for (size_t k = 1; k < n; k++) {
		unsigned char cc = s[*i + k];
		if ((cc & 0xc0) != 0x80)
			return ERR_INVAL;
		cp = (cp << 6) | (cc & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return ERR_INVAL;
	*ret_cp = cp;
	*i += n;
	return 0;
}

/* Code points in a valid UTF-8 string of len bytes; bytes that are not
 * continuation bytes, so it also gives a sensible count for a username that
 * is not valid UTF-8. */
static size_t count_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static uint32_t fold_cp(uint32_t cp)
{
	return cp < 0x80 ? fold((unsigned char)cp) : cp;
}

/* Whether password (valid UTF-8, len bytes, at least one character) is one
 * character repeated. */
static bool is_one_repeated_char(const char *password, size_t len)
{
	const unsigned char *s = (const unsigned char *)password;
	size_t i = 0;
	uint32_t first, cp;

	if (utf8_next(s, len, &i, &first) < 0)
		return false;
	while (i < len) {
		if (utf8_next(s, len, &i, &cp) < 0 || fold_cp(cp) != fold_cp(first))
			return false;
	}
	return true;
}

static bool on_list(const char *list, size_t list_len, const char *password, size_t len)
{
	size_t pos = 0;
	while (pos < list_len) {
		const char *line = list + pos;
		const char *nl = memchr(line, '\n', list_len - pos);
		size_t n = nl ? (size_t)(nl - line) : list_len - pos;
		pos += nl ? n + 1 : n;
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		if (n == len && equal_folded(line, password, n))
			return true;
	}
	return false;
}

/* Why password is refused for username, or NULL when it is acceptable. */
static const char *refusal(const char *username, const char *password, const char *list, size_t list_len)
{
	if (!password)
		password = "";
	/* strnlen: a megabyte pasted into the form costs no more than 257 bytes. */
	size_t len = strnlen(password, PASSWORD_MAX_BYTES + 1);
	if (len > PASSWORD_MAX_BYTES)
		return "is too long (at most " STRINGIFY(PASSWORD_MAX_BYTES) " bytes)";

	const unsigned char *s = (const unsigned char *)password;
	size_t chars = 0;
	for (size_t i = 0; i < len; chars++) {
		uint32_t cp;
		if (utf8_next(s, len, &i, &cp) < 0)
			return "is not valid UTF-8";
	}
	if (chars < PASSWORD_MIN_CHARS)
		return "must be at least " STRINGIFY(PASSWORD_MIN_CHARS) " characters";
	if (is_one_repeated_char(password, len))
		return "must not be a single repeated character";
	if (username) {
		size_t ulen = strlen(username);
		if (count_chars(username, ulen) >= USERNAME_MIN_CHARS && contains_folded(password, len, username, ulen))
			return "must not contain the username";
	}
	if (list && on_list(list, list_len, password, len))
		return "is on the list of common passwords";
	return NULL;
}

int password_check(const char *username, const char *password, const char *list, size_t list_len, char *reason,
                   size_t reasonsize)
{
	const char *why = refusal(username, password, list, list_len);
	if (!why)
		return 0;
	if (reason && reasonsize > 0)
		(void)str_copy(reason, reasonsize, why); /* a cut reason is still a reason */
	return ERR_INVAL;
}
