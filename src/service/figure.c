/* figure: the table the figures service answers, its totals and its
 * small-cell suppression shape by shape (docs/figures.md); its renderings
 * are in figure_render.c. */
#include "service/figure.h"
#include "service/figure_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"

/* ---- the table ---- */

int figure_alloc(struct figure *f, int nrows, int ncols)
{
	if (!f || nrows < 0 || ncols < 1 || nrows > 100000 || ncols > 1000 ||
	    (nrows > 0 && ncols > 100000 / nrows))
		return ERR_INVAL;
	size_t r = (size_t)(nrows ? nrows : 1), c = (size_t)ncols;
	f->nrows = nrows;
	f->ncols = ncols;
	f->row_key = calloc(r, sizeof *f->row_key);
	f->row_label = calloc(r, sizeof *f->row_label);
	f->col_key = calloc(c, sizeof *f->col_key);
	f->col_label = calloc(c, sizeof *f->col_label);
	f->col_count = calloc(c, sizeof *f->col_count);
	f->cell = calloc(r * c, sizeof *f->cell);
	f->row_total = NULL;
	f->col_total = NULL;
	if (f->shape == FIG_TWO_WAY)
		f->row_total = calloc(r, sizeof *f->row_total);
	if (f->shape != FIG_LIST)
		f->col_total = calloc(c, sizeof *f->col_total);
	memset(&f->total, 0, sizeof f->total);
	f->has_total = false;
	f->suppressed = false;
	if (!f->row_key || !f->row_label || !f->col_key || !f->col_label || !f->col_count || !f->cell ||
	    (f->shape == FIG_TWO_WAY && !f->row_total) || (f->shape != FIG_LIST && !f->col_total)) {
		figure_free(f);
		return ERR_NOMEM;
	}
	for (int j = 0; j < ncols; j++)
		f->col_count[j] = true;
	return 0;
}

void figure_free(struct figure *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nrows; i++) {
		if (f->row_key)
			free(f->row_key[i]);
		if (f->row_label)
			free(f->row_label[i]);
	}
	for (int j = 0; j < f->ncols; j++) {
		if (f->col_key)
			free(f->col_key[j]);
		if (f->col_label)
			free(f->col_label[j]);
	}
	free(f->row_key);
	free(f->row_label);
	free(f->col_key);
	free(f->col_label);
	free(f->col_count);
	free(f->cell);
	free(f->row_total);
	free(f->col_total);
	f->row_key = f->row_label = f->col_key = f->col_label = NULL;
	f->col_count = NULL;
	f->cell = f->row_total = f->col_total = NULL;
	f->nrows = f->ncols = 0;
}

static int set_pair(char **key, char **label, const char *k, const char *l)
{
	char *nk = strdup(k ? k : "");
	char *nl = strdup(l ? l : (k ? k : ""));
	if (!nk || !nl) {
		free(nk);
		free(nl);
		return ERR_NOMEM;
	}
	free(*key);
	free(*label);
	*key = nk;
	*label = nl;
	return 0;
}

int figure_set_row(struct figure *f, int i, const char *key, const char *label)
{
	if (!f || i < 0 || i >= f->nrows)
		return ERR_INVAL;
	return set_pair(&f->row_key[i], &f->row_label[i], key, label);
}

int figure_set_col(struct figure *f, int j, const char *key, const char *label)
{
	if (!f || j < 0 || j >= f->ncols)
		return ERR_INVAL;
	return set_pair(&f->col_key[j], &f->col_label[j], key, label);
}

static int count_columns(const struct figure *f)
{
	int n = 0;
	for (int j = 0; j < f->ncols; j++)
		n += f->col_count[j];
	return n;
}

/* The margins the shape publishes, whatever the shape was when the table
 * was allocated: a row total per row for FIG_TWO_WAY, a column total per
 * column unless FIG_LIST; the others freed. */
static int ensure_margins(struct figure *f)
{
	size_t r = (size_t)(f->nrows ? f->nrows : 1), c = (size_t)(f->ncols ? f->ncols : 1);
	if (f->shape != FIG_TWO_WAY) {
		free(f->row_total);
		f->row_total = NULL;
	} else if (!f->row_total && !(f->row_total = calloc(r, sizeof *f->row_total))) {
		return ERR_NOMEM;
	}
	if (f->shape == FIG_LIST) {
		free(f->col_total);
		f->col_total = NULL;
	} else if (!f->col_total && !(f->col_total = calloc(c, sizeof *f->col_total))) {
		return ERR_NOMEM;
	}
	return 0;
}

void figure_totals(struct figure *f)
{
	if (!f)
		return;
	if (ensure_margins(f) < 0 || f->shape == FIG_LIST) {
		f->has_total = false; /* out of memory: no totals is the safe side */
		return;
	}
	int64_t grand = 0;
	for (int j = 0; j < f->ncols; j++) {
		if (!f->col_count[j])
			continue;
		int64_t s = 0;
		for (int i = 0; i < f->nrows; i++)
			s += cell_at(f, i, j)->value;
		f->col_total[j] = (struct figure_cell){.value = s};
		grand += s;
	}
	if (f->shape == FIG_TWO_WAY) {
		for (int i = 0; i < f->nrows; i++) {
			int64_t s = 0;
			for (int j = 0; j < f->ncols; j++)
				if (f->col_count[j])
					s += cell_at(f, i, j)->value;
			f->row_total[i] = (struct figure_cell){.value = s};
		}
		f->total = (struct figure_cell){.value = grand};
		f->has_total = true;
	} else if (f->ncols == 1 && f->col_count[0]) {
		f->total = f->col_total[0];
		f->has_total = true;
	} else {
		f->has_total = false;
	}
}

/* ---- suppression ---- */

/* ---- checking what suppress() left ---- */

#define SAFE_INF (INT64_MAX / 8)

/* Bounds stay within +-SAFE_INF, so adding two never overflows. */
static int64_t sat(int64_t x)
{
	return x > SAFE_INF ? SAFE_INF : x < -SAFE_INF ? -SAFE_INF : x;
}

/* A table as supp_safe sees it: items (cells, row totals, column totals,
 * the grand total) with their values and marks, and the sums between
 * them as relations, each its members then its total. */
struct safe_items {
	int nitems, nrel;
	int64_t *v, *lo, *hi;
	enum supp_mark *mk;
	int *rel, *relstart; /* relation q: rel[relstart[q] .. relstart[q + 1]) */
};

static void safe_items_done(struct safe_items *s)
{
	free(s->v);
	free(s->lo);
	free(s->hi);
	free(s->mk);
	free(s->rel);
	free(s->relstart);
}

/* One relation: the members first .. first + n * step, then the total. */
static void safe_relation(struct safe_items *s, int *n, int *q, int first, int count, int step, int total)
{
	s->relstart[(*q)++] = *n;
	for (int k = 0; k < count; k++)
		s->rel[(*n)++] = first + k * step;
	s->rel[(*n)++] = total;
}

static int safe_items_make(const struct supp_table *t, struct safe_items *s)
{
	int r = t->rows, c = t->cols, ncell = r * c;
	int row0 = ncell, col0 = row0 + (t->row_totals ? r : 0), grand = col0 + (t->col_totals ? c : 0);
	bool any_margin = t->row_totals || t->col_totals;
	s->nitems = grand + (any_margin ? 1 : 0);
	s->nrel = (t->row_totals ? r + 1 : 0) + (t->col_totals ? c + 1 : 0);
	size_t ni = (size_t)s->nitems;
	s->v = calloc(ni, sizeof *s->v);
	s->lo = calloc(ni, sizeof *s->lo);
	s->hi = calloc(ni, sizeof *s->hi);
	s->mk = calloc(ni, sizeof *s->mk);
	s->rel = malloc(sizeof *s->rel * (size_t)(s->nrel * (r > c ? r : c) + s->nrel * 2 + 1));
	s->relstart = calloc((size_t)s->nrel + 1, sizeof *s->relstart);
	if (!s->v || !s->lo || !s->hi || !s->mk || !s->rel || !s->relstart)
		return ERR_NOMEM;
	for (int i = 0; i < ncell; i++) {
		s->v[i] = t->cell[i];
		s->mk[i] = t->cell_mark[i];
		if (t->row_totals)
			s->v[row0 + i / c] += t->cell[i];
		if (t->col_totals)
			s->v[col0 + i % c] += t->cell[i];
		if (any_margin)
			s->v[grand] += t->cell[i];
	}
	for (int i = 0; t->row_totals && i < r; i++)
		s->mk[row0 + i] = t->row_mark[i];
	for (int j = 0; t->col_totals && j < c; j++)
		s->mk[col0 + j] = t->col_mark[j];
	if (any_margin)
		s->mk[grand] = t->grand_mark;
	int n = 0, q = 0;
	for (int i = 0; t->row_totals && i < r; i++)
		safe_relation(s, &n, &q, i * c, c, 1, row0 + i);
	for (int j = 0; t->col_totals && j < c; j++)
		safe_relation(s, &n, &q, j, r, c, col0 + j);
	if (t->row_totals)
		safe_relation(s, &n, &q, row0, r, 1, grand);
	if (t->col_totals)
		safe_relation(s, &n, &q, col0, c, 1, grand);
	s->relstart[q] = n;
	return 0;
}

/* The bounds of item x from the others of relation a..e (member: total -
 * others; total: sum of members). */
static void safe_bound_of(const struct safe_items *s, int a, int e, int x, int64_t *ret_lo, int64_t *ret_hi)
{
	int64_t nlo = 0, nhi = 0;
	for (int y = a; y <= e; y++) {
		if (y == x)
			continue;
		int it = s->rel[y];
		bool plus = (x == e) ? true : (y == e);
		int64_t l = s->lo[it], h = s->hi[it];
		if (plus) {
			nlo = nlo <= -SAFE_INF ? -SAFE_INF : sat(nlo + l);
			nhi = (nhi >= SAFE_INF || h >= SAFE_INF) ? SAFE_INF : sat(nhi + h);
		} else {
			nlo = (nlo <= -SAFE_INF || h >= SAFE_INF) ? -SAFE_INF : sat(nlo - h);
			nhi = nhi >= SAFE_INF ? SAFE_INF : sat(nhi - l);
		}
	}
	*ret_lo = nlo;
	*ret_hi = nhi;
}

/* Does some hidden item's range, narrowed through every sum until the
 * bounds hold still, close to one value? */
static bool safe_bounds_give_away(struct safe_items *s, int64_t th)
{
	/* Once a zero shows as "<5", no "<5" of the figure is at least 1. */
	bool zeros_masked = false;
	for (int i = 0; i < s->nitems; i++)
		zeros_masked |= s->mk[i] != SUPP_SHOWN && s->v[i] == 0;
	for (int i = 0; i < s->nitems; i++) {
		if (s->mk[i] == SUPP_SHOWN)
			s->lo[i] = s->hi[i] = s->v[i];
		else if (s->mk[i] == SUPP_PRIMARY)
			s->lo[i] = zeros_masked ? 0 : 1, s->hi[i] = th - 1;
		else
			s->lo[i] = th, s->hi[i] = SAFE_INF;
	}
	for (int round = 0; round < 500; round++) {
		bool changed = false;
		for (int q = 0; q < s->nrel; q++) {
			int a = s->relstart[q], e = s->relstart[q + 1] - 1; /* members a..e-1, total e */
			for (int x = a; x <= e; x++) {
				int64_t nlo, nhi;
				safe_bound_of(s, a, e, x, &nlo, &nhi);
				int it = s->rel[x];
				if (nlo > s->lo[it] && s->lo[it] < s->hi[it])
					s->lo[it] = nlo, changed = true;
				if (nhi < s->hi[it] && s->lo[it] < s->hi[it])
					s->hi[it] = nhi, changed = true;
			}
		}
		if (!changed)
			break;
	}
	for (int i = 0; i < s->nitems; i++)
		if (s->mk[i] != SUPP_SHOWN && s->lo[i] >= s->hi[i])
			return true;
	return false;
}

/* The sums alone: reduce them over the hidden items; a reduced row with
 * one non-zero gives that item away. 1: safe, 0: not, or ERR_NOMEM. */
static int safe_sums(const struct safe_items *s)
{
	int *col_of = calloc((size_t)s->nitems, sizeof *col_of);
	if (!col_of)
		return ERR_NOMEM;
	int nh = 0;
	for (int i = 0; i < s->nitems; i++)
		col_of[i] = s->mk[i] != SUPP_SHOWN ? nh++ : -1;
	double *m = nh ? calloc((size_t)s->nrel * (size_t)nh, sizeof *m) : NULL;
	int ret = nh == 0 ? 1 : m ? 1 : ERR_NOMEM;
	if (!m) {
		free(col_of);
		return ret;
	}
	for (int q = 0; q < s->nrel; q++) {
		int a = s->relstart[q], e = s->relstart[q + 1] - 1;
		for (int x = a; x <= e; x++)
			if (col_of[s->rel[x]] >= 0)
				m[(size_t)q * nh + col_of[s->rel[x]]] = x == e ? -1.0 : 1.0;
	}
	int rank = supp_reduce(m, s->nrel, nh, NULL);
	for (int row = 0; row < rank && ret; row++) {
		int nz = 0;
		for (int k = 0; k < nh; k++)
			nz += fabs(m[(size_t)row * nh + k]) > 1e-9;
		if (nz == 1)
			ret = 0;
	}
	free(m);
	free(col_of);
	return ret;
}

/* Whether a reader of t as marked can work out a hidden count: from the
 * bounds it knows (a "<5" is 1 to threshold-1, or 0 to threshold-1 once a
 * zero shows as "<5", any other hidden count at
 * least the threshold, a shown one exact) narrowed through every published
 * sum, or from the sums alone (a hidden count whose unit vector lies in
 * the row space of the sums over the hidden counts). suppress() hides more
 * until neither holds, but gives up when everything it could hide near a
 * determined count is hidden already (it shows a zero as "<5" then, which
 * covers the line of small counts it knows of). Whatever is still given
 * away, the figure publishes fewer totals rather than send it. 1: safe,
 * 0: not, or ERR_NOMEM. */
static int supp_safe(const struct supp_table *t, int64_t th)
{
	if (!t->row_totals && !t->col_totals)
		return 1; /* nothing sums: a shown count says nothing of a hidden one */
	struct safe_items s = {0};
	int ret = safe_items_make(t, &s);
	if (ret == 0)
		ret = safe_bounds_give_away(&s, th) ? 0 : safe_sums(&s);
	safe_items_done(&s);
	return ret;
}

/* One column j as its own 1-D table (rows x 1), with or without its total. */
static int suppress_column(struct figure *f, int j, bool with_total, int64_t threshold, int64_t *v,
			   enum supp_mark *mark, const bool *force)
{
	if (f->nrows == 0)
		return 0;
	for (int i = 0; i < f->nrows; i++)
		v[i] = cell_at(f, i, j)->value;
	enum supp_mark colm = SUPP_SHOWN;
	struct supp_table t = {
		.rows = f->nrows, .cols = 1, .cell = v, .row_totals = false, .col_totals = with_total,
		.force = force, .cell_mark = mark, .col_mark = with_total ? &colm : NULL,
	};
	int r = suppress(&t, threshold);
	if (r >= 0 && with_total && (r = supp_safe(&t, threshold)) == 0) {
		/* The total would give a hidden count away: it is not published. */
		t.col_totals = false;
		t.col_mark = NULL;
		with_total = false;
		r = suppress(&t, threshold);
		if (r >= 0)
			f->col_total[j] = (struct figure_cell){.value = UNPUBLISHED, .mark = SUPP_COMPLEMENT};
	}
	if (r < 0)
		return r;
	for (int i = 0; i < f->nrows; i++)
		cell_at(f, i, j)->mark = mark[i];
	if (with_total)
		f->col_total[j].mark = colm;
	return 0;
}

/* The memory a suppression works in: the counts of the table and their
 * marks, the row and column totals' marks. */
struct supp_work {
	int nc; /* count columns */
	int64_t *v;
	enum supp_mark *mark, *rmark, *cmark;
};

/* FIG_TWO_WAY: the count columns as one table with row, column and grand
 * totals. */
static int suppress_two_way(struct figure *f, int64_t threshold, const struct supp_work *w)
{
	int nc = w->nc;
	for (int i = 0; i < f->nrows; i++) {
		int jj = 0;
		for (int j = 0; j < f->ncols; j++)
			if (f->col_count[j])
				w->v[(size_t)i * (size_t)nc + (size_t)jj++] = cell_at(f, i, j)->value;
	}
	/* Every total if that is safe; else the column totals alone;
	 * else none (see supp_safe). */
	static const bool ladder[][2] = {{true, true}, {false, true}, {false, false}};
	struct supp_table t;
	for (size_t step = 0; step < sizeof ladder / sizeof ladder[0]; step++) {
		t = (struct supp_table){
			.rows = f->nrows, .cols = nc, .cell = w->v, .row_totals = ladder[step][0],
			.col_totals = ladder[step][1], .cell_mark = w->mark,
			.row_mark = ladder[step][0] ? w->rmark : NULL, .col_mark = ladder[step][1] ? w->cmark : NULL,
		};
		int ret = suppress(&t, threshold);
		if (ret < 0 || (ret = supp_safe(&t, threshold)) < 0)
			return ret;
		if (ret == 1)
			break;
	}
	for (int i = 0; i < f->nrows; i++) {
		int jj = 0;
		for (int j = 0; j < f->ncols; j++)
			if (f->col_count[j])
				cell_at(f, i, j)->mark = w->mark[(size_t)i * (size_t)nc + (size_t)jj++];
		if (t.row_totals)
			f->row_total[i].mark = w->rmark[i];
	}
	int jj = 0;
	for (int j = 0; j < f->ncols; j++)
		if (f->col_count[j] && t.col_totals)
			f->col_total[j].mark = w->cmark[jj++];
	f->total.mark = t.grand_mark;
	if (!t.row_totals) {
		free(f->row_total);
		f->row_total = NULL;
	}
	if (!t.col_totals) {
		free(f->col_total);
		f->col_total = NULL;
		f->has_total = false;
	}
	return 0;
}

/* Mark to hide (in force) the shown counts of every row that lost a count:
 * whether any was marked. */
static bool force_half_shown_rows(struct figure *f, bool *force)
{
	bool changed = false;
	for (int i = 0; i < f->nrows; i++) {
		bool lost = false;
		for (int j = 0; j < f->ncols; j++)
			lost |= f->col_count[j] && cell_at(f, i, j)->mark != SUPP_SHOWN;
		for (int j = 0; lost && j < f->ncols; j++) {
			bool *fo = &force[(size_t)i * (size_t)f->ncols + (size_t)j];
			if (f->col_count[j] && cell_at(f, i, j)->mark == SUPP_SHOWN && cell_at(f, i, j)->value > 0 &&
			    !*fo)
				*fo = changed = true;
		}
	}
	return changed;
}

/* FIG_ONE_WAY: each count column partitions its own total; FIG_LIST:
 * categories overlap, nothing sums, only the small counts go. */
static int suppress_by_column(struct figure *f, int64_t threshold, const struct supp_work *w)
{
	bool with_total = f->shape == FIG_ONE_WAY;
	/* The columns of a one-way figure may nest (episodes, and those
	 * reported on time; requests, and arrivals): a count shown beside a
	 * hidden one of its row bounds it. So a row that lost a count loses
	 * its other counts too, and the columns are protected again with
	 * those hidden, until no row is half shown. */
	bool *force = calloc((size_t)f->nrows * (size_t)f->ncols, sizeof *force);
	bool *fcol = calloc((size_t)f->nrows, sizeof *fcol);
	int ret = force && fcol ? 0 : ERR_NOMEM;
	for (int round = 0; ret == 0 && round <= f->nrows * f->ncols; round++) {
		for (int j = 0; j < f->ncols && ret >= 0; j++) {
			if (!f->col_count[j])
				continue;
			for (int i = 0; i < f->nrows; i++)
				fcol[i] = force[(size_t)i * (size_t)f->ncols + (size_t)j];
			ret = suppress_column(f, j, with_total, threshold, w->v, w->mark, fcol);
		}
		if (ret < 0 || f->shape != FIG_ONE_WAY || !force_half_shown_rows(f, force))
			break;
	}
	free(force);
	free(fcol);
	if (ret < 0)
		return ret;
	if (f->shape == FIG_ONE_WAY && f->has_total && f->ncols == 1) {
		f->total.mark = f->col_total[0].mark;
		if (f->col_total[0].value == UNPUBLISHED)
			f->has_total = false;
	}
	return 0;
}

/* A value computed from counts (a median of minutes, a share) is hidden
 * with any count of its row. */
static void hide_derived(struct figure *f)
{
	for (int i = 0; i < f->nrows; i++) {
		bool lost = false;
		for (int j = 0; j < f->ncols; j++)
			if (f->col_count[j] && cell_at(f, i, j)->mark != SUPP_SHOWN)
				lost = true;
		for (int j = 0; j < f->ncols; j++)
			if (!f->col_count[j])
				cell_at(f, i, j)->mark = lost ? SUPP_COMPLEMENT : SUPP_SHOWN;
	}
}

int figure_suppress(struct figure *f, int64_t threshold)
{
	if (!f || threshold < 2)
		return ERR_INVAL;
	if (ensure_margins(f) < 0)
		return ERR_NOMEM;
	f->threshold = threshold;
	int nc = count_columns(f);
	size_t n = (size_t)(f->nrows ? f->nrows : 1) * (size_t)(nc ? nc : 1);
	struct supp_work w = {
		.nc = nc,
		.v = calloc(n, sizeof *w.v),
		.mark = calloc(n, sizeof *w.mark),
		.rmark = calloc((size_t)(f->nrows ? f->nrows : 1), sizeof *w.rmark),
		.cmark = calloc((size_t)(nc ? nc : 1), sizeof *w.cmark),
	};
	int ret = ERR_NOMEM;
	if (!w.v || !w.mark || !w.rmark || !w.cmark)
		goto out;
	for (size_t k = 0; k < (size_t)f->nrows * (size_t)f->ncols; k++)
		f->cell[k].mark = SUPP_SHOWN;
	ret = 0;
	if (f->nrows > 0 && nc > 0)
		ret = f->shape == FIG_TWO_WAY ? suppress_two_way(f, threshold, &w) : suppress_by_column(f, threshold, &w);
	else if (f->shape != FIG_LIST && f->has_total)
		f->total.mark = SUPP_SHOWN; /* no rows: the totals are zeros, shown */
	if (ret < 0)
		goto out;
	hide_derived(f);
	f->suppressed = true;
out:
	free(w.v);
	free(w.mark);
	free(w.rmark);
	free(w.cmark);
	return ret;
}
