/* contacts.c: the staff contacts directory (docs/cases.md, "Contacts"). */
#include "service/contacts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "model/schema.h"
#include "service/audit.h"
#include "service/sealed.h"
#include "service/teams.h"

#define NAME_MAX_LEN 200

/* In the order the directory lists them: leadership first. */
static const char *const kinds[] = {
	"hart_director", "hart_coordinator", "regional_liaison", "mdt_coordinator", "other", NULL};

/* The directory's fields; what a schema cannot say (one line, a region
 * of the pack, a telephone number) is checked in check_fields. */
#define CONTACT_FIELDS(req)                                                                                   \
	{"name", FT_STRING, .required = req, .max_len = NAME_MAX_LEN},                                           \
	{"kind", FT_STRING, .required = req, .allowed = kinds},                                                  \
	{"title", FT_STRING, .nullable = true, .max_len = NAME_MAX_LEN},                                         \
	{"region", FT_STRING, .nullable = true},                                                                  \
	{"phone", FT_STRING, .nullable = true},                                                                   \
	{"email", FT_STRING, .nullable = true}

static const struct field_rule create_fields[] = {CONTACT_FIELDS(true), {.key = NULL}};
const struct schema svc_contact_create_schema = {.name = "contact create", .fields = create_fields};

static const struct field_rule update_fields[] = {
	CONTACT_FIELDS(false),
	{"active", FT_BOOL, .required = false},
	{.key = NULL},
};
const struct schema svc_contact_update_schema = {.name = "contact update", .fields = update_fields};

/* Name, telephone and e-mail are sealed (they identify a person). */
#define CONTACT_COLUMNS                                                                                       \
	"id, name_sealed, kind, title, region, phone_sealed, email_sealed, active, created_at, updated_at"

static json_t *contact_json(struct app *app, struct db_stmt *st, int *ret_err)
{
	const char *region = db_column_text(st, 4);
	const struct pack_region *reg = region ? pack_region(app->pack, region) : NULL;
	json_t *j = json_object();
	int64_t id = db_column_int64(st, 0);
	static const int cols[3] = {1, 6, 5}; /* name, e-mail, telephone */
	*ret_err = j ? 0 : ERR_NOMEM;
	if (*ret_err == 0 && ((*ret_err = db_row_json(st, "id:i", j)) < 0 ||
			      (*ret_err = teams_open_person(app, st, cols, "contact", id, j)) < 0 ||
			      (*ret_err = db_row_json(st, "- - kind title region", j)) < 0 ||
			      (*ret_err = json_object_set_new(j, "region_name", reg ? json_string(reg->name) : json_null()) < 0
						  ? ERR_NOMEM
						  : 0) < 0 ||
			      (*ret_err = db_row_json(st, "- - - - - - - active:b created_at updated_at", j)) < 0)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int kind_rank(const json_t *c)
{
	const char *k = json_string_value(json_object_get(c, "kind"));
	int i = 0;
	while (kinds[i] && (!k || strcmp(kinds[i], k) != 0))
		i++;
	return i;
}

/* Leadership first, then by region, name (without case) and id. */
static int directory_order(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c = kind_rank(a) - kind_rank(b);
	if (c)
		return c;
	const char *ra = json_string_value(json_object_get(a, "region")),
		   *rb = json_string_value(json_object_get(b, "region"));
	if ((c = strcmp(ra ? ra : "", rb ? rb : "")) != 0)
		return c;
	const char *na = json_string_value(json_object_get(a, "name")),
		   *nb = json_string_value(json_object_get(b, "name"));
	if ((c = strcasecmp(na ? na : "", nb ? nb : "")) != 0)
		return c;
	json_int_t ia = json_integer_value(json_object_get(a, "id")), ib = json_integer_value(json_object_get(b, "id"));
	return ia < ib ? -1 : ia > ib;
}

/* The directory's one order is directory_order, over names the database
 * holds sealed: the list is read whole, sorted here, and a page is a run
 * of it. The cursor carries only the last contact's id (the helper's
 * cursor, with an empty key): the next page starts after that contact's
 * place in the order as it is now, found again from its row, so that no
 * name travels in an address. */
static const struct page_sort contact_sorts[] = {
	{"directory", "id"},
	{NULL, NULL},
};
static const struct page_list contacts_page_list = {"contacts", "id", contact_sorts, "directory"};

static int contacts_read(const struct svc_ctx *ctx, struct db *db, bool all, int64_t only, json_t *list)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT " CONTACT_COLUMNS " FROM contact WHERE (CAST(? AS BIGINT) = 1 OR active = 1)"
			    " AND (CAST(? AS BIGINT) = 0 OR id = ?) ORDER BY id",
			    "iii", (int64_t)(all ? 1 : 0), only, only);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		json_t *c = contact_json(ctx->app, st, &r);
		if (!c)
			break;
		if (json_array_append_new(list, c) < 0) {
			r = ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* The index in the sorted list of the first contact after the cursor's:
 * 0 on the first page; ERR_NOTFOUND when the cursor's contact is gone. */
static int contacts_start(const struct svc_ctx *ctx, struct db *db, const struct list_page *p, json_t *list,
			  size_t *ret)
{
	*ret = 0;
	if (!p->has_after)
		return 0;
	json_t *one = json_array();
	int r = one ? contacts_read(ctx, db, true, p->id, one) : ERR_NOMEM;
	json_t *ref = json_array_get(one, 0);
	if (r == 0 && !ref)
		r = ERR_NOTFOUND;
	size_t i = 0, n = json_array_size(list);
	while (r == 0 && i < n) {
		json_t *c = json_array_get(list, i);
		if (directory_order(&c, &ref) > 0)
			break;
		i++;
	}
	json_decref(one);
	*ret = i;
	return r;
}

int svc_contacts_list(const struct svc_ctx *ctx, bool all, const struct page_query *q, struct field_errors *errs,
		      json_t **ret)
{
	struct db *db;
	struct list_page p;
	int r = svc_enter(ctx, PERM_CONTACTS_READ, &db);
	if (r < 0 || (all && (r = svc_require(ctx, PERM_CONTACTS_MANAGE)) < 0) ||
	    (r = page_parse(&contacts_page_list, q, &p, errs)) < 0)
		return r;
	json_t *list = json_array(), *items = json_array();
	size_t at = 0;
	r = list && items ? contacts_read(ctx, db, all, 0, list) : ERR_NOMEM;
	if (r == 0)
		r = json_array_sort(list, directory_order);
	if (r == 0 && (r = contacts_start(ctx, db, &p, list, &at)) == ERR_NOTFOUND) {
		field_error_add(errs, "after", "not a page of this list: start again from the first page");
		r = ERR_INVAL;
	}
	for (size_t i = at; r == 0 && i < json_array_size(list); i++) {
		json_t *c = json_array_get(list, i);
		if (p.n >= (size_t)p.limit) {
			p.more = true;
			break;
		}
		if (json_array_append(items, c) < 0)
			r = ERR_NOMEM;
		p.n++;
		p.last_id = json_integer_value(json_object_get(c, "id"));
		p.last_key[0] = '\0';
	}
	json_decref(list);
	if (r < 0) {
		json_decref(items);
		return r;
	}
	return page_answer(&p, items, ret);
}

/* What the schema cannot say of the fields present in body. A name or a
 * kind sent as null or "" to a contact is refused: they cannot be
 * cleared (on create the schema has said "required"). */
static void check_fields(const struct pack *p, const json_t *body, bool create, struct field_errors *errs)
{
	json_t *v = json_object_get(body, "name");
	const char *s = json_string_value(v);
	if ((!create && json_is_null(v)) ||
	    (s && strlen(s) <= NAME_MAX_LEN && (*s || !create) && !str_is_line(s, NAME_MAX_LEN)))
		field_error_add(errs, "name", "required, one line of at most %d characters", NAME_MAX_LEN);
	v = json_object_get(body, "kind");
	if (!create && (json_is_null(v) || (json_is_string(v) && !*json_string_value(v))))
		field_error_add(errs, "kind", "Kind: required; choose one from the list");
	if ((s = json_get_str(body, "title")) && *s && strlen(s) <= NAME_MAX_LEN && !str_is_line(s, NAME_MAX_LEN))
		field_error_add(errs, "title", "one line of at most %d characters", NAME_MAX_LEN);
	if ((s = json_get_str(body, "region")) && *s && !pack_region(p, s))
		field_error_add(errs, "region", "Region: not one of the agency's regions; choose one from the list");
	field_check_phone(errs, "phone", "Telephone", json_get_str(body, "phone"));
	field_check_email(errs, "email", "E-mail", json_get_str(body, "email"));
}

/* "" and null both store NULL. */
static const char *opt(const json_t *body, const char *key)
{
	const char *s = json_get_str(body, key);
	return s && *s ? s : NULL;
}

int svc_contact_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, int64_t *ret_id)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_CONTACTS_MANAGE, &db);
	if (r < 0)
		return r;
	if (schema_check(&svc_contact_create_schema, body, errs) == 0 || json_is_object(body))
		check_fields(ctx->app->pack, body, true, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	char ts[32];
	int64_t id;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = db_int64f(db, &id,
			   "INSERT INTO contact (name, kind, title, region, active, created_at, updated_at)"
			   " VALUES ('', ?, ?, ?, 1, ?, ?) RETURNING id",
			   "ttttt", json_get_str(body, "kind"), opt(body, "title"), opt(body, "region"), ts, ts)) < 0 ||
	    (r = teams_seal_person(db, ctx->app, "contact", id, json_get_str(body, "name"), opt(body, "email"),
				   opt(body, "phone"))) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "contact.create", "contact", id, "kind=%s", json_get_str(body, "kind"))) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	*ret_id = id;
	return 0;
}

/* The changed keys, for the audit record: "changed: title phone". */
static int changed_keys(const json_t *body, struct buf *out)
{
	const char *key;
	json_t *v;
	int r = buf_puts(out, "changed:");
	json_object_foreach((json_t *)body, key, v)
	{
		if (r == 0)
			r = buf_printf(out, " %.20s", key);
	}
	return r;
}

/* One statement: a column keeps its value unless its key was sent (has =
 * 1), and then takes the new one (NULL clears). Sealed columns likewise: a
 * key sent replaces the value ("" or null clears). */
static int write_update(struct db *db, struct app *app, int64_t id, const json_t *body, const char *ts)
{
	static const char *const sealed_keys[] = {"name", "phone", "email"};
	static const char *const sealed_cols[] = {"name_sealed", "phone_sealed", "email_sealed"};
	json_t *active = json_object_get(body, "active");
	int64_t a = json_is_boolean(active) ? (json_is_true(active) ? 1 : 0) : -1;
	int r = db_execf(db,
			 "UPDATE contact SET kind = COALESCE(?, kind),"
			 " title = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE title END,"
			 " region = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE region END,"
			 " active = CASE WHEN CAST(? AS BIGINT) >= 0 THEN CAST(? AS BIGINT) ELSE active END,"
			 " updated_at = ? WHERE id = ?",
			 "tititiiti", json_get_str(body, "kind"), (int64_t)(json_object_get(body, "title") != NULL),
			 opt(body, "title"), (int64_t)(json_object_get(body, "region") != NULL), opt(body, "region"), a, a, ts,
			 id);
	for (size_t i = 0; r == 0 && i < sizeof sealed_keys / sizeof sealed_keys[0]; i++)
		if (json_object_get(body, sealed_keys[i]))
			r = sealed_put(db, app, "contact", sealed_cols[i], id, opt(body, sealed_keys[i]));
	return r;
}

int svc_contact_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		       json_t **ret)
{
	struct db *db;
	int64_t one;
	int r = svc_enter(ctx, PERM_CONTACTS_MANAGE, &db);
	if (r < 0 || (r = db_int64f(db, &one, "SELECT 1 FROM contact WHERE id = ?", "i", id)) < 0)
		return r;
	if (schema_check(&svc_contact_update_schema, body, errs) == 0 || json_is_object(body))
		check_fields(ctx->app->pack, body, false, errs);
	if (json_object_size(body) == 0)
		field_error_add(errs, "", "nothing to change");
	if (field_errors_any(errs))
		return ERR_INVAL;
	char ts[32];
	struct buf changed;
	buf_init(&changed, 256);
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = changed_keys(body, &changed)) < 0 ||
	    (r = db_begin(db)) < 0)
		goto out;
	if ((r = write_update(db, ctx->app, id, body, ts)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "contact.update", "contact", id, "%s", buf_str(&changed))) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		goto out;
	}
	struct db_stmt *st;
	if ((r = db_rowf(db, &st, "SELECT " CONTACT_COLUMNS " FROM contact WHERE id = ?", "i", id)) < 0)
		goto out;
	*ret = contact_json(ctx->app, st, &r);
	db_finalize(st);
out:
	buf_done(&changed);
	return r;
}
