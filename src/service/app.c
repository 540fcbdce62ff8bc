#include "service/app.h"

#include <libgen.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/embed.h"
#include "base/err.h"
#include "base/seal.h"
#include "base/str.h"
#include "service/audit.h"
#include "service/keys.h"
#include "service/persons.h"
#include "service/upgrade.h"

extern const struct embedded_file default_pack_files[];
extern const struct embedded_file data_files[];

void auth_config_defaults(struct auth_config *c)
{
	c->idle = 30 * 60 * HL_USEC_PER_SEC;
	c->absolute = 12 * 3600 * HL_USEC_PER_SEC;
	c->lockout_failures = 5;
	c->lockout_window = 15 * 60 * HL_USEC_PER_SEC;
	c->lockout_duration = 15 * 60 * HL_USEC_PER_SEC;
	c->cookie_secure = false;
}

int app_load_pack(const char *pack_file, struct pack **ret, char *errmsg, size_t errsize)
{
	if (pack_file)
		return pack_load_file(pack_file, ret, errmsg, errsize);
	const struct embedded_file *f = embedded_find(default_pack_files, "connecticut.json");
	if (!f) {
		snprintf(errmsg, errsize, "no built-in pack");
		return ERR_NOTFOUND;
	}
	return pack_load_buffer("built-in packs/connecticut.json", (const char *)f->data, f->size, ret, errmsg,
				errsize);
}

int app_key_file(const char *db_url, const char *key_file, char **ret, char *errmsg, size_t errsize)
{
	const char *env = getenv("HARTLINE_KEY_FILE");
	if (!key_file && env && *env)
		key_file = env;
	if (key_file) {
		*ret = strdup(key_file);
		return *ret ? 0 : ERR_NOMEM;
	}
	if (db_url_engine(db_url) == DB_POSTGRESQL) {
		snprintf(errmsg, errsize,
			 "a PostgreSQL database needs a key file: give --key-file PATH or set HARTLINE_KEY_FILE");
		return ERR_INVAL;
	}
	const char *path = str_starts_with(db_url, "sqlite:") ? db_url + strlen("sqlite:") : db_url;
	return app_path_beside(path, APP_KEY_FILE_NAME, ret);
}

int app_path_beside(const char *path, const char *name, char **ret)
{
	char *copy = strdup(path);
	if (!copy)
		return ERR_NOMEM;
	struct buf b;
	buf_init(&b, 4096);
	int r = buf_printf(&b, "%s/%s", dirname(copy), name);
	free(copy);
	if (r < 0) {
		buf_done(&b);
		return r;
	}
	*ret = buf_detach(&b, NULL);
	return *ret ? 0 : ERR_NOMEM;
}

static int check_schema(struct db *db, const char *db_url, char *errmsg, size_t errsize)
{
	int version = 0, r;
	if ((r = db_schema_version(db, &version)) < 0) {
		snprintf(errmsg, errsize, "cannot read the schema version: %s", db_errmsg(db));
		return r;
	}
	if (version == 0) {
		snprintf(errmsg, errsize, "the database has not been initialised; run: hartline init --db %s",
			 db_url_engine(db_url) == DB_SQLITE ? db_url : "URL");
		return ERR_SCHEMA;
	}
	if (version < db_schema_latest()) {
		snprintf(errmsg, errsize, "the database has schema version %d, this hartline needs %d; run: hartline migrate",
			 version, db_schema_latest());
		return ERR_SCHEMA;
	}
	if (version > db_schema_latest()) {
		snprintf(errmsg, errsize,
			 "the database has schema version %d, newer than this hartline knows (%d); "
			 "run the hartline release that created it, or a newer one",
			 version, db_schema_latest());
		return ERR_SCHEMA;
	}
	return 0;
}

/* A SQLite database file (and its -wal and -shm) holds sealed values but
 * also what stays in clear (docs/security.md): like the key file, it must
 * not be open to group or others. */
static int check_db_private(const char *db_url, char *errmsg, size_t errsize)
{
	if (db_url_engine(db_url) != DB_SQLITE)
		return 0;
	const char *path = str_starts_with(db_url, "sqlite:") ? db_url + strlen("sqlite:") : db_url;
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char file[4096];
		int n = snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
		if (n < 0 || (size_t)n >= sizeof file)
			return ERR_TOOBIG;
		struct stat st;
		if (stat(file, &st) != 0 || !(st.st_mode & 077))
			continue;
		snprintf(errmsg, errsize,
			 "%s: %s by group or others (mode %04o), and it holds the agency's records; run: chmod 600 "
			 "%s %s-wal %s-shm (those that exist)",
			 file, (st.st_mode & 044) ? "readable" : "writable", (unsigned)(st.st_mode & 07777), path, path,
			 path);
		return ERR_PERM;
	}
	return 0;
}

int app_open(struct app *a, const char *db_url, const char *pack_file, const char *key_file, char *errmsg,
	     size_t errsize)
{
	memset(a, 0, sizeof *a);
	auth_config_defaults(&a->auth);
	int r = app_load_pack(pack_file, &a->pack, errmsg, errsize);
	if (r < 0)
		return r;
	a->pack_source = strdup(pack_file ? pack_file : "built-in");
	a->db_url = strdup(db_url);
	if (!a->pack_source || !a->db_url) {
		r = ERR_NOMEM;
		snprintf(errmsg, errsize, "out of memory");
		goto fail;
	}
	a->engine = db_url_engine(db_url);
	/* Calendar dates (a child's age on the day of a report, a report's
	 * year) are the jurisdiction's: the process runs in the pack's time
	 * zone. Times are still stored and logged in UTC. Set once, before any
	 * thread starts. */
	setenv("TZ", a->pack->time_zone, 1);
	tzset();
	const struct embedded_file *list = embedded_find(data_files, "common-passwords.txt");
	if (list) {
		a->common_passwords = (const char *)list->data;
		a->common_passwords_len = list->size;
	}
	if ((r = db_pool_new(db_url, &a->pool)) < 0) {
		snprintf(errmsg, errsize, "out of memory");
		goto fail;
	}
#ifdef HARTLINE_TEST_HOOKS
	db_pool_writes_in_transactions(a->pool);
#endif
	/* Check the schema and the key on a connection of our own, closed
	 * again here, so the server starts only on a database it can use. */
	struct db *db;
	char dberr[512];
	if ((r = check_db_private(db_url, errmsg, errsize)) < 0)
		goto fail;
	if ((r = db_open(db_url, &db, dberr, sizeof dberr)) < 0) {
		snprintf(errmsg, errsize, "cannot open the database: %s", dberr);
		goto fail;
	}
	r = check_schema(db, db_url, errmsg, errsize);
	if (r == 0 && (r = app_key_file(db_url, key_file, &a->key_file, errmsg, errsize)) == 0) {
		char kerr[512];
		if ((r = keyring_load(a->key_file, &a->keys, kerr, sizeof kerr)) < 0)
			snprintf(errmsg, errsize, "%s%s", kerr,
				 r == ERR_NOTFOUND ? " (the key file that hartline init created is needed)" : "");
		else
			r = keys_check(db, a->keys, a->key_file, errmsg, errsize);
	}
	/* A database migrated while the key was not at hand still holds the
	 * values migration 0013 moves to sealed columns: seal them first. */
	if (r == 0)
		r = svc_upgrade_seal(db, a->keys, a->pack, NULL, errmsg, errsize);
	db_close(db);
	if (r < 0 || (r = svc_audit_open(a, errmsg, errsize)) < 0)
		goto fail;
	/* Unknown users are checked against this, so they cost the same. */
	char random[33];
	crypto_random_hex(16, random, sizeof random);
	if ((r = crypto_password_hash(random, a->dummy_hash)) < 0) {
		snprintf(errmsg, errsize, "out of memory");
		goto fail;
	}
	return 0;
fail:
	app_close(a);
	return r;
}

void app_close(struct app *a)
{
	if (!a)
		return;
	persons_registry_close(a);
	db_pool_free(a->pool);
	pack_free(a->pack);
	json_decref(a->pack_retired);
	keyring_free(a->keys);
	audit_head_close(a->audit_head);
	free(a->pack_source);
	free(a->db_url);
	free(a->key_file);
	free(a->smtp_url);
	free(a->mail_from);
	free(a->public_url);
	memset(a, 0, sizeof *a);
}

int app_db(struct app *a, struct db **ret)
{
	return db_pool_get(a->pool, ret);
}
