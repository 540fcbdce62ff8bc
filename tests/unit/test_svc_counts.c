/* Tests for the dashboard's kept counts (service/counts.h): random
 * sequences of case, missing-episode and duty changes through the
 * services, with the clock moving and the sweep running now and then,
 * leave the counts equal to a recount of the rows after every step, and
 * the dashboard shows the recount. Once on SQLite, once on PostgreSQL
 * (under pg_virtualenv; skipped without a server). */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "model/casestate.h"
#include "service/cases.h"
#include "service/counts.h"
#include "service/deadlines.h"

#define PEOPLE 10
#define STEPS 160
#define MINUTE (60 * HL_USEC_PER_SEC)

static uint64_t rnd_state;
static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

struct world {
	struct fx_user hart;
	int64_t person[PEOPLE], cas[PEOPLE]; /* cas[i]: person i's case, or 0 */
	int ok[12];                          /* successful changes of each kind */
};

/* The first column of sql, made with id, as a number. */
static int64_t int_of(const char *sql_head, int64_t id, const char *sql_tail)
{
	char sql[200], text[32];
	assert_true(snprintf(sql, sizeof sql, "%s%lld%s", sql_head, (long long)id, sql_tail) < (int)sizeof sql);
	fx_text(sql, text, sizeof text);
	return strtoll(text, NULL, 10);
}

static int64_t version_of(int64_t id)
{
	return int_of("SELECT version FROM child_case WHERE id = ", id, "");
}

static void ago(int64_t minutes, char out[32])
{
	assert_int_equal(time_format(now() - minutes * MINUTE, out, 32), 0);
}

/* A write of the cases service on case id with the body text: its result
 * (a refusal is a result: the sequence goes on). */
typedef int (*case_write)(const struct svc_ctx *, int64_t, const json_t *, struct field_errors *,
                          struct case_conflict *, json_t **);

static int call(struct world *w, case_write fn, int64_t id, const char *text)
{
	json_t *body = fx_json(text), *ret = NULL;
	struct field_errors errs;
	struct case_conflict cf;
	field_errors_init(&errs, 10);
	memset(&cf, 0, sizeof cf);
	int r = fn(&w->hart.ctx, id, body, &errs, &cf, &ret);
	json_decref(cf.allowed);
	json_decref(cf.open_work);
	field_errors_done(&errs);
	json_decref(ret);
	json_decref(body);
	return r;
}

static int update(struct world *w, int64_t id, const char *fields)
{
	char text[400];
	int n = snprintf(text, sizeof text, "{%s, \"version\": %lld}", fields, (long long)version_of(id));
	assert_true(n > 0 && n < (int)sizeof text);
	return call(w, svc_case_update, id, text);
}

static int open_case(struct world *w, int i)
{
	const struct pack *pack = fx.app.pack;
	char text[160];
	const char *region = pack->regions[rnd((unsigned)pack->n_regions)].id;
	assert_true(snprintf(text, sizeof text, "{\"person_id\": %lld, \"region\": \"%s\"}", (long long)w->person[i],
	                     region) < (int)sizeof text);
	json_t *body = fx_json(text);
	struct field_errors errs;
	struct case_conflict cf;
	field_errors_init(&errs, 10);
	memset(&cf, 0, sizeof cf);
	struct case_opened opened;
	int r = svc_case_open(&w->hart.ctx, body, &errs, &cf, &opened);
	field_errors_done(&errs);
	json_decref(cf.open_work);
	json_decref(body);
	if (r == 0)
		w->cas[i] = opened.id;
	return r;
}

/* A status the case may go to from its own, not closed (or closed, when
 * none is left): as the service names it. */
static const char *next_status(int64_t id)
{
	char now_status[16];
	char sql[96];
	assert_true(snprintf(sql, sizeof sql, "SELECT status FROM child_case WHERE id = %lld", (long long)id) <
	            (int)sizeof sql);
	fx_text(sql, now_status, sizeof now_status);
	enum case_status from, to[CASE_STATUS_COUNT];
	if (case_status_parse(now_status, &from) < 0)
		return NULL;
	size_t n = case_status_allowed(from, to);
	return n ? case_status_name(to[rnd((unsigned)n)]) : NULL;
}

/* One random change to case i (opening it first when it has none). */
static void step(struct world *w, int i)
{
	int64_t id = w->cas[i];
	char at[32], text[300];
	int kind = id ? (int)rnd(11) : 0, r = 0;
	const char *to;
	switch (kind) {
	case 0:
		r = id ? 1 : open_case(w, i);
		break;
	case 1: /* a status the case may take, closed among them */
		to = next_status(id);
		if (!to)
			break;
		assert_true(snprintf(text, sizeof text,
		                     strcmp(to, "closed") == 0
		                             ? "\"status\": \"%s\", \"closure_reason\": \"services_completed\","
		                               " \"close_anyway\": \"The family moved; the duties go with the file.\""
		                             : "\"status\": \"%s\"",
		                     to) < (int)sizeof text);
		r = update(w, id, text);
		break;
	case 2: /* reopened (refused unless closed) */
		assert_true(snprintf(text, sizeof text, "{\"version\": %lld, \"reason\": \"The child came back.\"}",
		                     (long long)version_of(id)) < (int)sizeof text);
		r = call(w, svc_case_reopen, id, text);
		break;
	case 3: /* identified: the police report's duty opens */
		r = update(w, id, "\"victim_status\": \"suspected\"");
		break;
	case 4: /* the identification's time corrected: the duty moves */
		ago(rnd(3000), at);
		assert_true(snprintf(text, sizeof text, "\"identified_at\": \"%s\"", at) < (int)sizeof text);
		r = update(w, id, text);
		break;
	case 5: /* the police report made: the duty met */
		ago(rnd(30), at);
		assert_true(snprintf(text, sizeof text,
		                     "{\"kind\": \"law_enforcement\", \"agency\": \"Bridgeport PD\", \"reported_at\": "
		                     "\"%s\"}",
		                     at) < (int)sizeof text);
		r = call(w, svc_case_report, id, text);
		break;
	case 6: /* missing */
		ago(60 + rnd(600), at);
		assert_true(snprintf(text, sizeof text, "{\"last_seen_at\": \"%s\", \"learned_at\": \"%s\"}", at, at) <
		            (int)sizeof text);
		r = call(w, svc_missing_start, id, text);
		break;
	case 7: { /* located */
		int64_t eid = int_of("SELECT COALESCE(MAX(id), 0) FROM missing_episode WHERE case_id = ", id,
		                     " AND located_at IS NULL");
		if (!eid)
			break;
		ago(rnd(30), at);
		assert_true(snprintf(text, sizeof text, "{\"located_at\": \"%s\"}", at) < (int)sizeof text);
		json_t *body = fx_json(text), *ret = NULL;
		struct field_errors errs;
		struct case_conflict cf;
		field_errors_init(&errs, 10);
		memset(&cf, 0, sizeof cf);
		r = svc_missing_locate(&w->hart.ctx, id, eid, body, &errs, &cf, &ret);
		field_errors_done(&errs);
		json_decref(ret);
		json_decref(body);
		break;
	}
	case 8: /* time passes: duties come due */
		clock_advance((int64_t)(1 + rnd(48 * 60)) * MINUTE);
		break;
	case 9: /* the sweep, now */
		r = svc_deadlines_sweep(&fx.app, now(), NULL);
		assert_int_equal(r, 0);
		break;
	default: /* the sweep for a time ahead of the clock (as another server's) */
		r = svc_deadlines_sweep(&fx.app, now() + (int64_t)rnd(72 * 60) * MINUTE, NULL);
		assert_int_equal(r, 0);
		break;
	}
	if (r == 0)
		w->ok[kind]++;
}

/* The kept counts against a recount, and the dashboard against the rows. */
static void assert_counts(int at_step)
{
	bool ok = false;
	char why[200];
	assert_int_equal(counts_check(fx.db, now(), &ok, why, sizeof why), 0);
	if (!ok)
		fail_msg("step %d: %s", at_step, why);
}

static void assert_dashboard(struct world *w)
{
	json_t *got = NULL;
	assert_int_equal(svc_dashboard(&w->hart.ctx, &got), 0);
	char ts[32];
	assert_int_equal(time_format(now(), ts, sizeof ts), 0);
	size_t i;
	json_t *reg;
	json_array_foreach(json_object_get(got, "regions"), i, reg)
	{
		const char *id = json_string_value(json_object_get(reg, "id"));
		char sql[300], text[32];
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM child_case WHERE region = '%s' AND status <> 'closed'",
		         id);
		fx_text(sql, text, sizeof text);
		assert_int_equal(json_integer_value(json_object_get(reg, "open_cases")), strtoll(text, NULL, 10));
		snprintf(sql, sizeof sql,
		         "SELECT COUNT(*) FROM duty WHERE region = '%s' AND met_at IS NULL AND due_at < '%s'", id, ts);
		fx_text(sql, text, sizeof text);
		assert_int_equal(json_integer_value(json_object_get(reg, "overdue")), strtoll(text, NULL, 10));
		snprintf(sql, sizeof sql,
		         "SELECT COUNT(*) FROM missing_episode m JOIN child_case c ON c.id = m.case_id"
		         " WHERE c.region = '%s' AND m.located_at IS NULL",
		         id);
		fx_text(sql, text, sizeof text);
		assert_int_equal(json_integer_value(json_object_get(reg, "missing_now")), strtoll(text, NULL, 10));
	}
	json_decref(got);
}

static void random_changes(uint64_t seed)
{
	struct world w;
	memset(&w, 0, sizeof w);
	rnd_state = seed;
	fx_user(&w.hart, ROLE_HART, NULL);
	for (int i = 0; i < PEOPLE; i++) {
		fx_exec("INSERT INTO person (estimated_age, synthetic, created_at, updated_at)"
		        " VALUES (15, 1, '2026-11-28T18:00:00Z', '2026-11-28T18:00:00Z')");
		w.person[i] = int_of("SELECT MAX(id) + ", 0, " FROM person");
	}
	assert_counts(0);
	for (int s = 1; s <= STEPS; s++) {
		step(&w, (int)rnd(PEOPLE));
		assert_counts(s);
		if (s % 40 == 0)
			assert_dashboard(&w);
	}
	assert_dashboard(&w);
	/* Each kind of change was made, so each was checked. */
	for (int k = 0; k < 11; k++)
		if (w.ok[k] == 0)
			fail_msg("no change of kind %d succeeded", k);
	/* Counts made again from the rows are the same counts. */
	assert_int_equal(counts_rebuild(fx.db, now()), 0);
	assert_counts(STEPS + 1);
	assert_dashboard(&w);
}

UNIT_TEST_WITH(random_changes_keep_the_counts_of_a_recount_on_sqlite, fx_setup, fx_teardown)
{
	random_changes(88172645463325252ULL);
	random_changes(0x9E3779B97F4A7C15ULL);
}

UNIT_TEST_WITH(random_changes_keep_the_counts_of_a_recount_on_postgresql, fx_setup_pg, fx_teardown)
{
	if (!fx_pg_available())
		skip();
	random_changes(88172645463325252ULL);
}

/* What the kept counts are for: a count off by one is found. */
UNIT_TEST_WITH(verification_finds_a_count_that_is_off, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	fx_case_as_hart(&careline, &hart);
	assert_counts(0);
	fx_exec("UPDATE dashboard_count SET n = n + 1 WHERE item = 'case.open'");
	bool ok = true;
	char why[200];
	assert_int_equal(counts_check(fx.db, now(), &ok, why, sizeof why), 0);
	assert_false(ok);
	assert_non_null(strstr(why, "case.open: kept 2, counted 1"));
	assert_int_equal(counts_rebuild(fx.db, now()), 0);
	assert_counts(1);
}

int main(void)
{
	return unit_run("svc_counts", NULL, NULL);
}
