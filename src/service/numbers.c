#include "service/numbers.h"

#include "base/err.h"
#include "db/db.h"

int svc_next_number(struct db *db, const char *kind, int year, int64_t *ret)
{
	int r = db_int64f(db, ret,
			  "INSERT INTO number_seq (kind, year, last) VALUES (?, ?, 1)"
			  " ON CONFLICT (kind, year) DO UPDATE SET last = number_seq.last + 1 RETURNING last",
			  "td", kind, year);
	return r == ERR_NOTFOUND ? ERR_DB : r;
}
