/* Request bodies against their declared rules (model/schema.h): the
 * dispatcher runs the route's schema, and a handler whose service has no
 * exported schema yet runs its own with the same words. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"

bool http_body_ok(struct http_resp *resp, const json_t *body, const struct schema *s)
{
	struct field_errors errs;
	field_errors_init(&errs, 50);
	if (schema_check(s, body, &errs) == 0) {
		field_errors_done(&errs);
		return true;
	}
	if (http_problem_fields(resp, &errs) < 0)
		resp->status = 500;
	return false;
}

int http_problem_fields(struct http_resp *resp, struct field_errors *errs)
{
	char detail[64];
	if (snprintf(detail, sizeof detail, "%zu problem%s in the request", errs->count,
		     errs->count == 1 ? "" : "s") < 0)
		detail[0] = '\0';
	json_t *list = json_incref(errs->list);
	field_errors_done(errs);
	return http_problem(resp, 422, "validation", "Invalid input", detail, list);
}
