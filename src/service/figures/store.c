/* figures/store: the columnar store of referral rows in memory, filled on
 * first use and caught up on every request from the rows whose seq is
 * above the last it saw; and the dates it keeps them by, day numbers in
 * the pack's time zone (the process's). */
#include "service/figures/figures_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/clock.h"
#include "base/str.h"
#include "match/cmp.h"

/* ---- dates ---- */

/* "YYYY-MM-DD" exactly, a real date from MIN_YEAR to MAX_YEAR. */
bool figures_parse_day(const char *s, int32_t *ret)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1)
		return false;
	if (d > civil_days_in_month(y, m))
		return false;
	*ret = days_from_civil(y, m, d);
	return true;
}

void figures_format_day(int32_t day, char out[16])
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

/* The day number of a stored UTC time in the pack's time zone; false for
 * a time that does not parse. */
bool figures_local_day(const char *ts, int32_t *ret)
{
	hl_time t;
	if (!ts || time_parse(ts, &t) < 0)
		return false;
	struct cmp_date d = cmp_date_local(t / HL_USEC_PER_SEC);
	if (d.y == 0)
		return false;
	*ret = days_from_civil(d.y, d.m, d.d);
	return true;
}

/* ---- the store ---- */

static pthread_mutex_t store_init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t store_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct store *the_store;

static const char *const sex_ids[] = {"F", "M", "X"};
static const char *const sex_names[] = {"Female", "Male", "X"};

static void store_free(struct store *s)
{
	if (!s)
		return;
	free(s->day);
	free(s->age);
	for (int d = 0; d < NDIMS; d++) {
		free(s->code[d]);
		free(s->dims[d].id);
		free(s->dims[d].name);
		for (int i = 0; i < s->dims[d].nextra; i++)
			free(s->dims[d].extra[i]);
		free(s->dims[d].extra);
	}
	free(s->vuln);
	free(s->child);
	free(s->slot_of_id);
	for (size_t i = 0; i < s->children.cap; i++)
		free(s->children.key[i]);
	free(s->children.key);
	free(s->children.val);
	free(s->by_child_start);
	free(s->by_child_rows);
	free(s);
}

void figures_store_reset(void)
{
	figures_tstore_reset();
	pthread_rwlock_wrlock(&store_lock);
	store_free(the_store);
	the_store = NULL;
	pthread_rwlock_unlock(&store_lock);
}

static int dim_init(struct dim_values *v, size_t n)
{
	v->npack = (int)n;
	v->id = calloc(n ? n : 1, sizeof *v->id);
	v->name = calloc(n ? n : 1, sizeof *v->name);
	return v->id && v->name ? 0 : ERR_NOMEM;
}

static struct store *store_new(const struct app *app)
{
	struct store *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	const struct pack *p = app->pack;
	s->app = app;
	s->pack = p;
	size_t noffices = 0;
	for (size_t i = 0; i < p->n_regions; i++)
		noffices += p->regions[i].n_offices;
	if (dim_init(&s->dims[DIM_SOURCE], p->n_sources) < 0 || dim_init(&s->dims[DIM_REGION], p->n_regions) < 0 ||
	    dim_init(&s->dims[DIM_OFFICE], noffices) < 0 || dim_init(&s->dims[DIM_SEX], 3) < 0 ||
	    dim_init(&s->dims[DIM_GENDER], p->n_genders) < 0 || dim_init(&s->dims[DIM_TYPE], p->n_trafficking_types) < 0 ||
	    dim_init(&s->dims[DIM_DISP], p->n_dispositions) < 0) {
		store_free(s);
		return NULL;
	}
	static const char *const lists[NDIMS] = {
		[DIM_SOURCE] = "referral_sources", [DIM_REGION] = "regions",           [DIM_OFFICE] = "offices",
		[DIM_GENDER] = "gender_identities", [DIM_TYPE] = "trafficking_types", [DIM_DISP] = "dispositions",
	};
	for (int d = 0; d < NDIMS; d++)
		s->dims[d].retired = lists[d] ? figures_retired(app, lists[d]) : NULL;
	for (size_t i = 0; i < p->n_sources; i++) {
		s->dims[DIM_SOURCE].id[i] = p->sources[i].id;
		s->dims[DIM_SOURCE].name[i] = p->sources[i].name;
	}
	size_t k = 0;
	for (size_t i = 0; i < p->n_regions; i++) {
		s->dims[DIM_REGION].id[i] = p->regions[i].id;
		s->dims[DIM_REGION].name[i] = p->regions[i].name;
		for (size_t j = 0; j < p->regions[i].n_offices; j++, k++) {
			s->dims[DIM_OFFICE].id[k] = p->regions[i].offices[j].id;
			s->dims[DIM_OFFICE].name[k] = p->regions[i].offices[j].name;
		}
	}
	for (int i = 0; i < 3; i++) {
		s->dims[DIM_SEX].id[i] = sex_ids[i];
		s->dims[DIM_SEX].name[i] = sex_names[i];
	}
	for (size_t i = 0; i < p->n_genders; i++) {
		s->dims[DIM_GENDER].id[i] = p->genders[i].id;
		s->dims[DIM_GENDER].name[i] = p->genders[i].name;
	}
	for (size_t i = 0; i < p->n_trafficking_types; i++) {
		s->dims[DIM_TYPE].id[i] = p->trafficking_types[i].id;
		s->dims[DIM_TYPE].name[i] = p->trafficking_types[i].name;
	}
	for (size_t i = 0; i < p->n_dispositions; i++) {
		s->dims[DIM_DISP].id[i] = p->dispositions[i].id;
		s->dims[DIM_DISP].name[i] = p->dispositions[i].name;
	}
	return s;
}

/* The code of value in dimension d, adding it to the store's dictionary
 * when the pack does not list it. -1 when out of memory or codes. */
int figures_dim_code(struct dim_values *v, const char *value)
{
	if (!value || !*value)
		return 0;
	for (int i = 0; i < v->npack; i++)
		if (strcmp(v->id[i], value) == 0)
			return i + 1;
	for (int i = 0; i < v->nextra; i++)
		if (strcmp(v->extra[i], value) == 0)
			return v->npack + 1 + i;
	if (v->npack + 1 + v->nextra > UINT16_MAX)
		return -1;
	if (v->nextra == v->cap) {
		int cap = v->cap ? v->cap * 2 : 8;
		char **e = realloc(v->extra, (size_t)cap * sizeof *e);
		if (!e)
			return -1;
		v->extra = e;
		v->cap = cap;
	}
	if (!(v->extra[v->nextra] = strdup(value)))
		return -1;
	return v->npack + 1 + v->nextra++;
}

const char *figures_dim_id(const struct dim_values *v, int code)
{
	return code == 0 ? NONE_KEY : code <= v->npack ? v->id[code - 1] : v->extra[code - 1 - v->npack];
}

const char *figures_dim_name(const struct dim_values *v, int code)
{
	if (code == 0)
		return NONE_LABEL;
	if (code <= v->npack)
		return v->name[code - 1];
	const char *id = v->extra[code - 1 - v->npack], *label = json_get_str(v->retired, id);
	return label ? label : id;
}

const json_t *figures_retired(const struct app *app, const char *list)
{
	return json_object_get(app->pack_retired, list);
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int child_map_grow(struct child_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	char **key = calloc(cap, sizeof *key);
	uint32_t *val = calloc(cap, sizeof *val);
	if (!key || !val) {
		free(key);
		free(val);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->key[i])
			continue;
		size_t j = str_hash(m->key[i]) & (cap - 1);
		while (key[j])
			j = (j + 1) & (cap - 1);
		key[j] = m->key[i];
		val[j] = m->val[i];
	}
	free(m->key);
	free(m->val);
	m->key = key;
	m->val = val;
	m->cap = cap;
	return 0;
}

/* The dense index of child key k, given the next one when new. */
static int child_index(struct child_map *m, const char *k, uint32_t *ret)
{
	if ((m->n + 1) * 2 > m->cap && child_map_grow(m) < 0)
		return ERR_NOMEM;
	size_t j = str_hash(k) & (m->cap - 1);
	while (m->key[j]) {
		if (strcmp(m->key[j], k) == 0) {
			*ret = m->val[j];
			return 0;
		}
		j = (j + 1) & (m->cap - 1);
	}
	if (m->n >= UINT32_MAX - 1 || !(m->key[j] = strdup(k)))
		return ERR_NOMEM;
	m->val[j] = (uint32_t)m->n++;
	*ret = m->val[j];
	return 0;
}

static int store_reserve(struct store *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 4096;
	while (cap < n)
		cap *= 2;
#define GROW(a)                                                        \
	do {                                                           \
		void *p_ = realloc(s->a, cap * sizeof *s->a);          \
		if (!p_)                                               \
			return ERR_NOMEM;                              \
		s->a = p_;                                             \
	} while (0)
	GROW(day);
	GROW(age);
	for (int d = 0; d < NDIMS; d++)
		GROW(code[d]);
	GROW(vuln);
	GROW(child);
#undef GROW
	s->cap = cap;
	return 0;
}

static uint64_t vuln_mask(const struct pack *p, const char *list)
{
	uint64_t m = 0;
	if (!list)
		return 0;
	const char *q = list;
	while (*q) {
		size_t n = strcspn(q, ";");
		for (size_t i = 0; i < p->n_vulnerabilities && i < 64; i++) {
			const char *id = p->vulnerabilities[i].id;
			if (strlen(id) == n && strncmp(id, q, n) == 0)
				m |= (uint64_t)1 << i;
		}
		q += n;
		if (*q == ';')
			q++;
	}
	return m;
}

/* Read the rows changed since the last seq seen. Under the write lock. */
static int store_catch_up(struct store *s, struct db *db)
{
	int64_t latest = 0;
	int r = db_query_int64(db, "SELECT last FROM referral_seq WHERE id = 1", &latest);
	if (r < 0)
		return r;
	if (latest <= s->last_seq)
		return 0;
	struct db_stmt *st;
	if ((r = db_preparef(db, &st,
			     "SELECT id, child_key, referral_date, source, region, office, age, sex, gender_identity,"
			     " vulnerabilities, trafficking_type, disposition, seq FROM referral WHERE seq > ? ORDER BY seq",
			     "i", s->last_seq)) < 0)
		return r;
	int64_t seen = s->last_seq;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0);
		int32_t day;
		if (id < 1 || id > INT32_MAX || !figures_parse_day(db_column_text(st, 2), &day))
			continue; /* nothing a figure could place */
		if ((size_t)id >= s->nslot) {
			size_t ns = s->nslot ? s->nslot : 4096;
			while (ns <= (size_t)id)
				ns *= 2;
			uint32_t *p = realloc(s->slot_of_id, ns * sizeof *p);
			if (!p) {
				r = ERR_NOMEM;
				break;
			}
			memset(p + s->nslot, 0, (ns - s->nslot) * sizeof *p);
			s->slot_of_id = p;
			s->nslot = ns;
		}
		size_t i;
		if (s->slot_of_id[id]) {
			i = s->slot_of_id[id] - 1;
		} else {
			if ((r = store_reserve(s, s->n + 1)) < 0)
				break;
			i = s->n++;
			s->slot_of_id[id] = (uint32_t)(i + 1);
		}
		uint32_t child;
		const char *key = db_column_text(st, 1);
		if ((r = child_index(&s->children, key ? key : "", &child)) < 0)
			break;
		s->day[i] = day;
		int64_t age = db_column_is_null(st, 6) ? -1 : db_column_int64(st, 6);
		s->age[i] = (int16_t)(age < 0 || age > 150 ? -1 : age);
		static const int cols[NDIMS] = {
			[DIM_SOURCE] = 3, [DIM_REGION] = 4, [DIM_OFFICE] = 5, [DIM_SEX] = 7,
			[DIM_GENDER] = 8, [DIM_TYPE] = 10, [DIM_DISP] = 11,
		};
		for (int d = 0; d < NDIMS; d++) {
			const char *v = db_column_text(st, cols[d]);
			/* Gender counts by the pack's category only: a value that
			 * is not one (typed text from an import or an older
			 * version) never becomes a label of its own. */
			if (d == DIM_GENDER && v) {
				const struct pack_gender *g = pack_gender_of(s->pack, v);
				v = g ? g->id : NULL;
			}
			int c = figures_dim_code(&s->dims[d], v);
			if (c < 0) {
				r = ERR_NOMEM;
				break;
			}
			s->code[d][i] = (uint16_t)c;
		}
		if (r < 0)
			break;
		s->vuln[i] = vuln_mask(s->pack, db_column_text(st, 9));
		s->child[i] = child;
		int64_t seq = db_column_int64(st, 12);
		if (seq > seen)
			seen = seq;
	}
	db_finalize(st);
	if (r < 0)
		return r;
	s->last_seq = seen > latest ? seen : latest;
	s->by_child_valid = false;
	return 0;
}

/* Each child's referrals, by a counting sort. Under the write lock. */
static int store_index_children(struct store *s)
{
	if (s->by_child_valid)
		return 0;
	size_t nc = s->children.n;
	uint32_t *start = calloc(nc + 1, sizeof *start);
	uint32_t *rows = malloc((s->n ? s->n : 1) * sizeof *rows);
	if (!start || !rows) {
		free(start);
		free(rows);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < s->n; i++)
		start[s->child[i] + 1]++;
	for (size_t c = 0; c < nc; c++)
		start[c + 1] += start[c];
	uint32_t *fill = malloc((nc ? nc : 1) * sizeof *fill);
	if (!fill) {
		free(start);
		free(rows);
		return ERR_NOMEM;
	}
	memcpy(fill, start, nc * sizeof *fill);
	for (size_t i = 0; i < s->n; i++)
		rows[fill[s->child[i]]++] = (uint32_t)i;
	free(fill);
	free(s->by_child_start);
	free(s->by_child_rows);
	s->by_child_start = start;
	s->by_child_rows = rows;
	s->by_child_valid = true;
	return 0;
}

/* Take the store up to date and hold it for reading: *ret is valid until
 * figures_store_release(). */
int figures_store_acquire(struct app *app, struct store **ret)
{
	struct db *db;
	int r = app_db(app, &db);
	if (r < 0)
		return r;
	pthread_mutex_lock(&store_init_lock);
	pthread_rwlock_wrlock(&store_lock);
	pthread_mutex_unlock(&store_init_lock);
	if (the_store && (the_store->app != app || the_store->pack != app->pack)) {
		store_free(the_store);
		the_store = NULL;
	}
	if (!the_store && !(the_store = store_new(app)))
		r = ERR_NOMEM;
	if (r == 0)
		r = store_catch_up(the_store, db);
	if (r == 0)
		r = store_index_children(the_store);
	if (r < 0) {
		/* A store half caught up would miss rows for good. */
		store_free(the_store);
		the_store = NULL;
	}
	pthread_rwlock_unlock(&store_lock);
	if (r < 0)
		return r;
	pthread_rwlock_rdlock(&store_lock);
	if (!the_store) {
		pthread_rwlock_unlock(&store_lock);
		return ERR_BUSY;
	}
	*ret = the_store;
	return 0;
}

void figures_store_release(void)
{
	pthread_rwlock_unlock(&store_lock);
}

int figures_store_warm(struct app *app)
{
	struct store *s;
	int r = figures_store_acquire(app, &s);
	if (r < 0)
		return r;
	figures_store_release();
	struct db *db;
	struct tstore *t;
	if ((r = app_db(app, &db)) < 0 || (r = figures_tstore_acquire(app, db, false, &t)) < 0)
		return r;
	figures_tstore_release();
	return 0;
}
