/* demo: the parts of `hartline demo` that live in files of their own
 * (src/cli/demo_<area>.c), loaded by `hartline demo --cases`, each working
 * through the services as the command line's actor, like the rest of the
 * demo. Each answers 0, or <0 (or 1) after printing what went wrong. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "service/app.h"
#include "service/ctx.h"

/* ---- providers (demo_providers.c) ---- */

/* The code of the demo provider user's agency (demo-provider's scope). */
#define DEMO_PROVIDER_CODE "harbor_light_r1"

/* The provider directory: for each region of the pack, three synthetic
 * providers that between them offer every service of the catalogue. Runs
 * before the demo users are made, since demo-provider's scope must name a
 * provider. Providers there already are kept. 0, or 1 after printing why. */
int demo_providers(struct app *app);

/* The ids of the demo providers, in the order they were made (region by
 * region), into ids (up to max); *ret_n how many. Codes are
 * "<stem>_<region in lower case>", e.g. harbor_light_r1; look one up with
 * GET /api/v1/providers?q=CODE. 0 or an error. */
int demo_provider_ids(struct app *app, int64_t *ids, size_t max, size_t *ret_n);

/* ---- plans (demo_plans.c) ---- */

/* A safety plan in two versions and a service plan on case case_id. */
int demo_plans(const struct svc_ctx *ctx, int64_t case_id);

/* ---- the child's page (demo_persons.c) ---- */

/* A second record of the child of case case_id (person), with a report of
 * its own, merged into the child's record (kept), and two relief
 * petitions, one granted (restricting that report), one filed. 0, or an
 * error already printed. */
int demo_child_page(const struct svc_ctx *ctx, int64_t person, int64_t case_id);

/* ---- service referrals (demo_referrals.c) ---- */

/* Referrals on the demo cases (cases, n of them, in the order demo_response
 * opened them) to the demo providers, one in each status, made by hart
 * (the demo HART coordinator) and answered by the providers' side. 0, or 1
 * after printing why. */
int demo_referrals(const struct svc_ctx *hart, const int64_t *cases, size_t n);

/* ---- training (demo_training.c) ---- */

/* People trained (some staff of the demo providers), a Day 1 and a Day 2
 * held with attendance and certificates, and an upcoming Day 1 with a
 * waiting list, as demo-trainer. 0, or 1 after printing why. */
int demo_training(struct app *app);

/* A year of training (demo_training_year.c): 360 people across the pack's
 * audiences and regions, some staff of four demo providers, and 44
 * sessions over the past year with attendance, as ctx (the demo trainer).
 * 0, or 1 after printing why. */
int demo_training_year(const struct svc_ctx *ctx);
