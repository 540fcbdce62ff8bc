/* The statement cache's index: see stmt_cache.h. */
#include "db/stmt_cache.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#ifdef HARTLINE_TEST_HOOKS
static bool weak_hash;

void sc_test_weak_hash(bool on)
{
	weak_hash = on;
}
#endif

void sc_init(struct stmt_cache *c, int cap)
{
	memset(c, 0, sizeof *c);
	c->cap = cap < 0 ? 0 : cap > SC_MAX ? SC_MAX : cap;
}

void sc_free(struct stmt_cache *c)
{
	for (int i = 0; i < c->filled; i++)
		free(c->e[i].sql);
	sc_init(c, c->cap);
}

/* Eight bytes at a time: the texts are hundreds of bytes long, and a
 * request looks up a score of them. */
uint64_t sc_hash(const char *sql, size_t len)
{
#ifdef HARTLINE_TEST_HOOKS
	if (weak_hash)
		return len;
#endif
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, sql + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, sql + i, len - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 32);
}

static int *bucket_of(struct stmt_cache *c, uint64_t hash)
{
	return &c->bucket[hash & (SC_BUCKETS - 1)];
}

int sc_find(const struct stmt_cache *c, const char *sql, size_t len, uint64_t hash, bool idle_only)
{
	for (int k = c->bucket[hash & (SC_BUCKETS - 1)]; k; k = c->e[k - 1].next) {
		const struct sc_entry *e = &c->e[k - 1];
		if (e->hash == hash && e->len == len && (e->idle || !idle_only) && memcmp(e->sql, sql, len) == 0)
			return k - 1;
	}
	return -1;
}

void sc_take(struct stmt_cache *c, int i)
{
	struct sc_entry *e = &c->e[i];
	if (!e->idle)
		return;
	if (e->older)
		c->e[e->older - 1].newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		c->e[e->newer - 1].older = e->older;
	else
		c->newest = e->older;
	e->older = e->newer = 0;
	e->idle = false;
}

void sc_put(struct stmt_cache *c, int i)
{
	struct sc_entry *e = &c->e[i];
	if (e->idle)
		return;
	e->idle = true;
	e->older = c->newest;
	e->newer = 0;
	if (c->newest)
		c->e[c->newest - 1].newer = i + 1;
	else
		c->oldest = i + 1;
	c->newest = i + 1;
}

int sc_victim(const struct stmt_cache *c)
{
	if (c->filled < c->cap)
		return c->filled;
	return c->oldest - 1;
}

int sc_fill(struct stmt_cache *c, int i, const char *sql, size_t len, uint64_t hash)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return ERR_NOMEM;
	memcpy(copy, sql, len + 1);
	struct sc_entry *e = &c->e[i];
	if (i < c->filled) {
		sc_take(c, i);
		int *p = bucket_of(c, e->hash);
		while (*p != i + 1)
			p = &c->e[*p - 1].next;
		*p = e->next;
		free(e->sql);
	} else {
		c->filled = i + 1;
	}
	int *head = bucket_of(c, hash);
	*e = (struct sc_entry){.sql = copy, .len = len, .hash = hash, .next = *head};
	*head = i + 1;
	return 0;
}
