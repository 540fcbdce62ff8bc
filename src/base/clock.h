/* clock: the one source of the current time.
 *
 * Every module asks now() instead of the system clock, so that tests can set
 * the time and deadlines can be checked without waiting. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds since the Unix epoch, UTC. */
typedef int64_t hl_time;

#define HL_USEC_PER_SEC INT64_C(1000000)

/* The current time: the system's, unless clock_set() fixed it. */
hl_time now(void);
/* The time one-time codes (the second factor) are checked at: now(), or in
 * a test build the time in HARTLINE_TEST_CODE_NOW_FILE when that is set. */
hl_time now_for_codes(void);
/* A monotonic reading in microseconds, for durations only. */
int64_t clock_mono_us(void);

/* Fix now() at t (tests, and HARTLINE_NOW in test builds); clock_reset()
 * returns to the system clock. clock_advance() moves a fixed clock on. */
void clock_set(hl_time t);
void clock_advance(int64_t us);
void clock_reset(void);

/* RFC 3339 in UTC with seconds ("2026-11-28T18:40:00Z"); size >= 21. */
int time_format(hl_time t, char *out, size_t size);
/* The proleptic Gregorian calendar: whether y is a leap year, and the days
 * of month m (1..12) of year y; 0 for a month outside 1..12. */
bool civil_is_leap(int y);
int civil_days_in_month(int y, int m);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t days_from_civil(int y, int m, int d);
void civil_from_days(int64_t days, int *ret_y, int *ret_m, int *ret_d);

/* Parse RFC 3339 ("2026-11-28T18:40:00Z", "...T13:40:00.5-05:00"). */
int time_parse(const char *s, hl_time *ret);

/* ---- the jurisdiction's clock ----
 *
 * Calendar days, months and years, and the time of day a person reads, are
 * the jurisdiction's: app_open sets the process's time zone (TZ) to the
 * pack's time_zone, and these read that zone. Durations are real time: a
 * 24-hour duty is due 24 * 3600 seconds after it starts, whatever the
 * clocks did in between (hl_time arithmetic, never these). */

/* An instant as the zone's clocks show it. */
struct local_time {
	int y, mo, d, h, mi, s;
	int64_t offset; /* seconds east of UTC then (-18000: New York in winter) */
};

/* How a wall-clock time fits the zone: once, twice (the autumn hour that
 * comes twice: the earlier is taken) or never (the spring hour the clocks
 * skip). */
enum local_fit { LOCAL_ONCE, LOCAL_TWICE, LOCAL_SKIPPED };

/* The zone's clock at t. */
int local_from_time(hl_time t, struct local_time *ret);
/* The day of t in the zone: *ret days since 1970-01-01 (days_from_civil). */
int local_day(hl_time t, int64_t *ret);
/* "YYYY-MM-DD", the day of t in the zone; size >= 11. */
int local_date(hl_time t, char *out, size_t size);
/* The instant the zone's clocks show y-mo-d h:mi:s. Twice: the earlier.
 * Skipped: *ret is the time read with the offset before the change (02:30
 * on the spring day is 03:30 of the new offset), and *fit says so: a form
 * refuses it, with words for the person. fit may be NULL. ERR_INVAL for
 * no such date or time. */
int time_from_local(int y, int mo, int d, int h, int mi, int s, hl_time *ret, enum local_fit *fit);
/* t for a person, on the zone's clock: "Mar 14, 2027, 1:00 PM EDT". */
int local_words(hl_time t, char *out, size_t size);
