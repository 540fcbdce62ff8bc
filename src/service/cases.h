/* svc_cases: one child's HART response (docs/cases.md): opening a case
 * from an accepted report (or directly), reports joining it, its status and
 * victim status, the timeline, mandated reports, missing episodes, rapid
 * responses, and the HART dashboard.
 *
 * Every call checks its permission first and the case's scope (a liaison:
 * its region; an mdt user: the cases its team reviews, through the MDT
 * view), writes in one transaction with its audit record, and answers JSON
 * documents built from opened sealed columns. Bad input goes to errs
 * (ERR_INVAL, nothing stored): each body is checked against the schema
 * declared beside its use case (model/schema.h), then against what only
 * the service can judge (the pack's values, transitions, times not in the
 * future). ERR_CONFLICT comes with a struct
 * case_conflict that says why. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "service/page.h"

#include "base/clock.h"
#include "base/json.h"
#include "service/casehead.h"
#include "model/schema.h"
#include "service/ctx.h"

struct db;

/* Why a change was refused with ERR_CONFLICT. slug: "conflict" (a stale
 * version, a closed case, an episode already located ...) or
 * "illegal-transition", then allowed is a new array of the statuses allowed
 * from the current one (the caller frees it with json_decref). */
struct case_conflict {
	const char *slug;
	char detail[256];
	json_t *allowed;
	/* "open-work" (a case closed with open duties or active referrals):
	 * {duties, referrals}, members of the answer; the caller frees it. */
	json_t *open_work;
};

struct case_opened {
	int64_t id;
	char number[24];
	int64_t version;
	bool joined; /* the report joined the child's case that was not closed */
};

/* POST /api/v1/cases (PERM_CASES_OPEN): {intake_id, child?, region?} or, by
 * HART only, {person_id, region}. */
int svc_case_open(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs,
		  struct case_conflict *cf, struct case_opened *ret);
extern const struct schema svc_case_open_schema;

struct case_filter {
	const char *status; /* open (not closed; default), closed, all, or one status */
	const char *region;
	bool missing;       /* only cases with a child missing now */
	const char *q;      /* a case number (whole), or a child's name */
	const char *opened_from, *opened_to; /* YYYY-MM-DD, both days included */
	int64_t lead;       /* the lead worker's user id; 0: any */
	struct page_query page;
};

/* GET /api/v1/cases (PERM_CASES_READ): a liaison its region, an mdt user
 * its team's cases in the MDT view, a page at a time ({items, next},
 * service/page.h), sorted by opened_at (default, newest first), number,
 * status, region or id. A name in q goes through the identity registry;
 * a restricted case is never found by its child's name. Audited
 * (case.list). */
int svc_case_list(const struct svc_ctx *ctx, const struct case_filter *f, struct field_errors *errs, json_t **ret);
/* The list's sorts, for its cursors (service/page.h). */
extern const struct page_list cases_page_list;

/* GET /api/v1/cases/{id} (PERM_CASES_READ): the full view, or for an mdt
 * user the MDT view. Audited (case.read). */
int svc_case_get(const struct svc_ctx *ctx, int64_t id, json_t **ret);

/* PATCH /api/v1/cases/{id} (PERM_CASES_WRITE). *ret: the case. Closing
 * takes a closure_reason of the pack's list; a case with open duties or
 * active referrals closes only with close_anyway (why), else ERR_CONFLICT
 * with the slug "open-work" and cf->open_work. */
int svc_case_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret);
extern const struct schema svc_case_update_schema;

/* POST /api/v1/cases/{id}/events. *ret: {id, met: [duty ids]}. */
int svc_case_event(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		   struct case_conflict *cf, json_t **ret);
/* Every key any kind takes; which kind takes which is checked in code. */
extern const struct schema svc_case_event_schema;

/* POST /api/v1/cases/{id}/events/{eid}/corrections (PERM_CASES_WRITE): a
 * timeline entry's text corrected by its author, within the pack's
 * cases.note_correction_hours of writing it; the earlier text is kept.
 * Another user: ERR_PERM (audited) with why in cf->detail; past the window
 * or an entry hartline wrote: ERR_CONFLICT. *ret: {id, correction_id}. */
int svc_case_event_correct(const struct svc_ctx *ctx, int64_t id, int64_t event_id, const json_t *body,
			   struct field_errors *errs, struct case_conflict *cf, json_t **ret);
extern const struct schema svc_case_event_correct_schema;
#ifdef HARTLINE_TEST_HOOKS
/* Tests only: called when a correction has read the entry and is about to
 * write, as another correction committed there would be (NULL: nothing). */
extern void (*cases_correct_race)(void);
#endif

/* POST /api/v1/cases/{id}/missing-episodes/{eid}/corrections
 * (PERM_CASES_WRITE): {located_at, reason}. The located time corrected,
 * the earlier one kept; the debrief and re-screen duties move with it.
 * *ret: {id, located_at}. */
int svc_missing_locate_correct(const struct svc_ctx *ctx, int64_t id, int64_t episode_id, const json_t *body,
			       struct field_errors *errs, struct case_conflict *cf, json_t **ret);
extern const struct schema svc_missing_locate_correct_schema;

/* POST /api/v1/cases/{id}/reports. *ret: {id, met: [duty ids]}. */
int svc_case_report(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret);
extern const struct schema svc_case_report_schema;

/* POST /api/v1/cases/{id}/missing-episodes and PATCH .../{eid}.
 * *ret: {id, duties: [duty ids]}. */
int svc_missing_start(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		      struct case_conflict *cf, json_t **ret);
int svc_missing_locate(const struct svc_ctx *ctx, int64_t id, int64_t episode_id, const json_t *body,
		       struct field_errors *errs, struct case_conflict *cf, json_t **ret);
extern const struct schema svc_missing_start_schema;
extern const struct schema svc_missing_locate_schema;

/* POST /api/v1/cases/{id}/rapid-responses and PATCH .../{rid}. *ret: the
 * rapid response. */
int svc_rapid_request(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		      struct case_conflict *cf, json_t **ret);
int svc_rapid_arrive(const struct svc_ctx *ctx, int64_t id, int64_t rapid_id, const json_t *body,
		     struct field_errors *errs, struct case_conflict *cf, json_t **ret);
extern const struct schema svc_rapid_request_schema;
/* GET /api/v1/cases/{id}/rapid-offers: {offers: [...]}, the providers rapid
 * response dispatch offers for the case's region (providers_offers). The
 * request's answer carries the same offers. */
int svc_rapid_offers(const struct svc_ctx *ctx, int64_t id, json_t **ret);
extern const struct schema svc_rapid_arrive_schema;

/* GET /api/v1/dashboard (PERM_DEADLINES_READ; a liaison: its region).
 * Audited (dashboard.read). */
int svc_dashboard(const struct svc_ctx *ctx, json_t **ret);

/* ---- who works a case (assign.c) ---- */

/* POST /api/v1/cases/{id}/assignments (PERM_CASES_WRITE): {user_id, role:
 * lead or worker}. A new lead ends the lead before and takes the case's
 * duties. *ret: the case. Audited (case.assign). */
int svc_case_assign(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret);
extern const struct schema svc_case_assign_schema;
/* DELETE /api/v1/cases/{id}/assignments/{aid}: ends that assignment (the
 * lead's: the duties go back to whoever opened the case). *ret: the case.
 * Audited (case.unassign). body and errs are not used. */
int svc_case_unassign(const struct svc_ctx *ctx, int64_t id, int64_t aid, const json_t *body,
		      struct field_errors *errs, struct case_conflict *cf, json_t **ret);
/* GET /api/v1/cases/{id}/assignable (PERM_CASES_WRITE): {items, next}, the
 * people who may work the case, each with may_lead. */
int svc_case_assignable(const struct svc_ctx *ctx, int64_t id, const struct page_query *q,
			struct field_errors *errs, json_t **ret);

/* ---- my work and the caseload (mine.c) ---- */

/* GET /api/v1/me/cases (PERM_CASES_READ): the cases the actor leads or
 * works, in its scope, newest first (sort: id, number or assigned_at);
 * status open (default), closed or all. A page of q. Audited (case.list). */
int svc_my_cases(const struct svc_ctx *ctx, const char *status, const struct page_query *q,
		 struct field_errors *errs, json_t **ret);
/* GET /api/v1/me/duties (PERM_CASES_READ): the unmet duties the actor
 * owns, due first (sort: due_at or id). A page of q. Audited
 * (deadlines.list). */
int svc_my_duties(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs, json_t **ret);
/* GET /api/v1/caseload (PERM_CASELOAD_READ; a liaison: its region): each
 * worker's open cases, cases led, overdue duties and missing children.
 * A page of q (sort: id or username). Audited (caseload.read). */
int svc_caseload(const struct svc_ctx *ctx, const char *region, const struct page_query *q,
		 struct field_errors *errs, json_t **ret);

/* ---- reopening (close.c) ---- */

/* POST /api/v1/cases/{id}/reopen (PERM_CASES_REOPEN): {version, reason}.
 * The case returns to the status it had when it was closed. *ret: the
 * case. Audited (case.reopen). */
int svc_case_reopen(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret);
extern const struct schema svc_case_reopen_schema;

/* ---- printing (print.c) ---- */

/* GET /api/v1/cases/{id}/print?parts= (PERM_CASES_READ): the case as its
 * reader sees it, with what a printed summary needs: {case, parts,
 * printed_at, printed_by}. parts: a comma-separated list of facts,
 * duties, timeline and plan (NULL or "": all). Audited (case.print). */
int svc_case_print(const struct svc_ctx *ctx, int64_t id, const char *parts, struct field_errors *errs,
		   json_t **ret);
