/* Tests for service/recipients and the mailer's use of it: each set of
 * recipients reaches exactly its active users, in the app and by e-mail,
 * and never a disabled user or another region's liaison. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/audit.h"
#include "service/mailer.h"
#include "service/recipients.h"
#include "service/sealed.h"

/* The people a set is tested against, each with an e-mail address. */
enum { HART, HART_OFF, LIAISON_A, LIAISON_A_OFF, LIAISON_B, CARELINE, MEMBER, NPEOPLE };
static struct fx_user people[NPEOPLE];

static void meet_everyone(void)
{
	static const struct {
		enum role role;
		const char *scope;
	} who[NPEOPLE] = {
		[HART] = {ROLE_HART, NULL},	       [HART_OFF] = {ROLE_HART, NULL},
		[LIAISON_A] = {ROLE_LIAISON, "r1"},    [LIAISON_A_OFF] = {ROLE_LIAISON, "r1"},
		[LIAISON_B] = {ROLE_LIAISON, "r2"},    [CARELINE] = {ROLE_CARELINE, NULL},
		[MEMBER] = {ROLE_MDT, NULL},
	};
	for (int i = 0; i < NPEOPLE; i++) {
		fx_user(&people[i], who[i].role, who[i].scope);
		char email[64];
		assert_true(snprintf(email, sizeof email, "p%d@example.org", i) < (int)sizeof email);
		assert_int_equal(sealed_put(fx.db, &fx.app, "app_user", "email", people[i].actor.user_id, email), 0);
	}
	char sql[128];
	assert_true(snprintf(sql, sizeof sql, "UPDATE app_user SET disabled = 1 WHERE id IN (%lld, %lld)",
			     (long long)people[HART_OFF].actor.user_id, (long long)people[LIAISON_A_OFF].actor.user_id) <
		    (int)sizeof sql);
	fx_exec(sql);
}

/* Which people (a bit each) hold a notification about object oid. */
static unsigned notified(const char *oid)
{
	unsigned got = 0;
	for (int i = 0; i < NPEOPLE; i++) {
		char where[128];
		assert_true(snprintf(where, sizeof where, "object_id = '%s' AND user_id = %lld", oid,
				     (long long)people[i].actor.user_id) < (int)sizeof where);
		int64_t n = fx_count("notification", where);
		assert_true(n <= 1);
		if (n)
			got |= 1u << i;
	}
	return got;
}

/* Which people (a bit each, by address) a message about oid is queued to. */
static unsigned mailed(const char *oid)
{
	struct db_stmt *st;
	assert_int_equal(db_prepare(fx.db, "SELECT id, to_addr FROM outbox WHERE object_id = ?", &st), 0);
	assert_int_equal(db_bind_text(st, 1, oid), 0);
	unsigned got = 0;
	int r;
	while ((r = db_step(st)) == DB_ROW) {
		char *to = NULL;
		assert_int_equal(sealed_get(&fx.app, st, 1, "outbox", "to_addr", db_column_int64(st, 0), &to), 0);
		int i = -1;
		assert_non_null(to);
		assert_int_equal(sscanf(to, "p%d@", &i), 1);
		assert_true(i >= 0 && i < NPEOPLE);
		assert_false(got & (1u << i));
		got |= 1u << i;
		free(to);
	}
	assert_int_equal(r, DB_DONE);
	db_finalize(st);
	return got;
}

/* Send to `to` in the app and by e-mail about oid; answer who was reached,
 * failing the test when the two ways reach different people. */
static unsigned reached(const struct recipients *to, const char *oid)
{
	static char smtp[] = "smtp://127.0.0.1:9";
	fx.app.smtp_url = smtp;
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(notify_insert(fx.db, to, "test", "test", oid, "A notice", "2026-11-28T18:40:00Z"), 0);
	assert_int_equal(mailer_queue(fx.db, &fx.app, to, "Subject", "Body", "test", oid), 0);
	assert_int_equal(db_commit(fx.db), 0);
	fx.app.smtp_url = NULL;
	unsigned app = notified(oid), mail = mailed(oid);
	assert_int_equal(app, mail);
	return app;
}

#define BIT(p) (1u << (p))

UNIT_TEST_WITH(hart_reaches_the_active_coordinators_only, fx_setup, fx_teardown)
{
	meet_everyone();
	assert_int_equal(reached(&(struct recipients){.who = RCPT_HART}, "1"), BIT(HART));
}

UNIT_TEST_WITH(a_regions_liaisons_are_those_active_in_it_only, fx_setup, fx_teardown)
{
	meet_everyone();
	assert_int_equal(reached(&(struct recipients){.who = RCPT_REGION_LIAISONS, .region = "r1"}, "1"),
			 BIT(LIAISON_A));
	assert_int_equal(reached(&(struct recipients){.who = RCPT_REGION_LIAISONS, .region = "r2"}, "2"),
			 BIT(LIAISON_B));
	/* No region: no liaison, not the liaisons without one. */
	assert_int_equal(reached(&(struct recipients){.who = RCPT_REGION_LIAISONS}, "3"), 0);
	assert_int_equal(reached(&(struct recipients){.who = RCPT_REGION_LIAISONS, .region = "r9"}, "4"), 0);
}

UNIT_TEST_WITH(one_user_is_that_user_while_active, fx_setup, fx_teardown)
{
	meet_everyone();
	assert_int_equal(
		reached(&(struct recipients){.who = RCPT_USER, .user_id = people[MEMBER].actor.user_id}, "1"),
		BIT(MEMBER));
	assert_int_equal(
		reached(&(struct recipients){.who = RCPT_USER, .user_id = people[HART_OFF].actor.user_id}, "2"), 0);
	/* A user id without the bit reaches no one. */
	assert_int_equal(reached(&(struct recipients){.user_id = people[CARELINE].actor.user_id}, "3"), 0);
}

UNIT_TEST_WITH(sets_combine_and_leave_out_the_one_excepted, fx_setup, fx_teardown)
{
	meet_everyone();
	int64_t sup = people[MEMBER].actor.user_id;
	assert_int_equal(reached(&(struct recipients){.who = RCPT_HART | RCPT_REGION_LIAISONS | RCPT_USER,
						      .region = "r2",
						      .user_id = sup},
				 "1"),
			 BIT(HART) | BIT(LIAISON_B) | BIT(MEMBER));
	assert_int_equal(reached(&(struct recipients){.who = RCPT_HART | RCPT_USER,
						      .user_id = sup,
						      .except_id = people[HART].actor.user_id},
				 "2"),
			 BIT(MEMBER));
}

UNIT_TEST_WITH(no_mail_is_queued_without_smtp, fx_setup, fx_teardown)
{
	meet_everyone();
	assert_int_equal(mailer_queue(fx.db, &fx.app, &(struct recipients){.who = RCPT_HART}, "S", "B", "test", "1"), 0);
	assert_int_equal(fx_count("outbox", NULL), 0);
}

/* The write a service makes when it tells people: the notices, the mail
 * and the audit record, in one transaction. */
static int tell_hart_use_case(void *arg)
{
	(void)arg;
	struct recipients to = {.who = RCPT_HART | RCPT_REGION_LIAISONS, .region = "r1"};
	int r = db_begin(fx.db);
	if (r < 0)
		return r;
	if ((r = notify_insert(fx.db, &to, "test", "test", "1", "A notice", "2026-11-28T18:40:00Z")) < 0 ||
	    (r = mailer_queue(fx.db, &fx.app, &to, "Subject", "Body", "test", "1")) < 0 ||
	    (r = svc_audit_append(fx.db, &people[HART].ctx, "test.tell", "test", "1", NULL)) < 0 ||
	    (r = db_commit(fx.db)) < 0) {
		db_rollback(fx.db);
		return r;
	}
	return 0;
}

UNIT_TEST_WITH(a_failure_while_telling_people_leaves_nothing, fx_setup, fx_teardown)
{
	meet_everyone();
	static char smtp[] = "smtp://127.0.0.1:9";
	fx.app.smtp_url = smtp;
	fx_each_failure(tell_hart_use_case, NULL);
	fx_exec("DELETE FROM notification; DELETE FROM outbox");
	assert_true(fx_each_alloc_failure(tell_hart_use_case, NULL) > 0);
	fx.app.smtp_url = NULL;
	assert_int_equal(notified("1"), BIT(HART) | BIT(LIAISON_A));
	assert_int_equal(mailed("1"), BIT(HART) | BIT(LIAISON_A));
	assert_int_equal(fx_count("audit", "action = 'test.tell'"), 2);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
