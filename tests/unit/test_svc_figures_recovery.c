/* Tests for the restore-and-recovery figures (service/figures/recovery.c):
 * service referrals by service, provider and region with their shares,
 * providers' answers against the deadline, days from identification to the
 * first service, relief by year; a liaison's are of its region, an
 * analyst's suppressed, and a share beside a hidden count hidden too. The
 * referral and relief rows are written here with SQL, as the services that
 * write them are not this one's. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "service/figures.h"

static int64_t case_id, person_id;
static int referrals_made;

static void providers_and_a_case(void)
{
	setenv("TZ", fx.app.pack->time_zone, 1);
	tzset();
	figures_store_reset();
	struct fx_user careline, hart;
	case_id = fx_case_as_hart(&careline, &hart);
	char t[32];
	fx_text("SELECT person_id FROM child_case", t, sizeof t);
	person_id = strtoll(t, NULL, 10);
	referrals_made = 0;
	fx_exec("INSERT INTO provider (code, name, created_at, updated_at) VALUES"
		" ('P-ONE', 'Harbor Youth Services', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),"
		" ('P-TWO', 'Elm Street Mentors', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
}

/* n referrals to provider (1 or 2) for service in region, in status,
 * referred at, due, answered and started at (NULL: not). */
static void refer(int n, int provider, const char *service, const char *region, const char *status, const char *at,
		  const char *due, const char *answered, const char *started)
{
	for (int i = 0; i < n; i++) {
		char sql[900], ans[40], sta[40];
		snprintf(ans, sizeof ans, answered ? "'%s'" : "NULL", answered);
		snprintf(sta, sizeof sta, started ? "'%s'" : "NULL", started);
		snprintf(sql, sizeof sql,
			 "INSERT INTO service_referral (number, case_id, person_id, provider_id, service, region, status,"
			 " referred_at, answer_due_at, answered_at, started_at, created_at, updated_at) VALUES"
			 " ('SR-%d', %lld, %lld, %d, '%s', '%s', '%s', '%s', '%s', %s, %s, '%s', '%s')",
			 ++referrals_made, (long long)case_id, (long long)person_id, provider, service, region, status, at,
			 due, ans, sta, at, at);
		fx_exec(sql);
	}
}

static void figure_as(const struct fx_user *u, const char *figure, const char *by, const char *measure,
		      struct figure *f)
{
	struct figure_query q = {.figure = figure, .by = by, .measure = measure};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	memset(f, 0, sizeof *f);
	fx_assert_no_errors(svc_stats_figure(&u->ctx, &q, &errs, f), &errs);
}

static int row_of(const struct figure *f, const char *key)
{
	for (int i = 0; i < f->nrows; i++)
		if (strcmp(f->row_key[i], key) == 0)
			return i;
	fail_msg("no row %s", key);
	return -1;
}

static int col_of(const struct figure *f, const char *key)
{
	for (int j = 0; j < f->ncols; j++)
		if (strcmp(f->col_key[j], key) == 0)
			return j;
	fail_msg("no column %s", key);
	return -1;
}

static const struct figure_cell *cell(const struct figure *f, const char *row, const char *col)
{
	return &f->cell[(size_t)row_of(f, row) * (size_t)f->ncols + (size_t)col_of(f, col)];
}

#define AT "2026-06-01T14:00:00Z"
#define DUE "2026-06-03T14:00:00Z"

/* Mentoring in R1: 10 referred, 8 answered (6 accepted, 2 declined); of
 * the accepted 3 completed, 1 ended early, 2 still started. */
static void mentoring(void)
{
	refer(2, 1, "mentoring", "R1", "pending", AT, DUE, NULL, NULL);
	refer(2, 1, "mentoring", "R1", "declined", AT, DUE, "2026-06-02T14:00:00Z", NULL);
	refer(2, 2, "mentoring", "R1", "started", AT, DUE, "2026-06-02T14:00:00Z", "2026-06-05T14:00:00Z");
	refer(3, 2, "mentoring", "R1", "completed", AT, DUE, "2026-06-04T14:00:00Z", "2026-06-05T14:00:00Z");
	refer(1, 2, "mentoring", "R1", "ended", AT, DUE, "2026-06-01T18:00:00Z", "2026-06-05T14:00:00Z");
}

UNIT_TEST_WITH(counts_referrals_by_service_with_their_shares, fx_setup, fx_teardown)
{
	providers_and_a_case();
	mentoring();
	refer(1, 1, "clinical_services", "R2", "accepted", AT, DUE, "2026-06-02T14:00:00Z", NULL);
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct figure f;
	figure_as(&hart, "services", NULL, NULL, &f);
	assert_string_equal(f.by, "service");
	/* Every service of the pack is a row, empty or not. */
	assert_int_equal(f.nrows, (int)fx.app.pack->n_services);
	assert_int_equal(cell(&f, "mentoring", "referred")->value, 10);
	assert_int_equal(cell(&f, "mentoring", "accepted")->value, 6);
	assert_int_equal(cell(&f, "mentoring", "declined")->value, 2);
	assert_int_equal(cell(&f, "mentoring", "completed")->value, 3);
	assert_int_equal(cell(&f, "mentoring", "ended_early")->value, 1);
	assert_int_equal(cell(&f, "mentoring", "accepted_share")->value, 75); /* 6 of 8 answered */
	assert_int_equal(cell(&f, "mentoring", "completed_share")->value, 75); /* 3 of 4 ended */
	assert_int_equal(cell(&f, "clinical_services", "accepted_share")->value, 100);
	assert_int_equal(cell(&f, "survivor_care_rapid", "referred")->value, 0);
	assert_int_equal(f.col_total[col_of(&f, "referred")].value, 11);
	figure_free(&f);

	figure_as(&hart, "services", "provider", NULL, &f);
	assert_int_equal(f.nrows, 2); /* providers with referrals only */
	assert_int_equal(cell(&f, "P-ONE", "referred")->value, 5);
	assert_string_equal(f.row_label[row_of(&f, "P-TWO")], "Elm Street Mentors");
	figure_free(&f);
	assert_true(fx_count("audit", "action = 'stats.read' AND detail LIKE 'figure=services by=provider%'") == 1);
}

UNIT_TEST_WITH(a_liaison_sees_its_region_and_an_analyst_no_small_count, fx_setup, fx_teardown)
{
	providers_and_a_case();
	mentoring();
	refer(3, 1, "clinical_services", "R2", "declined", AT, DUE, "2026-06-02T14:00:00Z", NULL);
	refer(1, 1, "clinical_services", "R2", "accepted", AT, DUE, "2026-06-02T14:00:00Z", NULL);
	struct fx_user liaison, analyst;
	fx_user(&liaison, ROLE_LIAISON, "R2");
	struct figure f;
	figure_as(&liaison, "services", "region", NULL, &f);
	assert_int_equal(f.nrows, 1);
	assert_string_equal(f.row_key[0], "R2");
	assert_int_equal(cell(&f, "R2", "referred")->value, 4);
	assert_false(f.suppressed);
	figure_free(&f);

	fx_user(&analyst, ROLE_ANALYST, NULL);
	figure_as(&analyst, "services", NULL, NULL, &f);
	assert_true(f.suppressed);
	/* clinical services: 4 referred, 1 accepted, 3 declined: small counts
	 * hidden, and the share worked out from them too. */
	assert_int_not_equal(cell(&f, "clinical_services", "accepted")->mark, SUPP_SHOWN);
	assert_int_not_equal(cell(&f, "clinical_services", "accepted_share")->mark, SUPP_SHOWN);
	json_t *j = figure_json(&f);
	char *text = json_dump_text(j, JSON_COMPACT);
	/* 25 (the share) never leaves. */
	assert_null(strstr(text, "\"value\":25"));
	free(text);
	json_decref(j);
	figure_free(&f);
}

UNIT_TEST_WITH(times_providers_answers_against_their_deadline, fx_setup, fx_teardown)
{
	providers_and_a_case();
	/* Mentoring: 8 answered, in 24, 24, 24, 24, 72, 72, 72 and 4 hours
	 * against 48: 5 on time, 3 late; 2 open past due (FX_NOW is in November). */
	mentoring();
	refer(1, 1, "clinical_services", "R1", "accepted", AT, DUE, "2026-06-04T14:00:00Z", NULL); /* a day late */
	refer(1, 1, "clinical_services", "R1", "pending", "2026-11-28T12:00:00Z", "2026-11-30T12:00:00Z", NULL, NULL);
	refer(1, 1, "clinical_services", "R1", "withdrawn", AT, DUE, NULL, NULL);
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct figure f;
	figure_as(&hart, "services", NULL, "answers", &f);
	assert_string_equal(f.measure, "answers");
	assert_int_equal(cell(&f, "mentoring", "on_time")->value, 5);
	assert_int_equal(cell(&f, "mentoring", "late")->value, 3);
	assert_int_equal(cell(&f, "mentoring", "open_past_due")->value, 2);
	assert_int_equal(cell(&f, "mentoring", "median_hours")->value, 24);
	assert_int_equal(cell(&f, "clinical_services", "late")->value, 1);
	assert_int_equal(cell(&f, "clinical_services", "open")->value, 1);
	assert_int_equal(cell(&f, "clinical_services", "median_hours")->value, 72);
	figure_free(&f);
}

UNIT_TEST_WITH(counts_days_from_identification_to_the_first_service, fx_setup, fx_teardown)
{
	providers_and_a_case();
	fx_exec("UPDATE child_case SET victim_status = 'suspected', identified_at = '2026-05-26T14:00:00Z'");
	mentoring(); /* first started 2026-06-05: 10 days */
	refer(1, 2, "clinical_services", "R1", "started", AT, DUE, AT, "2026-06-10T14:00:00Z");
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct figure f;
	figure_as(&hart, "services", NULL, "first_service", &f);
	assert_int_equal(cell(&f, "mentoring", "days_8_30")->value, 1);
	assert_int_equal(cell(&f, "mentoring", "median_days")->value, 10);
	assert_int_equal(cell(&f, "clinical_services", "days_8_30")->value, 0);
	assert_int_equal(f.total.value, 1);
	figure_free(&f);
	/* A child identified with no service yet. */
	fx_exec("DELETE FROM service_referral");
	figure_as(&hart, "services", "region", "first_service", &f);
	assert_int_equal(f.total.value, 1);
	assert_int_equal(f.col_total[col_of(&f, "none_yet")].value, 1);
	figure_free(&f);
}

UNIT_TEST_WITH(counts_relief_petitions_by_status_and_year, fx_setup, fx_teardown)
{
	providers_and_a_case();
	char sql[600];
	static const struct {
		const char *status, *filed, *created;
	} rows[] = {{"identified", NULL, "2025-03-01T15:00:00Z"},
		    {"petition_filed", "2026-02-10", "2025-12-30T15:00:00Z"},
		    {"granted", "2026-04-01", "2026-01-05T15:00:00Z"},
		    {"denied", "2025-07-01", "2025-06-01T15:00:00Z"}};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO relief_record (person_id, court, offence, status, petition_filed_on, created_at,"
			 " updated_at) VALUES (%lld, 'Superior Court', 'other', '%s', %s%s%s, '%s', '%s')",
			 (long long)person_id, rows[i].status, rows[i].filed ? "'" : "", rows[i].filed ? rows[i].filed : "NULL",
			 rows[i].filed ? "'" : "", rows[i].created, rows[i].created);
		fx_exec(sql);
	}
	struct fx_user hart, other;
	fx_user(&hart, ROLE_HART, NULL);
	struct figure f;
	figure_as(&hart, "relief", NULL, NULL, &f);
	assert_int_equal(f.nrows, 2);
	assert_string_equal(f.row_key[0], "2025");
	assert_int_equal(cell(&f, "2025", "identified")->value, 1);
	assert_int_equal(cell(&f, "2025", "denied")->value, 1);
	assert_int_equal(cell(&f, "2026", "petition_filed")->value, 1);
	assert_int_equal(cell(&f, "2026", "granted")->value, 1);
	assert_int_equal(f.total.value, 4);
	figure_free(&f);
	/* A liaison of another region than the child's case counts none. */
	char region[32];
	fx_case_region(region, sizeof region);
	fx_user(&other, ROLE_LIAISON, fx_other_region(region));
	figure_as(&other, "relief", "region", NULL, &f);
	assert_int_equal(f.total.value, 0);
	figure_free(&f);
}

UNIT_TEST_WITH(refuses_a_bad_by_or_measure_naming_it, fx_setup, fx_teardown)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct figure f = {0};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct figure_query q = {.figure = "services", .by = "year", .measure = "speed"};
	assert_int_equal(svc_stats_figure(&hart.ctx, &q, &errs, &f), ERR_INVAL);
	assert_true(fx_names_field(&errs, "by"));
	assert_true(fx_names_field(&errs, "measure"));
	field_errors_done(&errs);
	field_errors_init(&errs, 10);
	q = (struct figure_query){.figure = "relief", .by = "provider"};
	assert_int_equal(svc_stats_figure(&hart.ctx, &q, &errs, &f), ERR_INVAL);
	assert_true(fx_names_field(&errs, "by"));
	field_errors_done(&errs);
	/* Nothing to count: no rows, no years. */
	figure_as(&hart, "relief", NULL, NULL, &f);
	assert_int_equal(f.nrows, 0);
	figure_free(&f);
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	field_errors_init(&errs, 10);
	q = (struct figure_query){.figure = "relief"};
	assert_int_equal(svc_stats_figure(&careline.ctx, &q, &errs, &f), ERR_PERM);
	field_errors_done(&errs);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
