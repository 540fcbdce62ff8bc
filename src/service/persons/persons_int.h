/* persons_int.h: what the parts of the child's page and its use cases
 * (src/service/persons/) share. Their public interfaces are
 * service/child.h and service/relief.h; one file per use case: scope.c
 * (who reaches which child, and which of its records), page.c and
 * timeline.c (the page), merge.c (merge and undo), relief.c (record
 * relief), glass.c (restriction and breaking the glass). The identity
 * registry stays in service/persons.c. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "base/clock.h"
#include "match/match.h"
#include "service/ctx.h"

struct db;
struct db_stmt;

#define PERSONS_REASON_MAX 2000

static inline void persons_fmt_id(char out[24], int64_t id)
{
	snprintf(out, 24, "%lld", (long long)id);
}

static inline json_t *persons_text(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Set key on obj to v (taken): 0, or ERR_NOMEM when that fails or v is NULL. */
int persons_set(json_t *obj, const char *key, json_t *v);

/* A refusal with ERR_CONFLICT: its problem slug ("conflict",
 * "stale-version", "illegal-transition") and why. cf may be NULL. */
struct case_conflict;
void persons_conflict(struct case_conflict *cf, const char *slug, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- scope (scope.c) ---- */

/* What an actor reaches of a child. */
struct person_reach {
	enum role role;
	const char *region; /* a liaison's region, else NULL */
	const char *team;   /* an MDT member's team code, else NULL */
	bool reports;       /* may see the child's reports (not an MDT member) */
	bool mdt;           /* the MDT view */
	bool relief;        /* holds PERM_RELIEF_READ */
};

void persons_reach(const struct svc_ctx *ctx, struct person_reach *ret);
/* Whether the actor reaches case id of region: HART all, a liaison its
 * region, an MDT member the cases its team reviews. */
int persons_case_reached(struct db *db, const struct person_reach *pr, int64_t case_id, const char *region,
			 bool *ret);
/* Whether the actor reaches person id at all: ERR_NOTFOUND (the denial
 * audited when the person exists) when not. */
int persons_reached(const struct svc_ctx *ctx, struct db *db, const struct person_reach *pr, int64_t id);
/* The person's merged_into (0: not merged); ERR_NOTFOUND when no such
 * person. */
int persons_merged_into(struct db *db, int64_t id, int64_t *ret);

/* ---- the page (page.c, timeline.c) ---- */

/* One entry of the timeline: kind, date, label and link (may be NULL). */
int persons_timeline_add(json_t *timeline, const char *kind, const char *date, const char *link, const char *fmt,
			 ...) __attribute__((format(printf, 5, 6)));
/* Sort the timeline by date, then kind order of insertion. */
int persons_timeline_sort(json_t *timeline);
/* Add the timeline entries for the page's cases, reports, services, plans,
 * relief records and merges (each already on page). */
int persons_timeline_build(json_t *page);

/* ---- the registry (service/persons.c) ---- */

/* For a registry refresh that failed after its commit: root's group is
 * refreshed again before the next lookup (the failure is the caller's to
 * log). */
void persons_registry_later(struct app *app, int64_t root);
/* The refreshes that failed before, again (each kept for later when it
 * fails again). */
void persons_registry_catch_up(struct app *app, struct db *db);

/* The registry's fields, in the order of its schema. */
enum { F_GIVEN, F_FAMILY, F_DOB, F_AGE, F_SEX, F_TOWN, F_COUNT };

struct person_registry {
	pthread_rwlock_t lock;
	struct match_store *store;
	struct match_index *index;
	struct match_model model;
	size_t persons;
	/* Merge groups whose refresh failed after their commit: refreshed
	 * again before the next lookup (under the write lock). */
	int64_t later[32];
	size_t nlater;
	/* Keeping up with writes made through other servers (sync.c): the
	 * last person seq read (under sync_lock, which one catch-up at a
	 * time holds); changes counted by the listener and by this server's
	 * own writes, and the count the last catch-up started from. */
	pthread_mutex_t sync_lock;
	int64_t seq;
	atomic_uint_fast64_t changes;
	atomic_uint_fast64_t seen;
	struct db_listener *listener; /* PostgreSQL only */
	/* A bit per person id put in the registry so far (under the write
	 * lock), to tell the people it has never read; all_known when that
	 * table could not grow (every group is then refreshed whole). */
	uint64_t *known;
	size_t known_words;
	bool all_known;
	int64_t rows_us; /* reading the rows at start-up took (for its log line) */
	/* Start-up: records are counted into the index, filled in after
	 * (match_index_count, match_index_fill). */
	bool loading;
};

/* A person row of the registry query, opened: its registry id (the
 * person's, or "12m5" for a record merged into another), names and
 * aliases unsealed, the age as of today (-1: none). */
struct registry_row {
	int64_t id;
	char rid[48];
	char *given, *family, *aliases, *dob, *sex, *town;
	int age;
};
/* Open the row st is on (any thread: touches no registry). */
int persons_row_open(struct app *app, struct db_stmt *st, struct registry_row *row);
/* Put an opened row in the registry (the thread that owns it). */
int persons_row_put(struct person_registry *reg, const struct registry_row *row);
void persons_row_done(struct registry_row *row);
/* Read every row of st (the registry query) into reg (load.c): rows are
 * read and opened on this thread while another puts them in the
 * registry, counted into its index (reg->loading; the caller fills the
 * index in). errmsg names a row that failed. */
int persons_registry_load(struct app *app, struct person_registry *reg, struct db_stmt *st, char *errmsg,
			  size_t errsize);
/* After the load and the fit: log the registry's size and timings (from
 * clock_mono_us started, loaded) and give memory freed back. */
void persons_registry_loaded(struct person_registry *reg, int64_t started, int64_t loaded);

/* Has the registry read person id before? Under the lock (either kind). */
bool persons_registry_knows(const struct person_registry *reg, int64_t id);

/* ---- keeping up (sync.c) ---- */

/* The channel on which a write of people is told to every server. */
#define PERSONS_CHANNEL "hartline_persons"

/* In the writing transaction: give person id a new seq, and tell the
 * other servers at commit. Each person whose place in the registry
 * changes is marked: a new one, and both sides of a merge or its undo. */
int persons_seq_mark(struct db *db, int64_t id);
/* After a commit that marked people, or a notification: the registry has
 * changes to read. */
void persons_registry_changed(struct app *app);
/* Read the people marked since the last catch-up into the registry, when
 * there may be any: at once on SQLite or while the listener is not up,
 * else only after a notification or a write of this server's. */
int persons_registry_sync(struct app *app, struct db *db);
/* The listener (PostgreSQL), started once the registry is read. */
int persons_registry_listen(struct app *app);
/* Put root's group in the registry: as persons_registry_refresh when
 * known, else (none of the group read before) only adding it. */
int persons_registry_group(struct app *app, struct db *db, int64_t root, bool known);

/* The people whose family name (and sex, when given) is the query's,
 * by id: *ret (malloc'd) and *ret_n. */
struct person_query;
int persons_family_ids(struct person_registry *reg, const struct person_query *q, int64_t **ret, size_t *ret_n);

/* ---- relief (relief.c) ---- */

/* The child's relief records as answered, appended to out (no audit, no
 * check: the caller's). For a liaison (region not NULL) only those that
 * name at least one record and only records of its region. */
int persons_relief_json(struct db *db, struct app *app, const char *region, int64_t person_id, int limit,
			int64_t after, json_t *out);
