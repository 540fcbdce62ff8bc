/* Tests for record relief (service/relief.h): its lifecycle with version
 * checks and the moves it allows, the reports and cases relief granted
 * restricts (reads refused, lists and the child's page showing
 * "Restricted record"), breaking the glass (a reason, an hour, audited,
 * HART told), and who may do each; every write whole or absent when a
 * statement or an allocation fails. */
#include "persons_fx.h"
#include "unit.h"

#include "service/child.h"
#include "service/relief.h"

/* The first page; no field error is kept (none is expected). */
static const struct page_query relief_first = {0};
static struct field_errors relief_errs;

struct world {
	struct fx_user careline, hart;
	int64_t person, kase, intake;
};

static void a_world(struct world *w)
{
	fx_user(&w->careline, ROLE_CARELINE, NULL);
	fx_user(&w->hart, ROLE_HART, NULL);
	w->kase = pf_case(&w->careline, &w->hart, "Riley", "Example", &w->person);
	w->intake = pf_int("SELECT intake_id FROM case_intake WHERE case_id = %lld", (long long)w->kase);
}

struct relief_arg {
	struct fx_user *as;
	int64_t id;
	json_t *body, *out;
	struct case_conflict cf;
};

static void arg_reset(struct relief_arg *a)
{
	json_decref(a->out);
	json_decref(a->cf.allowed);
	a->out = NULL;
	memset(&a->cf, 0, sizeof a->cf);
}

static int create_use_case(void *arg)
{
	struct relief_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	arg_reset(a);
	int r = svc_relief_create(&a->as->ctx, a->id, a->body, &errs, &a->out);
	field_errors_done(&errs);
	return r;
}

static int update_use_case(void *arg)
{
	struct relief_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	arg_reset(a);
	int r = svc_relief_update(&a->as->ctx, a->id, a->body, &errs, &a->cf, &a->out);
	field_errors_done(&errs);
	return r;
}

static int glass_use_case(void *arg)
{
	struct relief_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	arg_reset(a);
	int r = svc_break_glass(&a->as->ctx, a->body, &errs, &a->cf, &a->out);
	field_errors_done(&errs);
	return r;
}

static json_t *create_body(const struct world *w)
{
	char text[640];
	snprintf(text, sizeof text,
		 "{\"court\": \"Superior Court, Juvenile Matters, Bridgeport\", \"docket\": \"JV-26-000123\","
		 " \"offence\": \"prostitution\", \"offence_date\": \"2026-06-01\", \"relief_kind\": \"vacatur\","
		 " \"defence_notes\": \"Arrested while under a trafficker's control.\","
		 " \"links\": [{\"kind\": \"case\", \"id\": %lld}, {\"kind\": \"intake\", \"id\": %lld}]}",
		 (long long)w->kase, (long long)w->intake);
	return fx_json(text);
}

static json_t *update_body(int64_t version, const char *rest)
{
	char text[320];
	snprintf(text, sizeof text, "{\"version\": %lld%s%s}", (long long)version, *rest ? ", " : "", rest);
	return fx_json(text);
}

/* Run update with body {version, rest}; answers its result. */
static int update(struct relief_arg *a, int64_t version, const char *rest)
{
	a->body = update_body(version, rest);
	int r = update_use_case(a);
	json_decref(a->body);
	a->body = NULL;
	return r;
}

static const char *s(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

/* Relief recorded and granted on the world's case and report; answers its id. */
static int64_t granted(struct world *w)
{
	struct relief_arg a = {.as = &w->hart, .id = w->person, .body = create_body(w)};
	assert_int_equal(create_use_case(&a), 0);
	json_decref(a.body);
	a.id = json_integer_value(json_object_get(a.out, "id"));
	assert_int_equal(update(&a, 1, "\"status\": \"petition_filed\""), 0);
	assert_int_equal(update(&a, 2, "\"status\": \"granted\", \"outcome\": \"Vacated\""), 0);
	arg_reset(&a);
	return a.id;
}

static void the_lifecycle_under(fx_failure_loop each)
{
	struct world w;
	a_world(&w);
	struct relief_arg a = {.as = &w.hart, .id = w.person, .body = create_body(&w)};
	each(create_use_case, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("relief_record", "status = 'identified' AND docket IS NOT NULL"), 1);
	assert_int_equal(fx_count("relief_link", NULL), 2);
	assert_int_equal(fx_count("audit", "action = 'relief.create'"), 1);
	assert_string_equal(s(a.out, "docket"), "JV-26-000123");
	assert_string_equal(s(a.out, "offence_name"), "Prostitution or loitering for prostitution");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a.out, "allowed"), 0)), "petition_filed");
	int64_t rid = json_integer_value(json_object_get(a.out, "id"));

	a.id = rid;
	a.body = update_body(1, "\"status\": \"petition_filed\"");
	each(update_use_case, &a);
	json_decref(a.body);
	assert_string_equal(s(a.out, "status"), "petition_filed");
	assert_string_equal(s(a.out, "petition_filed_on"), "2026-11-28");

	/* A hearing needs its date; a status already passed is refused. */
	assert_int_equal(update(&a, 2, "\"status\": \"hearing_set\""), ERR_INVAL);
	assert_int_equal(update(&a, 2, "\"status\": \"identified\""), ERR_CONFLICT);
	assert_string_equal(a.cf.slug, "illegal-transition");
	assert_int_equal(json_array_size(a.cf.allowed), 3);
	a.body = update_body(2, "\"status\": \"hearing_set\", \"hearing_on\": \"2026-12-15\"");
	each(update_use_case, &a);
	json_decref(a.body);
	assert_string_equal(s(a.out, "hearing_on"), "2026-12-15");
	/* A stale version. */
	assert_int_equal(update(&a, 2, "\"status\": \"granted\""), ERR_CONFLICT);
	assert_string_equal(a.cf.slug, "stale-version");
	a.body = update_body(3, "\"status\": \"granted\", \"outcome\": \"Vacated; records erased.\"");
	each(update_use_case, &a);
	json_decref(a.body);
	assert_string_equal(s(a.out, "status"), "granted");
	assert_string_equal(s(a.out, "decided_on"), "2026-11-28");
	assert_string_equal(s(a.out, "outcome"), "Vacated; records erased.");
	assert_int_equal(json_array_size(json_object_get(a.out, "allowed")), 0);
	/* Granted is final. */
	assert_int_equal(update(&a, 4, "\"status\": \"denied\""), ERR_CONFLICT);
	assert_string_equal(a.cf.slug, "illegal-transition");
	assert_int_equal(fx_count("audit", "action = 'relief.update'"), 3);
	assert_int_equal(fx_count("audit", "action = 'relief.update' AND detail LIKE '%->granted restricts=2'"), 1);
	arg_reset(&a);

	json_t *list = NULL;
	assert_int_equal(svc_relief_list(&w.hart.ctx, w.person, &relief_first, &relief_errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	assert_true(json_is_null(json_object_get(list, "next")));
	json_decref(list);
}

FX_TESTS_UNDER_BOTH_LOOPS(relief_moves_through_its_lifecycle_with_version_checks,
			  relief_moves_through_its_lifecycle_with_version_checks_when_allocations_fail, the_lifecycle_under)

UNIT_TEST_WITH(relief_granted_restricts_its_reports_and_cases, fx_setup, fx_teardown)
{
	struct world w;
	a_world(&w);
	json_t *j = NULL;
	assert_int_equal(svc_case_get(&w.hart.ctx, w.kase, &j), 0);
	json_decref(j);
	granted(&w);
	j = NULL;
	assert_int_equal(svc_case_get(&w.hart.ctx, w.kase, &j), ERR_RESTRICTED);
	assert_null(j);
	assert_int_equal(svc_intake_get(&w.careline.ctx, w.intake, &j), ERR_RESTRICTED);
	assert_int_equal(fx_count("audit", "action = 'record.restricted'"), 2);

	/* Lists show it without the child's name. */
	struct case_filter f = {.status = "all"};
	struct field_errors errs;
	field_errors_init(&errs, 4);
	fx_assert_no_errors(svc_case_list(&w.hart.ctx, &f, &errs, &j), &errs);
	json_t *row = json_array_get(json_object_get(j, "items"), 0);
	assert_true(json_is_true(json_object_get(row, "restricted")));
	assert_string_equal(s(json_object_get(row, "child"), "label"), "Restricted record");
	assert_null(json_object_get(json_object_get(row, "child"), "given_name"));
	json_decref(j);
	struct intake_filter qf = {.status = "all"};
	field_errors_init(&errs, 4);
	fx_assert_no_errors(svc_intake_list(&w.careline.ctx, &qf, &errs, &j), &errs);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(j, "items"), 0), "restricted")));
	json_decref(j);

	/* So does the child's page: the records, and the names they held. */
	assert_int_equal(svc_person_page(&w.hart.ctx, w.person, &j), 0);
	json_t *kase = json_array_get(json_object_get(j, "cases"), 0);
	assert_true(json_is_true(json_object_get(kase, "restricted")));
	assert_string_equal(s(kase, "label"), "Restricted record");
	assert_null(json_object_get(kase, "status"));
	assert_int_equal(json_array_size(json_object_get(j, "names")), 0);
	assert_false(pf_timeline_has(j, "case_opened"));
	assert_true(pf_timeline_has(j, "relief_decided"));
	json_decref(j);
}

UNIT_TEST_WITH(restricted_records_are_still_counted_in_the_figures, fx_setup, fx_teardown)
{
	struct world w;
	a_world(&w);
	int64_t before = fx_count("referral", NULL);
	granted(&w);
	assert_int_equal(fx_count("referral", NULL), before);
	assert_true(before > 0);
}

static void breaking_the_glass_under(fx_failure_loop each)
{
	struct world w;
	a_world(&w);
	granted(&w);
	struct fx_user other_hart;
	fx_user(&other_hart, ROLE_HART, NULL);
	char text[200];
	snprintf(text, sizeof text,
		 "{\"kind\": \"case\", \"id\": %lld, \"reason\": \"The child is missing again; the old case names a place.\"}",
		 (long long)w.kase);
	struct relief_arg a = {.as = &other_hart, .body = fx_json(text)};
	each(glass_use_case, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("break_glass", "reason IS NOT NULL AND object_type = 'case'"), 1);
	assert_int_equal(fx_count("audit", "action = 'break_glass' AND object_type = 'case'"), 1);
	/* HART is told, the one who broke it not, and the child not named. */
	char where[96];
	snprintf(where, sizeof where, "kind = 'break_glass' AND user_id = %lld", (long long)w.hart.actor.user_id);
	assert_int_equal(fx_count("notification", where), 1);
	snprintf(where, sizeof where, "kind = 'break_glass' AND user_id = %lld", (long long)other_hart.actor.user_id);
	assert_int_equal(fx_count("notification", where), 0);
	assert_int_equal(fx_count("notification", "kind = 'break_glass' AND (text LIKE '%Riley%' OR text LIKE '%Example%')"),
			 0);
	arg_reset(&a);

	json_t *j = NULL;
	assert_int_equal(svc_case_get(&other_hart.ctx, w.kase, &j), 0);
	json_decref(j);
	assert_int_equal(svc_case_get(&w.hart.ctx, w.kase, &j), ERR_RESTRICTED);
	assert_int_equal(svc_person_page(&other_hart.ctx, w.person, &j), 0);
	json_t *kase = json_array_get(json_object_get(j, "cases"), 0);
	assert_string_equal(s(kase, "status"), "open");
	assert_true(json_is_true(json_object_get(kase, "restricted")));
	json_decref(j);
	/* An hour, then the glass is whole again. */
	clock_advance(61 * 60 * HL_USEC_PER_SEC);
	assert_int_equal(svc_case_get(&other_hart.ctx, w.kase, &j), ERR_RESTRICTED);
	clock_set(FX_NOW);
}

FX_TESTS_UNDER_BOTH_LOOPS(breaking_the_glass_opens_one_record_for_an_hour_and_tells_hart,
			  breaking_the_glass_opens_one_record_for_an_hour_and_tells_hart_when_allocations_fail,
			  breaking_the_glass_under)

/* Break the glass on kind id as u with reason: the result. */
static int glass(struct fx_user *u, const char *kind, int64_t id, const char *reason, struct relief_arg *a)
{
	char text[300];
	snprintf(text, sizeof text, "{\"kind\": \"%s\", \"id\": %lld, \"reason\": \"%s\"}", kind, (long long)id, reason);
	a->as = u;
	a->body = fx_json(text);
	int r = glass_use_case(a);
	json_decref(a->body);
	a->body = NULL;
	return r;
}

UNIT_TEST_WITH(the_glass_needs_a_reason_a_restricted_record_and_the_records_own_reach, fx_setup, fx_teardown)
{
	struct world w;
	a_world(&w);
	struct relief_arg a = {0};
	const char *why = "To check a date for the court.";
	assert_int_equal(glass(&w.hart, "case", w.kase, why, &a), ERR_CONFLICT);
	assert_non_null(strstr(a.cf.detail, "not restricted"));
	granted(&w);
	assert_int_equal(glass(&w.hart, "case", w.kase, "  because  ", &a), ERR_INVAL);
	char region[32];
	fx_case_region(region, sizeof region);
	struct fx_user far, near, mdt, careline2;
	fx_user(&far, ROLE_LIAISON, fx_other_region(region));
	fx_user(&near, ROLE_LIAISON, region);
	fx_user(&mdt, ROLE_MDT, "T1");
	fx_user(&careline2, ROLE_CARELINE, NULL);
	assert_int_equal(glass(&far, "case", w.kase, why, &a), ERR_NOTFOUND);
	assert_int_equal(glass(&far, "intake", w.intake, why, &a), ERR_NOTFOUND);
	assert_int_equal(glass(&mdt, "case", w.kase, why, &a), ERR_NOTFOUND);
	assert_int_equal(glass(&mdt, "intake", w.intake, why, &a), ERR_PERM);
	assert_int_equal(glass(&careline2, "intake", w.intake, why, &a), ERR_PERM);
	assert_int_equal(glass(&w.hart, "case", w.kase + 100, why, &a), ERR_NOTFOUND);
	assert_int_equal(fx_count("break_glass", NULL), 0);
	assert_int_equal(glass(&near, "intake", w.intake, why, &a), 0);
	arg_reset(&a);
	json_t *j = NULL;
	assert_int_equal(svc_intake_get(&near.ctx, w.intake, &j), 0);
	json_decref(j);
}

UNIT_TEST_WITH(relief_links_only_this_childs_records, fx_setup, fx_teardown)
{
	struct world w;
	a_world(&w);
	int64_t other_person, other_case = pf_case(&w.careline, &w.hart, "Sam", "Other", &other_person);
	char text[300];
	snprintf(text, sizeof text,
		 "{\"court\": \"Superior Court\", \"offence\": \"theft\", \"links\": [{\"kind\": \"case\", \"id\": %lld},"
		 " {\"kind\": \"report\", \"id\": 1}]}",
		 (long long)other_case);
	struct relief_arg a = {.as = &w.hart, .id = w.person, .body = fx_json(text)};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	assert_int_equal(svc_relief_create(&w.hart.ctx, w.person, a.body, &errs, &a.out), ERR_INVAL);
	assert_true(fx_names_field(&errs, "links[0]"));
	assert_true(fx_names_field(&errs, "links[1]"));
	field_errors_done(&errs);
	json_decref(a.body);
	a.body = fx_json("{\"court\": \"Superior Court\", \"offence\": \"jaywalking\", \"offence_date\": \"2099-01-01\"}");
	field_errors_init(&errs, 10);
	assert_int_equal(svc_relief_create(&w.hart.ctx, w.person, a.body, &errs, &a.out), ERR_INVAL);
	assert_true(fx_names_field(&errs, "offence"));
	assert_true(fx_names_field(&errs, "offence_date"));
	field_errors_done(&errs);
	json_decref(a.body);
	assert_int_equal(fx_count("relief_record", NULL), 0);
}

UNIT_TEST_WITH(roles_that_may_not_record_relief_store_nothing, fx_setup, fx_teardown)
{
	struct world w;
	a_world(&w);
	int64_t rid = granted(&w);
	int64_t audits = fx_count("relief_record", NULL);
	json_t *body = create_body(&w);
	for (size_t i = 0; i < FX_ROLES_BUT_ADMIN; i++) {
		enum role role = fx_roles_but_admin[i].role;
		if (role == ROLE_HART || role == ROLE_LIAISON)
			continue;
		struct fx_user u;
		fx_user(&u, role, fx_roles_but_admin[i].scope);
		struct relief_arg a = {.as = &u, .id = w.person, .body = body};
		assert_int_equal(create_use_case(&a), ERR_PERM);
		a.id = rid;
		assert_int_equal(update(&a, 3, "\"outcome\": \"changed\""), ERR_PERM);
		json_t *list = NULL;
		assert_int_equal(svc_relief_list(&u.ctx, w.person, &relief_first, &relief_errs, &list), ERR_PERM);
	}
	/* A liaison of another region does not find the child. */
	char region[32];
	fx_case_region(region, sizeof region);
	struct fx_user far;
	fx_user(&far, ROLE_LIAISON, fx_other_region(region));
	struct relief_arg a = {.as = &far, .id = w.person, .body = body};
	assert_int_equal(create_use_case(&a), ERR_NOTFOUND);
	a.id = rid;
	assert_int_equal(update(&a, 3, "\"outcome\": \"changed\""), ERR_NOTFOUND);
	assert_int_equal(fx_count("relief_record", NULL), audits);
	assert_int_equal(fx_count("relief_record", "version = 3"), 1);
	json_decref(body);
}

/* Create relief as u with body text; answers its id (0 when refused). */
static int64_t create_as(struct fx_user *u, int64_t person, const char *text, int want)
{
	struct relief_arg a = {.as = u, .id = person, .body = fx_json(text)};
	assert_int_equal(create_use_case(&a), want);
	json_decref(a.body);
	int64_t id = json_integer_value(json_object_get(a.out, "id"));
	arg_reset(&a);
	return id;
}

UNIT_TEST_WITH(decided_relief_keeps_its_records_court_offence_and_kind, fx_setup, fx_teardown)
{
	struct world w;
	a_world(&w);
	int64_t rid = granted(&w);
	char region[32];
	fx_case_region(region, sizeof region);
	struct fx_user near;
	fx_user(&near, ROLE_LIAISON, region);
	struct relief_arg a = {.as = &near, .id = rid};
	/* The liaison's attempt to lift the restriction by dropping the links. */
	assert_int_equal(update(&a, 3, "\"links\": []"), ERR_CONFLICT);
	assert_string_equal(a.cf.slug, "conflict");
	assert_string_equal(a.cf.detail, "This relief was decided; record a new one to correct it.");
	a.as = &w.hart;
	const char *fields[] = {"\"links\": []", "\"court\": \"Another court\"", "\"offence\": \"theft\"",
				"\"offence_date\": \"2026-01-01\"", "\"relief_kind\": \"erasure\""};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		assert_int_equal(update(&a, 3, fields[i]), ERR_CONFLICT);
	assert_int_equal(fx_count("relief_link", NULL), 2);
	assert_int_equal(fx_count("relief_record", "version = 3 AND court LIKE 'Superior%' AND relief_kind = 'vacatur'"),
			 1);
	json_t *j = NULL;
	assert_int_equal(svc_case_get(&w.hart.ctx, w.kase, &j), ERR_RESTRICTED);
	/* The outcome may still be written down. */
	assert_int_equal(update(&a, 3, "\"outcome\": \"Vacated; the order is on file.\""), 0);
	assert_int_equal(fx_count("audit", "action = 'relief.update' AND detail LIKE '%links=2->2%'"), 3);
	arg_reset(&a);
}

UNIT_TEST_WITH(a_liaison_reaches_only_relief_on_records_of_its_region, fx_setup, fx_teardown)
{
	struct world w;
	a_world(&w);
	char region[32], text[400];
	fx_case_region(region, sizeof region);
	struct fx_user near;
	fx_user(&near, ROLE_LIAISON, region);
	/* Relief on the case alone; on no record; on the case and a report of another region. */
	snprintf(text, sizeof text, "{\"court\": \"Superior Court\", \"offence\": \"theft\", \"links\": [{\"kind\": \"case\", \"id\": %lld}]}",
		 (long long)w.kase);
	int64_t mine = create_as(&w.hart, w.person, text, 0);
	create_as(&w.hart, w.person, "{\"court\": \"Superior Court\", \"offence\": \"theft\"}", 0);
	snprintf(text, sizeof text,
		 "{\"court\": \"Superior Court\", \"offence\": \"theft\", \"links\": [{\"kind\": \"case\", \"id\": %lld},"
		 " {\"kind\": \"intake\", \"id\": %lld}]}",
		 (long long)w.kase, (long long)w.intake);
	int64_t wide = create_as(&w.hart, w.person, text, 0);
	pf_exec("UPDATE intake SET region = '%s' WHERE id = %lld", fx_other_region(region), (long long)w.intake);

	json_t *list = NULL;
	assert_int_equal(svc_relief_list(&w.hart.ctx, w.person, &relief_first, &relief_errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 3);
	json_decref(list);
	assert_int_equal(svc_relief_list(&near.ctx, w.person, &relief_first, &relief_errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(list, "items"), 0), "id")), mine);
	json_decref(list);
	json_t *page = NULL;
	assert_int_equal(svc_person_page(&near.ctx, w.person, &page), 0);
	assert_int_equal(json_array_size(json_object_get(page, "relief")), 1);
	json_decref(page);

	/* The one it does not reach is not found, and its links stay. */
	struct relief_arg a = {.as = &near, .id = wide};
	assert_int_equal(update(&a, 1, "\"links\": []"), ERR_NOTFOUND);
	assert_int_equal(update(&a, 1, "\"status\": \"petition_filed\""), ERR_NOTFOUND);
	char where[64];
	snprintf(where, sizeof where, "relief_id = %lld", (long long)wide);
	assert_int_equal(fx_count("relief_link", where), 2);
	/* Nor may it leave its own without a record, or record one on none. */
	a.id = mine;
	assert_int_equal(update(&a, 1, "\"links\": []"), ERR_INVAL);
	snprintf(where, sizeof where, "relief_id = %lld", (long long)mine);
	assert_int_equal(fx_count("relief_link", where), 1);
	create_as(&near, w.person, "{\"court\": \"Superior Court\", \"offence\": \"theft\"}", ERR_INVAL);
	assert_int_equal(fx_count("relief_record", NULL), 3);
	assert_int_equal(update(&a, 1, "\"status\": \"petition_filed\""), 0);
	arg_reset(&a);
}

int main(void)
{
	return unit_run("svc_relief", NULL, NULL);
}
