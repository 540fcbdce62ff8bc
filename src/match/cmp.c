#include "match/cmp.h"
#include "base/clock.h"

#include <string.h>
#include <time.h>

/* Strings are compared on at most their first CMP_MAX_LEN bytes. */
static size_t cut_len(const char *s)
{
	size_t n = 0;
	while (n < CMP_MAX_LEN && s[n])
		n++;
	return n;
}

/* ---- Jaro-Winkler ---- */

double cmp_jaro_winkler(const char *a, const char *b)
{
	if (!a || !b)
		return 0.0;
	size_t la = cut_len(a), lb = cut_len(b);
	if (la == 0 || lb == 0)
		return 0.0;
	if (la == lb && memcmp(a, b, la) == 0)
		return 1.0;

	/* Characters match when equal and no further apart than the window;
	 * each character of b is used once. Matched positions are bits, as
	 * both strings are at most 64 bytes. */
	size_t longest = la > lb ? la : lb;
	size_t window = longest / 2 > 0 ? longest / 2 - 1 : 0;
	uint64_t ma = 0, mb = 0;
	size_t m = 0;
	for (size_t i = 0; i < la; i++) {
		size_t lo = i > window ? i - window : 0;
		size_t hi = i + window + 1 < lb ? i + window + 1 : lb;
		char c = a[i];
		for (size_t j = lo; j < hi; j++) {
			if (b[j] == c && !(mb >> j & 1)) {
				mb |= (uint64_t)1 << j;
				ma |= (uint64_t)1 << i;
				m++;
				break;
			}
		}
	}
	if (m == 0)
		return 0.0;

	/* Half the matched characters that are out of order. */
	size_t half = 0;
	uint64_t ra = ma, rb = mb;
	while (ra) {
		int i = __builtin_ctzll(ra), j = __builtin_ctzll(rb);
		half += a[i] != b[j];
		ra &= ra - 1;
		rb &= rb - 1;
	}
	double dm = (double)m;
	double jaro = (dm / (double)la + dm / (double)lb + (dm - (double)(half / 2)) / dm) / 3.0;
	if (jaro <= 0.7)
		return jaro;

	size_t prefix = 0;
	size_t shorter = la < lb ? la : lb;
	while (prefix < 4 && prefix < shorter && a[prefix] == b[prefix])
		prefix++;
	return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

/* ---- Damerau-Levenshtein (optimal string alignment) ----
 *
 * Myers' bit-vector edit distance with Hyyro's transposition term. The
 * pattern p (m <= 64 bytes) is down the rows, one bit per row; each byte of
 * the text t is a column. VP/VN hold the vertical deltas (+1/-1) of the
 * current column, and score follows the last row, D[m][j]. A transposition
 * of p[i-1]p[i] with t[j-1]t[j] is a diagonal step of two cells: possible
 * where p[i] = t[j-1] (the previous column's match mask, shifted up one
 * row), p[i-1] = t[j], and the cell before it was not already a zero
 * diagonal step (~D0 of the previous column). */
static int osa_bits(const unsigned char *p, size_t m, const unsigned char *t, size_t n, int max)
{
	uint64_t peq[256];

	/* Only the entries that will be read are set: no 2 KB clear. */
	for (size_t i = 0; i < n; i++)
		peq[t[i]] = 0;
	for (size_t i = 0; i < m; i++)
		peq[p[i]] = 0;
	for (size_t i = 0; i < m; i++)
		peq[p[i]] |= (uint64_t)1 << i;

	uint64_t vp = ~(uint64_t)0, vn = 0, d0 = 0, prev_eq = 0;
	uint64_t last = (uint64_t)1 << (m - 1);
	int score = (int)m;
	for (size_t j = 0; j < n; j++) {
		uint64_t eq = peq[t[j]];
		uint64_t tr = ((~d0 & eq) << 1) & prev_eq;
		d0 = (((eq & vp) + vp) ^ vp) | eq | vn | tr;
		uint64_t hp = vn | ~(d0 | vp);
		uint64_t hn = vp & d0;
		score += (hp & last) != 0;
		score -= (hn & last) != 0;
		/* The distance at the end is at least this column's value less
		 * the columns left: once that exceeds max, stop. */
		if (score - (int)(n - 1 - j) > max)
			return max + 1;
		hp = (hp << 1) | 1;
		hn <<= 1;
		vp = hn | ~(d0 | hp);
		vn = hp & d0;
		prev_eq = eq;
	}
	return score;
}

int cmp_damerau_levenshtein_max(const char *a, const char *b, int max)
{
	if (max < 0)
		max = 0;
	if (!a)
		a = "";
	if (!b)
		b = "";
	size_t la = cut_len(a), lb = cut_len(b);

	/* A common prefix and suffix cost nothing; strip them (names that
	 * differ in one place are the common case, and this leaves little). */
	while (la && lb && *a == *b) {
		a++;
		b++;
		la--;
		lb--;
	}
	while (la && lb && a[la - 1] == b[lb - 1]) {
		la--;
		lb--;
	}
	size_t diff = la > lb ? la - lb : lb - la;
	if (diff > (size_t)max)
		return max + 1;
	if (la == 0 || lb == 0) {
		/* diff <= max here */
		return (int)diff;
	}
	/* The shorter one is the text: fewer columns. */
	if (la < lb)
		return osa_bits((const unsigned char *)b, lb, (const unsigned char *)a, la, max);
	return osa_bits((const unsigned char *)a, la, (const unsigned char *)b, lb, max);
}

int cmp_damerau_levenshtein(const char *a, const char *b)
{
	return cmp_damerau_levenshtein_max(a, b, CMP_MAX_LEN);
}

/* ---- phonetic key ----
 *
 * Written for English-language given names and surnames. The rules, in
 * the order they are tried at each letter:
 *
 *   - only letters count (spaces, digits and the rest are skipped);
 *   - at the start, KN GN PN -> N, WR -> R, PS -> S, WH -> W, X -> S;
 *   - the first letter, if a vowel, is kept (A E I O U; Y before a
 *     consonant is I); later vowels, Y and W are dropped but separate
 *     doubled consonants ("nana" keeps both Ns, "anna" one);
 *   - H is kept only at the start; elsewhere it is silent;
 *   - PH V -> F; Q CK -> K; X -> KS; Z -> S; TZ -> S;
 *   - C before E I Y -> S; CH at the start before a vowel -> X (Charles,
 *     Charlotte), any other CH -> K (Chris, Chloe, Nicholas, Michael);
 *     TCH -> X; other C -> K;
 *   - SH SCH -> S (so Sean and Shaun agree, and Schmidt may meet Smith);
 *   - TH -> T (Katherine, Kathryn, Catherine agree);
 *   - DG before E I Y -> J; DT -> T;
 *   - G before E I Y -> J (Gillian/Jillian, Geoffrey/Jeffrey) unless
 *     doubled (Maggie); GH at the start -> G, after I or U silent (Leigh,
 *     Hugh, Vaughan, Dougherty), elsewhere G (Meghan);
 *   - a final S after at least three letters is dropped (Jones, Chris);
 *   - a consonant code equal to the one just written is written once.
 *
 * The key is at most CMP_PHONETIC_MAX - 1 upper-case letters. */

static bool is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static bool is_front(char c)
{
	return c == 'e' || c == 'i' || c == 'y';
}

struct key {
	char *out;
	size_t len;
	char last; /* the code just written, or 0 after a vowel */
};

static void key_put(struct key *k, char code)
{
	if (code == k->last || k->len >= CMP_PHONETIC_MAX - 1)
		return;
	k->out[k->len++] = code;
	k->last = code;
}

/* The ASCII letters of name, lower-cased, at most CMP_MAX_LEN: how many. */
static size_t phonetic_letters(const char *name, char w[CMP_MAX_LEN + 1])
{
	size_t n = 0;
	for (const char *p = name; *p && n < CMP_MAX_LEN; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c >= 'a' && c <= 'z')
			w[n++] = c;
	}
	w[n] = '\0';
	return n;
}

/* The opening of the word, which sounds unlike the same letters inside
 * it: writes its code and returns where the rest starts. */
static size_t phonetic_opening(const char *w, size_t n, struct key *k)
{
	/* Silent or simplified openings. */
	if (n >= 2) {
		char c0 = w[0], c1 = w[1];
		if (((c0 == 'k' || c0 == 'g' || c0 == 'p') && c1 == 'n') || (c0 == 'w' && c1 == 'r') ||
		    (c0 == 'p' && c1 == 's'))
			return 1;
		if (c0 == 'w' && c1 == 'h') {
			key_put(k, 'W');
			return 2;
		}
	}
	char c0 = w[0];
	if (is_vowel(c0)) {
		key_put(k, (char)(c0 - 'a' + 'A'));
		k->last = 0;
		return 1;
	}
	if (c0 == 'y') {
		bool yvowel = is_vowel(w[1]);
		key_put(k, yvowel ? 'Y' : 'I'); /* Yvonne as Ivonne */
		if (!yvowel)
			k->last = 0;
		return 1;
	}
	static const struct {
		char c0, c1, code;
		bool vowel_after; /* the opening is c0 c1 before a vowel */
	} openings[] = {
		{'w', 0, 'W', false}, {'h', 0, 'H', false}, {'x', 0, 'S', false},
		{'c', 'h', 'X', true}, {'g', 'h', 'G', false},
	};
	for (size_t j = 0; j < sizeof openings / sizeof *openings; j++) {
		if (openings[j].c0 != c0 || (openings[j].c1 && w[1] != openings[j].c1) ||
		    (openings[j].vowel_after && !is_vowel(w[2])))
			continue;
		key_put(k, openings[j].code);
		return openings[j].c1 ? 2 : 1;
	}
	return 0;
}

/* Consonants that always sound alike: their code, by letter; 0 for the
 * ones that depend on their neighbours. */
static const char plain_code[26] = {
	['b' - 'a'] = 'B', ['f' - 'a'] = 'F', ['v' - 'a'] = 'F', ['j' - 'a'] = 'J', ['k' - 'a'] = 'K',
	['q' - 'a'] = 'K', ['l' - 'a'] = 'L', ['m' - 'a'] = 'M', ['n' - 'a'] = 'N', ['r' - 'a'] = 'R',
	['z' - 'a'] = 'S',
};

/* The code of w[i] in its context (0 for none), and in *step how many
 * letters it stands for. w[n] is NUL, and w[i + 2] is read only when
 * w[i + 1] is a letter, so the look-ahead stays inside w. */
static char phonetic_code(const char *w, size_t n, size_t i, struct key *k, size_t *step)
{
	char c = w[i], next = w[i + 1];
	char after = next ? w[i + 2] : '\0';
	*step = 1;
	if (plain_code[c - 'a'])
		return plain_code[c - 'a'];
	switch (c) {
	case 'c':
		if (next == 'h')
			*step = 2;
		return next != 'h' && is_front(next) ? 'S' : 'K';
	case 'd':
		if (next == 'g' && is_front(after)) {
			*step = 2;
			return 'J';
		}
		return next != 't' ? 'D' : 0;
	case 'g':
		if (next == 'h') {
			*step = 2;
			return i > 0 && (w[i - 1] == 'i' || w[i - 1] == 'u') ? 0 : 'G';
		}
		return is_front(next) && !(i > 0 && w[i - 1] == 'g') ? 'J' : 'G';
	case 'p':
		if (next == 'h')
			*step = 2;
		return next == 'h' ? 'F' : 'P';
	case 's':
		if (next == 'c' && after == 'h')
			*step = 3;
		else if (next == 'h')
			*step = 2;
		else if (i + 1 == n && i >= 3 && w[i - 1] != 's')
			return 0; /* a final S: plural-like endings vary */
		return 'S';
	case 't':
		if (next == 'h' || next == 'z' || (next == 'c' && after == 'h'))
			*step = next == 'c' ? 3 : 2;
		return next == 'z' ? 'S' : next == 'c' && after == 'h' ? 'X' : 'T';
	case 'x':
		key_put(k, 'K');
		return 'S';
	case 'h':
		return 0;
	default: /* a vowel, or y or w: the next consonant is written again */
		k->last = 0;
		return 0;
	}
}

void cmp_phonetic(const char *name, char out[CMP_PHONETIC_MAX])
{
	char w[CMP_MAX_LEN + 1];
	out[0] = '\0';
	if (!name)
		return;
	size_t n = phonetic_letters(name, w);
	if (n == 0)
		return;
	struct key k = {out, 0, 0};
	size_t i = phonetic_opening(w, n, &k);
	while (i < n && k.len < CMP_PHONETIC_MAX - 1) {
		size_t step;
		char code = phonetic_code(w, n, i, &k, &step);
		if (code)
			key_put(&k, code);
		i += step;
	}
	out[k.len] = '\0';
}

/* ---- dates ---- */

static bool date_valid(const struct cmp_date *d)
{
	return d->y >= 1 && d->y <= 9999 && d->m >= 1 && d->m <= 12 && d->d >= 1 &&
	       d->d <= civil_days_in_month(d->y, d->m);
}

/* Days from 0001-01-01 to the first of January of year y (y >= 1). */
static int64_t days_before_year(int64_t y)
{
	int64_t p = y - 1;
	return p * 365 + p / 4 - p / 100 + p / 400;
}

static int days_before_month(int y, int m)
{
	static const int cum[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	return cum[m - 1] + (m > 2 && civil_is_leap(y));
}

int64_t cmp_date_days(const struct cmp_date *d)
{
	if (!d || !date_valid(d))
		return 0;
	return days_before_year(d->y) - days_before_year(1970) + days_before_month(d->y, d->m) + (d->d - 1);
}

/* Read between min and max digits (fewer than max only when a non-digit
 * follows) into *ret. */
static const char *read_num(const char *s, int min, int max, int *ret)
{
	int v = 0, n = 0;
	while (n < max && s[n] >= '0' && s[n] <= '9') {
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (n < min)
		return NULL;
	*ret = v;
	return s + n;
}

static bool parse_with(const char *s, const char *f, struct cmp_date *ret)
{
	struct cmp_date d = {0, 0, 0};
	bool have_y = false, have_m = false, have_d = false;

	bool after_field = false; /* the last thing matched was a %Y, %m or %d */
	while (*f) {
		if (*f != '%' || f[1] == '%') {
			if (*s != *f)
				return false;
			s++;
			f += *f == '%' ? 2 : 1;
			after_field = false;
			continue;
		}
		char dir = f[1];
		if (dir != 'Y' && dir != 'm' && dir != 'd')
			return false;
		/* A month or day right next to another field must have two
		 * digits: "%Y%m%d" reads "2026115" as nothing, not as a guess;
		 * between separators one will do ("%d/%m/%Y": "5/1/2026"). */
		int min = after_field || f[2] == '%' ? 2 : 1;
		switch (dir) {
		case 'Y':
			s = read_num(s, 4, 4, &d.y);
			have_y = true;
			break;
		case 'm':
			s = read_num(s, min, 2, &d.m);
			have_m = true;
			break;
		case 'd':
			s = read_num(s, min, 2, &d.d);
			have_d = true;
			break;
		default:
			return false;
		}
		if (!s)
			return false;
		f += 2;
		after_field = true;
	}
	if (*s || !have_y || !have_m || !have_d || !date_valid(&d))
		return false;
	*ret = d;
	return true;
}

bool cmp_date_parse(const char *s, const char *format, struct cmp_date *ret)
{
	if (!s || !ret)
		return false;
	if (format && *format)
		return parse_with(s, format, ret);
	return parse_with(s, "%Y-%m-%d", ret) || parse_with(s, "%Y%m%d", ret);
}

static int iabs(int v)
{
	return v < 0 ? -v : v;
}

static enum cmp_date_level by_years(int dy)
{
	dy = iabs(dy);
	if (dy == 0)
		return CMP_DATE_SAME_YEAR;
	if (dy == 1)
		return CMP_DATE_YEARS_1;
	if (dy <= 5)
		return CMP_DATE_YEARS_2_5;
	return CMP_DATE_DIFFERENT;
}

/* YYYYMMDD as eight digits (valid dates only, so the year has four). */
static void date_digits(const struct cmp_date *d, char out[8])
{
	int v = d->y * 10000 + d->m * 100 + d->d;
	for (int i = 7; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

static bool one_digit_apart(const struct cmp_date *a, const struct cmp_date *b)
{
	char x[8], y[8];
	int diff[8], n = 0;
	date_digits(a, x);
	date_digits(b, y);
	for (int i = 0; i < 8; i++) {
		if (x[i] != y[i]) {
			if (n == 2)
				return false;
			diff[n++] = i;
		}
	}
	if (n == 1)
		return true;
	return n == 2 && diff[1] == diff[0] + 1 && x[diff[0]] == y[diff[1]] && x[diff[1]] == y[diff[0]];
}

enum cmp_date_level cmp_dates(const struct cmp_date *a, const struct cmp_date *b)
{
	if (!a || !b || a->y == 0 || b->y == 0)
		return CMP_DATE_MISSING;
	if (!date_valid(a) || !date_valid(b))
		return by_years(a->y - b->y); /* only the year is known */
	if (a->m == b->m && a->d == b->d && a->y == b->y)
		return CMP_DATE_EXACT;
	if (a->y == b->y && a->m == b->d && a->d == b->m)
		return CMP_DATE_SWAPPED;
	if (one_digit_apart(a, b))
		return CMP_DATE_ONE_DIGIT;
	int64_t days = cmp_date_days(a) - cmp_date_days(b);
	if (days >= -31 && days <= 31)
		return CMP_DATE_NEAR;
	return by_years(a->y - b->y);
}

int cmp_age_on(const struct cmp_date *dob, const struct cmp_date *on)
{
	return on->y - dob->y - ((on->m < dob->m || (on->m == dob->m && on->d < dob->d)) ? 1 : 0);
}

struct cmp_date cmp_date_local(int64_t unix_seconds)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	localtime_r(&t, &tm);
	return (struct cmp_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

enum cmp_date_level cmp_date_age(const struct cmp_date *dob, int age, const struct cmp_date *on)
{
	if (!dob || !on || dob->y == 0 || on->y == 0 || age < 0)
		return CMP_DATE_MISSING;
	int hi = on->y - dob->y, lo = hi;
	if (date_valid(dob) && date_valid(on)) {
		lo = hi = cmp_age_on(dob, on);
	} else {
		lo = hi - 1; /* only the years are known: either is right */
	}
	int off = age < lo ? lo - age : age > hi ? age - hi : 0;
	if (off == 0)
		return CMP_DATE_EXACT;
	if (off == 1)
		return CMP_DATE_YEARS_1;
	if (off <= 5)
		return CMP_DATE_YEARS_2_5;
	return CMP_DATE_DIFFERENT;
}
