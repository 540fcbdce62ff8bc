/* svc_drafts: a worker's unsaved form, one per user and kind ("intake"),
 * sealed, so that a reload or a crash in the middle of a call loses
 * nothing. */
#pragma once

#include <jansson.h>

#include "model/schema.h"
#include "service/ctx.h"

/* Save (replace) the draft; doc must be an object (ERR_INVAL). */
extern const struct schema svc_draft_put_schema;
int svc_draft_put(const struct svc_ctx *ctx, const char *kind, const json_t *doc, char updated_at[32]);
/* The draft into *ret, or NULL (and updated_at "") when there is none;
 * ERR_NOTFOUND for a kind of draft that does not exist. */
int svc_draft_get(const struct svc_ctx *ctx, const char *kind, json_t **ret, char updated_at[32]);
int svc_draft_delete(const struct svc_ctx *ctx, const char *kind);
