/* hartline deadlines sweep: notify owners and HART of duties coming due and
 * overdue, each once, as the server's sweep thread does (docs/cases.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "base/clock.h"
#include "base/err.h"
#include "cli/cli.h"
#include "service/app.h"
#include "service/deadlines.h"
#include "service/training_informed.h"

/* The server's settings: its pack decides when reminders are due, and with
 * --smtp the notices are queued for e-mail too (the server's sender
 * delivers them), with links to --public-url. */
struct deadlines_opts {
	const char *db, *key, *pack, *smtp, *mail_from, *public_url;
};

static const struct opt deadlines_table[] = {
	OPT_DB(struct deadlines_opts, db),
	OPT_KEY_FILE(struct deadlines_opts, key),
	OPT_PACK(struct deadlines_opts, pack),
	OPT_STRING(struct deadlines_opts, smtp, "smtp", "URL", "also queue the notices for e-mail (smtp://HOST:PORT)"),
	OPT_STRING(struct deadlines_opts, mail_from, "mail-from", "ADDR", "the e-mails' sender (default hartline@localhost)"),
	OPT_STRING(struct deadlines_opts, public_url, "public-url", "URL", "the address staff open hartline at, for links"),
	OPT_END,
};

/* While a server sweeps the same PostgreSQL database (ERR_BUSY), wait for
 * it to finish (a sweep takes a moment) and sweep what it left: 30 seconds
 * of tries, 100 ms apart. */
#define SWEEP_TRIES 300

static bool wait_for_server(int r, int *tries)
{
	if (r != ERR_BUSY || ++*tries > SWEEP_TRIES)
		return false;
	nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
	return true;
}

static int run_deadlines(int argc, char **argv)
{
	struct deadlines_opts o = {0};
	int r;
	if (!cli_parse_verb(&cli_deadlines, argc, argv, &o, "sweep", NULL, &r))
		return r;
	struct app app;
	if (cli_open_app(&app, o.db, o.pack, o.key))
		return 1;
	app.smtp_url = o.smtp ? strdup(o.smtp) : NULL;
	app.mail_from = strdup(o.mail_from ? o.mail_from : "hartline@localhost");
	app.public_url = o.public_url ? strdup(o.public_url) : NULL;
	struct sweep_result res = {0, 0};
	int tries = 0;
	while (wait_for_server(r = svc_deadlines_sweep(&app, now(), &res), &tries))
		;
	int informed = 0; /* providers' trafficking-informed statuses lapse with time */
	tries = 0;
	while (r == 0 && wait_for_server(r = svc_training_informed_sweep(&app, &informed), &tries))
		;
	app_close(&app);
	if (r == ERR_BUSY) {
		fprintf(stderr, "hartline deadlines sweep: a server has been sweeping for 30 seconds: nothing was sent here; "
				"try again in a minute\n");
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "hartline deadlines sweep: %s\n", err_str(r));
		return 1;
	}
	printf("deadlines sweep: %d due-soon reminder%s and %d overdue notice%s sent\n", res.due_soon,
	       res.due_soon == 1 ? "" : "s", res.overdue, res.overdue == 1 ? "" : "s");
	printf("trafficking-informed: %d provider%s changed\n", informed, informed == 1 ? "" : "s");
	return 0;
}

const struct cli_command cli_deadlines = {
	.name = "deadlines", .args = "sweep", .opts = deadlines_table, .max_args = 1, .run = run_deadlines,
	.summary = "notify owners and HART of duties coming due and overdue, each once (the server does it every minute)",
};
