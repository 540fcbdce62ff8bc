#include "base/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"

/* Depth of the deepest nesting, counting brackets outside strings; stops
 * early past limit. The parser proper reports any other malformation. */
static int json_depth_exceeds(const char *s, size_t len, int limit)
{
	int depth = 0;
	bool in_str = false, esc = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '[' || c == '{') {
			if (++depth > limit)
				return 1;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return 0;
}

int json_parse_limited(const char *data, size_t len, const struct json_limits *lim, json_t **ret,
		       char *errmsg, size_t errsize)
{
	size_t max_bytes = lim && lim->max_bytes ? lim->max_bytes : JSON_DEFAULT_MAX_BYTES;
	int max_depth = lim && lim->max_depth ? lim->max_depth : JSON_DEFAULT_MAX_DEPTH;
	if (len > max_bytes) {
		snprintf(errmsg, errsize, "document larger than %zu bytes", max_bytes);
		return ERR_TOOBIG;
	}
	if (json_depth_exceeds(data, len, max_depth)) {
		snprintf(errmsg, errsize, "nested deeper than %d levels", max_depth);
		return ERR_TOOBIG;
	}
	json_error_t e;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
	if (!j) {
		snprintf(errmsg, errsize, "line %d, column %d: %s", e.line, e.column, e.text);
		return ERR_PARSE;
	}
	*ret = j;
	return 0;
}

static int dump_cb(const char *s, size_t size, void *data)
{
	return buf_append(data, s, size) < 0 ? -1 : 0;
}

int json_dump_to_buf(const json_t *j, struct buf *out)
{
	if (json_dump_callback(j, dump_cb, out, JSON_COMPACT | JSON_ENCODE_ANY) != 0)
		return ERR_TOOBIG;
	return 0;
}

const char *json_get_str(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

void field_errors_init(struct field_errors *fe, size_t max)
{
	fe->list = NULL;
	fe->count = 0;
	fe->max = max ? max : 100;
}

void field_errors_done(struct field_errors *fe)
{
	if (!fe)
		return;
	json_decref(fe->list);
	fe->list = NULL;
	fe->count = 0;
}

void field_error_add(struct field_errors *fe, const char *field, const char *fmt, ...)
{
	fe->count++;
	if (fe->count > fe->max)
		return;
	if (!fe->list && !(fe->list = json_array()))
		return;
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	json_array_append_new(fe->list, json_pack("{s:s, s:s}", "field", field, "reason", reason));
}

int field_error_format(const struct field_errors *fe, size_t i, char *out, size_t size)
{
	json_t *e = json_array_get(fe->list, i);
	if (!e)
		return ERR_NOTFOUND;
	int n = snprintf(out, size, "%s: %s", json_get_str(e, "field"), json_get_str(e, "reason"));
	return n < 0 || (size_t)n >= size ? ERR_TOOBIG : 0;
}

int json_array_sort(json_t *a, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(a);
	if (n < 2)
		return 0;
	json_t **v = malloc(n * sizeof *v);
	if (!v)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(a, i));
	qsort(v, n, sizeof *v, cmp);
	json_array_clear(a);
	int r = 0;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, v[i]) < 0)
			r = ERR_NOMEM;
	free(v);
	return r;
}
