/* cli: the hartline command table and what its commands share.
 *
 * Each command is declared once as a struct cli_command (cli/opts.h): its
 * name, arguments, summary and option table, from which both its parsing
 * and its usage text come. Its run function is `int run(int argc, char
 * **argv)` with argv[0] the command's name; it returns the process exit
 * code: 0 done, 1 failed, 2 used wrongly (the problem and usage printed to
 * stderr). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/opts.h"

enum { EXIT_USAGE = 2 };

/* Parse argv against cmd's table into out (opts_parse). On --help prints
 * the usage to stdout and returns OPTS_HELP; on a problem prints it and the
 * usage to stderr and returns ERR_INVAL; else 0. The caller returns
 * cli_exit(r) when r is not 0. */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, void *out, const char **args, int *nargs);

/* The exit code after cli_parse answered r (not 0). */
static inline int cli_exit(int r)
{
	return r == OPTS_HELP ? 0 : EXIT_USAGE;
}

/* cli_parse for a command that is one verb ("sweep", "verify"), with one
 * argument after it when ret_arg is not NULL ("referrals FILE.csv"). false,
 * with the usage printed and the exit code in *ret_exit, when argv is
 * anything else; true to go on. */
bool cli_parse_verb(const struct cli_command *cmd, int argc, char **argv, void *out, const char *verb,
		    const char **ret_arg, int *ret_exit);

/* A command used wrongly in a way its table cannot say (a missing or
 * unknown subcommand, options that exclude each other): prints "hartline
 * NAME: problem" and the usage to stderr; returns EXIT_USAGE. */
int cli_misuse(const struct cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The database URL: --db, else HARTLINE_DB, else ./hartline.db. */
const char *cli_db_url(const char *opt);

/* Open the installation for a command that acts on it, as the "cli"
 * administrator; prints the problem and returns 1 on failure. */
struct app;
int cli_open_app(struct app *app, const char *db, const char *pack, const char *key_file);

/* Read a password: from standard input (one line) when from_stdin, else
 * from the terminal without echo, twice when confirm. */
int cli_read_password(const char *prompt, bool from_stdin, bool confirm, char *out, size_t size);

/* Every command, in the order `hartline help` lists them (n of them). */
const struct cli_command *const *cli_commands(size_t *n);

extern const struct cli_command cli_man;
extern const struct cli_command cli_init, cli_migrate, cli_serve, cli_user, cli_demo, cli_audit, cli_key,
	cli_routes, cli_match, cli_pack, cli_deadlines, cli_import, cli_generate,
	cli_training, cli_backup, cli_restore, cli_verify;
