/* Tests for who works a case, closing and reopening, my work, the
 * caseload and the printed summary (service/cases/assign.c, close.c,
 * mine.c, print.c): what each role may and may not do, the history a
 * transfer keeps, the duties following the lead, and that each write is
 * whole or absent when any one of its statements or allocations fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "service/cases.h"

static int64_t uid(const struct fx_user *u)
{
	return u->actor.user_id;
}

/* Run a case write as u with body text; answers the service's result. */
static int assign_as(const struct fx_user *u, int64_t id, const char *text, struct field_errors *errs)
{
	struct case_conflict cf = {0};
	json_t *body = fx_json(text), *ret = NULL;
	int r = svc_case_assign(&u->ctx, id, body, errs, &cf, &ret);
	json_decref(body);
	json_decref(ret);
	json_decref(cf.allowed);
	json_decref(cf.open_work);
	return r;
}

static int assign_user(const struct fx_user *as, int64_t id, const struct fx_user *who, const char *role)
{
	char text[128];
	snprintf(text, sizeof text, "{\"user_id\": %lld, \"role\": \"%s\"}", (long long)uid(who), role);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int r = assign_as(as, id, text, &errs);
	field_errors_done(&errs);
	return r;
}

static int update_as(const struct fx_user *u, int64_t id, const char *fields, struct case_conflict *cf)
{
	char text[512];
	json_t *c = NULL;
	assert_int_equal(svc_case_get(&u->ctx, id, &c), 0);
	snprintf(text, sizeof text, "{\"version\": %lld, %s}", (long long)json_integer_value(json_object_get(c, "version")),
		 fields);
	json_decref(c);
	json_t *body = fx_json(text), *ret = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int r = svc_case_update(&u->ctx, id, body, &errs, cf, &ret);
	field_errors_done(&errs);
	json_decref(body);
	json_decref(ret);
	return r;
}

UNIT_TEST_WITH(a_lead_takes_the_duties_and_a_transfer_keeps_the_history, fx_setup, fx_teardown)
{
	struct fx_user careline, hart, hart2, liaison;
	int64_t id = fx_case_as_hart(&careline, &hart);
	char region[32];
	fx_case_region(region, sizeof region);
	fx_user(&hart2, ROLE_HART, NULL);
	fx_user(&liaison, ROLE_LIAISON, region);
	struct case_conflict cf = {0};
	assert_int_equal(update_as(&hart, id, "\"victim_status\": \"suspected\"", &cf), 0);
	char where[96];
	snprintf(where, sizeof where, "owner_id = %lld", (long long)uid(&hart));
	assert_int_equal(fx_count("duty", where), 1);

	assert_int_equal(assign_user(&hart, id, &liaison, "lead"), 0);
	snprintf(where, sizeof where, "owner_id = %lld", (long long)uid(&liaison));
	assert_int_equal(fx_count("duty", where), 1);
	assert_int_equal(assign_user(&liaison, id, &hart2, "lead"), 0);
	snprintf(where, sizeof where, "owner_id = %lld", (long long)uid(&hart2));
	assert_int_equal(fx_count("duty", where), 1);
	assert_int_equal(fx_count("case_assignment", "role = 'lead'"), 2);
	assert_int_equal(fx_count("case_assignment", "role = 'lead' AND ended_at IS NULL"), 1);
	assert_int_equal(fx_count("case_event", "kind = 'lead_changed'"), 2);
	assert_int_equal(fx_count("audit", "action = 'case.assign'"), 2);

	/* The same lead again changes nothing. */
	assert_int_equal(assign_user(&hart, id, &hart2, "lead"), 0);
	assert_int_equal(fx_count("audit", "action = 'case.assign'"), 2);

	/* My cases: the lead's, not the lead before. */
	struct page_query pg = {0};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *mine = NULL;
	assert_int_equal(svc_my_cases(&hart2.ctx, NULL, &pg, &errs, &mine), 0);
	assert_int_equal(json_array_size(json_object_get(mine, "items")), 1);
	json_decref(mine);
	assert_int_equal(svc_my_cases(&liaison.ctx, NULL, &pg, &errs, &mine), 0);
	assert_int_equal(json_array_size(json_object_get(mine, "items")), 0);
	json_decref(mine);
	assert_int_equal(svc_my_duties(&hart2.ctx, &pg, &errs, &mine), 0);
	assert_int_equal(json_array_size(json_object_get(mine, "items")), 1);
	json_decref(mine);
	field_errors_done(&errs);
}

UNIT_TEST_WITH(who_may_not_assign_and_who_may_not_be_assigned, fx_setup, fx_teardown)
{
	struct fx_user careline, hart, liaison, other, mdt, provider;
	int64_t id = fx_case_as_hart(&careline, &hart);
	char region[32];
	fx_case_region(region, sizeof region);
	fx_user(&liaison, ROLE_LIAISON, region);
	fx_user(&other, ROLE_LIAISON, fx_other_region(region));
	fx_user(&mdt, ROLE_MDT, "mdt-r1");
	fx_user(&provider, ROLE_PROVIDER, "harbor_light_r1");
	/* Roles without the permission, and a liaison of another region. */
	assert_int_equal(assign_user(&mdt, id, &hart, "lead"), ERR_PERM);
	assert_int_equal(assign_user(&provider, id, &hart, "lead"), ERR_PERM);
	assert_int_equal(assign_user(&careline, id, &hart, "worker"), ERR_PERM);
	assert_int_equal(assign_user(&other, id, &other, "lead"), ERR_PERM);
	/* People who may not work the case. */
	const struct {
		const struct fx_user *who;
		const char *role;
	} refused[] = {{&other, "worker"}, {&other, "lead"}, {&mdt, "worker"}, {&mdt, "lead"}, {&provider, "worker"}};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		char text[128];
		snprintf(text, sizeof text, "{\"user_id\": %lld, \"role\": \"%s\"}", (long long)uid(refused[i].who),
			 refused[i].role);
		struct field_errors errs;
		field_errors_init(&errs, 10);
		assert_int_equal(assign_as(&hart, id, text, &errs), ERR_INVAL);
		assert_true(fx_names_field(&errs, "user_id"));
		field_errors_done(&errs);
	}
	assert_int_equal(fx_count("case_assignment", NULL), 0);
	/* A liaison of the region may; an MDT member reads no caseload; a
	 * liaison reads no other region's. */
	assert_int_equal(assign_user(&liaison, id, &liaison, "worker"), 0);
	struct page_query pg = {0};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *out = NULL;
	assert_int_equal(svc_caseload(&mdt.ctx, NULL, &pg, &errs, &out), ERR_PERM);
	assert_int_equal(svc_caseload(&liaison.ctx, fx_other_region(region), &pg, &errs, &out), ERR_PERM);
	assert_int_equal(svc_caseload(&liaison.ctx, NULL, &pg, &errs, &out), 0);
	json_t *items = json_object_get(out, "items");
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *u = json_object_get(json_array_get(items, i), "user");
		assert_true(strcmp(json_string_value(json_object_get(u, "role")), "liaison") != 0 ||
			    strcmp(json_string_value(json_object_get(u, "scope")), region) == 0);
	}
	json_decref(out);
	assert_int_equal(svc_case_print(&provider.ctx, id, NULL, &errs, &out), ERR_PERM);
	assert_int_equal(svc_case_print(&other.ctx, id, NULL, &errs, &out), ERR_PERM);
	assert_int_equal(svc_case_print(&hart.ctx, id, "facts,secrets", &errs, &out), ERR_INVAL);
	field_errors_done(&errs);
	field_errors_init(&errs, 10);
	assert_int_equal(svc_case_print(&liaison.ctx, id, "timeline", &errs, &out), 0);
	json_decref(out);
	field_errors_done(&errs);
	assert_int_equal(fx_count("audit", "action = 'case.print' AND detail = 'parts=timeline'"), 1);
}

UNIT_TEST_WITH(closing_with_open_work_needs_a_reason_and_reopening_is_hart_s, fx_setup, fx_teardown)
{
	struct fx_user careline, hart, liaison;
	int64_t id = fx_case_as_hart(&careline, &hart);
	char region[32];
	fx_case_region(region, sizeof region);
	fx_user(&liaison, ROLE_LIAISON, region);
	struct case_conflict cf = {0};
	assert_int_equal(update_as(&hart, id, "\"victim_status\": \"suspected\"", &cf), 0);
	assert_int_equal(update_as(&liaison, id, "\"status\": \"closed\"", &cf), ERR_INVAL);
	assert_int_equal(update_as(&liaison, id, "\"status\": \"closed\", \"closure_reason\": \"other\"", &cf),
			 ERR_CONFLICT);
	assert_string_equal(cf.slug, "open-work");
	assert_int_equal(json_array_size(json_object_get(cf.open_work, "duties")), 1);
	json_decref(cf.open_work);
	cf = (struct case_conflict){0};
	assert_int_equal(fx_count("child_case", "status = 'closed'"), 0);
	assert_int_equal(update_as(&liaison, id,
				   "\"status\": \"closed\", \"closure_reason\": \"other\", \"close_anyway\": \"moved away\"",
				   &cf),
			 0);
	assert_int_equal(fx_count("child_case", "status = 'closed' AND closure_reason = 'other' AND closed_from = 'open'"),
			 1);

	json_t *c = NULL;
	assert_int_equal(svc_case_get(&hart.ctx, id, &c), 0);
	char text[128];
	snprintf(text, sizeof text, "{\"version\": %lld, \"reason\": \"A new disclosure.\"}",
		 (long long)json_integer_value(json_object_get(c, "version")));
	json_decref(c);
	json_t *body = fx_json(text), *ret = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	assert_int_equal(svc_case_reopen(&liaison.ctx, id, body, &errs, &cf, &ret), ERR_PERM);
	assert_int_equal(svc_case_reopen(&hart.ctx, id, body, &errs, &cf, &ret), 0);
	json_decref(ret);
	json_decref(body);
	field_errors_done(&errs);
	assert_int_equal(fx_count("child_case", "status = 'open' AND closed_at IS NULL AND closure_reason IS NULL"), 1);
	assert_int_equal(fx_count("audit", "action = 'case.reopen'"), 1);
	assert_int_equal(fx_count("case_event", "kind = 'reopened' AND text IS NOT NULL"), 1);
}

/* ---- each write whole or absent ---- */

struct assign_arg {
	struct fx_user *as;
	int64_t id;
	json_t *body; /* made before the loop: an allocation of its own */
};

static int assign_use_case(void *arg)
{
	struct assign_arg *a = arg;
	struct field_errors errs;
	struct case_conflict cf = {0};
	json_t *ret = NULL;
	field_errors_init(&errs, 10);
	int r = svc_case_assign(&a->as->ctx, a->id, a->body, &errs, &cf, &ret);
	json_decref(ret);
	json_decref(cf.open_work);
	field_errors_done(&errs);
	return r;
}

static void assign_under(fx_failure_loop each)
{
	struct fx_user careline, hart, liaison;
	int64_t id = fx_case_as_hart(&careline, &hart);
	char region[32];
	fx_case_region(region, sizeof region);
	fx_user(&liaison, ROLE_LIAISON, region);
	struct case_conflict cf = {0};
	assert_int_equal(update_as(&hart, id, "\"victim_status\": \"suspected\"", &cf), 0);
	struct assign_arg a = {.as = &hart, .id = id};
	a.body = json_pack("{s:I, s:s}", "user_id", (json_int_t)uid(&liaison), "role", "lead");
	assert_non_null(a.body);
	each(assign_use_case, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("case_assignment", "ended_at IS NULL"), 1);
}
FX_TESTS_UNDER_BOTH_LOOPS(assigning_a_lead_is_whole_or_absent, assigning_a_lead_is_whole_or_absent_when_allocations_fail,
			  assign_under)

int main(void)
{
	return unit_run("assign", NULL, NULL);
}
