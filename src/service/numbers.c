#include "service/numbers.h"

#include "base/err.h"
#include "db/db.h"

int svc_next_number(struct db *db, const char *kind, int year, int64_t *ret)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "INSERT INTO number_seq (kind, year, last) VALUES (?, ?, 1)"
			   " ON CONFLICT (kind, year) DO UPDATE SET last = number_seq.last + 1 RETURNING last",
			   &st);
	if (r < 0)
		return r;
	db_bind_text(st, 1, kind);
	db_bind_int64(st, 2, year);
	r = db_step(st);
	if (r == DB_ROW)
		*ret = db_column_int64(st, 0);
	db_finalize(st);
	return r == DB_ROW ? 0 : r < 0 ? r : ERR_DB;
}
