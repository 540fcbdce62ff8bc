/* reviews.c: case reviews before a team, and their action items, each a
 * duty (docs/cases.md, "MDT teams and case reviews"). */
#include "service/teams/teams_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/casehead.h"
#include "service/corrections.h"
#include "service/deadlines.h"
#include "service/page.h"
#include "service/sealed.h"

/* ---- reading reviews ---- */

#define ITEM_COLUMNS "id, text, owner_sealed, owner_user_id, due_at, done_at, duty_id"

/* An action item as answered, its text and owner opened. */
static int item_json(struct app *app, struct db_stmt *st, json_t **ret)
{
	int64_t id = db_column_int64(st, 0);
	char *text = NULL, *owner = NULL;
	json_t *j = NULL;
	int r = sealed_get(app, st, 1, "action_item", "text", id, &text);
	if (r == 0 && (r = sealed_get(app, st, 2, "action_item", "owner_sealed", id, &owner)) == 0) {
		j = json_pack("{s:o, s:o}", "text", text_or_null(text), "owner", text_or_null(owner));
		if (!j)
			r = ERR_NOMEM;
		else if ((r = db_row_json(st, "id:i - - owner_user_id:i due_at done_at duty_id:i", j)) < 0)
			json_decref(j);
	}
	free(text);
	free(owner);
	if (r < 0)
		return r;
	*ret = j;
	return 0;
}

/* The MDT's view of action items: the times corrected, not why (the
 * reason is HART's record of the correction). */
static void drop_reasons(json_t *items)
{
	size_t i, k;
	json_t *it, *c;
	json_array_foreach(items, i, it)
	{
		json_array_foreach(json_object_get(it, "corrections"), k, c)
		{
			json_object_del(c, "reason");
		}
	}
}

static int items_json(struct db *db, struct app *app, int64_t review_id, bool mdt, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st, "SELECT " ITEM_COLUMNS " FROM action_item WHERE review_id = ? ORDER BY id", "i",
			    review_id);
	if (r < 0)
		return r;
	json_t *j;
	while ((r = db_step(st)) == DB_ROW && (r = item_json(app, st, &j)) == 0)
		if (json_array_append_new(out, j) < 0) {
			r = ERR_NOMEM;
			break;
		}
	db_finalize(st);
	if (r < 0 || (r = corrections_times_json(db, app, "action_item", out)) < 0)
		return r;
	if (mdt)
		drop_reasons(out);
	return 0;
}

/* One review as answered, its decisions opened; its action items are
 * added after. */
static int review_json(struct app *app, struct db_stmt *st, json_t *out)
{
	int64_t id = db_column_int64(st, 0);
	char *decisions = NULL;
	int r = sealed_get(app, st, 10, "case_review", "decisions", id, &decisions);
	if (r < 0)
		return r;
	json_t *att = NULL;
	if ((r = json_load_stored(db_column_text(st, 9), &att)) < 0) {
		free(decisions);
		return r;
	}
	if (!json_is_array(att)) {
		json_decref(att);
		att = json_array();
	}
	json_t *j = json_pack("{s:{s:I, s:s, s:s}, s:{s:I, s:s}, s:o, s:o, s:[]}", "team", "id",
			      (json_int_t)db_column_int64(st, 1), "code", db_column_text(st, 2), "name",
			      db_column_text(st, 3), "case", "id", (json_int_t)db_column_int64(st, 4), "number",
			      db_column_text(st, 5), "attendees", att, "decisions", text_or_null(decisions),
			      "action_items");
	free(decisions);
	if (!j)
		return ERR_NOMEM;
	if ((r = db_row_json(st, "id:i - - - - - status scheduled_at held_at - - created_at updated_at version:i",
			     j)) == 0 &&
	    json_array_append(out, j) < 0)
		r = ERR_NOMEM;
	json_decref(j);
	return r;
}

int teams_reviews_json(struct db *db, struct app *app, const struct review_filter *f, json_t **ret)
{
	/* Only the filters given, each a plain condition: a case's reviews
	 * are found by case_review_case, not by reading every review. */
	struct sqlb *q = malloc(sizeof *q);
	if (!q)
		return ERR_NOMEM;
	sqlb_init(q);
	sqlb_add(q,
		 "SELECT r.id, r.team_id, t.code, t.name, r.case_id, c.number, r.status, r.scheduled_at,"
		 " r.held_at, r.attendees, r.decisions, r.created_at, r.updated_at, r.version"
		 " FROM case_review r JOIN mdt_team t ON t.id = r.team_id JOIN child_case c ON c.id = r.case_id"
		 " WHERE 1 = 1",
		 "");
	if (f->case_id != 0)
		sqlb_add(q, " AND r.case_id = ?", "i", f->case_id);
	if (f->team_id != 0)
		sqlb_add(q, " AND r.team_id = ?", "i", f->team_id);
	if (f->review_id != 0)
		sqlb_add(q, " AND r.id = ?", "i", f->review_id);
	if (f->team_code)
		sqlb_add(q, " AND t.code = ?", "t", f->team_code);
	if (f->region)
		sqlb_add(q, " AND c.region = ?", "t", f->region);
	sqlb_add(q, " ORDER BY r.scheduled_at, r.id", "");
	struct db_stmt *st;
	int r = sqlb_prepare(db, q, &st);
	free(q);
	if (r < 0)
		return r;
	json_t *list = json_array();
	while ((r = db_step(st)) == DB_ROW && (r = review_json(app, st, list)) == 0)
		;
	db_finalize(st);
	/* Action items after the reviews: one statement at a time. */
	size_t i;
	json_t *j;
	json_array_foreach(list, i, j)
	{
		if (r < 0)
			break;
		r = items_json(db, app, json_integer_value(json_object_get(j, "id")), f->mdt,
			       json_object_get(j, "action_items"));
	}
	if (r < 0) {
		json_decref(list);
		return r;
	}
	*ret = list;
	return 0;
}

/* ---- scheduling a review ---- */

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
 * team's. data is taken. */
static int case_event_add(struct db *db, const struct svc_ctx *ctx, int64_t case_id, const char *kind,
			  const char *occurred_at, const char *recorded_at, json_t *data)
{
	char *doc = json_dump_text(data, JSON_COMPACT);
	json_decref(data);
	if (!doc)
		return ERR_NOMEM;
	int r = db_execf(db,
			 "INSERT INTO case_event (case_id, kind, occurred_at, recorded_at, recorded_by, shared, data)"
			 " VALUES (?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), 0, ?)",
			 "itttit", case_id, kind, occurred_at, recorded_at, ctx->actor->user_id, doc);
	free(doc);
	return r;
}

static const struct field_rule review_fields[] = {
	{.key = "case_id", .type = FT_ID, .required = true, .reason = "choose a case of this team", .label = "Case"},
	{.key = "scheduled_at", .type = FT_STRING, .required = true, .label = "Scheduled for"},
	{.key = NULL},
};
const struct schema svc_review_create_schema = {.name = "case review", .fields = review_fields};

/* The case to review: there, and in the actor's scope. */
static int check_review(const struct svc_ctx *ctx, struct db *db, const json_t *body, struct field_errors *errs,
			struct case_head *c, hl_time *ret_sched)
{
	json_t *cid = json_object_get(body, "case_id");
	int r;
	memset(c, 0, sizeof *c);
	if (json_is_integer(cid) && json_integer_value(cid) >= 1) {
		if ((r = case_load(db, json_integer_value(cid), c)) == ERR_NOTFOUND)
			field_error_add(errs, "case_id", "Case: no such case; choose a case of this team");
		else if (r < 0 || (r = case_in_scope(ctx, c)) < 0)
			return r;
	}
	json_t *sched = json_object_get(body, "scheduled_at");
	if (json_is_string(sched))
		teams_time_field(sched, "scheduled_at", false, now(), errs, ret_sched);
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

static int review_insert(const struct svc_ctx *ctx, struct db *db, const struct team_head *h,
			 const struct case_head *c, hl_time sched, int64_t *ret_id)
{
	char ts[32], when[32];
	time_format(now(), ts, sizeof ts);
	time_format(sched, when, sizeof when);
	int r = db_int64f(db, ret_id,
			  "INSERT INTO case_review (team_id, case_id, status, scheduled_at, attendees, created_by,"
			  " created_at, updated_at, version)"
			  " VALUES (?, ?, 'scheduled', ?, '[]', NULLIF(CAST(? AS BIGINT), 0), ?, ?, 1) RETURNING id",
			  "iititt", h->id, c->id, when, ctx->actor->user_id, ts, ts);
	if (r < 0 || (r = case_event_add(db, ctx, c->id, "review_scheduled", ts, ts,
					 json_pack("{s:I, s:I, s:s, s:s}", "review_id", (json_int_t)*ret_id, "team_id",
						   (json_int_t)h->id, "team", h->code, "scheduled_at", when))) < 0)
		return r;
	return svc_audit_appendf(db, ctx, "review.schedule", "case", c->id, "review=%lld team=%s scheduled_at=%s",
				 (long long)*ret_id, h->code, when);
}

int svc_review_create(const struct svc_ctx *ctx, int64_t team_id, const json_t *body, struct field_errors *errs,
		      int64_t *ret_id)
{
	struct db *db;
	struct team_head h;
	struct case_head c;
	hl_time sched = 0;
	int64_t id = 0;
	int r = teams_enter(ctx, PERM_REVIEWS_WRITE, team_id, &db, &h);
	if (r < 0)
		return r;
	schema_check(&svc_review_create_schema, body, errs);
	if ((r = check_review(ctx, db, body, errs, &c, &sched)) < 0)
		return r;
	if (strcmp(c.status, "closed") == 0)
		return ERR_CONFLICT;
	if ((r = db_begin(db)) < 0 || (r = teams_end(db, review_insert(ctx, db, &h, &c, sched, &id))) < 0)
		return r;
	*ret_id = id;
	return 0;
}

/* ---- holding or cancelling a review ---- */

struct review_head {
	int64_t id, case_id, version;
	char status[16];
	char held_at[32];
};

static int load_review(struct db *db, int64_t team_id, int64_t id, struct review_head *rv)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT case_id, status, held_at, version FROM case_review WHERE id = ? AND team_id = ?", "ii",
			id, team_id);
	if (r < 0)
		return r;
	rv->id = id;
	rv->case_id = db_column_int64(st, 0);
	str_copy(rv->status, sizeof rv->status, db_column_text(st, 1));
	str_copy(rv->held_at, sizeof rv->held_at, db_column_text(st, 2) ? db_column_text(st, 2) : "");
	rv->version = db_column_int64(st, 3);
	db_finalize(st);
	return 0;
}

/* The team, the review in it, and the case, with the actor's scope over
 * the case checked. */
static int open_review(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, struct db **ret_db,
		       struct team_head *h, struct review_head *rv, struct case_head *c)
{
	int r = teams_enter(ctx, PERM_REVIEWS_WRITE, team_id, ret_db, h);
	if (r < 0 || (r = load_review(*ret_db, team_id, review_id, rv)) < 0 ||
	    (r = case_load(*ret_db, rv->case_id, c)) < 0)
		return r;
	return case_in_scope(ctx, c);
}

/* The review of an mdt user's own team, for an action item it owns. */
static int open_own_review(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, struct db **ret_db,
			   struct team_head *h, struct review_head *rv, struct case_head *c)
{
	int r = teams_enter(ctx, PERM_ACTION_ITEMS_DONE, team_id, ret_db, h);
	if (r < 0)
		return r;
	if (ctx->actor->role != ROLE_MDT || !ctx->actor->scope[0] || strcmp(ctx->actor->scope, h->code) != 0) {
		char oid[24];
		id_str(oid, team_id);
		svc_audit_denial(ctx, "team outside the mdt user's own", "mdt_team", oid);
		return ERR_PERM;
	}
	if ((r = load_review(*ret_db, team_id, review_id, rv)) < 0 || (r = case_load(*ret_db, rv->case_id, c)) < 0)
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
	/* The schema refused any other. */
	if (!json_is_array(v) || json_array_size(v) > MAX_ATTENDEES)
		return 0;
	size_t i;
	json_t *a;
	json_array_foreach(v, i, a)
	{
		char path[32];
		snprintf(path, sizeof path, "attendees[%zu]", i);
		if (!json_is_integer(a) || json_integer_value(a) < 1) {
			field_error_add(errs, path, "Attended: tick members of this team");
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++)
			dup = json_equal(json_array_get(v, k), a);
		if (dup) {
			field_error_add(errs, path, "Attended: a member is ticked twice; tick each once");
			continue;
		}
		int64_t one;
		int r = db_int64f(db, &one, "SELECT 1 FROM mdt_member WHERE id = ? AND team_id = ?", "ii",
				  (int64_t)json_integer_value(a), team_id);
		if (r == ERR_NOTFOUND)
			field_error_add(errs, path, "Attended: not a member of this team; tick members of this team");
		else if (r < 0)
			return r;
	}
	return 0;
}

/* Whether user id may own an action item of the team's review: an active
 * member of the team with an account, or a HART coordinator. Anyone else
 * would be sent the case number of a case outside their reach. */
static int owner_allowed(struct db *db, int64_t team_id, int64_t user_id)
{
	int64_t one;
	int r = db_int64f(db, &one,
			  "SELECT 1 FROM app_user u WHERE u.id = ? AND u.disabled = 0 AND (u.role = ?"
			  " OR EXISTS (SELECT 1 FROM mdt_member m WHERE m.team_id = ? AND m.user_id = u.id"
			  " AND m.active = 1))",
			  "iti", user_id, role_name(ROLE_HART), team_id);
	return r == ERR_NOTFOUND ? 0 : r < 0 ? r : 1;
}

/* One action item of the list at index i, path p ("action_items[i]"). */
static int check_item(struct db *db, int64_t team_id, const json_t *it, const char *p, struct field_errors *errs,
		      struct item_in *o)
{
	static const char *const known[] = {"text", "owner", "owner_user_id", "due_at", NULL};
	char q[96];
	memset(o, 0, sizeof *o);
	if (!json_is_object(it)) {
		field_error_add(errs, p, "Action item: give its text, owner and due date");
		return 0;
	}
	const char *key;
	json_t *x;
	json_object_foreach((json_t *)it, key, x)
	{
		bool k = false;
		for (const char *const *n = known; *n && !k; n++)
			k = strcmp(*n, key) == 0;
		if (!k) {
			snprintf(q, sizeof q, "%s.%.30s", p, key);
			field_error_add(errs, q, "Action item: not a field of this form; reload the page and try again");
		}
	}
	o->text = teams_opt_str(it, "text");
	snprintf(q, sizeof q, "%s.text", p);
	if (!o->text || strlen(o->text) != json_string_length(json_object_get(it, "text")) ||
	    !teams_valid_text(o->text, ITEM_TEXT_MAX_LEN))
		field_error_add(errs, q, "What is to be done: required, at most %d characters", ITEM_TEXT_MAX_LEN);
	o->owner = teams_opt_str(it, "owner");
	snprintf(q, sizeof q, "%s.owner", p);
	if (!str_is_line(o->owner, NAME_MAX_LEN))
		field_error_add(errs, q, "Owner: required; choose who does it");
	json_t *ou = json_object_get(it, "owner_user_id");
	snprintf(q, sizeof q, "%s.owner_user_id", p);
	if (ou && !json_is_null(ou)) {
		int ok = json_is_integer(ou) && json_integer_value(ou) > 0
				 ? owner_allowed(db, team_id, json_integer_value(ou))
				 : 0;
		if (ok < 0)
			return ok;
		if (!ok)
			field_error_add(errs, q, "Owner: choose a member of this team who has an account, or a HART "
						 "coordinator");
		else
			o->owner_user_id = json_integer_value(ou);
	}
	snprintf(q, sizeof q, "%s.due_at", p);
	teams_time_field(json_object_get(it, "due_at"), q, false, now(), errs, &o->due);
	return 0;
}

static int check_items(struct db *db, int64_t team_id, const json_t *v, struct field_errors *errs,
		       struct item_in *out, size_t *ret_n)
{
	*ret_n = 0;
	/* The schema refused any other; out has room for MAX_ACTION_ITEMS. */
	if (!json_is_array(v) || json_array_size(v) > MAX_ACTION_ITEMS)
		return 0;
	size_t i;
	json_t *it;
	json_array_foreach(v, i, it)
	{
		char p[48];
		snprintf(p, sizeof p, "action_items[%zu]", i);
		int r = check_item(db, team_id, it, p, errs, &out[i]);
		if (r < 0)
			return r;
	}
	*ret_n = json_array_size(v);
	return 0;
}

static const char *const review_statuses[] = {"held", "cancelled", NULL};

static const struct field_rule update_fields[] = {
	{.key = "status", .type = FT_STRING, .allowed = review_statuses, .label = "Status"},
	{.key = "held_at", .type = FT_STRING, .nullable = true, .label = "Held at"},
	{.key = "decisions", .type = FT_STRING, .nullable = true, .label = "Decisions"},
	{.key = "version", .type = FT_INT, .reason = "reload the review and try again", .label = "The review you read"},
	/* Their items are judged one by one below. */
	{.key = "attendees",
	 .type = FT_ARRAY,
	 .max_len = MAX_ATTENDEES,
	 .reason = "tick the members who attended"},
	{.key = "action_items",
	 .type = FT_ARRAY,
	 .max_len = MAX_ACTION_ITEMS,
	 .reason = "give each action item its text, owner and due date"},
	{.key = NULL},
};
const struct schema svc_review_update_schema = {.name = "case review update", .fields = update_fields};

/* What a change to a review asks for, once checked. */
struct review_req {
	const char *status;
	bool has_held, cancel, holding;
	hl_time held;
	const json_t *att;   /* attendees; NULL: unchanged */
	const json_t *dec;   /* decisions given (even null) */
	const char *decisions;
	const json_t *items; /* action_items given */
	struct item_in in[MAX_ACTION_ITEMS];
	size_t n_items;
};

static int check_update(struct db *db, int64_t team_id, const struct review_head *rv, const json_t *body,
			struct field_errors *errs, struct review_req *q)
{
	int r;
	const json_t *held_v = json_object_get(body, "held_at"), *items = json_object_get(body, "action_items");
	q->status = teams_opt_str(body, "status");
	q->has_held = held_v && !json_is_null(held_v);
	if (q->has_held)
		teams_time_field(held_v, "held_at", true, now(), errs, &q->held);
	q->att = json_object_get(body, "attendees");
	if (json_is_null(q->att))
		q->att = NULL;
	if (q->att && (r = check_attendees(db, team_id, q->att, errs)) < 0)
		return r;
	q->dec = json_object_get(body, "decisions");
	q->decisions = json_string_value(q->dec);
	if (q->decisions && *q->decisions && !teams_valid_text(q->decisions, TEXT_MAX_LEN))
		field_error_add(errs, "decisions", "Decisions: at most %d characters; shorten them", TEXT_MAX_LEN);
	q->items = items && !json_is_null(items) ? items : NULL;
	if (q->items && (r = check_items(db, team_id, q->items, errs, q->in, &q->n_items)) < 0)
		return r;
	q->cancel = q->status && strcmp(q->status, "cancelled") == 0;
	bool records = q->has_held || q->att || q->dec || q->n_items > 0;
	if (q->cancel && records)
		field_error_add(errs, "status",
				"Status: a cancelled review records no time held, attendees, decisions or "
				"action items; clear them, or record the review as held");
	q->holding = (q->status && strcmp(q->status, "held") == 0) || q->has_held;
	if (q->n_items > 0 && !q->holding && strcmp(rv->status, "held") != 0)
		field_error_add(errs, "action_items", "Action items: recorded when the review is held; give the date held");
	if (!q->status && !records && !q->items)
		field_error_add(errs, "", "Nothing to change: change something, then save");
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

/* One action item and the duty it opens, from starts. */
static int item_insert(const struct svc_ctx *ctx, struct db *db, int64_t review_id, int64_t case_id,
		       const struct item_in *in, hl_time starts, const char *ts)
{
	char due[32];
	time_format(in->due, due, sizeof due);
	int64_t aid = 0, duty = 0;
	int r = db_int64f(db, &aid,
			  "INSERT INTO action_item (review_id, case_id, owner, owner_user_id, due_at, created_at)"
			  " VALUES (?, ?, '', NULLIF(CAST(? AS BIGINT), 0), ?, ?) RETURNING id",
			  "iiitt", review_id, case_id, in->owner_user_id, due, ts);
	if (r < 0 || (r = sealed_put(db, ctx->app, "action_item", "text", aid, in->text)) < 0 ||
	    (r = sealed_put(db, ctx->app, "action_item", "owner_sealed", aid, in->owner)) < 0 ||
	    (r = duty_open(db, case_id, DUTY_ACTION_ITEM, "action_item", aid, starts, in->due, in->owner_user_id,
			   &duty)) < 0)
		return r;
	return db_execf(db, "UPDATE action_item SET duty_id = ? WHERE id = ?", "ii", duty, aid);
}

static int update_write(const struct svc_ctx *ctx, struct db *db, const struct team_head *h,
			const struct review_head *rv, const struct review_req *q)
{
	const char *new_status = q->cancel ? "cancelled" : q->holding ? "held" : rv->status;
	bool becomes_held = q->holding && strcmp(rv->status, "held") != 0;
	char ts[32], held_ts[32] = "";
	hl_time t_now = now(), starts = t_now;
	time_format(t_now, ts, sizeof ts);
	if (q->has_held)
		time_format(q->held, held_ts, sizeof held_ts);
	else
		str_copy(held_ts, sizeof held_ts, becomes_held ? ts : rv->held_at);
	if (*held_ts && time_parse(held_ts, &starts) < 0)
		starts = t_now;
	char *att_doc = q->att ? json_dump_text(q->att, JSON_COMPACT) : NULL;
	if (q->att && !att_doc)
		return ERR_NOMEM;
	int64_t n = 0;
	int r = db_execnf(db, &n,
			  "UPDATE case_review SET status = ?, held_at = ?, attendees = COALESCE(?, attendees),"
			  " updated_at = ?, version = version + 1 WHERE id = ? AND version = ? RETURNING version",
			  "ttttii", new_status, *held_ts ? held_ts : NULL, att_doc, ts, rv->id, rv->version);
	free(att_doc);
	if (r < 0)
		return r;
	if (n == 0)
		return ERR_CONFLICT;
	if (q->dec && (r = sealed_put(db, ctx->app, "case_review", "decisions", rv->id, q->decisions)) < 0)
		return r;
	for (size_t i = 0; i < q->n_items; i++)
		if ((r = item_insert(ctx, db, rv->id, rv->case_id, &q->in[i], starts, ts)) < 0)
			return r;
	if (becomes_held &&
	    (r = case_event_add(db, ctx, rv->case_id, "review_held", held_ts, ts,
				json_pack("{s:I, s:I, s:s, s:I, s:I}", "review_id", (json_int_t)rv->id, "team_id",
					  (json_int_t)h->id, "team", h->code, "attendees",
					  (json_int_t)(q->att ? json_array_size(q->att) : 0), "action_items",
					  (json_int_t)q->n_items))) < 0)
		return r;
	return svc_audit_appendf(db, ctx, "review.update", "case", rv->case_id,
				 "review=%lld team=%s status=%s action_items=%zu%s", (long long)rv->id, h->code,
				 new_status, q->n_items, q->dec ? " decisions" : "");
}

int svc_review_update(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, const json_t *body,
		      struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct team_head h;
	struct review_head rv;
	struct case_head c;
	struct review_req q = {0};
	int r = open_review(ctx, team_id, review_id, &db, &h, &rv, &c);
	if (r < 0)
		return r;
	schema_check(&svc_review_update_schema, body, errs);
	if ((r = check_update(db, team_id, &rv, body, errs, &q)) < 0)
		return r;
	/* A cancelled review changes no more; a held one is not cancelled. */
	json_t *ver = json_object_get(body, "version");
	if (strcmp(rv.status, "cancelled") == 0 || (q.cancel && strcmp(rv.status, "held") == 0) ||
	    (json_is_integer(ver) && json_integer_value(ver) != rv.version))
		return ERR_CONFLICT;
	if ((r = db_begin(db)) < 0 || (r = teams_end(db, update_write(ctx, db, &h, &rv, &q))) < 0)
		return r;
	struct review_filter f = {.review_id = review_id, .mdt = ctx->actor->role == ROLE_MDT};
	json_t *list;
	if ((r = teams_reviews_json(db, ctx->app, &f, &list)) < 0)
		return r;
	*ret = json_incref(json_array_get(list, 0));
	json_decref(list);
	return *ret ? 0 : ERR_NOTFOUND;
}

/* ---- an action item done ---- */

static const struct field_rule done_fields[] = {
	{.key = "done_at", .type = FT_STRING, .required = true, .label = "Done at"},
	{.key = NULL},
};
const struct schema svc_action_item_done_schema = {.name = "action item done", .fields = done_fields};

static int done_write(const struct svc_ctx *ctx, struct db *db, int64_t case_id, int64_t review_id,
		      int64_t item_id, hl_time done_t)
{
	char when[32];
	time_format(done_t, when, sizeof when);
	int64_t duty = 0;
	int r = db_execf(db,
			 "UPDATE action_item SET done_at = ?, done_by = NULLIF(CAST(? AS BIGINT), 0)"
			 " WHERE id = ? AND done_at IS NULL",
			 "tii", when, ctx->actor->user_id, item_id);
	if (r < 0 ||
	    (r = duty_meet(db, DUTY_ACTION_ITEM, "action_item", item_id, done_t, ctx->actor->user_id, &duty)) < 0)
		return r;
	return svc_audit_appendf(db, ctx, "review.action_item_done", "case", case_id,
				 "review=%lld action_item=%lld done_at=%s duty=%lld", (long long)review_id,
				 (long long)item_id, when, (long long)duty);
}

/* The action item as answered, with its corrections. */
static int item_by_id(struct db *db, struct app *app, int64_t item_id, bool mdt, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT " ITEM_COLUMNS " FROM action_item WHERE id = ?", "i", item_id);
	if (r < 0)
		return r;
	json_t *j = NULL, *one = json_array();
	if ((r = one ? item_json(app, st, &j) : ERR_NOMEM) == 0 && json_array_append(one, j) < 0)
		r = ERR_NOMEM;
	db_finalize(st);
	if (r == 0)
		r = corrections_times_json(db, app, "action_item", one);
	if (r == 0 && mdt)
		drop_reasons(one);
	json_decref(one);
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

int teams_action_item_json(struct db *db, struct app *app, int64_t item_id, json_t **ret)
{
	return item_by_id(db, app, item_id, false, ret);
}

int teams_review_case(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, struct db **ret_db,
		      struct case_head *c, hl_time *ret_held)
{
	struct team_head h;
	struct review_head rv;
	int r = open_review(ctx, team_id, review_id, ret_db, &h, &rv, c);
	if (r < 0)
		return r;
	*ret_held = 0;
	return rv.held_at[0] && time_parse(rv.held_at, ret_held) < 0 ? ERR_DB : 0;
}

int svc_action_item_done(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, int64_t item_id,
			 const json_t *body, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct team_head h;
	struct review_head rv;
	struct case_head c;
	struct db_stmt *st;
	/* Who records reviews marks any item done; a member of the team, an
	 * item it owns (its session's scope is emptied when it leaves). */
	bool manager = role_may(ctx->actor->role, PERM_REVIEWS_WRITE);
	int r = manager ? open_review(ctx, team_id, review_id, &db, &h, &rv, &c)
			: open_own_review(ctx, team_id, review_id, &db, &h, &rv, &c);
	if (r < 0 || (r = db_rowf(db, &st, "SELECT done_at, owner_user_id FROM action_item WHERE id = ? AND review_id = ?",
				  "ii", item_id, review_id)) < 0)
		return r;
	bool done = !db_column_is_null(st, 0);
	bool own = !db_column_is_null(st, 1) && db_column_int64(st, 1) == ctx->actor->user_id;
	db_finalize(st);
	if (!manager && !own) {
		char oid[24];
		id_str(oid, item_id);
		svc_audit_denial(ctx, "action item owned by someone else", "action_item", oid);
		return ERR_PERM;
	}
	hl_time done_t = 0;
	schema_check(&svc_action_item_done_schema, body, errs);
	json_t *v = json_object_get(body, "done_at");
	hl_time held = 0;
	if (json_is_string(v) && teams_time_field(v, "done_at", true, now(), errs, &done_t) && rv.held_at[0] &&
	    time_parse(rv.held_at, &held) == 0 && done_t < held)
		field_error_add(errs, "done_at", "before the review that set the action item was held");
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (done)
		return ERR_CONFLICT;
	if ((r = db_begin(db)) < 0 || (r = teams_end(db, done_write(ctx, db, c.id, review_id, item_id, done_t))) < 0)
		return r;
	return item_by_id(db, ctx->app, item_id, ctx->actor->role == ROLE_MDT, ret);
}
