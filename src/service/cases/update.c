/* update.c: changing a case's status, victim status, type, petition and lead. */
#include "service/cases/cases_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "base/buf.h"
#include "model/casestate.h"
#include "service/audit.h"
#include "service/deadlines.h"
#include "service/figures.h"

/* ---- changing a case ---- */

/* A user who may lead a case of region: a HART user or a liaison of the
 * region, active. */
static int check_lead(struct db *db, int64_t user, const char *region, struct field_errors *errs)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT role, scope, disabled FROM app_user WHERE id = ?", &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, user);
	r = db_step(st);
	if (r == DB_DONE)
		field_error_add(errs, "lead_user_id", "no such user");
	else if (r == DB_ROW) {
		const char *role = db_column_text(st, 0), *scope = db_column_text(st, 1);
		if (db_column_int64(st, 2))
			field_error_add(errs, "lead_user_id", "the user is disabled");
		else if (!(strcmp(role, "hart") == 0 ||
			   (strcmp(role, "liaison") == 0 && scope && strcmp(scope, region) == 0)))
			field_error_add(errs, "lead_user_id", "the lead is a HART user or a liaison of region %s", region);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_case_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	static const char *const known[] = {"version",          "status",      "victim_status",   "identified_at",
					    "trafficking_type", "uncared_for", "petition_status", "lead_user_id",
					    NULL};
	if (!cases_need_object(body, errs))
		return ERR_INVAL;
	cases_unknown_keys(body, known, errs);
	struct app *app = ctx->app;
	hl_time t = now();
	json_t *ver = json_object_get(body, "version");
	if (!json_is_integer(ver))
		field_error_add(errs, "version", "required: the version read");
	const char *status = cases_str_field(body, "status", 32, false, errs);
	enum case_status to_status = CASE_OPEN, from_status = CASE_OPEN;
	if (status && case_status_parse(status, &to_status) < 0)
		field_error_add(errs, "status", "open, response, services, monitoring or closed");
	const char *victim = cases_str_field(body, "victim_status", 32, false, errs);
	enum victim_status to_victim = VICTIM_NONE;
	if (victim && victim_status_parse(victim, &to_victim) < 0)
		field_error_add(errs, "victim_status", "none, at_risk, suspected or confirmed");
	hl_time identified = 0;
	bool has_identified = cases_time_field(body, "identified_at", false, t, errs, &identified);
	json_t *tt = json_object_get(body, "trafficking_type");
	const char *traffic = cases_str_field(body, "trafficking_type", 64, false, errs);
	if (traffic && *traffic &&
	    !pack_item_find(app->pack->trafficking_types, app->pack->n_trafficking_types, traffic))
		field_error_add(errs, "trafficking_type", "unknown trafficking type \"%.40s\"", traffic);
	json_t *uf = json_object_get(body, "uncared_for");
	if (uf && !json_is_boolean(uf))
		field_error_add(errs, "uncared_for", "must be true or false");
	const char *petition = cases_str_field(body, "petition_status", 32, false, errs);
	if (petition && !case_petition_status_valid(petition))
		field_error_add(errs, "petition_status", "none, planned, filed, granted or denied");
	json_t *lead_v = json_object_get(body, "lead_user_id");
	int64_t lead = 0;
	if (lead_v && !json_is_null(lead_v)) {
		if (!json_is_integer(lead_v) || json_integer_value(lead_v) < 1)
			field_error_add(errs, "lead_user_id", "a user id, or null");
		else if ((r = check_lead(db, (lead = json_integer_value(lead_v)), h.region, errs)) < 0)
			return r;
	}
	/* identified_at goes with an identification: now or before. */
	enum victim_status cur_victim = VICTIM_NONE;
	victim_status_parse(h.victim, &cur_victim);
	enum victim_status new_victim = victim ? to_victim : cur_victim;
	if (has_identified && !victim_status_identifies(new_victim) && !h.identified)
		field_error_add(errs, "identified_at",
				"the child is not identified as a victim: set victim_status to suspected or confirmed");
	if (field_errors_any(errs))
		return ERR_INVAL;

	if (json_integer_value(ver) != h.version) {
		cases_conflict(cf, "case %s changed since it was read (version %lld, now %lld): read it again", h.number,
			 (long long)json_integer_value(ver), (long long)h.version);
		cases_stale(cf);
		return ERR_CONFLICT;
	}
	case_status_parse(h.status, &from_status);
	bool status_change = status && to_status != from_status;
	if (status_change && !case_status_may(from_status, to_status)) {
		if (cf) {
			cf->slug = "illegal-transition";
			snprintf(cf->detail, sizeof cf->detail, "a case that is %s cannot become %s", h.status, status);
			cf->allowed = cases_allowed_json(h.status);
		}
		return ERR_CONFLICT;
	}
	bool any_other = victim || has_identified || tt || uf || petition || lead_v;
	if (from_status == CASE_CLOSED && any_other) {
		cases_conflict(cf, "case %s is closed", h.number);
		return ERR_CONFLICT;
	}

	char ts[32], oid[24];
	time_str(t, ts);
	fmt_id(oid, id);
	struct buf detail;
	buf_init(&detail, 1024);
	if ((r = db_begin(db)) < 0) {
		buf_done(&detail);
		return r;
	}
	/* Someone may have changed it since it was loaded. */
	struct case_head now_h;
	if ((r = case_load(db, id, &now_h)) < 0)
		goto fail;
	if (now_h.version != h.version) {
		cases_conflict(cf, "case %s changed since it was read: read it again", h.number);
		cases_stale(cf);
		r = ERR_CONFLICT;
		goto fail;
	}
	struct db_stmt *st;
	if (status_change) {
		if ((r = db_prepare(db,
				    "UPDATE child_case SET status = ?, closed_at = CASE WHEN ? = 'closed' THEN ? ELSE NULL END"
				    " WHERE id = ?",
				    &st)) < 0)
			goto fail;
		db_bind_text(st, 1, status);
		db_bind_text(st, 2, status);
		db_bind_text(st, 3, ts);
		db_bind_int64(st, 4, id);
		if ((r = cases_step_id(st, NULL)) < 0)
			goto fail;
		json_t *data = json_pack("{s:s, s:s}", "from", h.status, "to", status);
		r = cases_event_add(db, app, id, "status_change", t, ctx->actor->user_id, false, data, NULL, NULL);
		json_decref(data);
		if (r < 0)
			goto fail;
		buf_printf(&detail, " status=%s->%s", h.status, status);
	}
	const struct pack_deadline *le = pack_deadline(app->pack, duty_kind_to_string(DUTY_LAW_ENFORCEMENT_REPORT));
	if ((victim && to_victim != cur_victim) || has_identified) {
		bool first = victim_status_first_identification(h.identified, new_victim);
		hl_time ident = has_identified ? identified : t;
		char ident_ts[32];
		time_str(ident, ident_ts);
		if ((r = db_prepare(db,
				    "UPDATE child_case SET victim_status = ?, identified_at = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_text(st, 1, victim_status_name(new_victim));
		db_bind_text(st, 2, first || has_identified ? ident_ts : (h.identified ? h.identified_at : NULL));
		db_bind_int64(st, 3, id);
		if ((r = cases_step_id(st, NULL)) < 0)
			goto fail;
		if (first) {
			if ((r = duty_open_pack(db, app->pack, id, DUTY_LAW_ENFORCEMENT_REPORT, "case", id, ident, 0, NULL)) < 0 &&
			    r != ERR_NOTFOUND)
				goto fail;
			if ((r = cases_meet_with_recorded_report(db, app->pack, id, ident)) < 0)
				goto fail;
		} else if (has_identified && le) {
			if ((r = duty_move(db, DUTY_LAW_ENFORCEMENT_REPORT, "case", id, ident + le->minutes * MINUTE)) < 0 ||
			    (r = cases_meet_with_recorded_report(db, app->pack, id, ident)) < 0)
				goto fail;
		}
		if (victim && to_victim != cur_victim) {
			json_t *data = json_pack("{s:s, s:s}", "from", h.victim, "to", victim_status_name(new_victim));
			if (first || has_identified)
				json_object_set_new(data, "identified_at", json_string(ident_ts));
			r = cases_event_add(db, app, id, "victim_status", first || has_identified ? ident : t,
				      ctx->actor->user_id, false, data, NULL, NULL);
			json_decref(data);
			if (r < 0)
				goto fail;
			buf_printf(&detail, " victim_status=%s->%s", h.victim, victim_status_name(new_victim));
		}
		if (has_identified)
			buf_printf(&detail, " identified_at=%s", ident_ts);
	}
	if (tt) {
		if ((r = db_prepare(db, "UPDATE child_case SET trafficking_type = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_text(st, 1, traffic && *traffic ? traffic : NULL);
		db_bind_int64(st, 2, id);
		if ((r = cases_step_id(st, NULL)) < 0)
			goto fail;
		/* Figures: the case's reports' referrals take its type. */
		if ((r = figures_case_type(db, id)) < 0)
			goto fail;
		buf_printf(&detail, " trafficking_type=%s", traffic && *traffic ? traffic : "none");
	}
	if (uf) {
		if ((r = db_prepare(db, "UPDATE child_case SET uncared_for = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_int64(st, 1, json_is_true(uf));
		db_bind_int64(st, 2, id);
		if ((r = cases_step_id(st, NULL)) < 0)
			goto fail;
		buf_printf(&detail, " uncared_for=%s", json_is_true(uf) ? "true" : "false");
	}
	if (petition) {
		if ((r = db_prepare(db, "UPDATE child_case SET petition_status = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_text(st, 1, petition);
		db_bind_int64(st, 2, id);
		if ((r = cases_step_id(st, NULL)) < 0)
			goto fail;
		buf_printf(&detail, " petition_status=%s", petition);
	}
	if (lead_v) {
		if ((r = db_prepare(db, "UPDATE child_case SET lead_user_id = ? WHERE id = ?", &st)) < 0)
			goto fail;
		if (lead)
			db_bind_int64(st, 1, lead);
		else
			db_bind_null(st, 1);
		db_bind_int64(st, 2, id);
		if ((r = cases_step_id(st, NULL)) < 0)
			goto fail;
		if ((r = duty_reassign(db, id, lead ? lead : h.opened_by)) < 0)
			goto fail;
		buf_printf(&detail, " lead=%lld", (long long)lead);
	}
	if ((r = cases_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_append(db, ctx, "case.update", "case", oid, detail.len ? buf_str(&detail) + 1 : "none")) < 0)
		goto fail;
	json_t *j = NULL;
	if ((r = cases_json(db, app, id, false, NULL, &j)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0) {
		json_decref(j);
		goto fail;
	}
	buf_done(&detail);
	*ret = j;
	return 0;
fail:
	db_rollback(db);
	buf_done(&detail);
	return r;
}

