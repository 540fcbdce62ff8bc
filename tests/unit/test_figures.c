/* Tests for service/figures: calendar bins in the pack's time zone, age
 * groups, distinct children and two-way totals, over a real SQLite
 * database holding referral rows (written by the intake hook and by hand),
 * read through the in-memory store. The shared helpers are reached
 * through the service's private header. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service/figures.h"
#include "service/figures/figures_int.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/seal.h"
#include "service/app.h"

struct fixture {
	char dir[64], url[128];
	struct app app;
	struct actor actor;
	struct svc_ctx ctx;
	struct db *db;
	int64_t user;
};

static struct fixture fx;

static void exec_ok(const char *sql)
{
	int r = db_exec(fx.db, sql);
	if (r < 0)
		fail_msg("%s: %s", sql, db_errmsg(fx.db));
}

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof fx);
	setenv("TZ", "America/New_York", 1);
	tzset();
	snprintf(fx.dir, sizeof fx.dir, "/tmp/hartline-figures-XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	snprintf(fx.url, sizeof fx.url, "%s/h.db", fx.dir);
	char err[512];
	assert_int_equal(app_load_pack(NULL, &fx.app.pack, err, sizeof err), 0);
	fx.app.engine = DB_SQLITE;
	assert_int_equal(db_pool_new(fx.url, &fx.app.pool), 0);
	assert_int_equal(app_db(&fx.app, &fx.db), 0);
	assert_int_equal(db_migrate(fx.db, NULL, err, sizeof err), 0);
	/* Figures are audited, and the audit chain is keyed from the key file. */
	char key[160];
	assert_int_equal(crypto_init(), 0);
	snprintf(key, sizeof key, "%s/hartline.key", fx.dir);
	assert_int_equal(keyring_create(key, err, sizeof err), 0);
	assert_int_equal(keyring_load(key, &fx.app.keys, err, sizeof err), 0);
	exec_ok("INSERT INTO app_user (username, role, password_hash, created_at, updated_at)"
		" VALUES ('hart1', 'hart', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
	fx.user = 1;
	fx.actor = (struct actor){.user_id = 1, .role = ROLE_HART};
	snprintf(fx.actor.username, sizeof fx.actor.username, "hart1");
	fx.ctx = (struct svc_ctx){.app = &fx.app, .actor = &fx.actor, .client = "test"};
	figures_store_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	figures_store_reset();
	db_pool_free(fx.app.pool);
	pack_free(fx.app.pack);
	keyring_free(fx.app.keys);
	char path[160];
	const char *names[] = {"h.db", "h.db-wal", "h.db-shm", "hartline.key"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", fx.dir, names[i]);
		unlink(path);
	}
	rmdir(fx.dir);
	return 0;
}

/* One referral row, as an import writes it; age -1 stores none. */
static void add_referral(const char *key, const char *date, const char *source, const char *region, int age,
			 const char *vuln)
{
	int64_t seq = 0;
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(figures_seq_next(fx.db, &seq), 0);
	assert_int_equal(db_execf(fx.db,
				  "INSERT INTO referral (child_key, referral_date, source, region, age, vulnerabilities,"
				  " disposition, imported, created_at, seq)"
				  " VALUES (?, ?, ?, ?, nullif(?, -1), ?, 'accepted_hart', 1, '2026-01-01T00:00:00Z', ?)",
				  "ttttiti", key, date, source, region, (int64_t)age, vuln ? vuln : "", seq),
			 0);
	assert_int_equal(db_commit(fx.db), 0);
}

static void figure_of(struct figure_query q, struct figure *f)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	memset(f, 0, sizeof *f);
	int r = svc_stats_figure(&fx.ctx, &q, &errs, f);
	if (r < 0) {
		char line[300];
		for (size_t i = 0; i < errs.count && field_error_format(&errs, i, line, sizeof line) == 0; i++)
			print_error("  %s\n", line);
	}
	assert_int_equal(r, 0);
	field_errors_done(&errs);
}

/* The index of key among the n keys, failing the test with "no <what> <key>" when absent. */
static int key_index(char *const *keys, int n, const char *what, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return i;
	fail_msg("no %s %s", what, key);
	return -1;
}

static int row_of(const struct figure *f, const char *key)
{
	return key_index(f->row_key, f->nrows, "row", key);
}

static int col_of(const struct figure *f, const char *key)
{
	return key_index(f->col_key, f->ncols, "column", key);
}

static int64_t at(const struct figure *f, const char *row, int col)
{
	return f->cell[(size_t)row_of(f, row) * (size_t)f->ncols + (size_t)col].value;
}

struct row_count {
	const char *row;
	int64_t count;
};

/* Each row's count in the first column is as given. */
static void assert_first_column(const struct figure *f, const struct row_count *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(at(f, want[i].row, 0), want[i].count);
}

/* --- Dates ---------------------------------------------------------------- */

UNIT_TEST(converts_days_and_dates_both_ways)
{
	assert_int_equal(days_from_civil(1970, 1, 1), 0);
	assert_int_equal(days_from_civil(2000, 3, 1), 11017);
	int32_t d;
	assert_true(figures_parse_day("2016-02-29", &d));
	char s[16];
	figures_format_day(d, s);
	assert_string_equal(s, "2016-02-29");
	assert_false(figures_parse_day("2015-02-29", &d));
	assert_false(figures_parse_day("2015-13-01", &d));
	assert_false(figures_parse_day("2015-1-01", &d));
	assert_false(figures_parse_day("1899-12-31", &d));
}

UNIT_TEST(takes_the_local_day_of_a_utc_time)
{
	int32_t d, want;
	/* 23:30 on New Year's Eve in Connecticut is 04:30 UTC on the 1st. */
	assert_true(figures_local_day("2016-01-01T04:30:00Z", &d));
	assert_true(figures_parse_day("2015-12-31", &want));
	assert_int_equal(d, want);
	assert_true(figures_local_day("2016-01-01T05:00:00Z", &d));
	assert_true(figures_parse_day("2016-01-01", &want));
	assert_int_equal(d, want);
}

/* --- Referrals ------------------------------------------------------------- */

UNIT_TEST_WITH(counts_a_report_at_2330_on_new_years_eve_in_that_year, setup, teardown)
{
	exec_ok("INSERT INTO intake (number, received_at, channel, source, concerns, region, office, incident_town,"
		" disposition, created_by, created_at, updated_at) VALUES ('I-2015-000001', '2016-01-01T04:30:00Z',"
		" 'phone', 'law_enforcement', '[\"runaway_awol\",\"neglect\"]', 'R1', 'bridgeport', 'Bridgeport',"
		" 'accepted_hart', 1, '2016-01-01T04:30:00Z', '2016-01-01T04:30:00Z')");
	exec_ok("INSERT INTO intake_child (intake_id, position, age_at_report, sex) VALUES (1, 0, 15, 'F')");
	exec_ok("INSERT INTO intake_child (intake_id, position, age_at_report, sex) VALUES (1, 1, 12, 'M')");
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(figures_intake_decided(fx.db, &fx.app, 1, "accepted_hart"), 0);
	/* Deciding again writes no second referral. */
	assert_int_equal(figures_intake_decided(fx.db, &fx.app, 1, "accepted_hart"), 0);
	assert_int_equal(db_commit(fx.db), 0);
	int64_t n = 0;
	assert_int_equal(db_query_int64(fx.db, "SELECT count(*) FROM referral WHERE referral_date = '2015-12-31'"
					       " AND vulnerabilities = 'runaway_awol;neglect' AND region = 'R1'",
					&n),
			 0);
	assert_int_equal(n, 2);

	struct figure f;
	figure_of((struct figure_query){.figure = "referrals", .by = "year"}, &f);
	assert_int_equal(f.nrows, 1);
	assert_string_equal(f.row_key[0], "2015");
	assert_int_equal(at(&f, "2015", 0), 2);
	assert_string_equal(f.subtitle, "2015-12-31 to 2015-12-31, all regions");
	figure_free(&f);

	/* Screened out after all: no longer a referral, but still a row of
	 * the dispositions. */
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(figures_intake_decided(fx.db, &fx.app, 1, "screened_out"), 0);
	assert_int_equal(db_commit(fx.db), 0);
	figure_of((struct figure_query){.figure = "referrals", .by = "sex"}, &f);
	assert_int_equal(at(&f, "F", 0), 0);
	assert_int_equal(f.total.value, 0);
	figure_free(&f);
	figure_of((struct figure_query){.figure = "referrals", .by = "disposition"}, &f);
	assert_int_equal(at(&f, "screened_out", 0), 2);
	assert_int_equal(at(&f, "accepted_hart", 0), 0);
	figure_free(&f);
}

UNIT_TEST_WITH(bins_every_year_in_range_including_empty_ones, setup, teardown)
{
	add_referral("a", "2010-03-01", "court", "R1", 14, NULL);
	add_referral("b", "2012-12-31", "court", "R2", 16, NULL);
	struct figure f;
	figure_of((struct figure_query){.figure = "referrals", .by = "year", .from = "2009-01-01",
					.to = "2013-06-30"},
		  &f);
	assert_int_equal(f.nrows, 5);
	assert_string_equal(f.row_key[0], "2009");
	assert_string_equal(f.row_key[4], "2013");
	const struct row_count years[] = {{"2009", 0}, {"2010", 1}, {"2011", 0}, {"2012", 1}};
	assert_first_column(&f, years, sizeof years / sizeof *years);
	assert_int_equal(f.total.value, 2);
	figure_free(&f);

	figure_of((struct figure_query){.figure = "referrals", .by = "quarter", .from = "2012-10-01",
					.to = "2013-03-31"},
		  &f);
	assert_int_equal(f.nrows, 2);
	assert_string_equal(f.row_key[0], "2012-Q4");
	assert_int_equal(at(&f, "2012-Q4", 0), 1);
	figure_free(&f);
}

UNIT_TEST_WITH(counts_ages_in_the_packs_groups, setup, teardown)
{
	int ages[] = {0, 11, 12, 13, 14, 17, 18, 40, -1};
	for (size_t i = 0; i < sizeof ages / sizeof *ages; i++) {
		char key[8];
		snprintf(key, sizeof key, "c%zu", i);
		add_referral(key, "2014-05-05", "school", "R3", ages[i], NULL);
	}
	struct figure f;
	figure_of((struct figure_query){.figure = "referrals", .by = "age"}, &f);
	const struct row_count groups[] = {{"age_0_11", 2},  {"age_12_13", 2},   {"age_14_15", 1},
					   {"age_16_17", 1}, {"age_18_over", 2}, {"none", 1}};
	assert_first_column(&f, groups, sizeof groups / sizeof *groups);
	assert_int_equal(f.total.value, 9);
	figure_free(&f);
}

UNIT_TEST_WITH(counts_each_child_once_per_cell, setup, teardown)
{
	/* Child x: twice in 2014, once in 2015; child y once in 2015. */
	add_referral("x", "2014-01-01", "court", "R1", 15, "runaway_awol;neglect");
	add_referral("x", "2014-06-01", "ngo", "R1", 15, "runaway_awol");
	add_referral("x", "2015-02-01", "court", "R1", 16, NULL);
	add_referral("y", "2015-03-01", "court", "R2", 13, "neglect");
	struct figure f;
	figure_of((struct figure_query){.figure = "referrals", .by = "year", .measure = "children"}, &f);
	assert_int_equal(at(&f, "2014", 0), 1);
	assert_int_equal(at(&f, "2015", 0), 2);
	assert_int_equal(f.shape, FIG_LIST); /* children do not add up across years */
	assert_int_equal(f.share_base, 2);
	figure_free(&f);

	figure_of((struct figure_query){.figure = "referrals", .by = "vulnerability", .measure = "children"}, &f);
	assert_int_equal(at(&f, "runaway_awol", 0), 1);
	assert_int_equal(at(&f, "neglect", 0), 2);
	assert_int_equal(f.share_base, 2);
	figure_free(&f);

	figure_of((struct figure_query){.figure = "referrals", .by = "vulnerability"}, &f);
	assert_int_equal(at(&f, "runaway_awol", 0), 2);
	assert_int_equal(at(&f, "neglect", 0), 2);
	assert_int_equal(f.share_base, 4);
	figure_free(&f);

	figure_of((struct figure_query){.figure = "repeat"}, &f);
	assert_int_equal(at(&f, "1", 0), 1);
	assert_int_equal(at(&f, "3", 0), 1);
	assert_int_equal(at(&f, "3", 1), 3);
	figure_free(&f);

	/* A later link of y to the same child key as x makes them one child. */
	assert_int_equal(db_exec(fx.db, "UPDATE referral SET child_key = 'x', seq = 100 WHERE child_key = 'y'"), 0);
	assert_int_equal(db_exec(fx.db, "UPDATE referral_seq SET last = 100"), 0);
	figure_of((struct figure_query){.figure = "referrals", .by = "year", .measure = "children"}, &f);
	assert_int_equal(at(&f, "2015", 0), 1);
	figure_free(&f);
}

UNIT_TEST_WITH(adds_up_a_two_way_table, setup, teardown)
{
	add_referral("a", "2014-01-01", "court", "R1", 15, NULL);
	add_referral("b", "2014-02-01", "court", "R2", 15, NULL);
	add_referral("c", "2014-03-01", "school", "R2", 15, NULL);
	add_referral("d", "2015-01-01", "school", "R2", 15, NULL);
	add_referral("e", "2015-01-01", "retired_source", "R2", 15, NULL);
	struct figure f;
	figure_of((struct figure_query){.figure = "referrals", .by = "year", .then = "source"}, &f);
	assert_int_equal(f.shape, FIG_TWO_WAY);
	int court = col_of(&f, "court"), school = col_of(&f, "school"), old = col_of(&f, "retired_source");
	assert_int_equal(at(&f, "2014", court), 2);
	assert_int_equal(at(&f, "2014", school), 1);
	assert_int_equal(at(&f, "2015", school), 1);
	assert_int_equal(at(&f, "2015", old), 1);
	assert_int_equal(f.row_total[row_of(&f, "2014")].value, 3);
	assert_int_equal(f.row_total[row_of(&f, "2015")].value, 2);
	assert_int_equal(f.col_total[court].value, 2);
	assert_int_equal(f.total.value, 5);
	/* Every pack source is a column, zeros included. */
	assert_true(f.ncols >= (int)fx.app.pack->n_sources + 1);
	figure_free(&f);

	/* A region narrows every count. */
	figure_of((struct figure_query){.figure = "referrals", .by = "region", .region = "R2"}, &f);
	assert_int_equal(f.nrows, 1);
	assert_int_equal(at(&f, "R2", 0), 4);
	figure_free(&f);
}

UNIT_TEST_WITH(hides_small_counts_for_the_analyst, setup, teardown)
{
	for (int i = 0; i < 12; i++) {
		char key[8];
		snprintf(key, sizeof key, "k%d", i);
		add_referral(key, i < 3 ? "2014-01-01" : "2015-01-01", "court", "R1", 15, NULL);
	}
	fx.actor.role = ROLE_ANALYST;
	struct figure f;
	figure_of((struct figure_query){.figure = "referrals", .by = "year"}, &f);
	assert_true(f.suppressed);
	assert_int_equal(f.cell[row_of(&f, "2014")].mark, SUPP_PRIMARY);
	assert_int_not_equal(f.cell[row_of(&f, "2015")].mark, SUPP_SHOWN);
	figure_free(&f);
	fx.actor.role = ROLE_HART;
}

/* A referral with a gender identity as it may be stored: a category id,
 * or text from an import or an older version. */
static void add_gendered(const char *key, const char *gender)
{
	add_referral(key, "2014-05-05", "school", "R1", 15, NULL);
	assert_int_equal(db_execf(fx.db, "UPDATE referral SET gender_identity = ? WHERE child_key = ?", "tt", gender, key),
			 0);
}

UNIT_TEST_WITH(counts_gender_by_the_packs_categories_only, setup, teardown)
{
	static const char *const genders[] = {"female", "female", "female", "female", "female", "female",
					      "xyzzy",  "xyzzy",  "Non-Binary", NULL};
	for (size_t i = 0; i < sizeof genders / sizeof *genders; i++) {
		char key[8];
		snprintf(key, sizeof key, "g%zu", i);
		add_gendered(key, genders[i]);
	}
	struct figure f;
	figure_of((struct figure_query){.figure = "referrals", .by = "gender"}, &f);
	for (int i = 0; i < f.nrows; i++) {
		assert_null(strstr(f.row_key[i], "xyzzy"));
		assert_null(strstr(f.row_label[i], "xyzzy"));
		assert_null(strstr(f.row_key[i], "Non-Binary"));
	}
	const struct row_count by_gender[] = {{"female", 6}, {"another_identity", 2}, {"non_binary", 1}, {"none", 1}};
	assert_first_column(&f, by_gender, sizeof by_gender / sizeof *by_gender);
	assert_string_equal(f.row_label[row_of(&f, "another_identity")], "Another identity");
	figure_free(&f);

	/* The analyst: the small category is hidden like any other count. */
	fx.actor.role = ROLE_ANALYST;
	figure_of((struct figure_query){.figure = "referrals", .by = "gender"}, &f);
	assert_int_equal(f.cell[row_of(&f, "another_identity")].mark, SUPP_PRIMARY);
	assert_int_equal(f.cell[row_of(&f, "non_binary")].mark, SUPP_PRIMARY);
	figure_free(&f);
	fx.actor.role = ROLE_HART;
}

UNIT_TEST_WITH(refuses_bad_parameters_naming_them, setup, teardown)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct figure f;
	memset(&f, 0, sizeof f);
	struct figure_query q = {.figure = "referrals", .by = "colour", .then = "colour", .measure = "kids",
				 .from = "2015-02-30", .region = "R9"};
	assert_int_equal(svc_stats_figure(&fx.ctx, &q, &errs, &f), ERR_INVAL);
	const char *fields[] = {"by", "then", "measure", "from", "region"};
	for (size_t i = 0; i < 5; i++) {
		bool found = false;
		size_t k;
		json_t *e;
		json_array_foreach(errs.list, k, e) found |= strcmp(json_get_str(e, "field"), fields[i]) == 0;
		if (!found)
			fail_msg("no error on %s", fields[i]);
	}
	field_errors_done(&errs);
	field_errors_init(&errs, 10);
	q = (struct figure_query){.figure = "referrals", .from = "2015-02-01", .to = "2015-01-01"};
	assert_int_equal(svc_stats_figure(&fx.ctx, &q, &errs, &f), ERR_INVAL);
	assert_string_equal(json_get_str(json_array_get(errs.list, 0), "field"), "to");
	field_errors_done(&errs);
}

int main(void)
{
	setenv("TZ", "America/New_York", 1);
	tzset();
	return unit_run("tests", NULL, NULL);
}
