/* Fuzz target: JSON request bodies. A body is parsed as the server parses
 * every request (json_parse_limited: size and depth limits, duplicate keys
 * refused), checked against every body schema the route table declares,
 * as the dispatcher checks them (schema_check: every type, required,
 * nullable, lengths, allowed values, unknown keys), and its problems are
 * turned into the 422 answer a client would get. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "http/http.h"
#include "model/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check body against s as the dispatcher does, and turn its problems into
 * the 422 a client would get. */
static void check_against(const json_t *body, const struct schema *s)
{
	struct field_errors errs;
	field_errors_init(&errs, 20);
	if (schema_check(s, body, &errs) == 0) {
		field_errors_done(&errs);
		return;
	}
	char line[600];
	for (size_t i = 0; i < errs.count && field_error_format(&errs, i, line, sizeof line) != ERR_NOTFOUND; i++)
		;
	struct http_resp resp;
	memset(&resp, 0, sizeof resp);
	buf_init(&resp.body, 0);
	if (http_problem_fields(&resp, &errs) != 0 || resp.status != 422)
		abort();
	buf_done(&resp.body);
	field_errors_done(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = NULL;
	char why[256];
	if (json_parse_limited((const char *)data, size, NULL, &body, why, sizeof why) < 0)
		return 0;
	/* Every body schema the routes declare. */
	for (size_t i = 0; i < http_routes_count; i++)
		if (http_routes[i].body)
			check_against(body, http_routes[i].body);
	/* Echoed back as the server echoes a document (the pack, a draft). */
	struct buf out;
	buf_init(&out, 0);
	if (json_dump_to_buf(body, &out) < 0) /* a body within the limits always fits */
		abort();
	buf_done(&out);
	json_decref(body);
	return 0;
}
