/* hartline: the command-line front door of the server and its tools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "cli/cli.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *summary;
};

static const struct command commands[] = {
	{"init", cmd_init, "[--db URL] [--pack FILE] [--key-file FILE]",
	 "create the database schema, settings and key file (harmless to repeat)"},
	{"migrate", cmd_migrate, "[--db URL] [--key-file FILE]", "apply schema migrations this version brings"},
	{"serve", cmd_serve,
	 "[--db URL] [--listen ADDR:PORT] [--pack FILE] [--key-file FILE] [--max-body BYTES] [--workers N]\n"
	 "           [--session-idle 30m] [--session-max 12h] [--lockout-after 5] [--lockout-window 15m]\n"
	 "           [--lockout-for 15m] [--cookie-secure] [--trust-proxy] [--smtp smtp://HOST:PORT] [--mail-from ADDR]\n"
	 "           [--public-url URL] [--sweep-seconds N]"
	 "\n           [--setup-link-for 72h]",
	 "run the web server and API (default 127.0.0.1:8080)"},
	{"user", cmd_user,
	 "add NAME --role ROLE [--region R | --team T | --provider P] [--display-name TEXT] [--email E]\n"
	 "           [--password-stdin] | list | disable NAME | enable NAME | unlock NAME\n"
	 "           | passwd NAME [--password-stdin]   (each also takes --db, --key-file)\n"
	 "           add ... --setup-link | setup-link NAME   [--url BASE] [--expires 72h]",
	 "manage the people who may log in"},
	{"demo", cmd_demo, "[--db URL] [--key-file FILE] [--cases]",
	 "create one demo user per role and print their passwords once; --cases adds MDT teams, contacts and cases"},
	{"audit", cmd_audit, "verify [--db URL] [--key-file FILE] [--head SEQ:MAC]",
	 "check the audit chain with the key file, against the head file beside it and a head filed elsewhere;\n"
	 "           prints the head (SEQ:MAC) to file elsewhere"},
	{"key", cmd_key, "rotate [--db URL] [--key-file FILE]",
	 "add a new seal key and re-seal every sealed value under it"},
	{"routes", cmd_routes, "", "list the HTTP routes"},
	{"match", cmd_match,
	 "dedupe FILE.csv --id COL --field KIND=COL[:FORMAT]... --pairs OUT.csv [--clusters OUT.csv]\n"
	 "           [--threshold P] [--threads N] [--as-of YYYY-MM-DD] [--strict] [--quiet] [--verbose]\n"
	 "           | link A.csv B.csv (the same options)\n"
	 "           | evaluate PAIRS.csv --truth FILE.csv --id COL\n"
	 "           | generate --records N [--originals N] [--seed S] [--out FILE]\n"
	 "           KIND: given, family, dob, age, sex, town, postcode, address, ident, other",
	 "find records of the same person in CSV files (identity resolution)"},
	{"pack", cmd_pack, "check FILE", "validate a jurisdiction pack and summarise it"},
	{"deadlines", cmd_deadlines, "sweep [--db URL] [--key-file FILE] [--pack FILE] [--smtp URL] [--mail-from ADDR] [--public-url URL]",
	 "notify owners and HART of duties coming due and overdue, each once (the server does it every minute)"},
	{"import", cmd_import, "referrals FILE.csv [--dry-run] [--db URL] [--key-file FILE] [--pack FILE] [--quiet]",
	 "import past years' referrals (docs/import.md): every line checked first, then all or nothing"},
	{"generate", cmd_generate, "referrals [--count N] [--seed S] [--from YEAR] [--to YEAR] [--pack FILE] [--out FILE]",
	 "write a synthetic referrals import file (default 1000 lines, 2008 to 2015) to standard output"},
	{"help", NULL, "[COMMAND]", "show this help"},
};

void cli_usage(const char *name, void *fp)
{
	FILE *f = fp;
	if (name) {
		for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
			if (strcmp(commands[i].name, name) == 0) {
				fprintf(f, "usage: hartline %s %s\n  %s\n", commands[i].name, commands[i].args,
					commands[i].summary);
				return;
			}
	}
	fprintf(f, "usage: hartline [--version] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n           %s\n", commands[i].name, commands[i].args, commands[i].summary);
	fprintf(f, "\nURL is a SQLite file path (default ./hartline.db, or $HARTLINE_DB)\n"
		   "or a postgresql:// connection URL.\n"
		   "FILE for --pack is a jurisdiction pack (default: the built-in packs/connecticut.json).\n"
		   "The key file (--key-file or $HARTLINE_KEY_FILE) defaults to hartline.key beside a SQLite\n"
		   "database; a PostgreSQL database needs one named.\n");
}

int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char **pos, int maxpos, int *npos)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (n >= maxpos) {
				fprintf(stderr, "hartline %s: unexpected argument '%s'\n", argv[0], a);
				goto usage;
			}
			pos[n++] = a;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
		const struct cli_opt *o = NULL;
		for (const struct cli_opt *p = opts; p && p->name; p++)
			if (strlen(p->name) == nlen && strncmp(p->name, a, nlen) == 0)
				o = p;
		if (!o) {
			fprintf(stderr, "hartline %s: unknown option '%.*s'\n", argv[0], (int)nlen, a);
			goto usage;
		}
		if (o->flag) {
			if (eq) {
				fprintf(stderr, "hartline %s: option '%s' takes no value\n", argv[0], o->name);
				goto usage;
			}
			*o->flag = true;
		} else if (eq) {
			*o->value = eq + 1;
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			fprintf(stderr, "hartline %s: option '%s' needs a value\n", argv[0], o->name);
			goto usage;
		}
	}
	if (npos)
		*npos = n;
	return 0;
usage:
	cli_usage(argv[0], stderr);
	return EXIT_USAGE;
}

const char *cli_db_url(const char *opt)
{
	if (opt && *opt)
		return opt;
	const char *env = getenv("HARTLINE_DB");
	return env && *env ? env : "hartline.db";
}

int main(int argc, char **argv)
{
	log_init_from_env();
	if (argc < 2) {
		cli_usage(NULL, stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("hartline %s\n", HARTLINE_VERSION);
		return 0;
	}
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		cli_usage(argc > 2 ? argv[2] : NULL, stdout);
		return 0;
	}
	if (crypto_init() < 0) {
		fprintf(stderr, "hartline: libsodium could not start (no random source?)\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].fn && strcmp(commands[i].name, name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "hartline: unknown command '%s'\n\n", name);
	cli_usage(NULL, stderr);
	return EXIT_USAGE;
}
