/* Tests for service/contacts: the directory is kept by HART and the
 * administrator, its fields are checked by the schema and by what only
 * code can say, the people in it are sealed, and a create or an update is
 * whole or absent when a statement fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <string.h>

#include "base/err.h"
#include "service/contacts.h"
#include "service/page.h"

static const struct page_query first = {0};

struct contact_arg {
	struct fx_user *hart;
	json_t *body;
	int64_t id;
	json_t *got;
};

FX_USE_CASE_WITH_ERRS(create_use_case, contact_arg, svc_contact_create(&a->hart->ctx, a->body, &errs, &a->id))

static int update_use_case(void *arg)
{
	struct contact_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_decref(a->got);
	a->got = NULL;
	int r = svc_contact_update(&a->hart->ctx, a->id, a->body, &errs, &a->got);
	field_errors_done(&errs);
	return r;
}

static void a_contact_is_recorded_and_changed_whole_and_sealed_under(fx_failure_loop each)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct contact_arg a = {.hart = &hart,
				.body = fx_json("{\"name\": \"Lee Example\", \"kind\": \"other\", \"title\": \"Liaison\","
						" \"phone\": \"203-555-0100\", \"email\": \"lee@example.org\"}")};
	each(create_use_case, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("contact", NULL), 1);
	assert_int_equal(fx_count("contact", "name_sealed IS NOT NULL AND phone_sealed IS NOT NULL"), 1);
	assert_int_equal(fx_count("audit", "action = 'contact.create'"), 1);

	a.body = fx_json("{\"title\": null, \"phone\": \"\", \"active\": false}");
	/* The last run may have failed reading the contact back, after its
	 * commit: the list says what was written. */
	each(update_use_case, &a);
	json_decref(a.body);
	json_decref(a.got);
	assert_int_equal(fx_count("contact", "phone_sealed IS NULL AND active = 0"), 1);
	assert_int_equal(fx_count("audit", "action = 'contact.update'"), 1);

	json_t *list = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 4);
	assert_int_equal(svc_contacts_list(&hart.ctx, false, &first, &errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 0);
	json_decref(list);
	assert_int_equal(svc_contacts_list(&hart.ctx, true, &first, &errs, &list), 0);
	json_t *c = json_array_get(json_object_get(list, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "name")), "Lee Example");
	assert_string_equal(json_string_value(json_object_get(c, "email")), "lee@example.org");
	assert_true(json_is_null(json_object_get(c, "title")));
	assert_true(json_is_false(json_object_get(c, "active")));
	json_decref(list);
	field_errors_done(&errs);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_contact_is_recorded_and_changed_whole_and_sealed, a_contact_is_recorded_and_changed_whole_and_sealed_when_allocations_fail, a_contact_is_recorded_and_changed_whole_and_sealed_under)

/* The field named in errs' entry i, or "". */
static bool names(const struct field_errors *errs, const char *field)
{
	char line[300];
	for (size_t i = 0; i < errs->count && field_error_format(errs, i, line, sizeof line) == 0; i++)
		if (strncmp(line, field, strlen(field)) == 0)
			return true;
	return false;
}

/* as's create of text is refused with ERR_INVAL, naming each of the n
 * fields, in count messages (0: any number). */
static void create_refused(const struct fx_user *as, const char *text, const char *const *fields, size_t n,
			   size_t count)
{
	json_t *body = fx_json(text);
	struct field_errors errs;
	field_errors_init(&errs, 20);
	int64_t id = 0;
	assert_int_equal(svc_contact_create(&as->ctx, body, &errs, &id), ERR_INVAL);
	for (size_t i = 0; i < n; i++)
		assert_true(names(&errs, fields[i]));
	if (count)
		assert_int_equal(errs.count, count);
	field_errors_done(&errs);
	json_decref(body);
}

UNIT_TEST_WITH(bad_fields_are_named_and_nothing_is_stored, fx_setup, fx_teardown)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	static const char *const fields[] = {"name", "kind", "region", "colour", "phone"};
	/* One message per field: the schema's or the code's, never both. */
	create_refused(&hart,
		       "{\"name\": \"Two\\nlines\", \"kind\": \"boss\", \"region\": \"R99\", \"colour\": 1,"
		       " \"phone\": \"12\"}",
		       fields, sizeof fields / sizeof *fields, 5);
	static const char *const name[] = {"name"};
	create_refused(&hart, "{\"kind\": \"other\"}", name, 1, 0);
	assert_int_equal(fx_count("contact", NULL), 0);
}

UNIT_TEST_WITH(only_hart_and_the_administrator_keep_the_directory, fx_setup, fx_teardown)
{
	struct fx_user careline, admin;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&admin, ROLE_ADMIN, NULL);
	json_t *body = fx_json("{\"name\": \"Sam Demo\", \"kind\": \"mdt_coordinator\"}");
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int64_t id = 0;
	assert_int_equal(svc_contact_create(&careline.ctx, body, &errs, &id), ERR_PERM);
	assert_int_equal(svc_contact_create(&admin.ctx, body, &errs, &id), 0);
	json_t *got = NULL;
	assert_int_equal(svc_contact_update(&careline.ctx, id, body, &errs, &got), ERR_PERM);
	assert_int_equal(svc_contact_update(&admin.ctx, id + 1, body, &errs, &got), ERR_NOTFOUND);
	json_t *list = NULL;
	assert_int_equal(svc_contacts_list(&careline.ctx, false, &first, &errs, &list), 0);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	json_decref(list);
	list = NULL;
	assert_int_equal(svc_contacts_list(&careline.ctx, true, &first, &errs, &list), ERR_PERM);
	field_errors_done(&errs);
	json_decref(body);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
