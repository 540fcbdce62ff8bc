/* Unit tests of src/model/schema.c: the declared input rules every route
 * and service checks a body against, and the line `hartline routes`
 * prints for them. The messages are the ones the end-to-end tests and
 * the web forms expect, so they are compared word for word. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "model/schema.h"

static const char *const statuses[] = {"open", "response", "closed", NULL};

static const struct field_rule rules[] = {
	{"version", FT_INT, .required = true},
	{"status", FT_STRING, .max_len = 8, .allowed = statuses},
	{"note", FT_STRING, .max_len = 5},
	{"name", FT_STRING, .required = true},
	{"team_id", FT_ID, .nullable = true},
	{"held", FT_BOOL, .required = false},
	{"at", FT_TIME, .required = false},
	{"meta", FT_OBJECT, .required = false},
	{"tags", FT_ARRAY, .max_len = 2},
	{"extra", FT_ANY, .required = false},
	{"owner", FT_STRING, .required = true, .nullable = true},
	{"count", FT_INT, .reason = "must be a number of children"},
	{NULL},
};
static const struct schema strict = {"test update", rules, .open = false};

/* The errors of checking text against s, as "field: reason; ...", and the
 * result of the check. */
static int check(const struct schema *s, const char *text, char *out, size_t size)
{
	json_error_t jerr;
	json_t *body = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	assert_non_null(body);
	struct field_errors errs;
	field_errors_init(&errs, 32);
	int r = schema_check(s, body, &errs);
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < errs.count; i++) {
		char one[256];
		assert_true(field_error_format(&errs, i, one, sizeof one) >= 0);
		int w = snprintf(out + len, size - len, "%s%s", i ? "; " : "", one);
		assert_true(w >= 0 && (size_t)w < size - len);
		len += (size_t)w;
	}
	assert_int_equal(r, errs.count ? ERR_INVAL : 0);
	field_errors_done(&errs);
	json_decref(body);
	return r;
}

#define assert_errors(text, expected)                                   \
	do {                                                            \
		char got_[1024];                                        \
		check(&strict, text, got_, sizeof got_);                \
		assert_string_equal(got_, expected);                    \
	} while (0)

UNIT_TEST(a_body_meeting_every_rule_passes)
{
	assert_errors("{\"version\": 3, \"status\": \"open\", \"note\": \"hello\", \"name\": \"Katie\","
		      " \"team_id\": 4, \"held\": false, \"at\": \"2026-11-28T14:05:00Z\", \"meta\": {},"
		      " \"tags\": [1, 2], \"extra\": [null], \"owner\": null, \"count\": 0}",
		      "");
	/* Optional keys may be absent, or null. */
	assert_errors("{\"version\": 3, \"name\": \"K\", \"owner\": \"me\", \"note\": null, \"held\": null}", "");
}

UNIT_TEST(required_keys_refuse_missing_null_and_empty)
{
	assert_errors("{\"owner\": \"x\"}", "version: required; name: required");
	assert_errors("{\"version\": null, \"name\": \"\", \"owner\": \"x\"}", "version: required; name: required");
	/* Required and nullable: null is an answer, a missing key is not. */
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": null}", "");
	assert_errors("{\"version\": 1, \"name\": \"K\"}", "owner: required");
}

UNIT_TEST(each_type_is_named_in_its_reason)
{
	assert_errors("{\"version\": \"3\", \"name\": 5, \"owner\": \"x\", \"team_id\": 0, \"held\": 1,"
		      " \"at\": \"yesterday\", \"meta\": [], \"tags\": {}}",
		      "version: must be an integer; name: must be a string;"
		      " team_id: must be a positive whole number; held: must be true or false;"
		      " at: must be a time in RFC 3339, e.g. 2026-11-28T14:05:00Z; meta: must be an object;"
		      " tags: must be a list");
	assert_errors("{\"version\": 1.5, \"name\": \"K\", \"owner\": \"x\", \"team_id\": \"4\"}",
		      "version: must be an integer; team_id: must be a positive whole number");
	/* A rule may say better what to do. */
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"count\": \"two\"}",
		      "count: must be a number of children");
}

UNIT_TEST(lengths_and_allowed_values_are_checked)
{
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"note\": \"123456\", \"tags\": [1, 2, 3]}",
		      "note: at most 5 characters; tags: at most 2 items");
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"status\": \"shut\"}",
		      "status: open, response or closed");
	/* The length is checked before the list, and "" is no value at all. */
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"status\": \"ninechars\"}",
		      "status: at most 8 characters");
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"status\": \"\"}", "");
}

UNIT_TEST(unknown_keys_are_refused_unless_the_schema_is_open)
{
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"colour\": \"red\"}",
		      "colour: unknown field");
	struct schema open = strict;
	open.open = true;
	char got[256];
	assert_int_equal(check(&open, "{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"colour\": \"red\"}", got,
			       sizeof got),
			 0);
	assert_string_equal(got, "");
}

UNIT_TEST(a_body_that_is_not_an_object_is_refused)
{
	assert_errors("[1, 2]", ": expected a JSON object");
	assert_errors("\"text\"", ": expected a JSON object");
	assert_errors("null", ": expected a JSON object");
}

UNIT_TEST(a_nul_inside_a_string_is_refused)
{
	assert_errors("{\"version\": 1, \"name\": \"Ka\\u0000tie\", \"owner\": \"x\"}",
		      "name: must not contain NUL characters");
}

UNIT_TEST(errors_already_listed_are_kept)
{
	json_t *body = json_pack("{s:i, s:s, s:s}", "version", 1, "name", "K", "owner", "x");
	struct field_errors errs;
	field_errors_init(&errs, 8);
	field_error_add(&errs, "pack", "checked elsewhere");
	/* The body passes: errors before it are not its own. */
	assert_int_equal(schema_check(&strict, body, &errs), 0);
	assert_int_equal(errs.count, 1);
	field_errors_done(&errs);
	json_decref(body);
}

/* A service's input as C strings meets the same rules, and nothing it
 * checks needs memory, so a failed allocation cannot skip a rule. */
UNIT_TEST(c_strings_meet_the_same_rules)
{
	struct field_errors errs;
	field_errors_init(&errs, 8);
	assert_int_equal(schema_check_strings(&strict, &errs, "status", "open", "name", "Dana", "owner", NULL, NULL), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(schema_check_strings(&strict, &errs, "status", "lost", "note", "too long", "name", "", NULL),
			 ERR_INVAL);
	assert_int_equal(errs.count, 3);
	char one[256];
	assert_true(field_error_format(&errs, 0, one, sizeof one) >= 0);
	assert_string_equal(one, "status: open, response or closed");
	assert_true(field_error_format(&errs, 1, one, sizeof one) >= 0);
	assert_string_equal(one, "note: at most 5 characters");
	assert_true(field_error_format(&errs, 2, one, sizeof one) >= 0);
	assert_string_equal(one, "name: required");
	field_errors_done(&errs);
	/* Without a list, problems are still found, and only counted. */
	assert_int_equal(schema_check_strings(&strict, NULL, "name", NULL, NULL), ERR_INVAL);
	/* A string for a key of another type, or a key without a rule. */
	assert_int_equal(schema_check_strings(&strict, NULL, "held", "yes", NULL), ERR_INVAL);
	assert_int_equal(schema_check_strings(&strict, NULL, "nobody", "x", NULL), ERR_INVAL);
}

UNIT_TEST(rule_lookup_and_type_names)
{
	assert_ptr_equal(schema_rule(&strict, "held"), &rules[5]);
	assert_null(schema_rule(&strict, "colour"));
	assert_string_equal(field_type_name(FT_STRING), "string");
	assert_string_equal(field_type_name(FT_ID), "id");
	assert_string_equal(field_type_name(FT_ANY), "any");
	assert_string_equal(field_type_name((enum field_type)99), "?");
}

UNIT_TEST(format_prints_the_rules_on_one_line)
{
	static const char expected[] =
		"version:int! status:string(8){open|response|closed} note:string(5) name:string! team_id:id?"
		" held:bool at:time meta:object tags:array(2) extra:any owner:string! count:int";
	char out[512];
	assert_int_equal(schema_format(&strict, out, sizeof out), (int)strlen(expected));
	assert_string_equal(out, expected);
	/* Too small: cut, terminated, and the length it needed answered. */
	char small[10];
	assert_int_equal(schema_format(&strict, small, sizeof small), (int)strlen(expected));
	assert_string_equal(small, "version:i");

	static const struct field_rule none[] = {{NULL}};
	struct schema empty = {"empty", none, .open = false};
	assert_int_equal(schema_format(&empty, out, sizeof out), 0);
	assert_string_equal(out, "");
	empty.open = true;
	assert_int_equal(schema_format(&empty, out, sizeof out), 3);
	assert_string_equal(out, "...");
	static const struct field_rule one[] = {{"id", FT_ID, .required = true}, {NULL}};
	struct schema open = {"open", one, .open = true};
	assert_int_equal(schema_format(&open, out, sizeof out), 10);
	assert_string_equal(out, "id:id! ...");
}

int main(void)
{
	return unit_run("schema", NULL, NULL);
}
