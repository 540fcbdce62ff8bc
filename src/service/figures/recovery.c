/* figures/recovery: the restore-and-recovery figures, read with SQL and
 * binned here (docs/figures.md, docs/recovery.md "Figures"):
 *
 *   services, measure=referrals      referred, accepted, declined, completed,
 *                                    ended early; the accepted and completed
 *                                    shares
 *   services, measure=answers        providers' answers against the deadline:
 *                                    on time, late, open past due, open not
 *                                    yet due; the median hours to answer
 *   services, measure=first_service  children identified, by the days from
 *                                    identification to their first service
 *                                    started; the median days
 *   relief                           relief records by status, by the year of
 *                                    the petition (or of the record)
 *
 * by service, provider or region (relief: year or region). Shares and
 * medians are worked out per row, never summed, and hidden with any count
 * of their row (figure_suppress). */
#include "service/figures/figures_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"

#define NVALS 6
#define DAY_USEC (INT64_C(86400) * HL_USEC_PER_SEC)
#define HOUR_USEC (INT64_C(3600) * HL_USEC_PER_SEC)

/* One row of the figure: a service, provider, region or year. */
struct rbin {
	char key[48];
	char *label;
	int64_t v[NVALS];
	bool always; /* shown even when empty */
};

/* A value a median is taken of, and its row. */
struct rmeasure {
	int bin;
	double x;
};

struct rfig {
	struct rbin *bins;
	size_t n, cap;
	int64_t *ids; /* provider ids, by bin (by=provider) */
	struct rmeasure *m;
	size_t nm, capm;
	bool have;
	int32_t lo, hi; /* the days seen */
};

static void rfig_done(struct rfig *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->bins[i].label);
	free(g->bins);
	free(g->ids);
	free(g->m);
}

static int rfig_add(struct rfig *g, const char *key, const char *label, bool always, int64_t id)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct rbin *b = realloc(g->bins, cap * sizeof *b);
		if (!b)
			return ERR_NOMEM;
		g->bins = b;
		int64_t *ids = realloc(g->ids, cap * sizeof *ids);
		if (!ids)
			return ERR_NOMEM;
		g->ids = ids;
		g->cap = cap;
	}
	struct rbin *b = &g->bins[g->n];
	memset(b, 0, sizeof *b);
	str_copy(b->key, sizeof b->key, key);
	if (!(b->label = strdup(label ? label : key)))
		return ERR_NOMEM;
	b->always = always;
	g->ids[g->n++] = id;
	return 0;
}

static int rfig_measure(struct rfig *g, int bin, double x)
{
	if (g->nm == g->capm) {
		size_t cap = g->capm ? g->capm * 2 : 256;
		struct rmeasure *m = realloc(g->m, cap * sizeof *m);
		if (!m)
			return ERR_NOMEM;
		g->m = m;
		g->capm = cap;
	}
	g->m[g->nm++] = (struct rmeasure){bin, x};
	return 0;
}

static int rbin_find(const struct rfig *g, const char *key)
{
	for (size_t i = 0; key && i < g->n; i++)
		if (strcmp(g->bins[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* The bin of provider id (the bins are in id order). */
static int rbin_provider(const struct rfig *g, int64_t id)
{
	size_t lo = 0, hi = g->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (g->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->n && g->ids[lo] == id ? (int)lo : -1;
}

/* The rows along by: every service or region of the pack (shown when
 * empty), every provider (shown when counted), then "not recorded". */
static int rfig_rows(struct rfig *g, struct db *db, const struct pack *p, const struct fq *q)
{
	int r = 0;
	if (strcmp(q->by, "service") == 0) {
		for (size_t i = 0; r == 0 && i < p->n_services; i++)
			r = rfig_add(g, p->services[i].id, p->services[i].name, true, (int64_t)i);
	} else if (strcmp(q->by, "region") == 0) {
		for (size_t i = 0; r == 0 && i < p->n_regions; i++)
			if (!q->region || strcmp(q->region, p->regions[i].id) == 0)
				r = rfig_add(g, p->regions[i].id, p->regions[i].name, true, (int64_t)i);
	} else if (strcmp(q->by, "provider") == 0) {
		struct db_stmt *st;
		if ((r = db_preparef(db, &st, "SELECT id, code, name FROM provider ORDER BY id", "")) < 0)
			return r;
		while ((r = db_step(st)) == DB_ROW &&
		       (r = rfig_add(g, db_column_text(st, 1), db_column_text(st, 2), false, db_column_int64(st, 0))) == 0)
			;
		db_finalize(st);
		if (r < 0)
			return r;
		r = 0;
	}
	return r < 0 ? r : rfig_add(g, NONE_KEY, NONE_LABEL, false, INT64_MAX);
}

/* The bin of a row: by its service (col s), provider (col pr) or region (col rg). */
static int rfig_bin(const struct rfig *g, const struct fq *q, struct db_stmt *st, int s, int pr, int rg)
{
	int b = -1;
	if (strcmp(q->by, "service") == 0)
		b = rbin_find(g, db_column_text(st, s));
	else if (strcmp(q->by, "provider") == 0)
		b = db_column_is_null(st, pr) ? -1 : rbin_provider(g, db_column_int64(st, pr));
	else
		b = rbin_find(g, db_column_text(st, rg));
	return b >= 0 ? b : (int)g->n - 1;
}

/* Whether the row's time (col) falls in the query's days: *ret_day. */
static bool rfig_day(struct rfig *g, const struct fq *q, const char *ts, int32_t *ret_day)
{
	int32_t day;
	if (!figures_local_day(ts, &day) || (q->has_from && day < q->from) || (q->has_to && day > q->to))
		return false;
	if (!g->have || day < g->lo)
		g->lo = day;
	if (!g->have || day > g->hi)
		g->hi = day;
	g->have = true;
	*ret_day = day;
	return true;
}

static bool in_region(const struct fq *q, const char *region)
{
	return !q->region || (region && strcmp(region, q->region) == 0);
}

static int64_t hours_between(const char *a, const char *b, bool *ok)
{
	hl_time ta, tb;
	*ok = a && b && time_parse(a, &ta) == 0 && time_parse(b, &tb) == 0;
	return *ok ? (tb - ta) : 0;
}

/* ---- services: referrals and answers ---- */

static const char *const accepted_statuses[] = {"accepted", "started", "completed", "ended", NULL};

static bool one_of(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* A referral counted by its status (measure=referrals) or by its answer
 * against its due time (measure=answers), into bin b. */
static int count_referral(struct rfig *g, const struct fq *q, struct db_stmt *st, int b, const char *now_ts)
{
	const char *status = db_column_text(st, 3), *due = db_column_text(st, 5), *answered = db_column_text(st, 6);
	int64_t *v = g->bins[b].v;
	if (strcmp(q->measure, "referrals") == 0) {
		v[0]++;
		v[1] += one_of(accepted_statuses, status);
		v[2] += strcmp(status, "declined") == 0;
		v[3] += strcmp(status, "completed") == 0;
		v[4] += strcmp(status, "ended") == 0;
		return 0;
	}
	if (answered) {
		bool ok;
		int64_t us = hours_between(db_column_text(st, 4), answered, &ok);
		v[strcmp(answered, due) <= 0 ? 0 : 1]++;
		return ok ? rfig_measure(g, b, (double)(us < 0 ? 0 : us) / (double)HOUR_USEC) : 0;
	}
	/* Withdrawn before an answer: nothing was asked of the provider any more. */
	if (strcmp(status, "pending") == 0)
		v[strcmp(due, now_ts) < 0 ? 2 : 3]++;
	return 0;
}

static int read_referrals(struct rfig *g, struct db *db, const struct fq *q)
{
	char now_ts[32];
	int r = time_format(now(), now_ts, sizeof now_ts);
	struct db_stmt *st;
	if (r < 0 || (r = db_preparef(db, &st,
				      "SELECT service, provider_id, region, status, referred_at, answer_due_at, answered_at"
				      " FROM service_referral",
				      "")) < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int32_t day;
		if (!in_region(q, db_column_text(st, 2)) || !rfig_day(g, q, db_column_text(st, 4), &day))
			continue;
		if ((r = count_referral(g, q, st, rfig_bin(g, q, st, 0, 1, 2), now_ts)) < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- services: days from identification to the first service ---- */

static const int64_t first_bucket_max[] = {7, 30, 90, 180}; /* then over 180 */

static int read_first_service(struct rfig *g, struct db *db, const struct fq *q)
{
	struct db_stmt *st;
	/* Each identified case with its first service started, if any. */
	int r = db_preparef(db, &st,
			    "SELECT s.service, s.provider_id, c.region, c.identified_at, s.started_at FROM child_case c"
			    " LEFT JOIN service_referral s ON s.id = (SELECT x.id FROM service_referral x"
			    "  WHERE x.case_id = c.id AND x.started_at IS NOT NULL ORDER BY x.started_at, x.id LIMIT 1)"
			    " WHERE c.identified_at IS NOT NULL",
			    "");
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		int32_t day;
		if (!in_region(q, db_column_text(st, 2)) || !rfig_day(g, q, db_column_text(st, 3), &day))
			continue;
		bool started = !db_column_is_null(st, 4), ok;
		/* A child with no service yet is in "not recorded" unless by region. */
		int b = started || strcmp(q->by, "region") == 0 ? rfig_bin(g, q, st, 0, 1, 2) : (int)g->n - 1;
		int64_t us = hours_between(db_column_text(st, 3), db_column_text(st, 4), &ok);
		if (!started || !ok) {
			g->bins[b].v[5]++;
			continue;
		}
		int64_t days = us < 0 ? 0 : us / DAY_USEC;
		size_t k = 0;
		while (k < sizeof first_bucket_max / sizeof *first_bucket_max && days > first_bucket_max[k])
			k++;
		g->bins[b].v[k]++;
		if ((r = rfig_measure(g, b, (double)days)) < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* ---- relief ---- */

static const char *const relief_statuses[] = {"identified", "petition_filed", "hearing_set", "granted", "denied", NULL};

/* Relief records by status; placed by the petition's date, else the
 * record's; the region is the child's latest case's. */
static int read_relief(struct rfig *g, struct db *db, const struct fq *q)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT r.status, r.petition_filed_on, r.created_at,"
			    " (SELECT c.region FROM child_case c WHERE c.person_id = r.person_id ORDER BY c.id DESC LIMIT 1)"
			    " FROM relief_record r",
			    "");
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		const char *filed = db_column_text(st, 1), *region = db_column_text(st, 3);
		int32_t day;
		if (!in_region(q, region))
			continue;
		if (filed && figures_parse_day(filed, &day)) {
			char ts[32];
			/* A date is its own local day: noon UTC stays on it in any zone of the Americas. */
			snprintf(ts, sizeof ts, "%.10sT12:00:00Z", filed);
			if (!rfig_day(g, q, ts, &day))
				continue;
		} else if (!rfig_day(g, q, db_column_text(st, 2), &day)) {
			continue;
		}
		int b;
		if (strcmp(q->by, "region") == 0) {
			b = rbin_find(g, region);
		} else {
			int y, m, d;
			char key[8];
			civil_from_days(day, &y, &m, &d);
			snprintf(key, sizeof key, "%d", y);
			if ((b = rbin_find(g, key)) < 0) {
				if ((r = rfig_add(g, key, key, true, 0)) < 0)
					break;
				b = (int)g->n - 1;
			}
		}
		if (b < 0)
			b = rbin_find(g, NONE_KEY);
		int k = 0;
		while (relief_statuses[k] && strcmp(relief_statuses[k], db_column_text(st, 0)) != 0)
			k++;
		if (relief_statuses[k] && b >= 0)
			g->bins[b].v[k]++;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct rbin *)a)->key, ((const struct rbin *)b)->key);
}

/* ---- the figure ---- */

struct rcols {
	int ncounts;
	const char *cols[NVALS + 2][2];
	int nderived;
	enum figure_shape shape;
	const char *what;
};

static const struct rcols referral_cols = {
	5,
	{{"referred", "Referred"},
	 {"accepted", "Accepted"},
	 {"declined", "Declined"},
	 {"completed", "Completed"},
	 {"ended_early", "Ended early"},
	 {"accepted_share", "Accepted (% of answered)"},
	 {"completed_share", "Completed (% of ended)"}},
	2, FIG_ONE_WAY, "Service referrals",
};
static const struct rcols answer_cols = {
	4,
	{{"on_time", "Answered on time"},
	 {"late", "Answered late"},
	 {"open_past_due", "Not answered, past due"},
	 {"open", "Not answered, not yet due"},
	 {"median_hours", "Median hours to answer"}},
	1, FIG_TWO_WAY, "Providers' answers to referrals",
};
static const struct rcols first_cols = {
	6,
	{{"days_0_7", "0-7 days"},
	 {"days_8_30", "8-30 days"},
	 {"days_31_90", "31-90 days"},
	 {"days_91_180", "91-180 days"},
	 {"days_over_180", "Over 180 days"},
	 {"none_yet", "No service yet"},
	 {"median_days", "Median days"}},
	1, FIG_TWO_WAY, "Days from identification to first service",
};
static const struct rcols relief_cols = {
	5,
	{{"identified", "Identified"},
	 {"petition_filed", "Petition filed"},
	 {"hearing_set", "Hearing set"},
	 {"granted", "Granted"},
	 {"denied", "Denied"}},
	0, FIG_TWO_WAY, "Record relief",
};

static int cmp_measure(const void *pa, const void *pb)
{
	const struct rmeasure *a = pa, *b = pb;
	if (a->bin != b->bin)
		return a->bin < b->bin ? -1 : 1;
	return (a->x > b->x) - (a->x < b->x);
}

/* The median of bin's measures (sorted by bin, then value), rounded. */
static int64_t median_of(const struct rfig *g, int bin)
{
	size_t a = 0;
	while (a < g->nm && g->m[a].bin != bin)
		a++;
	size_t e = a;
	while (e < g->nm && g->m[e].bin == bin)
		e++;
	if (e == a)
		return 0;
	size_t n = e - a;
	double x = n % 2 ? g->m[a + n / 2].x : (g->m[a + n / 2 - 1].x + g->m[a + n / 2].x) / 2;
	return (int64_t)(x + 0.5);
}

static int64_t share(int64_t part, int64_t whole)
{
	return whole ? (part * 100 + whole / 2) / whole : 0;
}

static void derived(const struct rfig *g, const struct rcols *c, int bin, struct figure_cell *row)
{
	const int64_t *v = g->bins[bin].v;
	if (c == &referral_cols) {
		row[5].value = share(v[1], v[1] + v[2]);
		row[6].value = share(v[3], v[3] + v[4]);
	} else if (c->nderived) {
		row[c->ncounts].value = median_of(g, bin);
	}
}

static int fill(struct figure *f, const struct rfig *g, const struct rcols *c)
{
	int ncols = c->ncounts + c->nderived, nr = 0;
	int *keep = malloc((g->n ? g->n : 1) * sizeof *keep);
	if (!keep)
		return ERR_NOMEM;
	for (size_t i = 0; i < g->n; i++) {
		bool any = g->bins[i].always;
		for (int j = 0; j < c->ncounts && !any; j++)
			any = g->bins[i].v[j] > 0;
		if (any)
			keep[nr++] = (int)i;
	}
	f->shape = c->shape;
	int r = figure_alloc(f, nr, ncols);
	for (int j = 0; r >= 0 && j < ncols; j++) {
		r = figure_set_col(f, j, c->cols[j][0], c->cols[j][1]);
		f->col_count[j] = j < c->ncounts;
	}
	for (int k = 0; r >= 0 && k < nr; k++) {
		const struct rbin *b = &g->bins[keep[k]];
		if ((r = figure_set_row(f, k, b->key, b->label)) < 0)
			break;
		struct figure_cell *row = &f->cell[(size_t)k * (size_t)ncols];
		for (int j = 0; j < c->ncounts; j++)
			row[j].value = b->v[j];
		derived(g, c, keep[k], row);
	}
	free(keep);
	return r < 0 ? r : 0;
}

static const char *by_words(const char *by)
{
	return strcmp(by, "provider") == 0 ? "provider" : strcmp(by, "service") == 0 ? "service" : figures_dim_label(by);
}

int figures_recovery(struct db *db, const struct pack *p, const struct fq *q, struct figure *f)
{
	bool relief = strcmp(q->figure, FIG_RELIEF) == 0;
	const struct rcols *c = relief ? &relief_cols
			      : strcmp(q->measure, "answers") == 0 ? &answer_cols
			      : strcmp(q->measure, "first_service") == 0 ? &first_cols
									 : &referral_cols;
	struct rfig g = {0};
	int r;
	if (relief && strcmp(q->by, "year") == 0)
		r = 0; /* the years come from the data */
	else
		r = rfig_rows(&g, db, p, q);
	if (r == 0)
		r = relief ? read_relief(&g, db, q) : c == &first_cols ? read_first_service(&g, db, q) : read_referrals(&g, db, q);
	if (r == 0 && relief && strcmp(q->by, "year") == 0 && g.n > 1)
		qsort(g.bins, g.n, sizeof *g.bins, by_key);
	if (r == 0 && g.nm)
		qsort(g.m, g.nm, sizeof *g.m, cmp_measure);
	if (r == 0)
		r = fill(f, &g, c);
	if (r == 0) {
		snprintf(f->figure, sizeof f->figure, "%s", q->figure);
		snprintf(f->title, sizeof f->title, "%s by %s", c->what, by_words(q->by));
		figures_subtitle(f, p, q, (q->has_from && q->has_to) || g.have, q->has_from ? q->from : g.lo,
				 q->has_to ? q->to : g.hi);
		snprintf(f->by, sizeof f->by, "%s", q->by);
		if (!relief)
			snprintf(f->measure, sizeof f->measure, "%s", q->measure);
		f->chart = c == &referral_cols ? CHART_BARS : CHART_STACKED;
		figure_totals(f);
	}
	rfig_done(&g);
	return r;
}
