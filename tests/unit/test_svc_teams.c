/* Tests for service/teams: teams, members, case reviews and their action
 * items; an MDT member sees its own team only, and nobody without the
 * permission manages teams; each write is whole or absent under a failed
 * statement. */
#include "service/page.h"
#include "svc_fixture.h"
#include "unit.h"

/* The loop the write tests run under: each statement failing, or (in the
 * _when_allocations_fail twins) each allocation. */
static fx_failure_loop failure_loop = fx_each_failure;

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "service/teams.h"

/* A team write, as fx_each_failure runs it. */
struct write_arg {
	const struct fx_user *as;
	int64_t team, sub, item;
	json_t *body;
	int kind;
	int64_t ret_id;
};

enum { TEAM_CREATE, MEMBER_ADD, MEMBER_REMOVE, REVIEW_CREATE, REVIEW_UPDATE, ITEM_DONE };

static int run_write(void *arg)
{
	struct write_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *ret = NULL;
	int r = ERR_INVAL;
	switch (a->kind) {
	case TEAM_CREATE:
		r = svc_team_create(&a->as->ctx, a->body, &errs, &a->ret_id);
		break;
	case MEMBER_ADD:
		r = svc_team_member_add(&a->as->ctx, a->team, a->body, &errs, &a->ret_id);
		break;
	case MEMBER_REMOVE:
		r = svc_team_member_remove(&a->as->ctx, a->team, a->sub);
		break;
	case REVIEW_CREATE:
		r = svc_review_create(&a->as->ctx, a->team, a->body, &errs, &a->ret_id);
		break;
	case REVIEW_UPDATE:
		r = svc_review_update(&a->as->ctx, a->team, a->sub, a->body, &errs, &ret);
		break;
	case ITEM_DONE:
		r = svc_action_item_done(&a->as->ctx, a->team, a->sub, a->item, a->body, &errs, &ret);
		break;
	}
	json_decref(ret);
	field_errors_done(&errs);
	return r;
}

static int64_t write(const struct fx_user *as, int kind, int64_t team, int64_t sub, int64_t item, const char *body,
		     bool under_failures)
{
	struct write_arg a = {.as = as, .team = team, .sub = sub, .item = item, .kind = kind,
			      .body = body ? fx_json(body) : NULL};
	if (under_failures)
		assert_true(failure_loop(run_write, &a) > 2);
	else
		assert_int_equal(run_write(&a), 0);
	json_decref(a.body);
	return a.ret_id;
}

UNIT_TEST_WITH(an_mdt_member_sees_only_its_own_team, fx_setup, fx_teardown)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	int64_t t1 = write(&hart, TEAM_CREATE, 0, 0, 0, "{\"code\": \"mdt-r1\", \"name\": \"Southwest MDT\", \"region\": \"R1\"}",
			   false);
	int64_t t2 = write(&hart, TEAM_CREATE, 0, 0, 0, "{\"code\": \"mdt-r2\", \"name\": \"South Central MDT\", \"region\": \"R2\"}",
			   false);
	struct fx_user mdt;
	fx_user(&mdt, ROLE_MDT, "mdt-r1");
	json_t *got = NULL;
	assert_int_equal(svc_team_get(&mdt.ctx, t1, &got), 0);
	assert_string_equal(json_string_value(json_object_get(got, "code")), "mdt-r1");
	json_decref(got);
	got = NULL;
	assert_int_equal(svc_team_get(&mdt.ctx, t2, &got), ERR_PERM);
	assert_null(got);
	assert_true(fx_count("audit", "action = 'permission.denied' AND object_type = 'mdt_team'") >= 1);
	json_t *list = NULL;
	struct page_query q = {0};
	struct field_errors errs;
	field_errors_init(&errs, 4);
	assert_int_equal(svc_teams_list(&mdt.ctx, &q, &errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	assert_true(json_is_null(json_object_get(list, "next")));
	json_decref(list);
	field_errors_done(&errs);
}

UNIT_TEST_WITH(who_may_not_manage_teams, fx_setup, fx_teardown)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	int64_t t1 = write(&hart, TEAM_CREATE, 0, 0, 0, "{\"code\": \"mdt-r1\", \"name\": \"Southwest MDT\", \"region\": \"R1\"}",
			   false);
	struct {
		enum role role;
		const char *scope;
	} who[] = {{ROLE_CARELINE, NULL}, {ROLE_LIAISON, "R1"}, {ROLE_MDT, "mdt-r1"}, {ROLE_PROVIDER, "P1"},
		   {ROLE_TRAINER, NULL},  {ROLE_ANALYST, NULL}};
	json_t *team = fx_json("{\"code\": \"mdt-x\", \"name\": \"X\", \"region\": \"R1\"}");
	json_t *member = fx_json("{\"name\": \"Det. Example\", \"agency\": \"Police\", \"mdt_role\": \"law_enforcement\"}");
	for (size_t i = 0; i < sizeof who / sizeof *who; i++) {
		struct fx_user u;
		fx_user(&u, who[i].role, who[i].scope);
		struct field_errors errs;
		field_errors_init(&errs, 10);
		int64_t id = 0;
		assert_int_equal(svc_team_create(&u.ctx, team, &errs, &id), ERR_PERM);
		assert_int_equal(svc_team_member_add(&u.ctx, t1, member, &errs, &id), ERR_PERM);
		field_errors_done(&errs);
	}
	json_decref(team);
	json_decref(member);
	assert_int_equal(fx_count("mdt_team", NULL), 1);
	assert_int_equal(fx_count("mdt_member", NULL), 0);
}

UNIT_TEST_WITH(a_failed_statement_in_any_team_write_leaves_nothing, fx_setup, fx_teardown)
{
	char region[32], body[512];
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	fx_case_region(region, sizeof region);
	assert_true(snprintf(body, sizeof body, "{\"code\": \"mdt-a\", \"name\": \"The MDT\", \"region\": \"%s\"}",
			     region) < (int)sizeof body);
	int64_t team = write(&hart, TEAM_CREATE, 0, 0, 0, body, true);
	assert_int_equal(fx_count("mdt_team", NULL), 1);
	int64_t member = write(&hart, MEMBER_ADD, team, 0, 0,
			       "{\"name\": \"Det. Example\", \"agency\": \"Police\", \"mdt_role\": \"law_enforcement\","
			       " \"email\": \"det@example.org\"}",
			       true);
	assert_int_equal(fx_count("mdt_member", "active = 1"), 1);
	assert_int_equal(fx_count("mdt_member", "CAST(name_sealed AS TEXT) LIKE '%Example%'"), 0);
	assert_true(snprintf(body, sizeof body, "{\"case_id\": %lld, \"scheduled_at\": \"2026-11-29T15:00:00Z\"}",
			     (long long)case_id) < (int)sizeof body);
	int64_t review = write(&hart, REVIEW_CREATE, team, 0, 0, body, true);
	assert_int_equal(fx_count("case_review", NULL), 1);
	assert_true(snprintf(body, sizeof body,
			     "{\"held_at\": \"2026-11-28T18:00:00Z\", \"decisions\": \"Interview first.\","
			     " \"action_items\": [{\"text\": \"Arrange a forensic interview.\", \"owner\": \"HART\","
			     " \"owner_user_id\": %lld, \"due_at\": \"2026-11-30T18:00:00Z\"}]}",
			     (long long)hart.actor.user_id) < (int)sizeof body);
	write(&hart, REVIEW_UPDATE, team, review, 0, body, true);
	assert_int_equal(fx_count("action_item", NULL), 1);
	assert_int_equal(fx_count("duty", "met_at IS NULL AND subject_type = 'action_item'"), 1);
	char item[24];
	fx_text("SELECT id FROM action_item", item, sizeof item);
	write(&hart, ITEM_DONE, team, review, strtoll(item, NULL, 10), "{\"done_at\": \"2026-11-28T18:30:00Z\"}", true);
	assert_int_equal(fx_count("duty", "met_at IS NULL AND subject_type = 'action_item'"), 0);
	write(&hart, MEMBER_REMOVE, team, member, 0, NULL, true);
	assert_int_equal(fx_count("mdt_member", "active = 0"), 1);
}

FX_WHEN_ALLOCATIONS_FAIL(a_failed_statement_in_any_team_write_leaves_nothing, failure_loop)
UNIT_REGISTER(a_failed_statement_in_any_team_write_leaves_nothing_when_allocations_fail, fx_setup, fx_teardown)

/* The write of kind refuses body with ERR_INVAL, naming each of fields. */
static void assert_refused(const struct fx_user *as, int kind, int64_t team, int64_t sub, const char *body,
			   const char *const *fields)
{
	json_t *b = fx_json(body), *ret = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	int64_t id = 0;
	int r = kind == TEAM_CREATE   ? svc_team_create(&as->ctx, b, &errs, &id)
		: kind == MEMBER_ADD  ? svc_team_member_add(&as->ctx, team, b, &errs, &id)
		: kind == REVIEW_CREATE ? svc_review_create(&as->ctx, team, b, &errs, &id)
					: svc_review_update(&as->ctx, team, sub, b, &errs, &ret);
	assert_int_equal(r, ERR_INVAL);
	assert_null(ret);
	for (const char *const *f = fields; *f; f++)
		if (!fx_names_field(&errs, *f))
			fail_msg("%s: no error for %s", body, *f);
	field_errors_done(&errs);
	json_decref(b);
}

UNIT_TEST_WITH(a_refused_body_names_every_bad_field_and_stores_nothing, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	int64_t team = write(&hart, TEAM_CREATE, 0, 0, 0, "{\"code\": \"mdt-r1\", \"name\": \"Southwest MDT\", \"region\": \"R1\"}",
			     false);
	static const char *const team_bad[] = {"code", "name", "region", "x", NULL};
	assert_refused(&hart, TEAM_CREATE, 0, 0, "{\"code\": 5, \"name\": null, \"region\": [], \"x\": 1}", team_bad);
	static const char *const member_bad[] = {"name", "agency", "mdt_role", "user_id", "email", NULL};
	assert_refused(&hart, MEMBER_ADD, team, 0,
		       "{\"name\": 1, \"agency\": true, \"mdt_role\": \"astrologer\", \"user_id\": \"u\", \"email\": \"x\"}",
		       member_bad);
	static const char *const review_bad[] = {"case_id", "scheduled_at", NULL};
	assert_refused(&hart, REVIEW_CREATE, team, 0, "{\"case_id\": 0, \"scheduled_at\": \"tomorrow\"}", review_bad);
	char body[256];
	assert_true(snprintf(body, sizeof body, "{\"case_id\": %lld, \"scheduled_at\": \"2026-11-29T15:00:00Z\"}",
			     (long long)case_id) < (int)sizeof body);
	int64_t review = write(&hart, REVIEW_CREATE, team, 0, 0, body, false);
	static const char *const update_bad[] = {"status", "attendees", "action_items", "version", "held_at", NULL};
	assert_refused(&hart, REVIEW_UPDATE, team, review,
		       "{\"status\": \"postponed\", \"attendees\": \"all\", \"action_items\": {}, \"version\": \"v\","
		       " \"held_at\": \"2027-01-01T00:00:00Z\"}",
		       update_bad);
	/* Each item is judged: an attendee not of the team, an item without its owner. */
	static const char *const items_bad[] = {"attendees[0]", "action_items[0].owner", "action_items[0].due_at", NULL};
	assert_refused(&hart, REVIEW_UPDATE, team, review,
		       "{\"held_at\": \"2026-11-28T18:00:00Z\", \"attendees\": [99999],"
		       " \"action_items\": [{\"text\": \"Call.\"}]}",
		       items_bad);
	assert_int_equal(fx_count("mdt_team", NULL), 1);
	assert_int_equal(fx_count("mdt_member", NULL), 0);
	assert_int_equal(fx_count("case_review", "status = 'scheduled' AND version = 1"), 1);
	assert_int_equal(fx_count("action_item", NULL), 0);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
