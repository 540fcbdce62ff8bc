/* Tests for service/providers: HART and the administrator keep the
 * directory and everyone signed in searches it; lists replace, versions
 * guard changes, staff contacts are sealed and shown only to their
 * keepers (audited), the export leaves them out, a provider user's scope
 * must name a provider, and every write is whole or absent when a
 * statement or an allocation fails. */
#include "svc_fixture.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "service/cases.h"
#include "service/providers.h"
#include "service/users.h"

#define BODY                                                                                                  \
	"{\"code\": \"harbor_test\", \"name\": \"Harbor Test (synthetic)\", \"services\": [\"mentoring\","     \
	" \"survivor_care_rapid\"], \"regions\": [\"R1\", \"R2\"], \"populations\": [\"girls\"],"              \
	" \"languages\": [\"English\", \"Spanish\"], \"age_min\": 12, \"age_max\": 18, \"capacity\": 6,"       \
	" \"openings\": 2, \"phone\": \"203-555-0100\", \"staff\": [{\"name\": \"Sam Staffer\", \"role\":"     \
	" \"Director\", \"email\": \"sam@example.org\"}], \"informed_status\": \"informed\","                   \
	" \"informed_basis\": \"Day 1 and Day 2, 3 staff\", \"informed_until\": \"2027-03-12\"}"

struct provider_arg {
	struct fx_user *as;
	json_t *body;
	int64_t id;
	json_t *got;
};

static int create_use_case(void *arg)
{
	struct provider_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	json_decref(a->got);
	a->got = NULL;
	int r = svc_provider_create(&a->as->ctx, a->body, &errs, &a->got);
	field_errors_done(&errs);
	return r;
}

static int update_use_case(void *arg)
{
	struct provider_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	json_decref(a->got);
	a->got = NULL;
	int r = svc_provider_update(&a->as->ctx, a->id, a->body, &errs, &a->got);
	field_errors_done(&errs);
	return r;
}

static int64_t add(struct fx_user *as, const char *text)
{
	json_t *body = fx_json(text), *got = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	int r = svc_provider_create(&as->ctx, body, &errs, &got);
	fx_assert_no_errors(r, &errs);
	int64_t id = json_integer_value(json_object_get(got, "id"));
	json_decref(got);
	json_decref(body);
	return id;
}

static void a_provider_is_added_and_changed_whole_and_sealed_under(fx_failure_loop each)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct provider_arg a = {.as = &hart, .body = fx_json(BODY)};
	each(create_use_case, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("provider", "code = 'harbor_test' AND openings = 2 AND staff IS NOT NULL"), 1);
	assert_int_equal(fx_count("provider_offer", NULL), 7);
	assert_int_equal(fx_count("provider", "CAST(staff AS TEXT) LIKE '%Sam Staffer%'"), 0);
	assert_int_equal(fx_count("audit", "action = 'provider.create'"), 1);
	char id[24];
	fx_text("SELECT id FROM provider", id, sizeof id);
	a.id = strtoll(id, NULL, 10);

	a.body = fx_json("{\"version\": 1, \"openings\": 0, \"regions\": [\"R3\"], \"staff\": null, \"phone\": null}");
	each(update_use_case, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("provider", "openings = 0 AND version = 2 AND staff IS NULL AND phone IS NULL"), 1);
	assert_int_equal(fx_count("provider_offer", "kind = 'region'"), 1);
	assert_int_equal(fx_count("provider_offer", "kind = 'service'"), 2);
	assert_int_equal(fx_count("audit", "action = 'provider.update'"), 1);
	json_decref(a.got);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_provider_is_added_and_changed_whole_and_sealed,
			  a_provider_is_added_and_changed_whole_and_sealed_when_allocations_fail,
			  a_provider_is_added_and_changed_whole_and_sealed_under)

UNIT_TEST_WITH(the_document_has_every_field_and_staff_only_for_its_keepers, fx_setup, fx_teardown)
{
	struct fx_user hart, careline, own, other;
	fx_user(&hart, ROLE_HART, NULL);
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&own, ROLE_PROVIDER, "harbor_test");
	fx_user(&other, ROLE_PROVIDER, "elsewhere");
	int64_t id = add(&hart, BODY);
	json_t *p = NULL;
	assert_int_equal(svc_provider_get(&careline.ctx, id, &p), 0);
	assert_string_equal(json_string_value(json_object_get(p, "informed_until")), "2027-03-12");
	assert_int_equal(json_array_size(json_object_get(p, "services")), 2);
	assert_int_equal(json_array_size(json_object_get(p, "languages")), 2);
	assert_int_equal(json_integer_value(json_object_get(p, "age_max")), 18);
	assert_null(json_object_get(p, "staff"));
	json_decref(p);
	assert_int_equal(svc_provider_get(&other.ctx, id, &p), 0);
	assert_null(json_object_get(p, "staff"));
	json_decref(p);
	assert_int_equal(fx_count("audit", "action = 'provider.staff_read'"), 0);
	assert_int_equal(svc_provider_get(&own.ctx, id, &p), 0);
	json_t *s = json_array_get(json_object_get(p, "staff"), 0);
	assert_string_equal(json_string_value(json_object_get(s, "email")), "sam@example.org");
	json_decref(p);
	assert_int_equal(fx_count("audit", "action = 'provider.staff_read'"), 1);
	assert_int_equal(svc_provider_get(&careline.ctx, id + 1, &p), ERR_NOTFOUND);

	json_t *mine = NULL;
	assert_int_equal(svc_provider_of_actor(&own.ctx, &mine), 0);
	assert_string_equal(json_string_value(json_object_get(mine, "name")), "Harbor Test (synthetic)");
	json_decref(mine);
	assert_int_equal(svc_provider_of_actor(&careline.ctx, &mine), 0);
	assert_null(mine);
}

/* Whether errs names field. */
static bool names(const struct field_errors *errs, const char *field)
{
	return fx_names_field(errs, field);
}

UNIT_TEST_WITH(bad_fields_are_named_in_the_forms_words_and_nothing_is_stored, fx_setup, fx_teardown)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	json_t *body = fx_json("{\"code\": \"Bad-Code\", \"name\": \"Two\\nlines\", \"services\": [\"astrology\"],"
			       " \"regions\": [], \"populations\": [\"aliens\"], \"languages\": [\"\"], \"age_min\": 19,"
			       " \"age_max\": 14, \"capacity\": 2, \"openings\": 3, \"phone\": \"12\","
			       " \"informed_until\": \"2027-02-30\", \"staff\": [{\"role\": \"x\", \"colour\": \"red\"}]}");
	struct field_errors errs;
	field_errors_init(&errs, 50);
	json_t *got = NULL;
	assert_int_equal(svc_provider_create(&hart.ctx, body, &errs, &got), ERR_INVAL);
	static const char *const fields[] = {"code", "name", "services[0]", "regions", "populations[0]",
					     "languages[0]", "age_max", "openings", "phone", "informed_until",
					     "staff[0]", "staff[0].name"};
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (!names(&errs, fields[i]))
			fail_msg("%s not named", fields[i]);
	field_errors_done(&errs);
	json_decref(body);
	assert_int_equal(fx_count("provider", NULL), 0);
	assert_int_equal(fx_count("provider_offer", NULL), 0);

	int64_t id = add(&hart, BODY);
	body = fx_json(BODY);
	field_errors_init(&errs, 20);
	assert_int_equal(svc_provider_create(&hart.ctx, body, &errs, &got), ERR_EXISTS);
	field_errors_done(&errs);
	json_decref(body);
	body = fx_json("{\"version\": 1, \"openings\": 7}");
	field_errors_init(&errs, 20);
	assert_int_equal(svc_provider_update(&hart.ctx, id, body, &errs, &got), ERR_INVAL);
	assert_true(names(&errs, "openings"));
	field_errors_done(&errs);
	json_decref(body);
	body = fx_json("{\"version\": 9, \"openings\": 1}");
	field_errors_init(&errs, 20);
	assert_int_equal(svc_provider_update(&hart.ctx, id, body, &errs, &got), ERR_CONFLICT);
	field_errors_done(&errs);
	json_decref(body);
	assert_int_equal(fx_count("provider", "version = 1 AND openings = 2"), 1);
}

UNIT_TEST_WITH(the_code_links_the_agencys_users_and_cannot_be_changed, fx_setup, fx_teardown)
{
	struct fx_user hart, own;
	fx_user(&hart, ROLE_HART, NULL);
	fx_user(&own, ROLE_PROVIDER, "harbor_test");
	int64_t id = add(&hart, BODY);
	struct field_errors errs;
	field_errors_init(&errs, 20);
	json_t *got = NULL, *body = fx_json("{\"version\": 1, \"code\": \"renamed\"}");
	assert_int_equal(svc_provider_update(&hart.ctx, id, body, &errs, &got), ERR_INVAL);
	assert_true(names(&errs, "code"));
	char line[300];
	assert_int_equal(field_error_format(&errs, 0, line, sizeof line), 0);
	assert_non_null(strstr(line, "The code cannot be changed; it is how the agency's users are linked to it."));
	field_errors_done(&errs);
	json_decref(body);
	assert_int_equal(fx_count("provider", "code = 'harbor_test' AND version = 1"), 1);
	/* The same code, sent back with the rest of the form, is no change. */
	body = fx_json("{\"version\": 1, \"code\": \"harbor_test\", \"openings\": 1}");
	field_errors_init(&errs, 20);
	fx_assert_no_errors(svc_provider_update(&hart.ctx, id, body, &errs, &got), &errs);
	json_decref(body);
	json_decref(got);
	assert_int_equal(fx_count("provider", "code = 'harbor_test' AND version = 2"), 1);
	/* The agency's user still reaches its agency. */
	json_t *mine = NULL;
	assert_int_equal(svc_provider_of_actor(&own.ctx, &mine), 0);
	assert_non_null(mine);
	json_decref(mine);
}

UNIT_TEST_WITH(only_hart_and_the_administrator_keep_the_directory, fx_setup, fx_teardown)
{
	struct fx_user admin, hart;
	fx_user(&admin, ROLE_ADMIN, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	int64_t id = add(&admin, BODY);
	json_t *body = fx_json("{\"code\": \"other_one\", \"name\": \"Other\", \"services\": [\"mentoring\"],"
			       " \"regions\": [\"R1\"]}");
	json_t *patch = fx_json("{\"version\": 1, \"openings\": 0}");
	for (size_t i = 0; i < FX_ROLES_BUT_ADMIN; i++) {
		if (fx_roles_but_admin[i].role == ROLE_HART)
			continue;
		struct fx_user u;
		fx_user(&u, fx_roles_but_admin[i].role, fx_roles_but_admin[i].scope);
		struct field_errors errs;
		field_errors_init(&errs, 20);
		json_t *got = NULL;
		assert_int_equal(svc_provider_create(&u.ctx, body, &errs, &got), ERR_PERM);
		assert_int_equal(svc_provider_update(&u.ctx, id, patch, &errs, &got), ERR_PERM);
		field_errors_done(&errs);
		/* Every role may search, but not for inactive providers. */
		struct provider_filter f = {.age = -1};
		assert_int_equal(svc_providers_search(&u.ctx, &f, &errs, &got), 0);
		json_decref(got);
		f.all = true;
		assert_int_equal(svc_providers_search(&u.ctx, &f, &errs, &got), ERR_PERM);
	}
	assert_int_equal(fx_count("provider", NULL), 1);
	assert_int_equal(fx_count("provider", "version = 1 AND openings = 2"), 1);
	json_decref(body);
	json_decref(patch);
}

/* The codes of a search's items, joined by spaces, into out. */
static void codes_of(const struct fx_user *as, const struct provider_filter *f, char *out, size_t size,
		     char *next, size_t next_size)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *page = NULL;
	int r = svc_providers_search(&as->ctx, f, &errs, &page);
	fx_assert_no_errors(r, &errs);
	out[0] = '\0';
	size_t i, len = 0;
	json_t *it;
	json_array_foreach(json_object_get(page, "items"), i, it)
	{
		int n = snprintf(out + len, size - len, "%s%s", len ? " " : "",
				 json_string_value(json_object_get(it, "code")));
		assert_true(n > 0 && (size_t)n < size - len);
		len += (size_t)n;
	}
	const char *nx = json_string_value(json_object_get(page, "next"));
	if (next)
		snprintf(next, next_size, "%s", nx ? nx : "");
	json_decref(page);
}

UNIT_TEST_WITH(the_search_filters_and_pages, fx_setup, fx_teardown)
{
	struct fx_user hart, careline;
	fx_user(&hart, ROLE_HART, NULL);
	fx_user(&careline, ROLE_CARELINE, NULL);
	add(&hart, "{\"code\": \"c_one\", \"name\": \"charlie\", \"services\": [\"mentoring\"], \"regions\": [\"R1\"],"
		   " \"populations\": [\"boys\"], \"age_min\": 14, \"age_max\": 21, \"openings\": 0}");
	add(&hart, "{\"code\": \"a_two\", \"name\": \"Alpha\", \"services\": [\"mentoring\", \"clinical_services\"],"
		   " \"regions\": [\"R1\", \"R2\"], \"populations\": [\"girls\"], \"age_min\": 8, \"age_max\": 13,"
		   " \"capacity\": 9, \"openings\": 5}");
	add(&hart, "{\"code\": \"b_three\", \"name\": \"Bravo 100%\", \"services\": [\"clinical_services\"],"
		   " \"regions\": [\"R2\"], \"openings\": 2}");
	char codes[256], next[32];
	struct provider_filter f = {.age = -1};
	codes_of(&careline, &f, codes, sizeof codes, NULL, 0);
	assert_string_equal(codes, "a_two b_three c_one"); /* by name without case */
	f.by_openings = true;
	codes_of(&careline, &f, codes, sizeof codes, NULL, 0);
	assert_string_equal(codes, "a_two b_three c_one");
	f = (struct provider_filter){.age = -1, .service = "mentoring", .region = "R1"};
	codes_of(&careline, &f, codes, sizeof codes, NULL, 0);
	assert_string_equal(codes, "a_two c_one");
	f = (struct provider_filter){.age = 20};
	codes_of(&careline, &f, codes, sizeof codes, NULL, 0);
	assert_string_equal(codes, "b_three c_one");
	f = (struct provider_filter){.age = -1, .population = "girls"};
	codes_of(&careline, &f, codes, sizeof codes, NULL, 0);
	assert_string_equal(codes, "a_two");
	f = (struct provider_filter){.age = -1, .open = true};
	codes_of(&careline, &f, codes, sizeof codes, NULL, 0);
	assert_string_equal(codes, "a_two b_three");
	f = (struct provider_filter){.age = -1, .q = "0%"};
	codes_of(&careline, &f, codes, sizeof codes, NULL, 0);
	assert_string_equal(codes, "b_three"); /* % is a character, not a wildcard */

	f = (struct provider_filter){.age = -1, .limit = 2};
	codes_of(&careline, &f, codes, sizeof codes, next, sizeof next);
	assert_string_equal(codes, "a_two b_three");
	assert_true(next[0]);
	f.after = next;
	codes_of(&careline, &f, codes, sizeof codes, next, sizeof next);
	assert_string_equal(codes, "c_one");
	assert_string_equal(next, "");

	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *got = NULL;
	f = (struct provider_filter){.age = 30, .service = "astrology", .region = "R99", .population = "x", .after = "0"};
	assert_int_equal(svc_providers_search(&careline.ctx, &f, &errs, &got), ERR_INVAL);
	assert_true(names(&errs, "age") && names(&errs, "service") && names(&errs, "region") &&
		    names(&errs, "population"));
	field_errors_done(&errs);

	json_t *offers = json_array();
	struct db *db;
	assert_int_equal(app_db(&fx.app, &db), 0);
	assert_int_equal(providers_offers(db, "mentoring", "R1", 20, offers), 0);
	assert_int_equal(json_array_size(offers), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(offers, 0), "code")), "a_two");
	json_decref(offers);
}

UNIT_TEST_WITH(the_export_is_public_and_formula_safe, fx_setup, fx_teardown)
{
	struct fx_user hart, analyst;
	fx_user(&hart, ROLE_HART, NULL);
	fx_user(&analyst, ROLE_ANALYST, NULL);
	add(&hart, BODY);
	add(&hart, "{\"code\": \"formula\", \"name\": \"=SUM(A1)\", \"description\": \"@x, \\\"y\\\"\","
		   " \"services\": [\"mentoring\"], \"regions\": [\"R1\"]}");
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(svc_providers_export_csv(&analyst.ctx, &out), 0);
	const char *csv = buf_str(&out);
	assert_true(strncmp(csv, "code,name,description,services,", 31) == 0);
	assert_null(strstr(csv, "Sam Staffer"));
	assert_null(strstr(csv, "sam@example.org"));
	assert_non_null(strstr(csv, "\r\nformula,'=SUM(A1),\"'@x, \"\"y\"\"\",Mentoring,"));
	assert_non_null(strstr(csv, "Mentoring; Survivor care (rapid response)"));
	buf_done(&out);
	assert_int_equal(fx_count("audit", "action = 'provider.export' AND detail = 'format=csv count=2'"), 1);
}

UNIT_TEST_WITH(the_rapid_offers_of_a_case_are_audited_as_a_read_of_it, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t case_id = fx_case_as_hart(&careline, &hart);
	add(&hart, BODY);
	json_t *got = NULL;
	assert_int_equal(svc_rapid_offers(&hart.ctx, case_id, &got), 0);
	assert_int_equal(json_array_size(json_object_get(got, "offers")), 1);
	json_decref(got);
	char where[120];
	snprintf(where, sizeof where, "action = 'case.rapid_offers' AND object_id = '%lld' AND detail LIKE '%%offers=1'",
		 (long long)case_id);
	assert_int_equal(fx_count("audit", where), 1);
}

UNIT_TEST_WITH(a_provider_user_needs_a_provider_code, fx_setup, fx_teardown)
{
	struct fx_user admin;
	fx_user(&admin, ROLE_ADMIN, NULL);
	/* As `hartline user add` does: the command line may set a password. */
	struct actor cli;
	actor_cli(&cli);
	struct svc_ctx cli_ctx = {.app = &fx.app, .actor = &cli, .client = "cli"};
	struct user_new u = {.username = "prov-user", .role = "provider", .scope = "no_such_agency",
			     .display_name = "Prov User", .email = "prov@example.org",
			     .password = "Tq7-a-long-enough-Passw0rd-x9"};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int64_t id = 0;
	assert_int_equal(svc_users_create(&cli_ctx, &u, &errs, &id, NULL), ERR_INVAL);
	assert_true(names(&errs, "scope"));
	field_errors_done(&errs);
	assert_int_equal(fx_count("app_user", "username = 'prov-user'"), 0);
	add(&admin, BODY);
	u.scope = "harbor_test";
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_users_create(&cli_ctx, &u, &errs, &id, NULL), &errs);
	assert_int_equal(fx_count("app_user", "username = 'prov-user' AND scope = 'harbor_test'"), 1);
}

int main(void)
{
	return unit_run("svc_providers", NULL, NULL);
}
