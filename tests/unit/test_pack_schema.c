/* Tests that packs/schema.json and the pack loader name the same keys:
 * every object the schema describes holds exactly the keys the loader
 * takes at that path (model/pack/keys.c), and every object the loader
 * reads is described by the schema. The loader refuses any other key, so
 * a key added to one and not the other fails here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "model/pack.h"
#include "pack_test.h"

static json_t *load_schema(void)
{
	char path[4096];
	const char *root = getenv("HARTLINE_SOURCE_ROOT");
	if (!root)
		fail_msg("HARTLINE_SOURCE_ROOT is not set");
	int n = snprintf(path, sizeof path, "%s/packs/schema.json", root);
	assert_true(n > 0 && (size_t)n < sizeof path);
	json_error_t e;
	json_t *s = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	if (!s)
		fail_msg("%s: line %d: %s", path, e.line, e.text);
	return s;
}

/* node, or what its "$ref" (a "#/$defs/NAME") names. */
static const json_t *resolve(const json_t *schema, const json_t *node)
{
	const char *ref = json_string_value(json_object_get(node, "$ref"));
	if (!ref)
		return node;
	assert_true(strncmp(ref, "#/$defs/", 8) == 0);
	const json_t *def = json_object_get(json_object_get(schema, "$defs"), ref + 8);
	if (!def)
		fail_msg("schema: %s names no definition", ref);
	return def;
}

/* Into paths: {path: {key: true}} for every object the schema describes
 * under node, at path ("regions[].offices[]"); the branches of oneOf and
 * anyOf add to the same path. */
static void walk(const json_t *schema, const json_t *node, const char *path, json_t *paths)
{
	node = resolve(schema, node);
	const json_t *props = json_object_get(node, "properties");
	if (props) {
		json_t *keys = json_object_get(paths, path);
		if (!keys) {
			keys = json_object();
			assert_int_equal(json_object_set_new(paths, path, keys), 0);
		}
		const char *key;
		json_t *sub;
		json_object_foreach ((json_t *)props, key, sub) {
			assert_int_equal(json_object_set_new(keys, key, json_true()), 0);
			char p[512];
			int n = snprintf(p, sizeof p, "%s%s%s", path, path[0] ? "." : "", key);
			assert_true(n > 0 && (size_t)n < sizeof p);
			walk(schema, sub, p, paths);
		}
		/* An object the loader takes no other key of. */
		assert_true(json_is_false(json_object_get(node, "additionalProperties")));
	}
	const json_t *items = json_object_get(node, "items");
	if (items) {
		char p[512];
		int n = snprintf(p, sizeof p, "%s[]", path);
		assert_true(n > 0 && (size_t)n < sizeof p);
		walk(schema, items, p, paths);
	}
	static const char *const branches[] = {"oneOf", "anyOf"};
	for (size_t b = 0; b < 2; b++) {
		size_t i;
		json_t *v;
		json_array_foreach (json_object_get(node, branches[b]), i, v)
			walk(schema, v, path, paths);
	}
}

/* The same map from the loader's table. */
static json_t *loader_paths(void)
{
	json_t *paths = json_object();
	size_t n;
	const struct pack_keyset *sets = pack_keysets(&n);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		char buf[1024];
		int len = snprintf(buf, sizeof buf, "%s", sets[i].paths);
		assert_true(len >= 0 && (size_t)len < sizeof buf);
		/* "" is the document itself; other entries are separated by spaces. */
		char *s = buf, *end;
		do {
			end = strchr(s, ' ');
			if (end)
				*end = '\0';
			json_t *keys = json_object_get(paths, s);
			if (!keys) {
				keys = json_object();
				assert_int_equal(json_object_set_new(paths, s, keys), 0);
			}
			for (const char *const *k = sets[i].keys; *k; k++)
				assert_int_equal(json_object_set_new(keys, *k, json_true()), 0);
			s = end ? end + 1 : NULL;
		} while (s);
	}
	return paths;
}

/* Every key of a at each path is in b at the same path; print each that
 * is not, and count them. */
static size_t missing(const json_t *a, const json_t *b, const char *a_name, const char *b_name)
{
	size_t count = 0;
	const char *path, *key;
	json_t *keys, *v;
	json_object_foreach ((json_t *)a, path, keys) {
		json_t *other = json_object_get(b, path);
		if (!other) {
			print_error("%s describes the object at \"%s\"; %s does not\n", a_name, path, b_name);
			count++;
			continue;
		}
		json_object_foreach (keys, key, v)
			if (!json_object_get(other, key)) {
				print_error("%s has %s%s%s; %s does not\n", a_name, path, path[0] ? "." : "", key, b_name);
				count++;
			}
	}
	return count;
}

UNIT_TEST(the_schema_and_the_loader_name_the_same_keys)
{
	json_t *schema = load_schema();
	assert_string_equal(json_string_value(json_object_get(schema, "$schema")),
			    "https://json-schema.org/draft/2020-12/schema");
	json_t *from_schema = json_object();
	walk(schema, schema, "", from_schema);
	json_t *from_loader = loader_paths();
	size_t bad = missing(from_schema, from_loader, "packs/schema.json", "the loader") +
		     missing(from_loader, from_schema, "the loader", "packs/schema.json");
	assert_int_equal(bad, 0);
	/* Not two empty maps agreeing: the document, its header and the
	 * offices of a region at least. */
	assert_non_null(json_object_get(json_object_get(from_schema, ""), "regions"));
	assert_non_null(json_object_get(json_object_get(from_schema, "regions[].offices[]"), "towns"));
	assert_non_null(json_object_get(json_object_get(from_schema, "pack.hotline"), "phone"));
	json_decref(from_schema);
	json_decref(from_loader);
	json_decref(schema);
}

/* The walk itself finds a key one side lacks. */
UNIT_TEST(a_key_on_one_side_only_is_found)
{
	json_t *schema = load_schema();
	json_t *from_schema = json_object();
	walk(schema, schema, "", from_schema);
	json_t *from_loader = loader_paths();
	json_object_set_new(json_object_get(from_schema, "regions[]"), "colour", json_true());
	json_object_del(json_object_get(from_loader, "cases"), "note_correction_hours");
	assert_int_equal(missing(from_schema, from_loader, "schema", "loader"), 2);
	json_decref(from_schema);
	json_decref(from_loader);
	json_decref(schema);
}

/* Every key the schema names is one the loader takes: a pack that holds
 * each optional object the schema describes loads (the shipped pack with
 * the optional sections it leaves out). */
UNIT_TEST(the_loader_takes_the_optional_sections_the_schema_describes)
{
	json_t *root = json_load_file(ct_path(), JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(root);
	assert_int_equal(json_object_set_new(root, "attachments", json_pack("{s:i}", "max_bytes", 1000)), 0);
	assert_int_equal(json_object_set_new(json_object_get(root, "pack"), "locale", json_string("en-GB")), 0);
	struct field_errors errs;
	field_errors_init(&errs, 0);
	struct pack *p = NULL;
	int r = pack_from_json(root, &errs, &p);
	if (r != 0)
		fail_msg("%s: %s", json_get_str(json_array_get(errs.list, 0), "field"),
			 json_get_str(json_array_get(errs.list, 0), "reason"));
	pack_free(p);
	field_errors_done(&errs);
	json_decref(root);
}

int main(void)
{
	return unit_run("pack_schema", NULL, NULL);
}
