/* figures/referrals: the figures answered from the store, in one pass
 * over its arrays: referrals (or distinct children) by one or two
 * dimensions, and children by how often they were referred. */
#include "service/figures/figures_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

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

/* The filter of a referral figure, and its calendar range: the one asked
 * for, else the data's. *have_range is false when neither gives one. */
static void referral_range(const struct store *s, const struct fq *q, struct rfilter *flt, int32_t *d0, int32_t *d1,
			   bool *have_range)
{
	*flt = (struct rfilter){.from = q->has_from ? q->from : INT32_MIN, .to = q->has_to ? q->to : INT32_MAX,
				.region_code = -1, .accepted_code = -1};
	if (q->region)
		flt->region_code = code_of(&s->dims[DIM_REGION], q->region);
	bool about_disposition =
		strcmp(q->by, "disposition") == 0 || (q->then && strcmp(q->then, "disposition") == 0);
	if (!about_disposition)
		flt->accepted_code = code_of(&s->dims[DIM_DISP], "accepted_hart");
	*d0 = flt->from;
	*d1 = flt->to;
	*have_range = q->has_from && q->has_to;
	if (*have_range)
		return;
	int32_t lo = INT32_MAX, hi = INT32_MIN;
	for (size_t i = 0; i < s->n; i++)
		if (rpass(s, flt, i)) {
			if (s->day[i] < lo)
				lo = s->day[i];
			if (s->day[i] > hi)
				hi = s->day[i];
		}
	if (lo <= hi) {
		*d0 = q->has_from ? flt->from : lo;
		*d1 = q->has_to ? flt->to : hi;
		*have_range = true;
	}
}

/* A table being counted: rows along ra, columns along ca (one named
 * after the measure when there is no second dimension), W wide. */
struct rtable {
	struct axis ra, ca;
	int W;
	bool two, children;
	int64_t *grid;
	int64_t base; /* referrals or children counted at all (the shares' whole) */
};

static int measure_axis(struct axis *a, bool children)
{
	int r = figures_axis_alloc(a, 1);
	if (r == 0)
		r = figures_axis_set(a, 0, children ? "children" : "referrals", children ? "Children" : "Referrals", true);
	return r;
}

static int rtable_axes(struct rtable *t, const struct store *s, const struct fq *q, bool have_range, int32_t d0,
		       int32_t d1)
{
	bool cal = figures_is_calendar(q->by) || (q->then && figures_is_calendar(q->then));
	bool none = cal && !have_range; /* nothing in range: no bins */
	int r;
	if (none) {
		t->ra.kind = AX_YEAR;
		r = figures_axis_alloc(&t->ra, 0);
	} else {
		r = figures_axis_build(&t->ra, q->by, s, q->region, d0, d1);
	}
	if (r < 0)
		return r;
	if (q->then)
		r = none ? figures_axis_alloc(&t->ca, 0) : figures_axis_build(&t->ca, q->then, s, q->region, d0, d1);
	else
		r = measure_axis(&t->ca, t->children);
	if (r < 0)
		return r;
	if ((int64_t)t->ra.n * (t->ca.n > 0 ? t->ca.n : 1) > MAX_CELLS)
		return ERR_TOOBIG;
	t->W = t->ca.n > 0 ? t->ca.n : 1;
	t->grid = calloc((size_t)(t->ra.n ? t->ra.n : 1) * (size_t)t->W, sizeof *t->grid);
	return t->grid ? 0 : ERR_NOMEM;
}

/* The cells of the grid referral i falls in, at most max: how many. */
static int rtable_cells(const struct rtable *t, const struct store *s, size_t i, int *cells, int max)
{
	int rb[65], cb[65] = {0};
	int nr = figures_axis_bins(&t->ra, s, i, rb);
	int nc = t->two ? figures_axis_bins(&t->ca, s, i, cb) : 1;
	int k = 0;
	for (int x = 0; x < nr; x++)
		for (int y = 0; y < nc && k < max; y++)
			cells[k++] = rb[x] * t->W + cb[y];
	return k;
}

static void count_referrals(struct rtable *t, const struct store *s, const struct rfilter *flt)
{
	int cells[65 * 65];
	for (size_t i = 0; i < s->n; i++) {
		if (!rpass(s, flt, i))
			continue;
		t->base++;
		int k = rtable_cells(t, s, i, cells, 65 * 65);
		for (int x = 0; x < k; x++)
			t->grid[cells[x]]++;
	}
}

/* Each child once per cell, however many of its referrals fall in it. */
static int count_children(struct rtable *t, const struct store *s, const struct rfilter *flt)
{
	int *cells = malloc(MAX_CELLS_PER_CHILD * sizeof *cells);
	if (!cells)
		return ERR_NOMEM;
	for (size_t c = 0; c < s->children.n; c++) {
		int k = 0;
		bool any = false;
		for (uint32_t p = s->by_child_start[c]; p < s->by_child_start[c + 1]; p++) {
			size_t i = s->by_child_rows[p];
			if (!rpass(s, flt, i))
				continue;
			any = true;
			k += rtable_cells(t, s, i, cells + k, MAX_CELLS_PER_CHILD - k);
		}
		if (!any)
			continue;
		t->base++;
		if (k > 1)
			qsort(cells, (size_t)k, sizeof *cells, cmp_int);
		for (int x = 0; x < k; x++)
			if (x == 0 || cells[x] != cells[x - 1])
				t->grid[cells[x]]++;
	}
	free(cells);
	return 0;
}

/* The rows and columns to show: those always shown and those with a
 * count; a table with no columns keeps one, named after the measure when
 * there are no bins at all. */
static int rtable_fill(struct rtable *t, struct figure *f)
{
	int *keep_r = malloc((size_t)(t->ra.n ? t->ra.n : 1) * sizeof *keep_r);
	int *keep_c = malloc((size_t)t->W * sizeof *keep_c);
	int r = keep_r && keep_c ? 0 : ERR_NOMEM;
	int nr = 0, nc = 0;
	for (int i = 0; i < t->ra.n && r == 0; i++) {
		bool any = t->ra.always[i];
		for (int j = 0; j < t->ca.n && !any; j++)
			any = t->grid[(size_t)i * (size_t)t->W + (size_t)j] > 0;
		if (any)
			keep_r[nr++] = i;
	}
	for (int j = 0; j < t->ca.n && r == 0; j++) {
		bool any = t->ca.always[j];
		for (int i = 0; i < t->ra.n && !any; i++)
			any = t->grid[(size_t)i * (size_t)t->W + (size_t)j] > 0;
		if (any)
			keep_c[nc++] = j;
	}
	if (r == 0 && nc == 0) {
		/* A two-way table with nothing along its columns: one empty column. */
		keep_c[0] = 0;
		nc = t->ca.n > 0 ? 1 : 0;
	}
	if (r == 0 && t->ca.n == 0) {
		figures_axis_done(&t->ca);
		r = measure_axis(&t->ca, t->children);
		keep_c[0] = 0;
		nc = 1;
	}
	if (r == 0)
		r = figures_fill(f, &t->ra, keep_r, nr, &t->ca, keep_c, nc, t->grid, t->W);
	free(keep_r);
	free(keep_c);
	return r;
}

int figures_referrals(const struct store *s, const struct fq *q, struct figure *f)
{
	struct rtable t = {.two = q->then != NULL, .children = q->measure && strcmp(q->measure, "children") == 0};
	struct rfilter flt;
	int32_t d0, d1;
	bool have_range;
	referral_range(s, q, &flt, &d0, &d1, &have_range);
	int r = rtable_axes(&t, s, q, have_range, d0, d1);
	if (r == 0 && t.ra.n > 0 && t.ca.n > 0) {
		if (t.children)
			r = count_children(&t, s, &flt);
		else
			count_referrals(&t, s, &flt);
	}
	bool list = strcmp(q->by, "vulnerability") == 0 || (q->then && strcmp(q->then, "vulnerability") == 0);
	/* Children do not add up: a child referred in two years is one child
	 * in each, so a table of children has no totals (nor does one of
	 * vulnerabilities, which overlap); share_base holds the children (or
	 * referrals) counted at all. */
	f->shape = list || t.children ? FIG_LIST : t.two ? FIG_TWO_WAY : FIG_ONE_WAY;
	if (r < 0 || (r = rtable_fill(&t, f)) < 0)
		goto out;
	snprintf(f->figure, sizeof f->figure, "referrals");
	const char *what = t.children ? "Children referred" : "Referrals";
	if (t.two)
		snprintf(f->title, sizeof f->title, "%s by %s and %s", what, figures_dim_label(q->by),
			 figures_dim_label(q->then));
	else
		snprintf(f->title, sizeof f->title, "%s by %s", what, figures_dim_label(q->by));
	figures_subtitle(f, s->pack, q, have_range, d0, d1);
	snprintf(f->by, sizeof f->by, "%s", q->by);
	snprintf(f->then, sizeof f->then, "%s", q->then ? q->then : "");
	snprintf(f->measure, sizeof f->measure, "%s", t.children ? "children" : "referrals");
	f->chart = t.two ? CHART_STACKED : list ? CHART_SHARES : CHART_BARS;
	f->share_base = list || t.children ? t.base : 0;
	figure_totals(f);
out:
	figures_axis_done(&t.ra);
	figures_axis_done(&t.ca);
	free(t.grid);
	return r;
}

int figures_repeat(const struct store *s, const struct fq *q, struct figure *f)
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
	figures_subtitle(f, s->pack, q, have || lo <= hi, d0, d1);
	f->chart = CHART_BARS;
	figure_totals(f);
	return 0;
}
