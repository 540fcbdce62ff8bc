#include "service/intake/intake_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"
#include "match/cmp.h"
#include "model/routing.h"
#include "model/screening.h"
#include "service/audit.h"
#include "service/casejoin.h"
#include "service/figures.h"
#include "service/mailer.h"
#include "service/numbers.h"
#include "service/persons.h"
#include "service/sealed.h"


static int64_t deadline_minutes(const struct pack *p)
{
	const struct pack_deadline *d = pack_deadline(p, "intake_disposition");
	return d ? d->minutes : 24 * 60;
}

int svc_intake_list(const struct svc_ctx *ctx, const struct intake_filter *f, struct field_errors *errs,
		    json_t **ret)
{
	int r = svc_require(ctx, PERM_INTAKE_READ);
	if (r < 0)
		return r;
	const char *status = f->status && *f->status ? f->status : "open";
	if (strcmp(status, "open") != 0 && strcmp(status, "decided") != 0 && strcmp(status, "all") != 0)
		field_error_add(errs, "status", "open, decided or all");
	if (f->region && strcmp(f->region, "none") != 0 && !pack_region(ctx->app->pack, f->region))
		field_error_add(errs, "region", "unknown region");
	if (field_errors_any(errs))
		return ERR_INVAL;
	const char *region = f->region;
	if (ctx->actor->role == ROLE_LIAISON) {
		if (region && strcmp(region, ctx->actor->scope) != 0) {
			svc_audit_denial(ctx, "intake list outside the liaison's region", "intake", NULL);
			return ERR_PERM;
		}
		region = ctx->actor->scope;
	}
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	hl_time t = now();
	char cutoff[32] = "";
	if (f->older_than_minutes > 0)
		time_format(t - f->older_than_minutes * 60 * HL_USEC_PER_SEC, cutoff, sizeof cutoff);
	int limit = f->limit > 0 && f->limit <= 500 ? f->limit : 200;
	struct db_stmt *st;
	r = db_prepare(db,
		       "SELECT i.id, i.number, i.received_at, i.channel, i.source, i.region, i.office, i.unmapped_town,"
		       " i.suspected_victim, i.disposition, i.disposition_at,"
		       " (SELECT count(*) FROM intake_child c WHERE c.intake_id = i.id),"
		       " (SELECT s.level FROM screening s WHERE s.intake_id = i.id ORDER BY s.id DESC LIMIT 1)"
		       " FROM intake i"
		       " WHERE (? = 'all' OR (? = 'open' AND i.disposition IS NULL) OR (? = 'decided' AND i.disposition IS NOT NULL))"
		       " AND (CAST(? AS TEXT) IS NULL OR (? = 'none' AND i.region IS NULL) OR i.region = ?)"
		       " AND (? = '' OR i.received_at <= ?)"
		       " ORDER BY i.received_at, i.id LIMIT ?",
		       &st);
	if (r < 0)
		return r;
	db_bind_text(st, 1, status);
	db_bind_text(st, 2, status);
	db_bind_text(st, 3, status);
	db_bind_text(st, 4, region);
	db_bind_text(st, 5, region ? region : "");
	db_bind_text(st, 6, region);
	db_bind_text(st, 7, cutoff);
	db_bind_text(st, 8, cutoff);
	db_bind_int64(st, 9, limit);
	json_t *list = json_array();
	int64_t due = deadline_minutes(ctx->app->pack);
	while ((r = db_step(st)) == DB_ROW) {
		hl_time received = 0;
		time_parse(db_column_text(st, 2), &received);
		int64_t age_min = (t - received) / (60 * HL_USEC_PER_SEC);
		bool open = db_column_is_null(st, 9);
		json_array_append_new(
			list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:b, s:b, s:s?, s:s?, s:I, s:s?, s:I, s:b}",
					"id", (json_int_t)db_column_int64(st, 0), "number", db_column_text(st, 1),
					"received_at", db_column_text(st, 2), "channel", db_column_text(st, 3), "source",
					db_column_text(st, 4), "region", db_column_text(st, 5), "office",
					db_column_text(st, 6), "unmapped_town", (int)db_column_int64(st, 7),
					"suspected_victim", (int)db_column_int64(st, 8), "disposition",
					db_column_text(st, 9), "disposition_at", db_column_text(st, 10), "children",
					(json_int_t)db_column_int64(st, 11), "screening_level", db_column_text(st, 12),
					"age_minutes", (json_int_t)age_min, "overdue", open && age_min > due));
	}
	db_finalize(st);
	if (r < 0) {
		json_decref(list);
		return r;
	}
	if ((r = svc_audit_record(ctx, "intake.list", "intake", NULL, status)) < 0) {
		json_decref(list);
		return r;
	}
	*ret = json_pack("{s:o, s:I}", "intakes", list, "deadline_minutes", (json_int_t)due);
	return *ret ? 0 : ERR_NOMEM;
}

static int children_json(struct app *app, struct db *db, int64_t id, json_t *out)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT id, position, given_name, family_name, aliases, dob, estimated_age, age_at_report, sex,"
			   " gender_sealed, town, placement, in_care, missing, suspected_victim, person_id"
			   " FROM intake_child WHERE intake_id = ? ORDER BY position",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, id);
	while ((r = db_step(st)) == DB_ROW) {
		int64_t cid = db_column_int64(st, 0);
		char *given, *family, *aliases, *dob;
		if ((r = sealed_get(app, st, 2, "intake_child", "given_name", cid, &given)) < 0)
			break;
		sealed_get(app, st, 3, "intake_child", "family_name", cid, &family);
		sealed_get(app, st, 4, "intake_child", "aliases", cid, &aliases);
		sealed_get(app, st, 5, "intake_child", "dob", cid, &dob);
		json_t *al = aliases ? json_loads(aliases, 0, NULL) : NULL;
		json_t *c = json_object();
		json_object_set_new(c, "position", json_integer(db_column_int64(st, 1)));
		json_object_set_new(c, "given_name", intake_text_or_null(given));
		json_object_set_new(c, "family_name", intake_text_or_null(family));
		json_object_set_new(c, "aliases", al ? al : json_array());
		json_object_set_new(c, "dob", intake_text_or_null(dob));
		json_object_set_new(c, "estimated_age",
				    db_column_is_null(st, 6) ? json_null() : json_integer(db_column_int64(st, 6)));
		json_object_set_new(c, "age_at_report",
				    db_column_is_null(st, 7) ? json_null() : json_integer(db_column_int64(st, 7)));
		json_object_set_new(c, "sex", intake_text_or_null(db_column_text(st, 8)));
		char *gender;
		if ((r = sealed_get(app, st, 9, "intake_child", "gender_sealed", cid, &gender)) < 0) {
			json_decref(c);
			free(given);
			free(family);
			free(aliases);
			free(dob);
			break;
		}
		json_object_set_new(c, "gender_identity", intake_text_or_null(gender));
		free(gender);
		json_object_set_new(c, "town", intake_text_or_null(db_column_text(st, 10)));
		json_object_set_new(c, "placement", intake_text_or_null(db_column_text(st, 11)));
		json_object_set_new(c, "in_care", json_boolean(db_column_int64(st, 12)));
		json_object_set_new(c, "missing", json_boolean(db_column_int64(st, 13)));
		json_object_set_new(c, "suspected_victim", json_boolean(db_column_int64(st, 14)));
		json_object_set_new(c, "person_id",
				    db_column_is_null(st, 15) ? json_null() : json_integer(db_column_int64(st, 15)));
		json_array_append_new(out, c);
		free(given);
		free(family);
		free(aliases);
		free(dob);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_intake_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	struct intake_head h;
	int r = intake_open(ctx, PERM_INTAKE_READ, id, &db, &h);
	if (r < 0)
		return r;
	struct app *app = ctx->app;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "SELECT number, received_at, channel, source, reporter_anonymous, reporter, narrative,"
			    " incident_town, concerns, region, office, unmapped_town, suspected_victim, disposition,"
			    " disposition_at, version, created_at FROM intake WHERE id = ?",
			    &st)) < 0)
		return r;
	db_bind_int64(st, 1, id);
	if ((r = db_step(st)) != DB_ROW) {
		db_finalize(st);
		return r < 0 ? r : ERR_NOTFOUND;
	}
	char *reporter = NULL, *narrative = NULL;
	sealed_get(app, st, 5, "intake", "reporter", id, &reporter);
	sealed_get(app, st, 6, "intake", "narrative", id, &narrative);
	json_t *rep = reporter ? json_loads(reporter, 0, NULL) : NULL;
	json_t *concerns = json_loads(db_column_text(st, 8), 0, NULL);
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer(id));
	json_object_set_new(j, "number", json_string(db_column_text(st, 0)));
	json_object_set_new(j, "received_at", json_string(db_column_text(st, 1)));
	json_object_set_new(j, "channel", json_string(db_column_text(st, 2)));
	json_object_set_new(j, "source", json_string(db_column_text(st, 3)));
	json_object_set_new(j, "reporter_anonymous", json_boolean(db_column_int64(st, 4)));
	json_object_set_new(j, "reporter", rep ? rep : json_null());
	json_object_set_new(j, "narrative", intake_text_or_null(narrative));
	json_object_set_new(j, "town", intake_text_or_null(db_column_text(st, 7)));
	json_object_set_new(j, "concerns", concerns ? concerns : json_array());
	json_object_set_new(j, "region", intake_text_or_null(db_column_text(st, 9)));
	json_object_set_new(j, "office", intake_text_or_null(db_column_text(st, 10)));
	json_object_set_new(j, "unmapped_town", json_boolean(db_column_int64(st, 11)));
	json_object_set_new(j, "suspected_victim", json_boolean(db_column_int64(st, 12)));
	json_object_set_new(j, "disposition", intake_text_or_null(db_column_text(st, 13)));
	json_object_set_new(j, "disposition_at", intake_text_or_null(db_column_text(st, 14)));
	json_object_set_new(j, "version", json_integer(db_column_int64(st, 15)));
	json_object_set_new(j, "created_at", json_string(db_column_text(st, 16)));
	db_finalize(st);
	free(reporter);
	free(narrative);
	if (h.suspected_victim) {
		const struct pack *p = app->pack;
		json_t *cites = json_array();
		for (size_t i = 0; i < p->law.n_citations; i++)
			json_array_append_new(cites, json_string(p->law.citations[i]));
		json_object_set_new(j, "law",
				    json_pack("{s:s, s:o}", "text",
					      p->law.victim_not_offender ? p->law.victim_not_offender : "", "citations", cites));
	}
	json_t *kids = json_array();
	json_object_set_new(j, "children", kids);
	if ((r = children_json(app, db, id, kids)) < 0)
		goto fail;
	/* Screenings and decisions, oldest first. */
	json_t *screens = json_array();
	json_object_set_new(j, "screenings", screens);
	if ((r = db_prepare(db,
			    "SELECT s.id, s.instrument_id, s.instrument_version, s.answers, s.level, s.score, u.username,"
			    " s.screened_at FROM screening s JOIN app_user u ON u.id = s.screened_by"
			    " WHERE s.intake_id = ? ORDER BY s.id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	while ((r = db_step(st)) == DB_ROW)
		json_array_append_new(screens, json_pack("{s:I, s:s, s:s, s:o, s:s, s:I, s:s, s:s}", "id",
							 (json_int_t)db_column_int64(st, 0), "instrument_id",
							 db_column_text(st, 1), "instrument_version", db_column_text(st, 2),
							 "answers", json_loads(db_column_text(st, 3), 0, NULL), "level",
							 db_column_text(st, 4), "score", (json_int_t)db_column_int64(st, 5),
							 "screened_by", db_column_text(st, 6), "screened_at",
							 db_column_text(st, 7)));
	db_finalize(st);
	if (r < 0)
		goto fail;
	json_t *decisions = json_array();
	json_object_set_new(j, "dispositions", decisions);
	if ((r = db_prepare(db,
			    "SELECT d.id, d.disposition, d.reason, d.jurisdiction, d.supervisor, u.username, d.decided_at,"
			    " (SELECT count(*) FROM screening s WHERE s.intake_id = d.intake_id AND s.screened_at <= d.decided_at)"
			    " FROM disposition d JOIN app_user u ON u.id = d.decided_by WHERE d.intake_id = ? ORDER BY d.id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	while ((r = db_step(st)) == DB_ROW) {
		char *reason = NULL;
		sealed_get(app, st, 2, "disposition", "reason", db_column_int64(st, 0), &reason);
		/* screened: whether the report had been screened when decided. */
		json_array_append_new(decisions, json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:s, s:b}", "disposition",
							   db_column_text(st, 1), "reason", reason, "jurisdiction",
							   db_column_text(st, 3), "supervisor", db_column_text(st, 4),
							   "decided_by", db_column_text(st, 5), "decided_at",
							   db_column_text(st, 6), "screened", db_column_int64(st, 7) > 0));
		free(reason);
	}
	db_finalize(st);
	if (r < 0)
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

