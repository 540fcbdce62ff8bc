/* arena: a region allocator, freed in one go.
 *
 * Each HTTP request gets one; everything it allocates lives until the
 * response is sent. What must outlive the request is copied out. */
#pragma once

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t block_size; /* size of new blocks; 0 means the default (8 KiB) */
	size_t used;       /* bytes handed out, for limits and tests */
	size_t cap;        /* refuse to hand out more than this; 0 = no cap */
};

/* Set up an arena with no blocks yet. cap 0 means no cap. */
void arena_init(struct arena *a, size_t cap);
/* Free every block; a can be used again after arena_init. NULL is fine. */
void arena_done(struct arena *a);

/* size bytes aligned for any type, or NULL when out of memory or over cap. */
void *arena_alloc(struct arena *a, size_t size);
/* arena_alloc, zero-filled. */
void *arena_zalloc(struct arena *a, size_t size);
/* A copy of the n bytes at s with a NUL after them. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
