/* svc_intake: Careline reports. Every report is recorded, its children
 * checked against the known children, screened, routed to a region, and
 * given a disposition; an accepted suspected CSEC/DMST report notifies HART
 * and the region's liaisons.
 *
 * Read models are answered as JSON documents (jansson), built here from
 * opened sealed columns; the handlers pass them on. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/json.h"
#include "model/schema.h"
#include "service/ctx.h"
#include "service/page.h"

struct intake_created {
	int64_t id;
	char number[24];
	bool replayed; /* the Idempotency-Key named an earlier report */
};

/* Record a report (PERM_INTAKE_WRITE). body as documented in
 * docs/openapi.yaml; every problem goes to errs with its path and nothing is
 * stored. idem_key (may be NULL) makes a repeated submission of the same
 * body answer the first report; ERR_EXISTS, and nothing stored, when the
 * key was used for another body. */
extern const struct schema svc_intake_create_schema;
int svc_intake_create(const struct svc_ctx *ctx, const json_t *body, const char *idem_key, struct field_errors *errs,
		      struct intake_created *ret);

struct intake_filter {
	const char *status; /* "open" (no disposition; default), "decided", "all" */
	const char *region; /* a region id, or "none" for the statewide queue */
	int64_t older_than_minutes; /* 0: any */
	const char *q;      /* a report number (whole), or a child's name */
	const char *received_from, *received_to; /* YYYY-MM-DD, both days included */
	struct page_query page;
};

/* The queue, a page at a time ({items, next, deadline_minutes},
 * service/page.h), oldest first unless sorted by -received_at, number or
 * id, with each report's age and whether it is past the pack's
 * disposition deadline. A liaison sees its region only. A name in q goes
 * through the identity registry to the children linked to a known child;
 * a restricted report is never found by a child's name. */
int svc_intake_list(const struct svc_ctx *ctx, const struct intake_filter *f, struct field_errors *errs,
		    json_t **ret);
/* The list's sorts, for its cursors (service/page.h). */
extern const struct page_list intakes_page_list;

/* One report with its children, screenings and dispositions; audited. */
int svc_intake_get(const struct svc_ctx *ctx, int64_t id, json_t **ret);

/* Known children who may be child number `child` (0-based) of a report. */
int svc_intake_candidates(const struct svc_ctx *ctx, int64_t id, int child, json_t **ret);

/* Link a child of a report to a known person, or record it as a new one
 * (person_id 0). */
extern const struct schema svc_intake_link_schema;
int svc_intake_link(const struct svc_ctx *ctx, int64_t id, int child, int64_t person_id, struct field_errors *errs,
		    int64_t *ret_person);

/* Link child `child` of report id to a new person recorded from what the
 * report says, as svc_intake_link with person_id 0 does, for a caller that
 * has checked its own permission and scope (the cases service, opening a
 * case from the report). Inside the caller's open transaction: the caller
 * commits, then joins the person to the registry (persons_register_id). */
int intake_child_new_person(const struct svc_ctx *ctx, int64_t id, int child, struct field_errors *errs,
			    int64_t *ret_person);

/* Screen a report with one of the pack's instruments (PERM_INTAKE_WRITE);
 * the instrument's id and version are stored with the answers and the
 * computed level. ret: the stored screening. */
extern const struct schema svc_intake_screen_schema;
int svc_intake_screen(const struct svc_ctx *ctx, int64_t id, const char *instrument, const json_t *answers,
		      struct field_errors *errs, json_t **ret);

/* Record a decision. body: {disposition, reason?, jurisdiction?,
 * supervisor?, supervisor_reason?, version}. */
extern const struct schema svc_intake_dispose_schema;
int svc_intake_dispose(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs);

/* The signed-in user's notifications, a page at a time, newest first
 * ({items, next, unread}: unread counts them all), and marking one read. */
int svc_notifications_list(const struct svc_ctx *ctx, bool unread_only, const struct page_query *q,
			   struct field_errors *errs, json_t **ret);
int svc_notification_read(const struct svc_ctx *ctx, int64_t id);
/* Mark every unread notification of the caller read; *ret_n how many. */
int svc_notifications_read_all(const struct svc_ctx *ctx, int64_t *ret_n);
