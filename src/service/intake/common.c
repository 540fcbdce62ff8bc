/* common.c: what the intake use cases share (intake_int.h). */
#include "service/intake/intake_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"

/* ---- one report ---- */

/* A liaison works in one region; everyone else who may read, everywhere. */
static bool in_scope(const struct svc_ctx *ctx, const char *region)
{
	if (ctx->actor->role != ROLE_LIAISON)
		return true;
	return region && strcmp(region, ctx->actor->scope) == 0;
}

static int load_head(struct db *db, int64_t id, struct intake_head *h)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT region, suspected_victim, version, disposition FROM intake WHERE id = ?", "i",
			id);
	if (r < 0)
		return r;
	h->id = id;
	r = str_copy(h->region, sizeof h->region, db_column_text(st, 0) ? db_column_text(st, 0) : "");
	h->suspected_victim = db_column_int64(st, 1) != 0;
	h->version = db_column_int64(st, 2);
	h->decided = !db_column_is_null(st, 3);
	db_finalize(st);
	return r;
}

int intake_open(const struct svc_ctx *ctx, enum perm perm, int64_t id, struct db **ret_db, struct intake_head *h)
{
	int r = svc_enter(ctx, perm, ret_db);
	if (r < 0 || (r = load_head(*ret_db, id, h)) < 0)
		return r;
	if (!in_scope(ctx, h->region[0] ? h->region : NULL)) {
		char oid[24];
		snprintf(oid, sizeof oid, "%lld", (long long)id);
		svc_audit_denial(ctx, "intake outside the liaison's region", "intake", oid);
		return ERR_PERM;
	}
	return 0;
}

int intake_law_json(const struct pack *p, json_t *obj)
{
	/* A suspected victim's report says why the child is a victim, never
	 * an offender. */
	json_t *cites = json_array();
	for (size_t i = 0; cites && i < p->law.n_citations; i++)
		if (json_array_append_new(cites, json_string(p->law.citations[i])) < 0) {
			json_decref(cites);
			return ERR_NOMEM;
		}
	json_t *law = cites ? json_pack("{s:s, s:o}", "text", p->law.victim_not_offender ? p->law.victim_not_offender : "",
					"citations", cites)
			    : NULL;
	return law && json_object_set_new(obj, "law", law) == 0 ? 0 : ERR_NOMEM;
}
