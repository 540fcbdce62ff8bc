/* trainees.c: the people trained (docs/training.md, "Courses and
 * sessions"): adding, changing, finding them, and a person's record. */
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/seal.h"
#include "base/str.h"
#include "match/norm.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/sealed.h"
#include "service/training/training_int.h"

#define MATCH_KDF_CONTEXT "trmatch1"

#define TRAINEE_FIELDS(req)                                                                                   \
	{"name", FT_STRING, .required = req, .max_len = TRAINING_NAME_MAX},                                      \
	{"email", FT_STRING, .nullable = true, .max_len = 254},                                                  \
	{"organisation", FT_STRING, .nullable = true, .max_len = TRAINING_NAME_MAX},                             \
	{"role_title", FT_STRING, .nullable = true, .max_len = TRAINING_NAME_MAX},                               \
	{"audience", FT_STRING, .required = req, .max_len = 64},                                                 \
	{"region", FT_STRING, .nullable = true, .max_len = 64},                                                  \
	{"user_id", FT_ID, .nullable = true},                                                                     \
	{"provider_id", FT_ID, .nullable = true},                                                                 \
	{"supervisor", FT_BOOL, .required = false}

static const struct field_rule create_fields[] = {TRAINEE_FIELDS(true), {.key = NULL}};
const struct schema svc_trainee_create_schema = {.name = "trainee create", .fields = create_fields};
static const struct field_rule update_fields[] = {{"version", FT_INT, .required = true}, TRAINEE_FIELDS(false),
						  {.key = NULL}};
const struct schema svc_trainee_update_schema = {.name = "trainee update", .fields = update_fields};

int training_match_key(struct app *app, const char *name, const char *email, char out[CRYPTO_HASH_HEX_SIZE])
{
	unsigned char key[crypto_generichash_KEYBYTES], h[32];
	uint32_t kid;
	int r = keyring_derive(app->keys, 0, MATCH_KDF_CONTEXT, key, sizeof key, &kid);
	if (r < 0)
		return r;
	char n[NORM_MAX], e[256];
	norm_text(name, n, sizeof n);
	size_t i = 0;
	for (; email && email[i] && i < sizeof e - 1; i++)
		e[i] = (char)tolower((unsigned char)email[i]);
	e[i] = '\0';
	crypto_generichash_state s;
	crypto_generichash_init(&s, key, sizeof key, sizeof h);
	crypto_generichash_update(&s, (const unsigned char *)n, strlen(n) + 1);
	crypto_generichash_update(&s, (const unsigned char *)e, strlen(e) + 1);
	crypto_generichash_final(&s, h, sizeof h);
	sodium_bin2hex(out, CRYPTO_HASH_HEX_SIZE, h, sizeof h);
	sodium_memzero(key, sizeof key);
	return 0;
}

/* What the schema cannot say: one line, values of the pack, links that
 * exist. */
static void check_fields(struct db *db, const struct pack *p, const json_t *body, bool create,
			 struct field_errors *errs)
{
	static const char *const lines[] = {"name", "organisation", "role_title"};
	for (size_t i = 0; i < 3; i++) {
		const char *s = json_get_str(body, lines[i]);
		if (s && *s && !str_is_line(s, TRAINING_NAME_MAX))
			field_error_add(errs, lines[i], "one line of at most %d characters", TRAINING_NAME_MAX);
	}
	if (!create && (json_is_null(json_object_get(body, "name")) ||
			(json_get_str(body, "name") && !*json_get_str(body, "name"))))
		field_error_add(errs, "name", "Name: required; it cannot be cleared");
	const char *s = json_get_str(body, "audience");
	if (s && !pack_item_find(p->training.audiences, p->training.n_audiences, s))
		field_error_add(errs, "audience", "Audience: one of the training audiences; choose one from the list");
	if ((s = json_get_str(body, "region")) && *s && !pack_region(p, s))
		field_error_add(errs, "region", "Region: one of the agency's regions; choose one from the list");
	field_check_email(errs, "email", "E-mail", json_get_str(body, "email"));
	int64_t one;
	json_t *v = json_object_get(body, "user_id");
	if (json_is_integer(v) &&
	    db_int64f(db, &one, "SELECT 1 FROM app_user WHERE id = ?", "i", (int64_t)json_integer_value(v)) < 0)
		field_error_add(errs, "user_id", "User: no such hartline user");
	v = json_object_get(body, "provider_id");
	if (json_is_integer(v) &&
	    db_int64f(db, &one, "SELECT 1 FROM provider WHERE id = ?", "i", (int64_t)json_integer_value(v)) < 0)
		field_error_add(errs, "provider_id", "Provider: no such provider in the directory");
}

static int64_t opt_id(const json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* Seal name and e-mail of row id and set its match key. */
static int seal_person(struct db *db, struct app *app, int64_t id, const char *name, const char *email)
{
	char key[CRYPTO_HASH_HEX_SIZE];
	int r;
	if ((r = sealed_put(db, app, "trainee", "name", id, name)) < 0 ||
	    (r = sealed_put(db, app, "trainee", "email", id, email)) < 0 ||
	    (r = training_match_key(app, name, email, key)) < 0)
		return r;
	return db_execf(db, "UPDATE trainee SET match_key = ? WHERE id = ?", "ti", key, id);
}

int svc_trainee_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_TRAINING_MANAGE, &db);
	if (r < 0)
		return r;
	if (schema_check(&svc_trainee_create_schema, body, errs) == 0 || json_is_object(body))
		check_fields(db, ctx->app->pack, body, true, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	char ts[32];
	int64_t id, uid = opt_id(body, "user_id"), pid = opt_id(body, "provider_id");
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = db_int64f(db, &id,
			   "INSERT INTO trainee (organisation, role_title, audience, region, user_id, provider_id,"
			   " supervisor, created_at, updated_at) VALUES (?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?)"
			   " RETURNING id",
			   "ttttiiitt", tr_opt(body, "organisation"), tr_opt(body, "role_title"),
			   json_get_str(body, "audience"), tr_opt(body, "region"), uid, pid,
			   (int64_t)json_is_true(json_object_get(body, "supervisor")), ts, ts)) < 0 ||
	    (r = seal_person(db, ctx->app, id, json_get_str(body, "name"), tr_opt(body, "email"))) < 0 ||
	    (r = tr_mark_trainee(db, id)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "training.trainee_create", "trainee", id, "audience=%s",
				   json_get_str(body, "audience"))) < 0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	*ret = json_pack("{s:I, s:i}", "id", (json_int_t)id, "version", 1);
	return *ret ? 0 : ERR_NOMEM;
}

#define TRAINEE_COLUMNS                                                                                       \
	"t.id, t.name, t.email, t.organisation, t.role_title, t.audience, t.region, t.user_id, t.provider_id,"    \
	" t.supervisor, t.version, t.created_at, t.updated_at, p.code, p.name"
#define TRAINEE_FROM " FROM trainee t LEFT JOIN provider p ON p.id = t.provider_id"

static json_t *trainee_json(struct app *app, struct db_stmt *st, int *ret_err)
{
	int64_t id = db_column_int64(st, 0);
	json_t *j = json_object();
	*ret_err = j ? 0 : ERR_NOMEM;
	if (*ret_err == 0 &&
	    ((*ret_err = db_row_json(st, "id:i", j)) < 0 ||
	     (*ret_err = sealed_json(app, st, 1, "trainee", "name", id, j, "name")) < 0 ||
	     (*ret_err = sealed_json(app, st, 2, "trainee", "email", id, j, "email")) < 0 ||
	     (*ret_err = db_row_json(st,
				     "- - - organisation role_title audience region user_id:i provider_id:i supervisor:b"
				     " version:i created_at updated_at provider_code provider_name",
				     j)) < 0)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The trainee's row in scope: ERR_NOTFOUND outside it. */
static int trainee_row(struct db *db, int64_t id, int64_t scope, struct db_stmt **st)
{
	return db_rowf(db, st,
		       "SELECT " TRAINEE_COLUMNS TRAINEE_FROM " WHERE t.id = ? AND (CAST(? AS BIGINT) = 0 OR"
		       " t.provider_id = ?)",
		       "iii", id, scope, scope);
}

/* A needle found in the name or e-mail (without case, names normalised). */
static bool trainee_matches(const json_t *t, const char *q)
{
	char nq[NORM_MAX], nn[NORM_MAX];
	norm_text(q, nq, sizeof nq);
	norm_text(json_get_str(t, "name"), nn, sizeof nn);
	const char *e = json_get_str(t, "email");
	return (*nq && strstr(nn, nq)) || (e && strcasestr(e, q));
}

int svc_trainees_list(const struct svc_ctx *ctx, const struct trainee_filter *f, struct field_errors *errs,
		      json_t **ret)
{
	struct db *db;
	int64_t scope, after;
	int r = svc_enter(ctx, PERM_TRAINING_READ, &db);
	if (r < 0 || (r = tr_page(&tr_trainees_page, f->limit, f->after, &after, errs)) < 0 || (r = tr_scope(ctx, db, &scope)) < 0)
		return r;
	int limit = f->limit > 0 ? f->limit : TRAINING_PAGE_DEFAULT;
	struct db_stmt *st;
	/* Names are sealed: the needle is looked for in the opened rows. */
	if ((r = db_preparef(db, &st,
			     "SELECT " TRAINEE_COLUMNS TRAINEE_FROM " WHERE t.id > ? AND (CAST(? AS BIGINT) = 0 OR"
			     " t.provider_id = ?) AND (CAST(? AS TEXT) IS NULL OR p.code = ?) ORDER BY t.id",
			     "iiitt", after, scope, scope, f->provider, f->provider)) < 0)
		return r;
	json_t *items = json_array(), *t;
	if (!items)
		r = ERR_NOMEM;
	while (items && json_array_size(items) <= (size_t)limit && (r = db_step(st)) == DB_ROW) {
		if (!(t = trainee_json(ctx->app, st, &r)))
			break;
		if (f->q && *f->q && !trainee_matches(t, f->q))
			json_decref(t);
		else if (json_array_append_new(items, t) < 0)
			r = ERR_NOMEM;
	}
	db_finalize(st);
	if (r >= 0)
		r = svc_audit_appendf(db, ctx, "training.trainee_list", "trainee", AUDIT_NO_OBJECT, "count=%zu",
				      json_array_size(items));
	if (r < 0) {
		json_decref(items);
		return r;
	}
	return tr_page_answer(&tr_trainees_page, items, limit, ret);
}

static int record_registrations(const struct svc_ctx *ctx, struct db *db, int64_t id, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT r.id, r.session_id, s.number, s.course, s.starts_at, s.status, r.status,"
			    " r.waitlist_position, r.attended, r.completed FROM registration r"
			    " JOIN training_session s ON s.id = r.session_id WHERE r.trainee_id = ?"
			    " ORDER BY s.starts_at DESC, r.id",
			    "i", id);
	if (r < 0)
		return r;
	json_t *list = json_array();
	while (list && (r = db_step(st)) == DB_ROW) {
		json_t *j = json_object();
		const struct pack_course *c = pack_course(ctx->app->pack, db_column_text(st, 3));
		if (!j || db_row_json(st,
				      "id:i session_id:i session_number course starts_at session_status status"
				      " waitlist_position:i attended:b completed:b",
				      j) < 0 ||
		    json_object_set_new(j, "course_name", json_string(c ? c->name : db_column_text(st, 3))) < 0 ||
		    json_array_append_new(list, j) < 0) {
			r = ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	if (r >= 0 && (!list || json_object_set_new(out, "registrations", list) < 0))
		return ERR_NOMEM;
	if (r < 0)
		json_decref(list);
	return r < 0 ? r : 0;
}

static int record_certificates(const struct svc_ctx *ctx, struct db *db, int64_t id, json_t *out)
{
	struct db_stmt *st;
	char today[11];
	int r = tr_today(today);
	if (r < 0 || (r = db_preparef(db, &st,
				      "SELECT c.id, c.code, c.course, c.session_id, s.number, c.completed_on, c.issued_at,"
				      " c.expires_at, c.revoked_at FROM certificate c LEFT JOIN training_session s"
				      " ON s.id = c.session_id WHERE c.trainee_id = ? ORDER BY c.completed_on DESC, c.id",
				      "i", id)) < 0)
		return r;
	json_t *list = json_array();
	while (list && (r = db_step(st)) == DB_ROW) {
		json_t *j = json_object();
		const char *exp = db_column_text(st, 7);
		bool valid = !db_column_text(st, 8) && (!exp || strcmp(exp, today) >= 0);
		const struct pack_course *c = pack_course(ctx->app->pack, db_column_text(st, 2));
		if (!j ||
		    db_row_json(st, "id:i code course session_id:i session_number completed_on issued_at expires_at revoked_at",
				j) < 0 ||
		    json_object_set_new(j, "course_name", json_string(c ? c->name : db_column_text(st, 2))) < 0 ||
		    json_object_set_new(j, "valid", json_boolean(valid)) < 0 || json_array_append_new(list, j) < 0) {
			r = ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	if (r >= 0 && (!list || json_object_set_new(out, "certificates", list) < 0))
		return ERR_NOMEM;
	if (r < 0)
		json_decref(list);
	return r < 0 ? r : 0;
}

struct trainee_read {
	const struct svc_ctx *ctx;
	int64_t id, scope;
	json_t *t;
};

static int trainee_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct trainee_read *p = arg;
	struct db_stmt *st;
	int r = trainee_row(db, p->id, p->scope, &st);
	if (r < 0)
		return r;
	p->t = trainee_json(p->ctx->app, st, &r);
	db_finalize(st);
	if (!p->t)
		return r;
	if ((r = record_registrations(p->ctx, db, p->id, p->t)) < 0 ||
	    (r = record_certificates(p->ctx, db, p->id, p->t)) < 0)
		return r;
	return audit_read_detail(rec, "record");
}

/* The trainee's record as answered, its read recorded; inside the caller's
 * transaction when there is one. */
static int trainee_get(struct db *db, const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct trainee_read p = {.ctx = ctx, .id = id};
	int r = tr_scope(ctx, db, &p.scope);
	if (r < 0)
		return r;
	struct audit_read rec = {.action = "training.trainee_read", .object_type = "trainee", .object_id = id};
	if ((r = svc_audited_read(db, ctx, &rec, trainee_read, &p)) < 0) {
		json_decref(p.t);
		return r;
	}
	*ret = p.t;
	return 0;
}

int svc_trainee_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_TRAINING_READ, &db);
	return r < 0 ? r : trainee_get(db, ctx, id, ret);
}

static int write_update(struct db *db, struct app *app, int64_t id, const json_t *body, const char *ts)
{
	static const char *const cols[] = {"organisation", "role_title", "region"};
	int r = db_execf(db, "UPDATE trainee SET version = version + 1, updated_at = ?,"
			     " audience = COALESCE(?, audience) WHERE id = ?",
			 "tti", ts, json_get_str(body, "audience"), id);
	if (r == 0)
		r = tr_mark_trainee(db, id);
	for (size_t i = 0; r == 0 && i < 3; i++)
		if (json_object_get(body, cols[i])) {
			char sql[96];
			snprintf(sql, sizeof sql, "UPDATE trainee SET %s = ? WHERE id = ?", cols[i]);
			r = db_execf(db, sql, "ti", tr_opt(body, cols[i]), id);
		}
	if (r == 0 && json_object_get(body, "user_id"))
		r = db_execf(db, "UPDATE trainee SET user_id = NULLIF(?, 0) WHERE id = ?", "ii", opt_id(body, "user_id"), id);
	if (r == 0 && json_object_get(body, "provider_id"))
		r = db_execf(db, "UPDATE trainee SET provider_id = NULLIF(?, 0) WHERE id = ?", "ii",
			     opt_id(body, "provider_id"), id);
	if (r == 0 && json_is_boolean(json_object_get(body, "supervisor")))
		r = db_execf(db, "UPDATE trainee SET supervisor = ? WHERE id = ?", "ii",
			     (int64_t)json_is_true(json_object_get(body, "supervisor")), id);
	if (r == 0 && (json_object_get(body, "name") || json_object_get(body, "email"))) {
		char *name = NULL, *email = NULL;
		struct db_stmt *st;
		if ((r = db_rowf(db, &st, "SELECT name, email FROM trainee WHERE id = ?", "i", id)) < 0)
			return r;
		if ((r = sealed_get(app, st, 0, "trainee", "name", id, &name)) == 0)
			r = sealed_get(app, st, 1, "trainee", "email", id, &email);
		db_finalize(st);
		if (r == 0)
			r = seal_person(db, app, id, json_object_get(body, "name") ? json_get_str(body, "name") : name,
					json_object_get(body, "email") ? tr_opt(body, "email") : email);
		free(name);
		free(email);
	}
	return r;
}

int svc_trainee_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		       json_t **ret)
{
	struct db *db;
	int64_t version;
	/* The answer is the record, read in the same transaction. */
	int r = svc_enter(ctx, PERM_TRAINING_MANAGE, &db);
	if (r < 0 || (r = svc_require(ctx, PERM_TRAINING_READ)) < 0 ||
	    (r = db_int64f(db, &version, "SELECT version FROM trainee WHERE id = ?", "i", id)) < 0)
		return r;
	if (schema_check(&svc_trainee_update_schema, body, errs) == 0 || json_is_object(body))
		check_fields(db, ctx->app->pack, body, false, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (json_integer_value(json_object_get(body, "version")) != version)
		return ERR_CONFLICT;
	char ts[32];
	json_t *out = NULL;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	int64_t changed;
	if ((r = db_int64f(db, &changed, "UPDATE trainee SET version = version WHERE id = ? AND version = ? RETURNING id",
			   "ii", id, version)) == ERR_NOTFOUND)
		r = ERR_CONFLICT;
	if (r < 0 || (r = write_update(db, ctx->app, id, body, ts)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "training.trainee_update", "trainee", id, "version=%lld",
				   (long long)version + 1)) < 0 ||
	    (r = trainee_get(db, ctx, id, &out)) < 0 || (r = db_commit(db)) < 0) {
		db_rollback(db);
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}
