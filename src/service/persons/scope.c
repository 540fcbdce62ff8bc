/* scope.c: who reaches which child, and which of its records: HART every
 * child; a liaison a child its region's reports or cases hold; an MDT
 * member a child whose case its team reviews (docs/recovery.md). */
#include "service/persons/persons_int.h"

#include <stdarg.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/cases.h"
#include "service/teams.h"

void persons_conflict(struct case_conflict *cf, const char *slug, const char *fmt, ...)
{
	if (!cf)
		return;
	cf->slug = slug;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cf->detail, sizeof cf->detail, fmt, ap);
	va_end(ap);
}

int persons_set(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0 ? 0 : ERR_NOMEM;
}

void persons_reach(const struct svc_ctx *ctx, struct person_reach *ret)
{
	const struct actor *a = ctx->actor;
	*ret = (struct person_reach){
		.role = a->role,
		.region = a->role == ROLE_LIAISON ? a->scope : NULL,
		.team = a->role == ROLE_MDT ? a->scope : NULL,
		.reports = a->role != ROLE_MDT && role_may(a->role, PERM_INTAKE_READ),
		.mdt = a->role == ROLE_MDT,
		.relief = role_may(a->role, PERM_RELIEF_READ),
	};
}

int persons_case_reached(struct db *db, const struct person_reach *pr, int64_t case_id, const char *region,
			 bool *ret)
{
	int r;
	switch (pr->role) {
	case ROLE_HART:
		*ret = true;
		return 0;
	case ROLE_LIAISON:
		*ret = region && pr->region && strcmp(region, pr->region) == 0;
		return 0;
	case ROLE_MDT:
		if ((r = teams_case_visible(db, case_id, pr->team)) < 0)
			return r;
		*ret = r > 0;
		return 0;
	default:
		*ret = false;
		return 0;
	}
}

int persons_merged_into(struct db *db, int64_t id, int64_t *ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT merged_into FROM person WHERE id = ?", "i", id);
	if (r < 0)
		return r;
	*ret = db_column_is_null(st, 0) ? 0 : db_column_int64(st, 0);
	db_finalize(st);
	return 0;
}

int persons_reached(const struct svc_ctx *ctx, struct db *db, const struct person_reach *pr, int64_t id)
{
	int64_t merged, found = 0;
	int r = persons_merged_into(db, id, &merged);
	if (r < 0)
		return r;
	switch (pr->role) {
	case ROLE_HART:
		return 0;
	case ROLE_LIAISON:
		r = db_int64f(db, &found,
			      "SELECT CASE WHEN EXISTS (SELECT 1 FROM child_case WHERE person_id = ? AND region = ?)"
			      " OR EXISTS (SELECT 1 FROM intake_child c JOIN intake i ON i.id = c.intake_id"
			      "  WHERE c.person_id = ? AND i.region = ?) THEN 1 ELSE 0 END",
			      "itit", id, pr->region, id, pr->region);
		break;
	case ROLE_MDT:
		r = db_int64f(db, &found,
			      "SELECT CASE WHEN EXISTS (SELECT 1 FROM child_case c JOIN case_review v ON v.case_id = c.id"
			      " JOIN mdt_team t ON t.id = v.team_id WHERE c.person_id = ? AND v.status <> 'cancelled'"
			      " AND t.code = ?) THEN 1 ELSE 0 END",
			      "it", id, pr->team);
		break;
	default:
		break;
	}
	if (r < 0)
		return r;
	if (found)
		return 0;
	char oid[24];
	persons_fmt_id(oid, id);
	svc_audit_denial(ctx, "child outside the actor's scope", "person", oid);
	return ERR_NOTFOUND;
}
