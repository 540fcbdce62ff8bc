/* SVG charts. 960 x 540 (a 16:9 slide), system fonts, Okabe-Ito colours
 * (distinguishable with the common colour-vision deficiencies), gridlines
 * at round numbers, every bar labelled with its number. */
#include "model/chart.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"

#define W 960
#define H 540
#define TOP 84
#define BOTTOM 78
#define LEFT 74
#define RIGHT 28
#define LEGEND 250
#define LEGEND_CHARS 30 /* longer series names are cut with an ellipsis */

static const char *const colours[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
				      "#F0E442", "#000000", "#999999", "#7F3C8D", "#11A579", "#3969AC"};

/* The first failure to append (the buffer's cap, memory) of this thread's
 * chart in progress; checked once at the end. */
static _Thread_local int emit_err;

__attribute__((format(printf, 2, 3))) static void emit(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	if (r < 0 && !emit_err)
		emit_err = r;
}

static void emits(struct buf *b, const char *s)
{
	int r = buf_puts(b, s);
	if (r < 0 && !emit_err)
		emit_err = r;
}

static void emitc(struct buf *b, char c)
{
	int r = buf_putc(b, c);
	if (r < 0 && !emit_err)
		emit_err = r;
}

/* The one way text reaches the document: every name, label, number and
 * note goes through here, so that a "<5" or a category called "A & B"
 * never breaks the XML. */
static void put_escaped(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&': emits(b, "&amp;"); break;
		case '<': emits(b, "&lt;"); break;
		case '>': emits(b, "&gt;"); break;
		case '"': emits(b, "&quot;"); break;
		case '\'': emits(b, "&apos;"); break;
		default:
			/* Control characters have no place in XML 1.0. */
			emitc(b, (unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' ? ' ' : *s);
		}
}

/* Formatted text, escaped like any other. */
__attribute__((format(printf, 2, 3))) static void put_textf(struct buf *b, const char *fmt, ...)
{
	char t[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t, sizeof t, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof t) {
		if (!emit_err)
			emit_err = ERR_TOOBIG;
		return;
	}
	put_escaped(b, t);
}

/* How a cell reads: "12", "<5", "*". */
static void cell_text(const struct chart_cell *c, char *out, size_t size, int64_t threshold)
{
	if (c->mark == SUPP_PRIMARY)
		snprintf(out, size, "<%lld", (long long)threshold);
	else if (c->mark == SUPP_COMPLEMENT)
		snprintf(out, size, "*");
	else
		snprintf(out, size, "%lld", (long long)c->value);
}

/* The smallest of 1, 2, 5 x 10^k at least x. */
static int64_t nice_step(int64_t x)
{
	int64_t p = 1;
	while (p * 10 <= x)
		p *= 10;
	if (x <= p)
		return p;
	if (x <= 2 * p)
		return 2 * p;
	if (x <= 5 * p)
		return 5 * p;
	return 10 * p;
}

/* The suppression threshold of the chart's figure (5 unless the pack says). */
#define THRESHOLD (c->threshold >= 2 ? c->threshold : 5)

/* The height a cell takes: its value, a "<5" drawn as the largest it could
 * be, a "*" nothing. */
static int64_t drawn(const struct chart *c, const struct chart_cell *cell)
{
	return cell->mark == SUPP_SHOWN ? cell->value : cell->mark == SUPP_PRIMARY ? THRESHOLD - 1 : 0;
}

static bool head(const struct chart *c, struct buf *b)
{
	emit(b,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\""
		   " role=\"img\" aria-labelledby=\"chart-title chart-desc\""
		   " font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif\">\n",
		   W, H, W, H);
	emits(b, "<title id=\"chart-title\">");
	put_escaped(b, c->title);
	if (c->subtitle) {
		emits(b, " (");
		put_escaped(b, c->subtitle);
		emitc(b, ')');
	}
	emits(b, "</title>\n<desc id=\"chart-desc\">");
	/* Every number, in words a screen reader reads out. */
	bool any_hidden = false;
	for (int i = 0; i < c->ncat; i++) {
		put_escaped(b, c->cat[i]);
		emits(b, ": ");
		for (int s = 0; s < c->nseries; s++) {
			const struct chart_cell *cell = &c->cell[i * c->nseries + s];
			char t[32];
			cell_text(cell, t, sizeof t, THRESHOLD);
			any_hidden |= cell->mark != SUPP_SHOWN;
			if (c->nseries > 1) {
				put_escaped(b, c->series[s]);
				emitc(b, ' ');
			}
			put_escaped(b, t);
			if (c->kind == CHART_SHARES && cell->mark == SUPP_SHOWN)
				put_textf(b, " (%.0f%%)", 100.0 * (double)cell->value / (double)c->share_base);
			emits(b, s + 1 < c->nseries ? ", " : "");
		}
		if (c->kind == CHART_STACKED && c->cat_total) {
			char t[32];
			cell_text(&c->cat_total[i], t, sizeof t, THRESHOLD);
			put_textf(b, ", total %s", t);
		}
		emits(b, i + 1 < c->ncat ? "; " : ".");
	}
	if (c->kind == CHART_SHARES)
		put_textf(b, " Shares of %lld.", (long long)c->share_base);
	if (any_hidden)
		put_textf(b, " <%lld means fewer than %lld; * is hidden so that a small count cannot be worked out.",
			  (long long)THRESHOLD, (long long)THRESHOLD);
	emits(b, "</desc>\n");
	emits(b, "<defs><pattern id=\"hidden-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\""
		    " patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/>"
		    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#6b6b6b\" stroke-width=\"2\"/></pattern></defs>\n");
	emit(b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
	emit(b, "<text x=\"%d\" y=\"36\" font-size=\"24\" font-weight=\"600\" fill=\"#1a1a1a\">", LEFT - 50);
	put_escaped(b, c->title);
	emits(b, "</text>\n");
	if (c->subtitle) {
		emit(b, "<text x=\"%d\" y=\"62\" font-size=\"16\" fill=\"#4a4a4a\">", LEFT - 50);
		put_escaped(b, c->subtitle);
		emits(b, "</text>\n");
	}
	return any_hidden;
}

/* A name cut at a word with an ellipsis when longer than max characters
 * (the description holds it whole). */
static void cut_name(struct buf *b, const char *name, size_t max)
{
	size_t n = strlen(name);
	if (n <= max) {
		put_escaped(b, name);
		return;
	}
	char cut[64];
	if (max >= sizeof cut)
		max = sizeof cut - 1;
	size_t keep = max - 1;
	/* Never inside a UTF-8 sequence: a cut "é" is not text. */
	while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
		keep--;
	memcpy(cut, name, keep);
	cut[keep] = 0;
	char *sp = strrchr(cut, ' ');
	if (sp && (size_t)(sp - cut) > max / 2)
		*sp = 0;
	put_escaped(b, cut);
	emits(b, "\xe2\x80\xa6"); /* … */
}

static void legend_hidden(const struct chart *c, struct buf *b, int x, int y)
{
	emit(b, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"url(#hidden-hatch)\" stroke=\"#6b6b6b\"/>",
		   x, y - 12);
	emit(b, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#4a4a4a\">", x + 20, y);
	if (c->hidden_note)
		put_escaped(b, c->hidden_note);
	else
		put_textf(b, "<%lld: fewer than %lld;  *: hidden so a small count cannot be worked out",
			  (long long)THRESHOLD, (long long)THRESHOLD);
	emits(b, "</text>\n");
}

/* Where the parts of a column chart go. */
struct col_layout {
	bool stacked, slant;
	int right, plot_w, plot_h, base_y;
	int every; /* a category label every so many */
	int64_t step, top; /* the value axis */
};

static void columns_layout(const struct chart *c, struct col_layout *L)
{
	L->stacked = c->kind == CHART_STACKED;
	L->right = W - RIGHT - (L->stacked ? LEGEND : 0);
	L->plot_w = L->right - LEFT;
	/* Labels wider than their slot (about 8 px a character at 14 px)
	 * slant, so that "Region 1 (Southwest)" does not run into the next;
	 * the plot then leaves them room below. */
	L->every = c->ncat <= 16 ? 1 : (c->ncat + 15) / 16;
	size_t longest = 0;
	for (int i = 0; i < c->ncat; i++)
		if (strlen(c->cat[i]) > longest)
			longest = strlen(c->cat[i]);
	L->slant = (double)longest * 8.0 > (double)L->plot_w / c->ncat * L->every * 0.95;
	int below = L->slant ? (int)((longest > 24 ? 24 : longest) * 3.6) : 0;
	L->plot_h = H - TOP - BOTTOM - below;
	L->base_y = H - BOTTOM - below;
	int64_t max = 1;
	for (int i = 0; i < c->ncat; i++) {
		int64_t sum = 0;
		for (int s = 0; s < c->nseries; s++)
			sum += drawn(c, &c->cell[i * c->nseries + s]);
		if (L->stacked && c->cat_total && c->cat_total[i].mark == SUPP_SHOWN && c->cat_total[i].value > sum)
			sum = c->cat_total[i].value;
		if (sum > max)
			max = sum;
	}
	L->step = nice_step((max + 4) / 5 > 0 ? (max + 4) / 5 : 1);
	L->top = L->step * ((max + L->step - 1) / L->step);
	if (L->top == max)
		L->top += L->step;
}

/* Gridlines and the value axis. */
static void columns_axis(const struct chart *c, struct buf *b, const struct col_layout *L)
{
	for (int64_t v = 0; v <= L->top; v += L->step) {
		double y = L->base_y - (double)L->plot_h * (double)v / (double)L->top;
		emit(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", LEFT, L->right, y, y,
		     v ? "#e3e3e3" : "#8a8a8a");
		emit(b, "<text x=\"%d\" y=\"%.1f\" font-size=\"14\" fill=\"#4a4a4a\" text-anchor=\"end\">", LEFT - 8,
		     y + 5);
		put_textf(b, "%lld", (long long)v);
		emits(b, "</text>\n");
	}
	if (c->y_label) {
		emit(b, "<text transform=\"translate(18 %d) rotate(-90)\" font-size=\"14\" fill=\"#4a4a4a\""
			" text-anchor=\"middle\">", TOP + L->plot_h / 2);
		put_escaped(b, c->y_label);
		emits(b, "</text>\n");
	}
}

/* Category i's bar (or stack), the value above it and its label below:
 * x is its left edge, bw its width. */
static void columns_bar(const struct chart *c, struct buf *b, const struct col_layout *L, int i, double x, double bw)
{
	double y = L->base_y;
	int64_t shown_sum = 0;
	bool hidden_here = false;
	for (int s = 0; s < c->nseries; s++) {
		const struct chart_cell *cell = &c->cell[i * c->nseries + s];
		if (cell->mark != SUPP_SHOWN) {
			hidden_here = true;
			continue;
		}
		shown_sum += cell->value;
		double h = (double)L->plot_h * (double)cell->value / (double)L->top;
		if (h <= 0)
			continue;
		y -= h;
		emit(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x, y, bw, h,
		     colours[s % 12]);
	}
	/* Hidden counts: for one series a short hatched bar as tall as the
	 * largest value it could be; stacked, one hatched block for what
	 * the shown total leaves over. */
	int64_t rest = 0;
	if (!L->stacked && hidden_here && c->cell[i].mark == SUPP_PRIMARY)
		rest = THRESHOLD - 1;
	else if (L->stacked && hidden_here && c->cat_total && c->cat_total[i].mark == SUPP_SHOWN)
		rest = c->cat_total[i].value - shown_sum;
	else if (L->stacked && c->cat_total && c->cat_total[i].mark == SUPP_PRIMARY)
		/* A hidden total: a short hatched bar, as for one series. */
		rest = THRESHOLD - 1 - shown_sum;
	if (rest > 0) {
		double h = (double)L->plot_h * (double)rest / (double)L->top;
		y -= h;
		emit(b,
		     "<rect class=\"hidden-count\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
		     " fill=\"url(#hidden-hatch)\" stroke=\"#6b6b6b\"/>",
		     x, y, bw, h);
	}
	char label[32];
	if (!L->stacked)
		cell_text(&c->cell[i], label, sizeof label, THRESHOLD);
	else if (c->cat_total)
		cell_text(&c->cat_total[i], label, sizeof label, THRESHOLD);
	else
		snprintf(label, sizeof label, "%lld", (long long)shown_sum);
	emit(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"600\" fill=\"#1a1a1a\""
		" text-anchor=\"middle\">",
	     x + bw / 2, y - 6, c->ncat > 24 ? 11 : 15);
	put_escaped(b, label);
	emits(b, "</text>");
	if (i % L->every == 0) {
		if (L->slant)
			emit(b,
			     "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" fill=\"#333333\" text-anchor=\"end\""
			     " transform=\"rotate(-30 %.1f %d)\">",
			     x + bw / 2, L->base_y + 16, x + bw / 2, L->base_y + 16);
		else
			emit(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"14\" fill=\"#333333\" text-anchor=\"middle\">",
			     x + bw / 2, L->base_y + 22);
		if (L->slant)
			cut_name(b, c->cat[i], 24);
		else
			put_escaped(b, c->cat[i]);
		emits(b, "</text>");
	}
	emitc(b, '\n');
}

/* Vertical bars, single or stacked. */
static void columns(const struct chart *c, struct buf *b, bool any_hidden)
{
	struct col_layout L;
	columns_layout(c, &L);
	columns_axis(c, b, &L);
	double slot = (double)L.plot_w / c->ncat, bw = slot * 0.68;
	for (int i = 0; i < c->ncat; i++)
		columns_bar(c, b, &L, i, LEFT + slot * i + (slot - bw) / 2, bw);
	if (c->x_label && !L.slant) {
		emit(b, "<text x=\"%d\" y=\"%d\" font-size=\"14\" fill=\"#4a4a4a\" text-anchor=\"middle\">",
		     LEFT + L.plot_w / 2, L.base_y + 48);
		put_escaped(b, c->x_label);
		emits(b, "</text>\n");
	}
	if (L.stacked)
		for (int s = 0; s < c->nseries; s++) {
			int ly = TOP + 10 + 24 * s;
			emit(b, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>", L.right + 24, ly - 12,
			     colours[s % 12]);
			emit(b, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#333333\">", L.right + 44, ly);
			cut_name(b, c->series[s], LEGEND_CHARS);
			emits(b, "</text>\n");
		}
	if (any_hidden)
		legend_hidden(c, b, LEFT, H - 14);
}

/* Horizontal bars with the share of the base. */
static void shares(const struct chart *c, struct buf *b, bool any_hidden)
{
	int label_w = 250, left = LEFT - 50 + label_w, right = W - RIGHT - 110;
	int plot_h = H - TOP - BOTTOM + 20;
	double slot = (double)plot_h / c->ncat, bh = slot * 0.66;
	if (bh > 40)
		bh = 40;
	for (int i = 0; i < c->ncat; i++) {
		const struct chart_cell *cell = &c->cell[i];
		double y = TOP + slot * i + (slot - bh) / 2;
		emit(b, "<text x=\"%d\" y=\"%.1f\" font-size=\"15\" fill=\"#333333\" text-anchor=\"end\">", left - 10,
			   y + bh / 2 + 5);
		cut_name(b, c->cat[i], 30);
		emits(b, "</text>");
		emit(b, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#f0f0f0\"/>", left, y,
			   right - left, bh);
		char label[64];
		double share = (double)drawn(c, cell) / (double)c->share_base;
		if (share > 1)
			share = 1;
		double w = (right - left) * share;
		if (cell->mark == SUPP_SHOWN) {
			emit(b, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", left, y, w,
				   bh, colours[0]);
			snprintf(label, sizeof label, "%.0f%% (%lld)", 100.0 * share, (long long)cell->value);
		} else {
			if (cell->mark == SUPP_PRIMARY)
				emit(b,
					   "<rect class=\"hidden-count\" x=\"%d\" y=\"%.1f\" width=\"%.1f\""
					   " height=\"%.1f\" fill=\"url(#hidden-hatch)\" stroke=\"#6b6b6b\"/>",
					   left, y, w, bh);
			cell_text(cell, label, sizeof label, THRESHOLD);
		}
		emit(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" font-weight=\"600\" fill=\"#1a1a1a\">",
			   left + w + 8, y + bh / 2 + 5);
		put_escaped(b, label);
		emits(b, "</text>\n");
	}
	if (any_hidden)
		legend_hidden(c, b, LEFT - 50, H - 14);
}

int chart_svg(const struct chart *c, struct buf *out)
{
	if (!c || !out || !c->title || c->ncat < 1 || c->ncat > 200 || !c->cat || !c->cell || c->nseries < 1 ||
	    c->nseries > 12 || (c->nseries > 1 && (!c->series || c->kind != CHART_STACKED)) ||
	    (c->kind == CHART_SHARES && c->share_base <= 0) || (c->kind == CHART_STACKED && !c->series))
		return ERR_INVAL;
	for (int i = 0; i < c->ncat * c->nseries; i++)
		if (c->cell[i].value < 0)
			return ERR_INVAL;
	emit_err = 0;
	bool any_hidden = head(c, out);
	if (c->kind == CHART_SHARES)
		shares(c, out, any_hidden);
	else
		columns(c, out, any_hidden);
	emits(out, "</svg>\n");
	return emit_err;
}
