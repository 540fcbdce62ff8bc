/* Training's days are the agency's (the pack's time zone, New York's), not
 * UTC's. A certificate valid through a date is valid until that day ends:
 * at 23:30 on its last day (already the next day in UTC) its holder may
 * still be named a session's trainer, and it reads as valid; at 00:30 the
 * next day no longer. A session on New Year's Eve evening is numbered in
 * that year and its certificates completed on that day. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/clock.h"
#include "base/err.h"
#include "service/training.h"
#include "service/training_certs.h"

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

/* As app_open does: the process runs in the pack's zone. */
static void pack_zone(void)
{
	assert_string_equal(fx.app.pack->time_zone, "America/New_York");
	assert_int_equal(setenv("TZ", fx.app.pack->time_zone, 1), 0);
	tzset();
}

UNIT_TEST_WITH(a_certificate_is_valid_through_its_last_local_day, fx_setup, fx_teardown)
{
	pack_zone();
	assert_string_equal(cert_status("2027-03-31", NULL, at("2027-04-01T03:30:00Z")), "valid");
	assert_string_equal(cert_status("2027-03-31", NULL, at("2027-04-01T04:30:00Z")), "expired");
	assert_string_equal(cert_status("2027-11-30", NULL, at("2027-12-01T04:59:00Z")), "valid");
	assert_string_equal(cert_status("2027-11-30", NULL, at("2027-12-01T05:00:00Z")), "expired");
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

UNIT_TEST_WITH(an_evening_session_is_numbered_and_completed_on_its_local_day, fx_setup, fx_teardown)
{
	pack_zone();
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	json_t *body = fx_json("{\"name\": \"Ana Zone\", \"email\": \"ana.zone@example.org\", \"audience\": \"dcf_staff\"}"),
	       *out = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_trainee_create(&tr.ctx, body, &errs, &out), &errs);
	int64_t p = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	json_decref(body);
	/* 21:00 to 23:30 on December 31, 2027 in New York: January 1, 2028 in UTC. */
	body = fx_json("{\"course\": \"day1\", \"starts_at\": \"2028-01-01T02:00:00Z\","
		       " \"ends_at\": \"2028-01-01T04:30:00Z\", \"capacity\": 10, \"region\": \"R1\"}");
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_tsession_create(&tr.ctx, body, &errs, &out), &errs);
	int64_t s = json_integer_value(json_object_get(out, "id"));
	const char *number = json_string_value(json_object_get(out, "number"));
	assert_non_null(number);
	assert_memory_equal(number, "T-2027-", 7);
	json_decref(out);
	json_decref(body);

	char text[64];
	snprintf(text, sizeof text, "{\"trainee_id\": %lld}", (long long)p);
	body = fx_json(text);
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_registration_create(&tr.ctx, s, body, &errs, &out), &errs);
	int64_t reg = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	json_decref(body);
	clock_set(at("2028-01-01T05:00:00Z"));
	body = json_pack("{s:[{s:I, s:b, s:b}]}", "lines", "registration_id", (json_int_t)reg, "attended", 1, "completed", 1);
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_attendance_put(&tr.ctx, s, body, &errs, &out), &errs);
	json_decref(out);
	json_decref(body);
	char on[16];
	fx_text("SELECT completed_on FROM certificate WHERE course = 'day1'", on, sizeof on);
	assert_string_equal(on, "2027-12-31");
}

int main(void)
{
	return unit_run("tz_training", NULL, NULL);
}
