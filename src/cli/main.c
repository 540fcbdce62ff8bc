/* hartline: the command-line front door of the server and its tools. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/err.h"
#include "base/log.h"
#include "cli/cli.h"
#include "commit.h"
#include "version.h"

static const struct cli_command *const commands[] = {
	&cli_init, &cli_migrate, &cli_serve, &cli_user, &cli_demo, &cli_audit, &cli_key,
	&cli_routes, &cli_match, &cli_pack, &cli_deadlines, &cli_import, &cli_generate,
	&cli_training, &cli_backup, &cli_restore, &cli_verify, &cli_man,
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

const struct cli_command *const *cli_commands(size_t *n)
{
	*n = NCOMMANDS;
	return commands;
}

static void usage_all(FILE *f)
{
	fprintf(f, "usage: hartline [--version] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "  %-10s %s\n", "help", "show this help, or with a command's name its arguments and options");
	fprintf(f, "\n`hartline help COMMAND` or `hartline COMMAND --help` lists a command's options.\n"
		   "URL is a SQLite file path (default ./hartline.db, or $HARTLINE_DB)\n"
		   "or a postgresql:// connection URL.\n"
		   "FILE for --pack is a jurisdiction pack (default: the built-in packs/connecticut.json).\n"
		   "The key file (--key-file or $HARTLINE_KEY_FILE) defaults to hartline.key beside a SQLite\n"
		   "database; a PostgreSQL database needs one named.\n");
}

static const struct cli_command *find_command(const struct cli_command *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n && list[i]; i++) {
		/* A subcommand is declared by its full name, "match dedupe". */
		const char *last = strrchr(list[i]->name, ' ');
		if (strcmp(last ? last + 1 : list[i]->name, name) == 0)
			return list[i];
	}
	return NULL;
}

static size_t count_subs(const struct cli_command *cmd)
{
	size_t n = 0;
	while (cmd->subs[n])
		n++;
	return n;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv, void *out, const char **args, int *nargs)
{
	char why[512];
	int r = opts_parse(cmd, argc, argv, out, args, nargs, why, sizeof why);
	if (r == OPTS_HELP) {
		opts_usage(cmd, stdout);
	} else if (r < 0) {
		fprintf(stderr, "hartline %s: %s\n\n", cmd->name, why);
		opts_usage(cmd, stderr);
	}
	return r;
}

bool cli_parse_verb(const struct cli_command *cmd, int argc, char **argv, void *out, const char *verb,
		    const char **ret_arg, int *ret_exit)
{
	const char *pos[2];
	int npos = 0;
	int r = cli_parse(cmd, argc, argv, out, pos, &npos);
	if (r) {
		*ret_exit = cli_exit(r);
		return false;
	}
	if (npos != (ret_arg ? 2 : 1) || strcmp(pos[0], verb) != 0) {
		*ret_exit = cli_misuse(cmd, "expected '%s'", cmd->args);
		return false;
	}
	if (ret_arg)
		*ret_arg = pos[1];
	return true;
}

int cli_misuse(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hartline %s: ", cmd->name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n\n");
	va_end(ap);
	opts_usage(cmd, stderr);
	return EXIT_USAGE;
}

const char *cli_db_url(const char *opt)
{
	if (opt && *opt)
		return opt;
	const char *env = getenv("HARTLINE_DB");
	return env && *env ? env : "hartline.db";
}

static bool is_help(const char *a)
{
	return strcmp(a, "help") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* `hartline help [COMMAND [SUBCOMMAND]]` */
static int help(int argc, char **argv)
{
	if (argc < 3) {
		usage_all(stdout);
		return 0;
	}
	const struct cli_command *cmd = find_command(commands, NCOMMANDS, argv[2]);
	if (cmd && cmd->subs && argc > 3) {
		const struct cli_command *sub = find_command(cmd->subs, count_subs(cmd), argv[3]);
		cmd = sub ? sub : cmd;
	}
	if (!cmd) {
		fprintf(stderr, "hartline help: there is no command '%s'\n\n", argv[2]);
		usage_all(stderr);
		return EXIT_USAGE;
	}
	opts_usage(cmd, stdout);
	return 0;
}

/* Run cmd with argv[0] its name: a command of subcommands picks the one
 * named next. */
static int dispatch(const struct cli_command *cmd, int argc, char **argv)
{
	if (!cmd->subs)
		return cmd->run(argc, argv);
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		opts_usage(cmd, stdout);
		return 0;
	}
	if (argc < 2)
		return cli_misuse(cmd, "which one? See below");
	const struct cli_command *sub = find_command(cmd->subs, count_subs(cmd), argv[1]);
	if (!sub)
		return cli_misuse(cmd, "there is no subcommand '%s'", argv[1]);
	return sub->run(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	log_init_from_env();
	if (argc < 2) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("hartline %s (commit %s)\n", HARTLINE_VERSION, HARTLINE_COMMIT);
		return 0;
	}
	if (is_help(name))
		return help(argc, argv);
	if (crypto_init() < 0) {
		fprintf(stderr, "hartline: libsodium could not start (no random source?)\n");
		return 1;
	}
	const struct cli_command *cmd = find_command(commands, NCOMMANDS, name);
	if (cmd)
		return dispatch(cmd, argc - 1, argv + 1);
	fprintf(stderr, "hartline: unknown command '%s'\n\n", name);
	usage_all(stderr);
	return EXIT_USAGE;
}
