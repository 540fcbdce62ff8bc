/* The index of a connection's prepared-statement cache: slots found by
 * their SQL text in constant time (a hash table of chains), and the idle
 * ones kept in order of last use, the least recently used evicted first.
 * The drivers keep their own statement for each slot beside it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_MAX 256     /* slots, at most */
#define SC_BUCKETS 512 /* a power of two, twice SC_MAX */

struct sc_entry {
	char *sql; /* a copy; NULL: never filled */
	size_t len;
	uint64_t hash;
	/* Indexes plus one, 0: none. */
	int next;         /* in the same bucket */
	int older, newer; /* in the idle list */
	bool idle;        /* not in use: may be taken or evicted */
};

struct stmt_cache {
	int cap, filled;      /* slots 0 .. filled-1 hold a statement */
	int oldest, newest;   /* the idle list, plus one */
	int bucket[SC_BUCKETS]; /* first of the chain, plus one */
	struct sc_entry e[SC_MAX];
};

/* An empty cache of cap slots (at most SC_MAX). */
void sc_init(struct stmt_cache *c, int cap);
void sc_free(struct stmt_cache *c);
uint64_t sc_hash(const char *sql, size_t len);
/* The slot holding sql (idle ones only, when idle_only), or -1. It is not
 * taken: sc_take does. */
int sc_find(const struct stmt_cache *c, const char *sql, size_t len, uint64_t hash, bool idle_only);
/* Slot i is in use: never evicted until sc_put. */
void sc_take(struct stmt_cache *c, int i);
/* Slot i is idle again, the most recently used. */
void sc_put(struct stmt_cache *c, int i);
/* A slot for a new statement: a never used one, or the least recently used
 * idle one; -1 when every slot is in use. */
int sc_victim(const struct stmt_cache *c);
/* Slot i (from sc_victim) holds sql now, in use; what it held is
 * forgotten (the caller drops its own statement for it). ERR_NOMEM
 * leaves it as it was. */
int sc_fill(struct stmt_cache *c, int i, const char *sql, size_t len, uint64_t hash);

#ifdef HARTLINE_TEST_HOOKS
/* Every text of one length hashes alike (to test collisions). */
void sc_test_weak_hash(bool on);
#endif
