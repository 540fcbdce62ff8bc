/* relief: record relief for a child, the records it restricts, and
 * breaking the glass to read one (docs/recovery.md, "Record relief").
 *
 * A relief record is a conviction or adjudication that may be vacated
 * (C.G.S. 54-95c) or erased (P.A. 15-195): the court, the docket number
 * (sealed), the offence (the pack's relief_offences), its date, the kind,
 * the status (model/reliefstate.h) with its dates, the outcome and the
 * affirmative-defence notes (sealed), and the reports and cases it is
 * about. Once it is granted those reports and cases are restricted: a read
 * answers ERR_RESTRICTED (403, problem type "restricted") unless the
 * reader has broken the glass on that record within the last hour, with a
 * reason, audited, and HART told. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/schema.h"
#include "service/cases.h"
#include "service/ctx.h"

struct db;

/* A child's relief records (PERM_RELIEF_READ; a liaison: a child its
 * region holds, else ERR_NOTFOUND): a page of q (service/page.h), oldest
 * first by id, the one order. A bad limit, sort or after is ERR_INVAL
 * with errs. */
int svc_relief_list(const struct svc_ctx *ctx, int64_t person_id, const struct page_query *q,
		    struct field_errors *errs, json_t **ret);

/* Record one (PERM_RELIEF_WRITE): body {court, docket?, offence,
 * offence_date?, relief_kind?, defence_notes?, links?: [{kind, id}]}. It
 * starts identified. Answers the record. */
extern const struct schema svc_relief_create_schema;
int svc_relief_create(const struct svc_ctx *ctx, int64_t person_id, const json_t *body, struct field_errors *errs,
		      json_t **ret);

/* Change one (PERM_RELIEF_WRITE): body {version, status?, the dates, and
 * any field of create}. A stale version: ERR_CONFLICT, cf->slug
 * "stale-version"; a move the lifecycle does not allow: cf->slug
 * "illegal-transition" with allowed. Answers the record. */
extern const struct schema svc_relief_update_schema;
int svc_relief_update(const struct svc_ctx *ctx, int64_t rid, const json_t *body, struct field_errors *errs,
		      struct case_conflict *cf, json_t **ret);

/* Break the glass (PERM_PERSONS_READ, then the record's own read
 * permission and scope): body {kind: intake|case, id, reason (10
 * characters or more)}. The user may read that record for the next 60
 * minutes; audited, and every other HART user told in the app and by
 * e-mail, without the child's name. ERR_NOTFOUND out of scope;
 * ERR_CONFLICT when the record is not restricted. Answers {id, kind,
 * object_id, expires_at}. */
extern const struct schema svc_break_glass_schema;
int svc_break_glass(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret);

/* ---- for the services that read reports and cases ---- */

/* Whether report ("intake") or case ("case") id is restricted by relief
 * granted. */
int relief_restricted(struct db *db, const char *kind, int64_t id, bool *ret);
/* Whether the actor may read it now: 0 when it is not restricted or the
 * actor broke the glass on it within the hour; ERR_RESTRICTED (the refusal
 * audited) when not. */
int relief_read_check(const struct svc_ctx *ctx, struct db *db, const char *kind, int64_t id);
/* Whether the actor holds an open break-the-glass grant on it. */
int relief_glass_open(const struct svc_ctx *ctx, struct db *db, const char *kind, int64_t id, bool *ret);

/* For GET /api/v1/config: the statuses, each {id, label, allowed}, and
 * the kinds, each {id, label}; NULL when out of memory. */
json_t *relief_statuses_json(void);
json_t *relief_kinds_json(void);
