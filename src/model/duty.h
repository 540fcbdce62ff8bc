/* duty: the kinds of duty with a due time (docs/cases.md, "Deadlines"), one
 * name table for them all.
 *
 * A duty's kind is stored and answered by name; every service names a kind
 * by this enum and writes or binds the table's name, so that no kind is
 * spelled twice. All but action_item, referral_answer and plan_review are also the ids of
 * the pack's deadlines, where a duty's name, basis and due time come from. */
#pragma once

#include <stdbool.h>

enum duty_kind {
	DUTY_LAW_ENFORCEMENT_REPORT,         /* federal: report the identified child to law enforcement */
	DUTY_MISSING_LAW_ENFORCEMENT_REPORT, /* federal: report a missing child to law enforcement */
	DUTY_MISSING_NCMEC_REPORT,           /* federal: report a missing child to NCMEC */
	DUTY_RETURN_DEBRIEF,                 /* after a missing child returns */
	DUTY_RETURN_RESCREEN,                /* after a missing child returns, instead of a debrief */
	DUTY_RAPID_RESPONSE_TARGET,          /* a rapid responder's arrival target */
	DUTY_ACTION_ITEM,                    /* what an MDT review decided someone must do */
	DUTY_REFERRAL_ANSWER,                /* a provider's answer to a service referral (pack: referral_answer) */
	DUTY_PLAN_REVIEW,                    /* a safety or service plan's review date */
	DUTY_KIND_COUNT,
};

/* "law_enforcement_report", ...; NULL outside the enum. */
const char *duty_kind_to_string(enum duty_kind k);
/* 0 and *ret when s names a kind (exactly); ERR_INVAL otherwise, *ret
 * untouched. */
int duty_kind_from_string(const char *s, enum duty_kind *ret);
/* The duties federal law sets (the 24-hour reports). */
bool duty_kind_is_federal(enum duty_kind k);
