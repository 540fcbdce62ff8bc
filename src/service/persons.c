#include "service/persons.h"

#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "db/db.h"
#include "match/nick.h"
#include "match/norm.h"
#include "service/audit.h"
#include "service/persons/persons_int.h"
#include "service/sealed.h"

#define MAX_ALIASES 8
#define NAME_MAX_LEN 100
#define FIT_MIN_PERSONS 5000
#define SHOW_MIN_PROBABILITY 0.01
#define MAX_SHOWN 10

/* Today in the jurisdiction's time zone (see app_open). */
static struct cmp_date today(void)
{
	return cmp_date_local(now() / HL_USEC_PER_SEC);
}

static void person_schema(struct match_schema *sc)
{
	memset(sc, 0, sizeof *sc);
	match_schema_add(sc, MK_GIVEN, "given name", NULL);
	match_schema_add(sc, MK_FAMILY, "family name", NULL);
	match_schema_add(sc, MK_DOB, "birth date", "%Y-%m-%d");
	match_schema_add(sc, MK_AGE, "age", NULL);
	match_schema_add(sc, MK_SEX, "sex", NULL);
	match_schema_add(sc, MK_TOWN, "town", NULL);
	sc->as_of = today();
}

/* Until the registry is large enough to fit on, m and u as fitted on
 * generated child-welfare-like records (docs/generator.md). */
static void default_model(struct match_model *m, const struct match_schema *sc, size_t persons)
{
	static const double mu[F_COUNT][MATCH_MAX_LEVELS][2] = {
		[F_GIVEN] = {{0, 0}, {0.651, 0.0056}, {0.110, 0.0021}, {0.123, 0.0019}, {0.087, 0.0085}, {0.001, 0.0005},
			     {0.029, 0.9818}},
		[F_FAMILY] = {{0, 0}, {0.681, 0.0103}, {0.075, 0.0011}, {0.145, 0.0023}, {0.068, 0.0084}, {0.012, 0.9778}},
		[F_DOB] = {{0, 0}, {0.890, 0.0001}, {0.038, 0.00002}, {0.020, 0.0032}, {0.010, 0.0062}, {0.030, 0.0444},
			   {0.008, 0.1008}, {0.003, 0.3597}, {0.0003, 0.4855}, {0.70, 0.06}},
		[F_SEX] = {{0, 0}, {0.990, 0.4905}, {0.010, 0.5095}},
		[F_TOWN] = {{0, 0}, {0.697, 0.0346}, {0.002, 0.0017}, {0.301, 0.9637}},
	};
	match_model_init(m, sc);
	for (int f = 0; f < sc->n && f < F_COUNT; f++)
		for (int l = 1; l < match_levels(sc->kind[f]); l++)
			if (mu[f][l][0] > 0 && mu[f][l][1] > 0) {
				m->m[f][l] = mu[f][l][0];
				m->u[f][l] = mu[f][l][1];
				m->w[f][l] = log2(m->m[f][l] / m->u[f][l]);
			}
	/* Half the calls are about a child the agency knows, as one of its
	 * records. */
	double n = persons > 0 ? (double)persons : 1;
	m->lambda = 0.5 / n;
	m->prior_w = log2(m->lambda / (1 - m->lambda));
}

/* ---- sealed columns ---- */

static int open_sealed(struct app *app, struct db_stmt *st, int col, const char *column, int64_t id, char **ret)
{
	return sealed_get(app, st, col, "person", column, id, ret);
}

/* ---- the registry ---- */

static int age_now(int estimated, const char *on)
{
	if (estimated < 0)
		return -1;
	struct cmp_date d, t = today();
	if (!on || !cmp_date_parse(on, "%Y-%m-%d", &d))
		return estimated;
	int years = cmp_age_on(&d, &t);
	return estimated + (years > 0 ? years : 0);
}

/* A record's id in the registry: the person's own id, or for a record
 * merged into another (docs/recovery.md, "Merging records") "12m5": person
 * 5's names found as person 12, the kept record. Either reads as the
 * person to show (strtoll stops at the letter). */
static void registry_id(char out[48], int64_t root, int64_t id)
{
	if (root == id)
		snprintf(out, 48, "%lld", (long long)id);
	else
		snprintf(out, 48, "%lldm%lld", (long long)root, (long long)id);
}

/* Index a record: counted only while the registry loads (filled in at
 * once after). */
static int registry_index(struct person_registry *reg, uint32_t idx)
{
	return reg->loading ? match_index_count(reg->index, reg->store, idx)
			    : match_index_add(reg->index, reg->store, idx);
}

/* Add one person (and a record per alias) to the registry as id (see
 * registry_id); the caller holds the write lock. */
static int registry_put(struct person_registry *reg, const char *id, const char *given, const char *family,
			const char *aliases_json, const char *dob, int age, const char *sex, const char *town)
{
	char idbuf[72], agebuf[16] = "";
	snprintf(idbuf, sizeof idbuf, "%s", id);
	if (age >= 0)
		snprintf(agebuf, sizeof agebuf, "%d", age);
	const char *v[F_COUNT] = {given, family, dob, agebuf, sex, town};
	uint32_t idx;
	int r = match_store_add(reg->store, idbuf, v, 0, &idx, NULL);
	if (r == 0)
		r = registry_index(reg, idx);
	json_t *aliases = aliases_json ? json_loads(aliases_json, 0, NULL) : NULL;
	size_t i;
	json_t *a;
	json_array_foreach(aliases, i, a)
	{
		if (r < 0 || !json_is_string(a))
			continue;
		/* "12a0": person 12's first alias; the id still reads as 12. */
		snprintf(idbuf, sizeof idbuf, "%sa%zu", id, i);
		v[F_GIVEN] = json_string_value(a);
		/* An alias may be a whole name: "Kat Jones" */
		char given2[NAME_MAX_LEN + 1], *sp;
		str_copy(given2, sizeof given2, json_string_value(a));
		if ((sp = strrchr(given2, ' ')) && sp != given2) {
			*sp = '\0';
			v[F_GIVEN] = given2;
			v[F_FAMILY] = sp + 1;
		} else {
			v[F_FAMILY] = family;
		}
		if ((r = match_store_add(reg->store, idbuf, v, 0, &idx, NULL)) == 0)
			r = registry_index(reg, idx);
	}
	json_decref(aliases);
	/* A merged record's names are the kept person's: no one more. */
	if (r == 0 && !strchr(id, 'm'))
		reg->persons++;
	return r;
}

#define REGISTRY_COLUMNS "id, given_name, family_name, aliases, dob, estimated_age, age_estimated_on, sex, town"

/* Every person with the root of its merge group: a record merged into
 * another (person.merged_into) is found as the kept one, through as many
 * merges as were made. ? ?: 0 0 for everyone, else the one group of that
 * root. Columns: REGISTRY_COLUMNS, then the root. */
#define REGISTRY_GROUPS                                                                                       \
	"WITH RECURSIVE grp (root, id) AS (SELECT id, id FROM person WHERE merged_into IS NULL"               \
	" AND (CAST(? AS BIGINT) = 0 OR id = ?)"                                                              \
	" UNION ALL SELECT grp.root, p.id FROM person p JOIN grp ON p.merged_into = grp.id)"                 \
	" SELECT p.id, p.given_name, p.family_name, p.aliases, p.dob, p.estimated_age, p.age_estimated_on,"   \
	" p.sex, p.town, grp.root FROM grp JOIN person p ON p.id = grp.id ORDER BY grp.root, p.id"

static void mark_known(struct person_registry *reg, int64_t id)
{
	if (id < 0 || reg->all_known)
		return;
	size_t w = (size_t)id / 64;
	if (w >= reg->known_words) {
		size_t words = reg->known_words ? reg->known_words : 1024;
		while (words <= w)
			words *= 2;
		uint64_t *k = realloc(reg->known, words * sizeof *k);
		if (!k) {
			reg->all_known = true;
			return;
		}
		memset(k + reg->known_words, 0, (words - reg->known_words) * sizeof *k);
		reg->known = k;
		reg->known_words = words;
	}
	reg->known[w] |= UINT64_C(1) << (id % 64);
}

bool persons_registry_knows(const struct person_registry *reg, int64_t id)
{
	if (reg->all_known)
		return true;
	size_t w = (size_t)id / 64;
	return id >= 0 && w < reg->known_words && (reg->known[w] >> (id % 64) & 1);
}

int persons_row_open(struct app *app, struct db_stmt *st, struct registry_row *row)
{
	memset(row, 0, sizeof *row);
	row->id = db_column_int64(st, 0);
	registry_id(row->rid, db_column_int64(st, 9), row->id);
	int r = open_sealed(app, st, 1, "given_name", row->id, &row->given);
	if (r == 0 && (r = open_sealed(app, st, 2, "family_name", row->id, &row->family)) == 0 &&
	    (r = open_sealed(app, st, 3, "aliases", row->id, &row->aliases)) == 0)
		r = open_sealed(app, st, 4, "dob", row->id, &row->dob);
	row->age = db_column_is_null(st, 5) ? -1 : age_now((int)db_column_int64(st, 5), db_column_text(st, 6));
	const char *sex = db_column_text(st, 7), *town = db_column_text(st, 8);
	if (r == 0 && ((sex && !(row->sex = strdup(sex))) || (town && !(row->town = strdup(town)))))
		r = ERR_NOMEM;
	if (r < 0)
		persons_row_done(row);
	return r;
}

int persons_row_put(struct person_registry *reg, const struct registry_row *row)
{
	mark_known(reg, row->id);
	return registry_put(reg, row->rid, row->given, row->family, row->aliases, row->dob, row->age, row->sex,
			    row->town);
}

/* Open a person row of REGISTRY_COLUMNS and its root into the registry. */
static int put_row(struct app *app, struct person_registry *reg, struct db_stmt *st)
{
	struct registry_row row;
	int r = persons_row_open(app, st, &row);
	if (r == 0) {
		r = persons_row_put(reg, &row);
		persons_row_done(&row);
	}
	return r;
}

/* Added after the commit that marked id (persons_seq_mark): read back
 * with whatever else changed since the last catch-up, here or through
 * another server. A failure leaves it to the next lookup, which tries
 * again. */
int persons_register_id(struct app *app, struct db *db, int64_t id)
{
	if (!app->registry)
		return 0;
	persons_registry_changed(app);
	int r = persons_registry_sync(app, db);
	if (r < 0)
		log_warn("registry_sync", "person=%lld error=%s retry=next_lookup", (long long)id, err_str(r));
	return 0;
}

int persons_registry_open(struct app *app, char *errmsg, size_t errsize)
{
	int64_t started = clock_mono_us();
	struct person_registry *reg = calloc(1, sizeof *reg);
	if (!reg)
		return ERR_NOMEM;
	pthread_rwlock_init(&reg->lock, NULL);
	pthread_mutex_init(&reg->sync_lock, NULL);
	atomic_init(&reg->changes, 0);
	atomic_init(&reg->seen, 0);
	struct match_schema sc;
	person_schema(&sc);
	int r = match_store_new(&sc, &reg->store);
	if (r == 0)
		r = match_index_new(0, &reg->index);
	struct db *db = NULL;
	struct db_stmt *st = NULL;
	if (r == 0)
		r = app_db(app, &db);
	/* The last seq before the rows: whatever commits while they are read
	 * is read again at the first catch-up. */
	if (r == 0 && (r = db_query_int64(db, "SELECT last FROM person_seq WHERE id = 1", &reg->seq)) == ERR_NOTFOUND)
		r = ERR_DB;
	if (r == 0)
		r = db_preparef(db, &st, REGISTRY_GROUPS, "ii", (int64_t)0, (int64_t)0);
	if (r == 0)
		r = persons_registry_load(app, reg, st, errmsg, errsize);
	db_finalize(st);
	if (r < 0) {
		if (!*errmsg)
			snprintf(errmsg, errsize, "cannot load the persons: %s", db ? db_errmsg(db) : err_str(r));
		match_index_free(reg->index);
		match_store_free(reg->store);
		pthread_mutex_destroy(&reg->sync_lock);
		free(reg->known);
		free(reg);
		return r;
	}
	int64_t loaded = clock_mono_us();
	if (reg->persons >= FIT_MIN_PERSONS)
		r = match_fit(reg->store, &reg->model, false, 0);
	else
		default_model(&reg->model, &sc, reg->persons);
	/* The index last, once the fit's working memory is given back. */
	reg->loading = false;
	malloc_trim(0);
	if (r == 0)
		r = match_index_fill(reg->index, reg->store);
	if (r < 0) {
		snprintf(errmsg, errsize, "cannot fit the identity model: %s", err_str(r));
		match_model_done(&reg->model);
		match_index_free(reg->index);
		match_store_free(reg->store);
		pthread_mutex_destroy(&reg->sync_lock);
		free(reg->known);
		free(reg);
		return r;
	}
	persons_registry_loaded(reg, started, loaded);
	app->registry = reg;
	if ((r = persons_registry_listen(app)) < 0) {
		snprintf(errmsg, errsize, "cannot listen for changes of the persons: %s", err_str(r));
		persons_registry_close(app);
		return r;
	}
	return 0;
}

void persons_registry_close(struct app *app)
{
	struct person_registry *reg = app->registry;
	if (!reg)
		return;
	db_listen_stop(reg->listener);
	pthread_mutex_destroy(&reg->sync_lock);
	free(reg->known);
	match_model_done(&reg->model);
	match_index_free(reg->index);
	match_store_free(reg->store);
	pthread_rwlock_destroy(&reg->lock);
	free(reg);
	app->registry = NULL;
}

size_t persons_registry_count(struct app *app)
{
	if (!app->registry)
		return 0;
	pthread_rwlock_rdlock(&app->registry->lock);
	size_t n = app->registry->persons;
	pthread_rwlock_unlock(&app->registry->lock);
	return n;
}

/* The people of root's merge group (root first), into *ret (free it). */
static int group_ids(struct db *db, int64_t root, int64_t **ret, size_t *ret_n)
{
	struct db_stmt *st = NULL;
	int r = db_preparef(db, &st, REGISTRY_GROUPS, "ii", root, root);
	size_t n = 0, cap = 8;
	int64_t *ids = r == 0 ? malloc(cap * sizeof *ids) : NULL;
	if (r == 0 && !ids)
		r = ERR_NOMEM;
	/* The root itself goes, even when it has just been merged away. */
	if (r == 0)
		ids[n++] = root;
	while (r == 0) {
		if ((r = db_step(st)) != DB_ROW)
			break;
		r = 0;
		if (n == cap) {
			int64_t *p = realloc(ids, (cap *= 2) * sizeof *ids);
			if (!p) {
				r = ERR_NOMEM;
				break;
			}
			ids = p;
		}
		ids[n++] = db_column_int64(st, 0);
	}
	if (st)
		db_finalize(st);
	if (r < 0) {
		free(ids);
		return r;
	}
	*ret = ids;
	*ret_n = n;
	return 0;
}

/* Mark dead every record found as one of ids (its head: the id before a
 * letter); the caller holds the write lock. */
static void registry_kill(struct person_registry *reg, const int64_t *ids, size_t n)
{
	size_t total = match_store_count(reg->store);
	for (size_t i = 0; i < total; i++) {
		if (match_store_rec(reg->store, (uint32_t)i)->dead)
			continue;
		const char *sid = match_store_id(reg->store, (uint32_t)i);
		int64_t head = strtoll(sid, NULL, 10);
		for (size_t k = 0; k < n; k++)
			if (head == ids[k]) {
				match_store_kill(reg->store, (uint32_t)i);
				if (!strpbrk(sid, "am") && reg->persons)
					reg->persons--;
				break;
			}
	}
}

int persons_registry_refresh(struct app *app, struct db *db, int64_t root)
{
	return persons_registry_group(app, db, root, true);
}

int persons_registry_group(struct app *app, struct db *db, int64_t root, bool known)
{
	if (!app->registry)
		return 0;
	int64_t *ids = NULL;
	size_t n = 0;
	int r = known ? group_ids(db, root, &ids, &n) : 0;
	if (r < 0)
		return r;
	struct db_stmt *st = NULL;
	if ((r = db_preparef(db, &st, REGISTRY_GROUPS, "ii", root, root)) < 0) {
		free(ids);
		return r;
	}
	struct person_registry *reg = app->registry;
	pthread_rwlock_wrlock(&reg->lock);
	if (known)
		registry_kill(reg, ids, n);
	while ((r = db_step(st)) == DB_ROW && (r = put_row(app, reg, st)) == 0)
		;
	pthread_rwlock_unlock(&reg->lock);
	db_finalize(st);
	free(ids);
	return r < 0 ? r : 0;
}

void persons_registry_later(struct app *app, int64_t root)
{
	struct person_registry *reg = app->registry;
	if (!reg)
		return;
	pthread_rwlock_wrlock(&reg->lock);
	size_t i = 0;
	while (i < reg->nlater && reg->later[i] != root)
		i++;
	bool full = i == sizeof reg->later / sizeof reg->later[0];
	if (!full && i == reg->nlater)
		reg->later[reg->nlater++] = root;
	pthread_rwlock_unlock(&reg->lock);
	if (full)
		log_error("registry_stale", "person=%lld retry=full: restart the server to rebuild the registry",
			  (long long)root);
}

void persons_registry_catch_up(struct app *app, struct db *db)
{
	struct person_registry *reg = app->registry;
	int64_t roots[sizeof reg->later / sizeof reg->later[0]];
	pthread_rwlock_wrlock(&reg->lock);
	size_t n = reg->nlater;
	memcpy(roots, reg->later, n * sizeof roots[0]);
	reg->nlater = 0;
	pthread_rwlock_unlock(&reg->lock);
	for (size_t i = 0; i < n; i++) {
		int r = persons_registry_refresh(app, db, roots[i]);
		if (r < 0) {
			log_warn("registry_refresh", "person=%lld error=%s retry=later", (long long)roots[i], err_str(r));
			persons_registry_later(app, roots[i]);
		}
	}
	int r = persons_registry_sync(app, db);
	if (r < 0)
		log_warn("registry_sync", "error=%s retry=next_lookup", err_str(r));
}

/* ---- recording people ---- */

static bool valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ')
			return false;
	return true;
}

static void check_person(const struct person_new *p, size_t i, struct field_errors *errs)
{
	char path[64];
	struct cmp_date d, t = today();
	snprintf(path, sizeof path, "persons[%zu]", i);
	if ((!p->given_name || !*p->given_name) && (!p->family_name || !*p->family_name))
		field_error_add(errs, path, "a given or a family name is needed");
	if (!valid_name(p->given_name))
		field_error_add(errs, path, "Given name: one line of at most %d characters", NAME_MAX_LEN);
	if (!valid_name(p->family_name))
		field_error_add(errs, path, "Family name: one line of at most %d characters", NAME_MAX_LEN);
	if (p->naliases > MAX_ALIASES)
		field_error_add(errs, path, "at most %d aliases", MAX_ALIASES);
	for (size_t a = 0; a < p->naliases && a < MAX_ALIASES; a++)
		if (!p->aliases[a] || !*p->aliases[a] || !valid_name(p->aliases[a]))
			field_error_add(errs, path, "aliases[%zu]: a name of 1 to %d characters", a, NAME_MAX_LEN);
	if (p->dob && *p->dob) {
		if (!cmp_date_parse(p->dob, "%Y-%m-%d", &d))
			field_error_add(errs, path, "dob: not a date (YYYY-MM-DD)");
		else if (cmp_date_days(&d) > cmp_date_days(&t))
			field_error_add(errs, path, "dob: in the future");
	}
	if (p->estimated_age > 25)
		field_error_add(errs, path, "Estimated age: from 0 to 25");
}

/* A person's aliases as a JSON list, or NULL for none (*ret); the
 * caller frees it. */
static int aliases_json(const struct person_new *p, char **ret)
{
	*ret = NULL;
	if (!p->naliases)
		return 0;
	json_t *arr = json_array();
	for (size_t a = 0; arr && a < p->naliases; a++)
		if (json_array_append_new(arr, json_string(p->aliases[a])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	*ret = arr ? json_dump_text(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	return *ret ? 0 : ERR_NOMEM;
}

static int insert_person(struct db *db, struct app *app, const struct person_new *p, const char *on, const char *ts,
			 int64_t *ret)
{
	/* An estimated age is kept with the day it was given, to age it. */
	bool has_age = !(p->dob && *p->dob) && p->estimated_age >= 0;
	char *aliases = NULL;
	int r = db_int64f(db, ret,
			  "INSERT INTO person (estimated_age, age_estimated_on, sex, town, synthetic, created_at, updated_at)"
			  " VALUES (NULLIF(?, -1), ?, ?, ?, ?, ?, ?) RETURNING id",
			  "dtttdtt", has_age ? p->estimated_age : -1, has_age ? on : NULL,
			  p->sex && *p->sex ? p->sex : NULL, p->town && *p->town ? p->town : NULL, p->synthetic ? 1 : 0, ts,
			  ts);
	if (r < 0 || (r = aliases_json(p, &aliases)) < 0)
		return r;
	const struct sealed_col sealed[] = {
		{"given_name", p->given_name},
		{"family_name", p->family_name},
		{"aliases", aliases},
		{"dob", p->dob},
	};
	r = sealed_put_row(db, app, "person", *ret, sealed, sizeof sealed / sizeof sealed[0]);
	free(aliases);
	return r < 0 ? r : persons_seq_mark(db, *ret);
}

int persons_insert(const struct svc_ctx *ctx, struct db *db, const struct person_new *p, size_t n,
		   struct field_errors *errs, int64_t *ids)
{
	for (size_t i = 0; i < n; i++)
		check_person(&p[i], i, errs);
	if (field_errors_any(errs))
		return ERR_INVAL;
	char ts[32], on[48];
	struct cmp_date t = today();
	int r = time_format(now(), ts, sizeof ts);
	snprintf(on, sizeof on, "%04d-%02d-%02d", t.y, t.m, t.d);
	for (size_t i = 0; i < n && r == 0; i++)
		r = insert_person(db, ctx->app, &p[i], on, ts, &ids[i]);
	if (r < 0)
		return r;
	return svc_audit_appendf(db, ctx, n == 1 ? "person.create" : "person.import", "person",
				 n == 1 ? ids[0] : AUDIT_NO_OBJECT, "count=%zu", n);
}

/* The people were marked in their transaction (insert_person): the
 * catch-up reads them back as every server does. */
int persons_register(struct app *app, const struct person_new *p, size_t n, const int64_t *ids)
{
	(void)p;
	struct db *db;
	if (!app->registry || !n || app_db(app, &db) < 0)
		return 0;
	return persons_register_id(app, db, ids[0]);
}

int svc_persons_add(const struct svc_ctx *ctx, const struct person_new *p, size_t n, struct field_errors *errs,
		    int64_t *ret_first_id)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_PERSONS_WRITE, &db);
	if (r < 0)
		return r;
	int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
	if (!ids)
		return ERR_NOMEM;
	if ((r = db_begin(db)) < 0) {
		free(ids);
		return r;
	}
	if ((r = persons_insert(ctx, db, p, n, errs, ids)) < 0 || (r = db_commit(db)) < 0) {
		db_rollback(db);
		free(ids);
		return r;
	}
	r = persons_register(ctx->app, p, n, ids);
	if (ret_first_id && n)
		*ret_first_id = ids[0];
	free(ids);
	return r;
}

int svc_persons_count(const struct svc_ctx *ctx, int64_t *ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_PERSONS_WRITE, &db);
	if (r < 0)
		return r;
	return db_query_int64(db, "SELECT count(*) FROM person", ret);
}

/* ---- lookups ---- */

void person_candidates_free(struct person_candidate *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].given_name);
		free(c[i].family_name);
		free(c[i].dob);
	}
	free(c);
}

/* A search, and a read of each person it showed, audited in one
 * transaction: "person.match" with what ("candidates=3"), then
 * "person.read" per person. */
static int audit_seen(const struct svc_ctx *ctx, struct db *db, const char *what, const int64_t *ids, size_t n)
{
	int r = db_begin(db);
	if (r < 0)
		return r;
	r = svc_audit_appendf(db, ctx, "person.match", "person", AUDIT_NO_OBJECT, "%s=%zu", what, n);
	for (size_t i = 0; i < n && r == 0; i++)
		r = svc_audit_appendf(db, ctx, "person.read", "person", ids[i], "via=match");
	if (r == 0)
		r = db_commit(db);
	if (r < 0)
		db_rollback(db);
	return r;
}

static int load_candidate(struct app *app, struct db *db, struct person_candidate *c)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT given_name, family_name, dob, estimated_age, age_estimated_on, sex, town FROM person"
			" WHERE id = ?",
			"i", c->person_id);
	if (r < 0)
		return r;
	if ((r = open_sealed(app, st, 0, "given_name", c->person_id, &c->given_name)) == 0 &&
	    (r = open_sealed(app, st, 1, "family_name", c->person_id, &c->family_name)) == 0)
		r = open_sealed(app, st, 2, "dob", c->person_id, &c->dob);
	c->age = -1;
	struct cmp_date d, t = today();
	if (r == 0 && c->dob && cmp_date_parse(c->dob, "%Y-%m-%d", &d))
		c->age = cmp_age_on(&d, &t);
	else if (r == 0 && !db_column_is_null(st, 3))
		c->age = age_now((int)db_column_int64(st, 3), db_column_text(st, 4));
	/* Sex and town are short codes and names; a longer one is cut. */
	(void)str_copy(c->sex, sizeof c->sex, db_column_text(st, 5) ? db_column_text(st, 5) : "");
	(void)str_copy(c->town, sizeof c->town, db_column_text(st, 6) ? db_column_text(st, 6) : "");
	db_finalize(st);
	return r;
}

static void explain(const struct match_schema *sc, const struct match_hit *h, const struct person_query *q,
		    struct person_candidate *c)
{
	c->nwhy = 0;
	for (int f = 0; f < sc->n; f++) {
		int l = h->levels[f];
		if (!l || sc->kind[f] == MK_AGE)
			continue;
		struct person_reason *w = &c->why[c->nwhy++];
		char field[32], level[64];
		str_copy(field, sizeof field, sc->label[f]);
		str_copy(level, sizeof level, match_level_text(sc->kind[f], l));
		str_copy(w->field, sizeof w->field, field);
		str_copy(w->level, sizeof w->level, level);
		w->weight = h->field_w[f];
		char text[160];
		if (sc->kind[f] == MK_GIVEN && l == 2 && q->given_name && c->given_name)
			snprintf(text, sizeof text, "%s: nickname (%s for %s)", field, q->given_name, c->given_name);
		else if (sc->kind[f] == MK_DOB && q->age >= 0 && (!q->dob || !*q->dob))
			snprintf(text, sizeof text, "age: %d given, %d on file (%s)", q->age, c->age, level);
		else
			snprintf(text, sizeof text, "%s: %s", field, level);
		str_copy(w->text, sizeof w->text, text);
	}
}

static bool valid_sex(const char *s)
{
	static const char *ok[] = {"F", "M", "X", "f", "m", "x", "female", "male", "Female", "Male"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(s, ok[i]) == 0)
			return true;
	return false;
}

/* The search's fields, checked: ERR_INVAL with errs filled. */
static int check_query(const struct person_query *q, struct field_errors *errs)
{
	bool given = q->given_name && *q->given_name, family = q->family_name && *q->family_name;
	bool when = (q->dob && *q->dob) || q->age >= 0;
	if (!given && !family)
		field_error_add(errs, "given_name", "a given or a family name is needed");
	else if (!family && !when)
		field_error_add(errs, "family_name",
				"a given name alone fits too many children: add the family name, or a birth date or age");
	if (q->dob && *q->dob && q->age >= 0)
		field_error_add(errs, "age", "give a birth date or an age, not both");
	if (q->sex && *q->sex && !valid_sex(q->sex))
		field_error_add(errs, "sex", "F, M, X, or leave it empty");
	if (!valid_name(q->given_name))
		field_error_add(errs, "given_name", "at most %d characters", NAME_MAX_LEN);
	if (!valid_name(q->family_name))
		field_error_add(errs, "family_name", "at most %d characters", NAME_MAX_LEN);
	struct cmp_date d, t = today();
	if (q->dob && *q->dob) {
		if (!cmp_date_parse(q->dob, "%Y-%m-%d", &d))
			field_error_add(errs, "dob", "not a date (YYYY-MM-DD)");
		else if (cmp_date_days(&d) > cmp_date_days(&t))
			field_error_add(errs, "dob", "in the future");
	}
	if (q->age > 25)
		field_error_add(errs, "age", "from 0 to 25");
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

/* The body of "is this child known?" (POST /api/v1/persons/match), read
 * into a person_query by its handler; the ranges of age, offset and limit
 * are checked there and in check_query. */
static const struct field_rule match_fields[] = {
	{"given_name", FT_STRING, .nullable = true},
	{"family_name", FT_STRING, .nullable = true},
	{"dob", FT_STRING, .nullable = true},
	{"age", FT_INT, .required = false},
	{"sex", FT_STRING, .nullable = true},
	{"town", FT_STRING, .nullable = true},
	{"offset", FT_INT, .required = false},
	{"limit", FT_INT, .required = false},
	{.key = NULL},
};
const struct schema svc_persons_match_schema = {.name = "persons match", .fields = match_fields};

int svc_persons_match(const struct svc_ctx *ctx, const struct person_query *q, struct field_errors *errs,
		      struct person_candidate **ret, size_t *ret_n)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_PERSONS_MATCH, &db);
	if (r < 0)
		return r;
	struct app *app = ctx->app;
	if (!app->registry)
		return ERR_BUSY;
	if ((r = check_query(q, errs)) < 0)
		return r;
	persons_registry_catch_up(app, db);
	char agebuf[16] = "";
	if (q->age >= 0 && !(q->dob && *q->dob))
		snprintf(agebuf, sizeof agebuf, "%d", q->age);
	const char *v[F_COUNT] = {q->given_name, q->family_name, q->dob, agebuf, q->sex, q->town};
	struct match_hit hits[64];
	size_t nh = 0;
	struct person_registry *reg = app->registry;
	char qpool[1024];
	struct match_rec qr;
	pthread_rwlock_rdlock(&reg->lock);
	r = match_prepare(reg->store, v, &qr, qpool, sizeof qpool);
	if (r == 0)
		r = match_lookup_floor(reg->store, reg->index, &reg->model, &qr, qpool, SHOW_MIN_PROBABILITY, 64, hits,
				       &nh);
	/* One line per person: aliases are records of the same person. */
	int64_t ids[64];
	char alias[64][96];
	size_t kept = 0;
	for (size_t i = 0; r == 0 && i < nh && kept < MAX_SHOWN; i++) {
		if (hits[i].probability < SHOW_MIN_PROBABILITY)
			break;
		int64_t id = strtoll(match_store_id(reg->store, hits[i].index), NULL, 10);
		bool dup = false;
		for (size_t k = 0; k < kept; k++)
			dup |= ids[k] == id;
		if (dup)
			continue;
		ids[kept] = id;
		alias[kept][0] = '\0';
		/* An alias, or the names of a record merged into this one. */
		if (strpbrk(match_store_id(reg->store, hits[i].index), "am"))
			snprintf(alias[kept], sizeof alias[kept], "%s %s", match_store_value(reg->store, hits[i].index, F_GIVEN),
				 match_store_value(reg->store, hits[i].index, F_FAMILY));
		hits[kept] = hits[i];
		kept++;
	}
	struct match_schema sc = *match_store_schema(reg->store);
	pthread_rwlock_unlock(&reg->lock);
	if (r < 0)
		return r;
	struct person_candidate *c = calloc(kept ? kept : 1, sizeof *c);
	if (!c)
		return ERR_NOMEM;
	for (size_t i = 0; i < kept && r == 0; i++) {
		c[i].person_id = ids[i];
		c[i].probability = hits[i].probability;
		c[i].band = c[i].probability >= MATCH_LINK ? "likely" : c[i].probability >= MATCH_REVIEW ? "possible"
													 : "unlikely";
		r = load_candidate(app, db, &c[i]);
		if (r == 0)
			explain(&sc, &hits[i], q, &c[i]);
		if (r == 0 && alias[i][0] && c[i].nwhy < MATCH_MAX_FIELDS) {
			/* The names above were compared with an alias on file, not
			 * with the name the child is recorded under. */
			struct person_reason *w = &c[i].why[c[i].nwhy++];
			str_copy(w->field, sizeof w->field, "alias");
			str_copy(w->level, sizeof w->level, "matched an alias on file");
			w->weight = 0;
			snprintf(w->text, sizeof w->text, "names compared with the alias on file \"%.80s\"", alias[i]);
		}
	}
	/* The worker saw these people: that is a read of their records. */
	if (r == 0)
		r = audit_seen(ctx, db, "candidates", ids, kept);
	if (r < 0) {
		person_candidates_free(c, kept);
		return r;
	}
	*ret = c;
	*ret_n = kept;
	return 0;
}

/* A search that cannot tell a new child from a known one: a family name
 * (with sex or town at most) and neither a given name nor a birth date or
 * age. "Smith" fits many children; finding none scored proves nothing. */
static bool query_thin(const struct person_query *q)
{
	bool given = q->given_name && *q->given_name;
	bool when = (q->dob && *q->dob) || q->age >= 0;
	return !given && !when;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int persons_family_ids(struct person_registry *reg, const struct person_query *q, int64_t **ret, size_t *ret_n)
{
	const char *v[F_COUNT] = {NULL, q->family_name, NULL, NULL, q->sex, NULL};
	char qpool[512];
	struct match_rec qr;
	*ret = NULL;
	*ret_n = 0;
	pthread_rwlock_rdlock(&reg->lock);
	int r = match_prepare(reg->store, v, &qr, qpool, sizeof qpool);
	size_t n = match_store_count(reg->store), k = 0;
	int64_t *ids = r == 0 ? malloc((n ? n : 1) * sizeof *ids) : NULL;
	if (r == 0 && !ids)
		r = ERR_NOMEM;
	for (size_t i = 0; r == 0 && qr.off[F_FAMILY] && i < n; i++) {
		const struct match_rec *rec = match_store_rec(reg->store, (uint32_t)i);
		const char *fam = match_store_value(reg->store, (uint32_t)i, F_FAMILY);
		const char *sex = match_store_value(reg->store, (uint32_t)i, F_SEX);
		if (rec->dead || !fam || strcmp(fam, qpool + qr.off[F_FAMILY]) != 0)
			continue;
		if (qr.off[F_SEX] && (!sex || strcmp(sex, qpool + qr.off[F_SEX]) != 0))
			continue;
		ids[k++] = strtoll(match_store_id(reg->store, (uint32_t)i), NULL, 10);
	}
	pthread_rwlock_unlock(&reg->lock);
	if (r < 0) {
		free(ids);
		return r;
	}
	/* Aliases are records of the same person: one line each. */
	qsort(ids, k, sizeof *ids, cmp_id);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (!u || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	*ret = ids;
	*ret_n = u;
	return 0;
}

/* The page of people listed by family name, loaded and audited as read. */
static int family_page(const struct svc_ctx *ctx, const char *family, const int64_t *ids, size_t n,
		       struct person_candidate **ret)
{
	struct person_candidate *c = calloc(n ? n : 1, sizeof *c);
	if (!c)
		return ERR_NOMEM;
	struct db *db;
	int r = app_db(ctx->app, &db);
	for (size_t i = 0; i < n && r == 0; i++) {
		c[i].person_id = ids[i];
		c[i].band = "family";
		if ((r = load_candidate(ctx->app, db, &c[i])) == 0) {
			/* Listed for an alias on file when the name recorded differs. */
			char a[NORM_MAX], b[NORM_MAX];
			norm_text(c[i].family_name, a, sizeof a);
			norm_text(family, b, sizeof b);
			bool alias = strcmp(a, b) != 0;
			struct person_reason *w = &c[i].why[c[i].nwhy++];
			str_copy(w->field, sizeof w->field, alias ? "alias" : "family_name");
			str_copy(w->level, sizeof w->level, "the same family name");
			str_copy(w->text, sizeof w->text,
				 alias ? "an alias on file has this family name; nothing else was given to compare"
				       : "the same family name; nothing else was given to compare");
		}
	}
	if (r == 0)
		r = audit_seen(ctx, db, "by_family", ids, n);
	if (r < 0) {
		person_candidates_free(c, n);
		return r;
	}
	*ret = c;
	return 0;
}

int svc_persons_find(const struct svc_ctx *ctx, const struct person_query *q, size_t offset, size_t limit,
		     struct field_errors *errs, struct person_candidate **ret, size_t *ret_n, struct person_verdict *v)
{
	memset(v, 0, sizeof *v);
	*ret = NULL;
	*ret_n = 0;
	if (!query_thin(q)) {
		int r = svc_persons_match(ctx, q, errs, ret, ret_n);
		if (r < 0)
			return r;
		v->verdict = *ret_n ? "candidates" : "new";
		v->total = *ret_n;
		return 0;
	}
	int r = svc_require(ctx, PERM_PERSONS_MATCH);
	if (r < 0 || (r = check_query(q, errs)) < 0)
		return r;
	if (!ctx->app->registry)
		return ERR_BUSY;
	size_t k = 0;
	v->needed[k++] = "given_name";
	v->needed[k++] = "dob";
	/* Thin: everyone of that family name, a page at a time, rather than
	 * the ten a score happens to rank first; the scored ones (a spelling
	 * the family name does not have) when nobody has it. */
	int64_t *ids;
	size_t n;
	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		return r;
	persons_registry_catch_up(ctx->app, db);
	if ((r = persons_family_ids(ctx->app->registry, q, &ids, &n)) < 0)
		return r;
	if (!n) {
		free(ids);
		if ((r = svc_persons_match(ctx, q, errs, ret, ret_n)) < 0)
			return r;
		v->verdict = *ret_n ? "candidates" : "too_thin";
		v->total = *ret_n;
		return 0;
	}
	v->total = n;
	v->offset = offset;
	v->verdict = "candidates";
	v->by_family = true;
	if (offset >= n) {
		free(ids);
		*ret = calloc(1, sizeof **ret);
		return *ret ? 0 : ERR_NOMEM;
	}
	size_t page = n - offset < limit ? n - offset : limit;
	r = family_page(ctx, q->family_name, ids + offset, page, ret);
	free(ids);
	if (r < 0)
		return r;
	*ret_n = page;
	return 0;
}
