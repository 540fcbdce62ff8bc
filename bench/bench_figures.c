/* bench_figures: how long every figure takes over a database of referrals,
 * as the API answers it (the service's answer, rendered as JSON).
 *
 *   bench_figures --db URL [--key-file FILE] [--runs N] [--tsv]
 *
 * The database is one `hartline import referrals` filled (bench/figures
 * makes 1,000,000 with `hartline generate referrals`). A HART user asks
 * every figure once to warm the store (the first answer loads it; that
 * time is printed on its own), then each figure N times (default 50),
 * and an analyst (always suppressed) asks a few of them. Prints p50 and p99
 * per figure in milliseconds, one core; --tsv for a script to read. The
 * target is under 100 ms each. Reads are audited as in the server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/json.h"
#include "base/str.h"
#include "service/app.h"
#include "service/figures.h"

struct bench_query {
	const char *name;
	struct figure_query q;
	enum role role;
};

static const struct bench_query queries[] = {
	{"referrals by year", {.figure = "referrals", .by = "year"}, ROLE_HART},
	{"referrals by quarter", {.figure = "referrals", .by = "quarter"}, ROLE_HART},
	{"referrals by month", {.figure = "referrals", .by = "month"}, ROLE_HART},
	{"referrals by source", {.figure = "referrals", .by = "source"}, ROLE_HART},
	{"referrals by region", {.figure = "referrals", .by = "region"}, ROLE_HART},
	{"referrals by office", {.figure = "referrals", .by = "office"}, ROLE_HART},
	{"referrals by age", {.figure = "referrals", .by = "age"}, ROLE_HART},
	{"referrals by sex", {.figure = "referrals", .by = "sex"}, ROLE_HART},
	{"referrals by gender", {.figure = "referrals", .by = "gender"}, ROLE_HART},
	{"referrals by vulnerability", {.figure = "referrals", .by = "vulnerability"}, ROLE_HART},
	{"referrals by type", {.figure = "referrals", .by = "type"}, ROLE_HART},
	{"referrals by disposition", {.figure = "referrals", .by = "disposition"}, ROLE_HART},
	{"children by year", {.figure = "referrals", .by = "year", .measure = "children"}, ROLE_HART},
	{"children by vulnerability", {.figure = "referrals", .by = "vulnerability", .measure = "children"}, ROLE_HART},
	{"referrals by year and source", {.figure = "referrals", .by = "year", .then = "source"}, ROLE_HART},
	{"children by year and age", {.figure = "referrals", .by = "year", .then = "age", .measure = "children"},
	 ROLE_HART},
	{"referrals by month, R3, 2012", {.figure = "referrals", .by = "month", .region = "R3", .from = "2012-01-01",
					  .to = "2012-12-31"},
	 ROLE_HART},
	{"repeat referrals", {.figure = "repeat"}, ROLE_HART},
	{"duties by year", {.figure = "duties", .by = "year"}, ROLE_HART},
	{"missing by year", {.figure = "missing", .by = "year"}, ROLE_HART},
	{"rapid response by year", {.figure = "rapid-response", .by = "year"}, ROLE_HART},
	{"federal FFY 2015", {.figure = "federal", .fy = "2015"}, ROLE_HART},
	{"analyst: referrals by year", {.figure = "referrals", .by = "year"}, ROLE_ANALYST},
	{"analyst: by year and source", {.figure = "referrals", .by = "year", .then = "source"}, ROLE_ANALYST},
	{"analyst: by month and region", {.figure = "referrals", .by = "month", .then = "region"}, ROLE_ANALYST},
	{"analyst: by vulnerability", {.figure = "referrals", .by = "vulnerability"}, ROLE_ANALYST},
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* One answer, as the API gives it: the figure, then its JSON text. */
static int answer(const struct svc_ctx *ctx, const struct figure_query *q, int64_t *ret_us, char *err,
		  size_t errsize)
{
	struct field_errors fe;
	field_errors_init(&fe, 20);
	struct figure f;
	memset(&f, 0, sizeof f);
	int64_t t0 = clock_mono_us();
	int r = svc_stats_figure(ctx, q, &fe, &f);
	if (r < 0) {
		char *s = fe.list ? json_dumps(fe.list, JSON_COMPACT) : NULL;
		snprintf(err, errsize, "%s%s%s", err_str(r), s ? " " : "", s ? s : "");
		free(s);
		field_errors_done(&fe);
		return r;
	}
	json_t *j = figure_json(&f);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	*ret_us = clock_mono_us() - t0;
	free(text);
	json_decref(j);
	figure_free(&f);
	field_errors_done(&fe);
	return 0;
}

int main(int argc, char **argv)
{
	const char *db = NULL, *key = NULL;
	int64_t runs = 50;
	bool tsv = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strcmp(argv[i], "--key-file") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			if (str_to_int64(argv[++i], 1, 100000, &runs) < 0)
				goto usage;
		} else if (strcmp(argv[i], "--tsv") == 0)
			tsv = true;
		else
			goto usage;
	}
	if (!db)
		goto usage;
	if (crypto_init() < 0)
		return 1;
	struct app app;
	char msg[512];
	if (app_open(&app, db, NULL, key, msg, sizeof msg) < 0) {
		fprintf(stderr, "bench_figures: %s\n", msg);
		return 1;
	}
	struct actor hart = {.user_id = 0, .role = ROLE_HART}, analyst = {.user_id = 0, .role = ROLE_ANALYST};
	str_copy(hart.username, sizeof hart.username, "bench-hart");
	str_copy(analyst.username, sizeof analyst.username, "bench-analyst");
	struct svc_ctx hctx = {.app = &app, .actor = &hart, .client = "bench"};
	struct svc_ctx actx = {.app = &app, .actor = &analyst, .client = "bench"};

	size_t nq = sizeof queries / sizeof queries[0];
	int64_t *t = malloc(sizeof *t * (size_t)runs);
	int status = 0;
	if (!t)
		return 1;
	char err[512];
	int64_t first;
	if (answer(&hctx, &queries[0].q, &first, err, sizeof err) < 0) {
		fprintf(stderr, "bench_figures: %s: %s\n", queries[0].name, err);
		return 1;
	}
	if (tsv)
		printf("first answer (loads the store)\t%.2f\t%.2f\n", (double)first / 1000.0, (double)first / 1000.0);
	else
		printf("first answer (loads the store): %.1f ms\n\n%-32s %9s %9s\n", (double)first / 1000.0, "figure",
		       "p50 ms", "p99 ms");
	for (size_t i = 0; i < nq; i++) {
		const struct svc_ctx *ctx = queries[i].role == ROLE_ANALYST ? &actx : &hctx;
		int64_t warm;
		if (answer(ctx, &queries[i].q, &warm, err, sizeof err) < 0) {
			fprintf(stderr, "bench_figures: %s: %s\n", queries[i].name, err);
			status = 1;
			continue;
		}
		for (int64_t k = 0; k < runs; k++)
			if (answer(ctx, &queries[i].q, &t[k], err, sizeof err) < 0) {
				fprintf(stderr, "bench_figures: %s: %s\n", queries[i].name, err);
				status = 1;
				break;
			}
		qsort(t, (size_t)runs, sizeof *t, cmp_i64);
		int64_t i99 = (runs * 99) / 100 < runs ? (runs * 99) / 100 : runs - 1;
		double p50 = (double)t[runs / 2] / 1000.0, p99 = (double)t[i99] / 1000.0;
		if (tsv)
			printf("%s\t%.2f\t%.2f\n", queries[i].name, p50, p99);
		else
			printf("%-32s %9.2f %9.2f%s\n", queries[i].name, p50, p99, p99 >= 100.0 ? "  over 100 ms" : "");
	}
	free(t);
	app_close(&app);
	return status;
usage:
	fprintf(stderr, "usage: bench_figures --db URL [--key-file FILE] [--runs N] [--tsv]\n");
	return 2;
}
