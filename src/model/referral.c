/* referral.c: see referral.h and docs/recovery.md. */
#include "model/referral.h"

#include <string.h>

#include "base/err.h"

static const char *const status_names[REFERRAL_STATUS_COUNT] = {
	[REFERRAL_PENDING] = "pending",	    [REFERRAL_ACCEPTED] = "accepted", [REFERRAL_DECLINED] = "declined",
	[REFERRAL_STARTED] = "started",	    [REFERRAL_COMPLETED] = "completed", [REFERRAL_ENDED] = "ended",
	[REFERRAL_WITHDRAWN] = "withdrawn",
};

static const char *const status_labels[REFERRAL_STATUS_COUNT] = {
	[REFERRAL_PENDING] = "Waiting for the provider's answer",
	[REFERRAL_ACCEPTED] = "Accepted",
	[REFERRAL_DECLINED] = "Declined",
	[REFERRAL_STARTED] = "Service started",
	[REFERRAL_COMPLETED] = "Completed",
	[REFERRAL_ENDED] = "Ended early",
	[REFERRAL_WITHDRAWN] = "Withdrawn",
};

static const char *const move_labels[REFERRAL_STATUS_COUNT] = {
	[REFERRAL_PENDING] = NULL,
	[REFERRAL_ACCEPTED] = "Accept",
	[REFERRAL_DECLINED] = "Decline",
	[REFERRAL_STARTED] = "Start the service",
	[REFERRAL_COMPLETED] = "Complete",
	[REFERRAL_ENDED] = "End early",
	[REFERRAL_WITHDRAWN] = "Withdraw the referral",
};

#define S(x) (1u << (x))

/* The allowed moves, one bit per target status:
 *
 *   pending ──► accepted ──► started ──► completed
 *      │  │         │            └─────► ended (early)
 *      │  └──► declined          │
 *      └──────────┴──► withdrawn
 */
static const unsigned allowed[REFERRAL_STATUS_COUNT] = {
	[REFERRAL_PENDING] = S(REFERRAL_ACCEPTED) | S(REFERRAL_DECLINED) | S(REFERRAL_WITHDRAWN),
	[REFERRAL_ACCEPTED] = S(REFERRAL_STARTED) | S(REFERRAL_WITHDRAWN),
	[REFERRAL_STARTED] = S(REFERRAL_COMPLETED) | S(REFERRAL_ENDED),
};

const char *referral_status_name(enum referral_status s)
{
	return (unsigned)s < REFERRAL_STATUS_COUNT ? status_names[s] : NULL;
}

int referral_status_parse(const char *name, enum referral_status *ret)
{
	for (int s = 0; name && s < REFERRAL_STATUS_COUNT; s++)
		if (strcmp(status_names[s], name) == 0) {
			*ret = (enum referral_status)s;
			return 0;
		}
	return ERR_INVAL;
}

const char *referral_status_label(enum referral_status s)
{
	return (unsigned)s < REFERRAL_STATUS_COUNT ? status_labels[s] : NULL;
}

const char *referral_move_label(enum referral_status s)
{
	return (unsigned)s < REFERRAL_STATUS_COUNT ? move_labels[s] : NULL;
}

bool referral_may(enum referral_status from, enum referral_status to)
{
	if ((unsigned)from >= REFERRAL_STATUS_COUNT || (unsigned)to >= REFERRAL_STATUS_COUNT)
		return false;
	return (allowed[from] & S(to)) != 0;
}

size_t referral_allowed(enum referral_status from, enum referral_status out[REFERRAL_STATUS_COUNT])
{
	size_t n = 0;
	for (int s = 0; s < REFERRAL_STATUS_COUNT; s++)
		if (referral_may(from, (enum referral_status)s))
			out[n++] = (enum referral_status)s;
	return n;
}

bool referral_is_final(enum referral_status s)
{
	return (unsigned)s < REFERRAL_STATUS_COUNT && allowed[s] == 0;
}

enum perm referral_move_perm(enum referral_status to)
{
	return to == REFERRAL_WITHDRAWN ? PERM_REFERRALS_WRITE : PERM_REFERRALS_ANSWER;
}

enum referral_needs referral_move_needs(enum referral_status to)
{
	switch (to) {
	case REFERRAL_DECLINED:
		return REFERRAL_NEEDS_DECLINE_REASON;
	case REFERRAL_ENDED:
		return REFERRAL_NEEDS_END_REASON;
	case REFERRAL_COMPLETED:
		return REFERRAL_NEEDS_OUTCOME;
	default:
		return REFERRAL_NEEDS_NOTHING;
	}
}

bool referral_move_answers(enum referral_status to)
{
	return to == REFERRAL_ACCEPTED || to == REFERRAL_DECLINED;
}

/* ---- urgency ---- */

const char *const referral_urgencies[] = {"routine", "urgent", "emergency", NULL};
static const char *const urgency_labels[] = {"Routine", "Urgent", "Emergency"};

bool referral_urgency_valid(const char *s)
{
	return referral_urgency_label(s) != NULL;
}

const char *referral_urgency_label(const char *s)
{
	for (size_t i = 0; s && referral_urgencies[i]; i++)
		if (strcmp(referral_urgencies[i], s) == 0)
			return urgency_labels[i];
	return NULL;
}

/* ---- the answer deadline ---- */

#define DAY_SECONDS INT64_C(86400)

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Monday to Friday; 1970-01-01 (day 0) was a Thursday. */
static bool is_business_day(int64_t days)
{
	int64_t wd = (days % 7 + 7 + 4) % 7; /* 0 Sunday .. 6 Saturday */
	return wd != 0 && wd != 6;
}

/* The instant at which the zone's clocks show local (seconds since the
 * epoch, read as a wall clock). Of two instants (the autumn hour that
 * comes twice) the first; of none (the spring hour skipped) the one read
 * with the offset before the change. */
static int64_t local_to_utc(int64_t local, referral_zone_offset off, void *arg)
{
	int64_t before = off((local - DAY_SECONDS) * HL_USEC_PER_SEC, arg);
	int64_t after = off((local + DAY_SECONDS) * HL_USEC_PER_SEC, arg);
	if (off((local - before) * HL_USEC_PER_SEC, arg) == before)
		return local - before;
	if (off((local - after) * HL_USEC_PER_SEC, arg) == after)
		return local - after;
	return local - before;
}

hl_time referral_answer_due(hl_time referred_at, int64_t minutes, int business_days, referral_zone_offset off,
			    void *arg)
{
	if (minutes > 0)
		return referred_at + minutes * 60 * HL_USEC_PER_SEC;
	int64_t sec = floor_div(referred_at, HL_USEC_PER_SEC);
	int64_t sub = referred_at - sec * HL_USEC_PER_SEC;
	int64_t local = sec + off(referred_at, arg);
	int64_t day = floor_div(local, DAY_SECONDS), tod = local - day * DAY_SECONDS;
	for (int n = business_days > 0 ? business_days : 0; n > 0;)
		if (is_business_day(++day))
			n--;
	return local_to_utc(day * DAY_SECONDS + tod, off, arg) * HL_USEC_PER_SEC + sub;
}
