/* Tests for model/casestate: every pair of statuses is either allowed or
 * refused exactly as docs/cases.md draws it, the allowed lists match, and
 * the victim statuses and vocabularies accept only what they name. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdbool.h>
#include <string.h>

#include "base/err.h"
#include "model/casestate.h"

/* The contract's table, written out independently of casestate.c. */
static const bool expected[CASE_STATUS_COUNT][CASE_STATUS_COUNT] = {
	/*                  open   response services monitoring closed */
	[CASE_OPEN] = {false, true, false, false, true},
	[CASE_RESPONSE] = {false, false, true, true, true},
	[CASE_SERVICES] = {false, false, false, true, true},
	[CASE_MONITORING] = {false, false, true, false, true},
	[CASE_CLOSED] = {false, false, false, false, false},
};

/* Each of the count names is the name of its value, and parses back to it
 * into a variable of type that held start. */
#define assert_names_round_trip(type, names, count, name_of, parse, start)                                    \
	for (int i_ = 0; i_ < (count); i_++) {                                                                 \
		assert_string_equal(name_of((type)i_), (names)[i_]);                                           \
		type got_ = (start);                                                                           \
		assert_int_equal(parse((names)[i_], &got_), 0);                                                \
		assert_int_equal(got_, i_);                                                                    \
	}

UNIT_TEST(names_and_parses_every_status)
{
	static const char *const names[] = {"open", "response", "services", "monitoring", "closed"};
	assert_names_round_trip(enum case_status, names, CASE_STATUS_COUNT, case_status_name, case_status_parse,
				CASE_CLOSED);
	assert_null(case_status_name(CASE_STATUS_COUNT));
	assert_null(case_status_name((enum case_status)-1));
}

UNIT_TEST(refuses_to_parse_what_is_not_a_status)
{
	static const char *const bad[] = {"", "Open", "OPEN", "opened", "close", "reopened", " open", "open "};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		enum case_status got = CASE_MONITORING;
		assert_int_equal(case_status_parse(bad[i], &got), ERR_INVAL);
		assert_int_equal(got, CASE_MONITORING); /* left alone */
	}
	enum case_status got = CASE_MONITORING;
	assert_int_equal(case_status_parse(NULL, &got), ERR_INVAL);
}

UNIT_TEST(allows_exactly_the_transitions_drawn_and_refuses_every_other)
{
	for (int from = 0; from < CASE_STATUS_COUNT; from++)
		for (int to = 0; to < CASE_STATUS_COUNT; to++) {
			bool may = case_status_may((enum case_status)from, (enum case_status)to);
			if (may != expected[from][to])
				fail_msg("%s -> %s: expected %s", case_status_name((enum case_status)from),
					 case_status_name((enum case_status)to), expected[from][to] ? "allowed" : "refused");
		}
}

UNIT_TEST(treats_staying_in_a_status_as_no_transition)
{
	for (int s = 0; s < CASE_STATUS_COUNT; s++)
		assert_false(case_status_may((enum case_status)s, (enum case_status)s));
}

UNIT_TEST(never_leaves_closed_and_every_open_status_may_close)
{
	enum case_status out[CASE_STATUS_COUNT];
	assert_int_equal(case_status_allowed(CASE_CLOSED, out), 0);
	for (int s = 0; s < CASE_CLOSED; s++)
		assert_true(case_status_may((enum case_status)s, CASE_CLOSED));
	/* Nothing goes back to open. */
	for (int s = 0; s < CASE_STATUS_COUNT; s++)
		assert_false(case_status_may((enum case_status)s, CASE_OPEN));
}

UNIT_TEST(lists_the_allowed_statuses_in_order)
{
	enum case_status out[CASE_STATUS_COUNT];
	static const struct {
		enum case_status from;
		size_t n;
		enum case_status to[3];
	} lists[] = {
		{CASE_OPEN, 2, {CASE_RESPONSE, CASE_CLOSED}},
		{CASE_RESPONSE, 3, {CASE_SERVICES, CASE_MONITORING, CASE_CLOSED}},
		{CASE_SERVICES, 2, {CASE_MONITORING, CASE_CLOSED}},
		{CASE_MONITORING, 2, {CASE_SERVICES, CASE_CLOSED}},
	};
	for (size_t k = 0; k < sizeof lists / sizeof *lists; k++) {
		assert_int_equal(case_status_allowed(lists[k].from, out), lists[k].n);
		for (size_t i = 0; i < lists[k].n; i++)
			assert_int_equal(out[i], lists[k].to[i]);
	}
	/* And the lists agree with case_status_may for every pair. */
	for (int from = 0; from < CASE_STATUS_COUNT; from++) {
		size_t n = case_status_allowed((enum case_status)from, out);
		size_t count = 0;
		for (int to = 0; to < CASE_STATUS_COUNT; to++)
			count += expected[from][to];
		assert_int_equal(n, count);
		for (size_t i = 0; i < n; i++)
			assert_true(expected[from][out[i]]);
	}
}

UNIT_TEST(refuses_statuses_outside_the_enum)
{
	enum case_status out[CASE_STATUS_COUNT];
	assert_false(case_status_may(CASE_STATUS_COUNT, CASE_CLOSED));
	assert_false(case_status_may(CASE_OPEN, CASE_STATUS_COUNT));
	assert_false(case_status_may((enum case_status)-1, CASE_CLOSED));
	assert_int_equal(case_status_allowed(CASE_STATUS_COUNT, out), 0);
}

UNIT_TEST(names_and_parses_victim_statuses)
{
	static const char *const names[] = {"none", "at_risk", "suspected", "confirmed"};
	assert_names_round_trip(enum victim_status, names, VICTIM_STATUS_COUNT, victim_status_name,
				victim_status_parse, VICTIM_NONE);
	assert_null(victim_status_name(VICTIM_STATUS_COUNT));
	enum victim_status got = VICTIM_AT_RISK;
	assert_int_equal(victim_status_parse("victim", &got), ERR_INVAL);
	assert_int_equal(victim_status_parse("at-risk", &got), ERR_INVAL);
	assert_int_equal(victim_status_parse("", &got), ERR_INVAL);
	assert_int_equal(victim_status_parse(NULL, &got), ERR_INVAL);
	assert_int_equal(got, VICTIM_AT_RISK);
}

UNIT_TEST(identifies_only_suspected_and_confirmed_victims)
{
	assert_false(victim_status_identifies(VICTIM_NONE));
	assert_false(victim_status_identifies(VICTIM_AT_RISK));
	assert_true(victim_status_identifies(VICTIM_SUSPECTED));
	assert_true(victim_status_identifies(VICTIM_CONFIRMED));
	assert_false(victim_status_identifies(VICTIM_STATUS_COUNT));
}

UNIT_TEST(identifies_a_child_for_the_first_time_only_once)
{
	for (int v = 0; v < VICTIM_STATUS_COUNT; v++) {
		enum victim_status to = (enum victim_status)v;
		assert_int_equal(victim_status_first_identification(false, to), victim_status_identifies(to));
		/* Once identified (suspected, then confirmed; or back to at risk and
		 * suspected again) it is never a first identification. */
		assert_false(victim_status_first_identification(true, to));
	}
}

UNIT_TEST(accepts_only_the_named_vocabularies)
{
	static const char *const petitions[] = {"none", "planned", "filed", "granted", "denied"};
	for (size_t i = 0; i < sizeof petitions / sizeof *petitions; i++)
		assert_true(case_petition_status_valid(petitions[i]));
	assert_false(case_petition_status_valid("pending"));
	assert_false(case_petition_status_valid(""));
	assert_false(case_petition_status_valid(NULL));

	static const char *const places[] = {"home", "foster", "congregate_care", "homeless", "unknown"};
	for (size_t i = 0; i < sizeof places / sizeof *places; i++)
		assert_true(case_placement_valid(places[i]));
	assert_false(case_placement_valid("group_home"));
	assert_false(case_placement_valid(NULL));

	static const char *const kinds[] = {"note",     "contact", "medical_exam", "forensic_interview",
					    "placement_change", "debrief", "rescreen"};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		assert_true(case_event_kind_user(kinds[i]));
	/* The service writes these itself; a user may not. */
	static const char *const service_kinds[] = {
		"opened",         "intake_joined",           "status_change",          "victim_status",
		"report",         "missing_started",         "missing_located",        "rapid_response_requested",
		"review_held",    "rapid_response_arrived",  "review_scheduled",
	};
	for (size_t i = 0; i < sizeof service_kinds / sizeof *service_kinds; i++)
		assert_false(case_event_kind_user(service_kinds[i]));
	assert_false(case_event_kind_user(NULL));

	assert_true(case_event_kind_needs_text("note"));
	assert_true(case_event_kind_needs_text("contact"));
	assert_false(case_event_kind_needs_text("medical_exam"));
	assert_false(case_event_kind_needs_text("rescreen"));

	assert_true(case_report_kind_valid("law_enforcement"));
	assert_true(case_report_kind_valid("ncmec"));
	assert_false(case_report_kind_valid("ncic"));
	assert_false(case_report_kind_valid(NULL));
}

/* GET /api/v1/config publishes these lists as the vocabularies: each value
 * it lists must be one the checks accept, with words. */
UNIT_TEST(words_every_status_and_lists_only_valid_terms)
{
	for (int s = 0; s < CASE_STATUS_COUNT; s++)
		assert_true(case_status_label((enum case_status)s) && *case_status_label((enum case_status)s));
	assert_null(case_status_label(CASE_STATUS_COUNT));
	for (int v = 0; v < VICTIM_STATUS_COUNT; v++)
		assert_true(victim_status_label((enum victim_status)v) && *victim_status_label((enum victim_status)v));
	assert_null(victim_status_label(VICTIM_STATUS_COUNT));
	struct {
		const struct case_term *terms;
		bool (*valid)(const char *);
		size_t n;
	} lists[] = {
		{case_petition_terms, case_petition_status_valid, 5},
		{case_placement_terms, case_placement_valid, 5},
		{case_report_kind_terms, case_report_kind_valid, 2},
	};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		size_t n = 0;
		for (const struct case_term *t = lists[i].terms; t->id; t++, n++) {
			assert_true(lists[i].valid(t->id));
			assert_true(t->label && *t->label);
		}
		assert_int_equal(n, lists[i].n);
	}
	/* Every kind a user records is among the event kinds. */
	static const char *const user[] = {"note", "contact", "medical_exam", "forensic_interview",
					   "placement_change", "debrief", "rescreen"};
	size_t n_user = 0;
	for (const struct case_term *t = case_event_kind_terms; t->id; t++) {
		assert_true(t->label && *t->label);
		n_user += case_event_kind_user(t->id);
	}
	assert_int_equal(n_user, sizeof user / sizeof user[0]);
	for (size_t i = 0; i < sizeof user / sizeof user[0]; i++) {
		const struct case_term *t = case_event_kind_terms;
		while (t->id && strcmp(t->id, user[i]) != 0)
			t++;
		assert_non_null(t->id);
	}
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
