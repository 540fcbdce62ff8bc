#include "service/intake/intake_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"

bool intake_in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

struct cmp_date intake_date_of(hl_time t)
{
	return cmp_date_local(t / HL_USEC_PER_SEC);
}

/* ---- validation ---- */

const char *intake_str_field(const json_t *o, const char *key, const char *path, size_t max, bool required,
			     struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			field_error_add(errs, path, "required");
		return NULL;
	}
	if (!json_is_string(v)) {
		field_error_add(errs, path, "must be a string");
		return NULL;
	}
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || strlen(s) > max) {
		field_error_add(errs, path, "at most %zu characters, no NUL", max);
		return NULL;
	}
	if (required && !*s)
		field_error_add(errs, path, "required");
	return s;
}

void intake_unknown_keys(const json_t *o, const char *const *known, const char *prefix, struct field_errors *errs)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
	{
		if (!intake_in_list(known, key)) {
			char path[128];
			snprintf(path, sizeof path, "%s%s%.60s", prefix, *prefix ? "." : "", key);
			field_error_add(errs, path, "unknown field");
		}
	}
}

bool intake_flag(const json_t *o, const char *key, const char *path, struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		field_error_add(errs, path, "must be true or false");
		return false;
	}
	return json_is_true(v);
}

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
