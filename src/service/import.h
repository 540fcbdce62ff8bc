/* svc_import: past years' referrals brought in from a CSV file
 * (docs/import.md), and the generator of synthetic import files for tests
 * and the benchmark.
 *
 * Every line is checked before anything is written; one bad line refuses
 * the whole file, with every problem listed as line, column and reason. A
 * good file goes in in one transaction: one import_batch row and one
 * referral row per line (imported = 1), audited once. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "service/ctx.h"

#define IMPORT_ERRORS_MAX 1000 /* problems listed; all of them are counted */

struct import_error {
	int64_t line;     /* the file's line (the header is line 1) */
	char column[40];  /* the column's name, "" for the line as a whole */
	char reason[160];
};

struct import_report {
	bool dry_run;
	int64_t rows;        /* data lines read */
	int64_t imported;    /* rows written (0 on a dry run or when refused) */
	int64_t batch_id;    /* 0 unless written */
	struct import_error *errors; /* the first IMPORT_ERRORS_MAX, malloc'd */
	int64_t nerrors;     /* listed */
	int64_t error_count; /* all of them */
};

/* Called now and then while checking and writing: the phase ("check",
 * "write"), and how many of the file's bytes or rows are done of how many.
 * May be NULL. */
typedef void (*import_progress_fn)(void *arg, const char *phase, int64_t done, int64_t total);

/* Import referrals (PERM_REFERRALS_IMPORT). csv is the file's contents
 * (UTF-8), file_name what to record (may be NULL). Returns 0 when the file
 * was read, refused or not (ret->error_count > 0: nothing was written);
 * a negative code for a missing permission, a database failure or memory.
 * ret is the caller's to release with import_report_done(). */
int svc_import_referrals(const struct svc_ctx *ctx, const char *csv, size_t len, const char *file_name,
			 bool dry_run, import_progress_fn progress, void *progress_arg, struct import_report *ret);
void import_report_done(struct import_report *r);

/* {dry_run, rows, imported, batch_id, errors:[{line, column, reason}],
 * error_count}. NULL when out of memory. */
json_t *import_report_json(const struct import_report *r);

/* ---- synthetic files ---- */

struct import_gen_opts {
	int64_t count;     /* referrals (lines) */
	uint64_t seed;
	int from_year, to_year; /* inclusive; 0: 2008 and 2015 */
};

/* Write a synthetic import file for pack (the header and count lines) by
 * calling write(arg, data, n) in pieces; a realistic mix of sources,
 * towns, ages (mostly 10 to 17), vulnerabilities and repeat referrals of
 * the same child_id. Deterministic for the same seed and pack. Returns 0,
 * or the first negative value write returns, or ERR_INVAL. */
struct pack;
int import_generate(const struct pack *pack, const struct import_gen_opts *o,
		    int (*write)(void *arg, const char *data, size_t n), void *arg);
