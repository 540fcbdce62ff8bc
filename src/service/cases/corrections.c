/* corrections.c: correcting what was recorded on a case (docs/cases.md,
 * "Corrections"): a timeline entry's text by its author within the pack's
 * window, and the time a child was located. The earlier text or time is
 * kept (service/corrections.h), never erased. */
#include "service/cases/cases_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "model/casestate.h"
#include "service/audit.h"
#include "service/corrections.h"
#include "service/deadlines.h"
#include "service/sealed.h"

#define HOUR (3600 * HL_USEC_PER_SEC)

static const struct field_rule note_fields[] = {
	{.key = "text", .type = FT_STRING, .required = true, .max_len = MAX_TEXT},
	{.key = NULL},
};
const struct schema svc_case_event_correct_schema = {.name = "timeline entry correction", .fields = note_fields};

static const struct field_rule located_fields[] = {
	{.key = "located_at", .type = FT_TIME, .required = true},
	{.key = "reason", .type = FT_STRING, .required = true, .max_len = CORRECTION_REASON_MAX},
	{.key = NULL},
};
const struct schema svc_missing_locate_correct_schema = {.name = "located time correction",
							 .fields = located_fields};

/* ---- a timeline entry's text ---- */

/* The entry as stored: who wrote it, when, and its text opened. */
struct entry {
	char kind[48];
	int64_t author;
	hl_time recorded;
	char *text;
};

static int load_entry(struct db *db, struct app *app, int64_t case_id, int64_t event_id, struct entry *e)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT kind, recorded_by, recorded_at, text FROM case_event WHERE id = ? AND case_id = ?",
			"ii", event_id, case_id);
	if (r < 0)
		return r;
	*e = (struct entry){.author = db_column_is_null(st, 1) ? 0 : db_column_int64(st, 1)};
	snprintf(e->kind, sizeof e->kind, "%s", db_column_text(st, 0) ? db_column_text(st, 0) : "");
	if (time_parse(db_column_text(st, 2), &e->recorded) < 0)
		r = ERR_DB;
	if (r == 0)
		r = sealed_get(app, st, 3, "case_event", "text", event_id, &e->text);
	db_finalize(st);
	return r;
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* Who may correct the entry, and until when: its author, within the pack's
 * window, an entry a user wrote. ERR_PERM (audited) or ERR_CONFLICT with
 * why in cf. */
static int may_correct(const struct svc_ctx *ctx, int64_t case_id, const struct entry *e, struct case_conflict *cf)
{
	if (!case_event_kind_user(e->kind) || e->author == 0) {
		cases_conflict(cf, "This entry was written by hartline when the case changed, not by a person: it cannot "
				   "be corrected. Add a note that says what is wrong.");
		return ERR_CONFLICT;
	}
	if (e->author != ctx->actor->user_id) {
		char oid[24];
		fmt_id(oid, case_id);
		svc_audit_denial(ctx, "only the author corrects a timeline entry", "case", oid);
		cases_conflict(cf, "Only the person who wrote this entry can correct it. Add a note of your own that "
				   "says what is wrong.");
		cf->slug = "forbidden";
		return ERR_PERM;
	}
	int hours = ctx->app->pack->cases.note_correction_hours;
	if (now() > e->recorded + (hl_time)hours * HOUR) {
		cases_conflict(cf, "The time to correct this entry has passed: its author may correct it for %d hours "
				   "after writing it. Add a new note that says what is wrong.", hours);
		return ERR_CONFLICT;
	}
	return 0;
}

#ifdef HARTLINE_TEST_HOOKS
void (*cases_correct_race)(void);
#define RACE() (cases_correct_race ? cases_correct_race() : (void)0)
#else
#define RACE() ((void)0)
#endif

/* Whether the entry still holds the text read before the transaction: the
 * row is taken first (on PostgreSQL a second correction waits here for
 * the first to end), then read again. ERR_CONFLICT with why in cf. */
static int still_as_read(const struct svc_ctx *ctx, struct db *db, int64_t case_id, int64_t event_id,
			 const struct entry *e, struct case_conflict *cf)
{
	struct entry now_e = {.text = NULL};
	int r = db_execf(db, "UPDATE case_event SET text = text WHERE id = ?", "i", event_id);
	if (r < 0 || (r = load_entry(db, ctx->app, case_id, event_id, &now_e)) < 0)
		return r;
	bool same = now_e.text && e->text ? strcmp(now_e.text, e->text) == 0 : now_e.text == e->text;
	free(now_e.text);
	if (same)
		return 0;
	cases_conflict(cf, "Someone changed this entry since you opened it: reload the case to see it, then "
			   "correct it again.");
	cases_stale(cf);
	return ERR_CONFLICT;
}

static int note_write(const struct svc_ctx *ctx, struct db *db, int64_t case_id, int64_t event_id,
		      const struct entry *e, const char *text, struct case_conflict *cf, int64_t *ret_id)
{
	char ts[32];
	time_str(now(), ts);
	int64_t cid = 0;
	int r = still_as_read(ctx, db, case_id, event_id, e, cf);
	if (r < 0)
		return r;
	r = db_int64f(db, &cid,
			  "INSERT INTO case_event_correction (event_id, corrected_by, corrected_at) VALUES (?, ?, ?)"
			  " RETURNING id",
			  "iit", event_id, ctx->actor->user_id, ts);
	if (r < 0 || (r = sealed_put(db, ctx->app, "case_event_correction", "earlier_text", cid, e->text)) < 0 ||
	    (r = sealed_put(db, ctx->app, "case_event", "text", event_id, text)) < 0)
		return r;
	*ret_id = cid;
	return cases_written(db, ctx, case_id, "case.event_correct", "kind=%s event=%lld correction=%lld", e->kind,
			     (long long)event_id, (long long)cid);
}

int svc_case_event_correct(const struct svc_ctx *ctx, int64_t id, int64_t event_id, const json_t *body,
			   struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	struct entry e = {.text = NULL};
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0 || (r = load_entry(db, ctx->app, id, event_id, &e)) < 0)
		return r;
	if ((r = may_correct(ctx, id, &e, cf)) < 0)
		goto done;
	schema_check(&svc_case_event_correct_schema, body, errs);
	const char *text = json_string_value(json_object_get(body, "text"));
	if (text && blank(text))
		field_error_add(errs, "text", "write the corrected text");
	else if (text && e.text && strcmp(text, e.text) == 0)
		field_error_add(errs, "text", "is the same as the entry: change the text to correct it");
	if (field_errors_any(errs)) {
		r = ERR_INVAL;
		goto done;
	}
	int64_t cid = 0;
	RACE();
	if ((r = db_begin(db)) < 0 || (r = cases_end(db, note_write(ctx, db, id, event_id, &e, text, cf, &cid))) < 0)
		goto done;
	*ret = json_pack("{s:I, s:I}", "id", (json_int_t)event_id, "correction_id", (json_int_t)cid);
	r = *ret ? 0 : ERR_NOMEM;
done:
	free(e.text);
	return r;
}

/* ---- the time a child was located ---- */

/* The first time the child's return was recorded (a debrief or re-screen
 * that met its duty), or 0: a located time may not be after it. */
static int first_return(struct db *db, int64_t eid, hl_time *ret)
{
	char *first = NULL;
	int r = db_textf(db, &first,
			 "SELECT min(met_at) FROM duty WHERE subject_type = 'missing_episode' AND subject_id = ?"
			 " AND kind IN (?, ?) AND met_at IS NOT NULL",
			 "itt", eid, duty_kind_to_string(DUTY_RETURN_DEBRIEF), duty_kind_to_string(DUTY_RETURN_RESCREEN));
	*ret = 0;
	if (r == 0 && first && time_parse(first, ret) < 0)
		r = ERR_DB;
	free(first);
	return r == ERR_NOTFOUND ? 0 : r;
}

static int located_write(const struct svc_ctx *ctx, struct db *db, int64_t id, const struct episode *e, hl_time to,
			 const char *reason, struct case_conflict *cf)
{
	char ts[32], to_ts[32], from_ts[32];
	time_strs(to, ts, to_ts);
	time_str(e->located_at, from_ts);
	int64_t n = 0;
	int r = db_execnf(db, &n,
			  "UPDATE missing_episode SET located_at = ?, updated_at = ? WHERE id = ? AND located_at = ?"
			  " RETURNING id",
			  "ttit", to_ts, ts, e->id, from_ts);
	if (r < 0)
		return r;
	if (!n) {
		cases_conflict(cf, "Someone else changed this missing episode since you opened it: reload the case.");
		cases_stale(cf);
		return ERR_CONFLICT;
	}
	const struct time_correction c = {.case_id = id, .subject_type = "missing_episode", .subject_id = e->id,
					  .field = "located_at", .subject_key = "missing_episode_id",
					  .earlier = e->located_at, .to = to, .reason = reason};
	if ((r = duty_shift(db, DUTY_RETURN_DEBRIEF, "missing_episode", e->id, to - e->located_at)) < 0 ||
	    (r = duty_shift(db, DUTY_RETURN_RESCREEN, "missing_episode", e->id, to - e->located_at)) < 0 ||
	    (r = correction_time_keep(db, ctx, &c)) < 0)
		return r;
	return cases_written(db, ctx, id, "missing.locate_correct", "episode=%lld from=%s to=%s", (long long)e->id,
			     from_ts, to_ts);
}

int svc_missing_locate_correct(const struct svc_ctx *ctx, int64_t id, int64_t episode_id, const json_t *body,
			       struct field_errors *errs, struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	struct episode e;
	hl_time back = 0, to = 0;
	int r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL);
	if (r < 0 || (r = cases_load_episode(db, id, episode_id, &e)) < 0 || (r = first_return(db, episode_id, &back)) < 0)
		return r;
	if (!e.located) {
		cases_conflict(cf, "The child has not been located yet: mark the child located instead.");
		return ERR_CONFLICT;
	}
	r = correction_time_input(body, &svc_missing_locate_correct_schema, "located_at", e.last_seen,
				  "before the child was last seen", e.located_at, errs, &to);
	if (r == 0 && back && to > back) {
		field_error_add(errs, "located_at", "after the child's return was already recorded (a debrief or re-screen)");
		r = ERR_INVAL;
	}
	if (r < 0)
		return r;
	if ((r = db_begin(db)) < 0 ||
	    (r = cases_end(db, located_write(ctx, db, id, &e, to, cases_str(body, "reason"), cf))) < 0)
		return r;
	char to_ts[32];
	time_str(to, to_ts);
	*ret = json_pack("{s:I, s:s}", "id", (json_int_t)episode_id, "located_at", to_ts);
	return *ret ? 0 : ERR_NOMEM;
}
