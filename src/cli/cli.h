/* cli: the hartline command table and the option parser its commands share.
 *
 * Each command is `int cmd_x(int argc, char **argv)` where argv[0] is the
 * command's name; it returns the process exit code: 0 done, 1 failed,
 * 2 used wrongly (usage printed to stderr). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { EXIT_USAGE = 2 };

struct cli_opt {
	const char *name;   /* "--db" */
	const char **value; /* set for options that take a value */
	bool *flag;         /* set for options that do not */
};

/* Parse options; positional arguments are gathered into pos (at most
 * maxpos). Prints the problem and the command's usage to stderr and returns
 * EXIT_USAGE on an unknown option, a missing value or too many positionals. */
int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char **pos, int maxpos, int *npos);

/* The database URL: --db, else HARTLINE_DB, else ./hartline.db. */
const char *cli_db_url(const char *opt);

/* Open the installation for a command that acts on it, as the "cli"
 * administrator; prints the problem and returns 1 on failure. */
struct app;
int cli_open_app(struct app *app, const char *db, const char *pack, const char *key_file);

/* Read a password: from standard input (one line) when from_stdin, else
 * from the terminal without echo, twice when confirm. */
int cli_read_password(const char *prompt, bool from_stdin, bool confirm, char *out, size_t size);

/* "90s", "15m", "12h", "2d" into microseconds. */
int cli_parse_duration(const char *s, int64_t *ret);

/* Print the usage of one command (or of all, name NULL) to f. */
void cli_usage(const char *name, void *f);

int cmd_init(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_deadlines(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_generate(int argc, char **argv);
