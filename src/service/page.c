/* page.c: one page of a list (page.h): the request checked, the keyset
 * statement built, the cursor written and read back. */
#include "service/page.h"

#include <ctype.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "db/db.h"

#define AFTER_AGAIN "not a page of this list: start again from the first page"

static const struct page_sort *find_sort(const struct page_list *l, const char *name)
{
	for (const struct page_sort *s = l->sorts; s && s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/* The sort's names, "a, b or c", for the message that lists them. */
static void sort_names(const struct page_list *l, char *out, size_t size)
{
	size_t len = 0, n = 0, k = 0;
	out[0] = '\0';
	for (const struct page_sort *s = l->sorts; s && s->name; s++)
		n++;
	for (const struct page_sort *s = l->sorts; s && s->name && len < size; s++, k++) {
		int w = snprintf(out + len, size - len, "%s%s", k == 0 ? "" : k + 1 == n ? " or " : ", ", s->name);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* Read "list\nsort\nid\nkey" out of a cursor. */
static bool cursor_read(struct list_page *p, const char *after)
{
	unsigned char bin[3 * PAGE_KEY_MAX];
	size_t len = 0;
	if (strlen(after) > 4 * PAGE_KEY_MAX ||
	    sodium_base642bin(bin, sizeof bin - 1, after, strlen(after), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return false;
	bin[len] = '\0';
	if (memchr(bin, '\0', len))
		return false;
	char *list = (char *)bin, *sort = strchr(list, '\n');
	char *id = sort ? strchr(sort + 1, '\n') : NULL;
	char *key = id ? strchr(id + 1, '\n') : NULL;
	if (!key)
		return false;
	*sort++ = *id++ = *key++ = '\0';
	const char *want = p->sort->name;
	char signed_sort[64];
	if (snprintf(signed_sort, sizeof signed_sort, "%s%s", p->desc ? "-" : "", want) >= (int)sizeof signed_sort)
		return false;
	if (strcmp(list, p->list->name) != 0 || strcmp(sort, signed_sort) != 0 ||
	    str_to_id(id, 1, INT64_MAX, &p->id) < 0 || strlen(key) > PAGE_KEY_MAX)
		return false;
	memcpy(p->key, key, strlen(key) + 1);
	return true;
}

int page_parse(const struct page_list *l, const struct page_query *q, struct list_page *p, struct field_errors *errs)
{
	*p = (struct list_page){.list = l, .limit = PAGE_LIMIT_DEFAULT};
	int64_t n;
	if (q->limit && *q->limit) {
		if (str_to_int64(q->limit, 1, PAGE_LIMIT_MAX, &n) < 0)
			field_error_add(errs, "limit", "a number of rows from 1 to %d", PAGE_LIMIT_MAX);
		else
			p->limit = (int)n;
	}
	const char *sort = q->sort && *q->sort ? q->sort : l->default_sort;
	p->desc = sort[0] == '-';
	if (!(p->sort = find_sort(l, sort + (p->desc ? 1 : 0)))) {
		char names[256];
		sort_names(l, names, sizeof names);
		field_error_add(errs, "sort", "This list can be sorted by %s, with a minus sign first for the reverse order.",
				names);
	}
	if (p->sort && q->after && *q->after) {
		p->has_after = true;
		if (!cursor_read(p, q->after))
			field_error_add(errs, "after", AFTER_AGAIN);
	}
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

int page_cursor(const struct list_page *p, const char *key, int64_t id, char *out, size_t size)
{
	char plain[3 * PAGE_KEY_MAX];
	int len = snprintf(plain, sizeof plain, "%s\n%s%s\n%lld\n%s", p->list->name, p->desc ? "-" : "", p->sort->name,
			   (long long)id, key ? key : "");
	if (len < 0 || (size_t)len >= sizeof plain ||
	    size < sodium_base64_ENCODED_LEN((size_t)len, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return ERR_INVAL;
	sodium_bin2base64(out, size, (const unsigned char *)plain, (size_t)len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/* ---- the statement ---- */

void sqlb_init(struct sqlb *q)
{
	q->len = 0;
	q->n = 0;
	q->full = false;
	q->text[0] = '\0';
}

static void add_text(struct sqlb *q, const char *text)
{
	size_t n = strlen(text);
	if (q->full || q->len + n >= sizeof q->text) {
		q->full = true;
		return;
	}
	memcpy(q->text + q->len, text, n + 1);
	q->len += n;
}

static void add_param(struct sqlb *q, struct sqlb_param v)
{
	if (q->n >= SQL_PARAMS_MAX) {
		q->full = true;
		return;
	}
	q->params[q->n++] = v;
}

void sqlb_add(struct sqlb *q, const char *text, const char *fmt, ...)
{
	va_list ap;
	add_text(q, text);
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		if (*f == 'i')
			add_param(q, (struct sqlb_param){.type = 'i', .i = va_arg(ap, int64_t)});
		else if (*f == 'd')
			add_param(q, (struct sqlb_param){.type = 'i', .i = va_arg(ap, int)});
		else if (*f == 't')
			add_param(q, (struct sqlb_param){.type = 't', .t = va_arg(ap, const char *)});
		else
			q->full = true;
	}
	va_end(ap);
}

void sqlb_ids(struct sqlb *q, const int64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		add_text(q, i ? ", ?" : "?");
		add_param(q, (struct sqlb_param){.type = 'i', .i = ids[i]});
	}
}

int sqlb_prepare(struct db *db, const struct sqlb *q, struct db_stmt **ret)
{
	if (q->full)
		return ERR_INVAL;
	struct db_stmt *st = NULL;
	int r = db_prepare(db, q->text, &st);
	for (int k = 0; r >= 0 && k < q->n; k++)
		r = q->params[k].type == 'i' ? db_bind_int64(st, k + 1, q->params[k].i)
					     : db_bind_text(st, k + 1, q->params[k].t);
	if (r < 0) {
		if (st)
			db_finalize(st);
		return r;
	}
	*ret = st;
	return 0;
}

void page_sql_key(struct sqlb *q, const struct list_page *p)
{
	add_text(q, p->sort->expr);
}

void page_sql_after(struct sqlb *q, const struct list_page *p)
{
	if (!p->has_after)
		return;
	const char *op = p->desc ? " < " : " > ";
	if (strcmp(p->sort->expr, p->list->id_expr) == 0) {
		sqlb_add(q, " AND ", "");
		add_text(q, p->list->id_expr);
		add_text(q, op);
		sqlb_add(q, "?", "i", p->id);
		return;
	}
	/* A row value: both engines compare it in order and use the index on
	 * (key, id) for it. */
	sqlb_add(q, " AND (", "");
	add_text(q, p->sort->expr);
	add_text(q, ", ");
	add_text(q, p->list->id_expr);
	add_text(q, ")");
	add_text(q, op);
	sqlb_add(q, "(?, ?)", "ti", p->key, p->id);
}

void page_sql_order(struct sqlb *q, const struct list_page *p)
{
	const char *dir = p->desc ? " DESC" : "";
	add_text(q, " ORDER BY ");
	add_text(q, p->sort->expr);
	add_text(q, dir);
	if (strcmp(p->sort->expr, p->list->id_expr) != 0) {
		add_text(q, ", ");
		add_text(q, p->list->id_expr);
		add_text(q, dir);
	}
	sqlb_add(q, " LIMIT ?", "d", p->limit + 1);
}

bool page_row_at(struct list_page *p, struct db_stmt *st, int key_col, int id_col)
{
	if (p->n >= (size_t)p->limit) {
		p->more = true;
		return false;
	}
	const char *key = db_column_text(st, key_col);
	snprintf(p->last_key, sizeof p->last_key, "%s", key ? key : "");
	p->last_id = db_column_int64(st, id_col);
	p->n++;
	return true;
}

bool page_row(struct list_page *p, struct db_stmt *st)
{
	return page_row_at(p, st, 0, 1);
}

int page_answer(struct list_page *p, json_t *items, json_t **ret)
{
	char next[4 * PAGE_KEY_MAX];
	json_t *n = json_null();
	if (p->more && p->n > 0) {
		if (page_cursor(p, p->last_key, p->last_id, next, sizeof next) < 0) {
			json_decref(items);
			return ERR_INVAL;
		}
		n = json_string(next);
	}
	if (!n) {
		json_decref(items);
		return ERR_NOMEM;
	}
	/* "o" takes both references, also when packing fails. */
	*ret = items ? json_pack("{s:o, s:o}", "items", items, "next", n) : NULL;
	if (!items)
		json_decref(n);
	return *ret ? 0 : ERR_NOMEM;
}

int page_date(const char *s, const char *field, struct field_errors *errs)
{
	int y, m, d;
	char end;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || strlen(s) != 10 || y < 1900 || m < 1 || m > 12 ||
	    d < 1 || d > civil_days_in_month(y, m)) {
		field_error_add(errs, field, "a date, as 2026-11-28");
		return ERR_INVAL;
	}
	return 0;
}

void page_number_text(const char *q, char *out, size_t size)
{
	size_t n = 0;
	if (size < 2 || !q || !*q || strlen(q) + 1 > size) {
		snprintf(out, size, "-");
		return;
	}
	for (const char *s = q; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '-') {
			snprintf(out, size, "-");
			return;
		}
		out[n++] = (char)toupper((unsigned char)*s);
	}
	out[n] = '\0';
}
