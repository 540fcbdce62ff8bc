/* bench_match_lookup: identity lookups against a registry of generated
 * people, the way a hotline worker's search runs.
 *
 *   bench_match_lookup FILE.csv [QUERIES]
 *
 * FILE.csv comes from `hartline match generate`. Every record is in the
 * registry; the queries are every k-th record whose person has another
 * record (k chosen to give QUERIES queries, default 10,000). A query's own
 * record is left out of its answers; it is found when another record of
 * the same person is in the top 10. Prints p50 and p99 latency on one
 * core and recall@10 (among candidates of probability 0.01 or more, as
 * the API answers), and writes the query line numbers to
 * FILE.csv.queries for the same lookups elsewhere. Lookups run on one core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/csv.h"
#include "base/str.h"
#include "match/match.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* "rec-12-dup-3" -> 12 */
static long person_of(const char *id)
{
	const char *p = strchr(id, '-');
	return p ? strtol(p + 1, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_match_lookup FILE.csv [QUERIES]\n");
		return 2;
	}
	int64_t want = 10000;
	if (argc > 2 && str_to_int64(argv[2], 1, 10000000, &want) < 0)
		return 2;
	struct match_schema sc = {0};
	const char *cols[] = {"given_name", "family_name", "dob", "age", "sex", "town", "postcode", "address", "ident"};
	enum match_kind kinds[] = {MK_GIVEN, MK_FAMILY, MK_DOB, MK_AGE, MK_SEX, MK_TOWN, MK_POSTCODE, MK_ADDRESS, MK_IDENT};
	for (int i = 0; i < 9; i++)
		match_schema_add(&sc, kinds[i], cols[i], NULL);
	sc.as_of = (struct cmp_date){2026, 11, 28};
	struct match_store *s;
	if (match_store_new(&sc, &s) < 0)
		return 1;
	struct csv_reader *r;
	char err[512];
	if (csv_open(argv[1], &r, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct csv_row row;
	csv_next(r, 0, &row);
	int idx[10];
	size_t ncols = row.n;
	for (int i = 0; i < 9; i++) {
		idx[i] = -1;
		for (size_t c = 0; c < row.n; c++)
			if (strcmp(row.fields[c], cols[i]) == 0)
				idx[i] = (int)c;
		if (idx[i] < 0) {
			fprintf(stderr, "%s: no column %s\n", argv[1], cols[i]);
			return 1;
		}
	}
	size_t cap = 1 << 20, n = 0;
	long *person = malloc(cap * sizeof *person);
	size_t *line = malloc(cap * sizeof *line);
	int rc;
	while ((rc = csv_next(r, ncols, &row)) != 0) {
		if (rc < 0)
			continue;
		const char *v[9];
		for (int i = 0; i < 9; i++)
			v[i] = row.fields[idx[i]];
		if (n == cap) {
			cap *= 2;
			person = realloc(person, cap * sizeof *person);
			line = realloc(line, cap * sizeof *line);
		}
		person[n] = person_of(row.fields[0]);
		line[n] = row.line;
		match_store_add(s, row.fields[0], v, 0, NULL, NULL);
		n++;
	}
	csv_close(r);
	int64_t t0 = clock_mono_us();
	struct match_index *ix;
	match_index_new(0, &ix);
	match_index_build(ix, s);
	double t_index = (double)(clock_mono_us() - t0) / 1e6;
	t0 = clock_mono_us();
	struct match_model m;
	if (match_fit(s, &m, false, 0) < 0)
		return 1;
	double t_fit = (double)(clock_mono_us() - t0) / 1e6;
	/* People with more than one record. */
	long maxp = 0;
	for (size_t i = 0; i < n; i++)
		if (person[i] > maxp)
			maxp = person[i];
	unsigned char *count = calloc((size_t)maxp + 1, 1);
	for (size_t i = 0; i < n; i++)
		if (person[i] >= 0 && count[person[i]] < 255)
			count[person[i]]++;
	size_t eligible = 0;
	for (size_t i = 0; i < n; i++)
		eligible += person[i] >= 0 && count[person[i]] > 1;
	size_t step = eligible / (size_t)want;
	if (step < 1)
		step = 1;
	char qpath[1100];
	snprintf(qpath, sizeof qpath, "%s.queries", argv[1]);
	FILE *qf = fopen(qpath, "w");
	int64_t *lat = malloc((size_t)want * sizeof *lat);
	size_t nq = 0, found = 0, seen = 0;
	struct match_hit hits[11];
	for (size_t i = 0; i < n && nq < (size_t)want; i++) {
		if (person[i] < 0 || count[person[i]] < 2)
			continue;
		if (seen++ % step)
			continue;
		const struct match_rec *q = match_store_rec(s, (uint32_t)i);
		size_t nh;
		int64_t a = clock_mono_us();
		/* As the API asks: candidates of probability 0.01 or more. */
		match_lookup_floor(s, ix, &m, q, match_store_pool(s), 0.01, 11, hits, &nh);
		lat[nq] = clock_mono_us() - a;
		bool ok = false;
		for (size_t h = 0, shown = 0; h < nh && shown < 10; h++) {
			if (hits[h].index == i)
				continue;
			shown++;
			if (person[hits[h].index] == person[i])
				ok = true;
		}
		found += ok;
		if (qf)
			fprintf(qf, "%zu\n", line[i]);
		nq++;
	}
	if (qf)
		fclose(qf);
	qsort(lat, nq, sizeof *lat, cmp_i64);
	printf("lookup: %zu queries against %zu records (index %.1f s, fit %.1f s): p50 %.3f ms, p99 %.3f ms, "
	       "recall@10 %.4f\n",
	       nq, n, t_index, t_fit, nq ? (double)lat[nq / 2] / 1000 : 0, nq ? (double)lat[nq * 99 / 100] / 1000 : 0,
	       nq ? (double)found / (double)nq : 0);
	free(lat);
	free(count);
	free(person);
	free(line);
	match_model_done(&m);
	match_index_free(ix);
	match_store_free(s);
	return 0;
}
