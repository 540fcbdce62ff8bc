/* training: awareness and education (docs/training.md) — the people
 * trained, sessions of the pack's courses, registration with a waiting
 * list, attendance and the certificates it issues.
 *
 * Writes need PERM_TRAINING_MANAGE (the trainer); reads PERM_TRAINING_READ,
 * where a provider user reaches only its own staff (trainees whose
 * provider_id is the provider of its scope) and a session's registrations
 * of its own staff. Every use case is one transaction with its audit
 * record. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "base/crypto.h"
#include "base/json.h"
#include "model/schema.h"
#include "service/ctx.h"

extern const struct schema svc_trainee_create_schema;
extern const struct schema svc_trainee_update_schema;
extern const struct schema svc_tsession_create_schema;
extern const struct schema svc_tsession_update_schema;
extern const struct schema svc_registration_create_schema;
extern const struct schema svc_attendance_schema;

/* A list's filter: NULL or 0 for none. */
struct trainee_filter {
	const char *q;        /* part of the name, or the e-mail (without case) */
	const char *provider; /* a provider's code */
	const char *after;    /* the cursor a page answered as next */
	int limit;
};
struct tsession_filter {
	const char *course, *from, *to, *status, *after;
	int limit;
};

/* ---- trainees.c ---- */

/* {id, ...} with 201. */
int svc_trainee_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, json_t **ret);
/* {items, next}. */
int svc_trainees_list(const struct svc_ctx *ctx, const struct trainee_filter *f, struct field_errors *errs,
		      json_t **ret);
/* The person's training record: the trainee, registrations (session,
 * course, status, attended, completed) and certificates. */
int svc_trainee_get(const struct svc_ctx *ctx, int64_t id, json_t **ret);
int svc_trainee_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		       json_t **ret);
/* The keyed hash (BLAKE2b under a key derived from the key ring's current
 * key) of the normalised name and the lower-cased e-mail, hex into out:
 * the same person typed the same way gets the same key, so the import
 * finds people already known without opening every sealed name. */
int training_match_key(struct app *app, const char *name, const char *email, char out[CRYPTO_HASH_HEX_SIZE]);

/* ---- sessions.c ---- */

int svc_tsession_create(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs, json_t **ret);
int svc_tsessions_list(const struct svc_ctx *ctx, const struct tsession_filter *f, struct field_errors *errs,
		       json_t **ret);
/* The session with its trainers and registrations. */
int svc_tsession_get(const struct svc_ctx *ctx, int64_t id, json_t **ret);
/* Change a scheduled session, or cancel it ({status: "cancelled",
 * reason}): everyone registered or waiting is told; the answer's
 * "notified" says how many. ERR_CONFLICT for a stale version,
 * ERR_TRANSITION for a session already held or cancelled. */
int svc_tsession_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			json_t **ret);

/* ---- registrations.c ---- */

/* Register {trainee_id} for session sid: registered while there is room,
 * else waitlisted with a position. ERR_PREREQ when a prerequisite course
 * is not completed (errs names it), ERR_EXISTS when already registered. */
int svc_registration_create(const struct svc_ctx *ctx, int64_t sid, const json_t *body, struct field_errors *errs,
			    json_t **ret);
/* Cancel registration rid of session sid; the first waiting moves up. */
int svc_registration_cancel(const struct svc_ctx *ctx, int64_t sid, int64_t rid, json_t **ret);

/* ---- attendance.c ---- */

/* {lines: [{registration_id, attended, completed}]}, all or none: marks
 * the session held and issues (or, on correction, revokes) certificates. */
int svc_attendance_put(const struct svc_ctx *ctx, int64_t sid, const json_t *body, struct field_errors *errs,
		       json_t **ret);
