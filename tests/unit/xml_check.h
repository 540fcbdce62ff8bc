/* A small, strict well-formedness check for the SVG the server writes:
 * one root element, every tag closed in order, attributes quoted and not
 * repeated, no bare & or < in text or attributes, only the five named
 * entities or a character reference, valid UTF-8 without control
 * characters. Returns NULL when well-formed, else the first fault (a
 * static string) with *ret_at its byte offset. Header-only: shared by the
 * chart and figure tests. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static bool xml_name_char(unsigned char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
	       (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
}

/* The length of a well-formed reference at s (which is at '&'), 0 if none. */
static size_t xml_ref_len(const char *s)
{
	static const char *const named[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
	for (size_t i = 0; i < sizeof named / sizeof *named; i++)
		if (strncmp(s, named[i], strlen(named[i])) == 0)
			return strlen(named[i]);
	if (s[1] != '#')
		return 0;
	size_t n = 2;
	bool hex = s[2] == 'x';
	if (hex)
		n++;
	size_t digits = 0;
	while (s[n] && (hex ? strchr("0123456789abcdefABCDEF", s[n]) : strchr("0123456789", s[n]))) {
		n++;
		digits++;
	}
	return digits && s[n] == ';' ? n + 1 : 0;
}

/* The length of a valid UTF-8 character at s that XML allows, 0 if none. */
static size_t xml_char_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ? 1 : 0;
	size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* Character data up to the next '<' (or, in an attribute, the quote). */
static const char *xml_text(const char *s, size_t *i, char stop)
{
	while (s[*i] && s[*i] != '<' && s[*i] != stop) {
		if (s[*i] == '&') {
			size_t n = xml_ref_len(s + *i);
			if (!n)
				return "a bare & (not a reference)";
			*i += n;
			continue;
		}
		size_t n = xml_char_len((const unsigned char *)s + *i);
		if (!n)
			return "not a character XML allows (bad UTF-8 or a control character)";
		*i += n;
	}
	return NULL;
}

static const char *xml_check(const char *s, size_t *ret_at)
{
	enum { DEPTH = 64 };
	const char *open[DEPTH];
	size_t open_len[DEPTH];
	int depth = 0, roots = 0;
	size_t i = 0;
	const char *err = NULL;
	while (s[i] && !err) {
		if (s[i] != '<') {
			size_t from = i;
			if ((err = xml_text(s, &i, 0)))
				break;
			if (depth == 0)
				for (size_t k = from; k < i; k++)
					if (!strchr(" \t\r\n", s[k])) {
						err = "text outside the root element";
						i = k;
						break;
					}
			continue;
		}
		bool closing = s[i + 1] == '/';
		size_t name = i + 1 + closing, n = 0;
		while (s[name + n] && xml_name_char((unsigned char)s[name + n], n == 0))
			n++;
		if (!n) {
			err = "a bare < (not a tag)";
			break;
		}
		i = name + n;
		if (closing) {
			while (s[i] == ' ' || s[i] == '\n')
				i++;
			if (s[i] != '>') {
				err = "a closing tag that does not end with >";
				break;
			}
			if (!depth || open_len[depth - 1] != n || strncmp(open[depth - 1], s + name, n) != 0) {
				err = "a closing tag that does not match the open one";
				break;
			}
			depth--;
			i++;
			continue;
		}
		if (depth == 0 && roots++) {
			err = "a second root element";
			break;
		}
		/* Attributes: name="value", each once. */
		const char *attr[64];
		size_t attr_len[64], nattr = 0;
		for (;;) {
			size_t ws = i;
			while (s[i] && strchr(" \t\r\n", s[i]))
				i++;
			if (s[i] == '>' || (s[i] == '/' && s[i + 1] == '>'))
				break;
			if (i == ws) {
				err = "attributes not separated by a space";
				break;
			}
			size_t an = 0;
			while (s[i + an] && xml_name_char((unsigned char)s[i + an], an == 0))
				an++;
			if (!an || s[i + an] != '=' || (s[i + an + 1] != '"' && s[i + an + 1] != '\'')) {
				err = "an attribute that is not name=\"value\"";
				break;
			}
			for (size_t k = 0; k < nattr; k++)
				if (attr_len[k] == an && strncmp(attr[k], s + i, an) == 0)
					err = "an attribute given twice";
			if (err || nattr == 64)
				break;
			attr[nattr] = s + i;
			attr_len[nattr++] = an;
			char q = s[i + an + 1];
			i += an + 2;
			if ((err = xml_text(s, &i, q)))
				break;
			if (s[i] != q) {
				err = "an attribute value with a < or without its closing quote";
				break;
			}
			i++;
		}
		if (err)
			break;
		if (s[i] == '/') {
			i += 2;
			continue;
		}
		if (depth == DEPTH) {
			err = "nested too deep";
			break;
		}
		open[depth] = s + name;
		open_len[depth++] = n;
		i++;
	}
	if (!err && depth)
		err = "an element not closed";
	if (!err && !roots)
		err = "no root element";
	if (ret_at)
		*ret_at = i;
	return err;
}
