#include "base/clock.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/err.h"

static _Atomic bool fixed;
static _Atomic int64_t fixed_at;

#ifdef HARTLINE_TEST_HOOKS
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>

/* A time read from a file named by an environment variable, re-read
 * whenever the file changes. */
struct file_clock {
	const char *env;
	pthread_mutex_t lock;
	struct timespec seen;
	hl_time value;
	bool valid;
};

static bool file_clock_read(struct file_clock *fc, hl_time *ret)
{
	const char *path = getenv(fc->env);
	struct stat sb;
	if (!path || !*path || stat(path, &sb) != 0)
		return false;
	pthread_mutex_lock(&fc->lock);
	if (sb.st_mtim.tv_sec != fc->seen.tv_sec || sb.st_mtim.tv_nsec != fc->seen.tv_nsec) {
		char text[64] = {0};
		FILE *f = fopen(path, "r");
		fc->valid = false;
		if (f) {
			size_t n = fread(text, 1, sizeof text - 1, f);
			fclose(f);
			while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
				text[--n] = '\0';
			fc->valid = time_parse(text, &fc->value) == 0;
		}
		fc->seen = sb.st_mtim;
	}
	bool ok = fc->valid;
	*ret = fc->value;
	pthread_mutex_unlock(&fc->lock);
	return ok;
}

/* Test builds only: when HARTLINE_TEST_NOW_FILE names a file holding an
 * RFC 3339 time, now() is that time. The end-to-end tests move a running
 * server's clock this way. */
static struct file_clock test_now = {.env = "HARTLINE_TEST_NOW_FILE", .lock = PTHREAD_MUTEX_INITIALIZER};
/* And HARTLINE_TEST_CODE_NOW_FILE sets the clock of one-time codes alone,
 * so that a test harness can log the same user in many times a minute
 * (each login a code of a later step) without moving the server's time. */
static struct file_clock test_code_now = {.env = "HARTLINE_TEST_CODE_NOW_FILE", .lock = PTHREAD_MUTEX_INITIALIZER};

static bool test_clock(hl_time *ret)
{
	return file_clock_read(&test_now, ret);
}
#endif

hl_time now(void)
{
	if (atomic_load(&fixed))
		return atomic_load(&fixed_at);
#ifdef HARTLINE_TEST_HOOKS
	hl_time t;
	if (test_clock(&t))
		return t;
#endif
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (hl_time)ts.tv_sec * HL_USEC_PER_SEC + ts.tv_nsec / 1000;
}

hl_time now_for_codes(void)
{
#ifdef HARTLINE_TEST_HOOKS
	hl_time t;
	if (file_clock_read(&test_code_now, &t))
		return t;
#endif
	return now();
}

int64_t clock_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HL_USEC_PER_SEC + ts.tv_nsec / 1000;
}

void clock_set(hl_time t)
{
	atomic_store(&fixed_at, t);
	atomic_store(&fixed, true);
}

void clock_advance(int64_t us)
{
	atomic_fetch_add(&fixed_at, us);
}

void clock_reset(void)
{
	atomic_store(&fixed, false);
}

int time_format(hl_time t, char *out, size_t size)
{
	time_t secs = (time_t)(t >= 0 ? t / HL_USEC_PER_SEC : (t - HL_USEC_PER_SEC + 1) / HL_USEC_PER_SEC);
	struct tm tm;
	if (!gmtime_r(&secs, &tm))
		return ERR_INVAL;
	if (strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return ERR_TOOBIG;
	return 0;
}

static int digits(const char *s, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return ERR_PARSE;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

bool civil_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int civil_days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && civil_is_leap(y) ? 29 : d[m - 1];
}

int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int *ry, int *rm, int *rd)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp + (mp < 10 ? 3 : -9);
	*ry = (int)(y + (m <= 2));
	*rm = (int)m;
	*rd = (int)d;
}

int time_parse(const char *s, hl_time *ret)
{
	int y, mo, d, h, mi, se;
	size_t len = strlen(s);
	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
	    s[16] != ':')
		return ERR_PARSE;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return ERR_PARSE;
	if (mo < 1 || mo > 12 || d < 1 || d > civil_days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return ERR_PARSE;
	const char *p = s + 19;
	int64_t frac = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		int64_t scale = 100000;
		while (isdigit((unsigned char)*p)) {
			if (n < 6) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
			n++;
			p++;
		}
		if (n == 0 || n > 9)
			return ERR_PARSE;
	}
	int64_t offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return ERR_PARSE;
		offset = (oh * 60 + om) * 60;
		if (*p == '-')
			offset = -offset;
		p += 6;
	} else {
		return ERR_PARSE;
	}
	if (*p)
		return ERR_PARSE;
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
	*ret = secs * HL_USEC_PER_SEC + frac;
	return 0;
}

/* ---- the jurisdiction's clock ---- */

static int64_t floor_secs(hl_time t)
{
	return t >= 0 ? t / HL_USEC_PER_SEC : (t - HL_USEC_PER_SEC + 1) / HL_USEC_PER_SEC;
}

static int local_tm(int64_t secs, struct tm *tm)
{
	time_t tt = (time_t)secs;
	return localtime_r(&tt, tm) ? 0 : ERR_INVAL;
}

int local_from_time(hl_time t, struct local_time *ret)
{
	struct tm tm;
	int r = local_tm(floor_secs(t), &tm);
	if (r < 0)
		return r;
	*ret = (struct local_time){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				   tm.tm_min,          tm.tm_sec,      (int64_t)tm.tm_gmtoff};
	return 0;
}

int local_day(hl_time t, int64_t *ret)
{
	struct local_time lt;
	int r = local_from_time(t, &lt);
	if (r == 0)
		*ret = days_from_civil(lt.y, lt.mo, lt.d);
	return r;
}

int local_date(hl_time t, char *out, size_t size)
{
	struct local_time lt;
	int r = local_from_time(t, &lt);
	if (r < 0)
		return r;
	int n = snprintf(out, size, "%04d-%02d-%02d", lt.y, lt.mo, lt.d);
	return n < 0 || (size_t)n >= size ? ERR_TOOBIG : 0;
}

/* The zone's offset at secs, in seconds east of UTC. */
static int64_t offset_at(int64_t secs)
{
	struct tm tm;
	return local_tm(secs, &tm) == 0 ? (int64_t)tm.tm_gmtoff : 0;
}

int time_from_local(int y, int mo, int d, int h, int mi, int s, hl_time *ret, enum local_fit *fit)
{
	if (mo < 1 || mo > 12 || d < 1 || d > civil_days_in_month(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    s < 0 || s > 59)
		return ERR_INVAL;
	/* The wall clock read as if it were UTC; the offsets in force a day
	 * either side cover any change of offset near it (zones change at
	 * most once a day). Each offset gives one candidate instant, which is
	 * real if the zone has that offset then. */
	int64_t wall = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	int64_t before = offset_at(wall - 86400), after = offset_at(wall + 86400);
	int64_t a = wall - before, b = wall - after;
	bool a_real = offset_at(a) == before, b_real = offset_at(b) == after;
	enum local_fit f = LOCAL_ONCE;
	int64_t secs;
	if (a_real && b_real && a != b) {
		f = LOCAL_TWICE;
		secs = a < b ? a : b;
	} else if (a_real) {
		secs = a;
	} else if (b_real) {
		secs = b;
	} else {
		f = LOCAL_SKIPPED;
		secs = a;
	}
	*ret = secs * HL_USEC_PER_SEC;
	if (fit)
		*fit = f;
	return 0;
}

int local_words(hl_time t, char *out, size_t size)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	int r = local_tm(floor_secs(t), &tm);
	if (r < 0)
		return r;
	int h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	int n = snprintf(out, size, "%s %d, %d, %d:%02d %s %s", months[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900, h12,
			 tm.tm_min, tm.tm_hour < 12 ? "AM" : "PM", tm.tm_zone ? tm.tm_zone : "");
	return n < 0 || (size_t)n >= size ? ERR_TOOBIG : 0;
}
