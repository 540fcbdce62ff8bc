/* Tests for service/audit through the fixture: the chain the services
 * append verifies and breaks where a record is changed, only an
 * administrator reads it, and a record appended on its own (a login, a
 * denial) is whole or absent when a statement fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "service/audit.h"

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
	struct audit_filter f = {.limit = 10, .action = "permission.denied"};
	struct audit_record *recs = NULL;
	size_t n = 0;
	for (size_t i = 0; i < FX_ROLES_BUT_ADMIN; i++) {
		struct fx_user u;
		fx_user(&u, fx_roles_but_admin[i].role, fx_roles_but_admin[i].scope);
		assert_int_equal(svc_audit_list(&u.ctx, &f, &recs, &n), ERR_PERM);
	}
	/* Each refusal is itself recorded, and the administrator reads them. */
	assert_int_equal(svc_audit_list(&admin.ctx, &f, &recs, &n), 0);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(recs[i].action, "permission.denied");
	assert_string_equal(recs[0].actor, "analyst8");
	audit_records_free(recs, n);
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

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
