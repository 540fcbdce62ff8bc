/* Tests for model/duty: the name table answers each kind's stored name
 * (written out here independently, as the database and the API hold them),
 * reads each name back, and refuses what is not a kind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdbool.h>
#include <string.h>

#include "base/err.h"
#include "model/duty.h"

static const char *const stored[] = {
        "law_enforcement_report", "missing_law_enforcement_report", "missing_ncmec_report", "return_debrief",
        "return_rescreen",        "rapid_response_target",          "action_item",   "referral_answer",
        "plan_review",
};

UNIT_TEST(every_kind_has_its_stored_name_and_reads_back)
{
	assert_int_equal(DUTY_KIND_COUNT, sizeof stored / sizeof *stored);
	for (int k = 0; k < DUTY_KIND_COUNT; k++) {
		assert_string_equal(duty_kind_to_string((enum duty_kind)k), stored[k]);
		enum duty_kind back = DUTY_KIND_COUNT;
		assert_int_equal(duty_kind_from_string(stored[k], &back), 0);
		assert_int_equal(back, k);
	}
}

UNIT_TEST(what_is_not_a_kind_is_refused)
{
	assert_null(duty_kind_to_string(DUTY_KIND_COUNT));
	assert_null(duty_kind_to_string((enum duty_kind) - 1));
	static const char *const bad[] = {
	        "", "Action_Item", "action_item ", "law_enforcement", "intake_disposition", "reminder_before"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		enum duty_kind k = DUTY_ACTION_ITEM;
		assert_int_equal(duty_kind_from_string(bad[i], &k), ERR_INVAL);
		assert_int_equal(k, DUTY_ACTION_ITEM);
	}
	enum duty_kind k;
	assert_int_equal(duty_kind_from_string(NULL, &k), ERR_INVAL);
	assert_int_equal(duty_kind_from_string("action_item", NULL), ERR_INVAL);
}

UNIT_TEST(the_federal_duties_are_the_three_reports)
{
	for (int k = 0; k < DUTY_KIND_COUNT; k++)
		assert_int_equal(duty_kind_is_federal((enum duty_kind)k),
		                 k == DUTY_LAW_ENFORCEMENT_REPORT || k == DUTY_MISSING_LAW_ENFORCEMENT_REPORT ||
		                         k == DUTY_MISSING_NCMEC_REPORT);
	assert_false(duty_kind_is_federal(DUTY_KIND_COUNT));
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
