/* join.c: a report joins the child's case that is not closed, and a
 * report naming a suspected victim identifies the child. */
#include "service/cases/cases_int.h"

#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/screening.h"
#include "model/routing.h"
#include "service/casejoin.h"
#include "service/deadlines.h"
#include "service/figures.h"

/* The report joins a case (once): case_intake and an intake_joined event.
 * *ret_added: false when it was there already. */
int cases_join_intake(struct db *db, const struct svc_ctx *ctx, int64_t case_id, int64_t intake_id, int child,
		       const char *intake_number, hl_time at, bool *ret_added)
{
	int64_t there = 0;
	int r = db_int64f(db, &there, "SELECT count(*) FROM case_intake WHERE case_id = ? AND intake_id = ?", "ii",
			  case_id, intake_id);
	*ret_added = false;
	if (r < 0 || there)
		return r;
	char ts[32];
	time_str(at, ts);
	if ((r = db_execf(db,
			  "INSERT INTO case_intake (case_id, intake_id, child, joined, added_at, added_by)"
			  " VALUES (?, ?, ?, 1, ?, NULLIF(CAST(? AS BIGINT), 0))",
			  "iidti", case_id, intake_id, child, ts, ctx->actor->user_id)) < 0)
		return r;
	/* Figures: the joining report's referral takes the case's type. */
	if ((r = figures_case_type(db, case_id)) < 0)
		return r;
	if ((r = cases_event_packf(db, ctx, case_id, "intake_joined", at, "{s:I, s:s, s:i}", "intake_id",
				   (json_int_t)intake_id, "intake_number", intake_number, "child", child)) < 0)
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
	if ((r = cases_written(db, ctx, case_id, "case.update", "intake_joined intake=%lld child=%d%s%s",
			       (long long)intake_id, child, identifies ? " victim_status=suspected by=" : "",
			       identifies ? it.suspected_by : "")) < 0)
		return r;
	*ret_added = true;
	return 0;
}

int cases_join_accepted(struct db *db, const struct svc_ctx *ctx, int64_t intake_id, hl_time at)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT c.position, k.id, i.number FROM intake_child c JOIN intake i ON i.id = c.intake_id"
			    " JOIN child_case k ON k.person_id = c.person_id AND k.status <> 'closed'"
			    " WHERE c.intake_id = ? ORDER BY c.position",
			    "i", intake_id);
	if (r < 0)
		return r;
	/* Gathered first: the joins run statements of their own. */
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
	for (size_t i = 0; r >= 0 && i < n; i++) {
		bool added;
		r = cases_join_intake(db, ctx, joins[i].case_id, intake_id, joins[i].child, number, at, &added);
	}
	return r < 0 ? r : 0;
}

static const char *text_or_empty(const char *s)
{
	return s ? s : "";
}

int cases_load_intake(struct db *db, int64_t id, int child, struct intake_for_case *it)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT i.number, i.region, i.office, i.disposition, c.person_id, c.id, i.received_at,"
			" c.suspected_victim,"
			" (SELECT s.level FROM screening s WHERE s.intake_id = i.id ORDER BY s.id DESC LIMIT 1)"
			" FROM intake i LEFT JOIN intake_child c ON c.intake_id = i.id AND c.position = ?"
			" WHERE i.id = ?",
			"di", child, id);
	if (r < 0)
		return r;
	memset(it, 0, sizeof *it);
	str_copy(it->number, sizeof it->number, db_column_text(st, 0));
	it->has_region = db_column_text(st, 1) != NULL;
	str_copy(it->region, sizeof it->region, text_or_empty(db_column_text(st, 1)));
	str_copy(it->office, sizeof it->office, text_or_empty(db_column_text(st, 2)));
	str_copy(it->disposition, sizeof it->disposition, text_or_empty(db_column_text(st, 3)));
	it->person_id = db_column_is_null(st, 4) ? 0 : db_column_int64(st, 4);
	it->child_found = !db_column_is_null(st, 5);
	str_copy(it->received_at, sizeof it->received_at, text_or_empty(db_column_text(st, 6)));
	it->suspected_by =
		guardrail_suspected_by(!db_column_is_null(st, 7) && db_column_int64(st, 7) != 0, db_column_text(st, 8));
	db_finalize(st);
	return 0;
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
	if ((r = db_execf(db, "UPDATE child_case SET victim_status = 'suspected', identified_at = ? WHERE id = ?", "ti",
			  ident_ts, case_id)) < 0)
		return r;
	if ((r = duty_open_pack(db, ctx->app->pack, case_id, DUTY_LAW_ENFORCEMENT_REPORT, "case", case_id, ident, 0,
				NULL)) < 0 &&
	    r != ERR_NOTFOUND)
		return r;
	if ((r = cases_meet_with_recorded_report(db, ctx->app->pack, case_id, ident)) < 0)
		return r;
	return cases_event_packf(db, ctx, case_id, "victim_status", ident, "{s:s, s:s, s:s, s:s, s:s}", "from", from,
				 "to", "suspected", "identified_at", ident_ts, "intake_number", it->number,
				 "identified_by", it->suspected_by);
}
