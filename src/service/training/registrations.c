/* registrations.c: a place in a session (docs/training.md, "Registration
 * and attendance"): prerequisites enforced, a waiting list past capacity,
 * and the first waiting moving up when a place is given back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/training/training_int.h"

static const struct field_rule create_fields[] = {{"trainee_id", FT_ID, .required = true}, {.key = NULL}};
const struct schema svc_registration_create_schema = {.name = "training registration", .fields = create_fields};

/* Every prerequisite of course completed by trainee (in a session held
 * before, or by an earlier line of the same attendance): else a 409's
 * field error naming the first missing. */
static int check_prerequisites(const struct svc_ctx *ctx, struct db *db, const char *course, int64_t trainee,
			       struct field_errors *errs)
{
	const struct pack_course *c = pack_course(ctx->app->pack, course);
	for (size_t i = 0; c && i < c->n_prerequisites; i++) {
		int64_t one;
		int r = db_int64f(db, &one,
				  "SELECT 1 FROM registration r JOIN training_session s ON s.id = r.session_id"
				  " WHERE r.trainee_id = ? AND s.course = ? AND r.completed = 1 LIMIT 1",
				  "it", trainee, c->prerequisites[i]);
		if (r == ERR_NOTFOUND) {
			const struct pack_course *pre = pack_course(ctx->app->pack, c->prerequisites[i]);
			char *name = NULL;
			int g = tr_trainee_name(ctx->app, db, trainee, &name);
			if (g < 0)
				return g;
			field_error_add(errs, "trainee_id", "%s needs %s first: %s has not completed it", c->name,
					pre ? pre->name : c->prerequisites[i], name ? name : "this person");
			free(name);
			return ERR_CONFLICT;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int svc_registration_create(const struct svc_ctx *ctx, int64_t sid, const json_t *body, struct field_errors *errs,
			    json_t **ret)
{
	struct db *db;
	struct tr_session s;
	int r = svc_enter(ctx, PERM_TRAINING_MANAGE, &db);
	if (r < 0 || (r = tr_session_load(db, sid, &s)) < 0)
		return r;
	if (schema_check(&svc_registration_create_schema, body, errs) < 0)
		return ERR_INVAL;
	int64_t trainee = (int64_t)json_integer_value(json_object_get(body, "trainee_id")), one;
	if ((r = db_int64f(db, &one, "SELECT 1 FROM trainee WHERE id = ?", "i", trainee)) == ERR_NOTFOUND) {
		field_error_add(errs, "trainee_id", "Person: no such person trained; add them first");
		return ERR_INVAL;
	}
	if (r < 0)
		return r;
	if (strcmp(s.status, "scheduled") != 0) {
		field_error_add(errs, "status", "the session is %s: it takes no more registrations", s.status);
		return ERR_CONFLICT;
	}
	if ((r = check_prerequisites(ctx, db, s.course, trainee, errs)) < 0)
		return r;
	char ts[32];
	int64_t taken, waiting, id, prev = 0;
	struct db_stmt *st;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	/* The session row is written first, so that two registrations for the
	 * last place take turns. */
	if ((r = db_execf(db, "UPDATE training_session SET updated_at = ? WHERE id = ?", "ti", ts, sid)) < 0 ||
	    (r = tr_mark_session(db, sid)) < 0 ||
	    (r = db_int64f(db, &taken, "SELECT COUNT(*) FROM registration WHERE session_id = ? AND status = 'registered'",
			   "i", sid)) < 0 ||
	    (r = db_int64f(db, &waiting,
			   "SELECT COALESCE(MAX(waitlist_position), 0) FROM registration WHERE session_id = ?"
			   " AND status = 'waitlisted'", "i", sid)) < 0)
		goto fail;
	bool wait = taken >= s.capacity;
	/* A place given back before is taken again. */
	r = db_rowf(db, &st, "SELECT id, status FROM registration WHERE session_id = ? AND trainee_id = ?", "ii", sid,
		    trainee);
	if (r == 0) {
		prev = db_column_int64(st, 0);
		bool active = strcmp(db_column_text(st, 1), "cancelled") != 0;
		db_finalize(st);
		if (active) {
			r = ERR_EXISTS;
			goto fail;
		}
		if ((r = db_execf(db,
				  "UPDATE registration SET status = ?, waitlist_position = ?, attended = NULL,"
				  " completed = NULL, registered_at = ?, registered_by = NULLIF(?, 0), version = version + 1"
				  " WHERE id = ?",
				  "titii", wait ? "waitlisted" : "registered", wait ? waiting + 1 : (int64_t)0, ts,
				  ctx->actor->user_id, prev)) < 0 ||
		    (r = db_execf(db, "UPDATE registration SET waitlist_position = NULL WHERE id = ? AND status ="
				      " 'registered'", "i", prev)) < 0)
			goto fail;
		id = prev;
	} else if (r == ERR_NOTFOUND) {
		if ((r = db_int64f(db, &id,
				   "INSERT INTO registration (session_id, trainee_id, status, waitlist_position,"
				   " registered_at, registered_by) VALUES (?, ?, ?, NULLIF(?, 0), ?, NULLIF(?, 0)) RETURNING id",
				   "iititi", sid, trainee, wait ? "waitlisted" : "registered", wait ? waiting + 1 : (int64_t)0,
				   ts, ctx->actor->user_id)) < 0)
			goto fail;
	} else
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "training.register", "registration", id, "session=%lld trainee=%lld status=%s",
				   (long long)sid, (long long)trainee, wait ? "waitlisted" : "registered")) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	*ret = wait ? json_pack("{s:I, s:s, s:I, s:s}", "id", (json_int_t)id, "status", "waitlisted",
				"waitlist_position", (json_int_t)(waiting + 1), "message",
				"The session is full: the person is on the waiting list")
		    : json_pack("{s:I, s:s, s:n}", "id", (json_int_t)id, "status", "registered", "waitlist_position");
	return *ret ? 0 : ERR_NOMEM;
fail:
	db_rollback(db);
	return r;
}

int svc_registration_cancel(const struct svc_ctx *ctx, int64_t sid, int64_t rid, json_t **ret)
{
	struct db *db;
	struct tr_session s;
	struct db_stmt *st;
	int r = svc_enter(ctx, PERM_TRAINING_MANAGE, &db);
	if (r < 0 || (r = tr_session_load(db, sid, &s)) < 0 ||
	    (r = db_rowf(db, &st, "SELECT status, waitlist_position FROM registration WHERE id = ? AND session_id = ?",
			 "ii", rid, sid)) < 0)
		return r;
	char was[16];
	snprintf(was, sizeof was, "%s", db_column_text(st, 0));
	int64_t pos = db_column_int64(st, 1);
	db_finalize(st);
	if (strcmp(was, "cancelled") == 0 || strcmp(s.status, "scheduled") != 0)
		return ERR_CONFLICT;
	char ts[32];
	int64_t promoted = 0;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = db_execf(db, "UPDATE training_session SET updated_at = ? WHERE id = ?", "ti", ts, sid)) < 0 ||
	    (r = tr_mark_session(db, sid)) < 0 ||
	    (r = db_execf(db, "UPDATE registration SET status = 'cancelled', waitlist_position = NULL,"
			      " version = version + 1 WHERE id = ?", "i", rid)) < 0)
		goto fail;
	if (strcmp(was, "registered") == 0) {
		/* The first waiting takes the place. */
		r = db_int64f(db, &promoted,
			      "SELECT id FROM registration WHERE session_id = ? AND status = 'waitlisted'"
			      " ORDER BY waitlist_position, id LIMIT 1", "i", sid);
		if (r == ERR_NOTFOUND)
			promoted = 0, r = 0;
		if (r < 0 || (promoted && (r = db_execf(db,
							"UPDATE registration SET status = 'registered', waitlist_position = NULL,"
							" version = version + 1 WHERE id = ?", "i", promoted)) < 0))
			goto fail;
		pos = 0;
	}
	/* Those behind move up one place. */
	if ((r = db_execf(db,
			  "UPDATE registration SET waitlist_position = waitlist_position - 1 WHERE session_id = ?"
			  " AND status = 'waitlisted' AND (CAST(? AS BIGINT) = 0 OR waitlist_position > ?)",
			  "iii", sid, pos, pos)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "training.unregister", "registration", rid, "session=%lld promoted=%lld",
				   (long long)sid, (long long)promoted)) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	*ret = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)rid, "status", "cancelled", "promoted",
			 promoted ? json_integer(promoted) : json_null());
	return *ret ? 0 : ERR_NOMEM;
fail:
	db_rollback(db);
	return r;
}
