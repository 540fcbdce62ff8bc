#include "service/system.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/seal.h"
#include "service/keys.h"
#include "service/upgrade.h"

/* Insert key = value unless the key is there already. */
static int setting_put_new(struct db *db, const char *key, const char *value, const char *ts, bool *ret_new)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT count(*) FROM setting WHERE key = ?", &st);
	if (r < 0)
		return r;
	db_bind_text(st, 1, key);
	r = db_step(st);
	bool exists = r == DB_ROW && db_column_int64(st, 0) > 0;
	db_finalize(st);
	if (r < 0)
		return r;
	if (ret_new)
		*ret_new = !exists;
	if (exists)
		return 0;
	if ((r = db_prepare(db, "INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?)", &st)) < 0)
		return r;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	db_bind_text(st, 3, ts);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_system_init(const char *db_url, const char *key_file, const struct pack *pack, struct svc_init_result *ret,
		    char *errmsg, size_t errsize)
{
	struct db *db;
	char dberr[512];
	int r = db_open(db_url, &db, dberr, sizeof dberr);
	if (r < 0) {
		snprintf(errmsg, errsize, "cannot open the database: %s", dberr);
		return r;
	}
	int applied = 0;
	if ((r = db_migrate(db, &applied, errmsg, errsize)) < 0)
		goto out;
	bool key_created = false;
	if ((r = keys_init(db, key_file, &key_created, errmsg, errsize)) < 0)
		goto out;
	/* Values an older version kept in clear are sealed now, with the key. */
	struct keyring *keys = NULL;
	if ((r = keyring_load(key_file, &keys, errmsg, errsize)) < 0)
		goto out;
	r = svc_upgrade_seal(db, keys, pack, NULL, errmsg, errsize);
	keyring_free(keys);
	if (r < 0)
		goto out;
	char ts[32], instance[33];
	time_format(now(), ts, sizeof ts);
	crypto_random_hex(16, instance, sizeof instance);
	bool created = false;
	if ((r = db_begin(db)) < 0)
		goto dberror;
	if ((r = setting_put_new(db, "instance_id", instance, ts, &created)) < 0 ||
	    (r = setting_put_new(db, "created_at", ts, ts, NULL)) < 0 ||
	    (r = setting_put_new(db, "created_with_pack", pack->id, ts, NULL)) < 0) {
		db_rollback(db);
		goto dberror;
	}
	if ((r = db_commit(db)) < 0)
		goto dberror;
	ret->engine = db_engine(db);
	ret->schema = db_schema_latest();
	ret->applied = applied;
	ret->created = created;
	ret->key_created = key_created;
	goto out;
dberror:
	snprintf(errmsg, errsize, "cannot record the installation: %s", db_errmsg(db));
out:
	db_close(db);
	return r;
}

int svc_system_health(struct app *a, struct svc_health *ret)
{
	struct db *db;
	ret->engine = a->engine;
	ret->ok = false;
	ret->schema = 0;
	int r = app_db(a, &db);
	if (r < 0)
		return r;
	int version;
	if ((r = db_schema_version(db, &version)) < 0)
		return r;
	ret->ok = true;
	ret->schema = version;
	return 0;
}

json_t *svc_system_config(struct app *a)
{
	return json_incref(a->pack->root);
}

int svc_system_validate_pack(const struct svc_ctx *ctx, json_t *doc, struct field_errors *errs,
			     struct svc_pack_summary *ret)
{
	int r = svc_require(ctx, PERM_CONFIG_CHECK);
	if (r < 0)
		return r;
	struct pack *p;
	r = pack_from_json(doc, errs, &p);
	if (r < 0)
		return r;
	ret->id = p->id;
	ret->regions = p->n_regions;
	ret->offices = ret->towns = 0;
	for (size_t i = 0; i < p->n_regions; i++) {
		ret->offices += p->regions[i].n_offices;
		for (size_t j = 0; j < p->regions[i].n_offices; j++)
			ret->towns += p->regions[i].offices[j].n_towns;
	}
	pack_free(p);
	return 0;
}
