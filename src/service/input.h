/* input: a service checks what it is given against its schema
 * (model/schema.h), whoever calls it: the dispatcher has run the same rules
 * on an HTTP body already, the command line and the demo loader have not.
 *
 * Services that take their input as C values pack it into an object first
 * (json_pack "s*" leaves a NULL out, as an absent key):
 *
 *   int r = svc_input_check(&svc_users_create_schema, errs,
 *                           json_pack("{s:s*, s:s*}", "username", u->username, "role", u->role));
 */
#pragma once

#include <jansson.h>

#include "base/err.h"
#include "base/json.h"
#include "model/schema.h"

/* Check body (taken) against s, adding every problem to errs (or to a
 * list of its own when errs is NULL). 0, ERR_INVAL, or ERR_NOMEM when body
 * is NULL (a failed pack). */
static inline int svc_input_check(const struct schema *s, struct field_errors *errs, json_t *body)
{
	if (!body)
		return ERR_NOMEM;
	struct field_errors own;
	if (!errs) {
		field_errors_init(&own, 1);
		errs = &own;
	}
	int r = schema_check(s, body, errs);
	json_decref(body);
	if (errs == &own)
		field_errors_done(&own);
	return r;
}
