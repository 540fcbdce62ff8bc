/* Migrations: numbered SQL files compiled into the binary.
 *
 * src/db/migrations/NNNN_name.sql holds SQL that both engines accept;
 * NNNN_name.sqlite.sql or NNNN_name.pg.sql, when present, replaces it for
 * that engine. Each is applied once, inside a transaction, and recorded in
 * schema_version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/embed.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db_internal.h"

extern const struct embedded_file db_migration_files[];

#define MAX_MIGRATIONS 999

/* The version number of a generic migration file name, or 0. */
static int migration_number(const char *name)
{
	if (strlen(name) < 9 || name[4] != '_' || !str_ends_with(name, ".sql") ||
	    str_ends_with(name, ".pg.sql") || str_ends_with(name, ".sqlite.sql"))
		return 0;
	int v = 0;
	for (int i = 0; i < 4; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

static const struct embedded_file *migration_file(int version)
{
	for (const struct embedded_file *f = db_migration_files; f->name; f++)
		if (migration_number(f->name) == version)
			return f;
	return NULL;
}

int db_schema_latest(void)
{
	int latest = 0;
	while (latest < MAX_MIGRATIONS && migration_file(latest + 1))
		latest++;
	return latest;
}

/* The file for engine e: the engine's override when there is one. */
static const struct embedded_file *migration_for_engine(const struct embedded_file *generic,
							enum db_engine e)
{
	char name[256];
	size_t stem = strlen(generic->name) - strlen(".sql");
	int n = snprintf(name, sizeof name, "%.*s.%s.sql", (int)stem, generic->name,
			 e == DB_POSTGRESQL ? "pg" : "sqlite");
	if (n < 0 || (size_t)n >= sizeof name)
		return generic;
	const struct embedded_file *f = embedded_find(db_migration_files, name);
	return f ? f : generic;
}

static int table_exists(struct db *db, const char *table, bool *ret)
{
	const char *sql = db_engine(db) == DB_POSTGRESQL
				  ? "SELECT count(*) FROM information_schema.tables "
				    "WHERE table_schema = current_schema() AND table_name = ?"
				  : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?";
	struct db_stmt *st;
	int r = db_prepare(db, sql, &st);
	if (r < 0)
		return r;
	if ((r = db_bind_text(st, 1, table)) == 0 && (r = db_step(st)) == DB_ROW) {
		*ret = db_column_int64(st, 0) > 0;
		r = 0;
	} else if (r == DB_DONE) {
		r = ERR_DB;
	}
	db_finalize(st);
	return r;
}

int db_schema_version(struct db *db, int *ret)
{
	bool exists = false;
	int r = table_exists(db, "schema_version", &exists);
	if (r < 0)
		return r;
	if (!exists) {
		*ret = 0;
		return 0;
	}
	int64_t v;
	r = db_query_int64(db, "SELECT coalesce(max(version), 0) FROM schema_version", &v);
	if (r < 0)
		return r;
	*ret = (int)v;
	return 0;
}

static int apply_one(struct db *db, int version, const struct embedded_file *f, char *errmsg,
		     size_t errsize)
{
	int r = db_begin(db);
	if (r < 0) {
		snprintf(errmsg, errsize, "migration %04d: %s", version, db_errmsg(db));
		return r;
	}
	/* Two processes migrating at once: the second waits here, then sees
	 * the migration done and skips it. */
	if (db_engine(db) == DB_POSTGRESQL &&
	    (r = db_exec(db, "SELECT pg_advisory_xact_lock(7283947102)")) < 0)
		goto fail;
	int current;
	if ((r = db_schema_version(db, &current)) < 0)
		goto fail;
	if (current >= version) {
		db_rollback(db);
		return 0;
	}
	if ((r = db_exec(db, (const char *)migration_for_engine(f, db_engine(db))->data)) < 0)
		goto fail;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	struct db_stmt *st;
	if ((r = db_prepare(db, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, version);
	db_bind_text(st, 2, f->name);
	db_bind_text(st, 3, ts);
	r = db_step(st);
	db_finalize(st);
	if (r < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	return 1;
fail:
	snprintf(errmsg, errsize, "migration %s: %s", f->name, db_errmsg(db));
	db_rollback(db);
	return r;
}

int db_migrate(struct db *db, int *ret_applied, char *errmsg, size_t errsize)
{
	int latest = db_schema_latest();
	int r = db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
			    " version INTEGER PRIMARY KEY,"
			    " name TEXT NOT NULL,"
			    " applied_at TEXT NOT NULL)");
	if (r < 0) {
		snprintf(errmsg, errsize, "cannot create schema_version: %s", db_errmsg(db));
		return r;
	}
	int current;
	if ((r = db_schema_version(db, &current)) < 0) {
		snprintf(errmsg, errsize, "cannot read schema_version: %s", db_errmsg(db));
		return r;
	}
	if (current > latest) {
		snprintf(errmsg, errsize,
			 "the database has schema version %d, newer than this hartline knows (%d); "
			 "run the hartline release that created it, or a newer one",
			 current, latest);
		return ERR_SCHEMA;
	}
	int applied = 0;
	for (int v = current + 1; v <= latest; v++) {
		r = apply_one(db, v, migration_file(v), errmsg, errsize);
		if (r < 0)
			return r;
		applied += r;
	}
	if (ret_applied)
		*ret_applied = applied;
	return 0;
}
