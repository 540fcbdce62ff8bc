/* referral: the rules of a service referral that need no database
 * (docs/recovery.md, "Service referrals").
 *
 * The status machine (pending, accepted, declined, started, completed,
 * ended, withdrawn): which status may follow which, who may make each move
 * (the provider answers, starts and closes; the referring side withdraws),
 * and what a move must carry (a decline or end reason, an outcome). The
 * urgencies. And the provider's answer deadline: minutes for a service the
 * pack answers faster, else business days, Monday to Friday, in the pack's
 * time zone. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "model/access.h"

/* --- Status ---------------------------------------------------------------- */

enum referral_status {
	REFERRAL_PENDING,
	REFERRAL_ACCEPTED,
	REFERRAL_DECLINED,
	REFERRAL_STARTED,
	REFERRAL_COMPLETED,
	REFERRAL_ENDED,
	REFERRAL_WITHDRAWN,
	REFERRAL_STATUS_COUNT,
};

/* "pending", ...; NULL outside the enum. */
const char *referral_status_name(enum referral_status s);
/* 0 and *ret when name is a status; ERR_INVAL otherwise. */
int referral_status_parse(const char *name, enum referral_status *ret);
/* "Waiting for an answer", ...; NULL outside the enum. */
const char *referral_status_label(enum referral_status s);
/* The words of the move to s, for a button: "Accept", "Decline", ... */
const char *referral_move_label(enum referral_status s);

/* Whether a referral may go from one status to another. Staying is no
 * move: from == to answers false. */
bool referral_may(enum referral_status from, enum referral_status to);
/* The statuses allowed from `from`, in the enum's order, into out; their
 * count (0 for declined, completed, ended, withdrawn). */
size_t referral_allowed(enum referral_status from, enum referral_status out[REFERRAL_STATUS_COUNT]);
/* Whether a referral in s is over (no move leads out of it). */
bool referral_is_final(enum referral_status s);

/* The permission a move to `to` needs: PERM_REFERRALS_ANSWER for what the
 * provider does (accept, decline, start, complete, end early),
 * PERM_REFERRALS_WRITE for what the referring side does (withdraw). */
enum perm referral_move_perm(enum referral_status to);

/* What a move to `to` must carry. */
enum referral_needs {
	REFERRAL_NEEDS_NOTHING,
	REFERRAL_NEEDS_DECLINE_REASON, /* reason_code from the pack's referral_decline_reasons */
	REFERRAL_NEEDS_END_REASON,     /* reason_code from referral_end_reasons */
	REFERRAL_NEEDS_OUTCOME,        /* outcome from referral_outcomes */
};
enum referral_needs referral_move_needs(enum referral_status to);
/* The move answers the referral (meets the provider's answer duty). */
bool referral_move_answers(enum referral_status to);

/* --- Urgency ------------------------------------------------------------- */

/* routine, urgent, emergency. */
bool referral_urgency_valid(const char *s);
/* "Routine", ...; NULL for anything else. */
const char *referral_urgency_label(const char *s);
extern const char *const referral_urgencies[]; /* NULL-terminated */

/* --- The answer deadline ------------------------------------------------- */

/* The offset of the local time from UTC at instant t, in seconds east
 * (-18000 for New York in winter). The caller gives the zone's rules. */
typedef int64_t (*referral_zone_offset)(hl_time t, void *arg);

/* When a provider's answer to a referral made at referred_at is due:
 * referred_at + minutes when minutes > 0; else the same local time
 * business_days working days (Monday to Friday) later in the zone that
 * off describes. A referral made on a Saturday counts from the Monday:
 * Saturday 14:00 + 2 days is Tuesday 14:00. A local time that the zone
 * skips that day (the spring change) is read with the offset in force
 * before the change, i.e. one hour later on the clock. */
hl_time referral_answer_due(hl_time referred_at, int64_t minutes, int business_days, referral_zone_offset off,
			    void *arg);
