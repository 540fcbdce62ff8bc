/* Unit tests of src/service/figure: totals and suppression by shape (a
 * small count is hidden and cannot be worked out from what is shown), and
 * the JSON, CSV, XLSX and SVG renderings, none of which carries a hidden
 * count. */
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
#include "service/figure.h"
#include "xml_check.h"

static void one_way(struct figure *f, const char *const *keys, const int64_t *v, int n)
{
	memset(f, 0, sizeof *f);
	snprintf(f->figure, sizeof f->figure, "referrals");
	snprintf(f->title, sizeof f->title, "Referrals by year");
	snprintf(f->subtitle, sizeof f->subtitle, "2008-01-01 to 2011-12-31, all regions");
	snprintf(f->by, sizeof f->by, "year");
	snprintf(f->measure, sizeof f->measure, "referrals");
	f->shape = FIG_ONE_WAY;
	f->chart = CHART_BARS;
	f->threshold = 5;
	assert_int_equal(figure_alloc(f, n, 1), 0);
	assert_int_equal(figure_set_col(f, 0, "referrals", "Referrals"), 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(figure_set_row(f, i, keys[i], keys[i]), 0);
		f->cell[i].value = v[i];
	}
	figure_totals(f);
}

static const char *const years[] = {"2008", "2009", "2010", "2011"};

/* Figure `name` of the first three years (labelled as such, or not) by
 * ncols columns (key, label), holding values row by row. */
static void year_figure(struct figure *f, const char *name, const char *title, enum figure_shape shape,
			bool row_labels, int ncols, const char *const cols[][2], const int64_t *values)
{
	snprintf(f->figure, sizeof f->figure, "%s", name);
	snprintf(f->title, sizeof f->title, "%s", title);
	f->shape = shape;
	assert_int_equal(figure_alloc(f, 3, ncols), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(figure_set_row(f, i, years[i], row_labels ? years[i] : NULL), 0);
	for (int j = 0; j < ncols; j++)
		assert_int_equal(figure_set_col(f, j, cols[j][0], cols[j][1]), 0);
	for (int k = 0; k < 3 * ncols; k++)
		f->cell[k].value = values[k];
}

/* A relation (members summing to a total) with exactly one hidden item
 * gives that item away by subtraction. */
static void relation_safe(const struct figure_cell *const *items, int n)
{
	int hidden = 0;
	for (int i = 0; i < n; i++)
		hidden += items[i]->mark != SUPP_SHOWN;
	assert_true(hidden == 0 || hidden >= 2);
}

/* f drawn as SVG into b holds each of the NULL-terminated texts. */
static void svg_has(const struct figure *f, struct buf *b, const char *const *texts)
{
	assert_int_equal(figure_svg(f, b), 0);
	for (const char *const *t = texts; *t; t++)
		if (!strstr(buf_str(b), *t))
			fail_msg("the SVG lacks %s", *t);
}

UNIT_TEST(totals_and_json_of_a_one_way_figure)
{
	struct figure f;
	const int64_t v[] = {10, 0, 12, 20};
	one_way(&f, years, v, 4);
	assert_true(f.has_total);
	assert_int_equal(f.total.value, 42);
	assert_int_equal(f.col_total[0].value, 42);
	assert_null(f.row_total);

	json_t *j = figure_json(&f);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "figure")), "referrals");
	assert_string_equal(json_string_value(json_object_get(j, "by")), "year");
	assert_true(json_is_null(json_object_get(j, "then")));
	assert_true(json_is_false(json_object_get(j, "suppressed")));
	assert_int_equal(json_integer_value(json_object_get(j, "threshold")), 5);
	json_t *rows = json_object_get(j, "rows");
	assert_int_equal(json_array_size(rows), 4);
	json_t *r1 = json_array_get(rows, 1);
	assert_string_equal(json_string_value(json_object_get(r1, "key")), "2009");
	json_t *c = json_array_get(json_object_get(r1, "cells"), 0);
	assert_int_equal(json_integer_value(json_object_get(c, "value")), 0);
	assert_string_equal(json_string_value(json_object_get(c, "display")), "0");
	assert_true(json_is_null(json_object_get(r1, "total")));
	json_t *t = json_object_get(j, "total");
	assert_int_equal(json_integer_value(json_object_get(t, "value")), 42);
	assert_string_equal(json_string_value(json_object_get(t, "display")), "42");
	json_t *col = json_array_get(json_object_get(j, "columns"), 0);
	assert_string_equal(json_string_value(json_object_get(col, "label")), "Referrals");
	json_decref(j);
	figure_free(&f);
	figure_free(&f); /* twice is harmless */
}

UNIT_TEST(a_three_is_hidden_and_not_recoverable_from_the_total)
{
	struct figure f;
	const int64_t v[] = {10, 3, 12, 20};
	one_way(&f, years, v, 4);
	assert_int_equal(figure_suppress(&f, 5), 0);
	assert_true(f.suppressed);
	assert_int_equal(f.cell[1].mark, SUPP_PRIMARY);
	const struct figure_cell *items[] = {&f.cell[0], &f.cell[1], &f.cell[2], &f.cell[3], &f.col_total[0]};
	relation_safe(items, 5);
	assert_int_equal(f.total.mark, f.col_total[0].mark);

	json_t *j = figure_json(&f);
	assert_true(json_is_true(json_object_get(j, "suppressed")));
	json_t *rows = json_object_get(j, "rows");
	json_t *c = json_array_get(json_object_get(json_array_get(rows, 1), "cells"), 0);
	assert_true(json_is_null(json_object_get(c, "value")));
	assert_string_equal(json_string_value(json_object_get(c, "display")), "<5");
	int64_t shown = 0;
	int nhidden = 0;
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *ci = json_array_get(json_object_get(json_array_get(rows, i), "cells"), 0);
		if (json_is_null(json_object_get(ci, "value")))
			nhidden++;
		else
			shown += json_integer_value(json_object_get(ci, "value"));
	}
	assert_true(nhidden >= 2);
	/* What the total leaves for the hidden cells is not the 3. */
	json_t *t = json_object_get(j, "total");
	if (!json_is_null(json_object_get(t, "value")))
		assert_int_not_equal(json_integer_value(json_object_get(t, "value")) - shown, 3);
	char *text = json_dumps(j, JSON_COMPACT);
	assert_null(strstr(text, "\"value\": 3,"));
	assert_null(strstr(text, "\"value\":3,"));
	assert_null(strstr(text, "\"value\":10,"));
	free(text);
	json_decref(j);
	figure_free(&f);
}

UNIT_TEST(two_way_suppression_covers_rows_and_columns)
{
	struct figure f = {0};
	static const char *const src[][2] = {{"dcf", "dcf"}, {"police", "police"}, {"school", "school"}};
	static const int64_t v[] = {12, 3, 9, 8, 15, 11, 20, 7, 14};
	year_figure(&f, "referrals", "Referrals by year and source", FIG_TWO_WAY, true, 3, src, v);
	snprintf(f.by, sizeof f.by, "year");
	snprintf(f.then, sizeof f.then, "source");
	f.chart = CHART_STACKED;
	figure_totals(&f);
	assert_int_equal(f.row_total[0].value, 24);
	assert_int_equal(f.col_total[1].value, 25);
	assert_int_equal(f.total.value, 99);
	assert_true(f.has_total);
	assert_int_equal(figure_suppress(&f, 5), 0);
	assert_int_equal(f.cell[1].mark, SUPP_PRIMARY);
	for (int i = 0; i < 3; i++) {
		const struct figure_cell *items[] = {&f.cell[i * 3], &f.cell[i * 3 + 1], &f.cell[i * 3 + 2],
						     &f.row_total[i]};
		relation_safe(items, 4);
	}
	for (int j = 0; j < 3; j++) {
		const struct figure_cell *items[] = {&f.cell[j], &f.cell[3 + j], &f.cell[6 + j], &f.col_total[j]};
		relation_safe(items, 4);
	}
	json_t *j = figure_json(&f);
	json_t *ct = json_object_get(j, "column_totals");
	assert_int_equal(json_array_size(ct), 3);
	json_t *r0 = json_array_get(json_object_get(j, "rows"), 0);
	assert_false(json_is_null(json_object_get(r0, "total")));
	json_decref(j);

	struct buf b;
	buf_init(&b, 0);
	svg_has(&f, &b, (const char *const[]){"<svg", "police", NULL});
	buf_done(&b);
	figure_free(&f);
}

UNIT_TEST(a_list_hides_only_small_counts_and_what_is_computed_from_them)
{
	struct figure f = {0};
	static const char *const cols[][2] = {{"requests", "Requests"}, {"median", "Median minutes"}};
	static const int64_t v[] = {20, 95, 2, 80, 30, 70};
	year_figure(&f, "rapid-response", "Rapid responses", FIG_LIST, true, 2, cols, v);
	f.chart = CHART_SHARES;
	f.share_base = 40;
	f.col_count[1] = false;
	figure_totals(&f);
	assert_false(f.has_total);
	assert_null(f.col_total);
	assert_int_equal(figure_suppress(&f, 5), 0);
	assert_int_equal(f.cell[0].mark, SUPP_SHOWN);
	assert_int_equal(f.cell[2].mark, SUPP_PRIMARY);
	assert_int_equal(f.cell[3].mark, SUPP_COMPLEMENT); /* the median of two */
	assert_int_equal(f.cell[4].mark, SUPP_SHOWN);       /* no total: nothing to subtract from */
	assert_int_equal(f.cell[5].mark, SUPP_SHOWN);

	json_t *j = figure_json(&f);
	assert_true(json_is_null(json_object_get(j, "total")));
	assert_true(json_is_null(json_object_get(j, "column_totals")));
	json_t *c = json_array_get(json_object_get(json_array_get(json_object_get(j, "rows"), 1), "cells"), 1);
	assert_true(json_is_null(json_object_get(c, "value")));
	assert_string_equal(json_string_value(json_object_get(c, "display")), "*");
	json_decref(j);

	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(figure_csv(&f, &b), 0);
	assert_string_equal(buf_str(&b), "rapid-response,Requests,Median minutes\r\n"
					 "2008,20,95\r\n"
					 "2009,<5,*\r\n"
					 "2010,30,70\r\n");
	buf_clear(&b);
	svg_has(&f, &b, (const char *const[]){"Shares of 40", NULL});
	assert_null(strstr(buf_str(&b), ": 2 "));
	buf_done(&b);
	figure_free(&f);
}

UNIT_TEST(one_way_with_several_columns_suppresses_each_column)
{
	struct figure f = {0};
	static const char *const cols[][2] = {{"due", "Due"}, {"met", "Met"}};
	static const int64_t v[] = {30, 28, 12, 4, 9, 9};
	year_figure(&f, "duties", "Duties", FIG_ONE_WAY, false, 2, cols, v);
	snprintf(f.by, sizeof f.by, "region");
	figure_totals(&f);
	assert_false(f.has_total);
	assert_int_equal(f.col_total[0].value, 51);
	assert_int_equal(f.col_total[1].value, 41);
	assert_int_equal(figure_suppress(&f, 5), 0);
	assert_int_equal(f.cell[3].mark, SUPP_PRIMARY);
	const struct figure_cell *a[] = {&f.cell[0], &f.cell[2], &f.cell[4], &f.col_total[0]};
	const struct figure_cell *b2[] = {&f.cell[1], &f.cell[3], &f.cell[5], &f.col_total[1]};
	relation_safe(a, 4);
	relation_safe(b2, 4);
	/* The row that lost a count loses the other too: a 9 met beside a
	 * hidden 4 due would bound it. */
	assert_int_not_equal(f.cell[2].mark, SUPP_SHOWN);
	for (int i = 0; i < 3; i++)
		assert_true((f.cell[2 * i].mark == SUPP_SHOWN) == (f.cell[2 * i + 1].mark == SUPP_SHOWN));
	assert_string_equal(f.row_label[0], "2008"); /* the key when no label */
	figure_free(&f);
}

UNIT_TEST(csv_quotes_and_guards_formulas)
{
	struct figure f;
	const char *const keys[] = {"=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "Smith, \"Jo\""};
	const int64_t v[] = {5, 6, 7, 8, 9};
	one_way(&f, keys, v, 5);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(figure_csv(&f, &b), 0);
	assert_string_equal(buf_str(&b), "year,Referrals\r\n"
					 "\"'=HYPERLINK(\"\"x\"\")\",5\r\n"
					 "'+1,6\r\n"
					 "'-2,7\r\n"
					 "'@SUM(A1),8\r\n"
					 "\"Smith, \"\"Jo\"\"\",9\r\n"
					 "total,35\r\n");
	buf_done(&b);
	figure_free(&f);
}

UNIT_TEST(xlsx_is_a_zip_with_the_sheet)
{
	struct figure f;
	const int64_t v[] = {10, 3, 12, 20};
	one_way(&f, years, v, 4);
	assert_int_equal(figure_suppress(&f, 5), 0);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(figure_xlsx(&f, &b), 0);
	assert_true(b.len > 100);
	assert_memory_equal(b.data, "PK", 2);
	assert_non_null(memmem(b.data, b.len, "xl/worksheets/sheet1.xml", strlen("xl/worksheets/sheet1.xml")));
	buf_done(&b);
	figure_free(&f);
}

UNIT_TEST(svg_reads_out_every_number_and_no_hidden_one)
{
	struct figure f;
	const int64_t v[] = {10, 3, 12, 20};
	one_way(&f, years, v, 4);
	struct buf b;
	buf_init(&b, 0);
	svg_has(&f, &b, (const char *const[]){"<title id=\"chart-title\">Referrals by year", "2008: 10", "2009: 3", NULL});
	buf_clear(&b);
	assert_int_equal(figure_suppress(&f, 5), 0);
	svg_has(&f, &b, (const char *const[]){"2009: &lt;5", NULL});
	const char *s = buf_str(&b);
	assert_null(strstr(s, "2009: 3"));
	assert_null(strstr(s, "2008: 10"));
	buf_done(&b);
	figure_free(&f);
}

UNIT_TEST(an_empty_figure_renders_in_every_format)
{
	struct figure f;
	one_way(&f, years, NULL, 0);
	assert_int_equal(figure_suppress(&f, 5), 0);
	assert_int_equal(f.total.value, 0);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(figure_csv(&f, &b), 0);
	assert_string_equal(buf_str(&b), "year,Referrals\r\ntotal,0\r\n");
	buf_clear(&b);
	assert_int_equal(figure_svg(&f, &b), 0);
	assert_non_null(strstr(buf_str(&b), "none in range"));
	buf_clear(&b);
	assert_int_equal(figure_xlsx(&f, &b), 0);
	assert_memory_equal(b.data, "PK", 2);
	buf_done(&b);
	json_t *j = figure_json(&f);
	assert_int_equal(json_array_size(json_object_get(j, "rows")), 0);
	json_decref(j);
	figure_free(&f);
}

UNIT_TEST(the_shape_may_be_set_after_the_table)
{
	struct figure f = {0};
	f.shape = FIG_LIST;
	assert_int_equal(figure_alloc(&f, 2, 2), 0);
	f.shape = FIG_TWO_WAY;
	for (int k = 0; k < 4; k++)
		f.cell[k].value = 10 + k;
	figure_totals(&f);
	assert_non_null(f.row_total);
	assert_int_equal(f.row_total[1].value, 25);
	assert_int_equal(f.total.value, 46);
	assert_int_equal(figure_suppress(&f, 5), 0);
	f.shape = FIG_LIST;
	figure_totals(&f);
	assert_null(f.row_total);
	assert_null(f.col_total);
	assert_false(f.has_total);
	figure_free(&f);
}

UNIT_TEST(four_small_counts_under_a_small_total_are_not_given_away)
{
	/* Four referrals, one in each of four years: a total of "<5" over
	 * four "<5" cells (each at least 1) would say each is 1. */
	struct figure f;
	const char *const keys[] = {"2008", "2009", "2010", "2011", "2012"};
	const int64_t v[] = {1, 1, 0, 1, 1};
	one_way(&f, keys, v, 5);
	assert_int_equal(figure_suppress(&f, 5), 0);
	for (int i = 0; i < 5; i++)
		if (v[i])
			assert_int_equal(f.cell[i].mark, SUPP_PRIMARY);
	if (f.has_total) {
		/* The total is published: a zero must read as "<5" too. */
		assert_int_equal(f.cell[2].mark, SUPP_PRIMARY);
		assert_int_not_equal(f.total.mark, SUPP_SHOWN);
	}
	json_t *j = figure_json(&f);
	char *text = json_dumps(j, JSON_COMPACT);
	assert_null(strstr(text, "\"value\":1,"));
	free(text);
	json_decref(j);
	figure_free(&f);
}

/* Labels that XML must escape, and a long one with a character of two
 * bytes where a cut would fall. */
static const char *const awkward[] = {"<5 & \"over\" 'here'", "A > B",
				      "abcdefghijklmnopqrstuvwxyzabcdefghijklmn\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 and more", "plain"};

static void build(struct figure *f, enum figure_shape shape, int nrows, int ncols, const int64_t *v)
{
	memset(f, 0, sizeof *f);
	snprintf(f->figure, sizeof f->figure, "referrals");
	snprintf(f->title, sizeof f->title, "Referrals <by> \"year\" & 'source'");
	snprintf(f->subtitle, sizeof f->subtitle, "2008 < 2011 & more");
	snprintf(f->by, sizeof f->by, "year<");
	f->shape = shape;
	f->chart = shape == FIG_TWO_WAY ? CHART_STACKED : shape == FIG_LIST ? CHART_SHARES : CHART_BARS;
	f->share_base = shape == FIG_LIST ? 60 : 0;
	f->threshold = 5;
	assert_int_equal(figure_alloc(f, nrows, ncols), 0);
	for (int j = 0; j < ncols; j++)
		assert_int_equal(figure_set_col(f, j, awkward[j % 4], awkward[(j + 1) % 4]), 0);
	for (int i = 0; i < nrows; i++)
		assert_int_equal(figure_set_row(f, i, awkward[i % 4], awkward[i % 4]), 0);
	for (int k = 0; k < nrows * ncols; k++)
		f->cell[k].value = v[k % 9];
	figure_totals(f);
}

static void assert_well_formed(const char *svg, const char *what)
{
	size_t at = 0;
	const char *err = xml_check(svg, &at);
	if (err)
		fail_msg("%s: %s at byte %zu: %.80s", what, err, at, svg + (at > 20 ? at - 20 : 0));
}

/* Every shape, hidden counts or not, empty, with labels that need
 * escaping: the SVG is well-formed XML (a browser draws nothing at all
 * otherwise). */
UNIT_TEST(every_svg_is_well_formed_xml)
{
	/* The check itself refuses what a browser refuses. */
	assert_non_null(xml_check("<svg><desc>total <5</desc></svg>", NULL));
	assert_non_null(xml_check("<svg><desc>A & B</desc></svg>", NULL));
	assert_non_null(xml_check("<svg><g></svg></g>", NULL));
	assert_non_null(xml_check("<svg a=\"1\" a=\"2\"/>", NULL));
	assert_non_null(xml_check("<svg>Caf\xc3</svg>", NULL));
	assert_null(xml_check("<svg a=\"&lt;5\"><t>&amp;&#233;</t></svg>\n", NULL));

	/* The second row's total is 3: hidden too. */
	const int64_t v[] = {12, 3, 9, 1, 1, 1, 20, 7, 14};
	const struct {
		enum figure_shape shape;
		int nrows, ncols;
		const char *what;
	} cases[] = {
		{FIG_ONE_WAY, 4, 1, "one-way"},      {FIG_ONE_WAY, 3, 3, "one-way, three columns"},
		{FIG_TWO_WAY, 3, 3, "two-way"},      {FIG_TWO_WAY, 4, 13, "two-way, too many columns to stack"},
		{FIG_LIST, 4, 2, "list (shares)"},   {FIG_ONE_WAY, 0, 1, "empty"},
		{FIG_TWO_WAY, 0, 3, "empty two-way"}, {FIG_TWO_WAY, 30, 4, "two-way, slanted labels"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
		for (int hide = 0; hide < 2; hide++) {
			struct figure f;
			build(&f, cases[k].shape, cases[k].nrows, cases[k].ncols, v);
			if (hide)
				assert_int_equal(figure_suppress(&f, 5), 0);
			struct buf b;
			buf_init(&b, 0);
			assert_int_equal(figure_svg(&f, &b), 0);
			char what[96];
			snprintf(what, sizeof what, "%s%s", cases[k].what, hide ? ", small counts hidden" : "");
			assert_well_formed(buf_str(&b), what);
			if (hide && cases[k].nrows)
				assert_non_null(strstr(buf_str(&b), "&lt;5"));
			if (cases[k].ncols > 12 && !hide) {
				/* Too many columns to stack: the row totals, not the first column. */
				char total[64];
				snprintf(total, sizeof total, "&apos;here&apos;: %lld;", (long long)f.row_total[0].value);
				assert_non_null(strstr(buf_str(&b), total));
			}
			buf_done(&b);
			figure_free(&f);
		}
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
