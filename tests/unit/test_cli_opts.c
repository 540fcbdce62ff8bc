/* The command-line option parser: every kind of option, both ways of giving
 * a value, repeats, and every way a command line can be wrong, with the
 * message naming the option and what to type. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cli/opts.h"

struct t_opts {
	const char *db, *id;
	int64_t workers, idle;
	bool strict;
	struct opt_list field;
};

#define T struct t_opts
static const struct opt table[] = {
	OPT_STRING(T, db, "db", "URL", "the database"),
	OPT_STRING(T, id, "id", "COL", "the id column", .required = true),
	OPT_INT(T, workers, "workers", "N", "threads", 1, 256),
	OPT_DURATION(T, idle, "session-idle", "idle time"),
	OPT_FLAG(T, strict, "strict", "stop early"),
	OPT_LIST(T, field, "field", "KIND=COL", "a field", 3),
	OPT_END,
};
#undef T

static const struct cli_command cmd = {
	.name = "test", .args = "FILE", .summary = "a command for the tests", .opts = table, .max_args = 1};

struct parsed {
	struct t_opts o;
	const char *args[1];
	int nargs;
	char why[256];
};

/* Parse a NULL-terminated list of arguments after the command's name. */
static int parse(struct parsed *p, ...)
{
	char *argv[32] = {"test"};
	int argc = 1;
	va_list ap;
	va_start(ap, p);
	for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
		argv[argc++] = a;
	va_end(ap);
	memset(p, 0, sizeof *p);
	p->o.workers = 7; /* a default that stays when --workers is not given */
	return opts_parse(&cmd, argc, argv, &p->o, p->args, &p->nargs, p->why, sizeof p->why);
}

UNIT_TEST(test_values_both_ways)
{
	struct parsed p;
	assert_int_equal(parse(&p, "--db", "a.db", "--id=rec", "file.csv", "--workers=12", "--session-idle", "15m",
			       "--strict", NULL),
			 0);
	assert_string_equal(p.o.db, "a.db");
	assert_string_equal(p.o.id, "rec");
	assert_int_equal(p.o.workers, 12);
	assert_int_equal(p.o.idle, (int64_t)15 * 60 * 1000000);
	assert_true(p.o.strict);
	assert_int_equal(p.nargs, 1);
	assert_string_equal(p.args[0], "file.csv");
	/* "--db=" gives an empty value, not the next argument. */
	assert_int_equal(parse(&p, "--db=", "--id", "x", NULL), 0);
	assert_string_equal(p.o.db, "");
	assert_int_equal(p.nargs, 0);
}

UNIT_TEST(test_defaults_stay)
{
	struct parsed p;
	assert_int_equal(parse(&p, "--id", "x", NULL), 0);
	assert_int_equal(p.o.workers, 7);
	assert_false(p.o.strict);
	assert_null(p.o.db);
	assert_int_equal(p.o.field.n, 0);
}

UNIT_TEST(test_repeated)
{
	struct parsed p;
	assert_int_equal(parse(&p, "--field", "given=g", "--id", "x", "--field=dob=d:%Y", "--field", "sex=s", NULL), 0);
	assert_int_equal(p.o.field.n, 3);
	assert_string_equal(p.o.field.item[0], "given=g");
	assert_string_equal(p.o.field.item[1], "dob=d:%Y");
	assert_string_equal(p.o.field.item[2], "sex=s");
	/* A single-valued option given twice: the last one counts. */
	assert_int_equal(parse(&p, "--id", "a", "--id", "b", NULL), 0);
	assert_string_equal(p.o.id, "b");
}

UNIT_TEST(test_too_many_repeats)
{
	struct parsed p;
	assert_int_equal(parse(&p, "--id", "x", "--field", "a=1", "--field", "b=2", "--field", "c=3", "--field", "d=4",
			       NULL),
			 ERR_INVAL);
	assert_non_null(strstr(p.why, "at most 3 --field"));
}

UNIT_TEST(test_unknown_option)
{
	struct parsed p;
	assert_int_equal(parse(&p, "--id", "x", "--colour", "red", NULL), ERR_INVAL);
	assert_string_equal(p.why, "there is no option --colour; the options are listed below");
	assert_int_equal(parse(&p, "--colour=red", NULL), ERR_INVAL);
	assert_string_equal(p.why, "there is no option --colour; the options are listed below");
	/* One dash is not the long option. */
	assert_int_equal(parse(&p, "-db", "x", NULL), ERR_INVAL);
	assert_string_equal(p.why, "there is no option -db; the options are listed below");
	/* A prefix is not the option either. */
	assert_int_equal(parse(&p, "--work", "3", NULL), ERR_INVAL);
	assert_non_null(strstr(p.why, "--work;"));
}

UNIT_TEST(test_missing_value)
{
	struct parsed p;
	assert_int_equal(parse(&p, "--id", "x", "--db", NULL), ERR_INVAL);
	assert_string_equal(p.why, "--db needs a value: write --db URL");
	assert_int_equal(parse(&p, "--id", "x", "--session-idle", NULL), ERR_INVAL);
	assert_string_equal(p.why, "--session-idle needs a value: write --session-idle TIME");
}

UNIT_TEST(test_flag_with_value)
{
	struct parsed p;
	assert_int_equal(parse(&p, "--id", "x", "--strict=yes", NULL), ERR_INVAL);
	assert_string_equal(p.why, "--strict takes no value: write just --strict");
}

UNIT_TEST(test_bad_number)
{
	struct parsed p;
	const char *bad[] = {"0", "257", "ten", "", "3x", "-1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(&p, "--id", "x", "--workers", bad[i], NULL), ERR_INVAL);
		char want[128];
		snprintf(want, sizeof want, "--workers %s: expected a whole number from 1 to 256", bad[i]);
		assert_string_equal(p.why, want);
	}
	assert_int_equal(parse(&p, "--id", "x", "--workers=256", NULL), 0);
	assert_int_equal(p.o.workers, 256);
	assert_int_equal(parse(&p, "--id", "x", "--workers", "1", NULL), 0);
	assert_int_equal(p.o.workers, 1);
}

UNIT_TEST(test_bad_duration)
{
	struct parsed p;
	const char *bad[] = {"15", "15x", "m", "0s", "367d", "-5m", "1.5h"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(&p, "--id", "x", "--session-idle", bad[i], NULL), ERR_INVAL);
		char want[128];
		snprintf(want, sizeof want, "--session-idle %s: expected a length of time such as 90s, 15m, 12h or 2d",
			 bad[i]);
		assert_string_equal(p.why, want);
	}
	int64_t us;
	assert_int_equal(opts_parse_duration("90s", &us), 0);
	assert_int_equal(us, (int64_t)90 * 1000000);
	assert_int_equal(opts_parse_duration("2d", &us), 0);
	assert_int_equal(us, (int64_t)2 * 86400 * 1000000);
	assert_int_equal(opts_parse_duration("366d", &us), 0);
	assert_int_equal(opts_parse_duration(NULL, &us), ERR_INVAL);
}

UNIT_TEST(test_missing_required)
{
	struct parsed p;
	assert_int_equal(parse(&p, "file.csv", "--strict", NULL), ERR_INVAL);
	assert_string_equal(p.why, "--id is required: add --id COL");
}

UNIT_TEST(test_unexpected_argument)
{
	struct parsed p;
	assert_int_equal(parse(&p, "--id", "x", "a.csv", "b.csv", NULL), ERR_INVAL);
	assert_string_equal(p.why, "unexpected argument 'b.csv'");
	/* "-" alone is an argument (standard input or output), not an option. */
	assert_int_equal(parse(&p, "--id", "x", "-", NULL), 0);
	assert_string_equal(p.args[0], "-");
}

UNIT_TEST(test_help)
{
	struct parsed p;
	assert_int_equal(parse(&p, "--help", NULL), OPTS_HELP);
	assert_int_equal(parse(&p, "-h", NULL), OPTS_HELP);
	/* Help comes before the required options are missed... */
	assert_int_equal(parse(&p, "--workers", "3", "--help", NULL), OPTS_HELP);
	/* ...but after a problem that came first. */
	assert_int_equal(parse(&p, "--nope", "--help", NULL), ERR_INVAL);
}

UNIT_TEST(test_usage_from_table)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	opts_usage(&cmd, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "usage: hartline test FILE --id COL [OPTIONS]\n  a command for the tests\n"));
	/* Every option, its value's name, its help and its range, in the
	 * table's order, lined up. */
	const char *lines[] = {"\noptions:\n  --db URL             the database\n",
			       "  --id COL             the id column; required\n",
			       "  --workers N          threads; 1 to 256\n",
			       "  --session-idle TIME  idle time; such as 90s, 15m, 12h or 2d\n",
			       "  --strict             stop early\n",
			       "  --field KIND=COL...  a field\n"};
	const char *at = text;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (!(at = strstr(at, lines[i])))
			fail_msg("usage lacks \"%s\" in order in:\n%s", lines[i], text);
	free(text);
}

/* A configuration file: name = value lines as if typed after --name, the
 * command line read after it overriding it, and every wrong line named by
 * the file, its number and the setting. */
static int config(struct parsed *p, const char *text)
{
	static char copy[1024];
	snprintf(copy, sizeof copy, "%s", text);
	memset(p, 0, sizeof *p);
	p->o.workers = 7;
	return opts_parse_config(&cmd, "test.conf", copy, &p->o, p->why, sizeof p->why);
}

UNIT_TEST(test_config_file)
{
	struct parsed p;
	assert_int_equal(config(&p, "# a comment\n\n  db = a.db  \r\nworkers=12\nsession-idle = 15m\n"
				    "strict = yes\nfield = a=1\nfield = \"b = 2\"\n   # indented comment\n"),
			 0);
	assert_string_equal(p.o.db, "a.db");
	assert_int_equal(p.o.workers, 12);
	assert_int_equal(p.o.idle, (int64_t)15 * 60 * 1000000);
	assert_true(p.o.strict);
	assert_int_equal(p.o.field.n, 2);
	assert_string_equal(p.o.field.item[0], "a=1");
	assert_string_equal(p.o.field.item[1], "b = 2");
	assert_int_equal(config(&p, "strict = off\n"), 0);
	assert_false(p.o.strict);
	/* An empty file, or one without a final newline. */
	assert_int_equal(config(&p, ""), 0);
	assert_int_equal(p.o.workers, 7);
	assert_int_equal(config(&p, "workers = 3"), 0);
	assert_int_equal(p.o.workers, 3);
}

UNIT_TEST(test_config_then_command_line)
{
	struct parsed p;
	assert_int_equal(config(&p, "db = from-file.db\nworkers = 12\nid = file-id\n"), 0);
	/* The command line over the file: what it names wins, the rest stays,
	 * and a required option the file gave is not missed. */
	char *argv[] = {"test", "--workers", "3", NULL};
	assert_int_equal(opts_parse(&cmd, 3, argv, &p.o, p.args, &p.nargs, p.why, sizeof p.why), 0);
	assert_int_equal(p.o.workers, 3);
	assert_string_equal(p.o.db, "from-file.db");
	assert_string_equal(p.o.id, "file-id");
}

UNIT_TEST(test_config_problems)
{
	struct parsed p;
	assert_int_equal(config(&p, "db = a.db\n\ncolour = red\n"), ERR_INVAL);
	assert_string_equal(p.why, "test.conf, line 3: there is no setting 'colour'; the settings are the options of "
				   "`hartline test --help`, without the dashes");
	assert_int_equal(config(&p, "db a.db\n"), ERR_INVAL);
	assert_string_equal(p.why, "test.conf, line 1: expected a setting as NAME = VALUE, such as listen = 127.0.0.1:8080");
	assert_int_equal(config(&p, "# fine\nworkers = 0\n"), ERR_INVAL);
	assert_string_equal(p.why, "test.conf, line 2: workers = 0: expected a whole number from 1 to 256");
	assert_int_equal(config(&p, "session-idle = soon\n"), ERR_INVAL);
	assert_string_equal(p.why,
			    "test.conf, line 1: session-idle = soon: expected a length of time such as 90s, 15m, 12h or 2d");
	assert_int_equal(config(&p, "strict = perhaps\n"), ERR_INVAL);
	assert_string_equal(p.why, "test.conf, line 1: strict = perhaps: write strict = true or strict = false");
	assert_int_equal(config(&p, "db =\n"), ERR_INVAL);
	assert_string_equal(p.why, "test.conf, line 1: db has no value: write db = URL");
	assert_int_equal(config(&p, "field = 1\nfield = 2\nfield = 3\nfield = 4\n"), ERR_INVAL);
	assert_string_equal(p.why, "test.conf, line 4: field = 4: at most 3 --field options may be given");
	/* A file cannot name another file. */
	assert_int_equal(config(&p, "config = other.conf\n"), ERR_INVAL);
	assert_non_null(strstr(p.why, "line 1: there is no setting 'config'"));
}

UNIT_TEST(test_peek)
{
	char *argv[] = {"serve", "--db", "x.db", "--config", "a.conf", "--configure=no", NULL};
	assert_string_equal(opts_peek(6, argv, "config"), "a.conf");
	assert_string_equal(opts_peek(6, argv, "configure"), "no");
	assert_null(opts_peek(6, argv, "listen"));
	char *eq[] = {"serve", "--config=b.conf", NULL};
	assert_string_equal(opts_peek(2, eq, "config"), "b.conf");
	char *last[] = {"serve", "--config", NULL};
	assert_null(opts_peek(2, last, "config"));
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
