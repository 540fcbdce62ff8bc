/* hartline backup, restore and verify. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/seal.h"
#include "cli/cli.h"
#include "db/backup.h"
#include "db/db.h"
#include "service/app.h"
#include "service/audit.h"
#include "service/counts.h"
#include "service/keys.h"

/* The schema that keeps the dashboard's counts (migration 0028). */
#define COUNTS_SCHEMA 28

struct backup_opts {
	const char *db, *key;
	bool force, check;
};

/* A bar on standard error while it is a terminal. */
static void progress_bar(void *arg, int done, int total)
{
	const char *what = arg;
	if (total <= 0)
		return;
	int width = 30, filled = (int)((long long)done * width / total);
	fprintf(stderr, "\r%s [", what);
	for (int i = 0; i < width; i++)
		fputc(i < filled ? '#' : '-', stderr);
	fprintf(stderr, "] %3d%%", (int)((long long)done * 100 / total));
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static db_copy_progress *bar(void)
{
	return isatty(STDERR_FILENO) ? progress_bar : NULL;
}

static int load_keys(struct db *db, const char *key_file, struct keyring **ret)
{
	char err[1024];
	int r = keyring_load(key_file, ret, err, sizeof err);
	if (r == 0 && (r = keys_check(db, *ret, key_file, err, sizeof err)) < 0) {
		keyring_free(*ret);
		*ret = NULL;
	}
	if (r < 0)
		fprintf(stderr, "hartline: %s\n", err);
	return r;
}

static void print_sealed(const struct keys_sealed_check *s, const char *key_file)
{
	if (!s->failed) {
		printf("sealed values: ok: %lld values in %lld columns open with %s\n", (long long)s->values,
		       (long long)s->columns, key_file);
		return;
	}
	printf("sealed values: broken: %lld of %lld values do not open; the first: %s.%s of row %lld (%s)\n",
	       (long long)s->failed, (long long)(s->failed + s->values), s->table, s->column, (long long)s->row,
	       s->missing_key ? "sealed under a key the key file does not hold" : "changed, or moved from another row");
}

static void print_chain(const struct audit_verify_result *a)
{
	if (a->broken)
		printf("audit chain: broken: %s\n", a->reason);
	else
		printf("audit chain: ok: %lld records\n", (long long)a->records);
	printf("head: %lld:%s\n", (long long)a->head.seq, a->head.mac);
}

/* The head file beside the key file, against a copy's chain: after a
 * restore it is ahead, by the records written since the copy was made. */
static void print_head_file(const char *key_file, const struct audit_verify_result *a)
{
	char *path = NULL;
	struct audit_head filed;
	bool exists = false;
	if (audit_head_path(key_file, &path) < 0 || audit_head_read(path, &filed, &exists) < 0 || !exists) {
		free(path);
		return;
	}
	if (filed.seq > a->records)
		printf("head file: %s is at record %lld, %lld records past this database's chain: records written "
		       "after "
		       "the backup was made are not in it; `hartline audit verify` reports them, file that with the "
		       "record of the restore\n",
		       path, (long long)filed.seq, (long long)(filed.seq - a->records));
	else
		printf("head file: %s, at record %lld\n", path, (long long)filed.seq);
	free(path);
}

/* Every check of a database copied or restored: the key file opens its
 * check value and every sealed value, and its audit chain is whole. 0 when
 * all hold; 1 after saying what does not. */
static int verify_db(struct db *db, const char *key_file, bool head_note)
{
	int version = 0;
	if (db_schema_version(db, &version) < 0 || version < 2) {
		fprintf(stderr, "hartline: this is not a hartline database, or one never initialised\n");
		return 1;
	}
	if (version > db_schema_latest()) {
		fprintf(stderr,
		        "hartline: the database has schema %d, newer than this program's %d: use the release that "
		        "made it\n",
		        version, db_schema_latest());
		return 1;
	}
	struct keyring *keys = NULL;
	if (load_keys(db, key_file, &keys) < 0)
		return 1;
	struct keys_sealed_check sealed;
	struct audit_verify_result chain;
	bool counts_ok = true;
	char counts_why[200] = "";
	int r = keys_verify_sealed(db, keys, &sealed);
	if (r == 0)
		r = svc_audit_verify(db, keys, NULL, NULL, &chain);
	/* The dashboard's kept counts (migration 0028) against a recount. */
	if (r == 0 && version >= COUNTS_SCHEMA)
		r = counts_check(db, now(), &counts_ok, counts_why, sizeof counts_why);
	keyring_free(keys);
	if (r < 0) {
		fprintf(stderr, "hartline: cannot read the database: %s\n", r == ERR_DB ? db_errmsg(db) : err_str(r));
		return 1;
	}
	printf("schema: %d%s\n", version, version < db_schema_latest() ? " (run hartline migrate on it)" : "");
	print_sealed(&sealed, key_file);
	print_chain(&chain);
	if (head_note && !chain.broken)
		print_head_file(key_file, &chain);
	if (version >= COUNTS_SCHEMA)
		printf("dashboard counts: %s%s\n", counts_ok ? "ok" : "off: ", counts_why);
	return sealed.failed || chain.broken || !counts_ok ? 1 : 0;
}

/* Verify the SQLite file at path as it stands, on a copy beside it, so the
 * file itself is never written to (opening a database makes it WAL). */
static int verify_copy_of(const char *path, const char *key_file, bool head_note)
{
	char *tmp, err[1024];
	if (db_temp_beside(path, &tmp) < 0) {
		fprintf(stderr, "hartline: cannot create a file beside %s to check it in\n", path);
		return 1;
	}
	struct db *db = NULL;
	int r = db_copy_file(path, tmp, true, bar(), "checking ", err, sizeof err);
	if (r == 0 && (r = db_open(tmp, &db, err, sizeof err)) < 0)
		db = NULL;
	if (r < 0)
		fprintf(stderr, "hartline: %s\n", err);
	int code = r < 0 ? 1 : verify_db(db, key_file, head_note);
	db_close(db);
	db_remove_files(tmp);
	free(tmp);
	return code;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int backup_check(const struct backup_opts *o, const char *file)
{
	char *key_file = NULL, err[1024];
	if (app_key_file(cli_db_url(o->db), o->key, &key_file, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s (the check opens every sealed value with it)\n", err);
		return 1;
	}
	int code = verify_copy_of(file, key_file, false);
	if (code == 0)
		printf("%s verifies\n", file);
	free(key_file);
	return code;
}

static const char PG_BACKUP[] = "hartline backup copies a SQLite database. For PostgreSQL use its own tools:\n"
                                "  pg_dump --format=custom --file FILE DBNAME\n"
                                "and check a copy restored with pg_restore: hartline verify --db URL --key-file FILE\n"
                                "(docs/operations.md, \"Backup and restore\").\n";

static int run_backup(int argc, char **argv)
{
	struct backup_opts o = {0};
	const char *pos[1];
	int npos = 0;
	int r = cli_parse(&cli_backup, argc, argv, &o, pos, &npos);
	if (r)
		return cli_exit(r);
	if (npos != 1)
		return cli_misuse(&cli_backup, "name the file to write the backup to (or to check, with --check)");
	if (o.check)
		return backup_check(&o, pos[0]);
	const char *url = cli_db_url(o.db), *src = db_sqlite_path(url);
	if (!src) {
		fputs(PG_BACKUP, stderr);
		return 1;
	}
	/* The key file never goes with a backup, nor is replaced by one. */
	char *key_file = NULL, *head = NULL, err[1024];
	bool apart = true;
	if (app_key_file(url, o.key, &key_file, err, sizeof err) == 0)
		apart = !same_file(pos[0], key_file) &&
		        !(audit_head_path(key_file, &head) == 0 && same_file(pos[0], head));
	free(key_file);
	free(head);
	if (!apart) {
		fprintf(stderr,
		        "hartline: %s is the key file or the audit head file beside it; a backup holds the "
		        "database alone: name another file\n",
		        pos[0]);
		return 1;
	}
	if (same_file(pos[0], src)) {
		fprintf(stderr, "hartline: %s is the database itself: name another file\n", pos[0]);
		return 1;
	}
	if ((r = db_copy_file(src, pos[0], o.force, bar(), "backing up", err, sizeof err)) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		return 1;
	}
	struct stat st;
	long long size = stat(pos[0], &st) == 0 ? (long long)st.st_size : 0;
	printf("backed up %s to %s (%lld bytes)\n"
	       "The children's data in it is sealed and opens with the key file alone, which is not in it: keep a "
	       "copy of the key file somewhere apart.\n",
	       src, pos[0], size);
	return 0;
}

/* The checks a restore makes on its copy before it replaces anything. */
static int restore_checked(const char *file, const char *tmp, const char *key_file)
{
	char err[1024];
	int r = db_copy_file(file, tmp, true, bar(), "restoring ", err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		return 1;
	}
	struct db *db;
	if (db_open(tmp, &db, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		return 1;
	}
	int code = verify_db(db, key_file, true);
	db_close(db);
	/* The copy as one file again, its WAL folded in. */
	if (code == 0 && db_file_idle(tmp, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		code = 1;
	}
	return code;
}

static int run_restore(int argc, char **argv)
{
	struct backup_opts o = {0};
	const char *pos[1];
	int npos = 0;
	int r = cli_parse(&cli_restore, argc, argv, &o, pos, &npos);
	if (r)
		return cli_exit(r);
	if (npos != 1)
		return cli_misuse(&cli_restore, "name the backup file to restore");
	const char *url = cli_db_url(o.db), *target = db_sqlite_path(url);
	if (!target) {
		fprintf(stderr,
		        "hartline restore writes a SQLite database. For PostgreSQL restore with pg_restore into "
		        "a new database, then check it: hartline verify --db URL --key-file FILE\n");
		return 1;
	}
	struct stat st;
	bool exists = stat(target, &st) == 0;
	if (exists && st.st_size > 0 && !o.force) {
		fprintf(stderr, "hartline: %s holds a database; stop its server and give --force to replace it\n",
		        target);
		return 1;
	}
	char *key_file = NULL, *tmp = NULL, err[1024];
	if (app_key_file(url, o.key, &key_file, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		return 1;
	}
	if (access(key_file, R_OK) != 0) {
		fprintf(stderr,
		        "hartline: the key file %s is missing: put the copy you keep apart there first (or name it "
		        "with --key-file); the backup's sealed values open with it alone\n",
		        key_file);
		free(key_file);
		return 1;
	}
	if (db_temp_beside(target, &tmp) < 0) {
		fprintf(stderr, "hartline: cannot create a file beside %s\n", target);
		free(key_file);
		return 1;
	}
	int code = restore_checked(pos[0], tmp, key_file);
	if (code == 0 && exists && db_file_idle(target, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		code = 1;
	}
	if (code == 0 && db_file_replace(tmp, target, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s\n", err);
		code = 1;
	}
	if (code == 0)
		printf("restored %s into %s\n", pos[0], target);
	else
		fprintf(stderr, "hartline: nothing was replaced\n");
	db_remove_files(tmp);
	free(tmp);
	free(key_file);
	return code;
}

static int run_verify(int argc, char **argv)
{
	struct backup_opts o = {0};
	int r = cli_parse(&cli_verify, argc, argv, &o, NULL, NULL);
	if (r)
		return cli_exit(r);
	const char *url = cli_db_url(o.db);
	char *key_file = NULL, err[1024];
	if (app_key_file(url, o.key, &key_file, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: %s (verify opens every sealed value with it)\n", err);
		return 1;
	}
	struct db *db;
	if (db_open(url, &db, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: cannot open the database: %s\n", err);
		free(key_file);
		return 1;
	}
	int code = verify_db(db, key_file, true);
	db_close(db);
	free(key_file);
	return code;
}

static const struct opt backup_table[] = {
        OPT_DB(struct backup_opts, db),
        OPT_KEY_FILE(struct backup_opts, key),
        OPT_FLAG(struct backup_opts, force, "force", "replace FILE if it exists"),
        OPT_FLAG(struct backup_opts, check, "check",
                 "check the backup FILE instead: every sealed value opens with the "
                 "key file and the audit chain is whole"),
        OPT_END,
};

static const struct opt restore_table[] = {
        OPT_STRING(struct backup_opts, db, "db", "PATH",
                   "the SQLite database to restore into (default ./hartline.db, or $HARTLINE_DB)"),
        OPT_KEY_FILE(struct backup_opts, key),
        OPT_FLAG(struct backup_opts, force, "force", "replace a database already there (its server stopped)"),
        OPT_END,
};

static const struct opt verify_table[] = {
        OPT_DB(struct backup_opts, db),
        OPT_KEY_FILE(struct backup_opts, key),
        OPT_END,
};

const struct cli_command cli_backup = {
        .name = "backup",
        .args = "FILE",
        .opts = backup_table,
        .max_args = 1,
        .run = run_backup,
        .summary =
                "copy the SQLite database to FILE while it serves (never the key file); --check FILE checks a backup",
};

const struct cli_command cli_restore = {
        .name = "restore",
        .args = "FILE",
        .opts = restore_table,
        .max_args = 1,
        .run = run_restore,
        .summary = "put a backup in place of the SQLite database, after checking it with the key file",
};

const struct cli_command cli_verify = {
        .name = "verify",
        .opts = verify_table,
        .run = run_verify,
        .summary = "check a database (a restored one): every sealed value opens with the key file, the audit chain is "
                   "whole",
};
