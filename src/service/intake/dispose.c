/* Deciding a report: the disposition, with what each needs by the pack
 * and by the law, and for an accepted report the word to HART and the
 * region's liaisons. */
#include "service/intake/intake_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "model/schema.h"
#include "service/audit.h"
#include "service/casejoin.h"
#include "service/figures.h"
#include "service/mailer.h"
#include "service/sealed.h"

static const struct field_rule dispose_fields[] = {
	{"disposition", FT_STRING, .required = true, .max_len = 64},
	{"reason", FT_STRING, .max_len = 4000},
	{"jurisdiction", FT_STRING, .max_len = 200},
	{"supervisor", FT_STRING, .max_len = 200},
	{"supervisor_reason", FT_STRING, .max_len = 4000},
	{"unscreened_reason", FT_STRING, .max_len = 4000},
	{"version", FT_INT, .required = true, .reason = "reload the report and try again", .label = "The report you read"},
	{.key = NULL},
};
const struct schema svc_intake_dispose_schema = {.name = "intake disposition", .fields = dispose_fields};

/* A decision as checked. */
struct decision_in {
	const struct pack_disposition *d;
	const char *reason, *juris, *supervisor, *sup_reason, *unscreened;
	int64_t version;
	bool screened, accepted;
};

/* The HART coordinators, and the liaisons of the report's region, learn of
 * an accepted report at once. Inside the caller's transaction. */
static int notify_hart(struct db *db, const struct pack *pack, int64_t id, const char *number, const char *region,
		       const char *ts)
{
	const struct pack_region *reg = region ? pack_region(pack, region) : NULL;
	char oid[24], text[160];
	int n = snprintf(oid, sizeof oid, "%lld", (long long)id);
	if (n < 0 || (size_t)n >= sizeof oid)
		return ERR_TOOBIG;
	n = snprintf(text, sizeof text, "Report %s accepted for HART response%s%s", number,
		     reg ? " in " : " (statewide queue)", reg ? reg->name : "");
	if (n < 0 || (size_t)n >= sizeof text)
		return ERR_TOOBIG;
	const struct recipients to = {.who = RCPT_HART | RCPT_REGION_LIAISONS, .region = region};
	return notify_insert(db, &to, "intake.accepted", "intake", oid, text, ts);
}

/* Whether the report has a screening. */
static int intake_screened(struct db *db, int64_t id, bool *ret)
{
	int64_t n;
	int r = db_int64f(db, &n, "SELECT count(*) FROM screening WHERE intake_id = ?", "i", id);
	if (r == 0)
		*ret = n > 0;
	return r;
}

/* What the pack and the law ask of a decision, beyond the schema. */
static int check_decision(struct db *db, const struct pack *p, const struct intake_head *h, const json_t *body,
			  struct decision_in *in, struct field_errors *errs)
{
	memset(in, 0, sizeof *in);
	in->screened = true;
	if (schema_check(&svc_intake_dispose_schema, body, errs) < 0 && !json_is_object(body))
		return ERR_INVAL;
	const char *disp = json_get_str(body, "disposition");
	in->reason = intake_nonempty(json_get_str(body, "reason"));
	in->juris = intake_nonempty(json_get_str(body, "jurisdiction"));
	in->supervisor = intake_nonempty(json_get_str(body, "supervisor"));
	in->sup_reason = intake_nonempty(json_get_str(body, "supervisor_reason"));
	in->unscreened = intake_nonempty(json_get_str(body, "unscreened_reason"));
	in->version = json_integer_value(json_object_get(body, "version"));
	const struct pack_disposition *d = in->d = disp && *disp ? pack_disposition(p, disp) : NULL;
	if (disp && *disp && !d)
		field_error_add(errs, "disposition", "Decision: not one of the choices; choose one from the list");
	if (d && d->reason_required && !in->reason)
		field_error_add(errs, "reason", "Reason: required for the decision \u201c%s\u201d; say why", d->name);
	if (d && d->jurisdiction_required && !in->juris)
		field_error_add(errs, "jurisdiction", "Jurisdiction: name the jurisdiction it goes to");
	/* The law: a suspected victim's report is screened out only with a
	 * supervisor's reason. */
	if (d && h->suspected_victim && strcmp(d->id, "screened_out") == 0) {
		if (!in->supervisor)
			field_error_add(errs, "supervisor", "Supervisor: a suspected victim\u2019s report is screened out only "
							    "with a supervisor; name them");
		if (!in->sup_reason)
			field_error_add(errs, "supervisor_reason", "Supervisor's reason: required; say why the supervisor agrees");
	}
	/* Accepting a report nobody has screened is a choice to explain. */
	int r;
	in->accepted = d && strcmp(d->id, "accepted_hart") == 0;
	if (in->accepted && (r = intake_screened(db, h->id, &in->screened)) < 0)
		return r;
	if (!in->screened && !in->unscreened)
		field_error_add(errs, "unscreened_reason",
				"Why accept it without a screen: the report is not screened; say why, or screen it first");
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

/* The reason kept with a decision: the worker's, the supervisor's, and
 * why it was accepted unscreened, one to a line; sealed. */
static int put_reason(struct db *db, struct app *app, int64_t did, const struct decision_in *in)
{
	struct buf why;
	buf_init(&why, 0);
	int r = 0;
	if (in->reason)
		r = buf_puts(&why, in->reason);
	if (r == 0 && in->sup_reason)
		r = buf_printf(&why, "%sSupervisor: %s", why.len ? "\n" : "", in->sup_reason);
	if (r == 0 && !in->screened)
		r = buf_printf(&why, "%sAccepted without a screen: %s", why.len ? "\n" : "", in->unscreened);
	if (r == 0)
		r = sealed_put(db, app, "disposition", "reason", did, buf_str(&why));
	buf_done(&why);
	return r;
}

/* The new decision on the report (ERR_CONFLICT for a stale version), and
 * its row in the history. */
static int write_decision(struct db *db, const struct svc_ctx *ctx, int64_t id, const struct decision_in *in,
			  const char *ts, char number[24])
{
	char *n = NULL;
	int64_t did;
	int r = db_textf(db, &n,
			 "UPDATE intake SET disposition = ?, disposition_at = ?, version = version + 1, updated_at = ?"
			 " WHERE id = ? AND version = ? RETURNING number",
			 "tttii", in->d->id, ts, ts, id, in->version);
	if (r == ERR_NOTFOUND)
		return ERR_CONFLICT;
	if (r < 0)
		return r;
	r = str_copy(number, 24, n ? n : "");
	free(n);
	if (r < 0 ||
	    (r = db_int64f(db, &did,
			   "INSERT INTO disposition (intake_id, disposition, jurisdiction, supervisor, decided_by, decided_at)"
			   " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			   "itttit", id, in->d->id, in->juris, in->supervisor, ctx->actor->user_id, ts)) < 0)
		return r;
	return put_reason(db, ctx->app, did, in);
}

/* An accepted report: HART and the region's liaisons are notified and
 * e-mailed. The e-mail names the report and links to it; never a child. */
static int tell_hart(struct db *db, const struct svc_ctx *ctx, const struct intake_head *h, const char *number,
		     const char *ts)
{
	const char *region = h->region[0] ? h->region : NULL;
	int r = notify_hart(db, ctx->app->pack, h->id, number, region, ts);
	if (r < 0)
		return r;
	const struct pack_region *reg = region ? pack_region(ctx->app->pack, region) : NULL;
	char subject[160], text[700], oid[24];
	int n1 = snprintf(subject, sizeof subject, "[hartline] Report %s accepted for HART response", number);
	int n2 = snprintf(text, sizeof text,
			  "Report %s was accepted for HART response%s%s.\n\nOpen it in hartline: %s/#intake/%lld\n\n"
			  "This message names no child. The report, and what is known, are in hartline.\n",
			  number, reg ? " in " : " in the statewide queue", reg ? reg->name : "",
			  ctx->app->public_url ? ctx->app->public_url : "", (long long)h->id);
	int n3 = snprintf(oid, sizeof oid, "%lld", (long long)h->id);
	if (n1 < 0 || (size_t)n1 >= sizeof subject || n2 < 0 || (size_t)n2 >= sizeof text || n3 < 0 ||
	    (size_t)n3 >= sizeof oid)
		return ERR_TOOBIG;
	const struct recipients to = {.who = RCPT_HART | RCPT_REGION_LIAISONS, .region = region};
	return mailer_queue(db, ctx->app, &to, subject, text, "intake", oid);
}

int svc_intake_dispose(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs)
{
	struct db *db;
	struct intake_head h;
	struct decision_in in;
	int r = intake_open(ctx, PERM_INTAKE_DISPOSE, id, &db, &h);
	if (r < 0 || (r = check_decision(db, ctx->app->pack, &h, body, &in, errs)) < 0)
		return r;
	char ts[32], number[24] = "";
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = write_decision(db, ctx, id, &in, ts, number)) < 0 ||
	    (in.accepted && (r = tell_hart(db, ctx, &h, number, ts)) < 0))
		goto fail;
	/* A child with a case that is not closed: the report joins it. */
	if (in.accepted && (r = cases_join_accepted(db, ctx, id, now())) < 0)
		goto fail;
	/* Figures: an accepted report is a referral per child; a changed
	 * decision changes its referrals' disposition. */
	if ((r = figures_intake_decided(db, ctx->app, id, in.d->id)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "intake.dispose", "intake", id, "disposition=%s%s%s", in.d->id,
				   h.decided ? " changed" : "", in.screened ? "" : " unscreened")) < 0 ||
	    (r = db_commit(db)) < 0)
		goto fail;
	if (in.accepted)
		mailer_kick(ctx->app);
	return 0;
fail:
	db_rollback(db);
	return r;
}
