/* batch/fit: fitting the model without labels. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "match/batch/batch_int.h"
#include "match/match.h"

/* ---- fitting the model without labels ----
 *
 * u comes from random pairs: almost all of them are different people.
 * m comes from EM on pairs that share one blocking key, with the fields of
 * that key left out, so that what made the pair a candidate does not count
 * as evidence (Splink's way): pairs with the same birth date tell how names
 * agree among matches, pairs with alike names tell how birth dates do.
 * Those two give the number of matching pairs in the whole file, and so
 * lambda, the chance that two records taken at random are one person: the
 * prior of every comparison, whichever key found the pair. */

struct keyed {
	uint64_t key;
	uint32_t rec;
};

struct session {
	uint8_t *lv;
	size_t n;          /* sampled pairs */
	double all_pairs;  /* pairs sharing a key of this type, in all */
	bool ignore[MATCH_MAX_FIELDS];
};

/* Pairs of records sharing their first key of a type. e: all records'
 * keys sorted (batch_sorted_keys). */
static int session_levels(const struct match_store *s, bool link, int type, size_t want, const struct entry *e,
			  size_t ne, struct session *ret)
{
	size_t nf = (size_t)match_store_schema(s)->n;
	const char *pool = match_store_pool(s);
	size_t nk = 0;
	for (size_t i = 0; i < ne; i++)
		nk += e[i].type == type && e[i].first;
	struct keyed *k = malloc((nk ? nk : 1) * sizeof *k);
	if (!k)
		return ERR_NOMEM;
	nk = 0;
	for (size_t i = 0; i < ne; i++)
		if (e[i].type == type && e[i].first)
			k[nk++] = (struct keyed){e[i].key, e[i].rec};
	ret->lv = malloc(want * nf);
	if (!ret->lv) {
		free(k);
		return ERR_NOMEM;
	}
	ret->n = 0;
	ret->all_pairs = 0;
	/* Group boundaries, then groups visited in a spread order. */
	size_t ng = 0;
	uint32_t *starts = malloc((nk + 1) * sizeof *starts);
	if (!starts) {
		free(k);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < nk; i++)
		if (i == 0 || k[i].key != k[i - 1].key)
			starts[ng++] = (uint32_t)i;
	starts[ng] = (uint32_t)nk;
	for (size_t g = 0; g < ng; g++) {
		double c = starts[g + 1] - starts[g];
		ret->all_pairs += c * (c - 1) / 2;
	}
	size_t step = 7919;
	while (ng > 1 && step % ng == 0)
		step += 2;
	size_t pos = 0;
	for (size_t visited = 0; visited < ng && ret->n < want; visited++, pos = (pos + step) % ng) {
		size_t a0 = starts[pos], a1 = starts[pos + 1];
		if (a1 - a0 > 64)
			a1 = a0 + 64; /* a big group: its first members are sample enough */
		for (size_t x = a0; x < a1 && ret->n < want; x++)
			for (size_t y = x + 1; y < a1 && ret->n < want; y++) {
				const struct match_rec *ra = match_store_rec(s, k[x].rec), *rb = match_store_rec(s, k[y].rec);
				if (link && ra->source == rb->source)
					continue;
				uint8_t *lv = ret->lv + ret->n * nf;
				match_compare(s, ra, pool, rb, pool, lv);
				for (size_t f = 0; f < nf; f++)
					if (ret->ignore[f])
						lv[f] = 0;
				ret->n++;
			}
	}
	free(starts);
	free(k);
	return 0;
}

/* EM starts from the pairs a plain rule calls matches, so that it finds
 * the people and not some other pattern (two fields that always agree
 * together, such as a town and its postcode, would do as well for EM). */
static void start_from_rule(struct match_model *m, const struct session *ss, const bool rule[MATCH_MAX_FIELDS],
			    int ident)
{
	size_t nf = (size_t)m->n;
	double c[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS] = {{0}}, matches = 0;
	for (size_t p = 0; p < ss->n; p++) {
		const uint8_t *lv = ss->lv + p * nf;
		bool match = true;
		for (size_t f = 0; f < nf; f++)
			if (rule[f] && !(lv[f] >= 1 && lv[f] <= 3))
				match = false;
		if (ident >= 0 && lv[ident] == 1)
			match = true;
		if (!match)
			continue;
		matches++;
		for (size_t f = 0; f < nf; f++)
			if (lv[f])
				c[f][lv[f]]++;
	}
	if (matches < 10)
		return;
	for (size_t f = 0; f < nf; f++) {
		int L = match_levels(m->kind[f]);
		double sum = 0;
		for (int l = 1; l < L; l++)
			sum += c[f][l] + 0.5;
		for (int l = 1; l < L; l++)
			m->m[f][l] = (c[f][l] + 0.5) / sum;
	}
	m->lambda = matches / (double)ss->n;
	if (m->lambda > 0.9)
		m->lambda = 0.9;
}

/* The samples the model is fitted on are independent of one another:
 * they are gathered on all cores. */
struct fit_job {
	const struct match_store *s;
	bool link, sessions;
	size_t want;
	const struct entry *e;
	size_t ne;
	struct session a, b;
	uint32_t *rpairs; /* random pairs */
	uint8_t *rlv;     /* and their levels */
	size_t nr;
	int rc[4];
};

/* Four tasks: half the random pairs, the birth-date session, the other
 * half, the name session; on two threads, each takes two. */
static void fit_part(void *ctx, int t, int nt)
{
	struct fit_job *j = ctx;
	for (int task = t; task < 4; task += nt) {
		if (task == 0)
			batch_random_levels(j->s, j->rpairs, 0, j->nr / 2, j->rlv);
		else if (task == 2)
			batch_random_levels(j->s, j->rpairs, j->nr / 2, j->nr, j->rlv);
		else if (task == 1 && j->sessions)
			j->rc[1] = session_levels(j->s, j->link, MATCH_KEY_DOB, j->want, j->e, j->ne, &j->a);
		else if (task == 3 && j->sessions)
			j->rc[3] = session_levels(j->s, j->link, MATCH_KEY_NAMES, j->want, j->e, j->ne, &j->b);
	}
}

/* m and lambda from the two sessions, as described above. */
static void fit_from_sessions(const struct match_store *s, struct match_model *m, bool link,
			      const struct session *a, const struct session *b, int rc_em[1])
{
	const struct match_schema *sc = match_store_schema(s);
	int dob = -1, given = -1, family = -1, ident = -1;
	for (int f = 0; f < sc->n; f++) {
		if (sc->kind[f] == MK_DOB && dob < 0)
			dob = f;
		if (sc->kind[f] == MK_GIVEN && given < 0)
			given = f;
		if (sc->kind[f] == MK_FAMILY && family < 0)
			family = f;
		if (sc->kind[f] == MK_IDENT && ident < 0)
			ident = f;
	}
	struct match_model ma = *m, mb = *m;
	for (int f = 0; f < MATCH_MAX_FIELDS; f++)
		ma.tf[f] = mb.tf[f] = NULL;
	bool rule_a[MATCH_MAX_FIELDS] = {false}, rule_b[MATCH_MAX_FIELDS] = {false};
	rule_a[given] = rule_a[family] = true;
	rule_b[dob] = true;
	start_from_rule(&ma, a, rule_a, ident);
	start_from_rule(&mb, b, rule_b, ident);
	struct match_model rule_ma = ma, rule_mb = mb;
	/* Names, birth dates and identifiers decide; places and sex follow
	 * (sex goes with the given name, a postcode with its town). */
	bool evidence[MATCH_MAX_FIELDS], evidence_b[MATCH_MAX_FIELDS];
	int place = -1;
	for (int f = 0; f < sc->n; f++) {
		evidence[f] = sc->kind[f] == MK_GIVEN || sc->kind[f] == MK_FAMILY || sc->kind[f] == MK_DOB ||
			      sc->kind[f] == MK_IDENT;
		evidence_b[f] = evidence[f];
		if (place < 0 || (sc->kind[f] == MK_ADDRESS && sc->kind[place] != MK_ADDRESS))
			if (sc->kind[f] == MK_ADDRESS || sc->kind[f] == MK_TOWN || sc->kind[f] == MK_POSTCODE)
				place = f;
	}
	/* Among pairs with alike names the names are left out, and the birth
	 * date alone cannot tell matches from the rest (with u fixed, any
	 * share of matches fits one field's levels as well: EM wanders and
	 * never settles). One place, the address when there is one, is a
	 * second witness. */
	if (place >= 0)
		evidence_b[place] = true;
	int rc;
	if ((rc = match_model_em(&ma, a->lv, a->n, 200, 1e-6, false, evidence)) < 0 ||
	    (rc = match_model_em(&mb, b->lv, b->n, 200, 1e-6, false, evidence_b)) < 0) {
		rc_em[0] = rc;
		return;
	}
	/* EM that never settled is not trusted: the plain rule's estimate
	 * stands instead (and the run says so). */
	m->converged = ma.converged && mb.converged;
	m->fallback = !m->converged;
	int iterations = ma.iterations > mb.iterations ? ma.iterations : mb.iterations;
	if (!ma.converged)
		ma = rule_ma;
	if (!mb.converged)
		mb = rule_mb;
	for (int f = 0; f < sc->n; f++) {
		int L = match_levels(sc->kind[f]);
		for (int l = 1; l < L; l++) {
			if (a->ignore[f])
				m->m[f][l] = mb.m[f][l];
			else if (b->ignore[f])
				m->m[f][l] = ma.m[f][l];
			else
				m->m[f][l] = (ma.m[f][l] * (double)a->n + mb.m[f][l] * (double)b->n) / (double)(a->n + b->n);
		}
	}
	/* Matching pairs in the file: those found through the birth-date key,
	 * over the share of matches whose dates agree enough to share it. */
	double reach = mb.m[dob][1] + mb.m[dob][2];
	double matches = ma.lambda * a->all_pairs / (reach > 0.05 ? reach : 0.05);
	double n = (double)match_store_count(s);
	double pairs = link ? n * n / 4 : n * (n - 1) / 2;
	double lambda = pairs > 0 ? matches / pairs : 0.5;
	if (lambda < 1 / (pairs + 1))
		lambda = 1 / (pairs + 1);
	if (lambda > 0.5)
		lambda = 0.5;
	m->lambda = lambda;
	m->prior_w = log2(lambda / (1 - lambda));
	for (int f = 0; f < sc->n; f++) {
		int L = match_levels(sc->kind[f]);
		double best = -1e9;
		for (int l = 1; l < L; l++) {
			m->w[f][l] = log2(m->m[f][l] / m->u[f][l]);
			if (l > 1 && m->w[f][l] > best)
				best = m->w[f][l];
		}
		if (L > 2 && m->w[f][1] < best)
			m->w[f][1] = best;
		/* A partial agreement never counts for more than exact agreement. */
		for (int l = 2; l < L; l++)
			if (m->w[f][l] > m->w[f][1])
				m->w[f][l] = m->w[f][1];
	}
	m->iterations = iterations;
	m->pairs = a->n + b->n;
}

/* A move's weight: matches are the pairs of the birth-date session whose
 * names both agree (exactly, as a nickname or spelled alike). */
static int fit_moved(struct match_model *m, const struct session *a, const uint8_t *rlv, size_t nr)
{
	size_t nf = (size_t)m->n, n = 0;
	int g = -1, fam = -1;
	for (int f = m->n - 1; f >= 0; f--) {
		if (m->kind[f] == MK_GIVEN)
			g = f;
		else if (m->kind[f] == MK_FAMILY)
			fam = f;
	}
	uint8_t *lv = malloc((a->n ? a->n : 1) * nf);
	if (!lv)
		return ERR_NOMEM;
	for (size_t p = 0; p < a->n; p++) {
		const uint8_t *x = a->lv + p * nf;
		if (x[g] >= 1 && x[g] <= 3 && x[fam] >= 1 && x[fam] <= 3)
			memcpy(lv + nf * n++, x, nf);
	}
	if (n >= 50)
		match_model_moved(m, lv, n, rlv, nr);
	free(lv);
	return 0;
}

/* ---- households ----
 *
 * Do brothers and sisters share this file? Records with the same family
 * name and the same address whose given names differ outright are either
 * one child whose given name was badly garbled, or two children of one
 * household. Garbling leaves the birth date alone as a rule; siblings are
 * born a year or more apart. When most such pairs (with both birth dates
 * known) are a year or more apart, the file has households and the twin
 * and sibling safeguards apply (match_siblings); else they stay off, as on
 * files of unrelated people. */

struct fam_addr {
	uint64_t key;
	uint32_t rec;
};

static int fam_addr_cmp(const void *x, const void *y)
{
	const struct fam_addr *a = x, *b = y;
	return a->key != b->key ? (a->key < b->key ? -1 : 1) : (a->rec > b->rec) - (a->rec < b->rec);
}

static uint64_t str_key(uint64_t h, const char *v)
{
	for (; *v; v++)
		h = (h ^ (unsigned char)*v) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL;
}

/* Counts the pairs of a group of records sharing family name and address. */
static void household_group(const struct match_store *s, const struct fam_addr *g, size_t n, int gi, int di,
			    struct match_model *m)
{
	const char *pool = match_store_pool(s);
	if (n > 16)
		n = 16;
	for (size_t x = 0; x < n; x++)
		for (size_t y = x + 1; y < n; y++) {
			uint8_t lv[MATCH_MAX_FIELDS];
			const struct match_rec *a = match_store_rec(s, g[x].rec), *b = match_store_rec(s, g[y].rec);
			match_compare_names(s, a, pool, b, pool, lv);
			if (lv[gi] != match_levels(MK_GIVEN) - 1)
				continue;
			int d = match_field_level(s, a, pool, b, pool, di);
			if (d < 1 || d > 8)
				continue;
			m->household_pairs++;
			m->household_apart += d >= 6;
		}
}

static int count_households(const struct match_store *s, struct match_model *m)
{
	const struct match_schema *sc = match_store_schema(s);
	int gi = -1, fi = -1, di = -1, ai = -1, ti = -1;
	for (int f = sc->n - 1; f >= 0; f--) {
		if (sc->kind[f] == MK_GIVEN)
			gi = f;
		else if (sc->kind[f] == MK_FAMILY)
			fi = f;
		else if (sc->kind[f] == MK_DOB)
			di = f;
		else if (sc->kind[f] == MK_ADDRESS)
			ai = f;
		else if (sc->kind[f] == MK_TOWN)
			ti = f;
	}
	m->household_pairs = m->household_apart = 0;
	/* Without an address, the town stands for it; with neither, or
	 * without names and birth dates, the file cannot tell, and the
	 * safeguards stay on (match_model_init). */
	if (ai < 0)
		ai = ti;
	if (gi < 0 || fi < 0 || di < 0 || ai < 0)
		return 0;
	size_t n = match_store_count(s), k = 0;
	struct fam_addr *e = malloc((n ? n : 1) * sizeof *e);
	if (!e)
		return ERR_NOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const struct match_rec *r = match_store_rec(s, i);
		if (r->dead || !r->off[fi] || !r->off[ai])
			continue;
		const char *pool = match_store_pool(s);
		e[k++] = (struct fam_addr){str_key(str_key(1469598103934665603ULL, pool + r->off[fi]), pool + r->off[ai]), i};
	}
	qsort(e, k, sizeof *e, fam_addr_cmp);
	for (size_t i = 0, j; i < k; i = j) {
		for (j = i + 1; j < k && e[j].key == e[i].key; j++)
			;
		if (j - i > 1)
			household_group(s, e + i, j - i, gi, di, m);
	}
	free(e);
	m->households = m->household_apart >= 5 && 2 * m->household_apart > m->household_pairs;
	if (m->household_pairs < 10)
		m->households = true; /* too few to tell: the safeguards stay on */
	return 0;
}

/* u from random pairs, then m and lambda from the sessions; when the
 * schema lacks birth dates or either name (or the sessions found too few
 * pairs), classic EM of m, u and lambda over candidate pairs. e: the
 * records' keys of types MATCH_KEY_DOB and MATCH_KEY_NAMES at least. */
int batch_fit_model(const struct match_store *s, const struct entry *e, size_t ne, struct match_model *m,
		     bool link, size_t want, int threads)
{
	const struct match_schema *sc = match_store_schema(s);
	if (!want)
		want = 300000;
	match_model_init(m, sc);
	bool has[MK_COUNT] = {false};
	for (int f = 0; f < sc->n; f++)
		has[sc->kind[f]] = true;
	struct fit_job *j = calloc(1, sizeof *j);
	if (!j)
		return ERR_NOMEM;
	*j = (struct fit_job){.s = s, .link = link, .want = want, .e = e, .ne = ne};
	j->sessions = has[MK_DOB] && has[MK_GIVEN] && has[MK_FAMILY];
	for (int f = 0; f < sc->n; f++) {
		j->a.ignore[f] = sc->kind[f] == MK_DOB || sc->kind[f] == MK_AGE;
		j->b.ignore[f] = sc->kind[f] == MK_GIVEN || sc->kind[f] == MK_FAMILY;
	}
	int rc = batch_random_pairs(s, link, 300000, &j->rpairs, &j->nr);
	if (rc < 0)
		goto out;
	if (!(j->rlv = malloc((j->nr ? j->nr : 1) * (size_t)sc->n))) {
		rc = ERR_NOMEM;
		goto out;
	}
	batch_run_parts(threads < 4 ? threads : 4, fit_part, j);
	rc = j->rc[1] < 0 ? j->rc[1] : j->rc[3];
	if (rc < 0)
		goto out;
	match_model_u(m, j->rlv, j->nr);
	bool done = false;
	if (j->sessions && j->a.n >= 50 && j->b.n >= 50) {
		int rc_em[1] = {0};
		fit_from_sessions(s, m, link, &j->a, &j->b, rc_em);
		if ((rc = rc_em[0]) < 0)
			goto out;
		done = true;
		if ((rc = fit_moved(m, &j->a, j->rlv, j->nr)) < 0)
			goto out;
	}
	if (!done) {
		struct match_index *ix;
		uint8_t *lv = NULL;
		size_t nlv = 0;
		if ((rc = match_index_new(0, &ix)) < 0)
			goto out;
		if ((rc = match_index_build(ix, s)) == 0)
			rc = batch_sample_levels(s, ix, link, want, &lv, &nlv);
		match_index_free(ix);
		if (rc < 0)
			goto out;
		match_model_init(m, sc);
		rc = match_model_em(m, lv, nlv, 200, 1e-6, true, NULL);
		free(lv);
		if (rc < 0)
			goto out;
		if (!m->converged) {
			/* Never settled: the starting values, as for a file too
			 * small to fit on. */
			int it = m->iterations;
			match_model_init(m, sc);
			match_model_u(m, j->rlv, j->nr);
			m->iterations = it;
			m->fallback = true;
		}
	}
	if ((rc = count_households(s, m)) < 0)
		goto out;
	rc = match_model_tf(m, s);
out:
	free(j->rpairs);
	free(j->rlv);
	free(j->a.lv);
	free(j->b.lv);
	free(j);
	return rc;
}


int match_fit(const struct match_store *s, struct match_model *m, bool link, size_t want)
{
	struct entry *e;
	size_t ne;
	int threads = batch_cores(0);
	int rc = batch_sorted_keys(s, FIT_TYPES, threads, &e, &ne);
	if (rc < 0)
		return rc;
	rc = batch_fit_model(s, e, ne, m, link, want, threads);
	free(e);
	return rc;
}
