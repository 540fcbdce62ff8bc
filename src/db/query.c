/* query.c: one-shot statements with typed parameters, one-row reads and
 * rows as JSON, so feature code does not repeat prepare, bind, step and
 * finalize for every statement (db.h, "statement helpers"). */
#include <ctype.h>
#include <jansson.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/grow.h"
#include "db/db_internal.h"

/* The body of a varargs entry point: ap started after last, handed on to
 * call (which names it), ended, and call's result returned. */
#define WITH_ARGS(last, call)        \
	do {                         \
		va_list ap;          \
		va_start(ap, last);  \
		int with_r_ = (call); \
		va_end(ap);          \
		return with_r_;      \
	} while (0)

int db_vbindf(struct db_stmt *st, const char *fmt, va_list ap)
{
	int idx = 1;
	for (const char *f = fmt; *f; f++, idx++) {
		int r;
		switch (*f) {
		case 'i':
			r = db_bind_int64(st, idx, va_arg(ap, int64_t));
			break;
		case 'd':
			r = db_bind_int64(st, idx, va_arg(ap, int));
			break;
		case 't':
			r = db_bind_text(st, idx, va_arg(ap, const char *));
			break;
		case 'b': {
			const void *data = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);
			r = db_bind_blob(st, idx, data, len);
			break;
		}
		case 'n':
			r = db_bind_null(st, idx);
			break;
		default:
			return ERR_INVAL;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int db_bindf(struct db_stmt *st, const char *fmt, ...)
{
	WITH_ARGS(fmt, db_vbindf(st, fmt, ap));
}

/* A format the helpers know, checked before the statement is prepared, so
 * that a typo never reaches the database (nor counts as a statement). */
static bool known_format(const char *fmt)
{
	return strspn(fmt, "idtbn") == strlen(fmt);
}

static int vpreparef(struct db *db, struct db_stmt **ret, const char *sql, const char *fmt, va_list ap)
{
	if (!known_format(fmt))
		return ERR_INVAL;
	struct db_stmt *st;
	int r = db_prepare(db, sql, &st);
	if (r < 0)
		return r;
	if ((r = db_vbindf(st, fmt, ap)) < 0) {
		db_finalize(st);
		return r;
	}
	*ret = st;
	return 0;
}

int db_preparef(struct db *db, struct db_stmt **ret, const char *sql, const char *fmt, ...)
{
	WITH_ARGS(fmt, vpreparef(db, ret, sql, fmt, ap));
}

/* Past white space and comments. */
static const char *skip_space(const char *p)
{
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
		} else {
			return p;
		}
	}
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Is the word at p one that writes? */
static bool write_word(const char *p)
{
	static const char *const words[] = {"INSERT", "UPDATE", "DELETE", "REPLACE"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t n = strlen(words[i]);
		if (strncasecmp(p, words[i], n) == 0 && !word_char(p[n]))
			return true;
	}
	return false;
}

/* Does sql write? It begins with a word that writes, or with WITH and has
 * one outside its quotes and comments (WITH ... INSERT, or a CTE that
 * writes). */
static bool writes(const char *sql)
{
	const char *p = skip_space(sql);
	if (write_word(p))
		return true;
	if (strncasecmp(p, "WITH", 4) != 0 || word_char(p[4]))
		return false;
	for (p += 4; *(p = skip_space(p));) {
		if (*p == '\'' || *p == '"') {
			const char *e = strchr(p + 1, *p); /* a doubled quote is two strings */
			p = e ? e + 1 : p + strlen(p);
		} else if (word_char(*p)) {
			if (write_word(p))
				return true;
			while (word_char(*p))
				p++;
		} else {
			p++;
		}
	}
	return false;
}

/* A write outside a transaction is a transaction of its own: on a pool's
 * connection it goes through the writer. */
static bool own_transaction(struct db *db, const char *sql)
{
	return !db_in_transaction(db) && db_has_writer(db) && writes(sql);
}

/* End the transaction begun for one statement with its result r. */
static int end_own(struct db *db, int r)
{
	if (r < 0 && r != ERR_NOTFOUND) {
		db_rollback(db);
		return r;
	}
	int c = db_commit(db);
	return c < 0 ? c : r;
}

static int vexecnf(struct db *db, int64_t *ret_rows, const char *sql, const char *fmt, va_list ap)
{
	bool own = own_transaction(db, sql);
	int r;
	if (own && (r = db_begin(db)) < 0)
		return r;
	struct db_stmt *st;
	int64_t rows = 0;
	if ((r = vpreparef(db, &st, sql, fmt, ap)) == 0) {
		while ((r = db_step(st)) == DB_ROW)
			rows++;
		db_finalize(st);
	}
	if (own)
		r = end_own(db, r);
	if (r < 0)
		return r;
	if (ret_rows)
		*ret_rows = rows;
	return 0;
}

int db_execf(struct db *db, const char *sql, const char *fmt, ...)
{
	WITH_ARGS(fmt, vexecnf(db, NULL, sql, fmt, ap));
}

static int vsendf(struct db *db, const char *sql, const char *fmt, va_list ap)
{
	if (own_transaction(db, sql)) /* a transaction of its own: at once */
		return vexecnf(db, NULL, sql, fmt, ap);
	struct db_stmt *st;
	int r = vpreparef(db, &st, sql, fmt, ap);
	if (r < 0)
		return r;
	r = db_step_later(st);
	db_finalize(st);
	return r;
}

int db_sendf(struct db *db, const char *sql, const char *fmt, ...)
{
	WITH_ARGS(fmt, vsendf(db, sql, fmt, ap));
}

int db_execnf(struct db *db, int64_t *ret_rows, const char *sql, const char *fmt, ...)
{
	WITH_ARGS(fmt, vexecnf(db, ret_rows, sql, fmt, ap));
}

/* A write that returns rows (INSERT ... RETURNING) outside a transaction:
 * run to its end in a transaction of its own, and its first row handed
 * back as a copy, since the statement's connection is the writer's only
 * until the commit. */
static int vrowf_own(struct db *db, struct db_stmt **ret, const char *sql, const char *fmt, va_list ap)
{
	int r = db_begin(db);
	if (r < 0)
		return r;
	struct db_stmt *st, *copy = NULL;
	if ((r = vpreparef(db, &st, sql, fmt, ap)) == 0) {
		r = db_step(st);
		if (r == DB_ROW && (r = db_row_copy(st, &copy)) == 0) {
			while ((r = db_step(st)) == DB_ROW)
				;
		}
		if (r == DB_DONE)
			r = copy ? 0 : ERR_NOTFOUND;
		db_finalize(st);
	}
	if ((r = end_own(db, r)) < 0) {
		db_finalize(copy);
		return r;
	}
	*ret = copy;
	return 0;
}

static int vrowf(struct db *db, struct db_stmt **ret, const char *sql, const char *fmt, va_list ap)
{
	if (own_transaction(db, sql))
		return vrowf_own(db, ret, sql, fmt, ap);
	struct db_stmt *st;
	int r = vpreparef(db, &st, sql, fmt, ap);
	if (r < 0)
		return r;
	r = db_step(st);
	if (r == DB_ROW) {
		*ret = st;
		return 0;
	}
	db_finalize(st);
	return r == DB_DONE ? ERR_NOTFOUND : r;
}

int db_rowf(struct db *db, struct db_stmt **ret, const char *sql, const char *fmt, ...)
{
	WITH_ARGS(fmt, vrowf(db, ret, sql, fmt, ap));
}

/* The first row of a one-row read, handed to read (which sets *ret), then
 * finalized. */
typedef int (*first_reader)(struct db_stmt *st, void *ret);

static int vfirstf(struct db *db, first_reader read, void *ret, const char *sql, const char *fmt, va_list ap)
{
	struct db_stmt *st = NULL;
	int r = vrowf(db, &st, sql, fmt, ap);
	if (r < 0)
		return r;
	r = read(st, ret);
	db_finalize(st);
	return r;
}

static int read_int64(struct db_stmt *st, void *ret)
{
	*(int64_t *)ret = db_column_int64(st, 0);
	return 0;
}

static int read_text(struct db_stmt *st, void *ret)
{
	const char *s = db_column_text(st, 0);
	char *copy = NULL;
	if (s && !(copy = strdup(s)))
		return ERR_NOMEM;
	*(char **)ret = copy;
	return 0;
}

int db_int64f(struct db *db, int64_t *ret, const char *sql, const char *fmt, ...)
{
	WITH_ARGS(fmt, vfirstf(db, read_int64, ret, sql, fmt, ap));
}

int db_textf(struct db *db, char **ret, const char *sql, const char *fmt, ...)
{
	WITH_ARGS(fmt, vfirstf(db, read_text, ret, sql, fmt, ap));
}

/* One column of the current row as JSON; NULL only when out of memory. */
static json_t *column_json(struct db_stmt *st, int col, char type)
{
	if (db_column_is_null(st, col))
		return json_null();
	switch (type) {
	case 'i':
		return json_integer(db_column_int64(st, col));
	case 'b':
		return json_boolean(db_column_int64(st, col) != 0);
	case 'j': {
		json_error_t e = {.line = 0}; /* jansson fills in nothing when memory runs out first */
		json_t *v = json_loads(db_column_text(st, col), JSON_DECODE_ANY, &e);
		if (!v && json_error_code(&e) == json_error_out_of_memory)
			return NULL;
		return v ? v : json_null();
	}
	default:
		return json_string(db_column_text(st, col));
	}
}

int db_row_json(struct db_stmt *st, const char *spec, json_t *obj)
{
	int ncol = db_column_count(st);
	int col = 0;
	const char *p = spec;
	while (*p) {
		if (*p == ' ') {
			p++;
			continue;
		}
		size_t n = strcspn(p, " ");
		const char *word = p;
		p += n;
		if (col >= ncol)
			return ERR_INVAL;
		if (n == 1 && word[0] == '-') {
			col++;
			continue;
		}
		char type = 't';
		size_t namelen = n;
		if (n > 2 && word[n - 2] == ':') {
			type = word[n - 1];
			namelen = n - 2;
			if (!strchr("tibj", type))
				return ERR_INVAL;
		}
		char name[64];
		if (namelen == 0 || namelen >= sizeof name)
			return ERR_INVAL;
		memcpy(name, word, namelen);
		name[namelen] = '\0';
		json_t *v = column_json(st, col++, type);
		if (!v || json_object_set_new(obj, name, v) < 0)
			return ERR_NOMEM;
	}
	return 0;
}

int db_rowsf(struct db *db, size_t elem, db_row_reader *read, void *arg, void **ret, size_t *ret_n, const char *sql,
	     const char *fmt, ...)
{
	void *v = NULL;
	size_t n = 0, cap = 0;
	*ret = NULL;
	*ret_n = 0;
	struct db_stmt *st;
	bool own = own_transaction(db, sql);
	int r;
	if (own && (r = db_begin(db)) < 0)
		return r;
	va_list ap;
	va_start(ap, fmt);
	r = vpreparef(db, &st, sql, fmt, ap);
	va_end(ap);
	if (r == 0) {
		while ((r = db_step(st)) == DB_ROW) {
			if ((r = grow(&v, &cap, n, elem, 16)) < 0 || (r = read(st, (char *)v + n * elem, arg)) < 0)
				break;
			n++;
		}
		db_finalize(st);
	}
	if (own)
		r = end_own(db, r);
	*ret = v;
	*ret_n = n;
	return r < 0 ? r : 0;
}
