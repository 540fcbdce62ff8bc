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

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "http/http.h"
#include "model/schema.h"

static const char *const statuses[] = {"open", "response", "closed", NULL};

static const struct field_rule rules[] = {
	{"version", FT_INT, .required = true},
	{"status", FT_STRING, .max_len = 8, .allowed = statuses},
	{"note", FT_STRING, .max_len = 5},
	{"name", FT_STRING, .required = true},
	{"team_id", FT_ID, .nullable = true},
	{"held", FT_BOOL, .required = false},
	{"at", FT_TIME, .required = false, .label = "Held at"},
	{"meta", FT_OBJECT, .required = false},
	{"tags", FT_ARRAY, .max_len = 2},
	{"extra", FT_ANY, .required = false},
	{"owner", FT_STRING, .required = true, .nullable = true},
	{"count", FT_INT, .reason = "enter the number of children"},
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
	assert_errors("{\"owner\": \"x\"}", "version: Version: required; fill it in; name: Name: required; fill it in");
	assert_errors("{\"version\": null, \"name\": \"\", \"owner\": \"x\"}", "version: Version: required; fill it in; name: Name: required; fill it in");
	/* Required and nullable: null is an answer, a missing key is not. */
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": null}", "");
	assert_errors("{\"version\": 1, \"name\": \"K\"}", "owner: Owner: required; fill it in");
}

UNIT_TEST(each_type_says_what_to_do)
{
	assert_errors("{\"version\": \"3\", \"name\": 5, \"owner\": \"x\", \"team_id\": 0, \"held\": 1,"
		      " \"at\": \"yesterday\", \"meta\": [], \"tags\": {}}",
		      "version: Version: enter a whole number; name: Name: type it as text;"
		      " team_id: Team: choose one from the list; held: Held: answer yes or no;"
		      " at: Held at: enter a date and a time;"
		      " meta: Meta: not filled in as the form sends it; reload the page and try again;"
		      " tags: Tags: not filled in as the form sends it; reload the page and try again");
	assert_errors("{\"version\": 1.5, \"name\": \"K\", \"owner\": \"x\", \"team_id\": \"4\"}",
		      "version: Version: enter a whole number; team_id: Team: choose one from the list");
	/* A rule may say better what to do. */
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"count\": \"two\"}",
		      "count: Count: enter the number of children");
}

UNIT_TEST(lengths_and_allowed_values_are_checked)
{
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"note\": \"123456\", \"tags\": [1, 2, 3]}",
		      "note: Note: at most 5 characters; shorten it by 1; tags: Tags: at most 2; remove 1");
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"status\": \"shut\"}",
		      "status: Status: not one of the choices; choose one from the list");
	/* The length is checked before the list, and "" is no value at all. */
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"status\": \"ninechars\"}",
		      "status: Status: at most 8 characters; shorten it by 1");
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"status\": \"\"}", "");
}

UNIT_TEST(unknown_keys_are_refused_unless_the_schema_is_open)
{
	assert_errors("{\"version\": 1, \"name\": \"K\", \"owner\": \"x\", \"colour\": \"red\"}",
		      "colour: Colour: not a field of this form; reload the page and try again");
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
	assert_errors("[1, 2]", ": The form was not sent whole; reload the page and try again");
	assert_errors("\"text\"", ": The form was not sent whole; reload the page and try again");
	assert_errors("null", ": The form was not sent whole; reload the page and try again");
}

UNIT_TEST(a_nul_inside_a_string_is_refused)
{
	assert_errors("{\"version\": 1, \"name\": \"Ka\\u0000tie\", \"owner\": \"x\"}",
		      "name: Name: holds a hidden character that cannot be stored; type the text again");
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
	assert_string_equal(one, "status: Status: not one of the choices; choose one from the list");
	assert_true(field_error_format(&errs, 1, one, sizeof one) >= 0);
	assert_string_equal(one, "note: Note: at most 5 characters; shorten it by 3");
	assert_true(field_error_format(&errs, 2, one, sizeof one) >= 0);
	assert_string_equal(one, "name: Name: required; fill it in");
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

/* ---- every message the checker can send, on every route ---- */

/* Words a person at a form should never read: type and format names, and
 * identifiers (a word with an underscore). "" when none; else the word. */
static const char *banned_word(const char *msg)
{
	static const char *const words[] = {"string", "integer", "boolean", "rfc", "iso", "json", "nul", "null",
					    "array", "object", "regex", "utf", "enum", "pack", "id", "ids", NULL};
	static char word[64];
	for (const char *p = msg; *p;) {
		if (!isalnum((unsigned char)*p) && *p != '_') {
			p++;
			continue;
		}
		size_t n = 0;
		bool under = false;
		while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n + 1 < sizeof word) {
			word[n] = (char)tolower((unsigned char)p[n]);
			under |= p[n] == '_';
			n++;
		}
		word[n] = '\0';
		p += n;
		if (under)
			return word;
		for (const char *const *w = words; *w; w++)
			if (strcmp(word, *w) == 0 || (strncmp(*w, "string", 6) == 0 && strcmp(word, "strings") == 0))
				return word;
		if (strchr(msg, '{') || strchr(msg, '}'))
			return "{";
	}
	return "";
}

/* Each message in errs begins with its field's name on the form, then
 * says what to do, in words free of banned_word. */
static size_t plain_failures;

#define plain_fail(...)                          \
	do {                                     \
		print_message(__VA_ARGS__);      \
		print_message("\n");            \
		plain_failures++;                \
	} while (0)

static void assert_plain(const struct schema *s, const char *route, struct field_errors *errs)
{
	for (size_t i = 0; i < errs->count && i < errs->max; i++) {
		json_t *e = json_array_get(errs->list, i);
		const char *field = json_string_value(json_object_get(e, "field"));
		const char *reason = json_string_value(json_object_get(e, "reason"));
		assert_non_null(reason);
		const char *bad = banned_word(reason);
		if (*bad)
			plain_fail("%s (%s) %s: \"%s\" says \"%s\"", route, s->name, field, reason, bad);
		const struct field_rule *f = field && *field ? schema_rule(s, field) : NULL;
		char label[96] = "";
		if (f)
			schema_label(f, label, sizeof label);
		else if (field && *field)
			field_key_words(field, label, sizeof label);
		size_t n = strlen(label);
		if (n && (strncmp(reason, label, n) != 0 || strncmp(reason + n, ": ", 2) != 0))
			plain_fail("%s %s: \"%s\" does not begin with \"%s: \"", route, field, reason, label);
		if (!isupper((unsigned char)reason[0]))
			plain_fail("%s %s: \"%s\" does not begin with a field's name", route, field, reason);
		if (strlen(reason) < n + 2 + 8)
			plain_fail("%s %s: \"%s\" does not say what to do", route, field, reason);
	}
}

/* Checks body against s and the messages it draws; the number of them. */
static size_t walk_one(const struct schema *s, const char *route, json_t *body)
{
	struct field_errors errs;
	field_errors_init(&errs, 64);
	(void)schema_check(s, body, &errs);
	assert_plain(s, route, &errs);
	size_t n = errs.count;
	field_errors_done(&errs);
	json_decref(body);
	return n;
}

/* A value of the wrong shape for f. */
static json_t *wrong_value(const struct field_rule *f)
{
	switch (f->type) {
	case FT_STRING:
	case FT_TIME:
		return json_integer(5);
	case FT_INT:
	case FT_ID:
	case FT_BOOL:
	case FT_ARRAY:
		return json_string("x");
	case FT_OBJECT:
		return json_array();
	case FT_ANY:
		break;
	}
	return NULL;
}

/* Every route's body, every field: the wrong shape, empty, null, too long,
 * too many, a hidden character, a value not in the list, a key the form
 * has not, and no object at all. */
UNIT_TEST(every_route_refuses_in_the_words_of_its_form)
{
	size_t messages = 0, schemas = 0;
	char route[200];
	for (size_t i = 0; i < http_routes_count; i++) {
		const struct http_route *r = &http_routes[i];
		const struct schema *s = r->body;
		if (!s)
			continue;
		schemas++;
		snprintf(route, sizeof route, "%s %s", r->method, r->pattern);
		messages += walk_one(s, route, json_array());
		messages += walk_one(s, route, json_pack("{s:s}", "no_such_field", "x"));
		messages += walk_one(s, route, json_object());
		for (const struct field_rule *f = s->fields; f->key; f++) {
			json_t *v = wrong_value(f);
			if (v)
				messages += walk_one(s, route, json_pack("{s:o}", f->key, v));
			messages += walk_one(s, route, json_pack("{s:n}", f->key));
			if (f->type == FT_STRING) {
				messages += walk_one(s, route, json_pack("{s:s}", f->key, ""));
				messages += walk_one(s, route, json_pack("{s:s%}", f->key, "a\0b", (size_t)3));
				messages += walk_one(s, route, json_pack("{s:s}", f->key, "not-a-choice-\xc3\xa9"));
			}
			if (f->max_len && f->type == FT_STRING) {
				char *longer = malloc(f->max_len + 2);
				assert_non_null(longer);
				memset(longer, 'a', f->max_len + 1);
				longer[f->max_len + 1] = '\0';
				messages += walk_one(s, route, json_pack("{s:s}", f->key, longer));
				free(longer);
			}
			if (f->max_len && f->type == FT_ARRAY) {
				json_t *a = json_array();
				for (size_t k = 0; k <= f->max_len; k++)
					json_array_append_new(a, json_integer(1));
				messages += walk_one(s, route, json_pack("{s:o}", f->key, a));
			}
		}
	}
	assert_true(schemas > 40);
	assert_true(messages > 500);
	assert_int_equal(plain_failures, 0);
}

int main(void)
{
	return unit_run("schema", NULL, NULL);
}
