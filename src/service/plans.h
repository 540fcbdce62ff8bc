/* svc_plans: a case's safety plan and service plan (docs/recovery.md,
 * "Safety and service plans"). A plan is its latest version: every save is
 * a new row of case_plan, its body (the goals, the services that serve
 * each, who is responsible, target dates) sealed JSON, its next review
 * date in the clear. A review date is a duty (DUTY_PLAN_REVIEW) whose
 * subject is the version; a new version meets the open review and opens
 * the next.
 *
 * Scope as for reading a case (a liaison its region, an mdt user the cases
 * its team reviews); writes by HART and the liaison of the case's region.
 * Every read and write is audited (plan.read, plan.write). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/json.h"
#include "model/schema.h"
#include "service/cases.h"
#include "service/ctx.h"

/* The two kinds, as they appear in the path. */
#define PLAN_KIND_SAFETY "safety"
#define PLAN_KIND_SERVICE "service"

/* A version as answered: {case {id, number}, kind, version, current,
 * goals [{goal, services [ids], responsible, target_date}], review_at,
 * written_by {id, username, display_name}, written_at, review_duty
 * {id, due_at, status, met_at} (not in the MDT view)}. */

/* GET /api/v1/cases/{id}/plans (PERM_PLANS_READ). *ret: {safety, service},
 * each the current version or null. */
int svc_plans_get(const struct svc_ctx *ctx, int64_t case_id, json_t **ret);

/* GET /api/v1/cases/{id}/plans/{kind}. *ret: {kind, current (a version or
 * null), versions [{version, written_by {id, display_name}, written_at,
 * review_at}], newest first}. ERR_NOTFOUND for another kind. print: the
 * read is for printing (the audit record says so). */
int svc_plan_get(const struct svc_ctx *ctx, int64_t case_id, const char *kind, bool print, json_t **ret);

/* GET /api/v1/cases/{id}/plans/{kind}/versions/{n}: version n.
 * ERR_NOTFOUND when there is none. */
int svc_plan_version(const struct svc_ctx *ctx, int64_t case_id, const char *kind, int64_t n, bool print,
		     json_t **ret);

/* PUT /api/v1/cases/{id}/plans/{kind} (PERM_PLANS_WRITE). body {version
 * (the current version, 0 when none), goals [{goal, services, responsible,
 * target_date?}], review_at? (YYYY-MM-DD; default today + the pack's
 * plan_review_days)}. *ret: the new version. ERR_INVAL with errs (each
 * goal named "Goal N: ..."); ERR_CONFLICT with cf->slug "stale-version"
 * when version is not the current one, "conflict" on a closed case. */
int svc_plan_put(const struct svc_ctx *ctx, int64_t case_id, const char *kind, const json_t *body,
		 struct field_errors *errs, struct case_conflict *cf, json_t **ret);
extern const struct schema svc_plan_put_schema;
