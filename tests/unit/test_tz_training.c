/* A certificate valid through a date is valid until that day ends on the
 * agency's clocks (the pack's time zone, New York's), not UTC's: at 23:30
 * on its last day (already the next day in UTC) its holder may still be
 * named a session's trainer; at 00:30 the next day no longer. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/clock.h"
#include "base/err.h"
#include "service/training.h"

static hl_time at(const char *s)
{
	hl_time t;
	assert_int_equal(time_parse(s, &t), 0);
	return t;
}

/* Creates a day-one session with trainer p as tr: the service's answer. */
static int session_with_trainer(struct fx_user *tr, int64_t p, struct field_errors *errs)
{
	char text[300];
	snprintf(text, sizeof text,
		 "{\"course\": \"day1\", \"starts_at\": \"2027-05-01T13:00:00Z\", \"ends_at\": \"2027-05-01T20:00:00Z\","
		 " \"capacity\": 10, \"trainer_ids\": [%lld]}",
		 (long long)p);
	json_t *body = fx_json(text), *out = NULL;
	int r = svc_tsession_create(&tr->ctx, body, errs, &out);
	json_decref(out);
	json_decref(body);
	return r;
}

UNIT_TEST_WITH(a_certificate_is_valid_through_its_last_local_day, fx_setup, fx_teardown)
{
	/* As app_open does: the process runs in the pack's zone. */
	assert_string_equal(fx.app.pack->time_zone, "America/New_York");
	assert_int_equal(setenv("TZ", fx.app.pack->time_zone, 1), 0);
	tzset();
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	json_t *body = fx_json("{\"name\": \"Gus Zone\", \"email\": \"gus.zone@example.org\", \"audience\": \"dcf_staff\"}"),
	       *out = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_trainee_create(&tr.ctx, body, &errs, &out), &errs);
	int64_t p = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	json_decref(body);
	char sql[300];
	snprintf(sql, sizeof sql,
		 "INSERT INTO certificate (code, trainee_id, course, completed_on, issued_at, expires_at)"
		 " VALUES ('TTZ2345678', %lld, 'train_the_trainer', '2026-01-01', '2026-01-01T00:00:00Z', '2027-03-31')",
		 (long long)p);
	fx_exec(sql);

	/* 23:30 on March 31 in New York (daylight time): April 1 in UTC. */
	clock_set(at("2027-04-01T03:30:00Z"));
	field_errors_init(&errs, 10);
	assert_int_equal(session_with_trainer(&tr, p, &errs), 0);
	field_errors_done(&errs);
	assert_int_equal(fx_count("training_session", NULL), 1);

	/* 00:30 on April 1 in New York: the certificate has run out. */
	clock_set(at("2027-04-01T04:30:00Z"));
	field_errors_init(&errs, 10);
	assert_int_equal(session_with_trainer(&tr, p, &errs), ERR_INVAL);
	assert_true(fx_names_field(&errs, "trainer_ids[0]"));
	field_errors_done(&errs);
	assert_int_equal(fx_count("training_session", NULL), 1);
}

int main(void)
{
	return unit_run("tz_training", NULL, NULL);
}
