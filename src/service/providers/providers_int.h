/* providers_int.h: what the parts of the providers service share (write.c
 * adds and changes providers, read.c reads and searches them, export.c the
 * public CSV); the public interface is service/providers.h. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "service/ctx.h"
#include "service/providers.h"

struct db;
struct db_stmt;

/* The kinds of provider_offer rows, and the document's list for each. */
#define PROVIDER_KINDS 4
extern const char *const provider_kinds[PROVIDER_KINDS];      /* service, region, population, language */
extern const char *const provider_kind_lists[PROVIDER_KINDS]; /* services, regions, populations, languages */

/* The public columns, in the order provider_row_json reads them. */
#define PROVIDER_COLUMNS                                                                                     \
	"p.id, p.code, p.name, p.description, p.age_min, p.age_max, p.capacity, p.openings, p.phone, p.email," \
	" p.website, p.address, p.informed_status, p.informed_basis, p.informed_until, p.active, p.version,"   \
	" p.created_at, p.updated_at"
#define PROVIDER_NCOLUMNS 19

/* The current row (PROVIDER_COLUMNS first) as a new document, without its
 * lists and staff. NULL and *ret_err on failure. */
json_t *provider_row_json(struct db_stmt *st, int *ret_err);

/* Set the four lists (services, regions, populations, languages) of each
 * document in docs (an array of provider documents) from provider_offer. */
int provider_lists_json(struct db *db, json_t *docs);

/* Provider id as answered (lists, no staff): ERR_NOTFOUND when none. */
int provider_load(struct db *db, int64_t id, json_t **ret);

/* Whether the actor may see the staff of the provider with this code:
 * HART, the administrator, and the provider's own users. */
bool provider_staff_visible(const struct svc_ctx *ctx, const char *code);

/* Open the sealed staff of provider id and set it on doc as "staff" (a
 * list, empty when none). */
int provider_staff_json(struct db *db, struct app *app, int64_t id, json_t *doc);
