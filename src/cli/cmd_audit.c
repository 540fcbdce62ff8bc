/* hartline audit, key and routes. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "cli/cli.h"
#include "db/db.h"
#include "http/http.h"
#include "service/app.h"
#include "service/audit.h"
#include "service/keys.h"

int cmd_audit(int argc, char **argv)
{
	const char *db_opt = NULL;
	const struct cli_opt opts[] = {{"--db", &db_opt, NULL}, {0}};
	const char *pos[1];
	int npos = 0;
	int r = cli_parse(argc, argv, opts, pos, 1, &npos);
	if (r)
		return r;
	if (npos != 1 || strcmp(pos[0], "verify") != 0) {
		cli_usage("audit", stderr);
		return EXIT_USAGE;
	}
	/* The chain needs no key: it is checked on the stored records alone. */
	struct db *db;
	char err[512];
	if (db_open(cli_db_url(db_opt), &db, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: cannot open the database: %s\n", err);
		return 1;
	}
	int version = 0;
	if (db_schema_version(db, &version) < 0 || version < 2) {
		fprintf(stderr, "hartline: the database has no audit trail yet; run: hartline init\n");
		db_close(db);
		return 1;
	}
	struct audit_verify_result res;
	r = svc_audit_verify(db, &res);
	db_close(db);
	if (r < 0) {
		fprintf(stderr, "hartline: cannot read the audit trail: %s\n", err_str(r));
		return 1;
	}
	if (res.broken_seq) {
		printf("broken: %s (%lld records before it are intact)\n", res.reason, (long long)res.records);
		return 1;
	}
	printf("ok: %lld records\n", (long long)res.records);
	return 0;
}

int cmd_key(int argc, char **argv)
{
	const char *db = NULL, *key = NULL;
	const struct cli_opt opts[] = {{"--db", &db, NULL}, {"--key-file", &key, NULL}, {0}};
	const char *pos[1];
	int npos = 0;
	int r = cli_parse(argc, argv, opts, pos, 1, &npos);
	if (r)
		return r;
	if (npos != 1 || strcmp(pos[0], "rotate") != 0) {
		cli_usage("key", stderr);
		return EXIT_USAGE;
	}
	struct app app;
	if (cli_open_app(&app, db, NULL, key))
		return 1;
	struct actor cli;
	actor_cli(&cli);
	struct svc_ctx ctx = {.app = &app, .actor = &cli, .client = "cli"};
	struct keys_rotation rot;
	char err[1024];
	r = svc_keys_rotate(&ctx, &rot, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "hartline key rotate: %s\n", err);
		app_close(&app);
		return 1;
	}
	printf("key %u is now current in %s; %lld sealed values re-sealed under it.\n"
	       "Older keys stay in the file so that older backups still open; restart running servers.\n",
	       (unsigned)rot.new_id, app.key_file, (long long)rot.resealed);
	app_close(&app);
	return 0;
}

int cmd_routes(int argc, char **argv)
{
	int r = cli_parse(argc, argv, NULL, NULL, 0, NULL);
	if (r)
		return r;
	for (size_t i = 0; i < http_routes_count; i++)
		printf("%-6s %-28s %s\n", http_routes[i].method, http_routes[i].pattern,
		       http_routes[i].flags & HTTP_PUBLIC ? "public" : "session");
	return 0;
}
