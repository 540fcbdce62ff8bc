/* Audited reads read on the reader's own connection, not on the writer.
 *
 * For each read of a child's record: this thread takes the writer's turn
 * (a transaction begun, and a change to what the read shows, not yet
 * committed), a second thread makes the read, and only once the read's
 * record waits for the writer does this thread commit. A read made in its
 * own view answers what was committed before the change; a read that went
 * back to the writer would wait for the turn, and answer the change. The
 * same read made afterwards answers the change, so the change is one the
 * answer shows. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svc_fixture.h"
#include "unit.h"

#include "base/err.h"
#include "base/json.h"
#include "db/db.h"
#include "service/cases.h"
#include "base/crypto.h"
#include "service/auth.h"
#include "service/child.h"
#include "service/intake.h"
#include "service/persons.h"
#include "service/plans.h"
#include "service/referrals.h"
#include "service/training.h"

/* What the uncommitted change writes, and the answer must not show. */
#define CHANGED "2001-02-03T04:05:06Z"

struct probe {
	int (*read)(struct probe *p); /* the read, answering p->got */
	struct fx_user *as;
	int64_t id;
	json_t *got;
	int r;
};

static void *reader(void *arg)
{
	struct probe *p = arg;
	p->r = p->read(p);
	return NULL;
}

static unsigned waiting(void)
{
	struct db_writer_stats st;
	db_pool_writer_stats(fx.app.pool, &st);
	return st.waiting;
}

static bool shows_change(const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	bool shows = strstr(text, CHANGED) != NULL;
	free(text);
	return shows;
}

/* Hold the writer with change made, read on another thread, commit once
 * the read's record is in line; then the same read again. */
static void read_beside_the_writer(struct probe *p, const char *change)
{
	assert_int_equal(db_begin(fx.db), 0);
	if (db_exec(fx.db, change) < 0)
		fail_msg("%s: %s", change, db_errmsg(fx.db));
	unsigned mine = waiting();
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, reader, p), 0);
	/* The reader's record in line behind this transaction: its read is
	 * done, or it waits for the writer's turn itself. Either way it is in
	 * line; what it read tells which. */
	for (int i = 0; i < 10000 && waiting() <= mine; i++)
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	assert_true(waiting() > mine);
	assert_int_equal(db_commit(fx.db), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	if (p->r < 0)
		fail_msg("the read failed: %s", err_str(p->r));
	if (shows_change(p->got))
		fail_msg("the read waited for the writer: it answered a change committed after it began");
	json_decref(p->got);
	p->got = NULL;
	/* Made now, the same read shows the change. */
	assert_int_equal(p->read(p), 0);
	assert_true(shows_change(p->got));
	json_decref(p->got);
	p->got = NULL;
}

static int case_read(struct probe *p)
{
	return svc_case_get(&p->as->ctx, p->id, &p->got);
}

UNIT_TEST_WITH(a_case_read_does_not_wait_for_the_writer, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	struct probe p = {.read = case_read, .as = &hart, .id = fx_case_as_hart(&careline, &hart)};
	read_beside_the_writer(&p, "UPDATE child_case SET opened_at = '" CHANGED "'");
}

static int case_print(struct probe *p)
{
	struct field_errors errs;
	field_errors_init(&errs, 4);
	int r = svc_case_print(&p->as->ctx, p->id, "facts", &errs, &p->got);
	field_errors_done(&errs);
	return r;
}

UNIT_TEST_WITH(a_case_print_does_not_wait_for_the_writer, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	struct probe p = {.read = case_print, .as = &hart, .id = fx_case_as_hart(&careline, &hart)};
	read_beside_the_writer(&p, "UPDATE child_case SET opened_at = '" CHANGED "'");
}

static int my_cases(struct probe *p)
{
	struct page_query q = {0};
	struct field_errors errs;
	field_errors_init(&errs, 4);
	int r = svc_my_cases(&p->as->ctx, "open", &q, &errs, &p->got);
	field_errors_done(&errs);
	return r;
}

UNIT_TEST_WITH(my_cases_do_not_wait_for_the_writer, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	struct probe p = {.read = my_cases, .as = &hart};
	fx_case_as_hart(&careline, &hart);
	char sql[200];
	snprintf(sql, sizeof sql, "user_id = %lld AND ended_at IS NULL", (long long)hart.actor.user_id);
	if (fx_count("case_assignment", sql) == 0) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO case_assignment (case_id, user_id, role, started_at) SELECT id, %lld, 'lead',"
			 " opened_at FROM child_case",
			 (long long)hart.actor.user_id);
		fx_exec(sql);
	}
	read_beside_the_writer(&p, "UPDATE case_assignment SET started_at = '" CHANGED "'");
}

static int person_page(struct probe *p)
{
	return svc_person_page(&p->as->ctx, p->id, &p->got);
}

UNIT_TEST_WITH(a_person_page_does_not_wait_for_the_writer, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	fx_case_as_hart(&careline, &hart);
	char person[32];
	fx_text("SELECT person_id FROM child_case", person, sizeof person);
	struct probe p = {.read = person_page, .as = &hart, .id = strtoll(person, NULL, 10)};
	read_beside_the_writer(&p, "UPDATE child_case SET opened_at = '" CHANGED "'");
}

static int intake_read(struct probe *p)
{
	return svc_intake_get(&p->as->ctx, p->id, &p->got);
}

UNIT_TEST_WITH(a_report_read_does_not_wait_for_the_writer, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	struct probe p = {.read = intake_read, .as = &hart, .id = fx_report_for_hart(&careline, &hart, true)};
	read_beside_the_writer(&p, "UPDATE intake SET received_at = '" CHANGED "'");
}

/* ---- a case's plans and referrals ---- */

static int64_t safety_plan(struct fx_user *hart, int64_t case_id)
{
	json_t *body = fx_json("{\"version\": 0, \"review_at\": \"2027-01-04\", \"goals\": [{\"goal\": \"Weekly"
			       " mentoring\", \"services\": [\"mentoring\"], \"responsible\": \"Mentor agency\"}]}"),
	       *got = NULL;
	struct field_errors errs;
	struct case_conflict cf = {0};
	field_errors_init(&errs, 10);
	int r = svc_plan_put(&hart->ctx, case_id, "safety", body, &errs, &cf, &got);
	fx_assert_no_errors(r, &errs);
	json_decref(got);
	json_decref(body);
	json_decref(cf.allowed);
	return case_id;
}

static int plans_read(struct probe *p)
{
	return svc_plans_get(&p->as->ctx, p->id, &p->got);
}

static int plan_read(struct probe *p)
{
	return svc_plan_get(&p->as->ctx, p->id, "safety", false, &p->got);
}

static int plan_version(struct probe *p)
{
	return svc_plan_version(&p->as->ctx, p->id, "safety", 1, false, &p->got);
}

UNIT_TEST_WITH(plan_reads_do_not_wait_for_the_writer, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = safety_plan(&hart, fx_case_as_hart(&careline, &hart));
	int (*const reads[])(struct probe *) = {plans_read, plan_read, plan_version};
	for (size_t i = 0; i < 3; i++) {
		struct probe p = {.read = reads[i], .as = &hart, .id = id};
		/* Each round changes it anew. */
		fx_exec("UPDATE case_plan SET written_at = '2026-11-28T18:40:00Z'");
		read_beside_the_writer(&p, "UPDATE case_plan SET written_at = '" CHANGED "'");
	}
}

static int referral_read(struct probe *p)
{
	return svc_referral_get(&p->as->ctx, p->id, &p->got);
}

UNIT_TEST_WITH(a_referral_read_does_not_wait_for_the_writer, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	fx_exec("INSERT INTO provider (id, code, name, active, created_at, updated_at) VALUES"
		" (1, 'harbor', 'Harbor Light', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
	fx_exec("INSERT INTO provider_offer (provider_id, kind, value) VALUES (1, 'service', 'mentoring'),"
		" (1, 'region', 'R1')");
	char region[32];
	fx_case_region(region, sizeof region);
	if (strcmp(region, "R1") != 0)
		fx_exec("UPDATE provider_offer SET value = (SELECT region FROM child_case) WHERE kind = 'region'");
	json_t *body = fx_json("{\"provider_id\": 1, \"service\": \"mentoring\", \"reason\": \"Needs a mentor\"}"),
	       *got = NULL;
	struct field_errors errs;
	struct case_conflict cf = {0};
	field_errors_init(&errs, 10);
	int r = svc_referral_create(&hart.ctx, case_id, body, &errs, &cf, &got);
	fx_assert_no_errors(r, &errs);
	struct probe p = {.read = referral_read, .as = &hart, .id = json_integer_value(json_object_get(got, "id"))};
	json_decref(got);
	json_decref(body);
	json_decref(cf.allowed);
	read_beside_the_writer(&p, "UPDATE service_referral_step SET at = '" CHANGED "'");
}

/* ---- training records ---- */

static int trainee_read(struct probe *p)
{
	return svc_trainee_get(&p->as->ctx, p->id, &p->got);
}

UNIT_TEST_WITH(a_trainee_read_does_not_wait_for_the_writer, fx_setup, fx_teardown)
{
	struct fx_user tr;
	fx_user(&tr, ROLE_TRAINER, NULL);
	json_t *body = fx_json("{\"name\": \"Ana One\", \"email\": \"ana@example.org\", \"audience\": \"dcf_staff\"}"),
	       *got = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int r = svc_trainee_create(&tr.ctx, body, &errs, &got);
	fx_assert_no_errors(r, &errs);
	struct probe p = {.read = trainee_read, .as = &tr, .id = json_integer_value(json_object_get(got, "id"))};
	json_decref(got);
	json_decref(body);
	read_beside_the_writer(&p, "UPDATE trainee SET updated_at = '" CHANGED "'");
}

/* ---- the session's last-seen time ---- */

struct resolver {
	const char *token;
	struct actor actor;
	int r;
	bool done;
};

static void *resolve(void *arg)
{
	struct resolver *x = arg;
	x->r = svc_auth_resolve(&fx.app, x->token, &x->actor);
	__atomic_store_n(&x->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

#define RESOLVERS 6

/* A session used by many requests at once, due for its last-seen time:
 * one request writes it; the others neither write nor wait. */
UNIT_TEST_WITH(a_session_in_use_at_once_is_touched_by_one_request, fx_setup, fx_teardown)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	char token[AUTH_TOKEN_SIZE], hash[CRYPTO_HASH_HEX_SIZE], sql[512];
	memset(token, 'q', sizeof token - 1);
	token[sizeof token - 1] = '\0';
	crypto_hash_hex(token, strlen(token), hash);
	snprintf(sql, sizeof sql,
		 "INSERT INTO user_session (token_hash, user_id, created_at, last_seen_at, expires_at)"
		 " VALUES ('%s', %lld, '2026-11-28T18:30:00Z', '2026-11-28T18:30:00Z', '2026-11-29T18:30:00Z')",
		 hash, (long long)hart.actor.user_id);
	fx_exec(sql);
	struct db_writer_stats before, after;
	db_pool_writer_stats(fx.app.pool, &before);
	/* The writer held: the one touch waits for it, the rest must not. */
	assert_int_equal(db_begin(fx.db), 0);
	struct resolver x[RESOLVERS];
	pthread_t t[RESOLVERS];
	for (int i = 0; i < RESOLVERS; i++) {
		x[i] = (struct resolver){.token = token};
		assert_int_equal(pthread_create(&t[i], NULL, resolve, &x[i]), 0);
	}
	int done = 0;
	for (int k = 0; k < 3000 && done < RESOLVERS - 1; k++) {
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
		done = 0;
		for (int i = 0; i < RESOLVERS; i++)
			done += __atomic_load_n(&x[i].done, __ATOMIC_SEQ_CST);
	}
	/* Let go of the writer before anything is judged, so that no thread
	 * is left waiting for it. */
	assert_int_equal(db_commit(fx.db), 0);
	for (int i = 0; i < RESOLVERS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(x[i].r, 0);
		assert_int_equal(x[i].actor.user_id, hart.actor.user_id);
	}
	if (done != RESOLVERS - 1)
		fail_msg("%d of %d requests answered while the touch waited for the writer", done, RESOLVERS);
	db_pool_writer_stats(fx.app.pool, &after);
	/* This thread's transaction and one touch. */
	assert_int_equal(after.transactions - before.transactions, 2);
	assert_int_equal(fx_count("user_session", "last_seen_at = '2026-11-28T18:40:00Z'"), 1);
}

/* What a case read costs, in statements: its scope and its relief; the
 * view's BEGIN and eleven reads in it (the case with its lead, opener and
 * closure, the child, the timeline and its corrections, the missing
 * episodes, the reviews, the assignments, the reports joined, the
 * mandated reports, the duties, the rapid responses); and four for its
 * record. A part read apart again is one more. */
#ifdef HARTLINE_TEST_HOOKS
UNIT_TEST_WITH(a_case_read_makes_eighteen_statements, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_case_as_hart(&careline, &hart);
	json_t *got = NULL;
	db_fail_at(0);
	assert_int_equal(svc_case_get(&hart.ctx, id, &got), 0);
	struct db_fail_report rep;
	db_fail_report(&rep);
	json_decref(got);
	if (rep.counted > 18)
		fail_msg("a case read made %ld statements", rep.counted);
}
#endif

int main(void)
{
	return unit_run("svc_reads", NULL, NULL);
}
