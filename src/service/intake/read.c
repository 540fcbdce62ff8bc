/* Reading reports: the queue, and one report with its children,
 * screenings and decisions. Sealed columns are opened here, for the
 * handler to pass on. */
#include "service/intake/intake_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "service/audit.h"
#include "service/relief.h"
#include "service/sealed.h"

/* A JSON column's value, or def when it does not parse. */
static int set_json_text(json_t *obj, const char *key, const char *text, json_t *def)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;
	if (!v)
		v = def;
	else
		json_decref(def);
	return json_object_set_new(obj, key, v) < 0 ? ERR_NOMEM : 0;
}

/* Each row of sql (one parameter: the report's id) as an object on out,
 * filled by fill. */
static int rows_json(struct app *app, struct db *db, const char *sql, int64_t id, json_t *out,
		     int (*fill)(struct app *app, struct db_stmt *st, json_t *o))
{
	struct db_stmt *st;
	int r = db_preparef(db, &st, sql, "i", id);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		json_t *o = json_object();
		if (!o || json_array_append_new(out, o) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = fill(app, st, o)) < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

static int child_row(struct app *app, struct db_stmt *st, json_t *c)
{
	int64_t cid = db_column_int64(st, 0);
	char *aliases = NULL;
	int r;
	if ((r = db_row_json(st, "- position:i", c)) < 0 ||
	    (r = sealed_json(app, st, 2, "intake_child", "given_name", cid, c, "given_name")) < 0 ||
	    (r = sealed_json(app, st, 3, "intake_child", "family_name", cid, c, "family_name")) < 0 ||
	    (r = sealed_get(app, st, 4, "intake_child", "aliases", cid, &aliases)) < 0 ||
	    (r = set_json_text(c, "aliases", aliases, json_array())) < 0 ||
	    (r = sealed_json(app, st, 5, "intake_child", "dob", cid, c, "dob")) < 0 ||
	    (r = db_row_json(st, "- - - - - - estimated_age:i age_at_report:i sex", c)) < 0 ||
	    (r = sealed_json(app, st, 9, "intake_child", "gender_sealed", cid, c, "gender_identity")) < 0)
		goto out;
	r = db_row_json(st, "- - - - - - - - - - town placement in_care:b missing:b suspected_victim:b person_id:i", c);
out:
	free(aliases);
	return r;
}

static int screening_row(struct app *app, struct db_stmt *st, json_t *o)
{
	int r = db_row_json(st, "id:i instrument_id instrument_version answers:j level score:i screened_by screened_at", o);
	/* The name the screener goes by (columns 8 id, 9 display name). */
	return r < 0 ? r : sealed_json(app, st, 9, "app_user", "display_name", db_column_int64(st, 8), o, "screened_by_name");
}

/* screened: whether the report had been screened when decided. */
static int decision_row(struct app *app, struct db_stmt *st, json_t *o)
{
	int r;
	if ((r = db_row_json(st, "- disposition", o)) < 0 ||
	    (r = sealed_json(app, st, 2, "disposition", "reason", db_column_int64(st, 0), o, "reason")) < 0)
		return r;
	if ((r = db_row_json(st, "- - - jurisdiction supervisor decided_by decided_at screened:b", o)) < 0)
		return r;
	/* The name the decider goes by (columns 8 id, 9 display name). */
	return sealed_json(app, st, 9, "app_user", "display_name", db_column_int64(st, 8), o, "decided_by_name");
}

static const char children_sql[] =
	"SELECT id, position, given_name, family_name, aliases, dob, estimated_age, age_at_report, sex,"
	" gender_sealed, town, placement, in_care, missing, suspected_victim, person_id"
	" FROM intake_child WHERE intake_id = ? ORDER BY position";
static const char screenings_sql[] =
	"SELECT s.id, s.instrument_id, s.instrument_version, s.answers, s.level, s.score, u.username,"
	" s.screened_at, u.id, u.display_name FROM screening s JOIN app_user u ON u.id = s.screened_by"
	" WHERE s.intake_id = ? ORDER BY s.id";
static const char decisions_sql[] =
	"SELECT d.id, d.disposition, d.reason, d.jurisdiction, d.supervisor, u.username, d.decided_at,"
	" (SELECT count(*) FROM screening s WHERE s.intake_id = d.intake_id AND s.screened_at <= d.decided_at),"
	" u.id, u.display_name FROM disposition d JOIN app_user u ON u.id = d.decided_by WHERE d.intake_id = ? ORDER BY d.id";

/* The report's own columns, its sealed reporter and narrative opened. */
static int report_json(struct app *app, struct db *db, int64_t id, json_t *j)
{
	struct db_stmt *st;
	char *reporter = NULL;
	int r = db_rowf(db, &st,
			"SELECT number, received_at, channel, source, reporter_anonymous, reporter, narrative,"
			" incident_town, concerns, region, office, unmapped_town, suspected_victim, disposition,"
			" disposition_at, version, created_at FROM intake WHERE id = ?",
			"i", id);
	if (r < 0)
		return r;
	if ((r = json_object_set_new(j, "id", json_integer(id)) < 0 ? ERR_NOMEM : 0) < 0 ||
	    (r = db_row_json(st, "number received_at channel source reporter_anonymous:b", j)) < 0 ||
	    (r = sealed_get(app, st, 5, "intake", "reporter", id, &reporter)) < 0 ||
	    (r = set_json_text(j, "reporter", reporter, json_null())) < 0 ||
	    (r = sealed_json(app, st, 6, "intake", "narrative", id, j, "narrative")) < 0 ||
	    (r = db_row_json(st, "- - - - - - - town", j)) < 0 ||
	    (r = set_json_text(j, "concerns", db_column_text(st, 8), json_array())) < 0)
		goto out;
	r = db_row_json(st, "- - - - - - - - - region office unmapped_town:b suspected_victim:b disposition"
			    " disposition_at version:i created_at", j);
out:
	free(reporter);
	db_finalize(st);
	return r;
}

/* A new array set on j as key, or NULL. */
static json_t *array_of(json_t *j, const char *key)
{
	json_t *a = json_array();
	return a && json_object_set_new(j, key, a) == 0 ? a : NULL;
}

struct intake_read {
	struct app *app;
	int64_t id;
	bool suspected_victim;
	json_t *j;
};

static int intake_read(struct db *db, void *arg, struct audit_read *rec)
{
	(void)rec; /* the record names the report, with no detail */
	struct intake_read *p = arg;
	struct app *app = p->app;
	json_t *j = p->j = json_object(), *a;
	int r;
	if (!j)
		return ERR_NOMEM;
	if ((r = report_json(app, db, p->id, j)) < 0 || (p->suspected_victim && (r = intake_law_json(app->pack, j)) < 0))
		return r;
	/* Children, then screenings and decisions, oldest first. */
	if ((r = (a = array_of(j, "children")) ? rows_json(app, db, children_sql, p->id, a, child_row) : ERR_NOMEM) < 0 ||
	    (r = (a = array_of(j, "screenings")) ? rows_json(app, db, screenings_sql, p->id, a, screening_row)
						 : ERR_NOMEM) < 0)
		return r;
	return (a = array_of(j, "dispositions")) ? rows_json(app, db, decisions_sql, p->id, a, decision_row) : ERR_NOMEM;
}

int svc_intake_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	struct intake_head h;
	int r = intake_open(ctx, PERM_INTAKE_READ, id, &db, &h);
	if (r < 0 || (r = relief_read_check(ctx, db, "intake", id)) < 0)
		return r;
	struct intake_read p = {.app = ctx->app, .id = id, .suspected_victim = h.suspected_victim};
	struct audit_read rec = {.action = "intake.read", .object_type = "intake", .object_id = id};
	if ((r = svc_audited_read(db, ctx, &rec, intake_read, &p)) < 0) {
		json_decref(p.j);
		return r;
	}
	*ret = p.j;
	return 0;
}
