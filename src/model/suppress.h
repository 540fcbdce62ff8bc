/* suppress: small-cell suppression for figures that leave the agency.
 *
 * A figure is a table of counts: rows x cols interior cells, with the row
 * totals, the column totals and the grand total published or not. A count
 * from 1 to threshold-1 is hidden (primary suppression, shown as "<5" when
 * the threshold is 5). Other counts are hidden too (complementary
 * suppression) until no hidden count can be worked out from what is shown:
 * not by subtracting from a total, not by combining rows and columns, and
 * not by the bounds a reader knows (a "<5" is 1 to 4, any other hidden
 * count is at least the threshold, a shown zero is zero). Zeros are shown
 * (an empty cell says nothing about a child), except where only a zero
 * shown as "<5" can protect a line of small counts: then every "<5" of the
 * figure reads as 0 to 4.
 *
 * Pure; no I/O. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum supp_mark {
	SUPP_SHOWN,
	SUPP_PRIMARY,    /* 1 .. threshold-1 */
	SUPP_COMPLEMENT, /* hidden so that a primary cannot be recovered */
};

struct supp_table {
	/* in */
	int rows, cols;        /* interior cells, at least 1 x 1 */
	const int64_t *cell;   /* rows * cols, row-major, each >= 0 */
	bool row_totals;       /* a total is published for each row */
	bool col_totals;       /* a total is published for each column */
	const bool *force;     /* rows * cols or NULL: non-zero counts to hide whatever
				* they are (a row that lost another count) */
	/* out: filled by suppress(); the arrays are the caller's */
	enum supp_mark *cell_mark; /* rows * cols */
	enum supp_mark *row_mark;  /* rows; may be NULL without row totals */
	enum supp_mark *col_mark;  /* cols; may be NULL without column totals */
	enum supp_mark grand_mark; /* the grand total, published with any margin */
};

/* Gauss-Jordan elimination of the nrows x ncols matrix m (row by row), in
 * place: its rank. pivot_col, when not NULL, gets each pivot row's column.
 * How a reader works a hidden count out of published sums alone. */
int supp_reduce(double *m, int nrows, int ncols, int *pivot_col);

/* Mark what to hide. threshold >= 2 (counts below it and above zero are
 * primary). ERR_INVAL for a bad table; ERR_NOMEM. The result is the same
 * for the same table (no randomness). */
int suppress(struct supp_table *t, int64_t threshold);
