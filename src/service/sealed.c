#include "service/sealed.h"

#include <stdio.h>
#include <stdlib.h>
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
	if (!value || !*value)
		return db_execf(db, sql, "ni", id);
	struct buf b;
	buf_init(&b, 0);
	int r = seal_value(app->keys, table, column, id, value, strlen(value), &b);
	if (r == 0)
		r = db_execf(db, sql, "bi", b.data, b.len, id);
	buf_done(&b);
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

int sealed_json(struct app *app, struct db_stmt *st, int col, const char *table, const char *column, int64_t id,
		json_t *obj, const char *key)
{
	char *text;
	int r = sealed_get(app, st, col, table, column, id, &text);
	if (r < 0)
		return r;
	json_t *v = text ? json_string(text) : json_null();
	free(text);
	if (!v)
		return ERR_NOMEM;
	return json_object_set_new(obj, key, v) < 0 ? ERR_NOMEM : 0;
}
