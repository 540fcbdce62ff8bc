/* casehead.c: see casehead.h. */
#include "service/casehead.h"

#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"

int case_load(struct db *db, int64_t id, struct case_head *h)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT number, person_id, region, office, status, victim_status, identified_at, lead_user_id,"
			" opened_by, version FROM child_case WHERE id = ?",
			"i", id);
	if (r < 0)
		return r;
	memset(h, 0, sizeof *h);
	h->id = id;
	str_copy(h->number, sizeof h->number, db_column_text(st, 0));
	h->person_id = db_column_int64(st, 1);
	str_copy(h->region, sizeof h->region, db_column_text(st, 2));
	str_copy(h->office, sizeof h->office, db_column_text(st, 3) ? db_column_text(st, 3) : "");
	str_copy(h->status, sizeof h->status, db_column_text(st, 4));
	str_copy(h->victim, sizeof h->victim, db_column_text(st, 5));
	h->identified = !db_column_is_null(st, 6);
	str_copy(h->identified_at, sizeof h->identified_at, h->identified ? db_column_text(st, 6) : "");
	h->lead = db_column_is_null(st, 7) ? 0 : db_column_int64(st, 7);
	h->opened_by = db_column_int64(st, 8);
	h->version = db_column_int64(st, 9);
	db_finalize(st);
	return 0;
}
