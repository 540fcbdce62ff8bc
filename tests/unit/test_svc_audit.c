/* Tests for service/audit through the fixture: the chain the services
 * append verifies and breaks where a record is changed, only an
 * administrator reads it, and a record appended on its own (a login, a
 * denial) is whole or absent when a statement fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/keys.h"

/* No field error is kept (none is expected). */
static struct field_errors audit_errs;

static void head_path(char *out, size_t size)
{
	assert_true(snprintf(out, size, "%s", audit_head_file_path(fx.app.audit_head)) < (int)size);
}

/* What audit verify says of the chain, against the head filed beside the
 * key; the caller frees it. */
static struct audit_verify_result *verified(void)
{
	char head[160];
	head_path(head, sizeof head);
	struct audit_verify_result *res = calloc(1, sizeof *res);
	assert_non_null(res);
	assert_int_equal(svc_audit_verify(fx.db, fx.app.keys, head, NULL, res), 0);
	return res;
}

/* The chain verifies from its first record to the filed head. */
static void assert_chain_whole(void)
{
	struct audit_verify_result *res = verified();
	if (res->broken)
		fail_msg("%s", res->reason);
	free(res);
}

UNIT_TEST_WITH(the_chain_verifies_and_a_changed_record_breaks_it_there, fx_setup, fx_teardown)
{
	struct fx_user careline, admin;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&admin, ROLE_ADMIN, NULL);
	int64_t a, b;
	fx_report(&careline, "Avery", true, &a);
	fx_report(&careline, "Blair", false, &b);
	assert_true(fx_count("audit", NULL) >= 3);
	struct audit_verify_result *res = verified();
	if (res->broken)
		fail_msg("%s", res->reason);
	assert_int_equal(res->records, fx_count("audit", NULL));
	free(res);
	fx_exec("UPDATE audit SET detail = 'changed' WHERE seq = 2");
	res = verified();
	assert_true(res->broken);
	assert_int_equal(res->broken_seq, 2);
	free(res);
}

UNIT_TEST_WITH(a_record_removed_from_the_end_is_seen_by_the_filed_head, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	int64_t a;
	fx_report(&careline, "Avery", true, &a);
	fx_exec("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
	struct audit_verify_result *res = verified();
	assert_true(res->broken);
	free(res);
}

UNIT_TEST_WITH(only_an_administrator_reads_the_trail, fx_setup, fx_teardown)
{
	struct fx_user admin;
	fx_user(&admin, ROLE_ADMIN, NULL);
	struct audit_filter f = {.page = {.limit = "10"}, .action = "permission.denied"};
	json_t *page = NULL;
	struct buf csv;
	buf_init(&csv, 256);
	for (size_t i = 0; i < FX_ROLES_BUT_ADMIN; i++) {
		struct fx_user u;
		fx_user(&u, fx_roles_but_admin[i].role, fx_roles_but_admin[i].scope);
		assert_int_equal(svc_audit_page(&u.ctx, &f, false, &audit_errs, &page), ERR_PERM);
		assert_int_equal(svc_audit_export(&u.ctx, &f, &csv), ERR_PERM);
		assert_int_equal(csv.len, 0);
	}
	/* Each refusal is itself recorded, and the administrator reads them. */
	assert_int_equal(svc_audit_page(&admin.ctx, &f, false, &audit_errs, &page), 0);
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 10);
	assert_true(json_is_string(json_object_get(page, "next")));
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		assert_string_equal(json_get_str(it, "action"), "permission.denied");
		assert_string_equal(json_get_str(it, "label"), "Refused: not allowed");
	}
	assert_string_equal(json_get_str(json_array_get(items, 0), "actor"), "analyst8");
	json_decref(page);
	buf_done(&csv);
}

/* Figure reads: one person's reads of one figure within an hour are one
 * line with a count; another figure, another person or a later hour is a
 * line of its own. Every read is still a record of the chain. */
UNIT_TEST_WITH(figure_reads_fold_in_the_view_not_in_the_chain, fx_setup, fx_teardown)
{
	struct fx_user admin, hart, other;
	fx_user(&admin, ROLE_ADMIN, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	fx_user(&other, ROLE_ANALYST, NULL);
	hl_time t0 = now();
	for (int k = 0; k < 30; k++) {
		clock_set(t0 + (hl_time)k * 60 * HL_USEC_PER_SEC);
		assert_int_equal(svc_audit_record(&hart.ctx, "stats.read", "figure", "referrals", NULL), 0);
	}
	assert_int_equal(svc_audit_record(&hart.ctx, "stats.read", "figure", "federal", NULL), 0);
	assert_int_equal(svc_audit_record(&other.ctx, "stats.read", "figure", "referrals", NULL), 0);
	clock_set(t0 + (hl_time)3 * 3600 * HL_USEC_PER_SEC);
	assert_int_equal(svc_audit_record(&hart.ctx, "stats.read", "figure", "referrals", NULL), 0);
	clock_set(t0);

	struct audit_filter f = {.action = "stats.read"};
	json_t *page = NULL;
	assert_int_equal(svc_audit_page(&admin.ctx, &f, false, &audit_errs, &page), 0);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 33);
	json_decref(page);
	assert_int_equal(svc_audit_page(&admin.ctx, &f, true, &audit_errs, &page), 0);
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 4);
	/* Newest first: the later hour, the other person, the other figure, the run. */
	json_int_t counts[4] = {1, 1, 1, 30};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(json_integer_value(json_object_get(json_array_get(items, i), "count")), counts[i]);
	json_t *run = json_array_get(items, 3);
	assert_string_equal(json_get_str(run, "label"), "Read a figure");
	assert_string_equal(json_get_str(run, "object_id"), "referrals");
	assert_true(strcmp(json_get_str(run, "first_at"), json_get_str(run, "at")) < 0);
	assert_true(json_is_null(json_object_get(page, "next")));
	json_decref(page);

	/* Pages of two: the run is not split by the bound of a page. */
	f.page.limit = "2";
	assert_int_equal(svc_audit_page(&admin.ctx, &f, true, &audit_errs, &page), 0);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
	const char *next = json_get_str(page, "next");
	assert_non_null(next);
	f.page.after = next;
	json_t *second = NULL;
	assert_int_equal(svc_audit_page(&admin.ctx, &f, true, &audit_errs, &second), 0);
	assert_int_equal(json_array_size(json_object_get(second, "items")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(second, "items"), 1), "count")), 30);
	assert_true(json_is_null(json_object_get(second, "next")));
	json_decref(page);
	json_decref(second);

	struct audit_verify_result *res = verified();
	assert_false(res->broken);
	free(res);
}

/* The choice of action: every action the view names, with its words; an
 * administrator's only. */
UNIT_TEST_WITH(the_actions_are_named_in_words, fx_setup, fx_teardown)
{
	struct fx_user admin, hart;
	fx_user(&admin, ROLE_ADMIN, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	json_t *out = NULL;
	assert_int_equal(svc_audit_actions(&hart.ctx, &out), ERR_PERM);
	assert_int_equal(svc_audit_actions(&admin.ctx, &out), 0);
	json_t *items = json_object_get(out, "items");
	assert_true(json_array_size(items) > 50);
	assert_true(json_is_null(json_object_get(out, "next")));
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		assert_non_null(json_get_str(it, "action"));
		const char *label = json_get_str(it, "label");
		assert_non_null(label);
		assert_null(strchr(label, '_'));
	}
	json_decref(out);
}

/* The export: a header, a line a record, the action in words, and a value
 * a spreadsheet would run as a formula kept as text. */
UNIT_TEST_WITH(the_export_is_csv_safe_to_open, fx_setup, fx_teardown)
{
	struct fx_user admin, hart;
	fx_user(&admin, ROLE_ADMIN, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	assert_int_equal(svc_audit_record(&hart.ctx, "stats.read", "figure", "=HYPERLINK(\"x\")", "a, b"), 0);
	struct audit_filter f = {.action = "stats.read"};
	struct buf csv;
	buf_init(&csv, 256);
	assert_int_equal(svc_audit_export(&admin.ctx, &f, &csv), 0);
	const char *text = buf_str(&csv);
	assert_true(strncmp(text, "Record,When,Username,Name,What happened,Action,On,Record id,From,Detail\r\n", 71) == 0);
	assert_non_null(strstr(text, ",Read a figure,stats.read,figure,\"'=HYPERLINK(\"\"x\"\")\","));
	assert_non_null(strstr(text, ",\"a, b\"\r\n"));
	buf_done(&csv);
	/* The export is recorded. */
	json_t *page = NULL;
	struct audit_filter g = {.action = "audit.export"};
	assert_int_equal(svc_audit_page(&admin.ctx, &g, false, &audit_errs, &page), 0);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 1);
	json_decref(page);
}

struct record_arg {
	const struct fx_user *as;
};

static int record_use_case(void *arg)
{
	struct record_arg *a = arg;
	return svc_audit_record(&a->as->ctx, "session.login", "user", "1", "from the test");
}

/* Appended runs times over, each run under each of its failures: the
 * records are whole or absent, and the chain stays whole. */
static void records_under(fx_failure_loop each, int runs)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct record_arg a = {.as = &hart};
	for (int i = 0; i < runs; i++)
		assert_true(each(record_use_case, &a) > 0);
	assert_int_equal(fx_count("audit", "action = 'session.login'"), runs);
	assert_chain_whole();
}

UNIT_TEST_WITH(a_record_of_its_own_is_whole_or_absent, fx_setup, fx_teardown)
{
	records_under(fx_each_failure, 2);
}

UNIT_TEST_WITH(a_record_of_its_own_is_whole_or_absent_when_memory_runs_out, fx_setup, fx_teardown)
{
	records_under(fx_each_alloc_failure, 1);
}

/* A formatted record carries its id and detail as written; a detail too
 * long for a record is refused whole, not cut, and appends nothing. */
UNIT_TEST_WITH(a_formatted_record_is_exact_or_refused, fx_setup, fx_teardown)
{
	struct fx_user admin;
	fx_user(&admin, ROLE_ADMIN, NULL);
	int64_t before = fx_count("audit", NULL);
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(svc_audit_appendf(fx.db, &admin.ctx, "test.f", "case", INT64_C(9007199254740993),
					   "kind=%s n=%d", "x", 7),
			 0);
	assert_int_equal(svc_audit_appendf(fx.db, &admin.ctx, "test.none", NULL, AUDIT_NO_OBJECT, NULL), 0);
	assert_int_equal(db_commit(fx.db), 0);
	assert_int_equal(fx_count("audit", NULL), before + 2);
	char got[64];
	fx_text("SELECT object_id FROM audit WHERE action = 'test.f'", got, sizeof got);
	assert_string_equal(got, "9007199254740993");
	fx_text("SELECT detail FROM audit WHERE action = 'test.f'", got, sizeof got);
	assert_string_equal(got, "kind=x n=7");
	assert_int_equal(fx_count("audit", "action = 'test.none' AND object_id IS NULL AND detail IS NULL"), 1);

	/* The longest detail that fits, and one byte more. */
	char *long_text = malloc(AUDIT_DETAIL_MAX);
	assert_non_null(long_text);
	memset(long_text, 'a', AUDIT_DETAIL_MAX - 1);
	long_text[AUDIT_DETAIL_MAX - 1] = '\0';
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(svc_audit_appendf(fx.db, &admin.ctx, "test.fits", "case", 1, "%s", long_text), 0);
	assert_int_equal(svc_audit_appendf(fx.db, &admin.ctx, "test.long", "case", 1, "%s!", long_text), ERR_TOOBIG);
	assert_int_equal(db_commit(fx.db), 0);
	free(long_text);
	assert_int_equal(fx_count("audit", "action = 'test.fits'"), 1);
	assert_int_equal(fx_count("audit", "action = 'test.long'"), 0);
	assert_int_equal(fx_count("audit", NULL), before + 3);
}

UNIT_TEST_WITH(a_copy_of_the_database_verifies_by_its_chain_alone, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	int64_t a;
	fx_report(&careline, "Avery", true, &a);
	/* A restored copy is behind the head file, by the records written
	 * after it was made. Against the head file that is a deletion; the
	 * chain alone is whole, and a change in it is still found. */
	int64_t n = fx_count("audit", NULL);
	const char *mac = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	assert_int_equal(audit_head_append(fx.app.audit_head, n + 3, mac, true), 0);
	struct audit_verify_result *filed = verified();
	assert_true(filed->broken);
	free(filed);
	struct audit_verify_result res;
	assert_int_equal(svc_audit_verify(fx.db, fx.app.keys, NULL, NULL, &res), 0);
	if (res.broken)
		fail_msg("%s", res.reason);
	assert_int_equal(res.records, fx_count("audit", NULL));
	assert_false(res.head_file_exists);
	fx_exec("UPDATE audit SET detail = 'changed' WHERE seq = 2");
	assert_int_equal(svc_audit_verify(fx.db, fx.app.keys, NULL, NULL, &res), 0);
	assert_true(res.broken);
	assert_int_equal(res.broken_seq, 2);
}

UNIT_TEST_WITH(every_sealed_value_opens_and_one_moved_or_changed_is_named, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	int64_t a, b;
	fx_report(&careline, "Avery", true, &a);
	fx_report(&careline, "Blair", false, &b);
	struct keys_sealed_check chk;
	assert_int_equal(keys_verify_sealed(fx.db, fx.app.keys, &chk), 0);
	assert_int_equal(chk.failed, 0);
	assert_true(chk.values >= 4);
	assert_true(chk.columns > 40);
	int64_t values = chk.values;

	/* One report's narrative moved onto the other: sealed for its row, it
	 * does not open on another. */
	char sql[256];
	snprintf(sql, sizeof sql,
		 "UPDATE intake SET narrative = (SELECT narrative FROM intake WHERE id = %lld) WHERE id = %lld",
		 (long long)a, (long long)b);
	fx_exec(sql);
	assert_int_equal(keys_verify_sealed(fx.db, fx.app.keys, &chk), 0);
	assert_int_equal(chk.failed, 1);
	assert_int_equal(chk.values, values - 1);
	assert_string_equal(chk.table, "intake");
	assert_string_equal(chk.column, "narrative");
	assert_int_equal(chk.row, b);
	assert_false(chk.missing_key);
}

/* ---- records written on their own by many requests at once ---- */

#define TOGETHER_THREADS 8
#define TOGETHER_EACH 60

struct together {
	const struct svc_ctx *ctx;
	int thread;
	bool refused; /* its records are ones the database refuses */
	int failed;
};

static void *write_records(void *arg)
{
	struct together *t = arg;
	for (int i = 0; i < TOGETHER_EACH; i++) {
		char oid[32], detail[64];
		snprintf(oid, sizeof oid, "%d", t->thread * 1000 + i);
		/* Not UTF-8: PostgreSQL refuses the text. */
		snprintf(detail, sizeof detail, t->refused ? "thread %d record %d \xff\xfe" : "thread %d record %d",
			 t->thread, i);
		if (svc_audit_record(t->ctx, "test.together", "case", oid, detail) < 0)
			t->failed++;
	}
	return NULL;
}

static uint64_t writer_transactions(void)
{
	struct db_writer_stats st;
	db_pool_writer_stats(fx.app.pool, &st);
	return st.transactions;
}

/* Requests that each record a read at the same time: every record is
 * written once, each answered after its commit, and the chain verifies
 * against the filed head. On PostgreSQL records that waited together went
 * in one job of the writer (fewer transactions than records). */
static void records_at_once(void)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	uint64_t before = writer_transactions();
	pthread_t th[TOGETHER_THREADS];
	struct together t[TOGETHER_THREADS];
	for (int i = 0; i < TOGETHER_THREADS; i++) {
		t[i] = (struct together){.ctx = &hart.ctx, .thread = i};
		assert_int_equal(pthread_create(&th[i], NULL, write_records, &t[i]), 0);
	}
	for (int i = 0; i < TOGETHER_THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].failed, 0);
	}
	uint64_t jobs = writer_transactions() - before;
	assert_int_equal(fx_count("audit", "action = 'test.together'"), TOGETHER_THREADS * TOGETHER_EACH);
	for (int i = 0; i < TOGETHER_THREADS; i++)
		for (int k = 0; k < TOGETHER_EACH; k += 17) {
			char where[96];
			snprintf(where, sizeof where, "detail = 'thread %d record %d' AND object_id = '%d'", i, k, i * 1000 + k);
			assert_int_equal(fx_count("audit", where), 1);
		}
	if (fx.app.engine == DB_POSTGRESQL)
		assert_true(jobs < TOGETHER_THREADS * TOGETHER_EACH);
	assert_chain_whole();
}

UNIT_TEST_WITH(records_written_at_once_each_land_once_and_the_chain_holds, fx_setup, fx_teardown)
{
	records_at_once();
}

UNIT_TEST_WITH(records_written_at_once_share_jobs_on_postgresql, fx_setup_pg, fx_teardown)
{
	if (!fx_pg_available())
		skip();
	records_at_once();
}

/* A record the database refuses, written beside the records of other
 * requests, fails alone: the others are written and answered as written. */
UNIT_TEST_WITH(a_refused_record_does_not_fail_the_others_written_with_it, fx_setup_pg, fx_teardown)
{
	if (!fx_pg_available())
		skip();
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	pthread_t th[TOGETHER_THREADS];
	struct together t[TOGETHER_THREADS];
	for (int i = 0; i < TOGETHER_THREADS; i++) {
		t[i] = (struct together){.ctx = &hart.ctx, .thread = i, .refused = i == 0};
		assert_int_equal(pthread_create(&th[i], NULL, write_records, &t[i]), 0);
	}
	for (int i = 0; i < TOGETHER_THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(t[0].failed, TOGETHER_EACH);
	for (int i = 1; i < TOGETHER_THREADS; i++)
		assert_int_equal(t[i].failed, 0);
	assert_int_equal(fx_count("audit", "action = 'test.together'"), (TOGETHER_THREADS - 1) * TOGETHER_EACH);
	assert_chain_whole();
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
