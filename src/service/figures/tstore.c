/* figures/tstore: the training rows the training figures count, in memory
 * (docs/training.md, "Figures"): sessions, registrations and trainees by
 * id, and the trainers of each session. Filled on first use and caught up
 * on every request from the sessions and trainees whose seq (migration
 * 0021) is in (last seen, latest]: a session's seq stands for its
 * registrations and trainers too, which are read again with it. Rows are
 * never deleted from these tables, only changed, so catching up is
 * overwriting. */
#include "service/figures/figures_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

/* What catching up answers when the database is behind the store (a
 * restore): the store starts again. */
#define BEHIND 1

static pthread_mutex_t tstore_init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t tstore_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct tstore *the_tstore;

static void tstore_free(struct tstore *s)
{
	if (!s)
		return;
	free(s->s_course);
	free(s->s_region);
	free(s->s_day);
	free(s->s_status);
	free(s->s_attended);
	free(s->r_session);
	free(s->r_trainee);
	free(s->r_flags);
	free(s->t_audience);
	free(s->pair_session);
	free(s->pair_trainer);
	free(s->att_start);
	free(s->att_trainee);
	free(s->led_start);
	free(s->led_session);
	free(s->trainers);
	for (int d = 0; d < TNDIMS; d++) {
		free(s->dims[d].id);
		free(s->dims[d].name);
		for (int i = 0; i < s->dims[d].nextra; i++)
			free(s->dims[d].extra[i]);
		free(s->dims[d].extra);
	}
	free(s);
}

static int dim_of(struct dim_values *v, size_t n, const char *(*id)(const struct pack *, size_t),
		  const char *(*name)(const struct pack *, size_t), const struct pack *p)
{
	v->npack = (int)n;
	v->id = calloc(n ? n : 1, sizeof *v->id);
	v->name = calloc(n ? n : 1, sizeof *v->name);
	if (!v->id || !v->name)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		v->id[i] = id(p, i);
		v->name[i] = name(p, i);
	}
	return 0;
}

static const char *course_id(const struct pack *p, size_t i) { return p->training.courses[i].id; }
static const char *course_name(const struct pack *p, size_t i) { return p->training.courses[i].name; }
static const char *region_id(const struct pack *p, size_t i) { return p->regions[i].id; }
static const char *region_name(const struct pack *p, size_t i) { return p->regions[i].name; }
static const char *audience_id(const struct pack *p, size_t i) { return p->training.audiences[i].id; }
static const char *audience_name(const struct pack *p, size_t i) { return p->training.audiences[i].name; }

static struct tstore *tstore_new(const struct app *app)
{
	struct tstore *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	const struct pack *p = app->pack;
	s->app = app;
	s->pack = p;
	s->last_seq = -1;
	if (dim_of(&s->dims[TDIM_COURSE], p->training.n_courses, course_id, course_name, p) < 0 ||
	    dim_of(&s->dims[TDIM_REGION], p->n_regions, region_id, region_name, p) < 0 ||
	    dim_of(&s->dims[TDIM_AUDIENCE], p->training.n_audiences, audience_id, audience_name, p) < 0) {
		tstore_free(s);
		return NULL;
	}
	s->dims[TDIM_COURSE].retired = figures_retired(app, "courses");
	s->dims[TDIM_REGION].retired = figures_retired(app, "regions");
	s->dims[TDIM_AUDIENCE].retired = figures_retired(app, "training_audiences");
	return s;
}

/* Grow the arrays a[] of *cap elements (each size bytes) to hold index id,
 * the new part zeroed. */
static int grow_to(void **a, size_t size, size_t *cap, int64_t id)
{
	if (id < 0 || id > INT32_MAX)
		return ERR_INVAL;
	if ((size_t)id < *cap)
		return 0;
	size_t n = *cap ? *cap : 1024;
	while (n <= (size_t)id)
		n *= 2;
	void *p = realloc(*a, n * size);
	if (!p)
		return ERR_NOMEM;
	memset((char *)p + *cap * size, 0, (n - *cap) * size);
	*a = p;
	return 0;
}

static int grow_sessions(struct tstore *s, int64_t id)
{
	size_t cap = s->nsess_cap;
	int r = 0;
	if ((size_t)id < cap)
		return 0;
	size_t c1 = cap, c2 = cap, c3 = cap, c4 = cap, c5 = cap;
	if ((r = grow_to((void **)&s->s_attended, sizeof *s->s_attended, &c5, id)) < 0 ||
	    (r = grow_to((void **)&s->s_course, sizeof *s->s_course, &c1, id)) < 0 ||
	    (r = grow_to((void **)&s->s_region, sizeof *s->s_region, &c2, id)) < 0 ||
	    (r = grow_to((void **)&s->s_day, sizeof *s->s_day, &c3, id)) < 0 ||
	    (r = grow_to((void **)&s->s_status, sizeof *s->s_status, &c4, id)) < 0)
		return r;
	size_t n = cap ? cap : 1024;
	while (n <= (size_t)id)
		n *= 2;
	s->nsess_cap = n;
	return 0;
}

static int grow_registrations(struct tstore *s, int64_t id)
{
	size_t cap = s->nreg_cap;
	int r;
	if ((size_t)id < cap)
		return 0;
	size_t c1 = cap, c2 = cap, c3 = cap;
	if ((r = grow_to((void **)&s->r_session, sizeof *s->r_session, &c1, id)) < 0 ||
	    (r = grow_to((void **)&s->r_trainee, sizeof *s->r_trainee, &c2, id)) < 0 ||
	    (r = grow_to((void **)&s->r_flags, sizeof *s->r_flags, &c3, id)) < 0)
		return r;
	size_t n = cap ? cap : 1024;
	while (n <= (size_t)id)
		n *= 2;
	s->nreg_cap = n;
	return 0;
}

static uint8_t status_code(const char *status)
{
	if (!status)
		return TS_SCHEDULED;
	if (strcmp(status, "held") == 0)
		return TS_HELD;
	if (strcmp(status, "cancelled") == 0)
		return TS_CANCELLED;
	return TS_SCHEDULED;
}

static int code_of(struct dim_values *v, const char *value, uint16_t *ret)
{
	int c = figures_dim_code(v, value);
	if (c < 0)
		return ERR_NOMEM;
	*ret = (uint16_t)c;
	return 0;
}

/* The sessions changed in (lo, hi]; *ret_any: whether there were any. */
static int read_sessions(struct tstore *s, struct db *db, int64_t lo, int64_t hi, bool *ret_any)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT id, course, region, starts_at, status FROM training_session WHERE seq > ? AND seq <= ?",
			    "ii", lo, hi);
	if (r < 0)
		return r;
	*ret_any = false;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0);
		if (id < 1 || id > INT32_MAX)
			continue; /* nothing a figure could place */
		if ((r = grow_sessions(s, id)) < 0 ||
		    (r = code_of(&s->dims[TDIM_COURSE], db_column_text(st, 1), &s->s_course[id])) < 0 ||
		    (r = code_of(&s->dims[TDIM_REGION], db_column_text(st, 2), &s->s_region[id])) < 0)
			break;
		int32_t day;
		bool dated = figures_local_day(db_column_text(st, 3), &day);
		s->s_day[id] = dated ? day : 0;
		s->s_status[id] = dated ? status_code(db_column_text(st, 4)) : TS_NONE;
		if ((size_t)id >= s->nsess)
			s->nsess = (size_t)id + 1;
		*ret_any = true;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* The registrations of the sessions changed in (lo, hi]. */
static int read_registrations(struct tstore *s, struct db *db, int64_t lo, int64_t hi)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT r.id, r.session_id, r.trainee_id, r.attended, r.completed FROM registration r"
			    " JOIN training_session s ON s.id = r.session_id WHERE s.seq > ? AND s.seq <= ?",
			    "ii", lo, hi);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0), sid = db_column_int64(st, 1), t = db_column_int64(st, 2);
		if (id < 1 || id > INT32_MAX || sid < 1 || sid > INT32_MAX || t < 1 || t > INT32_MAX)
			continue;
		if ((r = grow_registrations(s, id)) < 0)
			break;
		/* What it counted before is taken back from its session. */
		if (s->r_session[id] > 0 && (s->r_flags[id] & TR_ATTENDED) && (size_t)s->r_session[id] < s->nsess)
			s->s_attended[s->r_session[id]]--;
		if (db_column_int64(st, 3) == 1 && (size_t)sid < s->nsess)
			s->s_attended[sid]++;
		s->r_session[id] = (int32_t)sid;
		s->r_trainee[id] = (int32_t)t;
		s->r_flags[id] = (uint8_t)((db_column_int64(st, 3) == 1 ? TR_ATTENDED : 0) |
					   (db_column_int64(st, 4) == 1 ? TR_COMPLETED : 0));
		if ((size_t)id >= s->nreg)
			s->nreg = (size_t)id + 1;
		if (t > s->max_trainee)
			s->max_trainee = t;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

static int add_pair(struct tstore *s, int64_t sid, int64_t trainer)
{
	if (s->npair == s->pair_cap) {
		size_t cap = s->pair_cap ? s->pair_cap * 2 : 1024;
		int32_t *a = realloc(s->pair_session, cap * sizeof *a);
		if (!a)
			return ERR_NOMEM;
		s->pair_session = a;
		int32_t *b = realloc(s->pair_trainer, cap * sizeof *b);
		if (!b)
			return ERR_NOMEM;
		s->pair_trainer = b;
		s->pair_cap = cap;
	}
	s->pair_session[s->npair] = (int32_t)sid;
	s->pair_trainer[s->npair] = (int32_t)trainer;
	s->npair++;
	return 0;
}

/* The trainers of the sessions changed in (lo, hi]: their pairs before are
 * dropped, then read again. */
static int read_trainers(struct tstore *s, struct db *db, int64_t lo, int64_t hi)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st, "SELECT id FROM training_session WHERE seq > ? AND seq <= ?", "ii", lo, hi);
	if (r < 0)
		return r;
	uint8_t *changed = calloc(s->nsess ? s->nsess : 1, 1);
	if (!changed) {
		db_finalize(st);
		return ERR_NOMEM;
	}
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0);
		if (id >= 1 && (size_t)id < s->nsess)
			changed[id] = 1;
	}
	db_finalize(st);
	size_t k = 0;
	for (size_t i = 0; r == DB_DONE && i < s->npair; i++)
		if (!changed[s->pair_session[i]]) {
			s->pair_session[k] = s->pair_session[i];
			s->pair_trainer[k++] = s->pair_trainer[i];
		}
	free(changed);
	if (r < 0)
		return r;
	s->npair = k;
	if ((r = db_preparef(db, &st,
			     "SELECT x.session_id, x.trainee_id FROM session_trainer x"
			     " JOIN training_session s ON s.id = x.session_id WHERE s.seq > ? AND s.seq <= ?",
			     "ii", lo, hi)) < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t sid = db_column_int64(st, 0), t = db_column_int64(st, 1);
		if (sid < 1 || (size_t)sid >= s->nsess || t < 1 || t > INT32_MAX)
			continue;
		if ((r = add_pair(s, sid, t)) < 0)
			break;
		if (t > s->max_trainee)
			s->max_trainee = t;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

static int read_trainees(struct tstore *s, struct db *db, int64_t lo, int64_t hi)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st, "SELECT id, audience FROM trainee WHERE seq > ? AND seq <= ?", "ii", lo, hi);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0);
		if (id < 1 || id > INT32_MAX)
			continue;
		size_t cap = s->ntrainee_cap;
		if ((r = grow_to((void **)&s->t_audience, sizeof *s->t_audience, &cap, id)) < 0)
			break;
		if ((size_t)id >= s->ntrainee_cap) {
			size_t n = s->ntrainee_cap ? s->ntrainee_cap : 1024;
			while (n <= (size_t)id)
				n *= 2;
			s->ntrainee_cap = n;
		}
		if ((r = code_of(&s->dims[TDIM_AUDIENCE], db_column_text(st, 1), &s->t_audience[id])) < 0)
			break;
		if (id > s->max_trainee)
			s->max_trainee = id;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* Bring the store to the database's latest seq, or answer BEHIND. Under
 * the write lock. */
static int tstore_catch_up(struct tstore *s, struct db *db)
{
	int64_t latest = 0;
	int r = db_query_int64(db, "SELECT last FROM training_seq WHERE id = 1", &latest);
	if (r < 0)
		return r;
	if (latest < s->last_seq)
		return BEHIND;
	if (latest == s->last_seq)
		return 0;
	bool any = false;
	if ((r = read_sessions(s, db, s->last_seq, latest, &any)) < 0 ||
	    (any && (r = read_registrations(s, db, s->last_seq, latest)) < 0) ||
	    (any && (r = read_trainers(s, db, s->last_seq, latest)) < 0) ||
	    (r = read_trainees(s, db, s->last_seq, latest)) < 0)
		return r;
	s->last_seq = latest;
	if (any)
		s->index_valid = false;
	return 0;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* The trainers in id order, and each one's sessions: led_session[
 * led_start[k] .. led_start[k + 1]) for trainers[k]. */
static int tstore_index_trainers(struct tstore *s)
{
	size_t np = s->npair;
	int32_t *ids = malloc((np ? np : 1) * sizeof *ids);
	uint32_t *start = NULL, *led = NULL, *fill = NULL;
	if (!ids)
		return ERR_NOMEM;
	if (np > 0) /* with no trainer yet, pair_trainer is NULL */
		memcpy(ids, s->pair_trainer, np * sizeof *ids);
	qsort(ids, np, sizeof *ids, cmp_i32);
	size_t nt = 0;
	for (size_t i = 0; i < np; i++)
		if (nt == 0 || ids[nt - 1] != ids[i])
			ids[nt++] = ids[i];
	int r = 0;
	if (!(start = calloc(nt + 1, sizeof *start)) || !(led = malloc((np ? np : 1) * sizeof *led)) ||
	    !(fill = malloc((nt ? nt : 1) * sizeof *fill)))
		r = ERR_NOMEM;
	uint32_t *k_of = NULL;
	if (r == 0 && !(k_of = malloc((np ? np : 1) * sizeof *k_of)))
		r = ERR_NOMEM;
	for (size_t i = 0; r == 0 && i < np; i++) {
		const int32_t *at = bsearch(&s->pair_trainer[i], ids, nt, sizeof *ids, cmp_i32);
		k_of[i] = (uint32_t)(at - ids);
		start[k_of[i] + 1]++;
	}
	if (r == 0) {
		for (size_t k = 0; k < nt; k++)
			start[k + 1] += start[k];
		memcpy(fill, start, nt * sizeof *fill);
		for (size_t i = 0; i < np; i++)
			led[fill[k_of[i]]++] = (uint32_t)s->pair_session[i];
	}
	free(k_of);
	free(fill);
	if (r < 0) {
		free(ids);
		free(start);
		free(led);
		return r;
	}
	free(s->trainers);
	free(s->led_start);
	free(s->led_session);
	s->trainers = ids;
	s->ntrainers = nt;
	s->led_start = start;
	s->led_session = led;
	return 0;
}

/* Each session's attended trainees and each trainer's sessions, by
 * counting sorts; the trainers in id order. Under the write lock. */
static int tstore_index(struct tstore *s)
{
	if (s->index_valid)
		return 0;
	size_t ns = s->nsess ? s->nsess : 1;
	uint32_t *as = calloc(ns + 1, sizeof *as), *at = NULL, *fill = NULL;
	int r = as ? 0 : ERR_NOMEM;
	size_t n = 0;
	for (size_t i = 1; r == 0 && i < s->nreg; i++)
		if (s->r_session[i] > 0 && (size_t)s->r_session[i] < ns && (s->r_flags[i] & TR_ATTENDED)) {
			as[s->r_session[i] + 1]++;
			n++;
		}
	if (r == 0 && (!(at = malloc((n ? n : 1) * sizeof *at)) || !(fill = malloc(ns * sizeof *fill))))
		r = ERR_NOMEM;
	if (r == 0) {
		for (size_t i = 0; i < ns; i++)
			as[i + 1] += as[i];
		memcpy(fill, as, ns * sizeof *fill);
		for (size_t i = 1; i < s->nreg; i++)
			if (s->r_session[i] > 0 && (size_t)s->r_session[i] < ns && (s->r_flags[i] & TR_ATTENDED))
				at[fill[s->r_session[i]]++] = (uint32_t)s->r_trainee[i];
	}
	free(fill);
	if (r < 0) {
		free(as);
		free(at);
		return r;
	}
	free(s->att_start);
	free(s->att_trainee);
	s->att_start = as;
	s->att_trainee = at;
	if ((r = tstore_index_trainers(s)) < 0)
		return r;
	s->index_valid = true;
	return 0;
}

/* Take the store up to date (with its index when index) and hold it for
 * reading: *ret is valid until figures_tstore_release(). */
int figures_tstore_acquire(struct app *app, struct db *db, bool index, struct tstore **ret)
{
	int r = 0;
	pthread_mutex_lock(&tstore_init_lock);
	pthread_rwlock_wrlock(&tstore_lock);
	pthread_mutex_unlock(&tstore_init_lock);
	for (int tries = 0; tries < 2; tries++) {
		if (the_tstore && (the_tstore->app != app || the_tstore->pack != app->pack || r == BEHIND)) {
			tstore_free(the_tstore);
			the_tstore = NULL;
		}
		r = 0;
		if (!the_tstore && !(the_tstore = tstore_new(app)))
			r = ERR_NOMEM;
		if (r == 0)
			r = tstore_catch_up(the_tstore, db);
		if (r != BEHIND)
			break;
	}
	if (r == BEHIND)
		r = ERR_BUSY;
	if (r == 0 && index)
		r = tstore_index(the_tstore);
	if (r < 0) {
		/* A store half caught up would miss rows for good. */
		tstore_free(the_tstore);
		the_tstore = NULL;
	}
	pthread_rwlock_unlock(&tstore_lock);
	if (r < 0)
		return r;
	pthread_rwlock_rdlock(&tstore_lock);
	if (!the_tstore) {
		pthread_rwlock_unlock(&tstore_lock);
		return ERR_BUSY;
	}
	*ret = the_tstore;
	return 0;
}

void figures_tstore_release(void)
{
	pthread_rwlock_unlock(&tstore_lock);
}

void figures_tstore_reset(void)
{
	pthread_rwlock_wrlock(&tstore_lock);
	tstore_free(the_tstore);
	the_tstore = NULL;
	pthread_rwlock_unlock(&tstore_lock);
}
