/* notify.c: who is told of a referral, in the app and by e-mail. A notice
 * names the referral's number, the service and the provider, never the
 * child; the provider's users are never sent the case's number. */
#include "service/referrals/referrals_int.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "service/mailer.h"
#include "service/recipients.h"

/* The notice in the app and the e-mail, to `to`, about object. */
static int tell(struct db *db, struct app *app, const struct recipients *to, const char *kind, const char *text,
		const char *object_type, const char *object_id, const char *page)
{
	char ts[32], subject[300], body[1000];
	int r = time_format(now(), ts, sizeof ts);
	if (r < 0)
		return r;
	snprintf(subject, sizeof subject, "[hartline] %s", text);
	snprintf(body, sizeof body,
		 "%s.\n\nOpen it in hartline: %s/#%s\n\n"
		 "This message names no child. What is known is in hartline.\n",
		 text, app->public_url ? app->public_url : "", page);
	if ((r = notify_insert(db, to, kind, object_type, object_id, text, ts)) < 0)
		return r;
	return mailer_queue(db, app, to, subject, body, object_type, object_id);
}

int referral_notify_new(struct db *db, struct app *app, const char *provider_code, int64_t id, const char *number,
			const char *service_name, const char *urgency, const char *due_at)
{
	char text[400], oid[24], page[48];
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	snprintf(page, sizeof page, "referral/%lld", (long long)id);
	snprintf(text, sizeof text, "New referral %s: %s, %s; your answer is due %s", number, service_name,
		 referral_urgency_label(urgency) ? referral_urgency_label(urgency) : urgency, due_at);
	const struct recipients to = {.who = RCPT_PROVIDER_USERS, .provider = provider_code};
	return tell(db, app, &to, "referral_new", text, "referral", oid, page);
}

int referral_notify_move(struct db *db, const struct svc_ctx *ctx, const struct referral_row *row,
			 enum referral_status to, const char *reason_name)
{
	char text[400], oid[24], page[48];
	const struct pack_item *svc = pack_item_find(ctx->app->pack->services, ctx->app->pack->n_services, row->service);
	const char *service = svc ? svc->name : row->service;
	if (to == REFERRAL_WITHDRAWN) {
		/* The provider's users: the referral, on their queue. */
		snprintf(oid, sizeof oid, "%lld", (long long)row->id);
		snprintf(page, sizeof page, "referral/%lld", (long long)row->id);
		snprintf(text, sizeof text, "Referral %s (%s) was withdrawn", row->number, service);
		const struct recipients rc = {.who = RCPT_PROVIDER_USERS, .provider = row->provider_code,
					      .except_id = ctx->actor->user_id};
		return tell(db, ctx->app, &rc, "referral_withdrawn", text, "referral", oid, page);
	}
	/* The referring user: the case, where the referral is. */
	if (row->referred_by <= 0)
		return 0;
	snprintf(oid, sizeof oid, "%lld", (long long)row->case_id);
	snprintf(page, sizeof page, "case/%lld", (long long)row->case_id);
	snprintf(text, sizeof text, "Referral %s: %s %s the %s referral%s%s", row->number, row->provider_name,
		 to == REFERRAL_ACCEPTED    ? "accepted"
		 : to == REFERRAL_DECLINED  ? "declined"
		 : to == REFERRAL_STARTED   ? "started"
		 : to == REFERRAL_COMPLETED ? "completed"
					    : "ended early",
		 service, reason_name ? ": " : "", reason_name ? reason_name : "");
	const struct recipients rc = {.who = RCPT_USER, .user_id = row->referred_by, .except_id = ctx->actor->user_id};
	return tell(db, ctx->app, &rc, "referral_answered", text, "case", oid, page);
}
