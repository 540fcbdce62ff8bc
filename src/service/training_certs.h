/* training_certs: certificates of courses completed, their public
 * verification, and the train-the-trainer cascade (docs/training.md,
 * "Certificates and verification", "Train the trainer").
 *
 * Certificates are issued by attendance (service/training/attendance.c);
 * here they are listed, read, printed, revoked and verified. A provider
 * user reaches only its own staff's (trainee.provider_id is its provider,
 * whose code is the user's scope); anything else is ERR_NOTFOUND. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "model/schema.h"
#include "service/ctx.h"

/* ---- status ---- */

/* "revoked" when revoked_at is set, else "expired" when expires_at (a
 * date, valid through that day, or an RFC 3339 time) is past at t, else
 * "valid". */
const char *cert_status(const char *expires_at, const char *revoked_at, hl_time t);

/* ---- certificates (certificates.c) ---- */

struct cert_filter {
	int64_t trainee;    /* 0: any */
	const char *course; /* NULL: any */
	int limit;          /* 0: the default */
	const char *after;  /* the cursor of the page before, or NULL */
};

/* {"items": [...], "next": cursor or null}. Audited. ERR_INVAL with
 * errs for a bad filter. */
int svc_certificates_list(const struct svc_ctx *ctx, const struct cert_filter *f, struct field_errors *errs,
			  json_t **ret);
/* One certificate; audited. */
int svc_certificate_get(const struct svc_ctx *ctx, int64_t id, json_t **ret);
/* The certificate with what its printed page shows: verify_url and the
 * QR code of it as SVG (qr_svg). Audited as a print. */
int svc_certificate_print(const struct svc_ctx *ctx, int64_t id, json_t **ret);

extern const struct schema svc_certificate_revoke_schema;
/* Revoke with a reason (sealed). ERR_CONFLICT when it is revoked
 * already; answers the certificate as it is now. */
int svc_certificate_revoke(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			   json_t **ret);

/* What anyone may learn of a code, without a session: {course_name,
 * completed_on, valid, status} for a known code, {valid: false, status:
 * "unknown"} for any other. ERR_BUSY with *ret_retry seconds when client
 * has tried too many unknown codes. */
int svc_certificate_verify(struct app *app, const char *client, const char *code, json_t **ret,
			   int *ret_retry);

/* ---- the cascade (cascade.c) ---- */

/* Every certified trainer (a valid certificate of a trains_trainers
 * course), with the sessions led, the people reached and, of those, the
 * ones who became certified trainers and how many they reached: a page
 * of q (service/page.h), by trainee id, the one sort. Audited. */
struct page_query;
int svc_trainers_list(const struct svc_ctx *ctx, const struct page_query *q, struct field_errors *errs, json_t **ret);
/* The same for one trainer, with the sessions listed. ERR_NOTFOUND for a
 * trainee who is no certified trainer (or out of scope). */
int svc_trainer_get(const struct svc_ctx *ctx, int64_t trainee_id, json_t **ret);

/* Shared by both files: whether the actor may see trainee_id's records (a
 * provider user: its own staff only). */
struct db;
int cert_trainee_in_scope(struct db *db, const struct svc_ctx *ctx, int64_t trainee_id, bool *ret);
