/* figures: the task force's figures (docs/figures.md).
 *
 * Referral figures are answered from an in-memory columnar store of every
 * row of table `referral` (day number, small codes into the pack's lists,
 * age, a vulnerability bitmask, a dense child index), loaded on first use
 * and brought up to date on each request by reading only the rows whose
 * seq is above the last one seen. One pass over the arrays answers any
 * referral figure. Duties, missing episodes, rapid responses and the
 * federal count are read with SQL.
 *
 * Every figure needs PERM_STATS_READ; an analyst's is always suppressed, a
 * liaison's is of its region; every read is audited (stats.read). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/json.h"
#include "db/db.h"
#include "service/ctx.h"
#include "service/figure.h"

/* --- Writing referral rows (inside the caller's transaction) -------------- */

/* A new seq value for this write: set it on every referral row the
 * transaction inserts or updates. The counter row stays locked until the
 * transaction ends, so seq follows commit order. */
int figures_seq_next(struct db *db, int64_t *ret);

/* A report's disposition was decided: accepted_hart writes one referral
 * per child (once; a later decision updates the rows' disposition). */
int figures_intake_decided(struct db *db, const struct app *app, int64_t intake_id, const char *disposition);
/* Child `child` of report intake_id was linked to person_id. */
int figures_child_linked(struct db *db, int64_t intake_id, int child, int64_t person_id);
/* The case's trafficking type was set, or a report joined the case: its
 * reports' referrals take the case's type. */
int figures_case_type(struct db *db, int64_t case_id);

/* A child key for a registry person: "p:<id>" (size >= 24). */
void figures_person_key(int64_t person_id, char *out, size_t size);

/* --- Reading ---------------------------------------------------------------- */

struct figure_query {
	const char *figure;  /* "referrals", "repeat", "duties", "missing", "rapid-response", "federal" */
	const char *by;      /* NULL: the figure's default */
	const char *then;    /* referrals: a second dimension, or NULL */
	const char *measure; /* referrals: "referrals" (default) or "children" */
	const char *from, *to; /* YYYY-MM-DD, inclusive; NULL: everything */
	const char *region;  /* a pack region, or NULL */
	const char *kind;    /* duties: a duty kind, or NULL for the federal reports */
	const char *fy;      /* federal: the fiscal year ("2026"); NULL: the current one */
	bool suppressed;     /* asked for the suppressed version */
};

/* Answer the figure into ret (figure_free() it). Bad parameters go to errs
 * (path: the parameter's name) with ERR_INVAL; ERR_NOTFOUND for an unknown
 * figure. */
int svc_stats_figure(const struct svc_ctx *ctx, const struct figure_query *q, struct field_errors *errs,
		     struct figure *ret);

/* Load the store now (server start-up), so the first figure does not pay
 * for reading every referral. */
int figures_store_warm(struct app *app);

/* Drop the store (tests, and a server going down). */
void figures_store_reset(void);
