/* figure: a table of counts as the figures service answers it, and its
 * renderings (docs/figures.md): JSON, CSV, XLSX (libxlsxwriter) and SVG
 * (model/chart). Suppression (model/suppress) is applied in place, before
 * rendering; a hidden count never leaves: renderers print its mark. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "model/chart.h"
#include "model/suppress.h"

struct figure_cell {
	int64_t value;
	enum supp_mark mark; /* SUPP_SHOWN unless suppressed */
};

enum figure_shape {
	FIG_ONE_WAY, /* every column is its own partition of the total: column totals */
	FIG_TWO_WAY, /* rows x columns partition the total: row, column and grand totals */
	FIG_LIST,    /* categories that overlap (a child has several vulnerabilities): no totals */
};

struct figure {
	char figure[32];    /* "referrals", "repeat", "duties", "missing", "rapid-response", "federal" */
	char title[160];    /* "Referrals by year" */
	char subtitle[200]; /* "2008-01-01 to 2015-12-31, all regions" */
	char by[16], then[16], measure[16]; /* "" when not applicable */
	char unit[16]; /* what the counts count, for a chart's axis ("providers"); "": the measure */
	enum figure_shape shape;
	enum chart_kind chart; /* how figure_svg draws it */
	int64_t share_base;    /* FIG_LIST: the whole the shares are of (e.g. children), else 0 */
	int nrows, ncols;
	char **row_key, **row_label; /* nrows each, malloc'd strings */
	char **col_key, **col_label; /* ncols each */
	bool *col_count;             /* ncols; false: not a count (minutes), never summed or suppressed */
	struct figure_cell *cell;    /* nrows * ncols, row by row */
	struct figure_cell *row_total; /* nrows; FIG_TWO_WAY only, else NULL */
	struct figure_cell *col_total; /* ncols; FIG_ONE_WAY and FIG_TWO_WAY, else NULL */
	struct figure_cell total;      /* the grand total; FIG_TWO_WAY (and one-column FIG_ONE_WAY) */
	bool has_total;
	bool suppressed;    /* figure_suppress() was applied */
	int64_t threshold;  /* the pack's suppression threshold */
};

/* Allocate the arrays for nrows x ncols (labels NULL, cells zero, every
 * column a count). ERR_NOMEM. */
int figure_alloc(struct figure *f, int nrows, int ncols);
void figure_free(struct figure *f);
/* Copy a label (strdup); ERR_NOMEM. */
int figure_set_row(struct figure *f, int i, const char *key, const char *label);
int figure_set_col(struct figure *f, int j, const char *key, const char *label);

/* Fill the totals from the cells, by shape. */
void figure_totals(struct figure *f);
/* Hide small counts and their complements (threshold from the pack),
 * shape by shape, and any non-count cell of a row that lost a count it is
 * computed from. Sets f->suppressed. */
int figure_suppress(struct figure *f, int64_t threshold);

/* The renderings. */
json_t *figure_json(const struct figure *f);
int figure_csv(const struct figure *f, struct buf *out);
int figure_xlsx(const struct figure *f, struct buf *out);
int figure_svg(const struct figure *f, struct buf *out);
