/* Tests for the training figures (service/figures/training.c): people
 * trained and completing by course, audience, region and year, sessions
 * held, trainers' reach (one row a trainer for HART and the trainer role,
 * a distribution without names for an analyst), providers
 * trafficking-informed by region; an analyst's suppressed; the roles that
 * may not read them refused. The training rows are written here with SQL,
 * as the services that write them are not this one's. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "service/figures.h"
#include "service/sealed.h"

#define TS "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'"

static void session(int id, const char *course, const char *region, const char *starts, const char *status)
{
	char sql[600];
	snprintf(sql, sizeof sql,
		 "INSERT INTO training_session (id, number, course, starts_at, ends_at, region, capacity, status,"
		 " created_at, updated_at) VALUES (%d, 'TS-%d', '%s', '%s', '%s', '%s', 40, '%s', " TS ")",
		 id, id, course, starts, starts, region, status);
	fx_exec(sql);
}

static void attend(int session_id, int trainee, int attended, int completed)
{
	char sql[400];
	snprintf(sql, sizeof sql,
		 "INSERT INTO registration (session_id, trainee_id, status, attended, completed, registered_at)"
		 " VALUES (%d, %d, 'registered', %d, %d, '2026-01-01T00:00:00Z')",
		 session_id, trainee, attended, completed);
	fx_exec(sql);
}

/* Trainees 1-8 DCF staff, 9-12 EMS, 13 a trainer (named, sealed).
 * Session 1: day1, R1, 2026, held: 1-8 attended, 1-6 completed, 9 no-show.
 * Session 2: day1, R2, 2025, held: 1, 2, 9-12 attended and completed.
 * Session 3: demand, R1, scheduled, nobody yet. Session 4: day2, cancelled
 * (its attendance never counts). Trainee 13 led sessions 1 and 2. */
static void training(void)
{
	setenv("TZ", fx.app.pack->time_zone, 1);
	tzset();
	for (int i = 1; i <= 13; i++) {
		char sql[300];
		snprintf(sql, sizeof sql, "INSERT INTO trainee (id, audience, region, created_at, updated_at) VALUES (%d, '%s', 'R1', " TS ")",
			 i, i <= 8 ? "dcf_staff" : i <= 12 ? "ems" : "mdt");
		fx_exec(sql);
	}
	assert_int_equal(sealed_put(fx.db, &fx.app, "trainee", "name", 13, "Robin Okafor"), 0);
	session(1, "day1", "R1", "2026-03-10T14:00:00Z", "held");
	session(2, "day1", "R2", "2025-05-10T14:00:00Z", "held");
	session(3, "demand", "R1", "2026-04-01T14:00:00Z", "scheduled");
	session(4, "day2", "R1", "2026-06-01T14:00:00Z", "cancelled");
	for (int t = 1; t <= 8; t++)
		attend(1, t, 1, t <= 6);
	attend(1, 9, 0, 0);
	for (int t = 1; t <= 12; t++)
		if (t <= 2 || t >= 9)
			attend(2, t, 1, 1);
	attend(4, 3, 1, 1);
	fx_exec("INSERT INTO session_trainer (session_id, trainee_id) VALUES (1, 13), (2, 13)");
}

static int ask(const struct fx_user *u, const char *by, const char *measure, struct field_errors *errs,
	       struct figure *f)
{
	struct figure_query q = {.figure = "training", .by = by, .measure = measure};
	memset(f, 0, sizeof *f);
	return svc_stats_figure(&u->ctx, &q, errs, f);
}

static void figure_as(const struct fx_user *u, const char *by, const char *measure, struct figure *f)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	fx_assert_no_errors(ask(u, by, measure, &errs, f), &errs);
}

static int row_of(const struct figure *f, const char *key)
{
	for (int i = 0; i < f->nrows; i++)
		if (strcmp(f->row_key[i], key) == 0)
			return i;
	fail_msg("no row %s", key);
	return -1;
}

static const struct figure_cell *cell(const struct figure *f, const char *row, const char *col)
{
	for (int j = 0; j < f->ncols; j++)
		if (strcmp(f->col_key[j], col) == 0)
			return &f->cell[(size_t)row_of(f, row) * (size_t)f->ncols + (size_t)j];
	fail_msg("no column %s", col);
	return NULL;
}

UNIT_TEST_WITH(counts_distinct_people_trained_and_completing, fx_setup, fx_teardown)
{
	training();
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct figure f;
	figure_as(&hart, NULL, NULL, &f);
	assert_string_equal(f.by, "course");
	assert_string_equal(f.measure, "people");
	assert_int_equal(f.nrows, (int)fx.app.pack->training.n_courses);
	/* A person at two sessions of a course is one person. */
	assert_int_equal(cell(&f, "day1", "attended")->value, 12);
	assert_int_equal(cell(&f, "day1", "completed")->value, 10);
	assert_int_equal(cell(&f, "day1", "completed_share")->value, 83);
	/* The cancelled session's attendance is not counted. */
	assert_int_equal(cell(&f, "day2", "attended")->value, 0);
	figure_free(&f);
	figure_as(&hart, "year", "people", &f);
	assert_int_equal(f.nrows, 2);
	assert_string_equal(f.row_key[0], "2025");
	assert_int_equal(cell(&f, "2025", "attended")->value, 6);
	assert_int_equal(cell(&f, "2026", "attended")->value, 8);
	assert_int_equal(cell(&f, "2026", "completed")->value, 6);
	assert_int_equal(cell(&f, "2026", "completed_share")->value, 75);
	figure_free(&f);
	figure_as(&hart, "audience", "people", &f);
	assert_int_equal(cell(&f, "dcf_staff", "attended")->value, 8);
	assert_int_equal(cell(&f, "dcf_staff", "completed")->value, 6);
	assert_int_equal(cell(&f, "ems", "attended")->value, 4);
	assert_int_equal(cell(&f, "ems", "completed_share")->value, 100);
	figure_free(&f);
	figure_as(&hart, "region", "people", &f);
	assert_int_equal(cell(&f, "R1", "attended")->value, 8);
	assert_int_equal(cell(&f, "R2", "attended")->value, 6);
	assert_int_equal(cell(&f, "R3", "attended")->value, 0);
	figure_free(&f);
}

UNIT_TEST_WITH(counts_sessions_held_and_attendance, fx_setup, fx_teardown)
{
	training();
	struct fx_user trainer;
	fx_user(&trainer, ROLE_TRAINER, NULL);
	struct figure f;
	figure_as(&trainer, "course", "sessions", &f);
	assert_int_equal(cell(&f, "day1", "held")->value, 2);
	assert_int_equal(cell(&f, "day1", "attendance")->value, 14);
	/* Scheduled with no attendance: not held; cancelled: never. */
	assert_int_equal(cell(&f, "demand", "held")->value, 0);
	assert_int_equal(cell(&f, "day2", "held")->value, 0);
	assert_int_equal(f.col_total[0].value, 2);
	figure_free(&f);
	figure_as(&trainer, "region", "sessions", &f);
	assert_int_equal(cell(&f, "R1", "held")->value, 1);
	assert_int_equal(cell(&f, "R2", "held")->value, 1);
	figure_free(&f);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	assert_int_equal(ask(&trainer, "audience", "sessions", &errs, &f), ERR_INVAL);
	assert_true(fx_names_field(&errs, "by"));
	field_errors_done(&errs);
}

UNIT_TEST_WITH(shows_a_trainers_reach_by_name_only_to_trainer_and_hart, fx_setup, fx_teardown)
{
	training();
	struct fx_user hart, trainer, analyst;
	fx_user(&hart, ROLE_HART, NULL);
	fx_user(&trainer, ROLE_TRAINER, NULL);
	fx_user(&analyst, ROLE_ANALYST, NULL);
	struct figure f;
	figure_as(&trainer, NULL, "reach", &f);
	assert_string_equal(f.by, "trainer");
	assert_int_equal(f.nrows, 1);
	assert_string_equal(f.row_label[0], "Robin Okafor");
	assert_int_equal(cell(&f, "trainer-13", "sessions_led")->value, 2);
	assert_int_equal(cell(&f, "trainer-13", "people_reached")->value, 12);
	figure_free(&f);
	figure_as(&hart, "sessions_led", "reach", &f);
	assert_int_equal(cell(&f, "led_2_5", "trainers")->value, 1);
	assert_int_equal(cell(&f, "led_2_5", "median_reached")->value, 12);
	figure_free(&f);
	/* An analyst: never by trainer; the distribution, suppressed. */
	struct field_errors errs;
	field_errors_init(&errs, 10);
	assert_int_equal(ask(&analyst, "trainer", "reach", &errs, &f), ERR_INVAL);
	assert_true(fx_names_field(&errs, "by"));
	field_errors_done(&errs);
	figure_as(&analyst, NULL, "reach", &f);
	assert_string_equal(f.by, "sessions_led");
	assert_true(f.suppressed);
	assert_int_not_equal(cell(&f, "led_2_5", "trainers")->mark, SUPP_SHOWN);
	assert_int_not_equal(cell(&f, "led_2_5", "median_reached")->mark, SUPP_SHOWN);
	json_t *j = figure_json(&f);
	char *text = json_dumps(j, 0);
	assert_non_null(text);
	assert_null(strstr(text, "Robin"));
	assert_null(strstr(text, "trainer-13"));
	free(text);
	json_decref(j);
	figure_free(&f);
}

UNIT_TEST_WITH(hides_an_analysts_small_counts_and_their_shares, fx_setup, fx_teardown)
{
	training();
	struct fx_user analyst;
	fx_user(&analyst, ROLE_ANALYST, NULL);
	struct figure f;
	figure_as(&analyst, "audience", "people", &f);
	assert_true(f.suppressed);
	assert_int_equal(cell(&f, "dcf_staff", "attended")->mark, SUPP_SHOWN);
	assert_int_equal(cell(&f, "dcf_staff", "attended")->value, 8);
	assert_int_not_equal(cell(&f, "ems", "attended")->mark, SUPP_SHOWN);
	assert_int_not_equal(cell(&f, "ems", "completed_share")->mark, SUPP_SHOWN);
	figure_free(&f);
}

UNIT_TEST_WITH(counts_providers_informed_by_region, fx_setup, fx_teardown)
{
	fx_exec("INSERT INTO provider (id, code, name, informed_status, created_at, updated_at) VALUES"
		" (1, 'P-ONE', 'Harbor Youth Services', 'informed', " TS "),"
		" (2, 'P-TWO', 'Elm Street Mentors', 'lapsed', " TS "),"
		" (3, 'P-THREE', 'Oak Lane', 'not_informed', " TS ")");
	fx_exec("INSERT INTO provider_offer (provider_id, kind, value) VALUES (1, 'region', 'R1'), (2, 'region', 'R1'),"
		" (2, 'region', 'R2')");
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct figure f;
	figure_as(&hart, NULL, "informed", &f);
	assert_string_equal(f.by, "region");
	assert_int_equal(cell(&f, "R1", "informed")->value, 1);
	assert_int_equal(cell(&f, "R1", "lapsed")->value, 1);
	assert_int_equal(cell(&f, "R2", "lapsed")->value, 1);
	assert_int_equal(cell(&f, "R2", "informed")->value, 0);
	/* A provider with no region is counted as not recorded. */
	assert_int_equal(cell(&f, "none", "not_informed")->value, 1);
	figure_free(&f);
}

UNIT_TEST_WITH(catches_up_with_the_rows_written_since_and_starts_again_after_a_restore, fx_setup, fx_teardown)
{
	training();
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct figure f;
	figure_as(&hart, "course", "people", &f);
	assert_int_equal(cell(&f, "day1", "attended")->value, 12);
	figure_free(&f);
	/* Trainee 13 attends session 1 and completes session 3 (now held), in
	 * a write that marks the two sessions with a new seq. */
	attend(1, 13, 1, 1);
	attend(3, 5, 1, 0);
	fx_exec("UPDATE training_session SET status = 'held', seq = 1 WHERE id = 3");
	fx_exec("UPDATE training_session SET seq = 1 WHERE id = 1");
	/* A row written without a new seq is not read: the writes mark them. */
	fx_exec("UPDATE trainee SET audience = 'ems' WHERE id = 1");
	fx_exec("UPDATE training_seq SET last = 1 WHERE id = 1");
	figure_as(&hart, "course", "people", &f);
	assert_int_equal(cell(&f, "day1", "attended")->value, 13);
	assert_int_equal(cell(&f, "day1", "completed")->value, 11);
	assert_int_equal(cell(&f, "demand", "attended")->value, 1);
	assert_int_equal(cell(&f, "demand", "completed")->value, 0);
	figure_free(&f);
	figure_as(&hart, "audience", "people", &f);
	assert_int_equal(cell(&f, "dcf_staff", "attended")->value, 8);
	figure_free(&f);
	/* A changed trainee is read with its seq; a database put back to an
	 * earlier copy (the counter behind the store) is read again whole. */
	fx_exec("UPDATE trainee SET seq = 2 WHERE id = 1");
	fx_exec("UPDATE training_seq SET last = 2 WHERE id = 1");
	figure_as(&hart, "audience", "people", &f);
	assert_int_equal(cell(&f, "dcf_staff", "attended")->value, 7);
	figure_free(&f);
	fx_exec("UPDATE trainee SET audience = 'dcf_staff' WHERE id = 1");
	fx_exec("UPDATE trainee SET seq = 0");
	fx_exec("UPDATE training_session SET seq = 0");
	fx_exec("UPDATE training_seq SET last = 0 WHERE id = 1");
	figure_as(&hart, "audience", "people", &f);
	assert_int_equal(cell(&f, "dcf_staff", "attended")->value, 8);
	figure_free(&f);
	/* Trainers changed with their session: 13 no longer leads session 2. */
	fx_exec("DELETE FROM session_trainer WHERE session_id = 2");
	fx_exec("UPDATE training_session SET seq = 3 WHERE id = 2");
	fx_exec("UPDATE training_seq SET last = 3 WHERE id = 1");
	figure_as(&hart, "trainer", "reach", &f);
	assert_int_equal(cell(&f, "trainer-13", "sessions_led")->value, 1);
	assert_int_equal(cell(&f, "trainer-13", "people_reached")->value, 9);
	figure_free(&f);
}

static void certificate(int id, int trainee, const char *course, const char *on)
{
	char sql[400];
	snprintf(sql, sizeof sql,
		 "INSERT INTO certificate (code, trainee_id, course, completed_on, issued_at) VALUES"
		 " ('CODE-%d', %d, '%s', '%s', '%sT12:00:00Z')",
		 id, trainee, course, on, on);
	fx_exec(sql);
}

static int64_t value(const struct figure *f, const char *row, const char *col)
{
	return cell(f, row, col)->value;
}

/* The pack's rule: two staff with Day 1 and Day 2 within 24 months, one a
 * supervisor. Provider 1 (R1) has it from 2024-05-20 (its second member
 * of staff's Day 2) to 2026-01-10 (its first's Day 1 plus 24 months);
 * provider 2 (R2) has one member of staff only. */
UNIT_TEST_WITH(counts_providers_informed_at_each_quarters_end_from_their_staffs_completions, fx_setup, fx_teardown)
{
	fx_exec("INSERT INTO provider (id, code, name, created_at, updated_at) VALUES"
		" (1, 'P-ONE', 'Harbor Youth Services', " TS "), (2, 'P-TWO', 'Elm Street Mentors', " TS ")");
	fx_exec("INSERT INTO provider_offer (provider_id, kind, value) VALUES (1, 'region', 'R1'), (2, 'region', 'R2')");
	fx_exec("INSERT INTO trainee (id, audience, provider_id, supervisor, created_at, updated_at) VALUES"
		" (21, 'service_providers', 1, 1, " TS "), (22, 'service_providers', 1, 0, " TS "),"
		" (23, 'service_providers', 2, 1, " TS ")");
	certificate(1, 21, "day1", "2024-01-10");
	certificate(2, 21, "day2", "2024-02-10");
	certificate(3, 22, "day1", "2024-03-05");
	certificate(4, 22, "day2", "2024-05-20");
	certificate(5, 23, "day1", "2024-03-05");
	certificate(6, 23, "day2", "2024-05-20");
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct figure_query q = {.figure = "training", .by = "quarter", .measure = "informed", .from = "2024-01-01",
				 .to = "2026-06-30"};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct figure f = {0};
	fx_assert_no_errors(svc_stats_figure(&hart.ctx, &q, &errs, &f), &errs);
	assert_int_equal(f.nrows, 10);
	assert_string_equal(f.row_key[0], "2024-Q1");
	assert_int_equal(value(&f, "2024-Q1", "not_informed"), 2);
	assert_int_equal(value(&f, "2024-Q2", "informed"), 1);
	assert_int_equal(value(&f, "2025-Q4", "informed"), 1);
	assert_int_equal(value(&f, "2026-Q1", "informed"), 0);
	assert_int_equal(value(&f, "2026-Q1", "lapsed"), 1);
	assert_int_equal(value(&f, "2026-Q1", "not_informed"), 1);
	figure_free(&f);
	/* A region's providers only; by year, each year's last day. */
	q.region = "R2";
	q.by = "year";
	fx_assert_no_errors(svc_stats_figure(&hart.ctx, &q, &errs, &f), &errs);
	assert_int_equal(f.nrows, 3);
	assert_int_equal(value(&f, "2025", "not_informed"), 1);
	assert_int_equal(value(&f, "2025", "informed"), 0);
	figure_free(&f);
	/* A certificate revoked counts for nothing, before or after. */
	fx_exec("UPDATE certificate SET revoked_at = '2026-01-02T00:00:00Z' WHERE id = 4");
	q.region = "R1";
	q.by = "quarter";
	fx_assert_no_errors(svc_stats_figure(&hart.ctx, &q, &errs, &f), &errs);
	assert_int_equal(value(&f, "2025-Q4", "informed"), 0);
	assert_int_equal(value(&f, "2025-Q4", "not_informed"), 1);
	figure_free(&f);
	field_errors_done(&errs);
}

UNIT_TEST_WITH(answers_the_trainers_reach_when_no_session_has_a_trainer, fx_setup, fx_teardown)
{
	setenv("TZ", fx.app.pack->time_zone, 1);
	tzset();
	fx_exec("INSERT INTO trainee (id, audience, region, created_at, updated_at) VALUES (1, 'dcf_staff', 'R1', " TS ")");
	session(1, "day1", "R1", "2026-03-10T14:00:00Z", "held");
	attend(1, 1, 1, 1);
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct figure f;
	figure_as(&hart, "trainer", "reach", &f);
	assert_int_equal(f.nrows, 0);
	figure_free(&f);
	figure_as(&hart, "sessions_led", "reach", &f);
	assert_int_equal(cell(&f, "led_1", "trainers")->value, 0);
	figure_free(&f);
}

UNIT_TEST_WITH(refuses_the_roles_that_may_not_and_a_bad_measure, fx_setup, fx_teardown)
{
	training();
	const enum role refused[] = {ROLE_CARELINE, ROLE_LIAISON, ROLE_MDT, ROLE_PROVIDER, ROLE_ADMIN};
	const char *scope[] = {NULL, "R1", "1", "P-ONE", NULL};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		struct fx_user u;
		fx_user(&u, refused[i], scope[i]);
		struct field_errors errs;
		field_errors_init(&errs, 10);
		struct figure f;
		assert_int_equal(ask(&u, NULL, NULL, &errs, &f), ERR_PERM);
		field_errors_done(&errs);
	}
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct figure f;
	assert_int_equal(ask(&hart, "course", "speed", &errs, &f), ERR_INVAL);
	assert_true(fx_names_field(&errs, "measure"));
	field_errors_done(&errs);
	/* Every read is audited. */
	int64_t before = fx_count("audit", "action = 'stats.read'");
	figure_as(&hart, NULL, NULL, &f);
	figure_free(&f);
	assert_int_equal(fx_count("audit", "action = 'stats.read'"), before + 1);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
