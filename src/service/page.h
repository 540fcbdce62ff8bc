/* page: one page of a list, the one convention every list of the API
 * follows (docs/openapi.yaml, components "limit", "after", "sort" and
 * "Page").
 *
 * A request names how many rows (`limit`, 1 to 500, default 50), where to
 * start (`after`, the cursor the page before answered as `next`) and the
 * order (`sort=column` or `sort=-column`, from the list's own set). A page
 * is read by keyset, never by OFFSET: the rows after the last one answered
 * in (sort key, id) order, one more than the limit to tell whether there is
 * a next page. The cursor is the list, the order, the last row's id and its
 * sort key, base64url-encoded: opaque to the client, checked on the way in
 * (a cursor of another list or order, or garbage, is a field error naming
 * "after"). A row added between two pages is not answered twice, and no
 * row is skipped, since a page starts after a place in the order and not
 * after a count of rows.
 *
 * The statement is built with struct sqlb: text from the list's fixed
 * tables and parameters bound in order, never a value written into the
 * text. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"

#define PAGE_LIMIT_DEFAULT 50
#define PAGE_LIMIT_MAX 500
#define PAGE_KEY_MAX 200

/* A column a list may be sorted by: its name in the API and the SQL
 * expression (never NULL, so that the keyset comparison is total). */
struct page_sort {
	const char *name;
	const char *expr;
};

/* A list: its name (kept in its cursors), the SQL expression of its rows'
 * id (the tie-breaker), its sorts (ending with {NULL}) and the order when
 * none is asked ("-opened_at"). */
struct page_list {
	const char *name;
	const char *id_expr;
	const struct page_sort *sorts;
	const char *default_sort;
};

/* The request as it came: each may be NULL or "". */
struct page_query {
	const char *limit, *after, *sort;
};

struct list_page {
	const struct page_list *list;
	const struct page_sort *sort;
	bool desc;
	int limit;
	bool has_after; /* a cursor was given: key and id are its place */
	char key[PAGE_KEY_MAX + 1];
	int64_t id;
	/* While reading: rows kept, whether there is a row past the limit,
	 * and the last kept row's place. */
	size_t n;
	bool more;
	char last_key[PAGE_KEY_MAX + 1];
	int64_t last_id;
};

/* Check q against the list: limit, sort and cursor. Problems go to errs
 * under "limit", "sort" and "after", in plain words; ERR_INVAL then. */
int page_parse(const struct page_list *l, const struct page_query *q, struct list_page *p, struct field_errors *errs)
	__attribute__((warn_unused_result));

/* The cursor for the row after (key, id) in p's list and order, into out
 * (base64url, no padding). 0, or ERR_INVAL when it does not fit. */
int page_cursor(const struct list_page *p, const char *key, int64_t id, char *out, size_t size)
	__attribute__((warn_unused_result));

/* ---- the statement ---- */

#define SQL_TEXT_MAX 6144
#define SQL_PARAMS_MAX 96

struct sqlb_param {
	char type; /* 'i' or 't' */
	int64_t i;
	const char *t; /* not copied: must live until sqlb_prepare */
};

struct sqlb {
	char text[SQL_TEXT_MAX];
	size_t len;
	struct sqlb_param params[SQL_PARAMS_MAX];
	int n;
	bool full; /* text or parameters did not fit: sqlb_prepare refuses */
};

void sqlb_init(struct sqlb *q);
/* Append text, and one parameter per letter of fmt ('i' int64_t, 'd' int,
 * 't' text, which may be NULL). */
void sqlb_add(struct sqlb *q, const char *text, const char *fmt, ...);
/* Append "?, ?, ..." for n ids, each bound. */
void sqlb_ids(struct sqlb *q, const int64_t *ids, size_t n);
struct db;
struct db_stmt;
int sqlb_prepare(struct db *db, const struct sqlb *q, struct db_stmt **ret) __attribute__((warn_unused_result));

/* The sort key's expression, for the statement's first column (the id
 * should be its second: page_row reads columns 0 and 1). */
void page_sql_key(struct sqlb *q, const struct list_page *p);
/* " AND (key, id) > (?, ?)" (or <) after the cursor's place, nothing on
 * the first page. */
void page_sql_after(struct sqlb *q, const struct list_page *p);
/* " ORDER BY key, id LIMIT limit + 1", both in the page's direction. */
void page_sql_order(struct sqlb *q, const struct list_page *p);

/* For each row read: true when it belongs to the page (its place is kept
 * for the cursor), false for the one row past the limit, which only says
 * there is a next page. */
bool page_row(struct list_page *p, struct db_stmt *st);
/* The same, for a statement whose key and id are columns key_col and id_col. */
bool page_row_at(struct list_page *p, struct db_stmt *st, int key_col, int id_col);

/* {"items": items, "next": cursor or null} into *ret; items is taken, also
 * on failure. */
int page_answer(struct list_page *p, json_t *items, json_t **ret) __attribute__((warn_unused_result));

/* A YYYY-MM-DD date of a filter: 0, or a field error under field. */
int page_date(const char *s, const char *field, struct field_errors *errs);

/* A search's text as a number (case or report) to look up whole, in
 * capitals, by the number's unique index: "c-2026-0042" is C-2026-0042.
 * A text that cannot be a number gives "-", which no number is. */
void page_number_text(const char *q, char *out, size_t size);
