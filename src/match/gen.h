/* gen: a seeded generator of synthetic child-welfare-like person records.
 *
 * For tests and benchmarks of identity resolution: it writes a CSV of
 * originals and corrupted duplicates with the ground truth in the record id
 * ("rec-<person>-org", "rec-<person>-dup-<k>", as FEBRL does). Every name,
 * town and street comes from small lists of made-up values written into
 * gen.c (or towns the caller gives); no real person's data is used. The output depends only on the configuration: the
 * same seed writes the same bytes on any machine. The corruption model and
 * its defaults are described in docs/generator.md. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_MAX_DUPS 255                      /* max_dups_per_person at most */
#define GEN_MAX_ORIGINALS ((size_t)100000000) /* O(originals) bookkeeping */
#define GEN_MAX_RECORDS ((uint64_t)1 << 40)

struct gen_config {
	uint64_t seed;
	size_t originals;        /* distinct people */
	size_t records;          /* total records to write (>= originals); duplicates = records - originals,
	                            spread over originals Zipf-like (exponent 1.5, at most max_dups_per_person) */
	int max_dups_per_person; /* default 5 */
	/* Corruption probabilities per duplicate (defaults in docs/generator.md).
	 * p_nickname applies among duplicates whose given name has nicknames,
	 * p_swap_day_month among those whose day is <= 12 and differs from the
	 * month. */
	double p_typo, p_nickname, p_swap_day_month, p_age_only, p_surname_change, p_alias, p_missing_field,
	        p_town_change;
	int reference_year; /* ages computed on 1 January of this year, default 2026 */
	/* The agency client id is blanked in a duplicate with this probability,
	 * on top of its 1-3 corruptions (a caller seldom knows it); default 0.8. */
	double p_ident_dropped;
	/* Towns to use instead of the made-up ones (NULL: those), larger
	 * first, at most GEN_MAX_TOWNS of them; their postcodes are made up. */
	const char *const *towns;
	size_t n_towns;
};

#define GEN_MAX_TOWNS 1024

/* The corruptions a duplicate can carry, as bits of a mask. */
enum gen_corruption {
	GEN_TYPO = 1 << 0,
	GEN_NICKNAME = 1 << 1,
	GEN_SWAP_DAY_MONTH = 1 << 2,
	GEN_AGE_ONLY = 1 << 3,
	GEN_SURNAME_CHANGE = 1 << 4,
	GEN_ALIAS = 1 << 5,
	GEN_MISSING_FIELD = 1 << 6,
	GEN_TOWN_CHANGE = 1 << 7,
};

/* ---- Configuration ---- */

/* The documented defaults: seed 1, 1000 originals, 2000 records, at most
 * 5 duplicates a person, reference year 2026 and the probabilities of
 * docs/generator.md. */
void gen_config_defaults(struct gen_config *c);

/* ---- Writing ---- */

/* Write CSV with the header
 *   rec_id,given_name,family_name,dob,age,sex,town,postcode,address,ident
 * and c->records records in a shuffled (seeded) order. dob is YYYY-MM-DD
 * or empty; age is given only when dob is empty; sex is F, M, X or empty;
 * ident is a 9-digit agency client id, the same in every record of a
 * person or empty. progress (may be NULL) is called every 65536 records and
 * once at the end. Memory is O(originals), about 1.1 bytes a person;
 * records are regenerated from per-person seeds, never held. ERR_INVAL for a bad
 * configuration, ERR_NOMEM, ERR_IO when writing fails. */
int gen_write(FILE *out, const struct gen_config *c, void (*progress)(size_t done, size_t total, void *arg), void *arg);

/* ---- Ground truth ---- */

/* The corruptions (GEN_* bits) that duplicate k of person carries under c,
 * as gen_write applies them: for benchmarks that report recall by kind of
 * corruption, and for tests. Whether that duplicate is written depends on
 * c->originals and c->records; this does not check. ERR_INVAL for a bad
 * configuration. */
int gen_corruptions(const struct gen_config *c, size_t person, size_t k, unsigned *ret_mask);
