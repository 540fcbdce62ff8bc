/* Small-cell suppression. The table's counts and published totals are
 * "items"; every published total gives one relation (its members sum to
 * it). Primary suppression hides the small counts; then, until nothing
 * hidden can be worked out:
 *
 *   1. a relation with exactly one hidden item gives it away by
 *      subtraction, so another item of it is hidden (the smallest non-zero
 *      count, a total only when nothing else will do);
 *   2. a hidden item whose value follows from the relations together (it
 *      lies in the row space of the relations over the hidden items), or
 *      from the bounds a reader knows (interval propagation over the
 *      relations), gets one more hidden item beside it.
 *
 * Every round hides one more item, so it ends. */
#include "model/suppress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define BOUND_INF (INT64_MAX / 4)

struct relation {
	int *member; /* item indices */
	int n;
	int total; /* item index */
};

struct work {
	int nitems;
	int64_t *v;
	enum supp_mark *mark;
	struct relation *rel;
	int nrel;
	int64_t threshold;
	int64_t *lo, *hi;  /* bounds, per item */
	double *matrix;    /* nrel x nhidden */
	int *col_of;       /* item -> hidden column, or -1 */
	int *item_of;      /* hidden column -> item */
	int *pivot_col;    /* per matrix row */
	bool zeros_masked; /* a zero is shown as "<threshold": every "<" may be 0 */
};

static bool hidden(const struct work *w, int i)
{
	return w->mark[i] != SUPP_SHOWN;
}

static int hidden_count(const struct work *w, const struct relation *r)
{
	int k = hidden(w, r->total);
	for (int i = 0; i < r->n; i++)
		k += hidden(w, r->member[i]);
	return k;
}

/* Hide one more item of r. A member before the total; the smallest
 * non-zero count first; lowest index on ties. false when none is left. */
static bool hide_one(struct work *w, const struct relation *r)
{
	int best = -1;
	for (int i = 0; i < r->n; i++) {
		int it = r->member[i];
		if (!hidden(w, it) && w->v[it] > 0 && (best < 0 || w->v[it] < w->v[best]))
			best = it;
	}
	if (best < 0 && !hidden(w, r->total) && w->v[r->total] > 0)
		best = r->total;
	if (best < 0)
		return false;
	w->mark[best] = SUPP_COMPLEMENT;
	return true;
}

/* The last resort, when every count near a giveaway is hidden already: a
 * line of "<5" counts that each must be at least 1 and add up to a small
 * total gives every one of them away (four "<5" beside a total "<5" are
 * four ones). Show a zero of the line as "<5" too; from then on a reader
 * cannot take any "<5" for at least 1. */
static bool hide_zero(struct work *w, const struct relation *r)
{
	for (int i = 0; i < r->n; i++) {
		int it = r->member[i];
		if (!hidden(w, it) && w->v[it] == 0) {
			w->mark[it] = SUPP_PRIMARY;
			w->zeros_masked = true;
			return true;
		}
	}
	return false;
}

/* What a reader knows of each item: a shown one exactly, a "<threshold"
 * one from 1 to threshold-1, any other hidden one at least the threshold.
 * Narrow the bounds through the relations until they hold still. */
static void propagate(struct work *w)
{
	for (int i = 0; i < w->nitems; i++) {
		if (w->mark[i] == SUPP_SHOWN)
			w->lo[i] = w->hi[i] = w->v[i];
		else if (w->mark[i] == SUPP_PRIMARY)
			w->lo[i] = w->zeros_masked ? 0 : 1, w->hi[i] = w->threshold - 1;
		else
			w->lo[i] = w->threshold, w->hi[i] = BOUND_INF;
	}
	for (int round = 0; round < 64; round++) {
		bool changed = false;
		for (int q = 0; q < w->nrel; q++) {
			const struct relation *r = &w->rel[q];
			int64_t lo_sum = 0, hi_sum = 0;
			int hi_inf = 0;
			for (int i = 0; i < r->n; i++) {
				int it = r->member[i];
				lo_sum += w->lo[it];
				if (w->hi[it] >= BOUND_INF)
					hi_inf++;
				else
					hi_sum += w->hi[it];
			}
			int t = r->total;
			if (w->lo[t] < lo_sum)
				w->lo[t] = lo_sum, changed = true;
			if (!hi_inf && w->hi[t] > hi_sum)
				w->hi[t] = hi_sum, changed = true;
			for (int i = 0; i < r->n; i++) {
				int it = r->member[i];
				if (!hidden(w, it))
					continue;
				/* it = total - the others */
				int64_t others_lo = lo_sum - w->lo[it];
				if (w->hi[t] < BOUND_INF && w->hi[t] - others_lo < w->hi[it])
					w->hi[it] = w->hi[t] - others_lo, changed = true;
				bool others_inf = hi_inf - (w->hi[it] >= BOUND_INF) > 0;
				if (!others_inf) {
					int64_t others_hi = hi_sum - (w->hi[it] >= BOUND_INF ? 0 : w->hi[it]);
					if (w->lo[t] - others_hi > w->lo[it])
						w->lo[it] = w->lo[t] - others_hi, changed = true;
				}
			}
		}
		if (!changed)
			break;
	}
}

int supp_reduce(double *m, int nrows, int ncols, int *pivot_col)
{
	int rank = 0;
	for (int c = 0; c < ncols && rank < nrows; c++) {
		int p = -1;
		double best = 1e-9;
		for (int q = rank; q < nrows; q++)
			if (fabs(m[(size_t)q * ncols + c]) > best)
				best = fabs(m[(size_t)q * ncols + c]), p = q;
		if (p < 0)
			continue;
		if (p != rank)
			for (int k = 0; k < ncols; k++) {
				double x = m[(size_t)p * ncols + k];
				m[(size_t)p * ncols + k] = m[(size_t)rank * ncols + k];
				m[(size_t)rank * ncols + k] = x;
			}
		double d = m[(size_t)rank * ncols + c];
		for (int k = 0; k < ncols; k++)
			m[(size_t)rank * ncols + k] /= d;
		for (int q = 0; q < nrows; q++) {
			double f = m[(size_t)q * ncols + c];
			if (q == rank || fabs(f) < 1e-12)
				continue;
			for (int k = 0; k < ncols; k++)
				m[(size_t)q * ncols + k] -= f * m[(size_t)rank * ncols + k];
		}
		if (pivot_col)
			pivot_col[rank] = c;
		rank++;
	}
	return rank;
}

/* Reduce the relations over the hidden items to row echelon form; answer
 * the number of independent rows. */
static int echelon(struct work *w, int nh)
{
	double *m = w->matrix;
	memset(m, 0, sizeof *m * (size_t)w->nrel * (size_t)(nh ? nh : 1));
	for (int q = 0; q < w->nrel; q++) {
		const struct relation *r = &w->rel[q];
		for (int i = 0; i < r->n; i++)
			if (w->col_of[r->member[i]] >= 0)
				m[(size_t)q * nh + w->col_of[r->member[i]]] = 1;
		if (w->col_of[r->total] >= 0)
			m[(size_t)q * nh + w->col_of[r->total]] = -1;
	}
	return supp_reduce(m, w->nrel, nh, w->pivot_col);
}


/* ---- the reader's best bounds: a small linear programme ----
 *
 * With the relations and the bounds together a reader can narrow a hidden
 * item further than either alone (two "<5" cells that must sum to 8 are
 * both 4). The exact range of each hidden item over every table consistent
 * with the figure is a linear programme: minimise and maximise it subject
 * to the relations and the bounds. A dense two-phase simplex with Bland's
 * rule solves it; the figures are small. */

#define LP_EPS 1e-9

struct lp {
	int rows, cols; /* constraint rows; columns excluding the right-hand side */
	int ncore;      /* columns that may enter in phase 2 (no artificials) */
	double *t;      /* (rows + 1) x (cols + 1); the last row is the objective */
	int *basis;
};

#define LP_AT(lp, i, j) ((lp)->t[(size_t)(i) * (size_t)((lp)->cols + 1) + (size_t)(j)])

static void lp_pivot(struct lp *lp, int pr, int pc)
{
	double d = LP_AT(lp, pr, pc);
	for (int j = 0; j <= lp->cols; j++)
		LP_AT(lp, pr, j) /= d;
	for (int i = 0; i <= lp->rows; i++) {
		double f = LP_AT(lp, i, pc);
		if (i == pr || fabs(f) < 1e-15)
			continue;
		for (int j = 0; j <= lp->cols; j++)
			LP_AT(lp, i, j) -= f * LP_AT(lp, pr, j);
	}
	lp->basis[pr] = pc;
}

/* Minimise the objective row over columns [0, ncols). false: unbounded. */
static bool lp_run(struct lp *lp, int ncols)
{
	for (int iter = 0; iter < 100000; iter++) {
		int pc = -1;
		for (int j = 0; j < ncols; j++)
			if (LP_AT(lp, lp->rows, j) < -LP_EPS) {
				pc = j;
				break;
			}
		if (pc < 0)
			return true;
		int pr = -1;
		double best = 0;
		for (int i = 0; i < lp->rows; i++) {
			double a = LP_AT(lp, i, pc);
			if (a <= LP_EPS)
				continue;
			double ratio = LP_AT(lp, i, lp->cols) / a;
			if (pr < 0 || ratio < best - LP_EPS || (ratio < best + LP_EPS && lp->basis[i] < lp->basis[pr]))
				pr = i, best = ratio;
		}
		if (pr < 0)
			return false;
		lp_pivot(lp, pr, pc);
	}
	return true;
}

/* Build the reader's programme over the hidden items (variables y = x - lo)
 * and bring it to a feasible basis. false when it cannot be built. */
static bool lp_build(struct work *w, struct lp *lp, int nh)
{
	int nu = 0;
	for (int k = 0; k < nh; k++)
		nu += w->hi[w->item_of[k]] < BOUND_INF;
	lp->rows = w->nrel + nu;
	lp->ncore = nh + nu;
	lp->cols = nh + nu + w->nrel;
	lp->t = calloc((size_t)(lp->rows + 1) * (size_t)(lp->cols + 1), sizeof *lp->t);
	lp->basis = calloc((size_t)(lp->rows ? lp->rows : 1), sizeof *lp->basis);
	if (!lp->t || !lp->basis)
		return false;
	/* Relations: sum(members) - total = 0, shown items moved right. */
	for (int q = 0; q < w->nrel; q++) {
		const struct relation *r = &w->rel[q];
		double rhs = 0;
		for (int i = -1; i < r->n; i++) {
			int it = i < 0 ? r->total : r->member[i];
			double sign = i < 0 ? -1 : 1;
			if (w->col_of[it] >= 0) {
				LP_AT(lp, q, w->col_of[it]) += sign;
				rhs -= sign * (double)w->lo[it];
			} else {
				rhs -= sign * (double)w->v[it];
			}
		}
		if (rhs < 0) {
			for (int j = 0; j < nh; j++)
				LP_AT(lp, q, j) = -LP_AT(lp, q, j);
			rhs = -rhs;
		}
		LP_AT(lp, q, lp->cols) = rhs;
		LP_AT(lp, q, nh + nu + q) = 1; /* artificial */
		lp->basis[q] = nh + nu + q;
	}
	/* Upper bounds: y + slack = hi - lo. */
	for (int k = 0, u = 0; k < nh; k++) {
		int it = w->item_of[k];
		if (w->hi[it] >= BOUND_INF)
			continue;
		int row = w->nrel + u;
		LP_AT(lp, row, k) = 1;
		LP_AT(lp, row, nh + u) = 1;
		LP_AT(lp, row, lp->cols) = (double)(w->hi[it] - w->lo[it]);
		lp->basis[row] = nh + u;
		u++;
	}
	/* Phase 1: minimise the artificials. */
	for (int j = 0; j <= lp->cols; j++) {
		double s = 0;
		for (int q = 0; q < w->nrel; q++)
			s += LP_AT(lp, q, j);
		LP_AT(lp, lp->rows, j) = j >= lp->ncore && j < lp->cols ? 0 : -s;
	}
	if (!lp_run(lp, lp->cols) || LP_AT(lp, lp->rows, lp->cols) < -1e-6)
		return false; /* the true table is feasible: only numerics get here */
	/* Drive artificials out of the basis where a real column can replace
	 * them; a row where none can is redundant. */
	for (int i = 0; i < lp->rows; i++) {
		if (lp->basis[i] < lp->ncore)
			continue;
		for (int j = 0; j < lp->ncore; j++)
			if (fabs(LP_AT(lp, i, j)) > 1e-7) {
				lp_pivot(lp, i, j);
				break;
			}
	}
	return true;
}

/* The range of hidden column k: min and max of y_k (max may be INFINITY). */
static bool lp_range(const struct lp *base, struct lp *lp, int k, double *ret_min, double *ret_max)
{
	for (int dir = 0; dir < 2; dir++) {
		memcpy(lp->t, base->t, sizeof *lp->t * (size_t)(base->rows + 1) * (size_t)(base->cols + 1));
		memcpy(lp->basis, base->basis, sizeof *lp->basis * (size_t)(base->rows ? base->rows : 1));
		/* Objective c: +y_k (min) or -y_k (max); reduced costs for the basis. */
		double c = dir == 0 ? 1 : -1;
		for (int j = 0; j <= lp->cols; j++)
			LP_AT(lp, lp->rows, j) = j == k ? c : 0;
		for (int i = 0; i < lp->rows; i++)
			if (lp->basis[i] == k)
				for (int j = 0; j <= lp->cols; j++)
					LP_AT(lp, lp->rows, j) -= c * LP_AT(lp, i, j);
		if (!lp_run(lp, lp->ncore)) {
			if (dir == 0)
				return false;
			*ret_max = INFINITY;
			continue;
		}
		/* The objective row's right-hand side holds -value. */
		double v = -LP_AT(lp, lp->rows, lp->cols) * c;
		if (dir == 0)
			*ret_min = v;
		else
			*ret_max = v;
	}
	return true;
}

/* A hidden item whose value a reader can work out, or -1. */
static int first_determined(struct work *w, double *vec)
{
	propagate(w);
	for (int i = 0; i < w->nitems; i++)
		if (hidden(w, i) && w->lo[i] == w->hi[i])
			return i;
	int nh = 0;
	for (int i = 0; i < w->nitems; i++) {
		w->col_of[i] = hidden(w, i) ? nh : -1;
		if (hidden(w, i))
			w->item_of[nh++] = i;
	}
	if (nh == 0)
		return -1;
	int rank = echelon(w, nh);
	/* e_k lies in the row space when the reduced rows cancel it. */
	for (int k = 0; k < nh; k++) {
		memset(vec, 0, sizeof *vec * (size_t)nh);
		vec[k] = 1;
		for (int q = 0; q < rank; q++) {
			double f = vec[w->pivot_col[q]];
			if (fabs(f) < 1e-12)
				continue;
			for (int c = 0; c < nh; c++)
				vec[c] -= f * w->matrix[(size_t)q * nh + c];
		}
		double norm = 0;
		for (int c = 0; c < nh; c++)
			norm = fmax(norm, fabs(vec[c]));
		if (norm < 1e-9)
			return w->item_of[k];
	}
	/* Relations and bounds together: at most one whole number in range. */
	struct lp base = {0}, scratch = {0};
	int found = -1;
	if (lp_build(w, &base, nh)) {
		scratch = base;
		scratch.t = malloc(sizeof *scratch.t * (size_t)(base.rows + 1) * (size_t)(base.cols + 1));
		scratch.basis = malloc(sizeof *scratch.basis * (size_t)(base.rows ? base.rows : 1));
		for (int k = 0; scratch.t && scratch.basis && k < nh && found < 0; k++) {
			double lo = 0, hi = 0;
			if (lp_range(&base, &scratch, k, &lo, &hi) && floor(hi + 1e-6) <= ceil(lo - 1e-6))
				found = w->item_of[k];
		}
		free(scratch.t);
		free(scratch.basis);
	}
	free(base.t);
	free(base.basis);
	return found;
}

static bool in_relation(const struct relation *r, int item)
{
	if (r->total == item)
		return true;
	for (int i = 0; i < r->n; i++)
		if (r->member[i] == item)
			return true;
	return false;
}

/* Hide one more item as close to item k as there is one: in a relation
 * holding k, else in a relation holding a hidden item of those, and so on
 * outwards. */
static bool hide_near_by(struct work *w, int k, int *queue, bool *seen,
			 bool (*hide)(struct work *, const struct relation *))
{
	int head = 0, tail = 0;
	memset(seen, 0, sizeof *seen * (size_t)w->nrel);
	for (int q = 0; q < w->nrel; q++)
		if (in_relation(&w->rel[q], k))
			queue[tail++] = q, seen[q] = true;
	while (head < tail) {
		const struct relation *r = &w->rel[queue[head++]];
		if (hide(w, r))
			return true;
		for (int i = -1; i < r->n; i++) {
			int it = i < 0 ? r->total : r->member[i];
			if (!hidden(w, it))
				continue;
			for (int q = 0; q < w->nrel; q++)
				if (!seen[q] && in_relation(&w->rel[q], it))
					queue[tail++] = q, seen[q] = true;
		}
	}
	return false;
}

/* Hide one more count as near item k as there is one; failing that, a
 * zero as near as there is one. */
static bool hide_near(struct work *w, int k, int *queue, bool *seen)
{
	return hide_near_by(w, k, queue, seen, hide_one) || hide_near_by(w, k, queue, seen, hide_zero);
}

int suppress(struct supp_table *t, int64_t threshold)
{
	if (!t || t->rows < 1 || t->cols < 1 || t->rows > 100000 / t->cols || !t->cell || !t->cell_mark ||
	    threshold < 2 || (t->row_totals && !t->row_mark) || (t->col_totals && !t->col_mark))
		return ERR_INVAL;
	int r = t->rows, c = t->cols, ncell = r * c;
	for (int i = 0; i < ncell; i++)
		if (t->cell[i] < 0 || t->cell[i] > BOUND_INF / 4)
			return ERR_INVAL;
	bool any_margin = t->row_totals || t->col_totals;
	int row0 = ncell, col0 = row0 + (t->row_totals ? r : 0), grand = col0 + (t->col_totals ? c : 0);
	struct work w = {.nitems = grand + (any_margin ? 1 : 0), .threshold = threshold};
	int maxrel = (t->row_totals ? r + 1 : 0) + (t->col_totals ? c + 1 : 0);
	int nmembers = (t->row_totals ? ncell + r : 0) + (t->col_totals ? ncell + c : 0);
	int ret = ERR_NOMEM;
	int *members = malloc(sizeof *members * (size_t)(nmembers ? nmembers : 1));
	w.v = calloc((size_t)w.nitems, sizeof *w.v);
	w.mark = calloc((size_t)w.nitems, sizeof *w.mark);
	w.rel = calloc((size_t)(maxrel ? maxrel : 1), sizeof *w.rel);
	w.lo = calloc((size_t)w.nitems, sizeof *w.lo);
	w.hi = calloc((size_t)w.nitems, sizeof *w.hi);
	w.col_of = calloc((size_t)w.nitems, sizeof *w.col_of);
	w.item_of = calloc((size_t)w.nitems, sizeof *w.item_of);
	w.pivot_col = calloc((size_t)(maxrel ? maxrel : 1), sizeof *w.pivot_col);
	w.matrix = calloc((size_t)(maxrel ? maxrel : 1) * (size_t)w.nitems, sizeof *w.matrix);
	double *vec = calloc((size_t)w.nitems, sizeof *vec);
	int *queue = calloc((size_t)(maxrel ? maxrel : 1), sizeof *queue);
	bool *seen = calloc((size_t)(maxrel ? maxrel : 1), sizeof *seen);
	if (!queue || !seen || !members || !w.v || !w.mark || !w.rel || !w.lo || !w.hi || !w.col_of || !w.item_of || !w.pivot_col ||
	    !w.matrix || !vec)
		goto out;

	/* The items' values: cells, then the published totals. */
	int64_t total = 0;
	for (int i = 0; i < ncell; i++)
		w.v[i] = t->cell[i], total += t->cell[i];
	for (int i = 0; t->row_totals && i < r; i++)
		for (int j = 0; j < c; j++)
			w.v[row0 + i] += t->cell[i * c + j];
	for (int j = 0; t->col_totals && j < c; j++)
		for (int i = 0; i < r; i++)
			w.v[col0 + j] += t->cell[i * c + j];
	if (any_margin)
		w.v[grand] = total;

	int used = 0;
	for (int i = 0; t->row_totals && i < r; i++) {
		struct relation *q = &w.rel[w.nrel++];
		q->member = members + used, q->n = c, q->total = row0 + i;
		for (int j = 0; j < c; j++)
			members[used++] = i * c + j;
	}
	for (int j = 0; t->col_totals && j < c; j++) {
		struct relation *q = &w.rel[w.nrel++];
		q->member = members + used, q->n = r, q->total = col0 + j;
		for (int i = 0; i < r; i++)
			members[used++] = i * c + j;
	}
	if (t->row_totals) {
		struct relation *q = &w.rel[w.nrel++];
		q->member = members + used, q->n = r, q->total = grand;
		for (int i = 0; i < r; i++)
			members[used++] = row0 + i;
	}
	if (t->col_totals) {
		struct relation *q = &w.rel[w.nrel++];
		q->member = members + used, q->n = c, q->total = grand;
		for (int j = 0; j < c; j++)
			members[used++] = col0 + j;
	}

	for (int i = 0; i < w.nitems; i++)
		w.mark[i] = w.v[i] > 0 && w.v[i] < threshold ? SUPP_PRIMARY : SUPP_SHOWN;
	for (int i = 0; t->force && i < ncell; i++)
		if (t->force[i] && w.mark[i] == SUPP_SHOWN && w.v[i] > 0)
			w.mark[i] = SUPP_COMPLEMENT;

	for (;;) {
		bool changed = false;
		for (int q = 0; q < w.nrel; q++)
			if (hidden_count(&w, &w.rel[q]) == 1 && (hide_one(&w, &w.rel[q]) || hide_zero(&w, &w.rel[q])))
				changed = true;
		if (changed)
			continue;
		int k = first_determined(&w, vec);
		if (k < 0)
			break;
		if (!hide_near(&w, k, queue, seen))
			break; /* everything is hidden already */
	}

	memcpy(t->cell_mark, w.mark, sizeof *w.mark * (size_t)ncell);
	if (t->row_totals)
		memcpy(t->row_mark, w.mark + row0, sizeof *w.mark * (size_t)r);
	if (t->col_totals)
		memcpy(t->col_mark, w.mark + col0, sizeof *w.mark * (size_t)c);
	t->grand_mark = any_margin ? w.mark[grand] : SUPP_SHOWN;
	ret = 0;
out:
	free(members);
	free(w.v);
	free(w.mark);
	free(w.rel);
	free(w.lo);
	free(w.hi);
	free(w.col_of);
	free(w.item_of);
	free(w.pivot_col);
	free(w.matrix);
	free(vec);
	free(queue);
	free(seen);
	return ret;
}
