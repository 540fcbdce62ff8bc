/* sessions.c: sessions of the pack's courses (docs/training.md, "Courses
 * and sessions"): scheduling, changing, cancelling (everyone registered is
 * told), the list and a session's page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/mailer.h"
#include "service/numbers.h"
#include "service/recipients.h"
#include "service/sealed.h"
#include "service/training/training_int.h"

#define CAPACITY_MAX 1000
#define TRAINERS_MAX 20

static const char *const statuses[] = {"scheduled", "held", "cancelled", NULL};

#define SESSION_FIELDS(req)                                                                                   \
	{"course", FT_STRING, .required = req, .max_len = 64},                                                   \
	{"starts_at", FT_TIME, .required = req}, {"ends_at", FT_TIME, .required = req},                          \
	{"region", FT_STRING, .nullable = true, .max_len = 64},                                                  \
	{"place", FT_STRING, .nullable = true, .max_len = TRAINING_NAME_MAX},                                    \
	{"online", FT_BOOL, .required = false}, {"capacity", FT_INT, .required = req},                                              \
	{"audience", FT_STRING, .nullable = true, .max_len = 64},                                                \
	{"trainer_ids", FT_ARRAY, .max_len = TRAINERS_MAX}

static const struct field_rule create_fields[] = {SESSION_FIELDS(true), {.key = NULL}};
const struct schema svc_tsession_create_schema = {.name = "training session create", .fields = create_fields};
static const struct field_rule update_fields[] = {
	{"version", FT_INT, .required = true}, SESSION_FIELDS(false),
	{"status", FT_STRING, .max_len = 16, .allowed = statuses},
	{"reason", FT_STRING, .nullable = true, .max_len = 1000},
	{.key = NULL},
};
const struct schema svc_tsession_update_schema = {.name = "training session update", .fields = update_fields};

/* A time as stored (UTC, with seconds), into out. */
static int norm_time(const char *s, char out[32])
{
	hl_time t;
	int r = time_parse(s, &t);
	return r < 0 ? r : time_format(t, out, 32);
}

/* Each trainer id must be a trainee holding a valid train-the-trainer
 * certificate. */
static void check_trainers(const struct app *app, struct db *db, const json_t *ids, struct field_errors *errs)
{
	char today[11], key[48];
	size_t i;
	json_t *v;
	if (tr_today(today) < 0)
		return;
	json_array_foreach(ids, i, v)
	{
		snprintf(key, sizeof key, "trainer_ids[%zu]", i);
		int64_t id = json_is_integer(v) ? (int64_t)json_integer_value(v) : 0, one;
		if (id < 1 || db_int64f(db, &one, "SELECT 1 FROM trainee WHERE id = ?", "i", id) < 0)
			field_error_add(errs, key, "Trainers: no such person trained");
		else if (tr_is_trainer(app, db, id, today) != 1)
			field_error_add(errs, key, "Trainers: person %lld is not a certified trainer (no valid"
						   " train-the-trainer certificate)", (long long)id);
	}
}

static void check_fields(const struct app *app, struct db *db, const json_t *body, bool create,
			 struct field_errors *errs)
{
	const struct pack *p = app->pack;
	const char *s = json_get_str(body, "course");
	if (s && !pack_course(p, s))
		field_error_add(errs, "course", "Course: one of the courses in the catalogue; choose one from the list");
	if ((s = json_get_str(body, "region")) && *s && !pack_region(p, s))
		field_error_add(errs, "region", "Region: one of the agency's regions; choose one from the list");
	if ((s = json_get_str(body, "audience")) && *s &&
	    !pack_item_find(p->training.audiences, p->training.n_audiences, s))
		field_error_add(errs, "audience", "Audience: one of the training audiences; choose one from the list");
	if ((s = json_get_str(body, "place")) && *s && !str_is_line(s, TRAINING_NAME_MAX))
		field_error_add(errs, "place", "Place: one line of at most %d characters", TRAINING_NAME_MAX);
	json_t *c = json_object_get(body, "capacity");
	if (json_is_integer(c) && (json_integer_value(c) < 1 || json_integer_value(c) > CAPACITY_MAX))
		field_error_add(errs, "capacity", "Capacity: from 1 to %d places", CAPACITY_MAX);
	const char *a = json_get_str(body, "starts_at"), *b = json_get_str(body, "ends_at");
	hl_time ta, tb;
	if (create && a && b && time_parse(a, &ta) == 0 && time_parse(b, &tb) == 0 && tb <= ta)
		field_error_add(errs, "ends_at", "Ends: after the session starts");
	if (json_is_array(json_object_get(body, "trainer_ids")))
		check_trainers(app, db, json_object_get(body, "trainer_ids"), errs);
}

static int write_trainers(struct db *db, int64_t sid, const json_t *ids)
{
	size_t i;
	json_t *v;
	int r = db_execf(db, "DELETE FROM session_trainer WHERE session_id = ?", "i", sid);
	json_array_foreach(ids, i, v)
	{
		int64_t one;
		if (r == 0 && db_int64f(db, &one, "SELECT 1 FROM session_trainer WHERE session_id = ? AND trainee_id = ?",
					"ii", sid, (int64_t)json_integer_value(v)) == ERR_NOTFOUND)
			r = db_execf(db, "INSERT INTO session_trainer (session_id, trainee_id) VALUES (?, ?)", "ii", sid,
				     (int64_t)json_integer_value(v));
	}
	return r;
}

int svc_tsession_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_TRAINING_MANAGE, &db);
	if (r < 0)
		return r;
	if (schema_check(&svc_tsession_create_schema, body, errs) == 0 || json_is_object(body))
		check_fields(ctx->app, db, body, true, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	char ts[32], a[32], b[32], number[32];
	int64_t id, seq;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = norm_time(json_get_str(body, "starts_at"), a)) < 0 ||
	    (r = norm_time(json_get_str(body, "ends_at"), b)) < 0 || (r = db_begin(db)) < 0)
		return r;
	/* Numbered by the year it starts in on the agency's calendar. */
	int year = 0;
	hl_time started;
	struct local_time lt;
	if (time_parse(a, &started) < 0 || local_from_time(started, &lt) < 0)
		r = ERR_INVAL;
	else
		year = lt.y;
	if (r == 0 && (r = svc_next_number(db, "training_session", year, &seq)) == 0) {
		snprintf(number, sizeof number, "T-%04d-%04lld", year, (long long)seq);
		r = db_int64f(db, &id,
			      "INSERT INTO training_session (number, course, starts_at, ends_at, region, place, online,"
			      " capacity, audience, created_by, created_at, updated_at)"
			      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?) RETURNING id",
			      "ttttttiititt", number, json_get_str(body, "course"), a, b, tr_opt(body, "region"),
			      tr_opt(body, "place"), (int64_t)json_is_true(json_object_get(body, "online")),
			      (int64_t)json_integer_value(json_object_get(body, "capacity")), tr_opt(body, "audience"),
			      ctx->actor->user_id, ts, ts);
	}
	if (r < 0 || (r = write_trainers(db, id, json_object_get(body, "trainer_ids"))) < 0 ||
	    (r = tr_mark_session(db, id)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "training.session_create", "training_session", id, "number=%s course=%s",
				   number, json_get_str(body, "course"))) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	*ret = json_pack("{s:I, s:s, s:i, s:s}", "id", (json_int_t)id, "number", number, "version", 1, "status",
			 "scheduled");
	return *ret ? 0 : ERR_NOMEM;
}

#define SESSION_COLUMNS                                                                                       \
	"s.id, s.number, s.course, s.starts_at, s.ends_at, s.region, s.place, s.online, s.capacity, s.audience,"  \
	" s.status, s.version, s.created_at, s.updated_at,"                                                      \
	" (SELECT COUNT(*) FROM registration r WHERE r.session_id = s.id AND r.status = 'registered'),"          \
	" (SELECT COUNT(*) FROM registration r WHERE r.session_id = s.id AND r.status = 'waitlisted')"

static json_t *session_json(const struct pack *p, struct db_stmt *st, int *ret_err)
{
	json_t *j = json_object();
	const struct pack_course *c = pack_course(p, db_column_text(st, 2));
	*ret_err = j && db_row_json(st,
				    "id:i number course starts_at ends_at region place online:b capacity:i audience"
				    " status version:i created_at updated_at registered:i waitlisted:i",
				    j) == 0 &&
				   json_object_set_new(j, "course_name", json_string(c ? c->name : db_column_text(st, 2))) == 0
			   ? 0
			   : ERR_NOMEM;
	if (*ret_err < 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int svc_tsessions_list(const struct svc_ctx *ctx, const struct tsession_filter *f, struct field_errors *errs,
		       json_t **ret)
{
	struct db *db;
	int64_t after;
	int r = svc_enter(ctx, PERM_TRAINING_READ, &db);
	if (r < 0)
		return r;
	if (f->course && !pack_course(ctx->app->pack, f->course))
		field_error_add(errs, "course", "Course: one of the courses in the catalogue; choose one from the list");
	if (f->status && strcmp(f->status, "scheduled") && strcmp(f->status, "held") && strcmp(f->status, "cancelled"))
		field_error_add(errs, "status", "Status: scheduled, held or cancelled");
	hl_time t;
	if (f->from && time_parse(f->from, &t) < 0 && strlen(f->from) != 10)
		field_error_add(errs, "from", "From: a date, YYYY-MM-DD");
	if (f->to && time_parse(f->to, &t) < 0 && strlen(f->to) != 10)
		field_error_add(errs, "to", "To: a date, YYYY-MM-DD");
	if ((r = tr_page(&tr_sessions_page, f->limit, f->after, &after, errs)) < 0)
		return r;
	int limit = f->limit > 0 ? f->limit : TRAINING_PAGE_DEFAULT;
	struct db_stmt *st;
	/* Soonest first; the cursor is the last row's id, its place found by its start. */
	if ((r = db_preparef(db, &st,
			     "SELECT " SESSION_COLUMNS " FROM training_session s WHERE (CAST(? AS TEXT) IS NULL OR"
			     " s.course = ?) AND (CAST(? AS TEXT) IS NULL OR s.starts_at >= ?) AND (CAST(? AS TEXT) IS NULL"
			     " OR s.starts_at < ?) AND (CAST(? AS TEXT) IS NULL OR s.status = ?) AND (CAST(? AS BIGINT) = 0"
			     " OR s.starts_at > (SELECT starts_at FROM training_session WHERE id = ?) OR (s.starts_at ="
			     " (SELECT starts_at FROM training_session WHERE id = ?) AND s.id > ?))"
			     " ORDER BY s.starts_at, s.id LIMIT ?",
			     "ttttttttiiiii", f->course, f->course, f->from, f->from, f->to, f->to, f->status, f->status,
			     after, after, after, after, (int64_t)limit + 1)) < 0)
		return r;
	json_t *items = json_array(), *s;
	if (!items)
		r = ERR_NOMEM;
	while (items && (r = db_step(st)) == DB_ROW) {
		if (!(s = session_json(ctx->app->pack, st, &r)))
			break;
		if (json_array_append_new(items, s) < 0)
			r = ERR_NOMEM;
	}
	db_finalize(st);
	if (r < 0) {
		json_decref(items);
		return r;
	}
	return tr_page_answer(&tr_sessions_page, items, limit, ret);
}

static int session_trainers(struct app *app, struct db *db, int64_t id, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT t.id, t.name, t.organisation FROM session_trainer x JOIN trainee t ON t.id = x.trainee_id"
			    " WHERE x.session_id = ? ORDER BY t.id",
			    "i", id);
	if (r < 0)
		return r;
	json_t *list = json_array();
	while (list && (r = db_step(st)) == DB_ROW) {
		json_t *j = json_object();
		int64_t tid = db_column_int64(st, 0);
		if (!j || db_row_json(st, "id:i - organisation", j) < 0 ||
		    (r = sealed_json(app, st, 1, "trainee", "name", tid, j, "name")) < 0 ||
		    json_array_append_new(list, j) < 0) {
			r = r < 0 ? r : ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	if (r >= 0 && (!list || json_object_set_new(out, "trainers", list) < 0))
		return ERR_NOMEM;
	if (r < 0)
		json_decref(list);
	return r < 0 ? r : 0;
}

/* The registrations, those waiting last in their order; a provider user
 * sees its own staff's only. */
static int session_registrations(struct app *app, struct db *db, int64_t id, int64_t scope, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT r.id, r.trainee_id, t.name, t.organisation, r.status, r.waitlist_position, r.attended,"
			    " r.completed, r.registered_at, r.version FROM registration r JOIN trainee t ON t.id = r.trainee_id"
			    " WHERE r.session_id = ? AND (CAST(? AS BIGINT) = 0 OR t.provider_id = ?)"
			    " ORDER BY CASE r.status WHEN 'registered' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END,"
			    " r.waitlist_position, r.id",
			    "iii", id, scope, scope);
	if (r < 0)
		return r;
	json_t *list = json_array();
	while (list && (r = db_step(st)) == DB_ROW) {
		json_t *j = json_object();
		int64_t tid = db_column_int64(st, 1);
		/* In the list first, so that the list frees it on any failure. */
		if (!j || json_array_append_new(list, j) < 0 ||
		    db_row_json(st,
				"id:i trainee_id:i - organisation status waitlist_position:i attended:b completed:b"
				" registered_at version:i",
				j) < 0 ||
		    (r = sealed_json(app, st, 2, "trainee", "name", tid, j, "name")) < 0) {
			r = r < 0 ? r : ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	if (r >= 0 && (!list || json_object_set_new(out, "registrations", list) < 0))
		return ERR_NOMEM;
	if (r < 0)
		json_decref(list);
	return r < 0 ? r : 0;
}

struct tsession_read {
	const struct svc_ctx *ctx;
	int64_t id, scope;
	json_t *s;
};

static int tsession_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct tsession_read *p = arg;
	struct app *app = p->ctx->app;
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT " SESSION_COLUMNS ", s.cancel_reason FROM training_session s WHERE s.id = ?",
			"i", p->id);
	if (r < 0)
		return r;
	p->s = session_json(app->pack, st, &r);
	if (p->s && (r = sealed_json(app, st, 16, "training_session", "cancel_reason", p->id, p->s, "cancel_reason")) < 0) {
		json_decref(p->s);
		p->s = NULL;
	}
	db_finalize(st);
	if (!p->s)
		return r;
	if ((r = session_trainers(app, db, p->id, p->s)) < 0 ||
	    (r = session_registrations(app, db, p->id, p->scope, p->s)) < 0)
		return r;
	return audit_read_detail(rec, "registrations");
}

/* The session as answered, its read recorded; inside the caller's
 * transaction when there is one. */
static int tsession_get(struct db *db, const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct tsession_read p = {.ctx = ctx, .id = id};
	int r = tr_scope(ctx, db, &p.scope);
	if (r < 0)
		return r;
	struct audit_read rec = {.action = "training.session_read", .object_type = "training_session", .object_id = id};
	if ((r = svc_audited_read(db, ctx, &rec, tsession_read, &p)) < 0) {
		json_decref(p.s);
		return r;
	}
	*ret = p.s;
	return 0;
}

int svc_tsession_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_TRAINING_READ, &db);
	return r < 0 ? r : tsession_get(db, ctx, id, ret);
}

/* Tell everyone registered or waiting that session s is cancelled: a
 * hartline user in the app and by e-mail, anyone else with an e-mail
 * address by e-mail. How many were told into *ret_n. */
static int notify_cancelled(struct db *db, struct app *app, const struct tr_session *s, const char *ts,
			    int64_t *ret_n)
{
	const struct pack_course *c = pack_course(app->pack, s->course);
	char text[300], idtext[24];
	snprintf(text, sizeof text, "Training session %s (%s, %.10s) is cancelled.", s->number, c ? c->name : s->course,
		 s->starts_at);
	snprintf(idtext, sizeof idtext, "%lld", (long long)s->id);
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT t.id, t.user_id, t.email FROM registration r JOIN trainee t ON t.id = r.trainee_id"
			    " WHERE r.session_id = ? AND r.status IN ('registered', 'waitlisted') ORDER BY r.id",
			    "i", s->id);
	if (r < 0)
		return r;
	/* Gather first: one statement at a time. */
	struct who {
		int64_t user;
		char *email;
	} *w = NULL;
	size_t n = 0, cap = 0;
	while ((r = db_step(st)) == DB_ROW) {
		if (n == cap) {
			struct who *nw = realloc(w, (cap = cap ? cap * 2 : 16) * sizeof *w);
			if (!nw) {
				r = ERR_NOMEM;
				break;
			}
			w = nw;
		}
		w[n].user = db_column_int64(st, 1);
		if ((r = sealed_get(app, st, 2, "trainee", "email", db_column_int64(st, 0), &w[n].email)) < 0)
			break;
		n++;
	}
	db_finalize(st);
	int64_t told = 0;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (w[i].user) {
			struct recipients rc = {.who = RCPT_USER, .user_id = w[i].user};
			if ((r = notify_insert(db, &rc, "training_cancelled", "training_session", idtext, text, ts)) == 0)
				r = mailer_queue(db, app, &rc, "Training session cancelled", text, "training_session", idtext);
			told++;
		} else if (w[i].email) {
			int64_t oid;
			told++;
			if (!app->smtp_url)
				continue;
			if ((r = db_int64f(db, &oid,
					   "INSERT INTO outbox (subject, body, object_type, object_id, next_attempt_at,"
					   " created_at) VALUES (?, ?, 'training_session', ?, ?, ?) RETURNING id",
					   "ttttt", "Training session cancelled", text, idtext, ts, ts)) >= 0)
				r = sealed_put(db, app, "outbox", "to_addr", oid, w[i].email);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(w[i].email);
	free(w);
	*ret_n = told;
	return r < 0 ? r : 0;
}

static int write_change(struct db *db, int64_t id, const json_t *body, const char *ts)
{
	char a[32] = "", b[32] = "";
	int r = 0;
	if (json_get_str(body, "starts_at"))
		r = norm_time(json_get_str(body, "starts_at"), a);
	if (r == 0 && json_get_str(body, "ends_at"))
		r = norm_time(json_get_str(body, "ends_at"), b);
	json_t *cap = json_object_get(body, "capacity"), *online = json_object_get(body, "online");
	if (r == 0)
		r = db_execf(db,
			     "UPDATE training_session SET version = version + 1, updated_at = ?,"
			     " course = COALESCE(?, course), starts_at = COALESCE(?, starts_at),"
			     " ends_at = COALESCE(?, ends_at), capacity = COALESCE(?, capacity),"
			     " online = CASE WHEN CAST(? AS BIGINT) >= 0 THEN CAST(? AS BIGINT) ELSE online END,"
			     " region = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE region END,"
			     " place = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE place END,"
			     " audience = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE audience END WHERE id = ?",
			     "ttttiiiititititi", ts, json_get_str(body, "course"), *a ? a : NULL, *b ? b : NULL,
			     json_is_integer(cap) ? (int64_t)json_integer_value(cap) : 0,
			     json_is_boolean(online) ? (int64_t)json_is_true(online) : -1,
			     json_is_boolean(online) ? (int64_t)json_is_true(online) : -1,
			     (int64_t)(json_object_get(body, "region") != NULL), tr_opt(body, "region"),
			     (int64_t)(json_object_get(body, "place") != NULL), tr_opt(body, "place"),
			     (int64_t)(json_object_get(body, "audience") != NULL), tr_opt(body, "audience"), id);
	if (r == 0 && json_is_array(json_object_get(body, "trainer_ids")))
		r = write_trainers(db, id, json_object_get(body, "trainer_ids"));
	return r;
}

int svc_tsession_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			json_t **ret)
{
	struct db *db;
	struct tr_session s;
	/* The answer is the session, read in the same transaction. */
	int r = svc_enter(ctx, PERM_TRAINING_MANAGE, &db);
	if (r < 0 || (r = svc_require(ctx, PERM_TRAINING_READ)) < 0 || (r = tr_session_load(db, id, &s)) < 0)
		return r;
	if (schema_check(&svc_tsession_update_schema, body, errs) == 0 || json_is_object(body))
		check_fields(ctx->app, db, body, false, errs);
	const char *status = json_get_str(body, "status");
	bool cancel = status && strcmp(status, "cancelled") == 0;
	if (status && !cancel)
		field_error_add(errs, "status", "Status: only \"cancelled\" is set here; attendance marks a session held");
	if (cancel && !tr_opt(body, "reason"))
		field_error_add(errs, "reason", "Reason: say why the session is cancelled; the registered are told");
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (json_integer_value(json_object_get(body, "version")) != s.version)
		return ERR_CONFLICT;
	if (strcmp(s.status, "scheduled") != 0) {
		field_error_add(errs, "status", "the session is %s and can no longer be changed", s.status);
		return ERR_CONFLICT;
	}
	char ts[32];
	int64_t told = 0, v;
	json_t *out = NULL;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = db_int64f(db, &v, "UPDATE training_session SET version = version WHERE id = ? AND version = ?"
				   " RETURNING version", "ii", id, s.version)) == ERR_NOTFOUND)
		r = ERR_CONFLICT;
	if (r == 0 && cancel &&
	    ((r = db_execf(db, "UPDATE training_session SET status = 'cancelled', version = version + 1,"
			       " updated_at = ? WHERE id = ?", "ti", ts, id)) < 0 ||
	     (r = sealed_put(db, ctx->app, "training_session", "cancel_reason", id, tr_opt(body, "reason"))) < 0 ||
	     (r = notify_cancelled(db, ctx->app, &s, ts, &told)) < 0))
		;
	else if (r == 0 && !cancel)
		r = write_change(db, id, body, ts);
	if (r < 0 || (r = tr_mark_session(db, id)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, cancel ? "training.session_cancel" : "training.session_update",
				   "training_session", id, "version=%lld notified=%lld", (long long)s.version + 1,
				   (long long)told)) < 0 ||
	    (r = tsession_get(db, ctx, id, &out)) < 0 || (r = db_commit(db)) < 0) {
		db_rollback(db);
		json_decref(out);
		return r;
	}
	if (cancel && ctx->app->smtp_url)
		mailer_kick(ctx->app);
	if (cancel && json_object_set_new(out, "notified", json_integer(told)) < 0) {
		json_decref(out);
		return ERR_NOMEM;
	}
	*ret = out;
	return 0;
}
