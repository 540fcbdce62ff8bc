/* Tests for service/training: trainees, sessions, registration with
 * prerequisites and a waiting list, attendance and certificates. Each
 * write is stored and answered, refused to every other role with nothing
 * stored, and whole or absent when a statement or an allocation fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "service/training.h"
#include "service/training_certs.h"

/* A trainee made by the trainer; answers its id. */
static int64_t trainee(struct fx_user *tr, const char *name, const char *extra)
{
	char text[512], mail[64];
	snprintf(mail, sizeof mail, "%s", name);
	for (char *p = strchr(mail, ' '); p; p = strchr(p, ' '))
		*p = '.';
	snprintf(text, sizeof text, "{\"name\": \"%s\", \"email\": \"%s@example.org\", \"audience\": \"dcf_staff\"%s}",
		 name, mail, extra ? extra : "");
	json_t *body = fx_json(text), *out = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int r = svc_trainee_create(&tr->ctx, body, &errs, &out);
	fx_assert_no_errors(r, &errs);
	int64_t id = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	json_decref(body);
	return id;
}

static int64_t session(struct fx_user *tr, const char *course, int capacity, const char *starts)
{
	char text[512];
	snprintf(text, sizeof text,
		 "{\"course\": \"%s\", \"starts_at\": \"%sT13:00:00Z\", \"ends_at\": \"%sT20:00:00Z\", \"capacity\": %d,"
		 " \"region\": \"R1\", \"place\": \"Academy room 2\"}",
		 course, starts, starts, capacity);
	json_t *body = fx_json(text), *out = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int r = svc_tsession_create(&tr->ctx, body, &errs, &out);
	fx_assert_no_errors(r, &errs);
	int64_t id = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	json_decref(body);
	return id;
}

/* Register trainee t in session s: the answer's status. */
static int register_one(struct fx_user *tr, int64_t s, int64_t t, json_t **out)
{
	char text[64];
	snprintf(text, sizeof text, "{\"trainee_id\": %lld}", (long long)t);
	json_t *body = fx_json(text);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int r = svc_registration_create(&tr->ctx, s, body, &errs, out);
	field_errors_done(&errs);
	json_decref(body);
	return r;
}

static int64_t reg_id(int64_t s, int64_t t)
{
	char sql[160], out[32];
	snprintf(sql, sizeof sql, "SELECT id FROM registration WHERE session_id = %lld AND trainee_id = %lld",
		 (long long)s, (long long)t);
	fx_text(sql, out, sizeof out);
	return atoll(out);
}

/* All of regs attended and completed. */
static int attend(struct fx_user *tr, int64_t s, const int64_t *regs, size_t n, bool completed)
{
	json_t *lines = json_array(), *out = NULL;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(lines, json_pack("{s:I, s:b, s:b}", "registration_id", (json_int_t)regs[i],
						       "attended", 1, "completed", completed));
	json_t *body = json_pack("{s:o}", "lines", lines);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int r = svc_attendance_put(&tr->ctx, s, body, &errs, &out);
	field_errors_done(&errs);
	json_decref(out);
	json_decref(body);
	return r;
}

/* ---- writes under both loops ---- */

struct arg {
	struct fx_user *tr;
	json_t *body;
	int64_t id, sub;
};

static int trainee_create_uc(void *p)
{
	struct arg *a = p;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *out = NULL;
	int r = svc_trainee_create(&a->tr->ctx, a->body, &errs, &out);
	if (r == 0)
		a->id = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	field_errors_done(&errs);
	return r;
}

static void trainee_create_under(fx_failure_loop each)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	struct arg a = {.tr = &tr,
			.body = fx_json("{\"name\": \"Robin Sample\", \"email\": \"Robin@Example.org\", \"audience\":"
					" \"dcf_staff\", \"organisation\": \"DCF Region 1\", \"supervisor\": true}")};
	each(trainee_create_uc, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("trainee", "name IS NOT NULL AND email IS NOT NULL AND supervisor = 1"), 1);
	assert_int_equal(fx_count("trainee", "length(match_key) = 64"), 1);
	assert_int_equal(fx_count("audit", "action = 'training.trainee_create'"), 1);
	/* The same person written another way has the same key. */
	char k1[CRYPTO_HASH_HEX_SIZE], k2[CRYPTO_HASH_HEX_SIZE], stored[80];
	assert_int_equal(training_match_key(tr.ctx.app, "robin  SAMPLE", "robin@example.ORG", k1), 0);
	assert_int_equal(training_match_key(tr.ctx.app, "Robin Sample", "robin@example.org", k2), 0);
	assert_string_equal(k1, k2);
	fx_text("SELECT match_key FROM trainee", stored, sizeof stored);
	assert_string_equal(stored, k1);
	json_t *got = NULL;
	fx_text("SELECT id FROM trainee", stored, sizeof stored);
	assert_int_equal(svc_trainee_get(&tr.ctx, atoll(stored), &got), 0);
	assert_string_equal(json_string_value(json_object_get(got, "name")), "Robin Sample");
	json_decref(got);
}
FX_TESTS_UNDER_BOTH_LOOPS(a_trainee_is_added_sealed_with_a_match_key, a_trainee_is_added_when_allocations_fail,
			  trainee_create_under)

static int session_create_uc(void *p)
{
	struct arg *a = p;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *out = NULL;
	int r = svc_tsession_create(&a->tr->ctx, a->body, &errs, &out);
	if (r == 0)
		a->id = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	field_errors_done(&errs);
	return r;
}

static int register_uc(void *p)
{
	struct arg *a = p;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *out = NULL;
	int r = svc_registration_create(&a->tr->ctx, a->id, a->body, &errs, &out);
	json_decref(out);
	field_errors_done(&errs);
	return r;
}

static int cancel_uc(void *p)
{
	struct arg *a = p;
	json_t *out = NULL;
	int r = svc_registration_cancel(&a->tr->ctx, a->id, a->sub, &out);
	json_decref(out);
	return r;
}

static int attendance_uc(void *p)
{
	struct arg *a = p;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *out = NULL;
	int r = svc_attendance_put(&a->tr->ctx, a->id, a->body, &errs, &out);
	json_decref(out);
	field_errors_done(&errs);
	return r;
}

static int session_update_uc(void *p)
{
	struct arg *a = p;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *out = NULL;
	int r = svc_tsession_update(&a->tr->ctx, a->id, a->body, &errs, &out);
	json_decref(out);
	field_errors_done(&errs);
	return r;
}

static void session_to_certificates_under(fx_failure_loop each)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	int64_t p1 = trainee(&tr, "Ana One", NULL), p2 = trainee(&tr, "Ben Two", NULL), p3 = trainee(&tr, "Cy Three", NULL);
	struct arg a = {.tr = &tr,
			.body = fx_json("{\"course\": \"day1\", \"starts_at\": \"2026-11-02T13:00:00Z\", \"ends_at\":"
					" \"2026-11-02T20:00:00Z\", \"capacity\": 2, \"region\": \"R1\"}")};
	each(session_create_uc, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("training_session", "number = 'T-2026-0001' AND status = 'scheduled'"), 1);
	char idtext[32];
	fx_text("SELECT id FROM training_session", idtext, sizeof idtext);
	int64_t s = atoll(idtext);
	a.id = s;

	a.body = json_pack("{s:I}", "trainee_id", (json_int_t)p1);
	each(register_uc, &a);
	json_decref(a.body);
	assert_int_equal(register_one(&tr, s, p2, &a.body), 0);
	json_decref(a.body);
	a.body = json_pack("{s:I}", "trainee_id", (json_int_t)p3); /* full: waits */
	each(register_uc, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("registration", "status = 'waitlisted' AND waitlist_position = 1"), 1);

	a.sub = reg_id(s, p2); /* a place given back: Cy moves up */
	each(cancel_uc, &a);
	assert_int_equal(fx_count("registration", "status = 'registered'"), 2);
	char sql[120];
	snprintf(sql, sizeof sql, "trainee_id = %lld AND status = 'registered' AND waitlist_position IS NULL",
		 (long long)p3);
	assert_int_equal(fx_count("registration", sql), 1);

	json_t *lines = json_array();
	json_array_append_new(lines, json_pack("{s:I, s:b, s:b}", "registration_id", (json_int_t)reg_id(s, p1),
					       "attended", 1, "completed", 1));
	json_array_append_new(lines, json_pack("{s:I, s:b, s:b}", "registration_id", (json_int_t)reg_id(s, p3),
					       "attended", 1, "completed", 0));
	a.body = json_pack("{s:o}", "lines", lines);
	each(attendance_uc, &a);
	assert_int_equal(fx_count("certificate", "course = 'day1' AND completed_on = '2026-11-02' AND length(code) = 10"
						 " AND revoked_at IS NULL"), 1);
	assert_int_equal(fx_count("training_session", "status = 'held'"), 1);
	/* Again: no second certificate. */
	assert_int_equal(attendance_uc(&a), 0);
	assert_int_equal(fx_count("certificate", NULL), 1);
	json_decref(a.body);
	/* Un-completing revokes it. */
	int64_t r1 = reg_id(s, p1);
	assert_int_equal(attend(&tr, s, &r1, 1, false), 0);
	assert_int_equal(fx_count("certificate", "revoked_at IS NOT NULL AND revoke_reason IS NOT NULL"), 1);
	/* Completed again: the correction's revocation is undone. */
	assert_int_equal(attend(&tr, s, &r1, 1, true), 0);
	assert_int_equal(fx_count("certificate", "revoked_at IS NULL AND revoke_reason IS NULL"), 1);
	/* A trainer's own revocation stands when attendance is saved again. */
	{
		struct field_errors errs;
		field_errors_init(&errs, 5);
		json_t *why = fx_json("{\"reason\": \"Issued to the wrong person\"}"), *out = NULL;
		int64_t cid = fx_count("certificate", NULL); /* the only one: id 1 */
		assert_int_equal(svc_certificate_revoke(&tr.ctx, cid, why, &errs, &out), 0);
		json_decref(why);
		json_decref(out);
		field_errors_done(&errs);
	}
	assert_int_equal(attend(&tr, s, &r1, 1, true), 0);
	assert_int_equal(fx_count("certificate", "revoked_at IS NOT NULL"), 1);

	/* Cancel a scheduled one: the registered are told. */
	int64_t s2 = session(&tr, "day1", 10, "2026-12-10");
	json_t *o = NULL;
	assert_int_equal(register_one(&tr, s2, p1, &o), 0);
	json_decref(o);
	a.id = s2;
	a.body = fx_json("{\"version\": 1, \"status\": \"cancelled\", \"reason\": \"Trainer ill\"}");
	each(session_update_uc, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("training_session", "status = 'cancelled' AND cancel_reason IS NOT NULL"), 1);
}
FX_TESTS_UNDER_BOTH_LOOPS(a_session_from_scheduling_to_certificates, a_session_to_certificates_when_allocations_fail,
			  session_to_certificates_under)

/* ---- rules ---- */

UNIT_TEST_WITH(day2_needs_day1_first, fx_setup, fx_teardown)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	int64_t p = trainee(&tr, "Dee Four", NULL);
	int64_t d2 = session(&tr, "day2", 5, "2026-11-20");
	json_t *body = fx_json("{\"trainee_id\": 0}"), *out = NULL;
	json_object_set_new(body, "trainee_id", json_integer(p));
	struct field_errors errs;
	field_errors_init(&errs, 10);
	assert_int_equal(svc_registration_create(&tr.ctx, d2, body, &errs, &out), ERR_CONFLICT);
	char line[300];
	assert_int_equal(field_error_format(&errs, 0, line, sizeof line), 0);
	assert_non_null(strstr(line, "Dee Four has not completed it"));
	field_errors_done(&errs);
	json_decref(body);
	assert_int_equal(fx_count("registration", NULL), 0);

	int64_t d1 = session(&tr, "day1", 5, "2026-11-01");
	assert_int_equal(register_one(&tr, d1, p, &out), 0);
	json_decref(out);
	int64_t r = reg_id(d1, p);
	assert_int_equal(attend(&tr, d1, &r, 1, true), 0);
	assert_int_equal(register_one(&tr, d2, p, &out), 0);
	json_decref(out);
	assert_int_equal(register_one(&tr, d2, p, &out), ERR_EXISTS);
}

UNIT_TEST_WITH(attendance_refuses_whole_and_names_the_line, fx_setup, fx_teardown)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	int64_t p = trainee(&tr, "Eve Five", NULL), q = trainee(&tr, "Fay Six", NULL);
	int64_t s = session(&tr, "day1", 1, "2026-11-01");
	json_t *out = NULL;
	assert_int_equal(register_one(&tr, s, p, &out), 0);
	json_decref(out);
	assert_int_equal(register_one(&tr, s, q, &out), 0); /* waits */
	json_decref(out);
	char text[300];
	snprintf(text, sizeof text,
		 "{\"lines\": [{\"registration_id\": %lld, \"attended\": true, \"completed\": true},"
		 " {\"registration_id\": %lld, \"attended\": true, \"completed\": true},"
		 " {\"registration_id\": 999, \"attended\": true, \"completed\": false},"
		 " {\"registration_id\": %lld, \"attended\": false, \"completed\": true}]}",
		 (long long)reg_id(s, p), (long long)reg_id(s, q), (long long)reg_id(s, p));
	json_t *body = fx_json(text);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	assert_int_equal(svc_attendance_put(&tr.ctx, s, body, &errs, &out), ERR_INVAL);
	assert_true(fx_names_field(&errs, "lines[1]"));
	assert_true(fx_names_field(&errs, "lines[2]"));
	assert_true(fx_names_field(&errs, "lines[3]"));
	assert_false(fx_names_field(&errs, "lines[0]"));
	field_errors_done(&errs);
	json_decref(body);
	assert_int_equal(fx_count("registration", "attended IS NOT NULL"), 0);
	assert_int_equal(fx_count("certificate", NULL), 0);
	assert_int_equal(fx_count("training_session", "status = 'scheduled'"), 1);
}

UNIT_TEST_WITH(three_hundred_lines_in_one_call, fx_setup, fx_teardown)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	int64_t s = session(&tr, "day1", 300, "2026-11-01"), regs[300];
	for (int i = 0; i < 300; i++) {
		char name[32];
		snprintf(name, sizeof name, "Person %d", i);
		int64_t t = trainee(&tr, name, NULL);
		json_t *out = NULL;
		assert_int_equal(register_one(&tr, s, t, &out), 0);
		json_decref(out);
		regs[i] = reg_id(s, t);
	}
	assert_int_equal(attend(&tr, s, regs, 300, true), 0);
	assert_int_equal(fx_count("registration", "attended = 1 AND completed = 1"), 300);
	assert_int_equal(fx_count("certificate", NULL), 300);
	assert_int_equal(fx_count("audit", "action = 'training.attendance'"), 1);
}

UNIT_TEST_WITH(trainers_must_be_certified, fx_setup, fx_teardown)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	int64_t p = trainee(&tr, "Gus Seven", NULL);
	char text[300];
	snprintf(text, sizeof text,
		 "{\"course\": \"day1\", \"starts_at\": \"2026-12-01T13:00:00Z\", \"ends_at\": \"2026-12-01T20:00:00Z\","
		 " \"capacity\": 10, \"trainer_ids\": [%lld]}", (long long)p);
	json_t *body = fx_json(text), *out = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	assert_int_equal(svc_tsession_create(&tr.ctx, body, &errs, &out), ERR_INVAL);
	assert_true(fx_names_field(&errs, "trainer_ids[0]"));
	field_errors_done(&errs);
	assert_int_equal(fx_count("training_session", NULL), 0);
	fx_exec("INSERT INTO certificate (code, trainee_id, course, completed_on, issued_at)"
		" VALUES ('TTT2345678', 1, 'train_the_trainer', '2026-01-01', '2026-01-01T00:00:00Z')");
	field_errors_init(&errs, 10);
	assert_int_equal(svc_tsession_create(&tr.ctx, body, &errs, &out), 0);
	field_errors_done(&errs);
	json_decref(out);
	json_decref(body);
	assert_int_equal(fx_count("session_trainer", NULL), 1);
}

UNIT_TEST_WITH(other_roles_are_refused_and_a_provider_sees_its_staff, fx_setup, fx_teardown)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	fx_exec("INSERT INTO provider (code, name, created_at, updated_at) VALUES ('harbor', 'Harbor', 'x', 'x'),"
		" ('other', 'Other', 'x', 'x')");
	int64_t mine = trainee(&tr, "Hal Eight", ", \"provider_id\": 1");
	trainee(&tr, "Ida Nine", ", \"provider_id\": 2");
	int64_t s = session(&tr, "day1", 5, "2026-11-01");
	long before = (long)fx_count("audit", NULL);
	static const enum role others[] = {ROLE_CARELINE, ROLE_HART, ROLE_LIAISON, ROLE_MDT, ROLE_PROVIDER,
					   ROLE_ANALYST, ROLE_ADMIN};
	json_t *body = fx_json("{\"name\": \"X\", \"audience\": \"dcf_staff\", \"trainee_id\": 1, \"lines\": []}"),
	       *out = NULL;
	struct field_errors errs;
	for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
		struct fx_user u;
		fx_user(&u, others[i], others[i] == ROLE_PROVIDER ? "harbor" : others[i] == ROLE_LIAISON ? "R1" : NULL);
		field_errors_init(&errs, 10);
		assert_int_equal(svc_trainee_create(&u.ctx, body, &errs, &out), ERR_PERM);
		assert_int_equal(svc_tsession_create(&u.ctx, body, &errs, &out), ERR_PERM);
		assert_int_equal(svc_registration_create(&u.ctx, s, body, &errs, &out), ERR_PERM);
		assert_int_equal(svc_registration_cancel(&u.ctx, s, 1, &out), ERR_PERM);
		assert_int_equal(svc_attendance_put(&u.ctx, s, body, &errs, &out), ERR_PERM);
		assert_int_equal(svc_tsession_update(&u.ctx, s, body, &errs, &out), ERR_PERM);
		assert_int_equal(svc_trainee_update(&u.ctx, mine, body, &errs, &out), ERR_PERM);
		if (others[i] != ROLE_PROVIDER) {
			assert_int_equal(svc_trainee_get(&u.ctx, mine, &out), ERR_PERM);
			assert_int_equal(svc_tsession_get(&u.ctx, s, &out), ERR_PERM);
		}
		field_errors_done(&errs);
	}
	json_decref(body);
	assert_int_equal(fx_count("trainee", NULL), 2);
	assert_int_equal(fx_count("training_session", NULL), 1);
	assert_int_equal(fx_count("registration", NULL), 0);
	assert_true(fx_count("audit", "action NOT LIKE 'denied%' AND action NOT LIKE '%denied'") <= before);

	struct fx_user prov;
	fx_user(&prov, ROLE_PROVIDER, "harbor");
	struct trainee_filter f = {0};
	field_errors_init(&errs, 10);
	assert_int_equal(svc_trainees_list(&prov.ctx, &f, &errs, &out), 0);
	field_errors_done(&errs);
	json_t *items = json_object_get(out, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")), "Hal Eight");
	json_decref(out);
	assert_int_equal(svc_trainee_get(&prov.ctx, mine + 1, &out), ERR_NOTFOUND);
	assert_int_equal(svc_trainee_get(&prov.ctx, mine, &out), 0);
	json_decref(out);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
