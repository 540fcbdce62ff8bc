#include "service/intake.h"

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

#define MAX_CHILDREN 20
#define MAX_TEXT 20000
#define MAX_NAME 100

static const char *const channels[] = {"phone", "web", "email", "fax", "walk_in", "law_enforcement", NULL};
static const char *const placements[] = {"home", "foster", "congregate_care", "homeless", "unknown", NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* The calendar date of t in the jurisdiction's time zone (app_open sets
 * the process's zone to the pack's): a girl is 17 until midnight in
 * Connecticut, whatever the hour in UTC. */
static struct cmp_date date_of(hl_time t)
{
	return cmp_date_local(t / HL_USEC_PER_SEC);
}

/* ---- validation ---- */

static const char *str_field(const json_t *o, const char *key, const char *path, size_t max, bool required,
			     struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			field_error_add(errs, path, "required");
		return NULL;
	}
	if (!json_is_string(v)) {
		field_error_add(errs, path, "must be a string");
		return NULL;
	}
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || strlen(s) > max) {
		field_error_add(errs, path, "at most %zu characters, no NUL", max);
		return NULL;
	}
	if (required && !*s)
		field_error_add(errs, path, "required");
	return s;
}

static void unknown_keys(const json_t *o, const char *const *known, const char *prefix, struct field_errors *errs)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
	{
		if (!in_list(known, key)) {
			char path[128];
			snprintf(path, sizeof path, "%s%s%.60s", prefix, *prefix ? "." : "", key);
			field_error_add(errs, path, "unknown field");
		}
	}
}

struct child_in {
	const char *given, *family, *dob, *sex, *gender, *town, *placement;
	const json_t *aliases;
	int estimated_age, age_at_report;
	bool in_care, missing;
};

static bool flag(const json_t *o, const char *key, const char *path, struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		field_error_add(errs, path, "must be true or false");
		return false;
	}
	return json_is_true(v);
}

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
	unknown_keys(c, known, p, errs);
#define PATH(k) (snprintf(q, sizeof q, "%s.%s", p, k), q)
	out->given = str_field(c, "given_name", PATH("given_name"), MAX_NAME, false, errs);
	out->family = str_field(c, "family_name", PATH("family_name"), MAX_NAME, false, errs);
	out->dob = str_field(c, "dob", PATH("dob"), 10, false, errs);
	out->sex = str_field(c, "sex", PATH("sex"), 1, false, errs);
	out->gender = str_field(c, "gender_identity", PATH("gender_identity"), 60, false, errs);
	out->town = str_field(c, "town", PATH("town"), MAX_NAME, false, errs);
	out->placement = str_field(c, "placement", PATH("placement"), 32, false, errs);
	out->in_care = flag(c, "in_care", PATH("in_care"), errs);
	out->missing = flag(c, "missing", PATH("missing"), errs);
	if ((!out->given || !*out->given) && (!out->family || !*out->family))
		field_error_add(errs, PATH("given_name"), "a given or a family name is needed (a nickname will do)");
	if (out->sex && *out->sex && !strchr("FMX", out->sex[0]))
		field_error_add(errs, PATH("sex"), "F, M or X");
	if (out->placement && *out->placement && !in_list(placements, out->placement))
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
	struct cmp_date rec = date_of(received), d;
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
	unknown_keys(body, known, "", errs);
	const char *received_s = str_field(body, "received_at", "received_at", 40, true, errs);
	hl_time received = now();
	if (received_s && *received_s) {
		if (time_parse(received_s, &received) < 0)
			field_error_add(errs, "received_at", "an RFC 3339 time such as 2026-11-28T03:12:00-05:00");
		else if (received > now() + 5 * 60 * HL_USEC_PER_SEC)
			field_error_add(errs, "received_at", "in the future");
	}
	const char *channel = str_field(body, "channel", "channel", 32, true, errs);
	if (channel && *channel && !in_list(channels, channel))
		field_error_add(errs, "channel", "one of phone, web, email, fax, walk_in, law_enforcement");
	const json_t *rep = json_object_get(body, "reporter");
	const char *source = NULL;
	bool anonymous = false;
	char *reporter_json = NULL;
	if (!json_is_object(rep)) {
		field_error_add(errs, "reporter", "required: {source, name, agency, phone, email, anonymous}");
	} else {
		static const char *const rk[] = {"name", "source", "agency", "phone", "email", "anonymous", NULL};
		unknown_keys(rep, rk, "reporter", errs);
		source = str_field(rep, "source", "reporter.source", 64, true, errs);
		if (source && *source && !pack_item_find(app->pack->sources, app->pack->n_sources, source))
			field_error_add(errs, "reporter.source", "unknown referral source \"%.40s\"", source);
		str_field(rep, "name", "reporter.name", 200, false, errs);
		str_field(rep, "agency", "reporter.agency", 200, false, errs);
		field_check_phone(errs, "reporter.phone", "Reporter's telephone",
				  str_field(rep, "phone", "reporter.phone", STR_PHONE_MAX, false, errs));
		field_check_email(errs, "reporter.email", "Reporter's e-mail",
				  str_field(rep, "email", "reporter.email", STR_EMAIL_MAX, false, errs));
		anonymous = flag(rep, "anonymous", "reporter.anonymous", errs);
	}
	const char *narrative = str_field(body, "narrative", "narrative", MAX_TEXT, false, errs);
	const char *town = str_field(body, "town", "town", MAX_NAME, false, errs);
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
	struct cmp_date rd = date_of(received);

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

/* ---- reading ---- */

/* A liaison works in one region; everyone else who may read, everywhere. */
static bool in_scope(const struct svc_ctx *ctx, const char *region)
{
	if (ctx->actor->role != ROLE_LIAISON)
		return true;
	return region && strcmp(region, ctx->actor->scope) == 0;
}

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

struct intake_head {
	int64_t id;
	char region[32];
	bool suspected_victim;
	int64_t version;
	bool decided;
};

static int load_head(struct db *db, int64_t id, struct intake_head *h)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT region, suspected_victim, version, disposition FROM intake WHERE id = ?", &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, id);
	r = db_step(st);
	if (r == DB_ROW) {
		h->id = id;
		str_copy(h->region, sizeof h->region, db_column_text(st, 0) ? db_column_text(st, 0) : "");
		h->suspected_victim = db_column_int64(st, 1) != 0;
		h->version = db_column_int64(st, 2);
		h->decided = !db_column_is_null(st, 3);
		r = 0;
	} else if (r == DB_DONE) {
		r = ERR_NOTFOUND;
	}
	db_finalize(st);
	return r;
}

/* Checks permission and scope for one report; audits a denial. */
static int open_intake(const struct svc_ctx *ctx, enum perm perm, int64_t id, struct db **ret_db,
		       struct intake_head *h)
{
	int r = svc_require(ctx, perm);
	if (r < 0)
		return r;
	if ((r = app_db(ctx->app, ret_db)) < 0 || (r = load_head(*ret_db, id, h)) < 0)
		return r;
	if (!in_scope(ctx, h->region[0] ? h->region : NULL)) {
		char oid[24];
		snprintf(oid, sizeof oid, "%lld", (long long)id);
		svc_audit_denial(ctx, "intake outside the liaison's region", "intake", oid);
		return ERR_PERM;
	}
	return 0;
}

static json_t *json_text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
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
		json_object_set_new(c, "given_name", json_text_or_null(given));
		json_object_set_new(c, "family_name", json_text_or_null(family));
		json_object_set_new(c, "aliases", al ? al : json_array());
		json_object_set_new(c, "dob", json_text_or_null(dob));
		json_object_set_new(c, "estimated_age",
				    db_column_is_null(st, 6) ? json_null() : json_integer(db_column_int64(st, 6)));
		json_object_set_new(c, "age_at_report",
				    db_column_is_null(st, 7) ? json_null() : json_integer(db_column_int64(st, 7)));
		json_object_set_new(c, "sex", json_text_or_null(db_column_text(st, 8)));
		char *gender;
		if ((r = sealed_get(app, st, 9, "intake_child", "gender_sealed", cid, &gender)) < 0) {
			json_decref(c);
			free(given);
			free(family);
			free(aliases);
			free(dob);
			break;
		}
		json_object_set_new(c, "gender_identity", json_text_or_null(gender));
		free(gender);
		json_object_set_new(c, "town", json_text_or_null(db_column_text(st, 10)));
		json_object_set_new(c, "placement", json_text_or_null(db_column_text(st, 11)));
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
	int r = open_intake(ctx, PERM_INTAKE_READ, id, &db, &h);
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
	json_object_set_new(j, "narrative", json_text_or_null(narrative));
	json_object_set_new(j, "town", json_text_or_null(db_column_text(st, 7)));
	json_object_set_new(j, "concerns", concerns ? concerns : json_array());
	json_object_set_new(j, "region", json_text_or_null(db_column_text(st, 9)));
	json_object_set_new(j, "office", json_text_or_null(db_column_text(st, 10)));
	json_object_set_new(j, "unmapped_town", json_boolean(db_column_int64(st, 11)));
	json_object_set_new(j, "suspected_victim", json_boolean(db_column_int64(st, 12)));
	json_object_set_new(j, "disposition", json_text_or_null(db_column_text(st, 13)));
	json_object_set_new(j, "disposition_at", json_text_or_null(db_column_text(st, 14)));
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

/* ---- is this child known? ---- */

struct child_names {
	int64_t cid;
	char *given, *family, *dob, *aliases;
	int estimated_age;
	char sex[8], town[64];
	int64_t person_id;
};

static void child_names_done(struct child_names *c)
{
	free(c->given);
	free(c->family);
	free(c->dob);
	free(c->aliases);
}

static int load_child(struct app *app, struct db *db, int64_t id, int child, struct child_names *c)
{
	memset(c, 0, sizeof *c);
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT id, given_name, family_name, dob, aliases, estimated_age, sex, town, person_id"
			   " FROM intake_child WHERE intake_id = ? AND position = ?",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, child);
	r = db_step(st);
	if (r == DB_ROW) {
		c->cid = db_column_int64(st, 0);
		if ((r = sealed_get(app, st, 1, "intake_child", "given_name", c->cid, &c->given)) == 0 &&
		    (r = sealed_get(app, st, 2, "intake_child", "family_name", c->cid, &c->family)) == 0 &&
		    (r = sealed_get(app, st, 3, "intake_child", "dob", c->cid, &c->dob)) == 0)
			r = sealed_get(app, st, 4, "intake_child", "aliases", c->cid, &c->aliases);
		c->estimated_age = db_column_is_null(st, 5) ? -1 : (int)db_column_int64(st, 5);
		str_copy(c->sex, sizeof c->sex, db_column_text(st, 6) ? db_column_text(st, 6) : "");
		str_copy(c->town, sizeof c->town, db_column_text(st, 7) ? db_column_text(st, 7) : "");
		c->person_id = db_column_is_null(st, 8) ? 0 : db_column_int64(st, 8);
	} else if (r == DB_DONE) {
		r = ERR_NOTFOUND;
	}
	db_finalize(st);
	if (r < 0)
		child_names_done(c);
	return r;
}

int svc_intake_candidates(const struct svc_ctx *ctx, int64_t id, int child, json_t **ret)
{
	struct db *db;
	struct intake_head h;
	int r = open_intake(ctx, PERM_INTAKE_WRITE, id, &db, &h);
	if (r < 0)
		return r;
	struct child_names c;
	if ((r = load_child(ctx->app, db, id, child, &c)) < 0)
		return r;
	struct person_query q = {
		.given_name = c.given, .family_name = c.family, .dob = c.dob, .sex = c.sex, .town = c.town,
		.age = c.dob ? -1 : c.estimated_age,
	};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct person_candidate *cand = NULL;
	size_t n = 0;
	struct person_verdict v = {0};
	r = svc_persons_find(ctx, &q, 0, 10, &errs, &cand, &n, &v);
	json_t *list = json_array();
	/* A report with only a given name cannot be searched: no candidates,
	 * and the reason. */
	const char *why = NULL;
	if (r == ERR_INVAL) {
		why = json_get_str(json_array_get(errs.list, 0), "reason");
		r = 0;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		json_t *reasons = json_array();
		for (int k = 0; k < cand[i].nwhy; k++)
			json_array_append_new(reasons, json_pack("{s:s, s:s, s:f, s:s}", "field", cand[i].why[k].field,
								 "level", cand[i].why[k].level, "weight",
								 cand[i].why[k].weight, "text", cand[i].why[k].text));
		json_t *e = json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:f, s:s, s:o}", "person_id",
				      (json_int_t)cand[i].person_id, "given_name", cand[i].given_name, "family_name",
				      cand[i].family_name, "dob", cand[i].dob, "sex", cand[i].sex[0] ? cand[i].sex : NULL,
				      "town", cand[i].town[0] ? cand[i].town : NULL, "probability", cand[i].probability,
				      "band", cand[i].band, "explanation", reasons);
		json_object_set_new(e, "age", cand[i].age >= 0 ? json_integer(cand[i].age) : json_null());
		json_array_append_new(list, e);
	}
	/* verdict: never "new" for a child described too thinly to tell
	 * (a family name alone); total: how many share it. */
	*ret = json_pack("{s:o, s:s?, s:o, s:s?, s:I, s:b}", "candidates", list, "not_searched", why,
			 "linked_person_id", c.person_id ? json_integer(c.person_id) : json_null(), "verdict",
			 why ? NULL : v.verdict, "total", (json_int_t)v.total, "by_family", v.by_family);
	if (!*ret && r == 0)
		r = ERR_NOMEM;
	person_candidates_free(cand, n);
	field_errors_done(&errs);
	child_names_done(&c);
	return r;
}

/* Link child `child` of report id to person_id, or to a new person
 * recorded from what the report says (person_id 0); the caller has checked
 * permission and scope. */
static int link_child(const struct svc_ctx *ctx, struct db *db, int64_t id, int child, int64_t person_id,
		      struct field_errors *errs, int64_t *ret_person)
{
	int r;
	struct child_names c;
	if ((r = load_child(ctx->app, db, id, child, &c)) < 0)
		return r;
	if (person_id > 0) {
		int64_t exists = 0;
		struct db_stmt *st;
		if ((r = db_prepare(db, "SELECT count(*) FROM person WHERE id = ?", &st)) == 0) {
			db_bind_int64(st, 1, person_id);
			if (db_step(st) == DB_ROW)
				exists = db_column_int64(st, 0);
			db_finalize(st);
		}
		if (!exists) {
			field_error_add(errs, "person_id", "no such person");
			child_names_done(&c);
			return ERR_INVAL;
		}
	}
	/* A new child is recorded from what the report says, in the same
	 * transaction as the link: a failed link leaves no one recorded. */
	const char *aliases[8];
	size_t na = 0;
	json_t *al = person_id <= 0 && c.aliases ? json_loads(c.aliases, 0, NULL) : NULL;
	size_t k;
	json_t *a;
	json_array_foreach(al, k, a)
	{
		if (na < 8 && json_is_string(a))
			aliases[na++] = json_string_value(a);
	}
	struct person_new p = {
		.given_name = c.given, .family_name = c.family, .aliases = aliases, .naliases = na, .dob = c.dob,
		.estimated_age = c.dob ? -1 : c.estimated_age, .sex = c.sex, .town = c.town,
	};
	/* Opening a case records the child as a new person too (a liaison
	 * may open a case but not record children otherwise): the person
	 * is recorded, and audited, as the same user. */
	struct actor as = *ctx->actor;
	if (!role_may(as.role, PERM_PERSONS_WRITE))
		as.role = ROLE_HART;
	struct svc_ctx pctx = {.app = ctx->app, .actor = &as, .client = ctx->client};
	bool new_person = person_id <= 0;
	/* Inside a use case's transaction (opening a case), the link is one
	 * of its steps: the caller commits, and registers the person. */
	bool joined = db_in_transaction(db);
	char ts[32], oid[24], detail[64];
	time_format(now(), ts, sizeof ts);
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	if (!joined && (r = db_begin(db)) < 0)
		goto out;
	if (new_person && (r = persons_insert(&pctx, db, &p, 1, errs, &person_id)) < 0)
		goto fail;
	snprintf(detail, sizeof detail, "child=%d person=%lld", child, (long long)person_id);
	struct db_stmt *st;
	if ((r = db_prepare(db, "UPDATE intake_child SET person_id = ?, linked_by = ?, linked_at = ? WHERE id = ?",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, person_id);
	db_bind_int64(st, 2, ctx->actor->user_id);
	db_bind_text(st, 3, ts);
	db_bind_int64(st, 4, c.cid);
	r = db_step(st);
	db_finalize(st);
	if (r < 0 || (r = figures_child_linked(db, id, child, person_id)) < 0 ||
	    (r = svc_audit_append(db, ctx, "intake.link", "intake", oid, detail)) < 0)
		goto fail;
	if (!joined && (r = db_commit(db)) < 0)
		goto fail;
	if (!joined && new_person && (r = persons_register(ctx->app, &p, 1, &person_id)) < 0)
		goto out;
	*ret_person = person_id;
	goto out;
fail:
	if (!joined)
		db_rollback(db);
out:
	json_decref(al);
	child_names_done(&c);
	return r;
}

int svc_intake_link(const struct svc_ctx *ctx, int64_t id, int child, int64_t person_id, struct field_errors *errs,
		    int64_t *ret_person)
{
	struct db *db;
	struct intake_head h;
	int r = open_intake(ctx, PERM_INTAKE_WRITE, id, &db, &h);
	if (r < 0)
		return r;
	return link_child(ctx, db, id, child, person_id, errs, ret_person);
}

int intake_child_new_person(const struct svc_ctx *ctx, int64_t id, int child, struct field_errors *errs,
			    int64_t *ret_person)
{
	struct db *db;
	int r = app_db(ctx->app, &db);
	if (r < 0)
		return r;
	return link_child(ctx, db, id, child, 0, errs, ret_person);
}

/* ---- screening ---- */

int svc_intake_screen(const struct svc_ctx *ctx, int64_t id, const char *instrument, const json_t *answers,
		      struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct intake_head h;
	int r = open_intake(ctx, PERM_INTAKE_WRITE, id, &db, &h);
	if (r < 0)
		return r;
	const struct pack *p = ctx->app->pack;
	const struct pack_instrument *ins = instrument ? pack_instrument(p, instrument) : pack_default_instrument(p);
	if (!ins) {
		field_error_add(errs, "instrument", "unknown instrument \"%.40s\"", instrument ? instrument : "");
		return ERR_INVAL;
	}
	enum screen_level level;
	int count = 0;
	if ((r = screening_score(ins, answers, errs, &level, &count)) < 0)
		return r;
	char *stored = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
	char ts[32], oid[24], detail[96];
	time_format(now(), ts, sizeof ts);
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	snprintf(detail, sizeof detail, "instrument=%s version=%s level=%s", ins->id, ins->version,
		 screen_level_name(level));
	int64_t sid = 0;
	if ((r = db_begin(db)) < 0)
		goto out;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO screening (intake_id, instrument_id, instrument_version, answers, level, score,"
			    " screened_by, screened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, ins->id);
	db_bind_text(st, 3, ins->version);
	db_bind_text(st, 4, stored);
	db_bind_text(st, 5, screen_level_name(level));
	db_bind_int64(st, 6, count);
	db_bind_int64(st, 7, ctx->actor->user_id);
	db_bind_text(st, 8, ts);
	r = db_step(st);
	sid = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0 || (r = svc_audit_append(db, ctx, "intake.screen", "intake", oid, detail)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	*ret = json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:b}", "id", (json_int_t)sid, "intake_id", (json_int_t)id,
			 "instrument_id", ins->id, "instrument_version", ins->version, "level", screen_level_name(level),
			 "score", count, "suspected_victim", h.suspected_victim);
	if (h.suspected_victim) {
		/* The screen says why the child is a victim, never an offender. */
		json_t *cites = json_array();
		for (size_t i = 0; i < p->law.n_citations; i++)
			json_array_append_new(cites, json_string(p->law.citations[i]));
		json_object_set_new(*ret, "law", json_pack("{s:s, s:o}", "text", p->law.victim_not_offender, "citations",
							     cites));
	}
	goto out;
fail:
	db_rollback(db);
out:
	free(stored);
	return r;
}

/* ---- decisions ---- */

/* The HART coordinators, and the liaisons of the report's region, learn of
 * an accepted report at once. Inside the caller's transaction. */
static int notify_hart(struct db *db, const struct pack *pack, int64_t id, const char *number, const char *region,
		       const char *ts)
{
	const struct pack_region *reg = region ? pack_region(pack, region) : NULL;
	char oid[24], text[160];
	int n = snprintf(oid, sizeof oid, "%lld", (long long)id);
	if (n < 0 || (size_t)n >= sizeof oid)
		return ERR_TOOBIG;
	n = snprintf(text, sizeof text, "Report %s accepted for HART response%s%s", number,
		     reg ? " in " : " (statewide queue)", reg ? reg->name : "");
	if (n < 0 || (size_t)n >= sizeof text)
		return ERR_TOOBIG;
	const struct recipients to = {.who = RCPT_HART | RCPT_REGION_LIAISONS, .region = region};
	return notify_insert(db, &to, "intake.accepted", "intake", oid, text, ts);
}

/* Whether the report has a screening. */
static int intake_screened(struct db *db, int64_t id, bool *ret)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT count(*) FROM screening WHERE intake_id = ?", &st);
	if (r < 0)
		return r;
	if ((r = db_bind_int64(st, 1, id)) < 0) {
		db_finalize(st);
		return r;
	}
	r = db_step(st);
	*ret = r == DB_ROW && db_column_int64(st, 0) > 0;
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_intake_dispose(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs)
{
	struct db *db;
	struct intake_head h;
	int r = open_intake(ctx, PERM_INTAKE_DISPOSE, id, &db, &h);
	if (r < 0)
		return r;
	const struct pack *p = ctx->app->pack;
	static const char *const known[] = {"disposition", "reason", "jurisdiction", "supervisor", "supervisor_reason",
					    "unscreened_reason", "version", NULL};
	if (!json_is_object(body)) {
		field_error_add(errs, "", "expected an object");
		return ERR_INVAL;
	}
	unknown_keys(body, known, "", errs);
	const char *disp = str_field(body, "disposition", "disposition", 64, true, errs);
	const char *reason = str_field(body, "reason", "reason", 4000, false, errs);
	const char *juris = str_field(body, "jurisdiction", "jurisdiction", 200, false, errs);
	const char *supervisor = str_field(body, "supervisor", "supervisor", 200, false, errs);
	const char *sup_reason = str_field(body, "supervisor_reason", "supervisor_reason", 4000, false, errs);
	const char *unscreened = str_field(body, "unscreened_reason", "unscreened_reason", 4000, false, errs);
	json_t *ver = json_object_get(body, "version");
	if (!json_is_integer(ver))
		field_error_add(errs, "version", "required: the version read");
	const struct pack_disposition *d = disp && *disp ? pack_disposition(p, disp) : NULL;
	if (disp && *disp && !d)
		field_error_add(errs, "disposition", "unknown disposition \"%.40s\"", disp);
	if (d && d->reason_required && (!reason || !*reason))
		field_error_add(errs, "reason", "a reason is required to %s", d->name);
	if (d && d->jurisdiction_required && (!juris || !*juris))
		field_error_add(errs, "jurisdiction", "name the jurisdiction it goes to");
	/* The law: a suspected victim's report is screened out only with a
	 * supervisor's reason. */
	if (d && h.suspected_victim && strcmp(d->id, "screened_out") == 0) {
		if (!supervisor || !*supervisor)
			field_error_add(errs, "supervisor", "a suspected victim's report is screened out only with a "
							    "supervisor: name them");
		if (!sup_reason || !*sup_reason)
			field_error_add(errs, "supervisor_reason", "the supervisor's reason is required");
	}
	/* Accepting a report nobody has screened is a choice to explain. */
	bool screened = true;
	if (d && strcmp(d->id, "accepted_hart") == 0 && (r = intake_screened(db, id, &screened)) < 0)
		return r;
	if (!screened && (!unscreened || !*unscreened))
		field_error_add(errs, "unscreened_reason",
				"the report is not screened: say why it is accepted without a screen, or screen it first");
	if (field_errors_any(errs))
		return ERR_INVAL;
	char ts[32], oid[24], number[24] = "";
	time_format(now(), ts, sizeof ts);
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "UPDATE intake SET disposition = ?, disposition_at = ?, version = version + 1, updated_at = ?"
			    " WHERE id = ? AND version = ? RETURNING number",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, d->id);
	db_bind_text(st, 2, ts);
	db_bind_text(st, 3, ts);
	db_bind_int64(st, 4, id);
	db_bind_int64(st, 5, json_integer_value(ver));
	r = db_step(st);
	if (r == DB_ROW)
		str_copy(number, sizeof number, db_column_text(st, 0));
	db_finalize(st);
	if (r == DB_DONE)
		r = ERR_CONFLICT;
	if (r < 0)
		goto fail;
	if ((r = db_prepare(db,
			    "INSERT INTO disposition (intake_id, disposition, jurisdiction, supervisor, decided_by, decided_at)"
			    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, d->id);
	db_bind_text(st, 3, juris && *juris ? juris : NULL);
	db_bind_text(st, 4, supervisor && *supervisor ? supervisor : NULL);
	db_bind_int64(st, 5, ctx->actor->user_id);
	db_bind_text(st, 6, ts);
	r = db_step(st);
	int64_t did = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0)
		goto fail;
	struct buf why;
	buf_init(&why, 0);
	int be = 0;
	if (reason && *reason && (r = buf_puts(&why, reason)) < 0)
		be = r;
	if (sup_reason && *sup_reason && (r = buf_printf(&why, "%sSupervisor: %s", why.len ? "\n" : "", sup_reason)) < 0)
		be = r;
	if (!screened && (r = buf_printf(&why, "%sAccepted without a screen: %s", why.len ? "\n" : "", unscreened)) < 0)
		be = r;
	r = be < 0 ? be : sealed_put(db, ctx->app, "disposition", "reason", did, buf_str(&why));
	buf_done(&why);
	if (r < 0)
		goto fail;
	bool accepted = strcmp(d->id, "accepted_hart") == 0;
	if (accepted && (r = notify_hart(db, p, id, number, h.region[0] ? h.region : NULL, ts)) < 0)
		goto fail;
	if (accepted) {
		/* The e-mail names the report and links to it; never a child. */
		const struct pack_region *reg = h.region[0] ? pack_region(p, h.region) : NULL;
		char subject[160], text[700];
		snprintf(subject, sizeof subject, "[hartline] Report %s accepted for HART response", number);
		snprintf(text, sizeof text,
			 "Report %s was accepted for HART response%s%s.\n\nOpen it in hartline: %s/#intake/%lld\n\n"
			 "This message names no child. The report, and what is known, are in hartline.\n",
			 number, reg ? " in " : " in the statewide queue", reg ? reg->name : "",
			 ctx->app->public_url ? ctx->app->public_url : "", (long long)id);
		const struct recipients to = {.who = RCPT_HART | RCPT_REGION_LIAISONS,
					      .region = h.region[0] ? h.region : NULL};
		if ((r = mailer_queue(db, ctx->app, &to, subject, text, "intake", oid)) < 0)
			goto fail;
	}
	/* A child with a case that is not closed: the report joins it. */
	if (accepted && (r = cases_join_accepted(db, ctx, id, now())) < 0)
		goto fail;
	/* Figures: an accepted report is a referral per child; a changed
	 * decision changes its referrals' disposition. */
	if ((r = figures_intake_decided(db, ctx->app, id, d->id)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "intake.dispose", "intake", id, "disposition=%s%s%s", d->id,
	                           h.decided ? " changed" : "", screened ? "" : " unscreened")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	if (accepted)
		mailer_kick(ctx->app);
	return 0;
fail:
	db_rollback(db);
	return r;
}

/* ---- notifications ---- */

int svc_notifications_list(const struct svc_ctx *ctx, bool unread_only, json_t **ret)
{
	int r = svc_require(ctx, PERM_SESSION);
	if (r < 0)
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "SELECT id, kind, object_type, object_id, text, created_at, read_at FROM notification"
			    " WHERE user_id = ? AND (? = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT 200",
			    &st)) < 0)
		return r;
	db_bind_int64(st, 1, ctx->actor->user_id);
	db_bind_int64(st, 2, unread_only);
	json_t *list = json_array();
	int64_t unread = 0;
	while ((r = db_step(st)) == DB_ROW) {
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?}", "id",
						      (json_int_t)db_column_int64(st, 0), "kind", db_column_text(st, 1),
						      "object_type", db_column_text(st, 2), "object_id",
						      db_column_text(st, 3), "text", db_column_text(st, 4), "created_at",
						      db_column_text(st, 5), "read_at", db_column_text(st, 6)));
	}
	db_finalize(st);
	if (r < 0) {
		json_decref(list);
		return r;
	}
	/* All unread, not only those listed. */
	if ((r = db_prepare(db, "SELECT count(*) FROM notification WHERE user_id = ? AND read_at IS NULL", &st)) == 0) {
		db_bind_int64(st, 1, ctx->actor->user_id);
		if ((r = db_step(st)) == DB_ROW)
			unread = db_column_int64(st, 0);
		db_finalize(st);
	}
	if (r < 0) {
		json_decref(list);
		return r;
	}
	*ret = json_pack("{s:o, s:I}", "notifications", list, "unread", (json_int_t)unread);
	return 0;
}

int svc_notification_read(const struct svc_ctx *ctx, int64_t id)
{
	int r = svc_require(ctx, PERM_SESSION);
	if (r < 0)
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "UPDATE notification SET read_at = coalesce(read_at, ?) WHERE id = ? AND user_id = ?"
			    " RETURNING id",
			    &st)) < 0)
		return r;
	db_bind_text(st, 1, ts);
	db_bind_int64(st, 2, id);
	db_bind_int64(st, 3, ctx->actor->user_id);
	r = db_step(st);
	db_finalize(st);
	return r == DB_ROW ? 0 : r < 0 ? r : ERR_NOTFOUND;
}
