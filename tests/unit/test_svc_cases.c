/* Tests for service/cases: opening a case from an accepted report, the
 * duties a change opens and a report meets, missing episodes and rapid
 * response; who may read and change a case; and that every write is whole
 * or absent when any one of its statements fails. */
#include "svc_fixture.h"

#include <string.h>

#include "base/err.h"
#include "model/pack.h"
#include "service/cases.h"
#include "service/intake.h"

/* A case's write, as fx_each_failure runs it. */
struct write_arg {
	const struct fx_user *as;
	int64_t id, sub;
	json_t *body;
	int (*fn)(struct write_arg *a, struct field_errors *errs, struct case_conflict *cf, json_t **ret);
	int64_t ret_id; /* the new row's id, from *ret */
};

static int run_write(void *arg)
{
	struct write_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct case_conflict cf;
	memset(&cf, 0, sizeof cf);
	json_t *ret = NULL;
	int r = a->fn(a, &errs, &cf, &ret);
	if (r == 0 && json_is_integer(json_object_get(ret, "id")))
		a->ret_id = json_integer_value(json_object_get(ret, "id"));
	json_decref(ret);
	json_decref(cf.allowed);
	field_errors_done(&errs);
	return r;
}

static int update_fn(struct write_arg *a, struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	return svc_case_update(&a->as->ctx, a->id, a->body, errs, cf, ret);
}

static int report_fn(struct write_arg *a, struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	return svc_case_report(&a->as->ctx, a->id, a->body, errs, cf, ret);
}

static int event_fn(struct write_arg *a, struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	return svc_case_event(&a->as->ctx, a->id, a->body, errs, cf, ret);
}

static int missing_fn(struct write_arg *a, struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	return svc_missing_start(&a->as->ctx, a->id, a->body, errs, cf, ret);
}

static int located_fn(struct write_arg *a, struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	return svc_missing_locate(&a->as->ctx, a->id, a->sub, a->body, errs, cf, ret);
}

static int rapid_fn(struct write_arg *a, struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	return svc_rapid_request(&a->as->ctx, a->id, a->body, errs, cf, ret);
}

static int arrive_fn(struct write_arg *a, struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	return svc_rapid_arrive(&a->as->ctx, a->id, a->sub, a->body, errs, cf, ret);
}

/* Run one write whole (no failure), answering the id it made. */
static int64_t write_ok(const struct fx_user *as, int64_t id, int64_t sub, const char *body,
			int (*fn)(struct write_arg *, struct field_errors *, struct case_conflict *, json_t **))
{
	struct write_arg a = {.as = as, .id = id, .sub = sub, .body = fx_json(body), .fn = fn};
	assert_int_equal(run_write(&a), 0);
	json_decref(a.body);
	return a.ret_id;
}

/* Make each statement of the write fail in turn, then let it succeed. */
static int64_t write_under_failures(const struct fx_user *as, int64_t id, int64_t sub, const char *body,
				    int (*fn)(struct write_arg *, struct field_errors *, struct case_conflict *,
					      json_t **))
{
	struct write_arg a = {.as = as, .id = id, .sub = sub, .body = fx_json(body), .fn = fn};
	assert_true(fx_each_failure(run_write, &a) > 3);
	json_decref(a.body);
	return a.ret_id;
}

static void version_body(int64_t id, const char *fields, char *out, size_t size)
{
	char sql[96], version[24];
	assert_true(snprintf(sql, sizeof sql, "SELECT version FROM child_case WHERE id = %lld", (long long)id) <
		    (int)sizeof sql);
	fx_text(sql, version, sizeof version);
	int n = snprintf(out, size, "{%s, \"version\": %s}", fields, version);
	assert_true(n > 0 && (size_t)n < size);
}

static void opens_a_case_with_the_child_recorded_and_the_report_joined(void **state)
{
	(void)state;
	struct fx_user careline, hart;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	int64_t intake, id;
	fx_report(&careline, "Avery", true, &intake);
	fx_case(&hart, intake, &id);
	assert_int_equal(fx_count("child_case", "status = 'open'"), 1);
	assert_int_equal(fx_count("case_intake", NULL), 1);
	assert_int_equal(fx_count("person", NULL), 1);
	assert_int_equal(fx_count("intake_child", "person_id IS NOT NULL"), 1);
	json_t *got = NULL;
	assert_int_equal(svc_case_get(&hart.ctx, id, &got), 0);
	assert_string_equal(json_string_value(json_object_get(got, "victim_status")), "none");
	json_decref(got);
	assert_int_equal(fx_count("audit", "action = 'case.read'"), 1);

	/* A second accepted report of a child joins a case that is not closed
	 * only when it is the same person; here it is a new child. */
	int64_t intake2, id2;
	fx_report(&careline, "Blair", true, &intake2);
	fx_case(&hart, intake2, &id2);
	assert_true(id2 != id);
}

static void a_suspected_victim_owes_a_police_report_which_a_report_meets(void **state)
{
	(void)state;
	struct fx_user careline, hart;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	int64_t intake, id;
	fx_report(&careline, "Avery", true, &intake);
	fx_case(&hart, intake, &id);
	char body[256];
	version_body(id, "\"victim_status\": \"suspected\"", body, sizeof body);
	write_ok(&hart, id, 0, body, update_fn);
	assert_int_equal(fx_count("duty", "kind = 'law_enforcement_report' AND met_at IS NULL"), 1);
	write_ok(&hart, id, 0,
		 "{\"kind\": \"law_enforcement\", \"agency\": \"Bridgeport PD\", \"reported_at\": \"2026-11-28T18:40:00Z\"}",
		 report_fn);
	assert_int_equal(fx_count("duty", "met_at IS NULL"), 0);
	assert_int_equal(fx_count("mandated_report", NULL), 1);
}

static void who_may_not_read_or_change_a_case(void **state)
{
	(void)state;
	struct fx_user careline, hart;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	int64_t intake, id;
	fx_report(&careline, "Avery", true, &intake);
	fx_case(&hart, intake, &id);
	char region[32];
	fx_text("SELECT region FROM child_case", region, sizeof region);
	const struct pack *p = fx.app.pack;
	const char *other = NULL;
	for (size_t i = 0; i < p->n_regions && !other; i++)
		if (strcmp(p->regions[i].id, region) != 0)
			other = p->regions[i].id;
	assert_non_null(other);
	struct {
		enum role role;
		const char *scope;
		bool may_read;
	} who[] = {{ROLE_CARELINE, NULL, false}, {ROLE_ANALYST, NULL, false}, {ROLE_ADMIN, NULL, false},
		   {ROLE_TRAINER, NULL, false},  {ROLE_PROVIDER, "P1", false}, {ROLE_LIAISON, other, false},
		   {ROLE_MDT, "T1", false}};
	char body[256];
	version_body(id, "\"status\": \"response\"", body, sizeof body);
	json_t *patch = fx_json(body);
	for (size_t i = 0; i < sizeof who / sizeof *who; i++) {
		struct fx_user u;
		fx_user(&u, who[i].role, who[i].scope);
		json_t *got = NULL;
		int r = svc_case_get(&u.ctx, id, &got);
		assert_true(r == ERR_PERM || r == ERR_NOTFOUND);
		assert_null(got);
		struct field_errors errs;
		field_errors_init(&errs, 10);
		struct case_conflict cf;
		memset(&cf, 0, sizeof cf);
		r = svc_case_update(&u.ctx, id, patch, &errs, &cf, &got);
		assert_true(r == ERR_PERM || r == ERR_NOTFOUND);
		field_errors_done(&errs);
	}
	json_decref(patch);
	assert_int_equal(fx_count("child_case", "version = 1"), 1);
	assert_int_equal(fx_count("audit", "action = 'case.read'"), 0);
	/* The liaison of the case's region may. */
	struct fx_user mine;
	fx_user(&mine, ROLE_LIAISON, region);
	json_t *got = NULL;
	assert_int_equal(svc_case_get(&mine.ctx, id, &got), 0);
	json_decref(got);
}

struct open_arg {
	const struct fx_user *as;
	json_t *body;
	struct case_opened opened;
};

static int open_use_case(void *arg)
{
	struct open_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct case_conflict cf;
	memset(&cf, 0, sizeof cf);
	int r = svc_case_open(&a->as->ctx, a->body, &errs, &cf, &a->opened);
	json_decref(cf.allowed);
	field_errors_done(&errs);
	return r;
}

static void a_failed_statement_in_opening_leaves_nothing(void **state)
{
	(void)state;
	struct fx_user careline, hart;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	int64_t intake, person;
	fx_report(&careline, "Avery", true, &intake);
	/* The child linked first: opening is then one transaction. */
	struct field_errors errs;
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_intake_link(&careline.ctx, intake, 0, 0, &errs, &person), &errs);
	char text[64];
	assert_true(snprintf(text, sizeof text, "{\"intake_id\": %lld}", (long long)intake) < (int)sizeof text);
	struct open_arg a = {.as = &hart, .body = fx_json(text)};
	fx_each_failure(open_use_case, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("child_case", NULL), 1);
	assert_int_equal(fx_count("person", NULL), 1);
}

static void a_failed_statement_in_opening_for_a_new_child_leaves_nothing(void **state)
{
	(void)state;
	struct fx_user careline, hart;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	int64_t intake;
	fx_report(&careline, "Avery", true, &intake);
	/* The child is not linked: opening records it, in the same transaction. */
	char text[64];
	assert_true(snprintf(text, sizeof text, "{\"intake_id\": %lld}", (long long)intake) < (int)sizeof text);
	struct open_arg a = {.as = &hart, .body = fx_json(text)};
	fx_each_failure(open_use_case, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("child_case", NULL), 1);
	assert_int_equal(fx_count("person", NULL), 1);
	assert_int_equal(fx_count("intake_child", "person_id IS NOT NULL"), 1);
	assert_int_equal(fx_count("audit", "action = 'person.create'"), 1);
}

static void a_failed_statement_in_any_case_write_leaves_nothing(void **state)
{
	(void)state;
	struct fx_user careline, hart;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	int64_t intake, id;
	fx_report(&careline, "Avery", true, &intake);
	fx_case(&hart, intake, &id);
	char body[256];
	version_body(id, "\"victim_status\": \"suspected\", \"status\": \"response\"", body, sizeof body);
	write_under_failures(&hart, id, 0, body, update_fn);
	write_under_failures(&hart, id, 0,
			     "{\"kind\": \"law_enforcement\", \"agency\": \"Bridgeport PD\","
			     " \"reported_at\": \"2026-11-28T18:40:00Z\"}",
			     report_fn);
	assert_int_equal(fx_count("duty", "kind = 'law_enforcement_report' AND met_at IS NOT NULL"), 1);
	int64_t ep = write_under_failures(&hart, id, 0,
					  "{\"last_seen_at\": \"2026-11-27T12:00:00Z\", \"learned_at\":"
					  " \"2026-11-28T16:00:00Z\", \"circumstances\": \"Left after dinner.\"}",
					  missing_fn);
	assert_true(ep > 0);
	write_under_failures(&hart, id, ep, "{\"located_at\": \"2026-11-28T18:00:00Z\"}", located_fn);
	assert_int_equal(fx_count("duty", "kind = 'return_debrief' AND met_at IS NULL"), 1);
	char ev[256];
	assert_true(snprintf(ev, sizeof ev,
			     "{\"kind\": \"debrief\", \"missing_episode_id\": %lld, \"occurred_at\":"
			     " \"2026-11-28T18:30:00Z\", \"text\": \"Debriefed.\"}",
			     (long long)ep) < (int)sizeof ev);
	write_under_failures(&hart, id, 0, ev, event_fn);
	assert_int_equal(fx_count("duty", "kind = 'return_debrief' AND met_at IS NULL"), 0);
	int64_t rr = write_under_failures(
		&hart, id, 0, "{\"requested_at\": \"2026-11-28T18:00:00Z\", \"responder\": \"Youth advocate A\"}",
		rapid_fn);
	assert_true(rr > 0);
	write_under_failures(&hart, id, rr, "{\"arrived_at\": \"2026-11-28T18:35:00Z\"}", arrive_fn);
	assert_int_equal(fx_count("duty", "kind = 'rapid_response_target' AND met_at IS NOT NULL"), 1);
	(void)write_ok;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(opens_a_case_with_the_child_recorded_and_the_report_joined, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(a_suspected_victim_owes_a_police_report_which_a_report_meets, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(who_may_not_read_or_change_a_case, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(a_failed_statement_in_opening_leaves_nothing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(a_failed_statement_in_opening_for_a_new_child_leaves_nothing, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(a_failed_statement_in_any_case_write_leaves_nothing, fx_setup,
						fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
