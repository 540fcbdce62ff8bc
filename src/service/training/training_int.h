/* training_int.h: what the training service's files share. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "service/training.h"

#define TRAINING_NAME_MAX 200
#define TRAINING_PAGE_DEFAULT 50

/* "" and null both answer NULL. */
const char *tr_opt(const json_t *body, const char *key);

/* The provider the actor is limited to: 0 when it reads every trainee (the
 * trainer), the id of its scope's provider for a provider user, -1 when
 * that provider does not exist (then it reaches nobody). */
int tr_scope(const struct svc_ctx *ctx, struct db *db, int64_t *ret_provider);

/* The training figures' order of changes (migration 0021): a new value
 * from training_seq, and a session's or a trainee's row marked with one,
 * inside the caller's transaction. A session's mark stands for its
 * registrations, attendance and trainers too. */
int tr_seq_next(struct db *db, int64_t *ret);
int tr_mark_session(struct db *db, int64_t session_id);
int tr_mark_trainee(struct db *db, int64_t trainee_id);

/* A list's limit and cursor checked (errs names them); *ret_after the id
 * of the row the cursor was written after. The cursors are the shared
 * helper's (service/page.h), of the list l. */
struct page_list;
extern const struct page_list tr_trainees_page, tr_sessions_page, tr_certificates_page;
int tr_page(const struct page_list *l, int limit, const char *after, int64_t *ret_after, struct field_errors *errs);

/* The page answer from items fetched with one row more than limit. */
int tr_page_answer(const struct page_list *l, json_t *items, int limit, json_t **ret);

/* A trainee's name opened, or NULL; *ret_err set on failure. */
int tr_trainee_name(struct app *app, struct db *db, int64_t trainee_id, char **ret);

/* Whether trainee holds a valid (unrevoked, unexpired on today) certificate
 * of a course that trains trainers: 1, 0 or an error. */
int tr_is_trainer(const struct app *app, struct db *db, int64_t trainee_id, const char *today);

/* Today, UTC, "YYYY-MM-DD". */
int tr_today(char out[11]);

/* A session's row locked for a write: its status, course, starts_at and
 * capacity; ERR_NOTFOUND when there is none. */
struct tr_session {
	int64_t id, capacity, version;
	char status[16], course[64], starts_at[40], number[32];
};
int tr_session_load(struct db *db, int64_t id, struct tr_session *s);

/* One person's attendance: registration reg of trainee. */
struct tr_attendance_line {
	int64_t reg, trainee;
	bool attended, completed;
};

/* attendance.c: write n checked lines of session s inside the caller's
 * transaction (registrations, certificates issued or revoked, the session
 * held) and recompute the trafficking-informed status of the providers
 * whose staff are on it. *issued and *revoked count. What
 * svc_attendance_put and the sign-in sheet import both write. */
int tr_attendance_write(const struct svc_ctx *ctx, struct db *db, const struct tr_session *s,
			const struct tr_attendance_line *l, size_t n, const char *ts, int *issued, int *revoked);
