/* figures/training: the awareness-and-education figures (docs/training.md
 * "Figures", docs/figures.md):
 *
 *   measure=people    distinct people who attended, and who completed, a
 *                     session; the share completing. by course, audience
 *                     (the trainee's), region (the session's) or year (the
 *                     session's start, in the pack's time zone)
 *   measure=sessions  sessions held (status held, or any attendance) and
 *                     the attendance records, by course, region or year
 *   measure=reach     trainers' reach: sessions led and distinct people
 *                     reached, one row per trainer (by=trainer; trainer and
 *                     HART only), or as a distribution of the trainers by
 *                     sessions led (by=sessions_led; what an analyst gets,
 *                     never a name)
 *   measure=informed  providers trafficking-informed, by region (each
 *                     region a provider serves): the providers' current
 *                     status (informed, lapsed, not informed). Only the
 *                     current status is stored, so the history starts with
 *                     this release (a figure taken each quarter keeps it)
 *
 * One pass: the sessions (tens of thousands) are read into an array that
 * maps a session to its row, then the attended registrations are read once
 * from a covering index and each counted into its row; distinct people are
 * counted with a bitset of trainee ids per row. */
#include "service/figures/figures_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "service/sealed.h"

#define TVALS 3
/* Bitsets of trainee ids: rows x (max id + 1) bits at most. */
#define MAX_BITSET_BYTES (INT64_C(256) << 20)

struct tbin {
	char key[48];
	char *label;
	int64_t v[TVALS];
	bool always;
	int64_t id; /* a trainer's trainee id (by=trainer) */
};

struct tfig {
	struct tbin *bins;
	size_t n, cap;
	bool have;
	int32_t lo, hi; /* the days of the sessions counted */
};

/* A session read once: its row (-1: not counted), whether held. */
struct tsess {
	int64_t min_id, n;
	int *bin;
	unsigned char *held; /* bit 1: status held; bit 2: attendance seen */
	int32_t *day;
};

static void tfig_done(struct tfig *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->bins[i].label);
	free(g->bins);
}

static int tfig_add(struct tfig *g, const char *key, const char *label, bool always, int64_t id)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct tbin *b = realloc(g->bins, cap * sizeof *b);
		if (!b)
			return ERR_NOMEM;
		g->bins = b;
		g->cap = cap;
	}
	struct tbin *b = &g->bins[g->n];
	memset(b, 0, sizeof *b);
	str_copy(b->key, sizeof b->key, key);
	if (!(b->label = strdup(label ? label : key)))
		return ERR_NOMEM;
	b->always = always;
	b->id = id;
	g->n++;
	return 0;
}

static int tbin_find(const struct tfig *g, const char *key)
{
	for (size_t i = 0; key && i < g->n; i++)
		if (strcmp(g->bins[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* The bin of key, or "not recorded" (the last). */
static int tbin_or_none(const struct tfig *g, const char *key)
{
	int b = tbin_find(g, key);
	return b >= 0 ? b : (int)g->n - 1;
}

/* The rows of a pack list, then "not recorded". */
static int rows_of_pack(struct tfig *g, const struct pack *p, const struct fq *q)
{
	int r = 0;
	if (strcmp(q->by, "course") == 0) {
		for (size_t i = 0; r == 0 && i < p->training.n_courses; i++)
			r = tfig_add(g, p->training.courses[i].id, p->training.courses[i].name, true, 0);
	} else if (strcmp(q->by, "audience") == 0) {
		for (size_t i = 0; r == 0 && i < p->training.n_audiences; i++)
			r = tfig_add(g, p->training.audiences[i].id, p->training.audiences[i].name, true, 0);
	} else if (strcmp(q->by, "region") == 0) {
		for (size_t i = 0; r == 0 && i < p->n_regions; i++)
			if (!q->region || strcmp(q->region, p->regions[i].id) == 0)
				r = tfig_add(g, p->regions[i].id, p->regions[i].name, true, 0);
	}
	return r < 0 ? r : tfig_add(g, NONE_KEY, NONE_LABEL, false, 0);
}

static void year_key(int32_t day, char key[8])
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(key, 8, "%d", y);
}

static void tsess_done(struct tsess *s)
{
	free(s->bin);
	free(s->held);
	free(s->day);
}

static int tsess_at(const struct tsess *s, int64_t id)
{
	return id >= s->min_id && id - s->min_id < s->n ? (int)(id - s->min_id) : -1;
}

/* Every session not cancelled, in the query's days and region, with the
 * row it counts in (by course, region or year; by audience and trainer
 * the row is decided per registration: 0 here). */
static int read_sessions(struct tfig *g, struct tsess *s, struct db *db, const struct fq *q)
{
	int64_t lo = 0, hi = -1;
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT MIN(id), MAX(id) FROM training_session", "");
	if (r < 0)
		return r;
	if (!db_column_is_null(st, 0)) {
		lo = db_column_int64(st, 0);
		hi = db_column_int64(st, 1);
	}
	db_finalize(st);
	s->min_id = lo;
	s->n = hi - lo + 1;
	size_t n = (size_t)(s->n > 0 ? s->n : 1);
	s->bin = malloc(n * sizeof *s->bin);
	s->held = calloc(n, 1);
	s->day = calloc(n, sizeof *s->day);
	if (!s->bin || !s->held || !s->day)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		s->bin[i] = -1;
	if ((r = db_preparef(db, &st,
			     "SELECT id, course, region, starts_at, status FROM training_session WHERE status <> 'cancelled'",
			     "")) < 0)
		return r;
	bool years = strcmp(q->by, "year") == 0, regions = strcmp(q->by, "region") == 0;
	while ((r = db_step(st)) == DB_ROW) {
		int i = tsess_at(s, db_column_int64(st, 0));
		const char *region = db_column_text(st, 2);
		int32_t day;
		if (i < 0 || (q->region && (!region || strcmp(region, q->region) != 0)) ||
		    !figures_local_day(db_column_text(st, 3), &day) || (q->has_from && day < q->from) ||
		    (q->has_to && day > q->to))
			continue;
		if (!g->have || day < g->lo)
			g->lo = day;
		if (!g->have || day > g->hi)
			g->hi = day;
		g->have = true;
		s->day[i] = day;
		s->held[i] = strcmp(db_column_text(st, 4), "held") == 0;
		if (years) {
			char key[8];
			year_key(day, key);
			int b = tbin_find(g, key);
			if (b < 0) {
				if ((r = tfig_add(g, key, key, true, 0)) < 0)
					break;
				b = (int)g->n - 1;
			}
			s->bin[i] = b;
		} else if (regions) {
			s->bin[i] = tbin_or_none(g, region);
		} else if (strcmp(q->by, "course") == 0) {
			s->bin[i] = tbin_or_none(g, db_column_text(st, 1));
		} else {
			s->bin[i] = 0;
		}
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* The audience row of every trainee (by=audience), by trainee id. */
static int read_audiences(const struct tfig *g, struct db *db, int64_t max_id, int **ret)
{
	int *a = malloc((size_t)(max_id + 1) * sizeof *a);
	if (!a)
		return ERR_NOMEM;
	for (int64_t i = 0; i <= max_id; i++)
		a[i] = (int)g->n - 1;
	struct db_stmt *st;
	int r = db_preparef(db, &st, "SELECT id, audience FROM trainee", "");
	while (r >= 0 && (r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0);
		if (id >= 0 && id <= max_id)
			a[id] = tbin_or_none(g, db_column_text(st, 1));
	}
	if (r >= 0 || r == DB_DONE)
		db_finalize(st);
	if (r < 0) {
		free(a);
		return r;
	}
	*ret = a;
	return 0;
}

static int max_trainee(struct db *db, int64_t *ret)
{
	*ret = 0;
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT MAX(id) FROM trainee", "");
	if (r < 0)
		return r;
	if (!db_column_is_null(st, 0))
		*ret = db_column_int64(st, 0);
	db_finalize(st);
	return *ret < 0 ? ERR_INVAL : 0;
}

/* Set bit id of row b's bitset; true when it was not set. */
static bool bit_first(unsigned char *bits, size_t row_bytes, int b, int64_t id)
{
	unsigned char *p = &bits[(size_t)b * row_bytes + (size_t)(id >> 3)];
	unsigned char m = (unsigned char)(1u << (id & 7));
	if (*p & m)
		return false;
	*p |= m;
	return true;
}

/* The attended registrations, each once: measure people (v: attended,
 * completed people) or sessions (v: held, attendance records). */
static int read_attendance(struct tfig *g, struct tsess *s, struct db *db, const struct fq *q)
{
	bool people = strcmp(q->measure, "people") == 0;
	int64_t max_id;
	int r = max_trainee(db, &max_id);
	if (r < 0)
		return r;
	size_t row_bytes = (size_t)(max_id / 8 + 1);
	if (people && (int64_t)row_bytes * (int64_t)g->n * 2 > MAX_BITSET_BYTES)
		return ERR_TOOBIG;
	int *aud = NULL;
	unsigned char *bits = people ? calloc(g->n * 2, row_bytes) : NULL;
	if (people && !bits)
		return ERR_NOMEM;
	if (strcmp(q->by, "audience") == 0 && (r = read_audiences(g, db, max_id, &aud)) < 0) {
		free(bits);
		return r;
	}
	struct db_stmt *st;
	if ((r = db_preparef(db, &st, "SELECT session_id, trainee_id, completed FROM registration WHERE attended = 1",
			     "")) < 0) {
		free(aud);
		free(bits);
		return r;
	}
	while ((r = db_step(st)) == DB_ROW) {
		int i = tsess_at(s, db_column_int64(st, 0));
		int64_t t = db_column_int64(st, 1);
		if (i < 0 || s->bin[i] < 0 || t < 0 || t > max_id)
			continue;
		int b = aud ? aud[t] : s->bin[i];
		if (!people) {
			g->bins[b].v[1]++;
			s->held[i] |= 2;
			continue;
		}
		if (bit_first(bits, row_bytes, b * 2, t))
			g->bins[b].v[0]++;
		if (db_column_int64(st, 2) == 1 && bit_first(bits, row_bytes, b * 2 + 1, t))
			g->bins[b].v[1]++;
	}
	db_finalize(st);
	free(aud);
	free(bits);
	if (r < 0)
		return r;
	for (int64_t i = 0; !people && i < s->n; i++)
		if (s->bin[i] >= 0 && s->held[i])
			g->bins[s->bin[i]].v[0]++;
	return 0;
}

/* ---- trainers' reach ---- */

/* Each trainer's sessions led (held or attended) and distinct people
 * reached. The rows are the trainers, in id order, with their names
 * (by=trainer), later folded into a distribution (by=sessions_led). */
static int read_reach(struct tfig *g, struct tsess *s, struct db *db, struct app *app, const struct fq *q)
{
	bool names = strcmp(q->by, "trainer") == 0;
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT DISTINCT t.id, t.name FROM session_trainer x JOIN trainee t ON t.id = x.trainee_id"
			    " ORDER BY t.id",
			    "");
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0);
		char key[32], *name = NULL;
		snprintf(key, sizeof key, "trainer-%lld", (long long)id);
		if (names && (r = sealed_get(app, st, 1, "trainee", "name", id, &name)) < 0)
			break;
		r = tfig_add(g, key, name ? name : key, false, id);
		free(name);
		if (r < 0)
			break;
	}
	db_finalize(st);
	if (r < 0)
		return r;
	/* Every session's attendance, then each trainer's sessions. */
	int64_t max_id;
	if ((r = max_trainee(db, &max_id)) < 0)
		return r;
	size_t row_bytes = (size_t)(max_id / 8 + 1);
	if ((int64_t)row_bytes * (int64_t)(g->n ? g->n : 1) > MAX_BITSET_BYTES)
		return ERR_TOOBIG;
	unsigned char *bits = calloc(g->n ? g->n : 1, row_bytes);
	if (!bits)
		return ERR_NOMEM;
	r = db_preparef(db, &st,
			"SELECT x.trainee_id, r.session_id, r.trainee_id FROM session_trainer x"
			" JOIN registration r ON r.session_id = x.session_id AND r.attended = 1"
			" ORDER BY x.trainee_id",
			"");
	size_t b = 0;
	while (r >= 0 && (r = db_step(st)) == DB_ROW) {
		int64_t trainer = db_column_int64(st, 0), t = db_column_int64(st, 2);
		int i = tsess_at(s, db_column_int64(st, 1));
		while (b < g->n && g->bins[b].id < trainer)
			b++;
		if (i < 0 || s->bin[i] < 0 || b == g->n || t < 0 || t > max_id)
			continue;
		s->held[i] |= 2;
		if (bit_first(bits, row_bytes, (int)b, t))
			g->bins[b].v[1]++;
	}
	if (r >= 0 || r == DB_DONE)
		db_finalize(st);
	free(bits);
	if (r < 0)
		return r;
	if ((r = db_preparef(db, &st, "SELECT trainee_id, session_id FROM session_trainer ORDER BY trainee_id", "")) < 0)
		return r;
	b = 0;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t trainer = db_column_int64(st, 0);
		int i = tsess_at(s, db_column_int64(st, 1));
		while (b < g->n && g->bins[b].id < trainer)
			b++;
		if (i >= 0 && s->bin[i] >= 0 && s->held[i] && b < g->n)
			g->bins[b].v[0]++;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

static const int64_t led_max[] = {1, 5, 10, 20}; /* then over 20 */
static const char *const led_rows[][2] = {
	{"led_1", "1 session"}, {"led_2_5", "2-5 sessions"}, {"led_6_10", "6-10 sessions"},
	{"led_11_20", "11-20 sessions"}, {"led_over_20", "Over 20 sessions"},
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Fold the trainers into the distribution by sessions led: v[0] trainers,
 * v[1] the median of the people each reached. Trainers who led no session
 * in the range are left out. */
static int reach_distribution(struct tfig *g)
{
	struct tfig d = {0};
	int64_t *reach = malloc((g->n ? g->n : 1) * sizeof *reach);
	int r = reach ? 0 : ERR_NOMEM;
	for (size_t k = 0; r == 0 && k < sizeof led_rows / sizeof *led_rows; k++)
		r = tfig_add(&d, led_rows[k][0], led_rows[k][1], true, 0);
	for (size_t k = 0; r == 0 && k < d.n; k++) {
		size_t n = 0;
		for (size_t i = 0; i < g->n; i++) {
			int64_t led = g->bins[i].v[0];
			size_t c = 0;
			while (c < sizeof led_max / sizeof *led_max && led > led_max[c])
				c++;
			if (led > 0 && c == k)
				reach[n++] = g->bins[i].v[1];
		}
		qsort(reach, n, sizeof *reach, cmp_i64);
		d.bins[k].v[0] = (int64_t)n;
		d.bins[k].v[1] = n == 0 ? 0 : n % 2 ? reach[n / 2] : (reach[n / 2 - 1] + reach[n / 2] + 1) / 2;
	}
	free(reach);
	if (r < 0) {
		tfig_done(&d);
		return r;
	}
	tfig_done(g);
	*g = d;
	return 0;
}

/* ---- providers trafficking-informed ---- */

static const char *const informed_statuses[] = {"informed", "lapsed", "not_informed"};

/* by=region: each provider's current status, in each region it serves. */
static int informed_now(struct tfig *g, struct db *db)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT o.value, p.informed_status FROM provider p"
			    " LEFT JOIN provider_offer o ON o.provider_id = p.id AND o.kind = 'region' WHERE p.active = 1",
			    "");
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int b = db_column_is_null(st, 0) ? (int)g->n - 1 : tbin_find(g, db_column_text(st, 0));
		const char *status = db_column_text(st, 1);
		for (int k = 0; b >= 0 && k < 3; k++)
			if (strcmp(status, informed_statuses[k]) == 0)
				g->bins[b].v[k]++;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- the figure ---- */

struct tcols {
	int ncounts;
	const char *cols[TVALS + 1][2];
	bool share; /* a last column: v[1] as a share of v[0] */
	bool median; /* the second column is a median, not a count */
	enum figure_shape shape;
	const char *what;
};

static const struct tcols people_cols = {
	2, {{"attended", "People who attended"}, {"completed", "People who completed"}, {"completed_share", "Completing (%)"}},
	true, false, FIG_LIST, "People trained",
};
static const struct tcols sessions_cols = {
	2, {{"held", "Sessions held"}, {"attendance", "Attendance records"}}, false, false, FIG_ONE_WAY, "Sessions held",
};
static const struct tcols trainer_cols = {
	2, {{"sessions_led", "Sessions led"}, {"people_reached", "People reached"}}, false, false, FIG_LIST,
	"Trainers' reach",
};
static const struct tcols led_cols = {
	1, {{"trainers", "Trainers"}, {"median_reached", "Median people reached"}}, false, true, FIG_ONE_WAY,
	"Trainers' reach",
};
static const struct tcols informed_cols = {
	3, {{"informed", "Informed"}, {"lapsed", "Lapsed"}, {"not_informed", "Not informed"}}, false, false, FIG_LIST,
	"Providers trafficking-informed now",
};

static int64_t share(int64_t part, int64_t whole)
{
	return whole ? (part * 100 + whole / 2) / whole : 0;
}

static int fill(struct figure *f, const struct tfig *g, const struct tcols *c)
{
	int ncols = c->ncounts + (c->share || c->median), nr = 0;
	int *keep = malloc((g->n ? g->n : 1) * sizeof *keep);
	if (!keep)
		return ERR_NOMEM;
	for (size_t i = 0; i < g->n; i++) {
		bool any = g->bins[i].always;
		for (int j = 0; j < c->ncounts && !any; j++)
			any = g->bins[i].v[j] > 0;
		if (any)
			keep[nr++] = (int)i;
	}
	f->shape = c->shape;
	int r = figure_alloc(f, nr, ncols);
	for (int j = 0; r >= 0 && j < ncols; j++) {
		r = figure_set_col(f, j, c->cols[j][0], c->cols[j][1]);
		f->col_count[j] = j < c->ncounts;
	}
	for (int k = 0; r >= 0 && k < nr; k++) {
		const struct tbin *b = &g->bins[keep[k]];
		if ((r = figure_set_row(f, k, b->key, b->label)) < 0)
			break;
		struct figure_cell *row = &f->cell[(size_t)k * (size_t)ncols];
		for (int j = 0; j < c->ncounts; j++)
			row[j].value = b->v[j];
		if (c->share)
			row[2].value = share(b->v[1], b->v[0]);
		if (c->median)
			row[1].value = b->v[1];
	}
	free(keep);
	return r < 0 ? r : 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct tbin *)a)->key, ((const struct tbin *)b)->key);
}

static const struct tcols *columns_of(const struct fq *q)
{
	if (strcmp(q->measure, "sessions") == 0)
		return &sessions_cols;
	if (strcmp(q->measure, "reach") == 0)
		return strcmp(q->by, "trainer") == 0 ? &trainer_cols : &led_cols;
	if (strcmp(q->measure, "informed") == 0)
		return &informed_cols;
	return &people_cols;
}

static int count(struct tfig *g, struct db *db, struct app *app, const struct fq *q, const struct tcols *c)
{
	struct tsess s = {0};
	int r = 0;
	if (strcmp(q->by, "year") != 0 && c != &trainer_cols && c != &led_cols)
		r = rows_of_pack(g, app->pack, q);
	if (r == 0 && c == &informed_cols)
		return informed_now(g, db);
	if (r == 0)
		r = read_sessions(g, &s, db, q);
	if (r == 0 && (c == &trainer_cols || c == &led_cols))
		r = read_reach(g, &s, db, app, q);
	else if (r == 0)
		r = read_attendance(g, &s, db, q);
	if (r == 0 && c == &led_cols)
		r = reach_distribution(g);
	if (r == 0 && strcmp(q->by, "year") == 0 && g->n > 1)
		qsort(g->bins, g->n, sizeof *g->bins, by_key);
	tsess_done(&s);
	return r;
}

int figures_training(struct db *db, struct app *app, const struct fq *q, struct figure *f)
{
	const struct tcols *c = columns_of(q);
	struct tfig g = {0};
	int r = count(&g, db, app, q, c);
	if (r == 0)
		r = fill(f, &g, c);
	if (r == 0) {
		snprintf(f->figure, sizeof f->figure, "%s", q->figure);
		const char *by = strcmp(q->by, "sessions_led") == 0 ? "sessions led" : figures_dim_label(q->by);
		if (c == &informed_cols)
			snprintf(f->title, sizeof f->title, "%s, by region", c->what);
		else
			snprintf(f->title, sizeof f->title, "%s by %s", c->what, by);
		figures_subtitle(f, app->pack, q, (q->has_from && q->has_to) || g.have, q->has_from ? q->from : g.lo,
				 q->has_to ? q->to : g.hi);
		snprintf(f->by, sizeof f->by, "%s", q->by);
		snprintf(f->measure, sizeof f->measure, "%s", q->measure);
		f->chart = c->ncounts == 1 || c == &people_cols ? CHART_BARS : CHART_STACKED;
		figure_totals(f);
	}
	tfig_done(&g);
	return r;
}
