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

#define ITEM_COLUMNS "id, text, owner, owner_user_id, due_at, done_at, duty_id"

static json_t *item_json(struct app *app, struct db_stmt *st, int *ret_err)
{
	int64_t id = db_column_int64(st, 0);
	char *text = NULL;
	int r = sealed_get(app, st, 1, "action_item", "text", id, &text);
	if (r < 0) {
		*ret_err = r;
		return NULL;
	}
	json_t *j = json_object();
	json_object_set_new(j, "id", json_integer(id));
	json_object_set_new(j, "text", text_or_null(text));
	json_object_set_new(j, "owner", text_or_null(db_column_text(st, 2)));
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
	int r = db_prepare(db,
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

int teams_case_reviews_json(struct db *db, struct app *app, int64_t case_id, const char *team_code, json_t **ret)
{
	struct review_filter f = {.case_id = case_id, .team_code = team_code};
	if (case_id <= 0)
		return ERR_INVAL;
	return reviews_json(db, app, &f, ret);
}
