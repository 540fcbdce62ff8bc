/* reviews.c: case reviews before a team, and their action items, each a
 * duty (docs/cases.md, "MDT teams and case reviews"). */
#include "service/teams/teams_int.h"

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
	json_object_set_new(j, "owner_user_id", teams_int_or_null(st, 3));
	json_object_set_new(j, "due_at", text_or_null(db_column_text(st, 4)));
	json_object_set_new(j, "done_at", text_or_null(db_column_text(st, 5)));
	json_object_set_new(j, "duty_id", teams_int_or_null(st, 6));
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


/* Reviews matching f, oldest first, each with its action items. */
int teams_reviews_json(struct db *db, struct app *app, const struct review_filter *f, json_t **ret)
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
	if ((r = app_db(ctx->app, &db)) < 0 || (r = teams_load_team(db, team_id, &h)) < 0)
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
	teams_time_field(json_object_get(body, "scheduled_at"), "scheduled_at", false, t_now, errs, &sched);
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
	if ((r = app_db(ctx->app, ret_db)) < 0 || (r = teams_load_team(*ret_db, team_id, h)) < 0 ||
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
		o->text = teams_opt_str(it, "text");
		snprintf(q, sizeof q, "%s.text", p);
		if (!o->text || strlen(o->text) != json_string_length(json_object_get(it, "text")) ||
		    !teams_valid_text(o->text, ITEM_TEXT_MAX_LEN))
			field_error_add(errs, q, "required, at most %d characters", ITEM_TEXT_MAX_LEN);
		o->owner = teams_opt_str(it, "owner");
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
		teams_time_field(json_object_get(it, "due_at"), q, false, t_now, errs, &o->due);
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
	const char *status = teams_opt_str(body, "status");
	json_t *held_v = json_object_get(body, "held_at"), *att = json_object_get(body, "attendees"),
	       *dec = json_object_get(body, "decisions"), *items = json_object_get(body, "action_items"),
	       *ver = json_object_get(body, "version");
	if (status && strcmp(status, "held") != 0 && strcmp(status, "cancelled") != 0)
		field_error_add(errs, "status", "held or cancelled");
	bool has_held = held_v && !json_is_null(held_v);
	if (has_held)
		teams_time_field(held_v, "held_at", true, t_now, errs, &held);
	if (att && !json_is_null(att) && (r = check_attendees(db, team_id, att, errs)) < 0)
		return r;
	const char *decisions = json_is_string(dec) ? json_string_value(dec) : NULL;
	if (decisions && *decisions && !teams_valid_text(decisions, TEXT_MAX_LEN))
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
	if ((r = teams_reviews_json(db, ctx->app, &f, &list)) < 0)
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
	teams_time_field(json_object_get(body, "done_at"), "done_at", true, t_now, errs, &done_t);
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
