/* referrals_int.h: what the parts of the referrals service
 * (src/service/referrals/) share. Its public interface is
 * service/referrals.h; one file per use case: access.c (loading a
 * referral in scope, the provider checks, the end of a write), create.c,
 * read.c (the referral as answered), answer.c (status moves and notes),
 * list.c, rerefer.c, notify.c (who is told). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/json.h"
#include "model/access.h"
#include "model/pack.h"
#include "model/referral.h"
#include "service/casehead.h"
#include "service/referrals.h"

struct db;

#define REFERRAL_TEXT_MAX 4000
#define MINUTE (60 * HL_USEC_PER_SEC)

/* A referral as stored, with its provider's code and name. */
struct referral_row {
	int64_t id, case_id, person_id, provider_id, referred_by, rereferral_of, version;
	char number[24], service[64], region[32], urgency[16], reason_code[64], outcome[64];
	char referred_at[32], answer_due_at[32];
	char provider_code[64], provider_name[200];
	enum referral_status status;
};

/* Referral id, ERR_NOTFOUND when there is none. */
int referral_load(struct db *db, int64_t id, struct referral_row *ret);

/* Permission, then referral id, then the actor's scope: HART every
 * referral, a liaison those of its region's cases, an mdt user those of
 * the cases its team reviews, a provider user those to its agency
 * (*ret_provider: answer the provider's view). Out of scope: ERR_NOTFOUND,
 * the denial audited. */
int referral_enter(const struct svc_ctx *ctx, enum perm perm, int64_t id, struct db **ret_db,
		   struct referral_row *row, bool *ret_provider);

/* The case's scope for a referral written from it (PERM_REFERRALS_WRITE):
 * HART every case, a liaison its region's; ERR_PERM with the denial
 * audited otherwise, as for other case writes. */
int referral_case_scope(const struct svc_ctx *ctx, struct db *db, const struct case_head *h);

/* The provider id may take a referral for service in region: it exists,
 * is active, offers the service and serves the region. A refusal names
 * provider_id in errs; ret_name and ret_code get its name and code. 0,
 * ERR_INVAL or a database error. */
int referral_provider_check(struct db *db, const struct pack *p, int64_t provider_id, const char *service,
			    const char *region, struct field_errors *errs, char ret_name[200], char ret_code[64]);

/* A new pending referral, inside the caller's transaction: the row, its
 * reason and note sealed, its first step, the provider's answer duty and
 * the notice to the provider's users. */
struct referral_new {
	int64_t case_id, person_id, provider_id, rereferral_of;
	const char *service, *region, *urgency, *reason, *note, *provider_name, *provider_code;
	hl_time referred_at;
};
int referral_insert(struct db *db, const struct svc_ctx *ctx, const struct referral_new *n, int64_t *ret_id);

/* When the provider's answer is due: the pack's minutes for the service,
 * else its business days in the pack's zone (the process's time zone). */
hl_time referral_due(const struct pack *p, const char *service, hl_time referred_at);

/* The referral as answered: the full view, or the provider's (only what
 * the pack's provider_view allows about the child). steps: with its
 * history. */
int referral_json(struct db *db, const struct svc_ctx *ctx, const struct referral_row *row, bool provider_view,
		  bool steps, json_t **ret);
/* The same, read by id (no scope check, no audit: the caller's). */
int referral_json_by_id(struct db *db, const struct svc_ctx *ctx, int64_t id, bool provider_view, json_t **ret);

/* t on the pack's clock, for a notice: "Tue 1 Dec 2026 13:40 EST". */
void referral_time_words(hl_time t, char *out, size_t size);

/* A refusal with ERR_CONFLICT: its problem type (slug) and why. cf may
 * be NULL. */
void referral_conflict(struct case_conflict *cf, const char *slug, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The end of a write: commit when r is not an error, else roll back. */
int referral_end(struct db *db, int r);

/* ---- notices (notify.c), inside the caller's transaction ---- */

/* A new referral, told to the provider's users. */
int referral_notify_new(struct db *db, struct app *app, const char *provider_code, int64_t id, const char *number,
			const char *service_name, const char *urgency, const char *due_at);
/* A move, told to the other side: the provider's answer to the referring
 * user, a withdrawal to the provider's users. */
int referral_notify_move(struct db *db, const struct svc_ctx *ctx, const struct referral_row *row,
			 enum referral_status to, const char *reason_name);
