/* sniff: a file's kind from its content (see sniff.h). */
#include "model/sniff.h"

#include <string.h>

static const struct {
	const char *media_type, *label, *extension;
} kinds[SNIFF_KIND_COUNT] = {
	[SNIFF_EMPTY] = {NULL, "Empty file"},
	[SNIFF_UNKNOWN] = {NULL, "File of another kind"},
	[SNIFF_MARKUP] = {NULL, "Web page or drawing"},
	[SNIFF_SCRIPT] = {NULL, "Script"},
	[SNIFF_PDF] = {"application/pdf", "PDF document", "pdf"},
	[SNIFF_PNG] = {"image/png", "PNG picture", "png"},
	[SNIFF_JPEG] = {"image/jpeg", "JPEG picture", "jpg"},
	[SNIFF_GIF] = {"image/gif", "GIF picture", "gif"},
	[SNIFF_WEBP] = {"image/webp", "WebP picture", "webp"},
	[SNIFF_HEIC] = {"image/heic", "HEIC picture", "heic"},
	[SNIFF_TEXT] = {"text/plain; charset=utf-8", "Plain text", "txt"},
};

void sniff_init(struct sniff *s)
{
	memset(s, 0, sizeof *s);
	s->text = true;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* One byte of the text check: UTF-8 (RFC 3629's ranges, so no overlong
 * form, surrogate or value past U+10FFFF) without control characters. */
static void text_byte(struct sniff *s, unsigned char c)
{
	if (s->need) {
		if (c < s->lo || c > s->hi) {
			s->text = false;
			return;
		}
		s->need--;
		s->lo = 0x80;
		s->hi = 0xBF;
		return;
	}
	if (c < 0x80) {
		if ((c < 0x20 && !is_space(c)) || c == 0x7F)
			s->text = false;
		return;
	}
	s->lo = 0x80;
	s->hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		s->need = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		s->need = 2;
		if (c == 0xE0)
			s->lo = 0xA0;
		else if (c == 0xED)
			s->hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		s->need = 3;
		if (c == 0xF0)
			s->lo = 0x90;
		else if (c == 0xF4)
			s->hi = 0x8F;
	} else {
		s->text = false;
	}
}

/* The first two characters that are not white space, after a leading
 * byte order mark. */
static void lead_byte(struct sniff *s, unsigned char c)
{
	static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
	if (s->second)
		return;
	if (!s->first && s->total == s->bom && s->bom < 3 && c == bom[s->bom]) {
		s->bom++;
		return;
	}
	if (!s->first) {
		if (!is_space(c))
			s->first = c;
		return;
	}
	s->second = c ? c : 1;
}

void sniff_feed(struct sniff *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		if (s->nhead < SNIFF_HEAD)
			s->head[s->nhead++] = p[i];
		if (s->text)
			text_byte(s, p[i]);
		lead_byte(s, p[i]);
		s->total++;
	}
}

static bool head_is(const struct sniff *s, size_t at, const char *magic, size_t n)
{
	return s->nhead >= at + n && memcmp(s->head + at, magic, n) == 0;
}

static bool heic_brand(const struct sniff *s)
{
	static const char *const brands[] = {"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"};
	if (!head_is(s, 4, "ftyp", 4))
		return false;
	for (size_t i = 0; i < sizeof brands / sizeof *brands; i++)
		if (head_is(s, 8, brands[i], 4))
			return true;
	return false;
}

enum sniff_kind sniff_result(const struct sniff *s)
{
	if (s->total == 0)
		return SNIFF_EMPTY;
	if (head_is(s, 0, "%PDF-", 5))
		return SNIFF_PDF;
	if (head_is(s, 0, "\x89PNG\r\n\x1a\n", 8))
		return SNIFF_PNG;
	if (head_is(s, 0, "\xFF\xD8\xFF", 3))
		return SNIFF_JPEG;
	if (head_is(s, 0, "GIF87a", 6) || head_is(s, 0, "GIF89a", 6))
		return SNIFF_GIF;
	if (head_is(s, 0, "RIFF", 4) && head_is(s, 8, "WEBP", 4))
		return SNIFF_WEBP;
	if (heic_brand(s))
		return SNIFF_HEIC;
	if (!s->text || s->need)
		return SNIFF_UNKNOWN;
	if (s->first == '<')
		return SNIFF_MARKUP;
	if (s->first == '#' && s->second == '!')
		return SNIFF_SCRIPT;
	return SNIFF_TEXT;
}

bool sniff_allowed(enum sniff_kind kind)
{
	return (unsigned)kind < SNIFF_KIND_COUNT && kinds[kind].media_type != NULL;
}

const char *sniff_media_type(enum sniff_kind kind)
{
	return (unsigned)kind < SNIFF_KIND_COUNT ? kinds[kind].media_type : NULL;
}

const char *sniff_label(enum sniff_kind kind)
{
	return (unsigned)kind < SNIFF_KIND_COUNT ? kinds[kind].label : kinds[SNIFF_UNKNOWN].label;
}

const char *sniff_extension(enum sniff_kind kind)
{
	return (unsigned)kind < SNIFF_KIND_COUNT ? kinds[kind].extension : NULL;
}

enum sniff_kind sniff_kind_of(const char *media_type)
{
	for (int k = 0; media_type && k < SNIFF_KIND_COUNT; k++)
		if (kinds[k].media_type && strcmp(kinds[k].media_type, media_type) == 0)
			return (enum sniff_kind)k;
	return SNIFF_UNKNOWN;
}
