#include "match/norm.h"

#include <stdint.h>

/* What each code point from U+00C0 to U+017F folds to: one or two ASCII
 * letters, or "" for the two symbols in the block (multiplication and
 * division signs), which become a space like any other punctuation. */
#define FOLD_FIRST 0xC0
#define FOLD_LAST 0x17F

/* clang-format off */
static const char fold[FOLD_LAST - FOLD_FIRST + 1][3] = {
	/* U+00C0 À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï */
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	/* U+00D0 Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß */
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss",
	/* U+00E0 à á â ã ä å æ ç è é ê ë ì í î ï */
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	/* U+00F0 ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ */
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
	/* U+0100 Ā ā Ă ă Ą ą Ć ć Ĉ ĉ Ċ ċ Č č Ď ď */
	"a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
	/* U+0110 Đ đ Ē ē Ĕ ĕ Ė ė Ę ę Ě ě Ĝ ĝ Ğ ğ */
	"d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
	/* U+0120 Ġ ġ Ģ ģ Ĥ ĥ Ħ ħ Ĩ ĩ Ī ī Ĭ ĭ Į į */
	"g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
	/* U+0130 İ ı Ĳ ĳ Ĵ ĵ Ķ ķ ĸ Ĺ ĺ Ļ ļ Ľ ľ Ŀ */
	"i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
	/* U+0140 ŀ Ł ł Ń ń Ņ ņ Ň ň ŉ Ŋ ŋ Ō ō Ŏ ŏ */
	"l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
	/* U+0150 Ő ő Œ œ Ŕ ŕ Ŗ ŗ Ř ř Ś ś Ŝ ŝ Ş ş */
	"o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
	/* U+0160 Š š Ţ ţ Ť ť Ŧ ŧ Ũ ũ Ū ū Ŭ ŭ Ů ů */
	"s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
	/* U+0170 Ű ű Ų ų Ŵ ŵ Ŷ ŷ Ÿ Ź ź Ż ż Ž ž ſ */
	"u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};

/* How each ASCII byte is treated: 0 a separator (becomes a space), 1 kept
 * as is, 2 an upper-case letter (folded), 3 an apostrophe (dropped). */
enum { A_SEP, A_KEEP, A_UPPER, A_DROP };

static const uint8_t ascii_class[128] = {
	['0'] = A_KEEP, ['1'] = A_KEEP, ['2'] = A_KEEP, ['3'] = A_KEEP, ['4'] = A_KEEP,
	['5'] = A_KEEP, ['6'] = A_KEEP, ['7'] = A_KEEP, ['8'] = A_KEEP, ['9'] = A_KEEP,
	['a'] = A_KEEP, ['b'] = A_KEEP, ['c'] = A_KEEP, ['d'] = A_KEEP, ['e'] = A_KEEP,
	['f'] = A_KEEP, ['g'] = A_KEEP, ['h'] = A_KEEP, ['i'] = A_KEEP, ['j'] = A_KEEP,
	['k'] = A_KEEP, ['l'] = A_KEEP, ['m'] = A_KEEP, ['n'] = A_KEEP, ['o'] = A_KEEP,
	['p'] = A_KEEP, ['q'] = A_KEEP, ['r'] = A_KEEP, ['s'] = A_KEEP, ['t'] = A_KEEP,
	['u'] = A_KEEP, ['v'] = A_KEEP, ['w'] = A_KEEP, ['x'] = A_KEEP, ['y'] = A_KEEP,
	['z'] = A_KEEP,
	['A'] = A_UPPER, ['B'] = A_UPPER, ['C'] = A_UPPER, ['D'] = A_UPPER, ['E'] = A_UPPER,
	['F'] = A_UPPER, ['G'] = A_UPPER, ['H'] = A_UPPER, ['I'] = A_UPPER, ['J'] = A_UPPER,
	['K'] = A_UPPER, ['L'] = A_UPPER, ['M'] = A_UPPER, ['N'] = A_UPPER, ['O'] = A_UPPER,
	['P'] = A_UPPER, ['Q'] = A_UPPER, ['R'] = A_UPPER, ['S'] = A_UPPER, ['T'] = A_UPPER,
	['U'] = A_UPPER, ['V'] = A_UPPER, ['W'] = A_UPPER, ['X'] = A_UPPER, ['Y'] = A_UPPER,
	['Z'] = A_UPPER,
	['\''] = A_DROP, ['`'] = A_DROP,
};
/* clang-format on */

/* Decode one UTF-8 sequence at s (s[0] >= 0x80). Returns the number of
 * bytes it takes and sets *cp, or returns 1 with *cp = -1 for a byte that
 * does not start a well-formed sequence (overlong forms, surrogates and
 * values past U+10FFFF included); its stray continuation bytes are then
 * rejected one by one in the same way. Never reads past a NUL, which is
 * not a continuation byte. */
static size_t utf8_decode(const unsigned char *s, int32_t *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;
	int32_t v;

	*cp = -1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* past U+10FFFF */
	} else {
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		unsigned char k = s[i];
		if (k < lo || k > hi)
			return 1;
		lo = 0x80;
		hi = 0xBF;
		v = (v << 6) | (k & 0x3F);
	}
	*cp = v;
	return n;
}

size_t norm_text(const char *in, char *out, size_t size)
{
	if (!out || size == 0)
		return 0;
	size_t len = 0, cap = size - 1;
	int space = 0; /* a separator seen since the last character written */
	const unsigned char *p = (const unsigned char *)(in ? in : "");

	while (*p && len < cap) {
		const char *emit;
		char one[2] = {0, 0};

		if (*p < 0x80) {
			unsigned char c = *p++;
			switch (ascii_class[c]) {
			case A_KEEP:
				one[0] = (char)c;
				break;
			case A_UPPER:
				one[0] = (char)(c - 'A' + 'a');
				break;
			case A_DROP:
				continue;
			default:
				space = len > 0;
				continue;
			}
			emit = one;
		} else {
			int32_t cp;
			p += utf8_decode(p, &cp);
			if (cp < 0)
				continue; /* invalid byte: dropped */
			if (cp >= 0x300 && cp <= 0x36F)
				continue; /* a combining accent (decomposed input) goes with its letter */
			if (cp == 0x2019 || cp == 0x2018 || cp == 0x2BC)
				continue; /* typographic and modifier apostrophes, as ' */
			if (cp >= FOLD_FIRST && cp <= FOLD_LAST)
				emit = fold[cp - FOLD_FIRST];
			else if (cp == 0x218 || cp == 0x219)
				emit = "s"; /* Romanian comma-below letters, often typed for ş */
			else if (cp == 0x21A || cp == 0x21B)
				emit = "t";
			else
				emit = "";
			if (!*emit) {
				space = len > 0;
				continue;
			}
		}
		/* A space goes out only with a character after it, so the result
		 * never ends in one, even when it is cut short. */
		if (space) {
			if (len + 2 > cap)
				break;
			out[len++] = ' ';
			space = 0;
		}
		for (; *emit && len < cap; emit++)
			out[len++] = *emit;
	}
	out[len] = '\0';
	return len;
}

size_t norm_split(char *buf, const char **parts, size_t max)
{
	size_t n = 0;
	if (!buf || !parts)
		return 0;
	char *p = buf;
	while (*p && n < max) {
		while (*p == ' ' || *p == '-')
			p++;
		if (!*p)
			break;
		parts[n++] = p;
		while (*p && *p != ' ' && *p != '-')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

size_t norm_squash(const char *normalised, char *out, size_t size)
{
	if (!out || size == 0)
		return 0;
	size_t len = 0;
	for (const char *p = normalised ? normalised : ""; *p && len + 1 < size; p++)
		if (*p != ' ')
			out[len++] = *p;
	out[len] = '\0';
	return len;
}

size_t norm_digits(const char *in, char *out, size_t size)
{
	if (!out || size == 0)
		return 0;
	size_t len = 0;
	for (const char *p = in ? in : ""; *p && len + 1 < size; p++)
		if (*p >= '0' && *p <= '9')
			out[len++] = *p;
	out[len] = '\0';
	return len;
}
