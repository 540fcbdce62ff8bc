/* Tests for service/plans: a plan's versions, the stale version, the
 * review duty a version opens and the next one meets, each goal's problems
 * named, the plan body sealed, who may read and write, and a write whole
 * or absent when a statement or an allocation fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "service/plans.h"
#include "service/teams.h"

struct put_arg {
	struct fx_user *as;
	int64_t case_id;
	const char *kind;
	json_t *body;
	json_t *got;
	struct case_conflict cf;
};

static int put_use_case(void *arg)
{
	struct put_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	json_decref(a->got);
	a->got = NULL;
	a->cf = (struct case_conflict){0};
	int r = svc_plan_put(&a->as->ctx, a->case_id, a->kind, a->body, &errs, &a->cf, &a->got);
	field_errors_done(&errs);
	return r;
}

/* A safety plan body of version v with two goals, reviewed on review. */
static json_t *two_goals(int v, const char *review)
{
	char text[800];
	snprintf(text, sizeof text,
		 "{\"version\": %d, \"review_at\": \"%s\", \"goals\": ["
		 "{\"goal\": \"Stays in the foster home at night\", \"services\": [\"specialized_foster_care\"],"
		 " \"responsible\": \"Foster parent\", \"target_date\": \"2027-01-15\"},"
		 "{\"goal\": \"Weekly mentoring\", \"services\": [\"mentoring\", \"victim_advocacy\"],"
		 " \"responsible\": \"Mentor agency\"}]}",
		 v, review);
	return fx_json(text);
}

static int64_t duty_count(const char *where)
{
	char w[300];
	snprintf(w, sizeof w, "kind = 'plan_review' AND subject_type = 'case_plan'%s%s", where ? " AND " : "",
		 where ? where : "");
	return fx_count("duty", w);
}

/* Calendar dates are the pack's, as in a server (app.c sets TZ). */
static void pack_zone(void)
{
	setenv("TZ", fx.app.pack->time_zone, 1);
	tzset();
}

static void versions_and_the_review_duty_under(fx_failure_loop each)
{
	pack_zone();
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	struct put_arg a = {.as = &hart, .case_id = case_id, .kind = "safety", .body = two_goals(0, "2027-02-01")};
	each(put_use_case, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("case_plan", "kind = 'safety' AND version = 1 AND review_at = '2027-02-01'"), 1);
	/* The body is sealed: no goal in the clear. */
	assert_int_equal(fx_count("case_plan", "body IS NOT NULL AND CAST(body AS TEXT) LIKE '%foster%'"), 0);
	assert_int_equal(fx_count("audit", "action = 'plan.write'"), 1);
	/* Due at the end of the review date in the pack's zone (EST: 05:00 UTC the next day, less a second). */
	assert_int_equal(duty_count("met_at IS NULL AND due_at = '2027-02-02T04:59:59Z' AND name = 'Review the safety plan'"),
			 1);

	/* A second version meets that review and opens the next, at its own date. */
	a.body = two_goals(1, "2027-03-10");
	json_array_remove(json_object_get(a.body, "goals"), 1);
	each(put_use_case, &a);
	json_decref(a.body);
	json_decref(a.got);
	assert_int_equal(fx_count("case_plan", "kind = 'safety'"), 2);
	assert_int_equal(duty_count(NULL), 2);
	assert_int_equal(duty_count("met_at IS NOT NULL AND due_at = '2027-02-02T04:59:59Z'"), 1);
	assert_int_equal(duty_count("met_at IS NULL AND due_at = '2027-03-11T04:59:59Z'"), 1);

	json_t *got = NULL;
	assert_int_equal(svc_plan_get(&hart.ctx, case_id, "safety", false, &got), 0);
	json_t *cur = json_object_get(got, "current");
	assert_int_equal(json_integer_value(json_object_get(cur, "version")), 2);
	assert_true(json_is_true(json_object_get(cur, "current")));
	assert_int_equal(json_array_size(json_object_get(cur, "goals")), 1);
	assert_string_equal(json_string_value(json_object_get(cur, "review_at")), "2027-03-10");
	assert_string_equal(json_string_value(json_object_get(json_object_get(cur, "review_duty"), "status")), "open");
	json_t *versions = json_object_get(got, "versions");
	assert_int_equal(json_array_size(versions), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(versions, 0), "version")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(versions, 1), "written_by"),
							      "username")),
			    hart.actor.username);
	json_decref(got);

	got = NULL;
	assert_int_equal(svc_plan_version(&hart.ctx, case_id, "safety", 1, true, &got), 0);
	assert_true(json_is_false(json_object_get(got, "current")));
	json_t *goals = json_object_get(got, "goals");
	assert_int_equal(json_array_size(goals), 2);
	json_t *g2 = json_array_get(goals, 1);
	assert_string_equal(json_string_value(json_object_get(g2, "goal")), "Weekly mentoring");
	assert_true(json_is_null(json_object_get(g2, "target_date")));
	assert_int_equal(json_array_size(json_object_get(g2, "services")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(got, "review_duty"), "status")),
			    "met_on_time");
	json_decref(got);
	assert_int_equal(fx_count("audit", "action = 'plan.read' AND detail = 'kind=safety version=1 print'"), 1);

	got = NULL;
	assert_int_equal(svc_plan_version(&hart.ctx, case_id, "safety", 3, false, &got), ERR_NOTFOUND);
	assert_int_equal(svc_plans_get(&hart.ctx, case_id, &got), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(got, "safety"), "version")), 2);
	assert_true(json_is_null(json_object_get(got, "service")));
	json_decref(got);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_plan_keeps_its_versions_and_its_review_duty,
			  a_plan_keeps_its_versions_and_its_review_duty_when_allocations_fail,
			  versions_and_the_review_duty_under)

static int put(struct fx_user *as, int64_t case_id, const char *kind, json_t *body, struct field_errors *errs,
	       struct case_conflict *cf)
{
	json_t *got = NULL;
	int r = svc_plan_put(&as->ctx, case_id, kind, body, errs, cf, &got);
	json_decref(got);
	return r;
}

UNIT_TEST_WITH(a_stale_version_is_refused_and_nothing_is_stored, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct case_conflict cf = {0};
	json_t *b = two_goals(0, "2027-02-01");
	assert_int_equal(put(&hart, case_id, "safety", b, &errs, &cf), 0);
	/* Someone else saved version 1 since this editor read "no plan". */
	assert_int_equal(put(&hart, case_id, "safety", b, &errs, &cf), ERR_CONFLICT);
	assert_string_equal(cf.slug, "stale-version");
	json_decref(b);
	b = two_goals(5, "2027-02-01");
	cf = (struct case_conflict){0};
	assert_int_equal(put(&hart, case_id, "safety", b, &errs, &cf), ERR_CONFLICT);
	assert_string_equal(cf.slug, "stale-version");
	json_decref(b);
	assert_int_equal(fx_count("case_plan", NULL), 1);
	assert_int_equal(duty_count(NULL), 1);
	assert_int_equal(fx_count("audit", "action = 'plan.write'"), 1);
	/* The other kind is a plan of its own: version 0 is right for it. */
	b = two_goals(0, "2027-02-01");
	assert_int_equal(put(&hart, case_id, "service", b, &errs, &cf), 0);
	assert_int_equal(put(&hart, case_id, "care", b, &errs, &cf), ERR_NOTFOUND);
	json_decref(b);
	field_errors_done(&errs);
}

/* Whether an error names field with a reason that starts with reason. */
static bool says(const struct field_errors *errs, const char *field, const char *reason)
{
	char line[600], want[300];
	snprintf(want, sizeof want, "%s: %s", field, reason);
	for (size_t i = 0; i < errs->count && field_error_format(errs, i, line, sizeof line) == 0; i++)
		if (strncmp(line, want, strlen(want)) == 0)
			return true;
	return false;
}

UNIT_TEST_WITH(each_goals_problem_is_named_and_nothing_is_stored, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct case_conflict cf = {0};
	json_t *b = fx_json("{\"version\": 0, \"review_at\": \"2026-11-27\", \"goals\": ["
			    "{\"goal\": \"Safe at school\", \"services\": [\"mentoring\"], \"responsible\": \"School\"},"
			    "{\"goal\": \"Counselling\", \"services\": [\"astrology\"], \"responsible\": \"Clinic\","
			    " \"target_date\": \"2027-02-30\"},"
			    "{\"goal\": \"  \", \"services\": [], \"responsible\": \"two\\nlines\", \"colour\": 1}]}");
	assert_int_equal(put(&hart, case_id, "service", b, &errs, &cf), ERR_INVAL);
	assert_true(says(&errs, "goals[1].services", "Goal 2: choose services from the list"));
	assert_true(says(&errs, "goals[1].target_date", "Goal 2: the target date as YYYY-MM-DD"));
	assert_true(says(&errs, "goals[2].goal", "Goal 3: say what the goal is"));
	assert_true(says(&errs, "goals[2].responsible", "Goal 3: say who is responsible"));
	assert_true(says(&errs, "goals[2].colour", "Goal 3: not a field of a goal"));
	/* A service plan's goal is served by at least one service. */
	assert_true(says(&errs, "goals[2].services", "Goal 3: choose at least one service"));
	assert_true(says(&errs, "review_at", "Review date: today or later"));
	assert_false(says(&errs, "goals[0]", ""));
	json_decref(b);
	field_errors_done(&errs);

	field_errors_init(&errs, 20);
	b = fx_json("{\"version\": -1, \"goals\": []}");
	assert_int_equal(put(&hart, case_id, "safety", b, &errs, &cf), ERR_INVAL);
	assert_true(says(&errs, "goals", "add at least one goal"));
	assert_true(says(&errs, "version", "the version you read"));
	json_decref(b);
	field_errors_done(&errs);

	field_errors_init(&errs, 20);
	b = fx_json("{\"goals\": \"be safe\", \"review_at\": \"soon\"}");
	assert_int_equal(put(&hart, case_id, "safety", b, &errs, &cf), ERR_INVAL);
	assert_true(fx_names_field(&errs, "version"));
	assert_true(fx_names_field(&errs, "goals"));
	assert_true(fx_names_field(&errs, "review_at"));
	json_decref(b);
	field_errors_done(&errs);
	assert_int_equal(fx_count("case_plan", NULL), 0);
	assert_int_equal(fx_count("duty", "kind = 'plan_review'"), 0);
}

UNIT_TEST_WITH(the_review_date_defaults_to_the_packs_interval, fx_setup, fx_teardown)
{
	pack_zone();
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct case_conflict cf = {0};
	json_t *b = fx_json("{\"version\": 0, \"goals\": [{\"goal\": \"Safe\", \"services\": [],"
			    " \"responsible\": \"Liaison\", \"target_date\": null}]}");
	assert_int_equal(put(&hart, case_id, "safety", b, &errs, &cf), 0);
	json_decref(b);
	field_errors_done(&errs);
	/* FX_NOW is 2026-11-28 in the pack's zone; the default is 90 days on. */
	assert_int_equal(fx.app.pack->recovery.plan_review_days, 90);
	assert_int_equal(fx_count("case_plan", "review_at = '2027-02-26'"), 1);
	/* The owner: the case has no lead, so the writer. */
	char owner[32], want[32];
	fx_text("SELECT owner_id FROM duty WHERE kind = 'plan_review'", owner, sizeof owner);
	snprintf(want, sizeof want, "%lld", (long long)hart.actor.user_id);
	assert_string_equal(owner, want);
}

UNIT_TEST_WITH(a_closed_case_takes_no_new_plan, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	fx_exec("UPDATE child_case SET status = 'closed'");
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct case_conflict cf = {0};
	json_t *b = two_goals(0, "2027-02-01");
	assert_int_equal(put(&hart, case_id, "safety", b, &errs, &cf), ERR_CONFLICT);
	assert_string_equal(cf.slug, "conflict");
	json_decref(b);
	field_errors_done(&errs);
	assert_int_equal(fx_count("case_plan", NULL), 0);
}

/* An MDT team (code mdt-r1) that reviews the case. */
static void team_reviews(struct fx_user *hart, int64_t case_id)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int64_t team, review;
	json_t *b = fx_json("{\"code\": \"mdt-r1\", \"name\": \"Southwest MDT\", \"region\": \"R1\"}");
	fx_assert_no_errors(svc_team_create(&hart->ctx, b, &errs, &team), &errs);
	json_decref(b);
	char text[128];
	snprintf(text, sizeof text, "{\"case_id\": %lld, \"scheduled_at\": \"2026-12-01T15:00:00Z\"}", (long long)case_id);
	b = fx_json(text);
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_review_create(&hart->ctx, team, b, &errs, &review), &errs);
	json_decref(b);
}

UNIT_TEST_WITH(who_may_read_and_write_a_plan, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	char region[32];
	fx_case_region(region, sizeof region);
	team_reviews(&hart, case_id);
	json_t *b = two_goals(0, "2027-02-01");
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct case_conflict cf = {0};
	struct {
		enum role role;
		const char *scope;
		bool may_read;
	} who[] = {{ROLE_CARELINE, NULL, false}, {ROLE_ANALYST, NULL, false},  {ROLE_ADMIN, NULL, false},
		   {ROLE_TRAINER, NULL, false},  {ROLE_PROVIDER, "P1", false}, {ROLE_LIAISON, fx_other_region(region), false},
		   {ROLE_MDT, "mdt-r2", false},  {ROLE_MDT, "mdt-r1", true}};
	for (size_t i = 0; i < sizeof who / sizeof *who; i++) {
		struct fx_user u;
		fx_user(&u, who[i].role, who[i].scope);
		assert_int_equal(put(&u, case_id, "safety", b, &errs, &cf), ERR_PERM);
		json_t *got = NULL;
		assert_int_equal(svc_plans_get(&u.ctx, case_id, &got), who[i].may_read ? 0 : ERR_PERM);
		json_decref(got);
		got = NULL;
		assert_int_equal(svc_plan_get(&u.ctx, case_id, "safety", false, &got), who[i].may_read ? 0 : ERR_PERM);
		json_decref(got);
	}
	assert_int_equal(fx_count("case_plan", NULL), 0);
	assert_int_equal(fx_count("audit", "action = 'plan.write'"), 0);

	/* The liaison of the case's region writes; the reviewing team reads
	 * the plan, without the duty list. */
	struct fx_user mine, mdt;
	fx_user(&mine, ROLE_LIAISON, region);
	assert_int_equal(put(&mine, case_id, "safety", b, &errs, &cf), 0);
	fx_user(&mdt, ROLE_MDT, "mdt-r1");
	json_t *got = NULL;
	assert_int_equal(svc_plan_version(&mdt.ctx, case_id, "safety", 1, false, &got), 0);
	assert_int_equal(json_array_size(json_object_get(got, "goals")), 2);
	assert_null(json_object_get(got, "review_duty"));
	json_decref(got);
	json_decref(b);
	field_errors_done(&errs);
}

UNIT_TEST_WITH(a_case_restricted_by_relief_restricts_its_plans, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	json_t *b = two_goals(0, "2027-02-01");
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct case_conflict cf = {0};
	assert_int_equal(put(&hart, case_id, "safety", b, &errs, &cf), 0);
	json_decref(b);
	field_errors_done(&errs);
	/* Relief granted on the case, as the relief service stores it. */
	char sql[400];
	snprintf(sql, sizeof sql,
		 "INSERT INTO relief_record (person_id, court, offence, status, created_at, updated_at)"
		 " SELECT person_id, 'Superior Court', 'prostitution', 'granted', '2026-11-01T00:00:00Z',"
		 " '2026-11-01T00:00:00Z' FROM child_case WHERE id = %lld",
		 (long long)case_id);
	fx_exec(sql);
	snprintf(sql, sizeof sql,
		 "INSERT INTO relief_link (relief_id, kind, object_id) SELECT max(id), 'case', %lld FROM relief_record",
		 (long long)case_id);
	fx_exec(sql);
	int64_t reads = fx_count("audit", "action = 'plan.read'");
	json_t *got = NULL;
	assert_int_equal(svc_plans_get(&hart.ctx, case_id, &got), ERR_RESTRICTED);
	assert_int_equal(svc_plan_get(&hart.ctx, case_id, "safety", false, &got), ERR_RESTRICTED);
	assert_int_equal(svc_plan_version(&hart.ctx, case_id, "safety", 1, true, &got), ERR_RESTRICTED);
	assert_null(got);
	assert_int_equal(fx_count("audit", "action = 'record.restricted'"), 3);
	assert_int_equal(fx_count("audit", "action = 'plan.read'"), reads);
	/* The glass broken on the case opens its plans to that user. */
	snprintf(sql, sizeof sql,
		 "INSERT INTO break_glass (user_id, object_type, object_id, granted_at, expires_at)"
		 " VALUES (%lld, 'case', %lld, '2026-11-28T18:40:00Z', '2026-11-28T19:40:00Z')",
		 (long long)hart.actor.user_id, (long long)case_id);
	fx_exec(sql);
	assert_int_equal(svc_plan_version(&hart.ctx, case_id, "safety", 1, false, &got), 0);
	assert_int_equal(json_array_size(json_object_get(got, "goals")), 2);
	json_decref(got);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
