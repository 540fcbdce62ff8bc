/* Fuzz target: JSON request bodies. A body is parsed as the server parses
 * every request (json_parse_limited: size and depth limits, duplicate keys
 * refused), checked against declared fields as the routes check them
 * (http_fields_check: every type, required and optional, unknown keys), and
 * its problems are turned into the 422 answer a client would get. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Declared bodies like the routes' own: each field type, required or not. */
static const struct http_field login_fields[] = {
	{"username", HF_STRING, true},
	{"password", HF_STRING, true},
	{NULL, HF_STRING, false},
};
static const struct http_field user_fields[] = {
	{"username", HF_STRING, true},  {"display_name", HF_STRING, true}, {"role", HF_STRING, true},
	{"scope", HF_STRING_OR_NULL, false}, {"email", HF_STRING_OR_NULL, false}, {"disabled", HF_BOOL, false},
	{"version", HF_INT, false},     {NULL, HF_STRING, false},
};
static const struct http_field none[] = {{NULL, HF_STRING, false}};

static void check_against(const json_t *body, const struct http_field *fields)
{
	struct field_errors errs;
	field_errors_init(&errs, 20);
	http_fields_check(body, fields, &errs);
	char line[600];
	for (size_t i = 0; i < errs.count && field_error_format(&errs, i, line, sizeof line) != ERR_NOTFOUND; i++)
		;
	struct http_resp resp;
	memset(&resp, 0, sizeof resp);
	buf_init(&resp.body, 0);
	if (http_problem_fields(&resp, &errs) != 0 || resp.status != 422)
		abort();
	buf_done(&resp.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = NULL;
	char why[256];
	if (json_parse_limited((const char *)data, size, NULL, &body, why, sizeof why) < 0)
		return 0;
	check_against(body, login_fields);
	check_against(body, user_fields);
	check_against(body, none);
	/* Echoed back as the server echoes a document (the pack, a draft). */
	struct buf out;
	buf_init(&out, 0);
	json_dump_to_buf(body, &out);
	buf_done(&out);
	json_decref(body);
	return 0;
}
