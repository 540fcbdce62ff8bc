#include "service/limits.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "base/crypto.h"
#include "base/err.h"

const struct limit_rule LIMIT_CLIENT = {
	.free = 20, .window = 15 * 60 * HL_USEC_PER_SEC, .first = HL_USEC_PER_SEC, .cap = 15 * 60 * HL_USEC_PER_SEC};
const struct limit_rule LIMIT_ACCOUNT = {
	.free = 20, .window = 15 * 60 * HL_USEC_PER_SEC, .first = HL_USEC_PER_SEC, .cap = 60 * HL_USEC_PER_SEC};

#define PROBE 8 /* slots looked at for one key */

struct slot {
	uint64_t key; /* 0: free */
	int failures;
	hl_time window_start, until, last;
};

struct auth_limits {
	pthread_mutex_t lock;
	struct slot *slots;
	unsigned nslots;
	char salt[33]; /* keys are hashed with it, so nobody can aim at one slot */
	atomic_uint hashing;
	unsigned max_hashes;
};

int auth_limits_new(unsigned slots, unsigned hashes, struct auth_limits **ret)
{
	struct auth_limits *l = calloc(1, sizeof *l);
	if (!l)
		return ERR_NOMEM;
	l->nslots = slots < PROBE ? PROBE : slots;
	l->slots = calloc(l->nslots, sizeof *l->slots);
	if (!l->slots) {
		free(l);
		return ERR_NOMEM;
	}
	int r = crypto_random_hex(16, l->salt, sizeof l->salt);
	if (r < 0) {
		free(l->slots);
		free(l);
		return r;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->max_hashes = hashes ? hashes : 1;
	*ret = l;
	return 0;
}

void auth_limits_free(struct auth_limits *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l->slots);
	free(l);
}

static uint64_t key_of(const struct auth_limits *l, const char *kind, const char *key)
{
	/* Usernames and addresses are far shorter than this; a longer key is
	 * cut, and still counted (with whatever shares its first bytes). */
	char text[512];
	int n = snprintf(text, sizeof text, "%s\n%s\n%s", l->salt, kind, key ? key : "");
	size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
	char hex[CRYPTO_HASH_HEX_SIZE];
	crypto_hash_hex(text, len, hex);
	uint64_t v = 0;
	for (int i = 0; i < 16; i++) {
		char c = hex[i];
		v = (v << 4) | (uint64_t)(c >= 'a' ? c - 'a' + 10 : c - '0');
	}
	return v ? v : 1;
}

/* The slot of k, or NULL when it has none. */
static struct slot *find(struct auth_limits *l, uint64_t k)
{
	for (unsigned i = 0; i < PROBE; i++) {
		struct slot *s = &l->slots[(k + i) % l->nslots];
		if (s->key == k)
			return s;
	}
	return NULL;
}

/* A slot for k: its own, a free one, or the least recently used one. */
static struct slot *claim(struct auth_limits *l, uint64_t k)
{
	struct slot *s = find(l, k);
	if (s)
		return s;
	struct slot *victim = NULL;
	for (unsigned i = 0; i < PROBE; i++) {
		struct slot *c = &l->slots[(k + i) % l->nslots];
		if (c->key == 0) {
			victim = c;
			break;
		}
		if (!victim || c->last < victim->last)
			victim = c;
	}
	memset(victim, 0, sizeof *victim);
	victim->key = k;
	return victim;
}

int64_t auth_limits_wait(struct auth_limits *l, const char *kind, const char *key, hl_time t)
{
	if (!l)
		return 0;
	uint64_t k = key_of(l, kind, key);
	pthread_mutex_lock(&l->lock);
	struct slot *s = find(l, k);
	int64_t wait = s && s->until > t ? s->until - t : 0;
	pthread_mutex_unlock(&l->lock);
	return wait;
}

void auth_limits_fail(struct auth_limits *l, const char *kind, const char *key, const struct limit_rule *rule,
		      hl_time t)
{
	if (!l)
		return;
	uint64_t k = key_of(l, kind, key);
	pthread_mutex_lock(&l->lock);
	struct slot *s = claim(l, k);
	if (s->failures == 0 || t - s->window_start > rule->window) {
		s->failures = 0;
		s->window_start = t;
	}
	s->failures++;
	s->last = t;
	int over = s->failures - rule->free + 1; /* the free-th failure starts the first wait */
	if (over > 0) {
		int64_t wait = rule->first;
		for (int i = 1; i < over && wait < rule->cap; i++)
			wait *= 2;
		if (wait > rule->cap)
			wait = rule->cap;
		s->until = t + wait;
		/* The window runs on while the client keeps failing, so waiting
		 * out one pause does not reset the count. */
		s->window_start = t;
	}
	pthread_mutex_unlock(&l->lock);
}

int auth_limits_hash_begin(struct auth_limits *l)
{
	if (!l)
		return 0;
	unsigned was = atomic_fetch_add(&l->hashing, 1);
	if (was >= l->max_hashes) {
		atomic_fetch_sub(&l->hashing, 1);
		return ERR_BUSY;
	}
	return 0;
}

void auth_limits_hash_end(struct auth_limits *l)
{
	if (l)
		atomic_fetch_sub(&l->hashing, 1);
}
