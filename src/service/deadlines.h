/* svc_deadlines: one service over every duty with a due time (docs/cases.md):
 * the federal 24-hour reports, the return debrief and re-screen, the rapid
 * response target and MDT action items. A duty has a case, a kind (a pack
 * deadline id, or "action_item"), a subject (the case, a missing episode, a
 * rapid response or an action item), a due time, an owner, and the time it
 * was met. Its status is computed when read: open, overdue, met_on_time,
 * met_late. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/json.h"
#include "service/ctx.h"

struct db;

/* Open a duty, inside the caller's transaction. owner_id 0: the case's
 * lead, else the user who opened the case. Opening the same (kind,
 * subject_type, subject_id) again changes nothing and answers the
 * existing id. */
int duty_open(struct db *db, int64_t case_id, const char *kind, const char *subject_type, int64_t subject_id,
	      hl_time starts_at, hl_time due_at, int64_t owner_id, int64_t *ret_id);

/* Move the due time of an unmet duty (a backdated identification). */
int duty_move(struct db *db, const char *kind, const char *subject_type, int64_t subject_id, hl_time due_at);

/* Meet the unmet duty (kind, subject_type, subject_id) at met_at, inside the
 * caller's transaction. *ret_id: the duty met, 0 when there was none. */
int duty_meet(struct db *db, const char *kind, const char *subject_type, int64_t subject_id, hl_time met_at,
	      int64_t met_by, int64_t *ret_id);

/* One duty as answered by the API (docs/cases.md, "A deadline"). */
json_t *duty_json_by_id(struct db *db, int64_t duty_id, hl_time now);

struct deadline_filter {
	const char *status; /* open, overdue, met_on_time, met_late, unmet; NULL: all */
	const char *region;
	int64_t case_id; /* 0: any */
	int limit;       /* 1..500; 0: 200 */
};

/* GET /api/v1/deadlines (PERM_DEADLINES_READ; a liaison: its region).
 * Overdue first, then open by due time, then met. Audited. */
int svc_deadlines_list(const struct svc_ctx *ctx, const struct deadline_filter *f, struct field_errors *errs,
		       json_t **ret);

struct sweep_result {
	int due_soon; /* duties that got their reminder in this sweep */
	int overdue;  /* duties that got their overdue notice */
};

/* Notify owners and HART of duties coming due and overdue, each once
 * (docs/cases.md). The server runs it every --sweep-seconds;
 * `hartline deadlines sweep` once. */
int svc_deadlines_sweep(struct app *app, hl_time now, struct sweep_result *ret);
