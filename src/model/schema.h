/* schema: the input rules of one use case, declared once as data.
 *
 * A route row names the schema of its body (http/routes.c), the dispatcher
 * checks a request against it before the handler runs, and the service
 * checks the same schema again, so the command line and the demo loader
 * meet the rules a browser meets. What a schema cannot say (a value from
 * the pack, a transition, a rule between two fields) stays in the service.
 *
 *   static const char *const statuses[] = {"open", "closed", NULL};
 *   static const struct field_rule case_update_fields[] = {
 *           {"version", FT_INT, .required = true},
 *           {"status", FT_STRING, .max_len = 32, .allowed = statuses},
 *           {NULL},
 *   };
 *   const struct schema svc_case_update_schema = {"case update", case_update_fields};
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/json.h"

enum field_type {
	FT_STRING,  /* a string without NUL; null counts as absent */
	FT_INT,     /* an integer */
	FT_ID,      /* an integer of at least 1 */
	FT_BOOL,    /* true or false */
	FT_TIME,    /* a time as text (time_parse) */
	FT_OBJECT,  /* an object, checked further by the service */
	FT_ARRAY,   /* an array of at most max_len items (0: any number) */
	FT_ANY,     /* anything; the service checks it */
};

struct field_rule {
	const char *key;             /* NULL ends the list */
	enum field_type type;
	bool required;               /* missing, null and "" are refused */
	bool nullable;               /* null is accepted (and then absent) */
	size_t max_len;              /* FT_STRING: characters; FT_ARRAY: items; 0: no limit */
	const char *const *allowed;  /* FT_STRING: the only values accepted, NULL-ended */
	const char *reason;          /* what to do when the type is wrong, or NULL */
	const char *label;           /* the field's name on the form ("Date held"); NULL: the key in words */
};

struct schema {
	const char *name;               /* "case update", for `hartline routes` */
	const struct field_rule *fields;
	bool open;                      /* other keys are let through */
};

/* Check body against s: every problem is added to errs, named by its key,
 * with the message a person at the form can act on: the field in the
 * form's words, then what to do ("Date held: enter a date and a time"). 0 when body passes,
 * ERR_INVAL when it does not. An absent optional key is no problem. */
int schema_check(const struct schema *s, const json_t *body, struct field_errors *errs);

/* Check a service's input given as C strings: key, value pairs ended by a
 * NULL key, each value checked by the rule for its key as if it were the
 * body's (NULL: absent). Keys of other types need no check, since C typed
 * them; a key without a rule is a programming error (ERR_INVAL). Nothing is
 * allocated, so no failure of memory can skip a rule. 0 or ERR_INVAL. errs may be NULL: then problems are only
 * counted.
 *
 *   r = schema_check_strings(&svc_users_create_schema, errs,
 *                            "username", u->username, "role", u->role, NULL);
 */
int schema_check_strings(const struct schema *s, struct field_errors *errs, ...) __attribute__((sentinel));

/* The rule for key, or NULL. */
const struct field_rule *schema_rule(const struct schema *s, const char *key);

/* The field's name as the form shows it: its label, else the key in
 * words ("held_at" is "Held at"). Into out (size >= 2); out. */
const char *schema_label(const struct field_rule *f, char *out, size_t size);

/* key ("reporter.source", "children[0].dob") in words: "Reporter source",
 * "Children 1 dob"; what names a field no rule labels. Into out; out. */
const char *field_key_words(const char *key, char *out, size_t size);

/* The name of a type as `hartline routes` prints it: "string", "id", ... */
const char *field_type_name(enum field_type t);

/* s as one line: "version:int! status:string(32){open|closed} ..." with "!"
 * for required, "?" for nullable. Into out; the length it needed, as snprintf. */
int schema_format(const struct schema *s, char *out, size_t size);
