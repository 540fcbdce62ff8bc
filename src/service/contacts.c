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
#include "service/audit.h"
#include "service/sealed.h"
#include "service/teams.h"

#define NAME_MAX_LEN 200

/* In the order the directory lists them: leadership first. */
static const char *const kinds[] = {
	"hart_director", "hart_coordinator", "regional_liaison", "mdt_coordinator", "other", NULL};

static bool is_kind(const char *s)
{
	for (const char *const *k = kinds; s && *k; k++)
		if (strcmp(*k, s) == 0)
			return true;
	return false;
}

/* Name, telephone and e-mail are sealed (they identify a person). */
#define CONTACT_COLUMNS                                                                                       \
	"id, name_sealed, kind, title, region, phone_sealed, email_sealed, active, created_at, updated_at"

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *contact_json(struct app *app, struct db_stmt *st, int *ret_err)
{
	const char *region = db_column_text(st, 4);
	const struct pack_region *reg = region ? pack_region(app->pack, region) : NULL;
	json_t *j = json_object();
	int64_t id = db_column_int64(st, 0);
	static const int cols[3] = {1, 6, 5}; /* name, e-mail, telephone */
	json_object_set_new(j, "id", json_integer(id));
	if ((*ret_err = teams_open_person(app, st, cols, "contact", id, j)) < 0) {
		json_decref(j);
		return NULL;
	}
	json_object_set_new(j, "kind", json_string(db_column_text(st, 2)));
	json_object_set_new(j, "title", text_or_null(db_column_text(st, 3)));
	json_object_set_new(j, "region", text_or_null(region));
	json_object_set_new(j, "region_name", reg ? json_string(reg->name) : json_null());
	json_object_set_new(j, "active", json_boolean(db_column_int64(st, 7)));
	json_object_set_new(j, "created_at", json_string(db_column_text(st, 8)));
	json_object_set_new(j, "updated_at", json_string(db_column_text(st, 9)));
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

int svc_contacts_list(const struct svc_ctx *ctx, bool all, json_t **ret)
{
	int r = svc_require(ctx, PERM_CONTACTS_READ);
	if (r < 0 || (all && (r = svc_require(ctx, PERM_CONTACTS_MANAGE)) < 0))
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	struct db_stmt *st;
	/* Sorted here, not by the database, which holds the names sealed. */
	if ((r = db_prepare(db,
			    "SELECT " CONTACT_COLUMNS " FROM contact WHERE (CAST(? AS BIGINT) = 1 OR active = 1)"
			    " ORDER BY id",
			    &st)) < 0)
		return r;
	db_bind_int64(st, 1, all ? 1 : 0);
	json_t *list = json_array();
	while ((r = db_step(st)) == DB_ROW) {
		json_t *c = contact_json(ctx->app, st, &r);
		if (!c)
			break;
		json_array_append_new(list, c);
	}
	db_finalize(st);
	if (r >= 0)
		r = json_array_sort(list, directory_order);
	if (r < 0) {
		json_decref(list);
		return r;
	}
	*ret = json_pack("{s:o}", "contacts", list);
	return *ret ? 0 : ERR_NOMEM;
}

/* Check the fields present in body; required: name and kind must be
 * there (create). */
static void check_fields(const struct pack *p, const json_t *body, bool required, struct field_errors *errs)
{
	json_t *v;
	if ((v = json_object_get(body, "name")) || required)
		if (!json_is_string(v) || !str_is_line(json_string_value(v), NAME_MAX_LEN))
			field_error_add(errs, "name", "required, one line of at most %d characters", NAME_MAX_LEN);
	if ((v = json_object_get(body, "kind")) || required)
		if (!json_is_string(v) || !is_kind(json_string_value(v)))
			field_error_add(errs, "kind",
					"hart_director, hart_coordinator, regional_liaison, mdt_coordinator or other");
	const char *s;
	if ((s = json_get_str(body, "title")) && *s && !str_is_line(s, NAME_MAX_LEN))
		field_error_add(errs, "title", "one line of at most %d characters", NAME_MAX_LEN);
	if ((s = json_get_str(body, "region")) && *s && !pack_region(p, s))
		field_error_add(errs, "region", "a region of the pack");
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
	int r = svc_require(ctx, PERM_CONTACTS_MANAGE);
	if (r < 0)
		return r;
	check_fields(ctx->app->pack, body, true, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(
		     db,
		     "INSERT INTO contact (name, kind, title, region, active, created_at, updated_at)"
		     " VALUES ('', ?, ?, ?, 1, ?, ?) RETURNING id",
		     &st)) < 0)
		goto fail;
	db_bind_text(st, 1, json_get_str(body, "kind"));
	db_bind_text(st, 2, opt(body, "title"));
	db_bind_text(st, 3, opt(body, "region"));
	db_bind_text(st, 4, ts);
	db_bind_text(st, 5, ts);
	r = db_step(st);
	int64_t id = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0 || (r = teams_seal_person(db, ctx->app, "contact", id, json_get_str(body, "name"), opt(body, "email"),
					    opt(body, "phone"))) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "contact.create", "contact", id, "kind=%s",
				   json_get_str(body, "kind"))) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	*ret_id = id;
	return 0;
fail:
	db_rollback(db);
	return r;
}

int svc_contact_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		       json_t **ret)
{
	int r = svc_require(ctx, PERM_CONTACTS_MANAGE);
	if (r < 0)
		return r;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db, "SELECT 1 FROM contact WHERE id = ?", &st)) < 0)
		return r;
	db_bind_int64(st, 1, id);
	r = db_step(st);
	db_finalize(st);
	if (r < 0)
		return r;
	if (r == DB_DONE)
		return ERR_NOTFOUND;
	check_fields(ctx->app->pack, body, false, errs);
	if (json_object_size(body) == 0)
		field_error_add(errs, "", "nothing to change");
	if (field_errors_any(errs))
		return ERR_INVAL;
	static const char *const cols[] = {"title", "region"};
	/* Sealed: a key sent replaces the value ("" or null clears). */
	static const char *const sealed_keys[] = {"name", "phone", "email"};
	static const char *const sealed_cols[] = {"name_sealed", "phone_sealed", "email_sealed"};
	char ts[32], oid[24];
	time_format(now(), ts, sizeof ts);
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	json_t *active = json_object_get(body, "active");
	if ((r = db_begin(db)) < 0)
		return r;
	/* One statement: a column keeps its value unless its key was sent
	 * (has = 1), and then takes the new one (NULL clears). */
	if ((r = db_prepare(db,
			    "UPDATE contact SET kind = COALESCE(?, kind),"
			    " title = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE title END,"
			    " region = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE region END,"
			    " active = CASE WHEN CAST(? AS BIGINT) >= 0 THEN CAST(? AS BIGINT) ELSE active END,"
			    " updated_at = ? WHERE id = ?",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, json_get_str(body, "kind"));
	int idx = 2;
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		db_bind_int64(st, idx++, json_object_get(body, cols[i]) ? 1 : 0);
		db_bind_text(st, idx++, opt(body, cols[i]));
	}
	int64_t a = json_is_boolean(active) ? (json_is_true(active) ? 1 : 0) : -1;
	db_bind_int64(st, idx++, a);
	db_bind_int64(st, idx++, a);
	db_bind_text(st, idx++, ts);
	db_bind_int64(st, idx, id);
	r = db_step(st);
	db_finalize(st);
	for (size_t i = 0; r >= 0 && i < sizeof sealed_keys / sizeof sealed_keys[0]; i++)
		if (json_object_get(body, sealed_keys[i]))
			r = sealed_put(db, ctx->app, "contact", sealed_cols[i], id, opt(body, sealed_keys[i]));
	if (r < 0)
		goto fail;
	struct buf changed;
	buf_init(&changed, 256);
	const char *key;
	json_t *v;
	buf_puts(&changed, "changed:");
	json_object_foreach((json_t *)body, key, v)
	{
		buf_printf(&changed, " %.20s", key);
	}
	r = svc_audit_append(db, ctx, "contact.update", "contact", oid, buf_str(&changed));
	buf_done(&changed);
	if (r < 0 || (r = db_commit(db)) < 0)
		goto fail;
	if ((r = db_prepare(db, "SELECT " CONTACT_COLUMNS " FROM contact WHERE id = ?", &st)) < 0)
		return r;
	db_bind_int64(st, 1, id);
	r = db_step(st);
	json_t *j = r == DB_ROW ? contact_json(ctx->app, st, &r) : NULL;
	db_finalize(st);
	if (!j)
		return r < 0 ? r : ERR_NOTFOUND;
	*ret = j;
	return 0;
fail:
	db_rollback(db);
	return r;
}
