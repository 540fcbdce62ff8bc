/* reports.c: mandated reports to law enforcement and NCMEC, and the
 * duties they meet. */
#include "service/cases/cases_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/casestate.h"
#include "service/audit.h"
#include "service/deadlines.h"
#include "service/sealed.h"

/* Whether a report made at t came before the child was identified as a
 * victim (or the child is not identified at all). */
bool cases_before_identification(const struct case_head *h, hl_time t)
{
	hl_time ident;
	if (!h->identified || time_parse(h->identified_at, &ident) < 0)
		return true;
	return t < ident;
}

bool cases_le_earlier_reports_count(const struct pack *pack)
{
	const struct pack_deadline *le = pack_deadline(pack, duty_kind_to_string(DUTY_LAW_ENFORCEMENT_REPORT));
	return le && le->earlier_reports_count;
}

/* Each law-enforcement report of a case as answered says whether it was
 * made before the child was identified: read, not stored, because
 * identified_at may move. */
int cases_mark_before_identification(const struct case_head *h, json_t *reports)
{
	size_t i;
	json_t *rep;
	json_array_foreach (reports, i, rep) {
		hl_time t;
		const char *at = json_string_value(json_object_get(rep, "reported_at"));
		if (!at || time_parse(at, &t) < 0)
			continue;
		/* Only the identification's duty depends on it; a report for a
		 * missing episode or to NCMEC answers the episode's. */
		const char *kind = json_string_value(json_object_get(rep, "kind"));
		bool case_le = kind && strcmp(kind, "law_enforcement") == 0 &&
			       json_is_null(json_object_get(rep, "missing_episode_id"));
		if (json_object_set_new(rep, "before_identification",
					json_boolean(case_le && cases_before_identification(h, t))) < 0)
			return ERR_NOMEM;
	}
	return 0;
}

/* When the child is first identified, a law-enforcement report already on
 * the case (not for a missing episode) meets the new duty: one made since
 * the identification (a backdated one), or an earlier one when the pack
 * says earlier reports count. The earliest that counts meets it, at the
 * time it was made. Inside the caller's transaction. */
int cases_meet_with_recorded_report(struct db *db, const struct pack *pack, int64_t case_id, hl_time ident)
{
	char ident_ts[32];
	time_str(ident, ident_ts);
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT reported_at, recorded_by FROM mandated_report WHERE case_id = ? AND kind = 'law_enforcement'"
			   " AND missing_episode_id IS NULL AND (? = 1 OR reported_at >= ?) ORDER BY reported_at, id LIMIT 1",
			   &st);
	if (r < 0)
		return r;
	if ((r = db_bind_int64(st, 1, case_id)) < 0 || (r = db_bind_int64(st, 2, cases_le_earlier_reports_count(pack))) < 0 ||
	    (r = db_bind_text(st, 3, ident_ts)) < 0) {
		db_finalize(st);
		return r;
	}
	hl_time at = 0;
	int64_t by = 0;
	bool found = false;
	if ((r = db_step(st)) == DB_ROW) {
		found = time_parse(db_column_text(st, 0), &at) == 0;
		by = db_column_int64(st, 1);
	}
	db_finalize(st);
	if (r < 0)
		return r;
	return found ? duty_meet(db, DUTY_LAW_ENFORCEMENT_REPORT, "case", case_id, at, by, NULL) : 0;
}

int cases_reports_json(struct db *db, struct app *app, int64_t case_id, json_t *out)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT m.id, m.kind, m.agency, m.officer_sealed, m.reference_sealed, m.reported_at,"
			   " m.missing_episode_id,"
			   " u.username, m.recorded_at FROM mandated_report m LEFT JOIN app_user u ON u.id = m.recorded_by"
			   " WHERE m.case_id = ? ORDER BY m.reported_at, m.id",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	while ((r = db_step(st)) == DB_ROW) {
		int64_t mid = db_column_int64(st, 0);
		char *officer = NULL, *reference = NULL;
		if ((r = sealed_get(app, st, 3, "mandated_report", "officer_sealed", mid, &officer)) < 0 ||
		    (r = sealed_get(app, st, 4, "mandated_report", "reference_sealed", mid, &reference)) < 0) {
			free(officer);
			break;
		}
		json_t *e = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s}", "id", (json_int_t)mid, "kind",
				      db_column_text(st, 1), "agency", db_column_text(st, 2), "officer", officer,
				      "reference", reference, "reported_at", db_column_text(st, 5), "recorded_by",
				      db_column_text(st, 7), "recorded_at", db_column_text(st, 8));
		free(officer);
		free(reference);
		if (!e) {
			r = ERR_NOMEM;
			break;
		}
		json_object_set_new(e, "missing_episode_id",
				    db_column_is_null(st, 6) ? json_null() : json_integer(db_column_int64(st, 6)));
		json_array_append_new(out, e);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- mandated reports ---- */

/* The earliest unmet duty of kind among the case's missing episodes: the
 * episode's id, 0 when none. */
static int earliest_unmet(struct db *db, int64_t case_id, enum duty_kind kind, int64_t *ret_episode)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT subject_id FROM duty WHERE case_id = ? AND kind = ? AND subject_type = 'missing_episode'"
			   " AND met_at IS NULL ORDER BY due_at, id LIMIT 1",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	if ((r = duty_bind_kind(st, 2, kind)) < 0)
		return r;
	*ret_episode = 0;
	if ((r = db_step(st)) == DB_ROW)
		*ret_episode = db_column_int64(st, 0);
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_case_report(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	static const char *const known[] = {"kind",        "agency", "officer", "reference", "reported_at",
					    "missing_episode_id", NULL};
	if (!cases_need_object(body, errs))
		return ERR_INVAL;
	cases_unknown_keys(body, known, errs);
	hl_time t = now();
	const char *kind = cases_str_field(body, "kind", 32, true, errs);
	if (kind && *kind && !case_report_kind_valid(kind))
		field_error_add(errs, "kind", "law_enforcement or ncmec");
	const char *agency = cases_str_field(body, "agency", MAX_SHORT, true, errs);
	const char *officer = cases_str_field(body, "officer", MAX_SHORT, false, errs);
	const char *reference = cases_str_field(body, "reference", MAX_SHORT, false, errs);
	hl_time reported = 0;
	cases_time_field(body, "reported_at", true, t, errs, &reported);
	int64_t eid = cases_id_field(body, "missing_episode_id", false, errs);
	if (eid > 0) {
		struct episode e;
		r = cases_load_episode(db, id, eid, &e);
		if (r == ERR_NOTFOUND)
			field_error_add(errs, "missing_episode_id", "no such missing episode in this case");
		else if (r < 0)
			return r;
	}
	if (field_errors_any(errs))
		return ERR_INVAL;
	bool ncmec = strcmp(kind, "ncmec") == 0;
	char ts[32], rep_ts[32], oid[24];
	time_str(t, ts);
	time_str(reported, rep_ts);
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO mandated_report (case_id, kind, agency, officer, reference, reported_at,"
			    " missing_episode_id, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, agency);
	/* Officer and reference are sealed once the row has its id. */
	db_bind_null(st, 4);
	db_bind_null(st, 5);
	db_bind_text(st, 6, rep_ts);
	if (eid > 0)
		db_bind_int64(st, 7, eid);
	else
		db_bind_null(st, 7);
	db_bind_int64(st, 8, ctx->actor->user_id);
	db_bind_text(st, 9, ts);
	int64_t rid = 0;
	if ((r = cases_step_id(st, &rid)) < 0 ||
	    (r = sealed_put(db, ctx->app, "mandated_report", "officer_sealed", rid, officer)) < 0 ||
	    (r = sealed_put(db, ctx->app, "mandated_report", "reference_sealed", rid, reference)) < 0)
		goto fail;
	/* Which duty it meets: the one of its kind that falls due first. A
	 * report made before the child was identified is kept, and meets the
	 * identification's duty only when the pack says earlier reports count. */
	int64_t met = 0, met_episode = eid;
	bool before = cases_before_identification(&h, reported);
	if (!ncmec && eid <= 0) {
		if ((!before || cases_le_earlier_reports_count(ctx->app->pack)) &&
		    (r = duty_meet(db, DUTY_LAW_ENFORCEMENT_REPORT, "case", id, reported, ctx->actor->user_id, &met)) < 0)
			goto fail;
		if (!met && (r = earliest_unmet(db, id, DUTY_MISSING_LAW_ENFORCEMENT_REPORT, &met_episode)) < 0)
			goto fail;
	} else if (eid <= 0 && (r = earliest_unmet(db, id, DUTY_MISSING_NCMEC_REPORT, &met_episode)) < 0) {
		goto fail;
	}
	if (!met && met_episode > 0 &&
	    (r = duty_meet(db, ncmec ? DUTY_MISSING_NCMEC_REPORT : DUTY_MISSING_LAW_ENFORCEMENT_REPORT, "missing_episode",
			   met_episode, reported, ctx->actor->user_id, &met)) < 0)
		goto fail;
	/* The NCMEC case number is kept with the episode. */
	if (ncmec && met_episode > 0 && reference && *reference) {
		if ((r = db_prepare(db, "UPDATE missing_episode SET updated_at = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_text(st, 1, ts);
		db_bind_int64(st, 2, met_episode);
		if ((r = cases_step_id(st, NULL)) < 0 ||
		    (r = sealed_put(db, ctx->app, "missing_episode", "ncmec_sealed", met_episode, reference)) < 0)
			goto fail;
	}
	/* A report found to be about an episode says so. */
	if (eid <= 0 && met_episode > 0) {
		if ((r = db_prepare(db, "UPDATE mandated_report SET missing_episode_id = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_int64(st, 1, met_episode);
		db_bind_int64(st, 2, rid);
		if ((r = cases_step_id(st, NULL)) < 0)
			goto fail;
	}
	json_t *data = json_pack("{s:I, s:s, s:s}", "report_id", (json_int_t)rid, "report_kind", kind, "agency", agency);
	if (met_episode > 0)
		json_object_set_new(data, "missing_episode_id", json_integer(met_episode));
	/* The reference number stays with the report, sealed; the timeline
	 * entry points at the report. */
	r = cases_event_add(db, ctx->app, id, "report", reported, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0)
		goto fail;
	if ((r = cases_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "case.report", "case", id, "kind=%s report=%lld%s", kind, (long long)rid,
	                           met ? " met" : "")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	*ret = json_pack("{s:I, s:[], s:b}", "id", (json_int_t)rid, "met", "before_identification",
			 !ncmec && met_episode <= 0 && before);
	if (!*ret)
		return ERR_NOMEM;
	if (met && json_array_append_new(json_object_get(*ret, "met"), json_integer(met)) < 0) {
		json_decref(*ret);
		*ret = NULL;
		return ERR_NOMEM;
	}
	return 0;
fail:
	db_rollback(db);
	return r;
}

