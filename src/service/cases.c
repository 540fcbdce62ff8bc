/* cases.c: one child's HART response; see cases.h and docs/cases.md. */
#include "service/cases.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "match/cmp.h"
#include "model/casestate.h"
#include "model/routing.h"
#include "model/screening.h"
#include "service/audit.h"
#include "service/casejoin.h"
#include "service/deadlines.h"
#include "service/figures.h"
#include "service/intake.h"
#include "service/numbers.h"
#include "service/persons.h"
#include "service/sealed.h"
#include "service/setup.h"
#include "service/teams.h"

#define MINUTE (60 * HL_USEC_PER_SEC)
#define MAX_TEXT 20000
#define MAX_SHORT 200

/* ---- small helpers ---- */

static void fmt_id(char out[24], int64_t id)
{
	snprintf(out, 24, "%lld", (long long)id);
}

static bool in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static void conflict(struct case_conflict *cf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void conflict(struct case_conflict *cf, const char *fmt, ...)
{
	if (!cf)
		return;
	cf->slug = "conflict";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cf->detail, sizeof cf->detail, fmt, ap);
	va_end(ap);
}

/* A conflict that is someone else's write since the client read the case:
 * the client reloads (docs/openapi.yaml, urn:hartline:problem:stale-version). */
static void stale(struct case_conflict *cf)
{
	if (cf)
		cf->slug = "stale-version";
}

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Every key of body must be one of known. */
static void unknown_keys(const json_t *body, const char *const *known, struct field_errors *errs)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v)
	{
		if (!in_list(known, key)) {
			char path[80];
			snprintf(path, sizeof path, "%.60s", key);
			field_error_add(errs, path, "unknown field");
		}
	}
}

static bool need_object(const json_t *body, struct field_errors *errs)
{
	if (json_is_object(body))
		return true;
	field_error_add(errs, "", "expected a JSON object");
	return false;
}

/* A string field: NULL when absent or null (then "required" if it must be
 * there), else a string of at most max characters without NUL. */
static const char *str_field(const json_t *o, const char *key, size_t max, bool required, struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			field_error_add(errs, key, "required");
		return NULL;
	}
	if (!json_is_string(v)) {
		field_error_add(errs, key, "must be a string");
		return NULL;
	}
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v)) {
		field_error_add(errs, key, "must not contain NUL characters");
		return NULL;
	}
	if (strlen(s) > max) {
		field_error_add(errs, key, "at most %zu characters", max);
		return NULL;
	}
	if (required && !*s) {
		field_error_add(errs, key, "required");
		return NULL;
	}
	return s;
}

/* A positive integer id: 0 when absent (then "required" if it must be). */
static int64_t id_field(const json_t *o, const char *key, bool required, struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			field_error_add(errs, key, "required");
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		field_error_add(errs, key, "must be a positive integer id");
		return -1;
	}
	return json_integer_value(v);
}

/* A time field (RFC 3339), never in the future. false when absent (then
 * "required" if it must be there) or bad. */
static bool time_field(const json_t *o, const char *key, bool required, hl_time t, struct field_errors *errs,
		       hl_time *ret)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			field_error_add(errs, key, "required");
		return false;
	}
	hl_time x;
	if (!json_is_string(v) || time_parse(json_string_value(v), &x) < 0) {
		field_error_add(errs, key, "must be a time in RFC 3339, e.g. 2026-11-28T14:05:00Z");
		return false;
	}
	/* Seconds are the precision kept. */
	x -= x % HL_USEC_PER_SEC;
	if (x > t) {
		field_error_add(errs, key, "must not be in the future");
		return false;
	}
	*ret = x;
	return true;
}

static bool bool_field(const json_t *o, const char *key, struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		field_error_add(errs, key, "must be true or false");
		return false;
	}
	return json_is_true(v);
}

static void time_str(hl_time t, char out[32])
{
	time_format(t, out, 32);
}

/* One statement that returns nothing or one id; ret_id may be NULL. */
static int step_id(struct db_stmt *st, int64_t *ret_id)
{
	int r = db_step(st);
	if (r == DB_ROW && ret_id)
		*ret_id = db_column_int64(st, 0);
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- the case, its scope ---- */

/* Permission, then the case, then its scope: a liaison its region, an mdt
 * user the cases its team reviews (*ret_mdt: answer the MDT view). A case
 * outside the scope is refused and the denial audited. */
static int case_access(const struct svc_ctx *ctx, enum perm perm, int64_t id, struct db **ret_db,
		       struct case_head *h, bool *ret_mdt)
{
	int r = svc_require(ctx, perm);
	if (r < 0)
		return r;
	if ((r = app_db(ctx->app, ret_db)) < 0 || (r = case_load(*ret_db, id, h)) < 0)
		return r;
	char oid[24];
	fmt_id(oid, id);
	bool mdt = false;
	switch (ctx->actor->role) {
	case ROLE_HART:
		break;
	case ROLE_LIAISON:
		if (strcmp(h->region, ctx->actor->scope) != 0) {
			svc_audit_denial(ctx, "case outside the liaison's region", "case", oid);
			return ERR_PERM;
		}
		break;
	case ROLE_MDT:
		r = teams_case_visible(*ret_db, id, ctx->actor->scope);
		if (r < 0)
			return r;
		if (r == 0) {
			svc_audit_denial(ctx, "case not reviewed by the member's team", "case", oid);
			return ERR_PERM;
		}
		mdt = true;
		break;
	default:
		svc_audit_denial(ctx, "case outside the role", "case", oid);
		return ERR_PERM;
	}
	if (ret_mdt)
		*ret_mdt = mdt;
	return 0;
}

/* Append one event to the timeline, its text sealed. Inside the caller's
 * transaction. data (may be NULL) is not taken. */
static int event_add(struct db *db, struct app *app, int64_t case_id, const char *kind, hl_time occurred,
		     int64_t by, bool shared, const json_t *data, const char *text, int64_t *ret_id)
{
	char occ[32], rec[32];
	time_str(occurred, occ);
	time_str(now(), rec);
	char *dumped = data && json_object_size(data) ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	struct db_stmt *st;
	int r = db_prepare(db,
			   "INSERT INTO case_event (case_id, kind, occurred_at, recorded_at, recorded_by, shared, data)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			   &st);
	if (r < 0) {
		free(dumped);
		return r;
	}
	db_bind_int64(st, 1, case_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, occ);
	db_bind_text(st, 4, rec);
	if (by > 0)
		db_bind_int64(st, 5, by);
	else
		db_bind_null(st, 5);
	db_bind_int64(st, 6, shared ? 1 : 0);
	db_bind_text(st, 7, dumped);
	int64_t id = 0;
	r = step_id(st, &id);
	free(dumped);
	if (r < 0)
		return r;
	if (text && *text && (r = sealed_put(db, app, "case_event", "text", id, text)) < 0)
		return r;
	if (ret_id)
		*ret_id = id;
	return 0;
}

/* Bump the version of a case that changed. */
static int case_touch(struct db *db, int64_t id, const char *ts)
{
	struct db_stmt *st;
	int r = db_prepare(db, "UPDATE child_case SET version = version + 1, updated_at = ? WHERE id = ?", &st);
	if (r < 0)
		return r;
	db_bind_text(st, 1, ts);
	db_bind_int64(st, 2, id);
	return step_id(st, NULL);
}

/* ---- reading a case ---- */

/* The child: names and age for every view; the full view adds the person
 * id, birth date and sex. */
static int child_json(struct db *db, struct app *app, int64_t person_id, bool full, json_t **ret)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT given_name, family_name, dob, estimated_age, age_estimated_on, sex FROM person WHERE id = ?",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, person_id);
	r = db_step(st);
	if (r != DB_ROW) {
		db_finalize(st);
		return r < 0 ? r : ERR_NOTFOUND;
	}
	char *given = NULL, *family = NULL, *dob = NULL;
	if ((r = sealed_get(app, st, 0, "person", "given_name", person_id, &given)) == 0 &&
	    (r = sealed_get(app, st, 1, "person", "family_name", person_id, &family)) == 0)
		r = sealed_get(app, st, 2, "person", "dob", person_id, &dob);
	int age = -1;
	struct cmp_date today = cmp_date_local(now() / HL_USEC_PER_SEC), d;
	if (r == 0 && dob && cmp_date_parse(dob, "%Y-%m-%d", &d)) {
		age = cmp_age_on(&d, &today);
	} else if (r == 0 && !db_column_is_null(st, 3)) {
		age = (int)db_column_int64(st, 3);
		const char *on = db_column_text(st, 4);
		if (on && cmp_date_parse(on, "%Y-%m-%d", &d)) {
			int years = cmp_age_on(&d, &today);
			age += years > 0 ? years : 0;
		}
	}
	json_t *j = NULL;
	if (r == 0) {
		j = json_object();
		json_object_set_new(j, "given_name", text_or_null(given));
		json_object_set_new(j, "family_name", text_or_null(family));
		json_object_set_new(j, "age", age >= 0 ? json_integer(age) : json_null());
		if (full) {
			json_object_set_new(j, "person_id", json_integer(person_id));
			json_object_set_new(j, "dob", text_or_null(dob));
			json_object_set_new(j, "sex", text_or_null(db_column_text(st, 5)));
		}
	}
	db_finalize(st);
	free(given);
	free(family);
	free(dob);
	if (r < 0)
		return r;
	*ret = j;
	return j ? 0 : ERR_NOMEM;
}

/* {id, username, display_name} of a user, or null when id is 0; a
 * database error is answered, not turned into null. */
static int user_json(struct db *db, struct app *app, int64_t id, json_t **ret)
{
	if (id <= 0) {
		*ret = json_null();
		return 0;
	}
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT username, display_name FROM app_user WHERE id = ?", &st);
	if (r < 0)
		return r;
	json_t *j = json_null();
	if ((r = db_bind_int64(st, 1, id)) == 0 && (r = db_step(st)) == DB_ROW) {
		char *display = NULL;
		if ((r = sealed_get(app, st, 1, "app_user", "display_name", id, &display)) == 0) {
			json_decref(j);
			j = json_pack("{s:I, s:s, s:s?}", "id", (json_int_t)id, "username", db_column_text(st, 0),
				      "display_name", display);
			r = j ? 0 : ERR_NOMEM;
		}
		free(display);
	}
	db_finalize(st);
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

static int events_json(struct db *db, struct app *app, int64_t case_id, bool shared_only, json_t *out)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT e.id, e.kind, e.occurred_at, e.recorded_at, e.recorded_by, u.username, e.shared, e.data,"
			   " e.text FROM case_event e LEFT JOIN app_user u ON u.id = e.recorded_by"
			   " WHERE e.case_id = ? AND (? = 0 OR e.shared = 1) ORDER BY e.occurred_at, e.id",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	db_bind_int64(st, 2, shared_only ? 1 : 0);
	while ((r = db_step(st)) == DB_ROW) {
		int64_t eid = db_column_int64(st, 0);
		char *text = NULL;
		if ((r = sealed_get(app, st, 8, "case_event", "text", eid, &text)) < 0)
			break;
		json_t *e = NULL;
		const char *data = db_column_text(st, 7);
		if (data)
			e = json_loads(data, 0, NULL);
		if (!json_is_object(e)) {
			json_decref(e);
			e = json_object();
		}
		json_object_set_new(e, "id", json_integer(eid));
		json_object_set_new(e, "kind", json_string(db_column_text(st, 1)));
		json_object_set_new(e, "occurred_at", json_string(db_column_text(st, 2)));
		json_object_set_new(e, "recorded_at", json_string(db_column_text(st, 3)));
		json_object_set_new(e, "recorded_by",
				    db_column_text(st, 5) ? json_pack("{s:I, s:s}", "id", (json_int_t)db_column_int64(st, 4),
								      "username", db_column_text(st, 5))
							  : json_null());
		json_object_set_new(e, "shared", json_boolean(db_column_int64(st, 6)));
		json_object_set_new(e, "text", text_or_null(text));
		free(text);
		json_array_append_new(out, e);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* How long a child has been missing: from when last seen (not from when
 * the agency learned of it) to being located, else to t. One definition
 * for the case page and the dashboard, in whole minutes. */
static int missing_for_json(json_t *e, const char *last_seen_at, const char *located_at, hl_time t)
{
	hl_time from, to = t;
	if (!last_seen_at || time_parse(last_seen_at, &from) < 0)
		return json_object_set_new(e, "missing_for_minutes", json_null()) < 0 ? ERR_NOMEM : 0;
	if (located_at && time_parse(located_at, &to) < 0)
		to = t;
	int64_t minutes = to > from ? (to - from) / MINUTE : 0;
	return json_object_set_new(e, "missing_for_minutes", json_integer(minutes)) < 0 ? ERR_NOMEM : 0;
}

static int episodes_json(struct db *db, struct app *app, int64_t case_id, bool full, json_t *out)
{
	hl_time t = now();
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT id, last_seen_at, learned_at, located_at, ncmec_sealed, circumstances, created_at"
			   " FROM missing_episode WHERE case_id = ? ORDER BY learned_at, id",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	while ((r = db_step(st)) == DB_ROW) {
		int64_t eid = db_column_int64(st, 0);
		json_t *e = json_pack("{s:I, s:s, s:s, s:s?, s:b}", "id", (json_int_t)eid, "last_seen_at",
				      db_column_text(st, 1), "learned_at", db_column_text(st, 2), "located_at",
				      db_column_text(st, 3), "missing", db_column_is_null(st, 3));
		if (!e || (r = missing_for_json(e, db_column_text(st, 1), db_column_text(st, 3), t)) < 0) {
			json_decref(e);
			r = e ? r : ERR_NOMEM;
			break;
		}
		if (full) {
			char *circ = NULL, *ncmec = NULL;
			if ((r = sealed_get(app, st, 5, "missing_episode", "circumstances", eid, &circ)) < 0 ||
			    (r = sealed_get(app, st, 4, "missing_episode", "ncmec_sealed", eid, &ncmec)) < 0) {
				free(circ);
				json_decref(e);
				break;
			}
			json_object_set_new(e, "ncmec_case_number", text_or_null(ncmec));
			json_object_set_new(e, "circumstances", text_or_null(circ));
			json_object_set_new(e, "created_at", json_string(db_column_text(st, 6)));
			free(circ);
			free(ncmec);
		}
		json_array_append_new(out, e);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* Whether a report made at t came before the child was identified as a
 * victim (or the child is not identified at all). */
static bool before_identification(const struct case_head *h, hl_time t)
{
	hl_time ident;
	if (!h->identified || time_parse(h->identified_at, &ident) < 0)
		return true;
	return t < ident;
}

static bool le_earlier_reports_count(const struct pack *pack)
{
	const struct pack_deadline *le = pack_deadline(pack, duty_kind_to_string(DUTY_LAW_ENFORCEMENT_REPORT));
	return le && le->earlier_reports_count;
}

/* Each law-enforcement report of a case as answered says whether it was
 * made before the child was identified: read, not stored, because
 * identified_at may move. */
static int mark_before_identification(const struct case_head *h, json_t *reports)
{
	size_t i;
	json_t *rep;
	json_array_foreach (reports, i, rep) {
		hl_time t;
		const char *at = json_string_value(json_object_get(rep, "reported_at"));
		if (!at || time_parse(at, &t) < 0)
			continue;
		/* Only the identification's duty depends on it; a report for a
		 * missing episode or to NCMEC answers the episode's. */
		const char *kind = json_string_value(json_object_get(rep, "kind"));
		bool case_le = kind && strcmp(kind, "law_enforcement") == 0 &&
			       json_is_null(json_object_get(rep, "missing_episode_id"));
		if (json_object_set_new(rep, "before_identification",
					json_boolean(case_le && before_identification(h, t))) < 0)
			return ERR_NOMEM;
	}
	return 0;
}

/* When the child is first identified, a law-enforcement report already on
 * the case (not for a missing episode) meets the new duty: one made since
 * the identification (a backdated one), or an earlier one when the pack
 * says earlier reports count. The earliest that counts meets it, at the
 * time it was made. Inside the caller's transaction. */
static int meet_with_recorded_report(struct db *db, const struct pack *pack, int64_t case_id, hl_time ident)
{
	char ident_ts[32];
	time_str(ident, ident_ts);
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT reported_at, recorded_by FROM mandated_report WHERE case_id = ? AND kind = 'law_enforcement'"
			   " AND missing_episode_id IS NULL AND (? = 1 OR reported_at >= ?) ORDER BY reported_at, id LIMIT 1",
			   &st);
	if (r < 0)
		return r;
	if ((r = db_bind_int64(st, 1, case_id)) < 0 || (r = db_bind_int64(st, 2, le_earlier_reports_count(pack))) < 0 ||
	    (r = db_bind_text(st, 3, ident_ts)) < 0) {
		db_finalize(st);
		return r;
	}
	hl_time at = 0;
	int64_t by = 0;
	bool found = false;
	if ((r = db_step(st)) == DB_ROW) {
		found = time_parse(db_column_text(st, 0), &at) == 0;
		by = db_column_int64(st, 1);
	}
	db_finalize(st);
	if (r < 0)
		return r;
	return found ? duty_meet(db, DUTY_LAW_ENFORCEMENT_REPORT, "case", case_id, at, by, NULL) : 0;
}

static int reports_json(struct db *db, struct app *app, int64_t case_id, json_t *out)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT m.id, m.kind, m.agency, m.officer_sealed, m.reference_sealed, m.reported_at,"
			   " m.missing_episode_id,"
			   " u.username, m.recorded_at FROM mandated_report m LEFT JOIN app_user u ON u.id = m.recorded_by"
			   " WHERE m.case_id = ? ORDER BY m.reported_at, m.id",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	while ((r = db_step(st)) == DB_ROW) {
		int64_t mid = db_column_int64(st, 0);
		char *officer = NULL, *reference = NULL;
		if ((r = sealed_get(app, st, 3, "mandated_report", "officer_sealed", mid, &officer)) < 0 ||
		    (r = sealed_get(app, st, 4, "mandated_report", "reference_sealed", mid, &reference)) < 0) {
			free(officer);
			break;
		}
		json_t *e = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s}", "id", (json_int_t)mid, "kind",
				      db_column_text(st, 1), "agency", db_column_text(st, 2), "officer", officer,
				      "reference", reference, "reported_at", db_column_text(st, 5), "recorded_by",
				      db_column_text(st, 7), "recorded_at", db_column_text(st, 8));
		free(officer);
		free(reference);
		if (!e) {
			r = ERR_NOMEM;
			break;
		}
		json_object_set_new(e, "missing_episode_id",
				    db_column_is_null(st, 6) ? json_null() : json_integer(db_column_int64(st, 6)));
		json_array_append_new(out, e);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* A rapid response as answered: minutes taken and whether within target
 * once the responder arrived. */
static json_t *rapid_row_json(struct app *app, struct db_stmt *st, int *ret_err)
{
	const char *req = db_column_text(st, 1), *arr = db_column_text(st, 4);
	int64_t rid = db_column_int64(st, 0);
	char *responder = NULL;
	if ((*ret_err = sealed_get(app, st, 2, "rapid_response", "responder_sealed", rid, &responder)) < 0)
		return NULL;
	json_t *j = json_pack("{s:I, s:s, s:s?, s:s?}", "id", (json_int_t)rid, "requested_at", req, "responder",
			      responder, "arrived_at", arr);
	free(responder);
	if (!j) {
		*ret_err = ERR_NOMEM;
		return NULL;
	}
	bool has_target = !db_column_is_null(st, 3);
	int64_t target = has_target ? db_column_int64(st, 3) : 0;
	json_object_set_new(j, "target_minutes", has_target ? json_integer(target) : json_null());
	if (arr) {
		hl_time a = 0, q = 0;
		time_parse(arr, &a);
		time_parse(req, &q);
		int64_t taken = (a - q) / MINUTE;
		json_object_set_new(j, "minutes_taken", json_integer(taken));
		json_object_set_new(j, "within_target", has_target ? json_boolean(taken <= target) : json_null());
	} else {
		json_object_set_new(j, "minutes_taken", json_null());
		json_object_set_new(j, "within_target", json_null());
	}
	json_object_set_new(j, "duty_id", db_column_is_null(st, 5) ? json_null() : json_integer(db_column_int64(st, 5)));
	return j;
}

#define RAPID_SELECT                                                                                         \
	"SELECT r.id, r.requested_at, r.responder_sealed, r.target_minutes, r.arrived_at,"                   \
	" (SELECT d.id FROM duty d WHERE d.kind = ? AND d.subject_type = 'rapid_response'" \
	" AND d.subject_id = r.id) FROM rapid_response r"

static int rapids_json(struct db *db, struct app *app, int64_t case_id, json_t *out)
{
	struct db_stmt *st;
	int r = db_prepare(db, RAPID_SELECT " WHERE r.case_id = ? ORDER BY r.requested_at, r.id", &st);
	if (r < 0 || (r = duty_bind_kind(st, 1, DUTY_RAPID_RESPONSE_TARGET)) < 0)
		return r;
	db_bind_int64(st, 2, case_id);
	while ((r = db_step(st)) == DB_ROW) {
		json_t *j = rapid_row_json(app, st, &r);
		if (!j)
			break;
		json_array_append_new(out, j);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

static json_t *allowed_json(const char *status)
{
	json_t *a = json_array();
	enum case_status s, out[CASE_STATUS_COUNT];
	if (case_status_parse(status, &s) == 0) {
		size_t n = case_status_allowed(s, out);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_string(case_status_name(out[i])));
	}
	return a;
}

/* The case as answered: the full view, or the MDT view of team_code. */
static int case_json(struct db *db, struct app *app, int64_t id, bool mdt, const char *team_code, json_t **ret)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT number, person_id, region, office, status, victim_status, identified_at, trafficking_type,"
			   " uncared_for, petition_status, lead_user_id, opened_by, opened_at, closed_at, version, updated_at"
			   " FROM child_case WHERE id = ?",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, id);
	if ((r = db_step(st)) != DB_ROW) {
		db_finalize(st);
		return r < 0 ? r : ERR_NOTFOUND;
	}
	int64_t person = db_column_int64(st, 1);
	int64_t lead = db_column_is_null(st, 10) ? 0 : db_column_int64(st, 10);
	int64_t opener = db_column_int64(st, 11);
	struct case_head ident = {.identified = !db_column_is_null(st, 6)};
	str_copy(ident.identified_at, sizeof ident.identified_at, ident.identified ? db_column_text(st, 6) : "");
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer(id));
	json_object_set_new(j, "number", json_string(db_column_text(st, 0)));
	json_object_set_new(j, "view", json_string(mdt ? "mdt" : "full"));
	json_object_set_new(j, "region", json_string(db_column_text(st, 2)));
	json_object_set_new(j, "status", json_string(db_column_text(st, 4)));
	json_object_set_new(j, "victim_status", json_string(db_column_text(st, 5)));
	json_object_set_new(j, "trafficking_type", text_or_null(db_column_text(st, 7)));
	if (!mdt) {
		json_object_set_new(j, "office", text_or_null(db_column_text(st, 3)));
		json_object_set_new(j, "allowed_statuses", allowed_json(db_column_text(st, 4)));
		json_object_set_new(j, "identified_at", text_or_null(db_column_text(st, 6)));
		json_object_set_new(j, "uncared_for", json_boolean(db_column_int64(st, 8)));
		json_object_set_new(j, "petition_status", json_string(db_column_text(st, 9)));
		json_object_set_new(j, "opened_at", json_string(db_column_text(st, 12)));
		json_object_set_new(j, "closed_at", text_or_null(db_column_text(st, 13)));
		json_object_set_new(j, "version", json_integer(db_column_int64(st, 14)));
		json_object_set_new(j, "updated_at", json_string(db_column_text(st, 15)));
	}
	db_finalize(st);
	json_t *child = NULL;
	if ((r = child_json(db, app, person, !mdt, &child)) < 0)
		goto fail;
	json_object_set_new(j, "child", child);
	json_t *events = json_array();
	json_object_set_new(j, "events", events);
	if ((r = events_json(db, app, id, mdt, events)) < 0)
		goto fail;
	json_t *episodes = json_array();
	json_object_set_new(j, "missing_episodes", episodes);
	if ((r = episodes_json(db, app, id, !mdt, episodes)) < 0)
		goto fail;
	json_t *reviews = NULL;
	if ((r = teams_case_reviews_json(db, app, id, mdt ? team_code : NULL, &reviews)) < 0)
		goto fail;
	json_object_set_new(j, "reviews", reviews ? reviews : json_array());
	if (!mdt) {
		json_t *lead_j = NULL, *opener_j = NULL;
		if ((r = user_json(db, app, lead, &lead_j)) < 0 || (r = user_json(db, app, opener, &opener_j)) < 0) {
			json_decref(lead_j);
			goto fail;
		}
		int set_lead = json_object_set_new(j, "lead", lead_j);
		if (json_object_set_new(j, "opened_by", opener_j) < 0 || set_lead < 0) {
			r = ERR_NOMEM;
			goto fail;
		}
		json_t *intakes = json_array();
		json_object_set_new(j, "intakes", intakes);
		if ((r = db_prepare(db,
				    "SELECT ci.intake_id, i.number, ci.child, ci.joined, ci.added_at, i.received_at"
				    " FROM case_intake ci JOIN intake i ON i.id = ci.intake_id WHERE ci.case_id = ?"
				    " ORDER BY ci.added_at, ci.intake_id",
				    &st)) < 0)
			goto fail;
		db_bind_int64(st, 1, id);
		while ((r = db_step(st)) == DB_ROW)
			json_array_append_new(intakes, json_pack("{s:I, s:s, s:I, s:b, s:s, s:s}", "id",
								 (json_int_t)db_column_int64(st, 0), "number",
								 db_column_text(st, 1), "child",
								 (json_int_t)db_column_int64(st, 2), "joined",
								 (int)db_column_int64(st, 3), "added_at",
								 db_column_text(st, 4), "received_at", db_column_text(st, 5)));
		db_finalize(st);
		if (r < 0)
			goto fail;
		json_t *reports = json_array(), *duties = json_array(), *rapids = json_array();
		json_object_set_new(j, "reports", reports);
		json_object_set_new(j, "duties", duties);
		json_object_set_new(j, "rapid_responses", rapids);
		if ((r = reports_json(db, app, id, reports)) < 0 || (r = mark_before_identification(&ident, reports)) < 0 ||
		    (r = duty_select(db, app, NULL, NULL, id, 0, 500, now(), duties)) < 0 ||
		    (r = rapids_json(db, app, id, rapids)) < 0)
			goto fail;
	}
	*ret = j;
	return 0;
fail:
	json_decref(j);
	return r;
}

int svc_case_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	struct case_head h;
	bool mdt = false;
	int r = case_access(ctx, PERM_CASES_READ, id, &db, &h, &mdt);
	if (r < 0)
		return r;
	char oid[24];
	fmt_id(oid, id);
	json_t *j = NULL;
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = case_json(db, ctx->app, id, mdt, ctx->actor->scope, &j)) < 0)
		goto fail;
	if ((r = svc_audit_append(db, ctx, "case.read", "case", oid, mdt ? "view=mdt" : "view=full")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	*ret = j;
	return 0;
fail:
	db_rollback(db);
	json_decref(j);
	return r;
}

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

struct intake_for_case {
	char number[24], region[32], office[64], disposition[40];
	bool has_region;
	int64_t person_id; /* of the child; 0 when not linked */
	bool child_found;
	char received_at[32];
	/* Why the report says the child is a suspected victim: "guardrail"
	 * (the law's check at intake), "screening" (its latest screen is
	 * clear or positive); NULL when it does not. */
	const char *suspected_by;
};

static int load_intake(struct db *db, int64_t id, int child, struct intake_for_case *it);
static int identify_from_intake(struct db *db, const struct svc_ctx *ctx, int64_t case_id,
				const struct intake_for_case *it, const char *from);

/* The report joins a case (once): case_intake and an intake_joined event.
 * *ret_added: false when it was there already. */
static int join_intake(struct db *db, const struct svc_ctx *ctx, int64_t case_id, int64_t intake_id, int child,
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
	if ((r = step_id(st, NULL)) < 0)
		return r;
	/* Figures: the joining report's referral takes the case's type. */
	if ((r = figures_case_type(db, case_id)) < 0)
		return r;
	json_t *data = json_pack("{s:I, s:s, s:i}", "intake_id", (json_int_t)intake_id, "intake_number", intake_number,
				 "child", child);
	r = event_add(db, ctx->app, case_id, "intake_joined", at, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0)
		return r;
	if ((r = case_touch(db, case_id, ts)) < 0)
		return r;
	/* A report that says the child is a suspected victim identifies a
	 * child not yet identified, as opening a case from it would. */
	struct intake_for_case it;
	struct case_head h;
	if ((r = load_intake(db, intake_id, child, &it)) < 0 || (r = case_load(db, case_id, &h)) < 0)
		return r;
	bool identifies = it.suspected_by && !h.identified;
	if (identifies && (r = identify_from_intake(db, ctx, case_id, &it, h.victim)) < 0)
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
		if ((r = join_intake(db, ctx, joins[i].case_id, intake_id, joins[i].child, number, at, &added)) < 0)
			return r;
	}
	return 0;
}

static int load_intake(struct db *db, int64_t id, int child, struct intake_for_case *it)
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
static int identify_from_intake(struct db *db, const struct svc_ctx *ctx, int64_t case_id,
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
	if ((r = step_id(st, NULL)) < 0)
		return r;
	if ((r = duty_open_pack(db, ctx->app->pack, case_id, DUTY_LAW_ENFORCEMENT_REPORT, "case", case_id, ident, 0, NULL)) <
		    0 &&
	    r != ERR_NOTFOUND)
		return r;
	if ((r = meet_with_recorded_report(db, ctx->app->pack, case_id, ident)) < 0)
		return r;
	json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s}", "from", from, "to", "suspected", "identified_at",
				 ident_ts, "intake_number", it->number, "identified_by", it->suspected_by);
	if (!data)
		return ERR_NOMEM;
	r = event_add(db, ctx->app, case_id, "victim_status", ident, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	return r;
}

int svc_case_open(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs,
		  struct case_conflict *cf, struct case_opened *ret)
{
	int r = svc_require(ctx, PERM_CASES_OPEN);
	if (r < 0)
		return r;
	static const char *const known[] = {"intake_id", "child", "region", "person_id", NULL};
	if (!need_object(body, errs))
		return ERR_INVAL;
	unknown_keys(body, known, errs);
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
	const char *region = str_field(body, "region", 16, direct, errs);
	if (region && *region && !pack_region(pack, region))
		field_error_add(errs, "region", "unknown region \"%.16s\"", region);
	if (region && !*region)
		region = NULL;
	if (from_intake) {
		intake_id = id_field(body, "intake_id", true, errs);
		json_t *c = json_object_get(body, "child");
		if (c && !json_is_null(c)) {
			if (!json_is_integer(c) || json_integer_value(c) < 0 || json_integer_value(c) > 100)
				field_error_add(errs, "child", "the 0-based position of the child in the report");
			else
				child = (int)json_integer_value(c);
		}
	} else {
		person_id = id_field(body, "person_id", true, errs);
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
		if ((r = load_intake(db, intake_id, child, &it)) == ERR_NOTFOUND) {
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
			conflict(cf,
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
		conflict(cf, "the child already has case %s, which is not closed", number);
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
		if ((r = join_intake(db, ctx, existing, intake_id, child, intake_number, t, &added)) < 0)
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
	if ((r = step_id(st, &id)) < 0)
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
		if ((r = step_id(st, NULL)) < 0)
			goto fail;
	}
	json_t *data = from_intake ? json_pack("{s:I, s:s, s:i}", "intake_id", (json_int_t)intake_id, "intake_number",
					       intake_number, "child", child)
				   : NULL;
	r = event_add(db, app, id, "opened", t, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0)
		goto fail;
	if (from_intake && it.suspected_by && (r = identify_from_intake(db, ctx, id, &it, "none")) < 0)
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

/* ---- listing ---- */

int svc_case_list(const struct svc_ctx *ctx, const struct case_filter *f, struct field_errors *errs, json_t **ret)
{
	int r = svc_require(ctx, PERM_CASES_READ);
	if (r < 0)
		return r;
	static const char *const statuses[] = {"open", "closed", "all", NULL};
	const char *status = f->status && *f->status ? f->status : "open";
	if (!in_list(statuses, status))
		field_error_add(errs, "status", "open, closed or all");
	if (f->region && *f->region && !pack_region(ctx->app->pack, f->region))
		field_error_add(errs, "region", "unknown region");
	if (f->limit < 0 || f->limit > 500)
		field_error_add(errs, "limit", "1 to 500");
	if (field_errors_any(errs))
		return ERR_INVAL;
	const char *region = f->region && *f->region ? f->region : NULL;
	bool mdt = ctx->actor->role == ROLE_MDT;
	if (ctx->actor->role == ROLE_LIAISON) {
		if (region && strcmp(region, ctx->actor->scope) != 0) {
			svc_audit_denial(ctx, "cases outside the liaison's region", "case", NULL);
			return ERR_PERM;
		}
		region = ctx->actor->scope;
	}
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	char ts[32];
	time_str(now(), ts);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	/* An mdt user: the cases its team reviews (a review not cancelled). */
	if ((r = db_prepare(db,
			    "SELECT c.id, c.number, c.person_id, c.region, c.office, c.status, c.victim_status,"
			    " c.identified_at, c.trafficking_type, c.lead_user_id, u.username, c.opened_at, c.closed_at,"
			    " c.version,"
			    " (SELECT count(*) FROM missing_episode m WHERE m.case_id = c.id AND m.located_at IS NULL),"
			    " (SELECT count(*) FROM duty d WHERE d.case_id = c.id AND d.met_at IS NULL AND d.due_at < ?),"
			    " (SELECT min(d.due_at) FROM duty d WHERE d.case_id = c.id AND d.met_at IS NULL)"
			    " FROM child_case c LEFT JOIN app_user u ON u.id = c.lead_user_id"
			    " WHERE (? = 'all' OR (? = 'open' AND c.status <> 'closed') OR (? = 'closed' AND c.status = 'closed'))"
			    " AND (CAST(? AS TEXT) IS NULL OR c.region = ?)"
			    " AND (? = 0 OR EXISTS (SELECT 1 FROM missing_episode m WHERE m.case_id = c.id"
			    "  AND m.located_at IS NULL))"
			    " AND (? = 0 OR EXISTS (SELECT 1 FROM case_review v JOIN mdt_team t ON t.id = v.team_id"
			    "  WHERE v.case_id = c.id AND v.status <> 'cancelled' AND t.code = ?))"
			    " ORDER BY c.opened_at DESC, c.id DESC LIMIT ?",
			    &st)) < 0)
		goto fail;
	int i = 1;
	db_bind_text(st, i++, ts);
	db_bind_text(st, i++, status);
	db_bind_text(st, i++, status);
	db_bind_text(st, i++, status);
	db_bind_text(st, i++, region);
	db_bind_text(st, i++, region ? region : "");
	db_bind_int64(st, i++, f->missing ? 1 : 0);
	db_bind_int64(st, i++, mdt ? 1 : 0);
	db_bind_text(st, i++, ctx->actor->scope);
	db_bind_int64(st, i++, f->limit > 0 ? f->limit : 200);
	json_t *list = json_array();
	/* Gather the rows first, then open each child's names. */
	struct row {
		int64_t person;
		json_t *j;
	} *rows = NULL;
	size_t n = 0, cap = 0;
	while ((r = db_step(st)) == DB_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			struct row *nr = realloc(rows, nc * sizeof *nr);
			if (!nr) {
				r = ERR_NOMEM;
				break;
			}
			rows = nr;
			cap = nc;
		}
		json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:b}", "id", (json_int_t)db_column_int64(st, 0),
				      "number", db_column_text(st, 1), "region", db_column_text(st, 3), "status",
				      db_column_text(st, 5), "victim_status", db_column_text(st, 6), "trafficking_type",
				      db_column_text(st, 8), "missing", db_column_int64(st, 14) > 0);
		if (!mdt) {
			json_object_set_new(j, "office", text_or_null(db_column_text(st, 4)));
			json_object_set_new(j, "identified_at", text_or_null(db_column_text(st, 7)));
			json_object_set_new(j, "lead",
					    db_column_text(st, 10)
						    ? json_pack("{s:I, s:s}", "id", (json_int_t)db_column_int64(st, 9),
								"username", db_column_text(st, 10))
						    : json_null());
			json_object_set_new(j, "opened_at", json_string(db_column_text(st, 11)));
			json_object_set_new(j, "closed_at", text_or_null(db_column_text(st, 12)));
			json_object_set_new(j, "version", json_integer(db_column_int64(st, 13)));
			json_object_set_new(j, "overdue", json_integer(db_column_int64(st, 15)));
			json_object_set_new(j, "next_due_at", text_or_null(db_column_text(st, 16)));
		}
		rows[n].person = db_column_int64(st, 2);
		rows[n].j = j;
		n++;
	}
	db_finalize(st);
	for (size_t k = 0; k < n; k++) {
		json_t *child = NULL;
		if (r >= 0 && (r = child_json(db, ctx->app, rows[k].person, false, &child)) == 0)
			json_object_set_new(rows[k].j, "child", child);
		json_array_append_new(list, rows[k].j);
	}
	free(rows);
	if (r < 0) {
		json_decref(list);
		goto fail;
	}
	r = svc_audit_appendf(db, ctx, "case.list", "case", AUDIT_NO_OBJECT, "status=%s region=%s count=%zu%s", status,
			      region ? region : "all", json_array_size(list), mdt ? " view=mdt" : "");
	if (r < 0 || (r = db_commit(db)) < 0) {
		json_decref(list);
		goto fail;
	}
	*ret = json_pack("{s:o}", "cases", list);
	return *ret ? 0 : ERR_NOMEM;
fail:
	db_rollback(db);
	return r;
}

/* ---- changing a case ---- */

/* A user who may lead a case of region: a HART user or a liaison of the
 * region, active. */
static int check_lead(struct db *db, int64_t user, const char *region, struct field_errors *errs)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT role, scope, disabled FROM app_user WHERE id = ?", &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, user);
	r = db_step(st);
	if (r == DB_DONE)
		field_error_add(errs, "lead_user_id", "no such user");
	else if (r == DB_ROW) {
		const char *role = db_column_text(st, 0), *scope = db_column_text(st, 1);
		if (db_column_int64(st, 2))
			field_error_add(errs, "lead_user_id", "the user is disabled");
		else if (!(strcmp(role, "hart") == 0 ||
			   (strcmp(role, "liaison") == 0 && scope && strcmp(scope, region) == 0)))
			field_error_add(errs, "lead_user_id", "the lead is a HART user or a liaison of region %s", region);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_case_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = case_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	static const char *const known[] = {"version",          "status",      "victim_status",   "identified_at",
					    "trafficking_type", "uncared_for", "petition_status", "lead_user_id",
					    NULL};
	if (!need_object(body, errs))
		return ERR_INVAL;
	unknown_keys(body, known, errs);
	struct app *app = ctx->app;
	hl_time t = now();
	json_t *ver = json_object_get(body, "version");
	if (!json_is_integer(ver))
		field_error_add(errs, "version", "required: the version read");
	const char *status = str_field(body, "status", 32, false, errs);
	enum case_status to_status = CASE_OPEN, from_status = CASE_OPEN;
	if (status && case_status_parse(status, &to_status) < 0)
		field_error_add(errs, "status", "open, response, services, monitoring or closed");
	const char *victim = str_field(body, "victim_status", 32, false, errs);
	enum victim_status to_victim = VICTIM_NONE;
	if (victim && victim_status_parse(victim, &to_victim) < 0)
		field_error_add(errs, "victim_status", "none, at_risk, suspected or confirmed");
	hl_time identified = 0;
	bool has_identified = time_field(body, "identified_at", false, t, errs, &identified);
	json_t *tt = json_object_get(body, "trafficking_type");
	const char *traffic = str_field(body, "trafficking_type", 64, false, errs);
	if (traffic && *traffic &&
	    !pack_item_find(app->pack->trafficking_types, app->pack->n_trafficking_types, traffic))
		field_error_add(errs, "trafficking_type", "unknown trafficking type \"%.40s\"", traffic);
	json_t *uf = json_object_get(body, "uncared_for");
	if (uf && !json_is_boolean(uf))
		field_error_add(errs, "uncared_for", "must be true or false");
	const char *petition = str_field(body, "petition_status", 32, false, errs);
	if (petition && !case_petition_status_valid(petition))
		field_error_add(errs, "petition_status", "none, planned, filed, granted or denied");
	json_t *lead_v = json_object_get(body, "lead_user_id");
	int64_t lead = 0;
	if (lead_v && !json_is_null(lead_v)) {
		if (!json_is_integer(lead_v) || json_integer_value(lead_v) < 1)
			field_error_add(errs, "lead_user_id", "a user id, or null");
		else if ((r = check_lead(db, (lead = json_integer_value(lead_v)), h.region, errs)) < 0)
			return r;
	}
	/* identified_at goes with an identification: now or before. */
	enum victim_status cur_victim = VICTIM_NONE;
	victim_status_parse(h.victim, &cur_victim);
	enum victim_status new_victim = victim ? to_victim : cur_victim;
	if (has_identified && !victim_status_identifies(new_victim) && !h.identified)
		field_error_add(errs, "identified_at",
				"the child is not identified as a victim: set victim_status to suspected or confirmed");
	if (field_errors_any(errs))
		return ERR_INVAL;

	if (json_integer_value(ver) != h.version) {
		conflict(cf, "case %s changed since it was read (version %lld, now %lld): read it again", h.number,
			 (long long)json_integer_value(ver), (long long)h.version);
		stale(cf);
		return ERR_CONFLICT;
	}
	case_status_parse(h.status, &from_status);
	bool status_change = status && to_status != from_status;
	if (status_change && !case_status_may(from_status, to_status)) {
		if (cf) {
			cf->slug = "illegal-transition";
			snprintf(cf->detail, sizeof cf->detail, "a case that is %s cannot become %s", h.status, status);
			cf->allowed = allowed_json(h.status);
		}
		return ERR_CONFLICT;
	}
	bool any_other = victim || has_identified || tt || uf || petition || lead_v;
	if (from_status == CASE_CLOSED && any_other) {
		conflict(cf, "case %s is closed", h.number);
		return ERR_CONFLICT;
	}

	char ts[32], oid[24];
	time_str(t, ts);
	fmt_id(oid, id);
	struct buf detail;
	buf_init(&detail, 1024);
	if ((r = db_begin(db)) < 0) {
		buf_done(&detail);
		return r;
	}
	/* Someone may have changed it since it was loaded. */
	struct case_head now_h;
	if ((r = case_load(db, id, &now_h)) < 0)
		goto fail;
	if (now_h.version != h.version) {
		conflict(cf, "case %s changed since it was read: read it again", h.number);
		stale(cf);
		r = ERR_CONFLICT;
		goto fail;
	}
	struct db_stmt *st;
	if (status_change) {
		if ((r = db_prepare(db,
				    "UPDATE child_case SET status = ?, closed_at = CASE WHEN ? = 'closed' THEN ? ELSE NULL END"
				    " WHERE id = ?",
				    &st)) < 0)
			goto fail;
		db_bind_text(st, 1, status);
		db_bind_text(st, 2, status);
		db_bind_text(st, 3, ts);
		db_bind_int64(st, 4, id);
		if ((r = step_id(st, NULL)) < 0)
			goto fail;
		json_t *data = json_pack("{s:s, s:s}", "from", h.status, "to", status);
		r = event_add(db, app, id, "status_change", t, ctx->actor->user_id, false, data, NULL, NULL);
		json_decref(data);
		if (r < 0)
			goto fail;
		buf_printf(&detail, " status=%s->%s", h.status, status);
	}
	const struct pack_deadline *le = pack_deadline(app->pack, duty_kind_to_string(DUTY_LAW_ENFORCEMENT_REPORT));
	if ((victim && to_victim != cur_victim) || has_identified) {
		bool first = victim_status_first_identification(h.identified, new_victim);
		hl_time ident = has_identified ? identified : t;
		char ident_ts[32];
		time_str(ident, ident_ts);
		if ((r = db_prepare(db,
				    "UPDATE child_case SET victim_status = ?, identified_at = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_text(st, 1, victim_status_name(new_victim));
		db_bind_text(st, 2, first || has_identified ? ident_ts : (h.identified ? h.identified_at : NULL));
		db_bind_int64(st, 3, id);
		if ((r = step_id(st, NULL)) < 0)
			goto fail;
		if (first) {
			if ((r = duty_open_pack(db, app->pack, id, DUTY_LAW_ENFORCEMENT_REPORT, "case", id, ident, 0, NULL)) < 0 &&
			    r != ERR_NOTFOUND)
				goto fail;
			if ((r = meet_with_recorded_report(db, app->pack, id, ident)) < 0)
				goto fail;
		} else if (has_identified && le) {
			if ((r = duty_move(db, DUTY_LAW_ENFORCEMENT_REPORT, "case", id, ident + le->minutes * MINUTE)) < 0 ||
			    (r = meet_with_recorded_report(db, app->pack, id, ident)) < 0)
				goto fail;
		}
		if (victim && to_victim != cur_victim) {
			json_t *data = json_pack("{s:s, s:s}", "from", h.victim, "to", victim_status_name(new_victim));
			if (first || has_identified)
				json_object_set_new(data, "identified_at", json_string(ident_ts));
			r = event_add(db, app, id, "victim_status", first || has_identified ? ident : t,
				      ctx->actor->user_id, false, data, NULL, NULL);
			json_decref(data);
			if (r < 0)
				goto fail;
			buf_printf(&detail, " victim_status=%s->%s", h.victim, victim_status_name(new_victim));
		}
		if (has_identified)
			buf_printf(&detail, " identified_at=%s", ident_ts);
	}
	if (tt) {
		if ((r = db_prepare(db, "UPDATE child_case SET trafficking_type = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_text(st, 1, traffic && *traffic ? traffic : NULL);
		db_bind_int64(st, 2, id);
		if ((r = step_id(st, NULL)) < 0)
			goto fail;
		/* Figures: the case's reports' referrals take its type. */
		if ((r = figures_case_type(db, id)) < 0)
			goto fail;
		buf_printf(&detail, " trafficking_type=%s", traffic && *traffic ? traffic : "none");
	}
	if (uf) {
		if ((r = db_prepare(db, "UPDATE child_case SET uncared_for = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_int64(st, 1, json_is_true(uf));
		db_bind_int64(st, 2, id);
		if ((r = step_id(st, NULL)) < 0)
			goto fail;
		buf_printf(&detail, " uncared_for=%s", json_is_true(uf) ? "true" : "false");
	}
	if (petition) {
		if ((r = db_prepare(db, "UPDATE child_case SET petition_status = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_text(st, 1, petition);
		db_bind_int64(st, 2, id);
		if ((r = step_id(st, NULL)) < 0)
			goto fail;
		buf_printf(&detail, " petition_status=%s", petition);
	}
	if (lead_v) {
		if ((r = db_prepare(db, "UPDATE child_case SET lead_user_id = ? WHERE id = ?", &st)) < 0)
			goto fail;
		if (lead)
			db_bind_int64(st, 1, lead);
		else
			db_bind_null(st, 1);
		db_bind_int64(st, 2, id);
		if ((r = step_id(st, NULL)) < 0)
			goto fail;
		if ((r = duty_reassign(db, id, lead ? lead : h.opened_by)) < 0)
			goto fail;
		buf_printf(&detail, " lead=%lld", (long long)lead);
	}
	if ((r = case_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_append(db, ctx, "case.update", "case", oid, detail.len ? buf_str(&detail) + 1 : "none")) < 0)
		goto fail;
	json_t *j = NULL;
	if ((r = case_json(db, app, id, false, NULL, &j)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0) {
		json_decref(j);
		goto fail;
	}
	buf_done(&detail);
	*ret = j;
	return 0;
fail:
	db_rollback(db);
	buf_done(&detail);
	return r;
}

/* ---- events ---- */

struct episode {
	int64_t id;
	bool located;
	hl_time last_seen, learned, located_at;
};

/* Episode eid of case case_id; ERR_NOTFOUND when the case has no such one. */
static int load_episode(struct db *db, int64_t case_id, int64_t eid, struct episode *e)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT last_seen_at, learned_at, located_at FROM missing_episode WHERE id = ? AND case_id = ?",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, eid);
	db_bind_int64(st, 2, case_id);
	r = db_step(st);
	if (r == DB_ROW) {
		memset(e, 0, sizeof *e);
		e->id = eid;
		time_parse(db_column_text(st, 0), &e->last_seen);
		time_parse(db_column_text(st, 1), &e->learned);
		e->located = !db_column_is_null(st, 2);
		if (e->located)
			time_parse(db_column_text(st, 2), &e->located_at);
		r = 0;
	} else if (r == DB_DONE) {
		r = ERR_NOTFOUND;
	}
	db_finalize(st);
	return r;
}

/* The episode a debrief or re-screen is about: of this case, located, and
 * not before the child was located. */
static int event_episode(struct db *db, int64_t case_id, int64_t eid, hl_time occurred, bool has_occurred,
			 struct field_errors *errs, struct episode *e)
{
	int r = load_episode(db, case_id, eid, e);
	if (r == ERR_NOTFOUND) {
		field_error_add(errs, "missing_episode_id", "no such missing episode in this case");
		return 0;
	}
	if (r < 0)
		return r;
	if (!e->located)
		field_error_add(errs, "missing_episode_id", "the child has not been located yet");
	else if (has_occurred && occurred < e->located_at)
		field_error_add(errs, "occurred_at", "before the child was located");
	return 0;
}

int svc_case_event(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		   struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = case_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	if (!need_object(body, errs))
		return ERR_INVAL;
	struct app *app = ctx->app;
	const struct pack *pack = app->pack;
	hl_time t = now();
	const char *kind = str_field(body, "kind", 40, true, errs);
	if (kind && *kind && !case_event_kind_user(kind)) {
		field_error_add(errs, "kind",
				"note, contact, medical_exam, forensic_interview, placement_change, debrief or rescreen");
		kind = NULL;
	}
	if (!kind)
		return ERR_INVAL;
	/* Each kind takes its own fields and no other. */
	static const char *const common[] = {"kind", "occurred_at", "text", "shared", NULL};
	static const char *const k_medical[] = {"kind", "occurred_at", "text", "shared", "emergency_department", NULL};
	static const char *const k_placement[] = {"kind", "occurred_at", "text", "shared", "placement", NULL};
	static const char *const k_debrief[] = {"kind", "occurred_at", "text", "shared", "missing_episode_id", NULL};
	static const char *const k_rescreen[] = {"kind",   "occurred_at",        "text",       "shared",
						 "answers", "missing_episode_id", "instrument", NULL};
	const char *const *known = common;
	if (strcmp(kind, "medical_exam") == 0)
		known = k_medical;
	else if (strcmp(kind, "placement_change") == 0)
		known = k_placement;
	else if (strcmp(kind, "debrief") == 0)
		known = k_debrief;
	else if (strcmp(kind, "rescreen") == 0)
		known = k_rescreen;
	unknown_keys(body, known, errs);
	hl_time occurred = t;
	bool has_occurred = time_field(body, "occurred_at", false, t, errs, &occurred);
	const char *text = str_field(body, "text", MAX_TEXT, case_event_kind_needs_text(kind), errs);
	bool shared = bool_field(body, "shared", errs);
	json_t *data = json_object();
	int64_t eid = 0;
	enum duty_kind duty_kind = DUTY_KIND_COUNT; /* none */
	const struct pack_instrument *ins = NULL;
	enum screen_level level = SCREEN_NO;
	int score = 0;
	if (strcmp(kind, "medical_exam") == 0) {
		const char *ed = str_field(body, "emergency_department", 64, true, errs);
		const struct pack_item *dept =
			ed && *ed ? pack_item_find(pack->emergency_departments, pack->n_emergency_departments, ed) : NULL;
		if (ed && *ed && !dept)
			field_error_add(errs, "emergency_department", "unknown emergency department \"%.40s\"", ed);
		if (dept) {
			json_object_set_new(data, "emergency_department", json_string(dept->id));
			json_object_set_new(data, "emergency_department_name", json_string(dept->name));
		}
	} else if (strcmp(kind, "placement_change") == 0) {
		const char *pl = str_field(body, "placement", 32, true, errs);
		if (pl && *pl && !case_placement_valid(pl))
			field_error_add(errs, "placement", "home, foster, congregate_care, homeless or unknown");
		else if (pl && *pl)
			json_object_set_new(data, "placement", json_string(pl));
	} else if (strcmp(kind, "debrief") == 0 || strcmp(kind, "rescreen") == 0) {
		bool rescreen = strcmp(kind, "rescreen") == 0;
		duty_kind = rescreen ? DUTY_RETURN_RESCREEN : DUTY_RETURN_DEBRIEF;
		eid = id_field(body, "missing_episode_id", true, errs);
		struct episode e;
		if (eid > 0 && (r = event_episode(db, id, eid, occurred, has_occurred, errs, &e)) < 0) {
			json_decref(data);
			return r;
		}
		if (eid > 0)
			json_object_set_new(data, "missing_episode_id", json_integer(eid));
		if (rescreen) {
			const char *name = str_field(body, "instrument", 64, false, errs);
			ins = name && *name ? pack_instrument(pack, name) : pack_rescreen_instrument(pack);
			if (!ins)
				field_error_add(errs, "instrument", "unknown instrument \"%.40s\"", name ? name : "");
			json_t *answers = json_object_get(body, "answers");
			if (!answers)
				field_error_add(errs, "answers", "required");
			else if (!json_is_object(answers))
				field_error_add(errs, "answers", "must be an object");
			else if (ins && screening_score(ins, answers, errs, &level, &score) == 0) {
				json_object_set_new(data, "instrument", json_string(ins->id));
				json_object_set_new(data, "instrument_version", json_string(ins->version));
				json_object_set_new(data, "answers", json_deep_copy(answers));
				json_object_set_new(data, "level", json_string(screen_level_name(level)));
				json_object_set_new(data, "score", json_integer(score));
			}
		}
	}
	if (field_errors_any(errs)) {
		json_decref(data);
		return ERR_INVAL;
	}
	char oid[24];
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0) {
		json_decref(data);
		return r;
	}
	int64_t event_id = 0, met = 0;
	if ((r = event_add(db, app, id, kind, occurred, ctx->actor->user_id, shared, data, text, &event_id)) < 0)
		goto fail;
	if (duty_kind != DUTY_KIND_COUNT &&
	    (r = duty_meet(db, duty_kind, "missing_episode", eid, occurred, ctx->actor->user_id, &met)) < 0)
		goto fail;
	char ts[32];
	time_str(t, ts);
	if ((r = case_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "case.event", "case", id, "kind=%s event=%lld%s%s", kind,
	                           (long long)event_id, shared ? " shared" : "", met ? " met" : "")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	json_decref(data);
	*ret = json_pack("{s:I, s:[]}", "id", (json_int_t)event_id, "met");
	if (met)
		json_array_append_new(json_object_get(*ret, "met"), json_integer(met));
	if (ins) {
		json_object_set_new(*ret, "level", json_string(screen_level_name(level)));
		json_object_set_new(*ret, "score", json_integer(score));
	}
	return 0;
fail:
	db_rollback(db);
	json_decref(data);
	return r;
}

/* ---- mandated reports ---- */

/* The earliest unmet duty of kind among the case's missing episodes: the
 * episode's id, 0 when none. */
static int earliest_unmet(struct db *db, int64_t case_id, enum duty_kind kind, int64_t *ret_episode)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT subject_id FROM duty WHERE case_id = ? AND kind = ? AND subject_type = 'missing_episode'"
			   " AND met_at IS NULL ORDER BY due_at, id LIMIT 1",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	if ((r = duty_bind_kind(st, 2, kind)) < 0)
		return r;
	*ret_episode = 0;
	if ((r = db_step(st)) == DB_ROW)
		*ret_episode = db_column_int64(st, 0);
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_case_report(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = case_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	static const char *const known[] = {"kind",        "agency", "officer", "reference", "reported_at",
					    "missing_episode_id", NULL};
	if (!need_object(body, errs))
		return ERR_INVAL;
	unknown_keys(body, known, errs);
	hl_time t = now();
	const char *kind = str_field(body, "kind", 32, true, errs);
	if (kind && *kind && !case_report_kind_valid(kind))
		field_error_add(errs, "kind", "law_enforcement or ncmec");
	const char *agency = str_field(body, "agency", MAX_SHORT, true, errs);
	const char *officer = str_field(body, "officer", MAX_SHORT, false, errs);
	const char *reference = str_field(body, "reference", MAX_SHORT, false, errs);
	hl_time reported = 0;
	time_field(body, "reported_at", true, t, errs, &reported);
	int64_t eid = id_field(body, "missing_episode_id", false, errs);
	if (eid > 0) {
		struct episode e;
		r = load_episode(db, id, eid, &e);
		if (r == ERR_NOTFOUND)
			field_error_add(errs, "missing_episode_id", "no such missing episode in this case");
		else if (r < 0)
			return r;
	}
	if (field_errors_any(errs))
		return ERR_INVAL;
	bool ncmec = strcmp(kind, "ncmec") == 0;
	char ts[32], rep_ts[32], oid[24];
	time_str(t, ts);
	time_str(reported, rep_ts);
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO mandated_report (case_id, kind, agency, officer, reference, reported_at,"
			    " missing_episode_id, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, agency);
	/* Officer and reference are sealed once the row has its id. */
	db_bind_null(st, 4);
	db_bind_null(st, 5);
	db_bind_text(st, 6, rep_ts);
	if (eid > 0)
		db_bind_int64(st, 7, eid);
	else
		db_bind_null(st, 7);
	db_bind_int64(st, 8, ctx->actor->user_id);
	db_bind_text(st, 9, ts);
	int64_t rid = 0;
	if ((r = step_id(st, &rid)) < 0 ||
	    (r = sealed_put(db, ctx->app, "mandated_report", "officer_sealed", rid, officer)) < 0 ||
	    (r = sealed_put(db, ctx->app, "mandated_report", "reference_sealed", rid, reference)) < 0)
		goto fail;
	/* Which duty it meets: the one of its kind that falls due first. A
	 * report made before the child was identified is kept, and meets the
	 * identification's duty only when the pack says earlier reports count. */
	int64_t met = 0, met_episode = eid;
	bool before = before_identification(&h, reported);
	if (!ncmec && eid <= 0) {
		if ((!before || le_earlier_reports_count(ctx->app->pack)) &&
		    (r = duty_meet(db, DUTY_LAW_ENFORCEMENT_REPORT, "case", id, reported, ctx->actor->user_id, &met)) < 0)
			goto fail;
		if (!met && (r = earliest_unmet(db, id, DUTY_MISSING_LAW_ENFORCEMENT_REPORT, &met_episode)) < 0)
			goto fail;
	} else if (eid <= 0 && (r = earliest_unmet(db, id, DUTY_MISSING_NCMEC_REPORT, &met_episode)) < 0) {
		goto fail;
	}
	if (!met && met_episode > 0 &&
	    (r = duty_meet(db, ncmec ? DUTY_MISSING_NCMEC_REPORT : DUTY_MISSING_LAW_ENFORCEMENT_REPORT, "missing_episode",
			   met_episode, reported, ctx->actor->user_id, &met)) < 0)
		goto fail;
	/* The NCMEC case number is kept with the episode. */
	if (ncmec && met_episode > 0 && reference && *reference) {
		if ((r = db_prepare(db, "UPDATE missing_episode SET updated_at = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_text(st, 1, ts);
		db_bind_int64(st, 2, met_episode);
		if ((r = step_id(st, NULL)) < 0 ||
		    (r = sealed_put(db, ctx->app, "missing_episode", "ncmec_sealed", met_episode, reference)) < 0)
			goto fail;
	}
	/* A report found to be about an episode says so. */
	if (eid <= 0 && met_episode > 0) {
		if ((r = db_prepare(db, "UPDATE mandated_report SET missing_episode_id = ? WHERE id = ?", &st)) < 0)
			goto fail;
		db_bind_int64(st, 1, met_episode);
		db_bind_int64(st, 2, rid);
		if ((r = step_id(st, NULL)) < 0)
			goto fail;
	}
	json_t *data = json_pack("{s:I, s:s, s:s}", "report_id", (json_int_t)rid, "report_kind", kind, "agency", agency);
	if (met_episode > 0)
		json_object_set_new(data, "missing_episode_id", json_integer(met_episode));
	/* The reference number stays with the report, sealed; the timeline
	 * entry points at the report. */
	r = event_add(db, ctx->app, id, "report", reported, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0)
		goto fail;
	if ((r = case_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "case.report", "case", id, "kind=%s report=%lld%s", kind, (long long)rid,
	                           met ? " met" : "")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	*ret = json_pack("{s:I, s:[], s:b}", "id", (json_int_t)rid, "met", "before_identification",
			 !ncmec && met_episode <= 0 && before);
	if (!*ret)
		return ERR_NOMEM;
	if (met && json_array_append_new(json_object_get(*ret, "met"), json_integer(met)) < 0) {
		json_decref(*ret);
		*ret = NULL;
		return ERR_NOMEM;
	}
	return 0;
fail:
	db_rollback(db);
	return r;
}

/* ---- missing episodes ---- */

int svc_missing_start(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		      struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = case_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	static const char *const known[] = {"last_seen_at", "learned_at", "circumstances", NULL};
	if (!need_object(body, errs))
		return ERR_INVAL;
	unknown_keys(body, known, errs);
	hl_time t = now(), seen = 0, learned = 0;
	bool has_seen = time_field(body, "last_seen_at", true, t, errs, &seen);
	bool has_learned = time_field(body, "learned_at", true, t, errs, &learned);
	const char *circ = str_field(body, "circumstances", MAX_TEXT, false, errs);
	if (has_seen && has_learned && learned < seen)
		field_error_add(errs, "learned_at", "before the child was last seen");
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (strcmp(h.status, "closed") == 0) {
		conflict(cf, "case %s is closed", h.number);
		return ERR_CONFLICT;
	}
	char ts[32], seen_ts[32], learned_ts[32], oid[24];
	time_str(t, ts);
	time_str(seen, seen_ts);
	time_str(learned, learned_ts);
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "SELECT id FROM missing_episode WHERE case_id = ? AND located_at IS NULL", &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	int64_t current = 0;
	if ((r = step_id(st, &current)) < 0)
		goto fail;
	if (current) {
		conflict(cf, "the child is already missing (episode %lld): record where they were located first",
			 (long long)current);
		r = ERR_CONFLICT;
		goto fail;
	}
	if ((r = db_prepare(db,
			    "INSERT INTO missing_episode (case_id, last_seen_at, learned_at, created_by, created_at,"
			    " updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, seen_ts);
	db_bind_text(st, 3, learned_ts);
	db_bind_int64(st, 4, ctx->actor->user_id);
	db_bind_text(st, 5, ts);
	db_bind_text(st, 6, ts);
	int64_t eid = 0;
	if ((r = step_id(st, &eid)) < 0)
		goto fail;
	if (circ && *circ && (r = sealed_put(db, ctx->app, "missing_episode", "circumstances", eid, circ)) < 0)
		goto fail;
	int64_t d1 = 0, d2 = 0;
	if ((r = duty_open_pack(db, ctx->app->pack, id, DUTY_MISSING_LAW_ENFORCEMENT_REPORT, "missing_episode", eid, learned,
				0, &d1)) < 0 ||
	    (r = duty_open_pack(db, ctx->app->pack, id, DUTY_MISSING_NCMEC_REPORT, "missing_episode", eid, learned, 0,
				&d2)) < 0)
		goto fail;
	json_t *data = json_pack("{s:I, s:s, s:s}", "missing_episode_id", (json_int_t)eid, "last_seen_at", seen_ts,
				 "learned_at", learned_ts);
	r = event_add(db, ctx->app, id, "missing_started", learned, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0 || (r = case_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "missing.start", "case", id, "episode=%lld", (long long)eid)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	*ret = json_pack("{s:I, s:[I, I]}", "id", (json_int_t)eid, "duties", (json_int_t)d1, (json_int_t)d2);
	return 0;
fail:
	db_rollback(db);
	return r;
}

int svc_missing_locate(const struct svc_ctx *ctx, int64_t id, int64_t episode_id, const json_t *body,
		       struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = case_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	struct episode e;
	if ((r = load_episode(db, id, episode_id, &e)) < 0)
		return r;
	static const char *const known[] = {"located_at", NULL};
	if (!need_object(body, errs))
		return ERR_INVAL;
	unknown_keys(body, known, errs);
	hl_time t = now(), located = 0;
	if (time_field(body, "located_at", true, t, errs, &located) && located < e.last_seen)
		field_error_add(errs, "located_at", "before the child was last seen");
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (e.located) {
		conflict(cf, "missing episode %lld ended already: the child was located", (long long)episode_id);
		return ERR_CONFLICT;
	}
	char ts[32], loc_ts[32], oid[24];
	time_str(t, ts);
	time_str(located, loc_ts);
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "UPDATE missing_episode SET located_at = ?, located_by = ?, updated_at = ?"
			    " WHERE id = ? AND located_at IS NULL RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, loc_ts);
	db_bind_int64(st, 2, ctx->actor->user_id);
	db_bind_text(st, 3, ts);
	db_bind_int64(st, 4, episode_id);
	int64_t done = 0;
	if ((r = step_id(st, &done)) < 0)
		goto fail;
	if (!done) {
		conflict(cf, "missing episode %lld ended already: the child was located", (long long)episode_id);
		r = ERR_CONFLICT;
		goto fail;
	}
	int64_t d1 = 0, d2 = 0;
	if ((r = duty_open_pack(db, ctx->app->pack, id, DUTY_RETURN_DEBRIEF, "missing_episode", episode_id, located, 0,
				&d1)) < 0 ||
	    (r = duty_open_pack(db, ctx->app->pack, id, DUTY_RETURN_RESCREEN, "missing_episode", episode_id, located, 0,
				&d2)) < 0)
		goto fail;
	json_t *data = json_pack("{s:I, s:s}", "missing_episode_id", (json_int_t)episode_id, "located_at", loc_ts);
	r = event_add(db, ctx->app, id, "missing_located", located, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0 || (r = case_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "missing.locate", "case", id, "episode=%lld", (long long)episode_id)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	*ret = json_pack("{s:I, s:[I, I]}", "id", (json_int_t)episode_id, "duties", (json_int_t)d1, (json_int_t)d2);
	return 0;
fail:
	db_rollback(db);
	return r;
}

/* ---- rapid response ---- */

static int rapid_json_by_id(struct db *db, struct app *app, int64_t rid, json_t **ret)
{
	struct db_stmt *st;
	int r = db_prepare(db, RAPID_SELECT " WHERE r.id = ?", &st);
	if (r < 0 || (r = duty_bind_kind(st, 1, DUTY_RAPID_RESPONSE_TARGET)) < 0)
		return r;
	db_bind_int64(st, 2, rid);
	r = db_step(st);
	int err = 0;
	if (r == DB_ROW && !(*ret = rapid_row_json(app, st, &err)))
		r = err < 0 ? err : ERR_NOMEM;
	db_finalize(st);
	return r == DB_ROW ? 0 : r < 0 ? r : ERR_NOTFOUND;
}

int svc_rapid_request(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		      struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = case_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	static const char *const known[] = {"requested_at", "responder", NULL};
	if (!need_object(body, errs))
		return ERR_INVAL;
	unknown_keys(body, known, errs);
	hl_time t = now(), requested = t;
	time_field(body, "requested_at", false, t, errs, &requested);
	requested -= requested % HL_USEC_PER_SEC;
	const char *responder = str_field(body, "responder", MAX_SHORT, false, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (strcmp(h.status, "closed") == 0) {
		conflict(cf, "case %s is closed", h.number);
		return ERR_CONFLICT;
	}
	const struct pack_deadline *target = pack_deadline(ctx->app->pack, duty_kind_to_string(DUTY_RAPID_RESPONSE_TARGET));
	char ts[32], req_ts[32], oid[24];
	time_str(t, ts);
	time_str(requested, req_ts);
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO rapid_response (case_id, requested_at, target_minutes, requested_by,"
			    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, req_ts);
	if (target)
		db_bind_int64(st, 3, target->minutes);
	else
		db_bind_null(st, 3);
	db_bind_int64(st, 4, ctx->actor->user_id);
	db_bind_text(st, 5, ts);
	db_bind_text(st, 6, ts);
	int64_t rid = 0;
	if ((r = step_id(st, &rid)) < 0 ||
	    (r = sealed_put(db, ctx->app, "rapid_response", "responder_sealed", rid, responder)) < 0)
		goto fail;
	if (target && (r = duty_open_pack(db, ctx->app->pack, id, DUTY_RAPID_RESPONSE_TARGET, "rapid_response", rid,
					  requested, 0, NULL)) < 0)
		goto fail;
	/* The responder's name stays with the rapid response, sealed. */
	json_t *data = json_pack("{s:I}", "rapid_response_id", (json_int_t)rid);
	r = event_add(db, ctx->app, id, "rapid_response_requested", requested, ctx->actor->user_id, false, data, NULL,
		      NULL);
	json_decref(data);
	if (r < 0 || (r = case_touch(db, id, ts)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "rapid.request", "case", id, "rapid_response=%lld", (long long)rid)) < 0)
		goto fail;
	json_t *j = NULL;
	if ((r = rapid_json_by_id(db, ctx->app, rid, &j)) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0) {
		json_decref(j);
		goto fail;
	}
	*ret = j;
	return 0;
fail:
	db_rollback(db);
	return r;
}

int svc_rapid_arrive(const struct svc_ctx *ctx, int64_t id, int64_t rapid_id, const json_t *body,
		     struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = case_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "SELECT requested_at, arrived_at FROM rapid_response WHERE id = ? AND case_id = ?",
			    &st)) < 0)
		return r;
	db_bind_int64(st, 1, rapid_id);
	db_bind_int64(st, 2, id);
	r = db_step(st);
	hl_time requested = 0;
	bool arrived = false;
	if (r == DB_ROW) {
		time_parse(db_column_text(st, 0), &requested);
		arrived = !db_column_is_null(st, 1);
	}
	db_finalize(st);
	if (r == DB_DONE)
		return ERR_NOTFOUND;
	if (r < 0)
		return r;
	static const char *const known[] = {"arrived_at", "responder", NULL};
	if (!need_object(body, errs))
		return ERR_INVAL;
	unknown_keys(body, known, errs);
	hl_time t = now(), at = 0;
	if (time_field(body, "arrived_at", true, t, errs, &at) && at < requested)
		field_error_add(errs, "arrived_at", "before the responder was requested");
	const char *responder = str_field(body, "responder", MAX_SHORT, false, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (arrived) {
		conflict(cf, "the responder's arrival is recorded already");
		return ERR_CONFLICT;
	}
	char ts[32], at_ts[32], oid[24];
	time_str(t, ts);
	time_str(at, at_ts);
	fmt_id(oid, id);
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = db_prepare(db,
			    "UPDATE rapid_response SET arrived_at = ?, updated_at = ?"
			    " WHERE id = ? AND arrived_at IS NULL RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, at_ts);
	db_bind_text(st, 2, ts);
	db_bind_int64(st, 3, rapid_id);
	int64_t done = 0;
	if ((r = step_id(st, &done)) < 0)
		goto fail;
	/* A responder named at arrival replaces the one named at the request. */
	if (done && responder && *responder &&
	    (r = sealed_put(db, ctx->app, "rapid_response", "responder_sealed", rapid_id, responder)) < 0)
		goto fail;
	if (!done) {
		conflict(cf, "the responder's arrival is recorded already");
		r = ERR_CONFLICT;
		goto fail;
	}
	if ((r = duty_meet(db, DUTY_RAPID_RESPONSE_TARGET, "rapid_response", rapid_id, at, ctx->actor->user_id, NULL)) < 0)
		goto fail;
	json_t *j = NULL;
	if ((r = rapid_json_by_id(db, ctx->app, rapid_id, &j)) < 0)
		goto fail;
	json_t *data = json_pack("{s:I, s:O, s:O}", "rapid_response_id", (json_int_t)rapid_id, "minutes_taken",
				 json_object_get(j, "minutes_taken"), "within_target", json_object_get(j, "within_target"));
	r = event_add(db, ctx->app, id, "rapid_response_arrived", at, ctx->actor->user_id, false, data, NULL, NULL);
	json_decref(data);
	if (r < 0 || (r = case_touch(db, id, ts)) < 0) {
		json_decref(j);
		goto fail;
	}
	r = svc_audit_appendf(db, ctx, "rapid.arrive", "case", id, "rapid_response=%lld", (long long)rapid_id);
	if (r < 0 || (r = db_commit(db)) < 0) {
		json_decref(j);
		goto fail;
	}
	*ret = j;
	return 0;
fail:
	db_rollback(db);
	return r;
}

/* ---- the dashboard ---- */

int svc_dashboard(const struct svc_ctx *ctx, json_t **ret)
{
	int r = svc_require(ctx, PERM_DEADLINES_READ);
	if (r < 0)
		return r;
	struct app *app = ctx->app;
	const struct pack *pack = app->pack;
	const char *only = ctx->actor->role == ROLE_LIAISON ? ctx->actor->scope : NULL;
	struct db *db;
	if ((r = app_db(app, &db)) < 0)
		return r;
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
		db_reset(st);
		db_bind_text(st, 1, reg->id);
		db_bind_text(st, 2, reg->id);
		db_bind_text(st, 3, ts);
		db_bind_text(st, 4, reg->id);
		if ((r = db_step(st)) != DB_ROW)
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
	if ((r = duty_select(db, app, "overdue", only, 0, 0, 200, t, json_object_get(j, "overdue"))) < 0 ||
	    (r = duty_select(db, app, "due_soon", only, 0, 24 * 60 * MINUTE, 200, t, json_object_get(j, "due_soon"))) <
		    0)
		goto fail;
	if ((r = db_prepare(db,
			    "SELECT c.id, c.number, c.region, c.person_id, m.id, m.last_seen_at, m.learned_at"
			    " FROM missing_episode m JOIN child_case c ON c.id = m.case_id WHERE m.located_at IS NULL"
			    " AND (CAST(? AS TEXT) IS NULL OR c.region = ?) ORDER BY m.learned_at, m.id LIMIT 200",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, only);
	db_bind_text(st, 2, only ? only : "");
	json_t *missing = json_object_get(j, "missing_now");
	struct {
		int64_t person;
		json_t *j;
	} rows[200];
	size_t n = 0;
	while (n < 200 && (r = db_step(st)) == DB_ROW) {
		rows[n].person = db_column_int64(st, 3);
		rows[n].j = json_pack("{s:{s:I, s:s, s:s}, s:I, s:s, s:s}", "case", "id", (json_int_t)db_column_int64(st, 0),
				      "number", db_column_text(st, 1), "region", db_column_text(st, 2), "episode_id",
				      (json_int_t)db_column_int64(st, 4), "last_seen_at", db_column_text(st, 5),
				      "learned_at", db_column_text(st, 6));
		if (!rows[n].j || (r = missing_for_json(rows[n].j, db_column_text(st, 5), NULL, t)) < 0) {
			json_decref(rows[n].j);
			r = rows[n].j ? r : ERR_NOMEM;
			break;
		}
		n++;
	}
	db_finalize(st);
	for (size_t i = 0; i < n; i++) {
		json_t *child = NULL;
		if (r >= 0 && (r = child_json(db, app, rows[i].person, false, &child)) == 0)
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
