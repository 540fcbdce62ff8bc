#include "service/sealed.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/seal.h"

int sealed_put(struct db *db, struct app *app, const char *table, const char *column, int64_t id, const char *value)
{
	char sql[128];
	int n = snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE id = ?", table, column);
	if (n < 0 || (size_t)n >= sizeof sql)
		return ERR_TOOBIG;
	struct db_stmt *st;
	int r = db_prepare(db, sql, &st);
	if (r < 0)
		return r;
	struct buf b;
	buf_init(&b, 0);
	if (value && *value) {
		if ((r = seal_value(app->keys, table, column, id, value, strlen(value), &b)) < 0)
			goto out;
		db_bind_blob(st, 1, b.data, b.len);
	} else {
		db_bind_null(st, 1);
	}
	db_bind_int64(st, 2, id);
	r = db_step(st);
	r = r < 0 ? r : 0;
out:
	buf_done(&b);
	db_finalize(st);
	return r;
}

int sealed_get(struct app *app, struct db_stmt *st, int col, const char *table, const char *column, int64_t id,
	       char **ret)
{
	*ret = NULL;
	if (db_column_is_null(st, col))
		return 0;
	size_t len;
	const void *data = db_column_blob(st, col, &len);
	struct buf b;
	buf_init(&b, 0);
	int r = seal_open(app->keys, table, column, id, data, len, &b);
	if (r < 0) {
		buf_done(&b);
		return r;
	}
	*ret = buf_detach(&b, NULL);
	return *ret ? 0 : ERR_NOMEM;
}
