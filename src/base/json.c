#include "base/json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"

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

/* One open array or object while looking for a NUL: its index, or the
 * last key read (as written in the document, cut short). */
struct nul_frame {
	bool obj;
	size_t index;
	char key[48];
};

static void nul_path(const struct nul_frame *st, int depth, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < depth && len < size; i++) {
		int n = st[i].obj ? snprintf(out + len, size - len, "%s%s", len ? "." : "", st[i].key)
				  : snprintf(out + len, size - len, "[%zu]", st[i].index);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

/* Scan the string starting after the quote at s[*i]; leave *i on the
 * closing quote. The raw text (escapes as written) goes to raw. */
static bool nul_string(const char *s, size_t len, size_t *i, char *raw, size_t rawsize)
{
	bool nul = false;
	size_t j = *i + 1, k = 0;
	for (; j < len && s[j] != '"'; j++) {
		if (s[j] == '\\' && j + 1 < len) {
			if (s[j + 1] == 'u' && j + 5 < len && memcmp(s + j + 2, "0000", 4) == 0)
				nul = true;
			if (k + 1 < rawsize)
				raw[k++] = s[j];
			j++;
		}
		if (k + 1 < rawsize)
			raw[k++] = s[j];
	}
	raw[k] = '\0';
	*i = j;
	return nul;
}

bool json_find_nul(const char *s, size_t len, char *path, size_t pathsize)
{
	if (!memmem(s, len, "\\u0000", 6))
		return false;
	struct nul_frame st[JSON_NUL_MAX_DEPTH];
	int depth = 0, over = 0; /* frames deeper than st are counted, not kept */
	bool want_key = false;
	char raw[sizeof st[0].key];
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '{' || c == '[') {
			if (depth == JSON_NUL_MAX_DEPTH) {
				over++;
				continue;
			}
			st[depth].obj = c == '{';
			st[depth].index = 0;
			st[depth].key[0] = '\0';
			depth++;
			want_key = c == '{';
		} else if (c == '}' || c == ']') {
			if (over)
				over--;
			else if (depth)
				depth--;
			want_key = false;
		} else if (c == ',' && depth && !over) {
			if (st[depth - 1].obj)
				want_key = true;
			else
				st[depth - 1].index++;
		} else if (c == '"') {
			bool nul = nul_string(s, len, &i, raw, sizeof raw);
			if (want_key && depth && !over) {
				memcpy(st[depth - 1].key, raw, sizeof raw);
				want_key = false;
			}
			if (nul) {
				nul_path(st, depth, path, pathsize);
				return true;
			}
		}
	}
	return false;
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
	json_error_t e = {.line = 0}; /* jansson fills in nothing when memory runs out first */
	/* NUL is allowed through the parser only to be found and named here:
	 * jansson would otherwise answer a bare parse error, and C strings
	 * would silently end at it. */
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
	char where[160];
	if ((j || json_error_code(&e) == json_error_null_byte_in_key) &&
	    json_find_nul(data, len, where, sizeof where)) {
		json_decref(j);
		snprintf(errmsg, errsize, "%s: %s", where[0] ? where : "the document", JSON_NUL_REASON);
		return ERR_INVAL;
	}
	if (!j) {
		snprintf(errmsg, errsize, "line %d, column %d: %s", e.line, e.column, e.text);
		return ERR_PARSE;
	}
	*ret = j;
	return 0;
}

/* jansson 2.14 drops the result of writing an object's key: a key that
 * failed to be written (out of memory, or past the buffer's cap) is left
 * out, and the dump goes on to answer success with a broken document. So
 * the first failure sticks here and fails every later write, and the dump
 * is judged by it, never by jansson's answer alone. */
struct dump_state {
	struct buf *out;
	int err;
};

static int dump_cb(const char *s, size_t size, void *data)
{
	struct dump_state *d = data;
	if (d->err == 0)
		d->err = buf_append(d->out, s, size);
	return d->err < 0 ? -1 : 0;
}

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 when it
 * is not one: the rules jansson checks strings by (no overlong forms, no
 * surrogates, nothing past U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t v;
	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0) {
		len = 2;
		v = c & 0x1F;
	} else if (c < 0xF0) {
		len = 3;
		v = c & 0x0F;
	} else if (c < 0xF5) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)))
		return 0;
	return len;
}

static inline int put_char(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

/* The bytes a string's writing stops at: control characters, the quote,
 * the backslash, and the first byte of a sequence past ASCII (checked). */
static inline bool stops_at(unsigned c)
{
	return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

/* A string as jansson writes it without JSON_ENSURE_ASCII: the quote, the
 * backslash and the control characters escaped, the rest as it is. */
static int compact_string(const char *text, size_t n, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)text;
	int r = put_char(out, '"');
	size_t run = 0; /* start of the bytes not yet written */
	for (size_t i = 0; r == 0 && i < n;) {
		unsigned c = s[i];
		if (!stops_at(c)) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_seq(s + i, n - i);
			if (k == 0)
				return ERR_INVAL;
			i += k;
			continue;
		}
		static const char named[] = "\"\\\b\f\n\r\t", letter[] = "\"\\bfnrt";
		const char *at = c ? memchr(named, (int)c, sizeof named - 1) : NULL;
		char esc[6] = {'\\', at ? letter[at - named] : 'u', '0', '0', hex[c >> 4], hex[c & 15]};
		if ((r = buf_add(out, s + run, i - run)) == 0)
			r = buf_add(out, esc, at ? 2 : 6);
		run = ++i;
	}
	if (r == 0)
		r = buf_add(out, s + run, n - run);
	return r == 0 ? put_char(out, '"') : r;
}

#define COMPACT_DEPTH_MAX 2048

/* j as jansson's json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) writes it,
 * byte for byte (keys in the order they were set), without the cost of
 * its loop check: an address formatted and hashed for every array and
 * object, which is most of the time of answering a request. A loop
 * cannot go on past COMPACT_DEPTH_MAX. */
static int compact(const json_t *j, struct buf *out, int depth)
{
	char num[32];
	int n, r = 0;
	if (depth > COMPACT_DEPTH_MAX)
		return ERR_INVAL;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *v;
		bool first = true;
		if ((r = put_char(out, '{')) < 0)
			return r;
		json_object_foreach ((json_t *)j, key, v) {
			if ((!first && (r = put_char(out, ',')) < 0) || (r = compact_string(key, strlen(key), out)) < 0 ||
			    (r = put_char(out, ':')) < 0 || (r = compact(v, out, depth + 1)) < 0)
				return r;
			first = false;
		}
		return put_char(out, '}');
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;
		if ((r = put_char(out, '[')) < 0)
			return r;
		json_array_foreach ((json_t *)j, i, v) {
			if ((i && (r = put_char(out, ',')) < 0) || (r = compact(v, out, depth + 1)) < 0)
				return r;
		}
		return put_char(out, ']');
	}
	case JSON_STRING:
		return compact_string(json_string_value(j), json_string_length(j), out);
	case JSON_INTEGER:
		n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return n < 0 || (size_t)n >= sizeof num ? ERR_INVAL : buf_add(out, num, (size_t)n);
	case JSON_REAL: {
		/* jansson's own form of a number with a fraction (17 digits, a
		 * ".0" where there is no point, the exponent trimmed). */
		struct dump_state d = {out, 0};
		if (json_dump_callback(j, dump_cb, &d, JSON_COMPACT | JSON_ENCODE_ANY) != 0 && d.err == 0)
			d.err = ERR_NOMEM;
		return d.err;
	}
	case JSON_TRUE:
		return buf_add(out, "true", 4);
	case JSON_FALSE:
		return buf_add(out, "false", 5);
	case JSON_NULL:
		return buf_add(out, "null", 4);
	}
	return ERR_INVAL;
}

/* The flags written by compact(): JSON_PRESERVE_ORDER changes nothing in
 * jansson 2.14, whose objects keep the order keys were set in. */
#define COMPACT_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY)

static int dump(const json_t *j, size_t flags, struct buf *out)
{
	if (!j)
		return ERR_NOMEM; /* as jansson's dump answers it */
	if ((flags & ~(size_t)JSON_PRESERVE_ORDER) == COMPACT_FLAGS) {
		size_t len = out->len;
		int r = compact(j, out, 0);
		if (r < 0) {
			/* Nothing of a broken document is left behind. */
			out->len = len;
			if (out->data)
				out->data[len] = '\0';
			return r == ERR_INVAL ? ERR_NOMEM : r;
		}
		return 0;
	}
	struct dump_state d = {out, 0};
	int r = json_dump_callback(j, dump_cb, &d, flags);
	if (d.err < 0)
		return d.err;
	return r != 0 ? ERR_NOMEM : 0;
}

int json_load_stored(const char *text, json_t **ret)
{
	*ret = NULL;
	if (!text)
		return 0;
	/* Cleared: out of memory before it starts, jansson fills in no error. */
	json_error_t e;
	memset(&e, 0, sizeof e);
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
	if (!j)
		return json_error_code(&e) == json_error_out_of_memory ? ERR_NOMEM : ERR_PARSE;
	/* jansson 2.14's lexer can drop a character of a string it failed to
	 * grow and still answer a document. What this program stored it wrote
	 * compact, so writing it again gives the same text; when it does not
	 * (text written otherwise, by hand or an older version), a second
	 * reading must agree with the first. Anything else is a read that
	 * lost part of the text. */
	char *again = json_dump_text(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	if (!again) {
		json_decref(j);
		return ERR_NOMEM;
	}
	bool same = strcmp(again, text) == 0;
	free(again);
	if (!same) {
		json_t *second = json_loads(text, JSON_DECODE_ANY, &e);
		same = second && json_equal(j, second);
		json_decref(second);
	}
	if (!same) {
		json_decref(j);
		return ERR_NOMEM;
	}
	*ret = j;
	return 0;
}

int json_dump_to_buf(const json_t *j, struct buf *out)
{
	return dump(j, JSON_COMPACT | JSON_ENCODE_ANY, out);
}

char *json_dump_text(const json_t *j, size_t flags)
{
	struct buf b;
	buf_init(&b, 0);
	if (dump(j, flags, &b) < 0) {
		buf_done(&b);
		return NULL;
	}
	char *s = buf_detach(&b, NULL);
	return s;
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

void field_check_phone(struct field_errors *fe, const char *field, const char *label, const char *value)
{
	if (value && *value && !str_is_phone(value))
		field_error_add(fe, field,
				"%s is not a telephone number: enter its digits, with spaces, dashes, dots or brackets "
				"between them if you like, + first for another country, and x and the digits for an "
				"extension",
				label);
}

void field_check_email(struct field_errors *fe, const char *field, const char *label, const char *value)
{
	if (value && *value && !str_is_email(value))
		field_error_add(fe, field, "%s is not an e-mail address: enter the whole address, such as name@example.org",
				label);
}
