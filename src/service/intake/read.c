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

static int64_t deadline_minutes(const struct pack *p)
{
	const struct pack_deadline *d = pack_deadline(p, "intake_disposition");
	return d ? d->minutes : 24 * 60;
}

/* The filter's region, or the liaison's own: a liaison who asks for
 * another region is refused, and the refusal audited. */
static int list_region(const struct svc_ctx *ctx, const struct intake_filter *f, struct field_errors *errs,
		       const char **ret)
{
	const char *status = f->status && *f->status ? f->status : "open";
	if (strcmp(status, "open") != 0 && strcmp(status, "decided") != 0 && strcmp(status, "all") != 0)
		field_error_add(errs, "status", "open, decided or all");
	if (f->region && strcmp(f->region, "none") != 0 && !pack_region(ctx->app->pack, f->region))
		field_error_add(errs, "region", "unknown region");
	if (field_errors_any(errs))
		return ERR_INVAL;
	*ret = f->region;
	if (ctx->actor->role == ROLE_LIAISON) {
		if (f->region && strcmp(f->region, ctx->actor->scope) != 0) {
			svc_audit_denial(ctx, "intake list outside the liaison's region", "intake", NULL);
			return ERR_PERM;
		}
		*ret = ctx->actor->scope;
	}
	return 0;
}

/* One row of the queue, with its age and whether it is overdue. */
static int queue_row(struct db_stmt *st, hl_time t, int64_t due, json_t *list)
{
	json_t *o = json_object();
	if (!o)
		return ERR_NOMEM;
	int r = db_row_json(st, "id:i number received_at channel source region office unmapped_town:b"
				" suspected_victim:b disposition disposition_at children:i screening_level restricted:b", o);
	hl_time received = 0;
	if (r == 0 && time_parse(db_column_text(st, 2), &received) < 0)
		received = 0;
	int64_t age_min = (t - received) / (60 * HL_USEC_PER_SEC);
	if (r == 0 && (json_object_set_new(o, "age_minutes", json_integer(age_min)) < 0 ||
		       json_object_set_new(o, "overdue", json_boolean(db_column_is_null(st, 9) && age_min > due)) < 0))
		r = ERR_NOMEM;
	if (r == 0 && json_array_append_new(list, o) < 0)
		return ERR_NOMEM;
	if (r < 0)
		json_decref(o);
	return r;
}

int svc_intake_list(const struct svc_ctx *ctx, const struct intake_filter *f, struct field_errors *errs,
		    json_t **ret)
{
	struct db *db;
	const char *region;
	int r = svc_enter(ctx, PERM_INTAKE_READ, &db);
	if (r < 0 || (r = list_region(ctx, f, errs, &region)) < 0)
		return r;
	const char *status = f->status && *f->status ? f->status : "open";
	hl_time t = now();
	char cutoff[32] = "";
	if (f->older_than_minutes > 0 &&
	    (r = time_format(t - f->older_than_minutes * 60 * HL_USEC_PER_SEC, cutoff, sizeof cutoff)) < 0)
		return r;
	struct db_stmt *st;
	r = db_preparef(db, &st,
			"SELECT i.id, i.number, i.received_at, i.channel, i.source, i.region, i.office, i.unmapped_town,"
			" i.suspected_victim, i.disposition, i.disposition_at,"
			" (SELECT count(*) FROM intake_child c WHERE c.intake_id = i.id),"
			" (SELECT s.level FROM screening s WHERE s.intake_id = i.id ORDER BY s.id DESC LIMIT 1),"
			" (SELECT count(*) FROM relief_link l JOIN relief_record rr ON rr.id = l.relief_id"
			"  WHERE l.kind = 'intake' AND l.object_id = i.id AND rr.status = 'granted')"
			" FROM intake i"
			" WHERE (? = 'all' OR (? = 'open' AND i.disposition IS NULL) OR (? = 'decided' AND i.disposition IS NOT NULL))"
			" AND (CAST(? AS TEXT) IS NULL OR (? = 'none' AND i.region IS NULL) OR i.region = ?)"
			" AND (? = '' OR i.received_at <= ?)"
			" ORDER BY i.received_at, i.id LIMIT ?",
			"ttttttttd", status, status, status, region, region ? region : "", region, cutoff, cutoff,
			list_limit(f->limit));
	if (r < 0)
		return r;
	json_t *list = json_array();
	int64_t due = deadline_minutes(ctx->app->pack);
	while ((r = db_step(st)) == DB_ROW && (r = queue_row(st, t, due, list)) == 0)
		;
	db_finalize(st);
	if (r < 0 || (r = svc_audit_record(ctx, "intake.list", "intake", NULL, status)) < 0) {
		json_decref(list);
		return r;
	}
	*ret = json_pack("{s:o, s:I}", "intakes", list, "deadline_minutes", (json_int_t)due);
	return *ret ? 0 : ERR_NOMEM;
}

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
	return db_row_json(st, "id:i instrument_id instrument_version answers:j level score:i screened_by screened_at", o);
}

/* screened: whether the report had been screened when decided. */
static int decision_row(struct app *app, struct db_stmt *st, json_t *o)
{
	int r;
	if ((r = db_row_json(st, "- disposition", o)) < 0 ||
	    (r = sealed_json(app, st, 2, "disposition", "reason", db_column_int64(st, 0), o, "reason")) < 0)
		return r;
	return db_row_json(st, "- - - jurisdiction supervisor decided_by decided_at screened:b", o);
}

static const char children_sql[] =
	"SELECT id, position, given_name, family_name, aliases, dob, estimated_age, age_at_report, sex,"
	" gender_sealed, town, placement, in_care, missing, suspected_victim, person_id"
	" FROM intake_child WHERE intake_id = ? ORDER BY position";
static const char screenings_sql[] =
	"SELECT s.id, s.instrument_id, s.instrument_version, s.answers, s.level, s.score, u.username,"
	" s.screened_at FROM screening s JOIN app_user u ON u.id = s.screened_by"
	" WHERE s.intake_id = ? ORDER BY s.id";
static const char decisions_sql[] =
	"SELECT d.id, d.disposition, d.reason, d.jurisdiction, d.supervisor, u.username, d.decided_at,"
	" (SELECT count(*) FROM screening s WHERE s.intake_id = d.intake_id AND s.screened_at <= d.decided_at)"
	" FROM disposition d JOIN app_user u ON u.id = d.decided_by WHERE d.intake_id = ? ORDER BY d.id";

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

int svc_intake_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	struct intake_head h;
	int r = intake_open(ctx, PERM_INTAKE_READ, id, &db, &h);
	if (r < 0 || (r = relief_read_check(ctx, db, "intake", id)) < 0)
		return r;
	struct app *app = ctx->app;
	json_t *j = json_object(), *a;
	if (!j)
		return ERR_NOMEM;
	if ((r = report_json(app, db, id, j)) < 0 || (h.suspected_victim && (r = intake_law_json(app->pack, j)) < 0))
		goto fail;
	/* Children, then screenings and decisions, oldest first. */
	if ((r = (a = array_of(j, "children")) ? rows_json(app, db, children_sql, id, a, child_row) : ERR_NOMEM) < 0 ||
	    (r = (a = array_of(j, "screenings")) ? rows_json(app, db, screenings_sql, id, a, screening_row)
						 : ERR_NOMEM) < 0 ||
	    (r = (a = array_of(j, "dispositions")) ? rows_json(app, db, decisions_sql, id, a, decision_row)
						   : ERR_NOMEM) < 0)
		goto fail;
	char oid[24];
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	if ((r = svc_audit_record(ctx, "intake.read", "intake", oid, NULL)) < 0)
		goto fail;
	*ret = j;
	return 0;
fail:
	json_decref(j);
	return r;
}
