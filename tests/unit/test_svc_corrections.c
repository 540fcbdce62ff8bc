/* Tests for corrections (docs/cases.md, "Corrections"): a timeline entry's
 * text corrected by its author within the pack's window, the time a child
 * was located and the time an action item was done, each keeping what it
 * replaced; who may not correct, and when not; and that every correction
 * is whole or absent when any one of its statements fails. */
#include "svc_fixture.h"
#include "unit.h"

static fx_failure_loop failure_loop = fx_each_failure;

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "model/pack.h"
#include "service/cases.h"
#include "service/teams.h"

#define HOUR (3600 * HL_USEC_PER_SEC)

enum op { EVENT, NOTE_CORRECT, MISSING, LOCATE, LOCATE_CORRECT, TEAM, REVIEW, HOLD, DONE, DONE_CORRECT };

struct call {
	const struct fx_user *as;
	enum op op;
	int64_t id, sub, item;
	json_t *body;
	int64_t ret_id;
	char detail[256];
};

static int run(void *arg)
{
	struct call *a = arg;
	struct field_errors errs;
	struct case_conflict cf = {0};
	field_errors_init(&errs, 10);
	json_t *ret = NULL;
	int64_t id = 0;
	const struct svc_ctx *c = &a->as->ctx;
	int r = ERR_INVAL;
	switch (a->op) {
	case EVENT:
		r = svc_case_event(c, a->id, a->body, &errs, &cf, &ret);
		break;
	case NOTE_CORRECT:
		r = svc_case_event_correct(c, a->id, a->sub, a->body, &errs, &cf, &ret);
		break;
	case MISSING:
		r = svc_missing_start(c, a->id, a->body, &errs, &cf, &ret);
		break;
	case LOCATE:
		r = svc_missing_locate(c, a->id, a->sub, a->body, &errs, &cf, &ret);
		break;
	case LOCATE_CORRECT:
		r = svc_missing_locate_correct(c, a->id, a->sub, a->body, &errs, &cf, &ret);
		break;
	case TEAM:
		r = svc_team_create(c, a->body, &errs, &id);
		break;
	case REVIEW:
		r = svc_review_create(c, a->id, a->body, &errs, &id);
		break;
	case HOLD:
		r = svc_review_update(c, a->id, a->sub, a->body, &errs, &ret);
		break;
	case DONE:
		r = svc_action_item_done(c, a->id, a->sub, a->item, a->body, &errs, &ret);
		break;
	case DONE_CORRECT:
		r = svc_action_item_done_correct(c, a->id, a->sub, a->item, a->body, &errs, &cf, &ret);
		break;
	}
	if (r == 0)
		a->ret_id = id ? id : json_integer_value(json_object_get(ret, "id"));
	snprintf(a->detail, sizeof a->detail, "%s", cf.detail);
	if (r == ERR_INVAL)
		snprintf(a->detail, sizeof a->detail, "%s",
			 errs.count ? json_string_value(json_object_get(json_array_get(errs.list, 0), "field")) : "");
	json_decref(cf.allowed);
	json_decref(ret);
	field_errors_done(&errs);
	return r;
}

/* The call's result; a->detail says why a refusal was made. */
static int call(struct call *a, const char *body)
{
	a->body = body ? fx_json(body) : json_object();
	int r = run(a);
	json_decref(a->body);
	a->body = NULL;
	return r;
}

static int64_t call_ok(const struct fx_user *as, enum op op, int64_t id, int64_t sub, int64_t item, const char *body)
{
	struct call a = {.as = as, .op = op, .id = id, .sub = sub, .item = item};
	assert_int_equal(call(&a, body), 0);
	return a.ret_id;
}

static int64_t under_failures(const struct fx_user *as, enum op op, int64_t id, int64_t sub, int64_t item,
			      const char *body)
{
	struct call a = {.as = as, .op = op, .id = id, .sub = sub, .item = item, .body = fx_json(body)};
	assert_true(failure_loop(run, &a) > 3);
	json_decref(a.body);
	return a.ret_id;
}

static int64_t last_id(const char *table)
{
	char sql[96], id[24];
	assert_true(snprintf(sql, sizeof sql, "SELECT max(id) FROM %s", table) < (int)sizeof sql);
	fx_text(sql, id, sizeof id);
	return strtoll(id, NULL, 10);
}

/* The case's timeline entry id, as answered to hart. */
static json_t *entry(const struct fx_user *as, int64_t case_id, int64_t event_id)
{
	json_t *c = NULL;
	assert_int_equal(svc_case_get(&as->ctx, case_id, &c), 0);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(c, "events"), i, e)
	{
		if (json_integer_value(json_object_get(e, "id")) == event_id) {
			json_incref(e);
			json_decref(c);
			return e;
		}
	}
	fail_msg("no entry %lld", (long long)event_id);
	return NULL;
}

/* ---- a note ---- */

UNIT_TEST_WITH(a_note_corrected_by_its_author_keeps_the_earlier_text_sealed, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	int64_t ev = call_ok(&hart, EVENT, id, 0, 0, "{\"kind\": \"note\", \"text\": \"Met her at the school gate.\"}");
	under_failures(&hart, NOTE_CORRECT, id, ev, 0, "{\"text\": \"Met her at the library.\"}");
	assert_int_equal(fx_count("case_event_correction", NULL), 1);
	assert_int_equal(fx_count("case_event_correction", "CAST(earlier_text AS TEXT) LIKE '%school%'"), 0);
	assert_int_equal(fx_count("case_event", "CAST(text AS TEXT) LIKE '%library%'"), 0);
	assert_int_equal(fx_count("audit", "action = 'case.event_correct'"), 1);
	json_t *e = entry(&hart, id, ev);
	assert_string_equal(json_string_value(json_object_get(e, "text")), "Met her at the library.");
	json_t *c = json_array_get(json_object_get(e, "corrections"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "earlier_text")), "Met her at the school gate.");
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "corrected_by"), "username")),
			    json_string_value(json_object_get(json_object_get(e, "recorded_by"), "username")));
	assert_string_equal(json_string_value(json_object_get(e, "correctable_until")), "2026-11-29T18:40:00Z");
	json_decref(e);
	/* A second correction keeps the first correction's text too. */
	call_ok(&hart, NOTE_CORRECT, id, ev, 0, "{\"text\": \"Met her at the town library.\"}");
	e = entry(&hart, id, ev);
	assert_int_equal(json_array_size(json_object_get(e, "corrections")), 2);
	c = json_array_get(json_object_get(e, "corrections"), 1);
	assert_string_equal(json_string_value(json_object_get(c, "earlier_text")), "Met her at the library.");
	json_decref(e);
}

FX_WHEN_ALLOCATIONS_FAIL(a_note_corrected_by_its_author_keeps_the_earlier_text_sealed, failure_loop)
UNIT_REGISTER(a_note_corrected_by_its_author_keeps_the_earlier_text_sealed_when_allocations_fail, fx_setup,
	      fx_teardown)

UNIT_TEST_WITH(only_the_author_corrects_a_note_and_only_a_role_that_writes_the_case, fx_setup, fx_teardown)
{
	struct fx_user careline, hart, other_hart, mdt, analyst, liaison_away;
	int64_t id = fx_case_as_hart(&careline, &hart);
	char region[32];
	fx_case_region(region, sizeof region);
	fx_user(&other_hart, ROLE_HART, NULL);
	fx_user(&mdt, ROLE_MDT, "mdt-r1");
	fx_user(&analyst, ROLE_ANALYST, NULL);
	fx_user(&liaison_away, ROLE_LIAISON, fx_other_region(region));
	int64_t ev = call_ok(&hart, EVENT, id, 0, 0, "{\"kind\": \"note\", \"text\": \"Spoke with the foster mother.\"}");
	struct call a = {.as = &other_hart, .op = NOTE_CORRECT, .id = id, .sub = ev};
	assert_int_equal(call(&a, "{\"text\": \"Spoke with the aunt.\"}"), ERR_PERM);
	assert_non_null(strstr(a.detail, "Only the person who wrote this entry"));
	assert_int_equal(fx_count("audit", "action = 'permission.denied' AND detail LIKE '%only the author%'"), 1);
	const struct fx_user *nots[] = {&careline, &mdt, &analyst, &liaison_away};
	for (size_t i = 0; i < sizeof nots / sizeof *nots; i++) {
		a = (struct call){.as = nots[i], .op = NOTE_CORRECT, .id = id, .sub = ev};
		assert_int_equal(call(&a, "{\"text\": \"Spoke with the aunt.\"}"), ERR_PERM);
	}
	assert_int_equal(fx_count("case_event_correction", NULL), 0);
	assert_int_equal(fx_count("audit", "action = 'case.event_correct'"), 0);
	/* An entry of another case is not found through this one. */
	a = (struct call){.as = &hart, .op = NOTE_CORRECT, .id = id, .sub = ev + 1000};
	assert_int_equal(call(&a, "{\"text\": \"x\"}"), ERR_NOTFOUND);
}

UNIT_TEST_WITH(a_note_is_corrected_only_within_the_window_and_with_new_text, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	int64_t ev = call_ok(&hart, EVENT, id, 0, 0, "{\"kind\": \"contact\", \"text\": \"Phoned the school.\"}");
	struct call a = {.as = &hart, .op = NOTE_CORRECT, .id = id, .sub = ev};
	assert_int_equal(call(&a, "{\"text\": \"Phoned the school.\"}"), ERR_INVAL);
	assert_string_equal(a.detail, "text");
	assert_int_equal(call(&a, "{\"text\": \"  \"}"), ERR_INVAL);
	assert_int_equal(call(&a, "{}"), ERR_INVAL);
	/* The pack's window: 24 hours in the built-in pack. */
	clock_set(FX_NOW + 24 * HOUR - HL_USEC_PER_SEC);
	assert_int_equal(call(&a, "{\"text\": \"Phoned the school nurse.\"}"), 0);
	clock_set(FX_NOW + 24 * HOUR + HL_USEC_PER_SEC);
	assert_int_equal(call(&a, "{\"text\": \"Phoned the head teacher.\"}"), ERR_CONFLICT);
	assert_non_null(strstr(a.detail, "24 hours"));
	/* A pack with a longer window lets it in again. */
	fx.app.pack->cases.note_correction_hours = 48;
	assert_int_equal(call(&a, "{\"text\": \"Phoned the head teacher.\"}"), 0);
	fx.app.pack->cases.note_correction_hours = 24;
	assert_int_equal(fx_count("case_event_correction", NULL), 2);
	/* An entry hartline wrote is not corrected by anyone. */
	call_ok(&hart, MISSING, id, 0, 0,
		"{\"last_seen_at\": \"2026-11-28T12:00:00Z\", \"learned_at\": \"2026-11-28T13:00:00Z\"}");
	int64_t opened = last_id("case_event");
	a = (struct call){.as = &hart, .op = NOTE_CORRECT, .id = id, .sub = opened};
	assert_int_equal(call(&a, "{\"text\": \"Ran away.\"}"), ERR_CONFLICT);
	assert_non_null(strstr(a.detail, "not by a person"));
}

#ifdef HARTLINE_TEST_HOOKS
/* The correction that lands first, between the other's read and write. */
static struct call *race_first;

static void race_correct(void)
{
	cases_correct_race = NULL;
	assert_int_equal(call(race_first, "{\"text\": \"Phoned the school nurse.\"}"), 0);
}

UNIT_TEST_WITH(a_correction_that_lost_a_race_is_refused_and_the_first_text_kept, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	int64_t ev = call_ok(&hart, EVENT, id, 0, 0, "{\"kind\": \"contact\", \"text\": \"Phoned the school.\"}");
	struct call first = {.as = &hart, .op = NOTE_CORRECT, .id = id, .sub = ev};
	struct call second = first;
	race_first = &first;
	cases_correct_race = race_correct;
	assert_int_equal(call(&second, "{\"text\": \"Phoned the head teacher.\"}"), ERR_CONFLICT);
	cases_correct_race = NULL;
	assert_non_null(strstr(second.detail, "since you opened it"));
	json_t *e = entry(&hart, id, ev);
	assert_string_equal(json_string_value(json_object_get(e, "text")), "Phoned the school nurse.");
	assert_int_equal(json_array_size(json_object_get(e, "corrections")), 1);
	json_decref(e);
	assert_int_equal(fx_count("case_event_correction", NULL), 1);
	assert_int_equal(fx_count("audit", "action = 'case.event_correct'"), 1);
}
#endif

/* ---- the located time ---- */

/* A case with a child missing since 12:00 and located at 18:00. */
static int64_t located_case(struct fx_user *careline, struct fx_user *hart, int64_t *ret_ep)
{
	int64_t id = fx_case_as_hart(careline, hart);
	int64_t ep = call_ok(hart, MISSING, id, 0, 0,
			     "{\"last_seen_at\": \"2026-11-27T12:00:00Z\", \"learned_at\": \"2026-11-27T13:00:00Z\"}");
	call_ok(hart, LOCATE, id, ep, 0, "{\"located_at\": \"2026-11-28T18:00:00Z\"}");
	*ret_ep = ep;
	return id;
}

UNIT_TEST_WITH(a_corrected_located_time_moves_the_return_duties_and_keeps_the_earlier_time, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t ep, id = located_case(&careline, &hart, &ep);
	char due[40];
	fx_text("SELECT due_at FROM duty WHERE kind = 'return_debrief'", due, sizeof due);
	assert_string_equal(due, "2026-11-29T18:00:00Z");
	under_failures(&hart, LOCATE_CORRECT, id, ep, 0,
		       "{\"located_at\": \"2026-11-28T06:30:00Z\", \"reason\": \"The police found her at dawn.\"}");
	fx_text("SELECT located_at FROM missing_episode", due, sizeof due);
	assert_string_equal(due, "2026-11-28T06:30:00Z");
	fx_text("SELECT due_at FROM duty WHERE kind = 'return_debrief'", due, sizeof due);
	assert_string_equal(due, "2026-11-29T06:30:00Z");
	fx_text("SELECT starts_at FROM duty WHERE kind = 'return_rescreen'", due, sizeof due);
	assert_string_equal(due, "2026-11-28T06:30:00Z");
	assert_int_equal(fx_count("time_correction", "earlier_at = '2026-11-28T18:00:00Z' AND field = 'located_at'"), 1);
	assert_int_equal(fx_count("case_event", "kind = 'time_corrected' AND CAST(text AS TEXT) LIKE '%dawn%'"), 0);
	assert_int_equal(fx_count("audit", "action = 'missing.locate_correct'"), 1);
	json_t *c = NULL;
	assert_int_equal(svc_case_get(&hart.ctx, id, &c), 0);
	json_t *k = json_array_get(json_object_get(json_array_get(json_object_get(c, "missing_episodes"), 0),
						     "corrections"), 0);
	assert_string_equal(json_string_value(json_object_get(k, "earlier_at")), "2026-11-28T18:00:00Z");
	assert_string_equal(json_string_value(json_object_get(k, "corrected_to")), "2026-11-28T06:30:00Z");
	assert_string_equal(json_string_value(json_object_get(k, "reason")), "The police found her at dawn.");
	json_decref(c);
}

FX_WHEN_ALLOCATIONS_FAIL(a_corrected_located_time_moves_the_return_duties_and_keeps_the_earlier_time, failure_loop)
UNIT_REGISTER(a_corrected_located_time_moves_the_return_duties_and_keeps_the_earlier_time_when_allocations_fail,
	      fx_setup, fx_teardown)

UNIT_TEST_WITH(a_located_time_is_refused_in_the_future_before_last_seen_or_after_the_return_was_recorded, fx_setup,
	       fx_teardown)
{
	struct fx_user careline, hart, mdt, liaison_away;
	int64_t ep, id = located_case(&careline, &hart, &ep);
	char region[32];
	fx_case_region(region, sizeof region);
	fx_user(&mdt, ROLE_MDT, "mdt-r1");
	fx_user(&liaison_away, ROLE_LIAISON, fx_other_region(region));
	struct call a = {.as = &hart, .op = LOCATE_CORRECT, .id = id, .sub = ep};
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-28T19:00:00Z\", \"reason\": \"x\"}"), ERR_INVAL);
	assert_string_equal(a.detail, "located_at");
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-27T11:00:00Z\", \"reason\": \"x\"}"), ERR_INVAL);
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-28T18:00:00Z\", \"reason\": \"x\"}"), ERR_INVAL);
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-28T17:00:00Z\", \"reason\": \" \"}"), ERR_INVAL);
	assert_string_equal(a.detail, "reason");
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-28T17:00:00Z\"}"), ERR_INVAL);
	a.as = &mdt;
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-28T17:00:00Z\", \"reason\": \"x\"}"), ERR_PERM);
	a.as = &liaison_away;
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-28T17:00:00Z\", \"reason\": \"x\"}"), ERR_PERM);
	a.as = &careline;
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-28T17:00:00Z\", \"reason\": \"x\"}"), ERR_PERM);
	/* The debrief at 18:20 says she was back by then. */
	call_ok(&hart, EVENT, id, 0, 0,
		"{\"kind\": \"debrief\", \"missing_episode_id\": 1, \"occurred_at\": \"2026-11-28T18:20:00Z\"}");
	a.as = &hart;
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-28T18:30:00Z\", \"reason\": \"x\"}"), ERR_INVAL);
	assert_int_equal(fx_count("time_correction", NULL), 0);
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-28T18:10:00Z\", \"reason\": \"x\"}"), 0);
	/* An episode not located is marked located, not corrected. */
	int64_t ep2 = call_ok(&hart, MISSING, id, 0, 0,
			      "{\"last_seen_at\": \"2026-11-28T18:30:00Z\", \"learned_at\": \"2026-11-28T18:35:00Z\"}");
	a.sub = ep2;
	assert_int_equal(call(&a, "{\"located_at\": \"2026-11-28T18:36:00Z\", \"reason\": \"x\"}"), ERR_CONFLICT);
	assert_non_null(strstr(a.detail, "not been located"));
}

/* ---- the done time ---- */

struct held {
	int64_t team, review, item;
};

/* A review held at 18:00 with one action item due at 18:20. */
static int64_t held_review(struct fx_user *careline, struct fx_user *hart, struct held *h)
{
	int64_t id = fx_case_as_hart(careline, hart);
	char region[32], body[400];
	fx_case_region(region, sizeof region);
	assert_true(snprintf(body, sizeof body, "{\"code\": \"mdt-a\", \"name\": \"The MDT\", \"region\": \"%s\"}",
			     region) < (int)sizeof body);
	h->team = call_ok(hart, TEAM, 0, 0, 0, body);
	assert_true(snprintf(body, sizeof body, "{\"case_id\": %lld, \"scheduled_at\": \"2026-11-28T17:00:00Z\"}",
			     (long long)id) < (int)sizeof body);
	h->review = call_ok(hart, REVIEW, h->team, 0, 0, body);
	assert_true(snprintf(body, sizeof body,
			     "{\"held_at\": \"2026-11-28T18:00:00Z\", \"action_items\": [{\"text\": \"Call the school.\","
			     " \"owner\": \"HART\", \"due_at\": \"2026-11-28T18:20:00Z\"}]}") < (int)sizeof body);
	call_ok(hart, HOLD, h->team, h->review, 0, body);
	h->item = last_id("action_item");
	return id;
}

UNIT_TEST_WITH(a_corrected_done_time_keeps_the_earlier_one_and_the_duty_standing_follows, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	struct held h;
	held_review(&careline, &hart, &h);
	struct call a = {.as = &hart, .op = DONE, .id = h.team, .sub = h.review, .item = h.item};
	/* Marked done before the review that set it: refused in plain words. */
	assert_int_equal(call(&a, "{\"done_at\": \"2026-11-28T17:30:00Z\"}"), ERR_INVAL);
	assert_string_equal(a.detail, "done_at");
	call_ok(&hart, DONE, h.team, h.review, h.item, "{\"done_at\": \"2026-11-28T18:30:00Z\"}");
	assert_int_equal(fx_count("duty", "subject_type = 'action_item' AND met_at > due_at"), 1);
	under_failures(&hart, DONE_CORRECT, h.team, h.review, h.item,
		       "{\"done_at\": \"2026-11-28T18:10:00Z\", \"reason\": \"Called before the meeting ended.\"}");
	assert_int_equal(fx_count("duty", "subject_type = 'action_item' AND met_at = '2026-11-28T18:10:00Z'"), 1);
	assert_int_equal(fx_count("duty", "subject_type = 'action_item' AND met_at <= due_at"), 1);
	assert_int_equal(fx_count("action_item", "done_at = '2026-11-28T18:10:00Z'"), 1);
	assert_int_equal(fx_count("time_correction", "field = 'done_at' AND earlier_at = '2026-11-28T18:30:00Z'"), 1);
	assert_int_equal(fx_count("audit", "action = 'review.action_item_done_correct'"), 1);
	/* HART reads why the time was corrected; the team's members read the
	 * times only. */
	struct fx_user mdt;
	fx_user(&mdt, ROLE_MDT, "mdt-a");
	const struct fx_user *readers[] = {&hart, &mdt};
	for (size_t i = 0; i < 2; i++) {
		json_t *team = NULL;
		assert_int_equal(svc_team_get(&readers[i]->ctx, h.team, &team), 0);
		json_t *review = json_array_get(json_object_get(team, "reviews"), 0);
		json_t *item = json_array_get(json_object_get(review, "action_items"), 0);
		json_t *c = json_array_get(json_object_get(item, "corrections"), 0);
		assert_string_equal(json_string_value(json_object_get(c, "earlier_at")), "2026-11-28T18:30:00Z");
		if (i == 0)
			assert_string_equal(json_string_value(json_object_get(c, "reason")), "Called before the meeting ended.");
		else
			assert_null(json_object_get(c, "reason"));
		json_decref(team);
	}
}

FX_WHEN_ALLOCATIONS_FAIL(a_corrected_done_time_keeps_the_earlier_one_and_the_duty_standing_follows, failure_loop)
UNIT_REGISTER(a_corrected_done_time_keeps_the_earlier_one_and_the_duty_standing_follows_when_allocations_fail,
	      fx_setup, fx_teardown)

#ifdef HARTLINE_TEST_HOOKS
static struct call *done_first;

static void race_done(void)
{
	cases_correct_race = NULL;
	assert_int_equal(call(done_first, "{\"done_at\": \"2026-11-28T18:05:00Z\", \"reason\": \"First.\"}"), 0);
}

UNIT_TEST_WITH(a_done_time_correction_that_lost_a_race_says_so, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	struct held h;
	held_review(&careline, &hart, &h);
	call_ok(&hart, DONE, h.team, h.review, h.item, "{\"done_at\": \"2026-11-28T18:30:00Z\"}");
	struct call first = {.as = &hart, .op = DONE_CORRECT, .id = h.team, .sub = h.review, .item = h.item};
	struct call second = first;
	done_first = &first;
	cases_correct_race = race_done;
	assert_int_equal(call(&second, "{\"done_at\": \"2026-11-28T18:10:00Z\", \"reason\": \"Second.\"}"),
			 ERR_CONFLICT);
	cases_correct_race = NULL;
	assert_non_null(strstr(second.detail, "since you opened it"));
	assert_int_equal(fx_count("action_item", "done_at = '2026-11-28T18:05:00Z'"), 1);
	assert_int_equal(fx_count("time_correction", NULL), 1);
}
#endif

UNIT_TEST_WITH(a_done_time_is_corrected_only_when_done_by_a_role_that_writes_reviews, fx_setup, fx_teardown)
{
	struct fx_user careline, hart, mdt, analyst;
	struct held h;
	held_review(&careline, &hart, &h);
	fx_user(&mdt, ROLE_MDT, "mdt-a");
	fx_user(&analyst, ROLE_ANALYST, NULL);
	struct call a = {.as = &hart, .op = DONE_CORRECT, .id = h.team, .sub = h.review, .item = h.item};
	assert_int_equal(call(&a, "{\"done_at\": \"2026-11-28T18:10:00Z\", \"reason\": \"x\"}"), ERR_CONFLICT);
	assert_non_null(strstr(a.detail, "not marked done"));
	call_ok(&hart, DONE, h.team, h.review, h.item, "{\"done_at\": \"2026-11-28T18:30:00Z\"}");
	assert_int_equal(call(&a, "{\"done_at\": \"2026-11-28T17:10:00Z\", \"reason\": \"x\"}"), ERR_INVAL);
	assert_int_equal(call(&a, "{\"done_at\": \"2026-11-28T19:10:00Z\", \"reason\": \"x\"}"), ERR_INVAL);
	a.as = &mdt;
	assert_int_equal(call(&a, "{\"done_at\": \"2026-11-28T18:10:00Z\", \"reason\": \"x\"}"), ERR_PERM);
	a.as = &analyst;
	assert_int_equal(call(&a, "{\"done_at\": \"2026-11-28T18:10:00Z\", \"reason\": \"x\"}"), ERR_PERM);
	assert_int_equal(fx_count("time_correction", NULL), 0);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
