/* Tests for model/routing: every town of the shipped pack routes to its
 * office and region, read from the pack file independently of pack.c;
 * towns match without case or surrounding spaces but with their accents;
 * a report with no town or an unknown one goes to the statewide queue,
 * flagged; and the guardrail marks a suspected victim exactly when a
 * concern is commercial sex and the age is under the limit or unknown. */
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

#include "base/err.h"
#include "model/pack.h"
#include "model/routing.h"
#include "pack_test.h"

static int setup(void **state)
{
	struct pack *p = NULL;
	char msg[512] = "";
	if (pack_load_file(ct_path(), &p, msg, sizeof msg) != 0) {
		fprintf(stderr, "%s\n", msg);
		return -1;
	}
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	pack_free(*state);
	return 0;
}

static void assert_routes(const struct pack *p, const char *town, const char *office, const char *region)
{
	struct route r;
	assert_int_equal(route_town(p, town, &r), 0);
	assert_non_null(r.office);
	assert_string_equal(r.office, office);
	assert_string_equal(r.region, region);
	assert_false(r.unmapped);
	assert_ptr_equal(r.town, town);
}

static void assert_statewide(const struct route *r)
{
	assert_null(r->office);
	assert_null(r->region);
	assert_true(r->unmapped);
}

/* Every town the pack file lists, exactly as written, upper-cased and
 * padded: its office and that office's region. */
UNIT_TEST(every_town_of_the_pack_routes_to_its_office)
{
	const struct pack *p = *state;
	json_error_t e;
	json_t *root = json_load_file(ct_path(), 0, &e);
	assert_non_null(root);
	size_t ri, oi, ti, n = 0;
	json_t *reg, *off, *town;
	json_array_foreach(json_object_get(root, "regions"), ri, reg)
	{
		const char *rid = json_string_value(json_object_get(reg, "id"));
		json_array_foreach(json_object_get(reg, "offices"), oi, off)
		{
			const char *oid = json_string_value(json_object_get(off, "id"));
			json_array_foreach(json_object_get(off, "towns"), ti, town)
			{
				const char *t = json_string_value(town);
				char shout[128], padded[140];
				size_t len = strlen(t);
				assert_true(len < sizeof shout);
				for (size_t k = 0; k <= len; k++)
					shout[k] = t[k] >= 'a' && t[k] <= 'z' ? (char)(t[k] - 'a' + 'A') : t[k];
				int w = snprintf(padded, sizeof padded, "  %s\t", shout);
				assert_true(w > 0 && (size_t)w < sizeof padded);
				assert_routes(p, t, oid, rid);
				assert_routes(p, shout, oid, rid);
				assert_routes(p, padded, oid, rid);
				n++;
			}
		}
	}
	/* Connecticut has 169 towns; a pack that lost some would pass above. */
	assert_int_equal(n, 169);
	json_decref(root);
}

UNIT_TEST(an_unknown_missing_or_accented_town_goes_statewide)
{
	const struct pack *p = *state;
	struct route r;
	assert_int_equal(route_town(p, "Springfield", &r), 0);
	assert_statewide(&r);
	assert_string_equal(r.town, "Springfield");
	static const char *const not_towns[] = {
		"Nörwalk", /* accents are not folded: a worker maps such a report by hand */
		"New", "Norwalk Norwalk", "New  Haven", /* part of a name, or two names, is not a town */
		"   ", "", NULL,
	};
	for (size_t i = 0; i < sizeof not_towns / sizeof *not_towns; i++) {
		assert_int_equal(route_town(p, not_towns[i], &r), 0);
		assert_statewide(&r);
		if (!not_towns[i] || !*not_towns[i])
			assert_null(r.town);
	}
}

UNIT_TEST(a_report_routes_on_the_first_childs_town_else_the_incident_town)
{
	const struct pack *p = *state;
	struct route r;
	const char *towns[] = {NULL, "", "Norwich", "Hartford"};
	assert_int_equal(route_report(p, towns, 4, "Danbury", &r), 0);
	assert_string_equal(r.office, "norwich");
	assert_string_equal(r.region, "R3");
	assert_string_equal(r.town, "Norwich");

	/* No child's town: the incident town. */
	assert_int_equal(route_report(p, towns, 2, "Danbury", &r), 0);
	assert_string_equal(r.office, "danbury");
	assert_string_equal(r.region, "R5");
	assert_int_equal(route_report(p, NULL, 0, "Danbury", &r), 0);
	assert_string_equal(r.office, "danbury");

	/* A child's unknown town wins over a known incident town: the child
	 * is where the report is about, so a worker maps it by hand. */
	const char *unknown[] = {"Springfield"};
	assert_int_equal(route_report(p, unknown, 1, "Danbury", &r), 0);
	assert_statewide(&r);
	assert_string_equal(r.town, "Springfield");

	/* No town at all. */
	assert_int_equal(route_report(p, towns, 2, "", &r), 0);
	assert_statewide(&r);
	assert_null(r.town);
	assert_int_equal(route_report(p, towns, 2, NULL, &r), 0);
	assert_statewide(&r);
}

UNIT_TEST(routing_refuses_a_missing_pack_or_result)
{
	const struct pack *p = *state;
	struct route r;
	assert_int_equal(route_town(NULL, "Norwich", &r), ERR_INVAL);
	assert_int_equal(route_town(p, "Norwich", NULL), ERR_INVAL);
	assert_int_equal(route_report(NULL, NULL, 0, "Norwich", &r), ERR_INVAL);
}

static struct guardrail check(const struct pack *p, int age, const char *concerns_json)
{
	json_t *c = concerns_json ? json_loads(concerns_json, JSON_DECODE_ANY, NULL) : NULL;
	assert_true(!concerns_json || c);
	struct guardrail g;
	assert_int_equal(guardrail_check(p, age, c, &g), 0);
	json_decref(c);
	return g;
}

/* check(), which must flag the child as a suspected victim or not, for
 * the reason given. */
static struct guardrail guardrail_is(const struct pack *p, int age, const char *concerns_json, bool suspected,
				     enum guardrail_reason reason)
{
	struct guardrail g = check(p, age, concerns_json);
	assert_int_equal(g.suspected_victim, suspected);
	assert_int_equal(g.reason, reason);
	return g;
}

/* Each concern of the pack alone: only the commercial-sex ones flag a
 * child, and the concern named is the one that did. */
UNIT_TEST(each_concern_flags_a_child_only_if_it_is_commercial_sex)
{
	const struct pack *p = *state;
	assert_int_equal(p->n_commercial_sex_concerns, 2);
	size_t flagged = 0;
	for (size_t i = 0; i < p->n_vulnerabilities; i++) {
		const char *id = p->vulnerabilities[i].id;
		bool cse =
		        strcmp(id, "commercial_sex_involvement") == 0 || strcmp(id, "detained_for_prostitution") == 0;
		char js[128];
		int w = snprintf(js, sizeof js, "[\"%s\"]", id);
		assert_true(w > 0 && (size_t)w < sizeof js);
		struct guardrail g = check(p, 15, js);
		assert_int_equal(g.suspected_victim, cse);
		assert_int_equal(g.reason, cse ? GUARDRAIL_MINOR : GUARDRAIL_NO_CONCERN);
		if (cse)
			assert_string_equal(g.concern, id);
		else
			assert_null(g.concern);
		flagged += cse;
	}
	assert_int_equal(flagged, 2);
}

UNIT_TEST(the_first_commercial_sex_concern_among_others_is_named)
{
	const struct pack *p = *state;
	struct guardrail g = check(p, 12,
	                           "[\"runaway_awol\", 7, null, \"detained_for_prostitution\","
	                           " \"commercial_sex_involvement\"]");
	assert_true(g.suspected_victim);
	assert_string_equal(g.concern, "detained_for_prostitution");
	/* Ids compare exactly. */
	g = guardrail_is(p, 12, "[\"Commercial_Sex_Involvement\", \"commercial_sex\", \" detained_for_prostitution\"]", false, GUARDRAIL_NO_CONCERN);
	g = guardrail_is(p, 12, "[]", false, GUARDRAIL_NO_CONCERN);
	g = guardrail_is(p, 12, NULL, false, GUARDRAIL_NO_CONCERN);
	/* No concern, no flag, whatever the age. */
	g = guardrail_is(p, -1, NULL, false, GUARDRAIL_NO_CONCERN);
}

/* The boundary is the pack's minor age: one year under is a minor, the
 * age itself is not; an unknown age is taken as a minor's. */
UNIT_TEST(the_age_limit_is_the_packs_and_an_unknown_age_is_a_minors)
{
	struct pack *p = *state;
	const char *cse = "[\"commercial_sex_involvement\"]";
	assert_int_equal(p->law.minor_age, 18);
	struct guardrail g = guardrail_is(p, 17, cse, true, GUARDRAIL_MINOR);
	assert_int_equal(g.minor_age, 18);
	g = guardrail_is(p, 0, cse, true, GUARDRAIL_MINOR);
	g = guardrail_is(p, 18, cse, false, GUARDRAIL_ADULT);
	assert_string_equal(g.concern, "commercial_sex_involvement");
	g = guardrail_is(p, 40, cse, false, GUARDRAIL_ADULT);
	g = guardrail_is(p, -1, cse, true, GUARDRAIL_AGE_UNKNOWN);

	/* Another state's limit moves the boundary with it. */
	int saved = p->law.minor_age;
	p->law.minor_age = 16;
	g = check(p, 15, cse);
	assert_true(g.suspected_victim);
	g = check(p, 16, cse);
	assert_false(g.suspected_victim);
	assert_int_equal(g.minor_age, 16);
	/* A pack without a limit uses 18. */
	p->law.minor_age = 0;
	g = check(p, 17, cse);
	assert_true(g.suspected_victim);
	g = check(p, 18, cse);
	assert_false(g.suspected_victim);
	assert_int_equal(g.minor_age, ROUTING_DEFAULT_MINOR_AGE);
	p->law.minor_age = saved;
}

UNIT_TEST(the_guardrail_refuses_what_is_not_a_list)
{
	const struct pack *p = *state;
	struct guardrail g = {.reason = GUARDRAIL_ADULT};
	json_t *s = json_string("commercial_sex_involvement");
	assert_int_equal(guardrail_check(p, 12, s, &g), ERR_INVAL);
	assert_int_equal(g.reason, GUARDRAIL_ADULT);
	json_decref(s);
	assert_int_equal(guardrail_check(NULL, 12, NULL, &g), ERR_INVAL);
	assert_int_equal(guardrail_check(p, 12, NULL, NULL), ERR_INVAL);
}

UNIT_TEST(a_case_takes_the_intake_flag_before_the_screen)
{
	assert_string_equal(guardrail_suspected_by(true, NULL), "guardrail");
	assert_string_equal(guardrail_suspected_by(true, "positive"), "guardrail");
	assert_string_equal(guardrail_suspected_by(true, "not_indicated"), "guardrail");
	assert_string_equal(guardrail_suspected_by(false, "clear"), "screening");
	assert_string_equal(guardrail_suspected_by(false, "positive"), "screening");
	assert_null(guardrail_suspected_by(false, "possible"));
	assert_null(guardrail_suspected_by(false, "not_indicated"));
	assert_null(guardrail_suspected_by(false, "Positive"));
	assert_null(guardrail_suspected_by(false, ""));
	assert_null(guardrail_suspected_by(false, NULL));
}

int main(void)
{
	return unit_run("tests", setup, teardown);
}
