/* buf: a growable byte buffer with a hard size cap.
 *
 * Appending past the cap fails with ERR_TOOBIG and leaves the buffer as it
 * was, so a request body or a response can never grow without bound. The
 * data is always NUL-terminated (the NUL is not counted in len). */
#pragma once

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NULL until the first append */
	size_t len, alloc, cap;
};

#define BUF_DEFAULT_CAP ((size_t)64 << 20) /* 64 MiB */

/* An empty buffer that refuses to hold more than cap bytes (0 = default). */
void buf_init(struct buf *b, size_t cap);
/* Free the contents; b may be used again after buf_init. NULL is fine. */
void buf_done(struct buf *b);
/* Empty the buffer, keeping its storage. */
void buf_clear(struct buf *b);

/* 0, or ERR_TOOBIG / ERR_NOMEM with the buffer as it was. The result must
 * be used (the build has -Werror): output cut short is never sent. */
#define BUF_WUR __attribute__((warn_unused_result))
int buf_append(struct buf *b, const void *data, size_t n) BUF_WUR;
int buf_puts(struct buf *b, const char *s) BUF_WUR;
int buf_putc(struct buf *b, char c) BUF_WUR;
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3))) BUF_WUR;
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0))) BUF_WUR;

/* buf_append, written inline when there is room (a writer's hot loop). */
static inline int buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->data && n < b->alloc - b->len && n <= b->cap - b->len) {
		__builtin_memcpy(b->data + b->len, data, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append(b, data, n);
}

/* The contents as a NUL-terminated string ("" when empty). */
const char *buf_str(const struct buf *b);

/* Hand the storage to the caller (free() it); the buffer is left empty.
 * Never NULL unless out of memory. ret_len may be NULL. */
char *buf_detach(struct buf *b, size_t *ret_len);
