/* close.c: closing a case, with a closure reason of the pack's list and
 * a look at what is still open (duties not met, referrals pending,
 * accepted or started), and reopening it, its own step (docs/cases.md,
 * "Closing and reopening"). */
#include "service/cases/cases_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

/* ---- closing ---- */

static int open_duties_json(struct db *db, int64_t case_id, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT id, kind, name, due_at FROM duty WHERE case_id = ? AND met_at IS NULL"
			    " ORDER BY due_at, id",
			    "i", case_id);
	if (r < 0)
		return r;
	json_t *o;
	while ((r = db_step(st)) == DB_ROW) {
		if (!(o = json_object()) || json_array_append_new(out, o) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = db_row_json(st, "id:i kind name due_at", o)) < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

static int active_referrals_json(struct db *db, int64_t case_id, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT r.id, r.number, r.service, r.status, p.name FROM service_referral r"
			    " JOIN provider p ON p.id = r.provider_id"
			    " WHERE r.case_id = ? AND r.status IN ('pending', 'accepted', 'started') ORDER BY r.id",
			    "i", case_id);
	if (r < 0)
		return r;
	json_t *o;
	while ((r = db_step(st)) == DB_ROW) {
		if (!(o = json_object()) || json_array_append_new(out, o) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = db_row_json(st, "id:i number service status provider", o)) < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* What is still open on the case: {duties, referrals}. */
static int open_work_json(struct db *db, int64_t case_id, json_t **ret)
{
	json_t *d = json_array(), *rf = json_array();
	json_t *w = d && rf ? json_pack("{s:o, s:o}", "duties", d, "referrals", rf) : NULL;
	if (!w) {
		json_decref(d);
		json_decref(rf);
		return ERR_NOMEM;
	}
	int r = open_duties_json(db, case_id, d);
	if (r == 0)
		r = active_referrals_json(db, case_id, rf);
	if (r < 0) {
		json_decref(w);
		return r;
	}
	*ret = w;
	return 0;
}

int cases_close(struct db *db, const struct svc_ctx *ctx, const struct case_head *h, const char *reason,
		const char *anyway, hl_time t, struct case_conflict *cf, struct buf *detail)
{
	json_t *work = NULL;
	int r = open_work_json(db, h->id, &work);
	if (r < 0)
		return r;
	size_t nd = json_array_size(json_object_get(work, "duties"));
	size_t nr = json_array_size(json_object_get(work, "referrals"));
	if ((nd || nr) && !anyway) {
		cases_conflict(cf,
			       "Case %s still has %zu open %s and %zu active %s. Meet or end them first, or say why"
			       " the case closes all the same.",
			       h->number, nd, nd == 1 ? "duty" : "duties", nr, nr == 1 ? "referral" : "referrals");
		if (cf) {
			cf->slug = "open-work";
			cf->open_work = work;
		} else {
			json_decref(work);
		}
		return ERR_CONFLICT;
	}
	json_decref(work);
	char ts[32];
	time_str(t, ts);
	json_t *data = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I}", "from", h->status, "to", "closed", "reason", reason,
				 "closed_anyway", anyway != NULL, "open_duties", (json_int_t)nd, "active_referrals",
				 (json_int_t)nr);
	if (!data)
		return ERR_NOMEM;
	int64_t n = 0;
	/* Only from the status read: the counts move from it (service/counts.h). */
	r = db_execnf(db, &n,
		      "UPDATE child_case SET status = 'closed', closed_at = ?, closure_reason = ?, closed_from = ?"
		      " WHERE id = ? AND status = ? RETURNING id",
		      "tttit", ts, reason, h->status, h->id, h->status);
	if (r == 0 && n != 1)
		r = ERR_CONFLICT;
	if (r == 0)
		r = counts_case_status(db, h->region, h->status, "closed");
	/* Why it closes all the same may speak of the child: sealed. */
	if (r == 0)
		r = cases_event_add(db, ctx->app, h->id, "status_change", t, ctx->actor->user_id, false, data, anyway,
				    NULL);
	json_decref(data);
	if (r < 0)
		return r;
	return buf_printf(detail, " status=%s->closed reason=%s%s", h->status, reason,
			  anyway ? " closed_anyway=true" : "");
}

int cases_closure_json(struct db *db, int64_t id, json_t *j)
{
	char *reason = NULL;
	int r = db_textf(db, &reason, "SELECT closure_reason FROM child_case WHERE id = ?", "i", id);
	if (r < 0)
		return r;
	r = json_object_set_new(j, "closure_reason", reason ? json_string(reason) : json_null()) < 0 ? ERR_NOMEM : 0;
	free(reason);
	return r;
}

/* ---- reopening ---- */

static const struct field_rule reopen_fields[] = {
	{.key = "version", .type = FT_INT, .required = true, .reason = "required: the version read"},
	{.key = "reason", .type = FT_STRING, .required = true, .max_len = 2000,
	 .reason = "required: say why the case opens again"},
	{.key = NULL},
};
const struct schema svc_case_reopen_schema = {.name = "case reopen", .fields = reopen_fields};

/* The child's other case that is not closed, if any: its number in out. */
static int other_open_case(struct db *db, const struct case_head *h, char out[24])
{
	char *number = NULL;
	out[0] = '\0';
	int r = db_textf(db, &number, "SELECT number FROM child_case WHERE person_id = ? AND status <> 'closed' AND id <> ?",
			 "ii", h->person_id, h->id);
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	snprintf(out, 24, "%s", number ? number : "");
	free(number);
	return 0;
}

static int reopen_write(const struct svc_ctx *ctx, struct db *db, int64_t id, int64_t version, const char *reason,
			struct case_conflict *cf, json_t **ret)
{
	struct case_head h;
	char other[24], *from = NULL;
	int r = case_load(db, id, &h);
	if (r < 0)
		return r;
	if (strcmp(h.status, "closed") != 0) {
		cases_conflict(cf, "Case %s is not closed.", h.number);
		return ERR_CONFLICT;
	}
	if (version != h.version) {
		cases_conflict(cf, "Case %s changed since it was read: read it again.", h.number);
		cases_stale(cf);
		return ERR_CONFLICT;
	}
	if ((r = other_open_case(db, &h, other)) < 0)
		return r;
	if (*other) {
		cases_conflict(cf, "The child has case %s open: a child has one open case at a time.", other);
		return ERR_CONFLICT;
	}
	if ((r = db_textf(db, &from, "SELECT closed_from FROM child_case WHERE id = ?", "i", id)) < 0)
		return r;
	char to[16];
	snprintf(to, sizeof to, "%s", from && *from ? from : "open");
	free(from);
	json_t *data = json_pack("{s:s, s:s}", "from", "closed", "to", to);
	if (!data)
		return ERR_NOMEM;
	int64_t n = 0;
	r = db_execnf(db, &n,
		      "UPDATE child_case SET status = ?, closed_at = NULL, closure_reason = NULL, closed_from = NULL"
		      " WHERE id = ? AND status = 'closed' RETURNING id",
		      "ti", to, id);
	if (r == 0 && n != 1)
		r = ERR_CONFLICT;
	if (r == 0)
		r = counts_case_status(db, h.region, "closed", to);
	if (r == 0)
		r = cases_event_add(db, ctx->app, id, "reopened", now(), ctx->actor->user_id, false, data, reason, NULL);
	json_decref(data);
	if (r < 0 || (r = cases_written(db, ctx, id, "case.reopen", "status=closed->%s", to)) < 0)
		return r;
	return cases_staff_json(db, ctx->app, id, ret);
}

int svc_case_reopen(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r = cases_access(ctx, PERM_CASES_REOPEN, id, &db, &h, NULL);
	if (r < 0)
		return r;
	if (schema_check(&svc_case_reopen_schema, body, errs) < 0 || field_errors_any(errs))
		return ERR_INVAL;
	json_t *j = NULL;
	if ((r = db_begin(db)) < 0)
		return r;
	r = reopen_write(ctx, db, id, json_integer_value(json_object_get(body, "version")), cases_str(body, "reason"),
			 cf, &j);
	if ((r = cases_end(db, r)) < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}
