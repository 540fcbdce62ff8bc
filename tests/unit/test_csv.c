/* Unit tests of src/base/csv: real-world CSV read strictly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/csv.h"
#include "base/err.h"

static struct csv_reader *open_text(const char *text)
{
	struct csv_reader *r;
	assert_int_equal(csv_open_buffer("t.csv", text, strlen(text), &r), 0);
	return r;
}

UNIT_TEST(reads_fields_with_spaces_after_commas_like_febrl)
{
	struct csv_reader *r = open_text("rec_id, given_name, surname\nrec-1-org, katherine , smith\n");
	struct csv_row row;
	assert_int_equal(csv_next(r, 0, &row), 1);
	assert_int_equal(row.n, 3);
	assert_string_equal(row.fields[1], "given_name");
	assert_int_equal(csv_next(r, 3, &row), 1);
	assert_int_equal(row.line, 2);
	assert_string_equal(row.fields[0], "rec-1-org");
	assert_string_equal(row.fields[1], "katherine");
	assert_string_equal(row.fields[2], "smith");
	assert_int_equal(csv_next(r, 3, &row), 0);
	csv_close(r);
}

UNIT_TEST(reads_quoted_fields_with_commas_quotes_and_line_breaks)
{
	struct csv_reader *r = open_text("a,b,c\r\n\"O'Brien, Katie\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nx,,z\n");
	struct csv_row row;
	assert_int_equal(csv_next(r, 0, &row), 1);
	assert_string_equal(row.fields[2], "c");
	assert_int_equal(csv_next(r, 3, &row), 1);
	assert_string_equal(row.fields[0], "O'Brien, Katie");
	assert_string_equal(row.fields[1], "say \"hi\"");
	assert_string_equal(row.fields[2], "two\nlines");
	assert_int_equal(csv_next(r, 3, &row), 1);
	assert_int_equal(row.line, 4);
	assert_string_equal(row.fields[1], "");
	assert_int_equal(csv_next(r, 3, &row), 0);
	csv_close(r);
}

UNIT_TEST(reports_a_wrong_field_count_with_its_line_and_goes_on)
{
	struct csv_reader *r = open_text("a,b\n1,2\n3\n\n4,5\n");
	struct csv_row row;
	assert_int_equal(csv_next(r, 2, &row), 1);
	assert_int_equal(csv_next(r, 2, &row), 1);
	assert_int_equal(csv_next(r, 2, &row), ERR_PARSE);
	assert_string_equal(csv_error(r), "t.csv:3: 1 fields, expected 2");
	assert_int_equal(csv_next(r, 2, &row), 1);
	assert_int_equal(row.line, 5);
	assert_string_equal(row.fields[0], "4");
	csv_close(r);
}

UNIT_TEST(reports_text_after_a_closing_quote)
{
	struct csv_reader *r = open_text("\"ab\"c,d\nok,1\n");
	struct csv_row row;
	assert_int_equal(csv_next(r, 0, &row), ERR_PARSE);
	assert_string_equal(csv_error(r), "t.csv:1: field 1: text after the closing quote");
	assert_int_equal(csv_next(r, 0, &row), 1);
	assert_string_equal(row.fields[0], "ok");
	csv_close(r);
}

UNIT_TEST(reports_a_quote_inside_an_unquoted_field)
{
	struct csv_reader *r = open_text("a,b\"c\n");
	struct csv_row row;
	assert_int_equal(csv_next(r, 0, &row), ERR_PARSE);
	assert_non_null(strstr(csv_error(r), "t.csv:1: field 2"));
	assert_int_equal(csv_next(r, 0, &row), 0);
	csv_close(r);
}

UNIT_TEST(reports_a_quote_never_closed)
{
	struct csv_reader *r = open_text("x,y\n1,\"open\n2,3\n");
	struct csv_row row;
	assert_int_equal(csv_next(r, 2, &row), 1);
	assert_int_equal(csv_next(r, 2, &row), ERR_PARSE);
	assert_string_equal(csv_error(r), "t.csv:2: field 2: a quote is never closed");
	assert_int_equal(csv_next(r, 2, &row), 0);
	csv_close(r);
}

UNIT_TEST(skips_a_byte_order_mark_and_a_missing_final_newline)
{
	struct csv_reader *r = open_text("\xef\xbb\xbfid,name\n7,Zoë");
	struct csv_row row;
	assert_int_equal(csv_next(r, 0, &row), 1);
	assert_string_equal(row.fields[0], "id");
	assert_int_equal(csv_next(r, 2, &row), 1);
	assert_string_equal(row.fields[1], "Zoë");
	assert_true(csv_progress(r) == 1.0);
	csv_close(r);
}

UNIT_TEST(writes_fields_that_read_back_the_same)
{
	char path[] = "/tmp/hartline-csv-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	const char *vals[] = {"plain", "with, comma", "say \"hi\"", " padded ", "", "two\nlines"};
	for (int i = 0; i < 6; i++) {
		if (i)
			fputc(',', f);
		assert_int_equal(csv_write_field(f, vals[i]), 0);
	}
	fputc('\n', f);
	fclose(f);
	struct csv_reader *r;
	char err[256];
	assert_int_equal(csv_open(path, &r, err, sizeof err), 0);
	struct csv_row row;
	assert_int_equal(csv_next(r, 6, &row), 1);
	for (int i = 0; i < 6; i++)
		assert_string_equal(row.fields[i], vals[i]);
	csv_close(r);
	unlink(path);
	assert_int_equal(csv_open(path, &r, err, sizeof err), ERR_NOTFOUND);
	assert_non_null(strstr(err, path));
}

UNIT_TEST(reads_the_febrl_files)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/../shared/data/febrl/dataset1.csv", getenv("HARTLINE_SOURCE_ROOT"));
	struct csv_reader *r;
	char err[256];
	if (csv_open(path, &r, err, sizeof err) < 0)
		skip();
	struct csv_row row;
	assert_int_equal(csv_next(r, 0, &row), 1);
	size_t cols = row.n, n = 0;
	assert_int_equal(cols, 11);
	int rc;
	while ((rc = csv_next(r, cols, &row)) == 1)
		n++;
	assert_int_equal(rc, 0);
	assert_int_equal(n, 1000);
	csv_close(r);
}

int main(void)
{
	return unit_run("csv", NULL, NULL);
}
