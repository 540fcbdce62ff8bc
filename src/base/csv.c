#include "base/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"

#define CSV_MAX_FIELDS 1024
#define CSV_MAX_RECORD ((size_t)1 << 20)

struct csv_reader {
	char name[256];
	const char *data;
	size_t len, pos, line;
	void *map; /* when mapped */
	size_t maplen;
	struct buf rec;   /* unescaped fields, NUL-separated */
	size_t offsets[CSV_MAX_FIELDS];
	const char *fields[CSV_MAX_FIELDS];
	char err[512];
};

static void set_err(struct csv_reader *r, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(struct csv_reader *r, size_t line, const char *fmt, ...)
{
	int n = snprintf(r->err, sizeof r->err, "%s:%zu: ", r->name, line);
	if (n < 0 || (size_t)n >= sizeof r->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
	va_end(ap);
}

static struct csv_reader *reader_new(const char *name)
{
	struct csv_reader *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	snprintf(r->name, sizeof r->name, "%s", name);
	r->line = 1;
	buf_init(&r->rec, CSV_MAX_RECORD);
	return r;
}

static void skip_bom(struct csv_reader *r)
{
	if (r->len >= 3 && memcmp(r->data, "\xef\xbb\xbf", 3) == 0)
		r->pos = 3;
}

int csv_open_buffer(const char *name, const char *data, size_t len, struct csv_reader **ret)
{
	struct csv_reader *r = reader_new(name);
	if (!r)
		return ERR_NOMEM;
	r->data = data;
	r->len = len;
	skip_bom(r);
	*ret = r;
	return 0;
}

int csv_open(const char *path, struct csv_reader **ret, char *errmsg, size_t errsize)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(errmsg, errsize, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? ERR_NOTFOUND : ERR_IO;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(errmsg, errsize, "%s: not a regular file", path);
		close(fd);
		return ERR_IO;
	}
	struct csv_reader *r = reader_new(path);
	if (!r) {
		close(fd);
		return ERR_NOMEM;
	}
	if (sb.st_size > 0) {
		r->map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (r->map == MAP_FAILED) {
			snprintf(errmsg, errsize, "%s: %s", path, strerror(errno));
			close(fd);
			buf_done(&r->rec);
			free(r);
			return ERR_IO;
		}
		madvise(r->map, (size_t)sb.st_size, MADV_SEQUENTIAL);
		r->maplen = (size_t)sb.st_size;
		r->data = r->map;
		r->len = r->maplen;
	}
	close(fd);
	skip_bom(r);
	*ret = r;
	return 0;
}

void csv_close(struct csv_reader *r)
{
	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->maplen);
	buf_done(&r->rec);
	free(r);
}

const char *csv_error(const struct csv_reader *r)
{
	return r->err;
}

double csv_progress(const struct csv_reader *r)
{
	return r->len ? (double)r->pos / (double)r->len : 1.0;
}

/* Move past the rest of the current record after an error, so the next
 * call starts on a fresh line. Quotes are not honoured here: a malformed
 * record ends at its line end. */
static void skip_line(struct csv_reader *r)
{
	while (r->pos < r->len && r->data[r->pos] != '\n')
		r->pos++;
	if (r->pos < r->len) {
		r->pos++;
		r->line++;
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

int csv_next(struct csv_reader *r, size_t expect, struct csv_row *row)
{
	const char *d = r->data;
	for (;;) {
		/* Skip blank lines. */
		size_t p = r->pos;
		while (p < r->len && (is_space(d[p]) || d[p] == '\r'))
			p++;
		if (p < r->len && d[p] == '\n') {
			r->pos = p + 1;
			r->line++;
			continue;
		}
		if (p >= r->len) {
			r->pos = r->len;
			return 0;
		}
		break;
	}
	size_t start_line = r->line, n = 0;
	buf_clear(&r->rec);
	r->err[0] = '\0';
	size_t p = r->pos;
	for (;;) {
		if (n >= CSV_MAX_FIELDS) {
			set_err(r, start_line, "more than %d fields", CSV_MAX_FIELDS);
			goto bad;
		}
		r->offsets[n] = r->rec.len;
		while (p < r->len && is_space(d[p]))
			p++;
		if (p < r->len && d[p] == '"') {
			p++;
			for (;;) {
				if (p >= r->len) {
					set_err(r, start_line, "field %zu: a quote is never closed", n + 1);
					r->pos = r->len;
					return ERR_PARSE;
				}
				char c = d[p];
				if (c == '"') {
					if (p + 1 < r->len && d[p + 1] == '"') {
						if (buf_putc(&r->rec, '"') < 0)
							goto toolong;
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (c == '\n')
					r->line++;
				if (c == '\0') {
					set_err(r, start_line, "field %zu: a NUL byte", n + 1);
					goto bad;
				}
				if (buf_putc(&r->rec, c) < 0)
					goto toolong;
				p++;
			}
			while (p < r->len && (is_space(d[p]) || d[p] == '\r'))
				p++;
			if (p < r->len && d[p] != ',' && d[p] != '\n') {
				set_err(r, start_line, "field %zu: text after the closing quote", n + 1);
				r->pos = p;
				skip_line(r);
				return ERR_PARSE;
			}
		} else {
			size_t s = p;
			while (p < r->len && d[p] != ',' && d[p] != '\n') {
				if (d[p] == '"') {
					set_err(r, start_line, "field %zu: a quote inside an unquoted field", n + 1);
					goto bad;
				}
				if (d[p] == '\0') {
					set_err(r, start_line, "field %zu: a NUL byte", n + 1);
					goto bad;
				}
				p++;
			}
			size_t e = p;
			while (e > s && (is_space(d[e - 1]) || d[e - 1] == '\r'))
				e--;
			if (buf_append(&r->rec, d + s, e - s) < 0)
				goto toolong;
		}
		if (buf_putc(&r->rec, '\0') < 0)
			goto toolong;
		n++;
		if (p < r->len && d[p] == ',') {
			p++;
			continue;
		}
		break; /* newline or end */
	}
	if (p < r->len && d[p] == '\n') {
		p++;
		r->line++;
	}
	r->pos = p;
	for (size_t i = 0; i < n; i++)
		r->fields[i] = r->rec.data + r->offsets[i];
	if (expect && n != expect) {
		set_err(r, start_line, "%zu fields, expected %zu", n, expect);
		return ERR_PARSE;
	}
	row->line = start_line;
	row->n = n;
	row->fields = r->fields;
	return 1;
toolong:
	set_err(r, start_line, "record longer than %zu bytes", CSV_MAX_RECORD);
bad:
	r->pos = p;
	skip_line(r);
	return ERR_PARSE;
}

int csv_write_field(FILE *f, const char *s)
{
	size_t n = strlen(s);
	bool quote = n > 0 && (is_space(s[0]) || is_space(s[n - 1]));
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote)
		return fputs(s, f) < 0 ? ERR_IO : 0;
	if (fputc('"', f) == EOF)
		return ERR_IO;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' && fputc('"', f) == EOF)
			return ERR_IO;
		if (fputc(s[i], f) == EOF)
			return ERR_IO;
	}
	return fputc('"', f) == EOF ? ERR_IO : 0;
}

/* A field, quoted as RFC 4180 says when it needs to be; text that a
 * spreadsheet would take for a formula is prefixed with ' so that opening
 * the download never runs anything. */
int csv_put_field(struct buf *out, const char *s, bool text)
{
	if (!s)
		s = "";
	bool guard = text && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	int r = 0;
	if (quote)
		r |= buf_putc(out, '"');
	if (guard)
		r |= buf_putc(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			r |= buf_putc(out, '"');
		r |= buf_putc(out, *p);
	}
	if (quote)
		r |= buf_putc(out, '"');
	return r < 0 ? ERR_TOOBIG : 0;
}
