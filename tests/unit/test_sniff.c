/* Tests for model/sniff: a file's kind from its content, the same however
 * the stream is cut, and the kinds an attachment may not be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "unit.h"

#include <string.h>

#include "model/sniff.h"

static enum sniff_kind whole(const char *data, size_t len)
{
	struct sniff s;
	sniff_init(&s);
	sniff_feed(&s, data, len);
	return sniff_result(&s);
}

/* The verdict with the stream cut into pieces of every size from 1 up:
 * the same as whole, or the test fails. */
static enum sniff_kind cut(const char *data, size_t len)
{
	enum sniff_kind k = whole(data, len);
	for (size_t piece = 1; piece <= len; piece++) {
		struct sniff s;
		sniff_init(&s);
		for (size_t at = 0; at < len; at += piece)
			sniff_feed(&s, data + at, len - at < piece ? len - at : piece);
		assert_int_equal(sniff_result(&s), k);
	}
	return k;
}

#define KIND(lit) cut(lit, sizeof lit - 1)

UNIT_TEST(knows_the_allowed_kinds_by_their_first_bytes)
{
	assert_int_equal(KIND("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj"), SNIFF_PDF);
	assert_int_equal(KIND("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), SNIFF_PNG);
	assert_int_equal(KIND("\xFF\xD8\xFF\xE0\0\x10JFIF\0"), SNIFF_JPEG);
	assert_int_equal(KIND("GIF89a\x01\0\x01\0"), SNIFF_GIF);
	assert_int_equal(KIND("GIF87a\x01\0\x01\0"), SNIFF_GIF);
	assert_int_equal(KIND("RIFF\x24\0\0\0WEBPVP8 "), SNIFF_WEBP);
	assert_int_equal(KIND("\0\0\0\x18" "ftypheic\0\0\0\0mif1"), SNIFF_HEIC);
	assert_int_equal(KIND("Interview notes\r\n\tThe child said: \"I want to go home.\"\f\n"), SNIFF_TEXT);
	assert_int_equal(KIND("\xEF\xBB\xBFÉcole — notes ✓ 😀\n"), SNIFF_TEXT);
	for (int k = SNIFF_PDF; k <= SNIFF_TEXT; k++) {
		assert_true(sniff_allowed((enum sniff_kind)k));
		assert_int_equal(sniff_kind_of(sniff_media_type((enum sniff_kind)k)), k);
	}
	assert_string_equal(sniff_media_type(SNIFF_TEXT), "text/plain; charset=utf-8");
	assert_string_equal(sniff_label(SNIFF_PDF), "PDF document");
}

UNIT_TEST(refuses_markup_scripts_programs_and_empty_files)
{
	assert_int_equal(KIND(""), SNIFF_EMPTY);
	assert_int_equal(KIND("<!DOCTYPE html><p>hi</p>"), SNIFF_MARKUP);
	assert_int_equal(KIND("\xEF\xBB\xBF \n <svg xmlns=\"http://www.w3.org/2000/svg\"/>"), SNIFF_MARKUP);
	assert_int_equal(KIND("<?xml version=\"1.0\"?><a/>"), SNIFF_MARKUP);
	assert_int_equal(KIND("#!/bin/sh\necho hi\n"), SNIFF_SCRIPT);
	assert_int_equal(KIND("\x7F" "ELF\x02\x01\x01"), SNIFF_UNKNOWN);
	assert_int_equal(KIND("MZ\x90\0\x03\0\0\0"), SNIFF_UNKNOWN);
	assert_int_equal(KIND("PK\x03\x04\x14\0\0\0"), SNIFF_UNKNOWN);
	assert_int_equal(KIND("\0\0\0\x18" "ftypisom"), SNIFF_UNKNOWN);
	for (int k = SNIFF_EMPTY; k <= SNIFF_SCRIPT; k++) {
		assert_false(sniff_allowed((enum sniff_kind)k));
		assert_null(sniff_media_type((enum sniff_kind)k));
	}
	assert_int_equal(sniff_kind_of("text/html"), SNIFF_UNKNOWN);
	assert_int_equal(sniff_kind_of(NULL), SNIFF_UNKNOWN);
}

UNIT_TEST(text_is_utf8_without_control_characters)
{
	/* A hash is text unless a ! follows it. */
	assert_int_equal(KIND("# Heading\n"), SNIFF_TEXT);
	assert_int_equal(KIND("a\0b"), SNIFF_UNKNOWN);
	assert_int_equal(KIND("bell\a"), SNIFF_UNKNOWN);
	assert_int_equal(KIND("del\x7F"), SNIFF_UNKNOWN);
	assert_int_equal(KIND("\xC0\xAF"), SNIFF_UNKNOWN);         /* an overlong slash */
	assert_int_equal(KIND("\xE0\x80\xAF"), SNIFF_UNKNOWN);     /* overlong, three bytes */
	assert_int_equal(KIND("\xED\xA0\x80"), SNIFF_UNKNOWN);     /* a surrogate */
	assert_int_equal(KIND("\xF4\x90\x80\x80"), SNIFF_UNKNOWN); /* past U+10FFFF */
	assert_int_equal(KIND("\xF5\x80\x80\x80"), SNIFF_UNKNOWN);
	assert_int_equal(KIND("cut short \xE2\x82"), SNIFF_UNKNOWN);
	assert_int_equal(KIND("\xC3\xA9t\xC3\xA9"), SNIFF_TEXT);
	assert_int_equal(KIND("\xF0\x9F\x98\x80"), SNIFF_TEXT);
}

int main(void)
{
	return unit_run("sniff", NULL, NULL);
}
