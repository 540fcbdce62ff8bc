/* common.c: what the training service's use cases share (training_int.h). */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/page.h"
#include "service/sealed.h"
#include "service/training/training_int.h"

const char *tr_opt(const json_t *body, const char *key)
{
	const char *s = json_get_str(body, key);
	return s && *s ? s : NULL;
}

int tr_scope(const struct svc_ctx *ctx, struct db *db, int64_t *ret_provider)
{
	*ret_provider = 0;
	if (ctx->actor->role != ROLE_PROVIDER)
		return 0;
	int r = db_int64f(db, ret_provider, "SELECT id FROM provider WHERE code = ?", "t", ctx->actor->scope);
	if (r == ERR_NOTFOUND) {
		*ret_provider = -1;
		return 0;
	}
	return r;
}

int tr_seq_next(struct db *db, int64_t *ret)
{
	int r = db_int64f(db, ret, "UPDATE training_seq SET last = last + 1 WHERE id = 1 RETURNING last", "");
	/* The counter row is the migration's: without it no training figure
	 * is right, so that is the database's fault. */
	return r == ERR_NOTFOUND ? ERR_DB : r;
}

int tr_mark_session(struct db *db, int64_t session_id)
{
	int64_t seq;
	int r = tr_seq_next(db, &seq);
	return r < 0 ? r : db_execf(db, "UPDATE training_session SET seq = ? WHERE id = ?", "ii", seq, session_id);
}

int tr_mark_trainee(struct db *db, int64_t trainee_id)
{
	int64_t seq;
	int r = tr_seq_next(db, &seq);
	return r < 0 ? r : db_execf(db, "UPDATE trainee SET seq = ? WHERE id = ?", "ii", seq, trainee_id);
}

/* The lists read by id after a cursor: their cursors are the shared
 * helper's (service/page.h), the place being the last row's id. */
static const struct page_sort tr_sorts[] = {{"id", "id"}, {NULL, NULL}};
const struct page_list tr_trainees_page = {"trainees", "id", tr_sorts, "id"};
const struct page_list tr_sessions_page = {"training_sessions", "id", tr_sorts, "id"};
const struct page_list tr_certificates_page = {"certificates", "id", tr_sorts, "id"};

int tr_page(const struct page_list *l, int limit, const char *after, int64_t *ret_after, struct field_errors *errs)
{
	struct list_page p;
	struct page_query q = {.after = after};
	*ret_after = 0;
	if (limit < 0 || limit > PAGE_LIMIT_MAX)
		field_error_add(errs, "limit", "a number of rows from 1 to %d", PAGE_LIMIT_MAX);
	if (page_parse(l, &q, &p, errs) == 0 && p.has_after)
		*ret_after = p.id;
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

int tr_page_answer(const struct page_list *l, json_t *items, int limit, json_t **ret)
{
	json_t *next = json_null();
	if (json_array_size(items) > (size_t)limit) {
		struct list_page p;
		struct page_query q = {0};
		struct field_errors errs;
		char cur[128];
		field_errors_init(&errs, 2);
		int64_t id = json_integer_value(json_object_get(json_array_get(items, (size_t)limit - 1), "id"));
		int r = page_parse(l, &q, &p, &errs);
		field_errors_done(&errs);
		if (r < 0 || page_cursor(&p, "", id, cur, sizeof cur) < 0 || !(next = json_string(cur)) ||
		    json_array_remove(items, (size_t)limit) < 0) {
			json_decref(next);
			json_decref(items);
			return r < 0 ? r : ERR_NOMEM;
		}
	}
	*ret = json_pack("{s:o, s:o}", "items", items, "next", next);
	return *ret ? 0 : ERR_NOMEM;
}

int tr_trainee_name(struct app *app, struct db *db, int64_t trainee_id, char **ret)
{
	struct db_stmt *st;
	*ret = NULL;
	int r = db_rowf(db, &st, "SELECT name FROM trainee WHERE id = ?", "i", trainee_id);
	if (r < 0)
		return r;
	r = sealed_get(app, st, 0, "trainee", "name", trainee_id, ret);
	db_finalize(st);
	return r;
}

int tr_is_trainer(const struct app *app, struct db *db, int64_t trainee_id, const char *today)
{
	const struct pack_training *t = &app->pack->training;
	for (size_t i = 0; i < t->n_courses; i++) {
		if (!t->courses[i].trains_trainers)
			continue;
		int64_t one;
		int r = db_int64f(db, &one,
				  "SELECT 1 FROM certificate WHERE trainee_id = ? AND course = ? AND revoked_at IS NULL"
				  " AND (expires_at IS NULL OR expires_at >= ?) LIMIT 1",
				  "itt", trainee_id, t->courses[i].id, today);
		if (r == 0)
			return 1;
		if (r != ERR_NOTFOUND)
			return r;
	}
	return 0;
}

int tr_today(char out[11])
{
	/* The jurisdiction's day: a certificate valid through a date is valid
	 * until that day ends on the agency's clocks. */
	return local_date(now(), out, 11);
}

int tr_session_load(struct db *db, int64_t id, struct tr_session *s)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT id, capacity, version, status, course, starts_at, number FROM training_session WHERE id = ?",
			"i", id);
	if (r < 0)
		return r;
	s->id = db_column_int64(st, 0);
	s->capacity = db_column_int64(st, 1);
	s->version = db_column_int64(st, 2);
	const char *v[4] = {db_column_text(st, 3), db_column_text(st, 4), db_column_text(st, 5), db_column_text(st, 6)};
	str_copy(s->status, sizeof s->status, v[0] ? v[0] : "");
	str_copy(s->course, sizeof s->course, v[1] ? v[1] : "");
	str_copy(s->starts_at, sizeof s->starts_at, v[2] ? v[2] : "");
	str_copy(s->number, sizeof s->number, v[3] ? v[3] : "");
	db_finalize(st);
	return 0;
}
