/* dashboard.c: HART's (or a liaison's region's) open cases, duties due and
 * children missing now. */
#include "service/cases/cases_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/deadlines.h"
#include "service/setup.h"

/* Per region of the pack (only: one region, or NULL for all): its open
 * cases, overdue duties and children missing now, from the counts kept as
 * they change (service/counts.h): a few rows, however many cases. */
static int regions_json(struct db *db, const struct pack *pack, const char *only, hl_time t, json_t *out)
{
	struct region_counts *c = calloc(pack->n_regions ? pack->n_regions : 1, sizeof *c);
	int r = c ? counts_read(db, pack, only, t, c) : ERR_NOMEM;
	for (size_t i = 0; r == 0 && i < pack->n_regions; i++) {
		const struct pack_region *reg = &pack->regions[i];
		if (only && strcmp(only, reg->id) != 0)
			continue;
		json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I}", "id", reg->id, "name", reg->name, "open_cases",
				      (json_int_t)c[i].open_cases, "overdue", (json_int_t)c[i].overdue, "missing_now",
				      (json_int_t)c[i].missing);
		if (!j || json_array_append_new(out, j) < 0)
			r = ERR_NOMEM;
	}
	free(c);
	return r;
}

/* The children missing now, longest known first, each with its case. */
static int missing_now_json(struct db *db, struct app *app, const char *only, hl_time t, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT c.id, c.number, c.region, c.person_id, m.id, m.last_seen_at, m.learned_at"
			    " FROM missing_episode m CROSS JOIN child_case c WHERE m.located_at IS NULL"
			    " AND c.id = m.case_id AND c.region = COALESCE(CAST(? AS TEXT), c.region)"
			    " ORDER BY m.learned_at, m.id LIMIT ?",
			    "td", only, LIST_LIMIT_DEFAULT);
	if (r < 0)
		return r;
	struct cases_rows rows = {0};
	while ((r = db_step(st)) == DB_ROW) {
		json_t *j = json_pack("{s:{s:I, s:s, s:s}, s:I, s:s, s:s}", "case", "id",
				      (json_int_t)db_column_int64(st, 0), "number", db_column_text(st, 1), "region",
				      db_column_text(st, 2), "episode_id", (json_int_t)db_column_int64(st, 4),
				      "last_seen_at", db_column_text(st, 5), "learned_at", db_column_text(st, 6));
		if ((r = cases_rows_add(&rows, db_column_int64(st, 3), j)) < 0 ||
		    (r = cases_missing_for_json(j, db_column_text(st, 5), NULL, t)) < 0)
			break;
	}
	db_finalize(st);
	return cases_rows_finish(db, app, &rows, r, out);
}

static int dashboard_json(const struct svc_ctx *ctx, struct db *db, const char *only, json_t *j)
{
	struct app *app = ctx->app;
	hl_time t = now();
	json_t *notices = NULL;
	int r;
	if ((r = regions_json(db, app->pack, only, t, json_object_get(j, "regions"))) < 0 ||
	    (r = duty_select(db, app, "overdue", only, 0, 0, LIST_LIMIT_DEFAULT, t, json_object_get(j, "overdue"))) <
		    0 ||
	    (r = duty_select(db, app, "due_soon", only, 0, 24 * 60 * MINUTE, LIST_LIMIT_DEFAULT, t,
			     json_object_get(j, "due_soon"))) < 0 ||
	    (r = missing_now_json(db, app, only, t, json_object_get(j, "missing_now"))) < 0)
		return r;
	/* HART's own: the accounts given case access (svc_setup). */
	if ((r = access_notices_json(db, ctx, &notices)) < 0)
		return r;
	if (json_object_set_new(j, "access_notices", notices) < 0)
		return ERR_NOMEM;
	return 0;
}

int svc_dashboard(const struct svc_ctx *ctx, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_DEADLINES_READ, &db);
	if (r < 0)
		return r;
	const char *only = ctx->actor->role == ROLE_LIAISON ? ctx->actor->scope : NULL;
	json_t *j = json_pack("{s:[], s:[], s:[], s:[]}", "regions", "overdue", "due_soon", "missing_now");
	if (!j)
		return ERR_NOMEM;
	/* Read in one view on this thread's connection, outside any
	 * transaction, which would run on the single writer and hold it (and
	 * every other request's write) while the counts are read. The view
	 * ends before the record of the read goes through the writer: held
	 * through the commit, its snapshot would keep SQLite's write-ahead log
	 * from ever starting again under a stream of dashboards. The dashboard
	 * is answered only once the record is durable. */
	if ((r = db_read_begin(db)) == 0) {
		r = dashboard_json(ctx, db, only, j);
		db_read_end(db);
	}
	if (r == 0)
		r = svc_audit_append(db, ctx, "dashboard.read", "dashboard", NULL, only ? only : "all");
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}
