/* Declared request bodies: each route lists its fields, their types and
 * whether they are required, and nothing else gets through. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"

void http_fields_check(const json_t *body, const struct http_field *fields, struct field_errors *errs)
{
	if (!json_is_object(body)) {
		field_error_add(errs, "", "expected a JSON object");
		return;
	}
	for (const struct http_field *f = fields; f->name; f++) {
		json_t *v = json_object_get(body, f->name);
		if (!v) {
			if (f->required)
				field_error_add(errs, f->name, "required");
			continue;
		}
		bool ok = false;
		const char *want = "";
		switch (f->type) {
		case HF_STRING:
			ok = json_is_string(v);
			want = "a string";
			break;
		case HF_STRING_OR_NULL:
			ok = json_is_string(v) || json_is_null(v);
			want = "a string or null";
			break;
		case HF_BOOL:
			ok = json_is_boolean(v);
			want = "true or false";
			break;
		case HF_INT:
			ok = json_is_integer(v);
			want = "an integer";
			break;
		}
		if (!ok)
			field_error_add(errs, f->name, "must be %s", want);
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v)
	{
		bool known = false;
		for (const struct http_field *f = fields; f->name && !known; f++)
			known = strcmp(f->name, key) == 0;
		if (!known)
			field_error_add(errs, key, "unknown field");
	}
}

int http_problem_fields(struct http_resp *resp, struct field_errors *errs)
{
	char detail[64];
	snprintf(detail, sizeof detail, "%zu problem%s in the request", errs->count, errs->count == 1 ? "" : "s");
	json_t *list = json_incref(errs->list);
	field_errors_done(errs);
	return http_problem(resp, 422, "validation", "Invalid input", detail, list);
}
