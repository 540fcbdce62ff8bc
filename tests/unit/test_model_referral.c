/* Tests for model/referral: the status machine (which move follows which,
 * who makes it, what it carries) and the provider's answer deadline, in
 * business days across weekends and daylight-saving changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "unit.h"

#include "base/err.h"
#include "model/referral.h"

/* ---- the status machine ---- */

UNIT_TEST(every_status_has_a_name_a_label_and_parses_back)
{
	for (int s = 0; s < REFERRAL_STATUS_COUNT; s++) {
		enum referral_status back;
		assert_non_null(referral_status_name((enum referral_status)s));
		assert_non_null(referral_status_label((enum referral_status)s));
		assert_int_equal(referral_status_parse(referral_status_name((enum referral_status)s), &back), 0);
		assert_int_equal(back, s);
	}
	enum referral_status x;
	assert_int_equal(referral_status_parse("open", &x), ERR_INVAL);
	assert_int_equal(referral_status_parse(NULL, &x), ERR_INVAL);
	assert_null(referral_status_name(REFERRAL_STATUS_COUNT));
}

/* from -> the statuses allowed, as a bit set. */
static unsigned allowed_set(enum referral_status from)
{
	enum referral_status out[REFERRAL_STATUS_COUNT];
	size_t n = referral_allowed(from, out);
	unsigned set = 0;
	for (size_t i = 0; i < n; i++)
		set |= 1u << out[i];
	return set;
}

#define B(x) (1u << (x))

UNIT_TEST(the_lifecycle_allows_exactly_the_documented_moves)
{
	assert_int_equal(allowed_set(REFERRAL_PENDING), B(REFERRAL_ACCEPTED) | B(REFERRAL_DECLINED) | B(REFERRAL_WITHDRAWN));
	assert_int_equal(allowed_set(REFERRAL_ACCEPTED), B(REFERRAL_STARTED) | B(REFERRAL_WITHDRAWN));
	assert_int_equal(allowed_set(REFERRAL_STARTED), B(REFERRAL_COMPLETED) | B(REFERRAL_ENDED));
	for (enum referral_status s = REFERRAL_DECLINED; s < REFERRAL_STATUS_COUNT; s++)
		if (s != REFERRAL_STARTED) {
			assert_int_equal(allowed_set(s), 0);
			assert_true(referral_is_final(s));
		}
	assert_false(referral_is_final(REFERRAL_PENDING));
	/* Staying is no move; going back is none either. */
	for (int s = 0; s < REFERRAL_STATUS_COUNT; s++)
		assert_false(referral_may((enum referral_status)s, (enum referral_status)s));
	assert_false(referral_may(REFERRAL_STARTED, REFERRAL_ACCEPTED));
	assert_false(referral_may(REFERRAL_PENDING, REFERRAL_STARTED));
	assert_false(referral_may(REFERRAL_STARTED, REFERRAL_WITHDRAWN));
	assert_false(referral_may(REFERRAL_STATUS_COUNT, REFERRAL_ACCEPTED));
}

UNIT_TEST(the_provider_answers_and_the_referring_side_withdraws)
{
	assert_int_equal(referral_move_perm(REFERRAL_ACCEPTED), PERM_REFERRALS_ANSWER);
	assert_int_equal(referral_move_perm(REFERRAL_DECLINED), PERM_REFERRALS_ANSWER);
	assert_int_equal(referral_move_perm(REFERRAL_STARTED), PERM_REFERRALS_ANSWER);
	assert_int_equal(referral_move_perm(REFERRAL_COMPLETED), PERM_REFERRALS_ANSWER);
	assert_int_equal(referral_move_perm(REFERRAL_ENDED), PERM_REFERRALS_ANSWER);
	assert_int_equal(referral_move_perm(REFERRAL_WITHDRAWN), PERM_REFERRALS_WRITE);
	/* Only an acceptance or a decline answers the referral. */
	assert_true(referral_move_answers(REFERRAL_ACCEPTED));
	assert_true(referral_move_answers(REFERRAL_DECLINED));
	assert_false(referral_move_answers(REFERRAL_STARTED));
	assert_false(referral_move_answers(REFERRAL_WITHDRAWN));
}

UNIT_TEST(a_decline_an_early_end_and_a_completion_carry_their_reason_or_outcome)
{
	assert_int_equal(referral_move_needs(REFERRAL_DECLINED), REFERRAL_NEEDS_DECLINE_REASON);
	assert_int_equal(referral_move_needs(REFERRAL_ENDED), REFERRAL_NEEDS_END_REASON);
	assert_int_equal(referral_move_needs(REFERRAL_COMPLETED), REFERRAL_NEEDS_OUTCOME);
	assert_int_equal(referral_move_needs(REFERRAL_ACCEPTED), REFERRAL_NEEDS_NOTHING);
	assert_int_equal(referral_move_needs(REFERRAL_WITHDRAWN), REFERRAL_NEEDS_NOTHING);
	assert_non_null(referral_move_label(REFERRAL_ENDED));
	assert_null(referral_move_label(REFERRAL_PENDING));
}

UNIT_TEST(urgencies_are_routine_urgent_and_emergency)
{
	assert_true(referral_urgency_valid("routine"));
	assert_true(referral_urgency_valid("urgent"));
	assert_true(referral_urgency_valid("emergency"));
	assert_false(referral_urgency_valid("asap"));
	assert_false(referral_urgency_valid(NULL));
	assert_string_equal(referral_urgency_label("emergency"), "Emergency");
}

/* ---- the answer deadline ---- */

/* A zone like New York in 2026: five hours behind UTC, four while its
 * clocks are forward (from spring to fall, instants in UTC). */
struct zone {
	hl_time spring, fall;
};

static int64_t zone_offset(hl_time t, void *arg)
{
	const struct zone *z = arg;
	return t >= z->spring && t < z->fall ? -4 * 3600 : -5 * 3600;
}

/* An instant given in UTC. */
static hl_time utc(int y, int mo, int d, int h, int mi)
{
	return ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60) * HL_USEC_PER_SEC;
}

static struct zone new_york_2026(void)
{
	/* 2 a.m. local on 8 March and 1 November 2026. */
	return (struct zone){utc(2026, 3, 8, 7, 0), utc(2026, 11, 1, 6, 0)};
}

static void due_is(hl_time referred, int days, hl_time want)
{
	struct zone z = new_york_2026();
	char got_s[32], want_s[32];
	hl_time got = referral_answer_due(referred, 0, days, zone_offset, &z);
	time_format(got, got_s, sizeof got_s);
	time_format(want, want_s, sizeof want_s);
	assert_string_equal(got_s, want_s);
}

UNIT_TEST(business_days_skip_the_weekend_at_the_same_local_time)
{
	/* Monday 9:00 EST + 2: Wednesday 9:00. */
	due_is(utc(2026, 11, 30, 14, 0), 2, utc(2026, 12, 2, 14, 0));
	/* Thursday 16:30 + 2: Monday 16:30. */
	due_is(utc(2026, 11, 26, 21, 30), 2, utc(2026, 11, 30, 21, 30));
	/* Friday 15:00 + 2: Tuesday 15:00. */
	due_is(utc(2026, 11, 27, 20, 0), 2, utc(2026, 12, 1, 20, 0));
	/* Saturday 13:40 (the fixture's now) counts from Monday: Tuesday. */
	due_is(utc(2026, 11, 28, 18, 40), 2, utc(2026, 12, 1, 18, 40));
	/* Sunday + 1: Monday. */
	due_is(utc(2026, 11, 29, 15, 0), 1, utc(2026, 11, 30, 15, 0));
	/* Friday + 5: the next Friday. */
	due_is(utc(2026, 11, 27, 20, 0), 5, utc(2026, 12, 4, 20, 0));
}

UNIT_TEST(the_local_day_decides_not_the_utc_day)
{
	/* Friday 22:00 in New York is Saturday 03:00 UTC: still a Friday
	 * referral, due Tuesday 22:00 local. */
	due_is(utc(2026, 11, 28, 3, 0), 2, utc(2026, 12, 2, 3, 0));
}

UNIT_TEST(the_due_time_keeps_the_local_clock_across_daylight_saving_changes)
{
	/* Friday 6 March 10:00 EST (15:00Z) + 2: Tuesday 10 March 10:00 EDT,
	 * which is 14:00Z, not 15:00Z. */
	due_is(utc(2026, 3, 6, 15, 0), 2, utc(2026, 3, 10, 14, 0));
	/* Friday 30 October 10:00 EDT (14:00Z) + 1: Monday 2 November 10:00
	 * EST, 15:00Z. */
	due_is(utc(2026, 10, 30, 14, 0), 1, utc(2026, 11, 2, 15, 0));
}

UNIT_TEST(a_local_time_the_zone_skips_is_read_an_hour_later)
{
	/* A zone that changes its clocks on a Monday, at 2 a.m. local. */
	struct zone z = {utc(2026, 3, 9, 7, 0), utc(2026, 11, 2, 6, 0)};
	char got[32];
	/* Friday 02:30 EST + 1: Monday 02:30 does not exist; 03:30 EDT. */
	time_format(referral_answer_due(utc(2026, 3, 6, 7, 30), 0, 1, zone_offset, &z), got, sizeof got);
	assert_string_equal(got, "2026-03-09T07:30:00Z");
	/* Friday 01:30 EDT + 1: Monday 01:30 comes twice; the first, EDT. */
	time_format(referral_answer_due(utc(2026, 10, 30, 5, 30), 0, 1, zone_offset, &z), got, sizeof got);
	assert_string_equal(got, "2026-11-02T05:30:00Z");
}

UNIT_TEST(a_service_with_minutes_is_due_that_many_minutes_later_weekend_or_not)
{
	struct zone z = new_york_2026();
	hl_time sat = utc(2026, 11, 28, 18, 40);
	assert_int_equal(referral_answer_due(sat, 240, 2, zone_offset, &z), sat + 240 * 60 * HL_USEC_PER_SEC);
	/* Seconds and their fractions are kept. */
	hl_time t = utc(2026, 11, 30, 14, 0) + 7 * HL_USEC_PER_SEC;
	assert_int_equal(referral_answer_due(t, 0, 1, zone_offset, &z), utc(2026, 12, 1, 14, 0) + 7 * HL_USEC_PER_SEC);
}

int main(void)
{
	return unit_run("model_referral", NULL, NULL);
}
