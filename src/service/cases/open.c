/* open.c: opening a case from an accepted report, or directly by HART. */
#include "service/cases/cases_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "match/cmp.h"
#include "model/casestate.h"
#include "service/audit.h"
#include "service/intake.h"
#include "service/numbers.h"
#include "service/persons.h"

/* ---- opening ---- */

/* The person's case that is not closed: its id, number and version; 0 when
 * there is none. */
static int open_case_of(struct db *db, int64_t person_id, int64_t *ret_id, char number[24], int64_t *ret_version)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT id, number, version FROM child_case WHERE person_id = ? AND status <> 'closed'",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, person_id);
	r = db_step(st);
	*ret_id = 0;
	if (r == DB_ROW) {
		*ret_id = db_column_int64(st, 0);
		str_copy(number, 24, db_column_text(st, 1));
		if (ret_version)
			*ret_version = db_column_int64(st, 2);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_case_open(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs,
		  struct case_conflict *cf, struct case_opened *ret)
{
	int r = svc_require(ctx, PERM_CASES_OPEN);
	if (r < 0)
		return r;
	static const char *const known[] = {"intake_id", "child", "region", "person_id", NULL};
	if (!cases_need_object(body, errs))
		return ERR_INVAL;
	cases_unknown_keys(body, known, errs);
	struct app *app = ctx->app;
	const struct pack *pack = app->pack;
	bool from_intake = json_object_get(body, "intake_id") != NULL;
	bool direct = json_object_get(body, "person_id") != NULL;
	int64_t intake_id = 0, person_id = 0;
	int child = 0;
	if (from_intake && direct) {
		field_error_add(errs, "person_id", "give intake_id or person_id, not both");
		return ERR_INVAL;
	}
	if (!from_intake && !direct) {
		field_error_add(errs, "intake_id", "required: the accepted report the case is opened from");
		return ERR_INVAL;
	}
	const char *region = cases_str_field(body, "region", 16, direct, errs);
	if (region && *region && !pack_region(pack, region))
		field_error_add(errs, "region", "unknown region \"%.16s\"", region);
	if (region && !*region)
		region = NULL;
	if (from_intake) {
		intake_id = cases_id_field(body, "intake_id", true, errs);
		json_t *c = json_object_get(body, "child");
		if (c && !json_is_null(c)) {
			if (!json_is_integer(c) || json_integer_value(c) < 0 || json_integer_value(c) > 100)
				field_error_add(errs, "child", "the 0-based position of the child in the report");
			else
				child = (int)json_integer_value(c);
		}
	} else {
		person_id = cases_id_field(body, "person_id", true, errs);
	}
	if (field_errors_any(errs))
		return ERR_INVAL;

	struct db *db;
	if ((r = app_db(app, &db)) < 0)
		return r;
	char office[64] = "", number[24] = "";
	const char *case_region = region;
	char intake_number[24] = "";
	struct intake_for_case it = {0};
	if (from_intake) {
		if ((r = cases_load_intake(db, intake_id, child, &it)) == ERR_NOTFOUND) {
			field_error_add(errs, "intake_id", "no such report");
			return ERR_INVAL;
		}
		if (r < 0)
			return r;
		char oid[24];
		fmt_id(oid, intake_id);
		if (ctx->actor->role == ROLE_LIAISON && (!it.has_region || strcmp(it.region, ctx->actor->scope) != 0)) {
			svc_audit_denial(ctx, "report outside the liaison's region", "intake", oid);
			return ERR_PERM;
		}
		if (!it.child_found) {
			field_error_add(errs, "child", "the report has no child at position %d", child);
			return ERR_INVAL;
		}
		if (it.has_region && region && strcmp(region, it.region) != 0) {
			field_error_add(errs, "region", "the report's region is %s", it.region);
			return ERR_INVAL;
		}
		if (!it.has_region && !region) {
			field_error_add(errs, "region", "required: the report's town is not mapped to a region");
			return ERR_INVAL;
		}
		if (strcmp(it.disposition, "accepted_hart") != 0) {
			cases_conflict(cf,
				 "report %s is %s: a case is opened only from a report accepted for HART response"
				 " (disposition accepted_hart)",
				 it.number, it.disposition[0] ? it.disposition : "not yet decided");
			return ERR_CONFLICT;
		}
		str_copy(intake_number, sizeof intake_number, it.number);
		if (it.has_region) {
			case_region = pack_region(pack, it.region) ? pack_region(pack, it.region)->id : NULL;
			str_copy(office, sizeof office, it.office);
		}
		if (!case_region) {
			field_error_add(errs, "region", "the report's region %s is not in the pack", it.region);
			return ERR_INVAL;
		}
		person_id = it.person_id;
	} else {
		char oid[24];
		fmt_id(oid, person_id);
		if (ctx->actor->role != ROLE_HART) {
			svc_audit_denial(ctx, "a case without a report is opened by HART only", "person", oid);
			return ERR_PERM;
		}
		struct db_stmt *st;
		if ((r = db_prepare(db, "SELECT count(*) FROM person WHERE id = ?", &st)) < 0)
			return r;
		db_bind_int64(st, 1, person_id);
		int64_t exists = 0;
		if ((r = db_step(st)) == DB_ROW)
			exists = db_column_int64(st, 0);
		db_finalize(st);
		if (r < 0)
			return r;
		if (!exists) {
			field_error_add(errs, "person_id", "no such person");
			return ERR_INVAL;
		}
	}

	hl_time t = now();
	char ts[32];
	time_str(t, ts);
	if ((r = db_begin(db)) < 0)
		return r;
	/* A child not yet linked is recorded in this same transaction. */
	bool new_person = !direct && !person_id;
	if (new_person && (r = intake_child_new_person(ctx, intake_id, child, errs, &person_id)) < 0)
		goto fail;
	int64_t existing = 0, version = 1;
	if ((r = open_case_of(db, person_id, &existing, number, &version)) < 0)
		goto fail;
	if (existing && direct) {
		cases_conflict(cf, "the child already has case %s, which is not closed", number);
		r = ERR_CONFLICT;
		goto fail;
	}
	if (existing && ctx->actor->role == ROLE_LIAISON) {
		/* A liaison joins a report to the child's case only in its own
		 * region: it may neither change nor learn of a case elsewhere. */
		struct case_head eh;
		if ((r = case_load(db, existing, &eh)) < 0)
			goto fail;
		if (strcmp(eh.region, ctx->actor->scope) != 0) {
			db_rollback(db);
			char oid[24];
			fmt_id(oid, existing);
			svc_audit_denial(ctx, "the child's open case is outside the liaison's region", "case", oid);
			return ERR_PERM;
		}
	}
	if (existing) {
		bool added;
		if ((r = cases_join_intake(db, ctx, existing, intake_id, child, intake_number, t, &added)) < 0)
			goto fail;
		char oid[24], detail[96];
		fmt_id(oid, existing);
		snprintf(detail, sizeof detail, "joined intake=%lld", (long long)intake_id);
		if ((r = svc_audit_append(db, ctx, "case.open", "case", oid, detail)) < 0)
			goto fail;
		struct case_head h;
		if ((r = case_load(db, existing, &h)) < 0)
			goto fail;
		if ((r = db_commit(db)) < 0)
			goto fail;
		memset(ret, 0, sizeof *ret);
		ret->id = existing;
		str_copy(ret->number, sizeof ret->number, h.number);
		ret->version = h.version;
		ret->joined = true;
		return 0;
	}
	int64_t seq;
	struct cmp_date today = cmp_date_local(t / HL_USEC_PER_SEC);
	if ((r = svc_next_number(db, "case", today.y, &seq)) < 0)
		goto fail;
	snprintf(number, sizeof number, "C-%04d-%04lld", today.y, (long long)seq);
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO child_case (number, person_id, region, office, opened_by, opened_at, updated_at)"
			    " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, number);
	db_bind_int64(st, 2, person_id);
	db_bind_text(st, 3, case_region);
	db_bind_text(st, 4, office[0] ? office : NULL);
	db_bind_int64(st, 5, ctx->actor->user_id);
	db_bind_text(st, 6, ts);
	db_bind_text(st, 7, ts);
	int64_t id = 0;
	if ((r = cases_step_id(st, &id)) < 0)
		goto fail;
	if (from_intake) {
		if ((r = db_prepare(db,
				    "INSERT INTO case_intake (case_id, intake_id, child, joined, added_at, added_by)"
				    " VALUES (?, ?, ?, 0, ?, ?)",
				    &st)) < 0)
			goto fail;
		db_bind_int64(st, 1, id);
		db_bind_int64(st, 2, intake_id);
		db_bind_int64(st, 3, child);
		db_bind_text(st, 4, ts);
		db_bind_int64(st, 5, ctx->actor->user_id);
		if ((r = cases_step_id(st, NULL)) < 0)
			goto fail;
	}
	json_t *data = from_intake ? json_pack("{s:I, s:s, s:i}", "intake_id", (json_int_t)intake_id, "intake_number",
					       intake_number, "child", child)
				   : NULL;
	r = cases_event_add(db, app, id, "opened", t, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0)
		goto fail;
	if (from_intake && it.suspected_by && (r = cases_identify_from_intake(db, ctx, id, &it, "none")) < 0)
		goto fail;
	char oid[24], detail[128];
	fmt_id(oid, id);
	if (from_intake)
		snprintf(detail, sizeof detail, "number=%s intake=%lld person=%lld%s%s", number, (long long)intake_id,
			 (long long)person_id, it.suspected_by ? " victim_status=suspected by=" : "",
			 it.suspected_by ? it.suspected_by : "");
	else
		snprintf(detail, sizeof detail, "number=%s person=%lld", number, (long long)person_id);
	if ((r = svc_audit_append(db, ctx, "case.open", "case", oid, detail)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	if (new_person && (r = persons_register_id(ctx->app, db, person_id)) < 0)
		return r;
	memset(ret, 0, sizeof *ret);
	ret->id = id;
	str_copy(ret->number, sizeof ret->number, number);
	ret->version = 1;
	ret->joined = false;
	return 0;
fail:
	db_rollback(db);
	return r;
}

