/* svc_referrals: service referrals from a case to a provider of the
 * network (docs/recovery.md, "Service referrals").
 *
 * HART and liaisons refer a child on a case to a provider for one of the
 * pack's services (PERM_REFERRALS_WRITE; the case's scope as for other
 * case writes), withdraw a referral and re-refer a declined one to
 * another provider in one step. The provider's users (role provider,
 * scope = the provider's code) answer, start and close the referrals to
 * their agency (PERM_REFERRALS_ANSWER) and see of the child only what the
 * pack's provider_view allows. The answer is a duty (referral_answer) due
 * at the pack's deadline. MDT members read the referrals of the cases
 * their team reviews.
 *
 * A referral outside the actor's scope answers ERR_NOTFOUND (the denial
 * audited), so that its existence does not leak. Every read and write is
 * audited; each write is one transaction. ERR_CONFLICT comes with a
 * struct case_conflict: slug "illegal-transition" (allowed: the statuses
 * allowed now), "stale-version" or "conflict". */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "base/json.h"
#include "model/schema.h"
#include "service/cases.h"
#include "service/ctx.h"

/* POST /api/v1/cases/{id}/referrals: {provider_id, service, reason,
 * urgency?, referred_at?}. *ret: the referral. */
extern const struct schema svc_referral_create_schema;
int svc_referral_create(const struct svc_ctx *ctx, int64_t case_id, const json_t *body, struct field_errors *errs,
			struct case_conflict *cf, json_t **ret);

/* GET /api/v1/referrals/{id} (PERM_REFERRALS_READ): the referral with its
 * steps; for a provider user the pack's view of the child. Audited. */
int svc_referral_get(const struct svc_ctx *ctx, int64_t id, json_t **ret);

/* PATCH /api/v1/referrals/{id}: {version, status?, reason_code?, note?,
 * outcome?}. A status moves the referral (the permission its move needs:
 * model/referral.h); without one (or the same), a note is added. *ret:
 * the referral. */
extern const struct schema svc_referral_update_schema;
int svc_referral_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			struct case_conflict *cf, json_t **ret);

/* POST /api/v1/referrals/{id}/rereferral: {provider_id, note?}: from a
 * declined referral, a new pending one of the same case, service, reason
 * and urgency to another provider. *ret: the new referral. */
extern const struct schema svc_referral_rerefer_schema;
int svc_referral_rerefer(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			 struct case_conflict *cf, json_t **ret);

struct referral_filter {
	const char *status;  /* a status, or NULL: all */
	int64_t provider_id; /* 0: any */
	int64_t case_id;     /* 0: any */
	int limit;           /* 1..500; 0: 50 */
	const char *after;   /* the cursor of the page before, or NULL */
};

/* GET /api/v1/referrals (PERM_REFERRALS_READ): newest first, in the
 * actor's scope, {items, next}; next is the cursor of the next page or
 * null. Audited. */
int svc_referrals_list(const struct svc_ctx *ctx, const struct referral_filter *f, struct field_errors *errs,
		       json_t **ret);

/* The statuses with their words, the moves allowed from each, who makes
 * each move and what it carries, and the urgencies, for GET
 * /api/v1/config: {"referral_statuses": [...], "referral_urgencies":
 * [...]} set on out. */
int referrals_config_json(json_t *out);
