/* print.c: what a printed case summary holds, read once for the print and
 * audited as one (case.print, with the parts chosen). */
#include "service/cases/cases_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/relief.h"
#include "service/sealed.h"

static const char *const print_parts[] = {"facts", "duties", "timeline", "plan", NULL};

/* The parts asked for, as a new array in the order of print_parts; an
 * unknown one is a field error. */
static json_t *parts_json(const char *parts, struct field_errors *errs)
{
	json_t *a = json_array();
	bool want[4] = {false, false, false, false};
	bool any = false;
	const char *p = parts ? parts : "";
	while (a && *p) {
		size_t n = strcspn(p, ",");
		bool known = false;
		for (size_t i = 0; print_parts[i]; i++)
			if (n == strlen(print_parts[i]) && strncmp(p, print_parts[i], n) == 0)
				want[i] = known = any = true;
		if (!known && n)
			field_error_add(errs, "parts", "Choose what to print from: facts, duties, timeline and plan.");
		p += n + (p[n] == ',');
	}
	for (size_t i = 0; a && print_parts[i]; i++)
		if ((want[i] || !any) && json_array_append_new(a, json_string(print_parts[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The printing user: {id, username, display_name}. */
static int printer_json(struct db *db, const struct svc_ctx *ctx, json_t **ret)
{
	struct db_stmt *st;
	int64_t id = ctx->actor->user_id;
	int r = db_rowf(db, &st, "SELECT username, display_name FROM app_user WHERE id = ?", "i", id);
	if (r < 0)
		return r;
	json_t *o = json_pack("{s:I, s:s}", "id", (json_int_t)id, "username", db_column_text(st, 0));
	r = o ? sealed_json(ctx->app, st, 1, "app_user", "display_name", id, o, "display_name") : ERR_NOMEM;
	db_finalize(st);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*ret = o;
	return 0;
}

/* What each part prints of the case; the rest of the case is left out of
 * the answer, so what leaves is what the audit names. The plan is read
 * through its own route, which checks and audits it. */
static const char *const part_keys[][16] = {
	/* facts */
	{"child", "region", "office", "status", "victim_status", "identified_at", "trafficking_type", "uncared_for",
	 "petition_status", "lead", "assignments", "opened_at", "opened_by", "closed_at", "closure_reason", NULL},
	/* duties */
	{"duties", NULL},
	/* timeline */
	{"events", NULL},
	/* plan */
	{NULL},
};

static bool part_wants(const json_t *parts, const char *key)
{
	if (strcmp(key, "id") == 0 || strcmp(key, "number") == 0 || strcmp(key, "view") == 0)
		return true;
	for (size_t i = 0; print_parts[i]; i++) {
		bool chosen = false;
		for (size_t k = 0; k < json_array_size(parts); k++)
			chosen = chosen || strcmp(json_string_value(json_array_get(parts, k)), print_parts[i]) == 0;
		for (size_t j = 0; chosen && part_keys[i][j]; j++)
			if (strcmp(part_keys[i][j], key) == 0)
				return true;
	}
	return false;
}

/* Leave out of kase what no part chosen prints. */
static void trim_case(json_t *kase, const json_t *parts)
{
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(kase, tmp, key, v)
	{
		if (!part_wants(parts, key))
			json_object_del(kase, key);
	}
}

struct print_read {
	const struct svc_ctx *ctx;
	int64_t id;
	bool mdt;
	json_t *parts, *out;
};

static int print_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct print_read *p = arg;
	const struct svc_ctx *ctx = p->ctx;
	json_t *kase = NULL, *by = NULL;
	char ts[32], list[64] = "";
	time_str(now(), ts);
	for (size_t i = 0; i < json_array_size(p->parts); i++) {
		size_t n = strlen(list);
		snprintf(list + n, sizeof list - n, "%s%s", n ? "," : "",
			 json_string_value(json_array_get(p->parts, i)));
	}
	int r = cases_json(db, ctx->app, p->id, p->mdt, ctx->actor->scope, &kase);
	if (r == 0) {
		trim_case(kase, p->parts);
		r = printer_json(db, ctx, &by);
	}
	if (r == 0)
		r = audit_read_detail(rec, "parts=%s%s", list, p->mdt ? " view=mdt" : "");
	if (r == 0 && !(p->out = json_pack("{s:o, s:O, s:s, s:o}", "case", kase, "parts", p->parts, "printed_at", ts,
					   "printed_by", by)))
		return ERR_NOMEM;
	if (r < 0) {
		json_decref(kase);
		json_decref(by);
	}
	return r;
}

int svc_case_print(const struct svc_ctx *ctx, int64_t id, const char *parts, struct field_errors *errs,
		   json_t **ret)
{
	struct db *db;
	struct case_head h;
	bool mdt = false;
	int r = cases_access(ctx, PERM_CASES_READ, id, &db, &h, &mdt);
	if (r < 0 || (r = relief_read_check(ctx, db, "case", id)) < 0)
		return r;
	json_t *p = parts_json(parts, errs);
	if (!p)
		return ERR_NOMEM;
	if (field_errors_any(errs)) {
		json_decref(p);
		return ERR_INVAL;
	}
	struct print_read pr = {.ctx = ctx, .id = id, .mdt = mdt, .parts = p};
	struct audit_read rec = {.action = "case.print", .object_type = "case", .object_id = id};
	r = svc_audited_read(db, ctx, &rec, print_read, &pr);
	json_decref(p);
	json_t *out = pr.out;
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}
