/* reports.c: mandated reports to law enforcement and NCMEC, and the
 * duties they meet. */
#include "service/cases/cases_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "model/casestate.h"
#include "service/deadlines.h"
#include "service/sealed.h"

/* Whether a report made at t came before the child was identified as a
 * victim (or the child is not identified at all). */
static bool before_identification(const struct case_head *h, hl_time t)
{
	hl_time ident;
	if (!h->identified || time_parse(h->identified_at, &ident) < 0)
		return true;
	return t < ident;
}

/* Whether the pack counts law-enforcement reports made before identification. */
static bool le_earlier_reports_count(const struct pack *pack)
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
					json_boolean(case_le && before_identification(h, t))) < 0)
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
	int r = db_rowf(db, &st,
			"SELECT reported_at, recorded_by FROM mandated_report"
			" WHERE case_id = ? AND kind = 'law_enforcement' AND missing_episode_id IS NULL"
			" AND (? = 1 OR reported_at >= ?) ORDER BY reported_at, id LIMIT 1",
			"idt", case_id, (int)le_earlier_reports_count(pack), ident_ts);
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	hl_time at = 0;
	bool found = time_parse(db_column_text(st, 0), &at) == 0;
	int64_t by = db_column_int64(st, 1);
	db_finalize(st);
	return found ? duty_meet(db, DUTY_LAW_ENFORCEMENT_REPORT, "case", case_id, at, by, NULL) : 0;
}

/* One report as answered, its officer and reference opened. */
static int report_json(struct app *app, struct db_stmt *st, json_t *out)
{
	int64_t mid = db_column_int64(st, 0);
	char *officer = NULL, *reference = NULL;
	json_t *e = json_object();
	int r = e ? 0 : ERR_NOMEM;
	if (r == 0 && (r = sealed_get(app, st, 3, "mandated_report", "officer_sealed", mid, &officer)) == 0 &&
	    (r = sealed_get(app, st, 4, "mandated_report", "reference_sealed", mid, &reference)) == 0 &&
	    (r = db_row_json(st, "id:i kind agency - - reported_at missing_episode_id:i recorded_by recorded_at", e)) ==
		    0 &&
	    (json_object_set_new(e, "officer", text_or_null(officer)) < 0 ||
	     json_object_set_new(e, "reference", text_or_null(reference)) < 0 || json_array_append(out, e) < 0))
		r = ERR_NOMEM;
	json_decref(e);
	free(officer);
	free(reference);
	return r;
}

int cases_reports_json(struct db *db, struct app *app, int64_t case_id, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT m.id, m.kind, m.agency, m.officer_sealed, m.reference_sealed, m.reported_at,"
			    " m.missing_episode_id, u.username, m.recorded_at"
			    " FROM mandated_report m LEFT JOIN app_user u ON u.id = m.recorded_by"
			    " WHERE m.case_id = ? ORDER BY m.reported_at, m.id",
			    "i", case_id);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && (r = report_json(app, st, out)) == 0)
		;
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- mandated reports ---- */

static const char *const report_kinds[] = {"law_enforcement", "ncmec", NULL};

static const struct field_rule report_fields[] = {
	{.key = "kind", .type = FT_STRING, .required = true, .max_len = 32, .allowed = report_kinds},
	{.key = "agency", .type = FT_STRING, .required = true, .max_len = MAX_SHORT},
	{.key = "officer", .type = FT_STRING, .max_len = MAX_SHORT},
	{.key = "reference", .type = FT_STRING, .max_len = MAX_SHORT},
	{.key = "reported_at", .type = FT_TIME, .required = true},
	{.key = "missing_episode_id", .type = FT_ID, .reason = "choose a missing episode from the list", .label = "Missing episode"},
	{.key = NULL},
};
const struct schema svc_case_report_schema = {.name = "mandated report", .fields = report_fields};

/* What a report records, once checked. */
struct report_req {
	const char *kind, *agency, *officer, *reference;
	bool ncmec, before; /* before: made before the child was identified */
	hl_time reported;
	int64_t episode_id; /* the episode it says it is for; 0: none */
};

/* The earliest unmet duty of kind among the case's missing episodes: the
 * episode's id, 0 when none. */
static int earliest_unmet(struct db *db, int64_t case_id, enum duty_kind kind, int64_t *ret_episode)
{
	*ret_episode = 0;
	int r = db_int64f(db, ret_episode,
			  "SELECT subject_id FROM duty WHERE case_id = ? AND kind = ?"
			  " AND subject_type = 'missing_episode' AND met_at IS NULL ORDER BY due_at, id LIMIT 1",
			  "it", case_id, duty_kind_to_string(kind));
	return r == ERR_NOTFOUND ? 0 : r;
}

/* Which duty it meets: the one of its kind that falls due first. A report
 * made before the child was identified is kept, and meets the
 * identification's duty only when the pack says earlier reports count. */
static int meet_duty(const struct svc_ctx *ctx, struct db *db, int64_t id, const struct report_req *q,
		     int64_t *ret_met, int64_t *ret_episode)
{
	int64_t by = ctx->actor->user_id;
	int r = 0;
	*ret_episode = q->episode_id;
	if (!q->ncmec && q->episode_id <= 0) {
		if ((!q->before || le_earlier_reports_count(ctx->app->pack)) &&
		    (r = duty_meet(db, DUTY_LAW_ENFORCEMENT_REPORT, "case", id, q->reported, by, ret_met)) < 0)
			return r;
		if (!*ret_met && (r = earliest_unmet(db, id, DUTY_MISSING_LAW_ENFORCEMENT_REPORT, ret_episode)) < 0)
			return r;
	} else if (q->episode_id <= 0 && (r = earliest_unmet(db, id, DUTY_MISSING_NCMEC_REPORT, ret_episode)) < 0) {
		return r;
	}
	if (*ret_met || *ret_episode <= 0)
		return 0;
	return duty_meet(db, q->ncmec ? DUTY_MISSING_NCMEC_REPORT : DUTY_MISSING_LAW_ENFORCEMENT_REPORT,
			 "missing_episode", *ret_episode, q->reported, by, ret_met);
}

/* The report found to be about an episode says so; an NCMEC case number is
 * kept with the episode. */
static int link_episode(const struct svc_ctx *ctx, struct db *db, const struct report_req *q, int64_t rid,
			int64_t episode, const char *ts)
{
	int r;
	if (q->ncmec && q->reference && *q->reference &&
	    ((r = db_execf(db, "UPDATE missing_episode SET updated_at = ? WHERE id = ?", "ti", ts, episode)) < 0 ||
	     (r = sealed_put(db, ctx->app, "missing_episode", "ncmec_sealed", episode, q->reference)) < 0))
		return r;
	if (q->episode_id > 0)
		return 0;
	return db_execf(db, "UPDATE mandated_report SET missing_episode_id = ? WHERE id = ?", "ii", episode, rid);
}

static int report_write(const struct svc_ctx *ctx, struct db *db, int64_t id, const struct report_req *q,
			int64_t *ret_rid, int64_t *ret_met, int64_t *ret_episode)
{
	char ts[32], rep_ts[32];
	time_strs(q->reported, ts, rep_ts);
	int64_t rid = 0;
	/* Officer and reference are sealed once the row has its id. */
	int r = db_int64f(db, &rid,
			  "INSERT INTO mandated_report (case_id, kind, agency, officer, reference, reported_at,"
			  " missing_episode_id, recorded_by, recorded_at)"
			  " VALUES (?, ?, ?, NULL, NULL, ?, NULLIF(CAST(? AS BIGINT), 0), ?, ?) RETURNING id",
			  "itttiit", id, q->kind, q->agency, rep_ts, q->episode_id, ctx->actor->user_id, ts);
	if (r < 0 || (r = sealed_put(db, ctx->app, "mandated_report", "officer_sealed", rid, q->officer)) < 0 ||
	    (r = sealed_put(db, ctx->app, "mandated_report", "reference_sealed", rid, q->reference)) < 0 ||
	    (r = meet_duty(ctx, db, id, q, ret_met, ret_episode)) < 0 ||
	    (*ret_episode > 0 && (r = link_episode(ctx, db, q, rid, *ret_episode, ts)) < 0))
		return r;
	/* The reference number stays with the report, sealed; the timeline
	 * entry points at the report. */
	json_t *data = json_pack("{s:I, s:s, s:s}", "report_id", (json_int_t)rid, "report_kind", q->kind, "agency",
				 q->agency);
	if (!data || (*ret_episode > 0 &&
		      json_object_set_new(data, "missing_episode_id", json_integer(*ret_episode)) < 0))
		r = ERR_NOMEM;
	else
		r = cases_event_add(db, ctx->app, id, "report", q->reported, ctx->actor->user_id, false, data, NULL,
				    NULL);
	json_decref(data);
	if (r < 0)
		return r;
	*ret_rid = rid;
	return cases_written(db, ctx, id, "case.report", "kind=%s report=%lld%s", q->kind, (long long)rid,
			     *ret_met ? " met" : "");
}

static int check_input(struct db *db, const struct case_head *h, const json_t *body, struct field_errors *errs,
		       struct report_req *q)
{
	q->kind = cases_str(body, "kind");
	q->agency = cases_str(body, "agency");
	q->officer = json_string_value(json_object_get(body, "officer"));
	q->reference = json_string_value(json_object_get(body, "reference"));
	cases_time_past(body, "reported_at", now(), errs, &q->reported);
	q->episode_id = json_integer_value(json_object_get(body, "missing_episode_id"));
	struct episode e;
	int r = q->episode_id > 0 ? cases_load_episode(db, h->id, q->episode_id, &e) : 0;
	if (r == ERR_NOTFOUND)
		field_error_add(errs, "missing_episode_id", "no such missing episode in this case");
	else if (r < 0)
		return r;
	if (field_errors_any(errs))
		return ERR_INVAL;
	q->ncmec = strcmp(q->kind, "ncmec") == 0;
	q->before = before_identification(h, q->reported);
	return 0;
}

int svc_case_report(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	struct report_req q = {0};
	int64_t rid = 0, met = 0, episode = 0;
	int r = cases_write_enter(ctx, id, &svc_case_report_schema, body, errs, &db, &h);
	if ((r < 0 && r != ERR_INVAL) || (r = check_input(db, &h, body, errs, &q)) < 0 || (r = db_begin(db)) < 0 ||
	    (r = cases_end(db, report_write(ctx, db, id, &q, &rid, &met, &episode))) < 0)
		return r;
	json_t *j = json_pack("{s:I, s:[], s:b}", "id", (json_int_t)rid, "met", "before_identification",
			      !q.ncmec && episode <= 0 && q.before);
	if (!j || (met && json_array_append_new(json_object_get(j, "met"), json_integer(met)) < 0)) {
		json_decref(j);
		return ERR_NOMEM;
	}
	*ret = j;
	return 0;
}
