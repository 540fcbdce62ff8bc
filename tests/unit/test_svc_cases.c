/* Tests for service/cases: opening a case from an accepted report, the
 * duties a change opens and a report meets, missing episodes and rapid
 * response; who may read and change a case; and that every write is whole
 * or absent when any one of its statements fails. */
#include "svc_fixture.h"
#include "unit.h"

/* The loop the write tests run under: each statement failing, or (in the
 * _when_allocations_fail twins) each allocation. */
static fx_failure_loop failure_loop = fx_each_failure;

#include <stdlib.h>
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

/* A fresh list of at most max errors and an empty conflict, for one write. */
static void write_begin(struct field_errors *errs, size_t max, struct case_conflict *cf)
{
	field_errors_init(errs, max);
	memset(cf, 0, sizeof *cf);
}

/* Free what the write left in errs and cf. */
static void write_end(struct field_errors *errs, struct case_conflict *cf)
{
	json_decref(cf->allowed);
	json_decref(cf->open_work);
	field_errors_done(errs);
}

static int run_write(void *arg)
{
	struct write_arg *a = arg;
	struct field_errors errs;
	struct case_conflict cf;
	write_begin(&errs, 10, &cf);
	json_t *ret = NULL;
	int r = a->fn(a, &errs, &cf, &ret);
	if (r == 0 && json_is_integer(json_object_get(ret, "id")))
		a->ret_id = json_integer_value(json_object_get(ret, "id"));
	json_decref(ret);
	write_end(&errs, &cf);
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
	assert_true(failure_loop(run_write, &a) > 3);
	json_decref(a.body);
	return a.ret_id;
}

/* The newest row's id in table. */
static int64_t last_id(const char *table)
{
	char sql[96], id[24];
	assert_true(snprintf(sql, sizeof sql, "SELECT max(id) FROM %s", table) < (int)sizeof sql);
	fx_text(sql, id, sizeof id);
	return strtoll(id, NULL, 10);
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

/* Update the case with fields and its current version, as write_ok
 * (each statement failing in turn first, if under_failures). */
static void update_case(const struct fx_user *as, int64_t id, const char *fields, bool under_failures)
{
	char body[256];
	version_body(id, fields, body, sizeof body);
	if (under_failures)
		write_under_failures(as, id, 0, body, update_fn);
	else
		write_ok(as, id, 0, body, update_fn);
}

UNIT_TEST_WITH(opens_a_case_with_the_child_recorded_and_the_report_joined, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
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

UNIT_TEST_WITH(a_suspected_victim_owes_a_police_report_which_a_report_meets, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	update_case(&hart, id, "\"victim_status\": \"suspected\"", false);
	assert_int_equal(fx_count("duty", "kind = 'law_enforcement_report' AND met_at IS NULL"), 1);
	write_ok(&hart, id, 0,
		 "{\"kind\": \"law_enforcement\", \"agency\": \"Bridgeport PD\", \"reported_at\": \"2026-11-28T18:40:00Z\"}",
		 report_fn);
	assert_int_equal(fx_count("duty", "met_at IS NULL"), 0);
	assert_int_equal(fx_count("mandated_report", NULL), 1);
}

UNIT_TEST_WITH(who_may_not_read_or_change_a_case, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	char region[32];
	fx_case_region(region, sizeof region);
	const char *other = fx_other_region(region);
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
		struct case_conflict cf;
		write_begin(&errs, 10, &cf);
		r = svc_case_update(&u.ctx, id, patch, &errs, &cf, &got);
		assert_true(r == ERR_PERM || r == ERR_NOTFOUND);
		write_end(&errs, &cf);
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
	struct case_conflict cf;
	write_begin(&errs, 10, &cf);
	int r = svc_case_open(&a->as->ctx, a->body, &errs, &cf, &a->opened);
	write_end(&errs, &cf);
	return r;
}

/* Open a case from report intake, each statement failing in turn. */
static struct case_opened open_under_failures(const struct fx_user *as, int64_t intake)
{
	char text[64];
	assert_true(snprintf(text, sizeof text, "{\"intake_id\": %lld}", (long long)intake) < (int)sizeof text);
	struct open_arg a = {.as = as, .body = fx_json(text)};
	assert_true(failure_loop(open_use_case, &a) > 3);
	json_decref(a.body);
	return a.opened;
}

UNIT_TEST_WITH(a_failed_statement_in_opening_leaves_nothing, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t intake = fx_report_for_hart(&careline, &hart, true), person;
	/* The child linked first: opening is then one transaction. */
	struct field_errors errs;
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_intake_link(&careline.ctx, intake, 0, 0, &errs, &person), &errs);
	open_under_failures(&hart, intake);
	assert_int_equal(fx_count("child_case", NULL), 1);
	assert_int_equal(fx_count("person", NULL), 1);
}

FX_WHEN_ALLOCATIONS_FAIL(a_failed_statement_in_opening_leaves_nothing, failure_loop)
UNIT_REGISTER(a_failed_statement_in_opening_leaves_nothing_when_allocations_fail, fx_setup, fx_teardown)

UNIT_TEST_WITH(a_failed_statement_in_opening_for_a_new_child_leaves_nothing, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t intake = fx_report_for_hart(&careline, &hart, true);
	/* The child is not linked: opening records it, in the same transaction. */
	open_under_failures(&hart, intake);
	assert_int_equal(fx_count("child_case", NULL), 1);
	assert_int_equal(fx_count("person", NULL), 1);
	assert_int_equal(fx_count("intake_child", "person_id IS NOT NULL"), 1);
	assert_int_equal(fx_count("audit", "action = 'person.create'"), 1);
}

FX_WHEN_ALLOCATIONS_FAIL(a_failed_statement_in_opening_for_a_new_child_leaves_nothing, failure_loop)
UNIT_REGISTER(a_failed_statement_in_opening_for_a_new_child_leaves_nothing_when_allocations_fail, fx_setup, fx_teardown)

UNIT_TEST_WITH(a_failed_statement_in_any_case_write_leaves_nothing, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	update_case(&hart, id, "\"victim_status\": \"suspected\", \"status\": \"response\"", true);
	write_under_failures(&hart, id, 0,
			     "{\"kind\": \"law_enforcement\", \"agency\": \"Bridgeport PD\","
			     " \"reported_at\": \"2026-11-28T18:40:00Z\"}",
			     report_fn);
	assert_int_equal(fx_count("duty", "kind = 'law_enforcement_report' AND met_at IS NOT NULL"), 1);
	int64_t ep = write_under_failures(&hart, id, 0,
					  "{\"last_seen_at\": \"2026-11-27T12:00:00Z\", \"learned_at\":"
					  " \"2026-11-28T16:00:00Z\", \"circumstances\": \"Left after dinner.\"}",
					  missing_fn);
	/* A failure while reading back the answer comes after the commit:
	 * the write is whole, and its id is in the table. */
	ep = ep ? ep : last_id("missing_episode");
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
	rr = rr ? rr : last_id("rapid_response");
	assert_true(rr > 0);
	write_under_failures(&hart, id, rr, "{\"arrived_at\": \"2026-11-28T18:35:00Z\"}", arrive_fn);
	assert_int_equal(fx_count("duty", "kind = 'rapid_response_target' AND met_at IS NOT NULL"), 1);
	(void)write_ok;
}

FX_WHEN_ALLOCATIONS_FAIL(a_failed_statement_in_any_case_write_leaves_nothing, failure_loop)
UNIT_REGISTER(a_failed_statement_in_any_case_write_leaves_nothing_when_allocations_fail, fx_setup, fx_teardown)

/* fn refuses body with ERR_INVAL, naming each of fields. */
static void assert_refused(const struct fx_user *as, int64_t id, const char *body,
			   int (*fn)(struct write_arg *, struct field_errors *, struct case_conflict *, json_t **),
			   const char *const *fields)
{
	struct write_arg a = {.as = as, .id = id, .body = fx_json(body), .fn = fn};
	struct field_errors errs;
	struct case_conflict cf;
	write_begin(&errs, 20, &cf);
	json_t *ret = NULL;
	assert_int_equal(fn(&a, &errs, &cf, &ret), ERR_INVAL);
	assert_null(ret);
	for (const char *const *f = fields; *f; f++)
		if (!fx_names_field(&errs, *f))
			fail_msg("%s: no error for %s", body, *f);
	write_end(&errs, &cf);
	json_decref(a.body);
}

static int open_fn(struct write_arg *a, struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct case_opened opened;
	(void)ret;
	return svc_case_open(&a->as->ctx, a->body, errs, cf, &opened);
}

UNIT_TEST_WITH(a_refused_body_names_every_bad_field_and_stores_nothing, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	int64_t events = fx_count("case_event", NULL), audits = fx_count("audit", NULL);
	static const char *const open_bad[] = {"intake_id", "child", "region", "color", NULL};
	assert_refused(&hart, 0, "{\"intake_id\": \"x\", \"child\": \"first\", \"region\": 7, \"color\": 1}", open_fn,
		       open_bad);
	static const char *const update_bad[] = {"version", "status", "victim_status", "uncared_for", "lead_user_id",
						 "color", NULL};
	assert_refused(&hart, id,
		       "{\"version\": \"one\", \"status\": 5, \"victim_status\": \"maybe\", \"uncared_for\": \"yes\","
		       " \"lead_user_id\": 0, \"color\": \"red\"}",
		       update_fn, update_bad);
	static const char *const report_bad[] = {"kind", "agency", "reported_at", "missing_episode_id", "extra", NULL};
	assert_refused(&hart, id,
		       "{\"kind\": \"fax\", \"agency\": \"\", \"reported_at\": \"soon\", \"missing_episode_id\": -1,"
		       " \"extra\": 1}",
		       report_fn, report_bad);
	/* A note takes no placement; a time is never in the future. */
	static const char *const event_bad[] = {"placement", "occurred_at", "shared", NULL};
	assert_refused(&hart, id,
		       "{\"kind\": \"note\", \"text\": \"Seen.\", \"placement\": \"home\","
		       " \"occurred_at\": \"2027-01-01T00:00:00Z\", \"shared\": \"yes\"}",
		       event_fn, event_bad);
	static const char *const missing_bad[] = {"last_seen_at", "learned_at", "circumstances", "x", NULL};
	assert_refused(&hart, id, "{\"last_seen_at\": 1, \"circumstances\": 5, \"x\": 1}", missing_fn, missing_bad);
	static const char *const rapid_bad[] = {"requested_at", "responder", "y", NULL};
	assert_refused(&hart, id, "{\"requested_at\": \"nope\", \"responder\": 3, \"y\": 0}", rapid_fn, rapid_bad);
	assert_int_equal(fx_count("child_case", "version = 1 AND status = 'open'"), 1);
	assert_int_equal(fx_count("case_event", NULL), events);
	assert_int_equal(fx_count("mandated_report", NULL), 0);
	assert_int_equal(fx_count("missing_episode", NULL), 0);
	assert_int_equal(fx_count("audit", NULL), audits);
}

/* A second report of the case's child (decided to accept or not), linked
 * to the case's person before anything else; answers its intake id. */
static int64_t second_report_of_the_child(const struct fx_user *careline, bool accept)
{
	char text[64];
	fx_text("SELECT person_id FROM child_case", text, sizeof text);
	int64_t intake2, person;
	fx_report(careline, "Avery", accept, &intake2);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_intake_link(&careline->ctx, intake2, 0, strtoll(text, NULL, 10), &errs, &person), &errs);
	return intake2;
}

UNIT_TEST_WITH(a_report_of_a_child_with_a_case_joins_it_whole_or_not_at_all, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	/* A second report of the same child, accepted before it was linked. */
	int64_t intake2 = second_report_of_the_child(&careline, true);
	struct case_opened opened = open_under_failures(&hart, intake2);
	assert_true(opened.joined);
	assert_int_equal(opened.id, id);
	assert_int_equal(fx_count("child_case", NULL), 1);
	assert_int_equal(fx_count("case_intake", "joined = 1"), 1);
	assert_int_equal(fx_count("case_event", "kind = 'intake_joined'"), 1);
	assert_int_equal(fx_count("child_case", "version = 2"), 1);
}

UNIT_TEST_WITH(a_closed_case_takes_no_missing_episode_or_rapid_response, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	update_case(&hart, id, "\"status\": \"closed\", \"closure_reason\": \"other\", \"close_anyway\": \"moved\"", false);
	char body[256];
	struct write_arg a = {.as = &hart,
			      .id = id,
			      .body = fx_json("{\"last_seen_at\": \"2026-11-27T12:00:00Z\","
					      " \"learned_at\": \"2026-11-28T16:00:00Z\"}"),
			      .fn = missing_fn};
	assert_int_equal(run_write(&a), ERR_CONFLICT);
	json_decref(a.body);
	a.body = fx_json("{}");
	a.fn = rapid_fn;
	assert_int_equal(run_write(&a), ERR_CONFLICT);
	json_decref(a.body);
	/* Nor another change than its status. */
	version_body(id, "\"petition_status\": \"planned\"", body, sizeof body);
	a.body = fx_json(body);
	a.fn = update_fn;
	assert_int_equal(run_write(&a), ERR_CONFLICT);
	json_decref(a.body);
	assert_int_equal(fx_count("missing_episode", NULL), 0);
	assert_int_equal(fx_count("rapid_response", NULL), 0);
}

UNIT_TEST_WITH(the_list_and_the_dashboard_show_a_child_missing_now, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	write_ok(&hart, id, 0, "{\"last_seen_at\": \"2026-11-27T12:00:00Z\", \"learned_at\": \"2026-11-28T16:00:00Z\"}",
		 missing_fn);
	struct case_filter f = {.missing = true};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *got = NULL;
	fx_assert_no_errors(svc_case_list(&hart.ctx, &f, &errs, &got), &errs);
	json_t *cases = json_object_get(got, "items");
	assert_int_equal(json_array_size(cases), 1);
	assert_true(json_is_true(json_object_get(json_array_get(cases, 0), "missing")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(cases, 0), "child"),
								"given_name")),
			    "Avery");
	json_decref(got);
	got = NULL;
	assert_int_equal(svc_dashboard(&hart.ctx, &got), 0);
	json_t *missing = json_object_get(got, "missing_now");
	assert_int_equal(json_array_size(missing), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(missing, 0), "missing_for_minutes")),
			 (18 * 60 + 40) + 24 * 60 - 12 * 60);
	assert_non_null(json_object_get(json_array_get(missing, 0), "child"));
	json_decref(got);
	/* A page is at most PAGE_LIMIT_MAX rows; more is refused. */
	f.page.limit = "501";
	field_errors_init(&errs, 10);
	got = NULL;
	assert_int_equal(svc_case_list(&hart.ctx, &f, &errs, &got), ERR_INVAL);
	assert_true(fx_names_field(&errs, "limit"));
	field_errors_done(&errs);
	assert_int_equal(fx_count("audit", "action = 'case.list'"), 1);
	assert_int_equal(fx_count("audit", "action = 'dashboard.read'"), 1);
}

#ifdef HARTLINE_TEST_HOOKS
/* The statements one page of the cases list and of "My cases" takes. */
static void page_statements(struct fx_user *hart, size_t want, long *ret_list, long *ret_mine)
{
	/* The actor works every case, for "My cases". */
	char sql[256];
	snprintf(sql, sizeof sql,
		 "INSERT INTO case_assignment (case_id, user_id, role, started_at) SELECT id, %lld, 'worker',"
		 " '2026-11-28T00:00:00Z' FROM child_case WHERE id NOT IN (SELECT case_id FROM case_assignment)",
		 (long long)hart->actor.user_id);
	fx_exec(sql);
	struct case_filter f = {0};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *got = NULL;
	struct db_fail_report rep;
	db_fail_at(0);
	fx_assert_no_errors(svc_case_list(&hart->ctx, &f, &errs, &got), &errs);
	db_fail_report(&rep);
	*ret_list = rep.counted;
	json_t *items = json_object_get(got, "items");
	assert_int_equal(json_array_size(items), want);
	for (size_t k = 0; k < want; k++)
		assert_non_null(json_string_value(
			json_object_get(json_object_get(json_array_get(items, k), "child"), "given_name")));
	json_decref(got);
	got = NULL;
	struct page_query q = {0};
	db_fail_at(0);
	fx_assert_no_errors(svc_my_cases(&hart->ctx, "open", &q, &errs, &got), &errs);
	db_fail_report(&rep);
	*ret_mine = rep.counted;
	assert_int_equal(json_array_size(json_object_get(got, "items")), want);
	json_decref(got);
	field_errors_done(&errs);
}

UNIT_TEST_WITH(a_page_of_cases_takes_the_same_statements_however_many_rows_it_has, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	fx_case_as_hart(&careline, &hart);
	long list1, mine1, list3, mine3;
	page_statements(&hart, 1, &list1, &mine1);
	static const char *const names[] = {"Blake", "Quinn"};
	for (size_t k = 0; k < 2; k++) {
		int64_t intake, id;
		fx_report(&careline, names[k], true, &intake);
		fx_case(&hart, intake, &id);
	}
	page_statements(&hart, 3, &list3, &mine3);
	/* Not a statement or two per row, as when each child was read alone. */
	assert_int_equal(list3, list1);
	assert_int_equal(mine3, mine1);
	assert_true(list1 > 0 && mine1 > 0);
}
#endif

/* Deciding report a->id, the accept that joins the child's case. */
static int accept_fn(struct write_arg *a, struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	(void)cf;
	(void)ret;
	return svc_intake_dispose(&a->as->ctx, a->id, a->body, errs);
}

UNIT_TEST_WITH(accepting_a_report_of_a_child_with_a_case_joins_it_in_the_same_transaction, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	fx_case_as_hart(&careline, &hart);
	/* A second report of the same child, linked before it is decided. */
	int64_t intake2 = second_report_of_the_child(&careline, false);
	struct write_arg a = {.as = &hart, .id = intake2, .fn = accept_fn};
	assert_int_equal(fx_accept_body(intake2, &a.body), 0);
	assert_true(failure_loop(run_write, &a) > 3);
	json_decref(a.body);
	assert_int_equal(fx_count("case_intake", "joined = 1"), 1);
	assert_int_equal(fx_count("case_event", "kind = 'intake_joined'"), 1);
	assert_int_equal(fx_count("audit", "action = 'case.update' AND detail LIKE 'intake_joined%'"), 1);
	assert_int_equal(fx_count("child_case", NULL), 1);
}

FX_WHEN_ALLOCATIONS_FAIL(accepting_a_report_of_a_child_with_a_case_joins_it_in_the_same_transaction, failure_loop)
UNIT_REGISTER(accepting_a_report_of_a_child_with_a_case_joins_it_in_the_same_transaction_when_allocations_fail, fx_setup, fx_teardown)

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
