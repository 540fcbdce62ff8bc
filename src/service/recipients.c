#include "service/recipients.h"

#include <stdbool.h>

#include "model/access.h"

/* The one condition every recipient set resolves to. Each arm is switched
 * on or off by a bound flag, so the text never changes with the set. */
#define RECIPIENTS_WHERE                                                                                       \
	" disabled = 0 AND ((? <> 0 AND role = ?) OR (? <> 0 AND role = ? AND scope = ?) OR (? <> 0 AND id = ?)" \
	" OR (? <> 0 AND role = ? AND scope = ?) OR (? <> 0 AND role = ?)) AND id <> ?"

/* Bind the set's values from idx on. */
static int recipients_bind(struct db_stmt *st, int idx, const struct recipients *rc)
{
	bool liaisons = (rc->who & RCPT_REGION_LIAISONS) && rc->region;
	bool provider = (rc->who & RCPT_PROVIDER_USERS) && rc->provider;
	int r;
	if ((r = db_bind_int64(st, idx, (rc->who & RCPT_HART) != 0)) < 0 ||
	    (r = db_bind_text(st, idx + 1, role_name(ROLE_HART))) < 0 || (r = db_bind_int64(st, idx + 2, liaisons)) < 0 ||
	    (r = db_bind_text(st, idx + 3, role_name(ROLE_LIAISON))) < 0 ||
	    (r = db_bind_text(st, idx + 4, liaisons ? rc->region : "")) < 0 ||
	    (r = db_bind_int64(st, idx + 5, (rc->who & RCPT_USER) != 0)) < 0 ||
	    (r = db_bind_int64(st, idx + 6, rc->user_id)) < 0 || (r = db_bind_int64(st, idx + 7, provider)) < 0 ||
	    (r = db_bind_text(st, idx + 8, role_name(ROLE_PROVIDER))) < 0 ||
	    (r = db_bind_text(st, idx + 9, provider ? rc->provider : "")) < 0 ||
	    (r = db_bind_int64(st, idx + 10, (rc->who & RCPT_TRAINERS) != 0)) < 0 ||
	    (r = db_bind_text(st, idx + 11, role_name(ROLE_TRAINER))) < 0 ||
	    (r = db_bind_int64(st, idx + 12, rc->except_id)) < 0)
		return r;
	return 0;
}

int notify_insert(struct db *db, const struct recipients *rc, const char *kind, const char *object_type,
		  const char *object_id, const char *text, const char *ts)
{
	struct db_stmt *st;
	int r = db_prepare(db,
			   "INSERT INTO notification (user_id, kind, object_type, object_id, text, created_at)"
			   " SELECT id, ?, ?, ?, ?, ? FROM app_user WHERE" RECIPIENTS_WHERE,
			   &st);
	if (r < 0)
		return r;
	if ((r = db_bind_text(st, 1, kind)) == 0 && (r = db_bind_text(st, 2, object_type)) == 0 &&
	    (r = db_bind_text(st, 3, object_id)) == 0 && (r = db_bind_text(st, 4, text)) == 0 &&
	    (r = db_bind_text(st, 5, ts)) == 0 && (r = recipients_bind(st, 6, rc)) == 0)
		r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : 0;
}

int recipients_email_select(struct db *db, const struct recipients *rc, struct db_stmt **ret)
{
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT id, email FROM app_user WHERE email IS NOT NULL AND" RECIPIENTS_WHERE, &st);
	if (r < 0)
		return r;
	if ((r = recipients_bind(st, 1, rc)) < 0) {
		db_finalize(st);
		return r;
	}
	*ret = st;
	return 0;
}
