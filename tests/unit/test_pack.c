/* Tests for model/pack: the shipped Connecticut pack loads and answers
 * look-ups, and every validation rule rejects a bad pack with the path of
 * the problem. Bad packs are the real pack with one thing changed. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/json.h"
#include "model/pack.h"
#include "pack_test.h"

/* ret_* must be left alone on failure: tests pass this and check it. */
static struct pack untouched;

/* --- Helpers ------------------------------------------------------------- */

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

/* assert_rejected with the field formatted from fmt. */
static void assert_rejected_at(json_t *root, const char *reason, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void assert_rejected_at(json_t *root, const char *reason, const char *fmt, ...)
{
	char field[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(field, sizeof field, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof field);
	assert_rejected(root, field, reason);
}

/* One change to the real pack: the value (JSON text) at path.key, or the
 * key deleted when json is NULL. */
struct edit {
	const char *path, *key, *json;
};

/* A bad pack, as up to three changes to the real one, and the error it
 * must be rejected with. */
struct rejection {
	struct edit edit[3];
	const char *field, *reason;
};

/* Each case, on a fresh copy of the real pack, as assert_rejected. */
static void assert_rejections(const struct rejection *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *root = ct_json();
		for (size_t k = 0; k < 3 && cases[i].edit[k].path; k++) {
			const struct edit *e = &cases[i].edit[k];
			if (!e->json) {
				del(root, e->path, e->key);
				continue;
			}
			json_error_t err;
			json_t *v = json_loads(e->json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
			if (!v)
				fail_msg("%s: %s", e->json, err.text);
			set(root, e->path, e->key, v);
		}
		assert_rejected(root, cases[i].field, cases[i].reason);
	}
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

UNIT_TEST(loads_the_connecticut_pack)
{
	struct pack *p = ct_pack();
	assert_string_equal(p->id, "connecticut");
	assert_string_equal(p->short_name, "CT DCF");
	assert_string_equal(p->jurisdiction, "Connecticut");
	assert_string_equal(p->time_zone, "America/New_York");
	assert_string_equal(p->locale, "en-US"); /* none named: the default */
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

UNIT_TEST(places_each_area_office_in_its_region)
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

UNIT_TEST(maps_each_of_the_169_towns_to_one_office)
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

UNIT_TEST(finds_the_office_for_a_town_ignoring_case_and_spaces)
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

UNIT_TEST(finds_deadlines_and_items_by_id)
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

UNIT_TEST(keeps_its_own_reference_to_the_document)
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

UNIT_TEST(accepts_utc_and_a_pack_without_hotline_notes_or_descriptions)
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

UNIT_TEST(loads_both_screening_instruments)
{
	struct pack *p = ct_pack();
	assert_int_equal(p->n_instruments, 2);
	assert_string_equal(p->default_screening, "indicator_screen");

	const struct pack_instrument *ind = pack_default_instrument(p);
	assert_non_null(ind);
	assert_ptr_equal(ind, pack_instrument(p, "indicator_screen"));
	assert_int_equal(ind->kind, PACK_INSTRUMENT_INDICATOR);
	assert_non_null(ind->version);
	assert_non_null(strstr(ind->description, "CSE-IT"));
	assert_non_null(strstr(ind->description, "licensed"));
	static const char *const domains[] = {"housing_caregiving",       "prior_abuse_trauma", "physical_health",
					      "environment_exposure",     "relationships_belongings",
					      "current_trafficking",      "coercion",           "exploitation"};
	assert_int_equal(ind->n_domains, sizeof domains / sizeof *domains);
	for (size_t i = 0; i < ind->n_domains; i++) {
		assert_string_equal(ind->domains[i].id, domains[i]);
		assert_true(ind->domains[i].n_indicators >= 2 && ind->domains[i].n_indicators <= 5);
		for (size_t j = 0; j < ind->domains[i].n_indicators; j++)
			assert_ptr_equal(pack_instrument_question(ind, ind->domains[i].indicators[j].id),
					 &ind->domains[i].indicators[j]);
	}
	assert_true(ind->n_rules >= 1);
	assert_int_equal(ind->rules[0].kind, PACK_RULE_CLEAR_IN_DOMAINS);
	assert_int_equal(ind->rules[0].level, PACK_RATING_CLEAR);
	assert_int_equal(ind->rules[0].count, 1);
	assert_int_equal(ind->rules[0].n_domains, 2);
	assert_string_equal(ind->rules[0].domains[0]->id, "current_trafficking");
	assert_string_equal(ind->rules[0].domains[1]->id, "exploitation");
	assert_null(ind->items);
	assert_string_equal(pack_instrument_question(ind, "runaway_history")->id, "runaway_history");
	assert_null(pack_instrument_question(ind, "ran_away"));

	const struct pack_instrument *ss = pack_instrument(p, "sscst");
	assert_non_null(ss);
	assert_int_equal(ss->kind, PACK_INSTRUMENT_YES_NO);
	assert_string_equal(ss->version, "2018");
	assert_int_equal(ss->n_items, 6);
	assert_int_equal(ss->positive_at, 2);
	assert_int_equal(ss->n_domains, 0);
	assert_non_null(strstr(ss->description, "Item wording: verify against the published instrument before use."));
	assert_ptr_equal(pack_instrument_question(ss, "ran_away"), &ss->items[1]);
	assert_null(pack_instrument_question(ss, "runaway_history"));
	assert_null(pack_instrument(p, "cse_it"));
	assert_null(pack_instrument(p, NULL));
	assert_null(pack_instrument_question(NULL, "ran_away"));
	pack_free(p);
}

UNIT_TEST(loads_dispositions_law_and_commercial_sex_concerns)
{
	struct pack *p = ct_pack();
	assert_int_equal(p->n_dispositions, 4);
	const struct pack_disposition *d = pack_disposition(p, "accepted_hart");
	assert_non_null(d);
	assert_string_equal(d->name, "Accepted for HART response");
	assert_false(d->reason_required);
	assert_false(d->jurisdiction_required);
	assert_string_equal(pack_disposition(p, "information_referral")->name, "Information and referral only");
	d = pack_disposition(p, "screened_out");
	assert_true(d->reason_required);
	assert_false(d->jurisdiction_required);
	d = pack_disposition(p, "forwarded");
	assert_string_equal(d->name, "Forwarded to another jurisdiction");
	assert_false(d->reason_required);
	assert_true(d->jurisdiction_required);
	assert_null(pack_disposition(p, "closed"));

	assert_int_equal(p->law.minor_age, 18);
	assert_non_null(strstr(p->law.victim_not_offender, "never an offender"));
	assert_int_equal(p->law.n_citations, 3);
	assert_string_equal(p->law.citations[0], "P.A. 16-71");
	assert_string_equal(p->law.citations[1], "P.A. 10-115");
	assert_string_equal(p->law.citations[2], "P.A. 14-186");

	assert_non_null(pack_item_find(p->vulnerabilities, p->n_vulnerabilities, "commercial_sex_involvement"));
	assert_non_null(pack_item_find(p->vulnerabilities, p->n_vulnerabilities, "detained_for_prostitution"));
	assert_int_equal(p->n_commercial_sex_concerns, 2);
	assert_true(pack_is_commercial_sex_concern(p, "commercial_sex_involvement"));
	assert_true(pack_is_commercial_sex_concern(p, "detained_for_prostitution"));
	assert_false(pack_is_commercial_sex_concern(p, "runaway_awol"));
	assert_false(pack_is_commercial_sex_concern(p, NULL));
	pack_free(p);
}

UNIT_TEST(names_and_parses_ratings)
{
	enum pack_rating r = PACK_RATING_NO;
	assert_string_equal(pack_rating_name(PACK_RATING_NO), "no");
	assert_string_equal(pack_rating_name(PACK_RATING_POSSIBLE), "possible");
	assert_string_equal(pack_rating_name(PACK_RATING_CLEAR), "clear");
	assert_null(pack_rating_name((enum pack_rating)7));
	assert_int_equal(pack_rating_from_name("clear", &r), 0);
	assert_int_equal(r, PACK_RATING_CLEAR);
	assert_int_equal(pack_rating_from_name("Clear", &r), ERR_INVAL);
	assert_int_equal(pack_rating_from_name(NULL, &r), ERR_INVAL);
	assert_int_equal(r, PACK_RATING_CLEAR);
}

/* --- The document as a whole --------------------------------------------- */

UNIT_TEST(rejects_a_document_that_is_not_an_object)
{
	assert_rejected(json_string("pack"), "", "must be a set of named values in braces { }");
	assert_rejected(NULL, "", "must be a set of named values in braces { }");
	assert_message(json_pack("[s]", "pack"), "x.json: must be a set of named values in braces { }");
}

UNIT_TEST(rejects_a_pack_missing_a_required_section)
{
	static const char *const sections[] = {"pack",         "regions",           "referral_sources",
					       "vulnerabilities", "trafficking_types", "services",
					       "deadlines",    "screening_instruments", "dispositions",
					       "law",          "commercial_sex_concerns", "mdt_roles",
					       "emergency_departments"};
	for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
		json_t *root = ct_json();
		del(root, "", sections[i]);
		assert_rejected(root, sections[i], "required");
	}
	json_t *root = ct_json();
	set(root, "", "services", json_object());
	assert_rejected(root, "services", "must be a list in brackets [ ]");
}

UNIT_TEST(rejects_unknown_keys_at_every_level)
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
		{"screening_instruments[0]", "colour"},
		{"screening_instruments[0].domains[3]", "colour"},
		{"screening_instruments[0].domains[3].indicators[1]", "colour"},
		{"screening_instruments[0].rules[0]", "colour"},
		{"screening_instruments[1]", "colour"},
		{"screening_instruments[1].items[5]", "colour"},
		/* Keys of one kind of instrument are unknown in the other. */
		{"screening_instruments[0]", "positive_at"},
		{"screening_instruments[1]", "rules"},
		{"dispositions[2]", "colour"},
		{"law", "colour"},
		{"law.victim_not_offender", "colour"},
		{"mdt_roles[0]", "colour"},
		{"emergency_departments[0]", "colour"},
		/* Only departments have a town, only roles are federal. */
		{"mdt_roles[1]", "town"},
		{"emergency_departments[1]", "federal"},
	};
	for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
		json_t *root = ct_json();
		set(root, where[i][0], where[i][1], json_true());
		assert_rejected_at(root, "unknown key", "%s%s%s", where[i][0], where[i][0][0] ? "." : "", where[i][1]);
	}
	json_t *root = ct_json();
	set(root, "regions[0]", "colour", json_true());
	assert_message(root, "x.json: regions[0].colour: unknown key");
}

UNIT_TEST(rejects_missing_empty_and_mistyped_strings)
{
	static const struct rejection cases[] = {
		{{{"pack", "name", "\"\""}}, "pack.name", "must not be empty"},
		{{{"pack", "version", "\"   \""}}, "pack.version", "must not be empty"},
		{{{"regions[3]", "name", NULL}}, "regions[3].name", "required"},
		{{{"services[2]", "name", "5"}}, "services[2].name", "must be text in quotes"},
		{{{"vulnerabilities[1]", "description", "\"\""}}, "vulnerabilities[1].description", "must not be empty"},
		{{{"pack", "notes", "null"}}, "pack.notes", "must be text in quotes"},
		{{{"trafficking_types[0]", "name", "\"Third\\u0000party\""}}, "trafficking_types[0].name", "must not contain NUL characters"},
		{{{"regions[1].offices[0]", "towns", "\"Milford\""}}, "regions[1].offices[0].towns", "must be a list in brackets [ ]"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

UNIT_TEST(rejects_list_entries_that_are_not_objects)
{
	json_t *root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "regions"), 3, json_string("R4")), 0);
	assert_rejected(root, "regions[3]", "must be a set of named values in braces { }");

	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "regions[2].offices"), 1, json_string("norwich")), 0);
	assert_rejected(root, "regions[2].offices[1]", "must be a set of named values in braces { }");

	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "referral_sources"), 1, json_integer(1)), 0);
	assert_rejected(root, "referral_sources[1]", "must be a set of named values in braces { }");

	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "deadlines"), 7, json_null()), 0);
	assert_rejected(root, "deadlines[7]", "must be a set of named values in braces { }");
}

UNIT_TEST(rejects_new_list_entries_that_are_not_objects)
{
	static const char *const lists[] = {
		"screening_instruments",
		"screening_instruments[0].domains",
		"screening_instruments[0].domains[1].indicators",
		"screening_instruments[0].rules",
		"screening_instruments[1].items",
		"dispositions",
	};
	for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
		json_t *root = ct_json();
		assert_int_equal(json_array_set_new(at(root, lists[i]), 1, json_string("x")), 0);
		assert_rejected_at(root, "must be a set of named values in braces { }", "%s[1]", lists[i]);
	}
}

UNIT_TEST(rejects_a_malformed_hotline)
{
	static const struct rejection cases[] = {
		{{{"pack", "hotline", "\"1-800-842-2288\""}}, "pack.hotline", "must be a set of named values in braces { }"},
		{{{"pack.hotline", "phone", NULL}}, "pack.hotline.phone", "required"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

/* --- Ids ----------------------------------------------------------------- */

UNIT_TEST(rejects_ids_that_are_not_lower_snake_case)
{
	static const struct rejection cases[] = {
		{{{"regions[0].offices[0]", "id", "\"Bridgeport\""}}, "regions[0].offices[0].id", "invalid id \"Bridgeport\": use a-z, 0-9 and _, starting with a letter, at most 64"},
		{{{"pack", "id", "\"CT\""}}, "pack.id", "invalid id \"CT\": use a-z, 0-9 and _, starting with a letter, at most 64"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

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
	/* 64 characters is the most an id may have. */
	json_t *root = ct_json();
	set(root, "referral_sources[2]", "id",
	    json_string("a234567890123456789012345678901234567890123456789012345678901234"));
	pack_free(assert_accepted(root));
}

UNIT_TEST(rejects_a_region_id_that_is_not_a_short_code)
{
	static const struct rejection cases[] = {
		{{{"regions[0]", "id", "\"Region One\""}}, "regions[0].id", "invalid region id \"Region One\": use 1 to 16 of A-Z, a-z, 0-9, _ and -"},
		{{{"regions[0]", "id", "\"R1234567890123456\""}}, "regions[0].id", "invalid region id \"R1234567890123456\": use 1 to 16 of A-Z, a-z, 0-9, _ and -"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

UNIT_TEST(rejects_duplicate_ids_in_a_list)
{
	static const struct rejection cases[] = {
		{{{"referral_sources[3]", "id", "\"ems\""}}, "referral_sources[3].id", "duplicate id \"ems\""},
		{{{"deadlines[7]", "id", "\"return_debrief\""}}, "deadlines[7].id", "duplicate id \"return_debrief\""},
		{{{"regions[5]", "id", "\"R1\""}}, "regions[5].id", "duplicate id \"R1\""},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

UNIT_TEST(rejects_an_office_id_used_in_two_regions)
{
	json_t *root = ct_json();
	set(root, "regions[1].offices[0]", "id", json_string("bridgeport"));
	assert_rejected(root, "regions[1].offices[0].id",
			"duplicate id \"bridgeport\" (also regions[0].offices[0])");
}

/* --- Regions and offices ------------------------------------------------- */

UNIT_TEST(rejects_an_office_naming_an_unknown_region)
{
	json_t *root = ct_json();
	set(root, "regions[2].offices[0]", "region", json_string("R7"));
	assert_rejected(root, "regions[2].offices[0].region", "unknown region \"R7\"");

	root = ct_json();
	set(root, "regions[2].offices[0]", "region", json_string("R7"));
	assert_message(root, "x.json: regions[2].offices[0].region: unknown region \"R7\"");
}

UNIT_TEST(rejects_an_office_listed_under_another_region)
{
	json_t *root = ct_json();
	set(root, "regions[1].offices[0]", "region", json_string("R3"));
	assert_rejected(root, "regions[1].offices[0].region", "office is listed under R2 but names R3");
}

UNIT_TEST(rejects_a_pack_without_regions_or_a_region_without_offices)
{
	static const struct rejection cases[] = {
		{{{"", "regions", "[]"}}, "regions", "must list at least one region"},
		{{{"regions[4]", "offices", "[]"}}, "regions[4].offices", "must list at least one office"},
		{{{"regions[4]", "offices", NULL}}, "regions[4].offices", "required"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

UNIT_TEST(rejects_a_town_served_by_two_offices)
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

UNIT_TEST(rejects_an_empty_town)
{
	json_t *root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "regions[0].offices[0].towns"), 2, json_string(" ")), 0);
	assert_rejected(root, "regions[0].offices[0].towns[2]", "must be text in quotes, not empty");

	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "regions[0].offices[0].towns"), 3, json_integer(3)), 0);
	assert_rejected(root, "regions[0].offices[0].towns[3]", "must be text in quotes, not empty");
}

/* --- Deadlines and time zone --------------------------------------------- */

UNIT_TEST(rejects_deadline_minutes_that_are_not_1_to_525600)
{
	json_t *bad[] = {json_integer(0),    json_integer(-5),         json_integer(525601),
			 json_real(1440.5),  json_string("1440"),      json_null()};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *root = ct_json();
		set(root, "deadlines[2]", "minutes", bad[i]);
		assert_rejected(root, "deadlines[2].minutes", "must be a whole number from 1 to 525600");
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

UNIT_TEST(rejects_a_pack_missing_a_required_deadline)
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

UNIT_TEST(rejects_an_unknown_time_zone)
{
	static const struct rejection cases[] = {
		{{{"pack", "time_zone", "\"Mars/Olympus\""}}, "pack.time_zone", "unknown time zone \"Mars/Olympus\""},
		{{{"pack", "time_zone", "\"America\""}}, "pack.time_zone", "unknown time zone \"America\""},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	struct stat st;
	if (stat("/usr/share/zoneinfo", &st) != 0)
		skip();
	/* A directory of zones is not a zone. */
	json_t *root = ct_json();
	set(root, "pack", "time_zone", json_string("Europe/Berlin"));
	pack_free(assert_accepted(root));
}

UNIT_TEST(takes_a_locale_and_rejects_a_malformed_one)
{
	static const char *const good[] = {"en-GB", "es-419", "zh-Hant-TW", "fr"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		json_t *root = ct_json();
		set(root, "pack", "locale", json_string(good[i]));
		struct pack *p = assert_accepted(root);
		assert_string_equal(p->locale, good[i]);
		pack_free(p);
	}
	static const char *const bad[] = {"e", "english", "en_US", "en-", "-US", "en--US", "en-U", "1n-US", "en-US!"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *root = ct_json();
		set(root, "pack", "locale", json_string(bad[i]));
		char reason[128];
		int n = snprintf(reason, sizeof reason, "invalid locale \"%s\": use a language tag such as en-US", bad[i]);
		assert_true(n > 0 && (size_t)n < sizeof reason);
		assert_rejected(root, "pack.locale", reason);
	}
}

UNIT_TEST(rejects_a_malformed_time_zone)
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

/* --- Screening instruments ----------------------------------------------- */

UNIT_TEST(rejects_a_missing_or_unknown_default_instrument)
{
	static const struct rejection cases[] = {
		{{{"pack", "default_screening", NULL}}, "pack.default_screening", "required"},
		{{{"pack", "default_screening", "\"cse_it\""}}, "pack.default_screening", "unknown screening instrument \"cse_it\""},
		{{{"", "screening_instruments", "[]"}}, "screening_instruments", "must list at least one instrument"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	/* The instrument it names is taken out of the pack. */
	json_t *root = ct_json();
	assert_int_equal(json_array_remove(at(root, "screening_instruments"), 0), 0);
	assert_rejected(root, "pack.default_screening", "unknown screening instrument \"indicator_screen\"");

	/* Either kind may be the default. */
	root = ct_json();
	set(root, "pack", "default_screening", json_string("sscst"));
	struct pack *p = assert_accepted(root);
	assert_ptr_equal(pack_default_instrument(p), pack_instrument(p, "sscst"));
	pack_free(p);
}

UNIT_TEST(rejects_an_unknown_or_missing_instrument_kind)
{
	static const struct rejection cases[] = {
		{{{"screening_instruments[1]", "kind", "\"checklist\""}}, "screening_instruments[1].kind", "must be \"indicator\" or \"yes_no\""},
		{{{"screening_instruments[0]", "kind", NULL}}, "screening_instruments[0].kind", "required"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	static const char *const required[] = {"id", "version", "name", "description"};
	for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
		json_t *root = ct_json();
		del(root, "screening_instruments[1]", required[i]);
		assert_rejected_at(root, "required", "screening_instruments[1].%s", required[i]);
	}
}

UNIT_TEST(rejects_an_unknown_key_in_an_indicator)
{
	static const struct rejection cases[] = {
		{{{"screening_instruments[0].domains[5].indicators[0]", "weight", "3"}}, "screening_instruments[0].domains[5].indicators[0].weight", "unknown key"},
		{{{"screening_instruments[0].domains[5].indicators[0]", "text", NULL}}, "screening_instruments[0].domains[5].indicators[0].text", "required"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	json_t *root = ct_json();
	set(root, "screening_instruments[0].domains[5].indicators[0]", "weight", json_integer(3));
	assert_message(root, "x.json: screening_instruments[0].domains[5].indicators[0].weight: unknown key");
}

UNIT_TEST(rejects_duplicate_instrument_domain_and_question_ids)
{
	static const struct rejection cases[] = {
		{{{"screening_instruments[1]", "id", "\"indicator_screen\""}}, "screening_instruments[1].id", "duplicate id \"indicator_screen\""},
		{{{"screening_instruments[0].domains[2]", "id", "\"housing_caregiving\""}}, "screening_instruments[0].domains[2].id", "duplicate id \"housing_caregiving\""},
		{{{"screening_instruments[0].domains[1].indicators[2]", "id", "\"runaway_history\""}}, "screening_instruments[0].domains[1].indicators[2].id", "duplicate id \"runaway_history\" (also screening_instruments[0].domains[0].indicators[0])"},
		{{{"screening_instruments[1].items[3]", "id", "\"ran_away\""}}, "screening_instruments[1].items[3].id", "duplicate id \"ran_away\""},
		{{{"screening_instruments[1].items[3]", "id", "\"STI\""}}, "screening_instruments[1].items[3].id", "invalid id \"STI\": use a-z, 0-9 and _, starting with a letter, at most 64"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	/* An answer names one indicator: ids are unique across domains. */
	/* The same id in two instruments is fine. */
	json_t *root = ct_json();
	set(root, "screening_instruments[1].items[1]", "id", json_string("runaway_history"));
	pack_free(assert_accepted(root));
}

UNIT_TEST(rejects_empty_domains_indicators_and_items)
{
	static const struct rejection cases[] = {
		{{{"screening_instruments[0]", "domains", "[]"}}, "screening_instruments[0].domains", "must list at least one domain"},
		{{{"screening_instruments[0].domains[4]", "indicators", "[]"}}, "screening_instruments[0].domains[4].indicators", "must list at least one indicator"},
		{{{"screening_instruments[1]", "items", "[]"}}, "screening_instruments[1].items", "must list at least one item"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

UNIT_TEST(rejects_ratings_other_than_no_possible_clear)
{
	json_t *bad[] = {json_pack("[sss]", "no", "clear", "possible"), json_pack("[ss]", "no", "possible"),
			 json_pack("[ssss]", "no", "possible", "clear", "certain"), json_string("no,possible,clear"),
			 json_pack("[sss%]", "no", "possible", "clear\0", (size_t)6)};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_non_null(bad[i]);
		json_t *root = ct_json();
		set(root, "screening_instruments[0]", "ratings", bad[i]);
		assert_rejected(root, "screening_instruments[0].ratings", "must be [\"no\", \"possible\", \"clear\"]");
	}
	json_t *root = ct_json();
	del(root, "screening_instruments[0]", "ratings");
	assert_rejected(root, "screening_instruments[0].ratings", "required");
}

UNIT_TEST(rejects_a_rule_naming_an_unknown_domain)
{
	json_t *root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "screening_instruments[0].rules[0].clear_in_domains"), 1,
					    json_string("trafficking")),
			 0);
	assert_rejected(root, "screening_instruments[0].rules[0].clear_in_domains[1]",
			"unknown domain \"trafficking\"");

	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "screening_instruments[0].rules[0].clear_in_domains"), 1,
					    json_string("current_trafficking")),
			 0);
	assert_rejected(root, "screening_instruments[0].rules[0].clear_in_domains[1]",
			"domain \"current_trafficking\" is listed twice");

	root = ct_json();
	assert_int_equal(
		json_array_set_new(at(root, "screening_instruments[0].rules[0].clear_in_domains"), 0, json_integer(1)),
		0);
	assert_rejected(root, "screening_instruments[0].rules[0].clear_in_domains[0]", "must be text in quotes, not empty");

	root = ct_json();
	set(root, "screening_instruments[0].rules[0]", "clear_in_domains", json_array());
	assert_rejected(root, "screening_instruments[0].rules[0].clear_in_domains", "must list at least one domain");
}

UNIT_TEST(rejects_a_rule_with_a_bad_level_or_form)
{
	static const struct rejection cases[] = {
		{{{"screening_instruments[0].rules[2]", "level", "\"maybe\""}}, "screening_instruments[0].rules[2].level", "must be \"no\", \"possible\" or \"clear\""},
		{{{"screening_instruments[0].rules[2]", "level", NULL}}, "screening_instruments[0].rules[2].level", "required"},
		{{{"screening_instruments[0].rules[2]", "clear_count", NULL}}, "screening_instruments[0].rules[2]", "needs one of clear_in_domains, clear_count or possible_count"},
		{{{"screening_instruments[0].rules[2]", "possible_count", "2"}}, "screening_instruments[0].rules[2]", "must have only one of clear_in_domains, clear_count and possible_count"},
		{{{"screening_instruments[0].rules[2]", "min", "2"}}, "screening_instruments[0].rules[2].min", "goes only with clear_in_domains"},
		{{{"screening_instruments[0].rules[0]", "min", NULL}}, "screening_instruments[0].rules[0].min", "required"},
		{{{"screening_instruments[0]", "rules", "[]"}}, "screening_instruments[0].rules", "must list at least one rule"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

UNIT_TEST(rejects_rule_counts_that_are_not_1_to_100)
{
	static const char *const where[][2] = {
		{"screening_instruments[0].rules[0]", "min"},
		{"screening_instruments[0].rules[2]", "clear_count"},
		{"screening_instruments[0].rules[3]", "possible_count"},
	};
	for (size_t w = 0; w < sizeof where / sizeof *where; w++) {
		json_t *bad[] = {json_integer(0), json_integer(-1), json_integer(101), json_real(1.5),
				 json_string("2"), json_null()};
		for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
			json_t *root = ct_json();
			set(root, where[w][0], where[w][1], bad[i]);
			assert_rejected_at(root, "must be a whole number from 1 to 100", "%s.%s", where[w][0], where[w][1]);
		}
	}
	json_t *root = ct_json();
	set(root, "screening_instruments[0].rules[2]", "clear_count", json_integer(100));
	set(root, "screening_instruments[0].rules[3]", "possible_count", json_integer(1));
	struct pack *p = assert_accepted(root);
	assert_int_equal(pack_default_instrument(p)->rules[2].count, 100);
	assert_int_equal(pack_default_instrument(p)->rules[3].kind, PACK_RULE_POSSIBLE_COUNT);
	pack_free(p);
}

UNIT_TEST(rejects_positive_at_out_of_range)
{
	json_t *bad[] = {json_integer(0), json_integer(7), json_integer(-2), json_real(2.0), json_string("2"),
			 json_true()};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *root = ct_json();
		set(root, "screening_instruments[1]", "positive_at", bad[i]);
		assert_rejected(root, "screening_instruments[1].positive_at", "must be a whole number from 1 to 6");
	}
	json_t *root = ct_json();
	del(root, "screening_instruments[1]", "positive_at");
	assert_rejected(root, "screening_instruments[1].positive_at", "required");

	/* The range follows the number of items. */
	root = ct_json();
	assert_int_equal(json_array_remove(at(root, "screening_instruments[1].items"), 5), 0);
	set(root, "screening_instruments[1]", "positive_at", json_integer(6));
	assert_rejected(root, "screening_instruments[1].positive_at", "must be a whole number from 1 to 5");

	for (int n = 1; n <= 6; n += 5) {
		root = ct_json();
		set(root, "screening_instruments[1]", "positive_at", json_integer(n));
		struct pack *p = assert_accepted(root);
		assert_int_equal(pack_instrument(p, "sscst")->positive_at, n);
		pack_free(p);
	}
}

/* --- Dispositions, law, commercial-sex concerns -------------------------- */

UNIT_TEST(rejects_a_pack_missing_a_required_disposition)
{
	static const struct rejection cases[] = {
		{{{"dispositions[3]", "id", "\"screened_out\""}}, "dispositions[3].id", "duplicate id \"screened_out\""},
		{{{"dispositions[2]", "reason_required", "\"yes\""}}, "dispositions[2].reason_required", "must be true or false"},
		{{{"dispositions[3]", "jurisdiction_required", "1"}}, "dispositions[3].jurisdiction_required", "must be true or false"},
		{{{"dispositions[0]", "name", NULL}}, "dispositions[0].name", "required"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	static const char *const required[] = {"accepted_hart", "information_referral", "screened_out", "forwarded"};
	for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
		json_t *root = ct_json();
		char where[64], reason[64];
		int w = snprintf(where, sizeof where, "dispositions[%zu].id", i);
		assert_true(w > 0 && (size_t)w < sizeof where);
		assert_string_equal(json_string_value(at(root, where)), required[i]);
		assert_int_equal(json_array_remove(at(root, "dispositions"), i), 0);
		int n = snprintf(reason, sizeof reason, "missing disposition \"%s\"", required[i]);
		assert_true(n > 0 && (size_t)n < sizeof reason);
		assert_rejected(root, "dispositions", reason);
	}

	/* Names are the agency's; more dispositions may be added. */
	json_t *root = ct_json();
	set(root, "dispositions[1]", "name", json_string("I&R"));
	assert_int_equal(json_array_append_new(at(root, "dispositions"),
					       json_pack("{s:s, s:s, s:b}", "id", "duplicate_report", "name",
							 "Duplicate of an open report", "reason_required", 1)),
			 0);
	struct pack *p = assert_accepted(root);
	assert_string_equal(pack_disposition(p, "information_referral")->name, "I&R");
	assert_true(pack_disposition(p, "duplicate_report")->reason_required);
	pack_free(p);
}

UNIT_TEST(rejects_a_minor_age_out_of_range)
{
	json_t *bad[] = {json_integer(0), json_integer(26), json_integer(-18), json_real(17.5), json_string("18")};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *root = ct_json();
		set(root, "law", "minor_age", bad[i]);
		assert_rejected(root, "law.minor_age", "must be a whole number from 1 to 25");
	}
	json_t *root = ct_json();
	del(root, "law", "minor_age");
	assert_rejected(root, "law.minor_age", "required");

	for (int age = 1; age <= 25; age += 24) {
		root = ct_json();
		set(root, "law", "minor_age", json_integer(age));
		struct pack *p = assert_accepted(root);
		assert_int_equal(p->law.minor_age, age);
		pack_free(p);
	}
}

UNIT_TEST(rejects_a_malformed_victim_not_offender_notice)
{
	static const struct rejection cases[] = {
		{{{"law", "victim_not_offender", NULL}}, "law.victim_not_offender", "required"},
		{{{"law.victim_not_offender", "text", "\" \""}}, "law.victim_not_offender.text", "must not be empty"},
		{{{"law.victim_not_offender", "citations", "\"P.A. 16-71\""}}, "law.victim_not_offender.citations", "must be a list in brackets [ ]"},
		{{{"", "law", "[]"}}, "law", "must be a set of named values in braces { }"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	json_t *root = ct_json();
	assert_int_equal(json_array_append_new(at(root, "law.victim_not_offender.citations"), json_string("")), 0);
	assert_rejected(root, "law.victim_not_offender.citations[3]", "must be text in quotes, not empty");
}

UNIT_TEST(rejects_a_commercial_sex_concern_naming_an_unknown_vulnerability)
{
	json_t *root = ct_json();
	assert_int_equal(json_array_append_new(at(root, "commercial_sex_concerns"), json_string("sex_work")), 0);
	assert_rejected(root, "commercial_sex_concerns[2]", "unknown vulnerability \"sex_work\"");

	/* A trafficking type is not a vulnerability. */
	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "commercial_sex_concerns"), 0, json_string("survival_sex")), 0);
	assert_rejected(root, "commercial_sex_concerns[0]", "unknown vulnerability \"survival_sex\"");

	root = ct_json();
	assert_int_equal(json_array_append_new(at(root, "commercial_sex_concerns"),
					       json_string("detained_for_prostitution")),
			 0);
	assert_rejected(root, "commercial_sex_concerns[2]",
			"vulnerability \"detained_for_prostitution\" is listed twice");

	root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "commercial_sex_concerns"), 1, json_null()), 0);
	assert_rejected(root, "commercial_sex_concerns[1]", "must be text in quotes, not empty");

	root = ct_json();
	set(root, "", "commercial_sex_concerns", json_array());
	assert_rejected(root, "commercial_sex_concerns", "must list at least one vulnerability");

	/* Any vulnerability may be one. */
	root = ct_json();
	assert_int_equal(json_array_append_new(at(root, "commercial_sex_concerns"), json_string("older_partner")), 0);
	struct pack *p = assert_accepted(root);
	assert_true(pack_is_commercial_sex_concern(p, "older_partner"));
	pack_free(p);
}

/* --- MDT roles, emergency departments, the re-screen instrument ---------- */

UNIT_TEST(loads_mdt_roles_with_the_federal_partners_marked)
{
	struct pack *p = ct_pack();
	static const char *const state_roles[] = {"states_attorney",       "dcf",          "law_enforcement",
						  "health_care",           "youth_services_bureau", "mental_health",
						  "forensic_interviewer",  "victim_advocate"};
	static const char *const federal[] = {"fbi", "hsi", "us_attorney"};
	assert_int_equal(p->n_mdt_roles, 11);
	for (size_t i = 0; i < sizeof state_roles / sizeof *state_roles; i++) {
		const struct pack_item *r = pack_item_find(p->mdt_roles, p->n_mdt_roles, state_roles[i]);
		assert_non_null(r);
		assert_false(r->federal);
	}
	for (size_t i = 0; i < sizeof federal / sizeof *federal; i++) {
		const struct pack_item *r = pack_item_find(p->mdt_roles, p->n_mdt_roles, federal[i]);
		assert_non_null(r);
		assert_true(r->federal);
	}
	assert_string_equal(pack_item_find(p->mdt_roles, p->n_mdt_roles, "states_attorney")->name,
			    "State's Attorney");
	assert_null(pack_item_find(p->mdt_roles, p->n_mdt_roles, "ems"));
	pack_free(p);
}

UNIT_TEST(loads_emergency_departments_each_in_a_region_that_serves_its_town)
{
	struct pack *p = ct_pack();
	assert_true(p->n_emergency_departments >= 5);
	for (size_t i = 0; i < p->n_emergency_departments; i++) {
		const struct pack_item *d = &p->emergency_departments[i];
		assert_non_null(d->town);
		assert_non_null(pack_region(p, d->region));
		const struct pack_office *o = pack_office_for_town(p, d->town);
		assert_non_null(o);
		assert_string_equal(o->region, d->region);
		assert_false(d->federal);
	}
	const struct pack_item *d =
		pack_item_find(p->emergency_departments, p->n_emergency_departments, "yale_new_haven_hospital");
	assert_non_null(d);
	assert_string_equal(d->town, "New Haven");
	assert_string_equal(d->region, "R2");
	/* The pack says the list is not the designated one. */
	assert_non_null(strstr(json_string_value(at(p->root, "pack.notes")), "must be verified locally"));
	pack_free(p);
}

UNIT_TEST(names_the_rescreen_instrument_or_falls_back_to_the_default)
{
	static const struct rejection cases[] = {
		{{{"pack", "rescreen_instrument", "\"cse_it\""}}, "pack.rescreen_instrument", "unknown screening instrument \"cse_it\""},
		{{{"pack", "rescreen_instrument", "\"\""}}, "pack.rescreen_instrument", "must not be empty"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	struct pack *p = ct_pack();
	assert_string_equal(p->rescreen_instrument, "sscst");
	assert_ptr_equal(pack_rescreen_instrument(p), pack_instrument(p, "sscst"));
	pack_free(p);
	assert_null(pack_rescreen_instrument(NULL));

	json_t *root = ct_json();
	del(root, "pack", "rescreen_instrument");
	p = assert_accepted(root);
	assert_null(p->rescreen_instrument);
	assert_ptr_equal(pack_rescreen_instrument(p), pack_default_instrument(p));
	pack_free(p);

	/* The instrument it names is taken out of the pack. */
	root = ct_json();
	assert_string_equal(json_string_value(at(root, "screening_instruments[1].id")), "sscst");
	assert_int_equal(json_array_remove(at(root, "screening_instruments"), 1), 0);
	assert_rejected(root, "pack.rescreen_instrument", "unknown screening instrument \"sscst\"");
}

UNIT_TEST(rejects_bad_mdt_roles)
{
	static const struct rejection cases[] = {
		{{{"mdt_roles[9]", "id", "\"fbi\""}}, "mdt_roles[9].id", "duplicate id \"fbi\""},
		{{{"mdt_roles[2]", "id", "\"Law Enforcement\""}}, "mdt_roles[2].id", "invalid id \"Law Enforcement\": use a-z, 0-9 and _, starting with a letter, at most 64"},
		{{{"mdt_roles[0]", "name", NULL}}, "mdt_roles[0].name", "required"},
		{{{"mdt_roles[8]", "federal", "\"yes\""}}, "mdt_roles[8].federal", "must be true or false"},
		{{{"", "mdt_roles", "[]"}}, "mdt_roles", "must list at least one entry"},
		{{{"", "mdt_roles", "{}"}}, "mdt_roles", "must be a list in brackets [ ]"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	json_t *root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "mdt_roles"), 1, json_string("dcf")), 0);
	assert_rejected(root, "mdt_roles[1]", "must be a set of named values in braces { }");
}

UNIT_TEST(maps_typed_gender_identity_to_a_category_only)
{
	struct pack *p = ct_pack();
	static const struct {
		const char *typed, *id;
	} cases[] = {
		{"Female", "female"},          {"  girl ", "female"},         {"NON-BINARY", "non_binary"},
		{"non binary", "non_binary"},  {"Trans  Girl", "transgender_female"},
		{"transgender_male", "transgender_male"}, {"xyzzy", "another_identity"},
		{"two-spirit", "another_identity"},     {"femalex", "another_identity"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct pack_gender *g = pack_gender_of(p, cases[i].typed);
		assert_non_null(g);
		assert_string_equal(g->id, cases[i].id);
	}
	assert_null(pack_gender_of(p, NULL));
	assert_null(pack_gender_of(p, "   "));
	/* Longer than any category word: still a category, never its text. */
	char long_text[300];
	memset(long_text, 'a', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	assert_string_equal(pack_gender_of(p, long_text)->id, "another_identity");
	pack_free(p);

	/* A pack without the list gets the built-in one, with an other. */
	json_t *root = ct_json();
	del(root, "", "gender_identities");
	p = assert_accepted(root);
	assert_true(p->n_genders >= 2);
	assert_string_equal(pack_gender_of(p, "xyzzy")->id, "another_identity");
	assert_string_equal(pack_gender_of(p, "boy")->id, "male");
	pack_free(p);
}

UNIT_TEST(rejects_bad_gender_categories)
{
	static const struct rejection cases[] = {
		{{{"gender_identities[6]", "other", NULL}}, "gender_identities", "one category needs \"other\": true: free text that falls in no category counts there"},
		{{{"gender_identities[0]", "other", "true"}}, "gender_identities[6].other", "only one category may be the other one"},
		{{{"gender_identities[2]", "id", "\"female\""}}, "gender_identities[2].id", "duplicate id \"female\""},
		{{{"gender_identities[4]", "colour", "\"x\""}}, "gender_identities[4].colour", "unknown key"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	json_t *root = ct_json();
	assert_int_equal(json_array_append_new(at(root, "gender_identities[1].matches"), json_string("Girl")), 0);
	assert_rejected(root, "gender_identities[1].matches[6]",
			"\"Girl\" also names gender_identities[0].matches[0]: a typed value must fall in one category only");

	root = ct_json();
	set(root, "gender_identities[3]", "matches", json_pack("[i]", 3));
	assert_rejected(root, "gender_identities[3].matches[0]", "must be text in quotes");

	root = ct_json();
	set(root, "", "gender_identities", json_pack("[{s:s, s:s, s:b}]", "id", "x", "name", "X", "other", 1));
	assert_rejected(root, "gender_identities",
			"must list at least two categories, one of them with \"other\": true");
}

UNIT_TEST(rejects_bad_emergency_departments)
{
	static const struct rejection cases[] = {
		{{{"emergency_departments[1]", "id", "\"bridgeport_hospital\""}}, "emergency_departments[1].id", "duplicate id \"bridgeport_hospital\""},
		{{{"emergency_departments[0]", "region", "\"R7\""}}, "emergency_departments[0].region", "unknown region \"R7\""},
		{{{"emergency_departments[2]", "town", NULL}}, "emergency_departments[2].town", "required"},
		{{{"emergency_departments[2]", "region", NULL}}, "emergency_departments[2].region", "required"},
		{{{"emergency_departments[3]", "town", "3"}}, "emergency_departments[3].town", "must be text in quotes"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);

	json_t *root = ct_json();
	assert_int_equal(json_array_set_new(at(root, "emergency_departments"), 0, json_null()), 0);
	assert_rejected(root, "emergency_departments[0]", "must be a set of named values in braces { }");

	/* An agency may not have designated any yet. */
	root = ct_json();
	set(root, "", "emergency_departments", json_array());
	struct pack *p = assert_accepted(root);
	assert_int_equal(p->n_emergency_departments, 0);
	assert_null(pack_item_find(p->emergency_departments, p->n_emergency_departments, "danbury_hospital"));
	pack_free(p);
}

/* --- Reporting ----------------------------------------------------------- */

UNIT_TEST(reports_every_error_not_only_the_first)
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
	assert_true(has_error(&fe, "deadlines[0].minutes", "must be a whole number from 1 to 525600"));
	assert_true(has_error(&fe, "deadlines", "missing deadline \"intake_disposition\""));
	field_errors_done(&fe);

	assert_message(root, "x.json: pack.time_zone: invalid time zone \"Not A Zone\" (and 4 more)");
}

/* --- Missing, null and mistyped values ---------------------------------- */

/* Every list of the pack whose entries have an id, by an entry's path. */
static const char *const id_lists[] = {
	"regions[0]",
	"regions[0].offices[0]",
	"referral_sources[0]",
	"vulnerabilities[0]",
	"trafficking_types[0]",
	"services[0]",
	"deadlines[0]",
	"screening_instruments[0]",
	"screening_instruments[0].domains[0]",
	"screening_instruments[0].domains[0].indicators[0]",
	"screening_instruments[1]",
	"screening_instruments[1].items[0]",
	"dispositions[0]",
	"mdt_roles[0]",
	"emergency_departments[0]",
	"emergency_departments[1]",
	"age_groups[0]",
};

/* An entry whose id is missing, null, a number, an object or a list is
 * rejected with the id's path; the entries that name it (offices naming a
 * region, emergency departments naming a region) are not a crash either. */
UNIT_TEST(rejects_a_missing_null_or_mistyped_id_in_every_list)
{
	for (size_t i = 0; i < sizeof id_lists / sizeof *id_lists; i++) {
		char field[128];
		int n = snprintf(field, sizeof field, "%s.id", id_lists[i]);
		assert_true(n > 0 && (size_t)n < sizeof field);

		json_t *root = ct_json();
		del(root, id_lists[i], "id");
		assert_rejected(root, field, "required");

		json_t *wrong[] = {json_null(), json_integer(5), json_object(), json_array(), json_true()};
		for (size_t k = 0; k < sizeof wrong / sizeof *wrong; k++) {
			root = ct_json();
			set(root, id_lists[i], "id", wrong[k]);
			assert_rejected(root, field, "must be text in quotes");
		}
	}
}

/* The reproduction of the crash: regions[0] without an id, checked through
 * the file loader as `hartline pack check` does, lists every problem. */
UNIT_TEST(lists_every_problem_of_a_region_without_an_id)
{
	json_t *root = ct_json();
	del(root, "regions[0]", "id");
	char *text = json_dumps(root, JSON_INDENT(2));
	assert_non_null(text);
	char path[64];
	write_temp(path, text);
	struct field_errors fe;
	field_errors_init(&fe, 0);
	struct pack *p = &untouched;
	char msg[512] = "";
	assert_int_equal(pack_check_file(path, &fe, &p, msg, sizeof msg), ERR_INVAL);
	assert_ptr_equal(p, &untouched);
	assert_true(has_error(&fe, "regions[0].id", "required"));
	/* Its offices and the emergency departments in it name "R1", which is
	 * no region now. */
	assert_true(has_error(&fe, "regions[0].offices[0].region", "unknown region \"R1\""));
	assert_true(has_error(&fe, "emergency_departments[0].region", "unknown region \"R1\""));
	assert_true(fe.count > 2);
	char expected[128];
	int n = snprintf(expected, sizeof expected, "%s: regions[0].id: required (and %zu more)", path, fe.count - 1);
	assert_true(n > 0 && (size_t)n < sizeof expected);
	assert_string_equal(msg, expected);
	field_errors_done(&fe);
	unlink(path);
	free(text);
	json_decref(root);
}

/* Look-ups on a pack whose entries have no id (as during validation) skip
 * them instead of comparing NULL. */
UNIT_TEST(look_ups_skip_entries_without_an_id)
{
	struct pack *p = ct_pack();
	const char *region = p->regions[0].id, *office = p->regions[0].offices[0].id, *deadline = p->deadlines[0].id;
	p->regions[0].id = NULL;
	p->regions[0].offices[0].id = NULL;
	p->deadlines[0].id = NULL;
	assert_null(pack_region(p, region));
	assert_non_null(pack_region(p, p->regions[1].id));
	assert_null(pack_office(p, office));
	assert_non_null(pack_office(p, p->regions[0].offices[1].id));
	assert_null(pack_deadline(p, deadline));
	assert_non_null(pack_deadline(p, p->deadlines[1].id));
	pack_free(p);
}

/* Whether a is b or a path inside b. */
static bool path_within(const char *a, const char *b)
{
	size_t n = strlen(b);
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '.' || a[n] == '[');
}

/* Whether some error's field is path, inside it, or holds it (a list of
 * fixed words is reported as a whole). */
static bool has_error_on(const struct field_errors *fe, const char *path)
{
	size_t i;
	json_t *e;
	json_array_foreach (fe->list, i, e) {
		const char *f = json_get_str(e, "field");
		if (f[0] && (path_within(f, path) || path_within(path, f)))
			return true;
	}
	return false;
}

/* Validate root after one change at path: accepted, or rejected with a
 * problem on its branch: at path, inside it or at what holds it (with anywhere, a problem anywhere: a
 * well-formed but different value, such as a region's id or an empty list
 * of vulnerabilities, shows where it is used). Never a crash (the sanitizers watch). */
static void check_mutant(json_t *root, const char *path, bool anywhere)
{
	struct field_errors fe;
	struct pack *p = NULL;
	field_errors_init(&fe, 0);
	int r = pack_from_json(root, &fe, &p);
	if (r == 0) {
		pack_free(p);
	} else {
		bool named = anywhere ? fe.count > 0 : has_error_on(&fe, path);
		if (r != ERR_INVAL || !named) {
			print_error("after changing %s: %d and:\n", path, r);
			print_errors(&fe);
		}
		assert_int_equal(r, ERR_INVAL);
		assert_true(named);
	}
	field_errors_done(&fe);
}

static void mutate_everywhere(json_t *root, json_t *node, const char *path);

/* Replace the value in slot (of an object at key, or an array at index)
 * with each wrong kind in turn, and remove it, checking each result. */
static void mutate_slot(json_t *root, json_t *parent, const char *key, size_t index, const char *path)
{
	json_t *orig = json_incref(key ? json_object_get(parent, key) : json_array_get(parent, index));
	json_t *wrong[] = {json_null(), json_integer(-5), json_real(1.5), json_string(""), json_string("x"),
			   json_true(), json_array(), json_object()};
	for (size_t k = 0; k < sizeof wrong / sizeof *wrong; k++) {
		if (json_equal(wrong[k], orig)) {
			json_decref(wrong[k]);
			continue;
		}
		if (key)
			assert_int_equal(json_object_set_new(parent, key, wrong[k]), 0);
		else
			assert_int_equal(json_array_set_new(parent, index, wrong[k]), 0);
		/* An age group's max may be null: "and over". */
		bool well_formed = (json_is_string(wrong[k]) && json_string_length(wrong[k]) > 0) ||
				   (json_is_array(wrong[k]) && json_is_array(orig)) ||
				   (json_is_null(wrong[k]) && key && strcmp(key, "max") == 0);
		check_mutant(root, path, well_formed);
	}
	if (key) {
		assert_int_equal(json_object_del(parent, key), 0);
		/* A missing optional key is fine; a missing required one is
		 * reported at its path. */
		struct field_errors fe;
		struct pack *p = NULL;
		field_errors_init(&fe, 0);
		if (pack_from_json(root, &fe, &p) == 0)
			pack_free(p);
		field_errors_done(&fe);
		assert_int_equal(json_object_set(parent, key, orig), 0);
	} else {
		assert_int_equal(json_array_set(parent, index, orig), 0);
	}
	mutate_everywhere(root, orig, path);
	json_decref(orig);
}

/* Every key of every object, and the first two entries of every list. */
static void mutate_everywhere(json_t *root, json_t *node, const char *path)
{
	char p[256];
	if (json_is_object(node)) {
		/* Keys are copied: setting a key's value may not move others,
		 * but deleting and re-adding one changes the order. */
		json_t *keys = json_array();
		const char *key;
		json_t *v;
		json_object_foreach (node, key, v)
			assert_int_equal(json_array_append_new(keys, json_string(key)), 0);
		size_t i;
		json_array_foreach (keys, i, v) {
			const char *k = json_string_value(v);
			int n = snprintf(p, sizeof p, "%s%s%s", path, path[0] ? "." : "", k);
			assert_true(n > 0 && (size_t)n < sizeof p);
			mutate_slot(root, node, k, 0, p);
		}
		json_decref(keys);
	} else if (json_is_array(node)) {
		for (size_t i = 0; i < json_array_size(node) && i < 2; i++) {
			int n = snprintf(p, sizeof p, "%s[%zu]", path, i);
			assert_true(n > 0 && (size_t)n < sizeof p);
			mutate_slot(root, node, NULL, i, p);
		}
	}
}

/* Anything anywhere missing, null or of the wrong type: a problem with its
 * path, never a crash. */
UNIT_TEST(any_value_anywhere_missing_or_mistyped_is_a_problem_not_a_crash)
{
	json_t *root = ct_json();
	mutate_everywhere(root, root, "");
	json_decref(root);
}

UNIT_TEST(loads_a_pack_from_a_file)
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

UNIT_TEST(names_the_file_and_path_of_an_invalid_pack)
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

UNIT_TEST(reports_a_parse_error_with_its_line_and_column)
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

UNIT_TEST(reports_a_missing_file)
{
	struct pack *p = &untouched;
	char msg[256] = "";
	assert_int_equal(pack_load_file("/tmp/test_pack_no_such_dir/x.json", &p, msg, sizeof msg), ERR_NOTFOUND);
	assert_ptr_equal(p, &untouched);
	assert_string_equal(msg, "/tmp/test_pack_no_such_dir/x.json: cannot read: no such file");
}

UNIT_TEST(cuts_a_message_to_the_buffer_it_is_given)
{
	struct pack *p = &untouched;
	char msg[16];
	memset(msg, 'z', sizeof msg);
	assert_int_equal(pack_load_file("/tmp/test_pack_no_such_dir/x.json", &p, msg, sizeof msg), ERR_NOTFOUND);
	assert_int_equal(strlen(msg), sizeof msg - 1);
	assert_string_equal(msg + sizeof msg - 4, "...");
}

/* --- Figures: age groups and the suppression threshold ------------------ */

UNIT_TEST(loads_age_groups_and_finds_the_group_of_an_age)
{
	struct pack *p = ct_pack();
	assert_int_equal(p->n_age_groups, 5);
	assert_string_equal(p->age_groups[0].id, "age_0_11");
	assert_int_equal(p->age_groups[4].min, 18);
	assert_int_equal(p->age_groups[4].max, -1);
	assert_int_equal(p->suppression_threshold, 5);
	assert_string_equal(pack_age_group_of(p, 0)->id, "age_0_11");
	assert_string_equal(pack_age_group_of(p, 11)->id, "age_0_11");
	assert_string_equal(pack_age_group_of(p, 12)->id, "age_12_13");
	assert_string_equal(pack_age_group_of(p, 17)->id, "age_16_17");
	assert_string_equal(pack_age_group_of(p, 18)->id, "age_18_over");
	assert_string_equal(pack_age_group_of(p, 99)->id, "age_18_over");
	assert_null(pack_age_group_of(p, -1));
	pack_free(p);
}

UNIT_TEST(defaults_the_age_groups_and_threshold_when_absent)
{
	json_t *root = ct_json();
	del(root, "", "age_groups");
	del(root, "", "suppression_threshold");
	struct pack *p = assert_accepted(root);
	assert_int_equal(p->n_age_groups, 5);
	assert_string_equal(p->age_groups[1].name, "12-13");
	assert_int_equal(p->age_groups[3].max, 17);
	assert_int_equal(p->suppression_threshold, 5);
	pack_free(p);
}

UNIT_TEST(accepts_other_age_groups_with_a_gap_and_a_threshold)
{
	json_t *root = ct_json();
	json_t *g = json_pack("[{s:s, s:s, s:i, s:i}, {s:s, s:s, s:i, s:n}]", "id", "young", "name", "10-14", "min",
			      10, "max", 14, "id", "older", "name", "16+", "min", 16, "max");
	set(root, "", "age_groups", g);
	set(root, "", "suppression_threshold", json_integer(11));
	struct pack *p = assert_accepted(root);
	assert_int_equal(p->n_age_groups, 2);
	assert_int_equal(p->suppression_threshold, 11);
	assert_null(pack_age_group_of(p, 9));
	assert_null(pack_age_group_of(p, 15));
	assert_string_equal(pack_age_group_of(p, 16)->id, "older");
	pack_free(p);
}

UNIT_TEST(rejects_age_groups_out_of_order_or_overlapping)
{
	static const struct rejection cases[] = {
		{{{"age_groups[1]", "min", "11"}}, "age_groups[1].min", "must be above 11, the max of age_groups[0]: groups are in order and do not overlap"},
		{{{"age_groups[2]", "min", "5"}, {"age_groups[2]", "max", "6"}}, "age_groups[2].min", "must be above 13, the max of age_groups[1]: groups are in order and do not overlap"},
		{{{"age_groups[3]", "max", "null"}}, "age_groups[4].min", "age_groups[3] is open-ended (max null): no group may follow it"},
		{{{"age_groups[0]", "max", "-1"}}, "age_groups[0].max", "must be a whole number from 0 to 120, or null"},
		{{{"age_groups[1]", "max", "12"}, {"age_groups[1]", "min", "13"}}, "age_groups[1].max", "must not be below min (13)"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

UNIT_TEST(rejects_malformed_age_groups)
{
	static const struct rejection cases[] = {
		{{{"age_groups[0]", "max", NULL}}, "age_groups[0].max", "required: the oldest age in the group, or null for \"and over\""},
		{{{"age_groups[2]", "min", NULL}}, "age_groups[2].min", "required"},
		{{{"age_groups[2]", "min", "121"}}, "age_groups[2].min", "must be a whole number from 0 to 120"},
		{{{"age_groups[1]", "id", "\"age_0_11\""}}, "age_groups[1].id", "duplicate id \"age_0_11\""},
		{{{"age_groups[1]", "colour", "\"red\""}}, "age_groups[1].colour", "unknown key"},
		{{{"", "age_groups", "[]"}}, "age_groups", "must list at least one age group"},
		{{{"", "age_groups", "{}"}}, "age_groups", "must be a list in brackets [ ]"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

UNIT_TEST(rejects_a_suppression_threshold_outside_2_to_20)
{
	int64_t bad[] = {0, 1, 21};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *root = ct_json();
		set(root, "", "suppression_threshold", json_integer(bad[i]));
		assert_rejected(root, "suppression_threshold", "must be a whole number from 2 to 20");
	}
	json_t *root = ct_json();
	set(root, "", "suppression_threshold", json_string("5"));
	assert_rejected(root, "suppression_threshold", "must be a whole number from 2 to 20");

	root = ct_json();
	set(root, "", "suppression_threshold", json_integer(2));
	pack_free(assert_accepted(root));
	root = ct_json();
	set(root, "", "suppression_threshold", json_integer(20));
	pack_free(assert_accepted(root));
}

/* --- Attachments ------------------------------------------------------------ */

UNIT_TEST(attachments_are_capped_at_25_mb_unless_the_pack_says_otherwise)
{
	struct pack *p = assert_accepted(ct_json());
	assert_int_equal(p->attachments.max_bytes, 25 * 1024 * 1024);
	pack_free(p);
	json_t *root = ct_json();
	set(root, "", "attachments", json_pack("{s:i}", "max_bytes", 10 * 1024 * 1024));
	p = assert_accepted(root);
	assert_int_equal(p->attachments.max_bytes, 10 * 1024 * 1024);
	pack_free(p);
	root = ct_json();
	set(root, "", "attachments", json_object());
	p = assert_accepted(root);
	assert_int_equal(p->attachments.max_bytes, 25 * 1024 * 1024);
	pack_free(p);
}

UNIT_TEST(rejects_bad_attachment_settings)
{
	static const struct rejection cases[] = {
		{{{"", "attachments", "{\"max_bytes\": 0}"}}, "attachments.max_bytes", "must be a whole number from 1 to 1073741824"},
		{{{"", "attachments", "{\"max_bytes\": 1073741825}"}}, "attachments.max_bytes", "must be a whole number from 1 to 1073741824"},
		{{{"", "attachments", "{\"max_bytes\": \"25 MB\"}"}}, "attachments.max_bytes", "must be a whole number from 1 to 1073741824"},
		{{{"", "attachments", "{\"max_size\": 100}"}}, "attachments.max_size", "unknown key"},
		{{{"", "attachments", "26214400"}}, "attachments", "must be a set of named values such as {\"max_bytes\": 26214400}"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}

/* --- Restore and recovery -------------------------------------------------- */

UNIT_TEST(reads_the_recovery_settings)
{
	struct pack *p = ct_pack();
	assert_int_equal(p->recovery.n_populations, 3);
	assert_string_equal(p->recovery.populations[1].id, "boys");
	assert_int_equal(p->recovery.answer_business_days, 2);
	assert_int_equal(pack_answer_minutes(p, "survivor_care_rapid"), 240);
	assert_int_equal(pack_answer_minutes(p, "mentoring"), 0);
	assert_int_equal(pack_answer_minutes(p, NULL), 0);
	assert_true(pack_view_allows(p, PACK_VIEW_INITIALS));
	assert_true(pack_view_allows(p, PACK_VIEW_REASON));
	assert_false(pack_view_allows(p, PACK_VIEW_TOWN));
	assert_false(pack_view_allows(p, PACK_VIEW_COUNT));
	assert_string_equal(pack_view_name(PACK_VIEW_URGENCY), "urgency");
	assert_null(pack_view_name(PACK_VIEW_COUNT));
	assert_non_null(pack_item_find(p->recovery.decline_reasons, p->recovery.n_decline_reasons, "no_opening"));
	assert_non_null(pack_item_find(p->recovery.relief_offences, p->recovery.n_relief_offences, "prostitution"));
	assert_int_equal(p->recovery.plan_review_days, 90);
	assert_non_null(pack_item_find(p->recovery.closure_reasons, p->recovery.n_closure_reasons, "moved_out_of_state"));
	assert_non_null(pack_item_find(p->recovery.closure_reasons, p->recovery.n_closure_reasons, "other"));
	pack_free(p);
}

UNIT_TEST(recovery_settings_default_when_absent)
{
	json_t *root = ct_json();
	static const char *const keys[] = {"populations", "referral_answer", "provider_view",
		"referral_decline_reasons", "referral_end_reasons", "referral_outcomes", "relief_offences",
		"plan_review_days", "case_closure_reasons"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		del(root, "", keys[i]);
	struct pack *p = assert_accepted(root);
	assert_int_equal(p->recovery.n_populations, 3);
	assert_int_equal(p->recovery.n_outcomes, 4);
	assert_int_equal(p->recovery.n_end_reasons, 5);
	assert_int_equal(p->recovery.n_closure_reasons, 6);
	assert_null(pack_item_find(p->recovery.closure_reasons, p->recovery.n_closure_reasons, "moved_out_of_state"));
	assert_non_null(pack_item_find(p->recovery.closure_reasons, p->recovery.n_closure_reasons, "moved_away"));
	assert_int_equal(p->recovery.answer_business_days, 2);
	assert_int_equal(pack_answer_minutes(p, "survivor_care_rapid"), 0);
	assert_true(pack_view_allows(p, PACK_VIEW_AGE));
	assert_false(pack_view_allows(p, PACK_VIEW_SEX));
	assert_int_equal(p->recovery.plan_review_days, 90);
	pack_free(p);
}

UNIT_TEST(a_provider_view_may_show_less)
{
	json_t *root = ct_json();
	set(root, "", "provider_view", json_pack("[s]", "service"));
	struct pack *p = assert_accepted(root);
	assert_true(pack_view_allows(p, PACK_VIEW_SERVICE));
	assert_false(pack_view_allows(p, PACK_VIEW_INITIALS));
	pack_free(p);
}

UNIT_TEST(rejects_bad_recovery_settings)
{
	static const struct rejection cases[] = {
		{{{"referral_answer.services[0]", "service", "\"tarot\""}}, "referral_answer.services[0].service",
		 "unknown service \"tarot\""},
		{{{"referral_answer.services[0]", "minutes", "0"}}, "referral_answer.services[0].minutes", "must be a whole number from 1 to 525600"},
		{{{"referral_answer", "business_days", "31"}}, "referral_answer.business_days", "must be a whole number from 1 to 30"},
		{{{"referral_answer", "hours", "4"}}, "referral_answer.hours", "unknown key"},
		{{{"", "referral_answer", "[]"}}, "referral_answer", "must be a set of named values in braces { }"},
		{{{"", "provider_view", "[\"initials\", \"name\"]"}}, "provider_view[1]", "\"name\" is not one of: initials, age, sex, region, town, service, reason, urgency"},
		{{{"", "provider_view", "\"initials\""}}, "provider_view", "must be a list of: initials, age, sex, region, town, service, reason, urgency"},
		{{{"", "populations", "[]"}}, "populations", "must list at least one entry"},
		{{{"referral_outcomes[1]", "id", "\"goals_met\""}}, "referral_outcomes[1].id", "duplicate id \"goals_met\""},
		{{{"", "plan_review_days", "0"}}, "plan_review_days", "must be a whole number from 1 to 366"},
		{{{"", "case_closure_reasons", "[]"}}, "case_closure_reasons", "must list at least one entry"},
		{{{"case_closure_reasons[1]", "id", "\"services_completed\""}}, "case_closure_reasons[1].id",
		 "duplicate id \"services_completed\""},
		{{{"", "referral_answer",
		   "{\"services\": [{\"service\": \"mentoring\", \"minutes\": 60}, {\"service\": \"mentoring\", \"minutes\": 90}]}"}},
		 "referral_answer.services[1].service", "service \"mentoring\" is listed twice (first at referral_answer.services[0])"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

/* --- Awareness and education ----------------------------------------------- */

UNIT_TEST(reads_the_course_catalogue_and_the_informed_rule)
{
	struct pack *p = ct_pack();
	assert_int_equal(p->training.n_audiences, 14);
	const struct pack_course *d2 = pack_course(p, "day2");
	assert_non_null(d2);
	assert_true(d2->certifies);
	assert_int_equal(d2->valid_months, 24);
	assert_int_equal(d2->n_prerequisites, 1);
	assert_string_equal(d2->prerequisites[0], "day1");
	const struct pack_course *ttt = pack_course(p, "train_the_trainer");
	assert_true(ttt->trains_trainers);
	assert_int_equal(ttt->n_prerequisites, 2);
	const struct pack_course *rc = pack_course(p, "roll_call");
	assert_false(rc->certifies);
	assert_int_equal(rc->valid_months, 0);
	assert_true(rc->hours > 0.49 && rc->hours < 0.51);
	assert_null(pack_course(p, "day3"));
	assert_null(pack_course(p, NULL));
	assert_true(p->training.informed.present);
	assert_int_equal(p->training.informed.n_courses, 2);
	assert_int_equal(p->training.informed.within_months, 24);
	assert_int_equal(p->training.informed.min_staff, 2);
	assert_int_equal(p->training.informed.min_supervisors, 1);
	pack_free(p);
}

UNIT_TEST(a_pack_without_training_has_no_courses_and_no_rule)
{
	json_t *root = ct_json();
	del(root, "", "training_audiences");
	del(root, "", "courses");
	del(root, "", "trafficking_informed");
	struct pack *p = assert_accepted(root);
	assert_int_equal(p->training.n_courses, 0);
	assert_int_equal(p->training.n_audiences, 0);
	assert_false(p->training.informed.present);
	pack_free(p);
}

UNIT_TEST(rejects_bad_courses_and_rules)
{
	static const struct rejection cases[] = {
		{{{"courses[1]", "prerequisites", "[\"day9\"]"}}, "courses[1].prerequisites[0]", "unknown course \"day9\""},
		{{{"courses[0]", "prerequisites", "[\"day1\"]"}}, "courses[0].prerequisites",
		 "a course cannot be its own prerequisite"},
		{{{"courses[0]", "prerequisites", "[\"day2\"]"}}, "courses[0].prerequisites",
		 "the prerequisites of \"day1\" lead back to it"},
		{{{"courses[0]", "hours", "0"}}, "courses[0].hours", "must be a number of hours above 0 and at most 200"},
		{{{"courses[0]", "audiences", "[\"astronauts\"]"}}, "courses[0].audiences[0]", "unknown audience \"astronauts\""},
		{{{"courses[0]", "audiences", NULL}}, "courses[0].audiences", "required: the audiences the course is for"},
		{{{"courses[4]", "valid_months", "12"}}, "courses[4].valid_months",
		 "only a course that certifies has certificates that expire"},
		{{{"courses[3]", "certifies", "false"}, {"courses[3]", "valid_months", NULL}}, "courses[3].trains_trainers",
		 "a train-the-trainer course must certify (\"certifies\": true)"},
		{{{"courses[1]", "id", "\"day1\""}}, "courses[1].id", "duplicate id \"day1\""},
		{{{"", "courses", "{}"}}, "courses", "must be a list of courses"},
		{{{"trafficking_informed", "courses", "[]"}}, "trafficking_informed.courses", "must list at least one course"},
		{{{"trafficking_informed", "courses", "[\"day1\", \"day1\"]"}}, "trafficking_informed.courses[1]",
		 "course \"day1\" is listed twice"},
		{{{"trafficking_informed", "min_supervisors", "3"}}, "trafficking_informed.min_supervisors",
		 "must not be above min_staff (2)"},
		{{{"trafficking_informed", "within_months", "0"}}, "trafficking_informed.within_months",
		 "must be a whole number from 1 to 120"},
		{{{"", "trafficking_informed", "[]"}}, "trafficking_informed", "must be a set of named values in braces { }"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

/* --- Cases ----------------------------------------------------------------- */

UNIT_TEST(reads_the_note_correction_window_and_defaults_it_to_a_day)
{
	struct pack *p = ct_pack();
	assert_int_equal(p->cases.note_correction_hours, 24);
	pack_free(p);
	json_t *root = ct_json();
	set(root, "cases", "note_correction_hours", json_integer(72));
	p = assert_accepted(root);
	assert_int_equal(p->cases.note_correction_hours, 72);
	pack_free(p);
	root = ct_json();
	del(root, "", "cases");
	p = assert_accepted(root);
	assert_int_equal(p->cases.note_correction_hours, 24);
	pack_free(p);
}

UNIT_TEST(reads_the_rapid_response_service_and_offers_none_without_it)
{
	struct pack *p = ct_pack();
	assert_string_equal(p->cases.rapid_response_service, "survivor_care_rapid");
	pack_free(p);
	json_t *root = ct_json();
	set(root, "cases", "rapid_response_service", json_string("mentoring"));
	p = assert_accepted(root);
	assert_string_equal(p->cases.rapid_response_service, "mentoring");
	pack_free(p);
	root = ct_json();
	del(root, "cases", "rapid_response_service");
	p = assert_accepted(root);
	assert_null(p->cases.rapid_response_service);
	pack_free(p);
}

UNIT_TEST(rejects_a_rapid_response_service_the_pack_does_not_offer)
{
	static const struct rejection cases[] = {
		{{{"cases", "rapid_response_service", "\"taxis\""}}, "cases.rapid_response_service",
		 "unknown service \"taxis\""},
		{{{"cases", "rapid_response_service", "\"\""}}, "cases.rapid_response_service", "must not be empty"},
		{{{"cases", "rapid_response_service", "3"}}, "cases.rapid_response_service", "must be text in quotes"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}

UNIT_TEST(rejects_a_bad_note_correction_window)
{
	static const struct rejection cases[] = {
		{{{"cases", "note_correction_hours", "0"}}, "cases.note_correction_hours", "must be a whole number from 1 to 720"},
		{{{"cases", "note_correction_hours", "721"}}, "cases.note_correction_hours",
		 "must be a whole number from 1 to 720"},
		{{{"cases", "note_correction_hours", "\"a day\""}}, "cases.note_correction_hours",
		 "must be a whole number from 1 to 720"},
		{{{"cases", "undo_hours", "3"}}, "cases.undo_hours", "unknown key"},
		{{{"", "cases", "24"}}, "cases", "must be a set of named values in braces { }"},
	};
	assert_rejections(cases, sizeof cases / sizeof *cases);
}
