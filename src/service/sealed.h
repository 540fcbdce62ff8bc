/* sealed: reading and writing sealed columns of a row.
 *
 * table and column are constants of the calling service, never input (they
 * are written into SQL); the value is sealed with the installation's key,
 * bound to table, column and row id. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "db/db.h"
#include "service/app.h"

/* UPDATE table SET column = seal(value) WHERE id = id; NULL or "" stores
 * NULL. Inside the caller's transaction. */
int sealed_put(struct db *db, struct app *app, const char *table, const char *column, int64_t id, const char *value);

/* A column and the value to seal into it (NULL or "" stores NULL). */
struct sealed_col {
	const char *column;
	const char *value;
};
/* sealed_put for n columns of one row, in one statement (a write of a
 * row's sealed values is one round trip, not one per column). At most
 * SEALED_ROW_MAX columns. */
#define SEALED_ROW_MAX 12
int sealed_put_row(struct db *db, struct app *app, const char *table, int64_t id, const struct sealed_col *cols,
		   size_t n);

/* Open column col of the current row of st (sealed for table.column of row
 * id) into a new string; NULL for NULL. */
int sealed_get(struct app *app, struct db_stmt *st, int col, const char *table, const char *column, int64_t id,
	       char **ret);
/* The same, set on obj as key: the text, or null. */
int sealed_json(struct app *app, struct db_stmt *st, int col, const char *table, const char *column, int64_t id,
		json_t *obj, const char *key);
