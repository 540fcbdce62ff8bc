/* training_informed: a provider's trafficking-informed status computed from
 * the pack's rule (pack.training.informed) and the training its staff hold
 * (docs/training.md, "Trafficking-informed providers").
 *
 * A course counts for a member of staff (trainee.provider_id) when they
 * completed it (a registration completed on a held session, or a
 * certificate not revoked) within the rule's within_months of today. The
 * provider is informed while at least min_staff of them completed every
 * listed course so, min_supervisors of them supervisors. Without a rule in
 * the pack, the statuses typed by hand are left alone. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "service/ctx.h"

struct db;
struct pack;

/* A provider is told this many days before its status lapses. */
#define INFORMED_NOTICE_DAYS 60

/* Recompute provider_id's status at now(), inside the caller's
 * transaction: the row is written (its version moved on, audited as
 * provider.informed) only when the status, basis or date changes; when
 * the status will lapse within INFORMED_NOTICE_DAYS, the provider's users
 * and the trainers are told, once for each lapse date. *ret_changed (may
 * be NULL): whether the row was written. No permission is checked: the
 * caller's use case has. */
int training_informed_refresh(struct db *db, const struct svc_ctx *ctx, int64_t provider_id, bool *ret_changed);

/* training_informed_refresh for every provider with staff. *ret_changed
 * (may be NULL): how many rows were written. */
int training_informed_refresh_all(struct db *db, const struct svc_ctx *ctx, int *ret_changed);

/* The daily check (the duty sweep runs it): every provider with staff
 * recomputed at now(), in one transaction of its own, as the system, so
 * that statuses lapse with time and the notices go. *ret_changed (may be
 * NULL): rows written. */
int svc_training_informed_sweep(struct app *app, int *ret_changed);

/* A provider's standing on a day in the past, by the same rule. */
enum informed_on { INFORMED_NOT, INFORMED_YES, INFORMED_LAPSED };

/* Provider provider_id's standing on each of days[0..n) ("YYYY-MM-DD",
 * ascending), into out[0..n): informed when the rule held that day,
 * lapsed when it held on some day before but not that day, else not
 * informed. From its staff's completions as they stand (a certificate
 * revoked since counts for nothing, before or after), and whether each is
 * a supervisor now. */
int training_informed_history(struct db *db, const struct pack *p, int64_t provider_id, const char (*days)[11],
			      size_t n, enum informed_on *out);

/* "2026-11-28" plus months, the day kept or the month's last. ERR_INVAL
 * for a date not written YYYY-MM-DD. */
int training_add_months(const char *date, int months, char out[11]);
