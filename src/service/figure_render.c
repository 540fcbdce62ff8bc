/* figure_render: a figure as JSON, CSV, XLSX (libxlsxwriter) and SVG
 * (docs/figures.md). A hidden count never leaves: every renderer prints
 * its mark ("<5" or "*") and never its value. */
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
#include <xlsxwriter.h>

#include "base/csv.h"
#include "base/err.h"

/* ---- rendering helpers ---- */

/* Row totals are published: a two-way table whose totals were filled. */
static bool rows_total(const struct figure *f)
{
	return f->shape == FIG_TWO_WAY && f->row_total;
}

static void cell_display(const struct figure *f, const struct figure_cell *c, char *out, size_t size)
{
	if (c->mark == SUPP_PRIMARY)
		snprintf(out, size, "<%" PRId64, f->threshold > 1 ? f->threshold : 5);
	else if (c->mark == SUPP_COMPLEMENT)
		snprintf(out, size, "*");
	else
		snprintf(out, size, "%" PRId64, c->value);
}

static json_t *cell_json(const struct figure *f, const struct figure_cell *c)
{
	char d[32];
	cell_display(f, c, d, sizeof d);
	json_t *v = c->mark == SUPP_SHOWN ? json_integer(c->value) : json_null();
	return json_pack("{s:o, s:s}", "value", v, "display", d);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* The total of column j, when one is published: a count column of a
 * one-way or two-way figure. */
static const struct figure_cell *col_total_of(const struct figure *f, int j)
{
	if (f->shape == FIG_LIST || !f->col_total || !f->col_count[j] || f->col_total[j].value == UNPUBLISHED)
		return NULL;
	return &f->col_total[j];
}

/* ---- JSON ---- */

json_t *figure_json(const struct figure *f)
{
	if (!f)
		return NULL;
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:I}", "figure", f->figure, "title", f->title,
			      "subtitle", str_or_null(f->subtitle), "by", str_or_null(f->by), "then",
			      str_or_null(f->then), "measure", str_or_null(f->measure), "suppressed", f->suppressed,
			      "threshold", (json_int_t)f->threshold);
	json_t *cols = json_array(), *rows = json_array();
	if (!o || !cols || !rows)
		goto fail;
	for (int j = 0; j < f->ncols; j++)
		if (json_array_append_new(cols, json_pack("{s:s, s:s}", "key", f->col_key[j] ? f->col_key[j] : "",
							  "label", f->col_label[j] ? f->col_label[j] : "")) < 0)
			goto fail;
	for (int i = 0; i < f->nrows; i++) {
		json_t *cells = json_array();
		if (!cells)
			goto fail;
		for (int j = 0; j < f->ncols; j++)
			if (json_array_append_new(cells, cell_json(f, cell_at(f, i, j))) < 0) {
				json_decref(cells);
				goto fail;
			}
		json_t *row = json_pack("{s:s, s:s, s:o, s:o}", "key", f->row_key[i] ? f->row_key[i] : "", "label",
					f->row_label[i] ? f->row_label[i] : "", "cells", cells, "total",
					rows_total(f) ? cell_json(f, &f->row_total[i]) : json_null());
		if (json_array_append_new(rows, row) < 0)
			goto fail;
	}
	if (json_object_set_new(o, "columns", cols) < 0)
		goto fail_o;
	cols = NULL;
	if (json_object_set_new(o, "rows", rows) < 0)
		goto fail_o;
	rows = NULL;
	if (json_object_set_new(o, "total", f->has_total ? cell_json(f, &f->total) : json_null()) < 0)
		goto fail_o;
	json_t *ct = json_null();
	if (f->shape != FIG_LIST && f->col_total) {
		ct = json_array();
		for (int j = 0; ct && j < f->ncols; j++) {
			const struct figure_cell *c = col_total_of(f, j);
			json_array_append_new(ct, c ? cell_json(f, c) : json_pack("{s:n, s:s}", "value", "display", ""));
		}
	}
	if (json_object_set_new(o, "column_totals", ct) < 0)
		goto fail_o;
	/* What the shares of the vulnerabilities are of, hidden like any small
	 * count when suppressed. Only there: beside counts of children by year
	 * or sex, where each child is in one row, it would be their total. */
	if (f->shape == FIG_LIST && f->share_base > 0 && strcmp(f->by, "vulnerability") == 0) {
		struct figure_cell base = {
			.value = f->share_base,
			.mark = f->suppressed && f->share_base < f->threshold ? SUPP_PRIMARY : SUPP_SHOWN};
		if (json_object_set_new(o, "base", cell_json(f, &base)) < 0)
			goto fail_o;
	}
	return o;
fail:
	json_decref(cols);
	json_decref(rows);
fail_o:
	json_decref(o);
	return NULL;
}

/* ---- CSV ---- */

static int csv_cell(struct buf *out, const struct figure *f, const struct figure_cell *c)
{
	char d[32];
	if (!c)
		return 0;
	cell_display(f, c, d, sizeof d);
	return csv_put_field(out, d, false);
}

/* The row dimension's name: "year", or the figure's own name. */
static const char *row_header(const struct figure *f)
{
	return f->by[0] ? f->by : f->figure;
}

int figure_csv(const struct figure *f, struct buf *out)
{
	if (!f || !out)
		return ERR_INVAL;
	int r = csv_put_field(out, row_header(f), true);
	for (int j = 0; r == 0 && j < f->ncols; j++) {
		r = buf_putc(out, ',');
		if (r == 0)
			r = csv_put_field(out, f->col_label[j] ? f->col_label[j] : f->col_key[j], true);
	}
	if (r == 0 && rows_total(f))
		r = buf_puts(out, ",total");
	if (r == 0)
		r = buf_puts(out, "\r\n");
	for (int i = 0; r == 0 && i < f->nrows; i++) {
		r = csv_put_field(out, f->row_label[i] ? f->row_label[i] : f->row_key[i], true);
		for (int j = 0; r == 0 && j < f->ncols; j++) {
			r = buf_putc(out, ',');
			if (r == 0)
				r = csv_cell(out, f, cell_at(f, i, j));
		}
		if (r == 0 && rows_total(f)) {
			r = buf_putc(out, ',');
			if (r == 0)
				r = csv_cell(out, f, &f->row_total[i]);
		}
		if (r == 0)
			r = buf_puts(out, "\r\n");
	}
	if (r == 0 && f->shape != FIG_LIST && f->col_total) {
		r = buf_puts(out, "total");
		for (int j = 0; r == 0 && j < f->ncols; j++) {
			r = buf_putc(out, ',');
			if (r == 0)
				r = csv_cell(out, f, col_total_of(f, j));
		}
		if (r == 0 && rows_total(f)) {
			r = buf_putc(out, ',');
			if (r == 0)
				r = csv_cell(out, f, f->has_total ? &f->total : NULL);
		}
		if (r == 0)
			r = buf_puts(out, "\r\n");
	}
	return r < 0 ? r : 0;
}

/* ---- XLSX ---- */

/* Write one cell: a shown number as a number, a hidden one as its mark. */
static lxw_error xlsx_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const struct figure *f,
			   const struct figure_cell *c, lxw_format *right)
{
	if (!c)
		return LXW_NO_ERROR;
	if (c->mark == SUPP_SHOWN)
		return worksheet_write_number(ws, row, col, (double)c->value, NULL);
	char d[32];
	cell_display(f, c, d, sizeof d);
	return worksheet_write_string(ws, row, col, d, right);
}

/* Text into a cell; a formula-looking label is written as a string (it
 * is never a formula in XLSX, since write_string stores it as text). */
static lxw_error xlsx_text(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *fmt)
{
	return worksheet_write_string(ws, row, col, s ? s : "", fmt);
}

static int read_file_into(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ERR_IO;
	int ret = 0;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = ERR_IO;
			break;
		}
		if (n == 0)
			break;
		ret = buf_append(out, chunk, (size_t)n);
		if (ret < 0)
			break;
	}
	close(fd);
	return ret;
}

int figure_xlsx(const struct figure *f, struct buf *out)
{
	if (!f || !out)
		return ERR_INVAL;
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	char path[4096];
	if (snprintf(path, sizeof path, "%s/hartline-figure-XXXXXX", dir) >= (int)sizeof path)
		return ERR_INVAL;
	int fd = mkstemp(path);
	if (fd < 0)
		return ERR_IO;
	close(fd);

	int ret = ERR_IO;
	char tmpdir[4096];
	snprintf(tmpdir, sizeof tmpdir, "%s", dir);
	lxw_workbook_options opts = {.constant_memory = LXW_FALSE, .tmpdir = tmpdir};
	lxw_workbook *wb = workbook_new_opt(path, &opts);
	if (!wb)
		goto out;
	/* A sheet named after the figure: at most 31 characters, none of []:*?/\ */
	char sheet[32];
	size_t k = 0;
	for (const char *p = f->figure; *p && k < sizeof sheet - 1; p++)
		sheet[k++] = strchr("[]:*?/\\'", *p) ? '-' : *p;
	sheet[k] = '\0';
	lxw_worksheet *ws = workbook_add_worksheet(wb, k ? sheet : "figure");
	lxw_format *bold = workbook_add_format(wb);
	lxw_format *title = workbook_add_format(wb);
	lxw_format *right = workbook_add_format(wb);
	if (!ws || !bold || !title || !right) {
		workbook_close(wb);
		goto out;
	}
	format_set_bold(bold);
	format_set_bold(title);
	format_set_font_size(title, 14);
	format_set_align(right, LXW_ALIGN_RIGHT);

	lxw_error e = LXW_NO_ERROR;
	lxw_row_t row = 0;
	e |= xlsx_text(ws, row++, 0, f->title, title);
	if (f->subtitle[0])
		e |= xlsx_text(ws, row++, 0, f->subtitle, NULL);
	row++;
	e |= xlsx_text(ws, row, 0, row_header(f), bold);
	for (int j = 0; j < f->ncols; j++)
		e |= xlsx_text(ws, row, (lxw_col_t)(j + 1), f->col_label[j] ? f->col_label[j] : f->col_key[j], bold);
	if (rows_total(f))
		e |= xlsx_text(ws, row, (lxw_col_t)(f->ncols + 1), "total", bold);
	row++;
	for (int i = 0; i < f->nrows; i++, row++) {
		e |= xlsx_text(ws, row, 0, f->row_label[i] ? f->row_label[i] : f->row_key[i], NULL);
		for (int j = 0; j < f->ncols; j++)
			e |= xlsx_cell(ws, row, (lxw_col_t)(j + 1), f, cell_at(f, i, j), right);
		if (rows_total(f))
			e |= xlsx_cell(ws, row, (lxw_col_t)(f->ncols + 1), f, &f->row_total[i], right);
	}
	if (f->shape != FIG_LIST && f->col_total) {
		e |= xlsx_text(ws, row, 0, "total", bold);
		for (int j = 0; j < f->ncols; j++)
			e |= xlsx_cell(ws, row, (lxw_col_t)(j + 1), f, col_total_of(f, j), right);
		if (rows_total(f) && f->has_total)
			e |= xlsx_cell(ws, row, (lxw_col_t)(f->ncols + 1), f, &f->total, right);
		row++;
	}
	if (f->suppressed) {
		char note[160];
		snprintf(note, sizeof note,
			 "<%lld: fewer than %lld; *: hidden so that a small count cannot be worked out.",
			 (long long)f->threshold, (long long)f->threshold);
		e |= xlsx_text(ws, row + 1, 0, note, NULL);
	}
	e |= worksheet_set_column(ws, 0, 0, 28, NULL);
	e |= worksheet_set_column(ws, 1, (lxw_col_t)(f->ncols + 1), 14, NULL);
	lxw_error ce = workbook_close(wb);
	if (e != LXW_NO_ERROR || ce != LXW_NO_ERROR)
		goto out;
	ret = read_file_into(path, out);
out:
	unlink(path);
	return ret;
}

/* ---- SVG ---- */

int figure_svg(const struct figure *f, struct buf *out)
{
	if (!f || !out)
		return ERR_INVAL;
	if (f->nrows > 200)
		return ERR_TOOBIG; /* more bars than a chart can show: a coarser bin */
	if (f->nrows == 0) {
		/* Nothing in range: an empty chart that says so. */
		static const char *const none[] = {"none in range"};
		struct chart_cell zero = {0, SUPP_SHOWN};
		struct chart c = {.kind = CHART_BARS, .title = f->title, .subtitle = f->subtitle[0] ? f->subtitle : NULL,
				  .ncat = 1, .cat = none, .nseries = 1, .cell = &zero};
		return chart_svg(&c, out);
	}
	int first = -1, nc = 0;
	for (int j = 0; j < f->ncols; j++)
		if (f->col_count[j]) {
			if (first < 0)
				first = j;
			nc++;
		}
	if (first < 0)
		return ERR_INVAL;

	enum chart_kind kind = f->chart;
	/* Stacked layers are the count columns, at most 12; with more, a
	 * two-way figure draws its row totals (the first column alone would
	 * read as the whole). Shares need a base that may be published.
	 * Otherwise the first count as bars. */
	bool row_totals = kind == CHART_STACKED && nc > 12 && rows_total(f);
	if (kind == CHART_STACKED && (nc < 2 || nc > 12))
		kind = CHART_BARS;
	if (kind == CHART_SHARES &&
	    (f->share_base <= 0 || (f->suppressed && f->share_base < f->threshold)))
		kind = CHART_BARS;
	int nseries = kind == CHART_STACKED ? nc : 1;

	int ret = ERR_NOMEM;
	const char **cat = calloc((size_t)f->nrows, sizeof *cat);
	const char **series = calloc((size_t)nseries, sizeof *series);
	struct chart_cell *cell = calloc((size_t)f->nrows * (size_t)nseries, sizeof *cell);
	struct chart_cell *tot = calloc((size_t)f->nrows, sizeof *tot);
	if (!cat || !series || !cell || !tot)
		goto out;
	for (int i = 0; i < f->nrows; i++)
		cat[i] = f->row_label[i] ? f->row_label[i] : f->row_key[i] ? f->row_key[i] : "";
	int s = 0;
	for (int j = 0; j < f->ncols && s < nseries; j++) {
		if (!f->col_count[j] || (nseries == 1 && j != first))
			continue;
		series[s] = f->col_label[j] ? f->col_label[j] : f->col_key[j] ? f->col_key[j] : "";
		for (int i = 0; i < f->nrows; i++) {
			const struct figure_cell *c = cell_at(f, i, j);
			/* A hidden count's value never reaches the picture. */
			cell[(size_t)i * (size_t)nseries + (size_t)s] =
				(struct chart_cell){.value = c->mark == SUPP_SHOWN ? c->value : 0, .mark = c->mark};
		}
		s++;
	}
	if (row_totals) {
		series[0] = "Total";
		for (int i = 0; i < f->nrows; i++)
			cell[i] = (struct chart_cell){.value = f->row_total[i].mark == SUPP_SHOWN ? f->row_total[i].value : 0,
						      .mark = f->row_total[i].mark};
	}
	bool totals = kind == CHART_STACKED && rows_total(f);
	for (int i = 0; totals && i < f->nrows; i++)
		tot[i] = (struct chart_cell){.value = f->row_total[i].mark == SUPP_SHOWN ? f->row_total[i].value : 0,
					     .mark = f->row_total[i].mark};
	char note[160];
	int64_t th = f->threshold > 1 ? f->threshold : 5;
	snprintf(note, sizeof note, "<%lld: fewer than %lld;  *: hidden so a small count cannot be worked out",
		 (long long)th, (long long)th);
	const char *x_label = NULL;
	if (f->by[0])
		x_label = f->by;
	struct chart c = {
		.kind = kind,
		.title = f->title,
		.subtitle = f->subtitle[0] ? f->subtitle : NULL,
		.x_label = kind == CHART_SHARES ? NULL : x_label,
		.y_label = f->unit[0]	  ? f->unit
			   : row_totals	  ? (f->measure[0] ? f->measure : "Total")
			   : nseries == 1 ? series[0]
					  : (f->measure[0] ? f->measure : NULL),
		.ncat = f->nrows,
		.cat = cat,
		.nseries = nseries,
		.series = kind == CHART_STACKED ? series : NULL,
		.cell = cell,
		.cat_total = totals ? tot : NULL,
		.share_base = kind == CHART_SHARES ? f->share_base : 0,
		.hidden_note = note,
		.threshold = th,
	};
	ret = chart_svg(&c, out);
out:
	free(cat);
	free(series);
	free(cell);
	free(tot);
	return ret;
}
