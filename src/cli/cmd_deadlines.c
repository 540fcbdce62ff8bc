/* hartline deadlines sweep: notify owners and HART of duties coming due and
 * overdue, each once, as the server's sweep thread does (docs/cases.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "cli/cli.h"
#include "service/app.h"
#include "service/deadlines.h"

int cmd_deadlines(int argc, char **argv)
{
	const char *db = NULL, *key = NULL, *pack = NULL, *smtp = NULL, *mail_from = NULL, *public_url = NULL;
	/* The server's settings: its pack decides when reminders are due, and
	 * with --smtp the notices are queued for e-mail too (the server's
	 * sender delivers them), with links to --public-url. */
	const struct cli_opt opts[] = {
		{"--db", &db, NULL},
		{"--key-file", &key, NULL},
		{"--pack", &pack, NULL},
		{"--smtp", &smtp, NULL},
		{"--mail-from", &mail_from, NULL},
		{"--public-url", &public_url, NULL},
		{0},
	};
	const char *pos[1];
	int npos = 0;
	int r = cli_parse(argc, argv, opts, pos, 1, &npos);
	if (r)
		return r;
	if (npos != 1 || strcmp(pos[0], "sweep") != 0) {
		fprintf(stderr, "hartline deadlines: expected 'sweep'\n");
		cli_usage("deadlines", stderr);
		return EXIT_USAGE;
	}
	struct app app;
	if (cli_open_app(&app, db, pack, key))
		return 1;
	app.smtp_url = smtp ? strdup(smtp) : NULL;
	app.mail_from = strdup(mail_from ? mail_from : "hartline@localhost");
	app.public_url = public_url ? strdup(public_url) : NULL;
	struct sweep_result res = {0, 0};
	r = svc_deadlines_sweep(&app, now(), &res);
	app_close(&app);
	if (r < 0) {
		fprintf(stderr, "hartline deadlines sweep: %s\n", err_str(r));
		return 1;
	}
	printf("deadlines sweep: %d due-soon reminder%s and %d overdue notice%s sent\n", res.due_soon,
	       res.due_soon == 1 ? "" : "s", res.overdue, res.overdue == 1 ? "" : "s");
	return 0;
}
