/* dashboard.c: HART's (or a liaison's region's) open cases, duties due and
 * children missing now. */
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
#include "service/setup.h"

/* ---- the dashboard ---- */

int svc_dashboard(const struct svc_ctx *ctx, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_DEADLINES_READ, &db);
	if (r < 0)
		return r;
	struct app *app = ctx->app;
	const struct pack *pack = app->pack;
	const char *only = ctx->actor->role == ROLE_LIAISON ? ctx->actor->scope : NULL;
	hl_time t = now();
	char ts[32];
	time_str(t, ts);
	json_t *j = json_pack("{s:[], s:[], s:[], s:[]}", "regions", "overdue", "due_soon", "missing_now");
	if (!j)
		return ERR_NOMEM;
	if ((r = db_begin(db)) < 0) {
		json_decref(j);
		return r;
	}
	json_t *regions = json_object_get(j, "regions");
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "SELECT"
			    " (SELECT count(*) FROM child_case c WHERE c.region = ? AND c.status <> 'closed'),"
			    " (SELECT count(*) FROM duty d JOIN child_case c ON c.id = d.case_id WHERE c.region = ?"
			    "  AND d.met_at IS NULL AND d.due_at < ?),"
			    " (SELECT count(*) FROM missing_episode m JOIN child_case c ON c.id = m.case_id"
			    "  WHERE c.region = ? AND m.located_at IS NULL)",
			    &st)) < 0)
		goto fail;
	for (size_t i = 0; i < pack->n_regions; i++) {
		const struct pack_region *reg = &pack->regions[i];
		if (only && strcmp(only, reg->id) != 0)
			continue;
		if ((r = db_reset(st)) < 0 || (r = db_bindf(st, "tttt", reg->id, reg->id, ts, reg->id)) < 0 ||
		    (r = db_step(st)) != DB_ROW)
			break;
		json_array_append_new(regions, json_pack("{s:s, s:s, s:I, s:I, s:I}", "id", reg->id, "name", reg->name,
							 "open_cases", (json_int_t)db_column_int64(st, 0), "overdue",
							 (json_int_t)db_column_int64(st, 1), "missing_now",
							 (json_int_t)db_column_int64(st, 2)));
		r = 0;
	}
	db_finalize(st);
	if (r < 0)
		goto fail;
	if ((r = duty_select(db, app, "overdue", only, 0, 0, LIST_LIMIT_DEFAULT, t, json_object_get(j, "overdue"))) < 0 ||
	    (r = duty_select(db, app, "due_soon", only, 0, 24 * 60 * MINUTE, LIST_LIMIT_DEFAULT, t, json_object_get(j, "due_soon"))) <
		    0)
		goto fail;
	if ((r = db_preparef(db, &st,
			    "SELECT c.id, c.number, c.region, c.person_id, m.id, m.last_seen_at, m.learned_at"
			    " FROM missing_episode m JOIN child_case c ON c.id = m.case_id WHERE m.located_at IS NULL"
			    " AND (CAST(? AS TEXT) IS NULL OR c.region = ?) ORDER BY m.learned_at, m.id LIMIT ?",
			    "ttd", only, only ? only : "", LIST_LIMIT_DEFAULT)) < 0)
		goto fail;
	json_t *missing = json_object_get(j, "missing_now");
	struct {
		int64_t person;
		json_t *j;
	} rows[LIST_LIMIT_DEFAULT];
	size_t n = 0;
	while (n < LIST_LIMIT_DEFAULT && (r = db_step(st)) == DB_ROW) {
		rows[n].person = db_column_int64(st, 3);
		rows[n].j = json_pack("{s:{s:I, s:s, s:s}, s:I, s:s, s:s}", "case", "id", (json_int_t)db_column_int64(st, 0),
				      "number", db_column_text(st, 1), "region", db_column_text(st, 2), "episode_id",
				      (json_int_t)db_column_int64(st, 4), "last_seen_at", db_column_text(st, 5),
				      "learned_at", db_column_text(st, 6));
		if (!rows[n].j || (r = cases_missing_for_json(rows[n].j, db_column_text(st, 5), NULL, t)) < 0) {
			json_decref(rows[n].j);
			r = rows[n].j ? r : ERR_NOMEM;
			break;
		}
		n++;
	}
	db_finalize(st);
	for (size_t i = 0; i < n; i++) {
		json_t *child = NULL;
		if (r >= 0 && (r = cases_child_json(db, app, rows[i].person, false, &child)) == 0)
			json_object_set_new(rows[i].j, "child", child);
		json_array_append_new(missing, rows[i].j);
	}
	if (r < 0)
		goto fail;
	/* HART's own: the accounts given case access (svc_setup). */
	json_t *notices = NULL;
	if ((r = access_notices_json(db, ctx, &notices)) < 0 ||
	    (r = json_object_set_new(j, "access_notices", notices)) < 0)
		goto fail;
	if ((r = svc_audit_append(db, ctx, "dashboard.read", "dashboard", NULL, only ? only : "all")) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	*ret = j;
	return 0;
fail:
	db_rollback(db);
	json_decref(j);
	return r;
}
