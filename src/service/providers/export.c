/* export.c: the public-safe CSV of the directory. The public fields only:
 * no staff contacts, no internal id (the code names a provider), the
 * pack's names for its lists; formula-safe cells (csv_put_field). */
#include "service/providers/providers_int.h"

#include <stdio.h>
#include <string.h>

#include "base/csv.h"
#include "base/err.h"
#include "db/db.h"
#include "model/pack.h"
#include "service/audit.h"

static const char *const header[] = {"code", "name", "description", "services", "regions", "populations",
				     "languages", "age_min", "age_max", "capacity", "openings", "phone",
				     "email", "website", "address", "trafficking_informed", "informed_basis",
				     "informed_until"};

/* The pack's name of a list's value (a language is its own name). */
static const char *value_name(const struct pack *p, int kind, const char *v)
{
	const struct pack_item *it = NULL;
	if (kind == 0)
		it = pack_item_find(p->services, p->n_services, v);
	else if (kind == 1) {
		const struct pack_region *reg = pack_region(p, v);
		return reg ? reg->name : v;
	} else if (kind == 2)
		it = pack_item_find(p->recovery.populations, p->recovery.n_populations, v);
	return it ? it->name : v;
}

/* A list as one cell: "Mentoring; Victim advocacy". */
static int list_cell(const struct pack *p, int kind, const json_t *list, struct buf *out)
{
	struct buf cell;
	buf_init(&cell, 8192);
	size_t i;
	json_t *v;
	int r = 0;
	json_array_foreach(list, i, v)
	{
		if (r == 0 && i > 0)
			r = buf_puts(&cell, "; ");
		if (r == 0)
			r = buf_puts(&cell, value_name(p, kind, json_string_value(v)));
	}
	if (r == 0)
		r = csv_put_field(out, buf_str(&cell), true);
	buf_done(&cell);
	return r;
}

static int text_cell(const json_t *doc, const char *key, struct buf *out)
{
	return csv_put_field(out, json_string_value(json_object_get(doc, key)), true);
}

static int int_cell(const json_t *doc, const char *key, struct buf *out)
{
	json_t *v = json_object_get(doc, key);
	char n[24] = "";
	if (json_is_integer(v))
		snprintf(n, sizeof n, "%lld", (long long)json_integer_value(v));
	return csv_put_field(out, n, false);
}

static int doc_line(const struct pack *p, const json_t *doc, struct buf *out)
{
	int r = 0;
	r = r ? r : text_cell(doc, "code", out);
	r = r ? r : buf_putc(out, ',');
	r = r ? r : text_cell(doc, "name", out);
	r = r ? r : buf_putc(out, ',');
	r = r ? r : text_cell(doc, "description", out);
	for (int k = 0; k < PROVIDER_KINDS; k++) {
		r = r ? r : buf_putc(out, ',');
		r = r ? r : list_cell(p, k, json_object_get(doc, provider_kind_lists[k]), out);
	}
	static const char *const ints[] = {"age_min", "age_max", "capacity", "openings"};
	for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
		r = r ? r : buf_putc(out, ',');
		r = r ? r : int_cell(doc, ints[i], out);
	}
	static const char *const texts[] = {"phone", "email", "website", "address", "informed_status",
					    "informed_basis", "informed_until"};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		r = r ? r : buf_putc(out, ',');
		r = r ? r : text_cell(doc, texts[i], out);
	}
	return r ? r : buf_puts(out, "\r\n");
}

/* The active providers by name, as documents with their lists. */
static int active_docs(struct db *db, json_t *docs)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT " PROVIDER_COLUMNS " FROM provider p WHERE p.active = 1 ORDER BY lower(p.name), p.id",
			    "");
	if (r < 0)
		return r;
	json_t *doc;
	while ((r = db_step(st)) == DB_ROW && (doc = provider_row_json(st, &r)))
		if (json_array_append_new(docs, doc) < 0) {
			r = ERR_NOMEM;
			break;
		}
	db_finalize(st);
	return r < 0 ? r : provider_lists_json(db, docs);
}

int svc_providers_export_csv(const struct svc_ctx *ctx, struct buf *out)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_PROVIDERS_READ, &db);
	if (r < 0)
		return r;
	json_t *docs = json_array();
	if (!docs)
		return ERR_NOMEM;
	/* The export audited in the transaction that reads it. */
	if ((r = db_begin(db)) < 0) {
		json_decref(docs);
		return r;
	}
	if ((r = active_docs(db, docs)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "provider.export", "provider", AUDIT_NO_OBJECT, "format=csv count=%zu",
				   json_array_size(docs))) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		json_decref(docs);
		return r;
	}
	for (size_t i = 0; r == 0 && i < sizeof header / sizeof *header; i++)
		if ((r = i ? buf_putc(out, ',') : 0) == 0)
			r = csv_put_field(out, header[i], true);
	if (r == 0)
		r = buf_puts(out, "\r\n");
	size_t i;
	json_t *doc;
	json_array_foreach(docs, i, doc)
	{
		if (r == 0)
			r = doc_line(ctx->app->pack, doc, out);
	}
	json_decref(docs);
	return r < 0 ? (r == ERR_NOMEM ? r : ERR_TOOBIG) : 0;
}
