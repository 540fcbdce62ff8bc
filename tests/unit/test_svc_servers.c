/* Tests for two servers on one database (docs/operations.md, "More than
 * one server"): the identity registry of one follows the people recorded,
 * merged and unmerged through the other, read back by their seq (the
 * change counter person_seq). Here both "servers" are apps in one process
 * on the fixture's SQLite database, each with its own connections and
 * registry; on SQLite every lookup reads the counter, on PostgreSQL a
 * notification says when to (tests/e2e/two_servers.test.mjs). */
#include "persons_fx.h"
#include "unit.h"

#include "service/child.h"
#include "service/persons.h"
#include "db/db.h"

/* Another server on the fixture's database: its own connections and
 * registry, the same keys. */
static void second_server(struct app *b)
{
	*b = fx.app;
	b->registry = NULL;
	assert_int_equal(db_pool_new(fx.url, &b->pool), 0);
	char err[256] = "";
	assert_int_equal(persons_registry_open(b, err, sizeof err), 0);
}

static void second_server_close(struct app *b)
{
	persons_registry_close(b);
	db_pool_free(b->pool);
}

/* Whether a search on app's registry as user as for the name lists person id. */
static bool found_on(struct app *app, const struct fx_user *as, const char *given, const char *family, int64_t id)
{
	struct svc_ctx ctx = as->ctx;
	ctx.app = app;
	struct person_query q = {.given_name = given, .family_name = family, .age = 15};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct person_candidate *c = NULL;
	size_t n = 0;
	fx_assert_no_errors(svc_persons_match(&ctx, &q, &errs, &c, &n), &errs);
	bool hit = false;
	for (size_t i = 0; i < n; i++)
		hit |= c[i].person_id == id;
	person_candidates_free(c, n);
	return hit;
}

UNIT_TEST_WITH(a_child_recorded_through_one_server_is_found_through_the_other, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	char err[256] = "";
	assert_int_equal(persons_registry_open(&fx.app, err, sizeof err), 0);
	struct app b;
	second_server(&b);
	size_t before = persons_registry_count(&b);
	int64_t person;
	pf_case(&careline, &hart, "Quentin", "Otherserver", &person);
	assert_true(found_on(&fx.app, &careline, "Quentin", "Otherserver", person));
	assert_true(found_on(&b, &careline, "Quentin", "Otherserver", person));
	assert_int_equal(persons_registry_count(&b), before + 1);
	/* Read once: another lookup adds no one. */
	assert_true(found_on(&b, &careline, "Quentin", "Otherserver", person));
	assert_int_equal(persons_registry_count(&b), before + 1);
	assert_int_equal(pf_int("SELECT seq FROM person WHERE id = %lld", (long long)person),
			 pf_int("SELECT last FROM person_seq WHERE id = 1"));
	second_server_close(&b);
	persons_registry_close(&fx.app);
}

UNIT_TEST_WITH(a_merge_and_its_undo_through_one_server_show_in_the_other, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_user(&hart, ROLE_HART, NULL);
	int64_t kept, other;
	pf_case(&careline, &hart, "Katherine", "Smith", &kept);
	pf_close_case(pf_case(&careline, &hart, "Katie", "Smyth", &other));
	char err[256] = "";
	assert_int_equal(persons_registry_open(&fx.app, err, sizeof err), 0);
	struct app b;
	second_server(&b);
	size_t before = persons_registry_count(&b);
	assert_true(found_on(&b, &careline, "Katie", "Smyth", other));

	json_t *body = fx_json("{\"other_id\": 0, \"reason\": \"The school says it is one child under two names.\"}"), *out = NULL;
	json_object_set_new(body, "other_id", json_integer(other));
	struct field_errors errs;
	struct case_conflict cf = {0};
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_person_merge(&hart.ctx, kept, body, &errs, &cf, &out), &errs);
	json_decref(body);
	int64_t mid = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	/* The other server finds the merged record's names as the kept record. */
	assert_false(found_on(&b, &careline, "Katie", "Smyth", other));
	assert_true(found_on(&b, &careline, "Katie", "Smyth", kept));
	assert_int_equal(persons_registry_count(&b), before - 1);

	body = fx_json("{\"reason\": \"Not the same child after all.\"}");
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_person_merge_undo(&hart.ctx, mid, body, &errs, &cf, &out), &errs);
	json_decref(body);
	json_decref(out);
	assert_true(found_on(&b, &careline, "Katie", "Smyth", other));
	assert_true(found_on(&b, &careline, "Katherine", "Smith", kept));
	assert_int_equal(persons_registry_count(&b), before);
	second_server_close(&b);
	persons_registry_close(&fx.app);
}

int main(void)
{
	return unit_run("svc_servers", NULL, NULL);
}
