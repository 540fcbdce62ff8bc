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
 *   measure=informed  providers trafficking-informed: by region (each
 *                     region a provider serves), the providers' current
 *                     status (informed, lapsed, not informed); by quarter
 *                     or year, the same on each period's last day, judged
 *                     from the staff's completions (figures/informed.c)
 *
 * From the training store in memory (tstore.c), caught up on each request:
 * the sessions map to their rows, then the registrations are counted once
 * each; distinct people are counted with a bitset of trainee ids per row,
 * a trainer's reach with a stamp per person. */
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

/* The sessions of the store, for one query: each one's row (-1: not
 * counted) and whether it was held (its status, or attendance taken). */
struct tsess {
	size_t n;
	int *bin;
	unsigned char *held;
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
}

/* The row of each code of dimension v (values the rows do not name count
 * as not recorded). Caller frees. */
static int code_bins(const struct tfig *g, const struct dim_values *v, int **ret)
{
	int n = v->npack + v->nextra + 1;
	int *a = malloc((size_t)n * sizeof *a);
	if (!a)
		return ERR_NOMEM;
	for (int c = 0; c < n; c++)
		a[c] = tbin_or_none(g, figures_dim_id(v, c));
	*ret = a;
	return 0;
}

/* Whether a session of region code c is in the query's region. */
static bool region_in(const struct tstore *s, const struct fq *q, int c)
{
	return !q->region || (c > 0 && strcmp(figures_dim_id(&s->dims[TDIM_REGION], c), q->region) == 0);
}

/* The row a session of the store counts in, by year. */
static int year_bin(struct tfig *g, int32_t day, int *ret)
{
	char key[8];
	year_key(day, key);
	int b = tbin_find(g, key);
	if (b < 0) {
		int r = tfig_add(g, key, key, true, 0);
		if (r < 0)
			return r;
		b = (int)g->n - 1;
	}
	*ret = b;
	return 0;
}

/* Every session not cancelled, in the query's days and region, with the
 * row it counts in (by course, region or year; by audience and trainer
 * the row is decided per registration: 0 here). */
static int plan_sessions(struct tfig *g, struct tsess *ss, const struct tstore *s, const struct fq *q)
{
	size_t n = s->nsess ? s->nsess : 1;
	ss->n = s->nsess;
	ss->bin = malloc(n * sizeof *ss->bin);
	ss->held = calloc(n, 1);
	if (!ss->bin || !ss->held)
		return ERR_NOMEM;
	bool years = strcmp(q->by, "year") == 0, regions = strcmp(q->by, "region") == 0,
	     courses = strcmp(q->by, "course") == 0;
	int *cb = NULL, r = 0;
	if ((regions || courses) && (r = code_bins(g, &s->dims[regions ? TDIM_REGION : TDIM_COURSE], &cb)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		ss->bin[i] = -1;
	for (size_t i = 1; r == 0 && i < s->nsess; i++) {
		int32_t day = s->s_day[i];
		if (s->s_status[i] == TS_NONE || s->s_status[i] == TS_CANCELLED || !region_in(s, q, s->s_region[i]) ||
		    (q->has_from && day < q->from) || (q->has_to && day > q->to))
			continue;
		if (!g->have || day < g->lo)
			g->lo = day;
		if (!g->have || day > g->hi)
			g->hi = day;
		g->have = true;
		ss->held[i] = s->s_status[i] == TS_HELD || s->s_attended[i] > 0;
		if (years)
			r = year_bin(g, day, &ss->bin[i]);
		else
			ss->bin[i] = cb ? cb[regions ? s->s_region[i] : s->s_course[i]] : 0;
	}
	free(cb);
	return r;
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
static int count_attendance(struct tfig *g, const struct tsess *ss, const struct tstore *s, const struct fq *q)
{
	bool people = strcmp(q->measure, "people") == 0;
	size_t row_bytes = (size_t)(s->max_trainee / 8 + 1);
	if (people && (int64_t)row_bytes * (int64_t)g->n * 2 > MAX_BITSET_BYTES)
		return ERR_TOOBIG;
	int *aud = NULL, r = 0;
	unsigned char *bits = people ? calloc(g->n * 2, row_bytes) : NULL;
	if (people && !bits)
		return ERR_NOMEM;
	if (strcmp(q->by, "audience") == 0 && (r = code_bins(g, &s->dims[TDIM_AUDIENCE], &aud)) < 0) {
		free(bits);
		return r;
	}
	for (size_t i = 1; i < s->nreg; i++) {
		int32_t sid = s->r_session[i], t = s->r_trainee[i];
		if (!(s->r_flags[i] & TR_ATTENDED) || sid <= 0 || (size_t)sid >= ss->n || ss->bin[sid] < 0 || t <= 0 ||
		    t > s->max_trainee)
			continue;
		int b = aud ? aud[(size_t)t < s->ntrainee_cap ? s->t_audience[t] : 0] : ss->bin[sid];
		if (!people) {
			g->bins[b].v[1]++;
			continue;
		}
		if (bit_first(bits, row_bytes, b * 2, t))
			g->bins[b].v[0]++;
		if ((s->r_flags[i] & TR_COMPLETED) && bit_first(bits, row_bytes, b * 2 + 1, t))
			g->bins[b].v[1]++;
	}
	free(aud);
	free(bits);
	for (size_t i = 1; !people && i < ss->n; i++)
		if (ss->bin[i] >= 0 && ss->held[i])
			g->bins[ss->bin[i]].v[0]++;
	return 0;
}

/* ---- trainers' reach ---- */

/* The trainers' rows, in id order, with their names (by=trainer). */
static int trainer_rows(struct tfig *g, const struct tstore *s, struct db *db, struct app *app, bool names)
{
	int r = 0;
	char key[32];
	if (!names) {
		for (size_t k = 0; r == 0 && k < s->ntrainers; k++) {
			snprintf(key, sizeof key, "trainer-%ld", (long)s->trainers[k]);
			r = tfig_add(g, key, key, false, s->trainers[k]);
		}
		return r;
	}
	struct db_stmt *st;
	if ((r = db_preparef(db, &st,
			     "SELECT t.id, t.name FROM trainee t WHERE t.id IN (SELECT trainee_id FROM session_trainer)"
			     " ORDER BY t.id",
			     "")) < 0)
		return r;
	size_t k = 0;
	while ((r = db_step(st)) == DB_ROW) {
		int64_t id = db_column_int64(st, 0);
		while (k < s->ntrainers && s->trainers[k] < id)
			k++;
		if (k == s->ntrainers || s->trainers[k] != id)
			continue; /* a trainer since the store was read: the next figure has them */
		char *name = NULL;
		snprintf(key, sizeof key, "trainer-%lld", (long long)id);
		if ((r = sealed_get(app, st, 1, "trainee", "name", id, &name)) < 0)
			break;
		r = tfig_add(g, key, name ? name : key, false, id);
		free(name);
		if (r < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* Each trainer's distinct people reached (v[0]) and sessions led, held or
 * attended (v[1]). The rows are the trainers, in id order (by=trainer),
 * later folded into a distribution (by=sessions_led). */
static int count_reach(struct tfig *g, const struct tsess *ss, const struct tstore *s, struct db *db, struct app *app,
		       const struct fq *q)
{
	int r = trainer_rows(g, s, db, app, strcmp(q->by, "trainer") == 0);
	if (r < 0)
		return r;
	/* seen[t] == row + 1: person t already counted for that row. */
	uint32_t *seen = calloc((size_t)s->max_trainee + 1, sizeof *seen);
	if (!seen)
		return ERR_NOMEM;
	size_t k = 0;
	for (size_t b = 0; b < g->n; b++) {
		while (k < s->ntrainers && s->trainers[k] < g->bins[b].id)
			k++;
		if (k == s->ntrainers || s->trainers[k] != g->bins[b].id)
			continue;
		for (uint32_t j = s->led_start[k]; j < s->led_start[k + 1]; j++) {
			uint32_t sid = s->led_session[j];
			if (sid >= ss->n || ss->bin[sid] < 0)
				continue;
			if (ss->held[sid])
				g->bins[b].v[1]++;
			for (uint32_t a = s->att_start[sid]; a < s->att_start[sid + 1]; a++) {
				uint32_t t = s->att_trainee[a];
				if (t <= (uint64_t)s->max_trainee && seen[t] != b + 1) {
					seen[t] = (uint32_t)(b + 1);
					g->bins[b].v[0]++;
				}
			}
		}
	}
	free(seen);
	return 0;
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
			int64_t led = g->bins[i].v[1];
			size_t c = 0;
			while (c < sizeof led_max / sizeof *led_max && led > led_max[c])
				c++;
			if (led > 0 && c == k)
				reach[n++] = g->bins[i].v[0];
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
	2, {{"people_reached", "People reached"}, {"sessions_led", "Sessions led"}}, false, false, FIG_LIST,
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
	int r = 0;
	if (strcmp(q->by, "year") != 0 && c != &trainer_cols && c != &led_cols)
		r = rows_of_pack(g, app->pack, q);
	if (r == 0 && c == &informed_cols)
		return informed_now(g, db);
	struct tstore *s;
	bool reach = c == &trainer_cols || c == &led_cols;
	if (r < 0 || (r = figures_tstore_acquire(app, db, reach, &s)) < 0)
		return r;
	struct tsess ss = {0};
	r = plan_sessions(g, &ss, s, q);
	if (r == 0 && reach)
		r = count_reach(g, &ss, s, db, app, q);
	else if (r == 0)
		r = count_attendance(g, &ss, s, q);
	figures_tstore_release();
	tsess_done(&ss);
	if (r == 0 && c == &led_cols)
		r = reach_distribution(g);
	if (r == 0 && strcmp(q->by, "year") == 0 && g->n > 1)
		qsort(g->bins, g->n, sizeof *g->bins, by_key);
	return r;
}

int figures_training(struct db *db, struct app *app, const struct fq *q, struct figure *f)
{
	const struct tcols *c = columns_of(q);
	if (c == &informed_cols && strcmp(q->by, "region") != 0)
		return figures_informed_history(db, app->pack, q, f);
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
		if (c == &informed_cols)
			snprintf(f->unit, sizeof f->unit, "providers");
		/* Stacked only where the columns partition a row (the providers);
		 * elsewhere the bars are of the first column. */
		f->chart = c == &informed_cols ? CHART_STACKED : CHART_BARS;
		figure_totals(f);
	}
	tfig_done(&g);
	return r;
}
