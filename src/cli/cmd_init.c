/* hartline init, migrate and pack: set up a database, check a pack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "service/app.h"
#include "base/err.h"
#include "service/packs.h"
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
	int r = svc_system_init(db_url, key_file, pack, pack_file != NULL, &res, err, sizeof err);
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

/* What changes from the pack the database at db_url runs with to p, on
 * stdout; each value in use it would remove, on stderr. 1 when there is
 * one (the change is refused), 0 otherwise. */
static int compare_with_db(const char *file, const struct pack *p, const char *db_url)
{
	char err[1024];
	struct db *db;
	if (db_open(db_url, &db, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: cannot open the database: %s\n", err);
		return 1;
	}
	struct svc_pack_compare c;
	int r = svc_pack_compare(db, p, &c);
	if (r < 0) {
		fprintf(stderr, "hartline: cannot read what the database runs with: %s\n",
			r == ERR_DB ? db_errmsg(db) : err_str(r));
		db_close(db);
		return 1;
	}
	db_close(db);
	if (!c.recorded)
		printf("%s: the database records no pack yet: the server records this one when it starts\n", file);
	else if (c.same)
		printf("%s: the same as the pack the database runs with (%s %s)\n", file, c.old_id, c.old_version);
	else
		printf("%s: changes from %s %s (digest %s) to %s %s (digest %s):\n", file, c.old_id, c.old_version,
		       c.old_digest, p->id, p->version, c.new_digest);
	size_t i;
	json_t *ch;
	json_array_foreach (c.changes, i, ch) {
		char line[1024];
		if (pack_change_text(ch, line, sizeof line) == 0)
			printf("  %s\n", line);
	}
	size_t n = json_array_size(c.problems);
	if (n > 0) {
		fprintf(stderr, "hartline: %s: refused: %zu value%s in use would go\n", file, n, n == 1 ? "" : "s");
		json_array_foreach (c.problems, i, ch)
			fprintf(stderr, "%s: %s\n", file, json_string_value(ch));
	}
	svc_pack_compare_done(&c);
	return n > 0 ? 1 : 0;
}

struct pack_opts {
	const char *db;
};

static const struct opt pack_table[] = {
	OPT_STRING(struct pack_opts, db, "db", "URL",
		   "also compare with the pack the database runs with: what changes, and each value in use it "
		   "would remove (refused)"),
	OPT_END,
};

static int run_pack(int argc, char **argv)
{
	const char *pos[2];
	int npos = 0;
	struct pack_opts o = {0};
	int r = cli_parse(&cli_pack, argc, argv, &o, pos, &npos);
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
	r = o.db ? compare_with_db(pos[1], p, cli_db_url(o.db)) : 0;
	pack_free(p);
	return r;
}

const struct cli_command cli_pack = {
	.name = "pack", .args = "check FILE", .max_args = 2, .run = run_pack, .opts = pack_table,
	.summary = "validate a jurisdiction pack and summarise it",
};
