/* corrections.c: what a correction keeps, and reading it back
 * (service/corrections.h). */
#include "service/corrections.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "model/casestate.h"
#include "service/sealed.h"

#define HOUR (3600 * HL_USEC_PER_SEC)

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

int correction_time_input(const json_t *body, const struct schema *sc, const char *field, hl_time floor,
			  const char *before, hl_time current, struct field_errors *errs, hl_time *ret)
{
	schema_check(sc, body, errs);
	hl_time t = 0;
	const char *s = json_string_value(json_object_get(body, field));
	if (s && time_parse(s, &t) == 0) {
		/* Seconds are the precision kept. */
		t -= t % HL_USEC_PER_SEC;
		if (t > now())
			field_error_add(errs, field, "must not be in the future");
		else if (t < floor)
			field_error_add(errs, field, "%s", before);
		else if (t == current)
			field_error_add(errs, field, "is the time already recorded: give the correct time");
	}
	const char *reason = json_string_value(json_object_get(body, "reason"));
	if (reason && blank(reason))
		field_error_add(errs, "reason", "say why the time is corrected");
	if (field_errors_any(errs))
		return ERR_INVAL;
	*ret = t;
	return 0;
}

int correction_time_keep(struct db *db, const struct svc_ctx *ctx, const struct time_correction *c)
{
	char ts[32], from[32], to[32];
	int r;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = time_format(c->earlier, from, sizeof from)) < 0 ||
	    (r = time_format(c->to, to, sizeof to)) < 0)
		return r;
	json_t *data = json_pack("{s:I, s:s, s:s, s:s}", c->subject_key, (json_int_t)c->subject_id, "field", c->field,
				 "from", from, "to", to);
	char *doc = data ? json_dump_text(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(data);
	if (!doc)
		return ERR_NOMEM;
	/* The entry happened when it was corrected: the timeline says when the
	 * record changed, and the subject says what it now holds. */
	int64_t event_id = 0;
	r = db_int64f(db, &event_id,
		      "INSERT INTO case_event (case_id, kind, occurred_at, recorded_at, recorded_by, shared, data)"
		      " VALUES (?, 'time_corrected', ?, ?, ?, 0, ?) RETURNING id",
		      "ittit", c->case_id, ts, ts, ctx->actor->user_id, doc);
	free(doc);
	if (r < 0 || (r = sealed_put(db, ctx->app, "case_event", "text", event_id, c->reason)) < 0)
		return r;
	return db_execf(db,
			"INSERT INTO time_correction (case_id, subject_type, subject_id, field, earlier_at, new_at,"
			" event_id, corrected_by, corrected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			"ititttiit", c->case_id, c->subject_type, c->subject_id, c->field, from, to, event_id,
			ctx->actor->user_id, ts);
}

/* {id, username, display_name} of the user in columns id_col (id),
 * id_col + 1 (username) and id_col + 2 (display name, sealed); null when
 * there is none. */
static int user_json(struct app *app, struct db_stmt *st, int id_col, json_t **ret)
{
	*ret = NULL;
	if (db_column_is_null(st, id_col) || !db_column_text(st, id_col + 1))
		return (*ret = json_null()) ? 0 : ERR_NOMEM;
	int64_t id = db_column_int64(st, id_col);
	json_t *o = json_pack("{s:I, s:s}", "id", (json_int_t)id, "username", db_column_text(st, id_col + 1));
	int r = o ? sealed_json(app, st, id_col + 2, "app_user", "display_name", id, o, "display_name") : ERR_NOMEM;
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*ret = o;
	return 0;
}

/* The object of list whose "id" is id, or NULL. */
static json_t *by_id(json_t *list, int64_t id)
{
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
	{
		if (json_integer_value(json_object_get(o, "id")) == id)
			return o;
	}
	return NULL;
}

/* Append c to o's "corrections", making the array on the first. */
static int add_correction(json_t *o, json_t *c)
{
	json_t *a = json_object_get(o, "corrections");
	if (!json_is_array(a)) {
		a = json_array();
		if (!a || json_object_set_new(o, "corrections", a) < 0) {
			json_decref(c);
			return ERR_NOMEM;
		}
	}
	return json_array_append_new(a, c) < 0 ? ERR_NOMEM : 0;
}

/* One row of the time corrections of a subject_type, onto its subject. */
static int time_row(struct app *app, struct db_stmt *st, json_t *list)
{
	json_t *o = by_id(list, db_column_int64(st, 0));
	if (!o)
		return 0;
	json_t *c = json_object(), *by = NULL;
	int64_t event_id = db_column_int64(st, 5);
	int r = c ? db_row_json(st, "- field earlier_at corrected_to corrected_at", c) : ERR_NOMEM;
	if (r == 0)
		r = sealed_json(app, st, 6, "case_event", "text", event_id, c, "reason");
	if (r == 0 && (r = user_json(app, st, 7, &by)) == 0 && json_object_set_new(c, "corrected_by", by) < 0)
		r = ERR_NOMEM;
	if (r < 0) {
		json_decref(c);
		return r;
	}
	return add_correction(o, c);
}

int corrections_times_json(struct db *db, struct app *app, const char *subject_type, json_t *list)
{
	if (json_array_size(list) == 0)
		return 0;
	/* One statement for the list: its subjects are the ids in it. */
	int64_t lo = INT64_MAX, hi = 0;
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
	{
		int64_t id = json_integer_value(json_object_get(o, "id"));
		lo = id < lo ? id : lo;
		hi = id > hi ? id : hi;
	}
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT t.subject_id, t.field, t.earlier_at, t.new_at, t.corrected_at, t.event_id, e.text,"
			    " t.corrected_by, u.username, u.display_name FROM time_correction t"
			    " JOIN case_event e ON e.id = t.event_id LEFT JOIN app_user u ON u.id = t.corrected_by"
			    " WHERE t.subject_type = ? AND t.subject_id >= ? AND t.subject_id <= ? ORDER BY t.id",
			    "tii", subject_type, lo, hi);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && (r = time_row(app, st, list)) == 0)
		;
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* One row of a case's note corrections, onto its entry. */
static int note_row(struct app *app, struct db_stmt *st, json_t *events)
{
	json_t *o = by_id(events, db_column_int64(st, 1));
	if (!o)
		return 0;
	int64_t id = db_column_int64(st, 0);
	json_t *c = json_object(), *by = NULL;
	int r = c ? db_row_json(st, "- - - corrected_at", c) : ERR_NOMEM;
	if (r == 0)
		r = sealed_json(app, st, 2, "case_event_correction", "earlier_text", id, c, "earlier_text");
	if (r == 0 && (r = user_json(app, st, 4, &by)) == 0 && json_object_set_new(c, "corrected_by", by) < 0)
		r = ERR_NOMEM;
	if (r < 0) {
		json_decref(c);
		return r;
	}
	return add_correction(o, c);
}

/* "correctable_until" on each entry a user wrote. */
static int set_windows(const struct pack *pack, json_t *events)
{
	size_t i;
	json_t *o;
	json_array_foreach(events, i, o)
	{
		const char *kind = json_string_value(json_object_get(o, "kind"));
		const char *rec = json_string_value(json_object_get(o, "recorded_at"));
		hl_time t;
		char until[32];
		if (!kind || !case_event_kind_user(kind) || !json_is_object(json_object_get(o, "recorded_by")) || !rec ||
		    time_parse(rec, &t) < 0)
			continue;
		if (time_format(t + (hl_time)pack->cases.note_correction_hours * HOUR, until, sizeof until) < 0 ||
		    json_object_set_new(o, "correctable_until", json_string(until)) < 0)
			return ERR_NOMEM;
	}
	return 0;
}

int corrections_notes_json(struct db *db, struct app *app, int64_t case_id, json_t *events)
{
	int r = set_windows(app->pack, events);
	if (r < 0 || json_array_size(events) == 0)
		return r;
	struct db_stmt *st;
	if ((r = db_preparef(db, &st,
			     "SELECT c.id, c.event_id, c.earlier_text, c.corrected_at, c.corrected_by, u.username,"
			     " u.display_name FROM case_event_correction c JOIN case_event e ON e.id = c.event_id"
			     " LEFT JOIN app_user u ON u.id = c.corrected_by WHERE e.case_id = ? ORDER BY c.id",
			     "i", case_id)) < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && (r = note_row(app, st, events)) == 0)
		;
	db_finalize(st);
	return r < 0 ? r : 0;
}
