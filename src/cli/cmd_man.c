/* hartline man: the manual page hartline(1), in roff, generated from the
 * same command and option tables as the usage (cli/opts.h), so the two
 * never disagree. The build writes it to hartline.1 (meson.build). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "version.h"

/* s as roff text: a backslash escaped, a dash that starts a word (an
 * option's) as a minus sign, and a line never starting with a control
 * character. */
static void roff(FILE *f, const char *s)
{
	for (const char *p = s; *p; p++) {
		bool line_start = p == s;
		if (line_start && (*p == '.' || *p == '\''))
			fputs("\\&", f);
		if (*p == '\\')
			fputs("\\e", f);
		else if (*p == '-' && (p == s || p[-1] == ' ' || p[-1] == '-' || p[-1] == '(' || p[-1] == '`'))
			fputs("\\-", f);
		else
			fputc(*p, f);
	}
}

static void synopsis(FILE *f, const struct cli_command *cmd)
{
	fputs(".SS \"hartline ", f);
	roff(f, cmd->name);
	if (cmd->args && cmd->args[0]) {
		fputc(' ', f);
		roff(f, cmd->args);
	}
	for (const struct opt *o = cmd->opts; o && o->name; o++)
		if (o->required) {
			fputs(" \\-\\-", f);
			roff(f, o->name);
			if (o->value) {
				fputc(' ', f);
				roff(f, o->value);
			}
		}
	if (cmd->opts && cmd->opts[0].name)
		fputs(" [OPTIONS]", f);
	fputs("\"\n", f);
}

static void command(FILE *f, const struct cli_command *cmd)
{
	synopsis(f, cmd);
	roff(f, cmd->summary);
	fputs(".\n", f);
	for (const struct opt *o = cmd->opts; o && o->name; o++) {
		fputs(".TP\n\\fB\\-\\-", f);
		roff(f, o->name);
		fputs("\\fR", f);
		if (o->value) {
			fputs(" \\fI", f);
			roff(f, o->value);
			fputs("\\fR", f);
		}
		if (o->kind == OPT_LIST)
			fputs(" ...", f);
		fputc('\n', f);
		char tail[96];
		opts_help_tail(o, tail, sizeof tail);
		roff(f, o->help);
		roff(f, tail);
		fputs(".\n", f);
	}
}

static const char *const HEAD =
	".nh\n"
	".ad l\n"
	".SH NAME\n"
	"hartline \\- case management and response coordination for child\\-welfare agencies\n"
	".SH SYNOPSIS\n"
	".B hartline\n"
	".I COMMAND\n"
	".RI [ OPTIONS ]\n"
	".br\n"
	".B hartline \\-\\-version\n"
	".br\n"
	".B hartline help\n"
	".RI [ COMMAND ]\n"
	".SH DESCRIPTION\n"
	"hartline is one program: the web server and API\n"
	".RB ( \"hartline serve\" )\n"
	"and the commands that set up and look after an installation.\n"
	"Its data lives in a SQLite file or a PostgreSQL database; the personal data in it is sealed\n"
	"with keys from a key file kept apart from the database.\n"
	".PP\n"
	"Every option is written\n"
	".B \\-\\-name value\n"
	"or\n"
	".BR \\-\\-name=value .\n"
	"An option not given keeps its default, named in its description.\n"
	".SH COMMANDS\n";

static const char *const TAIL =
	".SH CONFIGURATION FILE\n"
	".B hartline serve \\-\\-config\n"
	".I FILE\n"
	"reads the settings of\n"
	".B serve\n"
	"from\n"
	".IR FILE ,\n"
	"one a line, each written as\n"
	".I name\n"
	"=\n"
	".IR value ,\n"
	"the name being the option's without its dashes.\n"
	"Blank lines and lines starting with # are skipped.\n"
	"A flag's value is true or false (or yes or no).\n"
	"Options on the command line override the file.\n"
	"A name the file should not hold stops the start, naming the file and the line.\n"
	".PP\n"
	".nf\n"
	".RS\n"
	"db = /var/lib/hartline/hartline.db\n"
	"key\\-file = /var/lib/hartline/hartline.key\n"
	"listen = 0.0.0.0:8443\n"
	"tls\\-cert = /etc/hartline/tls.crt\n"
	"tls\\-key = /etc/hartline/tls.key\n"
	".RE\n"
	".fi\n"
	".SH ENVIRONMENT\n"
	".TP\n"
	".B HARTLINE_DB\n"
	"the database, when\n"
	".B \\-\\-db\n"
	"is not given.\n"
	".TP\n"
	".B HARTLINE_KEY_FILE\n"
	"the key file, when\n"
	".B \\-\\-key\\-file\n"
	"is not given.\n"
	".TP\n"
	".B HARTLINE_LOG\n"
	"the least level logged: debug, info (the default), warn or error.\n"
	".TP\n"
	".B TMPDIR\n"
	"where an attachment waits, sealed, while it arrives (default /tmp).\n"
	".SH FILES\n"
	".TP\n"
	".I hartline.key\n"
	"the key file, beside a SQLite database unless named; mode 0600.\n"
	"Not in the database or its backups: keep a copy apart from them.\n"
	".TP\n"
	".I hartline.audit\\-head\n"
	"the audit chain's head, beside the key file.\n"
	".SH EXIT STATUS\n"
	"0 when done; 1 when the command failed; 2 when it was used wrongly\n"
	"(the problem and the usage are written to standard error).\n"
	".SH SEE ALSO\n"
	"The documents in the source tree's\n"
	".I docs\n"
	"directory, operations.md first.\n";

static int run_man(int argc, char **argv)
{
	int r = cli_parse(&cli_man, argc, argv, NULL, NULL, NULL);
	if (r)
		return cli_exit(r);
	printf(".TH HARTLINE 1 \"\" \"hartline %s\" \"User Commands\"\n", HARTLINE_VERSION);
	fputs(HEAD, stdout);
	size_t n;
	const struct cli_command *const *all = cli_commands(&n);
	for (size_t i = 0; i < n; i++) {
		if (!all[i]->subs) {
			command(stdout, all[i]);
			continue;
		}
		for (const struct cli_command *const *s = all[i]->subs; *s; s++)
			command(stdout, *s);
	}
	fputs(TAIL, stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

const struct cli_command cli_man = {
	.name = "man", .run = run_man,
	.summary = "print this program's manual page, hartline(1), for man -l - or to install",
};
