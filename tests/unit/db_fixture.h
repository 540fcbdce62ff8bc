/* db_fixture: the tests of src/db (test_db.c, test_db_writer.c) get a
 * fresh database each, on SQLite (in a temporary directory) or on
 * PostgreSQL (a database of its own in the cluster the environment names,
 * as pg_virtualenv sets it), dropped afterwards. */
#ifndef HARTLINE_TESTS_DB_FIXTURE_H
#define HARTLINE_TESTS_DB_FIXTURE_H

#include <stdbool.h>

#include "db/db.h"

struct fixture {
	enum db_engine engine;
	char url[512];
	char dbname[64]; /* PostgreSQL: the database to drop */
	char dir[64];    /* SQLite: the temporary directory */
	struct db *db;
};

/* Does the environment name a PostgreSQL cluster? */
bool pg_available(void);

/* cmocka set-ups: *state becomes a struct fixture with its db open. */
int setup_sqlite(void **state);
int setup_pg(void **state);
/* Closes the db and removes the database. */
int teardown(void **state);

#endif
