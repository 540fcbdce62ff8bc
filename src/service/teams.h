/* svc_teams: the regional Multi-Disciplinary Teams, their members, and the
 * case reviews that put a case before a team (docs/cases.md, "MDT teams and
 * case reviews"). A review records who attended, what was decided (sealed)
 * and the action items, each of which is a duty in svc_deadlines.
 *
 * An mdt user's scope is its team's code: it reads its own team only, and
 * through teams_case_visible() the cases that team reviews. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "base/json.h"
#include "model/schema.h"
#include "service/ctx.h"

struct db;
struct db_stmt;

/* ---- for the cases service ---- */

/* 1 when the team with that code has a review of the case that is not
 * cancelled, 0 when not, <0 on error. */
int teams_case_visible(struct db *db, int64_t case_id, const char *team_code);

/* 1 when user_id is an active member of the team whose code is team_code,
 * 0 when not (removed, never added, no such team), <0 on error. An mdt
 * user's scope counts only while this holds, checked on every request. */
int teams_is_member(struct db *db, int64_t user_id, const char *team_code);

/* *ret: a new JSON array of the case's reviews (team_code NULL: every
 * team's; else only that team's), oldest first, each {id, team {id, code,
 * name}, case {id, number}, status, scheduled_at, held_at, attendees,
 * decisions (opened), action_items [{id, text, owner, owner_user_id,
 * due_at, done_at, duty_id}], created_at, updated_at, version}. Reads only;
 * the caller checks permission and audits. */
int teams_case_reviews_json(struct db *db, struct app *app, int64_t case_id, const char *team_code, json_t **ret);

/* ---- sealed names and contact details (members and contacts) ---- */

/* Open the sealed name, e-mail and telephone of row id of table (columns
 * name_sealed, email_sealed, phone_sealed, at cols[0..2] of st) into the
 * members name, email and phone of into (null when none). */
int teams_open_person(struct app *app, struct db_stmt *st, const int cols[3], const char *table, int64_t id,
		      json_t *into);

/* Seal name, e-mail and telephone (NULL or "": none) into row id of table,
 * inside the caller's transaction. */
int teams_seal_person(struct db *db, struct app *app, const char *table, int64_t id, const char *name,
		      const char *email, const char *phone);

/* Sort an array of objects by their "name", then "id". */
int teams_sort_by_name(json_t *a);

/* ---- teams and members ---- */

/* GET /api/v1/teams (PERM_TEAMS_READ): every team, an mdt user its own,
 * a page at a time (service/page.h), sorted by code (default), name,
 * region or id. */
struct page_query;
int svc_teams_list(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs, json_t **ret);

/* POST /api/v1/teams (PERM_TEAMS_MANAGE). body {code, name, region}.
 * ERR_INVAL with errs; ERR_EXISTS when the code is taken. */
int svc_team_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, int64_t *ret_id);
extern const struct schema svc_team_create_schema;

/* GET /api/v1/teams/{id} (PERM_TEAMS_READ): the team, its active members
 * and its reviews with their action items; audited (team.read). An mdt user
 * of another team: ERR_PERM, the denial audited. */
int svc_team_get(const struct svc_ctx *ctx, int64_t id, json_t **ret);

/* POST /api/v1/teams/{id}/members (PERM_TEAMS_MANAGE). body {name, agency,
 * mdt_role, email?, phone?, user_id?}. */
int svc_team_member_add(const struct svc_ctx *ctx, int64_t team_id, const json_t *body, struct field_errors *errs,
			int64_t *ret_id);
extern const struct schema svc_team_member_add_schema;

/* DELETE /api/v1/teams/{id}/members/{mid} (PERM_TEAMS_MANAGE): the member
 * leaves (active = 0); the reviews they attended keep them. */
int svc_team_member_remove(const struct svc_ctx *ctx, int64_t team_id, int64_t member_id);

/* ---- case reviews (PERM_REVIEWS_WRITE; a liaison: cases of its region) ---- */

/* POST /api/v1/teams/{id}/reviews. body {case_id, scheduled_at}. The case
 * must exist (else errs) and not be closed (ERR_CONFLICT). Writes the
 * case's review_scheduled event. */
int svc_review_create(const struct svc_ctx *ctx, int64_t team_id, const json_t *body, struct field_errors *errs,
		      int64_t *ret_id);
extern const struct schema svc_review_create_schema;

/* PATCH /api/v1/teams/{id}/reviews/{rid}. body {status? (held|cancelled),
 * held_at?, attendees?, decisions?, action_items?, version?}. held_at or
 * status held holds it (review_held event); each action item opens a duty.
 * A cancelled review changes no more, a held one is not cancelled
 * (ERR_CONFLICT). *ret: the review as teams_case_reviews_json answers it. */
int svc_review_update(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, const json_t *body,
		      struct field_errors *errs, json_t **ret);
/* attendees and action_items are judged item by item by the service. */
extern const struct schema svc_review_update_schema;

/* PATCH /api/v1/teams/{id}/reviews/{rid}/action-items/{aid}. body
 * {done_at}: meets the item's duty at done_at. ERR_CONFLICT when already
 * done. *ret: the action item. */
int svc_action_item_done(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, int64_t item_id,
			 const json_t *body, struct field_errors *errs, json_t **ret);
extern const struct schema svc_action_item_done_schema;

struct case_conflict;
/* POST /api/v1/teams/{id}/reviews/{rid}/action-items/{aid}/corrections
 * (PERM_REVIEWS_WRITE): {done_at, reason}. The done time corrected, the
 * earlier one kept, the duty met at the new time (its standing follows).
 * ERR_CONFLICT with why in cf: the item is not done ("conflict"), or its
 * time changed since it was read ("stale-version"). *ret: the action item. */
int svc_action_item_done_correct(const struct svc_ctx *ctx, int64_t team_id, int64_t review_id, int64_t item_id,
				 const json_t *body, struct field_errors *errs, struct case_conflict *cf,
				 json_t **ret);
extern const struct schema svc_action_item_done_correct_schema;
