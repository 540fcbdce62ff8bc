#include "service/keys.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/seal.h"
#include "service/audit.h"

#define CHECK_TEXT "hartline-seal-check"

/* Every sealed column: table, its integer key, the column. Rotation walks
 * this list; a sealed column missing here would be left under an old key. */
static const struct {
	const char *table, *id, *column;
} sealed_columns[] = {
	{"app_user", "id", "display_name"},
	{"app_user", "id", "email"},
	{"person", "id", "given_name"},
	{"person", "id", "family_name"},
	{"person", "id", "aliases"},
	{"person", "id", "dob"},
	{"intake", "id", "reporter"},
	{"intake", "id", "narrative"},
	{"intake", "id", "idempotency_digest"},
	{"intake_child", "id", "given_name"},
	{"intake_child", "id", "family_name"},
	{"intake_child", "id", "aliases"},
	{"intake_child", "id", "dob"},
	{"disposition", "id", "reason"},
	{"outbox", "id", "to_addr"},
	{"draft", "id", "body"},
	{"case_event", "id", "text"},
	{"case_event_correction", "id", "earlier_text"},
	{"missing_episode", "id", "circumstances"},
	{"case_review", "id", "decisions"},
	{"action_item", "id", "text"},
	{"mandated_report", "id", "officer_sealed"},
	{"mandated_report", "id", "reference_sealed"},
	{"missing_episode", "id", "ncmec_sealed"},
	{"rapid_response", "id", "responder_sealed"},
	{"mdt_member", "id", "name_sealed"},
	{"mdt_member", "id", "email_sealed"},
	{"mdt_member", "id", "phone_sealed"},
	{"action_item", "id", "owner_sealed"},
	{"contact", "id", "name_sealed"},
	{"contact", "id", "phone_sealed"},
	{"contact", "id", "email_sealed"},
	{"intake_child", "id", "gender_sealed"},
	{"user_totp", "id", "secret"},
	{"provider", "id", "staff"},
	{"service_referral", "id", "reason"},
	{"service_referral", "id", "note"},
	{"service_referral_step", "id", "note"},
	{"case_plan", "id", "body"},
	{"relief_record", "id", "docket"},
	{"relief_record", "id", "outcome"},
	{"relief_record", "id", "defence_notes"},
	{"person_merge", "id", "reason"},
	{"trainee", "id", "name"},
	{"trainee", "id", "email"},
	{"training_session", "id", "cancel_reason"},
	{"certificate", "id", "revoke_reason"},
	{"person_merge", "id", "undo_reason"},
	{"break_glass", "id", "reason"},
	{"attachment", "id", "name"},
	{"attachment", "id", "description"},
	{"attachment_chunk", "id", "data"},
};

/* Rows re-sealed per read: an attachment's chunks are 64 KiB each, so a
 * column is read a page at a time, never whole. */
#define RESEAL_PAGE 64

static int read_check(struct db *db, char **ret)
{
	*ret = NULL;
	char *v = NULL;
	int r = db_textf(db, &v, "SELECT value FROM setting WHERE key = 'seal_check'", "");
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	/* A row holding NULL is an empty check, which is not a missing one. */
	if (!v && !(v = strdup("")))
		return ERR_NOMEM;
	*ret = v;
	return 0;
}

static int sealed_check_hex(const struct keyring *keys, char **ret)
{
	struct buf b;
	buf_init(&b, 0);
	int r = seal_value(keys, "setting", "value", 0, CHECK_TEXT, strlen(CHECK_TEXT), &b);
	if (r < 0) {
		buf_done(&b);
		return r;
	}
	*ret = malloc(b.len * 2 + 1);
	if (*ret)
		sodium_bin2hex(*ret, b.len * 2 + 1, (const unsigned char *)b.data, b.len);
	buf_done(&b);
	return *ret ? 0 : ERR_NOMEM;
}

static int put_check(struct db *db, const struct keyring *keys, bool insert)
{
	char *hex;
	int r = sealed_check_hex(keys, &hex);
	if (r < 0)
		return r;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	r = db_execf(db,
		     insert ? "INSERT INTO setting (value, updated_at, key) VALUES (?, ?, 'seal_check')"
			    : "UPDATE setting SET value = ?, updated_at = ? WHERE key = 'seal_check'",
		     "tt", hex, ts);
	free(hex);
	return r < 0 ? r : 0;
}

int keys_check(struct db *db, const struct keyring *keys, const char *key_file, char *errmsg, size_t errsize)
{
	char *hex;
	int r = read_check(db, &hex);
	if (r < 0) {
		snprintf(errmsg, errsize, "cannot read the seal check: %s", db_errmsg(db));
		return r;
	}
	if (!hex) {
		snprintf(errmsg, errsize, "the database has no seal check; run: hartline init");
		return ERR_SCHEMA;
	}
	size_t hexlen = strlen(hex), len = 0;
	unsigned char *bin = malloc(hexlen / 2 + 1);
	if (!bin) {
		free(hex);
		return ERR_NOMEM;
	}
	struct buf out;
	buf_init(&out, 0);
	r = sodium_hex2bin(bin, hexlen / 2 + 1, hex, hexlen, NULL, &len, NULL) == 0 ? 0 : ERR_INVAL;
	uint32_t id = 0;
	if (r == 0)
		seal_key_id(bin, len, &id);
	if (r == 0)
		r = seal_open(keys, "setting", "value", 0, bin, len, &out);
	if (r == 0 && strcmp(buf_str(&out), CHECK_TEXT) != 0)
		r = ERR_INVAL;
	if (r == ERR_NOTFOUND)
		snprintf(errmsg, errsize,
			 "%s does not hold key %u, which this database was sealed with; use the key file that belongs "
			 "to this database",
			 key_file, (unsigned)id);
	else if (r < 0)
		snprintf(errmsg, errsize, "%s does not open this database's sealed values; use the key file that "
					  "belongs to this database",
			 key_file);
	buf_done(&out);
	free(bin);
	free(hex);
	return r;
}

int keys_init(struct db *db, const char *key_file, bool *ret_created, char *errmsg, size_t errsize)
{
	char *hex;
	int r = read_check(db, &hex);
	if (r < 0) {
		snprintf(errmsg, errsize, "cannot read the seal check: %s", db_errmsg(db));
		return r;
	}
	bool sealed_before = hex != NULL;
	free(hex);
	struct keyring *keys = NULL;
	char kerr[512];
	bool created = false;
	r = keyring_load(key_file, &keys, kerr, sizeof kerr);
	if (r == ERR_NOTFOUND && !sealed_before) {
		if ((r = keyring_create(key_file, kerr, sizeof kerr)) == 0 &&
		    (r = keyring_load(key_file, &keys, kerr, sizeof kerr)) == 0)
			created = true;
	} else if (r == ERR_NOTFOUND) {
		snprintf(errmsg, errsize,
			 "%s is missing, and this database holds values sealed with it; restore the key file from "
			 "where you keep its copy",
			 key_file);
		return r;
	}
	if (r < 0) {
		snprintf(errmsg, errsize, "%s", kerr);
		return r;
	}
	if (sealed_before) {
		r = keys_check(db, keys, key_file, errmsg, errsize);
	} else {
		r = put_check(db, keys, true);
		if (r < 0)
			snprintf(errmsg, errsize, "cannot store the seal check: %s", db_errmsg(db));
	}
	keyring_free(keys);
	if (r == 0)
		*ret_created = created;
	return r;
}

struct sealed_row {
	int64_t id;
	unsigned char *data;
	size_t len;
};

/* One row (id, sealed value) with a copy of the value. */
static int sealed_row_read(struct db_stmt *st, void *element, void *arg)
{
	(void)arg;
	struct sealed_row *row = element;
	size_t len;
	const void *data = db_column_blob(st, 1, &len);
	row->id = db_column_int64(st, 0);
	row->len = len;
	if (!(row->data = malloc(len ? len : 1)))
		return ERR_NOMEM;
	memcpy(row->data, data, len);
	return 0;
}

/* The next page of a sealed column's rows, those after id after: *ret
 * (free() it) and *ret_n, also on an error. */
static int sealed_page(struct db *db, const char *table, const char *idcol, const char *column, int64_t after,
		       struct sealed_row **ret, size_t *ret_n)
{
	char sql[256];
	int w = snprintf(sql, sizeof sql, "SELECT %s, %s FROM %s WHERE %s IS NOT NULL AND %s > ? ORDER BY %s LIMIT %d",
			 idcol, column, table, column, idcol, idcol, RESEAL_PAGE);
	*ret = NULL;
	*ret_n = 0;
	if (w < 0 || (size_t)w >= sizeof sql)
		return ERR_TOOBIG;
	void *v = NULL;
	int r = db_rowsf(db, sizeof(struct sealed_row), sealed_row_read, NULL, &v, ret_n, sql, "i", after);
	*ret = v;
	return r;
}

/* Re-seal the next page of the column's rows, those after id *after;
 * *after becomes the last id done, *ret_n how many there were. */
static int reseal_page(struct db *db, struct keyring *keys, const char *table, const char *idcol, const char *column,
		       int64_t *after, size_t *ret_n, int64_t *count)
{
	struct sealed_row *rows;
	size_t n;
	int r = sealed_page(db, table, idcol, column, *after, &rows, &n);
	*ret_n = n;
	if (r < 0 && !rows)
		return r;
	char sql[256];
	int w = snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE %s = ?", table, column, idcol);
	struct db_stmt *up = NULL;
	if (r >= 0)
		r = w < 0 || (size_t)w >= sizeof sql ? ERR_TOOBIG : db_prepare(db, sql, &up);
	struct buf plain, sealed;
	buf_init(&plain, 0);
	buf_init(&sealed, 0);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		buf_clear(&plain);
		buf_clear(&sealed);
		if ((r = seal_open(keys, table, column, rows[i].id, rows[i].data, rows[i].len, &plain)) < 0 ||
		    (r = seal_value(keys, table, column, rows[i].id, plain.data ? plain.data : "", plain.len, &sealed)) < 0)
			break;
		if ((r = db_bindf(up, "bi", sealed.data, sealed.len, rows[i].id)) < 0 || (r = db_step(up)) < 0 ||
		    (r = db_reset(up)) < 0)
			break;
		(*count)++;
	}
	if (plain.data)
		sodium_memzero(plain.data, plain.alloc);
	buf_done(&plain);
	buf_done(&sealed);
	db_finalize(up);
	if (n)
		*after = rows[n - 1].id;
	for (size_t i = 0; i < n; i++)
		free(rows[i].data);
	free(rows);
	return r < 0 ? r : 0;
}

static int reseal_column(struct db *db, struct keyring *keys, const char *table, const char *idcol,
			 const char *column, int64_t *count)
{
	int64_t after = 0;
	size_t n = RESEAL_PAGE;
	int r = 0;
	while (r == 0 && n == RESEAL_PAGE)
		r = reseal_page(db, keys, table, idcol, column, &after, &n, count);
	return r;
}

/* Open the next page of the column's values, those after id *after. */
static int verify_page(struct db *db, const struct keyring *keys, size_t col, int64_t *after, size_t *ret_n,
		       struct keys_sealed_check *ret)
{
	const char *table = sealed_columns[col].table, *idcol = sealed_columns[col].id, *column = sealed_columns[col].column;
	struct sealed_row *rows;
	size_t n;
	int r = sealed_page(db, table, idcol, column, *after, &rows, &n);
	*ret_n = n;
	struct buf plain;
	buf_init(&plain, 0);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		buf_clear(&plain);
		int o = seal_open(keys, table, column, rows[i].id, rows[i].data, rows[i].len, &plain);
		if (o == 0) {
			ret->values++;
			continue;
		}
		if (o != ERR_NOTFOUND && o != ERR_INVAL) {
			r = o;
			break;
		}
		if (!ret->failed++) {
			ret->table = table;
			ret->column = column;
			ret->row = rows[i].id;
			ret->missing_key = o == ERR_NOTFOUND;
		}
	}
	if (plain.data)
		sodium_memzero(plain.data, plain.alloc);
	buf_done(&plain);
	if (n)
		*after = rows[n - 1].id;
	for (size_t i = 0; i < n; i++)
		free(rows[i].data);
	free(rows);
	return r < 0 ? r : 0;
}

int keys_verify_sealed(struct db *db, const struct keyring *keys, struct keys_sealed_check *ret)
{
	memset(ret, 0, sizeof *ret);
	for (size_t i = 0; i < sizeof sealed_columns / sizeof sealed_columns[0]; i++) {
		int64_t after = 0;
		size_t n = RESEAL_PAGE;
		while (n == RESEAL_PAGE) {
			int r = verify_page(db, keys, i, &after, &n, ret);
			if (r < 0)
				return r;
		}
		ret->columns++;
	}
	return 0;
}

int svc_keys_rotate(const struct svc_ctx *ctx, struct keys_rotation *ret, char *errmsg, size_t errsize)
{
	struct app *app = ctx->app;
	struct db *db;
	int r = svc_enter(ctx, PERM_KEYS_ROTATE, &db);
	if (r < 0) {
		snprintf(errmsg, errsize, "%s", r == ERR_PERM || r == ERR_AUTH ? "not permitted" : err_str(r));
		return r;
	}
	uint32_t new_id;
	if ((r = keyring_rotate(app->key_file, app->keys, &new_id, errmsg, errsize)) < 0)
		return r;
	/* The old keys stay in the file, so a failure below leaves every value
	 * readable; the rotation can simply be run again. */
	int64_t count = 0;
	if ((r = db_begin(db)) < 0)
		goto dberr;
	for (size_t i = 0; i < sizeof sealed_columns / sizeof sealed_columns[0]; i++)
		if ((r = reseal_column(db, app->keys, sealed_columns[i].table, sealed_columns[i].id,
				       sealed_columns[i].column, &count)) < 0)
			goto rollback;
	if ((r = put_check(db, app->keys, false)) < 0)
		goto rollback;
	if ((r = svc_audit_appendf(db, ctx, "key.rotate", NULL, AUDIT_NO_OBJECT, "key=%u resealed=%lld",
				   (unsigned)new_id, (long long)count)) < 0)
		goto rollback;
	if ((r = db_commit(db)) < 0)
		goto dberr;
	ret->new_id = new_id;
	ret->resealed = count;
	return 0;
rollback:
	db_rollback(db);
dberr:
	snprintf(errmsg, errsize, "re-sealing failed (%s); every value still opens with the key file; run the "
				  "rotation again",
		 r == ERR_DB ? db_errmsg(db) : err_str(r));
	return r;
}
