/* cases_int.h: what the parts of the case service (src/service/cases/)
 * share. Its public interface is service/cases.h; one file per use case:
 * access.c (scope, timeline, the end of a write), open.c, join.c, read.c
 * (one case, the list), update.c, event.c, reports.c, episodes.c, rapid.c,
 * dashboard.c, assign.c (lead and workers), close.c (closing, reopening),
 * mine.c (my cases, my duties, the caseload), print.c (the summary). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "model/access.h"
#include "model/duty.h"
#include "model/pack.h"
#include "model/schema.h"
#include "service/casehead.h"
#include "service/cases.h"
#include "service/counts.h"
#include "service/ctx.h"

struct db;
struct db_stmt;

#define MINUTE (60 * HL_USEC_PER_SEC)
#define MAX_TEXT 20000
#define MAX_SHORT 200

/* ---- small helpers ---- */

static inline void fmt_id(char out[24], int64_t id)
{
	snprintf(out, 24, "%lld", (long long)id);
}

static inline bool in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static inline json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static inline void time_str(hl_time t, char out[32])
{
	time_format(t, out, 32);
}

/* The time now, for updated_at, and the time at which a thing happened. */
static inline void time_strs(hl_time at, char now_out[32], char at_out[32])
{
	time_str(now(), now_out);
	time_str(at, at_out);
}

/* A refusal with ERR_CONFLICT: why, for the caller's 409. cf may be NULL. */
void cases_conflict(struct case_conflict *cf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The conflict is someone else's write since the client read the case. */
void cases_stale(struct case_conflict *cf);

/* ---- input and the end of a write ---- */

/* The time at key (checked by the schema), not in the future: true and
 * *ret (to the second) when there is one, false when absent or refused. */
bool cases_time_past(const json_t *body, const char *key, hl_time t, struct field_errors *errs, hl_time *ret);
/* Check body against sc, then key as a past time (cases_time_past) not
 * before floor (else the message before). 0, or ERR_INVAL with errs. */
struct schema;
int cases_end_time(const json_t *body, const struct schema *sc, const char *key, hl_time floor, const char *before,
		   struct field_errors *errs, hl_time *ret);
/* The string at key, NULL when absent, null or "". */
const char *cases_str(const json_t *body, const char *key);
/* The end of a write: commit when r is not an error, else roll back. r, or
 * the commit's error. */
int cases_end(struct db *db, int r);

/* ---- the case, its scope, its timeline (access.c) ---- */

/* Permission, then the case, then its scope: a liaison its region, an mdt
 * user the cases its team reviews (*ret_mdt: answer the MDT view). A case
 * outside the scope is refused and the denial audited. */
int cases_access(const struct svc_ctx *ctx, enum perm perm, int64_t id, struct db **ret_db, struct case_head *h,
		 bool *ret_mdt);
/* The first steps of a write to case id: permission and scope
 * (cases_access), then the body against s: ERR_INVAL with the errors in
 * errs, to which the caller adds its own before it answers. */
int cases_write_enter(const struct svc_ctx *ctx, int64_t id, const struct schema *s, const json_t *body,
		      struct field_errors *errs, struct db **ret_db, struct case_head *h);
/* Append one event to the timeline, its text sealed. Inside the caller's
 * transaction. data (may be NULL) is not taken. */
int cases_event_add(struct db *db, struct app *app, int64_t case_id, const char *kind, hl_time occurred, int64_t by,
		    bool shared, const json_t *data, const char *text, int64_t *ret_id);
/* An event recorded by the actor, not shared, its data packed by fmt
 * (json_pack). */
int cases_event_packf(struct db *db, const struct svc_ctx *ctx, int64_t case_id, const char *kind, hl_time occurred,
		      const char *fmt, ...);
/* The last steps of every write to case id: its version bumped and the
 * audit record of action, its detail by fmt. */
int cases_written(struct db *db, const struct svc_ctx *ctx, int64_t id, const char *action, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* ---- reading (read.c) ---- */

/* Set "missing_for_minutes" on e: from last seen to located, else to t. */
int cases_missing_for_json(json_t *e, const char *last_seen_at, const char *located_at, hl_time t);
/* Rows of a list that each show a child: gathered while their statement
 * is open, then the restricted ones and the children's names read for the
 * whole page at once (a statement each per 100 rows, not per row). */
struct cases_row {
	int64_t person;
	json_t *j;
};
struct cases_rows {
	struct cases_row *v;
	size_t n, cap;
};
/* Add row j (taken, even on error) for person. */
int cases_rows_add(struct cases_rows *rows, int64_t person, json_t *j);
/* Set each row's "child" and append the rows to out, while r (the error
 * that ended the gathering, if any) is not an error; the rows are freed
 * either way. 0 or the first error. */
int cases_rows_finish(struct db *db, struct app *app, struct cases_rows *rows, int r, json_t *out);
/* The statuses a case in status may move to, as a new array. */
json_t *cases_allowed_json(const char *status);
/* The case as answered: the full view, or the MDT view of team_code. */
int cases_json(struct db *db, struct app *app, int64_t id, bool mdt, const char *team_code, json_t **ret);
/* The case without the child: number, status, version, lead, assignments. */
int cases_staff_json(struct db *db, struct app *app, int64_t id, json_t **ret);

/* ---- reports (reports.c) ---- */

/* Mark each law-enforcement report in reports (as cases_reports_json
 * answers them) made before the child was identified. */
int cases_mark_before_identification(const struct case_head *h, json_t *reports);
/* On first identification, a report already on the case meets the new duty. */
int cases_meet_with_recorded_report(struct db *db, const struct pack *pack, int64_t case_id, hl_time ident);
/* The case's mandated reports, oldest first, appended to out. */
int cases_reports_json(struct db *db, struct app *app, int64_t case_id, json_t *out);

/* ---- rapid responses (rapid.c) ---- */

/* The case's rapid responses, oldest first, appended to out. */
int cases_rapids_json(struct db *db, struct app *app, int64_t case_id, json_t *out);

/* ---- reports joining a case (join.c) ---- */

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

/* Report id and its child at position child; ERR_NOTFOUND when no report. */
int cases_load_intake(struct db *db, int64_t id, int child, struct intake_for_case *it);
/* The report says the child is a suspected victim: identify it. Inside the
 * caller's transaction. */
int cases_identify_from_intake(struct db *db, const struct svc_ctx *ctx, int64_t case_id,
			       const struct intake_for_case *it, const char *from);
/* The report joins a case (once). *ret_added: false when it was there. */
int cases_join_intake(struct db *db, const struct svc_ctx *ctx, int64_t case_id, int64_t intake_id, int child,
		      const char *intake_number, hl_time at, bool *ret_added);

/* ---- missing episodes (episodes.c) ---- */

struct episode {
	int64_t id;
	bool located;
	hl_time last_seen, learned, located_at;
};

/* Episode eid of case case_id; ERR_NOTFOUND when the case has no such one. */
int cases_load_episode(struct db *db, int64_t case_id, int64_t eid, struct episode *e);

/* ---- who works a case (assign.c) ---- */

/* Whether a user of role and scope may lead a case of region. */
bool cases_may_lead(const char *role, const char *scope, const char *region);
/* Add a field error at key unless user may lead a case of region. 0, or a
 * database error. */
int cases_check_lead(struct db *db, int64_t user, const char *region, const char *key, struct field_errors *errs);
/* Make user (0: nobody) the lead of case h: the lead before ends, the
 * case's duties move, the timeline says so. Inside the caller's
 * transaction; the caller writes the audit record. */
int cases_set_lead(struct db *db, const struct svc_ctx *ctx, const struct case_head *h, int64_t user);
/* The case's assignments, current first, then past ones newest first. */
int cases_assignments_json(struct db *db, struct app *app, int64_t case_id, json_t *out);


/* ---- closing (close.c) ---- */

/* Close case h with reason (of the pack's list): refused with ERR_CONFLICT
 * and cf->open_work while it has open duties or active referrals, unless
 * anyway says why it closes all the same (sealed on the timeline). Inside
 * the caller's transaction; detail gets what the audit record says. */
struct buf;
int cases_close(struct db *db, const struct svc_ctx *ctx, const struct case_head *h, const char *reason,
		const char *anyway, hl_time t, struct case_conflict *cf, struct buf *detail);
/* The closure reason of a closed case on j (the full view). */
int cases_closure_json(struct db *db, int64_t id, json_t *j);
