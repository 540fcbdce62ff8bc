/* Tests for the jurisdiction's clock (base/clock.h): calendar days and wall
 * clocks in the pack's zone, across a change of offset in each direction,
 * in New York and in Chicago; durations are real time. The expected
 * instants are written out by hand from the zones' rules (the United
 * States moves its clocks at 02:00 local on the second Sunday of March and
 * the first Sunday of November: 2027-03-14 and 2027-11-07). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/err.h"

#define HOUR (INT64_C(3600) * HL_USEC_PER_SEC)

static void zone(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static hl_time at(const char *rfc3339)
{
	hl_time t;
	assert_int_equal(time_parse(rfc3339, &t), 0);
	return t;
}

static void assert_wall(hl_time t, int y, int mo, int d, int h, int mi, int64_t offset)
{
	struct local_time lt;
	assert_int_equal(local_from_time(t, &lt), 0);
	assert_int_equal(lt.y, y);
	assert_int_equal(lt.mo, mo);
	assert_int_equal(lt.d, d);
	assert_int_equal(lt.h, h);
	assert_int_equal(lt.mi, mi);
	assert_int_equal(lt.offset, offset);
}

static void assert_local(int y, int mo, int d, int h, int mi, const char *want, enum local_fit want_fit)
{
	hl_time t = 0;
	enum local_fit fit = LOCAL_ONCE;
	assert_int_equal(time_from_local(y, mo, d, h, mi, 0, &t, &fit), 0);
	char got[32];
	assert_int_equal(time_format(t, got, sizeof got), 0);
	assert_string_equal(got, want);
	assert_int_equal(fit, want_fit);
}

static void assert_date(hl_time t, const char *want)
{
	char got[16];
	assert_int_equal(local_date(t, got, sizeof got), 0);
	assert_string_equal(got, want);
}

/* A 24-hour duty started at noon the day before the change is due 24 real
 * hours later: 13:00 on the clocks after spring forward, 11:00 after fall
 * back. */
UNIT_TEST(a_day_long_duty_is_due_24_real_hours_later_in_new_york)
{
	zone("America/New_York");
	hl_time start = at("2027-03-13T17:00:00Z");
	assert_wall(start, 2027, 3, 13, 12, 0, -5 * 3600);
	assert_wall(start + 24 * HOUR, 2027, 3, 14, 13, 0, -4 * 3600);
	start = at("2027-11-06T16:00:00Z");
	assert_wall(start, 2027, 11, 6, 12, 0, -4 * 3600);
	assert_wall(start + 24 * HOUR, 2027, 11, 7, 11, 0, -5 * 3600);
}

UNIT_TEST(a_day_long_duty_is_due_24_real_hours_later_in_chicago)
{
	zone("America/Chicago");
	hl_time start = at("2027-03-13T18:00:00Z");
	assert_wall(start, 2027, 3, 13, 12, 0, -6 * 3600);
	assert_wall(start + 24 * HOUR, 2027, 3, 14, 13, 0, -5 * 3600);
	start = at("2027-11-06T17:00:00Z");
	assert_wall(start, 2027, 11, 6, 12, 0, -5 * 3600);
	assert_wall(start + 24 * HOUR, 2027, 11, 7, 11, 0, -6 * 3600);
}

/* 02:30 on the spring day is never shown: it is skipped, and read with the
 * offset before the change (03:30 of the new one); 01:30 on the autumn day
 * is shown twice: the earlier is taken. The minutes either side fit once. */
UNIT_TEST(the_skipped_and_the_repeated_hour_in_new_york)
{
	zone("America/New_York");
	assert_local(2027, 3, 14, 1, 59, "2027-03-14T06:59:00Z", LOCAL_ONCE);
	assert_local(2027, 3, 14, 2, 0, "2027-03-14T07:00:00Z", LOCAL_SKIPPED);
	assert_local(2027, 3, 14, 2, 30, "2027-03-14T07:30:00Z", LOCAL_SKIPPED);
	assert_local(2027, 3, 14, 3, 0, "2027-03-14T07:00:00Z", LOCAL_ONCE);
	assert_local(2027, 11, 7, 0, 59, "2027-11-07T04:59:00Z", LOCAL_ONCE);
	assert_local(2027, 11, 7, 1, 0, "2027-11-07T05:00:00Z", LOCAL_TWICE);
	assert_local(2027, 11, 7, 1, 30, "2027-11-07T05:30:00Z", LOCAL_TWICE);
	assert_local(2027, 11, 7, 2, 0, "2027-11-07T07:00:00Z", LOCAL_ONCE);
	assert_local(2027, 7, 4, 12, 0, "2027-07-04T16:00:00Z", LOCAL_ONCE);
	assert_local(2027, 1, 15, 12, 0, "2027-01-15T17:00:00Z", LOCAL_ONCE);
}

UNIT_TEST(the_skipped_and_the_repeated_hour_in_chicago)
{
	zone("America/Chicago");
	assert_local(2027, 3, 14, 1, 59, "2027-03-14T07:59:00Z", LOCAL_ONCE);
	assert_local(2027, 3, 14, 2, 30, "2027-03-14T08:30:00Z", LOCAL_SKIPPED);
	assert_local(2027, 3, 14, 3, 0, "2027-03-14T08:00:00Z", LOCAL_ONCE);
	assert_local(2027, 11, 7, 1, 30, "2027-11-07T06:30:00Z", LOCAL_TWICE);
	assert_local(2027, 11, 7, 2, 0, "2027-11-07T08:00:00Z", LOCAL_ONCE);
	assert_local(2027, 7, 4, 12, 0, "2027-07-04T17:00:00Z", LOCAL_ONCE);
}

/* Every quarter hour of the two change days, each zone: a wall time that
 * fits reads back as itself; only the skipped hour does not. */
UNIT_TEST(wall_times_read_back_across_both_changes)
{
	static const char *const zones[] = {"America/New_York", "America/Chicago"};
	static const int days[][3] = {{2027, 3, 13}, {2027, 3, 14}, {2027, 3, 15}, {2027, 11, 6}, {2027, 11, 7}, {2027, 11, 8}};
	for (size_t z = 0; z < 2; z++) {
		zone(zones[z]);
		int skipped = 0, twice = 0;
		for (size_t k = 0; k < sizeof days / sizeof *days; k++)
			for (int m = 0; m < 24 * 60; m += 15) {
				hl_time t;
				enum local_fit fit;
				assert_int_equal(time_from_local(days[k][0], days[k][1], days[k][2], m / 60, m % 60, 0, &t, &fit), 0);
				struct local_time lt;
				assert_int_equal(local_from_time(t, &lt), 0);
				bool same = lt.y == days[k][0] && lt.mo == days[k][1] && lt.d == days[k][2] && lt.h == m / 60 &&
					    lt.mi == m % 60;
				assert_true(same == (fit != LOCAL_SKIPPED));
				skipped += fit == LOCAL_SKIPPED;
				twice += fit == LOCAL_TWICE;
				if (fit == LOCAL_TWICE) {
					/* The earlier of the two: an hour later shows the same clock. */
					assert_int_equal(local_from_time(t + HOUR, &lt), 0);
					assert_int_equal(lt.h, m / 60);
				}
			}
		assert_int_equal(skipped, 4); /* 02:00, 02:15, 02:30, 02:45 on the spring day */
		assert_int_equal(twice, 4);   /* 01:00 .. 01:45 on the autumn day */
	}
}

/* 23:30 on a month's last day is in that month on the zone's calendar
 * (in UTC it is already the next month), around both changes. */
UNIT_TEST(the_last_half_hour_of_a_month_stays_in_it)
{
	zone("America/New_York");
	assert_date(at("2027-03-01T04:30:00Z"), "2027-02-28"); /* before spring forward, EST */
	assert_date(at("2027-04-01T03:30:00Z"), "2027-03-31"); /* after it, EDT */
	assert_date(at("2027-11-01T03:30:00Z"), "2027-10-31"); /* before fall back, EDT */
	assert_date(at("2027-12-01T04:30:00Z"), "2027-11-30"); /* after it, EST */
	assert_date(at("2028-01-01T04:30:00Z"), "2027-12-31"); /* and the year */
	zone("America/Chicago");
	assert_date(at("2027-03-01T05:30:00Z"), "2027-02-28");
	assert_date(at("2027-04-01T04:30:00Z"), "2027-03-31");
	assert_date(at("2027-11-01T04:30:00Z"), "2027-10-31");
	assert_date(at("2027-12-01T05:30:00Z"), "2027-11-30");
	int64_t day;
	assert_int_equal(local_day(at("2027-04-01T04:30:00Z"), &day), 0);
	assert_int_equal(day, days_from_civil(2027, 3, 31));
	/* And half an hour later it is the next day. */
	assert_date(at("2027-04-01T05:30:00Z"), "2027-04-01");
}

/* The end of a local day (a plan's review date): 23:59:59 on the zone's
 * clocks, on the short day and on the long one. */
UNIT_TEST(the_end_of_a_local_day_on_the_change_days)
{
	zone("America/New_York");
	assert_local(2027, 3, 14, 23, 59, "2027-03-15T03:59:00Z", LOCAL_ONCE);
	assert_local(2027, 11, 7, 23, 59, "2027-11-08T04:59:00Z", LOCAL_ONCE);
	zone("America/Chicago");
	assert_local(2027, 3, 14, 23, 59, "2027-03-15T04:59:00Z", LOCAL_ONCE);
	assert_local(2027, 11, 7, 23, 59, "2027-11-08T05:59:00Z", LOCAL_ONCE);
}

UNIT_TEST(words_for_a_person_on_the_zones_clock)
{
	char out[64];
	zone("America/New_York");
	assert_int_equal(local_words(at("2027-03-14T17:00:00Z"), out, sizeof out), 0);
	assert_string_equal(out, "Mar 14, 2027, 1:00 PM EDT");
	assert_int_equal(local_words(at("2027-11-07T05:30:00Z"), out, sizeof out), 0);
	assert_string_equal(out, "Nov 7, 2027, 1:30 AM EDT");
	assert_int_equal(local_words(at("2027-11-07T06:30:00Z"), out, sizeof out), 0);
	assert_string_equal(out, "Nov 7, 2027, 1:30 AM EST");
	zone("America/Chicago");
	assert_int_equal(local_words(at("2027-03-14T18:00:00Z"), out, sizeof out), 0);
	assert_string_equal(out, "Mar 14, 2027, 1:00 PM CDT");
	assert_int_equal(local_words(at("2027-01-01T06:00:00Z"), out, sizeof out), 0);
	assert_string_equal(out, "Jan 1, 2027, 12:00 AM CST");
	assert_int_equal(local_words(at("2027-01-01T06:00:00Z"), out, 8), ERR_TOOBIG);
}

UNIT_TEST(no_such_date_or_time)
{
	zone("America/New_York");
	hl_time t;
	assert_int_equal(time_from_local(2027, 2, 29, 12, 0, 0, &t, NULL), ERR_INVAL);
	assert_int_equal(time_from_local(2027, 13, 1, 12, 0, 0, &t, NULL), ERR_INVAL);
	assert_int_equal(time_from_local(2027, 3, 1, 24, 0, 0, &t, NULL), ERR_INVAL);
	assert_int_equal(time_from_local(2027, 3, 1, 12, 60, 0, &t, NULL), ERR_INVAL);
	assert_int_equal(time_from_local(2028, 2, 29, 12, 0, 0, &t, NULL), 0);
	char out[8];
	assert_int_equal(local_date(t, out, sizeof out), ERR_TOOBIG);
}

int main(void)
{
	return unit_run("tz", NULL, NULL);
}
