/* figures: the task force's figures (docs/figures.md).
 *
 * Referral figures come from a columnar store in memory: one entry per row
 * of `referral`, each column an array (day number, 16-bit codes into the
 * pack's lists or the store's own dictionary, age, a vulnerability bitmask,
 * a dense child index). The store is filled on first use and caught up on
 * every request from the rows whose seq is above the last it saw, so a
 * figure over a million referrals is one pass over the arrays. Distinct
 * children are counted child by child, through an index of each child's
 * referrals rebuilt when the store changes.
 *
 * Duties, missing episodes, rapid responses and the federal count are read
 * with SQL and binned here, in the pack's time zone (the process's). */
#include "service/figures.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "match/cmp.h"
#include "model/duty.h"
#include "service/audit.h"
#include "service/deadlines.h"

#define NONE_KEY "none"
#define NONE_LABEL "Not recorded"
#define MAX_BINS 100000
/* A figure's cells at most (rows x columns): a month-by-quarter table over
 * three centuries is not a figure anyone reads. */
#define MAX_CELLS 10000
#define MAX_CELLS_PER_CHILD 4096
#define MIN_YEAR 1900
#define MAX_YEAR 2200

/* ---- dates ---- */

/* "YYYY-MM-DD" exactly, a real date from MIN_YEAR to MAX_YEAR. */
static bool parse_day(const char *s, int32_t *ret)
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

static void format_day(int32_t day, char out[16])
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

/* The day number of a stored UTC time in the pack's time zone; false for
 * a time that does not parse. */
static bool local_day(const char *ts, int32_t *ret)
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

/* ---- writing referral rows ---- */

int figures_seq_next(struct db *db, int64_t *ret)
{
	struct db_stmt *st;
	int r = db_prepare(db, "UPDATE referral_seq SET last = last + 1 WHERE id = 1 RETURNING last", &st);
	if (r < 0)
		return r;
	r = db_step(st);
	if (r == DB_ROW)
		*ret = db_column_int64(st, 0);
	db_finalize(st);
	return r == DB_ROW ? 0 : r < 0 ? r : ERR_DB;
}

void figures_person_key(int64_t person_id, char *out, size_t size)
{
	snprintf(out, size, "p:%lld", (long long)person_id);
}

/* A report's concerns (a JSON array of vulnerability ids) as the ids
 * joined with ';'. Caller frees. */
static char *join_concerns(const char *json)
{
	json_t *a = json ? json_loads(json, 0, NULL) : NULL;
	struct buf b;
	buf_init(&b, 0);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		if (json_is_string(v)) {
			if (b.len)
				buf_putc(&b, ';');
			buf_puts(&b, json_string_value(v));
		}
	}
	json_decref(a);
	char *s = buf_detach(&b, NULL);
	return s ? s : strdup("");
}

struct new_referral {
	int64_t child, person_id;
	int64_t age; /* -1 unknown */
	char *sex, *gender, *type;
};

int figures_intake_decided(struct db *db, const struct app *app, int64_t intake_id, const char *disposition)
{
	(void)app;
	int64_t seq;
	int r = figures_seq_next(db, &seq);
	if (r < 0)
		return r;
	bool accepted = strcmp(disposition, "accepted_hart") == 0;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	struct db_stmt *st;
	if (accepted) {
		/* The report once, then its children that have no referral yet. */
		if ((r = db_prepare(db, "SELECT received_at, source, region, office, incident_town, concerns"
					" FROM intake WHERE id = ?",
				    &st)) < 0)
			return r;
		db_bind_int64(st, 1, intake_id);
		char date[16] = "", *source = NULL, *region = NULL, *office = NULL, *town = NULL, *vuln = NULL;
		if ((r = db_step(st)) == DB_ROW) {
			int32_t day;
			if (local_day(db_column_text(st, 0), &day))
				format_day(day, date);
			source = db_column_text(st, 1) ? strdup(db_column_text(st, 1)) : NULL;
			region = db_column_text(st, 2) ? strdup(db_column_text(st, 2)) : NULL;
			office = db_column_text(st, 3) ? strdup(db_column_text(st, 3)) : NULL;
			town = db_column_text(st, 4) ? strdup(db_column_text(st, 4)) : NULL;
			vuln = join_concerns(db_column_text(st, 5));
		}
		db_finalize(st);
		struct new_referral *kids = NULL;
		size_t nk = 0;
		if (r != DB_ROW) {
			r = r < 0 ? r : ERR_NOTFOUND;
			goto done;
		}
		if (!date[0] || !vuln) {
			r = !vuln ? ERR_NOMEM : ERR_INVAL;
			goto done;
		}
		if ((r = db_prepare(db,
				    "SELECT c.position, coalesce(c.age_at_report, c.estimated_age), c.sex, c.gender_category,"
				    " coalesce(c.person_id, 0),"
				    " (SELECT cc.trafficking_type FROM case_intake ci JOIN child_case cc ON cc.id = ci.case_id"
				    "  WHERE ci.intake_id = c.intake_id AND ci.child = c.position ORDER BY cc.id DESC LIMIT 1)"
				    " FROM intake_child c WHERE c.intake_id = ? AND NOT EXISTS"
				    " (SELECT 1 FROM referral f WHERE f.intake_id = c.intake_id AND f.child = c.position)"
				    " ORDER BY c.position",
				    &st)) < 0)
			goto done;
		db_bind_int64(st, 1, intake_id);
		while ((r = db_step(st)) == DB_ROW) {
			struct new_referral *nkids = realloc(kids, (nk + 1) * sizeof *kids);
			if (!nkids) {
				r = ERR_NOMEM;
				break;
			}
			kids = nkids;
			struct new_referral *k = &kids[nk++];
			k->child = db_column_int64(st, 0);
			k->age = db_column_is_null(st, 1) ? -1 : db_column_int64(st, 1);
			k->sex = db_column_text(st, 2) ? strdup(db_column_text(st, 2)) : NULL;
			k->gender = db_column_text(st, 3) ? strdup(db_column_text(st, 3)) : NULL;
			k->person_id = db_column_int64(st, 4);
			k->type = db_column_text(st, 5) ? strdup(db_column_text(st, 5)) : NULL;
		}
		db_finalize(st);
		if (r < 0)
			goto done;
		for (size_t i = 0; i < nk && r >= 0; i++) {
			struct new_referral *k = &kids[i];
			char key[48];
			if (k->person_id > 0)
				figures_person_key(k->person_id, key, sizeof key);
			else
				snprintf(key, sizeof key, "r:%lld:%lld", (long long)intake_id, (long long)k->child);
			if ((r = db_prepare(db,
					    "INSERT INTO referral (intake_id, child, child_key, referral_date, source, region,"
					    " office, town, age, sex, gender_identity, vulnerabilities, trafficking_type,"
					    " disposition, imported, created_at, seq)"
					    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted_hart', 0, ?, ?)",
					    &st)) < 0)
				break;
			db_bind_int64(st, 1, intake_id);
			db_bind_int64(st, 2, k->child);
			db_bind_text(st, 3, key);
			db_bind_text(st, 4, date);
			db_bind_text(st, 5, source);
			db_bind_text(st, 6, region);
			db_bind_text(st, 7, office);
			db_bind_text(st, 8, town);
			if (k->age >= 0)
				db_bind_int64(st, 9, k->age);
			else
				db_bind_null(st, 9);
			db_bind_text(st, 10, k->sex);
			db_bind_text(st, 11, k->gender);
			db_bind_text(st, 12, vuln);
			db_bind_text(st, 13, k->type);
			db_bind_text(st, 14, ts);
			db_bind_int64(st, 15, seq);
			r = db_step(st);
			db_finalize(st);
		}
	done:
		for (size_t i = 0; i < nk; i++) {
			free(kids[i].sex);
			free(kids[i].gender);
			free(kids[i].type);
		}
		free(kids);
		free(source);
		free(region);
		free(office);
		free(town);
		free(vuln);
		if (r < 0)
			return r;
	}
	/* A decision changed: the report's referrals keep the current one. */
	if ((r = db_prepare(db, "UPDATE referral SET disposition = ?, seq = ? WHERE intake_id = ? AND disposition <> ?",
			    &st)) < 0)
		return r;
	db_bind_text(st, 1, disposition);
	db_bind_int64(st, 2, seq);
	db_bind_int64(st, 3, intake_id);
	db_bind_text(st, 4, disposition);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : 0;
}

int figures_child_linked(struct db *db, int64_t intake_id, int child, int64_t person_id)
{
	int64_t seq;
	int r = figures_seq_next(db, &seq);
	if (r < 0)
		return r;
	char key[48];
	figures_person_key(person_id, key, sizeof key);
	struct db_stmt *st;
	if ((r = db_prepare(db, "UPDATE referral SET child_key = ?, seq = ? WHERE intake_id = ? AND child = ?", &st)) < 0)
		return r;
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, seq);
	db_bind_int64(st, 3, intake_id);
	db_bind_int64(st, 4, child);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : 0;
}

int figures_case_type(struct db *db, int64_t case_id)
{
	int64_t seq;
	int r = figures_seq_next(db, &seq);
	if (r < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "UPDATE referral SET trafficking_type = (SELECT trafficking_type FROM child_case WHERE id = ?),"
			    " seq = ? WHERE EXISTS (SELECT 1 FROM case_intake ci WHERE ci.case_id = ?"
			    " AND ci.intake_id = referral.intake_id AND ci.child = referral.child)",
			    &st)) < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	db_bind_int64(st, 2, seq);
	db_bind_int64(st, 3, case_id);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- the store ---- */

enum dim { DIM_SOURCE, DIM_REGION, DIM_OFFICE, DIM_SEX, DIM_GENDER, DIM_TYPE, DIM_DISP, NDIMS };

/* The values a dimension's codes stand for: code 0 is "not recorded",
 * 1..npack the pack's list in its order, then values met in the data that
 * the pack does not list (an import from an older pack). */
struct dim_values {
	const char **id, **name; /* npack */
	int npack;
	char **extra;
	int nextra, cap;
};

struct child_map {
	char **key;
	uint32_t *val;
	size_t cap, n;
};

struct store {
	const struct app *app;
	const struct pack *pack;
	int64_t last_seq;
	size_t n, cap;
	int32_t *day;
	int16_t *age; /* -1 unknown */
	uint16_t *code[NDIMS];
	uint64_t *vuln;
	uint32_t *child;
	uint32_t *slot_of_id; /* referral id -> index + 1; 0: none */
	size_t nslot;
	struct dim_values dims[NDIMS];
	struct child_map children;
	/* Each child's referrals: rows[start[c] .. start[c+1]) */
	uint32_t *by_child_start, *by_child_rows;
	bool by_child_valid;
};

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
static int dim_code(struct dim_values *v, const char *value)
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

static const char *dim_id(const struct dim_values *v, int code)
{
	return code == 0 ? NONE_KEY : code <= v->npack ? v->id[code - 1] : v->extra[code - 1 - v->npack];
}

static const char *dim_name(const struct dim_values *v, int code)
{
	return code == 0 ? NONE_LABEL : code <= v->npack ? v->name[code - 1] : v->extra[code - 1 - v->npack];
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
	if ((r = db_prepare(db,
			    "SELECT id, child_key, referral_date, source, region, office, age, sex, gender_identity,"
			    " vulnerabilities, trafficking_type, disposition, seq FROM referral WHERE seq > ? ORDER BY seq",
			    &st)) < 0)
		return r;
	db_bind_int64(st, 1, s->last_seq);
	int64_t seen = s->last_seq;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0);
		int32_t day;
		if (id < 1 || id > INT32_MAX || !parse_day(db_column_text(st, 2), &day))
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
			int c = dim_code(&s->dims[d], v);
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
 * store_release(). */
static int store_acquire(struct app *app, struct store **ret)
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

static void store_release(void)
{
	pthread_rwlock_unlock(&store_lock);
}

int figures_store_warm(struct app *app)
{
	struct store *s;
	int r = store_acquire(app, &s);
	if (r < 0)
		return r;
	store_release();
	return 0;
}

/* ---- axes ---- */

enum axis_kind { AX_YEAR, AX_QUARTER, AX_MONTH, AX_DIM, AX_AGE, AX_VULN };

/* One dimension of a table, "wide": every bin it may have. Which bins are
 * shown is decided after counting (values the pack does not list, and
 * "not recorded", only when something is in them). */
struct axis {
	enum axis_kind kind;
	enum dim dim;   /* AX_DIM */
	int n;          /* bins */
	int32_t d0;     /* calendar: the first day of the range */
	int32_t *day_bin; /* calendar: day - d0 -> bin */
	int *code_bin;  /* AX_DIM: code -> bin (-1: not in this table) */
	int ncodes;
	int age_bin[152]; /* AX_AGE: age + 1 -> bin (index 0: unknown) */
	int nvuln;      /* AX_VULN: the pack's vulnerabilities (bins 0..nvuln-1), then none */
	char **key, **label;
	bool *always;   /* shown even when empty */
};

static void axis_done(struct axis *a)
{
	free(a->day_bin);
	free(a->code_bin);
	for (int i = 0; a->key && i < a->n; i++) {
		free(a->key[i]);
		free(a->label[i]);
	}
	free(a->key);
	free(a->label);
	free(a->always);
	memset(a, 0, sizeof *a);
}

static int axis_alloc(struct axis *a, int n)
{
	a->n = n;
	a->key = calloc((size_t)(n ? n : 1), sizeof *a->key);
	a->label = calloc((size_t)(n ? n : 1), sizeof *a->label);
	a->always = calloc((size_t)(n ? n : 1), sizeof *a->always);
	return a->key && a->label && a->always ? 0 : ERR_NOMEM;
}

static int axis_set(struct axis *a, int i, const char *key, const char *label, bool always)
{
	a->key[i] = strdup(key);
	a->label[i] = strdup(label);
	a->always[i] = always;
	return a->key[i] && a->label[i] ? 0 : ERR_NOMEM;
}

static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Calendar bins from d0 to d1 inclusive. */
static int axis_calendar(struct axis *a, enum axis_kind kind, int32_t d0, int32_t d1)
{
	a->kind = kind;
	a->d0 = d0;
	int y0, m0, dd, y1, m1;
	civil_from_days(d0, &y0, &m0, &dd);
	civil_from_days(d1, &y1, &m1, &dd);
	int per = kind == AX_YEAR ? 1 : kind == AX_QUARTER ? 4 : 12;
	int first = kind == AX_YEAR ? 0 : kind == AX_QUARTER ? (m0 - 1) / 3 : m0 - 1;
	int last = kind == AX_YEAR ? 0 : kind == AX_QUARTER ? (m1 - 1) / 3 : m1 - 1;
	int n = (y1 - y0) * per + last - first + 1;
	if (n < 1 || n > MAX_BINS)
		return ERR_INVAL;
	int r = axis_alloc(a, n);
	if (r < 0)
		return r;
	for (int b = 0; b < n; b++) {
		int k = first + b, y = y0 + k / per, part = k % per;
		char key[48], label[48];
		if (kind == AX_YEAR) {
			snprintf(key, sizeof key, "%04d", y);
			snprintf(label, sizeof label, "%04d", y);
		} else if (kind == AX_QUARTER) {
			snprintf(key, sizeof key, "%04d-Q%d", y, part + 1);
			snprintf(label, sizeof label, "%04d Q%d", y, part + 1);
		} else {
			snprintf(key, sizeof key, "%04d-%02d", y, part + 1);
			snprintf(label, sizeof label, "%s %04d", month_names[part], y);
		}
		if ((r = axis_set(a, b, key, label, true)) < 0)
			return r;
	}
	size_t days = (size_t)(d1 - d0 + 1);
	if (!(a->day_bin = malloc(days * sizeof *a->day_bin)))
		return ERR_NOMEM;
	for (size_t i = 0; i < days; i++) {
		int y, m, d;
		civil_from_days(d0 + (int32_t)i, &y, &m, &d);
		int k = kind == AX_YEAR ? 0 : kind == AX_QUARTER ? (m - 1) / 3 : m - 1;
		a->day_bin[i] = (y - y0) * per + k - first;
	}
	return 0;
}

/* A pack dimension: the pack's values (offices and regions: of the region
 * asked for, when one is), the store's extra values, then not recorded. */
static int axis_dim(struct axis *a, const struct store *s, enum dim d, const char *region)
{
	a->kind = AX_DIM;
	a->dim = d;
	const struct dim_values *v = &s->dims[d];
	a->ncodes = 1 + v->npack + v->nextra;
	if (!(a->code_bin = malloc((size_t)a->ncodes * sizeof *a->code_bin)))
		return ERR_NOMEM;
	int r = axis_alloc(a, a->ncodes);
	if (r < 0)
		return r;
	int n = 0;
	for (int c = 1; c < a->ncodes; c++) {
		bool in_pack = c <= v->npack;
		if (in_pack && region && d == DIM_REGION && strcmp(v->id[c - 1], region) != 0) {
			a->code_bin[c] = -1;
			continue;
		}
		if (in_pack && region && d == DIM_OFFICE) {
			const struct pack_office *o = pack_office(s->pack, v->id[c - 1]);
			if (o && strcmp(o->region, region) != 0) {
				a->code_bin[c] = -1;
				continue;
			}
		}
		a->code_bin[c] = n;
		if ((r = axis_set(a, n++, dim_id(v, c), dim_name(v, c), in_pack)) < 0)
			return r;
	}
	a->code_bin[0] = n;
	if ((r = axis_set(a, n++, NONE_KEY, NONE_LABEL, false)) < 0)
		return r;
	a->n = n;
	return 0;
}

static int axis_age(struct axis *a, const struct pack *p)
{
	a->kind = AX_AGE;
	int n = (int)p->n_age_groups;
	int r = axis_alloc(a, n + 1);
	if (r < 0)
		return r;
	for (int i = 0; i < n; i++)
		if ((r = axis_set(a, i, p->age_groups[i].id, p->age_groups[i].name, true)) < 0)
			return r;
	if ((r = axis_set(a, n, NONE_KEY, NONE_LABEL, false)) < 0)
		return r;
	a->age_bin[0] = n;
	for (int age = 0; age <= 150; age++) {
		const struct pack_age_group *g = pack_age_group_of(p, age);
		a->age_bin[age + 1] = g ? (int)(g - p->age_groups) : n;
	}
	return 0;
}

static int axis_vuln(struct axis *a, const struct pack *p)
{
	a->kind = AX_VULN;
	a->nvuln = (int)(p->n_vulnerabilities < 64 ? p->n_vulnerabilities : 64);
	int r = axis_alloc(a, a->nvuln + 1);
	if (r < 0)
		return r;
	for (int i = 0; i < a->nvuln; i++)
		if ((r = axis_set(a, i, p->vulnerabilities[i].id, p->vulnerabilities[i].name, true)) < 0)
			return r;
	/* A referral without a vulnerability is in no row; the shares' base
	 * counts it. */
	a->n = a->nvuln;
	return 0;
}

/* The bins of referral i along a: up to 65 (vulnerabilities); returns how
 * many. */
static int axis_bins(const struct axis *a, const struct store *s, size_t i, int *out)
{
	switch (a->kind) {
	case AX_YEAR:
	case AX_QUARTER:
	case AX_MONTH:
		out[0] = a->day_bin[s->day[i] - a->d0];
		return 1;
	case AX_DIM:
		out[0] = a->code_bin[s->code[a->dim][i]];
		return out[0] < 0 ? 0 : 1;
	case AX_AGE:
		out[0] = a->age_bin[s->age[i] + 1];
		return 1;
	case AX_VULN: {
		uint64_t m = s->vuln[i];
		int k = 0;
		while (m) {
			int b = __builtin_ctzll(m);
			out[k++] = b;
			m &= m - 1;
		}
		return k;
	}
	}
	return 0;
}

/* ---- the query ---- */

static const char *const referral_dims[] = {"year", "quarter", "month", "source", "region", "office", "age",
					    "sex", "gender", "vulnerability", "type", "disposition", NULL};
static const char *const calendar_or_region[] = {"year", "quarter", "month", "region", NULL};

static bool one_of(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static void list_words(const char *const *list, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; list[i]; i++) {
		int k = snprintf(out + n, size - n, "%s%s", i ? (list[i + 1] ? ", " : " or ") : "", list[i]);
		if (k < 0 || (size_t)k >= size - n)
			break;
		n += (size_t)k;
	}
}

static const char *dim_word_label(const char *by)
{
	static const struct {
		const char *by, *label;
	} words[] = {
		{"year", "year"},     {"quarter", "quarter"}, {"month", "month"},
		{"source", "referral source"}, {"region", "region"}, {"office", "area office"},
		{"age", "age group"}, {"sex", "sex"},         {"gender", "gender identity"},
		{"vulnerability", "vulnerability"}, {"type", "trafficking type"}, {"disposition", "disposition"},
	};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strcmp(words[i].by, by) == 0)
			return words[i].label;
	return by;
}

static bool is_calendar(const char *by)
{
	return strcmp(by, "year") == 0 || strcmp(by, "quarter") == 0 || strcmp(by, "month") == 0;
}

/* The parsed, checked query. */
struct fq {
	const char *figure, *by, *then, *measure, *region, *kind;
	bool has_from, has_to;
	int32_t from, to;
	int fy;
	bool suppressed;
};

static int build_axis(struct axis *a, const char *by, const struct store *s, const char *region, int32_t d0,
		      int32_t d1)
{
	if (strcmp(by, "year") == 0)
		return axis_calendar(a, AX_YEAR, d0, d1);
	if (strcmp(by, "quarter") == 0)
		return axis_calendar(a, AX_QUARTER, d0, d1);
	if (strcmp(by, "month") == 0)
		return axis_calendar(a, AX_MONTH, d0, d1);
	if (strcmp(by, "age") == 0)
		return axis_age(a, s->pack);
	if (strcmp(by, "vulnerability") == 0)
		return axis_vuln(a, s->pack);
	static const struct {
		const char *by;
		enum dim d;
	} dims[] = {{"source", DIM_SOURCE}, {"region", DIM_REGION}, {"office", DIM_OFFICE}, {"sex", DIM_SEX},
		    {"gender", DIM_GENDER}, {"type", DIM_TYPE},     {"disposition", DIM_DISP}};
	for (size_t i = 0; i < sizeof dims / sizeof *dims; i++)
		if (strcmp(dims[i].by, by) == 0)
			return axis_dim(a, s, dims[i].d, region);
	return ERR_INVAL;
}

/* The filter every referral figure applies. */
struct rfilter {
	int32_t from, to;
	int region_code; /* -1: any */
	int accepted_code; /* -1: any disposition */
};

static bool rpass(const struct store *s, const struct rfilter *f, size_t i)
{
	return s->day[i] >= f->from && s->day[i] <= f->to &&
	       (f->region_code < 0 || s->code[DIM_REGION][i] == f->region_code) &&
	       (f->accepted_code < 0 || s->code[DIM_DISP][i] == f->accepted_code);
}

static int code_of(const struct dim_values *v, const char *id)
{
	for (int i = 0; i < v->npack; i++)
		if (strcmp(v->id[i], id) == 0)
			return i + 1;
	for (int i = 0; i < v->nextra; i++)
		if (strcmp(v->extra[i], id) == 0)
			return v->npack + 1 + i;
	return -2; /* matches nothing */
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void subtitle_of(struct figure *f, const struct pack *p, const struct fq *q, bool have_range, int32_t d0,
			int32_t d1)
{
	char a[16], b[16];
	const struct pack_region *reg = q->region ? pack_region(p, q->region) : NULL;
	const char *where = reg ? reg->name : "all regions";
	if (have_range && q->suppressed && !(q->has_from && q->has_to)) {
		/* The range comes from the data: in a figure that leaves the
		 * agency, whole years, never the day of a first or last referral. */
		format_day(d0, a);
		format_day(d1, b);
		snprintf(f->subtitle, sizeof f->subtitle, "%.4s to %.4s, %s", a, b, where);
	} else if (have_range) {
		format_day(d0, a);
		format_day(d1, b);
		snprintf(f->subtitle, sizeof f->subtitle, "%s to %s, %s", a, b, where);
	} else {
		snprintf(f->subtitle, sizeof f->subtitle, "All dates, %s", where);
	}
}

/* Copy the kept bins of the wide grid into f. keep_r/keep_c list wide
 * indices. */
static int fill_figure(struct figure *f, const struct axis *ra, const int *keep_r, int nr, const struct axis *ca,
		       const int *keep_c, int nc, const int64_t *grid, int wide_cols)
{
	int r = figure_alloc(f, nr, nc);
	if (r < 0)
		return r;
	for (int i = 0; i < nr; i++)
		if ((r = figure_set_row(f, i, ra->key[keep_r[i]], ra->label[keep_r[i]])) < 0)
			return r;
	for (int j = 0; j < nc; j++) {
		if ((r = figure_set_col(f, j, ca->key[keep_c[j]], ca->label[keep_c[j]])) < 0)
			return r;
		for (int i = 0; i < nr; i++)
			f->cell[(size_t)i * (size_t)nc + (size_t)j].value =
				grid[(size_t)keep_r[i] * (size_t)wide_cols + (size_t)keep_c[j]];
	}
	return 0;
}

static int referrals_figure(const struct store *s, const struct fq *q, struct figure *f)
{
	bool children = q->measure && strcmp(q->measure, "children") == 0;
	struct rfilter flt = {.from = q->has_from ? q->from : INT32_MIN, .to = q->has_to ? q->to : INT32_MAX,
			      .region_code = -1, .accepted_code = -1};
	if (q->region)
		flt.region_code = code_of(&s->dims[DIM_REGION], q->region);
	bool about_disposition =
		strcmp(q->by, "disposition") == 0 || (q->then && strcmp(q->then, "disposition") == 0);
	if (!about_disposition)
		flt.accepted_code = code_of(&s->dims[DIM_DISP], "accepted_hart");
	/* The calendar range: the one asked for, else the data's. */
	int32_t d0 = flt.from, d1 = flt.to;
	bool have_range = q->has_from && q->has_to;
	bool cal = is_calendar(q->by) || (q->then && is_calendar(q->then));
	if (!have_range) {
		int32_t lo = INT32_MAX, hi = INT32_MIN;
		for (size_t i = 0; i < s->n; i++)
			if (rpass(s, &flt, i)) {
				if (s->day[i] < lo)
					lo = s->day[i];
				if (s->day[i] > hi)
					hi = s->day[i];
			}
		if (lo <= hi) {
			d0 = q->has_from ? flt.from : lo;
			d1 = q->has_to ? flt.to : hi;
			have_range = true;
		}
	}
	struct axis ra = {0}, ca = {0};
	int64_t *grid = NULL;
	int *keep_r = NULL, *keep_c = NULL, *cells = NULL;
	int r;
	if (cal && !have_range) {
		/* Nothing in range: no bins. */
		memset(&ra, 0, sizeof ra);
		ra.kind = AX_YEAR;
		r = axis_alloc(&ra, 0);
	} else {
		r = build_axis(&ra, q->by, s, q->region, d0, d1);
	}
	if (r < 0)
		goto out;
	if (q->then) {
		if (cal && !have_range)
			r = axis_alloc(&ca, 0);
		else
			r = build_axis(&ca, q->then, s, q->region, d0, d1);
	} else {
		r = axis_alloc(&ca, 1);
		if (r == 0)
			r = axis_set(&ca, 0, children ? "children" : "referrals", children ? "Children" : "Referrals", true);
	}
	if (r < 0)
		goto out;
	if ((int64_t)ra.n * (ca.n > 0 ? ca.n : 1) > MAX_CELLS) {
		r = ERR_TOOBIG;
		goto out;
	}
	int W = ca.n > 0 ? ca.n : 1;
	grid = calloc((size_t)(ra.n ? ra.n : 1) * (size_t)W, sizeof *grid);
	cells = malloc(MAX_CELLS_PER_CHILD * sizeof *cells);
	if (!grid || !cells) {
		r = ERR_NOMEM;
		goto out;
	}
	bool two = q->then != NULL;
	int rb[65], cb[65];
	int64_t base = 0; /* referrals or children counted at all (the shares' whole) */
	if (ra.n > 0 && ca.n > 0) {
		if (!children) {
			for (size_t i = 0; i < s->n; i++) {
				if (!rpass(s, &flt, i))
					continue;
				base++;
				int nr = axis_bins(&ra, s, i, rb);
				int nc = two ? axis_bins(&ca, s, i, cb) : 1;
				if (!two)
					cb[0] = 0;
				for (int x = 0; x < nr; x++)
					for (int y = 0; y < nc; y++)
						grid[(size_t)rb[x] * (size_t)W + (size_t)cb[y]]++;
			}
		} else {
			for (size_t c = 0; c < s->children.n; c++) {
				int k = 0;
				bool any = false;
				for (uint32_t p = s->by_child_start[c]; p < s->by_child_start[c + 1]; p++) {
					size_t i = s->by_child_rows[p];
					if (!rpass(s, &flt, i))
						continue;
					any = true;
					int nr = axis_bins(&ra, s, i, rb);
					int nc = two ? axis_bins(&ca, s, i, cb) : 1;
					if (!two)
						cb[0] = 0;
					for (int x = 0; x < nr; x++)
						for (int y = 0; y < nc && k < MAX_CELLS_PER_CHILD; y++)
							cells[k++] = rb[x] * W + cb[y];
				}
				if (!any)
					continue;
				base++;
				if (k > 1)
					qsort(cells, (size_t)k, sizeof *cells, cmp_int);
				for (int x = 0; x < k; x++)
					if (x == 0 || cells[x] != cells[x - 1])
						grid[cells[x]]++;
			}
		}
	}
	/* Which bins to show. */
	keep_r = malloc((size_t)(ra.n ? ra.n : 1) * sizeof *keep_r);
	keep_c = malloc((size_t)W * sizeof *keep_c);
	if (!keep_r || !keep_c) {
		r = ERR_NOMEM;
		goto out;
	}
	int nr = 0, nc = 0;
	for (int i = 0; i < ra.n; i++) {
		bool any = ra.always[i];
		for (int j = 0; j < ca.n && !any; j++)
			any = grid[(size_t)i * (size_t)W + (size_t)j] > 0;
		if (any)
			keep_r[nr++] = i;
	}
	for (int j = 0; j < ca.n; j++) {
		bool any = ca.always[j];
		for (int i = 0; i < ra.n && !any; i++)
			any = grid[(size_t)i * (size_t)W + (size_t)j] > 0;
		if (any)
			keep_c[nc++] = j;
	}
	bool list = strcmp(q->by, "vulnerability") == 0 || (q->then && strcmp(q->then, "vulnerability") == 0);
	/* Children do not add up: a child referred in two years is one child
	 * in each, so a table of children has no totals (nor does one of
	 * vulnerabilities, which overlap); share_base holds the children (or
	 * referrals) counted at all. */
	f->shape = list || children ? FIG_LIST : two ? FIG_TWO_WAY : FIG_ONE_WAY;
	if (nc == 0) {
		/* A two-way table with nothing along its columns: one empty column. */
		keep_c[0] = 0;
		nc = ca.n > 0 ? 1 : 0;
	}
	if (ca.n == 0) {
		/* No calendar bins at all: one column named after the measure. */
		axis_done(&ca);
		if ((r = axis_alloc(&ca, 1)) < 0 ||
		    (r = axis_set(&ca, 0, children ? "children" : "referrals", children ? "Children" : "Referrals", true)) <
			    0)
			goto out;
		keep_c[0] = 0;
		nc = 1;
	}
	if ((r = fill_figure(f, &ra, keep_r, nr, &ca, keep_c, nc, grid, W)) < 0)
		goto out;
	snprintf(f->figure, sizeof f->figure, "referrals");
	const char *what = children ? "Children referred" : "Referrals";
	if (two)
		snprintf(f->title, sizeof f->title, "%s by %s and %s", what, dim_word_label(q->by),
			 dim_word_label(q->then));
	else
		snprintf(f->title, sizeof f->title, "%s by %s", what, dim_word_label(q->by));
	subtitle_of(f, s->pack, q, have_range, d0, d1);
	snprintf(f->by, sizeof f->by, "%s", q->by);
	snprintf(f->then, sizeof f->then, "%s", q->then ? q->then : "");
	snprintf(f->measure, sizeof f->measure, "%s", children ? "children" : "referrals");
	f->chart = two ? CHART_STACKED : list ? CHART_SHARES : CHART_BARS;
	f->share_base = list || children ? base : 0;
	figure_totals(f);
	r = 0;
out:
	axis_done(&ra);
	axis_done(&ca);
	free(grid);
	free(cells);
	free(keep_r);
	free(keep_c);
	return r;
}

static int repeat_figure(const struct store *s, const struct fq *q, struct figure *f)
{
	struct rfilter flt = {.from = q->has_from ? q->from : INT32_MIN, .to = q->has_to ? q->to : INT32_MAX,
			      .region_code = -1, .accepted_code = code_of(&s->dims[DIM_DISP], "accepted_hart")};
	if (q->region)
		flt.region_code = code_of(&s->dims[DIM_REGION], q->region);
	int64_t kids[4] = {0}, refs[4] = {0};
	int32_t lo = INT32_MAX, hi = INT32_MIN;
	for (size_t c = 0; c < s->children.n; c++) {
		int64_t k = 0;
		for (uint32_t p = s->by_child_start[c]; p < s->by_child_start[c + 1]; p++) {
			size_t i = s->by_child_rows[p];
			if (rpass(s, &flt, i)) {
				k++;
				if (s->day[i] < lo)
					lo = s->day[i];
				if (s->day[i] > hi)
					hi = s->day[i];
			}
		}
		if (k == 0)
			continue;
		int b = k >= 4 ? 3 : (int)k - 1;
		kids[b]++;
		refs[b] += k;
	}
	f->shape = FIG_ONE_WAY;
	/* Referrals are children times 1, 2 or 3 in the first rows: beside a
	 * hidden count of children they would give it away, so a figure that
	 * leaves the agency counts children only. */
	int ncols = q->suppressed ? 1 : 2;
	int r = figure_alloc(f, 4, ncols);
	if (r < 0)
		return r;
	static const char *const keys[] = {"1", "2", "3", "4_or_more"};
	static const char *const labels[] = {"1 referral", "2 referrals", "3 referrals", "4 or more referrals"};
	for (int i = 0; i < 4; i++) {
		if ((r = figure_set_row(f, i, keys[i], labels[i])) < 0)
			return r;
		f->cell[i * ncols].value = kids[i];
		if (ncols == 2)
			f->cell[i * 2 + 1].value = refs[i];
	}
	if ((r = figure_set_col(f, 0, "children", "Children")) < 0 ||
	    (ncols == 2 && (r = figure_set_col(f, 1, "referrals", "Referrals")) < 0))
		return r;
	snprintf(f->figure, sizeof f->figure, "repeat");
	snprintf(f->title, sizeof f->title, "Children by number of referrals");
	bool have = q->has_from && q->has_to;
	int32_t d0 = q->has_from ? q->from : lo, d1 = q->has_to ? q->to : hi;
	subtitle_of(f, s->pack, q, have || lo <= hi, d0, d1);
	f->chart = CHART_BARS;
	figure_totals(f);
	return 0;
}

/* ---- SQL figures ---- */

/* Rows binned by a local day or by region, into a wide set of bins that
 * grows with the data: bins[k] per column. */
struct binned {
	int ncols;
	int32_t lo, hi; /* the days seen */
	/* per row of data: */
	int32_t *day;
	int *region; /* index into the pack's regions, or -1 */
	int64_t *val; /* n * ncols */
	double *minutes; /* rapid response: minutes to arrival, or -1 */
	size_t n, cap;
};

static void binned_done(struct binned *b)
{
	free(b->day);
	free(b->region);
	free(b->val);
	free(b->minutes);
}

static int binned_add(struct binned *b, int32_t day, int region, const int64_t *vals, double minutes)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		int32_t *d = realloc(b->day, cap * sizeof *d);
		if (d)
			b->day = d;
		int *rg = realloc(b->region, cap * sizeof *rg);
		if (rg)
			b->region = rg;
		int64_t *v = realloc(b->val, cap * (size_t)b->ncols * sizeof *v);
		if (v)
			b->val = v;
		double *m = realloc(b->minutes, cap * sizeof *m);
		if (m)
			b->minutes = m;
		if (!d || !rg || !v || !m)
			return ERR_NOMEM;
		b->cap = cap;
	}
	b->day[b->n] = day;
	b->region[b->n] = region;
	memcpy(&b->val[b->n * (size_t)b->ncols], vals, (size_t)b->ncols * sizeof *vals);
	b->minutes[b->n] = minutes;
	if (b->n == 0 || day < b->lo)
		b->lo = day;
	if (b->n == 0 || day > b->hi)
		b->hi = day;
	b->n++;
	return 0;
}

static int region_index(const struct pack *p, const char *id)
{
	for (size_t i = 0; id && i < p->n_regions; i++)
		if (strcmp(p->regions[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* The rows axis of a SQL figure (by year, quarter, month or region). */
static int sql_axis(struct axis *a, const struct pack *p, const char *by, const struct fq *q, const struct binned *b,
		    bool *ret_have_range, int32_t *ret_d0, int32_t *ret_d1)
{
	int32_t d0 = q->has_from ? q->from : b->lo, d1 = q->has_to ? q->to : b->hi;
	bool have = (q->has_from && q->has_to) || b->n > 0;
	*ret_have_range = have;
	*ret_d0 = d0;
	*ret_d1 = d1;
	if (strcmp(by, "region") == 0) {
		int r = axis_alloc(a, (int)p->n_regions + 1);
		if (r < 0)
			return r;
		a->kind = AX_DIM;
		int n = 0;
		for (size_t i = 0; i < p->n_regions; i++) {
			if (q->region && strcmp(p->regions[i].id, q->region) != 0)
				continue;
			if ((r = axis_set(a, n++, p->regions[i].id, p->regions[i].name, true)) < 0)
				return r;
		}
		if ((r = axis_set(a, n++, NONE_KEY, "No region", false)) < 0)
			return r;
		a->n = n;
		return 0;
	}
	if (!have) {
		a->kind = AX_YEAR;
		return axis_alloc(a, 0);
	}
	enum axis_kind k = strcmp(by, "year") == 0 ? AX_YEAR : strcmp(by, "quarter") == 0 ? AX_QUARTER : AX_MONTH;
	return axis_calendar(a, k, d0, d1);
}

static int sql_bin_of(const struct axis *a, const struct pack *p, const struct fq *q, const struct binned *b,
		      size_t i)
{
	if (a->kind == AX_DIM) {
		if (b->region[i] < 0)
			return a->n - 1;
		const char *id = p->regions[b->region[i]].id;
		for (int k = 0; k < a->n; k++)
			if (strcmp(a->key[k], id) == 0)
				return k;
		return -1;
	}
	(void)q;
	return a->day_bin[b->day[i] - a->d0];
}

/* The day filter for SQL rows. */
static bool in_days(const struct fq *q, int32_t day)
{
	return (!q->has_from || day >= q->from) && (!q->has_to || day <= q->to);
}

static int64_t percentile(double *m, size_t n, double pct)
{
	if (n == 0)
		return 0;
	/* nearest rank */
	size_t rank = (size_t)(pct * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (int64_t)(m[rank - 1] + 0.5);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* By default the duties figure counts the federal duties only. */
static bool federal_duty(const char *kind)
{
	enum duty_kind k;
	return duty_kind_from_string(kind, &k) == 0 && duty_kind_is_federal(k);
}

static const char *const fig_duties = "duties", *const fig_missing = "missing", *const fig_rapid = "rapid-response";

static int sql_figure(struct db *db, const struct pack *p, const struct fq *q, struct figure *f)
{
	struct binned b = {0};
	struct axis ra = {0};
	struct db_stmt *st = NULL;
	const char *by = q->by;
	int r;
	bool duties = strcmp(q->figure, fig_duties) == 0, missing = strcmp(q->figure, fig_missing) == 0;
	if (duties) {
		b.ncols = 3; /* met_on_time, met_late, unmet */
		r = db_prepare(db, "SELECT due_at, met_at, region, kind FROM duty", &st);
	} else if (missing) {
		b.ncols = 5;
		r = db_prepare(db,
			       "SELECT m.learned_at, c.region, CASE WHEN m.located_at IS NULL THEN 0 ELSE 1 END,"
			       " (SELECT count(*) FROM duty d WHERE d.subject_type = 'missing_episode' AND d.subject_id = m.id"
			       "  AND d.kind = ? AND d.met_at IS NOT NULL AND d.met_at <= d.due_at),"
			       " (SELECT count(*) FROM duty d WHERE d.subject_type = 'missing_episode' AND d.subject_id = m.id"
			       "  AND d.kind = ? AND d.met_at IS NOT NULL AND d.met_at <= d.due_at),"
			       " (SELECT count(*) FROM duty d WHERE d.subject_type = 'missing_episode' AND d.subject_id = m.id"
			       "  AND d.kind = ? AND d.met_at IS NOT NULL AND d.met_at <= d.due_at)"
			       " FROM missing_episode m JOIN child_case c ON c.id = m.case_id",
			       &st);
		if (r == 0 && (r = duty_bind_kind(st, 1, DUTY_MISSING_LAW_ENFORCEMENT_REPORT)) == 0 &&
		    (r = duty_bind_kind(st, 2, DUTY_MISSING_NCMEC_REPORT)) == 0)
			r = duty_bind_kind(st, 3, DUTY_RETURN_RESCREEN);
	} else {
		b.ncols = 3; /* requests, arrivals, within target */
		r = db_prepare(db,
			       "SELECT x.requested_at, c.region, x.arrived_at, x.target_minutes"
			       " FROM rapid_response x JOIN child_case c ON c.id = x.case_id",
			       &st);
	}
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int32_t day;
		if (!local_day(db_column_text(st, 0), &day) || !in_days(q, day))
			continue;
		const char *reg = db_column_text(st, duties ? 2 : 1);
		if (q->region && (!reg || strcmp(reg, q->region) != 0))
			continue;
		int64_t v[5] = {0};
		double minutes = -1;
		if (duties) {
			const char *kind = db_column_text(st, 3);
			if (q->kind ? strcmp(kind, q->kind) != 0 : !federal_duty(kind))
				continue;
			const char *due = db_column_text(st, 0), *met = db_column_text(st, 1);
			hl_time td, tm;
			if (!met || time_parse(met, &tm) < 0)
				v[2] = 1;
			else if (time_parse(due, &td) == 0 && tm <= td)
				v[0] = 1;
			else
				v[1] = 1;
		} else if (missing) {
			v[0] = 1;
			v[1] = db_column_int64(st, 3) > 0;
			v[2] = db_column_int64(st, 4) > 0;
			v[3] = db_column_int64(st, 2);
			v[4] = db_column_int64(st, 5) > 0;
		} else {
			v[0] = 1;
			hl_time treq, tarr;
			const char *arr = db_column_text(st, 2);
			if (arr && time_parse(arr, &tarr) == 0 && time_parse(db_column_text(st, 0), &treq) == 0) {
				v[1] = 1;
				minutes = (double)(tarr - treq) / (60.0 * (double)HL_USEC_PER_SEC);
				if (minutes < 0)
					minutes = 0;
				v[2] = !db_column_is_null(st, 3) && minutes <= (double)db_column_int64(st, 3);
			}
		}
		if ((r = binned_add(&b, day, region_index(p, reg), v, minutes)) < 0)
			break;
	}
	db_finalize(st);
	if (r < 0)
		goto out;
	bool have;
	int32_t d0, d1;
	if ((r = sql_axis(&ra, p, by, q, &b, &have, &d0, &d1)) < 0)
		goto out;
	/* Count into the wide rows. */
	/* duties: due and the share met on time, neither summed; rapid
	 * responses: the median and 90th percentile minutes. */
	int W = 5;
	int64_t *grid = calloc((size_t)(ra.n ? ra.n : 1) * (size_t)b.ncols, sizeof *grid);
	int *bin = malloc((b.n ? b.n : 1) * sizeof *bin);
	if (!grid || !bin) {
		free(grid);
		free(bin);
		r = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < b.n; i++) {
		bin[i] = ra.n ? sql_bin_of(&ra, p, q, &b, i) : -1;
		if (bin[i] < 0)
			continue;
		for (int j = 0; j < b.ncols; j++)
			grid[(size_t)bin[i] * (size_t)b.ncols + (size_t)j] += b.val[i * (size_t)b.ncols + (size_t)j];
	}
	int nr = 0;
	int *keep = malloc((size_t)(ra.n ? ra.n : 1) * sizeof *keep);
	if (!keep) {
		free(grid);
		free(bin);
		r = ERR_NOMEM;
		goto out;
	}
	for (int i = 0; i < ra.n; i++) {
		bool any = ra.always[i];
		for (int j = 0; j < b.ncols && !any; j++)
			any = grid[(size_t)i * (size_t)b.ncols + (size_t)j] > 0;
		if (any)
			keep[nr++] = i;
	}
	f->shape = duties ? FIG_TWO_WAY : FIG_ONE_WAY;
	if ((r = figure_alloc(f, nr, W)) < 0)
		goto done;
	static const char *const duty_cols[][2] = {{"met_on_time", "Met on time"},
						   {"met_late", "Met late"},
						   {"unmet", "Not met"},
						   {"due", "Due"},
						   {"share_on_time", "Met on time (%)"}};
	static const char *const missing_cols[][2] = {{"episodes", "Episodes"},
						      {"le_on_time", "Reported to law enforcement on time"},
						      {"ncmec_on_time", "Reported to NCMEC on time"},
						      {"returned", "Returned"},
						      {"rescreened_on_time", "Re-screened on time"}};
	static const char *const rapid_cols[][2] = {{"requests", "Requests"},
						    {"arrivals", "Arrivals"},
						    {"within_target", "Within target"},
						    {"median_minutes", "Median minutes"},
						    {"p90_minutes", "90th percentile minutes"}};
	const char *const(*cols)[2] = duties ? duty_cols : missing ? missing_cols : rapid_cols;
	for (int j = 0; j < W; j++)
		if ((r = figure_set_col(f, j, cols[j][0], cols[j][1])) < 0)
			goto done;
	double *mins = malloc((b.n ? b.n : 1) * sizeof *mins);
	if (!mins) {
		r = ERR_NOMEM;
		goto done;
	}
	for (int k = 0; k < nr; k++) {
		int i = keep[k];
		if ((r = figure_set_row(f, k, ra.key[i], ra.label[i])) < 0)
			break;
		struct figure_cell *row = &f->cell[(size_t)k * (size_t)W];
		for (int j = 0; j < b.ncols; j++)
			row[j].value = grid[(size_t)i * (size_t)b.ncols + (size_t)j];
		if (duties) {
			int64_t due = row[0].value + row[1].value + row[2].value;
			f->col_count[3] = f->col_count[4] = false;
			row[3].value = due;
			row[4].value = due ? (row[0].value * 100 + due / 2) / due : 0;
		} else if (!missing) {
			size_t nm = 0;
			for (size_t x = 0; x < b.n; x++)
				if (bin[x] == i && b.minutes[x] >= 0)
					mins[nm++] = b.minutes[x];
			qsort(mins, nm, sizeof *mins, cmp_double);
			f->col_count[3] = f->col_count[4] = false;
			row[3].value = percentile(mins, nm, 0.5);
			row[4].value = percentile(mins, nm, 0.9);
		}
	}
	free(mins);
	if (r < 0)
		goto done;
	if (duties)
		f->col_count[3] = f->col_count[4] = false;
	else if (!missing)
		f->col_count[3] = f->col_count[4] = false;
	snprintf(f->figure, sizeof f->figure, "%s", q->figure);
	const char *what = duties ? "Duties due" : missing ? "Missing episodes" : "Rapid responses";
	snprintf(f->title, sizeof f->title, "%s by %s%s%s", what, dim_word_label(by),
		 duties && q->kind ? ": " : "", duties && q->kind ? q->kind : "");
	subtitle_of(f, p, q, have, d0, d1);
	snprintf(f->by, sizeof f->by, "%s", by);
	f->chart = duties ? CHART_STACKED : CHART_BARS;
	figure_totals(f);
	r = 0;
done:
	free(grid);
	free(bin);
	free(keep);
out:
	axis_done(&ra);
	binned_done(&b);
	return r;
}

/* The federal count: distinct children (persons) identified as suspected
 * or confirmed victims in the fiscal year, each once, by the status and
 * trafficking type of their latest identification in the year. */
static int federal_figure(struct db *db, const struct pack *p, const struct fq *q, struct figure *f)
{
	int32_t d0 = days_from_civil(q->fy - 1, 10, 1), d1 = days_from_civil(q->fy, 9, 30);
	struct db_stmt *st;
	int r = db_prepare(db,
			   "SELECT person_id, victim_status, trafficking_type, identified_at, region FROM child_case"
			   " WHERE victim_status IN ('suspected', 'confirmed') AND identified_at IS NOT NULL"
			   " ORDER BY person_id, identified_at, id",
			   &st);
	if (r < 0)
		return r;
	int ntypes = (int)p->n_trafficking_types;
	int W = 2, H = ntypes + 1;
	int64_t *grid = calloc((size_t)H * (size_t)W, sizeof *grid);
	if (!grid) {
		db_finalize(st);
		return ERR_NOMEM;
	}
	int64_t cur = 0;
	int cur_cell = -1;
	/* extra types (not in the pack) go to "not set": a pack without them
	 * cannot name them. */
	while ((r = db_step(st)) == DB_ROW) {
		int32_t day;
		if (!local_day(db_column_text(st, 3), &day) || day < d0 || day > d1)
			continue;
		const char *reg = db_column_text(st, 4);
		if (q->region && (!reg || strcmp(reg, q->region) != 0))
			continue;
		int64_t person = db_column_int64(st, 0);
		if (person != cur && cur_cell >= 0)
			grid[cur_cell]++;
		cur = person;
		int col = strcmp(db_column_text(st, 1), "confirmed") == 0 ? 1 : 0;
		const char *type = db_column_text(st, 2);
		int row = ntypes;
		for (int i = 0; type && i < ntypes; i++)
			if (strcmp(p->trafficking_types[i].id, type) == 0)
				row = i;
		cur_cell = row * W + col;
	}
	db_finalize(st);
	if (r < 0) {
		free(grid);
		return r;
	}
	if (cur_cell >= 0)
		grid[cur_cell]++;
	f->shape = FIG_TWO_WAY;
	if ((r = figure_alloc(f, H, W)) < 0)
		goto out;
	for (int i = 0; i < ntypes; i++)
		if ((r = figure_set_row(f, i, p->trafficking_types[i].id, p->trafficking_types[i].name)) < 0)
			goto out;
	if ((r = figure_set_row(f, ntypes, NONE_KEY, "Type not set")) < 0 ||
	    (r = figure_set_col(f, 0, "suspected", "Suspected")) < 0 ||
	    (r = figure_set_col(f, 1, "confirmed", "Confirmed")) < 0)
		goto out;
	for (int i = 0; i < H * W; i++)
		f->cell[i].value = grid[i];
	snprintf(f->figure, sizeof f->figure, "federal");
	snprintf(f->title, sizeof f->title, "Children identified as sex-trafficking victims, FFY %d", q->fy);
	struct fq qq = *q;
	subtitle_of(f, p, &qq, true, d0, d1);
	snprintf(f->by, sizeof f->by, "type");
	snprintf(f->then, sizeof f->then, "victim_status");
	f->chart = CHART_STACKED;
	figure_totals(f);
	r = 0;
out:
	free(grid);
	return r;
}

/* ---- checking the query ---- */

static int check_query(const struct svc_ctx *ctx, const struct figure_query *in, struct field_errors *errs,
		       struct fq *q)
{
	const struct pack *p = ctx->app->pack;
	char words[256];
	memset(q, 0, sizeof *q);
	q->figure = in->figure;
	q->suppressed = in->suppressed;
	bool referrals = strcmp(in->figure, "referrals") == 0, repeat = strcmp(in->figure, "repeat") == 0,
	     federal = strcmp(in->figure, "federal") == 0;
	bool sql = strcmp(in->figure, fig_duties) == 0 || strcmp(in->figure, fig_missing) == 0 ||
		   strcmp(in->figure, fig_rapid) == 0;
	if (!referrals && !repeat && !federal && !sql)
		return ERR_NOTFOUND;
	const char *by = in->by && *in->by ? in->by : NULL;
	if (referrals) {
		q->by = by ? by : "year";
		if (!one_of(referral_dims, q->by)) {
			list_words(referral_dims, words, sizeof words);
			field_error_add(errs, "by", "one of %s", words);
		}
		if (in->then && *in->then) {
			q->then = in->then;
			if (!one_of(referral_dims, q->then)) {
				list_words(referral_dims, words, sizeof words);
				field_error_add(errs, "then", "one of %s", words);
			} else if (strcmp(q->then, q->by) == 0) {
				field_error_add(errs, "then", "a dimension other than by");
			}
		}
		q->measure = in->measure && *in->measure ? in->measure : "referrals";
		if (strcmp(q->measure, "referrals") != 0 && strcmp(q->measure, "children") != 0)
			field_error_add(errs, "measure", "referrals or children");
	} else if (sql) {
		q->by = by ? by : "year";
		if (!one_of(calendar_or_region, q->by))
			field_error_add(errs, "by", "year, quarter, month or region");
		if (strcmp(in->figure, fig_duties) == 0 && in->kind && *in->kind) {
			enum duty_kind k;
			if (duty_kind_from_string(in->kind, &k) < 0) {
				const char *kinds[DUTY_KIND_COUNT + 1] = {NULL};
				for (int i = 0; i < DUTY_KIND_COUNT; i++)
					kinds[i] = duty_kind_to_string((enum duty_kind)i);
				list_words(kinds, words, sizeof words);
				field_error_add(errs, "kind", "one of %s", words);
			}
			q->kind = in->kind;
		}
	} else if (repeat) {
		q->by = "children";
	} else {
		q->by = "type";
	}
	if (in->from && *in->from) {
		if (!parse_day(in->from, &q->from))
			field_error_add(errs, "from", "a date YYYY-MM-DD");
		else
			q->has_from = true;
	}
	if (in->to && *in->to) {
		if (!parse_day(in->to, &q->to))
			field_error_add(errs, "to", "a date YYYY-MM-DD");
		else
			q->has_to = true;
	}
	if (q->has_from && q->has_to && q->to < q->from)
		field_error_add(errs, "to", "must not be before from");
	if (in->region && *in->region) {
		if (!pack_region(p, in->region))
			field_error_add(errs, "region", "unknown region \"%.20s\"", in->region);
		q->region = in->region;
	}
	if (federal) {
		if (in->fy && *in->fy) {
			int64_t fy;
			if (str_to_int64(in->fy, MIN_YEAR + 1, MAX_YEAR, &fy) < 0)
				field_error_add(errs, "fy", "a federal fiscal year such as 2026");
			else
				q->fy = (int)fy;
		} else {
			struct cmp_date d = cmp_date_local(now() / HL_USEC_PER_SEC);
			q->fy = d.m >= 10 ? d.y + 1 : d.y;
		}
	}
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

int svc_stats_figure(const struct svc_ctx *ctx, const struct figure_query *in, struct field_errors *errs,
		     struct figure *ret)
{
	int r = svc_require(ctx, PERM_STATS_READ);
	if (r < 0)
		return r;
	if (!in || !in->figure)
		return ERR_NOTFOUND;
	struct figure_query scoped = *in;
	/* A liaison's figures are of its region. */
	if (ctx->actor->role == ROLE_LIAISON)
		scoped.region = ctx->actor->scope;
	if (ctx->actor->role == ROLE_ANALYST)
		scoped.suppressed = true;
	struct fq q;
	if ((r = check_query(ctx, &scoped, errs, &q)) < 0)
		return r;
	struct app *app = ctx->app;
	struct figure f;
	memset(&f, 0, sizeof f);
	if (strcmp(q.figure, "referrals") == 0 || strcmp(q.figure, "repeat") == 0) {
		struct store *s;
		if ((r = store_acquire(app, &s)) < 0)
			return r;
		r = strcmp(q.figure, "referrals") == 0 ? referrals_figure(s, &q, &f) : repeat_figure(s, &q, &f);
		store_release();
		if (r == ERR_TOOBIG) {
			field_error_add(errs, q.then ? "then" : "by", "more than %d cells: choose a shorter range or coarser bins",
					MAX_CELLS);
			r = ERR_INVAL;
		}
	} else {
		struct db *db;
		if ((r = app_db(app, &db)) < 0)
			return r;
		r = strcmp(q.figure, "federal") == 0 ? federal_figure(db, app->pack, &q, &f)
						     : sql_figure(db, app->pack, &q, &f);
	}
	if (r < 0) {
		figure_free(&f);
		return r;
	}
	f.threshold = app->pack->suppression_threshold;
	if (q.suppressed && (r = figure_suppress(&f, app->pack->suppression_threshold)) < 0) {
		figure_free(&f);
		return r;
	}
	char detail[400], fy[16] = "";
	if (q.fy)
		snprintf(fy, sizeof fy, "%d", q.fy);
	snprintf(detail, sizeof detail, "figure=%s by=%s then=%s measure=%s from=%.10s to=%.10s region=%.16s kind=%.40s fy=%s suppressed=%s",
		 q.figure, q.by ? q.by : "", q.then ? q.then : "", q.measure ? q.measure : "",
		 in->from ? in->from : "", in->to ? in->to : "", q.region ? q.region : "", q.kind ? q.kind : "", fy,
		 q.suppressed ? "true" : "false");
	if ((r = svc_audit_record(ctx, "stats.read", "figure", q.figure, detail)) < 0) {
		figure_free(&f);
		return r;
	}
	*ret = f;
	return 0;
}
