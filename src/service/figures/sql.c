/* figures/sql: the figures read with SQL and binned here, in the pack's
 * time zone: duties, missing episodes, rapid responses, and the federal
 * count of children identified as victims. */
#include "service/figures/figures_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/clock.h"
#include "model/duty.h"
#include "service/deadlines.h"

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
		int r = figures_axis_alloc(a, (int)p->n_regions + 1);
		if (r < 0)
			return r;
		a->kind = AX_DIM;
		int n = 0;
		for (size_t i = 0; i < p->n_regions; i++) {
			if (q->region && strcmp(p->regions[i].id, q->region) != 0)
				continue;
			if ((r = figures_axis_set(a, n++, p->regions[i].id, p->regions[i].name, true)) < 0)
				return r;
		}
		if ((r = figures_axis_set(a, n++, NONE_KEY, "No region", false)) < 0)
			return r;
		a->n = n;
		return 0;
	}
	if (!have) {
		a->kind = AX_YEAR;
		return figures_axis_alloc(a, 0);
	}
	enum axis_kind k = strcmp(by, "year") == 0 ? AX_YEAR : strcmp(by, "quarter") == 0 ? AX_QUARTER : AX_MONTH;
	return figures_axis_calendar(a, k, d0, d1);
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

/* A row's values, by the figure's columns; false to leave the row out. */
typedef bool sql_row_fn(struct db_stmt *st, const struct fq *q, int64_t v[5], double *minutes);

/* A duty met by its due time, met late, or not met. */
static bool duty_row(struct db_stmt *st, const struct fq *q, int64_t v[5], double *minutes)
{
	(void)minutes;
	const char *kind = db_column_text(st, 3);
	if (q->kind ? strcmp(kind, q->kind) != 0 : !federal_duty(kind))
		return false;
	const char *due = db_column_text(st, 0), *met = db_column_text(st, 1);
	hl_time td, tm;
	if (!met || time_parse(met, &tm) < 0)
		v[2] = 1;
	else if (time_parse(due, &td) == 0 && tm <= td)
		v[0] = 1;
	else
		v[1] = 1;
	return true;
}

static bool missing_row(struct db_stmt *st, const struct fq *q, int64_t v[5], double *minutes)
{
	(void)q;
	(void)minutes;
	v[0] = 1;
	v[1] = db_column_int64(st, 3) > 0;
	v[2] = db_column_int64(st, 4) > 0;
	v[3] = db_column_int64(st, 2);
	v[4] = db_column_int64(st, 5) > 0;
	return true;
}

/* A request, and when someone arrived, the minutes it took. */
static bool rapid_row(struct db_stmt *st, const struct fq *q, int64_t v[5], double *minutes)
{
	(void)q;
	v[0] = 1;
	hl_time treq, tarr;
	const char *arr = db_column_text(st, 2);
	if (arr && time_parse(arr, &tarr) == 0 && time_parse(db_column_text(st, 0), &treq) == 0) {
		v[1] = 1;
		*minutes = (double)(tarr - treq) / (60.0 * (double)HL_USEC_PER_SEC);
		if (*minutes < 0)
			*minutes = 0;
		v[2] = !db_column_is_null(st, 3) && *minutes <= (double)db_column_int64(st, 3);
	}
	return true;
}

#define SQL_COLS 5

/* The SQL figures. Every query's first column is the time that places the
 * row; region_col names the region. Duties show the due count and the
 * share met on time, rapid responses the median and 90th percentile
 * minutes: those two columns are worked out per row, never summed. */
static const struct sql_figure {
	const char *name, *what;
	const char *sql;
	int ncols; /* counted from the rows; the rest are worked out */
	int region_col;
	bool duties, rapid;
	sql_row_fn *row;
	const char *cols[SQL_COLS][2];
} sql_figures[] = {
	{FIG_DUTIES, "Duties due", "SELECT due_at, met_at, region, kind FROM duty", 3, 2, true, false, duty_row,
	 {{"met_on_time", "Met on time"},
	  {"met_late", "Met late"},
	  {"unmet", "Not met"},
	  {"due", "Due"},
	  {"share_on_time", "Met on time (%)"}}},
	{FIG_MISSING, "Missing episodes",
	 "SELECT m.learned_at, c.region, CASE WHEN m.located_at IS NULL THEN 0 ELSE 1 END,"
	 " (SELECT count(*) FROM duty d WHERE d.subject_type = 'missing_episode' AND d.subject_id = m.id"
	 "  AND d.kind = ? AND d.met_at IS NOT NULL AND d.met_at <= d.due_at),"
	 " (SELECT count(*) FROM duty d WHERE d.subject_type = 'missing_episode' AND d.subject_id = m.id"
	 "  AND d.kind = ? AND d.met_at IS NOT NULL AND d.met_at <= d.due_at),"
	 " (SELECT count(*) FROM duty d WHERE d.subject_type = 'missing_episode' AND d.subject_id = m.id"
	 "  AND d.kind = ? AND d.met_at IS NOT NULL AND d.met_at <= d.due_at)"
	 " FROM missing_episode m JOIN child_case c ON c.id = m.case_id",
	 5, 1, false, false, missing_row,
	 {{"episodes", "Episodes"},
	  {"le_on_time", "Reported to law enforcement on time"},
	  {"ncmec_on_time", "Reported to NCMEC on time"},
	  {"returned", "Returned"},
	  {"rescreened_on_time", "Re-screened on time"}}},
	{FIG_RAPID, "Rapid responses",
	 "SELECT x.requested_at, c.region, x.arrived_at, x.target_minutes"
	 " FROM rapid_response x JOIN child_case c ON c.id = x.case_id",
	 3, 1, false, true, rapid_row,
	 {{"requests", "Requests"},
	  {"arrivals", "Arrivals"},
	  {"within_target", "Within target"},
	  {"median_minutes", "Median minutes"},
	  {"p90_minutes", "90th percentile minutes"}}},
};

static int sql_prepare(struct db *db, const struct sql_figure *sf, struct db_stmt **ret)
{
	int r = db_prepare(db, sf->sql, ret);
	if (r == 0 && strcmp(sf->name, FIG_MISSING) == 0 &&
	    ((r = duty_bind_kind(*ret, 1, DUTY_MISSING_LAW_ENFORCEMENT_REPORT)) < 0 ||
	     (r = duty_bind_kind(*ret, 2, DUTY_MISSING_NCMEC_REPORT)) < 0 ||
	     (r = duty_bind_kind(*ret, 3, DUTY_RETURN_RESCREEN)) < 0)) {
		db_finalize(*ret);
		return r;
	}
	return r;
}

/* The rows in the query's days and region, into b. */
static int sql_read(struct db *db, const struct pack *p, const struct fq *q, const struct sql_figure *sf,
		    struct binned *b)
{
	struct db_stmt *st;
	int r = sql_prepare(db, sf, &st);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int32_t day;
		if (!figures_local_day(db_column_text(st, 0), &day) || !in_days(q, day))
			continue;
		const char *reg = db_column_text(st, sf->region_col);
		if (q->region && (!reg || strcmp(reg, q->region) != 0))
			continue;
		int64_t v[SQL_COLS] = {0};
		double minutes = -1;
		if (!sf->row(st, q, v, &minutes))
			continue;
		if ((r = binned_add(b, day, region_index(p, reg), v, minutes)) < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* The wide grid of counts (ra.n rows of b->ncols), each row's bin, and
 * the bins kept: those always shown and those with a count. */
struct sql_grid {
	int64_t *grid;
	int *bin, *keep;
	int nr;
};

static void sql_grid_done(struct sql_grid *g)
{
	free(g->grid);
	free(g->bin);
	free(g->keep);
}

static int sql_grid_count(const struct axis *ra, const struct pack *p, const struct fq *q, const struct binned *b,
			  struct sql_grid *g)
{
	size_t nc = (size_t)b->ncols;
	g->grid = calloc((size_t)(ra->n ? ra->n : 1) * nc, sizeof *g->grid);
	g->bin = malloc((b->n ? b->n : 1) * sizeof *g->bin);
	g->keep = malloc((size_t)(ra->n ? ra->n : 1) * sizeof *g->keep);
	if (!g->grid || !g->bin || !g->keep)
		return ERR_NOMEM;
	for (size_t i = 0; i < b->n; i++) {
		g->bin[i] = ra->n ? sql_bin_of(ra, p, q, b, i) : -1;
		if (g->bin[i] < 0)
			continue;
		for (size_t j = 0; j < nc; j++)
			g->grid[(size_t)g->bin[i] * nc + j] += b->val[i * nc + j];
	}
	for (int i = 0; i < ra->n; i++) {
		bool any = ra->always[i];
		for (size_t j = 0; j < nc && !any; j++)
			any = g->grid[(size_t)i * nc + j] > 0;
		if (any)
			g->keep[g->nr++] = i;
	}
	return 0;
}

/* Row k of f from wide bin i: the counts, then what is worked out. mins
 * has room for every row of b. */
static void sql_fill_row(struct figure *f, const struct sql_figure *sf, const struct binned *b,
			 const struct sql_grid *g, int k, int i, double *mins)
{
	struct figure_cell *row = &f->cell[(size_t)k * SQL_COLS];
	for (int j = 0; j < b->ncols; j++)
		row[j].value = g->grid[(size_t)i * (size_t)b->ncols + (size_t)j];
	if (sf->duties) {
		int64_t due = row[0].value + row[1].value + row[2].value;
		row[3].value = due;
		row[4].value = due ? (row[0].value * 100 + due / 2) / due : 0;
	} else if (sf->rapid) {
		size_t nm = 0;
		for (size_t x = 0; x < b->n; x++)
			if (g->bin[x] == i && b->minutes[x] >= 0)
				mins[nm++] = b->minutes[x];
		qsort(mins, nm, sizeof *mins, cmp_double);
		row[3].value = percentile(mins, nm, 0.5);
		row[4].value = percentile(mins, nm, 0.9);
	}
}

static int sql_fill(struct figure *f, const struct sql_figure *sf, const struct axis *ra, const struct binned *b,
		    const struct sql_grid *g)
{
	f->shape = sf->duties ? FIG_TWO_WAY : FIG_ONE_WAY;
	int r = figure_alloc(f, g->nr, SQL_COLS);
	for (int j = 0; j < SQL_COLS && r >= 0; j++)
		r = figure_set_col(f, j, sf->cols[j][0], sf->cols[j][1]);
	if (r < 0)
		return r;
	if (sf->duties || sf->rapid)
		f->col_count[3] = f->col_count[4] = false;
	double *mins = malloc((b->n ? b->n : 1) * sizeof *mins);
	if (!mins)
		return ERR_NOMEM;
	for (int k = 0; k < g->nr && r >= 0; k++) {
		int i = g->keep[k];
		if ((r = figure_set_row(f, k, ra->key[i], ra->label[i])) >= 0)
			sql_fill_row(f, sf, b, g, k, i, mins);
	}
	free(mins);
	return r < 0 ? r : 0;
}

int figures_sql(struct db *db, const struct pack *p, const struct fq *q, struct figure *f)
{
	const struct sql_figure *sf = NULL;
	for (size_t i = 0; i < sizeof sql_figures / sizeof *sql_figures; i++)
		if (strcmp(q->figure, sql_figures[i].name) == 0)
			sf = &sql_figures[i];
	if (!sf)
		return ERR_NOTFOUND;
	struct binned b = {.ncols = sf->ncols};
	struct axis ra = {0};
	struct sql_grid g = {0};
	bool have;
	int32_t d0, d1;
	int r;
	if ((r = sql_read(db, p, q, sf, &b)) < 0 || (r = sql_axis(&ra, p, q->by, q, &b, &have, &d0, &d1)) < 0 ||
	    (r = sql_grid_count(&ra, p, q, &b, &g)) < 0 || (r = sql_fill(f, sf, &ra, &b, &g)) < 0)
		goto out;
	snprintf(f->figure, sizeof f->figure, "%s", q->figure);
	snprintf(f->title, sizeof f->title, "%s by %s%s%s", sf->what, figures_dim_label(q->by),
		 sf->duties && q->kind ? ": " : "", sf->duties && q->kind ? q->kind : "");
	figures_subtitle(f, p, q, have, d0, d1);
	snprintf(f->by, sizeof f->by, "%s", q->by);
	f->chart = sf->duties ? CHART_STACKED : CHART_BARS;
	figure_totals(f);
out:
	sql_grid_done(&g);
	figures_axis_done(&ra);
	binned_done(&b);
	return r;
}

/* The federal count: distinct children (persons) identified as suspected
 * or confirmed victims in the fiscal year, each once, by the status and
 * trafficking type of their latest identification in the year. */
int figures_federal(struct db *db, const struct pack *p, const struct fq *q, struct figure *f)
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
		if (!figures_local_day(db_column_text(st, 3), &day) || day < d0 || day > d1)
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
	figures_subtitle(f, p, &qq, true, d0, d1);
	snprintf(f->by, sizeof f->by, "type");
	snprintf(f->then, sizeof f->then, "victim_status");
	f->chart = CHART_STACKED;
	figure_totals(f);
	r = 0;
out:
	free(grid);
	return r;
}
