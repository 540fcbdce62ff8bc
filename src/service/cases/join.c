/* join.c: a report joins the child's case that is not closed, and a
 * report naming a suspected victim identifies the child. */
#include "service/cases/cases_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/screening.h"
#include "model/routing.h"
#include "service/audit.h"
#include "service/casejoin.h"
#include "service/deadlines.h"
#include "service/figures.h"

/* The report joins a case (once): case_intake and an intake_joined event.
 * *ret_added: false when it was there already. */
int cases_join_intake(struct db *db, const struct svc_ctx *ctx, int64_t case_id, int64_t intake_id, int child,
		       const char *intake_number, hl_time at, bool *ret_added)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT count(*) FROM case_intake WHERE case_id = ? AND intake_id = ?", &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	db_bind_int64(st, 2, intake_id);
	int64_t there = 0;
	if ((r = db_step(st)) == DB_ROW)
		there = db_column_int64(st, 0);
	db_finalize(st);
	if (r < 0)
		return r;
	*ret_added = false;
	if (there)
		return 0;
	char ts[32];
	time_str(at, ts);
	if ((r = db_prepare(db,
			    "INSERT INTO case_intake (case_id, intake_id, child, joined, added_at, added_by)"
			    " VALUES (?, ?, ?, 1, ?, ?)",
			    &st)) < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	db_bind_int64(st, 2, intake_id);
	db_bind_int64(st, 3, child);
	db_bind_text(st, 4, ts);
	if (ctx->actor->user_id > 0)
		db_bind_int64(st, 5, ctx->actor->user_id);
	else
		db_bind_null(st, 5);
	if ((r = cases_step_id(st, NULL)) < 0)
		return r;
	/* Figures: the joining report's referral takes the case's type. */
	if ((r = figures_case_type(db, case_id)) < 0)
		return r;
	json_t *data = json_pack("{s:I, s:s, s:i}", "intake_id", (json_int_t)intake_id, "intake_number", intake_number,
				 "child", child);
	r = cases_event_add(db, ctx->app, case_id, "intake_joined", at, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0)
		return r;
	if ((r = cases_touch(db, case_id, ts)) < 0)
		return r;
	/* A report that says the child is a suspected victim identifies a
	 * child not yet identified, as opening a case from it would. */
	struct intake_for_case it;
	struct case_head h;
	if ((r = cases_load_intake(db, intake_id, child, &it)) < 0 || (r = case_load(db, case_id, &h)) < 0)
		return r;
	bool identifies = it.suspected_by && !h.identified;
	if (identifies && (r = cases_identify_from_intake(db, ctx, case_id, &it, h.victim)) < 0)
		return r;
	if ((r = svc_audit_appendf(db, ctx, "case.update", "case", case_id, "intake_joined intake=%lld child=%d%s%s",
	                           (long long)intake_id, child, identifies ? " victim_status=suspected by=" : "",
	                           identifies ? it.suspected_by : "")) < 0)
		return r;
	*ret_added = true;
	return 0;
}

int cases_join_accepted(struct db *db, const struct svc_ctx *ctx, int64_t intake_id, hl_time at)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT c.position, k.id, i.number FROM intake_child c JOIN intake i ON i.id = c.intake_id"
			   " JOIN child_case k ON k.person_id = c.person_id AND k.status <> 'closed'"
			   " WHERE c.intake_id = ? ORDER BY c.position",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, intake_id);
	struct {
		int child;
		int64_t case_id;
	} joins[32];
	size_t n = 0;
	char number[24] = "";
	while ((r = db_step(st)) == DB_ROW && n < 32) {
		joins[n].child = (int)db_column_int64(st, 0);
		joins[n].case_id = db_column_int64(st, 1);
		str_copy(number, sizeof number, db_column_text(st, 2));
		n++;
	}
	db_finalize(st);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		bool added;
		if ((r = cases_join_intake(db, ctx, joins[i].case_id, intake_id, joins[i].child, number, at, &added)) < 0)
			return r;
	}
	return 0;
}

int cases_load_intake(struct db *db, int64_t id, int child, struct intake_for_case *it)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT i.number, i.region, i.office, i.disposition, c.person_id, c.id, i.received_at,"
			   " c.suspected_victim,"
			   " (SELECT s.level FROM screening s WHERE s.intake_id = i.id ORDER BY s.id DESC LIMIT 1)"
			   " FROM intake i LEFT JOIN intake_child c ON c.intake_id = i.id AND c.position = ? WHERE i.id = ?",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, child);
	db_bind_int64(st, 2, id);
	r = db_step(st);
	if (r == DB_ROW) {
		memset(it, 0, sizeof *it);
		str_copy(it->number, sizeof it->number, db_column_text(st, 0));
		it->has_region = db_column_text(st, 1) != NULL;
		str_copy(it->region, sizeof it->region, it->has_region ? db_column_text(st, 1) : "");
		str_copy(it->office, sizeof it->office, db_column_text(st, 2) ? db_column_text(st, 2) : "");
		str_copy(it->disposition, sizeof it->disposition, db_column_text(st, 3) ? db_column_text(st, 3) : "");
		it->person_id = db_column_is_null(st, 4) ? 0 : db_column_int64(st, 4);
		it->child_found = !db_column_is_null(st, 5);
		str_copy(it->received_at, sizeof it->received_at, db_column_text(st, 6) ? db_column_text(st, 6) : "");
		const char *level = db_column_text(st, 8);
		it->suspected_by =
			guardrail_suspected_by(!db_column_is_null(st, 7) && db_column_int64(st, 7) != 0, level);
		r = 0;
	} else if (r == DB_DONE) {
		r = ERR_NOTFOUND;
	}
	db_finalize(st);
	return r;
}

/* A case opened from (or joined by) a report that says the child is a
 * suspected victim is suspected, identified when the report was received:
 * the law-enforcement duty counts from then, and may already be overdue.
 * Inside the caller's transaction. */
int cases_identify_from_intake(struct db *db, const struct svc_ctx *ctx, int64_t case_id,
				const struct intake_for_case *it, const char *from)
{
	hl_time ident;
	int r = time_parse(it->received_at, &ident);
	if (r < 0)
		return r;
	char ident_ts[32];
	time_str(ident, ident_ts);
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "UPDATE child_case SET victim_status = 'suspected', identified_at = ? WHERE id = ?", &st)) < 0)
		return r;
	if ((r = db_bind_text(st, 1, ident_ts)) < 0 || (r = db_bind_int64(st, 2, case_id)) < 0) {
		db_finalize(st);
		return r;
	}
	if ((r = cases_step_id(st, NULL)) < 0)
		return r;
	if ((r = duty_open_pack(db, ctx->app->pack, case_id, DUTY_LAW_ENFORCEMENT_REPORT, "case", case_id, ident, 0, NULL)) <
		    0 &&
	    r != ERR_NOTFOUND)
		return r;
	if ((r = cases_meet_with_recorded_report(db, ctx->app->pack, case_id, ident)) < 0)
		return r;
	json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s}", "from", from, "to", "suspected", "identified_at",
				 ident_ts, "intake_number", it->number, "identified_by", it->suspected_by);
	if (!data)
		return ERR_NOMEM;
	r = cases_event_add(db, ctx->app, case_id, "victim_status", ident, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	return r;
}

