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
#include "model/duty.h"
#include "model/pack.h"
#include "service/ctx.h"
#include "service/page.h"

struct db;
struct db_stmt;

/* Bind kind's stored name (duty.kind) to parameter i of st; on failure st
 * is finalized and the error returned. */
int duty_bind_kind(struct db_stmt *st, int i, enum duty_kind kind);

/* Open a duty, inside the caller's transaction. owner_id 0: the case's
 * lead, else the user who opened the case. Opening the same (kind,
 * subject_type, subject_id) again changes nothing and answers the
 * existing id. */
int duty_open(struct db *db, int64_t case_id, enum duty_kind kind, const char *subject_type, int64_t subject_id,
	      hl_time starts_at, hl_time due_at, int64_t owner_id, int64_t *ret_id);

/* The same as duty_open for a duty with a name (and basis, may be NULL)
 * of its own, such as a plan's review ("Review the safety plan"). */
int duty_open_named(struct db *db, int64_t case_id, enum duty_kind kind, const char *name, const char *basis,
		    const char *subject_type, int64_t subject_id, hl_time starts_at, hl_time due_at, int64_t owner_id,
		    int64_t *ret_id);

/* Move the due time of an unmet duty (a backdated identification). */
int duty_move(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id, hl_time due_at);

/* Meet the unmet duty (kind, subject_type, subject_id) at met_at, inside the
 * caller's transaction. *ret_id: the duty met, 0 when there was none. */
int duty_meet(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id, hl_time met_at,
	      int64_t met_by, int64_t *ret_id);

/* The same as duty_open for a duty the pack names (kind is a pack deadline
 * id): the duty keeps the pack's name and basis, and its due time is
 * starts_at plus the pack's minutes. ERR_NOTFOUND when the pack has no such
 * deadline. */
int duty_open_pack(struct db *db, const struct pack *pack, int64_t case_id, enum duty_kind kind,
		   const char *subject_type, int64_t subject_id, hl_time starts_at, int64_t owner_id, int64_t *ret_id);

/* The unmet duty (kind, subject_type, subject_id): its id and due time;
 * ERR_NOTFOUND when there is none. */
int duty_find_unmet(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id,
		    int64_t *ret_id, hl_time *ret_due);

/* A corrected start (a child located at another time): the duty (kind,
 * subject_type, subject_id), met or not, starts and falls due by the same
 * amount later (delta may be negative); unmet and moved into the future,
 * its notices may be sent again. No duty: 0. Its standing is computed
 * from the new due time when read. */
int duty_shift(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id, hl_time delta);

/* A corrected fulfilment (an action item done at another time): the met
 * duty (kind, subject_type, subject_id) is met at met_at instead. No met
 * duty: 0. */
int duty_remeet(struct db *db, enum duty_kind kind, const char *subject_type, int64_t subject_id, hl_time met_at);

/* Give a case's unmet duties (not action items, whose owner is named) to
 * the new owner, when the case's lead changes. */
int duty_reassign(struct db *db, int64_t case_id, int64_t owner_id);

/* One duty as answered by the API (docs/cases.md, "A deadline"); NULL when
 * there is no such duty. The owner's display name is sealed: duty_json_by_id
 * answers it as null, duty_json (with the app that holds the key) opened. */
json_t *duty_json_by_id(struct db *db, int64_t duty_id, hl_time now);
json_t *duty_json(struct db *db, struct app *app, int64_t duty_id, hl_time now);

/* Duties as answered by the API, overdue first, then open by due time,
 * then met, appended to out. status as in struct deadline_filter, or
 * "due_soon": unmet and due within due_within microseconds from now.
 * region NULL: any; case_id 0: any. Reads only: the caller checks
 * permission and audits. */
int duty_select(struct db *db, struct app *app, const char *status, const char *region, int64_t case_id,
		int64_t due_within, int limit, hl_time now, json_t *out);

struct deadline_filter {
	const char *status; /* open, overdue, met_on_time, met_late, unmet; NULL: all */
	const char *region;
	int64_t case_id; /* 0: any */
	struct page_query page;
};

/* GET /api/v1/deadlines (PERM_DEADLINES_READ; a liaison: its region), a
 * page at a time (service/page.h), by due time (default; for unmet duties
 * that is overdue first) or id. Audited. */
int svc_deadlines_list(const struct svc_ctx *ctx, const struct deadline_filter *f, struct field_errors *errs,
		       json_t **ret);

struct sweep_result {
	int due_soon; /* duties that got their reminder in this sweep */
	int overdue;  /* duties that got their overdue notice */
};

/* Notify owners and HART of duties coming due and overdue, each once
 * (docs/cases.md). The server runs it every --sweep-seconds;
 * `hartline deadlines sweep` once. ERR_BUSY, with nothing done, while
 * another server on the same PostgreSQL database is sweeping. */
int svc_deadlines_sweep(struct app *app, hl_time now, struct sweep_result *ret);

/* The sweeps that several servers on one PostgreSQL database take turns
 * at: each holds its advisory lock (key "hart" << 32 | the sweep) for its
 * transaction. */
enum sweep_lock { SWEEP_LOCK_DEADLINES = 1, SWEEP_LOCK_INFORMED = 2 };
/* In the sweep's open transaction: 0 with the lock, ERR_BUSY when another
 * server holds it (nothing to do here then), 0 at once on SQLite. */
struct db;
int svc_sweep_lock(struct db *db, enum sweep_lock which);
