/* hartline serve: run the server until SIGTERM or SIGINT. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "cli/cli.h"
#include "db/db.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/tls.h"
#include "model/totp.h"
#include "service/app.h"
#include "service/packs.h"
#include "service/deadlines.h"
#include "service/figures.h"
#include "service/limits.h"
#include "service/mailer.h"
#include "service/persons.h"
#include "service/training_informed.h"
#include "service/worker.h"

#define GRACE_MS 30000
#define DEFAULT_SWEEP_SECONDS 60
/* The login limits' table: a fixed size, whatever the flood. */
#define LOGIN_LIMIT_SLOTS 4096

/* The duty sweep: a worker that notifies owners and HART of duties coming
 * due and overdue (svc_deadlines_sweep), at start and then every
 * interval, until told to stop. */
static bool sweep_once(void *arg)
{
	struct sweep_result res = {0, 0};
	int r = svc_deadlines_sweep(arg, now(), &res);
	if (r == ERR_BUSY)
		log_info("sweep", "skipped=another_server");
	else if (r < 0)
		log_warn("sweep_failed", "error=\"%s\"", err_str(r));
	else
		log_info("sweep", "due_soon=%d overdue=%d", res.due_soon, res.overdue);
	int informed = 0; /* trafficking-informed statuses lapse with time (docs/training.md) */
	if ((r = svc_training_informed_sweep(arg, &informed)) < 0 && r != ERR_BUSY)
		log_warn("informed_sweep_failed", "error=\"%s\"", err_str(r));
	else if (informed > 0)
		log_info("informed_sweep", "changed=%d", informed);
	return false;
}

struct serve_opts {
	const char *db, *pack, *key, *listen, *smtp, *mail_from, *public_url;
	const char *config, *tls_cert, *tls_key;
	int64_t max_body, workers, sweep_seconds, lockout_after, setup_for;
	struct auth_config auth; /* the session and lockout durations go straight here */
	bool trust_proxy;
	const char *metrics_allow, *metrics_token_file;
};

#define T struct serve_opts
static const struct opt serve_table[] = {
	OPT_STRING(T, config, "config", "FILE",
		   "read the settings from FILE, one a line as name = value, each name an option's without its "
		   "dashes; options given here override the file"),
	OPT_DB(T, db),
	OPT_STRING(T, listen, "listen", "ADDR:PORT", "where to listen (default " APP_DEFAULT_LISTEN ")"),
	OPT_STRING(T, tls_cert, "tls-cert", "FILE",
		   "serve HTTPS with the certificate in FILE (the server's first, then its chain); with --tls-key"),
	OPT_STRING(T, tls_key, "tls-key", "FILE", "the certificate's private key, readable by hartline alone"),
	OPT_PACK(T, pack),
	OPT_KEY_FILE(T, key),
	OPT_INT(T, max_body, "max-body", "BYTES", "the largest request body taken", 1, (int64_t)1 << 30),
	OPT_INT(T, workers, "workers", "N", "threads answering requests (default: eight per core, at least 8: a thread waiting for its commit leaves the others to answer)", 1, 256),
	OPT_DURATION(T, auth.idle, "session-idle", "a session ends after this long unused (default 30m)"),
	OPT_DURATION(T, auth.absolute, "session-max", "a session ends this long after login (default 12h)"),
	OPT_INT(T, lockout_after, "lockout-after", "N", "failed logins that lock an account (default 5)", 1, 1000),
	OPT_DURATION(T, auth.lockout_window, "lockout-window", "within this long (default 15m)"),
	OPT_DURATION(T, auth.lockout_duration, "lockout-for", "for this long (default 15m)"),
	OPT_FLAG(T, auth.cookie_secure, "cookie-secure",
		 "mark the session cookie Secure and send Strict-Transport-Security (behind a proxy serving HTTPS; "
		 "on by itself with --tls-cert)"),
	OPT_FLAG(T, trust_proxy, "trust-proxy", "take the client's address from the proxy's X-Forwarded-For"),
	OPT_STRING(T, smtp, "smtp", "URL", "send e-mail through smtp://HOST:PORT or smtps://HOST:PORT"),
	OPT_STRING(T, mail_from, "mail-from", "ADDR", "the e-mails' sender (default hartline@localhost)"),
	OPT_STRING(T, public_url, "public-url", "URL", "the address staff open hartline at, for links in e-mail"),
	OPT_INT(T, sweep_seconds, "sweep-seconds", "N", "seconds between deadline sweeps (default 60)", 1, 86400),
	OPT_DURATION(T, setup_for, "setup-link-for", "how long a set-up link works (default 72h)"),
	OPT_STRING(T, metrics_allow, "metrics-allow", "CIDR,...",
		   "addresses that may read /metrics (default 127.0.0.1,::1)"),
	OPT_STRING(T, metrics_token_file, "metrics-token-file", "FILE",
		   "a file holding a token that lets others read /metrics (Authorization: Bearer TOKEN)"),
	OPT_END,
};
#undef T

/* Open the installation with the options' settings and read what the
 * server keeps in memory. Returns 0, or the exit code after saying why. */
static int serve_open(const struct serve_opts *o, struct app *app)
{
	char err[1024];
	if (app_open(app, cli_db_url(o->db), o->pack, o->key, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		return 1;
	}
	/* The server runs the pack: a change from the one the database ran
	 * with is recorded and audited, or refused (service/packs.h). */
	if (svc_pack_start(app, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		app_close(app);
		return 1;
	}
	app->auth = o->auth;
	app->auth.lockout_failures = (int)o->lockout_after;
	app->setup_ttl = o->setup_for;
	if (o->smtp && strncmp(o->smtp, "smtp://", 7) != 0 && strncmp(o->smtp, "smtps://", 8) != 0) {
		app_close(app);
		return cli_misuse(&cli_serve, "--smtp %s: expected smtp://HOST:PORT or smtps://HOST:PORT", o->smtp);
	}
	app->smtp_url = o->smtp ? strdup(o->smtp) : NULL;
	app->mail_from = strdup(o->mail_from ? o->mail_from : "hartline@localhost");
	if (persons_registry_open(app, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		app_close(app);
		return 1;
	}
	/* The referrals for figures, read once now rather than on the first
	 * figure asked for. */
	if (figures_store_warm(app) < 0) {
		fprintf(stderr, "hartline: cannot read the referrals for figures\n");
		app_close(app);
		return 1;
	}
	return 0;
}

/* Who may read /metrics (http/metrics.h). 0, or the exit code after
 * saying why. */
static int serve_metrics(const struct serve_opts *o)
{
	char err[1024];
	if (http_metrics_configure(o->metrics_allow, o->metrics_token_file, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

#define CONFIG_MAX (1 << 20)
#define SERVE_GO (-1)

/* The configuration file named by --config, read whole into *ret (which
 * the settings then point into). Returns 0, or the exit code after saying
 * why. */
static int read_config(const char *path, char **ret)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "hartline serve: --config %s: %s\n", path,
			errno == ENOENT ? "there is no such file" : strerror(errno));
		return 1;
	}
	char *text = malloc(CONFIG_MAX + 1);
	size_t n = text ? fread(text, 1, CONFIG_MAX + 1, f) : 0;
	bool bad = !text || ferror(f) || n > CONFIG_MAX;
	fclose(f);
	if (bad) {
		fprintf(stderr, "hartline serve: --config %s: %s\n", path,
			!text ? "out of memory" : n > CONFIG_MAX ? "larger than 1 MiB: not a configuration file"
							 : "cannot be read");
		free(text);
		return 1;
	}
	text[n] = '\0';
	*ret = text;
	return 0;
}

/* The certificate and key of --tls-cert and --tls-key, checked; HTTPS
 * turns the Secure cookie and Strict-Transport-Security on. Returns 0, or
 * the exit code after saying why. */
static int serve_tls(struct serve_opts *o, struct http_server_config *cfg, struct http_tls *tls)
{
	if (!o->tls_cert && !o->tls_key)
		return 0;
	if (!o->tls_cert || !o->tls_key)
		return cli_misuse(&cli_serve, "--tls-cert and --tls-key go together: give the certificate and its key, "
					      "or neither (for plain HTTP, behind a proxy)");
	if (!http_tls_supported()) {
		fprintf(stderr, "hartline serve: this machine's libmicrohttpd was built without TLS; serve plain HTTP "
				"behind a proxy instead (docs/operations.md)\n");
		return 1;
	}
	char err[1024];
	if (http_tls_load(o->tls_cert, o->tls_key, tls, err, sizeof err) < 0) {
		fprintf(stderr, "hartline serve: %s\n", err);
		return 1;
	}
	if (http_tls_expired(tls, (int64_t)time(NULL)))
		log_warn("tls_certificate_expired", "file=\"%s\" subject=\"%s\" hint=\"browsers refuse it: renew it\"",
			 o->tls_cert, tls->subject);
	if (tls->key_shared)
		log_warn("tls_key_readable", "file=\"%s\" hint=\"others on this machine may read the key: chmod 600 it\"",
			 o->tls_key);
	cfg->tls_cert = tls->cert;
	cfg->tls_key = tls->key;
	o->auth.cookie_secure = true;
	return 0;
}

/* The settings: the configuration file, then the command line over it,
 * then the certificate. Returns SERVE_GO to go on, or the exit code (0
 * after --help). */
static int serve_settings(int argc, char **argv, struct serve_opts *o, char **conf, struct http_tls *tls,
			  struct http_server_config *cfg)
{
	const char *config = opts_peek(argc, argv, "config");
	int r;
	for (int i = 1; config && i < argc; i++) /* --help is answered whatever the file holds */
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			config = NULL;
	if (config) {
		if ((r = read_config(config, conf)) != 0)
			return r;
		char why[512];
		if (opts_parse_config(&cli_serve, config, *conf, o, why, sizeof why) < 0) {
			fprintf(stderr, "hartline serve: %s\n", why);
			return EXIT_USAGE;
		}
	}
	if ((r = cli_parse(&cli_serve, argc, argv, o, NULL, NULL)) != 0)
		return cli_exit(r);
	*cfg = (struct http_server_config){
		.listen = o->listen ? o->listen : APP_DEFAULT_LISTEN,
		.max_body = (size_t)o->max_body,
		.workers = (unsigned)o->workers,
		.trust_proxy = o->trust_proxy,
	};
	r = serve_tls(o, cfg, tls);
	return r ? r : SERVE_GO;
}

static int serve_run(const struct serve_opts *op, const struct http_server_config *cfgp);

static int run_serve(int argc, char **argv)
{
	struct serve_opts o = {
		.max_body = APP_DEFAULT_MAX_BODY,
		.sweep_seconds = DEFAULT_SWEEP_SECONDS,
	};
	auth_config_defaults(&o.auth);
	o.lockout_after = o.auth.lockout_failures;
	char *conf = NULL;
	struct http_tls tls;
	memset(&tls, 0, sizeof tls);
	struct http_server_config cfg;
	int r = serve_settings(argc, argv, &o, &conf, &tls, &cfg);
	if (r == SERVE_GO)
		r = serve_run(&o, &cfg);
	http_tls_free(&tls);
	free(conf);
	return r;
}

/* Serve until SIGTERM or SIGINT. */
static int serve_run(const struct serve_opts *op, const struct http_server_config *cfgp)
{
	struct serve_opts o = *op;
	struct http_server_config cfg = *cfgp;
	int r;
	int64_t sweep_s = o.sweep_seconds;
	if ((r = serve_metrics(&o)) != 0)
		return r;
	struct app app;
	if ((r = serve_open(&o, &app)) != 0)
		return r;
	char err[1024];

	/* Block the stop signals in every thread (the workers inherit this
	 * mask), and wait for them here. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Password hashes run on threads of their own, half as many as there
	 * are cores (or workers, when fewer), so the cores keep answering
	 * everything else. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned nworkers = cores > 0 ? (unsigned)cores : 1;
	if (cfg.workers && cfg.workers < nworkers)
		nworkers = cfg.workers;
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
	snprintf(url, sizeof url, "%s://%s%s%s:%u", cfg.tls_cert ? "https" : "http", family == AF_INET6 ? "[" : "", host, family == AF_INET6 ? "]" : "",
		 http_server_port(srv));
	app.public_url = strdup(o.public_url ? o.public_url : url);
	struct mailer *mailer = NULL;
	if (mailer_start(&app, &mailer) < 0) {
		fprintf(stderr, "hartline: cannot start the e-mail sender\n");
		http_server_stop(srv, 0);
		auth_limits_free(app.limits);
		app_close(&app);
		return 1;
	}
	struct worker sweeper;
	if (worker_start(&sweeper, sweep_once, &app, sweep_s) < 0) {
		fprintf(stderr, "hartline: cannot start the deadline sweep\n");
		mailer_stop(mailer);
		http_server_stop(srv, 0);
		auth_limits_free(app.limits);
		app_close(&app);
		return 1;
	}
	log_info("listening", "url=%s tls=%s db=%s schema=%d workers=%u pack=%s persons=%zu email=%s", url,
		 cfg.tls_cert ? "on" : "off",
		 db_engine_name(app.engine), db_schema_latest(), http_server_workers(srv), app.pack->id,
		 persons_registry_count(&app), app.smtp_url ? "smtp" : "off");

	int sig = 0;
	sigwait(&stop, &sig);
	log_info("stopping", "signal=%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	http_server_stop(srv, GRACE_MS);
	worker_stop(&sweeper);
	mailer_stop(mailer);
	figures_store_reset();
	auth_limits_free(app.limits);
	app.limits = NULL;
	app_close(&app);
	log_info("stopped", "ok=1");
	return 0;
}

const struct cli_command cli_serve = {
	.name = "serve", .opts = serve_table, .run = run_serve,
	.summary = "run the web server and API (default " APP_DEFAULT_LISTEN ")",
};
