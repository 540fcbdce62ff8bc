/* Tests for model/screening: each rule form and their order decide the
 * level of an indicator screen, the SSCST turns positive at its cut-off,
 * and a partial or malformed set of answers is refused with the path of
 * every problem. Rule tests use a small instrument built here; the rest use
 * the shipped Connecticut pack. */
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
#include "base/json.h"
#include "model/pack.h"
#include "model/screening.h"
#include "pack_test.h"

/* --- A small instrument -------------------------------------------------- */

static struct pack_question housing[] = {
	{"runaway_history", "Has run away more than once."},
	{"unstable_housing", "Has no steady place to stay."},
};
static struct pack_question trafficking[] = {
	{"traded_sex", "Has traded sex for something of value."},
	{"offered_for_sex", "Has been offered to others for sex."},
};
static struct pack_question coercion[] = {
	{"threatened", "Has been threatened."},
	{"debt_owed", "Is said to owe a debt."},
};
static struct pack_domain domains[] = {
	{"housing", "Housing", housing, 2},
	{"current_trafficking", "Signs of current trafficking", trafficking, 2},
	{"coercion", "Coercion", coercion, 2},
};
static const char *const all_indicators[] = {"runaway_history", "unstable_housing", "traded_sex",
					     "offered_for_sex", "threatened",       "debt_owed"};

static struct pack_instrument instrument(struct pack_rule *rules, size_t n_rules)
{
	return (struct pack_instrument){
		.id = "test",
		.version = "1",
		.name = "Test screen",
		.description = "For tests.",
		.kind = PACK_INSTRUMENT_INDICATOR,
		.domains = domains,
		.n_domains = sizeof domains / sizeof *domains,
		.rules = rules,
		.n_rules = n_rules,
	};
}

/* Every indicator rated "no", then the (id, rating) pairs given, ending in
 * NULL. */
static json_t *ratings(const char *first, ...)
{
	json_t *a = json_object();
	assert_non_null(a);
	for (size_t i = 0; i < sizeof all_indicators / sizeof *all_indicators; i++)
		assert_int_equal(json_object_set_new(a, all_indicators[i], json_string("no")), 0);
	va_list ap;
	va_start(ap, first);
	for (const char *id = first; id; id = va_arg(ap, const char *)) {
		const char *rating = va_arg(ap, const char *);
		assert_int_equal(json_object_set_new(a, id, json_string(rating)), 0);
	}
	va_end(ap);
	return a;
}

/* The level of answers (which it takes) on ins; the count goes to
 * *ret_count when not NULL. Fails the test when scoring fails. */
static enum screen_level score(const struct pack_instrument *ins, json_t *answers, int *ret_count)
{
	struct field_errors fe;
	enum screen_level level = SCREEN_NEGATIVE;
	int count = -1;
	field_errors_init(&fe, 0);
	int r = screening_score(ins, answers, &fe, &level, &count);
	if (r != 0) {
		char line[300];
		for (size_t i = 0; i < fe.count && field_error_format(&fe, i, line, sizeof line) == 0; i++)
			print_error("  %s\n", line);
	}
	assert_int_equal(r, 0);
	assert_int_equal(fe.count, 0);
	field_errors_done(&fe);
	json_decref(answers);
	if (ret_count)
		*ret_count = count;
	return level;
}

/* Scoring answers (which it takes) on ins gives level want, counting n. */
static void score_counts(const struct pack_instrument *ins, json_t *answers, enum screen_level want, int n)
{
	int count = -1;
	assert_int_equal(score(ins, answers, &count), want);
	assert_int_equal(count, n);
}

/* Scoring answers (which it takes) on ins must fail with ERR_INVAL, leave
 * the results alone, and report exactly n errors, among them field: reason. */
static void assert_refused(const struct pack_instrument *ins, json_t *answers, size_t n, const char *field,
			   const char *reason)
{
	struct field_errors fe;
	enum screen_level level = SCREEN_NEGATIVE;
	int count = -7;
	field_errors_init(&fe, 0);
	int r = screening_score(ins, answers, &fe, &level, &count);
	bool found = has_error(&fe, field, reason);
	if (r != ERR_INVAL || !found || fe.count != n) {
		char line[300];
		print_error("expected %zu errors with %s: %s, got %d and:\n", n, field, reason, r);
		for (size_t i = 0; i < fe.count && field_error_format(&fe, i, line, sizeof line) == 0; i++)
			print_error("  %s\n", line);
	}
	assert_int_equal(r, ERR_INVAL);
	assert_true(found);
	assert_int_equal(fe.count, n);
	assert_int_equal(level, SCREEN_NEGATIVE);
	assert_int_equal(count, -7);
	field_errors_done(&fe);
	json_decref(answers);
}

/* --- The shipped pack ---------------------------------------------------- */

static struct pack *ct_pack(void)
{
	char path[4096], msg[512] = "";
	const char *root = getenv("HARTLINE_SOURCE_ROOT");
	if (!root)
		fail_msg("HARTLINE_SOURCE_ROOT is not set");
	int n = snprintf(path, sizeof path, "%s/packs/connecticut.json", root);
	assert_true(n > 0 && (size_t)n < sizeof path);
	struct pack *p = NULL;
	if (pack_load_file(path, &p, msg, sizeof msg) != 0)
		fail_msg("%s", msg);
	return p;
}

/* Every indicator of ins rated "no", then the pairs given, ending in NULL. */
static json_t *ct_ratings(const struct pack_instrument *ins, const char *first, ...)
{
	json_t *a = json_object();
	assert_non_null(a);
	for (size_t d = 0; d < ins->n_domains; d++)
		for (size_t i = 0; i < ins->domains[d].n_indicators; i++) {
			const char *id = ins->domains[d].indicators[i].id;
			assert_int_equal(json_object_set_new(a, id, json_string("no")), 0);
		}
	va_list ap;
	va_start(ap, first);
	for (const char *id = first; id; id = va_arg(ap, const char *)) {
		assert_non_null(pack_instrument_question(ins, id));
		assert_int_equal(json_object_set_new(a, id, json_string(va_arg(ap, const char *))), 0);
	}
	va_end(ap);
	return a;
}

/* The SSCST answered yes to the first `yes` items, no to the rest. */
static json_t *sscst_answers(const struct pack_instrument *ss, size_t yes)
{
	json_t *a = json_object();
	assert_non_null(a);
	for (size_t i = 0; i < ss->n_items; i++)
		assert_int_equal(json_object_set_new(a, ss->items[i].id, json_boolean(i < yes)), 0);
	return a;
}

/* --- Levels -------------------------------------------------------------- */

UNIT_TEST(names_and_parses_every_level)
{
	static const char *const names[] = {"no", "possible", "clear", "positive", "negative"};
	for (int i = SCREEN_NO; i <= SCREEN_NEGATIVE; i++) {
		enum screen_level l = SCREEN_NO;
		assert_string_equal(screen_level_name((enum screen_level)i), names[i]);
		assert_int_equal(screen_level_from_name(names[i], &l), 0);
		assert_int_equal(l, i);
	}
	enum screen_level l = SCREEN_CLEAR;
	assert_null(screen_level_name((enum screen_level)5));
	assert_int_equal(screen_level_from_name("Clear", &l), ERR_INVAL);
	assert_int_equal(screen_level_from_name("", &l), ERR_INVAL);
	assert_int_equal(screen_level_from_name(NULL, &l), ERR_INVAL);
	assert_int_equal(l, SCREEN_CLEAR);
}

/* --- Rule forms ---------------------------------------------------------- */

UNIT_TEST(clear_in_domains_counts_clear_ratings_in_those_domains_only)
{
	const struct pack_domain *in[] = {&domains[1], &domains[2]};
	struct pack_rule rules[] = {
		{.level = PACK_RATING_CLEAR,
		 .kind = PACK_RULE_CLEAR_IN_DOMAINS,
		 .count = 1,
		 .domains = in,
		 .n_domains = 1},
	};
	struct pack_instrument ins = instrument(rules, 1);
	int count;
	score_counts(&ins, ratings("traded_sex", "clear", NULL), SCREEN_CLEAR, 1);
	assert_int_equal(score(&ins, ratings("offered_for_sex", "clear", NULL), NULL), SCREEN_CLEAR);
	/* Possible is not clear; clear elsewhere does not count. */
	assert_int_equal(score(&ins, ratings("traded_sex", "possible", "offered_for_sex", "possible", NULL), NULL),
			 SCREEN_NO);
	assert_int_equal(score(&ins, ratings("runaway_history", "clear", "unstable_housing", "clear", "threatened",
					     "clear", NULL),
			       &count),
			 SCREEN_NO);
	assert_int_equal(count, 3);

	/* min 2 over two domains: one clear in each is enough. */
	rules[0].count = 2;
	rules[0].n_domains = 2;
	assert_int_equal(score(&ins, ratings("traded_sex", "clear", NULL), NULL), SCREEN_NO);
	assert_int_equal(score(&ins, ratings("traded_sex", "clear", "debt_owed", "clear", NULL), NULL), SCREEN_CLEAR);
	assert_int_equal(score(&ins, ratings("threatened", "clear", "debt_owed", "clear", NULL), NULL), SCREEN_CLEAR);
	assert_int_equal(score(&ins, ratings("traded_sex", "clear", "runaway_history", "clear", NULL), NULL),
			 SCREEN_NO);
}

UNIT_TEST(clear_count_counts_clear_ratings_anywhere)
{
	struct pack_rule rules[] = {{.level = PACK_RATING_CLEAR, .kind = PACK_RULE_CLEAR_COUNT, .count = 2}};
	struct pack_instrument ins = instrument(rules, 1);
	score_counts(&ins, ratings("runaway_history", "clear", NULL), SCREEN_NO, 1);
	score_counts(&ins, ratings("runaway_history", "clear", "debt_owed", "clear", NULL), SCREEN_CLEAR, 2);
	assert_int_equal(score(&ins, ratings("runaway_history", "clear", "debt_owed", "possible", NULL), NULL),
			 SCREEN_NO);

	/* The same form may give "possible". */
	rules[0] = (struct pack_rule){.level = PACK_RATING_POSSIBLE, .kind = PACK_RULE_CLEAR_COUNT, .count = 1};
	assert_int_equal(score(&ins, ratings("unstable_housing", "clear", NULL), NULL), SCREEN_POSSIBLE);
	assert_int_equal(score(&ins, ratings("unstable_housing", "possible", NULL), NULL), SCREEN_NO);
}

UNIT_TEST(possible_count_counts_possible_and_clear_ratings)
{
	struct pack_rule rules[] = {{.level = PACK_RATING_POSSIBLE, .kind = PACK_RULE_POSSIBLE_COUNT, .count = 2}};
	struct pack_instrument ins = instrument(rules, 1);
	assert_int_equal(score(&ins, ratings("threatened", "possible", NULL), NULL), SCREEN_NO);
	score_counts(&ins, ratings("threatened", "possible", "runaway_history", "possible", NULL), SCREEN_POSSIBLE, 0);
	score_counts(&ins, ratings("threatened", "possible", "runaway_history", "clear", NULL), SCREEN_POSSIBLE, 1);
	assert_int_equal(score(&ins, ratings("threatened", "clear", "runaway_history", "clear", NULL), NULL),
			 SCREEN_POSSIBLE);
	score_counts(&ins, ratings(NULL), SCREEN_NO, 0);
}

/* --- Rule order ---------------------------------------------------------- */

UNIT_TEST(the_first_rule_that_holds_gives_the_level)
{
	struct pack_rule rules[] = {
		{.level = PACK_RATING_POSSIBLE, .kind = PACK_RULE_CLEAR_COUNT, .count = 1},
		{.level = PACK_RATING_CLEAR, .kind = PACK_RULE_CLEAR_COUNT, .count = 1},
	};
	struct pack_instrument ins = instrument(rules, 2);
	assert_int_equal(score(&ins, ratings("traded_sex", "clear", NULL), NULL), SCREEN_POSSIBLE);

	/* Swapped, the same answers give the other level. */
	struct pack_rule swapped[] = {rules[1], rules[0]};
	ins = instrument(swapped, 2);
	assert_int_equal(score(&ins, ratings("traded_sex", "clear", NULL), NULL), SCREEN_CLEAR);

	/* A later rule is reached when the earlier ones do not hold. */
	struct pack_rule later[] = {
		{.level = PACK_RATING_CLEAR, .kind = PACK_RULE_CLEAR_COUNT, .count = 3},
		{.level = PACK_RATING_POSSIBLE, .kind = PACK_RULE_POSSIBLE_COUNT, .count = 1},
	};
	ins = instrument(later, 2);
	assert_int_equal(score(&ins, ratings("debt_owed", "possible", NULL), NULL), SCREEN_POSSIBLE);
	assert_int_equal(score(&ins, ratings("debt_owed", "clear", "threatened", "clear", "traded_sex", "clear", NULL),
			       NULL),
			 SCREEN_CLEAR);

	/* A rule may settle on "no" and stop the ones after it. */
	struct pack_rule stop[] = {
		{.level = PACK_RATING_NO, .kind = PACK_RULE_POSSIBLE_COUNT, .count = 1},
		{.level = PACK_RATING_CLEAR, .kind = PACK_RULE_CLEAR_COUNT, .count = 1},
	};
	ins = instrument(stop, 2);
	assert_int_equal(score(&ins, ratings("traded_sex", "clear", NULL), NULL), SCREEN_NO);
}

UNIT_TEST(no_rule_holding_gives_no)
{
	struct pack_rule rules[] = {{.level = PACK_RATING_CLEAR, .kind = PACK_RULE_CLEAR_COUNT, .count = 6}};
	struct pack_instrument ins = instrument(rules, 1);
	int count;
	assert_int_equal(score(&ins, ratings("runaway_history", "clear", "unstable_housing", "clear", "traded_sex",
					     "clear", "offered_for_sex", "clear", "threatened", "clear", NULL),
			       &count),
			 SCREEN_NO);
	assert_int_equal(count, 5);
	assert_int_equal(score(&ins, ratings("runaway_history", "clear", "unstable_housing", "clear", "traded_sex",
					     "clear", "offered_for_sex", "clear", "threatened", "clear", "debt_owed",
					     "clear", NULL),
			       &count),
			 SCREEN_CLEAR);
	assert_int_equal(count, 6);
}

/* --- Answers refused ----------------------------------------------------- */

UNIT_TEST(refuses_a_partial_screen_naming_every_missing_indicator)
{
	struct pack_rule rules[] = {{.level = PACK_RATING_CLEAR, .kind = PACK_RULE_CLEAR_COUNT, .count = 1}};
	struct pack_instrument ins = instrument(rules, 1);
	json_t *a = ratings(NULL);
	assert_int_equal(json_object_del(a, "unstable_housing"), 0);
	assert_refused(&ins, a, 1, "answers.unstable_housing", "required");

	a = ratings("traded_sex", "clear", NULL);
	assert_int_equal(json_object_del(a, "runaway_history"), 0);
	assert_int_equal(json_object_del(a, "debt_owed"), 0);
	assert_refused(&ins, a, 2, "answers.runaway_history", "required");
	a = ratings(NULL);
	assert_int_equal(json_object_del(a, "runaway_history"), 0);
	assert_int_equal(json_object_del(a, "debt_owed"), 0);
	assert_refused(&ins, a, 2, "answers.debt_owed", "required");

	a = json_object();
	assert_non_null(a);
	assert_refused(&ins, a, 6, "answers.offered_for_sex", "required");
}

UNIT_TEST(refuses_an_answer_to_an_unknown_indicator)
{
	struct pack_rule rules[] = {{.level = PACK_RATING_CLEAR, .kind = PACK_RULE_CLEAR_COUNT, .count = 1}};
	struct pack_instrument ins = instrument(rules, 1);
	json_t *a = ratings(NULL);
	assert_int_equal(json_object_set_new(a, "colour", json_string("no")), 0);
	assert_refused(&ins, a, 1, "answers.colour", "unknown indicator");

	/* A domain is not an indicator. */
	a = ratings(NULL);
	assert_int_equal(json_object_set_new(a, "coercion", json_string("clear")), 0);
	assert_refused(&ins, a, 1, "answers.coercion", "unknown indicator");

	/* A key from the client is quoted safely and cut when long. */
	a = ratings(NULL);
	assert_int_equal(json_object_set_new(a, "a\tb", json_string("no")), 0);
	assert_refused(&ins, a, 1, "answers.a?b", "unknown indicator");

	char key[300], want[128];
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	int n = snprintf(want, sizeof want, "answers.%.*s...", 116, key);
	assert_int_equal(n, 127);
	a = ratings(NULL);
	assert_int_equal(json_object_set_new(a, key, json_string("no")), 0);
	assert_refused(&ins, a, 1, want, "unknown indicator");
}

UNIT_TEST(refuses_a_rating_that_is_not_no_possible_or_clear)
{
	struct pack_rule rules[] = {{.level = PACK_RATING_CLEAR, .kind = PACK_RULE_CLEAR_COUNT, .count = 1}};
	struct pack_instrument ins = instrument(rules, 1);
	json_t *bad[] = {json_string("maybe"), json_string("Clear"), json_string(""), json_true(),
			 json_integer(2),      json_null(),           json_stringn("clear\0", 6)};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *a = ratings(NULL);
		assert_int_equal(json_object_set_new(a, "threatened", bad[i]), 0);
		assert_refused(&ins, a, 1, "answers.threatened", "must be \"no\", \"possible\" or \"clear\"");
	}
}

UNIT_TEST(refuses_answers_that_are_not_an_object)
{
	struct pack_rule rules[] = {{.level = PACK_RATING_CLEAR, .kind = PACK_RULE_CLEAR_COUNT, .count = 1}};
	struct pack_instrument ins = instrument(rules, 1);
	assert_refused(&ins, json_array(), 1, "answers", "Answers: not sent as the form sends them; reload the page and try again");
	assert_refused(&ins, json_string("no"), 1, "answers", "Answers: not sent as the form sends them; reload the page and try again");
	assert_refused(&ins, NULL, 1, "answers", "Answers: not sent as the form sends them; reload the page and try again");

	/* Without an error list, or an instrument, it still refuses. */
	enum screen_level level = SCREEN_NEGATIVE;
	json_t *a = ratings(NULL);
	assert_int_equal(json_object_del(a, "threatened"), 0);
	assert_int_equal(screening_score(&ins, a, NULL, &level, NULL), ERR_INVAL);
	assert_int_equal(screening_score(NULL, a, NULL, &level, NULL), ERR_INVAL);
	assert_int_equal(level, SCREEN_NEGATIVE);
	json_decref(a);

	/* And it scores without one, the count being optional. */
	a = ratings("traded_sex", "clear", NULL);
	assert_int_equal(screening_score(&ins, a, NULL, &level, NULL), 0);
	assert_int_equal(level, SCREEN_CLEAR);
	json_decref(a);
}

/* --- The shipped instruments --------------------------------------------- */

UNIT_TEST(scores_the_connecticut_indicator_screen)
{
	struct pack *p = ct_pack();
	const struct pack_instrument *ins = pack_default_instrument(p);
	assert_non_null(ins);
	assert_string_equal(ins->id, "indicator_screen");
	int count;
	assert_int_equal(score(ins, ct_ratings(ins, NULL), &count), SCREEN_NO);
	assert_int_equal(count, 0);
	/* One clear sign of current trafficking or exploitation is a clear concern. */
	assert_int_equal(score(ins, ct_ratings(ins, "traded_sex", "clear", NULL), NULL), SCREEN_CLEAR);
	assert_int_equal(score(ins, ct_ratings(ins, "sexual_images_used", "clear", NULL), NULL), SCREEN_CLEAR);
	/* So are two in coercion and relationships together. */
	assert_int_equal(
		score(ins, ct_ratings(ins, "contact_controlled", "clear", "afraid_to_leave", "clear", NULL), &count),
		SCREEN_CLEAR);
	assert_int_equal(count, 2);
	/* One clear vulnerability is a possible concern, as are two possibles. */
	assert_int_equal(score(ins, ct_ratings(ins, "runaway_history", "clear", NULL), NULL), SCREEN_POSSIBLE);
	assert_int_equal(score(ins, ct_ratings(ins, "contact_controlled", "clear", NULL), NULL), SCREEN_POSSIBLE);
	assert_int_equal(
		score(ins, ct_ratings(ins, "runaway_history", "possible", "older_partner_provides", "possible", NULL),
		      NULL),
		SCREEN_POSSIBLE);
	assert_int_equal(score(ins, ct_ratings(ins, "traded_sex", "possible", NULL), NULL), SCREEN_NO);

	/* An empty screen names every indicator. */
	size_t n = 0;
	for (size_t d = 0; d < ins->n_domains; d++)
		n += ins->domains[d].n_indicators;
	json_t *a = json_object();
	assert_non_null(a);
	assert_refused(ins, a, n, "answers.runaway_history", "required");

	/* An SSCST answer is not an indicator, and true is not a rating. */
	a = ct_ratings(ins, NULL);
	assert_int_equal(json_object_set_new(a, "ran_away", json_true()), 0);
	assert_refused(ins, a, 1, "answers.ran_away", "unknown indicator");
	a = ct_ratings(ins, NULL);
	assert_int_equal(json_object_set_new(a, "runaway_history", json_true()), 0);
	assert_refused(ins, a, 1, "answers.runaway_history", "must be \"no\", \"possible\" or \"clear\"");
	pack_free(p);
}

UNIT_TEST(the_sscst_is_positive_at_two_yes_answers)
{
	struct pack *p = ct_pack();
	const struct pack_instrument *ss = pack_instrument(p, "sscst");
	assert_non_null(ss);
	assert_int_equal(ss->n_items, 6);
	int count;
	assert_int_equal(score(ss, sscst_answers(ss, 0), &count), SCREEN_NEGATIVE);
	assert_int_equal(count, 0);
	assert_int_equal(score(ss, sscst_answers(ss, 1), &count), SCREEN_NEGATIVE);
	assert_int_equal(count, 1);
	assert_int_equal(score(ss, sscst_answers(ss, 2), &count), SCREEN_POSITIVE);
	assert_int_equal(count, 2);
	assert_int_equal(score(ss, sscst_answers(ss, 6), &count), SCREEN_POSITIVE);
	assert_int_equal(count, 6);

	/* Which items are yes does not matter, only how many. */
	json_t *a = sscst_answers(ss, 0);
	assert_int_equal(json_object_set_new(a, "violent_injury", json_true()), 0);
	assert_int_equal(json_object_set_new(a, "sti_history", json_true()), 0);
	assert_int_equal(score(ss, a, &count), SCREEN_POSITIVE);
	assert_int_equal(count, 2);
	pack_free(p);
}

UNIT_TEST(refuses_a_partial_or_malformed_sscst)
{
	struct pack *p = ct_pack();
	const struct pack_instrument *ss = pack_instrument(p, "sscst");
	json_t *a = sscst_answers(ss, 2);
	assert_int_equal(json_object_del(a, "many_partners"), 0);
	assert_refused(ss, a, 1, "answers.many_partners", "required");

	a = sscst_answers(ss, 2);
	assert_int_equal(json_object_set_new(a, "pregnancy", json_false()), 0);
	assert_refused(ss, a, 1, "answers.pregnancy", "unknown item");

	json_t *bad[] = {json_string("yes"), json_integer(1), json_null(), json_string("clear")};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		a = sscst_answers(ss, 0);
		assert_int_equal(json_object_set_new(a, "ran_away", bad[i]), 0);
		assert_refused(ss, a, 1, "answers.ran_away", "must be true or false");
	}

	/* Every problem at once. */
	a = sscst_answers(ss, 0);
	assert_int_equal(json_object_del(a, "substance_use"), 0);
	assert_int_equal(json_object_set_new(a, "ran_away", json_string("yes")), 0);
	assert_int_equal(json_object_set_new(a, "runaway_history", json_string("clear")), 0);
	assert_refused(ss, a, 3, "answers.substance_use", "required");
	pack_free(p);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
