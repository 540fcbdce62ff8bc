/* Tests for service/referrals: a referral is stored whole with its sealed
 * reason, its first step, the provider's answer duty and the notice to the
 * provider's users; the provider answers, starts and closes it, each step
 * kept; a declined referral is re-referred in one step. Every role that
 * may not is refused with nothing stored; a provider user reaches only its
 * agency's referrals and sees only the pack's view of the child; and each
 * write is whole or absent when a statement or an allocation fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "db/db.h"
#include "service/deadlines.h"
#include "service/referrals.h"

/* Providers of the directory, as the providers service would store them:
 * Harbor Light (mentoring and rapid survivor care in R1), Beacon House
 * (mentoring in R1), Northway (mentoring in R3 only), and Shut Door
 * (mentoring in R1, inactive). */
static void providers(void)
{
	fx_exec("INSERT INTO provider (id, code, name, active, created_at, updated_at) VALUES"
		" (1, 'harbor', 'Harbor Light', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),"
		" (2, 'beacon', 'Beacon House', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),"
		" (3, 'north', 'Northway', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),"
		" (4, 'shut', 'Shut Door', 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
	fx_exec("INSERT INTO provider_offer (provider_id, kind, value) VALUES"
		" (1, 'service', 'mentoring'), (1, 'service', 'survivor_care_rapid'), (1, 'region', 'R1'),"
		" (2, 'service', 'mentoring'), (2, 'region', 'R1'),"
		" (3, 'service', 'mentoring'), (3, 'region', 'R3'),"
		" (4, 'service', 'mentoring'), (4, 'region', 'R1')");
}

struct world {
	struct fx_user careline, hart, harbor, beacon;
	int64_t case_id;
};

static void world(struct world *w)
{
	providers();
	w->case_id = fx_case_as_hart(&w->careline, &w->hart);
	fx_user(&w->harbor, ROLE_PROVIDER, "harbor");
	fx_user(&w->beacon, ROLE_PROVIDER, "beacon");
}

struct ref_arg {
	struct fx_user *as;
	int64_t id; /* the case (create) or the referral */
	json_t *body;
	json_t *got;
	struct case_conflict cf;
};

static void arg_done(struct ref_arg *a)
{
	json_decref(a->body);
	json_decref(a->got);
	json_decref(a->cf.allowed);
	memset(a, 0, sizeof *a);
}

/* The use cases, each answering the service's result; a->got is the last
 * answer. */
#define REF_USE_CASE(name, call)                                               \
	static int name(void *arg)                                             \
	{                                                                      \
		struct ref_arg *a = arg;                                       \
		struct field_errors errs;                                      \
		field_errors_init(&errs, 10);                                  \
		json_decref(a->got);                                           \
		a->got = NULL;                                                 \
		json_decref(a->cf.allowed);                                    \
		memset(&a->cf, 0, sizeof a->cf);                               \
		int r = (call);                                                \
		field_errors_done(&errs);                                      \
		return r;                                                      \
	}

REF_USE_CASE(create_uc, svc_referral_create(&a->as->ctx, a->id, a->body, &errs, &a->cf, &a->got))
REF_USE_CASE(update_uc, svc_referral_update(&a->as->ctx, a->id, a->body, &errs, &a->cf, &a->got))
REF_USE_CASE(rerefer_uc, svc_referral_rerefer(&a->as->ctx, a->id, a->body, &errs, &a->cf, &a->got))

static const char *const MENTORING_HARBOR =
	"{\"provider_id\": 1, \"service\": \"mentoring\", \"reason\": \"Needs a mentor after return\","
	" \"urgency\": \"urgent\"}";

/* A referral of the world's case to provider pid for mentoring, made by
 * as; its id. */
static int64_t refer(struct fx_user *as, int64_t case_id, int pid)
{
	char text[200];
	snprintf(text, sizeof text,
		 "{\"provider_id\": %d, \"service\": \"mentoring\", \"reason\": \"Needs a mentor\"}", pid);
	struct ref_arg a = {.as = as, .id = case_id, .body = fx_json(text)};
	assert_int_equal(create_uc(&a), 0);
	int64_t id = json_integer_value(json_object_get(a.got, "id"));
	assert_true(id > 0);
	arg_done(&a);
	return id;
}

/* Move referral id as `as` with the body text (its version filled in):
 * the service's result; cf kept in *a when given. */
static int move(struct fx_user *as, int64_t id, const char *fields, struct ref_arg *out)
{
	char text[400], v[32];
	char sql[100];
	snprintf(sql, sizeof sql, "SELECT version FROM service_referral WHERE id = %lld", (long long)id);
	fx_text(sql, v, sizeof v);
	snprintf(text, sizeof text, "{\"version\": %s%s%s}", v, *fields ? ", " : "", fields);
	struct ref_arg a = {.as = as, .id = id, .body = fx_json(text)};
	int r = update_uc(&a);
	if (out)
		*out = a;
	else
		arg_done(&a);
	return r;
}

static const char *str(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

/* ---- a referral made and answered ---- */

static void refers_and_the_provider_answers_under(fx_failure_loop each)
{
	struct world w;
	world(&w);
	struct ref_arg a = {.as = &w.hart, .id = w.case_id, .body = fx_json(MENTORING_HARBOR)};
	each(create_uc, &a);
	assert_int_equal(fx_count("service_referral", "status = 'pending' AND reason IS NOT NULL AND urgency = 'urgent'"),
			 1);
	assert_int_equal(fx_count("service_referral_step", "status = 'pending'"), 1);
	assert_int_equal(fx_count("duty", "kind = 'referral_answer' AND subject_type = 'referral' AND met_at IS NULL"
					  " AND name = 'Provider answer: Mentoring (Harbor Light)'"),
			 1);
	/* The referring user owns it: the provider has no user to. */
	char sql[160], v[32];
	snprintf(sql, sizeof sql, "SELECT owner_id FROM duty WHERE kind = 'referral_answer'");
	fx_text(sql, v, sizeof v);
	assert_int_equal(atoll(v), w.hart.actor.user_id);
	/* The provider's users are told, without the child's name. */
	snprintf(sql, sizeof sql, "user_id = %lld AND kind = 'referral_new' AND object_type = 'referral'",
		 (long long)w.harbor.actor.user_id);
	assert_int_equal(fx_count("notification", sql), 1);
	assert_int_equal(fx_count("notification", "kind = 'referral_new' AND text LIKE '%Avery%'"), 0);
	assert_int_equal(fx_count("notification", "kind = 'referral_new'"), 1);
	assert_int_equal(fx_count("audit", "action = 'referral.create'"), 1);
	int64_t id = 0;
	if (a.got) {
		id = json_integer_value(json_object_get(a.got, "id"));
		assert_string_equal(str(a.got, "reason"), "Needs a mentor after return");
		assert_string_equal(str(a.got, "status"), "pending");
	}
	arg_done(&a);
	char idt[24];
	fx_text("SELECT id FROM service_referral", idt, sizeof idt);
	id = atoll(idt);

	a = (struct ref_arg){.as = &w.harbor, .id = id, .body = fx_json("{\"version\": 1, \"status\": \"accepted\"}")};
	each(update_uc, &a);
	arg_done(&a);
	assert_int_equal(fx_count("service_referral", "status = 'accepted' AND version = 2 AND answered_at IS NOT NULL"),
			 1);
	assert_int_equal(fx_count("service_referral_step", NULL), 2);
	assert_int_equal(fx_count("duty", "kind = 'referral_answer' AND met_at IS NOT NULL"), 1);
	/* The referring user hears of the answer. */
	snprintf(sql, sizeof sql, "user_id = %lld AND kind = 'referral_answered'", (long long)w.hart.actor.user_id);
	assert_int_equal(fx_count("notification", sql), 1);
	assert_int_equal(fx_count("audit", "action = 'referral.update'"), 1);
}

FX_TESTS_UNDER_BOTH_LOOPS(refers_and_the_provider_answers, refers_and_the_provider_answers_when_allocations_fail,
			  refers_and_the_provider_answers_under)

static void a_declined_referral_is_rereferred_in_one_step_under(fx_failure_loop each)
{
	struct world w;
	world(&w);
	int64_t id = refer(&w.hart, w.case_id, 1);
	assert_int_equal(move(&w.harbor, id, "\"status\": \"declined\", \"reason_code\": \"no_opening\"", NULL), 0);
	struct ref_arg a = {.as = &w.hart, .id = id, .body = fx_json("{\"provider_id\": 2, \"note\": \"Second try\"}")};
	each(rerefer_uc, &a);
	arg_done(&a);
	char sql[200];
	snprintf(sql, sizeof sql,
		 "status = 'pending' AND provider_id = 2 AND rereferral_of = %lld AND service = 'mentoring'"
		 " AND reason IS NOT NULL AND note IS NOT NULL",
		 (long long)id);
	assert_int_equal(fx_count("service_referral", sql), 1);
	assert_int_equal(fx_count("duty", "kind = 'referral_answer' AND met_at IS NULL"
					  " AND name = 'Provider answer: Mentoring (Beacon House)'"),
			 1);
	assert_int_equal(fx_count("audit", "action = 'referral.rerefer'"), 1);
	/* The reason goes with it, opened for the new row. */
	char nid[24];
	fx_text("SELECT max(id) FROM service_referral", nid, sizeof nid);
	json_t *got = NULL;
	assert_int_equal(svc_referral_get(&w.beacon.ctx, atoll(nid), &got), 0);
	assert_string_equal(str(got, "reason"), "Needs a mentor");
	json_decref(got);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_declined_referral_is_rereferred_in_one_step,
			  a_declined_referral_is_rereferred_in_one_step_when_allocations_fail,
			  a_declined_referral_is_rereferred_in_one_step_under)

UNIT_TEST_WITH(the_whole_lifecycle_keeps_every_step, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	int64_t id = refer(&w.hart, w.case_id, 1);
	assert_int_equal(move(&w.harbor, id, "\"status\": \"accepted\"", NULL), 0);
	assert_int_equal(move(&w.harbor, id, "\"status\": \"started\"", NULL), 0);
	assert_int_equal(move(&w.harbor, id, "\"note\": \"First session held\"", NULL), 0);
	struct ref_arg a;
	assert_int_equal(move(&w.harbor, id, "\"status\": \"completed\", \"outcome\": \"goals_met\"", &a), 0);
	assert_string_equal(str(a.got, "status"), "completed");
	assert_string_equal(str(a.got, "outcome"), "goals_met");
	assert_int_equal(json_array_size(json_object_get(a.got, "moves")), 0);
	json_t *steps = json_object_get(a.got, "steps");
	assert_int_equal(json_array_size(steps), 5);
	assert_string_equal(str(json_array_get(steps, 3), "note"), "First session held");
	assert_string_equal(str(json_array_get(steps, 4), "reason_code"), "goals_met");
	arg_done(&a);
	assert_int_equal(fx_count("service_referral", "started_at IS NOT NULL AND ended_at IS NOT NULL"), 1);
}

UNIT_TEST_WITH(a_note_added_later_goes_with_its_step_and_the_referrers_note_stays, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	/* The referring side's note is the re-referral's. */
	int64_t first = refer(&w.hart, w.case_id, 1);
	assert_int_equal(move(&w.harbor, first, "\"status\": \"declined\", \"reason_code\": \"no_opening\"", NULL), 0);
	struct ref_arg a = {.as = &w.hart, .id = first,
			    .body = fx_json("{\"provider_id\": 2, \"note\": \"Call the foster parent first\"}")};
	assert_int_equal(rerefer_uc(&a), 0);
	int64_t id = json_integer_value(json_object_get(a.got, "id"));
	arg_done(&a);
	assert_int_equal(move(&w.beacon, id, "\"status\": \"accepted\", \"note\": \"We have a mentor\"", NULL), 0);
	assert_int_equal(move(&w.hart, id, "\"note\": \"The foster parent agrees\"", NULL), 0);
	json_t *got = NULL;
	assert_int_equal(svc_referral_get(&w.hart.ctx, id, &got), 0);
	assert_string_equal(str(got, "note"), "Call the foster parent first");
	json_t *steps = json_object_get(got, "steps");
	assert_int_equal(json_array_size(steps), 3);
	assert_string_equal(str(json_array_get(steps, 1), "note"), "We have a mentor");
	assert_string_equal(str(json_array_get(steps, 2), "note"), "The foster parent agrees");
	json_decref(got);
}

UNIT_TEST_WITH(a_decline_is_re_referred_once_even_by_two_at_once, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	int64_t id = refer(&w.hart, w.case_id, 1);
	assert_int_equal(move(&w.harbor, id, "\"status\": \"declined\", \"reason_code\": \"no_opening\"", NULL), 0);
	struct ref_arg a = {.as = &w.hart, .id = id, .body = fx_json("{\"provider_id\": 2}")};
	assert_int_equal(rerefer_uc(&a), 0);
	assert_int_equal(rerefer_uc(&a), ERR_CONFLICT);
	assert_non_null(strstr(a.cf.detail, "already re-referred"));
	arg_done(&a);
	/* A second writer past the check before the transaction meets the
	 * unique key on rereferral_of. */
	char sql[700];
	snprintf(sql, sizeof sql,
		 "INSERT INTO service_referral (number, case_id, person_id, provider_id, service, region, urgency,"
		 " referred_at, answer_due_at, rereferral_of, created_at, updated_at)"
		 " SELECT 'S-2026-9999', case_id, person_id, 3, service, region, urgency, referred_at, answer_due_at,"
		 " rereferral_of, created_at, updated_at FROM service_referral WHERE rereferral_of = %lld",
		 (long long)id);
	assert_int_equal(db_execf(fx.db, sql, ""), ERR_CONFLICT);
	assert_int_equal(fx_count("service_referral", NULL), 2);
}

/* ---- who may ---- */

UNIT_TEST_WITH(only_hart_and_the_cases_liaison_refer, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	for (size_t i = 0; i < FX_ROLES_BUT_ADMIN; i++) {
		const struct fx_role *fr = &fx_roles_but_admin[i];
		if (fr->role == ROLE_HART || fr->role == ROLE_LIAISON)
			continue;
		struct fx_user u;
		fx_user(&u, fr->role, fr->scope);
		struct ref_arg a = {.as = &u, .id = w.case_id, .body = fx_json(MENTORING_HARBOR)};
		assert_int_equal(create_uc(&a), ERR_PERM);
		arg_done(&a);
	}
	struct fx_user admin, other;
	fx_user(&admin, ROLE_ADMIN, NULL);
	fx_user(&other, ROLE_LIAISON, "R3");
	struct ref_arg a = {.as = &admin, .id = w.case_id, .body = fx_json(MENTORING_HARBOR)};
	assert_int_equal(create_uc(&a), ERR_PERM);
	a.as = &other;
	assert_int_equal(create_uc(&a), ERR_PERM);
	assert_int_equal(fx_count("service_referral", NULL), 0);
	assert_int_equal(fx_count("duty", "kind = 'referral_answer'"), 0);
	struct fx_user liaison;
	fx_user(&liaison, ROLE_LIAISON, "R1");
	a.as = &liaison;
	assert_int_equal(create_uc(&a), 0);
	arg_done(&a);
	assert_int_equal(fx_count("service_referral", NULL), 1);
}

/* as's create of text is refused with ERR_INVAL naming field. */
static void refused(struct world *w, const char *text, const char *field, const char *words)
{
	struct ref_arg a = {.as = &w->hart, .id = w->case_id, .body = fx_json(text)};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	assert_int_equal(svc_referral_create(&a.as->ctx, a.id, a.body, &errs, &a.cf, &a.got), ERR_INVAL);
	assert_true(fx_names_field(&errs, field));
	if (words) {
		char line[300];
		assert_int_equal(field_error_format(&errs, 0, line, sizeof line), 0);
		assert_non_null(strstr(line, words));
	}
	field_errors_done(&errs);
	arg_done(&a);
}

UNIT_TEST_WITH(a_provider_without_the_service_or_region_is_refused_naming_the_field, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	refused(&w, "{\"provider_id\": 2, \"service\": \"survivor_care_rapid\", \"reason\": \"x\"}", "provider_id",
		"does not offer Survivor care (rapid response)");
	refused(&w, "{\"provider_id\": 3, \"service\": \"mentoring\", \"reason\": \"x\"}", "provider_id",
		"does not serve");
	refused(&w, "{\"provider_id\": 4, \"service\": \"mentoring\", \"reason\": \"x\"}", "provider_id", "inactive");
	refused(&w, "{\"provider_id\": 99, \"service\": \"mentoring\", \"reason\": \"x\"}", "provider_id",
		"no such provider");
	refused(&w, "{\"provider_id\": 1, \"service\": \"juggling\", \"reason\": \"x\"}", "service", NULL);
	refused(&w, "{\"provider_id\": 1, \"service\": \"mentoring\"}", "reason", NULL);
	refused(&w, "{\"provider_id\": 1, \"service\": \"mentoring\", \"reason\": \"x\", \"urgency\": \"asap\"}",
		"urgency", NULL);
	refused(&w,
		"{\"provider_id\": 1, \"service\": \"mentoring\", \"reason\": \"x\","
		" \"referred_at\": \"2027-01-01T00:00:00Z\"}",
		"referred_at", "future");
	refused(&w,
		"{\"provider_id\": 1, \"service\": \"mentoring\", \"reason\": \"x\","
		" \"referred_at\": \"2020-01-01T00:00:00Z\"}",
		"referred_at", "not before case C-2026-0001 was opened");
	assert_int_equal(fx_count("service_referral", NULL), 0);
	assert_int_equal(fx_count("number_seq", "kind = 'referral'"), 0);
}

UNIT_TEST_WITH(a_closed_case_takes_no_referral, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	fx_exec("UPDATE child_case SET status = 'closed'");
	struct ref_arg a = {.as = &w.hart, .id = w.case_id, .body = fx_json(MENTORING_HARBOR)};
	assert_int_equal(create_uc(&a), ERR_CONFLICT);
	assert_string_equal(a.cf.slug, "conflict");
	arg_done(&a);
	assert_int_equal(fx_count("service_referral", NULL), 0);
}

UNIT_TEST_WITH(a_move_the_lifecycle_does_not_allow_is_refused_with_what_it_allows, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	int64_t id = refer(&w.hart, w.case_id, 1);
	struct ref_arg a;
	assert_int_equal(move(&w.harbor, id, "\"status\": \"completed\", \"outcome\": \"goals_met\"", &a), ERR_CONFLICT);
	assert_string_equal(a.cf.slug, "illegal-transition");
	assert_int_equal(json_array_size(a.cf.allowed), 3);
	arg_done(&a);
	/* HART does not accept for the provider; the provider does not
	 * withdraw; an MDT member moves nothing. */
	assert_int_equal(move(&w.hart, id, "\"status\": \"accepted\"", NULL), ERR_PERM);
	assert_int_equal(move(&w.harbor, id, "\"status\": \"withdrawn\"", NULL), ERR_PERM);
	struct fx_user mdt;
	fx_user(&mdt, ROLE_MDT, "T1");
	assert_int_equal(move(&mdt, id, "\"status\": \"accepted\"", NULL), ERR_NOTFOUND);
	assert_int_equal(fx_count("service_referral", "status = 'pending' AND version = 1"), 1);
	assert_int_equal(fx_count("service_referral_step", NULL), 1);
	/* A stale version. */
	a = (struct ref_arg){.as = &w.harbor, .id = id, .body = fx_json("{\"version\": 7, \"status\": \"accepted\"}")};
	assert_int_equal(update_uc(&a), ERR_CONFLICT);
	assert_string_equal(a.cf.slug, "stale-version");
	arg_done(&a);
	assert_int_equal(fx_count("service_referral", "status = 'pending' AND version = 1"), 1);
	/* HART withdraws: the wait for an answer ends with it. */
	assert_int_equal(move(&w.hart, id, "\"status\": \"withdrawn\"", NULL), 0);
	assert_int_equal(fx_count("duty", "kind = 'referral_answer' AND met_at IS NOT NULL"), 1);
	char sql[120];
	snprintf(sql, sizeof sql, "user_id = %lld AND kind = 'referral_withdrawn'", (long long)w.harbor.actor.user_id);
	assert_int_equal(fx_count("notification", sql), 1);
}

UNIT_TEST_WITH(a_decline_needs_a_reason_from_the_pack_and_another_reason_a_note, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	int64_t id = refer(&w.hart, w.case_id, 1);
	assert_int_equal(move(&w.harbor, id, "\"status\": \"declined\"", NULL), ERR_INVAL);
	assert_int_equal(move(&w.harbor, id, "\"status\": \"declined\", \"reason_code\": \"bored\"", NULL), ERR_INVAL);
	assert_int_equal(move(&w.harbor, id, "\"status\": \"declined\", \"reason_code\": \"other\"", NULL), ERR_INVAL);
	assert_int_equal(move(&w.harbor, id, "\"status\": \"accepted\", \"outcome\": \"goals_met\"", NULL), ERR_INVAL);
	assert_int_equal(move(&w.harbor, id, "", NULL), ERR_INVAL);
	assert_int_equal(fx_count("service_referral", "status = 'pending' AND version = 1"), 1);
	struct ref_arg a;
	assert_int_equal(move(&w.harbor, id, "\"status\": \"declined\", \"reason_code\": \"other\", \"note\": \"Full\"", &a),
			 0);
	assert_string_equal(str(a.got, "reason_name"), "Another reason (say which)");
	arg_done(&a);
	/* Only a declined referral is re-referred, once, to another provider. */
	a = (struct ref_arg){.as = &w.hart, .id = id, .body = fx_json("{\"provider_id\": 1}")};
	assert_int_equal(rerefer_uc(&a), ERR_INVAL);
	arg_done(&a);
	a = (struct ref_arg){.as = &w.hart, .id = id, .body = fx_json("{\"provider_id\": 3}")};
	assert_int_equal(rerefer_uc(&a), ERR_INVAL);
	arg_done(&a);
	a = (struct ref_arg){.as = &w.harbor, .id = id, .body = fx_json("{\"provider_id\": 2}")};
	assert_int_equal(rerefer_uc(&a), ERR_PERM);
	arg_done(&a);
	a = (struct ref_arg){.as = &w.hart, .id = id, .body = fx_json("{\"provider_id\": 2}")};
	assert_int_equal(rerefer_uc(&a), 0);
	int64_t second = json_integer_value(json_object_get(a.got, "id"));
	assert_int_equal(rerefer_uc(&a), ERR_CONFLICT);
	arg_done(&a);
	a = (struct ref_arg){.as = &w.hart, .id = second, .body = fx_json("{\"provider_id\": 1}")};
	assert_int_equal(rerefer_uc(&a), ERR_CONFLICT);
	arg_done(&a);
	assert_int_equal(fx_count("service_referral", NULL), 2);
}

/* ---- the provider's scope and view ---- */

UNIT_TEST_WITH(a_provider_reaches_only_its_agencys_referrals_and_sees_the_packs_view, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	int64_t id = refer(&w.hart, w.case_id, 1);
	json_t *got = NULL;
	assert_int_equal(svc_referral_get(&w.beacon.ctx, id, &got), ERR_NOTFOUND);
	assert_int_equal(fx_count("audit", "action = 'denied' OR action LIKE '%denied%'") >= 1, 1);
	assert_int_equal(svc_referral_get(&w.harbor.ctx, id, &got), 0);
	json_t *child = json_object_get(got, "child");
	assert_string_equal(str(child, "initials"), "A. F.");
	assert_int_equal(json_integer_value(json_object_get(child, "age")), 15);
	assert_string_equal(str(got, "region"), "R1");
	assert_string_equal(str(got, "service"), "mentoring");
	assert_string_equal(str(got, "reason"), "Needs a mentor");
	/* Never the name, birth date, case number or case id. */
	char *text = json_dumps(got, 0);
	assert_non_null(text);
	assert_null(strstr(text, "Avery"));
	assert_null(strstr(text, "Fixture"));
	assert_null(strstr(text, "C-2026"));
	assert_null(json_object_get(got, "case"));
	assert_null(json_object_get(got, "person_id"));
	assert_null(json_object_get(child, "dob"));
	free(text);
	json_decref(got);
	assert_int_equal(fx_count("audit", "action = 'referral.read'"), 1);

	json_t *list = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 5);
	struct referral_filter f = {0};
	assert_int_equal(svc_referrals_list(&w.beacon.ctx, &f, &errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 0);
	json_decref(list);
	assert_int_equal(svc_referrals_list(&w.harbor.ctx, &f, &errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	assert_null(json_object_get(json_array_get(json_object_get(list, "items"), 0), "case"));
	json_decref(list);
	field_errors_done(&errs);
	/* Another agency neither answers it. */
	assert_int_equal(move(&w.beacon, id, "\"status\": \"accepted\"", NULL), ERR_NOTFOUND);
	/* Nor does a provider filter by case: that would tell it case ids. */
	field_errors_init(&errs, 5);
	f.case_id = w.case_id;
	assert_int_equal(svc_referrals_list(&w.harbor.ctx, &f, &errs, &list), ERR_INVAL);
	assert_true(fx_names_field(&errs, "case"));
	char line[200];
	assert_int_equal(field_error_format(&errs, 0, line, sizeof line), 0);
	assert_non_null(strstr(line, "Providers cannot filter by case."));
	field_errors_done(&errs);
	field_errors_init(&errs, 5);
	assert_int_equal(svc_referrals_list(&w.hart.ctx, &f, &errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	json_decref(list);
	field_errors_done(&errs);
}

UNIT_TEST_WITH(mdt_members_and_liaisons_read_only_the_referrals_of_their_cases, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	int64_t id = refer(&w.hart, w.case_id, 1);
	struct fx_user mdt, here, there, analyst;
	fx_user(&mdt, ROLE_MDT, "T1");
	fx_user(&here, ROLE_LIAISON, "R1");
	fx_user(&there, ROLE_LIAISON, "R3");
	fx_user(&analyst, ROLE_ANALYST, NULL);
	json_t *got = NULL;
	assert_int_equal(svc_referral_get(&mdt.ctx, id, &got), ERR_NOTFOUND);
	assert_int_equal(svc_referral_get(&there.ctx, id, &got), ERR_NOTFOUND);
	assert_int_equal(svc_referral_get(&analyst.ctx, id, &got), ERR_PERM);
	assert_int_equal(svc_referral_get(&here.ctx, id, &got), 0);
	assert_string_equal(str(json_object_get(got, "case"), "number"), "C-2026-0001");
	json_decref(got);
	/* Once the team reviews the case, its members read the referral. */
	fx_exec("INSERT INTO mdt_team (id, code, name, region, created_at) VALUES (1, 'T1', 'Team', 'R1',"
		" '2026-01-01T00:00:00Z')");
	char sql[300];
	snprintf(sql, sizeof sql,
		 "INSERT INTO case_review (team_id, case_id, scheduled_at, status, created_by, created_at, updated_at)"
		 " VALUES (1, %lld, '2026-12-01T00:00:00Z', 'scheduled', %lld, '2026-11-28T00:00:00Z',"
		 " '2026-11-28T00:00:00Z')",
		 (long long)w.case_id, (long long)w.hart.actor.user_id);
	fx_exec(sql);
	assert_int_equal(svc_referral_get(&mdt.ctx, id, &got), 0);
	json_decref(got);
	struct field_errors errs;
	field_errors_init(&errs, 5);
	struct referral_filter f = {0};
	json_t *list = NULL;
	assert_int_equal(svc_referrals_list(&there.ctx, &f, &errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 0);
	json_decref(list);
	assert_int_equal(svc_referrals_list(&mdt.ctx, &f, &errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	json_decref(list);
	field_errors_done(&errs);
}

UNIT_TEST_WITH(the_queue_comes_in_keyset_pages, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	for (int i = 0; i < 3; i++)
		refer(&w.hart, w.case_id, 1);
	struct field_errors errs;
	field_errors_init(&errs, 5);
	struct referral_filter f = {.limit = 2, .status = "pending"};
	json_t *page = NULL;
	assert_int_equal(svc_referrals_list(&w.harbor.ctx, &f, &errs, &page), 0);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
	char next[128];
	snprintf(next, sizeof next, "%s", str(page, "next"));
	json_decref(page);
	f.after = next;
	assert_int_equal(svc_referrals_list(&w.harbor.ctx, &f, &errs, &page), 0);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 1);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);
	f.after = "x";
	assert_int_equal(svc_referrals_list(&w.harbor.ctx, &f, &errs, &page), ERR_INVAL);
	assert_true(fx_names_field(&errs, "after"));
	field_errors_done(&errs);
}

/* ---- relief granted ---- */

/* Relief granted on the case, as the relief service stores it. */
static void relief_granted(int64_t case_id)
{
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
}

UNIT_TEST_WITH(a_case_restricted_by_relief_restricts_its_referrals_in_every_view, fx_setup, fx_teardown)
{
	struct world w;
	world(&w);
	int64_t id = refer(&w.hart, w.case_id, 1);
	relief_granted(w.case_id);
	json_t *got = NULL;
	assert_int_equal(svc_referral_get(&w.hart.ctx, id, &got), ERR_RESTRICTED);
	assert_int_equal(svc_referral_get(&w.harbor.ctx, id, &got), ERR_RESTRICTED);
	assert_null(got);
	assert_int_equal(fx_count("audit", "action = 'record.restricted'"), 2);
	assert_int_equal(fx_count("audit", "action = 'referral.read'"), 0);
	/* Lists say only that it is there. */
	struct fx_user *as[] = {&w.hart, &w.harbor};
	for (size_t i = 0; i < 2; i++) {
		struct field_errors errs;
		field_errors_init(&errs, 5);
		struct referral_filter f = {0};
		json_t *list = NULL;
		assert_int_equal(svc_referrals_list(&as[i]->ctx, &f, &errs, &list), 0);
		field_errors_done(&errs);
		json_t *row = json_array_get(json_object_get(list, "items"), 0);
		assert_true(json_is_true(json_object_get(row, "restricted")));
		assert_int_equal(json_integer_value(json_object_get(row, "id")), id);
		assert_non_null(str(row, "number"));
		assert_int_equal(json_object_size(row), 3);
		json_decref(list);
	}
	/* Once HART breaks the glass on the case, that user reads it. */
	char sql[200];
	snprintf(sql, sizeof sql,
		 "INSERT INTO break_glass (user_id, object_type, object_id, granted_at, expires_at)"
		 " VALUES (%lld, 'case', %lld, '2026-11-28T18:40:00Z', '2026-11-28T19:40:00Z')",
		 (long long)w.hart.actor.user_id, (long long)w.case_id);
	fx_exec(sql);
	assert_int_equal(svc_referral_get(&w.hart.ctx, id, &got), 0);
	assert_string_equal(str(got, "reason"), "Needs a mentor");
	json_decref(got);
	assert_int_equal(svc_referral_get(&w.harbor.ctx, id, &got), ERR_RESTRICTED);
}

/* ---- the answer deadline ---- */

UNIT_TEST_WITH(the_answer_is_due_in_business_days_or_the_services_minutes_and_goes_overdue, fx_setup, fx_teardown)
{
	setenv("TZ", fx.app.pack->time_zone, 1);
	tzset();
	struct world w;
	world(&w);
	/* Saturday 13:40 in Connecticut: two business days is Tuesday 13:40. */
	int64_t id = refer(&w.hart, w.case_id, 1);
	char due[40], sql[160];
	snprintf(sql, sizeof sql, "SELECT answer_due_at FROM service_referral WHERE id = %lld", (long long)id);
	fx_text(sql, due, sizeof due);
	assert_string_equal(due, "2026-12-01T18:40:00Z");
	fx_text("SELECT due_at FROM duty WHERE kind = 'referral_answer'", due, sizeof due);
	assert_string_equal(due, "2026-12-01T18:40:00Z");
	/* Rapid survivor care: four hours, weekend or not. */
	struct ref_arg a = {.as = &w.hart,
			    .id = w.case_id,
			    .body = fx_json("{\"provider_id\": 1, \"service\": \"survivor_care_rapid\", \"reason\": \"r\"}")};
	assert_int_equal(create_uc(&a), 0);
	assert_string_equal(str(a.got, "answer_due_at"), "2026-11-28T22:40:00Z");
	arg_done(&a);
	/* Past the four hours the sweep tells the referrer and HART, naming
	 * the service and the provider, never the child. */
	struct sweep_result res;
	assert_int_equal(svc_deadlines_sweep(&fx.app, FX_NOW + INT64_C(5) * 3600 * HL_USEC_PER_SEC, &res), 0);
	assert_int_equal(res.overdue, 1);
	assert_int_equal(fx_count("notification", "kind = 'deadline_overdue' AND text LIKE"
						  " '%Provider answer: Survivor care (rapid response) (Harbor Light)%'"),
			 1);
	assert_int_equal(fx_count("notification", "kind = 'deadline_overdue' AND text LIKE '%Avery%'"), 0);
	unsetenv("TZ");
	tzset();
}

int main(void)
{
	return unit_run("svc_referrals", NULL, NULL);
}
