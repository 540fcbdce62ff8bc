/* teams.c: MDT teams and their members, and what the cases service asks
 * of them (docs/cases.md, "MDT teams and case reviews"). */
#include "service/teams/teams_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/schema.h"
#include "service/audit.h"
#include "service/page.h"
#include "service/sealed.h"

/* 1 when sql, given an id and a team's code, finds a row; 0 when not (or
 * there is no code to look for); <0 on error. */
static int team_finds(struct db *db, const char *sql, int64_t id, const char *team_code)
{
	if (id <= 0 || !team_code || !*team_code)
		return 0;
	int64_t one;
	int r = db_int64f(db, &one, sql, "it", id, team_code);
	return r == ERR_NOTFOUND ? 0 : r < 0 ? r : 1;
}

int teams_case_visible(struct db *db, int64_t case_id, const char *team_code)
{
	return team_finds(db,
			  "SELECT 1 FROM case_review r JOIN mdt_team t ON t.id = r.team_id"
			  " WHERE r.case_id = ? AND t.code = ? AND r.status <> 'cancelled' LIMIT 1",
			  case_id, team_code);
}

int teams_is_member(struct db *db, int64_t user_id, const char *team_code)
{
	return team_finds(db,
			  "SELECT 1 FROM mdt_member m JOIN mdt_team t ON t.id = m.team_id"
			  " WHERE m.user_id = ? AND m.active = 1 AND t.code = ? LIMIT 1",
			  user_id, team_code);
}

int teams_case_reviews_json(struct db *db, struct app *app, int64_t case_id, const char *team_code, json_t **ret)
{
	struct review_filter f = {.case_id = case_id, .team_code = team_code, .mdt = team_code != NULL};
	if (case_id <= 0)
		return ERR_INVAL;
	return teams_reviews_json(db, app, &f, ret);
}

/* ---- validation helpers ---- */

/* Free text: newlines and tabs allowed, other controls not. */
bool teams_valid_text(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t') || s[i] == 0x7f)
			return false;
	return true;
}

/* A team's code is the scope of its mdt users: letters, digits, '-' and '_'. */
static bool valid_code(const char *s)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
	size_t n = strlen(s);
	return n > 0 && n < SCOPE_MAX && strspn(s, chars) == n;
}

/* The string at key, or NULL when absent or null. Types are the schema's;
 * here only the content is judged. */
const char *teams_opt_str(const json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The time field at path in the form's words: "Held at", "Action item 2:
 * due". */
static const char *teams_field_words(const char *path, char *out, size_t size)
{
	static const struct {
		const char *key, *words;
	} names[] = {{"scheduled_at", "Scheduled for"}, {"held_at", "Held at"}, {"done_at", "Done at"}};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(path, names[i].key) == 0)
			return names[i].words;
	unsigned n = 0;
	if (sscanf(path, "action_items[%u].due_at", &n) == 1 && snprintf(out, size, "Action item %u: due", n + 1) > 0)
		return out;
	return field_key_words(path, out, size);
}

/* A time at path; not later than now when past_only. */
bool teams_time_field(const json_t *v, const char *path, bool past_only, hl_time t_now, struct field_errors *errs,
		       hl_time *ret)
{
	char words[96];
	if (!json_is_string(v)) {
		field_error_add(errs, path, "%s: enter a date and a time", teams_field_words(path, words, sizeof words));
		return false;
	}
	hl_time t;
	if (time_parse(json_string_value(v), &t) < 0) {
		field_error_add(errs, path, "%s: enter a date and a time", teams_field_words(path, words, sizeof words));
		return false;
	}
	if (past_only && t > t_now) {
		field_error_add(errs, path, "%s: not in the future; give the time it happened",
				teams_field_words(path, words, sizeof words));
		return false;
	}
	*ret = t;
	return true;
}

/* Whether user id names a user who may log in. */
static int user_exists(struct db *db, int64_t id)
{
	int64_t disabled = 1;
	int r = db_int64f(db, &disabled, "SELECT disabled FROM app_user WHERE id = ?", "i", id);
	return r == ERR_NOTFOUND ? 0 : r < 0 ? r : disabled == 0;
}

/* ---- teams ---- */

static int load_team(struct db *db, int64_t id, struct team_head *h)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT code, region FROM mdt_team WHERE id = ?", "i", id);
	if (r < 0)
		return r;
	h->id = id;
	str_copy(h->code, sizeof h->code, db_column_text(st, 0));
	str_copy(h->region, sizeof h->region, db_column_text(st, 1));
	db_finalize(st);
	return 0;
}

int teams_enter(const struct svc_ctx *ctx, enum perm perm, int64_t team_id, struct db **ret_db, struct team_head *h)
{
	int r = svc_enter(ctx, perm, ret_db);
	return r < 0 ? r : load_team(*ret_db, team_id, h);
}

int teams_end(struct db *db, int r)
{
	if (r >= 0 && (r = db_commit(db)) >= 0)
		return 0;
	db_rollback(db);
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

static const struct page_sort team_sorts[] = {
	{"code", "t.code"},
	{"name", "t.name"},
	{"region", "t.region"},
	{"id", "t.id"},
	{NULL, NULL},
};
static const struct page_list teams_page_list = {"teams", "t.id", team_sorts, "code"};

int svc_teams_list(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct list_page p;
	int r = svc_enter(ctx, PERM_TEAMS_READ, &db);
	if (r < 0 || (r = page_parse(&teams_page_list, q, &p, errs)) < 0)
		return r;
	const char *code = ctx->actor->role == ROLE_MDT ? ctx->actor->scope : NULL;
	struct sqlb *s = malloc(sizeof *s);
	if (!s)
		return ERR_NOMEM;
	sqlb_init(s);
	sqlb_add(s, "SELECT ", "");
	page_sql_key(s, &p);
	sqlb_add(s,
		", t.id, t.code, t.name, t.region, t.created_at,"
		" (SELECT count(*) FROM mdt_member m WHERE m.team_id = t.id AND m.active = 1),"
		" (SELECT count(*) FROM case_review r WHERE r.team_id = t.id AND r.status = 'scheduled')"
		" FROM mdt_team t WHERE (CAST(? AS TEXT) IS NULL OR t.code = ?)",
		"tt", code, code);
	page_sql_after(s, &p);
	page_sql_order(s, &p);
	struct db_stmt *st;
	r = sqlb_prepare(db, s, &st);
	free(s);
	if (r < 0)
		return r;
	json_t *list = json_array();
	while (list && (r = db_step(st)) == DB_ROW && page_row(&p, st)) {
		json_t *t = json_pack("{s:o}", "region_name", region_json(ctx->app->pack, db_column_text(st, 4)));
		/* In the list first, so that the list frees it on any failure. */
		if (!t || json_array_append_new(list, t) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = db_row_json(st, "- id:i code name region created_at members:i scheduled_reviews:i", t)) < 0)
			break;
	}
	db_finalize(st);
	if (!list || r < 0) {
		json_decref(list);
		return r < 0 ? r : ERR_NOMEM;
	}
	return page_answer(&p, list, ret);
}

static const struct field_rule team_fields[] = {
	{.key = "code", .type = FT_STRING, .required = true},
	{.key = "name", .type = FT_STRING, .required = true},
	{.key = "region", .type = FT_STRING, .required = true},
	{.key = NULL},
};
const struct schema svc_team_create_schema = {.name = "team", .fields = team_fields};

static int team_insert(const struct svc_ctx *ctx, struct db *db, const char *code, const char *name,
		       const char *region, int64_t *ret_id)
{
	char ts[32];
	time_format(now(), ts, sizeof ts);
	int64_t taken = 0;
	int r = db_int64f(db, &taken, "SELECT count(*) FROM mdt_team WHERE code = ?", "t", code);
	if (r < 0)
		return r;
	if (taken)
		return ERR_EXISTS;
	if ((r = db_int64f(db, ret_id,
			   "INSERT INTO mdt_team (code, name, region, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			   "tttt", code, name, region, ts)) < 0)
		return r;
	return svc_audit_appendf(db, ctx, "team.create", "mdt_team", *ret_id, "code=%s region=%s", code, region);
}

int svc_team_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, int64_t *ret_id)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_TEAMS_MANAGE, &db);
	if (r < 0)
		return r;
	schema_check(&svc_team_create_schema, body, errs);
	const char *code = teams_opt_str(body, "code"), *name = teams_opt_str(body, "name"),
		   *region = teams_opt_str(body, "region");
	if (code && !valid_code(code))
		field_error_add(errs, "code",
				"letters, digits, '-' and '_', at most %d (the scope of the team's "
				"mdt users, e.g. mdt-r1)",
				SCOPE_MAX - 1);
	if (name && !str_is_line(name, NAME_MAX_LEN))
		field_error_add(errs, "name", "required, one line of at most %d characters", NAME_MAX_LEN);
	if (region && !pack_region(ctx->app->pack, region))
		field_error_add(errs, "region", "Region: not one of the agency's regions; choose one from the list");
	if (field_errors_any(errs))
		return ERR_INVAL;
	int64_t id = 0;
	if ((r = db_begin(db)) < 0 || (r = teams_end(db, team_insert(ctx, db, code, name, region, &id))) < 0)
		return r == ERR_CONFLICT ? ERR_EXISTS : r;
	*ret_id = id;
	return 0;
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

/* A member as answered, its name and contact details opened. */
static int member_json(struct app *app, struct db_stmt *st, json_t *out)
{
	const struct pack *p = app->pack;
	static const int cols[3] = {1, 4, 5};
	const struct pack_item *it = pack_item_find(p->mdt_roles, p->n_mdt_roles, db_column_text(st, 3));
	json_t *m = json_pack("{s:o, s:b}", "mdt_role_name", it ? json_string(it->name) : json_null(), "active", 1);
	int r = m ? 0 : ERR_NOMEM;
	if (r == 0 && (r = db_row_json(st, "id:i - agency mdt_role - - user_id:i username created_at", m)) == 0 &&
	    (r = teams_open_person(app, st, cols, "mdt_member", db_column_int64(st, 0), m)) == 0 &&
	    json_array_append(out, m) < 0)
		r = ERR_NOMEM;
	json_decref(m);
	return r;
}

static int members_json(struct db *db, struct app *app, int64_t team_id, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT m.id, m.name_sealed, m.agency, m.mdt_role, m.email_sealed, m.phone_sealed,"
			    " m.user_id, u.username, m.created_at"
			    " FROM mdt_member m LEFT JOIN app_user u ON u.id = m.user_id"
			    " WHERE m.team_id = ? AND m.active = 1 ORDER BY m.id",
			    "i", team_id);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && (r = member_json(app, st, out)) == 0)
		;
	db_finalize(st);
	return r < 0 ? r : teams_sort_by_name(out);
}

/* The HART coordinators who may own an action item, besides the members
 * with an account: [{user_id, name}], by name. */
static int hart_owners_json(struct db *db, struct app *app, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st, "SELECT id, display_name FROM app_user WHERE role = ? AND disabled = 0 ORDER BY id",
			    "t", role_name(ROLE_HART));
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t uid = db_column_int64(st, 0);
		char *name = NULL;
		if ((r = sealed_get(app, st, 1, "app_user", "display_name", uid, &name)) < 0)
			break;
		json_t *o = json_pack("{s:I, s:s}", "user_id", (json_int_t)uid, "name", name ? name : "");
		free(name);
		if (!o || json_array_append_new(out, o) < 0) {
			r = ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	return r < 0 ? r : teams_sort_by_name(out);
}

/* The team as answered: its members and its reviews (a liaison: those of
 * its region's cases only). */
static int team_json(const struct svc_ctx *ctx, struct db *db, int64_t id, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT code, name, region, created_at FROM mdt_team WHERE id = ?", "i", id);
	if (r < 0)
		return r;
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:[], s:[]}", "id", (json_int_t)id, "code",
			      db_column_text(st, 0), "name", db_column_text(st, 1), "region", db_column_text(st, 2),
			      "region_name", region_json(ctx->app->pack, db_column_text(st, 2)), "created_at",
			      db_column_text(st, 3), "members", "hart_owners");
	db_finalize(st);
	if (!j)
		return ERR_NOMEM;
	/* A liaison reads the team's reviews of cases in its region only: the
	 * others are case content outside its scope. */
	struct review_filter f = {.team_id = id,
				  .region = ctx->actor->role == ROLE_LIAISON ? ctx->actor->scope : NULL,
				  .mdt = ctx->actor->role == ROLE_MDT};
	json_t *reviews = NULL;
	if ((r = members_json(db, ctx->app, id, json_object_get(j, "members"))) < 0 ||
	    (r = hart_owners_json(db, ctx->app, json_object_get(j, "hart_owners"))) < 0 ||
	    (r = teams_reviews_json(db, ctx->app, &f, &reviews)) < 0 ||
	    (json_object_set_new(j, "reviews", reviews) < 0 && (r = ERR_NOMEM) < 0)) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

int svc_team_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	struct team_head h;
	int r = teams_enter(ctx, PERM_TEAMS_READ, id, &db, &h);
	if (r < 0)
		return r;
	char oid[24];
	id_str(oid, id);
	if (!team_in_scope(ctx, &h)) {
		svc_audit_denial(ctx, "team outside the mdt user's own", "mdt_team", oid);
		return ERR_PERM;
	}
	json_t *j = NULL;
	if ((r = team_json(ctx, db, id, &j)) < 0)
		return r;
	if ((r = svc_audit_record(ctx, "team.read", "mdt_team", oid, NULL)) < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

static const struct field_rule member_fields[] = {
	{.key = "name", .type = FT_STRING, .required = true},
	{.key = "agency", .type = FT_STRING, .required = true},
	{.key = "mdt_role", .type = FT_STRING, .required = true},
	{.key = "email", .type = FT_STRING, .nullable = true},
	{.key = "phone", .type = FT_STRING, .nullable = true},
	{.key = "user_id", .type = FT_INT},
	{.key = NULL},
};
const struct schema svc_team_member_add_schema = {.name = "team member", .fields = member_fields};

/* A member's fields beyond their types: one line each, a role of the
 * pack, an e-mail and telephone that look like one, a user who may log in. */
static int check_member(const struct pack *p, struct db *db, const json_t *body, struct field_errors *errs)
{
	const char *name = teams_opt_str(body, "name"), *agency = teams_opt_str(body, "agency"),
		   *role = teams_opt_str(body, "mdt_role");
	if (name && !str_is_line(name, NAME_MAX_LEN))
		field_error_add(errs, "name", "required, one line of at most %d characters", NAME_MAX_LEN);
	if (agency && !str_is_line(agency, NAME_MAX_LEN))
		field_error_add(errs, "agency", "required, one line of at most %d characters", NAME_MAX_LEN);
	if (role && !pack_item_find(p->mdt_roles, p->n_mdt_roles, role))
		field_error_add(errs, "mdt_role", "MDT role: choose one from the list");
	field_check_email(errs, "email", "Member's e-mail", teams_opt_str(body, "email"));
	field_check_phone(errs, "phone", "Member's telephone", teams_opt_str(body, "phone"));
	json_t *uid = json_object_get(body, "user_id");
	if (json_is_integer(uid)) {
		int ok = json_integer_value(uid) > 0 ? user_exists(db, json_integer_value(uid)) : 0;
		if (ok < 0)
			return ok;
		if (!ok)
			field_error_add(errs, "user_id", "no such user, or disabled");
	}
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

static int member_insert(const struct svc_ctx *ctx, struct db *db, int64_t team_id, const json_t *body,
			 int64_t *ret_id)
{
	char ts[32];
	time_format(now(), ts, sizeof ts);
	const char *role = teams_opt_str(body, "mdt_role");
	int64_t user_id = json_integer_value(json_object_get(body, "user_id"));
	int r = db_int64f(db, ret_id,
			  "INSERT INTO mdt_member (team_id, name, agency, mdt_role, user_id, active, created_at)"
			  " VALUES (?, '', ?, ?, NULLIF(CAST(? AS BIGINT), 0), 1, ?) RETURNING id",
			  "ittit", team_id, teams_opt_str(body, "agency"), role, user_id > 0 ? user_id : (int64_t)0,
			  ts);
	if (r < 0 || (r = teams_seal_person(db, ctx->app, "mdt_member", *ret_id, teams_opt_str(body, "name"),
					    teams_opt_str(body, "email"), teams_opt_str(body, "phone"))) < 0)
		return r;
	return svc_audit_appendf(db, ctx, "team.member_add", "mdt_team", team_id, "member=%lld mdt_role=%s",
				 (long long)*ret_id, role);
}

int svc_team_member_add(const struct svc_ctx *ctx, int64_t team_id, const json_t *body, struct field_errors *errs,
			int64_t *ret_id)
{
	struct db *db;
	struct team_head h;
	int64_t id = 0;
	int r = teams_enter(ctx, PERM_TEAMS_MANAGE, team_id, &db, &h);
	if (r < 0)
		return r;
	schema_check(&svc_team_member_add_schema, body, errs);
	if ((r = check_member(ctx->app->pack, db, body, errs)) < 0 || (r = db_begin(db)) < 0 ||
	    (r = teams_end(db, member_insert(ctx, db, team_id, body, &id))) < 0)
		return r;
	*ret_id = id;
	return 0;
}

static int member_leave(const struct svc_ctx *ctx, struct db *db, int64_t team_id, int64_t member_id)
{
	int64_t n = 0;
	int r = db_execnf(db, &n, "UPDATE mdt_member SET active = 0 WHERE id = ? AND team_id = ? RETURNING id", "ii",
			  member_id, team_id);
	if (r < 0)
		return r;
	if (n == 0)
		return ERR_NOTFOUND;
	return svc_audit_appendf(db, ctx, "team.member_remove", "mdt_team", team_id, "member=%lld",
				 (long long)member_id);
}

int svc_team_member_remove(const struct svc_ctx *ctx, int64_t team_id, int64_t member_id)
{
	struct db *db;
	struct team_head h;
	int r = teams_enter(ctx, PERM_TEAMS_MANAGE, team_id, &db, &h);
	if (r < 0 || (r = db_begin(db)) < 0)
		return r;
	return teams_end(db, member_leave(ctx, db, team_id, member_id));
}
