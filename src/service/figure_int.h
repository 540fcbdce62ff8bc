/* figure_int: what the table (figure.c) and its renderings
 * (figure_render.c) share, and nothing outside them needs. */
#pragma once

#include <stdint.h>

#include "service/figure.h"

/* A column total that suppression withholds (see supp_safe in figure.c). */
#define UNPUBLISHED INT64_MIN

static inline struct figure_cell *cell_at(const struct figure *f, int i, int j)
{
	return &f->cell[(size_t)i * (size_t)f->ncols + (size_t)j];
}
