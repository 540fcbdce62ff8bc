/* event.c: a timeline entry recorded by hand (a note, a medical exam, a
 * debrief ...), and the duty it meets. */
#include "service/cases/cases_int.h"

#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "model/casestate.h"
#include "model/screening.h"
#include "service/deadlines.h"

static const char *const kinds[] = {"note",     "contact", "medical_exam", "forensic_interview", "placement_change",
				    "debrief", "rescreen", NULL};
static const char *const placements[] = {"home", "foster", "congregate_care", "homeless", "unknown", NULL};

static const struct field_rule event_fields[] = {
	{.key = "kind", .type = FT_STRING, .required = true, .max_len = 40, .allowed = kinds},
	{.key = "occurred_at", .type = FT_TIME},
	{.key = "text", .type = FT_STRING, .max_len = MAX_TEXT},
	{.key = "shared", .type = FT_BOOL},
	{.key = "emergency_department", .type = FT_STRING, .max_len = 64},
	{.key = "placement", .type = FT_STRING, .max_len = 32, .allowed = placements},
	{.key = "missing_episode_id", .type = FT_ID, .reason = "choose a missing episode from the list", .label = "Missing episode"},
	{.key = "answers", .type = FT_OBJECT},
	{.key = "instrument", .type = FT_STRING, .max_len = 64},
	{.key = NULL},
};
const struct schema svc_case_event_schema = {.name = "case event", .fields = event_fields};

/* Each kind takes its own fields and no other: the keys beyond kind,
 * occurred_at, text and shared, and which of them must be there. */
static const struct {
	const char *kind;
	const char *keys[3];
} kind_keys[] = {
	{"medical_exam", {"emergency_department"}},
	{"placement_change", {"placement"}},
	{"debrief", {"missing_episode_id"}},
	{"rescreen", {"missing_episode_id", "answers", "instrument"}},
};
static const char *const kind_only[] = {"emergency_department", "placement", "missing_episode_id", "answers",
					"instrument", NULL};

static bool key_of_kind(const char *kind, const char *key)
{
	for (size_t i = 0; i < sizeof kind_keys / sizeof *kind_keys; i++)
		if (strcmp(kind_keys[i].kind, kind) == 0)
			return in_list(kind_keys[i].keys, key);
	return false;
}

/* What an event records, once checked. */
struct event_req {
	const char *kind, *text;
	hl_time occurred;
	bool has_occurred, shared;
	json_t *data;                /* the event's data, the caller's to free */
	int64_t episode_id;          /* a debrief's or re-screen's */
	enum duty_kind duty;         /* the duty it meets; DUTY_KIND_COUNT: none */
	const struct pack_instrument *ins;
	enum screen_level level;
	int score;
};

/* The episode a debrief or re-screen is about: of this case, located, and
 * not before the child was located. */
static int check_episode(struct db *db, int64_t case_id, const struct event_req *q, struct field_errors *errs)
{
	struct episode e;
	int r = cases_load_episode(db, case_id, q->episode_id, &e);
	if (r == ERR_NOTFOUND) {
		field_error_add(errs, "missing_episode_id", "no such missing episode in this case");
		return 0;
	}
	if (r < 0)
		return r;
	if (!e.located)
		field_error_add(errs, "missing_episode_id", "the child has not been located yet");
	else if (q->has_occurred && q->occurred < e.located_at)
		field_error_add(errs, "occurred_at", "before the child was located");
	return 0;
}

/* A re-screen's instrument (the pack's default when none is named) and the
 * score of its answers. */
static int check_rescreen(const struct pack *pack, const json_t *body, struct field_errors *errs,
			  struct event_req *q)
{
	const char *name = cases_str(body, "instrument");
	q->ins = name ? pack_instrument(pack, name) : pack_rescreen_instrument(pack);
	if (!q->ins)
		field_error_add(errs, "instrument", "unknown instrument \"%.40s\"", name ? name : "");
	const json_t *answers = json_object_get(body, "answers");
	if (!answers)
		field_error_add(errs, "answers", "required");
	if (!q->ins || !json_is_object(answers) || screening_score(q->ins, answers, errs, &q->level, &q->score) < 0)
		return 0;
	if (json_object_set_new(q->data, "instrument", json_string(q->ins->id)) < 0 ||
	    json_object_set_new(q->data, "instrument_version", json_string(q->ins->version)) < 0 ||
	    json_object_set_new(q->data, "answers", json_deep_copy(answers)) < 0 ||
	    json_object_set_new(q->data, "level", json_string(screen_level_name(q->level))) < 0 ||
	    json_object_set_new(q->data, "score", json_integer(q->score)) < 0)
		return ERR_NOMEM;
	return 0;
}

/* The fields of the event's kind: a department of the pack, a placement,
 * the episode a debrief or re-screen is about. */
static int check_kind(const struct pack *pack, struct db *db, int64_t case_id, const json_t *body,
		      struct field_errors *errs, struct event_req *q)
{
	const char *ed = cases_str(body, "emergency_department"), *pl = cases_str(body, "placement");
	int r = 0;
	if (strcmp(q->kind, "medical_exam") == 0) {
		const struct pack_item *dept =
			ed ? pack_item_find(pack->emergency_departments, pack->n_emergency_departments, ed) : NULL;
		if (!ed)
			field_error_add(errs, "emergency_department", "required");
		else if (!dept)
			field_error_add(errs, "emergency_department", "unknown emergency department \"%.40s\"", ed);
		else if (json_object_set_new(q->data, "emergency_department", json_string(dept->id)) < 0 ||
			 json_object_set_new(q->data, "emergency_department_name", json_string(dept->name)) < 0)
			return ERR_NOMEM;
	} else if (strcmp(q->kind, "placement_change") == 0) {
		if (!pl)
			field_error_add(errs, "placement", "required");
		else if (json_object_set_new(q->data, "placement", json_string(pl)) < 0)
			return ERR_NOMEM;
	} else if (strcmp(q->kind, "debrief") == 0 || strcmp(q->kind, "rescreen") == 0) {
		bool rescreen = strcmp(q->kind, "rescreen") == 0;
		q->duty = rescreen ? DUTY_RETURN_RESCREEN : DUTY_RETURN_DEBRIEF;
		const json_t *ep = json_object_get(body, "missing_episode_id");
		q->episode_id = json_integer_value(ep);
		if (!ep || json_is_null(ep))
			field_error_add(errs, "missing_episode_id", "required");
		if (q->episode_id > 0 &&
		    ((r = check_episode(db, case_id, q, errs)) < 0 ||
		     json_object_set_new(q->data, "missing_episode_id", json_integer(q->episode_id)) < 0))
			return r < 0 ? r : ERR_NOMEM;
		if (rescreen)
			return check_rescreen(pack, body, errs, q);
	}
	return 0;
}

static int check_input(const struct pack *pack, struct db *db, int64_t case_id, const json_t *body,
		       struct field_errors *errs, struct event_req *q)
{
	schema_check(&svc_case_event_schema, body, errs);
	q->kind = json_string_value(json_object_get(body, "kind"));
	if (!q->kind || !in_list(kinds, q->kind))
		return ERR_INVAL;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v)
	{
		if (in_list(kind_only, key) && !key_of_kind(q->kind, key))
			field_error_add(errs, key, "unknown field");
	}
	q->has_occurred = cases_time_past(body, "occurred_at", q->occurred, errs, &q->occurred);
	q->text = json_string_value(json_object_get(body, "text"));
	if (case_event_kind_needs_text(q->kind) && !cases_str(body, "text") &&
	    !(json_object_get(body, "text") && !json_is_string(json_object_get(body, "text"))))
		field_error_add(errs, "text", "required");
	q->shared = json_is_true(json_object_get(body, "shared"));
	if (!(q->data = json_object()))
		return ERR_NOMEM;
	int r = check_kind(pack, db, case_id, body, errs, q);
	return r < 0 ? r : field_errors_any(errs) ? ERR_INVAL : 0;
}

static int event_write(const struct svc_ctx *ctx, struct db *db, int64_t id, const struct event_req *q,
		       int64_t *ret_event, int64_t *ret_met)
{
	int r = cases_event_add(db, ctx->app, id, q->kind, q->occurred, ctx->actor->user_id, q->shared, q->data,
				q->text, ret_event);
	if (r < 0 || (q->duty != DUTY_KIND_COUNT && (r = duty_meet(db, q->duty, "missing_episode", q->episode_id,
								    q->occurred, ctx->actor->user_id, ret_met)) < 0))
		return r;
	return cases_written(db, ctx, id, "case.event", "kind=%s event=%lld%s%s", q->kind, (long long)*ret_event,
			     q->shared ? " shared" : "", *ret_met ? " met" : "");
}

/* {id, met: [duty ids], level?, score?}. */
static int event_answer(int64_t event_id, int64_t met, const struct event_req *q, json_t **ret)
{
	json_t *j = json_pack("{s:I, s:[]}", "id", (json_int_t)event_id, "met");
	if (!j || (met && json_array_append_new(json_object_get(j, "met"), json_integer(met)) < 0) ||
	    (q->ins && (json_object_set_new(j, "level", json_string(screen_level_name(q->level))) < 0 ||
			json_object_set_new(j, "score", json_integer(q->score)) < 0))) {
		json_decref(j);
		return ERR_NOMEM;
	}
	*ret = j;
	return 0;
}

int svc_case_event(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		   struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	struct event_req q = {.duty = DUTY_KIND_COUNT, .occurred = now(), .level = SCREEN_NO};
	int64_t event_id = 0, met = 0;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	if ((r = check_input(ctx->app->pack, db, id, body, errs, &q)) == 0 && (r = db_begin(db)) == 0 &&
	    (r = cases_end(db, event_write(ctx, db, id, &q, &event_id, &met))) == 0)
		r = event_answer(event_id, met, &q, ret);
	json_decref(q.data);
	return r;
}
