/* figures/informed: providers trafficking-informed over time
 * (docs/training.md, "Figures"): for each quarter or year, the providers
 * (of a region, or all) that were informed, had lapsed or were not
 * informed on the period's last day (today for the period under way),
 * judged by the pack's rule from their staff's completions, so that the
 * history is there from the first training recorded, not from the day
 * the status began to be kept. */
#include "service/figures/figures_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "match/cmp.h"
#include "service/training_informed.h"

/* Periods at most: forty years by quarter. */
#define MAX_PERIODS 160

static const char *const cols[3][2] = {
	{"informed", "Informed"}, {"lapsed", "Lapsed"}, {"not_informed", "Not informed"},
};

static int32_t today_local(void)
{
	struct cmp_date td = cmp_date_local(now() / HL_USEC_PER_SEC);
	return (int32_t)days_from_civil(td.y, td.m, td.d);
}

/* The first day a provider's staff member completed something, or d1.
 * CROSS JOIN keeps SQLite's loops in this order, from the staff (an
 * index) out, never over every registration; PostgreSQL plans it as the
 * inner join it is. */
static int first_day(struct db *db, int32_t d1, int32_t *ret)
{
	char *s = NULL;
	*ret = d1;
	int r = db_textf(db, &s,
			 "SELECT MIN(x.d) FROM ("
			 " SELECT substr(s.starts_at, 1, 10) AS d FROM trainee t CROSS JOIN registration g"
			 "  CROSS JOIN training_session s WHERE g.trainee_id = t.id AND s.id = g.session_id"
			 "  AND t.provider_id IS NOT NULL AND g.completed = 1 AND s.status = 'held'"
			 " UNION ALL SELECT substr(c.completed_on, 1, 10) FROM trainee t JOIN certificate c ON c.trainee_id = t.id"
			 "  WHERE t.provider_id IS NOT NULL AND c.revoked_at IS NULL) x",
			 "");
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	int32_t d;
	if (s && figures_parse_day(s, &d) && d < d1)
		*ret = d;
	free(s);
	return 0;
}

/* The last day of each period of a, at most d1, as "YYYY-MM-DD". */
static int period_ends(const struct axis *a, int32_t d0, int32_t d1, char (*days)[11])
{
	for (int32_t d = d0; d <= d1; d++) {
		int b = a->day_bin[d - d0];
		if (b < 0 || b >= a->n)
			return ERR_INVAL;
		char s[16];
		figures_format_day(d, s);
		memcpy(days[b], s, 11);
	}
	return 0;
}

static int64_t id_of(struct db_stmt *st)
{
	return db_column_int64(st, 0);
}

/* Count each active provider of the query's region into grid[period][3]. */
static int count_providers(struct db *db, const struct pack *p, const struct fq *q, const char (*days)[11], int n,
			   int64_t *grid)
{
	enum informed_on *on = malloc((size_t)n * sizeof *on);
	if (!on)
		return ERR_NOMEM;
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT p.id FROM provider p WHERE p.active = 1 AND (CAST(? AS TEXT) IS NULL OR EXISTS ("
			    " SELECT 1 FROM provider_offer o WHERE o.provider_id = p.id AND o.kind = 'region'"
			    " AND o.value = ?)) ORDER BY p.id",
			    "tt", q->region, q->region);
	if (r < 0) {
		free(on);
		return r;
	}
	/* The ids first: each provider's history runs statements of its own. */
	int64_t *ids = NULL;
	size_t nid = 0, cap = 0;
	while ((r = db_step(st)) == DB_ROW) {
		if (nid == cap) {
			cap = cap ? cap * 2 : 64;
			int64_t *g = realloc(ids, cap * sizeof *g);
			if (!g) {
				r = ERR_NOMEM;
				break;
			}
			ids = g;
		}
		ids[nid++] = id_of(st);
	}
	db_finalize(st);
	if (r == DB_DONE)
		r = 0;
	for (size_t i = 0; r == 0 && i < nid; i++) {
		if ((r = training_informed_history(db, p, ids[i], days, (size_t)n, on)) < 0)
			break;
		for (int b = 0; b < n; b++)
			grid[b * 3 + (on[b] == INFORMED_YES ? 0 : on[b] == INFORMED_LAPSED ? 1 : 2)]++;
	}
	free(ids);
	free(on);
	return r;
}

int figures_informed_history(struct db *db, const struct pack *p, const struct fq *q, struct figure *f)
{
	bool years = strcmp(q->by, "year") == 0;
	int32_t today = today_local(), d1 = q->has_to && q->to < today ? q->to : today, d0 = d1;
	int r = 0;
	if (q->has_from)
		d0 = q->from;
	else
		r = first_day(db, d1, &d0);
	if (r < 0)
		return r;
	if (d0 > d1)
		d0 = d1; /* a range wholly after today: today's standing */
	struct axis a = {0};
	if ((r = figures_axis_calendar(&a, years ? AX_YEAR : AX_QUARTER, d0, d1)) < 0) {
		figures_axis_done(&a);
		return r == ERR_INVAL ? ERR_TOOBIG : r;
	}
	if (a.n > MAX_PERIODS) {
		figures_axis_done(&a);
		return ERR_TOOBIG;
	}
	char(*days)[11] = calloc((size_t)a.n, sizeof *days);
	int64_t *grid = calloc((size_t)a.n * 3, sizeof *grid);
	if (!days || !grid)
		r = ERR_NOMEM;
	if (r == 0)
		r = period_ends(&a, d0, d1, days);
	if (r == 0)
		r = count_providers(db, p, q, (const char(*)[11])days, a.n, grid);
	f->shape = FIG_LIST;
	if (r == 0)
		r = figure_alloc(f, a.n, 3);
	for (int j = 0; r == 0 && j < 3; j++) {
		r = figure_set_col(f, j, cols[j][0], cols[j][1]);
		f->col_count[j] = true;
	}
	for (int b = 0; r == 0 && b < a.n; b++) {
		char label[80];
		snprintf(label, sizeof label, "%s (on %s)", a.label[b], days[b]);
		if ((r = figure_set_row(f, b, a.key[b], label)) < 0)
			break;
		for (int j = 0; j < 3; j++)
			f->cell[(size_t)b * 3 + (size_t)j].value = grid[b * 3 + j];
	}
	free(days);
	free(grid);
	figures_axis_done(&a);
	if (r < 0)
		return r;
	snprintf(f->figure, sizeof f->figure, "%s", q->figure);
	snprintf(f->title, sizeof f->title, "Providers trafficking-informed, by %s", years ? "year" : "quarter");
	figures_subtitle(f, p, q, true, d0, d1);
	snprintf(f->by, sizeof f->by, "%s", q->by);
	snprintf(f->measure, sizeof f->measure, "%s", q->measure);
	snprintf(f->unit, sizeof f->unit, "providers");
	f->chart = CHART_STACKED;
	figure_totals(f);
	return 0;
}
