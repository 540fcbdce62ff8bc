/* hartline training import: a session's sign-in sheet from a CSV file
 * (docs/training.md, "Sign-in sheet import"), all or nothing, as the
 * command line's actor, with the messages the API answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/str.h"
#include "cli/cli.h"
#include "service/app.h"
#include "service/training_import.h"

#define SHEET_FILE_MAX ((size_t)16 << 20)

static void progress(void *arg, const char *phase, int64_t done, int64_t total)
{
	int *last = arg;
	if (total <= 0)
		return;
	int pct = (int)(100 * done / total);
	if (pct == *last)
		return;
	*last = pct;
	fprintf(stderr, "\r%-9s [%.*s%*s] %3d%% %lld/%lld lines", strcmp(phase, "write") == 0 ? "importing" : "checking",
		pct / 4, "#########################", 25 - pct / 4, "", pct, (long long)done, (long long)total);
	fflush(stderr);
}

static void print_report(const struct timport_report *rep, const char *path)
{
	if (rep->earlier_id) {
		printf("%s: this file was imported on %.10s (import %lld): nothing was imported again\n", path,
		       rep->earlier_at, (long long)rep->earlier_id);
		return;
	}
	if (rep->error_count > 0) {
		printf("%s: refused, nothing imported: %lld problem%s\n", path, (long long)rep->error_count,
		       rep->error_count == 1 ? "" : "s");
		for (int64_t i = 0; i < rep->nerrors; i++) {
			const struct import_error *e = &rep->errors[i];
			if (e->column[0])
				printf("  line %lld, column \"%s\": %s\n", (long long)e->line, e->column, e->reason);
			else
				printf("  line %lld: %s\n", (long long)e->line, e->reason);
		}
		return;
	}
	printf("%s: %lld line%s %s: %lld matched people already known, %lld new, %lld registered, %lld attended,"
	       " %lld completed, %lld certificate%s%s\n",
	       path, (long long)rep->rows, rep->rows == 1 ? "" : "s",
	       rep->dry_run ? "checked, all good; nothing written (dry run)" : "imported", (long long)rep->matched,
	       (long long)rep->created, (long long)rep->registered, (long long)rep->attended,
	       (long long)rep->completed, (long long)rep->certificates, rep->certificates == 1 ? "" : "s",
	       rep->dry_run ? " to issue" : " issued");
}

struct training_opts {
	const char *db, *key, *pack;
	int64_t session;
	bool dry_run;
};

static const struct opt training_table[] = {
	OPT_INT(struct training_opts, session, "session", "NUMBER", "the session (its id) the sheet is of", 1, INT64_MAX),
	OPT_FLAG(struct training_opts, dry_run, "dry-run", "check every line and say what would happen; write nothing"),
	OPT_DB(struct training_opts, db),
	OPT_KEY_FILE(struct training_opts, key),
	OPT_PACK(struct training_opts, pack),
	OPT_END,
};

static int run_training(int argc, char **argv)
{
	struct training_opts o = {0};
	int r;
	const char *path;
	if (!cli_parse_verb(&cli_training, argc, argv, &o, "import", &path, &r))
		return r;
	if (o.session <= 0)
		return cli_misuse(&cli_training, "--session NUMBER is required");
	char *data = NULL;
	size_t len = 0;
	if ((r = file_read_all(path, SHEET_FILE_MAX, &data, &len)) < 0) {
		fprintf(stderr, "hartline training: %s: %s\n", path, r == ERR_TOOBIG ? "larger than 16 MiB" : err_str(r));
		return 1;
	}
	struct app app;
	if (cli_open_app(&app, o.db, o.pack, o.key)) {
		free(data);
		return 1;
	}
	struct actor cli;
	actor_cli(&cli);
	cli.role = ROLE_TRAINER; /* the command line imports as a trainer would, as demo_training does */
	struct svc_ctx ctx = {.app = &app, .actor = &cli, .client = "cli"};
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	bool tty = isatty(STDERR_FILENO);
	int last = -1;
	struct timport_report rep;
	r = svc_training_import(&ctx, o.session, data, len, base, o.dry_run, tty ? progress : NULL, &last, &rep);
	if (tty && last >= 0)
		fputc('\n', stderr);
	free(data);
	app_close(&app);
	if (r < 0) {
		fprintf(stderr, "hartline training: %s: %s\n", path,
			r == ERR_NOTFOUND ? "no such session: give its id with --session" : err_str(r));
		timport_report_done(&rep);
		return 1;
	}
	print_report(&rep, path);
	int status = rep.error_count > 0 || rep.earlier_id ? 1 : 0;
	timport_report_done(&rep);
	return status;
}

const struct cli_command cli_training = {
	.name = "training", .args = "import FILE.csv --session NUMBER", .opts = training_table, .max_args = 2,
	.run = run_training,
	.summary = "import a training session's sign-in sheet (docs/training.md): every line checked, then all or nothing",
};
