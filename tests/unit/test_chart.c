/* Unit tests of src/model/chart: the SVG says every number, hides what is
 * hidden, escapes what it is given, and its bars are as tall as their
 * numbers. HARTLINE_CHART_DIR=dir writes the charts there to look at. */
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
#include "model/chart.h"
#include "xml_check.h"

static const char *const years[] = {"2008", "2009", "2010", "2011", "2012", "2013", "2014", "2015"};

static void keep(const char *name, struct buf *b)
{
	const char *dir = getenv("HARTLINE_CHART_DIR");
	if (!dir)
		return;
	char path[512];
	snprintf(path, sizeof path, "%s/%s.svg", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(buf_str(b), f);
		fclose(f);
	}
}

/* c drawn into b (buf_done() it), kept as name. */
static const char *render(const struct chart *c, struct buf *b, const char *name)
{
	buf_init(b, 0);
	assert_int_equal(chart_svg(c, b), 0);
	keep(name, b);
	return buf_str(b);
}

/* Text between <desc ...> and </desc> holds no markup. */
static void desc_is_text(const char *svg)
{
	const char *d = strstr(svg, "<desc id=\"chart-desc\">");
	assert_non_null(d);
	d += strlen("<desc id=\"chart-desc\">");
	const char *end = strstr(d, "</desc>");
	assert_non_null(end);
	for (const char *p = d; p < end; p++)
		assert_int_not_equal(*p, '<');
}

/* svg holds each of the NULL-terminated texts. */
static void assert_has_each(const char *svg, const char *const *texts)
{
	for (const char *const *t = texts; *t; t++)
		if (!strstr(svg, *t))
			fail_msg("the chart lacks %s", *t);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The height of the bar drawn in colour c whose n-th occurrence this is. */
static double bar_height(const char *svg, const char *colour, int n)
{
	char pat[64];
	snprintf(pat, sizeof pat, "fill=\"%s\"/>", colour);
	const char *p = svg;
	for (int i = 0; i <= n; i++) {
		p = strstr(p, pat);
		assert_non_null(p);
		if (i < n)
			p += strlen(pat);
	}
	const char *rect = p;
	while (rect > svg && strncmp(rect, "<rect", 5) != 0)
		rect--;
	const char *h = strstr(rect, "height=\"");
	assert_non_null(h);
	return atof(h + 8);
}

UNIT_TEST(referrals_by_year_reads_out_every_number)
{
	struct chart_cell cell[8] = {{4, SUPP_PRIMARY}, {30, SUPP_SHOWN}, {31, SUPP_SHOWN}, {13, SUPP_SHOWN},
				     {60, SUPP_SHOWN},  {90, SUPP_SHOWN}, {98, SUPP_SHOWN}, {106, SUPP_SHOWN}};
	struct chart c = {.kind = CHART_BARS,
			  .title = "Referrals by year",
			  .subtitle = "January 1 2008 to December 31 2015, N=432 (synthetic)",
			  .y_label = "Referrals",
			  .ncat = 8,
			  .cat = years,
			  .nseries = 1,
			  .cell = cell};
	struct buf b;
	const char *svg = render(&c, &b, "by-year");
	desc_is_text(svg);
	static const char *const texts[] = {"<title id=\"chart-title\">Referrals by year (January 1 2008",
					    "<desc id=\"chart-desc\">2008: &lt;5; 2009: 30; 2010: 31; 2011: 13;",
					    "2015: 106.", NULL};
	assert_has_each(svg, texts);
	/* Seven drawn bars and one hatched stub, no "4" anywhere as a label. */
	assert_int_equal(count(svg, "fill=\"#0072B2\"/>"), 7);
	assert_int_equal(count(svg, "class=\"hidden-count\""), 1);
	assert_null(strstr(svg, ">4</text>"));
	/* Bars are proportional: 2015's is 106/30 of 2009's. */
	double h2009 = bar_height(svg, "#0072B2", 0), h2015 = bar_height(svg, "#0072B2", 6);
	assert_true(h2009 > 0);
	assert_true(h2015 / h2009 > 106.0 / 30 - 0.01 && h2015 / h2009 < 106.0 / 30 + 0.01);
	assert_int_equal(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39), 0);
	assert_non_null(strstr(svg, "</svg>\n"));
	buf_done(&b);
}

/* A stacked chart of ncat categories by nseries sources, cell category by
 * category, with each category's total. */
static struct chart stacked(const char *title, int ncat, const char *const *cat, int nseries,
			    const char *const *series, const struct chart_cell *cell, const struct chart_cell *total)
{
	return (struct chart){.kind = CHART_STACKED,
			      .title = title,
			      .ncat = ncat,
			      .cat = cat,
			      .nseries = nseries,
			      .series = series,
			      .cell = cell,
			      .cat_total = total};
}

UNIT_TEST(stacked_by_source_keeps_hidden_segments_together)
{
	static const char *const sources[] = {"Law enforcement", "DCF social worker", "Other"};
	struct chart_cell cell[3 * 3] = {
		{10, SUPP_SHOWN}, {3, SUPP_PRIMARY}, {6, SUPP_COMPLEMENT}, /* 2008: total 19 */
		{12, SUPP_SHOWN}, {20, SUPP_SHOWN},  {8, SUPP_SHOWN},      /* 2009: 40 */
		{5, SUPP_SHOWN},  {9, SUPP_SHOWN},   {11, SUPP_SHOWN},     /* 2010: 25 */
	};
	struct chart_cell total[3] = {{19, SUPP_SHOWN}, {40, SUPP_SHOWN}, {25, SUPP_SHOWN}};
	struct chart c = stacked("Referrals by year and source", 3, years, 3, sources, cell, total);
	struct buf b;
	const char *svg = render(&c, &b, "by-year-source");
	desc_is_text(svg);
	assert_non_null(strstr(svg, "2008: Law enforcement 10, DCF social worker &lt;5, Other *, total 19;"));
	/* The two hidden cells of 2008 are one hatched block of 9 (19 - 10). */
	assert_int_equal(count(svg, "class=\"hidden-count\""), 1);
	double h10 = bar_height(svg, "#0072B2", 0);
	const char *hatch = strstr(svg, "class=\"hidden-count\"");
	const char *rect = hatch;
	while (strncmp(rect, "<rect", 5) != 0)
		rect--;
	double h9 = atof(strstr(rect, "height=\"") + 8);
	assert_true(h9 / h10 > 0.89 && h9 / h10 < 0.91);
	/* The legend names every source. */
	assert_non_null(strstr(svg, ">DCF social worker</text>"));
	buf_done(&b);
}

UNIT_TEST(shares_show_percentages_of_the_base)
{
	static const char *const vul[] = {"Runaway / AWOL", "Prior sexual abuse", "Neglect", "Drug & alcohol <use>"};
	struct chart_cell cell[4] = {{250, SUPP_SHOWN}, {230, SUPP_SHOWN}, {180, SUPP_SHOWN}, {2, SUPP_PRIMARY}};
	struct chart c = {.kind = CHART_SHARES,
			  .title = "Vulnerabilities of children referred",
			  .ncat = 4,
			  .cat = vul,
			  .nseries = 1,
			  .cell = cell,
			  .share_base = 432};
	struct buf b;
	const char *svg = render(&c, &b, "vulnerabilities");
	desc_is_text(svg);
	static const char *const texts[] = {">58% (250)</text>", "Drug &amp; alcohol &lt;use&gt;", "Shares of 432.",
					    NULL};
	assert_has_each(svg, texts);
	assert_null(strstr(svg, "<use>"));
	buf_done(&b);
}

/* A pack's threshold of 11: a hidden 8 reads "<11", never "<5". */
UNIT_TEST(the_threshold_is_the_figures)
{
	struct chart_cell cell[2] = {{8, SUPP_PRIMARY}, {40, SUPP_SHOWN}};
	struct chart c = {.kind = CHART_BARS, .title = "t", .ncat = 2, .cat = years, .nseries = 1, .cell = cell,
			  .threshold = 11};
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(chart_svg(&c, &b), 0);
	assert_non_null(strstr(buf_str(&b), ">&lt;11</text>"));
	assert_null(strstr(buf_str(&b), "&lt;5"));
	buf_done(&b);
}

UNIT_TEST(nonsense_is_refused)
{
	struct chart_cell cell[1] = {{-1, SUPP_SHOWN}};
	struct chart c = {.kind = CHART_BARS, .title = "x", .ncat = 1, .cat = years, .nseries = 1, .cell = cell};
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(chart_svg(&c, &b), ERR_INVAL);
	cell[0].value = 1;
	c.title = NULL;
	assert_int_equal(chart_svg(&c, &b), ERR_INVAL);
	c.title = "x";
	c.kind = CHART_SHARES;
	assert_int_equal(chart_svg(&c, &b), ERR_INVAL); /* no base */
	c.kind = CHART_BARS;
	c.ncat = 0;
	assert_int_equal(chart_svg(&c, &b), ERR_INVAL);
	buf_done(&b);
	/* A buffer too small for the chart fails; it does not truncate. */
	buf_init(&b, 200);
	c.ncat = 1;
	assert_int_equal(chart_svg(&c, &b), ERR_TOOBIG);
	buf_done(&b);
}

/* A stacked chart whose totals are hidden too: the description says
 * "total <5" escaped, the bar is a short hatched one, and the document,
 * names with < > & " ' and all, is well-formed XML. */
UNIT_TEST(a_hidden_total_is_escaped_and_drawn)
{
	static const char *const cats[] = {"<2021>", "2022 & \"after\""};
	static const char *const series[] = {"Law 'enforcement'", "A <b> & c"};
	struct chart_cell cell[2 * 2] = {
		{2, SUPP_PRIMARY}, {1, SUPP_PRIMARY}, /* 2021: total 3, hidden */
		{10, SUPP_SHOWN},  {12, SUPP_SHOWN},  /* 2022: 22 */
	};
	struct chart_cell total[2] = {{3, SUPP_PRIMARY}, {22, SUPP_SHOWN}};
	struct chart c = stacked("By year & <source>", 2, cats, 2, series, cell, total);
	c.subtitle = "'quoted' \"too\"";
	c.x_label = "year <x>";
	c.y_label = "referrals & more";
	struct buf b;
	const char *svg = render(&c, &b, "hidden-total");
	size_t at = 0;
	const char *err = xml_check(svg, &at);
	if (err)
		fail_msg("%s at byte %zu: %.60s", err, at, svg + (at > 20 ? at - 20 : 0));
	desc_is_text(svg);
	assert_non_null(strstr(svg, "&lt;2021&gt;: Law &apos;enforcement&apos; &lt;5, A &lt;b&gt; &amp; c &lt;5, total &lt;5;"));
	/* The hidden total is a hatched bar as tall as 4 could be. */
	assert_int_equal(count(svg, "class=\"hidden-count\""), 1);
	buf_done(&b);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
