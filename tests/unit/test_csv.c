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

/* One csv_next call and what it must give. */
struct step {
	size_t want;           /* the field count asked for (0: any) */
	int ret;               /* csv_next's answer */
	size_t n;              /* row.n, when not 0 */
	size_t line;           /* row.line, when not 0 */
	const char *field[3];  /* row.fields[i], when not NULL */
	const char *error;     /* csv_error(), when not NULL */
	const char *error_has; /* a part of csv_error(), when not NULL */
};

#define STEPS(s) (s), sizeof(s) / sizeof *(s)

/* Read text with the steps in turn; answers the reader, to close. */
static struct csv_reader *reads(const char *text, const struct step *steps, size_t nsteps)
{
	struct csv_reader *r = open_text(text);
	for (const struct step *s = steps; s < steps + nsteps; s++) {
		struct csv_row row;
		assert_int_equal(csv_next(r, s->want, &row), s->ret);
		if (s->n)
			assert_int_equal(row.n, s->n);
		if (s->line)
			assert_int_equal(row.line, s->line);
		for (size_t i = 0; i < sizeof s->field / sizeof *s->field; i++)
			if (s->field[i])
				assert_string_equal(row.fields[i], s->field[i]);
		if (s->error)
			assert_string_equal(csv_error(r), s->error);
		if (s->error_has)
			assert_non_null(strstr(csv_error(r), s->error_has));
	}
	return r;
}

UNIT_TEST(reads_fields_with_spaces_after_commas_like_febrl)
{
	static const struct step steps[] = {
		{.want = 0, .ret = 1, .n = 3, .field = {NULL, "given_name"}},
		{.want = 3, .ret = 1, .line = 2, .field = {"rec-1-org", "katherine", "smith"}},
		{.want = 3, .ret = 0},
	};
	csv_close(reads("rec_id, given_name, surname\nrec-1-org, katherine , smith\n", STEPS(steps)));
}

UNIT_TEST(reads_quoted_fields_with_commas_quotes_and_line_breaks)
{
	static const struct step steps[] = {
		{.want = 0, .ret = 1, .field = {NULL, NULL, "c"}},
		{.want = 3, .ret = 1, .field = {"O'Brien, Katie", "say \"hi\"", "two\nlines"}},
		{.want = 3, .ret = 1, .line = 4, .field = {NULL, ""}},
		{.want = 3, .ret = 0},
	};
	csv_close(reads("a,b,c\r\n\"O'Brien, Katie\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nx,,z\n", STEPS(steps)));
}

UNIT_TEST(reports_a_wrong_field_count_with_its_line_and_goes_on)
{
	static const struct step steps[] = {
		{.want = 2, .ret = 1},
		{.want = 2, .ret = 1},
		{.want = 2, .ret = ERR_PARSE, .error = "t.csv:3: 1 fields, expected 2"},
		{.want = 2, .ret = 1, .line = 5, .field = {"4"}},
	};
	csv_close(reads("a,b\n1,2\n3\n\n4,5\n", STEPS(steps)));
}

UNIT_TEST(reports_text_after_a_closing_quote)
{
	static const struct step steps[] = {
		{.want = 0, .ret = ERR_PARSE, .error = "t.csv:1: field 1: text after the closing quote"},
		{.want = 0, .ret = 1, .field = {"ok"}},
	};
	csv_close(reads("\"ab\"c,d\nok,1\n", STEPS(steps)));
}

UNIT_TEST(reports_a_quote_inside_an_unquoted_field)
{
	static const struct step steps[] = {
		{.want = 0, .ret = ERR_PARSE, .error_has = "t.csv:1: field 2"},
		{.want = 0, .ret = 0},
	};
	csv_close(reads("a,b\"c\n", STEPS(steps)));
}

UNIT_TEST(reports_a_quote_never_closed)
{
	static const struct step steps[] = {
		{.want = 2, .ret = 1},
		{.want = 2, .ret = ERR_PARSE, .error = "t.csv:2: field 2: a quote is never closed"},
		{.want = 2, .ret = 0},
	};
	csv_close(reads("x,y\n1,\"open\n2,3\n", STEPS(steps)));
}

UNIT_TEST(skips_a_byte_order_mark_and_a_missing_final_newline)
{
	static const struct step steps[] = {
		{.want = 0, .ret = 1, .field = {"id"}},
		{.want = 2, .ret = 1, .field = {NULL, "Zoë"}},
	};
	struct csv_reader *r = reads("\xef\xbb\xbfid,name\n7,Zoë", STEPS(steps));
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
