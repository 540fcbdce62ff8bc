/* mailer: e-mail notifications through SMTP (libcurl), queued and retried.
 *
 * Services queue a message inside their own transaction (so it is sent
 * only if the change commits); one sender thread delivers what is due and
 * retries failures with growing delays, up to MAILER_MAX_ATTEMPTS, after
 * which the message is marked failed for the administrator to see. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "service/ctx.h"
#include "service/recipients.h"

#define MAILER_MAX_ATTEMPTS 8

struct mailer;

/* The server's settings: smtp_url "smtp://host:port" (NULL: no e-mail),
 * the From address, and the address staff open hartline at, for links. */
struct mailer_config {
	const char *smtp_url;
	const char *from;
	const char *public_url;
};

/* Queue a message to every recipient in `to` that has an e-mail address.
 * Does nothing without SMTP. Inside the caller's transaction. */
int mailer_queue(struct db *db, struct app *app, const struct recipients *to, const char *subject, const char *body,
		 const char *object_type, const char *object_id);

/* Start and stop the sender thread (the server). */
int mailer_start(struct app *app, struct mailer **ret);
void mailer_stop(struct mailer *m);
/* Wake the sender: something was queued. */
void mailer_kick(struct app *app);

/* A page of the messages (service/page.h; newest first, or sorted by id
 * or created_at), for the administrator: {items, next, failed, pending,
 * smtp_configured}, the counts of the whole outbox. */
struct page_query;
struct field_errors;
int svc_outbox_list(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs, json_t **ret);
