/* Tests for service/training/import.c, the sign-in sheet import: a good
 * sheet makes the people, registrations, attendance and certificates in
 * one go; a bad one is refused whole with every line named; a dry run
 * writes nothing; people already known are matched by e-mail or, without
 * one, by name within their organisation, never duplicated; the same file
 * twice is refused; other roles are refused; the write is whole or absent
 * when a statement or an allocation fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "service/training.h"
#include "service/training_import.h"

static int64_t session(struct fx_user *tr, const char *course, const char *starts)
{
	char text[512];
	snprintf(text, sizeof text,
		 "{\"course\": \"%s\", \"starts_at\": \"%sT13:00:00Z\", \"ends_at\": \"%sT20:00:00Z\", \"capacity\": 2,"
		 " \"region\": \"R1\", \"place\": \"Academy room 2\"}",
		 course, starts, starts);
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

static int64_t trainee(struct fx_user *tr, const char *text)
{
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

static int import(struct fx_user *u, int64_t sid, const char *csv, bool dry, struct timport_report *rep)
{
	return svc_training_import(&u->ctx, sid, csv, strlen(csv), "sheet.csv", dry, NULL, NULL, rep);
}

/* An error of the report on line with column (NULL: any). */
static bool names(const struct timport_report *rep, int64_t line, const char *column, const char *part)
{
	for (int64_t i = 0; i < rep->nerrors; i++)
		if (rep->errors[i].line == line && (!column || strcmp(rep->errors[i].column, column) == 0) &&
		    (!part || strstr(rep->errors[i].reason, part)))
			return true;
	return false;
}

#define GOOD                                                                                                  \
	"name,email,organisation,role,audience,attended,completed\n"                                            \
	"Robin Sample,robin@example.org,Harbor Light,Case supervisor,service_providers,yes,yes\n"               \
	"Sam Tester,,Harbor Light,Mentor,Service providers,yes,no\n"                                            \
	"Kim Newperson,kim@example.org,DCF Region 1,,dcf_staff,yes,yes\n"                                      \
	"Lee Absent,,DCF Region 1,,DCF staff,no,\n"

struct arg {
	struct fx_user *tr;
	int64_t sid;
};

static int import_uc(void *p)
{
	struct arg *a = p;
	struct timport_report rep;
	int r = import(a->tr, a->sid, GOOD, false, &rep);
	if (r == 0 && rep.error_count)
		r = ERR_INVAL;
	timport_report_done(&rep);
	return r;
}

static void known(struct fx_user *tr)
{
	fx_exec("INSERT INTO provider (code, name, created_at, updated_at) VALUES ('harbor', 'Harbor Light', 'x', 'x')");
	/* Robin, known with the e-mail; Sam, known as "Sam Testor" (a typo)
	 * at the same organisation, without e-mail. */
	trainee(tr, "{\"name\": \"Robin Sample\", \"email\": \"ROBIN@example.org\", \"audience\": \"service_providers\","
		    " \"organisation\": \"Harbor Light\", \"provider_id\": 1, \"supervisor\": true}");
	trainee(tr, "{\"name\": \"Sam Testor\", \"audience\": \"service_providers\", \"organisation\": \"harbor light\","
		    " \"provider_id\": 1}");
}

static void import_under(fx_failure_loop each)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	known(&tr);
	struct arg a = {.tr = &tr, .sid = session(&tr, "day1", "2026-11-20")};
	each(import_uc, &a);
	/* Robin by e-mail, Sam by name: not duplicated; Kim and Lee new. */
	assert_int_equal(fx_count("trainee", NULL), 4);
	assert_int_equal(fx_count("trainee", "provider_id IS NULL AND organisation = 'DCF Region 1' AND length(match_key)"
					     " = 64 AND name IS NOT NULL"), 2);
	/* All four registered though the session holds two: it happened. */
	assert_int_equal(fx_count("registration", "status = 'registered' AND import_id IS NOT NULL"), 4);
	assert_int_equal(fx_count("registration", "attended = 1"), 3);
	assert_int_equal(fx_count("registration", "completed = 1"), 2);
	assert_int_equal(fx_count("certificate", "course = 'day1'"), 2);
	assert_int_equal(fx_count("training_session", "status = 'held'"), 1);
	assert_int_equal(fx_count("training_import", "lines = 4 AND matched = 2 AND created = 2 AND"
						     " file_name = 'sheet.csv'"), 1);
	assert_int_equal(fx_count("audit", "action = 'training.import'"), 1);
}
FX_TESTS_UNDER_BOTH_LOOPS(a_good_sheet_goes_in_whole, a_good_sheet_goes_in_whole_when_allocations_fail,
			  import_under)

UNIT_TEST_WITH(a_dry_run_says_what_would_happen_and_writes_nothing, fx_setup, fx_teardown)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	known(&tr);
	int64_t sid = session(&tr, "day1", "2026-11-20");
	long audits = (long)fx_count("audit", NULL);
	struct timport_report rep;
	assert_int_equal(import(&tr, sid, GOOD, true, &rep), 0);
	assert_int_equal(rep.error_count, 0);
	assert_int_equal(rep.rows, 4);
	assert_int_equal(rep.matched, 2);
	assert_int_equal(rep.created, 2);
	assert_int_equal(rep.registered, 4);
	assert_int_equal(rep.attended, 3);
	assert_int_equal(rep.completed, 2);
	assert_int_equal(rep.certificates, 2);
	assert_int_equal(rep.import_id, 0);
	assert_int_equal(rep.lines[0].how, TIMPORT_EMAIL);
	assert_int_equal(rep.lines[0].trainee_id, 1);
	assert_int_equal(rep.lines[1].how, TIMPORT_NAME);
	assert_int_equal(rep.lines[1].trainee_id, 2);
	assert_int_equal(rep.lines[2].how, TIMPORT_NEW);
	json_t *j = timport_report_json(&rep);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "lines"), 1), "found")),
			    "name");
	json_decref(j);
	timport_report_done(&rep);
	assert_int_equal(fx_count("trainee", NULL), 2);
	assert_int_equal(fx_count("registration", NULL), 0);
	assert_int_equal(fx_count("training_import", NULL), 0);
	assert_int_equal(fx_count("audit", NULL), audits);
	/* The real import answers the same and then the same file is refused. */
	assert_int_equal(import(&tr, sid, GOOD, false, &rep), 0);
	assert_int_equal(rep.error_count, 0);
	assert_true(rep.import_id > 0);
	assert_int_equal(rep.certificates, 2);
	int64_t first = rep.import_id;
	timport_report_done(&rep);
	assert_int_equal(import(&tr, sid, GOOD, false, &rep), 0);
	assert_int_equal(rep.earlier_id, first);
	assert_int_equal(rep.import_id, 0);
	timport_report_done(&rep);
	assert_int_equal(fx_count("training_import", NULL), 1);
	assert_int_equal(fx_count("trainee", NULL), 4);
}

UNIT_TEST_WITH(a_bad_sheet_is_refused_whole_with_every_line_named, fx_setup, fx_teardown)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	known(&tr);
	trainee(&tr, "{\"name\": \"Sam Tester\", \"audience\": \"service_providers\", \"organisation\": \"Harbor Light\"}");
	int64_t sid = session(&tr, "day1", "2026-11-20");
	struct timport_report rep;
	assert_int_equal(import(&tr, sid,
				"name,email,organisation,role,audience,attended,completed\n"
				"Good Person,good@example.org,Elsewhere,,dcf_staff,yes,yes\n"
				",not-an-address,Elsewhere,,nobody,maybe,yes\n"
				"Sam Tester,,Harbor Light,,dcf_staff,no,yes\n"
				"Kim New,kim@example.org,,,dcf_staff,yes,no\n"
				"kim new,KIM@example.org,,,dcf_staff,yes,no\n",
				false, &rep),
			 0);
	assert_true(names(&rep, 3, "name", "required"));
	assert_true(names(&rep, 3, "email", "not an e-mail address"));
	assert_true(names(&rep, 3, "audience", "\"nobody\""));
	assert_true(names(&rep, 3, "attended", "yes, no or blank"));
	assert_true(names(&rep, 4, "completed", "without attending"));
	assert_false(names(&rep, 2, NULL, NULL));
	timport_report_done(&rep);
	/* The lines are good now; two known Sams and Kim twice remain. */
	assert_int_equal(import(&tr, sid,
				"name,email,organisation,role,audience,attended,completed\n"
				"Good Person,good@example.org,Elsewhere,,dcf_staff,yes,yes\n"
				"Sam Tester,,Harbor Light,,dcf_staff,yes,yes\n"
				"Kim New,kim@example.org,,,dcf_staff,yes,no\n"
				"kim new,KIM@example.org,,,dcf_staff,yes,no\n",
				false, &rep),
			 0);
	assert_true(names(&rep, 3, "name", "matches two people already known: trainees 2 and 3; add their e-mail"));
	assert_true(names(&rep, 5, "name", "the same person as line 4"));
	assert_int_equal(rep.error_count, 2);
	timport_report_done(&rep);
	assert_int_equal(import(&tr, sid, "name,town\nX,Y\n", false, &rep), 0);
	assert_true(names(&rep, 1, "town", "not a column"));
	assert_true(names(&rep, 1, "audience", "required"));
	timport_report_done(&rep);
	assert_int_equal(import(&tr, sid, "", false, &rep), 0);
	assert_true(names(&rep, 1, NULL, "empty"));
	timport_report_done(&rep);
	assert_int_equal(fx_count("trainee", NULL), 3);
	assert_int_equal(fx_count("registration", NULL), 0);
	assert_int_equal(fx_count("training_import", NULL), 0);
	assert_int_equal(import(&tr, 99, GOOD, false, &rep), ERR_NOTFOUND);
	timport_report_done(&rep);
}

UNIT_TEST_WITH(other_roles_are_refused, fx_setup, fx_teardown)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	int64_t sid = session(&tr, "day1", "2026-11-20");
	long audits = (long)fx_count("audit", "action NOT LIKE '%denied%'");
	for (size_t i = 0; i < FX_ROLES_BUT_ADMIN; i++) {
		if (fx_roles_but_admin[i].role == ROLE_TRAINER)
			continue;
		struct fx_user u;
		fx_user(&u, fx_roles_but_admin[i].role, fx_roles_but_admin[i].scope);
		struct timport_report rep;
		assert_int_equal(import(&u, sid, GOOD, false, &rep), ERR_PERM);
		assert_int_equal(import(&u, sid, GOOD, true, &rep), ERR_PERM);
		timport_report_done(&rep);
	}
	struct fx_user admin;
	fx_user(&admin, ROLE_ADMIN, NULL);
	struct timport_report rep;
	assert_int_equal(import(&admin, sid, GOOD, false, &rep), ERR_PERM);
	timport_report_done(&rep);
	assert_int_equal(fx_count("trainee", NULL), 0);
	assert_int_equal(fx_count("training_import", NULL), 0);
	assert_int_equal(fx_count("audit", "action NOT LIKE '%denied%'"), audits);
}

int main(void)
{
	return unit_run("svc_training_import", NULL, NULL);
}
