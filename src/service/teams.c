/* teams.c: MDT teams, members, case reviews and their action items
 * (docs/cases.md, "MDT teams and case reviews"). */
#include "service/teams.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/casehead.h"
#include "service/deadlines.h"
#include "service/sealed.h"

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *int_or_null(struct db_stmt *st, int col)
{
	return db_column_is_null(st, col) ? json_null() : json_integer(db_column_int64(st, col));
}

/* ---- reading reviews ---- */

#define ITEM_COLUMNS "id, text, owner_sealed, owner_user_id, due_at, done_at, duty_id"

static json_t *item_json(struct app *app, struct db_stmt *st, int *ret_err)
{
	int64_t id = db_column_int64(st, 0);
	char *text = NULL, *owner = NULL;
	int r = sealed_get(app, st, 1, "action_item", "text", id, &text);
	if (r == 0)
		r = sealed_get(app, st, 2, "action_item", "owner_sealed", id, &owner);
	if (r < 0) {
		free(text);
		*ret_err = r;
		return NULL;
	}
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer(id));
	json_object_set_new(j, "text", text_or_null(text));
	json_object_set_new(j, "owner", text_or_null(owner));
	free(owner);
	json_object_set_new(j, "owner_user_id", int_or_null(st, 3));
	json_object_set_new(j, "due_at", text_or_null(db_column_text(st, 4)));
	json_object_set_new(j, "done_at", text_or_null(db_column_text(st, 5)));
	json_object_set_new(j, "duty_id", int_or_null(st, 6));
	free(text);
	return j;
}

static int items_json(struct db *db, struct app *app, int64_t review_id, json_t *out)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT " ITEM_COLUMNS " FROM action_item WHERE review_id = ? ORDER BY id", &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, review_id);
	while ((r = db_step(st)) == DB_ROW) {
		json_t *j = item_json(app, st, &r);
		if (!j)
			break;
		json_array_append_new(out, j);
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

struct review_filter {
	int64_t case_id, team_id, review_id; /* 0: any */
	const char *team_code;               /* NULL: any */
	const char *region;                  /* NULL: any; else cases of that region only */
};

/* Reviews matching f, oldest first, each with its action items. */
static int reviews_json(struct db *db, struct app *app, const struct review_filter *f, json_t **ret)
{
	struct db_stmt *st;
	int r = db_prepare(
		db,
		"SELECT r.id, r.team_id, t.code, t.name, r.case_id, c.number, r.status, r.scheduled_at,"
		" r.held_at, r.attendees, r.decisions, r.created_at, r.updated_at, r.version"
		" FROM case_review r JOIN mdt_team t ON t.id = r.team_id JOIN child_case c ON c.id = r.case_id"
		" WHERE (CAST(? AS BIGINT) = 0 OR r.case_id = ?) AND (CAST(? AS BIGINT) = 0 OR r.team_id = ?)"
		" AND (CAST(? AS BIGINT) = 0 OR r.id = ?) AND (CAST(? AS TEXT) IS NULL OR t.code = ?)"
		" AND (CAST(? AS TEXT) IS NULL OR c.region = ?)"
		" ORDER BY r.scheduled_at, r.id",
		&st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, f->case_id);
	db_bind_int64(st, 2, f->case_id);
	db_bind_int64(st, 3, f->team_id);
	db_bind_int64(st, 4, f->team_id);
	db_bind_int64(st, 5, f->review_id);
	db_bind_int64(st, 6, f->review_id);
	db_bind_text(st, 7, f->team_code);
	db_bind_text(st, 8, f->team_code);
	db_bind_text(st, 9, f->region);
	db_bind_text(st, 10, f->region);
	json_t *list = json_array();
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0);
		char *decisions = NULL;
		if ((r = sealed_get(app, st, 10, "case_review", "decisions", id, &decisions)) < 0)
			break;
		json_t *att = json_loads(db_column_text(st, 9), 0, NULL);
		json_t *j = json_object();
		json_object_set_new(j, "id", json_integer(id));
		json_object_set_new(j, "team",
				    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)db_column_int64(st, 1), "code",
					      db_column_text(st, 2), "name", db_column_text(st, 3)));
		json_object_set_new(j, "case",
				    json_pack("{s:I, s:s}", "id", (json_int_t)db_column_int64(st, 4), "number",
					      db_column_text(st, 5)));
		json_object_set_new(j, "status", json_string(db_column_text(st, 6)));
		json_object_set_new(j, "scheduled_at", json_string(db_column_text(st, 7)));
		json_object_set_new(j, "held_at", text_or_null(db_column_text(st, 8)));
		json_object_set_new(j, "attendees", json_is_array(att) ? att : json_array());
		if (att && !json_is_array(att))
			json_decref(att);
		json_object_set_new(j, "decisions", text_or_null(decisions));
		json_object_set_new(j, "action_items", json_array());
		json_object_set_new(j, "created_at", json_string(db_column_text(st, 11)));
		json_object_set_new(j, "updated_at", json_string(db_column_text(st, 12)));
		json_object_set_new(j, "version", json_integer(db_column_int64(st, 13)));
		json_array_append_new(list, j);
		free(decisions);
	}
	db_finalize(st);
	/* Action items after the reviews: one statement at a time. */
	size_t i;
	json_t *j;
	json_array_foreach(list, i, j)
	{
		if (r < 0)
			break;
		r = items_json(db, app, json_integer_value(json_object_get(j, "id")),
			       json_object_get(j, "action_items"));
	}
	if (r < 0) {
		json_decref(list);
		return r;
	}
	*ret = list;
	return 0;
}

/* ---- for the cases service ---- */

int teams_case_visible(struct db *db, int64_t case_id, const char *team_code)
{
	if (!team_code || !*team_code)
		return 0;
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT 1 FROM case_review r JOIN mdt_team t ON t.id = r.team_id"
			   " WHERE r.case_id = ? AND t.code = ? AND r.status <> 'cancelled' LIMIT 1",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	db_bind_text(st, 2, team_code);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : r == DB_ROW ? 1 : 0;
}

int teams_is_member(struct db *db, int64_t user_id, const char *team_code)
{
	if (user_id <= 0 || !team_code || !*team_code)
		return 0;
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT 1 FROM mdt_member m JOIN mdt_team t ON t.id = m.team_id"
			   " WHERE m.user_id = ? AND m.active = 1 AND t.code = ? LIMIT 1",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, team_code);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : r == DB_ROW ? 1 : 0;
}

int teams_case_reviews_json(struct db *db, struct app *app, int64_t case_id, const char *team_code, json_t **ret)
{
	struct review_filter f = {.case_id = case_id, .team_code = team_code};
	if (case_id <= 0)
		return ERR_INVAL;
	return reviews_json(db, app, &f, ret);
}

/* ---- validation helpers ---- */

#define NAME_MAX_LEN 200
#define TEXT_MAX_LEN 20000
#define ITEM_TEXT_MAX_LEN 4000
#define MAX_ACTION_ITEMS 50
#define MAX_ATTENDEES 100

/* Free text: newlines and tabs allowed, other controls not. */
static bool valid_text(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t') || s[i] == 0x7f)
			return false;
	return true;
}

static bool valid_code(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= SCOPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-", s[i]))
			return false;
	return true;
}

/* The string at key, or NULL when absent or null. Type errors are the
 * handler's (http_fields_check); here only the content is judged. */
static const char *opt_str(const json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An RFC 3339 time at path; not later than now when past_only. */
static bool time_field(const json_t *v, const char *path, bool past_only, hl_time t_now, struct field_errors *errs,
		       hl_time *ret)
{
	if (!json_is_string(v)) {
		field_error_add(errs, path, "an RFC 3339 time, e.g. 2026-11-28T14:05:00Z");
		return false;
	}
	hl_time t;
	if (time_parse(json_string_value(v), &t) < 0) {
		field_error_add(errs, path, "an RFC 3339 time, e.g. 2026-11-28T14:05:00Z");
		return false;
	}
	if (past_only && t > t_now) {
		field_error_add(errs, path, "must not be in the future");
		return false;
	}
	*ret = t;
	return true;
}

static void id_str(char out[24], int64_t id)
{
	snprintf(out, 24, "%lld", (long long)id);
}

/* Whether user id names a user who may log in. */
static int user_exists(struct db *db, int64_t id)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT disabled FROM app_user WHERE id = ?", &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, id);
	r = db_step(st);
	int ok = r == DB_ROW && db_column_int64(st, 0) == 0;
	db_finalize(st);
	return r < 0 ? r : ok;
}

/* ---- teams ---- */

struct team_head {
	int64_t id;
	char code[SCOPE_MAX];
	char region[32];
};

static int load_team(struct db *db, int64_t id, struct team_head *h)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT code, region FROM mdt_team WHERE id = ?", &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, id);
	r = db_step(st);
	if (r == DB_ROW) {
		h->id = id;
		str_copy(h->code, sizeof h->code, db_column_text(st, 0));
		str_copy(h->region, sizeof h->region, db_column_text(st, 1));
		r = 0;
	} else if (r == DB_DONE) {
		r = ERR_NOTFOUND;
	}
	db_finalize(st);
	return r;
}

/* An mdt user sees its own team only. */
static bool team_in_scope(const struct svc_ctx *ctx, const struct team_head *h)
{
	return ctx->actor->role != ROLE_MDT || strcmp(ctx->actor->scope, h->code) == 0;
}

static json_t *region_json(const struct pack *p, const char *id)
{
	const struct pack_region *reg = id ? pack_region(p, id) : NULL;
	return reg ? json_string(reg->name) : json_null();
}

int svc_teams_list(const struct svc_ctx *ctx, json_t **ret)
{
	int r = svc_require(ctx, PERM_TEAMS_READ);
	if (r < 0)
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	const char *code = ctx->actor->role == ROLE_MDT ? ctx->actor->scope : NULL;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "SELECT t.id, t.code, t.name, t.region, t.created_at,"
			    " (SELECT count(*) FROM mdt_member m WHERE m.team_id = t.id AND m.active = 1),"
			    " (SELECT count(*) FROM case_review r WHERE r.team_id = t.id AND r.status = 'scheduled')"
			    " FROM mdt_team t WHERE (CAST(? AS TEXT) IS NULL OR t.code = ?) ORDER BY t.region, t.code",
			    &st)) < 0)
		return r;
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, code);
	json_t *list = json_array();
	while ((r = db_step(st)) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:I, s:I}", "id",
						      (json_int_t)db_column_int64(st, 0), "code", db_column_text(st, 1),
						      "name", db_column_text(st, 2), "region", db_column_text(st, 3),
						      "region_name", region_json(ctx->app->pack, db_column_text(st, 3)),
						      "created_at", db_column_text(st, 4), "members",
						      (json_int_t)db_column_int64(st, 5), "scheduled_reviews",
						      (json_int_t)db_column_int64(st, 6)));
	db_finalize(st);
	if (r < 0) {
		json_decref(list);
		return r;
	}
	*ret = json_pack("{s:o}", "teams", list);
	return *ret ? 0 : ERR_NOMEM;
}

int svc_team_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, int64_t *ret_id)
{
	int r = svc_require(ctx, PERM_TEAMS_MANAGE);
	if (r < 0)
		return r;
	const char *code = opt_str(body, "code"), *name = opt_str(body, "name"), *region = opt_str(body, "region");
	if (!valid_code(code))
		field_error_add(errs, "code",
				"letters, digits, '-' and '_', at most %d (the scope of the team's "
				"mdt users, e.g. mdt-r1)",
				SCOPE_MAX - 1);
	if (!str_is_line(name, NAME_MAX_LEN))
		field_error_add(errs, "name", "required, one line of at most %d characters", NAME_MAX_LEN);
	if (!region || !pack_region(ctx->app->pack, region))
		field_error_add(errs, "region", "a region of the pack");
	if (field_errors_any(errs))
		return ERR_INVAL;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "SELECT count(*) FROM mdt_team WHERE code = ?", &st)) < 0)
		goto fail;
	db_bind_text(st, 1, code);
	r = db_step(st);
	bool taken = r == DB_ROW && db_column_int64(st, 0) > 0;
	db_finalize(st);
	if (r < 0)
		goto fail;
	if (taken) {
		r = ERR_EXISTS;
		goto fail;
	}
	if ((r = db_prepare(db,
			    "INSERT INTO mdt_team (code, name, region, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, region);
	db_bind_text(st, 4, ts);
	r = db_step(st);
	int64_t id = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "team.create", "mdt_team", id, "code=%s region=%s", code, region)) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	*ret_id = id;
	return 0;
fail:
	db_rollback(db);
	return r == ERR_CONFLICT ? ERR_EXISTS : r;
}

/* The sealed values of a member or contact row: name, e-mail, telephone
 * at columns col, col+1, col+2 in that order of names. */
static const char *const person_columns[] = {"name_sealed", "email_sealed", "phone_sealed"};

int teams_open_person(struct app *app, struct db_stmt *st, const int cols[3], const char *table, int64_t id,
		      json_t *into)
{
	static const char *const keys[] = {"name", "email", "phone"};
	for (int i = 0; i < 3; i++) {
		char *v = NULL;
		int r = sealed_get(app, st, cols[i], table, person_columns[i], id, &v);
		if (r < 0)
			return r;
		r = json_object_set_new(into, keys[i], text_or_null(v));
		free(v);
		if (r < 0)
			return ERR_NOMEM;
	}
	return 0;
}

int teams_seal_person(struct db *db, struct app *app, const char *table, int64_t id, const char *name,
		      const char *email, const char *phone)
{
	const char *values[] = {name, email, phone};
	for (int i = 0; i < 3; i++) {
		int r = sealed_put(db, app, table, person_columns[i], id, values[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "name"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "name"));
	int c = strcmp(x ? x : "", y ? y : "");
	if (c)
		return c;
	json_int_t ia = json_integer_value(json_object_get(*(json_t *const *)a, "id")),
		   ib = json_integer_value(json_object_get(*(json_t *const *)b, "id"));
	return ia < ib ? -1 : ia > ib;
}

/* Sorts the objects of array a by their (opened) name: the database
 * cannot, as it holds the names sealed. */
int teams_sort_by_name(json_t *a)
{
	return json_array_sort(a, by_name);
}

static int members_json(struct db *db, struct app *app, int64_t team_id, json_t *out)
{
	const struct pack *p = app->pack;
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT m.id, m.name_sealed, m.agency, m.mdt_role, m.email_sealed, m.phone_sealed, m.user_id,"
			   " u.username, m.created_at FROM mdt_member m LEFT JOIN app_user u ON u.id = m.user_id"
			   " WHERE m.team_id = ? AND m.active = 1 ORDER BY m.id",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, team_id);
	while ((r = db_step(st)) == DB_ROW) {
		const char *role = db_column_text(st, 3);
		const struct pack_item *it = pack_item_find(p->mdt_roles, p->n_mdt_roles, role);
		json_t *m = json_object();
		int64_t mid = db_column_int64(st, 0);
		static const int cols[3] = {1, 4, 5};
		json_object_set_new(m, "id", json_integer(mid));
		if ((r = teams_open_person(app, st, cols, "mdt_member", mid, m)) < 0) {
			json_decref(m);
			break;
		}
		json_object_set_new(m, "agency", json_string(db_column_text(st, 2)));
		json_object_set_new(m, "mdt_role", json_string(role));
		json_object_set_new(m, "mdt_role_name", it ? json_string(it->name) : json_null());
		json_object_set_new(m, "user_id", int_or_null(st, 6));
		json_object_set_new(m, "username", text_or_null(db_column_text(st, 7)));
		json_object_set_new(m, "active", json_true());
		json_object_set_new(m, "created_at", json_string(db_column_text(st, 8)));
		json_array_append_new(out, m);
	}
	db_finalize(st);
	return r < 0 ? r : teams_sort_by_name(out);
}

int svc_team_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	int r = svc_require(ctx, PERM_TEAMS_READ);
	if (r < 0)
		return r;
	struct db *db;
	struct team_head h;
	if ((r = app_db(ctx->app, &db)) < 0 || (r = load_team(db, id, &h)) < 0)
		return r;
	char oid[24];
	id_str(oid, id);
	if (!team_in_scope(ctx, &h)) {
		svc_audit_denial(ctx, "team outside the mdt user's own", "mdt_team", oid);
		return ERR_PERM;
	}
	struct db_stmt *st;
	if ((r = db_prepare(db, "SELECT code, name, region, created_at FROM mdt_team WHERE id = ?", &st)) < 0)
		return r;
	db_bind_int64(st, 1, id);
	if ((r = db_step(st)) != DB_ROW) {
		db_finalize(st);
		return r < 0 ? r : ERR_NOTFOUND;
	}
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s}", "id", (json_int_t)id, "code", db_column_text(st, 0),
			      "name", db_column_text(st, 1), "region", db_column_text(st, 2), "region_name",
			      region_json(ctx->app->pack, db_column_text(st, 2)), "created_at", db_column_text(st, 3));
	db_finalize(st);
	if (!j)
		return ERR_NOMEM;
	json_t *members = json_array();
	json_object_set_new(j, "members", members);
	if ((r = members_json(db, ctx->app, id, members)) < 0)
		goto fail;
	/* A liaison reads the team's reviews of cases in its region only: the
	 * others are case content outside its scope. */
	struct review_filter f = {.team_id = id, .region = ctx->actor->role == ROLE_LIAISON ? ctx->actor->scope : NULL};
	json_t *reviews;
	if ((r = reviews_json(db, ctx->app, &f, &reviews)) < 0)
		goto fail;
	json_object_set_new(j, "reviews", reviews);
	if ((r = svc_audit_record(ctx, "team.read", "mdt_team", oid, NULL)) < 0)
		goto fail;
	*ret = j;
	return 0;
fail:
	json_decref(j);
	return r;
}

int svc_team_member_add(const struct svc_ctx *ctx, int64_t team_id, const json_t *body, struct field_errors *errs,
			int64_t *ret_id)
{
	int r = svc_require(ctx, PERM_TEAMS_MANAGE);
	if (r < 0)
		return r;
	struct db *db;
	struct team_head h;
	if ((r = app_db(ctx->app, &db)) < 0 || (r = load_team(db, team_id, &h)) < 0)
		return r;
	const struct pack *p = ctx->app->pack;
	const char *name = opt_str(body, "name"), *agency = opt_str(body, "agency"), *role = opt_str(body, "mdt_role"),
		   *email = opt_str(body, "email"), *phone = opt_str(body, "phone");
	if (!str_is_line(name, NAME_MAX_LEN))
		field_error_add(errs, "name", "required, one line of at most %d characters", NAME_MAX_LEN);
	if (!str_is_line(agency, NAME_MAX_LEN))
		field_error_add(errs, "agency", "required, one line of at most %d characters", NAME_MAX_LEN);
	if (!role || !pack_item_find(p->mdt_roles, p->n_mdt_roles, role))
		field_error_add(errs, "mdt_role", "one of the pack's MDT roles");
	field_check_email(errs, "email", "Member's e-mail", email);
	field_check_phone(errs, "phone", "Member's telephone", phone);
	json_t *uid = json_object_get(body, "user_id");
	int64_t user_id = json_is_integer(uid) ? json_integer_value(uid) : 0;
	if (json_is_integer(uid)) {
		int ok = user_id > 0 ? user_exists(db, user_id) : 0;
		if (ok < 0)
			return ok;
		if (!ok)
			field_error_add(errs, "user_id", "no such user, or disabled");
	}
	if (field_errors_any(errs))
		return ERR_INVAL;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "INSERT INTO mdt_member (team_id, name, agency, mdt_role, user_id, active, created_at)"
			    " VALUES (?, '', ?, ?, ?, 1, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, team_id);
	db_bind_text(st, 2, agency);
	db_bind_text(st, 3, role);
	if (user_id > 0)
		db_bind_int64(st, 4, user_id);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, ts);
	r = db_step(st);
	int64_t id = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0 || (r = teams_seal_person(db, ctx->app, "mdt_member", id, name, email, phone)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "team.member_add", "mdt_team", team_id, "member=%lld mdt_role=%s",
	                           (long long)id, role)) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	*ret_id = id;
	return 0;
fail:
	db_rollback(db);
	return r;
}

int svc_team_member_remove(const struct svc_ctx *ctx, int64_t team_id, int64_t member_id)
{
	int r = svc_require(ctx, PERM_TEAMS_MANAGE);
	if (r < 0)
		return r;
	struct db *db;
	struct team_head h;
	if ((r = app_db(ctx->app, &db)) < 0 || (r = load_team(db, team_id, &h)) < 0)
		return r;
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "UPDATE mdt_member SET active = 0 WHERE id = ? AND team_id = ? RETURNING id", &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, member_id);
	db_bind_int64(st, 2, team_id);
	r = db_step(st);
	db_finalize(st);
	if (r == DB_DONE)
		r = ERR_NOTFOUND;
	if (r < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "team.member_remove", "mdt_team", team_id, "member=%lld",
	                           (long long)member_id)) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return r;
}

/* ---- case reviews ---- */

/* A liaison writes reviews of its region's cases only; the denial is
 * audited against the case. */
static int case_in_scope(const struct svc_ctx *ctx, const struct case_head *c)
{
	if (ctx->actor->role != ROLE_LIAISON || strcmp(c->region, ctx->actor->scope) == 0)
		return 0;
	char oid[24];
	id_str(oid, c->id);
	svc_audit_denial(ctx, "case review outside the liaison's region", "case", oid);
	return ERR_PERM;
}

/* One timeline entry the service writes (review_scheduled, review_held).
 * Not shared: the MDT view shows a team its own reviews, never another
 * team's. */
static int case_event_add(struct db *db, const struct svc_ctx *ctx, int64_t case_id, const char *kind,
			  const char *occurred_at, const char *recorded_at, json_t *data)
{
	char *doc = json_dumps(data, JSON_COMPACT);
	json_decref(data);
	if (!doc)
		return ERR_NOMEM;
	struct db_stmt *st;
	int r = db_prepare(db,
			   "INSERT INTO case_event (case_id, kind, occurred_at, recorded_at, recorded_by, shared, data)"
			   " VALUES (?, ?, ?, ?, ?, 0, ?)",
			   &st);
	if (r < 0) {
		free(doc);
		return r;
	}
	db_bind_int64(st, 1, case_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, occurred_at);
	db_bind_text(st, 4, recorded_at);
	if (ctx->actor->user_id > 0)
		db_bind_int64(st, 5, ctx->actor->user_id);
	else
		db_bind_null(st, 5);
	db_bind_text(st, 6, doc);
	r = db_step(st);
	db_finalize(st);
	free(doc);
	return r < 0 ? r : 0;
}

int svc_review_create(const struct svc_ctx *ctx, int64_t team_id, const json_t *body, struct field_errors *errs,
		      int64_t *ret_id)
{
	int r = svc_require(ctx, PERM_REVIEWS_WRITE);
	if (r < 0)
		return r;
	struct db *db;
	struct team_head h;
	if ((r = app_db(ctx->app, &db)) < 0 || (r = load_team(db, team_id, &h)) < 0)
		return r;
	hl_time t_now = now(), sched = 0;
	json_t *cid = json_object_get(body, "case_id");
	struct case_head c = {0};
	if (!json_is_integer(cid) || json_integer_value(cid) < 1) {
		field_error_add(errs, "case_id", "a case id");
	} else if ((r = case_load(db, json_integer_value(cid), &c)) == ERR_NOTFOUND) {
		field_error_add(errs, "case_id", "no such case");
	} else if (r < 0) {
		return r;
	} else if ((r = case_in_scope(ctx, &c)) < 0) {
		return r;
	}
	time_field(json_object_get(body, "scheduled_at"), "scheduled_at", false, t_now, errs, &sched);
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (strcmp(c.status, "closed") == 0)
		return ERR_CONFLICT;
	char ts[32], when[32];
	time_format(t_now, ts, sizeof ts);
	time_format(sched, when, sizeof when);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(
		     db,
		     "INSERT INTO case_review (team_id, case_id, status, scheduled_at, attendees, created_by,"
		     " created_at, updated_at, version) VALUES (?, ?, 'scheduled', ?, '[]', ?, ?, ?, 1) RETURNING id",
		     &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, team_id);
	db_bind_int64(st, 2, c.id);
	db_bind_text(st, 3, when);
	if (ctx->actor->user_id > 0)
		db_bind_int64(st, 4, ctx->actor->user_id);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, ts);
	db_bind_text(st, 6, ts);
	r = db_step(st);
	int64_t id = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0)
		goto fail;
	if ((r = case_event_add(db, ctx, c.id, "review_scheduled", ts, ts,
				json_pack("{s:I, s:I, s:s, s:s}", "review_id", (json_int_t)id, "team_id",
					  (json_int_t)team_id, "team", h.code, "scheduled_at", when))) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "review.schedule", "case", c.id, "review=%lld team=%s scheduled_at=%s",
	                           (long long)id, h.code, when)) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	*ret_id = id;
	return 0;
fail:
	db_rollback(db);
	return r;
}

struct review_head {
	int64_t id, case_id, version;
	char status[16];
	char held_at[32];
};

static int load_review(struct db *db, int64_t team_id, int64_t id, struct review_head *rv)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT case_id, status, held_at, version FROM case_review WHERE id = ? AND team_id = ?",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, team_id);
	r = db_step(st);
	if (r == DB_ROW) {
		rv->id = id;
		rv->case_id = db_column_int64(st, 0);
		str_copy(rv->status, sizeof rv->status, db_column_text(st, 1));
		str_copy(rv->held_at, sizeof rv->held_at, db_column_text(st, 2) ? db_column_text(st, 2) : "");
		rv->version = db_column_int64(st, 3);
		r = 0;
	} else if (r == DB_DONE) {
		r = ERR_NOTFOUND;
	}
	db_finalize(st);
	return r;
}

/* The team, the review in it, and the case, with the actor's scope over
 * the case checked. */
static int open_review(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, struct db **ret_db,
		       struct team_head *h, struct review_head *rv, struct case_head *c)
{
	int r = svc_require(ctx, PERM_REVIEWS_WRITE);
	if (r < 0)
		return r;
	if ((r = app_db(ctx->app, ret_db)) < 0 || (r = load_team(*ret_db, team_id, h)) < 0 ||
	    (r = load_review(*ret_db, team_id, review_id, rv)) < 0 || (r = case_load(*ret_db, rv->case_id, c)) < 0)
		return r;
	return case_in_scope(ctx, c);
}

struct item_in {
	const char *text, *owner;
	int64_t owner_user_id;
	hl_time due;
};

/* attendees: distinct ids of members of the team. */
static int check_attendees(struct db *db, int64_t team_id, const json_t *v, struct field_errors *errs)
{
	if (!json_is_array(v)) {
		field_error_add(errs, "attendees", "an array of member ids of the team");
		return 0;
	}
	if (json_array_size(v) > MAX_ATTENDEES) {
		field_error_add(errs, "attendees", "at most %d", MAX_ATTENDEES);
		return 0;
	}
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT 1 FROM mdt_member WHERE id = ? AND team_id = ?", &st);
	if (r < 0)
		return r;
	size_t i;
	json_t *a;
	json_array_foreach(v, i, a)
	{
		char path[32];
		snprintf(path, sizeof path, "attendees[%zu]", i);
		if (!json_is_integer(a) || json_integer_value(a) < 1) {
			field_error_add(errs, path, "a member id");
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++)
			dup = json_equal(json_array_get(v, k), a);
		if (dup) {
			field_error_add(errs, path, "given twice");
			continue;
		}
		db_reset(st);
		db_bind_int64(st, 1, json_integer_value(a));
		db_bind_int64(st, 2, team_id);
		if ((r = db_step(st)) < 0)
			break;
		if (r == DB_DONE)
			field_error_add(errs, path, "not a member of this team");
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* Whether user id may own an action item of the team's review: an active
 * member of the team with an account, or a HART coordinator. Anyone else
 * would be sent the case number of a case outside their reach. */
static int owner_allowed(struct db *db, int64_t team_id, int64_t user_id)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT 1 FROM app_user u WHERE u.id = ? AND u.disabled = 0 AND (u.role = ?"
			   " OR EXISTS (SELECT 1 FROM mdt_member m WHERE m.team_id = ? AND m.user_id = u.id"
			   " AND m.active = 1))",
			   &st);
	if (r < 0)
		return r;
	db_bind_int64(st, 1, user_id);
	if ((r = db_bind_text(st, 2, role_name(ROLE_HART))) < 0) {
		db_finalize(st);
		return r;
	}
	db_bind_int64(st, 3, team_id);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : r == DB_ROW ? 1 : 0;
}

static int check_items(struct db *db, int64_t team_id, const json_t *v, hl_time t_now, struct field_errors *errs,
		       struct item_in *out, size_t *ret_n)
{
	*ret_n = 0;
	if (!json_is_array(v)) {
		field_error_add(errs, "action_items", "an array of {text, owner, owner_user_id?, due_at}");
		return 0;
	}
	if (json_array_size(v) > MAX_ACTION_ITEMS) {
		field_error_add(errs, "action_items", "at most %d", MAX_ACTION_ITEMS);
		return 0;
	}
	static const char *const known[] = {"text", "owner", "owner_user_id", "due_at", NULL};
	size_t i;
	json_t *it;
	json_array_foreach(v, i, it)
	{
		char p[48], q[96];
		snprintf(p, sizeof p, "action_items[%zu]", i);
		struct item_in *o = &out[i];
		memset(o, 0, sizeof *o);
		if (!json_is_object(it)) {
			field_error_add(errs, p, "an object {text, owner, owner_user_id?, due_at}");
			continue;
		}
		const char *key;
		json_t *x;
		json_object_foreach(it, key, x)
		{
			bool k = false;
			for (const char *const *n = known; *n && !k; n++)
				k = strcmp(*n, key) == 0;
			if (!k) {
				snprintf(q, sizeof q, "%s.%.30s", p, key);
				field_error_add(errs, q, "unknown field");
			}
		}
		o->text = opt_str(it, "text");
		snprintf(q, sizeof q, "%s.text", p);
		if (!o->text || strlen(o->text) != json_string_length(json_object_get(it, "text")) ||
		    !valid_text(o->text, ITEM_TEXT_MAX_LEN))
			field_error_add(errs, q, "required, at most %d characters", ITEM_TEXT_MAX_LEN);
		o->owner = opt_str(it, "owner");
		snprintf(q, sizeof q, "%s.owner", p);
		if (!str_is_line(o->owner, NAME_MAX_LEN))
			field_error_add(errs, q, "required: who does it, one line of at most %d characters",
					NAME_MAX_LEN);
		json_t *ou = json_object_get(it, "owner_user_id");
		snprintf(q, sizeof q, "%s.owner_user_id", p);
		if (ou && !json_is_null(ou)) {
			int ok = json_is_integer(ou) && json_integer_value(ou) > 0
					 ? owner_allowed(db, team_id, json_integer_value(ou))
					 : 0;
			if (ok < 0)
				return ok;
			if (!ok)
				field_error_add(errs, q,
						"Owner: choose a member of this team who has an account, or a HART "
						"coordinator");
			else
				o->owner_user_id = json_integer_value(ou);
		}
		snprintf(q, sizeof q, "%s.due_at", p);
		time_field(json_object_get(it, "due_at"), q, false, t_now, errs, &o->due);
	}
	*ret_n = json_array_size(v);
	return 0;
}

int svc_review_update(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, const json_t *body,
		      struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct team_head h;
	struct review_head rv;
	struct case_head c;
	int r = open_review(ctx, team_id, review_id, &db, &h, &rv, &c);
	if (r < 0)
		return r;
	hl_time t_now = now(), held = 0;
	const char *status = opt_str(body, "status");
	json_t *held_v = json_object_get(body, "held_at"), *att = json_object_get(body, "attendees"),
	       *dec = json_object_get(body, "decisions"), *items = json_object_get(body, "action_items"),
	       *ver = json_object_get(body, "version");
	if (status && strcmp(status, "held") != 0 && strcmp(status, "cancelled") != 0)
		field_error_add(errs, "status", "held or cancelled");
	bool has_held = held_v && !json_is_null(held_v);
	if (has_held)
		time_field(held_v, "held_at", true, t_now, errs, &held);
	if (att && !json_is_null(att) && (r = check_attendees(db, team_id, att, errs)) < 0)
		return r;
	const char *decisions = json_is_string(dec) ? json_string_value(dec) : NULL;
	if (decisions && *decisions && !valid_text(decisions, TEXT_MAX_LEN))
		field_error_add(errs, "decisions", "at most %d characters", TEXT_MAX_LEN);
	struct item_in in[MAX_ACTION_ITEMS];
	size_t n_items = 0;
	if (items && !json_is_null(items) && (r = check_items(db, team_id, items, t_now, errs, in, &n_items)) < 0)
		return r;
	bool cancel = status && strcmp(status, "cancelled") == 0;
	bool records = has_held || (att && !json_is_null(att)) || dec || n_items > 0;
	if (cancel && records)
		field_error_add(errs, "status",
				"a cancelled review records no time held, attendees, decisions or "
				"action items");
	bool holding = (status && strcmp(status, "held") == 0) || has_held;
	bool held_now = strcmp(rv.status, "held") == 0;
	if (n_items > 0 && !holding && !held_now)
		field_error_add(errs, "action_items", "recorded when the review is held: give held_at");
	if (!status && !records && !(items && !json_is_null(items)))
		field_error_add(errs, "", "nothing to change");
	if (field_errors_any(errs))
		return ERR_INVAL;
	/* A cancelled review changes no more; a held one is not cancelled. */
	if (strcmp(rv.status, "cancelled") == 0 || (cancel && held_now))
		return ERR_CONFLICT;
	if (json_is_integer(ver) && json_integer_value(ver) != rv.version)
		return ERR_CONFLICT;
	const char *new_status = cancel ? "cancelled" : holding ? "held" : rv.status;
	bool becomes_held = holding && !held_now;
	char ts[32], held_ts[32] = "";
	time_format(t_now, ts, sizeof ts);
	if (has_held)
		time_format(held, held_ts, sizeof held_ts);
	else if (becomes_held)
		str_copy(held_ts, sizeof held_ts, ts);
	else
		str_copy(held_ts, sizeof held_ts, rv.held_at);
	hl_time starts = t_now;
	if (*held_ts)
		time_parse(held_ts, &starts);
	char *att_doc = att && !json_is_null(att) ? json_dumps(att, JSON_COMPACT) : NULL;
	if ((r = db_begin(db)) < 0) {
		free(att_doc);
		return r;
	}
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "UPDATE case_review SET status = ?, held_at = ?, attendees = COALESCE(?, attendees),"
			    " updated_at = ?, version = version + 1 WHERE id = ? AND version = ? RETURNING version",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, new_status);
	db_bind_text(st, 2, *held_ts ? held_ts : NULL);
	db_bind_text(st, 3, att_doc);
	db_bind_text(st, 4, ts);
	db_bind_int64(st, 5, review_id);
	db_bind_int64(st, 6, rv.version);
	r = db_step(st);
	db_finalize(st);
	if (r == DB_DONE)
		r = ERR_CONFLICT;
	if (r < 0)
		goto fail;
	if (dec && (r = sealed_put(db, ctx->app, "case_review", "decisions", review_id, decisions)) < 0)
		goto fail;
	json_t *opened = json_array();
	for (size_t i = 0; i < n_items; i++) {
		char due[32];
		time_format(in[i].due, due, sizeof due);
		if ((r = db_prepare(
			     db,
			     "INSERT INTO action_item (review_id, case_id, owner, owner_user_id, due_at, created_at)"
			     " VALUES (?, ?, '', ?, ?, ?) RETURNING id",
			     &st)) < 0)
			break;
		db_bind_int64(st, 1, review_id);
		db_bind_int64(st, 2, c.id);
		if (in[i].owner_user_id > 0)
			db_bind_int64(st, 3, in[i].owner_user_id);
		else
			db_bind_null(st, 3);
		db_bind_text(st, 4, due);
		db_bind_text(st, 5, ts);
		r = db_step(st);
		int64_t aid = r == DB_ROW ? db_column_int64(st, 0) : 0;
		db_finalize(st);
		if (r < 0)
			break;
		int64_t duty = 0;
		if ((r = sealed_put(db, ctx->app, "action_item", "text", aid, in[i].text)) < 0 ||
		    (r = sealed_put(db, ctx->app, "action_item", "owner_sealed", aid, in[i].owner)) < 0 ||
		    (r = duty_open(db, c.id, DUTY_ACTION_ITEM, "action_item", aid, starts, in[i].due, in[i].owner_user_id,
				   &duty)) < 0)
			break;
		if ((r = db_prepare(db, "UPDATE action_item SET duty_id = ? WHERE id = ?", &st)) < 0)
			break;
		db_bind_int64(st, 1, duty);
		db_bind_int64(st, 2, aid);
		r = db_step(st);
		db_finalize(st);
		if (r < 0)
			break;
		json_array_append_new(opened, json_integer(aid));
	}
	size_t n_opened = json_array_size(opened);
	json_decref(opened);
	if (r < 0)
		goto fail;
	if (becomes_held &&
	    (r = case_event_add(db, ctx, c.id, "review_held", held_ts, ts,
				json_pack("{s:I, s:I, s:s, s:I, s:I}", "review_id", (json_int_t)review_id, "team_id",
					  (json_int_t)team_id, "team", h.code, "attendees",
					  (json_int_t)(att ? json_array_size(att) : 0), "action_items",
					  (json_int_t)n_items))) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "review.update", "case", c.id,
	                           "review=%lld team=%s status=%s action_items=%zu%s", (long long)review_id, h.code,
	                           new_status, n_opened, dec ? " decisions" : "")) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	free(att_doc);
	struct review_filter f = {.review_id = review_id};
	json_t *list;
	if ((r = reviews_json(db, ctx->app, &f, &list)) < 0)
		return r;
	*ret = json_incref(json_array_get(list, 0));
	json_decref(list);
	return *ret ? 0 : ERR_NOTFOUND;
fail:
	free(att_doc);
	db_rollback(db);
	return r;
}

int svc_action_item_done(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, int64_t item_id,
			 const json_t *body, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct team_head h;
	struct review_head rv;
	struct case_head c;
	int r = open_review(ctx, team_id, review_id, &db, &h, &rv, &c);
	if (r < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "SELECT done_at FROM action_item WHERE id = ? AND review_id = ?", &st)) < 0)
		return r;
	db_bind_int64(st, 1, item_id);
	db_bind_int64(st, 2, review_id);
	r = db_step(st);
	bool done = r == DB_ROW && !db_column_is_null(st, 0);
	db_finalize(st);
	if (r < 0)
		return r;
	if (r == DB_DONE)
		return ERR_NOTFOUND;
	hl_time t_now = now(), done_t = 0;
	time_field(json_object_get(body, "done_at"), "done_at", true, t_now, errs, &done_t);
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (done)
		return ERR_CONFLICT;
	char when[32];
	time_format(done_t, when, sizeof when);
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = db_prepare(db, "UPDATE action_item SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, when);
	if (ctx->actor->user_id > 0)
		db_bind_int64(st, 2, ctx->actor->user_id);
	else
		db_bind_null(st, 2);
	db_bind_int64(st, 3, item_id);
	r = db_step(st);
	db_finalize(st);
	if (r < 0)
		goto fail;
	int64_t duty = 0;
	if ((r = duty_meet(db, DUTY_ACTION_ITEM, "action_item", item_id, done_t, ctx->actor->user_id, &duty)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "review.action_item_done", "case", c.id,
	                           "review=%lld action_item=%lld done_at=%s duty=%lld", (long long)review_id,
	                           (long long)item_id, when, (long long)duty)) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	if ((r = db_prepare(db, "SELECT " ITEM_COLUMNS " FROM action_item WHERE id = ?", &st)) < 0)
		return r;
	db_bind_int64(st, 1, item_id);
	r = db_step(st);
	json_t *j = r == DB_ROW ? item_json(ctx->app, st, &r) : NULL;
	db_finalize(st);
	if (!j)
		return r < 0 ? r : ERR_NOTFOUND;
	*ret = j;
	return 0;
fail:
	db_rollback(db);
	return r;
}
