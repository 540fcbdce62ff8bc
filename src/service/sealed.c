#include "service/sealed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/seal.h"

int sealed_put_row(struct db *db, struct app *app, const char *table, int64_t id, const struct sealed_col *cols,
		   size_t n)
{
	if (n == 0 || n > SEALED_ROW_MAX)
		return ERR_INVAL;
	struct buf sql, sealed[SEALED_ROW_MAX];
	buf_init(&sql, 0);
	int r = buf_printf(&sql, "UPDATE %s SET ", table);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = buf_printf(&sql, "%s%s = ?", i ? ", " : "", cols[i].column);
	if (r == 0)
		r = buf_puts(&sql, " WHERE id = ?");
	size_t made = 0;
	for (; r == 0 && made < n; made++) {
		buf_init(&sealed[made], 0);
		const char *v = cols[made].value;
		if (v && *v)
			r = seal_value(app->keys, table, cols[made].column, id, v, strlen(v), &sealed[made]);
	}
	struct db_stmt *st = NULL;
	if (r == 0)
		r = db_prepare(db, sql.data, &st);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = sealed[i].len ? db_bind_blob(st, (int)i + 1, sealed[i].data, sealed[i].len)
				  : db_bind_null(st, (int)i + 1);
	if (r == 0)
		r = db_bind_int64(st, (int)n + 1, id);
	if (r == 0)
		r = db_step_later(st);
	if (st)
		db_finalize(st);
	for (size_t i = 0; i < made; i++)
		buf_done(&sealed[i]);
	buf_done(&sql);
	return r < 0 ? r : 0;
}

int sealed_put(struct db *db, struct app *app, const char *table, const char *column, int64_t id, const char *value)
{
	const struct sealed_col col = {column, value};
	return sealed_put_row(db, app, table, id, &col, 1);
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
