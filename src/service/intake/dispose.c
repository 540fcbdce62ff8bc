#include "service/intake/intake_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"
#include "match/cmp.h"
#include "model/routing.h"
#include "model/screening.h"
#include "service/audit.h"
#include "service/casejoin.h"
#include "service/figures.h"
#include "service/mailer.h"
#include "service/numbers.h"
#include "service/persons.h"
#include "service/sealed.h"


/* ---- decisions ---- */

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
	struct db_stmt *st;
	int r = db_prepare(db, "SELECT count(*) FROM screening WHERE intake_id = ?", &st);
	if (r < 0)
		return r;
	if ((r = db_bind_int64(st, 1, id)) < 0) {
		db_finalize(st);
		return r;
	}
	r = db_step(st);
	*ret = r == DB_ROW && db_column_int64(st, 0) > 0;
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_intake_dispose(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs)
{
	struct db *db;
	struct intake_head h;
	int r = intake_open(ctx, PERM_INTAKE_DISPOSE, id, &db, &h);
	if (r < 0)
		return r;
	const struct pack *p = ctx->app->pack;
	static const char *const known[] = {"disposition", "reason", "jurisdiction", "supervisor", "supervisor_reason",
					    "unscreened_reason", "version", NULL};
	if (!json_is_object(body)) {
		field_error_add(errs, "", "expected an object");
		return ERR_INVAL;
	}
	intake_unknown_keys(body, known, "", errs);
	const char *disp = intake_str_field(body, "disposition", "disposition", 64, true, errs);
	const char *reason = intake_str_field(body, "reason", "reason", 4000, false, errs);
	const char *juris = intake_str_field(body, "jurisdiction", "jurisdiction", 200, false, errs);
	const char *supervisor = intake_str_field(body, "supervisor", "supervisor", 200, false, errs);
	const char *sup_reason = intake_str_field(body, "supervisor_reason", "supervisor_reason", 4000, false, errs);
	const char *unscreened = intake_str_field(body, "unscreened_reason", "unscreened_reason", 4000, false, errs);
	json_t *ver = json_object_get(body, "version");
	if (!json_is_integer(ver))
		field_error_add(errs, "version", "required: the version read");
	const struct pack_disposition *d = disp && *disp ? pack_disposition(p, disp) : NULL;
	if (disp && *disp && !d)
		field_error_add(errs, "disposition", "unknown disposition \"%.40s\"", disp);
	if (d && d->reason_required && (!reason || !*reason))
		field_error_add(errs, "reason", "a reason is required to %s", d->name);
	if (d && d->jurisdiction_required && (!juris || !*juris))
		field_error_add(errs, "jurisdiction", "name the jurisdiction it goes to");
	/* The law: a suspected victim's report is screened out only with a
	 * supervisor's reason. */
	if (d && h.suspected_victim && strcmp(d->id, "screened_out") == 0) {
		if (!supervisor || !*supervisor)
			field_error_add(errs, "supervisor", "a suspected victim's report is screened out only with a "
							    "supervisor: name them");
		if (!sup_reason || !*sup_reason)
			field_error_add(errs, "supervisor_reason", "the supervisor's reason is required");
	}
	/* Accepting a report nobody has screened is a choice to explain. */
	bool screened = true;
	if (d && strcmp(d->id, "accepted_hart") == 0 && (r = intake_screened(db, id, &screened)) < 0)
		return r;
	if (!screened && (!unscreened || !*unscreened))
		field_error_add(errs, "unscreened_reason",
				"the report is not screened: say why it is accepted without a screen, or screen it first");
	if (field_errors_any(errs))
		return ERR_INVAL;
	char ts[32], oid[24], number[24] = "";
	time_format(now(), ts, sizeof ts);
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	if ((r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "UPDATE intake SET disposition = ?, disposition_at = ?, version = version + 1, updated_at = ?"
			    " WHERE id = ? AND version = ? RETURNING number",
			    &st)) < 0)
		goto fail;
	db_bind_text(st, 1, d->id);
	db_bind_text(st, 2, ts);
	db_bind_text(st, 3, ts);
	db_bind_int64(st, 4, id);
	db_bind_int64(st, 5, json_integer_value(ver));
	r = db_step(st);
	if (r == DB_ROW)
		str_copy(number, sizeof number, db_column_text(st, 0));
	db_finalize(st);
	if (r == DB_DONE)
		r = ERR_CONFLICT;
	if (r < 0)
		goto fail;
	if ((r = db_prepare(db,
			    "INSERT INTO disposition (intake_id, disposition, jurisdiction, supervisor, decided_by, decided_at)"
			    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			    &st)) < 0)
		goto fail;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, d->id);
	db_bind_text(st, 3, juris && *juris ? juris : NULL);
	db_bind_text(st, 4, supervisor && *supervisor ? supervisor : NULL);
	db_bind_int64(st, 5, ctx->actor->user_id);
	db_bind_text(st, 6, ts);
	r = db_step(st);
	int64_t did = r == DB_ROW ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	if (r < 0)
		goto fail;
	struct buf why;
	buf_init(&why, 0);
	int be = 0;
	if (reason && *reason && (r = buf_puts(&why, reason)) < 0)
		be = r;
	if (sup_reason && *sup_reason && (r = buf_printf(&why, "%sSupervisor: %s", why.len ? "\n" : "", sup_reason)) < 0)
		be = r;
	if (!screened && (r = buf_printf(&why, "%sAccepted without a screen: %s", why.len ? "\n" : "", unscreened)) < 0)
		be = r;
	r = be < 0 ? be : sealed_put(db, ctx->app, "disposition", "reason", did, buf_str(&why));
	buf_done(&why);
	if (r < 0)
		goto fail;
	bool accepted = strcmp(d->id, "accepted_hart") == 0;
	if (accepted && (r = notify_hart(db, p, id, number, h.region[0] ? h.region : NULL, ts)) < 0)
		goto fail;
	if (accepted) {
		/* The e-mail names the report and links to it; never a child. */
		const struct pack_region *reg = h.region[0] ? pack_region(p, h.region) : NULL;
		char subject[160], text[700];
		snprintf(subject, sizeof subject, "[hartline] Report %s accepted for HART response", number);
		snprintf(text, sizeof text,
			 "Report %s was accepted for HART response%s%s.\n\nOpen it in hartline: %s/#intake/%lld\n\n"
			 "This message names no child. The report, and what is known, are in hartline.\n",
			 number, reg ? " in " : " in the statewide queue", reg ? reg->name : "",
			 ctx->app->public_url ? ctx->app->public_url : "", (long long)id);
		const struct recipients to = {.who = RCPT_HART | RCPT_REGION_LIAISONS,
					      .region = h.region[0] ? h.region : NULL};
		if ((r = mailer_queue(db, ctx->app, &to, subject, text, "intake", oid)) < 0)
			goto fail;
	}
	/* A child with a case that is not closed: the report joins it. */
	if (accepted && (r = cases_join_accepted(db, ctx, id, now())) < 0)
		goto fail;
	/* Figures: an accepted report is a referral per child; a changed
	 * decision changes its referrals' disposition. */
	if ((r = figures_intake_decided(db, ctx->app, id, d->id)) < 0)
		goto fail;
	if ((r = svc_audit_appendf(db, ctx, "intake.dispose", "intake", id, "disposition=%s%s%s", d->id,
	                           h.decided ? " changed" : "", screened ? "" : " unscreened")) < 0)
		goto fail;
	if ((r = db_commit(db)) < 0)
		goto fail;
	if (accepted)
		mailer_kick(ctx->app);
	return 0;
fail:
	db_rollback(db);
	return r;
}

