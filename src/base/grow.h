/* grow: room for one more element in a realloc'd array. */
#ifndef HL_BASE_GROW_H
#define HL_BASE_GROW_H

#include <stddef.h>
#include <stdlib.h>

#include "base/err.h"

/* Makes room for element n of the array *pp (capacity *cap elements of elem
 * bytes): when n == *cap the capacity doubles (first: the first capacity).
 * 0, or ERR_NOMEM with the array and *cap as they were. */
static inline int grow(void *pp, size_t *cap, size_t n, size_t elem, size_t first)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : first;
	void *p = realloc(*(void **)pp, nc * elem);
	if (!p)
		return ERR_NOMEM;
	*(void **)pp = p;
	*cap = nc;
	return 0;
}

#endif
