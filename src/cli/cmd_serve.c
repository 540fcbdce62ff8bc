/* hartline serve: run the server until SIGTERM or SIGINT. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "cli/cli.h"
#include "db/db.h"
#include "http/server.h"
#include "model/totp.h"
#include "service/app.h"
#include "service/deadlines.h"
#include "service/figures.h"
#include "service/limits.h"
#include "service/mailer.h"
#include "service/persons.h"

#define GRACE_MS 30000
#define DEFAULT_SWEEP_SECONDS 60
/* The login limits' table: a fixed size, whatever the flood. */
#define LOGIN_LIMIT_SLOTS 4096

/* The duty sweep: one thread that notifies owners and HART of duties
 * coming due and overdue (svc_deadlines_sweep), at start and then every
 * interval, until told to stop. */
struct sweeper {
	struct app *app;
	int64_t interval_s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
};

static void *sweep_main(void *arg)
{
	struct sweeper *sw = arg;
	pthread_mutex_lock(&sw->lock);
	while (!sw->stop) {
		pthread_mutex_unlock(&sw->lock);
		struct sweep_result res = {0, 0};
		int r = svc_deadlines_sweep(sw->app, now(), &res);
		if (r < 0)
			log_warn("sweep_failed", "error=\"%s\"", err_str(r));
		else
			log_info("sweep", "due_soon=%d overdue=%d", res.due_soon, res.overdue);
		pthread_mutex_lock(&sw->lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)sw->interval_s;
		while (!sw->stop && pthread_cond_timedwait(&sw->wake, &sw->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&sw->lock);
	return NULL;
}

static int sweeper_start(struct app *app, int64_t interval_s, struct sweeper *sw)
{
	memset(sw, 0, sizeof *sw);
	sw->app = app;
	sw->interval_s = interval_s;
	pthread_mutex_init(&sw->lock, NULL);
	pthread_cond_init(&sw->wake, NULL);
	if (pthread_create(&sw->thread, NULL, sweep_main, sw) != 0) {
		pthread_cond_destroy(&sw->wake);
		pthread_mutex_destroy(&sw->lock);
		return -1;
	}
	return 0;
}

static void sweeper_stop(struct sweeper *sw)
{
	pthread_mutex_lock(&sw->lock);
	sw->stop = true;
	pthread_cond_signal(&sw->wake);
	pthread_mutex_unlock(&sw->lock);
	pthread_join(sw->thread, NULL);
	pthread_cond_destroy(&sw->wake);
	pthread_mutex_destroy(&sw->lock);
}

int cmd_serve(int argc, char **argv)
{
	const char *db = NULL, *pack = NULL, *listen = NULL, *max_body = NULL, *workers = NULL, *key = NULL;
	const char *idle = NULL, *absolute = NULL, *lock_after = NULL, *lock_window = NULL, *lock_for = NULL;
	const char *smtp = NULL, *mail_from = NULL, *public_url = NULL, *sweep_seconds = NULL;
	const char *setup_for = NULL;
	bool cookie_secure = false, trust_proxy = false;
	const struct cli_opt opts[] = {
		{"--db", &db, NULL},
		{"--pack", &pack, NULL},
		{"--key-file", &key, NULL},
		{"--listen", &listen, NULL},
		{"--max-body", &max_body, NULL},
		{"--workers", &workers, NULL},
		{"--session-idle", &idle, NULL},
		{"--session-max", &absolute, NULL},
		{"--lockout-after", &lock_after, NULL},
		{"--lockout-window", &lock_window, NULL},
		{"--lockout-for", &lock_for, NULL},
		{"--cookie-secure", NULL, &cookie_secure},
		{"--trust-proxy", NULL, &trust_proxy},
		{"--smtp", &smtp, NULL},
		{"--mail-from", &mail_from, NULL},
		{"--public-url", &public_url, NULL},
		{"--sweep-seconds", &sweep_seconds, NULL},
		{"--setup-link-for", &setup_for, NULL},
		{0},
	};
	int r = cli_parse(argc, argv, opts, NULL, 0, NULL);
	if (r)
		return r;
	struct http_server_config cfg = {
		.listen = listen ? listen : APP_DEFAULT_LISTEN,
		.max_body = APP_DEFAULT_MAX_BODY,
		.trust_proxy = trust_proxy,
	};
	int64_t v;
	if (max_body) {
		if (str_to_int64(max_body, 1, (int64_t)1 << 30, &v) < 0) {
			fprintf(stderr, "hartline serve: --max-body %s: expected a number of bytes from 1 to 1073741824\n",
				max_body);
			return EXIT_USAGE;
		}
		cfg.max_body = (size_t)v;
	}
	if (workers) {
		if (str_to_int64(workers, 1, 256, &v) < 0) {
			fprintf(stderr, "hartline serve: --workers %s: expected a number from 1 to 256\n", workers);
			return EXIT_USAGE;
		}
		cfg.workers = (unsigned)v;
	}
	int64_t sweep_s = DEFAULT_SWEEP_SECONDS;
	if (sweep_seconds) {
		if (str_to_int64(sweep_seconds, 1, 86400, &sweep_s) < 0) {
			fprintf(stderr, "hartline serve: --sweep-seconds %s: expected a number from 1 to 86400\n",
				sweep_seconds);
			return EXIT_USAGE;
		}
	}

	int64_t setup_ttl = 0;
	if (setup_for && cli_parse_duration(setup_for, &setup_ttl) < 0) {
		fprintf(stderr, "hartline serve: --setup-link-for %s: expected a duration such as 30m, 72h or 7d\n",
			setup_for);
		return EXIT_USAGE;
	}

	struct auth_config auth;
	auth_config_defaults(&auth);
	auth.cookie_secure = cookie_secure;
	const struct {
		const char *flag, *value;
		int64_t *dest;
	} durations[] = {
		{"--session-idle", idle, &auth.idle},
		{"--session-max", absolute, &auth.absolute},
		{"--lockout-window", lock_window, &auth.lockout_window},
		{"--lockout-for", lock_for, &auth.lockout_duration},
	};
	for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++)
		if (durations[i].value && cli_parse_duration(durations[i].value, durations[i].dest) < 0) {
			fprintf(stderr, "hartline serve: %s %s: expected a duration such as 90s, 15m, 12h or 2d\n",
				durations[i].flag, durations[i].value);
			return EXIT_USAGE;
		}
	if (lock_after) {
		if (str_to_int64(lock_after, 1, 1000, &v) < 0) {
			fprintf(stderr, "hartline serve: --lockout-after %s: expected a number from 1 to 1000\n",
				lock_after);
			return EXIT_USAGE;
		}
		auth.lockout_failures = (int)v;
	}

	char err[1024];
	struct app app;
	if (app_open(&app, cli_db_url(db), pack, key, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		return 1;
	}
	app.auth = auth;
	app.setup_ttl = setup_ttl;
	if (smtp && strncmp(smtp, "smtp://", 7) != 0 && strncmp(smtp, "smtps://", 8) != 0) {
		fprintf(stderr, "hartline serve: --smtp %s: expected smtp://HOST:PORT or smtps://HOST:PORT\n", smtp);
		app_close(&app);
		return EXIT_USAGE;
	}
	app.smtp_url = smtp ? strdup(smtp) : NULL;
	app.mail_from = strdup(mail_from ? mail_from : "hartline@localhost");
	if (persons_registry_open(&app, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		app_close(&app);
		return 1;
	}
	/* The referrals for figures, read once now rather than on the first
	 * figure asked for. */
	if (figures_store_warm(&app) < 0) {
		fprintf(stderr, "hartline: cannot read the referrals for figures\n");
		app_close(&app);
		return 1;
	}

	/* Block the stop signals in every thread (the workers inherit this
	 * mask), and wait for them here. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Password hashes run on threads of their own, half as many as there
	 * are workers, so the cores keep answering everything else. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nworkers = cfg.workers ? cfg.workers : cores > 0 ? (unsigned)cores : 1;
	cfg.slow_threads = nworkers / 2 ? nworkers / 2 : 1;
	if (totp_init() < 0 || auth_limits_new(LOGIN_LIMIT_SLOTS, cfg.slow_threads, &app.limits) < 0) {
		fprintf(stderr, "hartline: cannot set up the login limits\n");
		app_close(&app);
		return 1;
	}
	struct http_server *srv;
	if (http_server_start(&app, &cfg, &srv, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		auth_limits_free(app.limits);
		app_close(&app);
		return 1;
	}
	char host[64];
	unsigned port;
	int family;
	http_parse_listen(cfg.listen, host, sizeof host, &port, &family);
	char url[160];
	snprintf(url, sizeof url, "http://%s%s%s:%u", family == AF_INET6 ? "[" : "", host, family == AF_INET6 ? "]" : "",
		 http_server_port(srv));
	app.public_url = strdup(public_url ? public_url : url);
	struct mailer *mailer = NULL;
	if (mailer_start(&app, &mailer) < 0) {
		fprintf(stderr, "hartline: cannot start the e-mail sender\n");
		http_server_stop(srv, 0);
		auth_limits_free(app.limits);
		app_close(&app);
		return 1;
	}
	struct sweeper sweeper;
	if (sweeper_start(&app, sweep_s, &sweeper) < 0) {
		fprintf(stderr, "hartline: cannot start the deadline sweep\n");
		mailer_stop(mailer);
		http_server_stop(srv, 0);
		auth_limits_free(app.limits);
		app_close(&app);
		return 1;
	}
	log_info("listening", "url=%s db=%s schema=%d workers=%u pack=%s persons=%zu email=%s", url,
		 db_engine_name(app.engine), db_schema_latest(), http_server_workers(srv), app.pack->id,
		 persons_registry_count(&app), app.smtp_url ? "smtp" : "off");

	int sig = 0;
	sigwait(&stop, &sig);
	log_info("stopping", "signal=%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	http_server_stop(srv, GRACE_MS);
	sweeper_stop(&sweeper);
	mailer_stop(mailer);
	figures_store_reset();
	auth_limits_free(app.limits);
	app.limits = NULL;
	app_close(&app);
	log_info("stopped", "ok=1");
	return 0;
}
