/* child: a child's own page, and merging two records of one child
 * (docs/recovery.md, "The child's page", "Merging records").
 *
 * The page is one document about one registry person: the child (names
 * opened from sealed columns), the names each report used, every report
 * and case, placements and missing episodes from the cases, services,
 * plans, record relief, the merges, and one timeline of them all by date.
 * Scope is that of cases: HART everything; a liaison what its region's
 * reports and cases hold (a child with nothing there is not found); an MDT
 * member the cases its team reviews, in the MDT view, and no report.
 * Records a court vacated or erased show as "Restricted record" until the
 * reader breaks the glass (service/relief.h).
 *
 * A merge repoints every row that names the merged record to the kept one
 * and records each row it moved, so that undoing it puts back exactly
 * those rows, and no row linked since. Both are audited with the reason
 * sealed, and the identity registry follows (service/persons.h). */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "model/schema.h"
#include "service/cases.h"
#include "service/ctx.h"

/* The child's page (PERM_PERSONS_READ), audited as person.read. A record
 * merged into another answers {id, merged_into} (the kept record, when it
 * is in scope). ERR_NOTFOUND for no such person or one out of scope. */
int svc_person_page(const struct svc_ctx *ctx, int64_t id, json_t **ret);

/* Merge record other_id into id (PERM_PERSONS_MERGE): body {other_id,
 * reason}. Answers {id (the merge), kept_id, merged_id, moved}. ERR_INVAL
 * with errs; ERR_CONFLICT with cf when either record is already merged or
 * both have an open case (cf->detail names the cases). */
extern const struct schema svc_person_merge_schema;
int svc_person_merge(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		     struct case_conflict *cf, json_t **ret);

/* Undo merge mid (PERM_PERSONS_MERGE): body {reason}. Answers {id,
 * kept_id, merged_id, restored}. ERR_CONFLICT when it was undone already,
 * or the kept record has since been merged into another (undo that
 * first). */
extern const struct schema svc_person_merge_undo_schema;
int svc_person_merge_undo(const struct svc_ctx *ctx, int64_t mid, const json_t *body, struct field_errors *errs,
			  struct case_conflict *cf, json_t **ret);

#ifdef HARTLINE_TEST_HOOKS
struct db;
/* Tests only: called inside a merge's or an undo's transaction between its
 * checks and its writes, as another merge or undo committed there would
 * be (NULL: nothing). */
extern void (*persons_merge_race)(struct db *db);
#endif
