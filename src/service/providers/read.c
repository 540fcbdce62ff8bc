/* read.c: a provider, the directory's search, a provider user's agency,
 * and the offers of rapid response dispatch. */
#include "service/providers/providers_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/page.h"
#include "service/sealed.h"

const char *const provider_kinds[PROVIDER_KINDS] = {"service", "region", "population", "language"};
const char *const provider_kind_lists[PROVIDER_KINDS] = {"services", "regions", "populations", "languages"};

#define PAGE_DEFAULT 50

json_t *provider_row_json(struct db_stmt *st, int *ret_err)
{
	json_t *j = json_object();
	*ret_err = j ? db_row_json(st,
				   "id:i code name description age_min:i age_max:i capacity:i openings:i phone email"
				   " website address informed_status informed_basis informed_until active:b version:i"
				   " created_at updated_at",
				   j)
		     : ERR_NOMEM;
	if (*ret_err < 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int kind_index(const char *kind)
{
	for (int i = 0; i < PROVIDER_KINDS; i++)
		if (strcmp(provider_kinds[i], kind) == 0)
			return i;
	return -1;
}

/* The lists of one document, from the rows of st (rebound to its id). */
static int lists_of(struct db_stmt *st, json_t *doc)
{
	json_t *lists[PROVIDER_KINDS];
	int r = 0;
	for (int i = 0; i < PROVIDER_KINDS; i++)
		if (!(lists[i] = json_array()) || json_object_set_new(doc, provider_kind_lists[i], lists[i]) < 0)
			return ERR_NOMEM;
	if ((r = db_reset(st)) < 0 ||
	    (r = db_bind_int64(st, 1, json_integer_value(json_object_get(doc, "id")))) < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int k = kind_index(db_column_text(st, 0));
		const char *v = db_column_text(st, 1);
		if (k >= 0 && v && json_array_append_new(lists[k], json_string(v)) < 0)
			return ERR_NOMEM;
	}
	return r < 0 ? r : 0;
}

int provider_lists_json(struct db *db, json_t *docs)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st, "SELECT kind, value FROM provider_offer WHERE provider_id = ? ORDER BY kind, value",
			    "i", (int64_t)0);
	if (r < 0)
		return r;
	size_t i;
	json_t *doc;
	json_array_foreach(docs, i, doc)
	{
		if ((r = lists_of(st, doc)) < 0)
			break;
	}
	db_finalize(st);
	return r;
}

int provider_load(struct db *db, int64_t id, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT " PROVIDER_COLUMNS " FROM provider p WHERE p.id = ?", "i", id);
	if (r < 0)
		return r;
	json_t *doc = provider_row_json(st, &r);
	db_finalize(st);
	json_t *one = doc ? json_array() : NULL;
	if (doc && (!one || json_array_append(one, doc) < 0))
		r = ERR_NOMEM;
	if (r >= 0)
		r = provider_lists_json(db, one);
	json_decref(one);
	if (r < 0) {
		json_decref(doc);
		return r;
	}
	*ret = doc;
	return 0;
}

bool provider_staff_visible(const struct svc_ctx *ctx, const char *code)
{
	const struct actor *a = ctx->actor;
	if (!a)
		return false;
	if (a->role == ROLE_HART || a->role == ROLE_ADMIN)
		return true;
	return a->role == ROLE_PROVIDER && code && strcmp(a->scope, code) == 0;
}

int provider_staff_json(struct db *db, struct app *app, int64_t id, json_t *doc)
{
	struct db_stmt *st;
	char *text = NULL;
	int r = db_rowf(db, &st, "SELECT staff FROM provider WHERE id = ?", "i", id);
	if (r < 0)
		return r;
	r = sealed_get(app, st, 0, "provider", "staff", id, &text);
	db_finalize(st);
	json_t *staff = NULL;
	if (r == 0 && text)
		r = json_load_stored(text, &staff);
	free(text);
	if (r == 0 && !staff && !(staff = json_array()))
		r = ERR_NOMEM;
	if (r == 0 && json_object_set_new(doc, "staff", staff) < 0)
		r = ERR_NOMEM;
	else if (r < 0)
		json_decref(staff);
	return r;
}

int svc_provider_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	json_t *doc = NULL;
	int r = svc_enter(ctx, PERM_PROVIDERS_READ, &db);
	if (r < 0 || (r = provider_load(db, id, &doc)) < 0)
		return r;
	const char *code = json_string_value(json_object_get(doc, "code"));
	bool staff = provider_staff_visible(ctx, code);
	/* An inactive provider is out of the directory, but not out of its
	 * keepers' or its own users' sight. */
	if (!json_is_true(json_object_get(doc, "active")) && !staff &&
	    !role_may(ctx->actor->role, PERM_PROVIDERS_MANAGE)) {
		json_decref(doc);
		return ERR_NOTFOUND;
	}
	/* Staff contacts are personal data: opening them is audited. */
	if (staff) {
		if ((r = db_begin(db)) < 0)
			goto fail;
		if ((r = provider_staff_json(db, ctx->app, id, doc)) < 0 ||
		    (r = svc_audit_appendf(db, ctx, "provider.staff_read", "provider", id, "code=%s", code)) < 0 ||
		    (r = db_commit(db)) < 0) {
			db_rollback(db);
			goto fail;
		}
	}
	*ret = doc;
	return 0;
fail:
	json_decref(doc);
	return r;
}

/* ---- the search ---- */

/* What a filter names must be the pack's: else a field error. */
static void check_filter(const struct pack *p, const struct provider_filter *f, struct field_errors *errs)
{
	if (f->service && !pack_item_find(p->services, p->n_services, f->service))
		field_error_add(errs, "service", "Service: not a service of the catalogue");
	if (f->region && !pack_region(p, f->region))
		field_error_add(errs, "region", "Region: not one of the agency's regions; choose one from the list");
	if (f->population &&
	    !pack_item_find(p->recovery.populations, p->recovery.n_populations, f->population))
		field_error_add(errs, "population", "Population: not one of the populations in the list");
	if (f->age != -1 && (f->age < 0 || f->age > 25))
		field_error_add(errs, "age", "Age: a whole number from 0 to 25");
	if (f->q && strlen(f->q) > 200)
		field_error_add(errs, "q", "Name: at most 200 characters");
}

/* "%text%" for LIKE, lower case, with % _ and \ escaped by \. */
static int like_pattern(const char *q, struct buf *out)
{
	int r = buf_putc(out, '%');
	for (const char *s = q; r == 0 && *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			r = buf_putc(out, '\\');
		if (r == 0)
			r = buf_putc(out, (char)tolower((unsigned char)*s));
	}
	return r == 0 ? buf_putc(out, '%') : r;
}

#define SEARCH_WHERE                                                                                         \
	" FROM provider p WHERE (CAST(? AS BIGINT) = 1 OR p.active = 1)"                                      \
	" AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM provider_offer o WHERE o.provider_id = p.id"  \
	" AND o.kind = 'service' AND o.value = ?))"                                                           \
	" AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM provider_offer o WHERE o.provider_id = p.id"  \
	" AND o.kind = 'region' AND o.value = ?))"                                                            \
	" AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM provider_offer o WHERE o.provider_id = p.id"  \
	" AND o.kind = 'population' AND o.value = ?))"                                                        \
	" AND (CAST(? AS BIGINT) < 0 OR ((p.age_min IS NULL OR p.age_min <= ?)"                               \
	" AND (p.age_max IS NULL OR p.age_max >= ?)))"                                                        \
	" AND (CAST(? AS BIGINT) = 0 OR p.openings > 0)"                                                      \
	" AND (CAST(? AS TEXT) IS NULL OR lower(p.name) LIKE ? ESCAPE '\\' OR p.code LIKE ? ESCAPE '\\')"

/* By name (without case), then id; or most openings first, then id. The
 * cursor is the last row's id: the next page starts after its place. */
static const char search_by_name[] =
	"SELECT " PROVIDER_COLUMNS SEARCH_WHERE
	" AND (CAST(? AS BIGINT) = 0 OR lower(p.name) > ? OR (lower(p.name) = ? AND p.id > ?))"
	" ORDER BY lower(p.name), p.id LIMIT ?";
static const char search_by_openings[] =
	"SELECT " PROVIDER_COLUMNS SEARCH_WHERE
	" AND (CAST(? AS BIGINT) = 0 OR COALESCE(p.openings, 0) < ?"
	" OR (COALESCE(p.openings, 0) = ? AND p.id > ?))"
	" ORDER BY COALESCE(p.openings, 0) DESC, p.id LIMIT ?";

/* Where the page after cursor starts: the row's sort key and id. */
struct cursor {
	int64_t id, openings;
	char *name; /* lower(name) */
};

/* The cursors are the shared helper's (service/page.h), the place being
 * the last row's id; its sort key is read back from the row. */
static const struct page_sort provider_sorts[] = {{"name", "lower(p.name)"}, {"openings", "p.openings"}, {NULL, NULL}};
static const struct page_list providers_page_list = {"providers", "p.id", provider_sorts, "name"};

static int cursor_load(struct db *db, const struct provider_filter *f, struct cursor *c, struct field_errors *errs)
{
	struct db_stmt *st;
	struct list_page p;
	struct page_query q = {.after = f->after, .sort = f->by_openings ? "openings" : "name"};
	if (page_parse(&providers_page_list, &q, &p, errs) < 0)
		return ERR_INVAL;
	c->id = p.id;
	int r = db_rowf(db, &st, "SELECT lower(name), COALESCE(openings, 0) FROM provider WHERE id = ?", "i", c->id);
	if (r == ERR_NOTFOUND) {
		field_error_add(errs, "after", "not a page of this list: start again from the first page");
		return ERR_INVAL;
	}
	if (r < 0)
		return r;
	const char *n = db_column_text(st, 0);
	c->openings = db_column_int64(st, 1);
	c->name = strdup(n ? n : "");
	db_finalize(st);
	return c->name ? 0 : ERR_NOMEM;
}

static int search_rows(struct db *db, const struct provider_filter *f, const struct cursor *c, const char *pattern,
		       int limit, json_t *items)
{
	struct db_stmt *st;
	int64_t age = f->age, has = c->id > 0;
	int r = f->by_openings
			? db_preparef(db, &st, search_by_openings, "ittttttiiiitttiiiii", (int64_t)f->all, f->service,
				      f->service, f->region, f->region, f->population, f->population, age, age, age,
				      (int64_t)f->open, pattern, pattern, pattern, has, c->openings, c->openings, c->id,
				      (int64_t)limit)
			: db_preparef(db, &st, search_by_name, "ittttttiiiitttittii", (int64_t)f->all, f->service,
				      f->service, f->region, f->region, f->population, f->population, age, age, age,
				      (int64_t)f->open, pattern, pattern, pattern, has, c->name, c->name, c->id,
				      (int64_t)limit);
	if (r < 0)
		return r;
	json_t *doc;
	while ((r = db_step(st)) == DB_ROW && (doc = provider_row_json(st, &r)))
		if (json_array_append_new(items, doc) < 0) {
			r = ERR_NOMEM;
			break;
		}
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_providers_search(const struct svc_ctx *ctx, const struct provider_filter *f, struct field_errors *errs,
			 json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_PROVIDERS_READ, &db);
	if (r < 0 || (f->all && (r = svc_require(ctx, PERM_PROVIDERS_MANAGE)) < 0))
		return r;
	check_filter(ctx->app->pack, f, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	int limit = f->limit > 0 ? (f->limit < LIST_LIMIT_MAX ? f->limit : LIST_LIMIT_MAX) : PAGE_DEFAULT;
	struct cursor c = {0};
	struct buf pattern;
	buf_init(&pattern, 1024);
	json_t *items = json_array(), *out = NULL;
	if (!items)
		r = ERR_NOMEM;
	else if ((!f->after || !*f->after || (r = cursor_load(db, f, &c, errs)) == 0) &&
		 (!f->q || (r = like_pattern(f->q, &pattern)) == 0))
		r = search_rows(db, f, &c, f->q ? buf_str(&pattern) : NULL, limit + 1, items);
	/* One row more than the page tells whether there is a next. */
	json_t *next = json_null();
	if (r == 0 && json_array_size(items) > (size_t)limit) {
		struct list_page p;
		struct page_query q = {.sort = f->by_openings ? "openings" : "name"};
		int64_t last = json_integer_value(json_object_get(json_array_get(items, (size_t)limit - 1), "id"));
		char cur[128];
		json_decref(next);
		next = NULL;
		if ((r = page_parse(&providers_page_list, &q, &p, errs)) == 0 &&
		    (r = page_cursor(&p, "", last, cur, sizeof cur)) == 0)
			r = (next = json_string(cur)) && json_array_remove(items, (size_t)limit) == 0 ? 0 : ERR_NOMEM;
	}
	if (r == 0)
		r = provider_lists_json(db, items);
	if (r == 0 && !(out = json_pack("{s:O, s:O}", "items", items, "next", next)))
		r = ERR_NOMEM;
	json_decref(next);
	json_decref(items);
	free(c.name);
	buf_done(&pattern);
	if (r < 0)
		return r;
	*ret = out;
	return 0;
}

/* ---- for the others ---- */

int providers_code_exists(struct db *db, const char *code)
{
	int64_t one;
	int r = db_int64f(db, &one, "SELECT 1 FROM provider WHERE code = ?", "t", code);
	return r == ERR_NOTFOUND ? 0 : r < 0 ? r : 1;
}

int svc_provider_of_actor(const struct svc_ctx *ctx, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_PROVIDERS_READ, &db);
	if (r < 0)
		return r;
	*ret = NULL;
	if (ctx->actor->role != ROLE_PROVIDER || !ctx->actor->scope[0])
		return 0;
	struct db_stmt *st;
	if ((r = db_rowf(db, &st, "SELECT id, code, name FROM provider WHERE code = ?", "t", ctx->actor->scope)) < 0)
		return r == ERR_NOTFOUND ? 0 : r;
	json_t *j = json_object();
	if (!j || (r = db_row_json(st, "id:i code name", j)) < 0) {
		db_finalize(st);
		json_decref(j);
		return j ? r : ERR_NOMEM;
	}
	db_finalize(st);
	*ret = j;
	return 0;
}

int providers_offers(struct db *db, const char *service, const char *region, int max, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT p.id, p.code, p.name, p.openings, p.phone FROM provider p WHERE p.active = 1"
			    " AND EXISTS (SELECT 1 FROM provider_offer o WHERE o.provider_id = p.id"
			    " AND o.kind = 'service' AND o.value = ?)"
			    " AND EXISTS (SELECT 1 FROM provider_offer o WHERE o.provider_id = p.id"
			    " AND o.kind = 'region' AND o.value = ?)"
			    " ORDER BY CASE WHEN p.openings > 0 THEN 0 ELSE 1 END, lower(p.name), p.id LIMIT ?",
			    "tti", service, region, (int64_t)max);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		json_t *j = json_object();
		if (!j) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = db_row_json(st, "id:i code name openings:i phone", j)) < 0) {
			json_decref(j);
			break;
		}
		if (json_array_append_new(out, j) < 0) {
			r = ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}
