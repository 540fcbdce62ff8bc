/* casejoin: what the intake service asks of cases, without depending on
 * the case service (which itself reads reports): an accepted report joins
 * the open cases of the children it names. Defined with the cases. */
#pragma once

#include <stdint.h>

#include "base/clock.h"
#include "db/db.h"
#include "service/ctx.h"

/* A report was accepted: each of its children linked to a person with a
 * case that is not closed joins that case (case_intake, an intake_joined
 * event, audited). Inside the caller's transaction. */
int cases_join_accepted(struct db *db, const struct svc_ctx *ctx, int64_t intake_id, hl_time at);
