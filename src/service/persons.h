/* svc_persons: the children the agency knows, and the question every call
 * starts with: is this child known already?
 *
 * Names, aliases and birth dates are sealed in the database. At start-up
 * they are opened into an in-memory identity-resolution registry (src/match)
 * that every new person joins at once; a lookup answers the best candidates
 * with a probability and a per-field explanation, and only the fields a
 * worker needs to recognise the child. Every lookup is audited. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"
#include "match/match.h"
#include "model/schema.h"
#include "service/ctx.h"

struct person_new {
	const char *given_name, *family_name;
	const char *const *aliases;
	size_t naliases;
	const char *dob; /* YYYY-MM-DD, or NULL */
	int estimated_age; /* -1 when unknown; used when dob is NULL */
	const char *sex, *town;
	bool synthetic;
};

/* Record people (PERM_PERSONS_WRITE) in one transaction, audited as one
 * record; each joins the registry. ret_first_id may be NULL. */
int svc_persons_add(const struct svc_ctx *ctx, const struct person_new *p, size_t n, struct field_errors *errs,
		    int64_t *ret_first_id);

/* The same inside the caller's open transaction, for a use case that
 * records a person as one of its steps (the caller has checked the
 * permission): ids gets the n new ids. They join the registry only when
 * the caller, after its commit, calls persons_register, so that a rolled
 * back use case leaves no one in the registry. */
struct db;
int persons_insert(const struct svc_ctx *ctx, struct db *db, const struct person_new *p, size_t n,
		   struct field_errors *errs, int64_t *ids);
int persons_register(struct app *app, const struct person_new *p, size_t n, const int64_t *ids);
/* The same for one person, read back from the database by id. */
int persons_register_id(struct app *app, struct db *db, int64_t id);

/* How many people are recorded (PERM_PERSONS_WRITE). */
int svc_persons_count(const struct svc_ctx *ctx, int64_t *ret);

struct person_query {
	const char *given_name, *family_name, *dob, *sex, *town;
	int age; /* -1 when not given */
};

struct person_reason {
	char field[32];
	char level[64];
	double weight;
	char text[160];
};

struct person_candidate {
	int64_t person_id;
	char *given_name, *family_name, *dob; /* opened; dob may be NULL */
	int age;                              /* now; -1 unknown */
	char sex[8], town[64];
	double probability;
	const char *band; /* "likely", "possible", "unlikely" */
	struct person_reason why[MATCH_MAX_FIELDS];
	int nwhy;
};

/* The best candidates for a child described in a call (PERM_PERSONS_MATCH).
 * Bad input goes to errs with ERR_INVAL. */
extern const struct schema svc_persons_match_schema;
int svc_persons_match(const struct svc_ctx *ctx, const struct person_query *q, struct field_errors *errs,
		      struct person_candidate **ret, size_t *ret_n);
void person_candidates_free(struct person_candidate *c, size_t n);

/* What "Find a child" may conclude (docs/matching.md). */
struct person_verdict {
	const char *verdict; /* "new", "candidates" or "too_thin" */
	/* too_thin, or candidates listed by family name alone: the fields
	 * that would tell (NULL-terminated), in the API's names. */
	const char *needed[4];
	size_t total;  /* candidates listed by family name: how many in all */
	size_t offset; /* this page's first */
	bool by_family; /* the candidates share the family name, not scored */
};

/* svc_persons_match, and what it means: never "new" when the search was
 * too thin to tell (a family name with no given name, birth date or age).
 * A thin search with no scored candidate lists the children of that family
 * name (and sex, when given), limit from offset. */
int svc_persons_find(const struct svc_ctx *ctx, const struct person_query *q, size_t offset, size_t limit,
		     struct field_errors *errs, struct person_candidate **ret, size_t *ret_n, struct person_verdict *v);

/* The people a name typed into a list's search box may be ("Katie Smyth"
 * finds Katherine Smith: nicknames, spellings and aliases on file), by the
 * identity registry, never by comparing sealed names in SQL. Given names
 * and a family name (the last word) are compared, and a person kept when
 * both agree at a level that weighs for the same person (the same name, a
 * nickname, another spelling, an alias on file); one word lists the people
 * of that family name.
 * Up to max ids (a person once, aliases folded) into ids. No permission is
 * checked: the list that searches checks its own and its scope. */
#define NAME_SEARCH_MAX 64
int persons_name_ids(struct app *app, struct db *db, const char *name, int64_t *ids, size_t max, size_t *ret_n);

/* Open every person into the registry (server start-up). */
int persons_registry_open(struct app *app, char *errmsg, size_t errsize);
void persons_registry_close(struct app *app);
size_t persons_registry_count(struct app *app);
/* Put root's merge group in the registry as it now stands in the database
 * (docs/recovery.md, "Merging records"): every record found as root or as
 * one of its group goes, then root and each record merged into it come
 * back as root. After a merge, the kept root; after an undo, both. A root
 * now merged away only leaves. No-op without a registry. */
int persons_registry_refresh(struct app *app, struct db *db, int64_t root);
