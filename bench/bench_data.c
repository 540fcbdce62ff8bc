/* bench_data: a large synthetic database for the request-path benchmark
 * (bench/request): by default 1,000,000 people in the identity registry,
 * 1,000,000 cases and 1,000,000 reports.
 *
 *   bench_data --db URL --key-file FILE [--people N] [--cases N]
 *              [--reports N] [--seed N]
 *
 * The database is one `hartline init` made, on SQLite or PostgreSQL, with
 * its key file. The people come from the project's record generator
 * (src/match/gen.c), written as the persons service writes them, their
 * names and dates of birth sealed under the installation's key; then a case
 * for each of the first N people with a duty (met when the case is closed),
 * and a report for each case with the case's child linked and the report
 * joined to the case. All by direct SQL, many rows a statement, in
 * transactions of 50,000 rows (bench/fill.c).
 * Cases beyond the people get people with no name. A database that already
 * holds the cases is left alone. Prints the time taken and the cases' ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "fill.h"
#include "service/app.h"

struct data_opts {
	const char *url, *key;
	int64_t people, cases, reports, seed;
};

static int parse(int argc, char **argv, struct data_opts *o)
{
	*o = (struct data_opts){.people = 1000000, .cases = 1000000, .reports = 1000000, .seed = 1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int64_t *n = strcmp(a, "--people") == 0    ? &o->people
		             : strcmp(a, "--cases") == 0   ? &o->cases
		             : strcmp(a, "--reports") == 0 ? &o->reports
		             : strcmp(a, "--seed") == 0    ? &o->seed
		                                           : NULL;
		if (!v)
			return -1;
		if (strcmp(a, "--db") == 0)
			o->url = v;
		else if (strcmp(a, "--key-file") == 0)
			o->key = v;
		else if (!n || str_to_int64(v, 0, 100000000, n) < 0)
			return -1;
		i++;
	}
	return o->url && o->key && o->cases >= 1 ? 0 : -1;
}

static int fill(struct app *app, struct db *db, const struct data_opts *o)
{
	int64_t n = 0, t0 = clock_mono_us();
	int r = db_query_int64(db, "SELECT COUNT(*) FROM child_case", &n);
	if (r < 0 || n >= o->cases) {
		printf("the database already holds %lld cases: left as it is\n", (long long)n);
		return r;
	}
	if ((r = db_query_int64(db, "SELECT COUNT(*) FROM person", &n)) < 0)
		return r;
	if (n == 0 && o->people > 0) {
		printf("recording %lld people...\n", (long long)o->people);
		fflush(stdout);
		if ((r = fill_people_generated(app, db, (int)o->people, (uint64_t)o->seed)) < 0)
			return r;
		printf("people in %.1f s\n", (double)(clock_mono_us() - t0) / 1e6);
	}
	printf("filling %lld cases with a duty each and %lld reports...\n", (long long)o->cases, (long long)o->reports);
	fflush(stdout);
	int64_t t1 = clock_mono_us();
	struct fill_config c = {.named = (int)(o->people < o->cases ? o->people : o->cases),
	                        .cases = (int)o->cases,
	                        .reports = (int)o->reports,
	                        .child_every = 1,
	                        .child_of_case = true,
	                        .cases_linked = true,
	                        .duties = true};
	if ((r = fill_rows(db, &c)) < 0)
		return r;
	printf("cases and reports in %.1f s; filled in %.1f s\n", (double)(clock_mono_us() - t1) / 1e6,
	       (double)(clock_mono_us() - t0) / 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	struct data_opts o;
	if (parse(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: bench_data --db URL --key-file FILE [--people N] [--cases N] [--reports N]"
		                " [--seed N]\n");
		return 2;
	}
	struct app app;
	char msg[512];
	if (crypto_init() < 0) {
		fprintf(stderr, "bench_data: libsodium did not start\n");
		return 1;
	}
	if (app_open(&app, o.url, NULL, o.key, msg, sizeof msg) < 0) {
		fprintf(stderr, "bench_data: %s\n", msg);
		return 1;
	}
	struct db *db;
	int r = app_db(&app, &db);
	if (r == 0 && (r = fill(&app, db, &o)) < 0)
		fprintf(stderr, "bench_data: filling failed: %s (%s)\n", err_str(r), db_errmsg(db));
	int64_t lo = 0, hi = 0;
	if (r == 0 && (r = db_query_int64(db, "SELECT MIN(id) FROM child_case", &lo)) == 0 &&
	    (r = db_query_int64(db, "SELECT MAX(id) FROM child_case", &hi)) == 0)
		printf("cases %lld to %lld\n", (long long)lo, (long long)hi);
	app_close(&app);
	return r < 0 ? 1 : 0;
}
