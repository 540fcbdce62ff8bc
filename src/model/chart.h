/* chart: figures drawn as SVG by the server, for the dashboard, the
 * printable report and downloads that go on a slide.
 *
 * Every chart carries a <title> and a <desc> that reads out all its
 * numbers, so that a screen reader (or a slide without the picture) gets
 * the figure. Hidden counts (model/suppress.h) are drawn as what they are:
 * a "<5" as a short hatched bar with its label, a complementary one as "*"
 * with no bar, never as a number.
 *
 * Pure; writes into a buffer. */
#pragma once

#include <stdint.h>

#include "base/buf.h"
#include "model/suppress.h"

enum chart_kind {
	CHART_BARS,    /* one series, vertical bars: referrals by year, an age histogram */
	CHART_STACKED, /* several series stacked per category: by year and source */
	CHART_SHARES,  /* one series, horizontal bars as shares of a base: vulnerabilities */
};

struct chart_cell {
	int64_t value;
	enum supp_mark mark;
};

struct chart {
	enum chart_kind kind;
	const char *title;    /* required */
	const char *subtitle; /* NULL: none */
	const char *x_label, *y_label; /* NULL: none */
	int ncat;                     /* categories along the axis, 1..200 */
	const char *const *cat;       /* their labels */
	int nseries;                  /* 1, or the stacked layers (1..12) */
	const char *const *series;    /* their names (legend); NULL for one series */
	const struct chart_cell *cell; /* ncat * nseries, category by category */
	const struct chart_cell *cat_total; /* CHART_STACKED: each category's total; may be NULL */
	int64_t share_base; /* CHART_SHARES: the whole (e.g. children referred), > 0 */
	const char *hidden_note; /* the legend's words for hidden counts; NULL: a default */
	int64_t threshold;       /* counts below it show as "<threshold"; 0: 5 */
};

/* Write c as a standalone SVG document. ERR_INVAL for a chart that does
 * not make sense (no title, sizes out of range); ERR_NOMEM. */
int chart_svg(const struct chart *c, struct buf *out);
