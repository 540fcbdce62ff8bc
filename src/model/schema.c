/* schema.c: checking a request body against its declared rules (schema.h). */
#include "model/schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
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

const char *field_key_words(const char *key, char *out, size_t size)
{
	size_t n = 0;
	bool space = false;
	for (const char *p = key ? key : ""; *p && n + 1 < size; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '_' || c == '.' || c == '[' || c == ']' || c == '-') {
			space = n > 0;
			continue;
		}
		if (space && n + 2 < size)
			out[n++] = ' ';
		space = false;
		/* "children[0]" is the first child: positions are counted from 1. */
		if (isdigit(c) && p > key && p[-1] == '[') {
			char *end;
			unsigned long v = strtoul(p, &end, 10);
			int w = snprintf(out + n, size - n, "%lu", v + 1);
			if (w < 0 || (size_t)w >= size - n)
				break;
			n += (size_t)w;
			p = end - 1;
			continue;
		}
		out[n] = (char)(n == 0 ? toupper(c) : c);
		n++;
	}
	if (size)
		out[n < size ? n : size - 1] = '\0';
	/* "person_id" is the person chosen, "trainer_ids" the trainers. */
	if (n > 4 && n < size && strcmp(out + n - 3, " id") == 0)
		out[n -= 3] = '\0';
	else if (n > 5 && n < size && strcmp(out + n - 4, " ids") == 0) {
		out[n - 4] = 's';
		out[n -= 3] = '\0';
	}
	if (n == 0 && size > 5)
		snprintf(out, size, "%s", "Form");
	return out;
}

const char *schema_label(const struct field_rule *f, char *out, size_t size)
{
	if (f->label && snprintf(out, size, "%s", f->label) >= 0)
		return out;
	return field_key_words(f->key, out, size);
}

/* Add "Label: what to do" for f. */
__attribute__((format(printf, 3, 4))) static void refuse(struct field_errors *errs, const struct field_rule *f,
							 const char *fmt, ...)
{
	char label[96], what[400];
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (w < 0)
		what[0] = '\0';
	field_error_add(errs, f->key, "%s: %s", schema_label(f, label, sizeof label), what);
}

static void check_string(const struct field_rule *f, const char *s, size_t len, struct field_errors *errs)
{
	if (strlen(s) != len) {
		refuse(errs, f, "%s", "holds a hidden character that cannot be stored; type the text again");
		return;
	}
	if (f->max_len && len > f->max_len) {
		refuse(errs, f, "at most %zu characters; shorten it by %zu", f->max_len, len - f->max_len);
		return;
	}
	if (f->required && len == 0) {
		refuse(errs, f, "%s", "required; fill it in");
		return;
	}
	if (f->allowed && len > 0 && !allowed(f->allowed, s))
		refuse(errs, f, "%s", "not one of the choices; choose one from the list");
}

/* What to do when a value has the wrong shape, in the form's terms. */
static const char *type_reason(enum field_type t)
{
	switch (t) {
	case FT_STRING:
		return "type it as text";
	case FT_INT:
		return "enter a whole number";
	case FT_ID:
		return "choose one from the list";
	case FT_BOOL:
		return "answer yes or no";
	case FT_TIME:
		return "enter a date and a time";
	case FT_OBJECT:
	case FT_ARRAY:
		return "not filled in as the form sends it; reload the page and try again";
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
			refuse(errs, f, "%s", "required; fill it in");
		return;
	}
	if (!type_ok(f, v)) {
		refuse(errs, f, "%s", f->reason ? f->reason : type_reason(f->type));
		return;
	}
	if (f->type == FT_STRING)
		check_string(f, json_string_value(v), json_string_length(v), errs);
	else if (f->type == FT_ARRAY && f->max_len && json_array_size(v) > f->max_len)
		refuse(errs, f, "at most %zu; remove %zu", f->max_len, json_array_size(v) - f->max_len);
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
		field_error_add(errs, "", "The form was not sent whole; reload the page and try again");
		return ERR_INVAL;
	}
	for (const struct field_rule *f = s->fields; f->key; f++)
		check_field(f, json_object_get(body, f->key), errs);
	if (!s->open) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)body, key, v)
		{
			if (!schema_rule(s, key)) {
				char words[96];
				field_error_add(errs, key, "%s: not a field of this form; reload the page and try again",
						field_key_words(key, words, sizeof words));
			}
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
				refuse(errs, f, "%s", "required; fill it in");
		} else if (f->type == FT_STRING) {
			check_string(f, v, strlen(v), errs);
		} else if (f->type != FT_ANY) {
			refuse(errs, f, "%s", f->reason ? f->reason : type_reason(f->type));
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
