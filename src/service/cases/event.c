/* event.c: a timeline entry recorded by hand (a note, a medical exam, a
 * debrief ...), and the duty it meets. */
#include "service/cases/cases_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/casestate.h"
#include "model/screening.h"
#include "service/audit.h"
#include "service/deadlines.h"

/* The episode a debrief or re-screen is about: of this case, located, and
 * not before the child was located. */
static int event_episode(struct db *db, int64_t case_id, int64_t eid, hl_time occurred, bool has_occurred,
			 struct field_errors *errs, struct episode *e)
{
	int r = cases_load_episode(db, case_id, eid, e);
	if (r == ERR_NOTFOUND) {
		field_error_add(errs, "missing_episode_id", "no such missing episode in this case");
		return 0;
	}
	if (r < 0)
		return r;
	if (!e->located)
		field_error_add(errs, "missing_episode_id", "the child has not been located yet");
	else if (has_occurred && occurred < e->located_at)
		field_error_add(errs, "occurred_at", "before the child was located");
	return 0;
}

int svc_case_event(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		   struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	if (!cases_need_object(body, errs))
		return ERR_INVAL;
	struct app *app = ctx->app;
	const struct pack *pack = app->pack;
	hl_time t = now();
	const char *kind = cases_str_field(body, "kind", 40, true, errs);
	if (kind && *kind && !case_event_kind_user(kind)) {
		field_error_add(errs, "kind",
				"note, contact, medical_exam, forensic_interview, placement_change, debrief or rescreen");
		kind = NULL;
	}
	if (!kind)
		return ERR_INVAL;
	/* Each kind takes its own fields and no other. */
	static const char *const common[] = {"kind", "occurred_at", "text", "shared", NULL};
	static const char *const k_medical[] = {"kind", "occurred_at", "text", "shared", "emergency_department", NULL};
	static const char *const k_placement[] = {"kind", "occurred_at", "text", "shared", "placement", NULL};
	static const char *const k_debrief[] = {"kind", "occurred_at", "text", "shared", "missing_episode_id", NULL};
	static const char *const k_rescreen[] = {"kind",   "occurred_at",        "text",       "shared",
						 "answers", "missing_episode_id", "instrument", NULL};
	const char *const *known = common;
	if (strcmp(kind, "medical_exam") == 0)
		known = k_medical;
	else if (strcmp(kind, "placement_change") == 0)
		known = k_placement;
	else if (strcmp(kind, "debrief") == 0)
		known = k_debrief;
	else if (strcmp(kind, "rescreen") == 0)
		known = k_rescreen;
	cases_unknown_keys(body, known, errs);
	hl_time occurred = t;
	bool has_occurred = cases_time_field(body, "occurred_at", false, t, errs, &occurred);
	const char *text = cases_str_field(body, "text", MAX_TEXT, case_event_kind_needs_text(kind), errs);
	bool shared = cases_bool_field(body, "shared", errs);
	json_t *data = json_object();
	int64_t eid = 0;
	enum duty_kind duty_kind = DUTY_KIND_COUNT; /* none */
	const struct pack_instrument *ins = NULL;
	enum screen_level level = SCREEN_NO;
	int score = 0;
	if (strcmp(kind, "medical_exam") == 0) {
		const char *ed = cases_str_field(body, "emergency_department", 64, true, errs);
		const struct pack_item *dept =
			ed && *ed ? pack_item_find(pack->emergency_departments, pack->n_emergency_departments, ed) : NULL;
		if (ed && *ed && !dept)
			field_error_add(errs, "emergency_department", "unknown emergency department \"%.40s\"", ed);
		if (dept) {
			json_object_set_new(data, "emergency_department", json_string(dept->id));
			json_object_set_new(data, "emergency_department_name", json_string(dept->name));
		}
	} else if (strcmp(kind, "placement_change") == 0) {
		const char *pl = cases_str_field(body, "placement", 32, true, errs);
		if (pl && *pl && !case_placement_valid(pl))
			field_error_add(errs, "placement", "home, foster, congregate_care, homeless or unknown");
		else if (pl && *pl)
			json_object_set_new(data, "placement", json_string(pl));
	} else if (strcmp(kind, "debrief") == 0 || strcmp(kind, "rescreen") == 0) {
		bool rescreen = strcmp(kind, "rescreen") == 0;
		duty_kind = rescreen ? DUTY_RETURN_RESCREEN : DUTY_RETURN_DEBRIEF;
		eid = cases_id_field(body, "missing_episode_id", true, errs);
		struct episode e;
		if (eid > 0 && (r = event_episode(db, id, eid, occurred, has_occurred, errs, &e)) < 0) {
			json_decref(data);
			return r;
		}
		if (eid > 0)
			json_object_set_new(data, "missing_episode_id", json_integer(eid));
		if (rescreen) {
			const char *name = cases_str_field(body, "instrument", 64, false, errs);
			ins = name && *name ? pack_instrument(pack, name) : pack_rescreen_instrument(pack);
			if (!ins)
				field_error_add(errs, "instrument", "unknown instrument \"%.40s\"", name ? name : "");
			json_t *answers = json_object_get(body, "answers");
			if (!answers)
				field_error_add(errs, "answers", "required");
			else if (!json_is_object(answers))
				field_error_add(errs, "answers", "must be an object");
			else if (ins && screening_score(ins, answers, errs, &level, &score) == 0) {
				json_object_set_new(data, "instrument", json_string(ins->id));
				json_object_set_new(data, "instrument_version", json_string(ins->version));
				json_object_set_new(data, "answers", json_deep_copy(answers));
				json_object_set_new(data, "level", json_string(screen_level_name(level)));
				json_object_set_new(data, "score", json_integer(score));
			}
		}
	}
	if (field_errors_any(errs)) {
		json_decref(data);
		return ERR_INVAL;
	}
	char oid[24];
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0) {
		json_decref(data);
		return r;
	}
	int64_t event_id = 0, met = 0;
	if ((r = cases_event_add(db, app, id, kind, occurred, ctx->actor->user_id, shared, data, text, &event_id)) < 0)
		goto fail;
	if (duty_kind != DUTY_KIND_COUNT &&
	    (r = duty_meet(db, duty_kind, "missing_episode", eid, occurred, ctx->actor->user_id, &met)) < 0)
		goto fail;
	char ts[32];
	time_str(t, ts);
	if ((r = cases_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "case.event", "case", id, "kind=%s event=%lld%s%s", kind,
	                           (long long)event_id, shared ? " shared" : "", met ? " met" : "")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	json_decref(data);
	*ret = json_pack("{s:I, s:[]}", "id", (json_int_t)event_id, "met");
	if (met)
		json_array_append_new(json_object_get(*ret, "met"), json_integer(met));
	if (ins) {
		json_object_set_new(*ret, "level", json_string(screen_level_name(level)));
		json_object_set_new(*ret, "score", json_integer(score));
	}
	return 0;
fail:
	db_rollback(db);
	json_decref(data);
	return r;
}

