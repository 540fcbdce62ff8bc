/* Tests for the child's page (service/child.h): what it holds for HART,
 * the names each report used, the one timeline, and what each role
 * reaches: a liaison its region, an MDT member its team's cases through
 * the MDT view and no report, and no one else anything. */
#include "persons_fx.h"
#include "unit.h"

#include "service/child.h"

static json_t *page_of(const struct fx_user *as, int64_t id)
{
	json_t *j = NULL;
	int r = svc_person_page(&as->ctx, id, &j);
	if (r < 0)
		fail_msg("the page answered %s", err_str(r));
	return j;
}

static const char *s(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

/* A child with a case, a second report under other names, a placement, a
 * missing episode, a service and a plan. */
struct child {
	struct fx_user careline, hart;
	int64_t person, kase, second;
};

static void a_child(struct child *c)
{
	fx_user(&c->careline, ROLE_CARELINE, NULL);
	fx_user(&c->hart, ROLE_HART, NULL);
	c->kase = pf_case(&c->careline, &c->hart, "Katherine", "Smith", &c->person);
	c->second = pf_report_at(&c->careline, "Katie", "Smyth", "2026-11-28T18:32:00Z", false);
	pf_link(&c->careline, c->second, c->person);
	struct field_errors errs;
	struct case_conflict cf = {0};
	json_t *out = NULL, *body = fx_json("{\"kind\": \"placement_change\", \"placement\": \"congregate_care\","
					    " \"occurred_at\": \"2026-11-28T18:33:00Z\"}");
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_case_event(&c->hart.ctx, c->kase, body, &errs, &cf, &out), &errs);
	json_decref(body);
	json_decref(out);
	body = fx_json("{\"last_seen_at\": \"2026-11-28T18:34:00Z\", \"learned_at\": \"2026-11-28T18:35:00Z\"}");
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_missing_start(&c->hart.ctx, c->kase, body, &errs, &cf, &out), &errs);
	json_decref(body);
	json_decref(out);
	pf_service(c->kase, c->person);
	pf_plan(c->kase, 2);
}

UNIT_TEST_WITH(hart_sees_the_whole_child_on_one_page, fx_setup, fx_teardown)
{
	struct child c;
	a_child(&c);
	json_t *p = page_of(&c.hart, c.person);
	assert_string_equal(s(p, "view"), "full");
	json_t *child = json_object_get(p, "child");
	assert_string_equal(s(child, "given_name"), "Katherine");
	assert_string_equal(s(child, "family_name"), "Smith");
	assert_string_equal(s(child, "town"), "Bridgeport");
	assert_int_equal(json_integer_value(json_object_get(child, "age")), 15);

	/* Each report keeps the names it gave. */
	json_t *names = json_object_get(p, "names");
	assert_int_equal(json_array_size(names), 2);
	json_t *katie = pf_find(p, "names", "intake_id", c.second);
	assert_non_null(katie);
	assert_string_equal(s(katie, "given_name"), "Katie");
	assert_string_equal(s(katie, "family_name"), "Smyth");
	assert_true(strncmp(s(katie, "number"), "I-", 2) == 0);

	assert_int_equal(json_array_size(json_object_get(p, "reports")), 2);
	assert_int_equal(json_array_size(json_object_get(p, "cases")), 1);
	json_t *placement = json_array_get(json_object_get(p, "placements"), 0);
	assert_string_equal(s(placement, "placement"), "congregate_care");
	assert_int_equal(json_integer_value(json_object_get(placement, "case_id")), c.kase);
	assert_int_equal(json_array_size(json_object_get(p, "missing_episodes")), 1);
	json_t *svc = json_array_get(json_object_get(p, "services"), 0);
	assert_string_equal(s(svc, "service"), "mentoring");
	assert_string_equal(s(svc, "status"), "started");
	assert_string_equal(s(json_object_get(svc, "provider"), "name"), "Harbor Mentoring");
	/* A plan is its latest version. */
	json_t *plans = json_object_get(p, "plans");
	assert_int_equal(json_array_size(plans), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(plans, 0), "version")), 2);

	/* One timeline, by date, every entry with a kind, a date and a label. */
	json_t *t = json_object_get(p, "timeline");
	assert_true(json_array_size(t) >= 8);
	const char *prev = "";
	size_t i;
	json_t *e;
	json_array_foreach(t, i, e)
	{
		assert_true(strcmp(prev, s(e, "date")) <= 0);
		assert_true(*s(e, "kind") && *s(e, "label"));
		prev = s(e, "date");
	}
	assert_true(pf_timeline_has(p, "report"));
	assert_true(pf_timeline_has(p, "case_opened"));
	assert_true(pf_timeline_has(p, "placement"));
	assert_true(pf_timeline_has(p, "missing"));
	assert_true(pf_timeline_has(p, "service_referred"));
	assert_true(pf_timeline_has(p, "service_started"));
	assert_true(pf_timeline_has(p, "plan"));
	assert_true(pf_timeline_has(p, "plan_review"));
	json_decref(p);
	assert_int_equal(fx_count("audit", "action = 'person.read' AND detail LIKE 'view=full%'"), 1);
}

UNIT_TEST_WITH(a_liaison_sees_a_child_its_region_holds_and_no_other, fx_setup, fx_teardown)
{
	struct child c;
	a_child(&c);
	char region[32];
	fx_case_region(region, sizeof region);
	struct fx_user mine, other;
	fx_user(&mine, ROLE_LIAISON, region);
	fx_user(&other, ROLE_LIAISON, fx_other_region(region));
	json_t *p = page_of(&mine, c.person);
	assert_int_equal(json_array_size(json_object_get(p, "cases")), 1);
	assert_int_equal(json_array_size(json_object_get(p, "reports")), 2);
	json_decref(p);
	json_t *j = NULL;
	assert_int_equal(svc_person_page(&other.ctx, c.person, &j), ERR_NOTFOUND);
	assert_null(j);
	assert_int_equal(fx_count("audit", "action = 'permission.denied' AND object_type = 'person'"), 1);
	/* No such child at all is the same answer. */
	assert_int_equal(svc_person_page(&mine.ctx, c.person + 100, &j), ERR_NOTFOUND);
}

UNIT_TEST_WITH(an_mdt_member_sees_its_teams_cases_through_the_mdt_view_and_no_report, fx_setup, fx_teardown)
{
	struct child c;
	a_child(&c);
	struct fx_user mdt, stranger;
	fx_user(&mdt, ROLE_MDT, "T1");
	fx_user(&stranger, ROLE_MDT, "T2");
	json_t *j = NULL;
	assert_int_equal(svc_person_page(&mdt.ctx, c.person, &j), ERR_NOTFOUND);
	pf_review(c.kase, "T1");
	json_t *p = page_of(&mdt, c.person);
	assert_string_equal(s(p, "view"), "mdt");
	json_t *child = json_object_get(p, "child");
	assert_string_equal(s(child, "given_name"), "Katherine");
	assert_null(json_object_get(child, "dob"));
	assert_null(json_object_get(child, "aliases"));
	assert_int_equal(json_array_size(json_object_get(p, "reports")), 0);
	assert_int_equal(json_array_size(json_object_get(p, "names")), 0);
	assert_int_equal(json_array_size(json_object_get(p, "relief")), 0);
	json_t *kase = json_array_get(json_object_get(p, "cases"), 0);
	assert_int_equal(json_integer_value(json_object_get(kase, "id")), c.kase);
	assert_null(json_object_get(kase, "opened_at"));
	/* The placement was not shared with the team. */
	assert_int_equal(json_array_size(json_object_get(p, "placements")), 0);
	assert_false(pf_timeline_has(p, "report"));
	json_decref(p);
	assert_int_equal(svc_person_page(&stranger.ctx, c.person, &j), ERR_NOTFOUND);
}

UNIT_TEST_WITH(roles_without_the_page_are_refused_and_audited, fx_setup, fx_teardown)
{
	struct child c;
	a_child(&c);
	static const enum role refused[] = {ROLE_CARELINE, ROLE_PROVIDER, ROLE_TRAINER, ROLE_ANALYST, ROLE_ADMIN};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct fx_user u;
		fx_user(&u, refused[i], refused[i] == ROLE_PROVIDER ? "P1" : NULL);
		json_t *j = NULL;
		assert_int_equal(svc_person_page(&u.ctx, c.person, &j), ERR_PERM);
		assert_null(j);
	}
	assert_int_equal(fx_count("audit", "action = 'person.read'"), 0);
}

int main(void)
{
	return unit_run("svc_persons_page", NULL, NULL);
}
