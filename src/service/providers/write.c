/* write.c: adding a provider to the directory and changing it. */
#include "service/providers/providers_int.h"

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
#include "model/pack.h"
#include "service/audit.h"
#include "service/sealed.h"

#define NAME_MAX_LEN 200
#define CODE_MAX_LEN (SCOPE_MAX - 1) /* a provider user's scope is the code */
#define TEXT_MAX_LEN 4000
#define LINE_MAX_LEN 500
#define AGE_MAX 25
#define COUNT_MAX 100000
#define LIST_MAX 50
#define LANGUAGE_MAX_LEN 60
#define STAFF_MAX 100

static const char *const statuses[] = {"informed", "not_informed", "lapsed", NULL};

#define PROVIDER_FIELDS(req)                                                                                  \
	{"code", FT_STRING, .required = req, .max_len = CODE_MAX_LEN},                                           \
	{"name", FT_STRING, .required = req, .max_len = NAME_MAX_LEN},                                           \
	{"description", FT_STRING, .nullable = true, .max_len = TEXT_MAX_LEN},                                   \
	{"services", FT_ARRAY, .required = req, .max_len = LIST_MAX},                                            \
	{"regions", FT_ARRAY, .required = req, .max_len = LIST_MAX},                                             \
	{"populations", FT_ARRAY, .max_len = LIST_MAX},                                                          \
	{"languages", FT_ARRAY, .max_len = LIST_MAX},                                                            \
	{"age_min", FT_INT, .nullable = true},                                                                   \
	{"age_max", FT_INT, .nullable = true},                                                                   \
	{"capacity", FT_INT, .nullable = true},                                                                  \
	{"openings", FT_INT, .nullable = true},                                                                  \
	{"phone", FT_STRING, .nullable = true, .max_len = NAME_MAX_LEN},                                         \
	{"email", FT_STRING, .nullable = true, .max_len = NAME_MAX_LEN},                                         \
	{"website", FT_STRING, .nullable = true, .max_len = LINE_MAX_LEN},                                       \
	{"address", FT_STRING, .nullable = true, .max_len = LINE_MAX_LEN},                                       \
	{"staff", FT_ARRAY, .nullable = true, .max_len = STAFF_MAX},                                             \
	{"informed_status", FT_STRING, .allowed = statuses},                                                     \
	{"informed_basis", FT_STRING, .nullable = true, .max_len = LINE_MAX_LEN},                                \
	{"informed_until", FT_STRING, .nullable = true, .max_len = 10}

static const struct field_rule create_fields[] = {PROVIDER_FIELDS(true), {.key = NULL}};
const struct schema svc_provider_create_schema = {.name = "provider create", .fields = create_fields};

static const struct field_rule update_fields[] = {
	{"version", FT_INT, .required = true},
	PROVIDER_FIELDS(false),
	{"active", FT_BOOL, .required = false},
	{.key = NULL},
};
const struct schema svc_provider_update_schema = {.name = "provider update", .fields = update_fields};

/* ---- what a schema cannot say ---- */

static bool is_code(const char *s)
{
	if (!islower((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* "YYYY-MM-DD" exactly, a real day. */
static bool is_date(const char *s)
{
	int y, m, d, n = 0;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[4] != '-' ||
	    s[7] != '-' || !isdigit((unsigned char)s[5]) || !isdigit((unsigned char)s[8]))
		return false;
	return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= civil_days_in_month(y, m);
}

/* Each item of the list at key: a value found by known (NULL: a language,
 * one line of text), none twice. label is the field in the form's words. */
static void check_list(const struct pack *p, const json_t *body, const char *key, const char *label,
		       bool (*known)(const struct pack *, const char *), bool need_one, struct field_errors *errs)
{
	json_t *list = json_object_get(body, key), *v;
	if (!json_is_array(list)) {
		if (need_one && json_is_null(list))
			field_error_add(errs, key, "%s: choose at least one", label);
		return;
	}
	if (need_one && json_array_size(list) == 0)
		field_error_add(errs, key, "%s: choose at least one", label);
	size_t i;
	json_array_foreach(list, i, v)
	{
		char path[64];
		snprintf(path, sizeof path, "%s[%zu]", key, i);
		const char *s = json_string_value(v);
		if (!s || (known ? !known(p, s) : !str_is_line(s, LANGUAGE_MAX_LEN) || !*s)) {
			field_error_add(errs, path, known ? "%s: not one of the choices in the list" : "%s: a name of one line, at most %d characters", label,
					LANGUAGE_MAX_LEN);
			continue;
		}
		for (size_t k = 0; k < i; k++) {
			const char *t = json_string_value(json_array_get(list, k));
			if (t && (known ? strcmp(s, t) : strcasecmp(s, t)) == 0) {
				field_error_add(errs, path, "%s: \"%.60s\" is listed twice", label, s);
				break;
			}
		}
	}
}

static bool known_service(const struct pack *p, const char *s)
{
	return pack_item_find(p->services, p->n_services, s) != NULL;
}

static bool known_region(const struct pack *p, const char *s)
{
	return pack_region(p, s) != NULL;
}

static bool known_population(const struct pack *p, const char *s)
{
	return pack_item_find(p->recovery.populations, p->recovery.n_populations, s) != NULL;
}

/* An integer at key in lo..hi, when one was sent. */
static void check_int(const json_t *body, const char *key, const char *what, int64_t lo, int64_t hi,
		      struct field_errors *errs)
{
	json_t *v = json_object_get(body, key);
	if (json_is_integer(v) && (json_integer_value(v) < lo || json_integer_value(v) > hi))
		field_error_add(errs, key, "%s: a whole number from %lld to %lld", what, (long long)lo, (long long)hi);
}

static void check_staff(const json_t *body, struct field_errors *errs)
{
	json_t *list = json_object_get(body, "staff"), *m;
	size_t i;
	json_array_foreach(list, i, m)
	{
		char path[64];
		snprintf(path, sizeof path, "staff[%zu]", i);
		if (!json_is_object(m)) {
			field_error_add(errs, path, "Staff member: give a name and a role");
			continue;
		}
		const char *key;
		json_t *v;
		json_object_foreach(m, key, v)
		{
			if (strcmp(key, "name") && strcmp(key, "role") && strcmp(key, "phone") && strcmp(key, "email"))
				field_error_add(errs, path, "Staff member: unknown field \"%.40s\"", key);
			else if (!json_is_string(v) && !json_is_null(v))
				field_error_add(errs, path, "Staff member: %s must be text", key);
		}
		const char *name = json_get_str(m, "name"), *role = json_get_str(m, "role");
		snprintf(path, sizeof path, "staff[%zu].name", i);
		if (!name || !*name || !str_is_line(name, NAME_MAX_LEN))
			field_error_add(errs, path, "Staff name: required, one line of at most %d characters", NAME_MAX_LEN);
		snprintf(path, sizeof path, "staff[%zu].role", i);
		if (!role || !*role || !str_is_line(role, NAME_MAX_LEN))
			field_error_add(errs, path, "Staff role: required, one line of at most %d characters", NAME_MAX_LEN);
		snprintf(path, sizeof path, "staff[%zu].phone", i);
		field_check_phone(errs, path, "Staff telephone", json_get_str(m, "phone"));
		snprintf(path, sizeof path, "staff[%zu].email", i);
		field_check_email(errs, path, "Staff e-mail", json_get_str(m, "email"));
	}
}

/* One line of text at key, when sent. */
static void check_line(const json_t *body, const char *key, const char *what, size_t max, struct field_errors *errs)
{
	const char *s = json_get_str(body, key);
	if (s && *s && strlen(s) <= max && !str_is_line(s, max))
		field_error_add(errs, key, "%s: one line of at most %zu characters", what, max);
}

/* The fields present in body, each on its own. */
static void check_fields(const struct pack *p, const json_t *body, bool create, struct field_errors *errs)
{
	const char *s = json_get_str(body, "code");
	json_t *v;
	if ((s && *s && strlen(s) <= CODE_MAX_LEN && !is_code(s)) || (!create && (v = json_object_get(body, "code")) &&
								  (json_is_null(v) || (s && !*s))))
		field_error_add(errs, "code", "Code: lower-case letters, digits and _, starting with a letter");
	s = json_get_str(body, "name");
	if ((s && *s && strlen(s) <= NAME_MAX_LEN && !str_is_line(s, NAME_MAX_LEN)) ||
	    (!create && (v = json_object_get(body, "name")) && (json_is_null(v) || (s && !*s))))
		field_error_add(errs, "name", "Name: required, one line of at most %d characters", NAME_MAX_LEN);
	check_list(p, body, "services", "Services", known_service, true, errs);
	check_list(p, body, "regions", "Regions served", known_region, true, errs);
	check_list(p, body, "populations", "Populations", known_population, false, errs);
	check_list(p, body, "languages", "Languages", NULL, false, errs);
	check_int(body, "age_min", "Youngest age", 0, AGE_MAX, errs);
	check_int(body, "age_max", "Oldest age", 0, AGE_MAX, errs);
	check_int(body, "capacity", "Capacity", 0, COUNT_MAX, errs);
	check_int(body, "openings", "Openings", 0, COUNT_MAX, errs);
	field_check_phone(errs, "phone", "Telephone", json_get_str(body, "phone"));
	field_check_email(errs, "email", "E-mail", json_get_str(body, "email"));
	check_line(body, "website", "Website", LINE_MAX_LEN, errs);
	check_line(body, "informed_basis", "Training basis", LINE_MAX_LEN, errs);
	if ((s = json_get_str(body, "informed_until")) && *s && !is_date(s))
		field_error_add(errs, "informed_until", "Informed until: a date written YYYY-MM-DD");
	if (!create && json_is_null(json_object_get(body, "informed_status")))
		field_error_add(errs, "informed_status", "Trafficking-informed: choose one from the list");
	check_staff(body, errs);
}

/* The rules between fields, on the provider as it would be (merged). */
static void check_together(const json_t *m, struct field_errors *errs)
{
	json_t *lo = json_object_get(m, "age_min"), *hi = json_object_get(m, "age_max");
	if (json_is_integer(lo) && json_is_integer(hi) && json_integer_value(lo) > json_integer_value(hi))
		field_error_add(errs, "age_max", "Oldest age: not below the youngest age");
	json_t *cap = json_object_get(m, "capacity"), *open = json_object_get(m, "openings");
	if (json_is_integer(cap) && json_is_integer(open) && json_integer_value(open) > json_integer_value(cap))
		field_error_add(errs, "openings", "Openings: not more than the capacity");
}

/* ---- writing ---- */

/* "" and null both store NULL. */
static const char *opt(const json_t *body, const char *key)
{
	const char *s = json_get_str(body, key);
	return s && *s ? s : NULL;
}

/* -1 for "keep", -2 for NULL, else the value: what write_columns binds. */
static int64_t int_or(const json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);
	return !v ? -1 : json_is_integer(v) ? json_integer_value(v) : -2;
}

/* The lists sent in body replace the provider's. */
static int write_lists(struct db *db, int64_t id, const json_t *body)
{
	int r = 0;
	for (int k = 0; r == 0 && k < PROVIDER_KINDS; k++) {
		json_t *list = json_object_get(body, provider_kind_lists[k]), *v;
		if (!list)
			continue;
		r = db_execf(db, "DELETE FROM provider_offer WHERE provider_id = ? AND kind = ?", "it", id,
			     provider_kinds[k]);
		size_t i;
		json_array_foreach(list, i, v)
		{
			if (r == 0)
				r = db_execf(db, "INSERT INTO provider_offer (provider_id, kind, value) VALUES (?, ?, ?)",
					     "itt", id, provider_kinds[k], json_string_value(v));
		}
	}
	return r;
}

/* Staff as sealed JSON, when sent (null or [] clears). */
static int write_staff(struct db *db, struct app *app, int64_t id, const json_t *body)
{
	json_t *staff = json_object_get(body, "staff");
	if (!staff)
		return 0;
	if (!json_is_array(staff) || json_array_size(staff) == 0)
		return sealed_put(db, app, "provider", "staff", id, NULL);
	char *text = json_dump_text(staff, JSON_COMPACT);
	if (!text)
		return ERR_NOMEM;
	int r = sealed_put(db, app, "provider", "staff", id, text);
	free(text);
	return r;
}

/* Every plain column: a key sent sets it (null clears); else it keeps its
 * value. One statement for create (after a bare insert) and update. */
static int write_columns(struct db *db, int64_t id, const json_t *body, const char *ts)
{
	static const char *const text_keys[] = {"code", "name", "description", "phone", "email", "website",
						"address", "informed_status", "informed_basis", "informed_until"};
	enum { NTEXT = sizeof text_keys / sizeof *text_keys };
	const char *val[NTEXT];
	int64_t sent[NTEXT];
	for (size_t i = 0; i < NTEXT; i++) {
		sent[i] = json_object_get(body, text_keys[i]) != NULL;
		val[i] = opt(body, text_keys[i]);
	}
	json_t *active = json_object_get(body, "active");
	int64_t a = json_is_boolean(active) ? json_is_true(active) : -1;
	int64_t n[4] = {int_or(body, "age_min"), int_or(body, "age_max"), int_or(body, "capacity"),
			int_or(body, "openings")};
#define TCOL(c) " " c " = CASE WHEN CAST(? AS BIGINT) = 1 THEN ? ELSE " c " END,"
#define ICOL(c) " " c " = CASE WHEN CAST(? AS BIGINT) = -1 THEN " c " WHEN CAST(? AS BIGINT) = -2 THEN NULL ELSE CAST(? AS BIGINT) END,"
	return db_execf(db,
			"UPDATE provider SET" TCOL("code") TCOL("name") TCOL("description") TCOL("phone") TCOL("email")
				TCOL("website") TCOL("address") TCOL("informed_status") TCOL("informed_basis")
					TCOL("informed_until") ICOL("age_min") ICOL("age_max") ICOL("capacity")
						ICOL("openings")
			" active = CASE WHEN CAST(? AS BIGINT) >= 0 THEN CAST(? AS BIGINT) ELSE active END,"
			" updated_at = ? WHERE id = ?",
			"ititititititititititiiiiiiiiiiiiiiti", sent[0], val[0], sent[1], val[1], sent[2], val[2],
			sent[3], val[3], sent[4], val[4], sent[5], val[5], sent[6], val[6], sent[7],
			val[7] ? val[7] : "not_informed", sent[8], val[8], sent[9], val[9], n[0], n[0], n[0], n[1],
			n[1], n[1], n[2], n[2], n[2], n[3], n[3], n[3], a, a, ts, id);
#undef TCOL
#undef ICOL
}

/* The audit's detail: the keys sent ("changed: openings staff"). */
static int changed_keys(const json_t *body, struct buf *out)
{
	const char *key;
	json_t *v;
	int r = buf_puts(out, "changed:");
	json_object_foreach((json_t *)body, key, v)
	{
		if (r == 0 && strcmp(key, "version") != 0)
			r = buf_printf(out, " %.20s", key);
	}
	return r;
}

/* The provider as written, with staff for its keepers: read back after
 * the commit. */
static int answer(const struct svc_ctx *ctx, struct db *db, int64_t id, json_t **ret)
{
	json_t *doc = NULL;
	int r = provider_load(db, id, &doc);
	if (r == 0 && provider_staff_visible(ctx, json_string_value(json_object_get(doc, "code"))))
		r = provider_staff_json(db, ctx->app, id, doc);
	if (r < 0) {
		json_decref(doc);
		return r;
	}
	*ret = doc;
	return 0;
}

int svc_provider_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_PROVIDERS_MANAGE, &db);
	if (r < 0)
		return r;
	if (schema_check(&svc_provider_create_schema, body, errs) == 0 || json_is_object(body)) {
		check_fields(ctx->app->pack, body, true, errs);
		check_together(body, errs);
	}
	if (field_errors_any(errs))
		return ERR_INVAL;
	const char *code = json_get_str(body, "code");
	if ((r = providers_code_exists(db, code)) != 0)
		return r > 0 ? ERR_EXISTS : r;
	char ts[32];
	int64_t id;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = db_int64f(db, &id,
			   "INSERT INTO provider (code, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
			   "tttt", code, json_get_str(body, "name"), ts, ts)) < 0 ||
	    (r = write_columns(db, id, body, ts)) < 0 || (r = write_lists(db, id, body)) < 0 ||
	    (r = write_staff(db, ctx->app, id, body)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "provider.create", "provider", id, "code=%s", code)) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		/* Two managers adding the same code at once: the second loses. */
		return r == ERR_DB && providers_code_exists(db, code) > 0 ? ERR_EXISTS : r;
	}
	return answer(ctx, db, id, ret);
}

int svc_provider_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			json_t **ret)
{
	struct db *db;
	json_t *cur = NULL, *merged = NULL;
	int r = svc_enter(ctx, PERM_PROVIDERS_MANAGE, &db);
	if (r < 0 || (r = provider_load(db, id, &cur)) < 0)
		return r;
	if (schema_check(&svc_provider_update_schema, body, errs) == 0 || json_is_object(body)) {
		check_fields(ctx->app->pack, body, false, errs);
		/* A provider user's scope is the code: renaming it would move
		 * the agency's users to another agency, or to none. */
		const char *code = json_get_str(body, "code");
		if (code && *code && strcmp(code, json_string_value(json_object_get(cur, "code"))) != 0)
			field_error_add(errs, "code", "The code cannot be changed; it is how the agency's users are linked to it.");
		if (!(merged = json_deep_copy(cur)) || json_object_update(merged, (json_t *)body) < 0) {
			r = ERR_NOMEM;
			goto out;
		}
		check_together(merged, errs);
	}
	if (json_object_size(body) <= 1 && json_object_get(body, "version"))
		field_error_add(errs, "", "nothing to change");
	if (field_errors_any(errs)) {
		r = ERR_INVAL;
		goto out;
	}
	char ts[32];
	struct buf changed;
	buf_init(&changed, 512);
	int64_t rows = 0;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = changed_keys(body, &changed)) < 0 ||
	    (r = db_begin(db)) < 0)
		goto out_buf;
	if ((r = db_execnf(db, &rows, "UPDATE provider SET version = version + 1 WHERE id = ? AND version = ? RETURNING id",
			   "ii", id, (int64_t)json_integer_value(json_object_get(body, "version")))) < 0 ||
	    (rows == 0 && (r = ERR_CONFLICT) < 0) || (r = write_columns(db, id, body, ts)) < 0 ||
	    (r = write_lists(db, id, body)) < 0 || (r = write_staff(db, ctx->app, id, body)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "provider.update", "provider", id, "%s", buf_str(&changed))) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		goto out_buf;
	}
	r = answer(ctx, db, id, ret);
out_buf:
	buf_done(&changed);
out:
	json_decref(cur);
	json_decref(merged);
	return r;
}
