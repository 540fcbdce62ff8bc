/* Tests for service/attachments: a file taken in pieces is stored sealed
 * in chunks and read back whole; the cap, the content check and the name
 * refuse and store nothing; who may attach, list and download, by role,
 * region and record relief; every use audited; an altered chunk never
 * read as the file; and an upload whole or absent when a statement or an
 * allocation fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "service/attachments.h"
#include "service/page.h"

/* The first page, two rows, and a cursor that is no page. */
static const struct page_query first = {0}, two = {.limit = "2"}, garbled = {.after = "x"};

#define MARKER "MARKER-attachment-bytes"

/* A PDF-looking file of n bytes with MARKER through it. */
static unsigned char *pdf_of(size_t n)
{
	unsigned char *b = malloc(n);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(i * 131 + (i >> 8));
	memcpy(b, "%PDF-1.7\n", 9);
	for (size_t at = 9; at + strlen(MARKER) <= n; at += 5003)
		memcpy(b + at, MARKER, strlen(MARKER));
	return b;
}

struct upload_arg {
	struct fx_user *as;
	enum attach_owner kind;
	int64_t owner;
	const char *name, *description;
	const unsigned char *data;
	size_t len, piece;
	int64_t declared;
	json_t *got;
	bool file_refused; /* the refusal named "file" */
};

static int upload_use_case(void *arg)
{
	struct upload_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_decref(a->got);
	a->got = NULL;
	struct attach_upload *u = NULL;
	int r = svc_attachment_begin(&a->as->ctx, a->kind, a->owner, a->name, a->description, a->declared, &errs, &u);
	for (size_t at = 0; r == 0 && at < a->len; at += a->piece)
		r = svc_attachment_write(u, a->data + at, a->len - at < a->piece ? a->len - at : a->piece);
	if (r == 0 || r == ERR_TOOBIG)
		r = u ? svc_attachment_finish(u, &errs, &a->got) : r;
	a->file_refused = fx_names_field(&errs, "file");
	svc_attachment_upload_free(u);
	field_errors_done(&errs);
	return r;
}

/* The whole of attachment id as fetched by as, into a new buffer. */
static int fetch(struct fx_user *as, int64_t id, unsigned char **ret, size_t *ret_len, struct attach_info *ret_info)
{
	struct attach_info info;
	struct attach_read *rd;
	int r = svc_attachment_open(&as->ctx, id, &info, &rd);
	if (r < 0)
		return r;
	unsigned char *all = malloc((size_t)info.size + 1);
	assert_non_null(all);
	size_t n = 0;
	const void *data;
	size_t len;
	while ((r = svc_attachment_next(rd, &data, &len)) == 0 && len) {
		assert_true(n + len <= (size_t)info.size);
		memcpy(all + n, data, len);
		n += len;
	}
	svc_attachment_read_free(rd);
	if (ret_info)
		*ret_info = info;
	else
		free(info.name);
	if (r < 0) {
		free(all);
		return r;
	}
	*ret = all;
	*ret_len = n;
	return 0;
}

static int64_t id_of(const json_t *j)
{
	return json_integer_value(json_object_get(j, "id"));
}

static void stored_nothing(int64_t attachments, int64_t chunks)
{
	assert_int_equal(fx_count("attachment", NULL), attachments);
	assert_int_equal(fx_count("attachment_chunk", NULL), chunks);
}

static void attach_under(fx_failure_loop each)
{
	struct fx_user careline, hart, liaison;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	char region[32];
	fx_case_region(region, sizeof region);
	fx_user(&liaison, ROLE_LIAISON, region);
	size_t n = 3 * ATTACH_CHUNK + 1234;
	unsigned char *file = pdf_of(n);
	struct upload_arg a = {.as = &hart, .kind = ATTACH_CASE, .owner = case_id, .name = "Police report.pdf",
			       .description = "From the Bridgeport PD", .data = file, .len = n, .piece = 7777,
			       .declared = -1};
	each(upload_use_case, &a);
	json_decref(a.got);
	/* The loop may end on a failure after the commit: read it back. */
	struct field_errors errs;
	field_errors_init(&errs, 4);
	json_t *list = NULL;
	assert_int_equal(svc_attachments_list(&hart.ctx, ATTACH_CASE, case_id, &first, &errs, &list), 0);
	field_errors_done(&errs);
	json_t *got = json_array_get(json_object_get(list, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(got, "name")), "Police report.pdf");
	assert_string_equal(json_string_value(json_object_get(got, "description")), "From the Bridgeport PD");
	assert_string_equal(json_string_value(json_object_get(got, "content_type")), "application/pdf");
	assert_int_equal(json_integer_value(json_object_get(got, "size")), (json_int_t)n);
	assert_string_equal(json_string_value(json_object_get(json_object_get(got, "added_by"), "username")),
			    hart.actor.username);
	assert_string_equal(json_string_value(json_object_get(got, "added_at")), "2026-11-28T18:40:00Z");
	int64_t id = id_of(got);
	json_decref(list);
	assert_int_equal(fx_count("attachment", NULL), 1);
	assert_int_equal(fx_count("attachment_chunk", NULL), 4);
	assert_int_equal(fx_count("audit", "action = 'attachment.add' AND object_type = 'case'"), 1);
	/* Sealed: neither the bytes nor the name are in clear. */
	assert_int_equal(fx_count("attachment_chunk", "instr(data, CAST('" MARKER "' AS BLOB)) > 0"), 0);
	assert_int_equal(fx_count("attachment", "instr(name, CAST('Police' AS BLOB)) > 0"), 0);
	/* The region's liaison reads it back whole, audited. */
	unsigned char *back = NULL;
	size_t len;
	struct attach_info info;
	assert_int_equal(fetch(&liaison, id, &back, &len, &info), 0);
	assert_int_equal(len, n);
	assert_memory_equal(back, file, n);
	assert_string_equal(info.name, "Police report.pdf");
	assert_string_equal(info.content_type, "application/pdf");
	free(info.name);
	free(back);
	assert_int_equal(fx_count("audit", "action = 'attachment.download' AND object_type = 'case'"), 1);
	free(file);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_file_in_pieces_is_stored_sealed_and_read_back_whole,
			  a_file_in_pieces_is_stored_whole_or_not_at_all_when_allocations_fail, attach_under)

UNIT_TEST_WITH(the_cap_refuses_a_file_past_it_and_stores_nothing, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	int cap = fx.app.pack->attachments.max_bytes;
	fx.app.pack->attachments.max_bytes = 1000;
	unsigned char *file = pdf_of(1001);
	struct upload_arg a = {.as = &hart, .kind = ATTACH_CASE, .owner = case_id, .name = "big.pdf", .data = file,
			       .len = 1001, .piece = 100, .declared = -1};
	assert_int_equal(upload_use_case(&a), ERR_TOOBIG);
	/* Declared past the cap: refused before a byte is taken. */
	a.declared = 1001;
	a.len = 0;
	assert_int_equal(upload_use_case(&a), ERR_TOOBIG);
	stored_nothing(0, 0);
	/* At the cap exactly, it is taken. */
	a.declared = 1000;
	a.len = 1000;
	assert_int_equal(upload_use_case(&a), 0);
	assert_int_equal(json_integer_value(json_object_get(a.got, "size")), 1000);
	json_decref(a.got);
	free(file);
	fx.app.pack->attachments.max_bytes = cap;
}

UNIT_TEST_WITH(the_content_decides_and_markup_programs_and_empty_files_are_refused, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	static const struct {
		const char *name, *data;
		size_t len;
	} refused[] = {
		{"page.pdf", "<html><script>alert(1)</script></html>", 39},
		{"drawing.png", "<svg xmlns='http://www.w3.org/2000/svg'/>", 41},
		{"run.txt", "#!/bin/sh\nrm -rf /\n", 19},
		{"photo.jpg", "\x7f" "ELF\x02\x01\x01\0", 8},
		{"empty.txt", "", 0},
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		struct upload_arg a = {.as = &hart, .kind = ATTACH_CASE, .owner = case_id, .name = refused[i].name,
				       .data = (const unsigned char *)refused[i].data, .len = refused[i].len, .piece = 5,
				       .declared = -1};
		assert_int_equal(upload_use_case(&a), ERR_INVAL);
		assert_true(a.file_refused);
	}
	stored_nothing(0, 0);
	assert_int_equal(fx_count("audit", "action = 'attachment.add'"), 0);
	/* A photo named as text is a photo. */
	struct upload_arg a = {.as = &hart, .kind = ATTACH_CASE, .owner = case_id, .name = "notes.txt",
			       .data = (const unsigned char *)"\xFF\xD8\xFF\xE0 a photo", .len = 12, .piece = 3,
			       .declared = -1};
	assert_int_equal(upload_use_case(&a), 0);
	assert_string_equal(json_string_value(json_object_get(a.got, "content_type")), "image/jpeg");
	assert_string_equal(json_string_value(json_object_get(a.got, "kind")), "JPEG picture");
	json_decref(a.got);
}

UNIT_TEST_WITH(a_name_is_one_line_of_text_without_a_slash, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	const char *bad[] = {NULL, "", "../../etc/passwd", "a\\b.pdf", "two\nlines", "\xC0\xAF.pdf"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct field_errors errs;
		field_errors_init(&errs, 10);
		struct attach_upload *u = NULL;
		assert_int_equal(svc_attachment_begin(&hart.ctx, ATTACH_CASE, case_id, bad[i], NULL, -1, &errs, &u),
				 ERR_INVAL);
		assert_true(fx_names_field(&errs, "name"));
		assert_null(u);
		field_errors_done(&errs);
	}
	char longer[ATTACH_DESCRIPTION_MAX + 2];
	memset(longer, 'x', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct attach_upload *u = NULL;
	assert_int_equal(svc_attachment_begin(&hart.ctx, ATTACH_CASE, case_id, "a.pdf", longer, -1, &errs, &u),
			 ERR_INVAL);
	assert_true(fx_names_field(&errs, "description"));
	field_errors_done(&errs);
}

UNIT_TEST_WITH(only_hart_and_the_regions_liaison_attach_list_and_download, fx_setup, fx_teardown)
{
	struct fx_user careline, hart, other;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	char region[32], sql[128], text[32];
	fx_case_region(region, sizeof region);
	snprintf(sql, sizeof sql, "SELECT person_id FROM child_case WHERE id = %lld", (long long)case_id);
	fx_text(sql, text, sizeof text);
	int64_t person_id = strtoll(text, NULL, 10);
	unsigned char *file = pdf_of(500);
	struct upload_arg a = {.as = &hart, .kind = ATTACH_CASE, .owner = case_id, .name = "r.pdf", .data = file,
			       .len = 500, .piece = 500, .declared = -1};
	assert_int_equal(upload_use_case(&a), 0);
	int64_t id = id_of(a.got);
	json_decref(a.got);
	a.got = NULL;
	for (int i = 0; i < FX_ROLES_BUT_ADMIN + 1; i++) {
		enum role role = i < FX_ROLES_BUT_ADMIN ? fx_roles_but_admin[i].role : ROLE_ADMIN;
		if (role == ROLE_HART || role == ROLE_LIAISON)
			continue;
		struct fx_user u;
		fx_user(&u, role, i < FX_ROLES_BUT_ADMIN ? fx_roles_but_admin[i].scope : NULL);
		a.as = &u;
		a.kind = ATTACH_CASE;
		a.owner = case_id;
		assert_int_equal(upload_use_case(&a), ERR_PERM);
		a.kind = ATTACH_PERSON;
		a.owner = person_id;
		assert_int_equal(upload_use_case(&a), ERR_PERM);
		struct field_errors errs;
		field_errors_init(&errs, 4);
		json_t *got = NULL;
		assert_int_equal(svc_attachments_list(&u.ctx, ATTACH_CASE, case_id, &first, &errs, &got), ERR_PERM);
		assert_int_equal(svc_attachments_list(&u.ctx, ATTACH_PERSON, person_id, &first, &errs, &got), ERR_PERM);
		field_errors_done(&errs);
		unsigned char *back = NULL;
		size_t len;
		assert_int_equal(fetch(&u, id, &back, &len, NULL), ERR_PERM);
		assert_null(back);
	}
	/* A liaison of another region: the case is out of scope, the child
	 * out of reach. */
	fx_user(&other, ROLE_LIAISON, fx_other_region(region));
	a.as = &other;
	a.kind = ATTACH_CASE;
	a.owner = case_id;
	assert_int_equal(upload_use_case(&a), ERR_PERM);
	a.kind = ATTACH_PERSON;
	a.owner = person_id;
	assert_int_equal(upload_use_case(&a), ERR_NOTFOUND);
	unsigned char *back = NULL;
	size_t len;
	assert_int_equal(fetch(&other, id, &back, &len, NULL), ERR_PERM);
	stored_nothing(1, 1);
	assert_int_equal(fx_count("audit", "action = 'attachment.download'"), 0);
	free(file);
}

UNIT_TEST_WITH(a_childs_attachments_are_listed_newest_first_page_by_page, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	char text[32];
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT person_id FROM child_case WHERE id = %lld", (long long)case_id);
	fx_text(sql, text, sizeof text);
	int64_t person_id = strtoll(text, NULL, 10);
	const char *names[] = {"one.txt", "two.txt", "three.txt"};
	for (int i = 0; i < 3; i++) {
		struct upload_arg a = {.as = &hart, .kind = ATTACH_PERSON, .owner = person_id, .name = names[i],
				       .data = (const unsigned char *)"Notes of a visit.\n", .len = 18, .piece = 4,
				       .declared = 18};
		assert_int_equal(upload_use_case(&a), 0);
		json_decref(a.got);
	}
	struct field_errors errs;
	field_errors_init(&errs, 4);
	json_t *page = NULL;
	assert_int_equal(svc_attachments_list(&hart.ctx, ATTACH_PERSON, person_id, &two, &errs, &page), 0);
	json_t *items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")), "three.txt");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "kind")), "Plain text");
	const char *next = json_string_value(json_object_get(page, "next"));
	assert_non_null(next);
	json_t *rest = NULL;
	struct page_query two_more = {.limit = "2", .after = next};
	assert_int_equal(svc_attachments_list(&hart.ctx, ATTACH_PERSON, person_id, &two_more, &errs, &rest), 0);
	assert_int_equal(json_array_size(json_object_get(rest, "items")), 1);
	assert_true(json_is_null(json_object_get(rest, "next")));
	json_decref(page);
	json_decref(rest);
	/* The case has none of the child's. */
	assert_int_equal(svc_attachments_list(&hart.ctx, ATTACH_CASE, case_id, &first, &errs, &page), 0);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
	json_decref(page);
	assert_int_equal(svc_attachments_list(&hart.ctx, ATTACH_CASE, case_id, &garbled, &errs, &page), ERR_INVAL);
	assert_true(fx_names_field(&errs, "after"));
	field_errors_done(&errs);
	assert_int_equal(fx_count("audit", "action = 'attachment.list' AND object_type = 'person'"), 2);
	assert_int_equal(fx_count("audit", "action = 'attachment.add' AND object_type = 'person'"), 3);
}

UNIT_TEST_WITH(a_case_restricted_by_relief_restricts_its_attachments, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	unsigned char *file = pdf_of(300);
	struct upload_arg a = {.as = &hart, .kind = ATTACH_CASE, .owner = case_id, .name = "r.pdf", .data = file,
			       .len = 300, .piece = 300, .declared = -1};
	assert_int_equal(upload_use_case(&a), 0);
	int64_t id = id_of(a.got);
	json_decref(a.got);
	a.got = NULL;
	char sql[400];
	snprintf(sql, sizeof sql,
		 "INSERT INTO relief_record (person_id, court, offence, status, created_at, updated_at)"
		 " SELECT person_id, 'Superior Court', 'prostitution', 'granted', '2026-11-01T00:00:00Z',"
		 " '2026-11-01T00:00:00Z' FROM child_case WHERE id = %lld",
		 (long long)case_id);
	fx_exec(sql);
	snprintf(sql, sizeof sql,
		 "INSERT INTO relief_link (relief_id, kind, object_id) SELECT max(id), 'case', %lld FROM relief_record",
		 (long long)case_id);
	fx_exec(sql);
	assert_int_equal(upload_use_case(&a), ERR_RESTRICTED);
	unsigned char *back = NULL;
	size_t len;
	assert_int_equal(fetch(&hart, id, &back, &len, NULL), ERR_RESTRICTED);
	struct field_errors errs;
	field_errors_init(&errs, 4);
	json_t *got = NULL;
	assert_int_equal(svc_attachments_list(&hart.ctx, ATTACH_CASE, case_id, &first, &errs, &got), ERR_RESTRICTED);
	field_errors_done(&errs);
	stored_nothing(1, 1);
	free(file);
}

UNIT_TEST_WITH(an_altered_or_missing_chunk_is_never_read_as_the_file, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	size_t n = 2 * ATTACH_CHUNK + 10;
	unsigned char *file = pdf_of(n);
	struct upload_arg a = {.as = &hart, .kind = ATTACH_CASE, .owner = case_id, .name = "r.pdf", .data = file,
			       .len = n, .piece = 40000, .declared = -1};
	assert_int_equal(upload_use_case(&a), 0);
	int64_t id = id_of(a.got);
	json_decref(a.got);
	/* Two chunks' sealed bytes swapped: each is bound to its own row. */
	fx_exec("UPDATE attachment_chunk SET data = (SELECT data FROM attachment_chunk WHERE seq = 1) WHERE seq = 0");
	unsigned char *back = NULL;
	size_t len;
	assert_int_equal(fetch(&hart, id, &back, &len, NULL), ERR_INVAL);
	/* A chunk gone: the file is not whole. */
	fx_exec("DELETE FROM attachment_chunk WHERE seq = 0");
	assert_int_equal(fetch(&hart, id, &back, &len, NULL), ERR_INVAL);
	assert_null(back);
	free(file);
}

/* Upload n bytes of a PDF to case_id as hart: the attachment's id. */
static int64_t upload_pdf(struct fx_user *hart, int64_t case_id, const unsigned char *file, size_t n)
{
	struct upload_arg a = {.as = hart, .kind = ATTACH_CASE, .owner = case_id, .name = "r.pdf", .data = file,
			       .len = n, .piece = 40000, .declared = -1};
	assert_int_equal(upload_use_case(&a), 0);
	int64_t id = id_of(a.got);
	json_decref(a.got);
	return id;
}

UNIT_TEST_WITH(chunks_swapped_moved_or_cut_are_never_read_as_the_file, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	size_t n = 3 * ATTACH_CHUNK;
	unsigned char *file = pdf_of(n + 10), *back = NULL;
	size_t len;
	int64_t a = upload_pdf(&hart, case_id, file, n), b = upload_pdf(&hart, case_id, file, n);
	int64_t c = upload_pdf(&hart, case_id, file, n + 10);
	char sql[512];
	assert_int_equal(fetch(&hart, a, &back, &len, NULL), 0);
	assert_int_equal(len, n);
	free(back);
	back = NULL;
	/* Two whole chunks of a change places: each names its place. */
	snprintf(sql, sizeof sql,
		 "UPDATE attachment_chunk SET seq = 99 WHERE attachment_id = %lld AND seq = 0;"
		 "UPDATE attachment_chunk SET seq = 0 WHERE attachment_id = %lld AND seq = 1;"
		 "UPDATE attachment_chunk SET seq = 1 WHERE attachment_id = %lld AND seq = 99",
		 (long long)a, (long long)a, (long long)a);
	fx_exec(sql);
	assert_int_equal(fetch(&hart, a, &back, &len, NULL), ERR_INVAL);
	/* A chunk of b moved into c's place: it names b. */
	snprintf(sql, sizeof sql,
		 "DELETE FROM attachment_chunk WHERE attachment_id = %lld AND seq = 1;"
		 "UPDATE attachment_chunk SET attachment_id = %lld WHERE attachment_id = %lld AND seq = 1",
		 (long long)c, (long long)c, (long long)b);
	fx_exec(sql);
	assert_int_equal(fetch(&hart, c, &back, &len, NULL), ERR_INVAL);
	/* b's tail cut, its length and count lowered to match: each chunk
	 * names the count it was stored with. */
	snprintf(sql, sizeof sql,
		 "DELETE FROM attachment_chunk WHERE attachment_id = %lld AND seq = 2;"
		 "UPDATE attachment SET chunks = 1, size_bytes = %d WHERE id = %lld;"
		 "DELETE FROM attachment_chunk WHERE attachment_id = %lld AND seq = 1",
		 (long long)b, ATTACH_CHUNK, (long long)b, (long long)b);
	fx_exec(sql);
	assert_int_equal(fetch(&hart, b, &back, &len, NULL), ERR_INVAL);
	assert_null(back);
	free(file);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
