/* training_import: a session's sign-in sheet brought in from a CSV file
 * (docs/training.md, "Sign-in sheet import").
 *
 * Columns name, email, organisation, role, audience, attended, completed.
 * Every line is checked, and every person matched, before anything is
 * written; one bad line refuses the whole file, every problem listed by
 * line and column. A good file goes in in one transaction: new people
 * become trainees, people not yet registered are registered (capacity is
 * not enforced: the sheet records what already happened), the attendance
 * is written as svc_attendance_put writes it (certificates issued, the
 * providers' trafficking-informed status recomputed), one training_import
 * row, audited once. The same file (by digest) is never imported twice. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/ctx.h"
#include "service/import.h"

#define TIMPORT_LINES_MAX 2000

/* How a line's person was found. */
enum timport_how { TIMPORT_NEW, TIMPORT_EMAIL, TIMPORT_NAME };

struct timport_line {
	int64_t line;       /* the file's line (the header is line 1) */
	int64_t trainee_id; /* 0 for a new person (until written) */
	enum timport_how how;
	bool register_, attended, completed;
};

struct timport_report {
	bool dry_run;
	int64_t rows, matched, created, registered, attended, completed, certificates;
	int64_t import_id;           /* 0 unless written */
	int64_t earlier_id;          /* the same file imported before: nothing checked nor written */
	char earlier_at[32];
	struct timport_line *lines;  /* rows of them when the file was good, malloc'd */
	struct import_error *errors; /* the first IMPORT_ERRORS_MAX, malloc'd */
	int64_t nerrors, error_count;
};

/* Import the sign-in sheet csv (UTF-8, len bytes) of session sid
 * (PERM_TRAINING_MANAGE). Returns 0 when the file was read, whether
 * refused (ret->error_count > 0), already imported (ret->earlier_id) or
 * not; ERR_NOTFOUND for no such session; a negative code for a missing
 * permission, a database failure or memory. progress (may be NULL) is
 * told ("check" or "write", lines done, lines). ret is the caller's to
 * release with timport_report_done(). */
int svc_training_import(const struct svc_ctx *ctx, int64_t sid, const char *csv, size_t len, const char *file_name,
			bool dry_run, import_progress_fn progress, void *progress_arg, struct timport_report *ret);
void timport_report_done(struct timport_report *r);

/* {dry_run, rows, matched, created, registered, attended, completed,
 * certificates, import_id, lines:[{line, trainee_id, found}],
 * errors:[{line, column, reason}], error_count}. NULL when out of memory. */
json_t *timport_report_json(const struct timport_report *r);
