/* csv: a strict, fast CSV reader and a writer.
 *
 * Reads RFC 4180 CSV with the habits of real files: spaces after commas
 * (and before line ends) around unquoted fields are dropped, quoted fields
 * may hold commas, doubled quotes and line breaks, CRLF or LF line ends,
 * empty fields, a UTF-8 byte-order mark. A malformed line (an unterminated
 * quote, text after a closing quote, a field count unlike the header's) is
 * reported with its line number; the caller skips it or stops. Nothing is
 * ever silently misread. The file is mapped, not copied. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct csv_reader;

struct csv_row {
	size_t line;          /* 1-based line where the record starts */
	size_t n;             /* fields */
	const char **fields;  /* NUL-terminated; valid until the next call */
};

/* Open path. ERR_NOTFOUND / ERR_IO with a message naming the file. */
int csv_open(const char *path, struct csv_reader **ret, char *errmsg, size_t errsize);
/* The same over a buffer in memory (not copied; must outlive the reader). */
int csv_open_buffer(const char *name, const char *data, size_t len, struct csv_reader **ret);
void csv_close(struct csv_reader *r);

/* The next record: 1 when row is filled, 0 at the end, ERR_PARSE for a
 * malformed record (csv_error() says "FILE:LINE: reason"; the next call
 * goes on after it). When expect_fields > 0, a record with another number
 * of fields is ERR_PARSE too. Blank lines are skipped. */
int csv_next(struct csv_reader *r, size_t expect_fields, struct csv_row *row);
const char *csv_error(const struct csv_reader *r);

/* How far through the input the reader is, 0..1 (for progress bars). */
double csv_progress(const struct csv_reader *r);

/* Write one field, quoted when it holds a comma, quote, CR, LF or leading
 * or trailing space. */
int csv_write_field(FILE *f, const char *s);

/* Append one field to out, quoted as RFC 4180 says when it needs to be;
 * when text, a value a spreadsheet would take for a formula (= + - @, a
 * tab or CR first) gets a leading ' so that opening the file never runs
 * anything. Numbers are written with text false. ERR_TOOBIG when out is
 * full. */
struct buf;
int csv_put_field(struct buf *out, const char *s, bool text);
