#include "base/str.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"

int str_copy(char *dst, size_t size, const char *src)
{
	if (size == 0)
		return ERR_TOOBIG;
	size_t n = strlen(src);
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return ERR_TOOBIG;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int str_to_int64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	/* strtoll would also take leading blanks and a plus sign. */
	if (!s || !(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))))
		return ERR_INVAL;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return ERR_INVAL;
	*ret = v;
	return 0;
}

int str_to_id(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	if (!s || (s[0] == '0' && s[1]))
		return ERR_INVAL;
	return str_to_int64(s, min < 0 ? 0 : min, max, ret);
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_is_line(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return false;
	return true;
}

/* One label of a domain: letters, digits, hyphens inside, or any byte of a
 * name written in another script; 1 to 63 bytes. */
static bool domain_label(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && (unsigned char)s[i] < 0x80)
			return false;
	return true;
}

bool str_is_email(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	const char *at = n ? strchr(s, '@') : NULL;
	if (n > STR_EMAIL_MAX || !at || at == s || at - s > 64 || strchr(at + 1, '@') || strstr(s, ".."))
		return false;
	if (s[0] == '.' || at[-1] == '.')
		return false;
	for (const char *c = s; c < at; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f || strchr("()<>,;:\\\"[]", *c))
			return false;
	/* Two labels at least: a name alone is no address people can write to. */
	size_t dots = 0;
	for (const char *d = at + 1;; dots++) {
		const char *dot = strchr(d, '.');
		size_t len = dot ? (size_t)(dot - d) : strlen(d);
		if (!domain_label(d, len))
			return false;
		if (!dot)
			break;
		d = dot + 1;
	}
	return dots >= 1;
}

/* The length of an extension's mark at s ("x", "ext.", "#"), or 0. */
static size_t extension_mark(const char *s)
{
	static const char *const marks[] = {"extension", "ext.", "ext", "x", "#", NULL};
	for (const char *const *m = marks; *m; m++)
		if (strncasecmp(s, *m, strlen(*m)) == 0)
			return strlen(*m);
	return 0;
}

bool str_is_phone(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > STR_PHONE_MAX)
		return false;
	size_t i = s[0] == '+', digits = 0;
	int parens = 0; /* 1 inside the one pair allowed, 2 after it */
	char last = 0;  /* the last character of the number that is not a space */
	for (; i < n; i++) {
		char c = s[i];
		if (isdigit((unsigned char)c))
			digits++;
		else if (c == '(' && parens == 0)
			parens = 1;
		else if (c == ')' && parens == 1 && isdigit((unsigned char)last))
			parens = 2;
		else if ((c == ' ' || c == '-' || c == '.') && last)
			;
		else
			break;
		if (c != ' ')
			last = c;
	}
	if (parens == 1 || digits < 3 || digits > 15 || !(isdigit((unsigned char)last) || last == ')'))
		return false;
	while (s[i] == ' ')
		i++;
	if (!s[i])
		return true;
	size_t mark = extension_mark(s + i);
	if (!mark || (s[i - 1] != ' ' && !isdigit((unsigned char)s[i - 1])))
		return false;
	for (i += mark; s[i] == ' ';)
		i++;
	size_t ext = 0;
	for (; isdigit((unsigned char)s[i]); i++)
		ext++;
	return !s[i] && ext >= 1 && ext <= 6;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

int file_read_all(const char *path, size_t cap, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? ERR_NOTFOUND : ERR_IO;
	struct buf b;
	buf_init(&b, cap);
	char chunk[8192];
	size_t n;
	int r = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if ((r = buf_append(&b, chunk, n)) < 0)
			break;
	if (r == 0 && ferror(f))
		r = ERR_IO;
	fclose(f);
	if (r < 0) {
		buf_done(&b);
		return r;
	}
	*ret = buf_detach(&b, ret_len);
	return *ret ? 0 : ERR_NOMEM;
}

#include "base/embed.h"

const struct embedded_file *embedded_find(const struct embedded_file *table, const char *name)
{
	for (const struct embedded_file *f = table; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}
