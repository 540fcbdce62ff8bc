/* bench_training: the training figures over 1,000,000 attendance records,
 * against the 100 ms budget (docs/training.md, "Figures").
 *
 *   bench_training --db URL [--key-file FILE] [--runs N]
 *
 * The database is one `hartline init` made. The first run fills it in one
 * transaction with synthetic rows, by direct SQL: 300,000 trainees (an
 * audience, a region; no names), 50,000 sessions of the pack's courses over
 * ten years and six regions (most held, some scheduled or cancelled), two
 * trainers a session from 1,000 trainers, and 1,000,000 registrations (20 a
 * session; nine in ten attended, most of those completed); later runs
 * reuse them. The first figure asked fills the training store in memory
 * (its time is printed alone); then each figure is asked N times (default
 * 50) through the figures service as HART asks it (an analyst's for the
 * distribution of trainers' reach) and p50 and p99 printed in
 * milliseconds; once more with a session's attendance changed before each
 * ask (the store catches up with it), as on a day attendance is taken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "service/app.h"
#include "service/figures.h"

#define TRAINEES 300000
#define SESSIONS 50000
#define PER_SESSION 20
#define TRAINERS 1000
#define TS "2026-11-28T15:00:00Z"

static const char *const courses[] = {"day1", "day2", "demand", "roll_call", "judicial", "emergency_medical",
				      "my_life_my_choice", "not_a_number"};
static const char *const audiences[] = {"dcf_staff", "police_chiefs", "ems", "mdt", "service_providers", "educators",
					"medical_providers", "foster_parents"};
static const char *const regions[] = {"R1", "R2", "R3", "R4", "R5", "R6"};

static uint64_t rnd_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static int step_done(struct db_stmt *st)
{
	int r = db_step(st);
	return r == DB_DONE ? 0 : r < 0 ? r : ERR_DB;
}

static int fill_trainees(struct db *db)
{
	struct db_stmt *st = NULL;
	int r = db_prepare(db,
			   "INSERT INTO trainee (id, audience, region, created_at, updated_at) VALUES (?, ?, ?, '" TS
			   "', '" TS "')",
			   &st);
	for (int i = 1; r == 0 && i <= TRAINEES; i++) {
		if ((r = db_reset(st)) < 0 || (r = db_bind_int64(st, 1, i)) < 0 ||
		    (r = db_bind_text(st, 2, audiences[rnd() % 8])) < 0 || (r = db_bind_text(st, 3, regions[rnd() % 6])) < 0)
			break;
		r = step_done(st);
	}
	if (st)
		db_finalize(st);
	return r;
}

static int fill_sessions(struct db *db)
{
	struct db_stmt *st = NULL, *tr = NULL;
	int r = db_prepare(db,
			   "INSERT INTO training_session (id, number, course, starts_at, ends_at, region, capacity, status,"
			   " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 40, ?, '" TS "', '" TS "')",
			   &st);
	if (r == 0)
		r = db_prepare(db, "INSERT INTO session_trainer (session_id, trainee_id) VALUES (?, ?)", &tr);
	for (int i = 1; r == 0 && i <= SESSIONS; i++) {
		char number[24], at[32];
		snprintf(number, sizeof number, "TS-BENCH-%06d", i);
		snprintf(at, sizeof at, "%d-%02d-%02dT14:00:00Z", 2016 + (int)(rnd() % 10), 1 + (int)(rnd() % 12),
			 1 + (int)(rnd() % 28));
		int k = (int)(rnd() % 20);
		if ((r = db_reset(st)) < 0 || (r = db_bind_int64(st, 1, i)) < 0 || (r = db_bind_text(st, 2, number)) < 0 ||
		    (r = db_bind_text(st, 3, courses[rnd() % 8])) < 0 || (r = db_bind_text(st, 4, at)) < 0 ||
		    (r = db_bind_text(st, 5, at)) < 0 || (r = db_bind_text(st, 6, regions[rnd() % 6])) < 0 ||
		    (r = db_bind_text(st, 7, k == 0 ? "cancelled" : k == 1 ? "scheduled" : "held")) < 0 ||
		    (r = step_done(st)) < 0)
			break;
		int64_t a = 1 + (int64_t)(rnd() % TRAINERS), b = 1 + (a % TRAINERS);
		for (int t = 0; r == 0 && t < 2; t++)
			if ((r = db_reset(tr)) == 0 && (r = db_bind_int64(tr, 1, i)) == 0 &&
			    (r = db_bind_int64(tr, 2, t ? b : a)) == 0)
				r = step_done(tr);
	}
	if (st)
		db_finalize(st);
	if (tr)
		db_finalize(tr);
	return r;
}

static int fill_registrations(struct db *db)
{
	struct db_stmt *st = NULL;
	int r = db_prepare(db,
			   "INSERT INTO registration (session_id, trainee_id, status, attended, completed, registered_at)"
			   " VALUES (?, ?, 'registered', ?, ?, '" TS "')",
			   &st);
	for (int s = 1; r == 0 && s <= SESSIONS; s++) {
		/* 20 different trainees: a stride through the ids from a random start. */
		int64_t t0 = (int64_t)(rnd() % TRAINEES), step = 1 + (int64_t)(rnd() % 9973);
		for (int k = 0; r == 0 && k < PER_SESSION; k++) {
			int64_t attended = rnd() % 10 != 0, completed = attended && rnd() % 5 != 0;
			if ((r = db_reset(st)) < 0 || (r = db_bind_int64(st, 1, s)) < 0 ||
			    (r = db_bind_int64(st, 2, 1 + (t0 + k * step) % TRAINEES)) < 0 ||
			    (r = db_bind_int64(st, 3, attended)) < 0 || (r = db_bind_int64(st, 4, completed)) < 0)
				break;
			r = step_done(st);
		}
	}
	if (st)
		db_finalize(st);
	return r;
}

static int fill(struct db *db)
{
	int64_t n = 0;
	int r = db_query_int64(db, "SELECT COUNT(*) FROM registration", &n);
	if (r < 0 || n >= (int64_t)SESSIONS * PER_SESSION)
		return r;
	printf("filling: %d trainees, %d sessions, %d registrations (one transaction)...\n", TRAINEES, SESSIONS,
	       SESSIONS * PER_SESSION);
	fflush(stdout);
	int64_t t0 = clock_mono_us();
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = fill_trainees(db)) < 0 || (r = fill_sessions(db)) < 0 || (r = fill_registrations(db)) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	if ((r = db_exec(db, "ANALYZE")) < 0)
		return r;
	printf("filled in %.1f s\n", (double)(clock_mono_us() - t0) / 1e6);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* A session's attendance written, as the attendance service marks it:
 * one registration flipped and the session given a new seq. */
static int touch_session(struct db *db)
{
	int64_t sid = 1 + (int64_t)(rnd() % SESSIONS), seq;
	int r = db_begin(db);
	if (r == 0 && (r = db_execf(db,
				    "UPDATE registration SET completed = 1 - COALESCE(completed, 0) WHERE id ="
				    " (SELECT MIN(id) FROM registration WHERE session_id = ?)",
				    "i", sid)) == 0 &&
	    (r = db_int64f(db, &seq, "UPDATE training_seq SET last = last + 1 WHERE id = 1 RETURNING last", "")) == 0 &&
	    (r = db_execf(db, "UPDATE training_session SET seq = ? WHERE id = ?", "ii", seq, sid)) == 0)
		r = db_commit(db);
	if (r < 0)
		db_rollback(db);
	return r;
}

static int time_figure(const struct svc_ctx *ctx, struct db *touch, const char *by, const char *measure, int runs)
{
	int64_t *us = calloc((size_t)runs, sizeof *us);
	int r = us ? 0 : ERR_NOMEM;
	int64_t total = 0;
	for (int i = 0; r == 0 && i < runs; i++) {
		struct field_errors errs;
		field_errors_init(&errs, 4);
		struct figure f;
		memset(&f, 0, sizeof f);
		struct figure_query q = {.figure = "training", .by = by, .measure = measure};
		if (touch && (r = touch_session(touch)) < 0)
			break;
		int64_t t0 = clock_mono_us();
		r = svc_stats_figure(ctx, &q, &errs, &f);
		us[i] = clock_mono_us() - t0;
		if (r == 0 && f.nrows > 0 && f.ncols > 0)
			total = f.cell[0].value;
		field_errors_done(&errs);
		figure_free(&f);
	}
	if (r == 0) {
		qsort(us, (size_t)runs, sizeof *us, cmp_i64);
		double p50 = (double)us[runs / 2] / 1000.0, p99 = (double)us[(runs * 99) / 100 - (runs >= 100)] / 1000.0;
		printf("| %s by %s%s (first cell %lld) | %.1f | %.1f | %s |\n", measure, by,
		       touch ? ", a session changed before each" : "", (long long)total, p50, p99, p99 < 100.0 ? "yes" : "NO");
	}
	free(us);
	return r;
}

int main(int argc, char **argv)
{
	const char *url = NULL, *key = NULL;
	int64_t runs = 50;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--key-file") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			if (str_to_int64(argv[++i], 1, 100000, &runs) < 0)
				goto usage;
		} else
			goto usage;
	}
	if (!url)
		goto usage;
	struct app app;
	char msg[512];
	if (crypto_init() < 0 || app_open(&app, url, NULL, key, msg, sizeof msg) < 0) {
		fprintf(stderr, "bench_training: cannot open %s\n", url);
		return 1;
	}
	struct db *db;
	int r = app_db(&app, &db);
	if (r == 0 && (r = fill(db)) < 0)
		fprintf(stderr, "bench_training: filling failed: %s (%s)\n", err_str(r), db_errmsg(db));
	struct actor hart, analyst;
	actor_cli(&hart);
	hart.role = ROLE_HART;
	analyst = hart;
	analyst.role = ROLE_ANALYST;
	struct svc_ctx ctx = {.app = &app, .actor = &hart, .client = "bench"};
	struct svc_ctx actx = {.app = &app, .actor = &analyst, .client = "bench"};
	static const char *const asks[][2] = {{"people", "course"}, {"people", "audience"}, {"people", "region"},
					      {"people", "year"},   {"sessions", "course"}, {"sessions", "year"},
					      {"reach", "trainer"}, {"informed", "region"}, {"informed", "quarter"}};
	if (r == 0) {
		/* The first ask fills the store (at start-up in the server). */
		struct field_errors errs;
		field_errors_init(&errs, 4);
		struct figure f;
		memset(&f, 0, sizeof f);
		struct figure_query q = {.figure = "training", .by = "course", .measure = "people"};
		int64_t t0 = clock_mono_us();
		r = svc_stats_figure(&ctx, &q, &errs, &f);
		field_errors_done(&errs);
		figure_free(&f);
		printf("\nThe store filled by the first ask: %.0f ms\n", (double)(clock_mono_us() - t0) / 1000.0);
	}
	if (r == 0)
		printf("\n| figure | p50 (ms) | p99 (ms) | under 100 ms |\n| --- | ---: | ---: | ---: |\n");
	for (size_t i = 0; r == 0 && i < sizeof asks / sizeof *asks; i++)
		r = time_figure(&ctx, NULL, asks[i][1], asks[i][0], (int)runs);
	if (r == 0)
		r = time_figure(&actx, NULL, "sessions_led", "reach", (int)runs);
	if (r == 0)
		r = time_figure(&ctx, db, "course", "people", (int)runs);
	if (r == 0)
		r = time_figure(&ctx, db, "trainer", "reach", (int)runs);
	if (r < 0)
		fprintf(stderr, "bench_training: %s\n", err_str(r));
	app_close(&app);
	return r < 0 ? 1 : 0;
usage:
	fprintf(stderr, "usage: bench_training --db URL [--key-file FILE] [--runs N]\n");
	return 2;
}
