/* schema.c: checking a request body against its declared rules (schema.h). */
#include "model/schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"

static bool allowed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* "open, response or closed", the words of a 422 for a value not allowed. */
static void allowed_list(const char *const *list, char *out, size_t size)
{
	size_t n = 0, len = 0;
	while (list[n])
		n++;
	out[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(out + len, size - len, "%s%s", sep, list[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static void check_string(const struct field_rule *f, const char *s, size_t len, struct field_errors *errs)
{
	if (strlen(s) != len) {
		field_error_add(errs, f->key, "must not contain NUL characters");
		return;
	}
	if (f->max_len && len > f->max_len) {
		field_error_add(errs, f->key, "at most %zu characters", f->max_len);
		return;
	}
	if (f->required && len == 0) {
		field_error_add(errs, f->key, "required");
		return;
	}
	if (f->allowed && len > 0 && !allowed(f->allowed, s)) {
		char list[256];
		allowed_list(f->allowed, list, sizeof list);
		field_error_add(errs, f->key, "%s", list);
	}
}

static const char *type_reason(enum field_type t)
{
	switch (t) {
	case FT_STRING:
		return "must be a string";
	case FT_INT:
		return "must be an integer";
	case FT_ID:
		return "must be a positive whole number";
	case FT_BOOL:
		return "must be true or false";
	case FT_TIME:
		return "must be a time in RFC 3339, e.g. 2026-11-28T14:05:00Z";
	case FT_OBJECT:
		return "must be an object";
	case FT_ARRAY:
		return "must be a list";
	case FT_ANY:
		break;
	}
	return "";
}

static bool type_ok(const struct field_rule *f, const json_t *v)
{
	hl_time t;
	switch (f->type) {
	case FT_STRING:
		return json_is_string(v);
	case FT_INT:
		return json_is_integer(v);
	case FT_ID:
		return json_is_integer(v) && json_integer_value(v) >= 1;
	case FT_BOOL:
		return json_is_boolean(v);
	case FT_TIME:
		return json_is_string(v) && time_parse(json_string_value(v), &t) == 0;
	case FT_OBJECT:
		return json_is_object(v);
	case FT_ARRAY:
		return json_is_array(v);
	case FT_ANY:
		return true;
	}
	return false;
}

static void check_field(const struct field_rule *f, const json_t *v, struct field_errors *errs)
{
	if (!v || json_is_null(v)) {
		if (f->required && !(v && f->nullable))
			field_error_add(errs, f->key, "required");
		return;
	}
	if (!type_ok(f, v)) {
		field_error_add(errs, f->key, "%s", f->reason ? f->reason : type_reason(f->type));
		return;
	}
	if (f->type == FT_STRING)
		check_string(f, json_string_value(v), json_string_length(v), errs);
	else if (f->type == FT_ARRAY && f->max_len && json_array_size(v) > f->max_len)
		field_error_add(errs, f->key, "at most %zu items", f->max_len);
}

const struct field_rule *schema_rule(const struct schema *s, const char *key)
{
	for (const struct field_rule *f = s->fields; f->key; f++)
		if (strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

int schema_check(const struct schema *s, const json_t *body, struct field_errors *errs)
{
	size_t before = errs->count;
	if (!json_is_object(body)) {
		field_error_add(errs, "", "expected a JSON object");
		return ERR_INVAL;
	}
	for (const struct field_rule *f = s->fields; f->key; f++)
		check_field(f, json_object_get(body, f->key), errs);
	if (!s->open) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)body, key, v)
		{
			if (!schema_rule(s, key))
				field_error_add(errs, key, "unknown field");
		}
	}
	return errs->count > before ? ERR_INVAL : 0;
}

int schema_check_strings(const struct schema *s, struct field_errors *errs, ...)
{
	/* Without a list of the caller's, problems are counted, not kept. */
	struct field_errors own;
	field_errors_init(&own, 0);
	if (!errs)
		errs = &own;
	size_t before = errs->count;
	int r = 0;
	va_list ap;
	va_start(ap, errs);
	for (const char *key; (key = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		const struct field_rule *f = schema_rule(s, key);
		if (!f) {
			r = ERR_INVAL;
			break;
		}
		if (!v) {
			if (f->required && !f->nullable)
				field_error_add(errs, f->key, "required");
		} else if (f->type == FT_STRING) {
			check_string(f, v, strlen(v), errs);
		} else if (f->type != FT_ANY) {
			field_error_add(errs, f->key, "%s", f->reason ? f->reason : type_reason(f->type));
		}
	}
	va_end(ap);
	bool refused = errs->count > before;
	field_errors_done(&own);
	if (r < 0)
		return r;
	return refused ? ERR_INVAL : 0;
}

const char *field_type_name(enum field_type t)
{
	static const char *const names[] = {
		[FT_STRING] = "string", [FT_INT] = "int",     [FT_ID] = "id",     [FT_BOOL] = "bool",
		[FT_TIME] = "time",     [FT_OBJECT] = "object", [FT_ARRAY] = "array", [FT_ANY] = "any",
	};
	return (size_t)t < sizeof names / sizeof *names && names[t] ? names[t] : "?";
}

int schema_format(const struct schema *s, char *out, size_t size)
{
	size_t len = 0;
	int total = 0;
	for (const struct field_rule *f = s->fields; f->key; f++) {
		char lim[24] = "", vals[200] = "";
		if (f->max_len && snprintf(lim, sizeof lim, "(%zu)", f->max_len) < 0)
			return -1;
		if (f->allowed) {
			size_t vl = 0;
			for (const char *const *a = f->allowed; *a && vl < sizeof vals; a++) {
				int w = snprintf(vals + vl, sizeof vals - vl, "%s%s", vl ? "|" : "{", *a);
				if (w < 0)
					return -1;
				vl += (size_t)w;
			}
			if (vl && vl < sizeof vals - 1) {
				vals[vl] = '}';
				vals[vl + 1] = '\0';
			}
		}
		int w = snprintf(out + len, size > len ? size - len : 0, "%s%s:%s%s%s%s", total ? " " : "", f->key,
				 field_type_name(f->type), lim, vals,
				 f->required ? "!" : f->nullable ? "?" : "");
		if (w < 0)
			return -1;
		total += w;
		len = (size_t)total < size ? (size_t)total : size;
	}
	if (s->open) {
		int w = snprintf(out + len, size > len ? size - len : 0, "%s...", total ? " " : "");
		if (w < 0)
			return -1;
		total += w;
	}
	if (size && total == 0)
		out[0] = '\0';
	return total;
}
