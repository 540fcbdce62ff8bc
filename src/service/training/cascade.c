/* cascade.c: train the trainer. Who holds a valid certificate of a
 * course that trains trainers, the sessions each led and the people they
 * reached, and two levels deep: of those reached, the ones who became
 * certified trainers themselves and how many they reached in turn
 * (docs/training.md, "Train the trainer"). */
#include "service/training_certs.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/page.h"
#include "service/sealed.h"

/* A sorted set of trainee ids. */
struct ids {
	int64_t *v;
	size_t n, cap;
};

static void ids_done(struct ids *s)
{
	free(s->v);
	*s = (struct ids){0};
}

static int ids_add(struct ids *s, int64_t id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		int64_t *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorted, without repeats. */
static void ids_seal(struct ids *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, cmp_id);
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		if (k == 0 || s->v[k - 1] != s->v[i])
			s->v[k++] = s->v[i];
	s->n = k;
}

static bool ids_has(const struct ids *s, int64_t id)
{
	return s->n && bsearch(&id, s->v, s->n, sizeof id, cmp_id);
}

/* Every trainee holding a valid certificate of a trains_trainers course
 * now. Certificates are few: the course and the status are judged here,
 * by the pack and the service clock. */
static int certified_trainers(struct db *db, struct app *app, struct ids *ret)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st, "SELECT trainee_id, course, expires_at FROM certificate WHERE revoked_at IS NULL",
			    "");
	if (r < 0)
		return r;
	hl_time t = now();
	while ((r = db_step(st)) == DB_ROW) {
		const struct pack_course *pc = pack_course(app->pack, db_column_text(st, 1));
		if (pc && pc->trains_trainers && strcmp(cert_status(db_column_text(st, 2), NULL, t), "valid") == 0 &&
		    (r = ids_add(ret, db_column_int64(st, 0))) < 0)
			break;
	}
	db_finalize(st);
	if (r < 0)
		return r;
	ids_seal(ret);
	return 0;
}

/* The distinct people who attended a session trainer led (not the
 * trainer). */
static int reached(struct db *db, int64_t trainer, struct ids *ret)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT DISTINCT r.trainee_id FROM session_trainer st"
			    " JOIN training_session s ON s.id = st.session_id"
			    " JOIN registration r ON r.session_id = st.session_id"
			    " WHERE st.trainee_id = ? AND s.status <> 'cancelled' AND r.attended = 1 AND r.trainee_id <> ?",
			    "ii", trainer, trainer);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW)
		if ((r = ids_add(ret, db_column_int64(st, 0))) < 0)
			break;
	db_finalize(st);
	if (r < 0)
		return r;
	ids_seal(ret);
	return 0;
}

static int sessions_led(struct db *db, int64_t trainer, int64_t *ret)
{
	return db_int64f(db, ret,
			 "SELECT count(*) FROM session_trainer st JOIN training_session s ON s.id = st.session_id"
			 " WHERE st.trainee_id = ? AND s.status <> 'cancelled'",
			 "i", trainer);
}

/* The sessions trainer led, newest first, with how many attended. */
static int sessions_json(struct db *db, int64_t trainer, json_t **ret)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT s.id, s.number, s.course, s.starts_at, s.region,"
			    " (SELECT count(*) FROM registration r WHERE r.session_id = s.id AND r.attended = 1) AS attended"
			    " FROM session_trainer st JOIN training_session s ON s.id = st.session_id"
			    " WHERE st.trainee_id = ? AND s.status <> 'cancelled' ORDER BY s.starts_at DESC, s.id",
			    "i", trainer);
	if (r < 0)
		return r;
	json_t *list = json_array();
	while ((r = db_step(st)) == DB_ROW) {
		json_t *s = json_object();
		if (!s || (r = db_row_json(st, "id:i number course starts_at region attended:i", s)) < 0 ||
		    json_array_append_new(list, s) < 0) {
			r = r < 0 ? r : ERR_NOMEM;
			break;
		}
	}
	db_finalize(st);
	if (r < 0 || !list) {
		json_decref(list);
		return r < 0 ? r : ERR_NOMEM;
	}
	*ret = list;
	return 0;
}

/* The trainee's name (when in the actor's scope, else null) and
 * organisation, set on j. */
static int trainee_into(struct db *db, const struct svc_ctx *ctx, int64_t id, json_t *j)
{
	bool visible;
	struct db_stmt *st;
	int r = cert_trainee_in_scope(db, ctx, id, &visible);
	if (r < 0 || (r = db_rowf(db, &st, "SELECT name, organisation FROM trainee WHERE id = ?", "i", id)) < 0)
		return r;
	if (visible)
		r = sealed_json(ctx->app, st, 0, "trainee", "name", id, j, "name");
	else
		r = json_object_set_new(j, "name", json_null()) < 0 ? ERR_NOMEM : 0;
	/* withheld: another organisation's person, named to its own users only. */
	if (r == 0 && json_object_set_new(j, "withheld", json_boolean(!visible)) < 0)
		r = ERR_NOMEM;
	if (r == 0 && (r = db_row_json(st, "- organisation", j)) == 0 &&
	    json_object_set_new(j, "trainee_id", json_integer(id)) < 0)
		r = ERR_NOMEM;
	db_finalize(st);
	return r;
}

/* One trainer of the cascade: their sessions (listed when detail, else
 * counted), the people reached, and the certified trainers among them. */
static int trainer_json(struct db *db, const struct svc_ctx *ctx, const struct ids *certified, int64_t id, bool detail,
			json_t **ret)
{
	struct ids mine = {0}, second = {0};
	json_t *j = json_object(), *next = json_array(), *sessions = NULL;
	int64_t n = 0;
	int r = j && next ? 0 : ERR_NOMEM;
	if (r < 0 || (r = trainee_into(db, ctx, id, j)) < 0 || (r = reached(db, id, &mine)) < 0)
		goto out;
	if (detail ? (r = sessions_json(db, id, &sessions)) < 0 : (r = sessions_led(db, id, &n)) < 0)
		goto out;
	for (size_t i = 0; i < mine.n; i++) {
		if (!ids_has(certified, mine.v[i]))
			continue;
		struct ids theirs = {0};
		int64_t led = 0;
		json_t *t = json_object();
		if (!t)
			r = ERR_NOMEM;
		else if ((r = trainee_into(db, ctx, mine.v[i], t)) == 0 && (r = reached(db, mine.v[i], &theirs)) == 0 &&
			 (r = sessions_led(db, mine.v[i], &led)) == 0 &&
			 (json_object_set_new(t, "sessions", json_integer(led)) < 0 ||
			  json_object_set_new(t, "reached", json_integer((json_int_t)theirs.n)) < 0))
			r = ERR_NOMEM;
		/* The second level: reached by them, not already by this trainer. */
		for (size_t k = 0; r == 0 && k < theirs.n; k++)
			if (theirs.v[k] != id && !ids_has(&mine, theirs.v[k]))
				r = ids_add(&second, theirs.v[k]);
		ids_done(&theirs);
		if (r < 0) {
			json_decref(t);
			goto out;
		}
		if (json_array_append_new(next, t) < 0) { /* t is freed */
			r = ERR_NOMEM;
			goto out;
		}
	}
	ids_seal(&second);
	/* Each value is taken by its object, even when setting it fails. */
	json_t *sv = detail ? sessions : json_integer(n), *nx = next;
	sessions = next = NULL;
	bool bad = json_object_set_new(j, "sessions", sv) < 0;
	bad |= json_object_set_new(j, "trainers_reached", nx) < 0;
	bad |= json_object_set_new(j, "reached", json_integer((json_int_t)mine.n)) < 0;
	bad |= json_object_set_new(j, "reached_second_level", json_integer((json_int_t)second.n)) < 0;
	if (bad) {
		r = ERR_NOMEM;
		goto out;
	}
	*ret = j;
	j = NULL;
out:
	json_decref(j);
	json_decref(next);
	json_decref(sessions);
	ids_done(&mine);
	ids_done(&second);
	return r;
}

/* The certified trainers are found in memory (certificates and the
 * sessions they led), in id order: a page is a run of them, after the
 * cursor's trainee id. */
static const struct page_sort trainer_sorts[] = {
	{"id", "id"},
	{NULL, NULL},
};
static const struct page_list trainers_page_list = {"trainers", "id", trainer_sorts, "id"};

/* The trainers in the actor's scope: one (only), or a page of q. */
static int cascade(const struct svc_ctx *ctx, int64_t only, const struct page_query *q, struct field_errors *errs,
		   json_t **ret)
{
	struct db *db;
	struct ids certified = {0};
	json_t *list = NULL;
	struct list_page page, *p = q ? &page : NULL;
	int r = svc_enter(ctx, PERM_TRAINING_READ, &db);
	if (r < 0 || (p && (r = page_parse(&trainers_page_list, q, p, errs)) < 0) || (r = db_begin(db)) < 0)
		return r;
	if ((r = certified_trainers(db, ctx->app, &certified)) < 0)
		goto fail;
	if (only > 0 && !ids_has(&certified, only)) {
		r = ERR_NOTFOUND;
		goto fail;
	}
	if (!(list = json_array())) {
		r = ERR_NOMEM;
		goto fail;
	}
	for (size_t i = 0; i < certified.n; i++) {
		bool visible;
		json_t *t = NULL;
		if ((only > 0 && certified.v[i] != only) || (p && p->has_after && certified.v[i] <= p->id))
			continue;
		if ((r = cert_trainee_in_scope(db, ctx, certified.v[i], &visible)) < 0)
			goto fail;
		if (!visible)
			continue;
		if (p && p->n >= (size_t)p->limit) {
			p->more = true;
			break;
		}
		if ((r = trainer_json(db, ctx, &certified, certified.v[i], only > 0, &t)) < 0)
			goto fail;
		if (json_array_append_new(list, t) < 0) {
			r = ERR_NOMEM;
			goto fail;
		}
		if (p) {
			p->n++;
			p->last_id = certified.v[i];
			p->last_key[0] = '\0';
		}
	}
	if (only > 0 && json_array_size(list) == 0) {
		r = ERR_NOTFOUND;
		goto fail;
	}
	if ((r = svc_audit_appendf(db, ctx, "training.trainers", "trainee", only > 0 ? only : AUDIT_NO_OBJECT, "count=%zu",
				   json_array_size(list))) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	ids_done(&certified);
	if (p)
		return page_answer(p, list, ret);
	*ret = json_incref(json_array_get(list, 0));
	json_decref(list);
	return *ret ? 0 : ERR_NOMEM;
fail:
	db_rollback(db);
	ids_done(&certified);
	json_decref(list);
	return r;
}

int svc_trainers_list(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs, json_t **ret)
{
	return cascade(ctx, 0, q, errs, ret);
}

int svc_trainer_get(const struct svc_ctx *ctx, int64_t trainee_id, json_t **ret)
{
	return trainee_id > 0 ? cascade(ctx, trainee_id, NULL, NULL, ret) : ERR_NOTFOUND;
}
