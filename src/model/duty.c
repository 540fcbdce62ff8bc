/* duty.c: see duty.h. */
#include "model/duty.h"

#include <string.h>

#include "base/err.h"

static const char *const duty_kind_table[DUTY_KIND_COUNT] = {
        [DUTY_LAW_ENFORCEMENT_REPORT] = "law_enforcement_report",
        [DUTY_MISSING_LAW_ENFORCEMENT_REPORT] = "missing_law_enforcement_report",
        [DUTY_MISSING_NCMEC_REPORT] = "missing_ncmec_report",
        [DUTY_RETURN_DEBRIEF] = "return_debrief",
        [DUTY_RETURN_RESCREEN] = "return_rescreen",
        [DUTY_RAPID_RESPONSE_TARGET] = "rapid_response_target",
        [DUTY_ACTION_ITEM] = "action_item",
        [DUTY_REFERRAL_ANSWER] = "referral_answer",
        [DUTY_PLAN_REVIEW] = "plan_review",
};

const char *duty_kind_to_string(enum duty_kind k)
{
	return (unsigned)k < DUTY_KIND_COUNT ? duty_kind_table[k] : NULL;
}

int duty_kind_from_string(const char *s, enum duty_kind *ret)
{
	if (!s || !ret)
		return ERR_INVAL;
	for (int k = 0; k < DUTY_KIND_COUNT; k++)
		if (strcmp(duty_kind_table[k], s) == 0) {
			*ret = (enum duty_kind)k;
			return 0;
		}
	return ERR_INVAL;
}

bool duty_kind_is_federal(enum duty_kind k)
{
	return k == DUTY_LAW_ENFORCEMENT_REPORT || k == DUTY_MISSING_LAW_ENFORCEMENT_REPORT ||
	       k == DUTY_MISSING_NCMEC_REPORT;
}
