/* test_page: one page of a list (service/page.h): the request checked, the
 * cursor written and read back, garbage and forged cursors refused under
 * "after" in plain words, and keyset pages over a real SQLite table that
 * never answer a row twice nor skip one while rows are added between
 * pages. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/err.h"
#include "db/db.h"
#include "service/page.h"

static const struct page_sort sorts[] = {
	{"name", "t.name"},
	{"at", "t.at"},
	{"id", "t.id"},
	{NULL, NULL},
};
static const struct page_list things = {"things", "t.id", sorts, "-at"};
static const struct page_list others = {"others", "t.id", sorts, "-at"};

/* The reason given for field, or NULL. */
static const char *reason(const struct field_errors *errs, const char *field)
{
	size_t i;
	json_t *e;
	json_array_foreach(errs->list, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
			return json_string_value(json_object_get(e, "reason"));
	}
	return NULL;
}

/* page_parse of q on l: its result, with the errors left in errs. */
static int parse(const struct page_list *l, struct page_query q, struct list_page *p, struct field_errors *errs)
{
	field_errors_init(errs, 10);
	return page_parse(l, &q, p, errs);
}

UNIT_TEST(a_request_without_limit_sort_or_cursor_is_the_first_page_of_50_in_the_default_order)
{
	struct list_page p;
	struct field_errors errs;
	assert_int_equal(parse(&things, (struct page_query){0}, &p, &errs), 0);
	assert_int_equal(p.limit, 50);
	assert_string_equal(p.sort->name, "at");
	assert_true(p.desc);
	assert_false(p.has_after);
	field_errors_done(&errs);
	assert_int_equal(parse(&things, (struct page_query){.limit = "", .after = "", .sort = ""}, &p, &errs), 0);
	assert_int_equal(p.limit, 50);
	field_errors_done(&errs);
	assert_int_equal(parse(&things, (struct page_query){.limit = "500", .sort = "name"}, &p, &errs), 0);
	assert_int_equal(p.limit, 500);
	assert_false(p.desc);
	field_errors_done(&errs);
}

UNIT_TEST(a_limit_out_of_range_and_a_sort_not_in_the_set_are_refused_in_plain_words)
{
	struct list_page p;
	struct field_errors errs;
	static const char *const bad_limits[] = {"0", "501", "-1", "ten", "5x", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad_limits / sizeof *bad_limits; i++) {
		assert_int_equal(parse(&things, (struct page_query){.limit = bad_limits[i]}, &p, &errs), ERR_INVAL);
		assert_non_null(strstr(reason(&errs, "limit"), "from 1 to 500"));
		field_errors_done(&errs);
	}
	static const char *const bad_sorts[] = {"child", "-", "--at", "name desc", "t.name", "NAME"};
	for (size_t i = 0; i < sizeof bad_sorts / sizeof *bad_sorts; i++) {
		assert_int_equal(parse(&things, (struct page_query){.sort = bad_sorts[i]}, &p, &errs), ERR_INVAL);
		const char *why = reason(&errs, "sort");
		assert_non_null(why);
		assert_non_null(strstr(why, "name, at or id"));
		assert_null(strstr(why, "t.name"));
		field_errors_done(&errs);
	}
}

UNIT_TEST(a_cursor_reads_back_as_the_place_it_was_written_for)
{
	struct list_page p, q;
	struct field_errors errs;
	char cur[512];
	assert_int_equal(parse(&things, (struct page_query){.sort = "-name"}, &p, &errs), 0);
	field_errors_done(&errs);
	assert_int_equal(page_cursor(&p, "Zoë, \"quoted\"\nand a new line", 42, cur, sizeof cur), 0);
	assert_null(strpbrk(cur, "+/=%&? "));
	assert_int_equal(parse(&things, (struct page_query){.sort = "-name", .after = cur}, &q, &errs), 0);
	assert_true(q.has_after);
	assert_int_equal(q.id, 42);
	assert_string_equal(q.key, "Zoë, \"quoted\"\nand a new line");
	field_errors_done(&errs);
	/* Too small a buffer is refused, not cut. */
	assert_int_equal(page_cursor(&p, "key", 42, cur, 8), ERR_INVAL);
}

UNIT_TEST(garbage_and_cursors_of_another_list_or_order_are_refused_naming_after)
{
	struct list_page p;
	struct field_errors errs;
	char cur[512], forged[512], big[2048];
	assert_int_equal(parse(&things, (struct page_query){0}, &p, &errs), 0);
	field_errors_done(&errs);
	assert_int_equal(page_cursor(&p, "2026-11-28T15:00:00Z", 7, cur, sizeof cur), 0);
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	/* Plain text that is not a cursor; base64 of the wrong shape; a
	 * forged one with a bad id; one with a NUL inside. */
	const char *bad_id = "things\n-at\n-3\nkey", *nul = "things\n-at\n7\nk\0ey";
	char forged_nul[64];
	sodium_bin2base64(forged, sizeof forged, (const unsigned char *)bad_id, strlen(bad_id),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(forged_nul, sizeof forged_nul, (const unsigned char *)nul, 17,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	const char *garbage[] = {"7", "x", "!!!!", "AAAA", "dGhpbmdz", big, forged, forged_nul, "===="};
	for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++) {
		assert_int_equal(parse(&things, (struct page_query){.after = garbage[i]}, &p, &errs), ERR_INVAL);
		const char *why = reason(&errs, "after");
		assert_non_null(why);
		assert_string_equal(why, "not a page of this list: start again from the first page");
		field_errors_done(&errs);
	}
	/* The same cursor, for another order or another list. */
	assert_int_equal(parse(&things, (struct page_query){.sort = "at", .after = cur}, &p, &errs), ERR_INVAL);
	assert_non_null(reason(&errs, "after"));
	field_errors_done(&errs);
	assert_int_equal(parse(&others, (struct page_query){.after = cur}, &p, &errs), ERR_INVAL);
	assert_non_null(reason(&errs, "after"));
	field_errors_done(&errs);
}

UNIT_TEST(a_search_text_is_a_number_only_when_it_can_be_one)
{
	char out[64];
	page_number_text("c-2026-0042", out, sizeof out);
	assert_string_equal(out, "C-2026-0042");
	static const char *const not_numbers[] = {"Katie Smyth", "%", "_", "50%", "a'b", "", NULL};
	for (size_t i = 0; i < sizeof not_numbers / sizeof *not_numbers; i++) {
		page_number_text(not_numbers[i], out, sizeof out);
		assert_string_equal(out, "-");
	}
	page_number_text("C-2026-0042-and-more-than-the-buffer-holds", out, 16);
	assert_string_equal(out, "-");
}

UNIT_TEST(a_statement_that_does_not_fit_is_refused_before_it_is_prepared)
{
	struct sqlb s;
	sqlb_init(&s);
	for (int i = 0; i < SQL_PARAMS_MAX + 1; i++)
		sqlb_add(&s, " ?", "d", i);
	assert_true(s.full);
	assert_int_equal(sqlb_prepare(NULL, &s, NULL), ERR_INVAL);
	sqlb_init(&s);
	sqlb_add(&s, "SELECT 1", "x", 1);
	assert_true(s.full);
}

/* ---- keyset pages over a table ---- */

struct table {
	char dir[64], url[96];
	struct db *db;
};

static int table_setup(void **state)
{
	struct table *t = calloc(1, sizeof *t);
	assert_non_null(t);
	snprintf(t->dir, sizeof t->dir, "/tmp/hartline-page-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->url, sizeof t->url, "%s/t.db", t->dir);
	char err[256];
	assert_int_equal(db_open(t->url, &t->db, err, sizeof err), 0);
	assert_int_equal(db_exec(t->db, "CREATE TABLE thing (id INTEGER PRIMARY KEY, name TEXT NOT NULL, at TEXT NOT NULL)"),
			 0);
	assert_int_equal(db_exec(t->db, "CREATE INDEX thing_name ON thing (name, id)"), 0);
	*state = t;
	return 0;
}

static int table_teardown(void **state)
{
	struct table *t = *state;
	char path[128];
	db_close(t->db);
	static const char *const files[] = {"t.db", "t.db-wal", "t.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", t->dir, files[i]);
		unlink(path);
	}
	rmdir(t->dir);
	free(t);
	return 0;
}

static void add_thing(struct db *db, int k)
{
	char name[16];
	/* Few names, so that many rows tie on the key and the id decides. */
	snprintf(name, sizeof name, "n%02d", k % 7);
	assert_int_equal(db_execf(db, "INSERT INTO thing (name, at) VALUES (?, ?)", "tt", name, "2026-11-28T15:00:00Z"),
			 0);
}

/* One page of things after cursor (may be ""), sorted by sort: the ids into
 * ids (from *n on), the next cursor into next ("" at the end). */
static void one_page(struct db *db, const char *sort, const char *after, int64_t *ids, size_t *n, char *next)
{
	struct list_page p;
	struct field_errors errs;
	field_errors_init(&errs, 4);
	struct page_query q = {.limit = "4", .sort = sort, .after = after};
	assert_int_equal(page_parse(&things, &q, &p, &errs), 0);
	field_errors_done(&errs);
	struct sqlb s;
	sqlb_init(&s);
	sqlb_add(&s, "SELECT ", "");
	page_sql_key(&s, &p);
	sqlb_add(&s, ", t.id FROM thing t WHERE t.name <> ?", "t", "excluded");
	page_sql_after(&s, &p);
	page_sql_order(&s, &p);
	struct db_stmt *st;
	assert_int_equal(sqlb_prepare(db, &s, &st), 0);
	json_t *items = json_array();
	int r;
	while ((r = db_step(st)) == DB_ROW && page_row(&p, st)) {
		ids[(*n)++] = db_column_int64(st, 1);
		assert_int_equal(json_array_append_new(items, json_integer(db_column_int64(st, 1))), 0);
	}
	assert_true(r >= 0);
	db_finalize(st);
	json_t *ans;
	assert_int_equal(page_answer(&p, items, &ans), 0);
	assert_int_equal(json_array_size(json_object_get(ans, "items")), json_array_size(items));
	json_t *nx = json_object_get(ans, "next");
	snprintf(next, 512, "%s", json_is_string(nx) ? json_string_value(nx) : "");
	json_decref(ans);
}

UNIT_TEST_WITH(keyset_pages_answer_every_row_once_in_order_while_rows_are_added_between_pages, table_setup,
	       table_teardown)
{
	struct table *t = *state;
	static const char *const orders[] = {"name", "-name", "id", "-id"};
	for (size_t o = 0; o < 4; o++) {
		assert_int_equal(db_exec(t->db, "DELETE FROM thing"), 0);
		for (int k = 0; k < 30; k++)
			add_thing(t->db, k);
		int64_t before_max = 0, ids[200];
		assert_int_equal(db_query_int64(t->db, "SELECT max(id) FROM thing", &before_max), 0);
		size_t n = 0;
		char after[512] = "", next[512];
		int pages = 0;
		do {
			one_page(t->db, orders[o], after, ids, &n, next);
			/* Rows added between pages. */
			add_thing(t->db, 100 + pages);
			memcpy(after, next, sizeof after);
			pages++;
		} while (after[0] && pages < 100);
		assert_true(pages > 7);
		/* No row twice; every row there before the first page answered. */
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				assert_true(ids[i] != ids[j]);
		for (int64_t id = before_max - 29; id <= before_max; id++) {
			bool seen = false;
			for (size_t i = 0; i < n; i++)
				seen |= ids[i] == id;
			assert_true(seen);
		}
	}
}

static int group_setup(void **state)
{
	(void)state;
	return crypto_init() < 0 ? -1 : 0;
}

int main(void)
{
	return unit_run("page", group_setup, NULL);
}
