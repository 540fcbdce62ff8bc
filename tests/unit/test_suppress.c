/* Unit tests of src/model/suppress: small counts are hidden, and no hidden
 * count can be worked out from what is shown. The property test searches
 * every table a reader could believe in and checks that each hidden count
 * could have had more than one value. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "model/suppress.h"

#define T 5

struct fig {
	int rows, cols;
	int64_t cell[64];
	enum supp_mark cm[64], rm[8], colm[8];
	struct supp_table t;
};

static void run(struct fig *f, bool row_totals, bool col_totals)
{
	f->t = (struct supp_table){.rows = f->rows, .cols = f->cols, .cell = f->cell, .row_totals = row_totals,
				   .col_totals = col_totals, .cell_mark = f->cm, .row_mark = f->rm, .col_mark = f->colm};
	assert_int_equal(suppress(&f->t, T), 0);
}

/* ---- a reader's search: every table consistent with what is shown ---- */

struct item {
	int64_t v, lo, hi;
	bool hidden;
};

struct reader {
	struct item it[96];
	int n;
	int rel_member[20][16], rel_n[20], rel_total[20], nrel;
	int order[96], norder;
	int64_t val[96];
	int64_t seen_lo[96], seen_hi[96]; /* values each hidden item took across solutions */
	long budget;
};

static int64_t rel_sum(const struct reader *r, int q, bool *complete)
{
	int64_t s = 0;
	*complete = true;
	for (int i = 0; i < r->rel_n[q]; i++) {
		int m = r->rel_member[q][i];
		if (r->val[m] < 0)
			*complete = false;
		else
			s += r->val[m];
	}
	if (r->val[r->rel_total[q]] < 0)
		*complete = false;
	return s;
}

/* No relation broken: complete ones add up, and the members given so far
 * do not already exceed a total that is given (counts are never negative). */
static bool consistent(const struct reader *r)
{
	for (int q = 0; q < r->nrel; q++) {
		bool complete;
		int64_t s = rel_sum(r, q, &complete);
		int64_t total = r->val[r->rel_total[q]];
		if (complete ? s != total : total >= 0 && s > total)
			return false;
	}
	return true;
}

static void search(struct reader *r, int k)
{
	if (--r->budget < 0)
		return;
	if (!consistent(r))
		return;
	if (k == r->norder) {
		for (int i = 0; i < r->norder; i++) {
			int m = r->order[i];
			if (r->val[m] < r->seen_lo[m])
				r->seen_lo[m] = r->val[m];
			if (r->val[m] > r->seen_hi[m])
				r->seen_hi[m] = r->val[m];
		}
		return;
	}
	int m = r->order[k];
	for (int64_t x = r->it[m].lo; x <= r->it[m].hi; x++) {
		r->val[m] = x;
		search(r, k + 1);
	}
	r->val[m] = -1;
}

/* How many steps the search may take before it gives up. */
static long search_budget = 3000000;

/* Build the reader's view of a suppressed figure; false when the search
 * would be too large to finish. */
static bool reader_check(const struct fig *f, bool rt, bool ct)
{
	struct reader *r = calloc(1, sizeof *r);
	int R = f->rows, C = f->cols, nc = R * C;
	int row0 = nc, col0 = row0 + (rt ? R : 0), grand = col0 + (ct ? C : 0);
	r->n = grand + 1;
	int64_t maxv = 0, total = 0;
	for (int i = 0; i < nc; i++) {
		r->it[i].v = f->cell[i];
		r->it[i].hidden = f->cm[i] != SUPP_SHOWN;
		total += f->cell[i];
	}
	for (int i = 0; rt && i < R; i++) {
		for (int j = 0; j < C; j++)
			r->it[row0 + i].v += f->cell[i * C + j];
		r->it[row0 + i].hidden = f->rm[i] != SUPP_SHOWN;
	}
	for (int j = 0; ct && j < C; j++) {
		for (int i = 0; i < R; i++)
			r->it[col0 + j].v += f->cell[i * C + j];
		r->it[col0 + j].hidden = f->colm[j] != SUPP_SHOWN;
	}
	r->it[grand].v = total;
	r->it[grand].hidden = f->t.grand_mark != SUPP_SHOWN;
	bool zeros_masked = false;
	for (int i = 0; i < r->n; i++) {
		if (r->it[i].v > maxv)
			maxv = r->it[i].v;
		zeros_masked |= r->it[i].hidden && r->it[i].v == 0;
	}
	for (int i = 0; i < r->n; i++) {
		struct item *it = &r->it[i];
		enum supp_mark mk = i < nc ? f->cm[i] : i < col0 ? f->rm[i - row0] : i < grand ? f->colm[i - col0] : f->t.grand_mark;
		if (!it->hidden)
			it->lo = it->hi = it->v;
		else if (mk == SUPP_PRIMARY)
			it->lo = zeros_masked ? 0 : 1, it->hi = T - 1;
		else
			it->lo = T, it->hi = maxv + 3;
		r->val[i] = it->hidden ? -1 : it->v;
		if (it->hidden)
			r->seen_lo[i] = INT64_MAX, r->seen_hi[i] = INT64_MIN;
	}
	/* Totals first: a given total prunes its members early. */
	for (int i = r->n - 1; i >= 0; i--)
		if (r->it[i].hidden)
			r->order[r->norder++] = i;
	for (int i = 0; rt && i < R; i++, r->nrel++) {
		for (int j = 0; j < C; j++)
			r->rel_member[r->nrel][r->rel_n[r->nrel]++] = i * C + j;
		r->rel_total[r->nrel] = row0 + i;
	}
	for (int j = 0; ct && j < C; j++, r->nrel++) {
		for (int i = 0; i < R; i++)
			r->rel_member[r->nrel][r->rel_n[r->nrel]++] = i * C + j;
		r->rel_total[r->nrel] = col0 + j;
	}
	if (rt) {
		for (int i = 0; i < R; i++)
			r->rel_member[r->nrel][r->rel_n[r->nrel]++] = row0 + i;
		r->rel_total[r->nrel++] = grand;
	}
	if (ct) {
		for (int j = 0; j < C; j++)
			r->rel_member[r->nrel][r->rel_n[r->nrel]++] = col0 + j;
		r->rel_total[r->nrel++] = grand;
	}
	if (!rt && !ct)
		r->it[grand].hidden = false, r->val[grand] = total;
	r->budget = search_budget;
	search(r, 0);
	bool finished = r->budget >= 0;
	int given_away = -1;
	for (int k = 0; finished && k < r->norder && given_away < 0; k++) {
		int m = r->order[k];
		/* The truth is among the solutions, and it is not the only value. */
		if (!(r->seen_lo[m] <= r->it[m].v && r->it[m].v <= r->seen_hi[m]) || r->seen_lo[m] == r->seen_hi[m])
			given_away = m;
	}
	if (given_away >= 0) {
		char shown[512] = "";
		size_t o = 0;
		for (int i = 0; i < r->n && o < sizeof shown - 24; i++)
			o += (size_t)snprintf(shown + o, sizeof shown - o, " %lld%s", (long long)r->it[i].v,
					      r->it[i].hidden ? "*" : "");
		int64_t v = r->it[given_away].v;
		free(r);
		fail_msg("%dx%d%s%s: item %d (value %lld) can be worked out; items:%s", R, C, rt ? " row totals" : "",
			 ct ? " column totals" : "", given_away, (long long)v, shown);
	}
	free(r);
	return finished;
}

/* ---- cases ---- */

UNIT_TEST(small_counts_are_primary_and_zeros_are_shown)
{
	struct fig f = {.rows = 5, .cols = 1, .cell = {0, 3, 12, 40, 7}};
	run(&f, false, true);
	assert_int_equal(f.cm[0], SUPP_SHOWN);
	assert_int_equal(f.cm[1], SUPP_PRIMARY);
	assert_int_equal(f.cm[3], SUPP_SHOWN);
	/* The total would give the 3 away: the smallest other count goes too. */
	assert_int_equal(f.cm[4], SUPP_COMPLEMENT);
	assert_int_equal(f.cm[2], SUPP_SHOWN);
	assert_int_equal(f.t.grand_mark, SUPP_SHOWN);
	assert_true(reader_check(&f, false, true));
}

UNIT_TEST(nothing_small_nothing_hidden)
{
	struct fig f = {.rows = 2, .cols = 3, .cell = {5, 9, 0, 12, 6, 30}};
	run(&f, true, true);
	for (int i = 0; i < 6; i++)
		assert_int_equal(f.cm[i], SUPP_SHOWN);
	assert_int_equal(f.rm[0], SUPP_SHOWN);
	assert_int_equal(f.t.grand_mark, SUPP_SHOWN);
}

UNIT_TEST(two_fours_beside_a_total_of_eight_are_not_left_alone)
{
	/* Both are "<5" and sum to 8: each must be 4 unless more is hidden. */
	struct fig f = {.rows = 3, .cols = 1, .cell = {4, 4, 20}};
	run(&f, false, true);
	assert_int_equal(f.cm[0], SUPP_PRIMARY);
	assert_int_equal(f.cm[1], SUPP_PRIMARY);
	assert_int_equal(f.cm[2], SUPP_COMPLEMENT);
	assert_true(reader_check(&f, false, true));
}

UNIT_TEST(a_small_total_is_hidden_too)
{
	struct fig f = {.rows = 2, .cols = 2, .cell = {2, 1, 30, 40}};
	run(&f, true, true);
	assert_int_equal(f.rm[0], SUPP_PRIMARY); /* 3 */
	assert_true(reader_check(&f, true, true));
}

UNIT_TEST(without_totals_only_small_counts_are_hidden)
{
	struct fig f = {.rows = 1, .cols = 4, .cell = {3, 50, 60, 70}};
	run(&f, false, false);
	assert_int_equal(f.cm[0], SUPP_PRIMARY);
	assert_int_equal(f.cm[1], SUPP_SHOWN);
	assert_int_equal(f.cm[2], SUPP_SHOWN);
	assert_int_equal(f.t.grand_mark, SUPP_SHOWN);
}

UNIT_TEST(a_two_way_table_cannot_be_solved_across_rows_and_columns)
{
	/* Years by source with all margins: a 3 in one corner. */
	struct fig f = {.rows = 3, .cols = 3, .cell = {3, 20, 25, 30, 8, 40, 9, 50, 60}};
	run(&f, true, true);
	assert_int_equal(f.cm[0], SUPP_PRIMARY);
	assert_true(reader_check(&f, true, true));
}

/* Four "<5" beside a total "<5" would be four ones. */
UNIT_TEST(a_line_of_ones_is_protected_with_a_zero)
{
	struct fig f = {.rows = 6, .cols = 1, .cell = {1, 0, 1, 0, 1, 1}};
	run(&f, false, true);
	int masked_zeros = 0;
	for (int i = 0; i < 6; i++) {
		if (f.cell[i] == 1)
			assert_int_equal(f.cm[i], SUPP_PRIMARY);
		masked_zeros += f.cell[i] == 0 && f.cm[i] == SUPP_PRIMARY;
	}
	assert_int_equal(masked_zeros, 1);
	assert_true(reader_check(&f, false, true));
	/* And in a two-way table, a column of ones under a small total: the
	 * zero goes too (too many hidden cells for the search to finish). */
	struct fig g = {.rows = 5, .cols = 2, .cell = {1, 6, 1, 7, 0, 5, 1, 8, 1, 6}};
	run(&g, true, true);
	for (int i = 0; i < 5; i++)
		assert_int_equal(g.cm[2 * i], SUPP_PRIMARY);
}

UNIT_TEST(bad_tables_are_refused)
{
	int64_t cell[2] = {1, -1};
	enum supp_mark m[2];
	struct supp_table t = {.rows = 1, .cols = 2, .cell = cell, .cell_mark = m};
	assert_int_equal(suppress(&t, 5), ERR_INVAL);
	cell[1] = 2;
	assert_int_equal(suppress(&t, 1), ERR_INVAL);
	t.col_totals = true; /* without col_mark */
	assert_int_equal(suppress(&t, 5), ERR_INVAL);
	t.rows = 0;
	assert_int_equal(suppress(&t, 5), ERR_INVAL);
}

UNIT_TEST(random_figures_never_give_a_hidden_count_away)
{
	srand(12345);
	search_budget = 100000;
	int checked = 0;
	for (int n = 0; n < 800; n++) {
		struct fig f = {.rows = 1 + rand() % 4, .cols = 1 + rand() % 3};
		for (int i = 0; i < f.rows * f.cols; i++) {
			int k = rand() % 10;
			f.cell[i] = k < 2 ? 0 : k < 6 ? 1 + rand() % 4 : 5 + rand() % 10;
		}
		bool rt = f.cols > 1 && rand() % 2, ct = true;
		run(&f, rt, ct);
		/* Every small count is hidden; nothing else is shown as small. */
		for (int i = 0; i < f.rows * f.cols; i++) {
			if (f.cell[i] >= 1 && f.cell[i] < T)
				assert_int_equal(f.cm[i], SUPP_PRIMARY);
			else
				assert_int_not_equal(f.cm[i], SUPP_PRIMARY);
		}
		checked += reader_check(&f, rt, ct);
	}
	print_message("%d of 800 figures searched to the end\n", checked);
	assert_true(checked > 600);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
