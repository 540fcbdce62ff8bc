/* figures/axes: the dimensions a table is counted along, "wide" (every
 * bin it may have), and the words and subtitle a figure is shown with. */
#include "service/figures/figures_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/clock.h"

void figures_axis_done(struct axis *a)
{
	free(a->day_bin);
	free(a->code_bin);
	for (int i = 0; a->key && i < a->n; i++) {
		free(a->key[i]);
		free(a->label[i]);
	}
	free(a->key);
	free(a->label);
	free(a->always);
	memset(a, 0, sizeof *a);
}

int figures_axis_alloc(struct axis *a, int n)
{
	a->n = n;
	a->key = calloc((size_t)(n ? n : 1), sizeof *a->key);
	a->label = calloc((size_t)(n ? n : 1), sizeof *a->label);
	a->always = calloc((size_t)(n ? n : 1), sizeof *a->always);
	return a->key && a->label && a->always ? 0 : ERR_NOMEM;
}

int figures_axis_set(struct axis *a, int i, const char *key, const char *label, bool always)
{
	a->key[i] = strdup(key);
	a->label[i] = strdup(label);
	a->always[i] = always;
	return a->key[i] && a->label[i] ? 0 : ERR_NOMEM;
}

static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Calendar bins from d0 to d1 inclusive. */
int figures_axis_calendar(struct axis *a, enum axis_kind kind, int32_t d0, int32_t d1)
{
	a->kind = kind;
	a->d0 = d0;
	int y0, m0, dd, y1, m1;
	civil_from_days(d0, &y0, &m0, &dd);
	civil_from_days(d1, &y1, &m1, &dd);
	int per = kind == AX_YEAR ? 1 : kind == AX_QUARTER ? 4 : 12;
	int first = kind == AX_YEAR ? 0 : kind == AX_QUARTER ? (m0 - 1) / 3 : m0 - 1;
	int last = kind == AX_YEAR ? 0 : kind == AX_QUARTER ? (m1 - 1) / 3 : m1 - 1;
	int n = (y1 - y0) * per + last - first + 1;
	if (n < 1 || n > MAX_BINS)
		return ERR_INVAL;
	int r = figures_axis_alloc(a, n);
	if (r < 0)
		return r;
	for (int b = 0; b < n; b++) {
		int k = first + b, y = y0 + k / per, part = k % per;
		char key[48], label[48];
		if (kind == AX_YEAR) {
			snprintf(key, sizeof key, "%04d", y);
			snprintf(label, sizeof label, "%04d", y);
		} else if (kind == AX_QUARTER) {
			snprintf(key, sizeof key, "%04d-Q%d", y, part + 1);
			snprintf(label, sizeof label, "%04d Q%d", y, part + 1);
		} else {
			snprintf(key, sizeof key, "%04d-%02d", y, part + 1);
			snprintf(label, sizeof label, "%s %04d", month_names[part], y);
		}
		if ((r = figures_axis_set(a, b, key, label, true)) < 0)
			return r;
	}
	size_t days = (size_t)(d1 - d0 + 1);
	if (!(a->day_bin = malloc(days * sizeof *a->day_bin)))
		return ERR_NOMEM;
	for (size_t i = 0; i < days; i++) {
		int y, m, d;
		civil_from_days(d0 + (int32_t)i, &y, &m, &d);
		int k = kind == AX_YEAR ? 0 : kind == AX_QUARTER ? (m - 1) / 3 : m - 1;
		a->day_bin[i] = (y - y0) * per + k - first;
	}
	return 0;
}

/* A pack dimension: the pack's values (offices and regions: of the region
 * asked for, when one is), the store's extra values, then not recorded. */
static int axis_dim(struct axis *a, const struct store *s, enum dim d, const char *region)
{
	a->kind = AX_DIM;
	a->dim = d;
	const struct dim_values *v = &s->dims[d];
	a->ncodes = 1 + v->npack + v->nextra;
	if (!(a->code_bin = malloc((size_t)a->ncodes * sizeof *a->code_bin)))
		return ERR_NOMEM;
	int r = figures_axis_alloc(a, a->ncodes);
	if (r < 0)
		return r;
	int n = 0;
	for (int c = 1; c < a->ncodes; c++) {
		bool in_pack = c <= v->npack;
		if (in_pack && region && d == DIM_REGION && strcmp(v->id[c - 1], region) != 0) {
			a->code_bin[c] = -1;
			continue;
		}
		if (in_pack && region && d == DIM_OFFICE) {
			const struct pack_office *o = pack_office(s->pack, v->id[c - 1]);
			if (o && strcmp(o->region, region) != 0) {
				a->code_bin[c] = -1;
				continue;
			}
		}
		a->code_bin[c] = n;
		if ((r = figures_axis_set(a, n++, figures_dim_id(v, c), figures_dim_name(v, c), in_pack)) < 0)
			return r;
	}
	a->code_bin[0] = n;
	if ((r = figures_axis_set(a, n++, NONE_KEY, NONE_LABEL, false)) < 0)
		return r;
	a->n = n;
	return 0;
}

static int axis_age(struct axis *a, const struct pack *p)
{
	a->kind = AX_AGE;
	int n = (int)p->n_age_groups;
	int r = figures_axis_alloc(a, n + 1);
	if (r < 0)
		return r;
	for (int i = 0; i < n; i++)
		if ((r = figures_axis_set(a, i, p->age_groups[i].id, p->age_groups[i].name, true)) < 0)
			return r;
	if ((r = figures_axis_set(a, n, NONE_KEY, NONE_LABEL, false)) < 0)
		return r;
	a->age_bin[0] = n;
	for (int age = 0; age <= 150; age++) {
		const struct pack_age_group *g = pack_age_group_of(p, age);
		a->age_bin[age + 1] = g ? (int)(g - p->age_groups) : n;
	}
	return 0;
}

static int axis_vuln(struct axis *a, const struct pack *p)
{
	a->kind = AX_VULN;
	a->nvuln = (int)(p->n_vulnerabilities < 64 ? p->n_vulnerabilities : 64);
	int r = figures_axis_alloc(a, a->nvuln + 1);
	if (r < 0)
		return r;
	for (int i = 0; i < a->nvuln; i++)
		if ((r = figures_axis_set(a, i, p->vulnerabilities[i].id, p->vulnerabilities[i].name, true)) < 0)
			return r;
	/* A referral without a vulnerability is in no row; the shares' base
	 * counts it. */
	a->n = a->nvuln;
	return 0;
}

/* The bins of referral i along a: up to 65 (vulnerabilities); returns how
 * many. */
int figures_axis_bins(const struct axis *a, const struct store *s, size_t i, int *out)
{
	switch (a->kind) {
	case AX_YEAR:
	case AX_QUARTER:
	case AX_MONTH:
		out[0] = a->day_bin[s->day[i] - a->d0];
		return 1;
	case AX_DIM:
		out[0] = a->code_bin[s->code[a->dim][i]];
		return out[0] < 0 ? 0 : 1;
	case AX_AGE:
		out[0] = a->age_bin[s->age[i] + 1];
		return 1;
	case AX_VULN: {
		uint64_t m = s->vuln[i];
		int k = 0;
		while (m) {
			int b = __builtin_ctzll(m);
			out[k++] = b;
			m &= m - 1;
		}
		return k;
	}
	}
	return 0;
}

const char *figures_dim_label(const char *by)
{
	static const struct {
		const char *by, *label;
	} words[] = {
		{"year", "year"},     {"quarter", "quarter"}, {"month", "month"},
		{"source", "referral source"}, {"region", "region"}, {"office", "area office"},
		{"age", "age group"}, {"sex", "sex"},         {"gender", "gender identity"},
		{"vulnerability", "vulnerability"}, {"type", "trafficking type"}, {"disposition", "disposition"},
	};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strcmp(words[i].by, by) == 0)
			return words[i].label;
	return by;
}

bool figures_is_calendar(const char *by)
{
	return strcmp(by, "year") == 0 || strcmp(by, "quarter") == 0 || strcmp(by, "month") == 0;
}

int figures_axis_build(struct axis *a, const char *by, const struct store *s, const char *region, int32_t d0,
		      int32_t d1)
{
	if (strcmp(by, "year") == 0)
		return figures_axis_calendar(a, AX_YEAR, d0, d1);
	if (strcmp(by, "quarter") == 0)
		return figures_axis_calendar(a, AX_QUARTER, d0, d1);
	if (strcmp(by, "month") == 0)
		return figures_axis_calendar(a, AX_MONTH, d0, d1);
	if (strcmp(by, "age") == 0)
		return axis_age(a, s->pack);
	if (strcmp(by, "vulnerability") == 0)
		return axis_vuln(a, s->pack);
	static const struct {
		const char *by;
		enum dim d;
	} dims[] = {{"source", DIM_SOURCE}, {"region", DIM_REGION}, {"office", DIM_OFFICE}, {"sex", DIM_SEX},
		    {"gender", DIM_GENDER}, {"type", DIM_TYPE},     {"disposition", DIM_DISP}};
	for (size_t i = 0; i < sizeof dims / sizeof *dims; i++)
		if (strcmp(dims[i].by, by) == 0)
			return axis_dim(a, s, dims[i].d, region);
	return ERR_INVAL;
}

void figures_subtitle(struct figure *f, const struct pack *p, const struct fq *q, bool have_range, int32_t d0,
			int32_t d1)
{
	char a[16], b[16];
	const struct pack_region *reg = q->region ? pack_region(p, q->region) : NULL;
	const char *where = reg ? reg->name : "all regions";
	if (have_range && q->suppressed && !(q->has_from && q->has_to)) {
		/* The range comes from the data: in a figure that leaves the
		 * agency, whole years, never the day of a first or last referral. */
		figures_format_day(d0, a);
		figures_format_day(d1, b);
		snprintf(f->subtitle, sizeof f->subtitle, "%.4s to %.4s, %s", a, b, where);
	} else if (have_range) {
		figures_format_day(d0, a);
		figures_format_day(d1, b);
		snprintf(f->subtitle, sizeof f->subtitle, "%s to %s, %s", a, b, where);
	} else {
		snprintf(f->subtitle, sizeof f->subtitle, "All dates, %s", where);
	}
}

/* Copy the kept bins of the wide grid into f. keep_r/keep_c list wide
 * indices. */
int figures_fill(struct figure *f, const struct axis *ra, const int *keep_r, int nr, const struct axis *ca,
		       const int *keep_c, int nc, const int64_t *grid, int wide_cols)
{
	int r = figure_alloc(f, nr, nc);
	if (r < 0)
		return r;
	for (int i = 0; i < nr; i++)
		if ((r = figure_set_row(f, i, ra->key[keep_r[i]], ra->label[keep_r[i]])) < 0)
			return r;
	for (int j = 0; j < nc; j++) {
		if ((r = figure_set_col(f, j, ca->key[keep_c[j]], ca->label[keep_c[j]])) < 0)
			return r;
		for (int i = 0; i < nr; i++)
			f->cell[(size_t)i * (size_t)nc + (size_t)j].value =
				grid[(size_t)keep_r[i] * (size_t)wide_cols + (size_t)keep_c[j]];
	}
	return 0;
}
