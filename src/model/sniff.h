/* sniff: what kind of file a stream of bytes is, decided by its content
 * alone (the name and the type a browser claims are never trusted).
 *
 * The bytes are fed in pieces of any size, as they arrive; the verdict is
 * the same however the stream is cut. A file is one of the kinds an
 * attachment may be (a PDF document, a PNG, JPEG, GIF, WebP or HEIC
 * picture, or plain text in UTF-8), or refused: empty, markup a browser
 * would run (HTML, SVG, XML), a script, or anything else (executables,
 * archives, office documents). docs/security.md, "Attachments". */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNIFF_HEAD 16

enum sniff_kind {
	SNIFF_EMPTY,   /* no bytes at all */
	SNIFF_UNKNOWN, /* binary of a kind not allowed */
	SNIFF_MARKUP,  /* text that opens with '<': HTML, SVG, XML */
	SNIFF_SCRIPT,  /* text that opens with "#!" */
	SNIFF_PDF,
	SNIFF_PNG,
	SNIFF_JPEG,
	SNIFF_GIF,
	SNIFF_WEBP,
	SNIFF_HEIC,
	SNIFF_TEXT,
	SNIFF_KIND_COUNT
};

struct sniff {
	unsigned char head[SNIFF_HEAD]; /* the first bytes */
	size_t nhead;
	uint64_t total;
	/* Plain text so far: valid UTF-8, no NUL and no control character
	 * but tab, line feed, form feed and carriage return. */
	bool text;
	unsigned char need;  /* continuation bytes the current character still needs */
	unsigned char lo, hi; /* the range the next continuation byte must be in */
	/* The first character that is not white space or a byte order mark,
	 * and the one after it (0 while none). */
	unsigned char first, second;
	unsigned char bom; /* bytes of a leading EF BB BF seen */
};

/* Start a stream. */
void sniff_init(struct sniff *s);
/* Take the next len bytes. */
void sniff_feed(struct sniff *s, const void *data, size_t len);
/* The verdict on everything fed. */
enum sniff_kind sniff_result(const struct sniff *s);

/* Whether a file of kind may be attached. */
bool sniff_allowed(enum sniff_kind kind);
/* The media type it is served as ("application/pdf", "text/plain;
 * charset=utf-8"); NULL for a kind refused. */
const char *sniff_media_type(enum sniff_kind kind);
/* Its name for people ("PDF document", "JPEG picture", "Plain text"). */
const char *sniff_label(enum sniff_kind kind);
/* The extension a file of kind is saved with ("pdf", "jpg", "txt"); NULL
 * for a kind refused. */
const char *sniff_extension(enum sniff_kind kind);
/* The kind whose media type is media_type, SNIFF_UNKNOWN for none. */
enum sniff_kind sniff_kind_of(const char *media_type);
