/* gen/typo: keyboard typos, the corruption a duplicate most often has. */
#include "match/gen/gen_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- Corruptions ---- */

/* clang-format off */
static const char *const keyboard[26] = {
	"qwsz", "vghn", "xdfv", "serfcx", "wrsd", "drtgvc", "ftyhbv", "gyujnb", "ujko", "huikmn", "jiolm",
	"kop", "njk", "bhjm", "iplk", "ol", "wa", "etdf", "awedxz", "ryfg", "yihj", "cfgb", "qeas",
	"zsdc", "tugh", "asx",
};
static const char *const keypad[10] = {"9", "2", "13", "24", "35", "46", "57", "68", "79", "80"};

/* clang-format on */

static const char *neighbours(char c)
{
	if (c >= 'a' && c <= 'z')
		return keyboard[c - 'a'];
	if (c >= '0' && c <= '9')
		return keypad[c - '0'];
	return NULL;
}

/* One keyboard typo: a neighbour substituted or inserted (or a doubled
 * key), a deletion, or two adjacent characters transposed. */
static void typo_once(struct rng *g, char *s, size_t cap)
{
	size_t n = strlen(s);
	if (n == 0)
		return;
	for (int tries = 0; tries < 16; tries++) {
		uint64_t op = gen_rng_below(g, 4);
		size_t pos = gen_rng_below(g, n);
		const char *nb = neighbours(s[pos]);
		if (op == 2 && n < 3)
			op = 0;
		if (op == 1 && n + 2 > cap)
			op = 0;
		switch (op) {
		case 0: /* substitution */
			if (!nb)
				continue;
			s[pos] = nb[gen_rng_below(g, strlen(nb))];
			return;
		case 1: /* insertion, after pos */
			if (!nb)
				continue;
			memmove(s + pos + 2, s + pos + 1, n - pos); /* with the NUL */
			s[pos + 1] = gen_rng_below(g, 3) ? nb[gen_rng_below(g, strlen(nb))] : s[pos];
			return;
		case 2: /* deletion */
			if (!nb)
				continue;
			memmove(s + pos, s + pos + 1, n - pos);
			return;
		default: /* transposition */
			if (pos + 1 >= n || s[pos] == s[pos + 1])
				continue;
			char t = s[pos];
			s[pos] = s[pos + 1];
			s[pos + 1] = t;
			return;
		}
	}
}

/* One or two typos (three in the rare case two cancel out), so the field
 * always ends up different. */
void gen_typo(struct rng *g, char *s, size_t cap)
{
	char before[ADDR_CAP];
	gen_put_str(before, sizeof before, 0, s);
	int edits = gen_rng_below(g, 4) ? 1 : 2;
	for (int i = 0; i < edits; i++)
		typo_once(g, s, cap);
	if (strcmp(before, s) == 0)
		typo_once(g, s, cap);
}

/* Choose 1-3 corruptions with inclusion probabilities exactly q[i]: random
 * systematic sampling (Madow) over the blocks in random order. Each item
 * owns an interval of length q[i] on a line; points U, U+1, U+2 pick the
 * items they fall in. As the lengths sum to S, 1 <= S <= 3 gives 1-3 picks,
 * and two corruptions of one block (lengths summing to at most 1) are never
 * picked together. To vary the count while keeping the marginals, each
 * duplicate scales q by a "light" factor a < 1 or a "heavy" b > 1, mixed
 * so that the mean factor is 1. When S < 1 the q are scaled up to exactly
 * one pick; when S > 3 or a block's sum is above 1 they are scaled down. */
