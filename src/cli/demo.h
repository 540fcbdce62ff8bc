/* demo: the parts of `hartline demo` that live in files of their own
 * (src/cli/demo_<area>.c), loaded by `hartline demo --cases`, each working
 * through the services as the command line's actor, like the rest of the
 * demo. Each answers 0, or <0 (or 1) after printing what went wrong. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model/pack.h"
#include "service/app.h"
#include "service/ctx.h"

/* ---- the pack's places and lists (demo_pack.c) ---- */

/* The demo names no jurisdiction: its places, services, roles and courses
 * are the pack's, chosen by position so that it runs on any pack.
 * Positions past the end of a list are taken round. The demo's children
 * live in these towns: Avery demo_town(0, 0, 0), Jordan (1, 1, 6), Morgan
 * and her earlier record "Mo" (0, 1, 4), and in the registry Katherine
 * Smith (3, 0, 3), Jasmine Rivera-Lopez (1, 1, 6) and Tyler O'Brien
 * (4, 2, 8). Cases, teams and contacts are in the first two regions. */
const struct pack_region *demo_region(const struct pack *p, size_t ri);
const char *demo_region_id(const struct pack *p, size_t ri);
const char *demo_region_name(const struct pack *p, size_t ri);
const struct pack_office *demo_office(const struct pack *p, size_t ri, size_t oi);

/* Town ti of office oi of region ri; NULL when the pack lists none. */
const char *demo_town(const struct pack *p, size_t ri, size_t oi, size_t ti);

/* The MDT team of region ri: "mdt-" and its id in lower case ("mdt-r1"). */
void demo_team_code(const struct pack *p, size_t ri, char *out, size_t size);

/* A demo provider's code: stem, '_' and the region id, in lower case
 * ("harbor_light_r1"). */
void demo_provider_code(const char *stem, const char *region, char *out, size_t size);

/* A made-up telephone number, line of the exchange 555, in the area code
 * of the pack's hotline (555 when it is toll-free or has none). */
void demo_phone(const struct pack *p, unsigned line, char *out, size_t size);

/* want when the list has it (and it is not avoid), else the list's
 * entry i that is not avoid (taken round); NULL for an empty list. */
const char *demo_pick(const struct pack_item *items, size_t n, const char *want, const char *avoid, size_t i);

/* Course k (0, 1) of those that make a provider trafficking-informed (the
 * pack's certifying courses without a rule); NULL when there is none. */
const struct pack_course *demo_informed_course(const struct pack *p, size_t k);

/* ---- providers (demo_providers.c) ---- */

/* The stem of the demo provider user's agency: demo-provider's scope is
 * this provider of the first region (demo_provider_code). */
#define DEMO_PROVIDER_STEM "harbor_light"

/* The provider directory: for each region of the pack, three synthetic
 * providers that between them offer every service of the catalogue. Runs
 * before the demo users are made, since demo-provider's scope must name a
 * provider. Providers there already are kept. 0, or 1 after printing why. */
int demo_providers(struct app *app);

/* The ids of the demo providers, in the order they were made (region by
 * region), into ids (up to max); *ret_n how many. Codes are
 * "<stem>_<region in lower case>" (demo_provider_code); look one up with
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

/* People trained (some staff of the demo providers), the two courses that
 * make a provider trafficking-informed held with attendance and
 * certificates, and an upcoming first course with a waiting list, as
 * demo-trainer. 0, or 1 after printing why. */
int demo_training(struct app *app);

/* A year of training (demo_training_year.c): 360 people across the pack's
 * audiences and regions, some staff of four demo providers, and 44
 * sessions over the past year with attendance, as ctx (the demo trainer).
 * 0, or 1 after printing why. */
int demo_training_year(const struct svc_ctx *ctx);
