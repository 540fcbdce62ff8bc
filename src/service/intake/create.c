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


static const char *const channels[] = {"phone", "web", "email", "fax", "walk_in", "law_enforcement", NULL};
static const char *const placements[] = {"home", "foster", "congregate_care", "homeless", "unknown", NULL};

struct child_in {
	const char *given, *family, *dob, *sex, *gender, *town, *placement;
	const json_t *aliases;
	int estimated_age, age_at_report;
	bool in_care, missing;
};


static void check_child(const json_t *c, size_t i, hl_time received, struct child_in *out, struct field_errors *errs)
{
	static const char *const known[] = {"given_name", "family_name", "aliases", "dob", "estimated_age", "sex",
					    "gender_identity", "town", "placement", "in_care", "missing", NULL};
	char p[64], q[96];
	snprintf(p, sizeof p, "children[%zu]", i);
	memset(out, 0, sizeof *out);
	out->estimated_age = out->age_at_report = -1;
	if (!json_is_object(c)) {
		field_error_add(errs, p, "expected an object");
		return;
	}
	intake_unknown_keys(c, known, p, errs);
#define PATH(k) (snprintf(q, sizeof q, "%s.%s", p, k), q)
	out->given = intake_str_field(c, "given_name", PATH("given_name"), MAX_NAME, false, errs);
	out->family = intake_str_field(c, "family_name", PATH("family_name"), MAX_NAME, false, errs);
	out->dob = intake_str_field(c, "dob", PATH("dob"), 10, false, errs);
	out->sex = intake_str_field(c, "sex", PATH("sex"), 1, false, errs);
	out->gender = intake_str_field(c, "gender_identity", PATH("gender_identity"), 60, false, errs);
	out->town = intake_str_field(c, "town", PATH("town"), MAX_NAME, false, errs);
	out->placement = intake_str_field(c, "placement", PATH("placement"), 32, false, errs);
	out->in_care = intake_flag(c, "in_care", PATH("in_care"), errs);
	out->missing = intake_flag(c, "missing", PATH("missing"), errs);
	if ((!out->given || !*out->given) && (!out->family || !*out->family))
		field_error_add(errs, PATH("given_name"), "a given or a family name is needed (a nickname will do)");
	if (out->sex && *out->sex && !strchr("FMX", out->sex[0]))
		field_error_add(errs, PATH("sex"), "F, M or X");
	if (out->placement && *out->placement && !intake_in_list(placements, out->placement))
		field_error_add(errs, PATH("placement"), "one of home, foster, congregate_care, homeless, unknown");
	json_t *al = json_object_get(c, "aliases");
	if (al && !json_is_null(al)) {
		size_t k;
		json_t *a;
		if (!json_is_array(al) || json_array_size(al) > 8)
			field_error_add(errs, PATH("aliases"), "a list of at most 8 names");
		else
			json_array_foreach(al, k, a)
			{
				if (!json_is_string(a) || !*json_string_value(a) || json_string_length(a) > MAX_NAME) {
					snprintf(q, sizeof q, "%s.aliases[%zu]", p, k);
					field_error_add(errs, q, "a name of 1 to %d characters", MAX_NAME);
				}
			}
		out->aliases = al;
	}
	struct cmp_date rec = intake_date_of(received), d;
	json_t *ea = json_object_get(c, "estimated_age");
	if (ea && !json_is_null(ea)) {
		if (!json_is_integer(ea) || json_integer_value(ea) < 0 || json_integer_value(ea) > 25)
			field_error_add(errs, PATH("estimated_age"), "a whole number of years from 0 to 25");
		else
			out->estimated_age = (int)json_integer_value(ea);
	}
	if (out->dob && *out->dob) {
		if (!cmp_date_parse(out->dob, "%Y-%m-%d", &d))
			field_error_add(errs, PATH("dob"), "not a date (YYYY-MM-DD)");
		else if (cmp_date_days(&d) > cmp_date_days(&rec))
			field_error_add(errs, PATH("dob"), "in the future");
		else if (cmp_age_on(&d, &rec) > 25)
			field_error_add(errs, PATH("dob"), "more than 25 years before the report");
		else
			out->age_at_report = cmp_age_on(&d, &rec);
		if (out->estimated_age >= 0)
			field_error_add(errs, PATH("estimated_age"), "give a birth date or an estimated age, not both");
	} else if (out->estimated_age >= 0) {
		out->age_at_report = out->estimated_age;
	}
#undef PATH
}

/* The report as sent, members sorted, hashed: kept sealed beside its
 * Idempotency-Key so that the key replays the same report only. */
static int body_digest(const json_t *body, char out[CRYPTO_HASH_HEX_SIZE])
{
	char *canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!canon)
		return ERR_NOMEM;
	crypto_hash_hex(canon, strlen(canon), out);
	free(canon);
	return 0;
}

/* The report an earlier submission with this key recorded, into ret (id 0:
 * none). ERR_EXISTS when that report was sent with another body. A report
 * recorded before digests were kept has none and is replayed as before. */
static int find_replay(const struct svc_ctx *ctx, struct db *db, const char *key, const char *digest,
		       struct intake_created *ret)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT id, number, idempotency_digest FROM intake"
			       " WHERE created_by = ? AND idempotency_key = ?", &st);
	if (r < 0)
		return r;
	if ((r = db_bind_int64(st, 1, ctx->actor->user_id)) < 0 || (r = db_bind_text(st, 2, key)) < 0 ||
	    (r = db_step(st)) != DB_ROW) {
		db_finalize(st);
		return r < 0 ? r : 0;
	}
	int64_t id = db_column_int64(st, 0);
	char *stored = NULL;
	if ((r = str_copy(ret->number, sizeof ret->number, db_column_text(st, 1))) == 0)
		r = sealed_get(ctx->app, st, 2, "intake", "idempotency_digest", id, &stored);
	db_finalize(st);
	if (r < 0)
		return r;
	bool same = !stored || (strlen(stored) == strlen(digest) && crypto_equal(stored, digest, strlen(digest)));
	free(stored);
	if (!same) {
		ret->number[0] = '\0';
		return ERR_EXISTS;
	}
	ret->id = id;
	ret->replayed = true;
	return 0;
}

int svc_intake_create(const struct svc_ctx *ctx, const json_t *body, const char *idem_key, struct field_errors *errs,
		      struct intake_created *ret)
{
	int r = svc_require(ctx, PERM_INTAKE_WRITE);
	if (r < 0)
		return r;
	struct app *app = ctx->app;
	struct db *db;
	if ((r = app_db(app, &db)) < 0)
		return r;
	memset(ret, 0, sizeof *ret);
	if (idem_key && (strlen(idem_key) == 0 || strlen(idem_key) > 200)) {
		field_error_add(errs, "Idempotency-Key", "1 to 200 characters");
		return ERR_INVAL;
	}
	char digest[CRYPTO_HASH_HEX_SIZE] = "";
	if (idem_key && ((r = body_digest(body, digest)) < 0 || (r = find_replay(ctx, db, idem_key, digest, ret)) < 0 ||
			 ret->replayed))
		return r;
	static const char *const known[] = {"received_at", "channel", "reporter", "children", "narrative", "town",
					    "concerns", NULL};
	if (!json_is_object(body)) {
		field_error_add(errs, "", "expected an object");
		return ERR_INVAL;
	}
	intake_unknown_keys(body, known, "", errs);
	const char *received_s = intake_str_field(body, "received_at", "received_at", 40, true, errs);
	hl_time received = now();
	if (received_s && *received_s) {
		if (time_parse(received_s, &received) < 0)
			field_error_add(errs, "received_at", "an RFC 3339 time such as 2026-11-28T03:12:00-05:00");
		else if (received > now() + 5 * 60 * HL_USEC_PER_SEC)
			field_error_add(errs, "received_at", "in the future");
	}
	const char *channel = intake_str_field(body, "channel", "channel", 32, true, errs);
	if (channel && *channel && !intake_in_list(channels, channel))
		field_error_add(errs, "channel", "one of phone, web, email, fax, walk_in, law_enforcement");
	const json_t *rep = json_object_get(body, "reporter");
	const char *source = NULL;
	bool anonymous = false;
	char *reporter_json = NULL;
	if (!json_is_object(rep)) {
		field_error_add(errs, "reporter", "required: {source, name, agency, phone, email, anonymous}");
	} else {
		static const char *const rk[] = {"name", "source", "agency", "phone", "email", "anonymous", NULL};
		intake_unknown_keys(rep, rk, "reporter", errs);
		source = intake_str_field(rep, "source", "reporter.source", 64, true, errs);
		if (source && *source && !pack_item_find(app->pack->sources, app->pack->n_sources, source))
			field_error_add(errs, "reporter.source", "unknown referral source \"%.40s\"", source);
		intake_str_field(rep, "name", "reporter.name", 200, false, errs);
		intake_str_field(rep, "agency", "reporter.agency", 200, false, errs);
		field_check_phone(errs, "reporter.phone", "Reporter's telephone",
				  intake_str_field(rep, "phone", "reporter.phone", STR_PHONE_MAX, false, errs));
		field_check_email(errs, "reporter.email", "Reporter's e-mail",
				  intake_str_field(rep, "email", "reporter.email", STR_EMAIL_MAX, false, errs));
		anonymous = intake_flag(rep, "anonymous", "reporter.anonymous", errs);
	}
	const char *narrative = intake_str_field(body, "narrative", "narrative", MAX_TEXT, false, errs);
	const char *town = intake_str_field(body, "town", "town", MAX_NAME, false, errs);
	const json_t *concerns = json_object_get(body, "concerns");
	if (concerns && !json_is_null(concerns)) {
		size_t i;
		json_t *c;
		if (!json_is_array(concerns))
			field_error_add(errs, "concerns", "a list of vulnerability ids");
		else
			json_array_foreach(concerns, i, c)
			{
				char q[48];
				snprintf(q, sizeof q, "concerns[%zu]", i);
				if (!json_is_string(c) || !pack_item_find(app->pack->vulnerabilities, app->pack->n_vulnerabilities,
									  json_string_value(c)))
					field_error_add(errs, q, "not a vulnerability of the pack");
			}
	} else {
		concerns = NULL;
	}
	const json_t *children = json_object_get(body, "children");
	struct child_in kids[MAX_CHILDREN];
	size_t nkids = 0;
	if (!json_is_array(children) || json_array_size(children) == 0)
		field_error_add(errs, "children", "one or more children");
	else if (json_array_size(children) > MAX_CHILDREN)
		field_error_add(errs, "children", "at most %d children in one report", MAX_CHILDREN);
	else {
		nkids = json_array_size(children);
		for (size_t i = 0; i < nkids; i++)
			check_child(json_array_get(children, i), i, received, &kids[i], errs);
	}
	if (field_errors_any(errs))
		return ERR_INVAL;

	/* The decisions the software makes for the worker. */
	const char *towns[MAX_CHILDREN];
	for (size_t i = 0; i < nkids; i++)
		towns[i] = kids[i].town;
	struct route to;
	if ((r = route_report(app->pack, towns, nkids, town, &to)) < 0)
		return r;
	const char *office = to.office, *region = to.region;
	bool unmapped = to.unmapped;
	bool any_victim = false;
	bool victim[MAX_CHILDREN];
	for (size_t i = 0; i < nkids; i++) {
		struct guardrail g;
		if ((r = guardrail_check(app->pack, kids[i].age_at_report, concerns, &g)) < 0)
			return r;
		victim[i] = g.suspected_victim;
		any_victim |= victim[i];
	}
	reporter_json = json_dumps(rep, JSON_COMPACT | JSON_SORT_KEYS);
	json_t *none = json_array();
	char *concerns_json = json_dumps(concerns ? concerns : none, JSON_COMPACT);
	json_decref(none);
	char ts[32], rec[32];
	time_format(now(), ts, sizeof ts);
	time_format(received, rec, sizeof rec);
	struct cmp_date rd = intake_date_of(received);

	if ((r = db_begin(db)) < 0)
		goto done;
	int64_t seq;
	if ((r = svc_next_number(db, "I", rd.y, &seq)) < 0)
		goto fail;
	snprintf(ret->number, sizeof ret->number, "I-%04d-%06lld", rd.y, (long long)seq);
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO intake (number, received_at, channel, source, reporter_anonymous, incident_town,"
			    " concerns, region, office, unmapped_town, suspected_victim, created_by, idempotency_key,"
			    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, ret->number);
	db_bind_text(st, 2, rec);
	db_bind_text(st, 3, channel);
	db_bind_text(st, 4, source);
	db_bind_int64(st, 5, anonymous);
	db_bind_text(st, 6, town && *town ? town : NULL);
	db_bind_text(st, 7, concerns_json);
	db_bind_text(st, 8, region);
	db_bind_text(st, 9, office);
	db_bind_int64(st, 10, unmapped);
	db_bind_int64(st, 11, any_victim);
	db_bind_int64(st, 12, ctx->actor->user_id);
	db_bind_text(st, 13, idem_key);
	db_bind_text(st, 14, ts);
	db_bind_text(st, 15, ts);
	r = db_step(st);
	ret->id = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0)
		goto fail;
	if ((r = sealed_put(db, app, "intake", "reporter", ret->id, anonymous ? NULL : reporter_json)) < 0 ||
	    (r = sealed_put(db, app, "intake", "narrative", ret->id, narrative)) < 0 ||
	    (r = sealed_put(db, app, "intake", "idempotency_digest", ret->id, idem_key ? digest : NULL)) < 0)
		goto fail;
	for (size_t i = 0; i < nkids; i++) {
		if ((r = db_prepare(db,
				    "INSERT INTO intake_child (intake_id, position, estimated_age, age_at_report, sex,"
				    " gender_category, town, placement, in_care, missing, suspected_victim)"
				    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
				    &st)) < 0)
			goto fail;
		const struct child_in *k = &kids[i];
		db_bind_int64(st, 1, ret->id);
		db_bind_int64(st, 2, (int64_t)i);
		if (k->estimated_age >= 0)
			db_bind_int64(st, 3, k->estimated_age);
		else
			db_bind_null(st, 3);
		if (k->age_at_report >= 0)
			db_bind_int64(st, 4, k->age_at_report);
		else
			db_bind_null(st, 4);
		db_bind_text(st, 5, k->sex && *k->sex ? k->sex : NULL);
		/* The words typed are sealed below; only their category stays in
		 * clear, for figures. */
		const struct pack_gender *gender = pack_gender_of(app->pack, k->gender);
		db_bind_text(st, 6, gender ? gender->id : NULL);
		db_bind_text(st, 7, k->town && *k->town ? k->town : NULL);
		db_bind_text(st, 8, k->placement && *k->placement ? k->placement : "unknown");
		db_bind_int64(st, 9, k->in_care);
		db_bind_int64(st, 10, k->missing);
		db_bind_int64(st, 11, victim[i]);
		r = db_step(st);
		int64_t cid = r == DB_ROW ? db_column_int64(st, 0) : 0;
		db_finalize(st);
		if (r < 0)
			goto fail;
		char *aliases = k->aliases ? json_dumps(k->aliases, JSON_COMPACT) : NULL;
		if ((r = sealed_put(db, app, "intake_child", "given_name", cid, k->given)) == 0 &&
		    (r = sealed_put(db, app, "intake_child", "family_name", cid, k->family)) == 0 &&
		    (r = sealed_put(db, app, "intake_child", "aliases", cid,
				    aliases && strcmp(aliases, "[]") != 0 ? aliases : NULL)) == 0)
			r = sealed_put(db, app, "intake_child", "dob", cid, k->dob);
		if (r == 0)
			r = sealed_put(db, app, "intake_child", "gender_sealed", cid, k->gender);
		free(aliases);
		if (r < 0)
			goto fail;
	}
	if ((r = svc_audit_appendf(db, ctx, "intake.create", "intake", ret->id, "number=%s children=%zu region=%s%s%s",
	                           ret->number, nkids, region ? region : "statewide", unmapped ? " unmapped_town" : "",
	                           any_victim ? " suspected_victim" : "")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	goto done;
fail:
	db_rollback(db);
	/* Two submissions with one key at once: the second finds the first. */
	if (r == ERR_CONFLICT && idem_key) {
		int rr = find_replay(ctx, db, idem_key, digest, ret);
		if (rr < 0 || ret->replayed)
			r = rr;
	}
done:
	free(reporter_json);
	free(concerns_json);
	return r;
}

