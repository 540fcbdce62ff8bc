#include "service/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embed.h"
#include "base/err.h"

extern const struct embedded_file default_pack_files[];

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

int app_open(struct app *a, const char *db_url, const char *pack_file, char *errmsg, size_t errsize)
{
	memset(a, 0, sizeof *a);
	int r = app_load_pack(pack_file, &a->pack, errmsg, errsize);
	if (r < 0)
		return r;
	a->pack_source = strdup(pack_file ? pack_file : "built-in");
	a->db_url = strdup(db_url);
	if (!a->pack_source || !a->db_url) {
		app_close(a);
		snprintf(errmsg, errsize, "out of memory");
		return ERR_NOMEM;
	}
	a->engine = db_url_engine(db_url);
	if ((r = db_pool_new(db_url, &a->pool)) < 0) {
		app_close(a);
		snprintf(errmsg, errsize, "out of memory");
		return r;
	}
	/* Check the schema on a connection of our own, closed again here, so
	 * the server starts only on a database it can use. */
	struct db *db;
	char dberr[512];
	if ((r = db_open(db_url, &db, dberr, sizeof dberr)) < 0) {
		snprintf(errmsg, errsize, "cannot open the database: %s", dberr);
		app_close(a);
		return r;
	}
	int version = 0;
	if ((r = db_schema_version(db, &version)) < 0) {
		snprintf(errmsg, errsize, "cannot read the schema version: %s", db_errmsg(db));
	} else if (version == 0) {
		snprintf(errmsg, errsize, "the database %s has not been initialised; run: hartline init --db %s",
			 a->engine == DB_SQLITE ? db_url : "(postgresql)", a->engine == DB_SQLITE ? db_url : "URL");
		r = ERR_SCHEMA;
	} else if (version < db_schema_latest()) {
		snprintf(errmsg, errsize, "the database has schema version %d, this hartline needs %d; run: hartline migrate",
			 version, db_schema_latest());
		r = ERR_SCHEMA;
	} else if (version > db_schema_latest()) {
		snprintf(errmsg, errsize,
			 "the database has schema version %d, newer than this hartline knows (%d); "
			 "run the hartline release that created it, or a newer one",
			 version, db_schema_latest());
		r = ERR_SCHEMA;
	}
	db_close(db);
	if (r < 0)
		app_close(a);
	return r;
}

void app_close(struct app *a)
{
	if (!a)
		return;
	db_pool_free(a->pool);
	pack_free(a->pack);
	free(a->pack_source);
	free(a->db_url);
	memset(a, 0, sizeof *a);
}

int app_db(struct app *a, struct db **ret)
{
	return db_pool_get(a->pool, ret);
}
