/* opts: a command's options declared once, in a table; the parser and the
 * usage text both come from it (git's parse-options is the model).
 *
 * Each command keeps its options in a struct of its own; a table row names
 * the option, what to type after it, one line of help, its kind, and where
 * its value goes in that struct (OPT_* below). Values not given keep what
 * the struct held before parsing, so defaults are set there. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_kind {
	OPT_FLAG,     /* bool: given or not */
	OPT_STRING,   /* const char *: the text as typed */
	OPT_INT,      /* int64_t: a whole number from min to max */
	OPT_DURATION, /* int64_t: a length of time, "90s", "15m", "12h", "2d", in microseconds */
	OPT_LIST,     /* struct opt_list: repeatable, every value kept in order */
};

#define OPT_LIST_MAX 32

struct opt_list {
	const char *item[OPT_LIST_MAX];
	int n;
};

struct opt {
	const char *name;  /* without the dashes: "db" for --db */
	const char *value; /* what to type after it, for usage: "URL"; NULL for a flag */
	const char *help;
	enum opt_kind kind;
	bool required;
	size_t offset;    /* of the value in the command's options struct */
	int64_t min, max; /* OPT_INT: the range; OPT_LIST: at most max values */
};

/* The offset of T's field f, which must have type `type` (the compound
 * literal makes a wrong table row a compile error rather than a stray
 * write). */
#define OPT_AT_(T, f, type) (offsetof(T, f) + 0 * sizeof((type){&((T *)0)->f}))

/* Rows of an option table; trailing arguments add designators, as in
 * OPT_STRING(struct o, id, "id", "COL", "...", .required = true). */
#define OPT_FLAG(T, f, n, h, ...) \
	{.name = (n), .help = (h), .kind = OPT_FLAG, .offset = OPT_AT_(T, f, bool *), __VA_ARGS__}
#define OPT_STRING(T, f, n, v, h, ...) \
	{.name = (n), .value = (v), .help = (h), .kind = OPT_STRING, .offset = OPT_AT_(T, f, const char **), __VA_ARGS__}
#define OPT_INT(T, f, n, v, h, lo, hi, ...)                                                                     \
	{.name = (n), .value = (v), .help = (h), .kind = OPT_INT, .offset = OPT_AT_(T, f, int64_t *), .min = (lo), \
	 .max = (hi), __VA_ARGS__}
#define OPT_DURATION(T, f, n, h, ...)                                                                 \
	{.name = (n), .value = "TIME", .help = (h), .kind = OPT_DURATION, .offset = OPT_AT_(T, f, int64_t *), \
	 __VA_ARGS__}
#define OPT_LIST(T, f, n, v, h, most, ...)                                                                    \
	{.name = (n), .value = (v), .help = (h), .kind = OPT_LIST, .offset = OPT_AT_(T, f, struct opt_list *), \
	 .max = (most), __VA_ARGS__}
#define OPT_END {0}

/* The options most commands share. */
#define OPT_DB(T, f) \
	OPT_STRING(T, f, "db", "URL", "the database: a SQLite file (default ./hartline.db, or $HARTLINE_DB) or a postgresql:// URL")
#define OPT_KEY_FILE(T, f) \
	OPT_STRING(T, f, "key-file", "FILE", \
		   "the key file (default $HARTLINE_KEY_FILE, else hartline.key beside a SQLite database)")
#define OPT_PACK(T, f) \
	OPT_STRING(T, f, "pack", "FILE", "the jurisdiction pack (default: the built-in packs/connecticut.json)")

struct cli_command {
	const char *name;    /* as typed: "serve", "match dedupe" */
	const char *args;    /* the arguments that are not options, for usage: "verify", "FILE.csv" */
	const char *summary; /* one line or two */
	const struct opt *opts; /* ends with OPT_END; NULL: none */
	int max_args;        /* the most arguments that are not options */
	int (*run)(int argc, char **argv);
	const struct cli_command *const *subs; /* a command of subcommands (NULL-terminated); run is NULL */
};

enum { OPTS_HELP = 1 };

/* Parse argv[1..argc) against cmd's table into out; the arguments that are
 * not options go to args (at most cmd->max_args). "--name value" and
 * "--name=value" both work; "-" alone is an argument. Returns 0; OPTS_HELP
 * when --help or -h came before any problem; or ERR_INVAL with why (a
 * sentence naming the option and what to type) in why. */
int opts_parse(const struct cli_command *cmd, int argc, char **argv, void *out, const char **args, int *nargs,
	       char *why, size_t why_size);

/* The usage of cmd (each subcommand's, for a command of subcommands),
 * generated from its table. */
void opts_usage(const struct cli_command *cmd, FILE *f);

/* A configuration file's settings into out, each line `name = value` as if
 * --name value were typed (a flag's value is true or false, yes or no);
 * blank lines and lines starting with # are skipped. text is the file's
 * content, NUL-terminated, and is cut up in place: the values point into
 * it, so it must outlive out. Read it before the command line, which then
 * overrides it. 0, or ERR_INVAL with the problem in why naming file, the
 * line and the setting. */
int opts_parse_config(const struct cli_command *cmd, const char *file, char *text, void *out, char *why,
		      size_t why_size);

/* The value given to --name on the command line (--name VALUE or
 * --name=VALUE), or NULL. */
const char *opts_peek(int argc, char **argv, const char *name);

/* What the usage adds after an option's help: its range ("; 1 to 256"),
 * the form of a length of time, "; required". Empty for the others. */
void opts_help_tail(const struct opt *o, char *out, size_t size);

/* "90s", "15m", "12h", "2d" (up to 366 days) into microseconds. */
int opts_parse_duration(const char *s, int64_t *ret);
