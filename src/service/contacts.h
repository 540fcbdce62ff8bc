/* svc_contacts: the staff contacts directory (docs/cases.md, "Contacts"):
 * HART leadership, regional liaisons and MDT coordinators. Every logged-in
 * user reads it (PERM_CONTACTS_READ); HART and the administrator keep it
 * (PERM_CONTACTS_MANAGE, audited). It holds no child data. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/json.h"
#include "model/schema.h"
#include "service/ctx.h"
#include "service/page.h"

/* A page of q (service/page.h; the one sort is "directory"): active
 * contacts by kind (directors first), region, name and id. all: inactive
 * ones too (PERM_CONTACTS_MANAGE only). The names are sealed, so the
 * list is sorted in memory and paged there; the cursor is the last
 * contact's id, and the page after it starts after that contact's place
 * in the order. */
int svc_contacts_list(const struct svc_ctx *ctx, bool all, const struct page_query *q, struct field_errors *errs,
		      json_t **ret);

/* body {name, kind, title?, region?, phone?, email?}. */
extern const struct schema svc_contact_create_schema;
int svc_contact_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, int64_t *ret_id);

/* body: any of those, and active. *ret: the contact. */
extern const struct schema svc_contact_update_schema;
int svc_contact_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		       json_t **ret);
