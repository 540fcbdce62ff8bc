/* json: jansson with limits, and the list of field errors behind a 422.
 *
 * Every JSON document from outside goes through json_parse_limited(), which
 * refuses documents that are too large or too deeply nested before jansson
 * sees them, and rejects duplicate keys. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

struct json_limits {
	size_t max_bytes; /* whole document */
	int max_depth;    /* nesting of arrays and objects */
};

#define JSON_DEFAULT_MAX_BYTES ((size_t)1 << 20)
#define JSON_DEFAULT_MAX_DEPTH 32

/* Parse len bytes of data. On failure returns ERR_TOOBIG (size or depth),
 * ERR_PARSE with a reason such as "line 1, column 9: unexpected token" in
 * errmsg, or ERR_INVAL when a string or a key anywhere holds a NUL (\u0000):
 * no document with one is ever returned, as the text after it would be lost
 * to every C string. *ret is a new reference. lim NULL means the defaults. */
int json_parse_limited(const char *data, size_t len, const struct json_limits *lim, json_t **ret,
		       char *errmsg, size_t errsize);

/* Why a value holding NUL is refused, for the person at the form. */
#define JSON_NUL_REASON "holds a hidden character that cannot be stored: type the text again without it"
/* Levels of nesting whose keys and indexes json_find_nul names. */
#define JSON_NUL_MAX_DEPTH 64
/* Does a string or key of the parsed document data hold \u0000? Then the
 * first such one's path goes to path: "aliases[1]", "reporter.name", "" for
 * the document itself; a key is named as written ("n\u0000x"). */
bool json_find_nul(const char *data, size_t len, char *path, size_t pathsize);

/* Append the compact encoding of j to out. */
int json_dump_to_buf(const json_t *j, struct buf *out) __attribute__((warn_unused_result));
/* Parse JSON text this program stored (NULL text: *ret NULL). 0, ERR_NOMEM
 * when memory ran out, or ERR_PARSE when it does not parse. jansson does not
 * always say that memory ran out (its lexer reports some failed
 * allocations as malformed text), and what this program stored always
 * parses, so callers treat either as a failure of the read: a failed
 * allocation is never mistaken for a value that is not there. */
int json_load_stored(const char *text, json_t **ret) __attribute__((warn_unused_result));
/* As json_dumps (free() the text; NULL when out of memory), but never a
 * broken document: jansson 2.14's json_dumps can leave out a key it failed
 * to write and still answer text. Use this, not json_dumps. */
char *json_dump_text(const json_t *j, size_t flags) __attribute__((warn_unused_result));

/* Typed look-ups: NULL or false when the key is missing or of another type. */
const char *json_get_str(const json_t *obj, const char *key);

/* Field errors: the list behind a 422, each {"field": ..., "reason": ...}.
 * Fields are written as paths: "children[0].dob", "regions[2].offices[0]". */
struct field_errors {
	json_t *list; /* array, created on first add */
	size_t count, max;
};

void field_errors_init(struct field_errors *fe, size_t max);
void field_errors_done(struct field_errors *fe);
/* Add one error; past max further errors are counted but not kept. */
void field_error_add(struct field_errors *fe, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline bool field_errors_any(const struct field_errors *fe)
{
	return fe->count > 0;
}
/* "field: reason" of error i, into out. */
int field_error_format(const struct field_errors *fe, size_t i, char *out, size_t size);

/* Sort the values of array a in place with cmp, which is given pointers to
 * json_t * (as qsort gives them). 0 or ERR_NOMEM. */
int json_array_sort(json_t *a, int (*cmp)(const void *, const void *));

/* The one check of a telephone number and of an e-mail address typed into
 * any form (str_is_phone, str_is_email): an error on field whose reason
 * starts with label, the field in the form's words ("Reporter's
 * telephone"), and says what to enter. NULL and "" pass: whether the field
 * is required is the caller's rule. */
void field_check_phone(struct field_errors *fe, const char *field, const char *label, const char *value);
void field_check_email(struct field_errors *fe, const char *field, const char *label, const char *value);
