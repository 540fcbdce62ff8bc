/* fill: the rows of a large synthetic database, for the benchmarks that
 * need 1,000,000 cases and reports (bench_lists, bench_data).
 *
 * Everything by direct SQL, many rows a statement, in transactions of
 * 50,000 rows, on SQLite or PostgreSQL; people's names and dates of birth
 * sealed by the sealing code the services use (base/seal.h, under the
 * installation's key). Every row is synthetic. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct app;

/* People from the project's record generator (src/match/gen.h): n distinct
 * synthetic children with a given and a family name, a date of birth (or
 * an age), sex and town, written as the persons service writes them (ids
 * after the highest, names and date of birth sealed for their row). */
int fill_people_generated(struct app *app, struct db *db, int n, uint64_t seed);

/* Bind row i of an insert, its parameters from base + 1 on. */
typedef int fill_bind_fn(struct db_stmt *st, int i, int base, void *arg);

/* n rows: head ("INSERT INTO t (a, b) VALUES") then row ("(?, ?)") as
 * many times a statement as the engines allow (up to 100), bound by bind,
 * committed every 50,000 or so. */
int fill_insert_loop(struct db *db, const char *head, const char *row, int n, fill_bind_fn *bind, void *arg);

struct fill_config {
	int named; /* people the caller recorded first, by name */
	int cases; /* one a person: the named first, then people with no name */
	int reports;
	int child_every;    /* one report in child_every has a child linked to a person */
	bool child_of_case; /* that child is the person of the case of the same place (else a named one) */
	bool cases_linked;  /* case i holds report i (case_intake) */
	bool duties;        /* one duty a case, met when the case is closed */
};

/* Fill the database (the caller checks that it is not already): the people
 * with no name the cases still need, a user "bench-fill" who opened
 * everything, the cases (over six regions, four statuses, three years),
 * the reports and what c asks for besides, the dashboard's counts of them
 * (service/counts.h), then ANALYZE. */
int fill_rows(struct db *db, const struct fill_config *c);
