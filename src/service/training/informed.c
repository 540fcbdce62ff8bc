/* informed.c: a provider's trafficking-informed status from the pack's rule
 * and its staff's training (docs/training.md, "Trafficking-informed
 * providers"). */
#include "service/training_informed.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "match/cmp.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/deadlines.h"
#include "service/mailer.h"
#include "service/recipients.h"

int training_add_months(const char *date, int months, char out[11])
{
	int y, m, d;
	char tail;
	if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		return ERR_INVAL;
	int64_t idx = (int64_t)y * 12 + (m - 1) + months;
	y = (int)(idx / 12);
	m = (int)(idx % 12) + 1;
	int last = civil_days_in_month(y, m);
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d > last ? last : d);
	return 0;
}

/* Every completion by the staff of a provider (the two ? are its id): a
 * registration completed on a held session, or a certificate not revoked;
 * id, supervisor, course, day. From the provider's staff (an index), never
 * from every registration: CROSS JOIN keeps SQLite's loops in this order;
 * PostgreSQL plans it as the inner join it is. */
#define STAFF_COMPLETIONS                                                                                         \
	"SELECT t.id AS id, t.supervisor AS supervisor, s.course AS course, substr(s.starts_at, 1, 10) AS d"      \
	" FROM trainee t CROSS JOIN registration g CROSS JOIN training_session s"                                 \
	" WHERE g.trainee_id = t.id AND s.id = g.session_id AND t.provider_id = ? AND g.completed = 1"           \
	" AND s.status = 'held'"                                                                                   \
	" UNION ALL SELECT t.id, t.supervisor, c.course, substr(c.completed_on, 1, 10) FROM trainee t"            \
	" JOIN certificate c ON c.trainee_id = t.id WHERE t.provider_id = ? AND c.revoked_at IS NULL"

/* One member of staff's completions of one listed course: the latest date
 * within the window. */
struct done {
	int64_t trainee;
	bool supervisor;
	char course[64], date[11];
};

/* A column's text, "" for NULL. */
static const char *col(struct db_stmt *st, int i)
{
	const char *s = db_column_text(st, i);
	return s ? s : "";
}

static int done_read(struct db_stmt *st, void *element, void *arg)
{
	(void)arg;
	struct done *d = element;
	memset(d, 0, sizeof *d);
	d->trainee = db_column_int64(st, 0);
	d->supervisor = db_column_int64(st, 1) != 0;
	if (str_copy(d->course, sizeof d->course, col(st, 2)) < 0 ||
	    str_copy(d->date, sizeof d->date, col(st, 3)) < 0)
		d->course[0] = '\0'; /* not a course of the pack: it counts for nothing */
	return 0;
}

/* What the rule makes of a provider's staff today. */
struct verdict {
	bool informed;
	int staff, supervisors; /* who completed every course within the window */
	char until[11];		/* informed: the last day it holds */
	char basis[400];
};

static int cmp_desc(const void *a, const void *b)
{
	return -strcmp(a, b);
}

static int cmp_asc(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The n-th latest of k dates (n >= 1, n <= k). */
static const char *nth_latest(char (*dates)[11], size_t k, int n)
{
	qsort(dates, k, sizeof *dates, cmp_desc);
	return dates[n - 1];
}

/* "Day 1", "Day 1 and Day 2", "Day 1, Day 2 and Demand": each course's
 * name up to its colon ("DCF Academy Day 1: child trafficking, ..." is
 * "DCF Academy Day 1"). */
static int courses_words(const struct pack *p, const struct pack_informed_rule *rule, struct buf *b)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < rule->n_courses; i++) {
		const struct pack_course *c = pack_course(p, rule->courses[i]);
		const char *sep = i == 0 ? "" : i + 1 == rule->n_courses ? " and " : ", ";
		const char *name = c ? c->name : rule->courses[i], *colon = strchr(name, ':');
		r = buf_printf(b, "%s%.*s", sep, (int)(colon ? (size_t)(colon - name) : strlen(name)), name);
	}
	return r;
}

/* Every staff member who completed every course: counted, and the day
 * each stops counting (the earliest of their completions plus the
 * window). */
static int judge(const struct pack *p, const struct done *rows, size_t n, struct verdict *v)
{
	const struct pack_informed_rule *rule = &p->training.informed;
	char(*all)[11] = calloc(n + 1, sizeof *all), (*sup)[11] = calloc(n + 1, sizeof *sup);
	int r = all && sup ? 0 : ERR_NOMEM;
	size_t na = 0, ns = 0;
	for (size_t i = 0; r == 0 && i < n;) {
		size_t j = i, have = 0;
		const char *first = NULL;
		for (; j < n && rows[j].trainee == rows[i].trainee; j++)
			for (size_t c = 0; c < rule->n_courses; c++)
				if (strcmp(rows[j].course, rule->courses[c]) == 0) {
					have++;
					if (!first || strcmp(rows[j].date, first) < 0)
						first = rows[j].date;
				}
		if (have == rule->n_courses && first) {
			if ((r = training_add_months(first, rule->within_months, all[na])) == 0 && rows[i].supervisor)
				memcpy(sup[ns++], all[na], 11);
			na++;
		}
		i = j;
	}
	memset(v, 0, sizeof *v);
	v->staff = (int)na;
	v->supervisors = (int)ns;
	v->informed = r == 0 && v->staff >= rule->min_staff && v->supervisors >= rule->min_supervisors && na > 0;
	if (v->informed) {
		const char *u = nth_latest(all, na, rule->min_staff > 0 ? rule->min_staff : 1);
		if (rule->min_supervisors > 0) {
			const char *us = nth_latest(sup, ns, rule->min_supervisors);
			if (strcmp(us, u) < 0)
				u = us;
		}
		memcpy(v->until, u, 11);
	}
	free(all);
	free(sup);
	if (r < 0)
		return r;
	struct buf b;
	buf_init(&b, sizeof v->basis - 1);
	if ((r = buf_printf(&b, "%d staff completed ", v->staff)) == 0 && (r = courses_words(p, rule, &b)) == 0)
		r = buf_printf(&b, " within %d months (%d supervisor%s)", rule->within_months, v->supervisors,
			       v->supervisors == 1 ? "" : "s");
	if (r == 0 && !v->informed)
		r = buf_printf(&b, "; the rule needs %d (%d supervisor%s)", rule->min_staff, rule->min_supervisors,
			       rule->min_supervisors == 1 ? "" : "s");
	if (r == 0)
		r = str_copy(v->basis, sizeof v->basis, buf_str(&b));
	buf_done(&b);
	return r;
}

/* The provider's row as it stands. */
struct standing {
	char code[64], name[200], status[16], basis[400], until[11], notified[11];
};

static int standing_read(struct db *db, int64_t id, struct standing *s)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT code, name, informed_status, informed_basis, informed_until, informed_lapse_notified_for"
			" FROM provider WHERE id = ?",
			"i", id);
	if (r < 0)
		return r;
	memset(s, 0, sizeof *s);
	/* A name too long for the notice is cut there, not refused. */
	(void)str_copy(s->code, sizeof s->code, col(st, 0));
	(void)str_copy(s->name, sizeof s->name, col(st, 1));
	(void)str_copy(s->status, sizeof s->status, col(st, 2));
	(void)str_copy(s->basis, sizeof s->basis, col(st, 3));
	(void)str_copy(s->until, sizeof s->until, col(st, 4));
	(void)str_copy(s->notified, sizeof s->notified, col(st, 5));
	db_finalize(st);
	return 0;
}

/* Tell the provider's users and the trainers that the status lapses after
 * until (its last informed day), once for that date. */
static int notify_lapsing(struct db *db, const struct svc_ctx *ctx, int64_t id, const struct standing *s,
			  const char *until, const char *basis, const char *ts)
{
	int64_t claimed = 0;
	int r = db_execnf(db, &claimed,
			  "UPDATE provider SET informed_lapse_notified_for = ? WHERE id = ?"
			  " AND (informed_lapse_notified_for IS NULL OR informed_lapse_notified_for <> ?) RETURNING id",
			  "tit", until, id, until);
	if (r < 0 || claimed == 0)
		return r;
	char oid[24], text[1100], subject[300], body[2400];
	snprintf(oid, sizeof oid, "%" PRId64, id);
	snprintf(text, sizeof text,
		 "%s is trafficking-informed until %s: staff must complete the training again by then to keep it (%s)",
		 s->name, until, basis);
	snprintf(subject, sizeof subject, "[hartline] Trafficking-informed status ends %s: %s", until, s->name);
	snprintf(body, sizeof body, "%s.\n\nThe provider in hartline: %s/#provider/%s\n", text,
		 ctx->app->public_url ? ctx->app->public_url : "", oid);
	const struct recipients to = {.who = RCPT_PROVIDER_USERS | RCPT_TRAINERS, .provider = s->code};
	if ((r = notify_insert(db, &to, "informed_lapsing", "provider", oid, text, ts)) < 0 ||
	    (r = mailer_queue(db, ctx->app, &to, subject, body, "provider", oid)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "provider.informed_notice", "provider", id, "until=%s", until)) < 0)
		return r;
	return 0;
}

int training_informed_refresh(struct db *db, const struct svc_ctx *ctx, int64_t provider_id, bool *ret_changed)
{
	const struct pack *p = ctx->app->pack;
	const struct pack_informed_rule *rule = &p->training.informed;
	if (ret_changed)
		*ret_changed = false;
	if (!rule->present || rule->n_courses == 0)
		return 0;
	hl_time t = now();
	struct cmp_date td = cmp_date_local(t / HL_USEC_PER_SEC);
	char today[11], since[11], soon[11], ts[32];
	snprintf(today, sizeof today, "%04d-%02d-%02d", td.y, td.m, td.d);
	int r;
	if ((r = training_add_months(today, -rule->within_months, since)) < 0 || (r = time_format(t, ts, sizeof ts)) < 0)
		return r;
	int64_t soon_day = days_from_civil(td.y, td.m, td.d) + INFORMED_NOTICE_DAYS;
	int sy, sm, sd;
	civil_from_days(soon_day, &sy, &sm, &sd);
	snprintf(soon, sizeof soon, "%04d-%02d-%02d", sy, sm, sd);

	/* The latest completion of each course by each member of staff, from
	 * today back to the window's first day. */
	void *v = NULL;
	size_t n = 0;
	r = db_rowsf(db, sizeof(struct done), done_read, NULL, &v, &n,
		     "SELECT x.id, x.supervisor, x.course, MAX(x.d) FROM (" STAFF_COMPLETIONS ") x"
		     " WHERE x.d >= ? AND x.d <= ? GROUP BY x.id, x.supervisor, x.course ORDER BY x.id, x.course",
		     "iitt", provider_id, provider_id, since, today);
	struct verdict vd;
	if (r == 0)
		r = judge(p, v, n, &vd);
	free(v);
	struct standing s;
	if (r < 0 || (r = standing_read(db, provider_id, &s)) < 0)
		return r;
	const char *status = vd.informed ? "informed"
			     : strcmp(s.status, "informed") == 0 || strcmp(s.status, "lapsed") == 0 ? "lapsed"
												       : "not_informed";
	bool changed = strcmp(status, s.status) != 0 || strcmp(vd.basis, s.basis) != 0 || strcmp(vd.until, s.until) != 0;
	if (changed &&
	    ((r = db_execf(db,
			   "UPDATE provider SET informed_status = ?, informed_basis = ?, informed_until = ?,"
			   " version = version + 1, updated_at = ? WHERE id = ?",
			   "tttti", status, vd.basis, vd.until[0] ? vd.until : NULL, ts, provider_id)) < 0 ||
	     (r = svc_audit_appendf(db, ctx, "provider.informed", "provider", provider_id, "status=%s until=%s", status,
				    vd.until[0] ? vd.until : "-")) < 0))
		return r;
	if (vd.informed && strcmp(vd.until, soon) <= 0 &&
	    (r = notify_lapsing(db, ctx, provider_id, &s, vd.until, vd.basis, ts)) < 0)
		return r;
	if (ret_changed)
		*ret_changed = changed;
	return 0;
}

/* ---- the standing on days past ---- */

/* The completions that count on day: for each member of staff and course
 * (rows sorted so), the latest within the window before day. */
static size_t counting_on(const struct pack *p, const struct done *all, size_t n, const char *day, struct done *out)
{
	char since[11];
	if (training_add_months(day, -p->training.informed.within_months, since) < 0)
		return 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(all[i].date, since) < 0 || strcmp(all[i].date, day) > 0)
			continue;
		if (k > 0 && out[k - 1].trainee == all[i].trainee && strcmp(out[k - 1].course, all[i].course) == 0)
			out[k - 1] = all[i]; /* a later one of the same course */
		else
			out[k++] = all[i];
	}
	return k;
}

int training_informed_history(struct db *db, const struct pack *p, int64_t provider_id, const char (*days)[11],
			      size_t n, enum informed_on *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = INFORMED_NOT;
	const struct pack_informed_rule *rule = &p->training.informed;
	if (!rule->present || rule->n_courses == 0 || n == 0)
		return 0;
	void *v = NULL;
	size_t m = 0;
	int r = db_rowsf(db, sizeof(struct done), done_read, NULL, &v, &m,
			 "SELECT x.id, x.supervisor, x.course, x.d FROM (" STAFF_COMPLETIONS ") x"
			 " WHERE x.d <= ? ORDER BY x.id, x.course, x.d",
			 "iit", provider_id, provider_id, days[n - 1]);
	struct done *all = v, *on = NULL;
	char(*dates)[11] = NULL;
	if (r == 0 && (!(on = calloc(m + 1, sizeof *on)) || !(dates = calloc(m + 1, sizeof *dates))))
		r = ERR_NOMEM;
	/* The days something was completed, in order. */
	size_t nd = 0;
	for (size_t i = 0; r == 0 && i < m; i++)
		memcpy(dates[i], all[i].date, 11);
	if (r == 0 && m > 0) {
		qsort(dates, m, sizeof *dates, cmp_asc);
		for (size_t i = 0; i < m; i++)
			if (nd == 0 || strcmp(dates[nd - 1], dates[i]) != 0)
				memmove(dates[nd++], dates[i], 11);
	}
	/* The rule's standing changes only on a day something is completed
	 * (it may start to hold) and the day after its "until" (it stops):
	 * judged on each completion day, the standing on a later day is that
	 * of the last completion day before it, while within its until. */
	size_t j = 0;
	bool ever = false, informed = false;
	char until[11] = "";
	for (size_t d = 0; r == 0 && d < n; d++) {
		for (; r == 0 && j < nd && strcmp(dates[j], days[d]) <= 0; j++) {
			struct verdict vd;
			size_t k = counting_on(p, all, m, dates[j], on);
			if ((r = judge(p, on, k, &vd)) < 0)
				break;
			informed = vd.informed;
			memcpy(until, vd.until, 11);
			ever = ever || informed;
		}
		out[d] = informed && strcmp(days[d], until) <= 0 ? INFORMED_YES : ever ? INFORMED_LAPSED : INFORMED_NOT;
	}
	free(all);
	free(on);
	free(dates);
	return r;
}

static int id_read(struct db_stmt *st, void *element, void *arg)
{
	(void)arg;
	*(int64_t *)element = db_column_int64(st, 0);
	return 0;
}

int training_informed_refresh_all(struct db *db, const struct svc_ctx *ctx, int *ret_changed)
{
	if (ret_changed)
		*ret_changed = 0;
	if (!ctx->app->pack->training.informed.present)
		return 0;
	void *v = NULL;
	size_t n = 0;
	int r = db_rowsf(db, sizeof(int64_t), id_read, NULL, &v, &n,
			 "SELECT DISTINCT provider_id FROM trainee WHERE provider_id IS NOT NULL ORDER BY provider_id", "");
	int changed = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool c;
		if ((r = training_informed_refresh(db, ctx, ((int64_t *)v)[i], &c)) == 0 && c)
			changed++;
	}
	free(v);
	if (r == 0 && ret_changed)
		*ret_changed = changed;
	return r;
}

int svc_training_informed_sweep(struct app *app, int *ret_changed)
{
	struct db *db;
	int r = app_db(app, &db);
	if (r < 0)
		return r;
	struct actor sys;
	actor_cli(&sys);
	(void)str_copy(sys.username, sizeof sys.username, "sweep");
	const struct svc_ctx ctx = {.app = app, .actor = &sys, .client = "sweep"};
	int changed = 0;
	if ((r = db_begin(db)) < 0)
		return r;
	/* One server at a time (docs/operations.md, "More than one server"). */
	if ((r = svc_sweep_lock(db, SWEEP_LOCK_INFORMED)) < 0 ||
	    (r = training_informed_refresh_all(db, &ctx, &changed)) < 0 || (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	mailer_kick(app);
	if (ret_changed)
		*ret_changed = changed;
	return 0;
}
