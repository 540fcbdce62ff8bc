/* Tests for service/deadlines: who sees a case's duties, a duty opened
 * once, moved and met once, and the sweep that reminds owners and HART of
 * duties coming due and overdue, once each, whole or not at all when a
 * statement fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <string.h>

#include "base/err.h"
#include "model/pack.h"
#include "service/cases.h"
#include "service/deadlines.h"

#define HOUR (INT64_C(3600) * HL_USEC_PER_SEC)

/* A case whose child is a suspected victim: it owes a police report
 * within the pack's deadline (24 hours) of now. */
static int64_t case_owing_a_report(struct fx_user *careline, struct fx_user *hart)
{
	int64_t id = fx_case_as_hart(careline, hart);
	char sql[96], version[24];
	assert_true(snprintf(sql, sizeof sql, "SELECT version FROM child_case WHERE id = %lld", (long long)id) <
		    (int)sizeof sql);
	fx_text(sql, version, sizeof version);
	char text[128];
	assert_true(snprintf(text, sizeof text, "{\"victim_status\": \"suspected\", \"version\": %s}", version) <
		    (int)sizeof text);
	json_t *body = fx_json(text), *got = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct case_conflict cf;
	memset(&cf, 0, sizeof cf);
	fx_assert_no_errors(svc_case_update(&hart->ctx, id, body, &errs, &cf, &got), &errs);
	json_decref(got);
	json_decref(body);
	assert_int_equal(fx_count("duty", "kind = 'law_enforcement_report' AND met_at IS NULL"), 1);
	return id;
}

static size_t listed(const struct fx_user *as, int *ret_r)
{
	struct deadline_filter f = {0};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *got = NULL;
	*ret_r = svc_deadlines_list(&as->ctx, &f, &errs, &got);
	field_errors_done(&errs);
	json_t *list = json_object_get(got, "items");
	size_t n = json_array_size(list);
	json_decref(got);
	return n;
}

UNIT_TEST_WITH(hart_and_the_regions_liaison_see_a_duty_and_no_one_else, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	case_owing_a_report(&careline, &hart);
	char region[32];
	fx_case_region(region, sizeof region);
	const char *other = fx_other_region(region);
	struct fx_user mine, theirs;
	fx_user(&mine, ROLE_LIAISON, region);
	fx_user(&theirs, ROLE_LIAISON, other);
	int r;
	assert_int_equal(listed(&hart, &r), 1);
	assert_int_equal(r, 0);
	assert_int_equal(listed(&mine, &r), 1);
	assert_int_equal(r, 0);
	assert_int_equal(listed(&theirs, &r), 0);
	assert_int_equal(r, 0);
	enum role none[] = {ROLE_CARELINE, ROLE_MDT, ROLE_PROVIDER, ROLE_TRAINER, ROLE_ANALYST, ROLE_ADMIN};
	for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
		struct fx_user u;
		fx_user(&u, none[i], none[i] == ROLE_MDT ? "mdt-r1" : none[i] == ROLE_PROVIDER ? "P1" : NULL);
		assert_int_equal(listed(&u, &r), 0);
		assert_int_equal(r, ERR_PERM);
	}
}

struct sweep_arg {
	hl_time at;
	struct sweep_result res;
};

static int sweep_use_case(void *arg)
{
	struct sweep_arg *a = arg;
	memset(&a->res, 0, sizeof a->res);
	return svc_deadlines_sweep(&fx.app, a->at, &a->res);
}

/* The sweep at `at`, run under each of its failures, counts one duty in
 * *counted (and none in *none, unless NULL), stamps it (stamped, a
 * condition on duty) and notifies; a second sweep at `at` counts none
 * and notifies no one. Answers the notifications after. */
static int64_t sweep_notifies_once(fx_failure_loop each, struct sweep_arg *a, hl_time at, const int *counted,
				   const int *none, const char *stamped, int64_t before)
{
	a->at = at;
	each(sweep_use_case, a);
	assert_int_equal(*counted, 1);
	if (none)
		assert_int_equal(*none, 0);
	assert_int_equal(fx_count("duty", stamped), 1);
	int64_t after = fx_count("notification", NULL);
	assert_true(after > before);
	assert_int_equal(sweep_use_case(a), 0);
	assert_int_equal(*counted, 0);
	assert_int_equal(fx_count("notification", NULL), after);
	return after;
}

static void the_sweep_reminds_then_warns_once_each_and_whole_under(fx_failure_loop each)
{
	struct fx_user careline, hart;
	case_owing_a_report(&careline, &hart);
	int64_t before = fx_count("notification", NULL);

	/* An hour before it is due: the reminder. */
	struct sweep_arg a;
	int64_t reminded = sweep_notifies_once(each, &a, FX_NOW + 23 * HOUR, &a.res.due_soon, &a.res.overdue,
					       "reminded_at IS NOT NULL", before);
	/* An hour late: the overdue notice, once. */
	sweep_notifies_once(each, &a, FX_NOW + 25 * HOUR, &a.res.overdue, NULL, "overdue_notified_at IS NOT NULL",
			    reminded);
}

FX_TESTS_UNDER_BOTH_LOOPS(the_sweep_reminds_then_warns_once_each_and_whole, the_sweep_reminds_then_warns_once_each_and_whole_when_allocations_fail, the_sweep_reminds_then_warns_once_each_and_whole_under)

struct duty_arg {
	int64_t case_id, duty;
	hl_time due;
};

static int move_use_case(void *arg)
{
	struct duty_arg *a = arg;
	return duty_move(fx.db, DUTY_LAW_ENFORCEMENT_REPORT, "case", a->case_id, a->due);
}

static int meet_use_case(void *arg)
{
	struct duty_arg *a = arg;
	return duty_meet(fx.db, DUTY_LAW_ENFORCEMENT_REPORT, "case", a->case_id, FX_NOW + HOUR, 0, &a->duty);
}

static void a_duty_is_opened_once_moved_and_met_once_under(fx_failure_loop each)
{
	struct fx_user careline, hart;
	struct duty_arg a = {.case_id = case_owing_a_report(&careline, &hart)};
	int64_t id = 0, again = 0;
	hl_time due = 0;
	assert_int_equal(duty_find_unmet(fx.db, DUTY_LAW_ENFORCEMENT_REPORT, "case", a.case_id, &id, &due), 0);
	assert_int_equal(due, FX_NOW + 24 * HOUR);
	assert_int_equal(duty_open_pack(fx.db, fx.app.pack, a.case_id, DUTY_LAW_ENFORCEMENT_REPORT, "case", a.case_id,
					FX_NOW, 0, &again),
			 0);
	assert_int_equal(again, id);
	assert_int_equal(fx_count("duty", NULL), 1);

	/* Reminded, then moved into the future: it may be reminded again. */
	fx_exec("UPDATE duty SET reminded_at = '2026-11-29T00:00:00Z'");
	a.due = FX_NOW + 48 * HOUR;
	each(move_use_case, &a);
	assert_int_equal(duty_find_unmet(fx.db, DUTY_LAW_ENFORCEMENT_REPORT, "case", a.case_id, &id, &due), 0);
	assert_int_equal(due, FX_NOW + 48 * HOUR);
	assert_int_equal(fx_count("duty", "reminded_at IS NULL AND starts_at = '2026-11-29T18:40:00Z'"), 1);

	each(meet_use_case, &a);
	assert_int_equal(a.duty, id);
	assert_int_equal(duty_find_unmet(fx.db, DUTY_LAW_ENFORCEMENT_REPORT, "case", a.case_id, &id, &due),
			 ERR_NOTFOUND);
	/* Met once: meeting it again meets nothing. */
	assert_int_equal(meet_use_case(&a), 0);
	assert_int_equal(a.duty, 0);
	assert_int_equal(duty_move(fx.db, DUTY_LAW_ENFORCEMENT_REPORT, "case", a.case_id, FX_NOW), 0);
	assert_int_equal(fx_count("duty", "met_at IS NOT NULL"), 1);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_duty_is_opened_once_moved_and_met_once, a_duty_is_opened_once_moved_and_met_once_when_allocations_fail, a_duty_is_opened_once_moved_and_met_once_under)

#ifdef HARTLINE_TEST_HOOKS
UNIT_TEST_WITH(a_failed_lookup_of_a_duty_is_an_error_not_none, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = case_owing_a_report(&careline, &hart), id = 0;
	hl_time due = 0;
	db_fail_at(1);
	assert_int_equal(duty_find_unmet(fx.db, DUTY_LAW_ENFORCEMENT_REPORT, "case", case_id, &id, &due), ERR_DB);
	db_fail_at(1);
	assert_int_equal(duty_move(fx.db, DUTY_LAW_ENFORCEMENT_REPORT, "case", case_id, FX_NOW), ERR_DB);
	db_fail_at(0);
	assert_int_equal(id, 0);
}
#endif

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
