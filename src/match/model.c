/* The Fellegi-Sunter model: match weights, EM estimation of m and u, and
 * term-frequency adjustment. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "match/match.h"

struct match_tf {
	uint64_t *keys;
	uint32_t *counts;
	size_t cap; /* power of two */
	size_t total;
	double mean_p; /* sum of p_v^2: the frequency of an agreeing value, on average */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ? h : 1;
}

static uint32_t *tf_slot(struct match_tf *t, uint64_t key, bool create)
{
	size_t i = (key * 0x9E3779B97F4A7C15ULL) >> 20 & (t->cap - 1);
	for (;;) {
		if (t->keys[i] == key)
			return &t->counts[i];
		if (!t->keys[i]) {
			if (!create)
				return NULL;
			t->keys[i] = key;
			return &t->counts[i];
		}
		i = (i + 1) & (t->cap - 1);
	}
}

static void tf_free(struct match_tf *t)
{
	if (!t)
		return;
	free(t->keys);
	free(t->counts);
	free(t);
}

/* ---- starting values ---- */

void match_model_init(struct match_model *m, const struct match_schema *s)
{
	memset(m, 0, sizeof *m);
	m->n = s->n;
	for (int f = 0; f < s->n; f++) {
		m->kind[f] = s->kind[f];
		int L = match_levels(s->kind[f]);
		if (L < 2)
			continue;
		/* Agreement levels in order, then "different" (the last level,
		 * but for birth dates, whose "age agrees" comes after it). */
		int differ = s->kind[f] == MK_DOB ? 8 : L - 1;
		double msum = 0, usum = 0;
		for (int l = 1; l < L; l++) {
			if (l == differ) {
				m->m[f][l] = 0.02;
				m->u[f][l] = 0.9;
			} else if (s->kind[f] == MK_DOB && l == 9) {
				m->m[f][l] = 0.3; /* age agrees */
				m->u[f][l] = 0.06;
			} else {
				m->m[f][l] = pow(0.4, l - 1);
				m->u[f][l] = 0.01 * pow(2.0, l - 1);
			}
			msum += m->m[f][l];
			usum += m->u[f][l];
		}
		for (int l = 1; l < L; l++) {
			m->m[f][l] /= msum;
			m->u[f][l] /= usum;
			m->w[f][l] = log2(m->m[f][l] / m->u[f][l]);
		}
	}
	m->lambda = 0.05;
	m->prior_w = log2(m->lambda / (1 - m->lambda));
	m->households = true;
	m->moved_w = -1e9; /* no bonus until fitted */
}

void match_model_done(struct match_model *m)
{
	for (int f = 0; f < MATCH_MAX_FIELDS; f++) {
		tf_free(m->tf[f]);
		m->tf[f] = NULL;
	}
}

/* ---- EM ---- */

struct pattern {
	uint8_t lv[MATCH_MAX_FIELDS];
	double count;
};

/* Identical level vectors are counted once: EM then runs over a few
 * thousand patterns instead of millions of pairs. */
static int collect_patterns(const uint8_t *levels, size_t npairs, int n, struct pattern **ret, size_t *ret_n)
{
	size_t cap = 1;
	while (cap < 4 * npairs && cap < (1u << 22))
		cap <<= 1;
	if (cap < 1024)
		cap = 1024;
	uint64_t *keys = calloc(cap, sizeof *keys);
	uint32_t *idx = malloc(cap * sizeof *idx);
	struct pattern *pats = NULL;
	size_t np = 0, pcap = 0;
	int rc = 0;
	if (!keys || !idx) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (size_t p = 0; p < npairs; p++) {
		const uint8_t *lv = levels + p * (size_t)n;
		uint64_t h = 1469598103934665603ULL;
		for (int f = 0; f < n; f++)
			h = (h ^ lv[f]) * 1099511628211ULL;
		h |= 1;
		size_t i = h & (cap - 1);
		for (;;) {
			if (keys[i] == h && memcmp(pats[idx[i]].lv, lv, (size_t)n) == 0) {
				pats[idx[i]].count += 1;
				break;
			}
			if (!keys[i]) {
				if (np == pcap) {
					pcap = pcap ? pcap * 2 : 1024;
					struct pattern *q = realloc(pats, pcap * sizeof *q);
					if (!q) {
						rc = ERR_NOMEM;
						goto out;
					}
					pats = q;
				}
				if (np >= cap / 2) { /* table full: keep the pattern apart */
					memset(pats[np].lv, 0, sizeof pats[np].lv);
					memcpy(pats[np].lv, lv, (size_t)n);
					pats[np++].count = 1;
					break;
				}
				keys[i] = h;
				idx[i] = (uint32_t)np;
				memset(pats[np].lv, 0, sizeof pats[np].lv);
				memcpy(pats[np].lv, lv, (size_t)n);
				pats[np++].count = 1;
				break;
			}
			i = (i + 1) & (cap - 1);
		}
	}
out:
	free(keys);
	free(idx);
	if (rc < 0) {
		free(pats);
		return rc;
	}
	*ret = pats;
	*ret_n = np;
	return 0;
}

void match_model_u(struct match_model *m, const uint8_t *levels, size_t npairs)
{
	for (int f = 0; f < m->n; f++) {
		int L = match_levels(m->kind[f]);
		if (L < 2)
			continue;
		double c[MATCH_MAX_LEVELS] = {0}, total = 0;
		for (size_t p = 0; p < npairs; p++) {
			uint8_t l = levels[p * (size_t)m->n + (size_t)f];
			if (l) {
				c[l] += 1;
				total += 1;
			}
		}
		if (total < 1)
			continue;
		/* A level never seen among random pairs gets half a pair's worth. */
		double sum = 0;
		for (int l = 1; l < L; l++)
			sum += c[l] + 0.5;
		for (int l = 1; l < L; l++)
			m->u[f][l] = (c[l] + 0.5) / sum;
	}
}

/* E step: the probability that each pattern is a match, by the fields
 * of evidence; returns the log-likelihood of the patterns under the
 * current parameters (that of those fields, the rest follow). */
static double em_expect(const struct match_model *m, const int *L, const struct pattern *pats, size_t np,
			const bool *evidence, double *post)
{
	double lm_f[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS], lu_f[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS];
	for (int f = 0; f < m->n; f++)
		for (int l = 1; l < L[f]; l++) {
			lm_f[f][l] = log(m->m[f][l]);
			lu_f[f][l] = log(m->u[f][l]);
		}
	double ll = 0, lpm = log(m->lambda), lpu = log(1 - m->lambda);
	for (size_t p = 0; p < np; p++) {
		double lm = lpm, lu = lpu;
		for (int f = 0; f < m->n; f++) {
			uint8_t l = pats[p].lv[f];
			if (l && (!evidence || evidence[f])) {
				lm += lm_f[f][l];
				lu += lu_f[f][l];
			}
		}
		double w = lm - lu, hi = fmax(lm, lu);
		ll += pats[p].count * (hi + log(exp(lm - hi) + exp(lu - hi)));
		post[p] = w > 40 ? 1.0 : w < -40 ? 0.0 : 1.0 / (1.0 + exp(-w));
	}
	return ll;
}

/* M step: new m (and u when fit_u) and lambda from the posteriors, with a
 * little smoothing so that no level ever gets probability 0; returns the
 * largest change of any of them. */
static double em_maximise(struct match_model *m, const int *L, const struct pattern *pats, size_t np,
			  const double *post, bool fit_u)
{
	double mc[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS] = {{0}}, uc[MATCH_MAX_FIELDS][MATCH_MAX_LEVELS] = {{0}};
	double total = 0, matches = 0;
	for (size_t p = 0; p < np; p++) {
		double c = pats[p].count, pm = post[p] * c, pu = (1 - post[p]) * c;
		total += c;
		matches += pm;
		for (int f = 0; f < m->n; f++) {
			uint8_t l = pats[p].lv[f];
			if (l) {
				mc[f][l] += pm;
				uc[f][l] += pu;
			}
		}
	}
	double change = 0;
	for (int f = 0; f < m->n; f++) {
		if (L[f] < 2)
			continue;
		double ms = 0, us = 0;
		for (int l = 1; l < L[f]; l++) {
			mc[f][l] += 0.5;
			uc[f][l] += 0.5;
			ms += mc[f][l];
			us += uc[f][l];
		}
		for (int l = 1; l < L[f]; l++) {
			double nm = mc[f][l] / ms, nu = uc[f][l] / us;
			change = fmax(change, fabs(nm - m->m[f][l]));
			m->m[f][l] = nm;
			if (fit_u) {
				change = fmax(change, fabs(nu - m->u[f][l]));
				m->u[f][l] = nu;
			}
		}
	}
	double nl = matches / total;
	if (nl < 1e-9)
		nl = 1e-9;
	if (nl > 1 - 1e-9)
		nl = 1 - 1e-9;
	change = fmax(change, fabs(nl - m->lambda));
	m->lambda = nl;
	return change;
}

int match_model_em(struct match_model *m, const uint8_t *levels, size_t npairs, int max_iter, double tol,
		   bool fit_u, const bool *evidence)
{
	m->converged = npairs == 0;
	if (npairs == 0)
		return 0;
	struct pattern *pats;
	size_t np;
	int rc = collect_patterns(levels, npairs, m->n, &pats, &np);
	if (rc < 0)
		return rc;
	double *post = malloc(np * sizeof *post);
	if (!post) {
		free(pats);
		return ERR_NOMEM;
	}
	int L[MATCH_MAX_FIELDS];
	for (int f = 0; f < m->n; f++)
		L[f] = match_levels(m->kind[f]);
	/* Settled when no parameter moves by tol, or when an iteration adds
	 * less than MATCH_EM_LL_TOL of the log-likelihood: EM climbs it at
	 * every step, and a climb that small is a ridge, not a summit ahead. */
	double ll_prev = 0;
	int it;
	for (it = 0; it < max_iter; it++) {
		double ll = em_expect(m, L, pats, np, evidence, post);
		bool flat = it > 0 && ll - ll_prev <= MATCH_EM_LL_TOL * fabs(ll);
		ll_prev = ll;
		if (flat) {
			m->converged = true;
			break;
		}
		double change = em_maximise(m, L, pats, np, post, fit_u);
		if (change < tol) {
			it++;
			m->converged = true;
			break;
		}
	}
	/* A level that says a pair is less likely a match than a level below
	 * it would be EM reading noise: keep exact agreement the strongest. */
	for (int f = 0; f < m->n; f++) {
		double best = -1e9;
		for (int l = 1; l < L[f]; l++) {
			m->w[f][l] = log2(m->m[f][l] / m->u[f][l]);
			if (l > 1 && m->w[f][l] > best)
				best = m->w[f][l];
		}
		if (L[f] > 2 && m->w[f][1] < best)
			m->w[f][1] = best;
	}
	m->prior_w = log2(m->lambda / (1 - m->lambda));
	m->iterations = it;
	m->pairs = npairs;
	free(post);
	free(pats);
	return 0;
}

/* ---- term frequencies ---- */

static bool tf_kind(enum match_kind k)
{
	return k == MK_GIVEN || k == MK_FAMILY || k == MK_TOWN || k == MK_POSTCODE || k == MK_ADDRESS ||
	       k == MK_OTHER;
}

struct tf_job {
	const struct match_store *s;
	int f;
	struct match_tf *t;
	int rc;
};

static void *tf_count(void *arg)
{
	struct tf_job *j = arg;
	size_t n = match_store_count(j->s);
	struct match_tf *t = calloc(1, sizeof *t);
	if (!t) {
		j->rc = ERR_NOMEM;
		return NULL;
	}
	t->cap = 1024;
	while (t->cap < 2 * n + 2)
		t->cap <<= 1;
	t->keys = calloc(t->cap, sizeof *t->keys);
	t->counts = calloc(t->cap, sizeof *t->counts);
	if (!t->keys || !t->counts) {
		tf_free(t);
		j->rc = ERR_NOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		const char *v = match_store_value(j->s, i, j->f);
		if (!*v || match_store_rec(j->s, i)->dead)
			continue;
		(*tf_slot(t, hash_str(v), true))++;
		t->total++;
	}
	double sum = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->keys[i]) {
			double p = (double)t->counts[i] / (double)t->total;
			sum += p * p;
		}
	t->mean_p = sum;
	j->t = t;
	return NULL;
}

int match_model_tf(struct match_model *m, const struct match_store *s)
{
	/* Each field is counted on its own thread. */
	struct tf_job jobs[MATCH_MAX_FIELDS];
	pthread_t tid[MATCH_MAX_FIELDS];
	bool started[MATCH_MAX_FIELDS] = {false};
	int rc = 0;
	for (int f = 0; f < m->n; f++) {
		tf_free(m->tf[f]);
		m->tf[f] = NULL;
		jobs[f] = (struct tf_job){s, f, NULL, 0};
		if (tf_kind(m->kind[f]))
			started[f] = pthread_create(&tid[f], NULL, tf_count, &jobs[f]) == 0;
	}
	for (int f = 0; f < m->n; f++) {
		if (!tf_kind(m->kind[f]))
			continue;
		if (started[f])
			pthread_join(tid[f], NULL);
		else
			tf_count(&jobs[f]);
		m->tf[f] = jobs[f].t;
		if (jobs[f].rc < 0)
			rc = jobs[f].rc;
	}
	return rc;
}

/* Extra weight for exact agreement on value v: rarer than the average
 * agreeing value counts more, commoner less. */
static double tf_adjust(const struct match_tf *t, const char *v)
{
	if (!t || !t->total || t->mean_p <= 0)
		return 0;
	uint32_t *c = tf_slot((struct match_tf *)t, hash_str(v), false);
	double count = c && *c ? *c : 1;
	double p = count / (double)t->total;
	double adj = log2(t->mean_p / p);
	return adj < -3 ? -3 : adj > 5 ? 5 : adj;
}

double match_tf_adjust(const struct match_model *m, int f, const char *v)
{
	return tf_adjust(m->tf[f], v);
}

void match_model_bounds(const struct match_model *m, double max_w[MATCH_MAX_FIELDS])
{
	for (int f = 0; f < MATCH_MAX_FIELDS; f++) {
		max_w[f] = 0;
		if (f >= m->n)
			continue;
		int L = match_levels(m->kind[f]);
		for (int l = 1; l < L; l++) {
			double w = m->w[f][l] + (l == 1 && m->tf[f] ? 5 : 0);
			if (w > max_w[f])
				max_w[f] = w;
		}
	}
}

/* ---- two children, not one ---- */

enum match_siblings match_siblings(const struct match_model *m, const uint8_t levels[MATCH_MAX_FIELDS])
{
	int g = -1, fam = -1, dob = -1;
	if (!m->households)
		return MATCH_ONE_CHILD;
	for (int f = 0; f < m->n; f++) {
		if (m->kind[f] == MK_IDENT && levels[f] == 1)
			return MATCH_ONE_CHILD; /* the agency's own number says one child */
		if (m->kind[f] == MK_GIVEN && g < 0)
			g = f;
		else if (m->kind[f] == MK_FAMILY && fam < 0)
			fam = f;
		else if (m->kind[f] == MK_DOB && dob < 0)
			dob = f;
	}
	if (g < 0 || fam < 0)
		return MATCH_ONE_CHILD;
	/* Given names that differ outright: not a nickname, not spelled or
	 * sounding alike, not an initial (the last level); family names that
	 * agree (exactly, a compound part, or spelled alike). */
	if (levels[g] != match_levels(MK_GIVEN) - 1 || levels[fam] < 1 || levels[fam] > 3)
		return MATCH_ONE_CHILD;
	if (dob >= 0 && (levels[dob] == 1 || levels[dob] == 2))
		return MATCH_TWINS;
	return MATCH_SIBLINGS;
}

static bool is_place(enum match_kind k)
{
	return k == MK_TOWN || k == MK_POSTCODE || k == MK_ADDRESS;
}

/* Is lv a move: every known place field (at least two) different? */
static bool is_move(const struct match_model *m, const uint8_t *lv)
{
	int known = 0;
	for (int f = 0; f < m->n; f++) {
		if (!is_place(m->kind[f]) || !lv[f])
			continue;
		if (lv[f] != match_levels(m->kind[f]) - 1)
			return false; /* one place agrees at least in part */
		known++;
	}
	return known >= 2;
}

/* The bonus for levels lv: the move's own weight less what the place
 * fields would take off one by one, when that is more. *sum (may be NULL)
 * gets what they take off. */
static double moved_bonus(const struct match_model *m, const uint8_t *lv, double *sum)
{
	if (!is_move(m, lv))
		return 0;
	double t = 0;
	for (int f = 0; f < m->n; f++)
		if (is_place(m->kind[f]) && lv[f])
			t += m->w[f][lv[f]];
	if (sum)
		*sum = t;
	return m->moved_w > t ? m->moved_w - t : 0;
}

double match_moved_bonus(const struct match_model *m, const uint8_t levels[MATCH_MAX_FIELDS])
{
	return moved_bonus(m, levels, NULL);
}

double match_moved_bonus_max(const struct match_model *m)
{
	double t = 0;
	for (int f = 0; f < m->n; f++)
		if (is_place(m->kind[f]))
			t += fmin(0, m->w[f][match_levels(m->kind[f]) - 1]);
	return m->moved_w > t ? m->moved_w - t : 0;
}

void match_model_moved(struct match_model *m, const uint8_t *matches, size_t nm, const uint8_t *random, size_t nr)
{
	double cm[2] = {0}, cu[2] = {0};
	for (size_t p = 0; p < nm; p++)
		cm[is_move(m, matches + p * (size_t)m->n)]++;
	for (size_t p = 0; p < nr; p++)
		cu[is_move(m, random + p * (size_t)m->n)]++;
	/* Counted over every pair: the share of matches, and of random pairs,
	 * that look like a move. */
	double pm = (cm[1] + 0.5) / (cm[0] + cm[1] + 1), pu = (cu[1] + 0.5) / (cu[0] + cu[1] + 1);
	m->moved_w = log2(pm / pu);
}

double match_weight(const struct match_model *m, const struct match_store *s, const struct match_rec *a,
		    const char *pa, const uint8_t levels[MATCH_MAX_FIELDS], double explain[MATCH_MAX_FIELDS])
{
	double w = m->prior_w;
	for (int f = 0; f < m->n; f++) {
		double fw = 0;
		if (levels[f]) {
			fw = m->w[f][levels[f]];
			if (levels[f] == 1 && m->tf[f])
				fw += tf_adjust(m->tf[f], pa + a->off[f]);
		}
		if (explain)
			explain[f] = fw;
		w += fw;
	}
	double places = 0, moved = moved_bonus(m, levels, &places);
	if (moved > 0) {
		/* The move's weight goes to the first place field. */
		w += moved;
		bool first = true;
		for (int f = 0; explain && f < m->n; f++)
			if (is_place(m->kind[f]) && levels[f]) {
				explain[f] = first ? places + moved : 0;
				first = false;
			}
	}
	if (w > MATCH_SIBLINGS_W && match_siblings(m, levels) != MATCH_ONE_CHILD) {
		/* The excess is taken from the given name, which tells them apart. */
		for (int f = 0; explain && f < m->n; f++)
			if (m->kind[f] == MK_GIVEN) {
				explain[f] -= w - MATCH_SIBLINGS_W;
				break;
			}
		w = MATCH_SIBLINGS_W;
	}
	(void)s;
	return w;
}

double match_probability(double weight)
{
	if (weight > 60)
		return 1.0;
	if (weight < -60)
		return 0.0;
	return 1.0 / (1.0 + exp2(-weight));
}
