/* pack_int: what the parts of the pack loader share, and nothing outside
 * them needs. pack.c builds a pack from a document and loads it from a
 * file; each part checks and fills some sections of the document
 * (docs/pack.md), recording every fault with the path where it is; lookup.c
 * answers the questions the rest of the program asks of a loaded pack. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/json.h"
#include "model/pack.h"

#define PACK_FILE_CAP ((size_t)4 << 20)
#define PACK_MAX_MINUTES 525600 /* one year */
#define PACK_ZONEINFO "/usr/share/zoneinfo"
#define PACK_MAX_RULE_COUNT 100 /* most a rule's min, clear_count or possible_count may be */
#define PACK_MIN_MINOR_AGE 1
#define PACK_MAX_MINOR_AGE 25
#define PACK_MAX_AGE 120            /* the oldest age a group may name */
#define PACK_MIN_THRESHOLD 2        /* suppression: hide at least the ones */
#define PACK_MAX_THRESHOLD 20

/* Paths inside the pack ("regions[2].offices[0].towns[3]") and values quoted
 * in reasons are bounded; a longer one is cut and ends in "...". */
#define PATH_SIZE 256
#define SHOW_SIZE 80

/* The state of one validation: where errors go, and whether memory ran out
 * (then the result is ERR_NOMEM whatever else was found). */
struct check {
	struct field_errors *errs;
	bool nomem;
};

enum item_kind { ITEMS_PLAIN, ITEMS_MDT_ROLES, ITEMS_DEPARTMENTS };

/* ---- checking values and formatting paths (check.c) ---- */

/* vsnprintf into out; a result that did not fit is cut and marked "...". */
void pack_fmt_bounded(char *out, size_t size, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
void pack_fmt_to(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A value from the document made safe to quote in a one-line message:
 * control characters become '?', and a long value is cut. */
const char *pack_show(char out[SHOW_SIZE], const char *s);
void pack_path_key(char out[PATH_SIZE], const char *base, const char *key);
void pack_path_index(char out[PATH_SIZE], const char *base, size_t i);
/* Record at path why the pack is refused. */
void pack_fail(struct check *c, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool pack_is_space(char ch);
char pack_to_lower(char ch);
bool pack_is_blank(const char *s);
/* The sets of keys an object of a pack may hold (keys.c). */
enum pack_keys {
	PACK_KEYS_ROOT,
	PACK_KEYS_HEADER,
	PACK_KEYS_HOTLINE,
	PACK_KEYS_REGION,
	PACK_KEYS_OFFICE,
	PACK_KEYS_ITEM,
	PACK_KEYS_MDT_ROLE,
	PACK_KEYS_DEPARTMENT,
	PACK_KEYS_DEADLINE,
	PACK_KEYS_INDICATOR_INSTRUMENT,
	PACK_KEYS_YES_NO_INSTRUMENT,
	PACK_KEYS_DOMAIN,
	PACK_KEYS_QUESTION,
	PACK_KEYS_RULE,
	PACK_KEYS_DISPOSITION,
	PACK_KEYS_LAW,
	PACK_KEYS_VICTIM,
	PACK_KEYS_AGE_GROUP,
	PACK_KEYS_GENDER,
	PACK_KEYS_ANSWER,
	PACK_KEYS_ANSWER_SERVICE,
	PACK_KEYS_COURSE,
	PACK_KEYS_INFORMED,
	PACK_KEYS_ATTACHMENTS,
	PACK_KEYS_CASES,
	PACK_KEYS_COUNT,
};
/* Every key of obj must be one of the set's; each other one is recorded
 * with its path (keys.c). */
void pack_check_keys(struct check *c, const json_t *obj, const char *path, enum pack_keys set);
/* The string at obj.key, or NULL after recording why there is none. An
 * optional key may be absent; when present it must be a non-empty string. */
const char *pack_get_str(struct check *c, const json_t *obj, const char *path, const char *key,
			   bool required);
json_t *pack_get_typed(struct check *c, const json_t *obj, const char *path, const char *key,
			 bool required, json_type type);
/* ^[a-z][a-z0-9_]{0,63}$ */
bool pack_id_valid(const char *s);
/* ^[A-Za-z0-9_-]{1,16}$ */
bool pack_region_id_valid(const char *s);
/* ^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$ : no dots, so never a path outside the
 * zone directory. */
bool pack_tz_valid(const char *s);
bool pack_tz_known(const char *tz);
/* Record key in seen; false when it was there already (*ret_first then
 * names where). */
bool pack_seen_add(struct check *c, json_t *seen, const char *key, const char *where,
		     const char **ret_first);
/* The town s without surrounding spaces: its start, and length in *ret_n. */
const char *pack_town_trim(const char *s, size_t *ret_n);
/* A town as a look-up key: surrounding spaces dropped, ASCII lower-cased.
 * NULL when out of memory. */
char *pack_town_key(const char *town);
/* n elements of size each, zeroed; NULL (and no failure) when n is 0. */
void *pack_alloc_array(struct check *c, size_t n, size_t size);
/* The string value of v when it is a non-empty string without NUL
 * characters; NULL otherwise. */
const char *pack_good_str(const json_t *v);
/* The id at obj.id: required, lower_snake_case and not already in seen.
 * With say_where a duplicate names where the first one is. */
const char *pack_check_id(struct check *c, const json_t *obj, const char *path, json_t *seen, bool say_where);
/* The integer at obj.key, which must be from lo to hi: false after recording
 * why when it is absent or is not such an integer. */
bool pack_get_int(struct check *c, const json_t *obj, const char *path, const char *key, int lo, int hi,
		    int *ret);
/* The optional boolean at obj.key; false when absent. */
bool pack_get_bool(struct check *c, const json_t *obj, const char *path, const char *key);
/* v is the string s exactly. */
bool pack_json_str_is(const json_t *v, const char *s);

/* Entry i of the list at base: true when it is an object, its path in
 * path; false after recording that it is not. */
bool pack_entry(struct check *c, const json_t *v, const char *base, size_t i, char path[PATH_SIZE]);

/* The array at obj.key, which must list at least one <what>, and room
 * for its entries (size bytes each, zeroed; the caller's): NULL after
 * recording why there is none, or when memory ran out. *ret_list and
 * ret_path are the list and its path. */
void *pack_list_items(struct check *c, const json_t *obj, const char *path, const char *key, const char *what,
		      size_t size, const json_t **ret_list, char ret_path[PATH_SIZE]);

/* What is checked of each entry of a list: v, an object, at path; seen
 * holds the ids met so far (for pack_check_id). */
typedef void pack_entry_fn(struct check *c, const json_t *v, const char *path, json_t *seen, void *ctx);
/* fn for each entry of list (at base) that is an object, after recording
 * the ones that are not: the ids seen (the caller's to json_decref), or
 * NULL when memory ran out. */
json_t *pack_each_entry(struct check *c, const json_t *list, const char *base, pack_entry_fn *fn, void *ctx);
/* Every one of the n ids must be in seen: path lists no "<what> <id>"
 * otherwise. Nothing when seen is NULL (memory ran out). */
void pack_require_ids(struct check *c, const json_t *seen, const char *path, const char *what,
		      const char *const *ids, size_t n);

/* ---- the header, regions, lists and deadlines (sections.c) ---- */

void pack_check_header(struct check *c, const json_t *root, struct pack *p);
void pack_check_regions(struct check *c, const json_t *root, struct pack *p);
/* A list of {id, name, description?, ...} at root.key; with at_least_one
 * an empty list is an error. Emergency departments name a region of the
 * pack, so they are checked after the regions. */
void pack_check_items_of(struct check *c, const json_t *root, const char *key, enum item_kind kind,
			   bool at_least_one, const struct pack *p, struct pack_item **ret_items, size_t *ret_n);
void pack_check_items(struct check *c, const json_t *root, const char *key, struct pack_item **ret_items,
			size_t *ret_n);
void pack_check_deadlines(struct check *c, const json_t *root, struct pack *p);

/* ---- screening instruments (instruments.c) ---- */

void pack_check_instruments(struct check *c, const json_t *root, struct pack *p);

/* ---- dispositions, law, commercial-sex concerns, age groups, threshold (rules.c) ---- */

void pack_check_dispositions(struct check *c, const json_t *root, struct pack *p);
void pack_check_law(struct check *c, const json_t *root, struct pack *p);
/* After the vulnerabilities: each entry names one of them, once. */
void pack_check_commercial_sex_concerns(struct check *c, const json_t *root, struct pack *p);
void pack_check_age_groups(struct check *c, const json_t *root, struct pack *p);
void pack_check_threshold(struct check *c, const json_t *root, struct pack *p);

/* ---- gender identity categories (genders.c) ---- */

void pack_check_genders(struct check *c, const json_t *root, struct pack *p);

/* ---- restore and recovery (recovery.c) ---- */

/* After the services. */
void pack_check_recovery(struct check *c, const json_t *root, struct pack *p);
void pack_recovery_free(struct pack *p);

/* ---- awareness and education (training.c) ---- */

/* After the services. */
void pack_check_training(struct check *c, const json_t *root, struct pack *p);
void pack_training_free(struct pack *p);

/* ---- attachments (attachments.c) ---- */

void pack_check_attachments(struct check *c, const json_t *root, struct pack *p);
/* ---- cases (cases.c) ---- */

void pack_check_cases(struct check *c, const json_t *root, struct pack *p);
