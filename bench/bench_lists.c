/* bench_lists: the cases list and the reports list over 1,000,000 cases and
 * 1,000,000 reports, against the 50 ms budget of a list page.
 *
 *   bench_lists --db URL --key-file FILE [--runs N]
 *
 * The database is one `hartline init` made (its key file given, since
 * children's names are sealed). The first run fills it: 10,000 named
 * children through the persons service (sealed, in the identity registry,
 * Katherine Smith among them), 990,000 more without a name by direct SQL
 * (committed 50,000 rows at a time, bench/fill.c),
 * one case each (1,000,000 cases over six regions, four statuses and three
 * years), and 1,000,000 reports, one in a hundred with a child linked to a
 * named child; later runs reuse them. The registry is then opened as the
 * server opens it, and each page is timed N times (default 100) through the
 * cases and intake services as HART and a regional liaison ask them: the
 * first page, a deep page by its cursor (half-way down), a page sorted by
 * number and by status, a filtered page, and a search by a child's name
 * ("Katie Smyth") and by number. Every call is audited, as a served one
 * is. Prints p50 and p99 in milliseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/json.h"
#include "base/str.h"
#include "db/db.h"
#include "fill.h"
#include "service/app.h"
#include "service/cases.h"
#include "service/intake.h"
#include "service/page.h"
#include "service/persons.h"

#define NAMED 10000
#define CASES 1000000
#define REPORTS 1000000
static const char *const given[] = {"Katherine", "Jasmine", "Olivia",  "Emma",    "Ava",     "Sophia", "Mia",
                                    "Isabella",  "Noah",    "Liam",    "Mateo",   "Elijah",  "Lucas",  "Levi",
                                    "Ezra",      "Maya",    "Aaliyah", "Destiny", "Brianna", "Alexis"};
static const char *const family[] = {"Smith",  "Rivera",   "Johnson",   "Williams", "Brown",     "Jones",   "Garcia",
                                     "Miller", "Davis",    "Rodriguez", "Martinez", "Hernandez", "Lopez",   "Gonzalez",
                                     "Wilson", "Anderson", "Thomas",    "Taylor",   "Moore",     "Jackson", "Martin",
                                     "Lee",    "Perez",    "Thompson",  "White"};

static uint64_t rnd_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* The named children, through the service (sealed, registered). Katherine
 * Smith is the first. */
static int fill_named(const struct svc_ctx *ctx)
{
	struct person_new p[1000];
	char dob[1000][11], g[1000][32];
	int r = 0;
	for (int base = 0; r == 0 && base < NAMED; base += 1000) {
		for (int i = 0; i < 1000; i++) {
			int k = base + i;
			snprintf(dob[i], sizeof dob[i], "%04d-%02d-%02d", 2008 + (int)(rnd() % 8),
			         1 + (int)(rnd() % 12), 1 + (int)(rnd() % 28));
			/* A name of its own for most: the list and a serial. */
			snprintf(g[i], sizeof g[i], "%s", given[k % 20]);
			p[i] = (struct person_new){.given_name = g[i],
			                           .family_name = k == 0 ? "Smith" : family[(k / 20 + k) % 25],
			                           .dob = dob[i],
			                           .estimated_age = -1,
			                           .sex = k % 2 ? "M" : "F",
			                           .town = "Bridgeport",
			                           .synthetic = true};
		}
		struct field_errors errs;
		field_errors_init(&errs, 4);
		r = svc_persons_add(ctx, p, 1000, &errs, NULL);
		field_errors_done(&errs);
	}
	return r;
}

static int fill(const struct svc_ctx *ctx, struct db *db)
{
	int64_t n = 0;
	int r = db_query_int64(db, "SELECT COUNT(*) FROM child_case", &n);
	if (r < 0 || n >= CASES)
		return r;
	printf("filling: %d named children, %d more, %d cases, %d reports...\n", NAMED, CASES - NAMED, CASES, REPORTS);
	fflush(stdout);
	int64_t t0 = clock_mono_us();
	struct fill_config c = {.named = NAMED, .cases = CASES, .reports = REPORTS, .child_every = 100};
	if ((r = fill_named(ctx)) < 0 || (r = fill_rows(db, &c)) < 0)
		return r;
	printf("filled in %.1f s\n", (double)(clock_mono_us() - t0) / 1e6);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, size_t rows, int64_t *us, int runs)
{
	qsort(us, (size_t)runs, sizeof *us, cmp_i64);
	double p50 = (double)us[runs / 2] / 1000.0, p99 = (double)us[(runs * 99) / 100 - (runs >= 100)] / 1000.0;
	printf("| %s | %zu | %.2f | %.2f | %s |\n", what, rows, p50, p99, p99 < 50.0 ? "yes" : "NO");
}

typedef int list_fn(const struct svc_ctx *ctx, const void *filter, struct field_errors *errs, json_t **ret);

static int cases_fn(const struct svc_ctx *ctx, const void *f, struct field_errors *errs, json_t **ret)
{
	return svc_case_list(ctx, f, errs, ret);
}

static int intakes_fn(const struct svc_ctx *ctx, const void *f, struct field_errors *errs, json_t **ret)
{
	return svc_intake_list(ctx, f, errs, ret);
}

/* One list, N times; next (may be NULL) gets its first answer's cursor. */
static int time_list(const struct svc_ctx *ctx, const char *what, list_fn *fn, const void *f, int runs, char *next,
                     size_t size)
{
	int64_t *us = calloc((size_t)runs, sizeof *us);
	int r = us ? 0 : ERR_NOMEM;
	size_t rows = 0;
	for (int i = 0; r == 0 && i < runs; i++) {
		struct field_errors errs;
		field_errors_init(&errs, 4);
		json_t *page = NULL;
		int64_t t0 = clock_mono_us();
		r = fn(ctx, f, &errs, &page);
		us[i] = clock_mono_us() - t0;
		if (r < 0 && field_errors_any(&errs)) {
			char *e = json_dumps(errs.list, 0);
			fprintf(stderr, "%s: %s\n", what, e ? e : "?");
			free(e);
		}
		field_errors_done(&errs);
		rows = json_array_size(json_object_get(page, "items"));
		if (r == 0 && i == 0 && next)
			snprintf(next, size, "%s", json_string_value(json_object_get(page, "next")) ?: "");
		json_decref(page);
	}
	if (r == 0)
		report(what, rows, us, runs);
	free(us);
	return r;
}

/* A cursor half-way down the cases newest first: the place of the
 * 500,000th row, written as the list writes its cursors. */
static int deep_cursor(struct db *db, const struct page_list *l, const char *sort, const char *sql, char *out,
                       size_t size)
{
	struct page_query q = {.sort = sort};
	struct list_page p;
	struct field_errors errs;
	field_errors_init(&errs, 4);
	int r = page_parse(l, &q, &p, &errs);
	field_errors_done(&errs);
	struct db_stmt *st;
	if (r < 0 || (r = db_rowf(db, &st, sql, "")) < 0)
		return r;
	r = page_cursor(&p, db_column_text(st, 0), db_column_int64(st, 1), out, size);
	db_finalize(st);
	return r;
}

static int run_cases(const struct svc_ctx *hart, const struct svc_ctx *liaison, struct db *db, int runs)
{
	char next[512] = "", deep[512] = "";
	struct case_filter first = {.status = "all"};
	struct case_filter open = {0};
	struct case_filter by_number = {.status = "all", .page = {.sort = "number"}};
	struct case_filter by_status = {.status = "all", .page = {.sort = "-status"}};
	struct case_filter filtered = {
	        .status = "open", .region = "R3", .opened_from = "2025-01-01", .opened_to = "2025-06-30"};
	struct case_filter name = {.status = "all", .q = "Katie Smyth"};
	struct case_filter number = {.status = "all", .q = "C-0500000"};
	int r = deep_cursor(
	        db, &cases_page_list, "-opened_at",
	        "SELECT opened_at, id FROM child_case ORDER BY opened_at DESC, id DESC LIMIT 1 OFFSET 500000", deep,
	        sizeof deep);
	struct case_filter second = {.status = "all"}, deepf = {.status = "all", .page = {.after = deep}};
	if (r == 0 &&
	    (r = time_list(hart, "cases: first page, newest first", cases_fn, &first, runs, next, sizeof next)) == 0) {
		second.page.after = next;
		r = time_list(hart, "cases: second page (its cursor)", cases_fn, &second, runs, NULL, 0);
	}
	if (r == 0)
		r = time_list(hart, "cases: page 10,001 (a cursor half-way down)", cases_fn, &deepf, runs, NULL, 0);
	if (r == 0)
		r = time_list(hart, "cases: not closed (the default)", cases_fn, &open, runs, NULL, 0);
	if (r == 0)
		r = time_list(hart, "cases: sorted by number", cases_fn, &by_number, runs, NULL, 0);
	if (r == 0)
		r = time_list(hart, "cases: sorted by status, last first", cases_fn, &by_status, runs, NULL, 0);
	if (r == 0)
		r = time_list(hart, "cases: R3, not closed, opened in a half-year", cases_fn, &filtered, runs, NULL, 0);
	if (r == 0)
		r = time_list(liaison, "cases: a liaison's region, newest first", cases_fn, &first, runs, NULL, 0);
	if (r == 0)
		r = time_list(hart, "cases: search by name \"Katie Smyth\"", cases_fn, &name, runs, NULL, 0);
	if (r == 0)
		r = time_list(hart, "cases: search by number", cases_fn, &number, runs, NULL, 0);
	return r;
}

static int run_reports(const struct svc_ctx *hart, const struct svc_ctx *liaison, struct db *db, int runs)
{
	char deep[512] = "";
	struct intake_filter all = {.status = "all"};
	struct intake_filter open = {0};
	struct intake_filter newest = {.status = "all", .page = {.sort = "-received_at"}};
	struct intake_filter name = {.status = "all", .q = "Katie Smyth"};
	int r = deep_cursor(db, &intakes_page_list, "received_at",
	                    "SELECT received_at, id FROM intake ORDER BY received_at, id LIMIT 1 OFFSET 500000", deep,
	                    sizeof deep);
	struct intake_filter deepf = {.status = "all", .page = {.after = deep}};
	if (r == 0)
		r = time_list(hart, "reports: first page, oldest first", intakes_fn, &all, runs, NULL, 0);
	if (r == 0)
		r = time_list(hart, "reports: page 10,001 (a cursor half-way down)", intakes_fn, &deepf, runs, NULL, 0);
	if (r == 0)
		r = time_list(hart, "reports: the open queue", intakes_fn, &open, runs, NULL, 0);
	if (r == 0)
		r = time_list(hart, "reports: newest first", intakes_fn, &newest, runs, NULL, 0);
	if (r == 0)
		r = time_list(liaison, "reports: a liaison's region", intakes_fn, &all, runs, NULL, 0);
	if (r == 0)
		r = time_list(hart, "reports: search by name \"Katie Smyth\"", intakes_fn, &name, runs, NULL, 0);
	return r;
}

int main(int argc, char **argv)
{
	const char *url = NULL, *key = NULL;
	int64_t runs = 100;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--key-file") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			if (str_to_int64(argv[++i], 1, 100000, &runs) < 0)
				goto usage;
		} else
			goto usage;
	}
	if (!url || !key)
		goto usage;
	struct app app;
	char msg[512];
	if (crypto_init() < 0) {
		fprintf(stderr, "bench_lists: libsodium did not start\n");
		return 1;
	}
	if (app_open(&app, url, NULL, key, msg, sizeof msg) < 0) {
		fprintf(stderr, "bench_lists: %s\n", msg);
		return 1;
	}
	struct actor cli, hart_a, liaison_a;
	actor_cli(&cli);
	hart_a = cli;
	hart_a.role = ROLE_HART;
	liaison_a = cli;
	liaison_a.role = ROLE_LIAISON;
	snprintf(liaison_a.scope, sizeof liaison_a.scope, "R1");
	struct svc_ctx hart = {.app = &app, .actor = &hart_a, .client = "bench"};
	struct svc_ctx liaison = {.app = &app, .actor = &liaison_a, .client = "bench"};
	struct db *db;
	int r = app_db(&app, &db);
	if (r == 0 && (r = fill(&hart, db)) < 0)
		fprintf(stderr, "bench_lists: filling failed: %s (%s)\n", err_str(r), db_errmsg(db));
	int64_t t0 = clock_mono_us();
	if (r == 0 && (r = persons_registry_open(&app, msg, sizeof msg)) < 0)
		fprintf(stderr, "bench_lists: the registry: %s\n", msg);
	if (r == 0) {
		printf("registry of %zu opened in %.1f s\n", persons_registry_count(&app),
		       (double)(clock_mono_us() - t0) / 1e6);
		printf("\n| page | rows | p50 (ms) | p99 (ms) | under 50 ms |\n| --- | ---: | ---: | ---: | ---: |\n");
		if ((r = run_cases(&hart, &liaison, db, (int)runs)) == 0)
			r = run_reports(&hart, &liaison, db, (int)runs);
	}
	if (r < 0)
		fprintf(stderr, "bench_lists: %s\n", err_str(r));
	persons_registry_close(&app);
	app_close(&app);
	return r < 0 ? 1 : 0;
usage:
	fprintf(stderr, "usage: bench_lists --db URL --key-file FILE [--runs N]\n");
	return 2;
}
