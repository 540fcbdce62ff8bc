/* figures: the task force's figures (docs/figures.md).
 *
 * Referral figures come from a columnar store in memory: one entry per row
 * of `referral`, each column an array (day number, 16-bit codes into the
 * pack's lists or the store's own dictionary, age, a vulnerability bitmask,
 * a dense child index). The store is filled on first use and caught up on
 * every request from the rows whose seq is above the last it saw, so a
 * figure over a million referrals is one pass over the arrays. Distinct
 * children are counted child by child, through an index of each child's
 * referrals rebuilt when the store changes.
 *
 * Duties, missing episodes, rapid responses and the federal count are read
 * with SQL and binned in the pack's time zone (the process's).
 *
 * This file checks a query and answers it; the store, the axes, the
 * figures themselves and the writing of referral rows are the parts in
 * service/figures/ (figures_int.h says what they share). */
#include "service/figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "match/cmp.h"
#include "model/duty.h"
#include "service/audit.h"
#include "service/figures/figures_int.h"

static const char *const referral_dims[] = {"year", "quarter", "month", "source", "region", "office", "age",
					    "sex", "gender", "vulnerability", "type", "disposition", NULL};
static const char *const calendar_or_region[] = {"year", "quarter", "month", "region", NULL};
static const char *const services_by[] = {"service", "provider", "region", NULL};
static const char *const services_measures[] = {"referrals", "answers", "first_service", NULL};
static const char *const relief_by[] = {"year", "region", NULL};
static const char *const training_measures[] = {"people", "sessions", "reach", "informed", NULL};
static const char *const people_by[] = {"course", "audience", "region", "year", NULL};
static const char *const sessions_by[] = {"course", "region", "year", NULL};
static const char *const reach_by[] = {"trainer", "sessions_led", NULL};
static const char *const informed_by[] = {"region", "quarter", "year", NULL};

static bool one_of(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static void list_words(const char *const *list, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; list[i]; i++) {
		int k = snprintf(out + n, size - n, "%s%s", i ? (list[i + 1] ? ", " : " or ") : "", list[i]);
		if (k < 0 || (size_t)k >= size - n)
			break;
		n += (size_t)k;
	}
}

/* The restore-and-recovery figures' by and measure (figures/recovery.c). */
static void check_recovery(const struct figure_query *in, const char *by, struct field_errors *errs, struct fq *q)
{
	bool relief = strcmp(in->figure, FIG_RELIEF) == 0;
	const char *const *bys = relief ? relief_by : services_by;
	char words[128];
	q->by = by ? by : bys[0];
	if (!one_of(bys, q->by)) {
		list_words(bys, words, sizeof words);
		field_error_add(errs, "by", "one of %s", words);
	}
	if (relief)
		return;
	q->measure = in->measure && *in->measure ? in->measure : "referrals";
	if (!one_of(services_measures, q->measure)) {
		list_words(services_measures, words, sizeof words);
		field_error_add(errs, "measure", "one of %s", words);
	}
}

/* The training figures' measure and by (figures/training.c). Trainers'
 * reach one trainer a row is for the trainer role and HART: an analyst
 * sees it only as a distribution by sessions led, never a name. */
static void check_training(const struct svc_ctx *ctx, const struct figure_query *in, const char *by,
			   struct field_errors *errs, struct fq *q)
{
	char words[128];
	q->measure = in->measure && *in->measure ? in->measure : "people";
	if (!one_of(training_measures, q->measure)) {
		list_words(training_measures, words, sizeof words);
		field_error_add(errs, "measure", "one of %s", words);
		return;
	}
	bool analyst = ctx->actor->role == ROLE_ANALYST;
	const char *const *bys = strcmp(q->measure, "sessions") == 0 ? sessions_by
				 : strcmp(q->measure, "reach") == 0    ? reach_by + analyst
				 : strcmp(q->measure, "informed") == 0 ? informed_by
								       : people_by;
	q->by = by ? by : bys[0];
	if (!one_of(bys, q->by)) {
		list_words(bys, words, sizeof words);
		field_error_add(errs, "by", "one of %s%s", words,
				analyst && strcmp(q->by, "trainer") == 0 ? " (trainers' reach is shown to analysts only by sessions led)"
									 : "");
	}
}

static int check_query(const struct svc_ctx *ctx, const struct figure_query *in, struct field_errors *errs,
		       struct fq *q)
{
	const struct pack *p = ctx->app->pack;
	char words[256];
	memset(q, 0, sizeof *q);
	q->figure = in->figure;
	q->suppressed = in->suppressed;
	bool referrals = strcmp(in->figure, "referrals") == 0, repeat = strcmp(in->figure, "repeat") == 0,
	     federal = strcmp(in->figure, "federal") == 0;
	bool sql = strcmp(in->figure, FIG_DUTIES) == 0 || strcmp(in->figure, FIG_MISSING) == 0 ||
		   strcmp(in->figure, FIG_RAPID) == 0;
	bool recovery = strcmp(in->figure, FIG_SERVICES) == 0 || strcmp(in->figure, FIG_RELIEF) == 0;
	bool training = strcmp(in->figure, FIG_TRAINING) == 0;
	if (!referrals && !repeat && !federal && !sql && !recovery && !training)
		return ERR_NOTFOUND;
	const char *by = in->by && *in->by ? in->by : NULL;
	if (training) {
		check_training(ctx, in, by, errs, q);
	} else if (recovery) {
		check_recovery(in, by, errs, q);
	} else if (referrals) {
		q->by = by ? by : "year";
		if (!one_of(referral_dims, q->by)) {
			list_words(referral_dims, words, sizeof words);
			field_error_add(errs, "by", "one of %s", words);
		}
		if (in->then && *in->then) {
			q->then = in->then;
			if (!one_of(referral_dims, q->then)) {
				list_words(referral_dims, words, sizeof words);
				field_error_add(errs, "then", "one of %s", words);
			} else if (strcmp(q->then, q->by) == 0) {
				field_error_add(errs, "then", "Then by: choose something other than the first grouping");
			}
		}
		q->measure = in->measure && *in->measure ? in->measure : "referrals";
		if (strcmp(q->measure, "referrals") != 0 && strcmp(q->measure, "children") != 0)
			field_error_add(errs, "measure", "referrals or children");
	} else if (sql) {
		q->by = by ? by : "year";
		if (!one_of(calendar_or_region, q->by))
			field_error_add(errs, "by", "year, quarter, month or region");
		if (strcmp(in->figure, FIG_DUTIES) == 0 && in->kind && *in->kind) {
			enum duty_kind k;
			if (duty_kind_from_string(in->kind, &k) < 0) {
				const char *kinds[DUTY_KIND_COUNT + 1] = {NULL};
				for (int i = 0; i < DUTY_KIND_COUNT; i++)
					kinds[i] = duty_kind_to_string((enum duty_kind)i);
				list_words(kinds, words, sizeof words);
				field_error_add(errs, "kind", "one of %s", words);
			}
			q->kind = in->kind;
		}
	} else if (repeat) {
		q->by = "children";
	} else {
		q->by = "type";
	}
	if (in->from && *in->from) {
		if (!figures_parse_day(in->from, &q->from))
			field_error_add(errs, "from", "From: enter a date");
		else
			q->has_from = true;
	}
	if (in->to && *in->to) {
		if (!figures_parse_day(in->to, &q->to))
			field_error_add(errs, "to", "To: enter a date");
		else
			q->has_to = true;
	}
	if (q->has_from && q->has_to && q->to < q->from)
		field_error_add(errs, "to", "To: not before the From date; choose a later date");
	if (in->region && *in->region) {
		if (!pack_region(p, in->region))
			field_error_add(errs, "region", "Region: not one of the agency's regions; choose one from the list");
		q->region = in->region;
	}
	if (federal) {
		if (in->fy && *in->fy) {
			int64_t fy;
			if (str_to_int64(in->fy, MIN_YEAR + 1, MAX_YEAR, &fy) < 0)
				field_error_add(errs, "fy", "Fiscal year: choose a year from the list");
			else
				q->fy = (int)fy;
		} else {
			struct cmp_date d = cmp_date_local(now() / HL_USEC_PER_SEC);
			q->fy = d.m >= 10 ? d.y + 1 : d.y;
		}
	}
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

int svc_stats_figure(const struct svc_ctx *ctx, const struct figure_query *in, struct field_errors *errs,
		     struct figure *ret)
{
	/* The training figures are the trainer's too (PERM_TRAINING_STATS). */
	bool training = in && in->figure && strcmp(in->figure, FIG_TRAINING) == 0;
	int r = svc_require(ctx, training ? PERM_TRAINING_STATS : PERM_STATS_READ);
	if (r < 0)
		return r;
	if (!in || !in->figure)
		return ERR_NOTFOUND;
	struct figure_query scoped = *in;
	/* A liaison's figures are of its region. */
	if (ctx->actor->role == ROLE_LIAISON)
		scoped.region = ctx->actor->scope;
	if (ctx->actor->role == ROLE_ANALYST)
		scoped.suppressed = true;
	struct fq q;
	if ((r = check_query(ctx, &scoped, errs, &q)) < 0)
		return r;
	struct app *app = ctx->app;
	struct figure f;
	memset(&f, 0, sizeof f);
	if (strcmp(q.figure, "referrals") == 0 || strcmp(q.figure, "repeat") == 0) {
		struct store *s;
		if ((r = figures_store_acquire(app, &s)) < 0)
			return r;
		r = strcmp(q.figure, "referrals") == 0 ? figures_referrals(s, &q, &f) : figures_repeat(s, &q, &f);
		figures_store_release();
		if (r == ERR_TOOBIG) {
			field_error_add(errs, q.then ? "then" : "by", "more than %d cells: choose a shorter range or coarser bins",
					MAX_CELLS);
			r = ERR_INVAL;
		}
	} else {
		struct db *db;
		if ((r = app_db(app, &db)) < 0)
			return r;
		r = training ? figures_training(db, app, &q, &f)
		    : strcmp(q.figure, "federal") == 0 ? figures_federal(db, app->pack, &q, &f)
		    : strcmp(q.figure, FIG_SERVICES) == 0 || strcmp(q.figure, FIG_RELIEF) == 0
			? figures_recovery(db, app->pack, &q, &f)
			: figures_sql(db, app->pack, &q, &f);
	}
	if (r < 0) {
		figure_free(&f);
		return r;
	}
	f.threshold = app->pack->suppression_threshold;
	if (q.suppressed && (r = figure_suppress(&f, app->pack->suppression_threshold)) < 0) {
		figure_free(&f);
		return r;
	}
	char detail[400], fy[16] = "";
	if (q.fy)
		snprintf(fy, sizeof fy, "%d", q.fy);
	snprintf(detail, sizeof detail, "figure=%s by=%s then=%s measure=%s from=%.10s to=%.10s region=%.16s kind=%.40s fy=%s suppressed=%s",
		 q.figure, q.by ? q.by : "", q.then ? q.then : "", q.measure ? q.measure : "",
		 in->from ? in->from : "", in->to ? in->to : "", q.region ? q.region : "", q.kind ? q.kind : "", fy,
		 q.suppressed ? "true" : "false");
	if ((r = svc_audit_record(ctx, "stats.read", "figure", q.figure, detail)) < 0) {
		figure_free(&f);
		return r;
	}
	*ret = f;
	return 0;
}

