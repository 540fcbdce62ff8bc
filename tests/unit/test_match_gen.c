/* Unit tests of src/match/gen: seeded synthetic records with ground truth. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/csv.h"
#include "base/err.h"
#include "match/gen.h"

#define NFIELDS 10
enum { F_ID, F_GIVEN, F_FAMILY, F_DOB, F_AGE, F_SEX, F_TOWN, F_POSTCODE, F_ADDRESS, F_IDENT };

static const char header[] = "rec_id,given_name,family_name,dob,age,sex,town,postcode,address,ident\n";

/* ---- Helpers ---- */

static char *generate(const struct gen_config *c, size_t *ret_len)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	assert_non_null(f);
	assert_int_equal(gen_write(f, c, NULL, NULL), 0);
	assert_int_equal(fclose(f), 0);
	*ret_len = len;
	return data;
}

/* The defaults, for originals people in records records. */
static struct gen_config sized(size_t originals, size_t records)
{
	struct gen_config c;
	gen_config_defaults(&c);
	c.originals = originals;
	c.records = records;
	return c;
}

struct record {
	size_t person;
	long dup; /* -1 for the original */
	char f[NFIELDS][100];
};

static bool parse_size(const char *s, const char **end, size_t *ret)
{
	char *e;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno)
		return false;
	*ret = (size_t)v;
	*end = e;
	return true;
}

/* "rec-12-org" -> 12, -1; "rec-12-dup-3" -> 12, 3. */
static bool parse_id(const char *id, size_t *person, long *dup)
{
	const char *p;
	size_t k;
	if (strncmp(id, "rec-", 4) != 0 || !parse_size(id + 4, &p, person))
		return false;
	if (strcmp(p, "-org") == 0) {
		*dup = -1;
		return true;
	}
	if (strncmp(p, "-dup-", 5) != 0 || !parse_size(p + 5, &p, &k) || *p)
		return false;
	*dup = (long)k;
	return true;
}

/* Parse all records; checks the header and the field count. */
static struct record *parse_all(const char *data, size_t len, size_t *ret_n)
{
	struct csv_reader *r;
	struct csv_row row;
	assert_int_equal(csv_open_buffer("gen.csv", data, len, &r), 0);
	assert_int_equal(csv_next(r, NFIELDS, &row), 1);
	size_t cap = 1024, n = 0;
	struct record *recs = malloc(cap * sizeof *recs);
	assert_non_null(recs);
	int rc;
	while ((rc = csv_next(r, NFIELDS, &row)) == 1) {
		if (n == cap) {
			cap *= 2;
			recs = realloc(recs, cap * sizeof *recs);
			assert_non_null(recs);
		}
		struct record *rec = &recs[n++];
		for (size_t i = 0; i < NFIELDS; i++) {
			assert_true(strlen(row.fields[i]) < sizeof rec->f[i]);
			memcpy(rec->f[i], row.fields[i], strlen(row.fields[i]) + 1);
		}
		assert_true(parse_id(rec->f[F_ID], &rec->person, &rec->dup));
	}
	assert_int_equal(rc, 0);
	csv_close(r);
	*ret_n = n;
	return recs;
}

/* Records grouped per person: orgs[p] and the duplicates in the order read. */
struct truth {
	size_t originals;
	const struct record **orgs;
};

static struct truth index_originals(const struct record *recs, size_t n, size_t originals)
{
	struct truth t = {originals, calloc(originals, sizeof(struct record *))};
	assert_non_null(t.orgs);
	for (size_t i = 0; i < n; i++)
		if (recs[i].dup < 0) {
			assert_true(recs[i].person < originals);
			assert_null(t.orgs[recs[i].person]);
			t.orgs[recs[i].person] = &recs[i];
		}
	return t;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool parse_date(const char *s, int *y, int *m, int *d)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*m < 1 || *m > 12 || *d < 1)
		return false;
	return *d <= (*m == 2 && is_leap(*y) ? 29 : days[*m - 1]);
}

/* An age field: 1-2 digits, checked to the end. */
static int parse_age(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	assert_true(s[0] >= '0' && s[0] <= '9' && *end == '\0' && errno == 0);
	assert_in_range(v, 0, 22);
	return (int)v;
}

static bool all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* ---- Tests ---- */

UNIT_TEST(the_same_seed_writes_identical_bytes_and_another_seed_differs)
{
	struct gen_config c;
	gen_config_defaults(&c);
	c.seed = 42;
	size_t la, lb, lc;
	char *a = generate(&c, &la);
	char *b = generate(&c, &lb);
	c.seed = 43;
	char *d = generate(&c, &lc);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_true(la != lc || memcmp(a, d, la) != 0);
	free(a);
	free(b);
	free(d);
}

UNIT_TEST(writes_the_header_and_exactly_the_requested_number_of_records)
{
	struct gen_config c = sized(700, 1234);
	size_t len, n;
	char *data = generate(&c, &len);
	assert_true(len > sizeof header);
	assert_memory_equal(data, header, sizeof header - 1);
	struct record *recs = parse_all(data, len, &n);
	assert_int_equal(n, 1234);
	free(recs);
	free(data);
}

static void check_ids(size_t originals)
{
	struct gen_config c = sized(originals, 3 * originals);
	size_t len, n;
	char *data = generate(&c, &len);
	struct record *recs = parse_all(data, len, &n);
	assert_int_equal(n, c.records);
	struct truth t = index_originals(recs, n, c.originals);
	size_t orgs = 0;
	for (size_t p = 0; p < c.originals; p++)
		orgs += t.orgs[p] != NULL;
	assert_int_equal(orgs, c.originals);

	/* duplicates of a person are numbered 0..d-1 with d <= 5, each once */
	unsigned char *seen = calloc(c.originals * 5, 1);
	int *dups = calloc(c.originals, sizeof *dups);
	size_t hist[6] = {0};
	for (size_t i = 0; i < n; i++) {
		if (recs[i].dup < 0)
			continue;
		assert_true(recs[i].person < c.originals);
		assert_non_null(t.orgs[recs[i].person]);
		assert_in_range(recs[i].dup, 0, 4);
		assert_int_equal(seen[recs[i].person * 5 + (size_t)recs[i].dup]++, 0);
		dups[recs[i].person]++;
	}
	for (size_t p = 0; p < c.originals; p++) {
		for (int k = 0; k < dups[p]; k++)
			assert_int_equal(seen[p * 5 + (size_t)k], 1);
		hist[dups[p]]++;
	}
	/* Zipf-like: one duplicate is the most common, and the cap is reached */
	if (originals >= 1000) {
		assert_true(hist[1] > hist[2] && hist[2] > hist[3]);
		assert_true(hist[5] > 0);
	}
	free(seen);
	free(dups);
	free(t.orgs);
	free(recs);
	free(data);
}

UNIT_TEST(every_record_id_appears_once_and_each_duplicate_has_its_original)
{
	check_ids(3000);
	check_ids(3072); /* a whole number of 64-person blocks */
	check_ids(1);
}

UNIT_TEST(records_are_shuffled_so_duplicates_are_not_next_to_their_original)
{
	struct gen_config c = sized(2000, 4000);
	size_t len, n, same = 0, org_first = 0;
	char *data = generate(&c, &len);
	struct record *recs = parse_all(data, len, &n);
	for (size_t i = 0; i + 1 < n; i++)
		same += recs[i].person == recs[i + 1].person;
	for (size_t i = 0; i < n / 2; i++)
		org_first += recs[i].dup < 0;
	assert_true(same < n / 100);
	/* originals are spread over the file, not written first */
	assert_in_range(org_first, n / 4 - n / 10, n / 4 + n / 10);
	free(recs);
	free(data);
}

UNIT_TEST(every_field_parses_and_children_are_children)
{
	struct gen_config c = sized(5000, 10000);
	size_t len, n, young = 0, org_n = 0, commas = 0;
	char *data = generate(&c, &len);
	struct record *recs = parse_all(data, len, &n);
	for (size_t i = 0; i < n; i++) {
		const struct record *r = &recs[i];
		int y, m, d;
		assert_true(r->f[F_GIVEN][0] && r->f[F_FAMILY][0]);
		if (r->f[F_DOB][0]) {
			assert_true(parse_date(r->f[F_DOB], &y, &m, &d));
			assert_in_range(y, 2026 - 21, 2026 - 1);
			assert_string_equal(r->f[F_AGE], "");
		} else {
			parse_age(r->f[F_AGE]);
		}
		assert_true(strcmp(r->f[F_SEX], "F") == 0 || strcmp(r->f[F_SEX], "M") == 0 ||
		            strcmp(r->f[F_SEX], "X") == 0 || r->f[F_SEX][0] == '\0');
		assert_true(r->f[F_POSTCODE][0] == '\0' ||
		            (all_digits(r->f[F_POSTCODE], 5) && strncmp(r->f[F_POSTCODE], "99", 2) == 0));
		assert_true(r->f[F_IDENT][0] == '\0' || all_digits(r->f[F_IDENT], 9));
		commas += strchr(r->f[F_ADDRESS], ',') != NULL;
		if (r->dup < 0) {
			/* an original is complete */
			org_n++;
			assert_true(parse_date(r->f[F_DOB], &y, &m, &d));
			assert_true(r->f[F_SEX][0] && r->f[F_TOWN][0] && r->f[F_POSTCODE][0] && r->f[F_ADDRESS][0]);
			assert_true(all_digits(r->f[F_IDENT], 9));
			young += y >= 2026 - 18;
		}
	}
	assert_int_equal(org_n, 5000);
	assert_true(young > org_n * 85 / 100); /* born in the 18 years before 2026 */
	assert_true(commas > 0);               /* quoted fields were read back */
	free(recs);
	free(data);
}

static int age_at(const char *dob, int ref)
{
	int y, m, d;
	assert_true(parse_date(dob, &y, &m, &d));
	return ref - y - (m == 1 && d == 1 ? 0 : 1);
}

/* Whether dup looks like org with no change in the given field, given the
 * corruption mask, and that masked changes show. */
static void check_dup_against_original(const struct record *org, const struct record *dup, unsigned mask)
{
	const char *o = org->f[F_DOB], *d = dup->f[F_DOB];
	if (mask & GEN_AGE_ONLY) {
		assert_string_equal(d, "");
		int age = parse_age(dup->f[F_AGE]);
		int truth = age_at(o, 2026); /* cmocka ranges are unsigned */
		assert_true(age >= truth - 1 && age <= truth + 1);
	} else if (mask & GEN_SWAP_DAY_MONTH) {
		char swapped[11];
		assert_int_equal(snprintf(swapped, sizeof swapped, "%.4s-%.2s-%.2s", o, o + 8, o + 5), 10);
		assert_string_equal(d, swapped);
		assert_string_not_equal(d, o);
	} else {
		assert_string_equal(d, o);
		assert_string_equal(dup->f[F_AGE], "");
	}
	if (!(mask & (GEN_TYPO | GEN_NICKNAME | GEN_ALIAS)))
		assert_string_equal(dup->f[F_GIVEN], org->f[F_GIVEN]);
	if (mask & (GEN_NICKNAME | GEN_ALIAS))
		assert_string_not_equal(dup->f[F_GIVEN], org->f[F_GIVEN]);
	if (!(mask & (GEN_TYPO | GEN_SURNAME_CHANGE)))
		assert_string_equal(dup->f[F_FAMILY], org->f[F_FAMILY]);
	if (mask & GEN_SURNAME_CHANGE)
		assert_string_not_equal(dup->f[F_FAMILY], org->f[F_FAMILY]);
	if (!(mask & GEN_TOWN_CHANGE)) {
		assert_true(!dup->f[F_TOWN][0] || strcmp(dup->f[F_TOWN], org->f[F_TOWN]) == 0);
		assert_true(!dup->f[F_POSTCODE][0] || strcmp(dup->f[F_POSTCODE], org->f[F_POSTCODE]) == 0);
	} else if (dup->f[F_TOWN][0]) {
		assert_string_not_equal(dup->f[F_TOWN], org->f[F_TOWN]);
	}
	if (!(mask & (GEN_TOWN_CHANGE | GEN_TYPO)))
		assert_true(!dup->f[F_ADDRESS][0] || strcmp(dup->f[F_ADDRESS], org->f[F_ADDRESS]) == 0);
	bool blank = !dup->f[F_TOWN][0] || !dup->f[F_POSTCODE][0] || !dup->f[F_ADDRESS][0] || !dup->f[F_SEX][0];
	assert_int_equal(blank, (mask & GEN_MISSING_FIELD) != 0);
	if (dup->f[F_SEX][0])
		assert_string_equal(dup->f[F_SEX], org->f[F_SEX]);
	/* the agency id is never altered, only dropped */
	assert_true(!dup->f[F_IDENT][0] || strcmp(dup->f[F_IDENT], org->f[F_IDENT]) == 0);
}

UNIT_TEST(corruption_shares_over_20000_records_are_near_their_probabilities)
{
	struct gen_config c;
	gen_config_defaults(&c);
	c.seed = 7;
	c.originals = 10000;
	c.records = 20000;
	size_t len, n;
	char *data = generate(&c, &len);
	struct record *recs = parse_all(data, len, &n);
	struct truth t = index_originals(recs, n, c.originals);

	size_t dups = 0, swap_eligible = 0, with_ident = 0, count[8] = {0}, by_size[4] = {0};
	for (size_t i = 0; i < n; i++) {
		const struct record *dup = &recs[i];
		if (dup->dup < 0)
			continue;
		const struct record *org = t.orgs[dup->person];
		unsigned mask;
		assert_int_equal(gen_corruptions(&c, dup->person, (size_t)dup->dup, &mask), 0);
		check_dup_against_original(org, dup, mask);
		int y, m, d, bits = 0;
		assert_true(parse_date(org->f[F_DOB], &y, &m, &d));
		swap_eligible += d <= 12 && d != m;
		for (int b = 0; b < 8; b++)
			if (mask & (1u << b)) {
				count[b]++;
				bits++;
			}
		assert_in_range(bits, 1, 3);
		by_size[bits]++;
		with_ident += dup->f[F_IDENT][0] != '\0';
		dups++;
	}
	assert_int_equal(dups, 10000);
	double share[8];
	for (int b = 0; b < 8; b++)
		share[b] = (double)count[b] / (double)dups;
	/* loose bounds: about four standard deviations */
	assert_true(fabs(share[0] - c.p_typo) < 0.025);
	assert_true(fabs(share[3] - c.p_age_only) < 0.02);
	assert_true(fabs(share[4] - c.p_surname_change) < 0.015);
	assert_true(fabs(share[5] - c.p_alias) < 0.01);
	assert_true(fabs(share[6] - c.p_missing_field) < 0.025);
	assert_true(fabs(share[7] - c.p_town_change) < 0.02);
	/* these two apply only where they can: names with nicknames, days <= 12 */
	assert_true(share[1] > c.p_nickname * 0.4 && share[1] < c.p_nickname + 0.02);
	assert_true(fabs((double)count[2] / (double)swap_eligible - c.p_swap_day_month) < 0.02);
	/* one, two and three corruptions all occur */
	assert_true(by_size[1] > dups / 10 && by_size[2] > dups / 10 && by_size[3] > 0);
	/* the agency id is mostly missing in duplicates */
	assert_true(fabs((double)with_ident / (double)dups - (1 - c.p_ident_dropped)) < 0.02);
	free(t.orgs);
	free(recs);
	free(data);
}

UNIT_TEST(zero_probabilities_make_duplicates_exact_copies)
{
	struct gen_config c;
	gen_config_defaults(&c);
	c.p_typo = c.p_nickname = c.p_swap_day_month = c.p_age_only = 0;
	c.p_surname_change = c.p_alias = c.p_missing_field = c.p_town_change = c.p_ident_dropped = 0;
	size_t len, n;
	char *data = generate(&c, &len);
	struct record *recs = parse_all(data, len, &n);
	struct truth t = index_originals(recs, n, c.originals);
	for (size_t i = 0; i < n; i++) {
		if (recs[i].dup < 0)
			continue;
		for (int f = F_GIVEN; f < NFIELDS; f++)
			assert_string_equal(recs[i].f[f], t.orgs[recs[i].person]->f[f]);
	}
	free(t.orgs);
	free(recs);
	free(data);
}

UNIT_TEST(a_single_corruption_kind_is_applied_to_every_duplicate)
{
	/* a sum below 1 is scaled up to exactly one corruption each */
	struct gen_config c;
	gen_config_defaults(&c);
	c.p_typo = c.p_nickname = c.p_swap_day_month = c.p_surname_change = 0;
	c.p_alias = c.p_missing_field = c.p_town_change = 0;
	c.p_age_only = 0.1;
	size_t len, n;
	char *data = generate(&c, &len);
	struct record *recs = parse_all(data, len, &n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(recs[i].f[F_DOB][0] == '\0', recs[i].dup >= 0);
	free(recs);
	free(data);
}

UNIT_TEST(rejects_configurations_it_cannot_honour)
{
	struct gen_config c;
	FILE *f = fopen("/dev/null", "w");
	unsigned mask;
	assert_non_null(f);

	gen_config_defaults(&c);
	c.records = c.originals - 1; /* fewer records than people */
	assert_int_equal(gen_write(f, &c, NULL, NULL), ERR_INVAL);
	gen_config_defaults(&c);
	c.records = c.originals * 7; /* more duplicates than 5 a person */
	assert_int_equal(gen_write(f, &c, NULL, NULL), ERR_INVAL);
	gen_config_defaults(&c);
	c.p_typo = 1.5;
	assert_int_equal(gen_write(f, &c, NULL, NULL), ERR_INVAL);
	assert_int_equal(gen_corruptions(&c, 0, 0, &mask), ERR_INVAL);
	gen_config_defaults(&c);
	c.p_alias = NAN;
	assert_int_equal(gen_write(f, &c, NULL, NULL), ERR_INVAL);
	gen_config_defaults(&c);
	c.max_dups_per_person = -1;
	assert_int_equal(gen_write(f, &c, NULL, NULL), ERR_INVAL);
	gen_config_defaults(&c);
	assert_int_equal(gen_write(f, NULL, NULL, NULL), ERR_INVAL);
	assert_int_equal(gen_write(NULL, &c, NULL, NULL), ERR_INVAL);

	/* no people, no records: just the header */
	gen_config_defaults(&c);
	c.originals = c.records = 0;
	assert_int_equal(gen_write(f, &c, NULL, NULL), 0);
	fclose(f);
}

UNIT_TEST(reports_a_write_error)
{
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		skip();
	struct gen_config c;
	gen_config_defaults(&c);
	assert_int_equal(gen_write(f, &c, NULL, NULL), ERR_IO);
	fclose(f);
}

UNIT_TEST(the_defaults_are_the_documented_ones)
{
	struct gen_config c;
	gen_config_defaults(&c);
	assert_int_equal(c.max_dups_per_person, 5);
	assert_int_equal(c.reference_year, 2026);
	assert_true(c.records >= c.originals);
	assert_true(c.p_typo == 0.40 && c.p_nickname == 0.30 && c.p_swap_day_month == 0.05);
	assert_true(c.p_age_only == 0.15 && c.p_surname_change == 0.08 && c.p_alias == 0.04);
	assert_true(c.p_missing_field == 0.35 && c.p_town_change == 0.15 && c.p_ident_dropped == 0.80);
}

static void count_progress(size_t done, size_t total, void *arg)
{
	size_t *calls = arg;
	assert_true(done <= total && total == 1000000);
	assert_true(done % 65536 == 0 || done == total);
	(*calls)++;
}

static long max_rss_kib(void)
{
	struct rusage ru;
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

UNIT_TEST(towns_given_by_the_caller_are_the_only_towns)
{
	static const char *const towns[] = {"Alpha County", "Beta County", "Fond du Lac County"};
	struct gen_config c = sized(500, 1000);
	c.towns = towns;
	c.n_towns = 3;
	size_t len, n, seen[3] = {0};
	char *data = generate(&c, &len);
	struct record *recs = parse_all(data, len, &n);
	for (size_t i = 0; i < n; i++) {
		const char *t = recs[i].f[F_TOWN];
		if (!t[0])
			continue; /* a duplicate's missing field */
		size_t k = 0;
		while (k < 3 && strcmp(t, towns[k]) != 0)
			k++;
		assert_true(k < 3); /* as written: case and spaces kept */
		seen[k]++;
		assert_true(all_digits(recs[i].f[F_POSTCODE], 5) || !recs[i].f[F_POSTCODE][0]);
	}
	assert_true(seen[0] > seen[2] && seen[2] > 0); /* larger first */
	free(recs);
	free(data);
	/* One town: no duplicate can move to another. */
	c.n_towns = 1;
	data = generate(&c, &len);
	free(data);
	/* An empty list, or an empty name, is refused. */
	FILE *f = fopen("/dev/null", "w");
	assert_non_null(f);
	c.n_towns = 0;
	assert_int_equal(gen_write(f, &c, NULL, NULL), ERR_INVAL);
	static const char *const blank[] = {"Alpha County", ""};
	c.towns = blank;
	c.n_towns = 2;
	assert_int_equal(gen_write(f, &c, NULL, NULL), ERR_INVAL);
	fclose(f);
}

UNIT_TEST(writes_a_million_records_in_bounded_memory)
{
	struct gen_config c = sized(600000, 1000000);
	FILE *f = fopen("/dev/null", "w");
	assert_non_null(f);
	size_t calls = 0;
	long before = max_rss_kib();
	assert_int_equal(gen_write(f, &c, count_progress, &calls), 0);
	long grown = max_rss_kib() - before;
	fclose(f);
	assert_int_equal(calls, 1000000 / 65536 + 1);
	/* the output is about 75 MB; bookkeeping is 8 bytes a person (~5 MB) */
	assert_true(grown < 32 * 1024);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
