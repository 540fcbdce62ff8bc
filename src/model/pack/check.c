/* pack/check: the checks every section uses (keys, strings, ids, integers,
 * time zones, towns) and the paths and messages a fault is recorded with. */
#include "model/pack/pack_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/str.h"

/* --- Formatting paths and messages --------------------------------------- */

/* vsnprintf into out; a result that did not fit is cut and marked "...". */
void pack_fmt_bounded(char *out, size_t size, const char *fmt, va_list ap)
{
	if (!out || size == 0)
		return;
	int n = vsnprintf(out, size, fmt, ap);
	if (n < 0) {
		out[0] = '\0';
		return;
	}
	if ((size_t)n >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
}

void pack_fmt_to(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pack_fmt_bounded(out, size, fmt, ap);
	va_end(ap);
}

/* A value from the document made safe to quote in a one-line message:
 * control characters become '?', and a long value is cut. */
const char *pack_show(char out[SHOW_SIZE], const char *s)
{
	size_t i = 0;
	for (; s[i] && i < SHOW_SIZE - 1; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	if (s[i])
		memcpy(out + SHOW_SIZE - 4, "...", 4);
	return out;
}

void pack_path_key(char out[PATH_SIZE], const char *base, const char *key)
{
	char k[SHOW_SIZE];
	if (base[0])
		pack_fmt_to(out, PATH_SIZE, "%s.%s", base, pack_show(k, key));
	else
		pack_fmt_to(out, PATH_SIZE, "%s", pack_show(k, key));
}

void pack_path_index(char out[PATH_SIZE], const char *base, size_t i)
{
	pack_fmt_to(out, PATH_SIZE, "%s[%zu]", base, i);
}

void pack_fail(struct check *c, const char *path, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	pack_fmt_bounded(reason, sizeof reason, fmt, ap);
	va_end(ap);
	field_error_add(c->errs, path, "%s", reason);
}

/* --- Checking values ----------------------------------------------------- */

/* ASCII classes, whatever the locale. */
static bool is_lower(char ch)
{
	return ch >= 'a' && ch <= 'z';
}

static bool is_alpha(char ch)
{
	return is_lower(ch) || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

bool pack_is_space(char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

char pack_to_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

bool pack_is_blank(const char *s)
{
	for (; *s; s++)
		if (!pack_is_space(*s))
			return false;
	return true;
}

/* The string at obj.key, or NULL after recording why there is none. An
 * optional key may be absent; when present it must be text in quotes, not empty. */
const char *pack_get_str(struct check *c, const json_t *obj, const char *path, const char *key,
			   bool required)
{
	char p[PATH_SIZE];
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required) {
			pack_path_key(p, path, key);
			pack_fail(c, p, "required");
		}
		return NULL;
	}
	pack_path_key(p, path, key);
	if (!json_is_string(v)) {
		pack_fail(c, p, "must be text in quotes");
		return NULL;
	}
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v)) {
		pack_fail(c, p, "must not contain NUL characters");
		return NULL;
	}
	if (pack_is_blank(s)) {
		pack_fail(c, p, "must not be empty");
		return NULL;
	}
	return s;
}

json_t *pack_get_typed(struct check *c, const json_t *obj, const char *path, const char *key,
			 bool required, json_type type)
{
	char p[PATH_SIZE];
	json_t *v = json_object_get(obj, key);
	pack_path_key(p, path, key);
	if (!v) {
		if (required)
			pack_fail(c, p, "required");
		return NULL;
	}
	if (json_typeof(v) != type) {
		pack_fail(c, p, type == JSON_OBJECT ? "must be a set of named values in braces { }" : "must be a list in brackets [ ]");
		return NULL;
	}
	return v;
}

/* ^[a-z][a-z0-9_]{0,63}$ */
bool pack_id_valid(const char *s)
{
	if (!is_lower(s[0]))
		return false;
	size_t n = 0;
	for (; s[n]; n++)
		if (!(is_lower(s[n]) || is_digit(s[n]) || s[n] == '_'))
			return false;
	return n <= 64;
}

/* ^[A-Za-z0-9_-]{1,16}$ */
bool pack_region_id_valid(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!(is_alpha(s[n]) || is_digit(s[n]) || s[n] == '_' || s[n] == '-'))
			return false;
	return n >= 1 && n <= 16;
}

/* ^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$ : no dots, so never a path outside the
 * zone directory. */
bool pack_tz_valid(const char *s)
{
	size_t seg = 0, i = 0;
	bool first = true;
	if (strlen(s) > 128)
		return false;
	for (; s[i]; i++) {
		char ch = s[i];
		if (ch == '/') {
			if (seg == 0)
				return false;
			seg = 0;
			first = false;
			continue;
		}
		bool ok = is_alpha(ch) || ch == '_' || (!first && (is_digit(ch) || ch == '+' || ch == '-'));
		if (!ok)
			return false;
		seg++;
	}
	return seg > 0;
}

bool pack_tz_known(const char *tz)
{
	struct stat st;
	if (strcmp(tz, "UTC") == 0 || stat(PACK_ZONEINFO, &st) != 0 || !S_ISDIR(st.st_mode))
		return true;
	char file[256];
	int n = snprintf(file, sizeof file, "%s/%s", PACK_ZONEINFO, tz);
	if (n < 0 || (size_t)n >= sizeof file)
		return false;
	return stat(file, &st) == 0 && S_ISREG(st.st_mode);
}

/* Record key in seen; false when it was there already (*ret_first then
 * names where). */
bool pack_seen_add(struct check *c, json_t *seen, const char *key, const char *where,
		     const char **ret_first)
{
	json_t *prev = json_object_get(seen, key);
	if (prev) {
		*ret_first = json_string_value(prev);
		return false;
	}
	if (json_object_set_new(seen, key, json_string(where)) != 0)
		c->nomem = true;
	return true;
}

/* The town s without surrounding spaces: its start, and length in *ret_n. */
const char *pack_town_trim(const char *s, size_t *ret_n)
{
	while (pack_is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && pack_is_space(s[n - 1]))
		n--;
	*ret_n = n;
	return s;
}

/* A town as a look-up key: surrounding spaces dropped, ASCII lower-cased.
 * NULL when out of memory. */
char *pack_town_key(const char *town)
{
	size_t n;
	town = pack_town_trim(town, &n);
	char *k = malloc(n + 1);
	if (!k)
		return NULL;
	for (size_t i = 0; i < n; i++)
		k[i] = pack_to_lower(town[i]);
	k[n] = '\0';
	return k;
}

/* n elements of size each, zeroed; NULL (and no failure) when n is 0. */
void *pack_alloc_array(struct check *c, size_t n, size_t size)
{
	if (n == 0)
		return NULL;
	void *a = calloc(n, size);
	if (!a)
		c->nomem = true;
	return a;
}

/* --- Helpers for the sections below -------------------------------------- */

/* The string value of v when it is a non-empty string without NUL
 * characters; NULL otherwise. */
const char *pack_good_str(const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s || strlen(s) != json_string_length(v) || pack_is_blank(s))
		return NULL;
	return s;
}

/* The id at obj.id: required, lower_snake_case and not already in seen.
 * With say_where a duplicate names where the first one is. */
const char *pack_check_id(struct check *c, const json_t *obj, const char *path, json_t *seen, bool say_where)
{
	char p[PATH_SIZE], s[SHOW_SIZE];
	const char *id = pack_get_str(c, obj, path, "id", true), *first;
	if (!id)
		return NULL;
	pack_path_key(p, path, "id");
	if (!pack_id_valid(id))
		pack_fail(c, p, "invalid id \"%s\": use a-z, 0-9 and _, starting with a letter, at most 64", pack_show(s, id));
	else if (!pack_seen_add(c, seen, id, path, &first)) {
		if (say_where)
			pack_fail(c, p, "duplicate id \"%s\" (also %s)", id, first);
		else
			pack_fail(c, p, "duplicate id \"%s\"", id);
	}
	return id;
}

/* The integer at obj.key, which must be from lo to hi: false after recording
 * why when it is absent or is not such an integer. */
bool pack_get_int(struct check *c, const json_t *obj, const char *path, const char *key, int lo, int hi,
		    int *ret)
{
	char p[PATH_SIZE];
	json_t *v = json_object_get(obj, key);
	pack_path_key(p, path, key);
	if (!v) {
		pack_fail(c, p, "required");
		return false;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		pack_fail(c, p, "must be a whole number from %d to %d", lo, hi);
		return false;
	}
	*ret = (int)json_integer_value(v);
	return true;
}

/* The optional boolean at obj.key; false when absent. */
bool pack_get_bool(struct check *c, const json_t *obj, const char *path, const char *key)
{
	char p[PATH_SIZE];
	json_t *v = json_object_get(obj, key);
	if (!v)
		return false;
	if (!json_is_boolean(v)) {
		pack_path_key(p, path, key);
		pack_fail(c, p, "must be true or false");
		return false;
	}
	return json_is_true(v);
}

/* v is the string s exactly. */
bool pack_json_str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && json_string_length(v) == strlen(s) && strcmp(json_string_value(v), s) == 0;
}

bool pack_entry(struct check *c, const json_t *v, const char *base, size_t i, char path[PATH_SIZE])
{
	pack_path_index(path, base, i);
	if (json_is_object(v))
		return true;
	pack_fail(c, path, "must be a set of named values in braces { }");
	return false;
}

void *pack_list_items(struct check *c, const json_t *obj, const char *path, const char *key, const char *what,
		      size_t size, const json_t **ret_list, char ret_path[PATH_SIZE])
{
	json_t *list = pack_get_typed(c, obj, path, key, true, JSON_ARRAY);
	if (!list)
		return NULL;
	pack_path_key(ret_path, path, key);
	if (json_array_size(list) == 0) {
		pack_fail(c, ret_path, "must list at least one %s", what);
		return NULL;
	}
	*ret_list = list;
	return pack_alloc_array(c, json_array_size(list), size);
}

json_t *pack_each_entry(struct check *c, const json_t *list, const char *base, pack_entry_fn *fn, void *ctx)
{
	json_t *seen = json_object();
	if (!seen) {
		c->nomem = true;
		return NULL;
	}
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE];
		if (pack_entry(c, v, base, i, path))
			fn(c, v, path, seen, ctx);
	}
	return seen;
}

void pack_require_ids(struct check *c, const json_t *seen, const char *path, const char *what,
		      const char *const *ids, size_t n)
{
	for (size_t k = 0; seen && k < n; k++)
		if (!json_object_get(seen, ids[k]))
			pack_fail(c, path, "missing %s \"%s\"", what, ids[k]);
}
