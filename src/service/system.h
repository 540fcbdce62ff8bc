/* svc_system: the installation itself: initialise a database, report
 * health, serve and check jurisdiction packs. No personal data here. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "base/json.h"
#include "service/app.h"
#include "service/ctx.h"

struct svc_init_result {
	enum db_engine engine;
	bool key_created; /* the key file was created now */
	int schema;  /* version after the call */
	int applied; /* migrations applied by this call */
	bool created; /* the installation was new */
};

/* Create or bring up to date the schema of db_url, record the
 * installation's settings, and create the key file (mode 0600) for a new
 * installation; harmless to repeat. */
int svc_system_init(const char *db_url, const char *key_file, const struct pack *pack, bool pack_given,
		    struct svc_init_result *ret,
		    char *errmsg, size_t errsize);

struct svc_health {
	bool ok;          /* the database answered */
	enum db_engine engine;
	int schema;       /* valid when ok */
};

int svc_system_health(struct app *a, struct svc_health *ret);

/* What GET /api/v1/config answers without a session: the loaded pack's
 * document and, beside it, the case vocabularies of model/casestate (ids,
 * words, the status changes allowed), so that no client keeps a copy.
 * Nothing in it is about a child. */
int svc_system_config(struct app *a, json_t **ret);

/* Check a pack document without loading it (PERM_CONFIG_CHECK). ERR_INVAL
 * with errs filled when it is not valid (every problem, with its path);
 * otherwise *ret is what it defines (pack_summary; the caller's) and, under
 * "comparison", how it differs from the pack the database runs with
 * (svc_pack_compare): each change with its "text", "refused" and the
 * "used_by" of a value in use it would remove or rename; "refused" when a
 * restart with it would be. Reads counts of uses only, no child's record. */
int svc_system_validate_pack(const struct svc_ctx *ctx, json_t *doc, struct field_errors *errs, json_t **ret);
