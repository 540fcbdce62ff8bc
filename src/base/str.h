/* str: small string helpers that the banned libc calls would otherwise do. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy src into dst of size bytes, always NUL-terminated. ERR_TOOBIG when
 * src did not fit (dst then holds a truncated copy). */
int str_copy(char *dst, size_t size, const char *src);

/* Parse a whole string as a base-10 integer in [min, max]: an optional
 * minus and digits, nothing before or after. */
int str_to_int64(const char *s, int64_t min, int64_t max, int64_t *ret);
/* A record's number as written in an address: digits only, no leading
 * zero, in [max(min, 0), max], so that only one spelling names a record. */
int str_to_id(const char *s, int64_t min, int64_t max, int64_t *ret);

bool str_starts_with(const char *s, const char *prefix);
/* A line of text as a name or a title: 1 to max bytes, no control
 * characters. NULL is not a line. */
bool str_is_line(const char *s, size_t max);
/* An e-mail address as people type them: a name of 1 to 64 characters
 * (no spaces, no quotes or brackets, no dot first, last or doubled), one @,
 * and a domain of two or more labels; at most STR_EMAIL_MAX bytes. The one
 * check for every e-mail field. NULL is not an address. */
#define STR_EMAIL_MAX 254
bool str_is_email(const char *s);
/* A telephone number as people write them: an optional + for another
 * country, then 3 to 15 digits with spaces, dashes, dots and one pair of
 * brackets between them, then optionally an extension ("x12", "ext. 12",
 * "extension 12", "#12") of 1 to 6 digits; at most STR_PHONE_MAX bytes. The
 * one check for every telephone field. NULL is not a number. */
#define STR_PHONE_MAX 40
bool str_is_phone(const char *s);
bool str_ends_with(const char *s, const char *suffix);

/* Read a whole file (at most cap bytes) into a malloc'd, NUL-terminated
 * string; ret_len may be NULL. ERR_NOTFOUND, ERR_IO or ERR_TOOBIG. */
int file_read_all(const char *path, size_t cap, char **ret, size_t *ret_len);
