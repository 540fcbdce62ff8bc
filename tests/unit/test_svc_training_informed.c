/* Tests for service/training/informed.c: a provider becomes
 * trafficking-informed when its second member of staff completes Day 2
 * (one of them a supervisor), lapses when the completions age past the
 * pack's 24 months, its users and the trainers are told once that it will
 * lapse within 60 days, hand-typed statuses stand when the pack has no
 * rule, and the sweep's write is whole or absent when a statement or an
 * allocation fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "service/training.h"
#include "service/training_informed.h"

#define TS "'2025-01-01T00:00:00Z'"

/* A provider, harbor (id 1), with two staff: Avery a supervisor (trainee
 * 1) and Blake (trainee 2); Casey (trainee 3) works elsewhere. Held
 * sessions of Day 1 (1, 2025-06-01) and Day 2 (2, 2025-07-01; 3,
 * 2026-11-20). */
static void staff(void)
{
	fx_exec("INSERT INTO provider (id, code, name, created_at, updated_at) VALUES"
		" (1, 'harbor', 'Harbor Light', " TS ", " TS "), (2, 'beacon', 'Beacon House', " TS ", " TS ")");
	fx_exec("INSERT INTO trainee (id, audience, provider_id, supervisor, created_at, updated_at) VALUES"
		" (1, 'service_providers', 1, 1, " TS ", " TS "), (2, 'service_providers', 1, 0, " TS ", " TS "),"
		" (3, 'service_providers', 2, 1, " TS ", " TS ")");
	fx_exec("INSERT INTO training_session (id, number, course, starts_at, ends_at, capacity, status, created_at,"
		" updated_at) VALUES (1, 'T-1', 'day1', '2025-06-01T13:00:00Z', '2025-06-01T20:00:00Z', 30, 'held', " TS
		", " TS "), (2, 'T-2', 'day2', '2025-07-01T13:00:00Z', '2025-07-01T20:00:00Z', 30, 'held', " TS ", " TS
		"), (3, 'T-3', 'day2', '2026-11-20T13:00:00Z', '2026-11-20T20:00:00Z', 30, 'held', " TS ", " TS ")");
}

static void completed(int trainee, int session)
{
	char sql[300];
	snprintf(sql, sizeof sql,
		 "INSERT INTO registration (session_id, trainee_id, status, attended, completed, registered_at)"
		 " VALUES (%d, %d, 'registered', 1, 1, " TS ")",
		 session, trainee);
	fx_exec(sql);
}

static void at(const char *when)
{
	hl_time t;
	assert_int_equal(time_parse(when, &t), 0);
	clock_set(t);
}

static int sweep(void *arg)
{
	(void)arg;
	return svc_training_informed_sweep(&fx.app, NULL);
}

static void expect(const char *status, const char *basis, const char *until)
{
	char got[400];
	fx_text("SELECT informed_status FROM provider WHERE id = 1", got, sizeof got);
	assert_string_equal(got, status);
	fx_text("SELECT informed_basis FROM provider WHERE id = 1", got, sizeof got);
	assert_string_equal(got, basis);
	fx_text("SELECT informed_until FROM provider WHERE id = 1", got, sizeof got);
	assert_string_equal(got, until);
}

UNIT_TEST_WITH(informed_when_the_second_staff_member_completes_day_2_and_lapsed_after_24_months, fx_setup,
	       fx_teardown)
{
	struct fx_user pu, tr, other;
	fx_user(&pu, ROLE_PROVIDER, "harbor");
	fx_user(&tr, ROLE_TRAINER, NULL);
	fx_user(&other, ROLE_PROVIDER, "beacon");
	staff();
	completed(1, 1), completed(1, 2), completed(2, 1), completed(3, 1), completed(3, 2);
	assert_int_equal(sweep(NULL), 0);
	expect("not_informed", "1 staff completed DCF Academy Day 1 and DCF Academy Day 2 within 24 months (1 supervisor); the rule needs 2 (1 supervisor)",
	       "");
	completed(2, 3); /* Blake completes Day 2: the second of them */
	int changed = -1;
	assert_int_equal(svc_training_informed_sweep(&fx.app, &changed), 0);
	assert_int_equal(changed, 1);
	/* Avery's and Blake's Day 1 (2025-06-01) is 24 months old on 2027-06-01. */
	expect("informed", "2 staff completed DCF Academy Day 1 and DCF Academy Day 2 within 24 months (1 supervisor)", "2027-06-01");
	assert_int_equal(fx_count("audit", "action = 'provider.informed' AND object_id = '1'"), 2);
	assert_int_equal(fx_count("notification", NULL), 0); /* more than 60 days ahead */
	assert_int_equal(svc_training_informed_sweep(&fx.app, &changed), 0);
	assert_int_equal(changed, 0); /* nothing new: nothing written */
	assert_int_equal(fx_count("audit", "action = 'provider.informed' AND object_id = '1'"), 2);

	/* 60 days before: the provider's users and the trainers, once. */
	at("2027-04-10T12:00:00Z");
	assert_int_equal(sweep(NULL), 0);
	assert_int_equal(sweep(NULL), 0);
	assert_int_equal(fx_count("notification", "kind = 'informed_lapsing' AND object_id = '1'"), 2);
	char sql[200];
	snprintf(sql, sizeof sql, "kind = 'informed_lapsing' AND user_id IN (%lld, %lld)", (long long)pu.actor.user_id,
		 (long long)tr.actor.user_id);
	assert_int_equal(fx_count("notification", sql), 2);
	expect("informed", "2 staff completed DCF Academy Day 1 and DCF Academy Day 2 within 24 months (1 supervisor)", "2027-06-01");

	at("2027-06-02T12:00:00Z");
	assert_int_equal(sweep(NULL), 0);
	expect("lapsed", "0 staff completed DCF Academy Day 1 and DCF Academy Day 2 within 24 months (0 supervisors); the rule needs 2 (1 supervisor)",
	       "");
	assert_int_equal(fx_count("notification", NULL), 2);
	clock_reset();
}

UNIT_TEST_WITH(a_revoked_certificate_counts_for_nothing_and_an_unrevoked_one_counts, fx_setup, fx_teardown)
{
	staff();
	completed(1, 1), completed(1, 2), completed(2, 1);
	fx_exec("INSERT INTO certificate (code, trainee_id, course, completed_on, issued_at, revoked_at) VALUES"
		" ('C-1', 2, 'day2', '2026-10-01', " TS ", '2026-10-02T00:00:00Z')");
	assert_int_equal(sweep(NULL), 0);
	char got[40];
	fx_text("SELECT informed_status FROM provider WHERE id = 1", got, sizeof got);
	assert_string_equal(got, "not_informed");
	fx_exec("INSERT INTO certificate (code, trainee_id, course, completed_on, issued_at) VALUES"
		" ('C-2', 2, 'day2', '2026-10-01', " TS ")");
	assert_int_equal(sweep(NULL), 0);
	expect("informed", "2 staff completed DCF Academy Day 1 and DCF Academy Day 2 within 24 months (1 supervisor)", "2027-06-01");
}

UNIT_TEST_WITH(without_a_rule_in_the_pack_hand_typed_statuses_stand, fx_setup, fx_teardown)
{
	staff();
	fx_exec("UPDATE provider SET informed_status = 'informed', informed_basis = 'typed' WHERE id = 1");
	struct pack *p = (struct pack *)fx.app.pack;
	p->training.informed.present = false;
	int r = sweep(NULL);
	p->training.informed.present = true;
	assert_int_equal(r, 0);
	expect("informed", "typed", "");
	assert_int_equal(sweep(NULL), 0); /* with the rule, the staff decide */
	expect("lapsed", "0 staff completed DCF Academy Day 1 and DCF Academy Day 2 within 24 months (0 supervisors); the rule needs 2 (1 supervisor)",
	       "");
}

UNIT_TEST(months_are_added_to_a_date_keeping_the_day_or_the_month_s_last)
{
	char out[11];
	assert_int_equal(training_add_months("2025-06-01", 24, out), 0);
	assert_string_equal(out, "2027-06-01");
	assert_int_equal(training_add_months("2024-02-29", 12, out), 0);
	assert_string_equal(out, "2025-02-28");
	assert_int_equal(training_add_months("2026-01-31", -2, out), 0);
	assert_string_equal(out, "2025-11-30");
	assert_int_equal(training_add_months("2026-1-31x", 1, out), ERR_INVAL);
}

static void sweep_under(fx_failure_loop each)
{
	struct fx_user pu, tr;
	fx_user(&pu, ROLE_PROVIDER, "harbor");
	fx_user(&tr, ROLE_TRAINER, NULL);
	staff();
	completed(1, 1), completed(1, 2), completed(2, 1), completed(2, 3);
	at("2027-04-10T12:00:00Z"); /* informed, and within 60 days of lapsing: the notice too */
	assert_true(each(sweep, NULL) > 0);
	expect("informed", "2 staff completed DCF Academy Day 1 and DCF Academy Day 2 within 24 months (1 supervisor)", "2027-06-01");
	assert_int_equal(fx_count("notification", "kind = 'informed_lapsing'"), 2);
	clock_reset();
}
FX_TESTS_UNDER_BOTH_LOOPS(the_sweep_is_whole_or_absent_when_a_statement_fails,
			  the_sweep_is_whole_or_absent_when_an_allocation_fails, sweep_under)

/* ---- through attendance on real sessions ---- */

/* The id a use case answered (out is read after the call). */
static int64_t made(int r, struct field_errors *errs, json_t **out)
{
	fx_assert_no_errors(r, errs);
	int64_t id = json_integer_value(json_object_get(*out, "id"));
	json_decref(*out);
	*out = NULL;
	return id;
}

static int64_t real_session(struct fx_user *tr, const char *course, const char *day)
{
	char text[300];
	snprintf(text, sizeof text,
		 "{\"course\": \"%s\", \"starts_at\": \"%sT13:00:00Z\", \"ends_at\": \"%sT20:00:00Z\", \"capacity\": 10}",
		 course, day, day);
	json_t *body = fx_json(text), *out = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int64_t id = made(svc_tsession_create(&tr->ctx, body, &errs, &out), &errs, &out);
	json_decref(body);
	return id;
}

/* Register t1 and t2 in session s, then both attended and completed. */
static void held(struct fx_user *tr, int64_t s, int64_t t1, int64_t t2)
{
	int64_t regs[2], ts[2] = {t1, t2};
	struct field_errors errs;
	json_t *out = NULL;
	for (int i = 0; i < 2; i++) {
		char text[64];
		snprintf(text, sizeof text, "{\"trainee_id\": %lld}", (long long)ts[i]);
		json_t *body = fx_json(text);
		field_errors_init(&errs, 10);
		regs[i] = made(svc_registration_create(&tr->ctx, s, body, &errs, &out), &errs, &out);
		json_decref(body);
	}
	json_t *body = json_pack("{s:[{s:I, s:b, s:b}, {s:I, s:b, s:b}]}", "lines", "registration_id", (json_int_t)regs[0],
				 "attended", 1, "completed", 1, "registration_id", (json_int_t)regs[1], "attended", 1,
				 "completed", 1);
	field_errors_init(&errs, 10);
	made(svc_attendance_put(&tr->ctx, s, body, &errs, &out), &errs, &out);
	json_decref(body);
}

UNIT_TEST_WITH(attendance_makes_a_provider_informed_when_its_second_staff_member_completes_day_2, fx_setup,
	       fx_teardown)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	fx_exec("INSERT INTO provider (id, code, name, created_at, updated_at) VALUES"
		" (1, 'harbor', 'Harbor Light', " TS ", " TS ")");
	struct field_errors errs;
	json_t *out = NULL, *body = fx_json("{\"name\": \"Avery Sup\", \"audience\": \"service_providers\","
					    " \"provider_id\": 1, \"supervisor\": true}");
	field_errors_init(&errs, 10);
	int64_t avery = made(svc_trainee_create(&tr.ctx, body, &errs, &out), &errs, &out);
	json_decref(body);
	body = fx_json("{\"name\": \"Blake Staff\", \"audience\": \"service_providers\", \"provider_id\": 1}");
	field_errors_init(&errs, 10);
	int64_t blake = made(svc_trainee_create(&tr.ctx, body, &errs, &out), &errs, &out);
	json_decref(body);
	held(&tr, real_session(&tr, "day1", "2026-10-01"), avery, blake);
	char got[40];
	fx_text("SELECT informed_status FROM provider WHERE id = 1", got, sizeof got);
	assert_string_equal(got, "not_informed");
	held(&tr, real_session(&tr, "day2", "2026-11-01"), avery, blake);
	expect("informed", "2 staff completed DCF Academy Day 1 and DCF Academy Day 2 within 24 months (1 supervisor)",
	       "2028-10-01");
	/* 24 months after Day 1 the daily sweep lets it lapse. */
	at("2028-10-02T12:00:00Z");
	assert_int_equal(sweep(NULL), 0);
	fx_text("SELECT informed_status FROM provider WHERE id = 1", got, sizeof got);
	assert_string_equal(got, "lapsed");
	clock_reset();
}

int main(void)
{
	return unit_run("svc_training_informed", NULL, NULL);
}
