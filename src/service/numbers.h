/* numbers: readable numbers for reports and cases (I-2026-000123,
 * C-2026-0042), counted per kind and calendar year in table number_seq. */
#pragma once

#include <stdint.h>

struct db;

/* The next number of kind in year, inside the caller's transaction: two
 * transactions never get the same one. */
int svc_next_number(struct db *db, const char *kind, int year, int64_t *ret);
