#include "svc_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/err.h"
#include "model/access.h"
#include "base/seal.h"

struct svc_fixture fx;
static int users_made;

int fx_setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof fx);
	users_made = 0;
	/* In memory where the machine has it: every commit syncs the file,
	 * and the failure loops commit many times. */
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	assert_true(snprintf(fx.dir, sizeof fx.dir, "%s/hartline-svc-XXXXXX", base) < (int)sizeof fx.dir);
	assert_non_null(mkdtemp(fx.dir));
	assert_true(snprintf(fx.url, sizeof fx.url, "%s/h.db", fx.dir) < (int)sizeof fx.url);
	char err[512];
	assert_int_equal(app_load_pack(NULL, &fx.app.pack, err, sizeof err), 0);
	fx.app.engine = DB_SQLITE;
	auth_config_defaults(&fx.app.auth);
	assert_int_equal(db_pool_new(fx.url, &fx.app.pool), 0);
	assert_int_equal(app_db(&fx.app, &fx.db), 0);
	assert_int_equal(db_migrate(fx.db, NULL, err, sizeof err), 0);
	char key[160];
	assert_int_equal(crypto_init(), 0);
	assert_true(snprintf(key, sizeof key, "%s/hartline.key", fx.dir) < (int)sizeof key);
	assert_int_equal(keyring_create(key, err, sizeof err), 0);
	assert_int_equal(keyring_load(key, &fx.app.keys, err, sizeof err), 0);
	clock_set(FX_NOW);
	return 0;
}

int fx_teardown(void **state)
{
	(void)state;
#ifdef HARTLINE_TEST_HOOKS
	db_fail_at(0);
#endif
	clock_reset();
	db_pool_free(fx.app.pool);
	pack_free(fx.app.pack);
	keyring_free(fx.app.keys);
	char path[160];
	const char *names[] = {"h.db", "h.db-wal", "h.db-shm", "hartline.key"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (snprintf(path, sizeof path, "%s/%s", fx.dir, names[i]) < (int)sizeof path)
			unlink(path);
	}
	rmdir(fx.dir);
	return 0;
}

void fx_exec(const char *sql)
{
	if (db_exec(fx.db, sql) < 0)
		fail_msg("%s: %s", sql, db_errmsg(fx.db));
}

void fx_user(struct fx_user *u, enum role role, const char *scope)
{
	memset(u, 0, sizeof *u);
	u->actor.role = role;
	int n = snprintf(u->actor.username, sizeof u->actor.username, "%s%d", role_name(role), ++users_made);
	assert_true(n > 0 && n < (int)sizeof u->actor.username);
	if (scope) {
		n = snprintf(u->actor.scope, sizeof u->actor.scope, "%s", scope);
		assert_true(n >= 0 && n < (int)sizeof u->actor.scope);
	}
	struct db_stmt *st;
	assert_int_equal(db_prepare(fx.db,
				    "INSERT INTO app_user (username, role, scope, password_hash, created_at, updated_at)"
				    " VALUES (?, ?, ?, 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
				    &st),
			 0);
	assert_int_equal(db_bind_text(st, 1, u->actor.username), 0);
	assert_int_equal(db_bind_text(st, 2, role_name(role)), 0);
	assert_int_equal(db_bind_text(st, 3, scope), 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	char sql[160];
	assert_true(snprintf(sql, sizeof sql, "SELECT id FROM app_user WHERE username = '%s'", u->actor.username) <
		    (int)sizeof sql);
	assert_int_equal(db_query_int64(fx.db, sql, &u->actor.user_id), 0);
	u->ctx = (struct svc_ctx){.app = &fx.app, .actor = &u->actor, .client = "test"};
}

int64_t fx_count(const char *table, const char *where)
{
	char sql[512];
	int n = snprintf(sql, sizeof sql, "SELECT count(*) FROM %s%s%s", table, where ? " WHERE " : "",
			 where ? where : "");
	assert_true(n > 0 && n < (int)sizeof sql);
	int64_t count = -1;
	if (db_query_int64(fx.db, sql, &count) < 0)
		fail_msg("%s: %s", sql, db_errmsg(fx.db));
	return count;
}

void fx_text(const char *sql, char *out, size_t size)
{
	struct db_stmt *st;
	if (db_prepare(fx.db, sql, &st) < 0)
		fail_msg("%s: %s", sql, db_errmsg(fx.db));
	out[0] = '\0';
	int r = db_step(st);
	assert_true(r == DB_ROW || r == DB_DONE);
	if (r == DB_ROW && db_column_text(st, 0)) {
		int n = snprintf(out, size, "%s", db_column_text(st, 0));
		assert_true(n >= 0 && (size_t)n < size);
	}
	db_finalize(st);
}

json_t *fx_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("bad JSON in the test: %s: %s", e.text, text);
	return j;
}

#ifdef HARTLINE_TEST_HOOKS
#define FX_TABLES_MAX 24

/* What a failed use case must leave as it was. */
struct snapshot {
	int64_t rows[FX_TABLES_MAX];
	int64_t audit_rows;
	char audit_last[160], audit_head[200];
};

static void take(const char *const *tables, struct snapshot *s)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; tables[i]; i++) {
		assert_true(i < FX_TABLES_MAX);
		s->rows[i] = fx_count(tables[i], NULL);
	}
	s->audit_rows = fx_count("audit", NULL);
	fx_text("SELECT seq || ' ' || action FROM audit ORDER BY seq DESC LIMIT 1", s->audit_last,
		sizeof s->audit_last);
	fx_text("SELECT value FROM setting WHERE key = 'audit_head'", s->audit_head, sizeof s->audit_head);
}

static void same(const char *const *tables, const struct snapshot *a, const struct snapshot *b, long n)
{
	for (size_t i = 0; tables[i]; i++)
		if (a->rows[i] != b->rows[i])
			fail_msg("statement %ld failed, yet %s went from %lld to %lld rows", n, tables[i],
				 (long long)a->rows[i], (long long)b->rows[i]);
	if (a->audit_rows != b->audit_rows || strcmp(a->audit_last, b->audit_last) != 0 ||
	    strcmp(a->audit_head, b->audit_head) != 0)
		fail_msg("statement %ld failed, yet the audit chain moved from \"%s\" to \"%s\"", n, a->audit_last,
			 b->audit_last);
}

long fx_each_failure(fx_use_case fn, void *arg, const char *const *tables)
{
	for (long n = 1;; n++) {
		struct snapshot before, after;
		take(tables, &before);
		db_fail_at(n);
		int r = fn(arg);
		bool fired = db_fail_fired();
		long made = db_statements_counted();
		db_fail_at(0);
		if (!fired) {
			if (r < 0)
				fail_msg("the use case failed with %s (%s) without an injected failure", err_str(r),
					 db_errmsg(fx.db));
			return made;
		}
		if (r >= 0)
			fail_msg("statement %ld failed, yet the use case answered %d", n, r);
		assert_false(db_in_transaction(fx.db));
		take(tables, &after);
		same(tables, &before, &after, n);
	}
}
#else
long fx_each_failure(fx_use_case fn, void *arg, const char *const *tables)
{
	(void)tables;
	/* Without the test hooks nothing can be made to fail: run it whole. */
	assert_int_equal(fn(arg), 0);
	return 0;
}
#endif
