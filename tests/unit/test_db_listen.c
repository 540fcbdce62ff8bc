/* Unit tests of LISTEN/NOTIFY (src/db/db_listen.c): a notification sent in
 * a transaction reaches the listener when it commits and never when it
 * rolls back, and a listener whose connection is cut connects again and
 * says so (what was sent meanwhile is lost). SQLite has neither.
 *
 * PostgreSQL comes from the environment (PGHOST, PGPORT, ... as set by
 * pg_virtualenv), in a fresh database. Without it the PostgreSQL tests are
 * skipped, unless HARTLINE_REQUIRE_PG is set (make check sets it). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/err.h"
#include "db/db.h"

static atomic_int told;

static void on_notify(void *arg)
{
	(void)arg;
	atomic_fetch_add(&told, 1);
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}, NULL);
}

/* Wait up to 10 s for told to pass n (and the listener to be up). */
static bool told_more_than(struct db_listener *l, int n)
{
	for (int i = 0; i < 1000; i++) {
		if (atomic_load(&told) > n && db_listen_up(l))
			return true;
		sleep_ms(10);
	}
	return false;
}

static void sqlite_has_no_listener(void **state)
{
	(void)state;
	char dir[] = "/tmp/hartline-listen-XXXXXX", url[64], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(url, sizeof url, "%s/t.db", dir);
	struct db *db;
	assert_int_equal(db_open(url, &db, err, sizeof err), 0);
	struct db_listener *l = (struct db_listener *)1;
	assert_int_equal(db_listen_start(url, "hl_test", on_notify, NULL, &l), ERR_INVAL);
	assert_null(l);
	assert_false(db_listen_up(NULL));
	db_listen_stop(NULL);
	/* Nothing to send: one server. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_notify(db, "hl_test"), 0);
	assert_int_equal(db_commit(db), 0);
	db_close(db);
	char path[96];
	snprintf(path, sizeof path, "%s/t.db", dir);
	unlink(path);
	rmdir(dir);
}

static void pg_notifications_follow_commits_and_a_cut_connection(void **state)
{
	(void)state;
	char hex[17], name[40], sql[128], url[96], err[512];
	crypto_random_hex(8, hex, sizeof hex);
	snprintf(name, sizeof name, "hl_listen_%s", hex);
	struct db *admin, *db;
	if (db_open("postgresql://", &admin, err, sizeof err) < 0)
		fail_msg("cannot reach PostgreSQL: %s", err);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	assert_int_equal(db_exec(admin, sql), 0);
	snprintf(url, sizeof url, "postgresql:///%s", name);
	assert_int_equal(db_open(url, &db, err, sizeof err), 0);

	struct db_listener *l;
	atomic_store(&told, 0);
	assert_int_equal(db_listen_start(url, "hl_test", on_notify, NULL, &l), 0);
	/* Told once on connecting: whatever came before is to be read. */
	assert_true(told_more_than(l, 0));
	int n = atomic_load(&told);

	/* A rolled back transaction sends nothing. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_notify(db, "hl_test"), 0);
	assert_int_equal(db_rollback(db), 0);
	sleep_ms(300);
	assert_int_equal(atomic_load(&told), n);
	/* Another channel is not ours. */
	assert_int_equal(db_notify(db, "hl_other"), 0);
	sleep_ms(300);
	assert_int_equal(atomic_load(&told), n);
	/* A committed one does, once it commits. */
	assert_int_equal(db_begin(db), 0);
	assert_int_equal(db_notify(db, "hl_test"), 0);
	assert_int_equal(db_notify(db, "hl_test"), 0);
	sleep_ms(200);
	assert_int_equal(atomic_load(&told), n);
	assert_int_equal(db_commit(db), 0);
	assert_true(told_more_than(l, n));
	n = atomic_load(&told);

	/* The listener's connection cut: it connects again and says so. */
	int64_t cut = 0;
	assert_int_equal(db_int64f(db, &cut,
				   "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
				   " WHERE datname = current_database() AND pid <> pg_backend_pid()",
				   ""),
			 0);
	assert_int_equal(cut, 1);
	assert_true(told_more_than(l, n));
	n = atomic_load(&told);
	assert_int_equal(db_notify(db, "hl_test"), 0);
	assert_true(told_more_than(l, n));
	db_listen_stop(l);

	db_close(db);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
	if (db_exec(admin, sql) < 0)
		fprintf(stderr, "cannot drop %s: %s\n", name, db_errmsg(admin));
	db_close(admin);
}

int main(void)
{
	if (crypto_init() < 0)
		return 1;
	const struct CMUnitTest sqlite_tests[] = {cmocka_unit_test(sqlite_has_no_listener)};
	const struct CMUnitTest pg_tests[] = {cmocka_unit_test(pg_notifications_follow_commits_and_a_cut_connection)};
	int failed = cmocka_run_group_tests_name("db_listen_sqlite", sqlite_tests, NULL, NULL);
	if (getenv("PGHOST") || getenv("PGPORT")) {
		failed += cmocka_run_group_tests_name("db_listen_postgresql", pg_tests, NULL, NULL);
	} else if (getenv("HARTLINE_REQUIRE_PG")) {
		fprintf(stderr, "db_listen_postgresql: PostgreSQL required (HARTLINE_REQUIRE_PG) but PGHOST/PGPORT are not set\n");
		failed++;
	} else {
		fprintf(stderr, "db_listen_postgresql: skipped: no PostgreSQL in the environment (run under pg_virtualenv)\n");
	}
	return failed;
}
