/* svc_providers: the provider network's directory (docs/recovery.md,
 * "Providers"): the agencies that give the pack's services, where, to whom,
 * with how many openings, and whether their staff are trafficking-informed.
 * Everyone signed in searches it (PERM_PROVIDERS_READ); HART and the
 * administrator keep it (PERM_PROVIDERS_MANAGE, every write audited). A
 * provider's staff contacts are personal data: sealed, shown only to HART,
 * the administrator and the provider's own users, every such read audited,
 * and never in the public export. Parts: src/service/providers/ (write.c,
 * read.c, export.c). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/json.h"
#include "model/schema.h"
#include "service/ctx.h"

struct db;

/* ---- the use cases ---- */

/* POST /api/v1/providers. *ret: the provider as svc_provider_get answers
 * it. ERR_EXISTS when the code is taken; ERR_INVAL with errs naming every
 * bad field. */
extern const struct schema svc_provider_create_schema;
int svc_provider_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, json_t **ret);

/* PATCH /api/v1/providers/{id}: version and any field (lists replace,
 * null clears an optional one, active). ERR_CONFLICT when version is
 * stale, ERR_EXISTS when a new code is taken, ERR_NOTFOUND. */
extern const struct schema svc_provider_update_schema;
int svc_provider_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			json_t **ret);

/* GET /api/v1/providers/{id}: the provider; with "staff" for HART, the
 * administrator and its own users (that read is audited). An inactive
 * provider is found by managers only. */
int svc_provider_get(const struct svc_ctx *ctx, int64_t id, json_t **ret);

/* The search. Strings NULL when not asked; age -1 when not asked. */
struct provider_filter {
	const char *service, *region, *population, *q;
	int age;
	bool open;       /* openings > 0 */
	bool all;        /* inactive ones too (managers only) */
	bool by_openings; /* most openings first, else by name */
	const char *after; /* the cursor a previous page answered as next */
	int limit;         /* 0: 50; at most 500 */
};
/* GET /api/v1/providers: {items, next}; next is the cursor of the next
 * page, or null. ERR_INVAL naming a filter that is not the pack's. */
int svc_providers_search(const struct svc_ctx *ctx, const struct provider_filter *f, struct field_errors *errs,
			 json_t **ret);

/* GET /api/v1/providers/export.csv: the active providers, public fields
 * only (no staff, no ids but the code), appended to out as RFC 4180 CSV
 * with a header line. */
int svc_providers_export_csv(const struct svc_ctx *ctx, struct buf *out);

/* {id, code, name} of the provider a provider user works for, or *ret
 * NULL when the actor is no provider user or the code names none. */
int svc_provider_of_actor(const struct svc_ctx *ctx, json_t **ret);

/* ---- for other services (no permission check: the caller's) ---- */

/* 1 when a provider has this code, 0 when none, or an error. */
int providers_code_exists(struct db *db, const char *code);

/* The active providers that offer service in region, openings first then
 * by name, at most max, appended to out as {id, code, name, openings,
 * phone}. */
int providers_offers(struct db *db, const char *service, const char *region, int max, json_t *out);

#define PROVIDERS_RAPID_MAX 20
