/* db_fixture: see db_fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "db_fixture.h"

bool pg_available(void)
{
	return getenv("PGHOST") || getenv("PGPORT") || getenv("HARTLINE_TEST_PG_URL");
}

static int setup_engine(void **state, enum db_engine engine)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->engine = engine;
	char err[512];
	if (engine == DB_SQLITE) {
		snprintf(f->dir, sizeof f->dir, "/tmp/hartline-db-XXXXXX");
		assert_non_null(mkdtemp(f->dir));
		snprintf(f->url, sizeof f->url, "%s/test.db", f->dir);
	} else {
		char hex[17];
		crypto_random_hex(8, hex, sizeof hex);
		snprintf(f->dbname, sizeof f->dbname, "hl_test_%s", hex);
		struct db *admin;
		int r = db_open("postgresql://", &admin, err, sizeof err);
		if (r < 0)
			fail_msg("cannot reach PostgreSQL: %s", err);
		char sql[128];
		snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->dbname);
		assert_int_equal(db_exec(admin, sql), 0);
		db_close(admin);
		snprintf(f->url, sizeof f->url, "postgresql:///%s", f->dbname);
	}
	int r = db_open(f->url, &f->db, err, sizeof err);
	if (r < 0)
		fail_msg("db_open(%s): %s", f->url, err);
	*state = f;
	return 0;
}

int setup_sqlite(void **state)
{
	return setup_engine(state, DB_SQLITE);
}

int setup_pg(void **state)
{
	return setup_engine(state, DB_POSTGRESQL);
}

int teardown(void **state)
{
	struct fixture *f = *state;
	if (!f)
		return 0;
	db_close(f->db);
	if (f->engine == DB_SQLITE) {
		char path[600];
		const char *suffixes[] = {"", "-wal", "-shm"};
		for (int i = 0; i < 3; i++) {
			snprintf(path, sizeof path, "%s%s", f->url, suffixes[i]);
			unlink(path);
		}
		rmdir(f->dir);
	} else {
		struct db *admin;
		char err[512];
		if (db_open("postgresql://", &admin, err, sizeof err) == 0) {
			char sql[128];
			snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", f->dbname);
			if (db_exec(admin, sql) < 0) /* a leftover database, not a failed test */
				fprintf(stderr, "cannot drop %s: %s\n", f->dbname, db_errmsg(admin));
			db_close(admin);
		}
	}
	free(f);
	return 0;
}
