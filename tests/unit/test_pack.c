/* Tests for model/pack: the shipped Connecticut pack loads and answers
 * look-ups, and every validation rule rejects a bad pack with the path of
 * the problem. Bad packs are the real pack with one thing changed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/json.h"
#include "model/pack.h"

/* ret_* must be left alone on failure: tests pass this and check it. */
static struct pack untouched;

/* --- Helpers ------------------------------------------------------------- */

static const char *ct_path(void)
{
	static char path[4096];
	const char *root = getenv("HARTLINE_SOURCE_ROOT");
	if (!root)
		fail_msg("HARTLINE_SOURCE_ROOT is not set");
	int n = snprintf(path, sizeof path, "%s/packs/connecticut.json", root);
	assert_true(n > 0 && (size_t)n < sizeof path);
	return path;
}

static json_t *ct_json(void)
{
	json_error_t e;
	json_t *root = json_load_file(ct_path(), JSON_REJECT_DUPLICATES, &e);
	if (!root)
		fail_msg("%s: line %d: %s", ct_path(), e.line, e.text);
	return root;
}

static struct pack *ct_pack(void)
{
	struct pack *p = NULL;
	char msg[512] = "";
	int r = pack_load_file(ct_path(), &p, msg, sizeof msg);
	if (r != 0)
		fail_msg("%s", msg);
	return p;
}

/* The value at a path such as "regions[2].offices[0].towns", or fail. */
static json_t *at(json_t *root, const char *path)
{
	json_t *v = root;
	const char *s = path;
	while (*s) {
		if (*s == '.')
			s++;
		if (*s == '[') {
			char *end;
			unsigned long i = strtoul(s + 1, &end, 10);
			assert_true(*end == ']');
			v = json_array_get(v, i);
			s = end + 1;
		} else {
			size_t n = strcspn(s, ".[");
			char key[64];
			assert_true(n < sizeof key);
			memcpy(key, s, n);
			key[n] = '\0';
			v = json_object_get(v, key);
			s += n;
		}
		if (!v)
			fail_msg("no value at %s", path);
	}
	return v;
}

static void set(json_t *root, const char *path, const char *key, json_t *value)
{
	assert_int_equal(json_object_set_new(at(root, path), key, value), 0);
}

static void del(json_t *root, const char *path, const char *key)
{
	assert_int_equal(json_object_del(at(root, path), key), 0);
}

static bool has_error(const struct field_errors *fe, const char *field, const char *reason)
{
	size_t i;
	json_t *e;
	json_array_foreach (fe->list, i, e)
		if (strcmp(json_get_str(e, "field"), field) == 0 &&
		    strcmp(json_get_str(e, "reason"), reason) == 0)
			return true;
	return false;
}

static void print_errors(const struct field_errors *fe)
{
	char line[600];
	for (size_t i = 0; i < fe->count && field_error_format(fe, i, line, sizeof line) == 0; i++)
		print_error("  %s\n", line);
}

/* pack_from_json(root) must fail with ERR_INVAL, leave ret alone and
 * report field: reason among its errors. Takes root. */
static void assert_rejected(json_t *root, const char *field, const char *reason)
{
	struct field_errors fe;
	struct pack *p = &untouched;
	field_errors_init(&fe, 0);
	int r = pack_from_json(root, &fe, &p);
	bool found = has_error(&fe, field, reason);
	if (r != ERR_INVAL || !found) {
		print_error("expected %s: %s, got %d and:\n", field, reason, r);
		print_errors(&fe);
	}
	assert_int_equal(r, ERR_INVAL);
	assert_ptr_equal(p, &untouched);
	assert_true(found);
	field_errors_done(&fe);
	json_decref(root);
}

/* pack_from_json(root) must succeed. Takes root; returns the pack. */
static struct pack *assert_accepted(json_t *root)
{
	struct field_errors fe;
	struct pack *p = NULL;
	field_errors_init(&fe, 0);
	int r = pack_from_json(root, &fe, &p);
	if (r != 0)
		print_errors(&fe);
	assert_int_equal(r, 0);
	assert_non_null(p);
	field_errors_done(&fe);
	json_decref(root);
	return p;
}

/* The one-line message of loading root as "x.json". Takes root. */
static void assert_message(json_t *root, const char *expected)
{
	char *text = json_dumps(root, JSON_ENCODE_ANY);
	assert_non_null(text);
	struct pack *p = &untouched;
	char msg[512] = "";
	int r = pack_load_buffer("x.json", text, strlen(text), &p, msg, sizeof msg);
	assert_int_equal(r, ERR_INVAL);
	assert_ptr_equal(p, &untouched);
	assert_string_equal(msg, expected);
	free(text);
	json_decref(root);
}

/* A new file under /tmp holding text; path receives its name. */
static void write_temp(char path[64], const char *text)
{
	int n = snprintf(path, 64, "/tmp/test_pack_XXXXXX");
	assert_true(n > 0 && n < 64);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* --- The shipped pack ---------------------------------------------------- */

static void loads_the_connecticut_pack(void **state)
{
	struct pack *p = ct_pack();
	assert_string_equal(p->id, "connecticut");
	assert_string_equal(p->short_name, "CT DCF");
	assert_string_equal(p->jurisdiction, "Connecticut");
	assert_string_equal(p->time_zone, "America/New_York");
	assert_string_equal(p->hotline_name, "Careline");
	assert_string_equal(p->hotline_phone, "1-800-842-2288");
	assert_int_equal(p->n_regions, 6);
	const char *ids[] = {"R1", "R2", "R3", "R4", "R5", "R6"};
	const size_t offices[] = {2, 2, 3, 2, 3, 2};
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(p->regions[i].id, ids[i]);
		assert_int_equal(p->regions[i].n_offices, offices[i]);
	}
	assert_true(p->n_sources >= 12);
	assert_true(p->n_vulnerabilities >= 12);
	assert_true(p->n_trafficking_types >= 7);
	assert_int_equal(p->n_services, 8);
	pack_free(p);
}

static void places_each_area_office_in_its_region(void **state)
{
	static const struct {
		const char *office, *region;
	} want[] = {
		{"bridgeport", "R1"},  {"norwalk", "R1"},    {"milford", "R2"},     {"new_haven", "R2"},
		{"middletown", "R3"},  {"norwich", "R3"},    {"willimantic", "R3"}, {"hartford", "R4"},
		{"manchester", "R4"},  {"danbury", "R5"},    {"torrington", "R5"},  {"waterbury", "R5"},
		{"meriden", "R6"},     {"new_britain", "R6"},
	};
	struct pack *p = ct_pack();
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const struct pack_office *o = pack_office(p, want[i].office);
		assert_non_null(o);
		assert_string_equal(o->region, want[i].region);
		const struct pack_region *r = pack_region(p, want[i].region);
		assert_non_null(r);
		assert_true(o >= r->offices && o < r->offices + r->n_offices);
	}
	assert_null(pack_office(p, "stamford"));
	assert_null(pack_region(p, "R7"));
	assert_null(pack_region(p, "r1"));
	pack_free(p);
}

static void maps_each_of_the_169_towns_to_one_office(void **state)
{
	struct pack *p = ct_pack();
	size_t total = 0;
	for (size_t i = 0; i < p->n_regions; i++)
		for (size_t j = 0; j < p->regions[i].n_offices; j++) {
			const struct pack_office *o = &p->regions[i].offices[j];
			for (size_t k = 0; k < o->n_towns; k++)
				assert_ptr_equal(pack_office_for_town(p, o->towns[k]), o);
			total += o->n_towns;
		}
	assert_int_equal(total, 169);
	pack_free(p);
}

static void finds_the_office_for_a_town_ignoring_case_and_spaces(void **state)
{
	struct pack *p = ct_pack();
	const struct pack_office *o = pack_office_for_town(p, "  new haven ");
	assert_non_null(o);
	assert_string_equal(o->id, "new_haven");
	assert_string_equal(pack_office_for_town(p, "HARTFORD")->id, "hartford");
	assert_string_equal(pack_office_for_town(p, "West Hartford")->id, "hartford");
	assert_string_equal(pack_office_for_town(p, "East Hartford")->id, "manchester");
	assert_string_equal(pack_office_for_town(p, "stamford")->id, "norwalk");
	assert_string_equal(pack_office_for_town(p, "Windham")->id, "willimantic");
	assert_null(pack_office_for_town(p, "Hart"));
	assert_null(pack_office_for_town(p, "Springfield"));
	assert_null(pack_office_for_town(p, "   "));
	assert_null(pack_office_for_town(p, NULL));
	pack_free(p);
}

static void finds_deadlines_and_items_by_id(void **state)
{
	struct pack *p = ct_pack();
	const struct pack_deadline *d = pack_deadline(p, "law_enforcement_report");
	assert_non_null(d);
	assert_int_equal(d->minutes, 1440);
	assert_string_equal(d->basis, "42 USC 671(a)(34)(A)");
	static const char *const required[] = {"missing_law_enforcement_report", "missing_ncmec_report",
					       "return_debrief", "return_rescreen", "intake_disposition"};
	for (size_t i = 0; i < sizeof required / sizeof *required; i++)
		assert_non_null(pack_deadline(p, required[i]));
	assert_int_equal(pack_deadline(p, "reminder_before")->minutes, 120);
	assert_int_equal(pack_deadline(p, "rapid_response_target")->minutes, 120);
	assert_null(pack_deadline(p, "no_such_deadline"));

	const struct pack_item *it = pack_item_find(p->sources, p->n_sources, "ems");
	assert_non_null(it);
	assert_null(it->description);
	assert_non_null(pack_item_find(p->vulnerabilities, p->n_vulnerabilities, "runaway_awol"));
	assert_non_null(pack_item_find(p->trafficking_types, p->n_trafficking_types, "familial"));
	assert_string_equal(pack_item_find(p->services, p->n_services, "not_a_number")->name,
			    "Not a #Number");
	assert_null(pack_item_find(p->services, p->n_services, "ems"));
	assert_null(pack_item_find(NULL, 0, "ems"));
	pack_free(p);
}

static void keeps_its_own_reference_to_the_document(void **state)
{
	json_t *root = ct_json();
	struct pack *p = NULL;
	assert_int_equal(pack_from_json(root, NULL, &p), 0);
	json_decref(root);
	assert_string_equal(p->name, "Connecticut Department of Children and Families");
	assert_string_equal(pack_office_for_town(p, "Norwich")->name, "Norwich");
	pack_free(p);
	pack_free(NULL);
}

static void accepts_utc_and_a_pack_without_hotline_notes_or_descriptions(void **state)
{
	json_t *root = ct_json();
	set(root, "pack", "time_zone", json_string("UTC"));
	del(root, "pack", "hotline");
	del(root, "pack", "notes");
	del(root, "vulnerabilities[0]", "description");
	del(root, "deadlines[0]", "basis");
	struct pack *p = assert_accepted(root);
	assert_null(p->hotline_name);
	assert_null(p->hotline_phone);
	assert_null(p->vulnerabilities[0].description);
	assert_null(p->deadlines[0].basis);
	pack_free(p);
}

/* --- The document as a whole --------------------------------------------- */

static void rejects_a_document_that_is_not_an_object(void **state)
{
	assert_rejected(json_string("pack"), "", "must be a JSON object");
	assert_rejected(NULL, "", "must be a JSON object");
	assert_message(json_pack("[s]", "pack"), "x.json: must be a JSON object");
}

static void rejects_a_pack_missing_a_required_section(void **state)
{
	static const char *const sections[] = {"pack",      "regions",           "referral_sources",
					       "vulnerabilities", "trafficking_types", "services",
					       "deadlines"};
	for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
		json_t *root = ct_json();
		del(root, "", sections[i]);
		assert_rejected(root, sections[i], "required");
	}
	json_t *root = ct_json();
	set(root, "", "services", json_object());
	assert_rejected(root, "services", "must be an array");
}

static void rejects_unknown_keys_at_every_level(void **state)
{
	static const char *const where[][2] = {
		{"", "colour"},
		{"pack", "colour"},
		{"pack.hotline", "fax"},
		{"regions[0]", "colour"},
		{"regions[2].offices[1]", "colour"},
		{"referral_sources[0]", "colour"},
		{"services[7]", "colour"},
		{"deadlines[0]", "colour"},
	};
	for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
		json_t *root = ct_json();
		set(root, where[i][0], where[i][1], json_true());
		char field[128];
		int n = snprintf(field, sizeof field, "%s%s%s", where[i][0], where[i][0][0] ? "." : "",
				 where[i][1]);
		assert_true(n > 0 && (size_t)n < sizeof field);
		assert_rejected(root, field, "unknown key");
	}
	json_t *root = ct_json();
	set(root, "regions[0]", "colour", json_true());
	assert_message(root, "x.json: regions[0].colour: unknown key");
}

static void rejects_missing_empty_and_mistyped_strings(void **state)
{
	json_t *root = ct_json();
	set(root, "pack", "name", json_string(""));
	assert_rejected(root, "pack.name", "must not be empty");

	root = ct_json();
	set(root, "pack", "version", json_string("   "));
	assert_rejected(root, "pack.version", "must not be empty");

	root = ct_json();
	del(root, "regions[3]", "name");
	assert_rejected(root, "regions[3].name", "required");

	root = ct_json();
	set(root, "services[2]", "name", json_integer(5));
	assert_rejected(root, "services[2].name", "must be a string");

	root = ct_json();
	set(root, "vulnerabilities[1]", "description", json_string(""));
	assert_rejected(root, "vulnerabilities[1].description", "must not be empty");

	root = ct_json();
	set(root, "pack", "notes", json_null());
	assert_rejected(root, "pack.notes", "must be a string");

	root = ct_json();
	set(root, "trafficking_types[0]", "name", json_stringn("Third\0party", 11));
	assert_rejected(root, "trafficking_types[0].name", "must not contain NUL characters");

	root = ct_json();
	set(root, "regions[1].offices[0]", "towns", json_string("Milford"));
	assert_rejected(root, "regions[1].offices[0].towns", "must be an array");
}

static void rejects_list_entries_that_are_not_objects(void **state)
{
	json_t *root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "regions"), 3, json_string("R4")), 0);
	assert_rejected(root, "regions[3]", "must be an object");

	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "regions[2].offices"), 1, json_string("norwich")), 0);
	assert_rejected(root, "regions[2].offices[1]", "must be an object");

	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "referral_sources"), 1, json_integer(1)), 0);
	assert_rejected(root, "referral_sources[1]", "must be an object");

	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "deadlines"), 7, json_null()), 0);
	assert_rejected(root, "deadlines[7]", "must be an object");
}

static void rejects_a_malformed_hotline(void **state)
{
	json_t *root = ct_json();
	set(root, "pack", "hotline", json_string("1-800-842-2288"));
	assert_rejected(root, "pack.hotline", "must be an object");

	root = ct_json();
	del(root, "pack.hotline", "phone");
	assert_rejected(root, "pack.hotline.phone", "required");
}

/* --- Ids ----------------------------------------------------------------- */

static void rejects_ids_that_are_not_lower_snake_case(void **state)
{
	static const char *const bad[] = {"Ems", "1ems", "_ems", "ems-team", "e ms",
					  "a23456789012345678901234567890123456789012345678901234567890123465"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *root = ct_json();
		set(root, "referral_sources[2]", "id", json_string(bad[i]));
		char reason[200];
		int n = snprintf(reason, sizeof reason,
				 "invalid id \"%s\": use a-z, 0-9 and _, starting with a letter, at most 64",
				 bad[i]);
		assert_true(n > 0 && (size_t)n < sizeof reason);
		assert_rejected(root, "referral_sources[2].id", reason);
	}
	json_t *root = ct_json();
	set(root, "regions[0].offices[0]", "id", json_string("Bridgeport"));
	assert_rejected(root, "regions[0].offices[0].id",
			"invalid id \"Bridgeport\": use a-z, 0-9 and _, starting with a letter, at most 64");

	root = ct_json();
	set(root, "pack", "id", json_string("CT"));
	assert_rejected(root, "pack.id",
			"invalid id \"CT\": use a-z, 0-9 and _, starting with a letter, at most 64");

	/* 64 characters is the most an id may have. */
	root = ct_json();
	set(root, "referral_sources[2]", "id",
	    json_string("a234567890123456789012345678901234567890123456789012345678901234"));
	pack_free(assert_accepted(root));
}

static void rejects_a_region_id_that_is_not_a_short_code(void **state)
{
	json_t *root = ct_json();
	set(root, "regions[0]", "id", json_string("Region One"));
	assert_rejected(root, "regions[0].id",
			"invalid region id \"Region One\": use 1 to 16 of A-Z, a-z, 0-9, _ and -");

	root = ct_json();
	set(root, "regions[0]", "id", json_string("R1234567890123456"));
	assert_rejected(root, "regions[0].id",
			"invalid region id \"R1234567890123456\": use 1 to 16 of A-Z, a-z, 0-9, _ and -");
}

static void rejects_duplicate_ids_in_a_list(void **state)
{
	json_t *root = ct_json();
	set(root, "referral_sources[3]", "id", json_string("ems"));
	assert_rejected(root, "referral_sources[3].id", "duplicate id \"ems\"");

	root = ct_json();
	set(root, "deadlines[7]", "id", json_string("return_debrief"));
	assert_rejected(root, "deadlines[7].id", "duplicate id \"return_debrief\"");

	root = ct_json();
	set(root, "regions[5]", "id", json_string("R1"));
	assert_rejected(root, "regions[5].id", "duplicate id \"R1\"");
}

static void rejects_an_office_id_used_in_two_regions(void **state)
{
	json_t *root = ct_json();
	set(root, "regions[1].offices[0]", "id", json_string("bridgeport"));
	assert_rejected(root, "regions[1].offices[0].id",
			"duplicate id \"bridgeport\" (also regions[0].offices[0])");
}

/* --- Regions and offices ------------------------------------------------- */

static void rejects_an_office_naming_an_unknown_region(void **state)
{
	json_t *root = ct_json();
	set(root, "regions[2].offices[0]", "region", json_string("R7"));
	assert_rejected(root, "regions[2].offices[0].region", "unknown region \"R7\"");

	root = ct_json();
	set(root, "regions[2].offices[0]", "region", json_string("R7"));
	assert_message(root, "x.json: regions[2].offices[0].region: unknown region \"R7\"");
}

static void rejects_an_office_listed_under_another_region(void **state)
{
	json_t *root = ct_json();
	set(root, "regions[1].offices[0]", "region", json_string("R3"));
	assert_rejected(root, "regions[1].offices[0].region", "office is listed under R2 but names R3");
}

static void rejects_a_pack_without_regions_or_a_region_without_offices(void **state)
{
	json_t *root = ct_json();
	set(root, "", "regions", json_array());
	assert_rejected(root, "regions", "must list at least one region");

	root = ct_json();
	set(root, "regions[4]", "offices", json_array());
	assert_rejected(root, "regions[4].offices", "must list at least one office");

	root = ct_json();
	del(root, "regions[4]", "offices");
	assert_rejected(root, "regions[4].offices", "required");
}

static void rejects_a_town_served_by_two_offices(void **state)
{
	json_t *root = ct_json();
	/* Fairfield is Bridgeport's; give it to Norwalk as well. */
	assert_int_equal(json_array_append_new(at(root, "regions[0].offices[1].towns"), json_string("Fairfield")),
			 0);
	assert_rejected(root, "regions[0].offices[1].towns[8]",
			"town \"Fairfield\" is listed under both \"bridgeport\" and \"norwalk\"");

	/* Case and surrounding spaces do not make it another town. */
	root = ct_json();
	assert_int_equal(json_array_append_new(at(root, "regions[5].offices[1].towns"), json_string("  HARTFORD ")),
			 0);
	assert_rejected(root, "regions[5].offices[1].towns[12]",
			"town \"  HARTFORD \" is listed under both \"hartford\" and \"new_britain\"");

	root = ct_json();
	assert_int_equal(json_array_append_new(at(root, "regions[0].offices[0].towns"), json_string("easton")), 0);
	assert_rejected(root, "regions[0].offices[0].towns[6]",
			"town \"easton\" is listed twice in office \"bridgeport\"");
}

static void rejects_an_empty_town(void **state)
{
	json_t *root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "regions[0].offices[0].towns"), 2, json_string(" ")), 0);
	assert_rejected(root, "regions[0].offices[0].towns[2]", "must be a non-empty string");

	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "regions[0].offices[0].towns"), 3, json_integer(3)), 0);
	assert_rejected(root, "regions[0].offices[0].towns[3]", "must be a non-empty string");
}

/* --- Deadlines and time zone --------------------------------------------- */

static void rejects_deadline_minutes_that_are_not_1_to_525600(void **state)
{
	json_t *bad[] = {json_integer(0),    json_integer(-5),         json_integer(525601),
			 json_real(1440.5),  json_string("1440"),      json_null()};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *root = ct_json();
		set(root, "deadlines[2]", "minutes", bad[i]);
		assert_rejected(root, "deadlines[2].minutes", "must be an integer from 1 to 525600");
	}
	json_t *root = ct_json();
	del(root, "deadlines[2]", "minutes");
	assert_rejected(root, "deadlines[2].minutes", "required");

	root = ct_json();
	set(root, "deadlines[0]", "minutes", json_integer(1));
	set(root, "deadlines[1]", "minutes", json_integer(525600));
	struct pack *p = assert_accepted(root);
	assert_int_equal(pack_deadline(p, "law_enforcement_report")->minutes, 1);
	assert_int_equal(pack_deadline(p, "missing_law_enforcement_report")->minutes, 525600);
	pack_free(p);
}

static void rejects_a_pack_missing_a_required_deadline(void **state)
{
	json_t *root = ct_json();
	assert_string_equal(json_string_value(at(root, "deadlines[4].id")), "return_rescreen");
	assert_int_equal(json_array_remove(at(root, "deadlines"), 4), 0);
	assert_rejected(root, "deadlines", "missing deadline \"return_rescreen\"");

	root = ct_json();
	assert_int_equal(json_array_clear(at(root, "deadlines")), 0);
	assert_rejected(root, "deadlines", "missing deadline \"intake_disposition\"");

	/* Optional deadlines may go. */
	root = ct_json();
	assert_string_equal(json_string_value(at(root, "deadlines[7].id")), "rapid_response_target");
	assert_int_equal(json_array_remove(at(root, "deadlines"), 7), 0);
	pack_free(assert_accepted(root));
}

static void rejects_an_unknown_time_zone(void **state)
{
	struct stat st;
	if (stat("/usr/share/zoneinfo", &st) != 0)
		skip();
	json_t *root = ct_json();
	set(root, "pack", "time_zone", json_string("Mars/Olympus"));
	assert_rejected(root, "pack.time_zone", "unknown time zone \"Mars/Olympus\"");

	/* A directory of zones is not a zone. */
	root = ct_json();
	set(root, "pack", "time_zone", json_string("America"));
	assert_rejected(root, "pack.time_zone", "unknown time zone \"America\"");

	root = ct_json();
	set(root, "pack", "time_zone", json_string("Europe/Berlin"));
	pack_free(assert_accepted(root));
}

static void rejects_a_malformed_time_zone(void **state)
{
	static const char *const bad[] = {"../../etc/passwd", "America/New York", "America/", "/UTC",
					  "1America/New_York", "America//New_York"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *root = ct_json();
		set(root, "pack", "time_zone", json_string(bad[i]));
		char reason[128];
		int n = snprintf(reason, sizeof reason, "invalid time zone \"%s\"", bad[i]);
		assert_true(n > 0 && (size_t)n < sizeof reason);
		assert_rejected(root, "pack.time_zone", reason);
	}
}

/* --- Reporting ----------------------------------------------------------- */

static void reports_every_error_not_only_the_first(void **state)
{
	json_t *root = ct_json();
	set(root, "pack", "time_zone", json_string("Not A Zone"));
	set(root, "regions[2].offices[0]", "region", json_string("R7"));
	set(root, "referral_sources[3]", "id", json_string("ems"));
	set(root, "deadlines[0]", "minutes", json_integer(0));
	assert_int_equal(json_array_remove(at(root, "deadlines"), 5), 0);

	struct field_errors fe;
	struct pack *p = &untouched;
	field_errors_init(&fe, 0);
	assert_int_equal(pack_from_json(root, &fe, &p), ERR_INVAL);
	assert_ptr_equal(p, &untouched);
	if (fe.count != 5)
		print_errors(&fe);
	assert_int_equal(fe.count, 5);
	assert_true(has_error(&fe, "pack.time_zone", "invalid time zone \"Not A Zone\""));
	assert_true(has_error(&fe, "regions[2].offices[0].region", "unknown region \"R7\""));
	assert_true(has_error(&fe, "referral_sources[3].id", "duplicate id \"ems\""));
	assert_true(has_error(&fe, "deadlines[0].minutes", "must be an integer from 1 to 525600"));
	assert_true(has_error(&fe, "deadlines", "missing deadline \"intake_disposition\""));
	field_errors_done(&fe);

	assert_message(root, "x.json: pack.time_zone: invalid time zone \"Not A Zone\" (and 4 more)");
}

static void loads_a_pack_from_a_file(void **state)
{
	json_t *root = ct_json();
	char *text = json_dumps(root, JSON_INDENT(2));
	assert_non_null(text);
	char path[64];
	write_temp(path, text);
	struct pack *p = NULL;
	char msg[256] = "";
	assert_int_equal(pack_load_file(path, &p, msg, sizeof msg), 0);
	assert_string_equal(pack_office_for_town(p, "Torrington")->region, "R5");
	pack_free(p);
	unlink(path);
	free(text);
	json_decref(root);
}

static void names_the_file_and_path_of_an_invalid_pack(void **state)
{
	json_t *root = ct_json();
	set(root, "regions[2].offices[0]", "region", json_string("R7"));
	char *text = json_dumps(root, JSON_INDENT(2));
	assert_non_null(text);
	char path[64];
	write_temp(path, text);
	struct pack *p = &untouched;
	char msg[256] = "", want[256];
	assert_int_equal(pack_load_file(path, &p, msg, sizeof msg), ERR_INVAL);
	assert_ptr_equal(p, &untouched);
	int n = snprintf(want, sizeof want, "%s: regions[2].offices[0].region: unknown region \"R7\"", path);
	assert_true(n > 0 && (size_t)n < sizeof want);
	assert_string_equal(msg, want);
	unlink(path);
	free(text);
	json_decref(root);
}

static void reports_a_parse_error_with_its_line_and_column(void **state)
{
	char path[64];
	write_temp(path, "{\n  \"pack\": {\n    \"id\": \"x\",\n  }\n}\n");
	struct pack *p = &untouched;
	char msg[256] = "", want[128];
	assert_int_equal(pack_load_file(path, &p, msg, sizeof msg), ERR_PARSE);
	assert_ptr_equal(p, &untouched);
	int n = snprintf(want, sizeof want, "%s: line 4, column 3: ", path);
	assert_true(n > 0 && (size_t)n < sizeof want);
	if (strncmp(msg, want, strlen(want)) != 0)
		fail_msg("got \"%s\", want it to start with \"%s\"", msg, want);
	unlink(path);

	assert_int_equal(pack_load_buffer("x.json", "{\"pack\": ", 9, &p, msg, sizeof msg), ERR_PARSE);
	assert_ptr_equal(p, &untouched);
	assert_true(strncmp(msg, "x.json: line 1, column ", 23) == 0);
}

static void reports_a_missing_file(void **state)
{
	struct pack *p = &untouched;
	char msg[256] = "";
	assert_int_equal(pack_load_file("/tmp/test_pack_no_such_dir/x.json", &p, msg, sizeof msg), ERR_NOTFOUND);
	assert_ptr_equal(p, &untouched);
	assert_string_equal(msg, "/tmp/test_pack_no_such_dir/x.json: cannot read: no such file");
}

static void cuts_a_message_to_the_buffer_it_is_given(void **state)
{
	struct pack *p = &untouched;
	char msg[16];
	memset(msg, 'z', sizeof msg);
	assert_int_equal(pack_load_file("/tmp/test_pack_no_such_dir/x.json", &p, msg, sizeof msg), ERR_NOTFOUND);
	assert_int_equal(strlen(msg), sizeof msg - 1);
	assert_string_equal(msg + sizeof msg - 4, "...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_the_connecticut_pack),
		cmocka_unit_test(places_each_area_office_in_its_region),
		cmocka_unit_test(maps_each_of_the_169_towns_to_one_office),
		cmocka_unit_test(finds_the_office_for_a_town_ignoring_case_and_spaces),
		cmocka_unit_test(finds_deadlines_and_items_by_id),
		cmocka_unit_test(keeps_its_own_reference_to_the_document),
		cmocka_unit_test(accepts_utc_and_a_pack_without_hotline_notes_or_descriptions),
		cmocka_unit_test(rejects_a_document_that_is_not_an_object),
		cmocka_unit_test(rejects_a_pack_missing_a_required_section),
		cmocka_unit_test(rejects_unknown_keys_at_every_level),
		cmocka_unit_test(rejects_missing_empty_and_mistyped_strings),
		cmocka_unit_test(rejects_list_entries_that_are_not_objects),
		cmocka_unit_test(rejects_a_malformed_hotline),
		cmocka_unit_test(rejects_ids_that_are_not_lower_snake_case),
		cmocka_unit_test(rejects_a_region_id_that_is_not_a_short_code),
		cmocka_unit_test(rejects_duplicate_ids_in_a_list),
		cmocka_unit_test(rejects_an_office_id_used_in_two_regions),
		cmocka_unit_test(rejects_an_office_naming_an_unknown_region),
		cmocka_unit_test(rejects_an_office_listed_under_another_region),
		cmocka_unit_test(rejects_a_pack_without_regions_or_a_region_without_offices),
		cmocka_unit_test(rejects_a_town_served_by_two_offices),
		cmocka_unit_test(rejects_an_empty_town),
		cmocka_unit_test(rejects_deadline_minutes_that_are_not_1_to_525600),
		cmocka_unit_test(rejects_a_pack_missing_a_required_deadline),
		cmocka_unit_test(rejects_an_unknown_time_zone),
		cmocka_unit_test(rejects_a_malformed_time_zone),
		cmocka_unit_test(reports_every_error_not_only_the_first),
		cmocka_unit_test(loads_a_pack_from_a_file),
		cmocka_unit_test(names_the_file_and_path_of_an_invalid_pack),
		cmocka_unit_test(reports_a_parse_error_with_its_line_and_column),
		cmocka_unit_test(reports_a_missing_file),
		cmocka_unit_test(cuts_a_message_to_the_buffer_it_is_given),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
