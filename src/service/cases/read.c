/* read.c: a case as answered (full or MDT view), one case and the list. */
#include "service/cases/cases_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "match/cmp.h"
#include "model/casestate.h"
#include "model/reliefstate.h"
#include "service/audit.h"
#include "service/corrections.h"
#include "service/deadlines.h"
#include "service/relief.h"
#include "service/sealed.h"
#include "service/teams.h"

/* ---- reading a case ---- */

/* The child from the columns c .. c + 5 of st's row (given name, family
 * name, birth date, estimated age, the day it was estimated, sex) of
 * person person_id: names and age for every view; the full view adds the
 * person id, birth date and sex. */
static int child_cols_json(struct app *app, struct db_stmt *st, int c, int64_t person_id, bool full, json_t **ret)
{
	char *given = NULL, *family = NULL, *dob = NULL;
	int r;
	if ((r = sealed_get(app, st, c, "person", "given_name", person_id, &given)) == 0 &&
	    (r = sealed_get(app, st, c + 1, "person", "family_name", person_id, &family)) == 0)
		r = sealed_get(app, st, c + 2, "person", "dob", person_id, &dob);
	int age = -1;
	struct cmp_date today = cmp_date_local(now() / HL_USEC_PER_SEC), d;
	if (r == 0 && dob && cmp_date_parse(dob, "%Y-%m-%d", &d)) {
		age = cmp_age_on(&d, &today);
	} else if (r == 0 && !db_column_is_null(st, c + 3)) {
		age = (int)db_column_int64(st, c + 3);
		const char *on = db_column_text(st, c + 4);
		if (on && cmp_date_parse(on, "%Y-%m-%d", &d)) {
			int years = cmp_age_on(&d, &today);
			age += years > 0 ? years : 0;
		}
	}
	json_t *j = NULL;
	if (r == 0)
		j = full ? json_pack("{s:o, s:o, s:o, s:I, s:o, s:o}", "given_name", text_or_null(given), "family_name",
				     text_or_null(family), "age", age >= 0 ? json_integer(age) : json_null(),
				     "person_id", (json_int_t)person_id, "dob", text_or_null(dob), "sex",
				     text_or_null(db_column_text(st, c + 5)))
			 : json_pack("{s:o, s:o, s:o}", "given_name", text_or_null(given), "family_name",
				     text_or_null(family), "age", age >= 0 ? json_integer(age) : json_null());
	free(given);
	free(family);
	free(dob);
	if (r < 0)
		return r;
	*ret = j;
	return j ? 0 : ERR_NOMEM;
}

#define CHILD_COLS "given_name, family_name, dob, estimated_age, age_estimated_on, sex"

/* The child of the case: child_cols_json from the person's row. */
static int child_json(struct db *db, struct app *app, int64_t person_id, bool full, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT " CHILD_COLS " FROM person WHERE id = ?", "i", person_id);
	if (r < 0)
		return r;
	r = child_cols_json(app, st, 0, person_id, full, ret);
	db_finalize(st);
	return r;
}

/* {id, username, display_name} of user id from the row's columns ucol
 * (username) and ucol + 1 (display name, sealed), or null when id is 0 or
 * the user is gone. */
static int user_cols_json(struct app *app, struct db_stmt *st, int64_t id, int ucol, json_t **ret)
{
	if (id <= 0 || !db_column_text(st, ucol))
		return (*ret = json_null()) ? 0 : ERR_NOMEM;
	char *display = NULL;
	int r = sealed_get(app, st, ucol + 1, "app_user", "display_name", id, &display);
	json_t *j = NULL;
	if (r == 0 && !(j = json_pack("{s:I, s:s, s:s?}", "id", (json_int_t)id, "username", db_column_text(st, ucol),
				      "display_name", display)))
		r = ERR_NOMEM;
	free(display);
	if (r < 0)
		return r;
	*ret = j;
	return 0;
}

/* {id, username, display_name} of a user, or null when id is 0; a
 * database error is answered, not turned into null. */
static int user_json(struct db *db, struct app *app, int64_t id, json_t **ret)
{
	if (id <= 0)
		return (*ret = json_null()) ? 0 : ERR_NOMEM;
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT username, display_name FROM app_user WHERE id = ?", "i", id);
	if (r == ERR_NOTFOUND)
		return (*ret = json_null()) ? 0 : ERR_NOMEM;
	if (r < 0)
		return r;
	r = user_cols_json(app, st, id, 0, ret);
	db_finalize(st);
	return r;
}

/* Who recorded a timeline entry (columns 4 id, 5 username, 9 display name,
 * sealed): {id, username, display_name}, or null. */
static int recorder_json(struct app *app, struct db_stmt *st, json_t **ret)
{
	if (!db_column_text(st, 5))
		return (*ret = json_null()) ? 0 : ERR_NOMEM;
	int64_t uid = db_column_int64(st, 4);
	json_t *o = json_pack("{s:I, s:s}", "id", (json_int_t)uid, "username", db_column_text(st, 5));
	int r = o ? sealed_json(app, st, 9, "app_user", "display_name", uid, o, "display_name") : ERR_NOMEM;
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*ret = o;
	return 0;
}

/* The name a person goes by, for the user whose username is at key of e
 * (the assignment entries keep usernames): set at name_key, the display
 * name, else the username. Nothing when the key is absent. */
static int username_name(struct db *db, struct app *app, json_t *e, const char *key, const char *name_key)
{
	const char *username = json_string_value(json_object_get(e, key));
	if (!username)
		return 0;
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT id, display_name FROM app_user WHERE username = ?", "t", username);
	if (r == ERR_NOTFOUND)
		return json_object_set_new(e, name_key, json_string(username)) < 0 ? ERR_NOMEM : 0;
	if (r < 0)
		return r;
	char *display = NULL;
	r = sealed_get(app, st, 1, "app_user", "display_name", db_column_int64(st, 0), &display);
	if (r == 0 && json_object_set_new(e, name_key, json_string(display && *display ? display : username)) < 0)
		r = ERR_NOMEM;
	free(display);
	db_finalize(st);
	return r;
}

/* The lead's and the workers' entries name people by the name they go by. */
static int assignment_names(struct db *db, struct app *app, const char *kind, json_t *e)
{
	int r = 0;
	if (kind && strcmp(kind, "lead_changed") == 0 && (r = username_name(db, app, e, "from", "from_name")) == 0)
		r = username_name(db, app, e, "to", "to_name");
	if (kind && (strcmp(kind, "worker_added") == 0 || strcmp(kind, "worker_removed") == 0))
		r = username_name(db, app, e, "user", "user_name");
	return r;
}

/* One timeline entry as answered: its data's keys, then what every entry
 * has, its text opened. */
static int event_json(struct db *db, struct app *app, struct db_stmt *st, json_t *out)
{
	int64_t eid = db_column_int64(st, 0);
	char *text = NULL;
	int r = sealed_get(app, st, 8, "case_event", "text", eid, &text);
	if (r < 0)
		return r;
	json_t *e = NULL;
	if ((r = json_load_stored(db_column_text(st, 7), &e)) < 0) {
		free(text);
		return r;
	}
	if (!json_is_object(e)) {
		json_decref(e);
		e = json_object();
	}
	json_t *by = NULL;
	if (!e || (r = db_row_json(st, "id:i kind occurred_at recorded_at - - shared:b", e)) < 0 ||
	    (r = recorder_json(app, st, &by)) < 0 || json_object_set_new(e, "recorded_by", by) < 0 ||
	    (r = assignment_names(db, app, db_column_text(st, 1), e)) < 0 ||
	    json_object_set_new(e, "text", text_or_null(text)) < 0 || json_array_append(out, e) < 0)
		r = r < 0 ? r : ERR_NOMEM;
	json_decref(e);
	free(text);
	return r;
}

static int events_json(struct db *db, struct app *app, int64_t case_id, bool shared_only, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT e.id, e.kind, e.occurred_at, e.recorded_at, e.recorded_by, u.username, e.shared,"
			    " e.data, e.text, u.display_name FROM case_event e LEFT JOIN app_user u ON u.id = e.recorded_by"
			    " WHERE e.case_id = ? AND (? = 0 OR e.shared = 1) ORDER BY e.occurred_at, e.id",
			    "id", case_id, (int)shared_only);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && (r = event_json(db, app, st, out)) == 0)
		;
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* How long a child has been missing: from when last seen (not from when
 * the agency learned of it) to being located, else to t. One definition
 * for the case page and the dashboard, in whole minutes. */
int cases_missing_for_json(json_t *e, const char *last_seen_at, const char *located_at, hl_time t)
{
	hl_time from, to = t;
	if (!last_seen_at || time_parse(last_seen_at, &from) < 0)
		return json_object_set_new(e, "missing_for_minutes", json_null()) < 0 ? ERR_NOMEM : 0;
	if (located_at && time_parse(located_at, &to) < 0)
		to = t;
	int64_t minutes = to > from ? (to - from) / MINUTE : 0;
	return json_object_set_new(e, "missing_for_minutes", json_integer(minutes)) < 0 ? ERR_NOMEM : 0;
}

/* One missing episode as answered; the full view adds the NCMEC case
 * number and the circumstances, opened. */
static int episode_json(struct app *app, struct db_stmt *st, bool full, hl_time t, json_t *out)
{
	int64_t eid = db_column_int64(st, 0);
	char *circ = NULL, *ncmec = NULL;
	json_t *e = json_pack("{s:b}", "missing", db_column_is_null(st, 3));
	int r = e ? 0 : ERR_NOMEM;
	if (r == 0 && (r = db_row_json(st, "id:i last_seen_at learned_at located_at", e)) == 0)
		r = cases_missing_for_json(e, db_column_text(st, 1), db_column_text(st, 3), t);
	if (r == 0 && full && (r = sealed_get(app, st, 5, "missing_episode", "circumstances", eid, &circ)) == 0 &&
	    (r = sealed_get(app, st, 4, "missing_episode", "ncmec_sealed", eid, &ncmec)) == 0 &&
	    (json_object_set_new(e, "ncmec_case_number", text_or_null(ncmec)) < 0 ||
	     json_object_set_new(e, "circumstances", text_or_null(circ)) < 0 ||
	     json_object_set_new(e, "created_at", json_string(db_column_text(st, 6))) < 0))
		r = ERR_NOMEM;
	if (r == 0 && json_array_append(out, e) < 0)
		r = ERR_NOMEM;
	json_decref(e);
	free(circ);
	free(ncmec);
	return r;
}

static int episodes_json(struct db *db, struct app *app, int64_t case_id, bool full, json_t *out)
{
	hl_time t = now();
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT id, last_seen_at, learned_at, located_at, ncmec_sealed, circumstances, created_at"
			    " FROM missing_episode WHERE case_id = ? ORDER BY learned_at, id",
			    "i", case_id);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && (r = episode_json(app, st, full, t, out)) == 0)
		;
	db_finalize(st);
	return r < 0 ? r : 0;
}

json_t *cases_allowed_json(const char *status)
{
	json_t *a = json_array();
	enum case_status s, out[CASE_STATUS_COUNT];
	size_t n = a && case_status_parse(status, &s) == 0 ? case_status_allowed(s, out) : 0;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(case_status_name(out[i]))) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Set key on obj to v (taken); ERR_NOMEM when that fails or v is NULL. */
static int set_new(json_t *obj, const char *key, json_t *v)
{
	return json_object_set_new(obj, key, v) < 0 ? ERR_NOMEM : 0;
}

/* The reports that make up the case, oldest first. */
static int intakes_json(struct db *db, int64_t id, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT ci.intake_id, i.number, ci.child, ci.joined, ci.added_at, i.received_at"
			    " FROM case_intake ci JOIN intake i ON i.id = ci.intake_id WHERE ci.case_id = ?"
			    " ORDER BY ci.added_at, ci.intake_id",
			    "i", id);
	if (r < 0)
		return r;
	json_t *e;
	while ((r = db_step(st)) == DB_ROW) {
		/* In the list first, so that the list frees it on any failure. */
		if (!(e = json_object()) || json_array_append_new(out, e) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = db_row_json(st, "id:i number child:i joined:b added_at received_at", e)) < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* What the case's row gives the full view beyond its facts: the lead, the
 * opener and why it was closed, read with the row. */
struct case_people {
	json_t *lead, *opener, *closure;
};

static void case_people_done(struct case_people *p)
{
	json_decref(p->lead);
	json_decref(p->opener);
	json_decref(p->closure);
}

/* The head's columns 10 (lead) and 11 (opener) and the people joined at
 * 17 and 19; the closure reason at 16. */
static int case_people_read(struct app *app, struct db_stmt *st, struct case_people *p)
{
	int64_t lead = db_column_is_null(st, 10) ? 0 : db_column_int64(st, 10);
	const char *reason = db_column_text(st, 16);
	int r = user_cols_json(app, st, lead, 17, &p->lead);
	if (r == 0)
		r = user_cols_json(app, st, db_column_int64(st, 11), 19, &p->opener);
	if (r == 0 && !(p->closure = reason ? json_string(reason) : json_null()))
		r = ERR_NOMEM;
	return r;
}

/* Set key on obj to *v, taken (NULL after). */
static int set_taken(json_t *obj, const char *key, json_t **v)
{
	json_t *x = *v;
	*v = NULL;
	return set_new(obj, key, x);
}

/* What the full view adds: who works the case (with the history), why it
 * was closed, the lead and opener, the reports joined, the mandated
 * reports, the duties and the rapid responses. */
static int full_json(struct db *db, struct app *app, int64_t id, struct case_people *people,
		     const struct case_head *ident, json_t *j)
{
	json_t *intakes, *reports, *duties, *rapids, *assigned;
	int r;
	if ((r = set_new(j, "assignments", (assigned = json_array()))) < 0 ||
	    (r = cases_assignments_json(db, app, id, assigned)) < 0 ||
	    (r = set_taken(j, "closure_reason", &people->closure)) < 0 ||
	    (r = set_new(j, "intakes", (intakes = json_array()))) < 0 ||
	    (r = set_new(j, "reports", (reports = json_array()))) < 0 ||
	    (r = set_new(j, "duties", (duties = json_array()))) < 0 ||
	    (r = set_new(j, "rapid_responses", (rapids = json_array()))) < 0 ||
	    (r = set_taken(j, "lead", &people->lead)) < 0 || (r = set_taken(j, "opened_by", &people->opener)) < 0 ||
	    (r = intakes_json(db, id, intakes)) < 0 || (r = cases_reports_json(db, app, id, reports)) < 0 ||
	    (r = cases_mark_before_identification(ident, reports)) < 0 ||
	    (r = duty_select(db, app, NULL, NULL, id, 0, LIST_LIMIT_MAX, now(), duties)) < 0)
		return r;
	return cases_rapids_json(db, app, id, rapids);
}

/* The case's row, with its lead, its opener and why it was closed. */
#define CASE_ROW_SQL                                                                                        \
	"SELECT c.number, c.person_id, c.region, c.office, c.status, c.victim_status, c.identified_at,"     \
	" c.trafficking_type, c.uncared_for, c.petition_status, c.lead_user_id, c.opened_by, c.opened_at,"  \
	" c.closed_at, c.version, c.updated_at, c.closure_reason, l.username, l.display_name, o.username,"  \
	" o.display_name FROM child_case c LEFT JOIN app_user l ON l.id = c.lead_user_id"                  \
	" LEFT JOIN app_user o ON o.id = c.opened_by WHERE c.id = ?"

/* The case's facts on a new object (the MDT view's fewer), and for the
 * full view the people its row names. */
static int case_row_json(struct db *db, struct app *app, int64_t id, bool mdt, struct case_head *ident,
			 int64_t *ret_person, struct case_people *people, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, CASE_ROW_SQL, "i", id);
	if (r < 0)
		return r;
	*ret_person = db_column_int64(st, 1);
	ident->identified = !db_column_is_null(st, 6);
	str_copy(ident->identified_at, sizeof ident->identified_at, ident->identified ? db_column_text(st, 6) : "");
	/* The MDT view leaves out what is HART's and the liaison's to know. */
	json_t *j = json_pack("{s:I, s:s, s:[], s:[]}", "id", (json_int_t)id, "view", mdt ? "mdt" : "full", "events",
			      "missing_episodes");
	r = !j ? ERR_NOMEM
	    : mdt ? db_row_json(st, "number - region - status victim_status - trafficking_type", j)
		  : db_row_json(st,
				"number - region office status victim_status identified_at trafficking_type"
				" uncared_for:b petition_status - - opened_at closed_at version:i updated_at",
				j);
	if (r == 0 && !mdt && json_object_set_new(j, "allowed_statuses", cases_allowed_json(db_column_text(st, 4))) < 0)
		r = ERR_NOMEM;
	if (r == 0 && !mdt)
		r = case_people_read(app, st, people);
	db_finalize(st);
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

/* What follows the case's facts: the child, the timeline, the missing
 * episodes, the reviews, and the full view's parts. */
static int case_parts_json(struct db *db, struct app *app, int64_t id, bool mdt, const char *team_code,
			   int64_t person, struct case_people *people, const struct case_head *ident, json_t *j)
{
	json_t *child = NULL, *reviews = NULL;
	int r;
	if ((r = child_json(db, app, person, !mdt, &child)) < 0 || (r = set_new(j, "child", child)) < 0 ||
	    (r = events_json(db, app, id, mdt, json_object_get(j, "events"))) < 0 ||
	    (r = corrections_notes_json(db, app, id, json_object_get(j, "events"))) < 0 ||
	    (r = episodes_json(db, app, id, !mdt, json_object_get(j, "missing_episodes"))) < 0 ||
	    (!mdt && (r = corrections_times_json(db, app, "missing_episode", json_object_get(j, "missing_episodes"))) < 0) ||
	    (r = teams_case_reviews_json(db, app, id, mdt ? team_code : NULL, &reviews)) < 0 ||
	    (r = set_new(j, "reviews", reviews)) < 0)
		return r;
	return mdt ? 0 : full_json(db, app, id, people, ident, j);
}

/* The case as answered: the full view, or the MDT view of team_code. */
int cases_json(struct db *db, struct app *app, int64_t id, bool mdt, const char *team_code, json_t **ret)
{
	struct case_head ident = {0};
	struct case_people people = {0};
	int64_t person = 0;
	json_t *j = NULL;
	int r = case_row_json(db, app, id, mdt, &ident, &person, &people, &j);
	if (r == 0)
		r = case_parts_json(db, app, id, mdt, team_code, person, &people, &ident, j);
	case_people_done(&people);
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

/* What a change of who works the case, or a reopening, answers: the case's
 * number, status and version, its lead and its assignments; nothing of the
 * child, so the answer needs no glass and reads nothing to audit. The page
 * reads the case again through GET, which checks and audits. */
int cases_staff_json(struct db *db, struct app *app, int64_t id, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT number, status, closed_at, version, lead_user_id FROM child_case WHERE id = ?",
			"i", id);
	if (r < 0)
		return r;
	int64_t lead = db_column_is_null(st, 4) ? 0 : db_column_int64(st, 4);
	json_t *j = json_pack("{s:I, s:s}", "id", (json_int_t)id, "view", "staff");
	r = j ? db_row_json(st, "number status closed_at version:i", j) : ERR_NOMEM;
	db_finalize(st);
	json_t *lead_j = NULL, *assigned = NULL;
	if (r < 0 || (r = set_new(j, "assignments", (assigned = json_array()))) < 0 ||
	    (r = cases_assignments_json(db, app, id, assigned)) < 0 || (r = cases_closure_json(db, id, j)) < 0 ||
	    (r = user_json(db, app, lead, &lead_j)) < 0 || (r = set_new(j, "lead", lead_j)) < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

struct case_read {
	struct app *app;
	int64_t id;
	bool mdt;
	const char *team;
	json_t *j;
};

static int case_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct case_read *c = arg;
	int r = cases_json(db, c->app, c->id, c->mdt, c->team, &c->j);
	return r < 0 ? r : audit_read_detail(rec, "%s", c->mdt ? "view=mdt" : "view=full");
}

int svc_case_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	struct case_head h;
	bool mdt = false;
	int r = cases_access(ctx, PERM_CASES_READ, id, &db, &h, &mdt);
	if (r < 0 || (r = relief_read_check(ctx, db, "case", id)) < 0)
		return r;
	struct case_read c = {.app = ctx->app, .id = id, .mdt = mdt, .team = ctx->actor->scope};
	struct audit_read rec = {.action = "case.read", .object_type = "case", .object_id = id};
	if ((r = svc_audited_read(db, ctx, &rec, case_read, &c)) < 0) {
		json_decref(c.j);
		return r;
	}
	*ret = c.j;
	return 0;
}

/* ---- listing ---- */

int cases_rows_add(struct cases_rows *rows, int64_t person, json_t *j)
{
	if (!j)
		return ERR_NOMEM;
	if (rows->n == rows->cap) {
		size_t nc = rows->cap ? rows->cap * 2 : 32;
		struct cases_row *nv = realloc(rows->v, nc * sizeof *nv);
		if (!nv) {
			json_decref(j);
			return ERR_NOMEM;
		}
		rows->v = nv;
		rows->cap = nc;
	}
	rows->v[rows->n++] = (struct cases_row){.person = person, .j = j};
	return 0;
}

/* The case a row of a list is about: a list's row is the case ("id"), a
 * dashboard's names it ("case": {"id"}). */
static int64_t row_case_id(const json_t *j)
{
	json_t *c = json_object_get(j, "case");
	return json_integer_value(json_object_get(c ? c : j, "id"));
}

/* A page's rows are read ROWS_CHUNK at a time: one statement for the cases
 * relief restricts and one for the children's names per ROWS_CHUNK rows, not
 * two per row. Every statement has ROWS_CHUNK parameters (the ids, then 0,
 * which is no row's id), so its text is always the same and is prepared
 * once per connection. */
#define ROWS_CHUNK 100

/* What finishing a row needs besides the row. */
struct row_more {
	int64_t case_id;
	bool restricted;
	json_t *child;
};

/* Prepare head, ROWS_CHUNK parameters in parentheses; bind text (when not
 * NULL) first, then ids[0 .. n - 1] and 0 for the rest. */
static int chunk_prepare(struct db *db, const char *head, const char *text, const int64_t *ids, size_t n,
			 struct db_stmt **ret)
{
	char sql[512 + 3 * ROWS_CHUNK];
	size_t len = (size_t)snprintf(sql, sizeof sql, "%s (", head);
	for (size_t k = 0; k < ROWS_CHUNK && len < sizeof sql; k++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, k ? ", ?" : "?");
	if (len + 2 > sizeof sql)
		return ERR_TOOBIG;
	memcpy(sql + len, ")", 2);
	struct db_stmt *st;
	int r = db_prepare(db, sql, &st), at = 1;
	if (r == 0 && text)
		r = db_bind_text(st, at++, text);
	for (size_t k = 0; r == 0 && k < ROWS_CHUNK; k++)
		r = db_bind_int64(st, at++, k < n ? ids[k] : 0);
	if (r < 0) {
		db_finalize(st);
		return r;
	}
	*ret = st;
	return 0;
}

/* A case restricted by relief granted shows as "Restricted record", with
 * no name (docs/recovery.md, "Record relief"): mark the chunk's rows so. */
static int chunk_restricted(struct db *db, struct row_more *m, size_t n)
{
	int64_t ids[ROWS_CHUNK];
	for (size_t k = 0; k < n; k++)
		ids[k] = m[k].case_id;
	struct db_stmt *st;
	int r = chunk_prepare(db,
			      "SELECT DISTINCT l.object_id FROM relief_link l JOIN relief_record rr ON rr.id = l.relief_id"
			      " WHERE rr.status = ? AND l.kind = 'case' AND l.object_id IN",
			      relief_status_name(RELIEF_GRANTED), ids, n, &st);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0);
		for (size_t k = 0; k < n; k++)
			if (m[k].case_id == id)
				m[k].restricted = true;
	}
	db_finalize(st);
	return r == DB_DONE ? 0 : r;
}

/* Each unrestricted row's child, its names opened once per child. A child
 * with no person row: ERR_NOTFOUND. */
static int chunk_children(struct db *db, struct app *app, const struct cases_row *v, struct row_more *m, size_t n)
{
	int64_t ids[ROWS_CHUNK];
	size_t ni = 0;
	for (size_t k = 0; k < n; k++)
		if (!m[k].restricted)
			ids[ni++] = v[k].person;
	if (ni == 0)
		return 0;
	struct db_stmt *st;
	int r = chunk_prepare(db, "SELECT id, " CHILD_COLS " FROM person WHERE id IN", NULL, ids, ni, &st);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t pid = db_column_int64(st, 0);
		json_t *child = NULL, *first = NULL;
		if ((r = child_cols_json(app, st, 1, pid, false, &child)) < 0)
			break;
		/* Rows of one child (a case closed, another opened) share it. */
		for (size_t k = 0; k < n; k++) {
			if (m[k].restricted || m[k].child || v[k].person != pid)
				continue;
			if (!(m[k].child = first ? json_deep_copy(first) : child)) {
				r = ERR_NOMEM;
				break;
			}
			first = m[k].child;
			child = NULL;
		}
		json_decref(child);
		if (r < 0)
			break;
	}
	db_finalize(st);
	if (r != DB_DONE)
		return r < 0 ? r : ERR_DB;
	for (size_t k = 0; k < n; k++)
		if (!m[k].restricted && !m[k].child)
			return ERR_NOTFOUND;
	return 0;
}

/* Row j finished: "restricted" and the label, or the child and the child's
 * page ("person_id"). */
static int row_finish(json_t *j, int64_t person, struct row_more *m)
{
	json_t *child = m->child;
	m->child = NULL;
	if (m->restricted &&
	    (json_object_set_new(j, "restricted", json_true()) < 0 ||
	     !(child = json_pack("{s:b, s:s}", "restricted", 1, "label", "Restricted record"))))
		return ERR_NOMEM;
	if (json_object_set_new(j, "child", child) < 0)
		return ERR_NOMEM;
	if (!m->restricted && json_object_set_new(j, "person_id", json_integer(person)) < 0)
		return ERR_NOMEM;
	return 0;
}

int cases_rows_finish(struct db *db, struct app *app, struct cases_rows *rows, int r, json_t *out)
{
	struct row_more m[ROWS_CHUNK];
	for (size_t from = 0; from < rows->n; from += ROWS_CHUNK) {
		size_t n = rows->n - from < ROWS_CHUNK ? rows->n - from : ROWS_CHUNK;
		struct cases_row *v = rows->v + from;
		for (size_t k = 0; k < n; k++)
			m[k] = (struct row_more){.case_id = row_case_id(v[k].j)};
		if (r >= 0 && (r = chunk_restricted(db, m, n)) == 0)
			r = chunk_children(db, app, v, m, n);
		for (size_t k = 0; k < n; k++) {
			if (r >= 0)
				r = row_finish(v[k].j, v[k].person, &m[k]);
			json_decref(m[k].child);
			if (json_array_append_new(out, v[k].j) < 0 && r >= 0)
				r = ERR_NOMEM;
		}
	}
	free(rows->v);
	*rows = (struct cases_rows){0};
	return r < 0 ? r : 0;
}
