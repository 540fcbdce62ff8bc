/* hartline init, migrate and pack: set up a database, check a pack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "service/app.h"
#include "service/system.h"

static int init_or_migrate(const char *db_url, const char *pack_file, const char *key_opt)
{
	char err[1024];
	struct pack *pack;
	if (app_load_pack(pack_file, &pack, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		return 1;
	}
	char *key_file;
	if (app_key_file(db_url, key_opt, &key_file, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		pack_free(pack);
		return 1;
	}
	struct svc_init_result res;
	int r = svc_system_init(db_url, key_file, pack, &res, err, sizeof err);
	pack_free(pack);
	if (r < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		free(key_file);
		return 1;
	}
	if (res.applied)
		printf("database ready: %s, schema %d (%d migration%s applied%s)\n", db_engine_name(res.engine),
		       res.schema, res.applied, res.applied == 1 ? "" : "s", res.created ? ", new installation" : "");
	else
		printf("database ready: %s, schema %d (already up to date)\n", db_engine_name(res.engine),
		       res.schema);
	if (res.key_created)
		printf("key file created: %s (mode 0600); keep a copy somewhere safe, apart from database backups:\n"
		       "without it the sealed personal data cannot be read\n",
		       key_file);
	free(key_file);
	return 0;
}

struct init_opts {
	const char *db, *pack, *key;
};

static const struct opt init_table[] = {
	OPT_DB(struct init_opts, db),
	OPT_PACK(struct init_opts, pack),
	OPT_KEY_FILE(struct init_opts, key),
	OPT_END,
};

/* migrate takes no pack: the schema does not depend on one. */
static const struct opt migrate_table[] = {
	OPT_DB(struct init_opts, db),
	OPT_KEY_FILE(struct init_opts, key),
	OPT_END,
};

static int run_init(int argc, char **argv)
{
	struct init_opts o = {0};
	int r = cli_parse(&cli_init, argc, argv, &o, NULL, NULL);
	if (r)
		return cli_exit(r);
	return init_or_migrate(cli_db_url(o.db), o.pack, o.key);
}

static int run_migrate(int argc, char **argv)
{
	struct init_opts o = {0};
	int r = cli_parse(&cli_migrate, argc, argv, &o, NULL, NULL);
	if (r)
		return cli_exit(r);
	return init_or_migrate(cli_db_url(o.db), NULL, o.key);
}

const struct cli_command cli_init = {
	.name = "init", .opts = init_table, .run = run_init,
	.summary = "create the database schema, settings and key file (harmless to repeat)",
};

const struct cli_command cli_migrate = {
	.name = "migrate", .opts = migrate_table, .run = run_migrate,
	.summary = "apply schema migrations this version brings",
};

/* Every problem of a pack that failed validation, one line each as
 * "FILE: path: reason"; otherwise the one message (a parse error names the
 * line and column). */
static void print_pack_problems(const char *file, const struct field_errors *errs, const char *err)
{
	size_t listed = json_array_size(errs->list);
	if (listed == 0) {
		fprintf(stderr, "hartline: %s\n", err);
		return;
	}
	fprintf(stderr, "hartline: %s: %zu problem%s\n", file, errs->count, errs->count == 1 ? "" : "s");
	for (size_t i = 0; i < listed; i++) {
		const json_t *e = json_array_get(errs->list, i);
		const char *field = json_get_str(e, "field"), *reason = json_get_str(e, "reason");
		if (field && field[0])
			fprintf(stderr, "%s: %s: %s\n", file, field, reason ? reason : "invalid");
		else
			fprintf(stderr, "%s: %s\n", file, reason ? reason : "invalid");
	}
	if (errs->count > listed)
		fprintf(stderr, "%s: and %zu more\n", file, errs->count - listed);
}

static int run_pack(int argc, char **argv)
{
	const char *pos[2];
	int npos = 0;
	int r = cli_parse(&cli_pack, argc, argv, NULL, pos, &npos);
	if (r)
		return cli_exit(r);
	if (npos != 2 || strcmp(pos[0], "check") != 0)
		return cli_misuse(&cli_pack, "expected 'check FILE'");
	char err[1024];
	struct pack *p;
	struct field_errors errs;
	field_errors_init(&errs, PACK_PROBLEMS_LISTED);
	r = pack_check_file(pos[1], &errs, &p, err, sizeof err);
	if (r < 0) {
		print_pack_problems(pos[1], &errs, err);
		field_errors_done(&errs);
		return 1;
	}
	field_errors_done(&errs);
	char line[1024];
	if (pack_summary_line(p, line, sizeof line) < 0) {
		fprintf(stderr, "hartline: %s: the summary does not fit on a line\n", pos[1]);
		pack_free(p);
		return 1;
	}
	printf("%s: ok: %s\n", pos[1], line);
	pack_free(p);
	return 0;
}

const struct cli_command cli_pack = {
	.name = "pack", .args = "check FILE", .max_args = 2, .run = run_pack,
	.summary = "validate a jurisdiction pack and summarise it",
};
