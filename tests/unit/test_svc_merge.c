/* Tests for merging two records of one child and undoing it
 * (service/child.h): every row that names the merged record follows, the
 * undo puts back exactly those rows (a report linked since stays), two
 * open cases refuse the merge, the identity registry follows both ways,
 * and each write is whole or absent when a statement or an allocation
 * fails. */
#include "persons_fx.h"
#include "unit.h"

#include "service/child.h"
#include "service/persons.h"
#include "service/relief.h"
#include "db/db.h"

struct pair {
	struct fx_user careline, hart;
	int64_t kept, other, kept_case, other_case, other_intake, other_service, other_relief;
};

/* Katherine Smith with a case open, and Katie Smyth, the same child on
 * another record: a report, a closed case, a service and a relief record. */
static void a_pair(struct pair *p, bool other_open)
{
	fx_user(&p->careline, ROLE_CARELINE, NULL);
	fx_user(&p->hart, ROLE_HART, NULL);
	p->kept_case = pf_case(&p->careline, &p->hart, "Katherine", "Smith", &p->kept);
	p->other_case = pf_case(&p->careline, &p->hart, "Katie", "Smyth", &p->other);
	if (!other_open)
		pf_close_case(p->other_case);
	p->other_intake = pf_int("SELECT intake_id FROM intake_child WHERE person_id = %lld", (long long)p->other);
	p->other_service = pf_service(p->other_case, p->other);
	pf_exec("INSERT INTO relief_record (person_id, court, offence, created_at, updated_at)"
		" VALUES (%lld, 'Superior Court, Juvenile Matters, Bridgeport', 'theft', '2026-11-28T18:00:00Z',"
		" '2026-11-28T18:00:00Z')",
		(long long)p->other);
	p->other_relief = pf_int("SELECT max(id) FROM relief_record");
}

struct merge_arg {
	struct fx_user *as;
	int64_t id;
	json_t *body, *out;
	struct case_conflict cf;
};

static int merge_use_case(void *arg)
{
	struct merge_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_decref(a->out);
	a->out = NULL;
	memset(&a->cf, 0, sizeof a->cf);
	int r = svc_person_merge(&a->as->ctx, a->id, a->body, &errs, &a->cf, &a->out);
	field_errors_done(&errs);
	return r;
}

static int undo_use_case(void *arg)
{
	struct merge_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_decref(a->out);
	a->out = NULL;
	memset(&a->cf, 0, sizeof a->cf);
	int r = svc_person_merge_undo(&a->as->ctx, a->id, a->body, &errs, &a->cf, &a->out);
	field_errors_done(&errs);
	return r;
}

static json_t *merge_body(int64_t other)
{
	char text[160];
	snprintf(text, sizeof text, "{\"other_id\": %lld, \"reason\": \"The same birth date and foster home.\"}",
		 (long long)other);
	return fx_json(text);
}

/* Where each of the other record's rows points now. */
static void assert_rows_with(const struct pair *p, int64_t person)
{
	assert_int_equal(pf_int("SELECT person_id FROM intake_child WHERE intake_id = %lld", (long long)p->other_intake),
			 person);
	assert_int_equal(pf_int("SELECT person_id FROM child_case WHERE id = %lld", (long long)p->other_case), person);
	assert_int_equal(pf_int("SELECT person_id FROM service_referral WHERE id = %lld", (long long)p->other_service),
			 person);
	assert_int_equal(pf_int("SELECT person_id FROM relief_record WHERE id = %lld", (long long)p->other_relief),
			 person);
	char key[32];
	snprintf(key, sizeof key, "p:%lld", (long long)person);
	assert_int_equal(pf_int("SELECT count(*) FROM referral WHERE intake_id = %lld AND child_key = '%s'",
				(long long)p->other_intake, key),
			 1);
}

static void merge_then_undo_under(fx_failure_loop each)
{
	struct pair p;
	a_pair(&p, false);
	struct merge_arg a = {.as = &p.hart, .id = p.kept, .body = merge_body(p.other)};
	each(merge_use_case, &a);
	json_decref(a.body);
	assert_rows_with(&p, p.kept);
	assert_int_equal(pf_int("SELECT merged_into FROM person WHERE id = %lld", (long long)p.other), p.kept);
	assert_int_equal(fx_count("person_merge", "reason IS NOT NULL AND undone_at IS NULL"), 1);
	assert_int_equal(fx_count("audit", "action = 'person.merge'"), 1);
	int64_t mid = pf_int("SELECT id FROM person_merge");
	char moved[512];
	fx_text("SELECT moved FROM person_merge", moved, sizeof moved);
	json_t *m = fx_json(moved);
	assert_int_equal(json_array_size(m), 4);
	json_decref(m);

	/* The merged record's page points at the kept one; the kept one has both. */
	json_t *page = NULL;
	assert_int_equal(svc_person_page(&p.hart.ctx, p.other, &page), 0);
	assert_int_equal(json_integer_value(json_object_get(page, "merged_into")), p.kept);
	json_decref(page);
	assert_int_equal(svc_person_page(&p.hart.ctx, p.kept, &page), 0);
	assert_int_equal(json_array_size(json_object_get(page, "cases")), 2);
	assert_int_equal(json_array_size(json_object_get(page, "names")), 2);
	assert_int_equal(json_array_size(json_object_get(page, "merges")), 1);
	assert_true(pf_timeline_has(page, "merge"));
	json_decref(page);

	/* A report linked to the child after the merge stays with it. */
	int64_t later = pf_report(&p.careline, "Kat", "Smith", false);
	pf_link(&p.careline, later, p.kept);

	a.id = mid;
	a.body = fx_json("{\"reason\": \"A second check of the birth records says they are twins.\"}");
	each(undo_use_case, &a);
	assert_rows_with(&p, p.other);
	assert_int_equal(pf_int("SELECT person_id FROM intake_child WHERE intake_id = %lld", (long long)later), p.kept);
	assert_int_equal(pf_int("SELECT count(*) FROM person WHERE id = %lld AND merged_into IS NULL", (long long)p.other),
			 1);
	assert_int_equal(fx_count("person_merge", "undone_at IS NOT NULL AND undo_reason IS NOT NULL"), 1);
	assert_int_equal(fx_count("audit", "action = 'person.merge_undo' AND detail LIKE '%restored=4 followed=0'"), 1);

	/* Once is all. */
	assert_int_equal(undo_use_case(&a), ERR_CONFLICT);
	assert_string_equal(a.cf.slug, "conflict");
	json_decref(a.body);
	json_decref(a.out);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_merge_moves_every_link_and_its_undo_puts_back_exactly_those,
			  a_merge_moves_every_link_and_its_undo_puts_back_exactly_those_when_allocations_fail,
			  merge_then_undo_under)

UNIT_TEST_WITH(two_open_cases_refuse_the_merge_naming_them, fx_setup, fx_teardown)
{
	struct pair p;
	a_pair(&p, true);
	struct merge_arg a = {.as = &p.hart, .id = p.kept, .body = merge_body(p.other)};
	int64_t audits = fx_count("audit", NULL);
	assert_int_equal(merge_use_case(&a), ERR_CONFLICT);
	char n1[32], n2[32];
	fx_text("SELECT number FROM child_case ORDER BY id LIMIT 1", n1, sizeof n1);
	fx_text("SELECT number FROM child_case ORDER BY id DESC LIMIT 1", n2, sizeof n2);
	assert_non_null(strstr(a.cf.detail, n1));
	assert_non_null(strstr(a.cf.detail, n2));
	assert_non_null(strstr(a.cf.detail, "close"));
	assert_int_equal(fx_count("person_merge", NULL), 0);
	assert_int_equal(fx_count("person", "merged_into IS NOT NULL"), 0);
	assert_int_equal(fx_count("audit", NULL), audits);
	json_decref(a.body);
}

UNIT_TEST_WITH(a_merge_names_what_is_wrong_in_the_forms_words, fx_setup, fx_teardown)
{
	struct pair p;
	a_pair(&p, false);
	struct field_errors errs;
	struct case_conflict cf = {0};
	json_t *out = NULL, *body = merge_body(p.kept);
	field_errors_init(&errs, 10);
	assert_int_equal(svc_person_merge(&p.hart.ctx, p.kept, body, &errs, &cf, &out), ERR_INVAL);
	assert_true(fx_names_field(&errs, "other_id"));
	field_errors_done(&errs);
	json_decref(body);
	body = fx_json("{\"other_id\": 2, \"reason\": \"same\"}");
	field_errors_init(&errs, 10);
	assert_int_equal(svc_person_merge(&p.hart.ctx, p.kept, body, &errs, &cf, &out), ERR_INVAL);
	assert_true(fx_names_field(&errs, "reason"));
	field_errors_done(&errs);
	json_decref(body);
	body = merge_body(p.other + 1000);
	field_errors_init(&errs, 10);
	assert_int_equal(svc_person_merge(&p.hart.ctx, p.kept, body, &errs, &cf, &out), ERR_INVAL);
	assert_true(fx_names_field(&errs, "other_id"));
	field_errors_done(&errs);
	json_decref(body);
	body = merge_body(p.other);
	field_errors_init(&errs, 10);
	assert_int_equal(svc_person_merge(&p.hart.ctx, p.kept + 1000, body, &errs, &cf, &out), ERR_NOTFOUND);
	field_errors_done(&errs);
	/* Merged once, a record is not merged again. */
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_person_merge(&p.hart.ctx, p.kept, body, &errs, &cf, &out), &errs);
	json_decref(out);
	field_errors_init(&errs, 10);
	assert_int_equal(svc_person_merge(&p.hart.ctx, p.kept, body, &errs, &cf, &out), ERR_CONFLICT);
	assert_non_null(strstr(cf.detail, "already merged"));
	field_errors_done(&errs);
	json_decref(body);
	assert_int_equal(fx_count("person_merge", NULL), 1);
}

#ifdef HARTLINE_TEST_HOOKS /* the race and failure hooks exist in test builds only */
/* What another merge or undo did between the checks and the writes. */
static int64_t race_a, race_b;
static void race_merged(struct db *db)
{
	assert_int_equal(db_execf(db, "UPDATE person SET merged_into = ? WHERE id = ?", "ii", race_b, race_a), 0);
}
static void race_undone(struct db *db)
{
	assert_int_equal(db_execf(db, "UPDATE person_merge SET undone_at = '2026-11-28T18:00:00Z' WHERE id = ?", "i",
				  race_a),
			 0);
}

UNIT_TEST_WITH(a_merge_or_undo_that_loses_a_race_is_refused_whole, fx_setup, fx_teardown)
{
	struct pair p;
	a_pair(&p, false);
	struct merge_arg a = {.as = &p.hart, .id = p.kept, .body = merge_body(p.other)};
	/* The kept record merged into the other while this merge checked. */
	race_a = p.kept, race_b = p.other;
	persons_merge_race = race_merged;
	assert_int_equal(merge_use_case(&a), ERR_CONFLICT);
	assert_non_null(strstr(a.cf.detail, "a moment ago"));
	/* And the other merged into the kept one. */
	race_a = p.other, race_b = p.kept;
	assert_int_equal(merge_use_case(&a), ERR_CONFLICT);
	persons_merge_race = NULL;
	assert_int_equal(fx_count("person_merge", NULL), 0);
	assert_int_equal(fx_count("person", "merged_into IS NOT NULL"), 0);
	assert_rows_with(&p, p.other);

	assert_int_equal(merge_use_case(&a), 0);
	json_decref(a.body);
	int64_t mid = json_integer_value(json_object_get(a.out, "id"));
	/* Undone by another while this undo checked. */
	a.id = race_a = mid;
	a.body = fx_json("{\"reason\": \"A second check of the birth records says they are twins.\"}");
	persons_merge_race = race_undone;
	assert_int_equal(undo_use_case(&a), ERR_CONFLICT);
	persons_merge_race = NULL;
	assert_int_equal(fx_count("person_merge", "undone_at IS NULL"), 1);
	assert_rows_with(&p, p.kept);
	assert_int_equal(undo_use_case(&a), 0);
	assert_rows_with(&p, p.other);
	json_decref(a.body);
	json_decref(a.out);
}
#endif

UNIT_TEST_WITH(a_pair_merged_one_way_is_not_merged_the_other, fx_setup, fx_teardown)
{
	struct pair p;
	a_pair(&p, false);
	struct merge_arg a = {.as = &p.hart, .id = p.kept, .body = merge_body(p.other)};
	assert_int_equal(merge_use_case(&a), 0);
	json_decref(a.body);
	a.id = p.other;
	a.body = merge_body(p.kept);
	assert_int_equal(merge_use_case(&a), ERR_CONFLICT);
	assert_non_null(strstr(a.cf.detail, "already merged"));
	json_decref(a.body);
	a.id = p.kept;
	a.body = merge_body(p.other);
	assert_int_equal(merge_use_case(&a), ERR_CONFLICT);
	json_decref(a.body);
	json_decref(a.out);
	assert_int_equal(fx_count("person_merge", NULL), 1);
	assert_int_equal(fx_count("person", "merged_into IS NOT NULL"), 1);
}

/* Relief recorded by HART on person about the cases given; answers its id. */
static int64_t relief_on(const struct pair *p, int64_t person, int64_t case_a, int64_t case_b)
{
	char text[300];
	snprintf(text, sizeof text,
		 "{\"court\": \"Superior Court\", \"offence\": \"theft\", \"links\": [{\"kind\": \"case\", \"id\": %lld}%s]}",
		 (long long)case_a, case_b ? ", {\"kind\": \"case\", \"id\": 0}" : "");
	if (case_b) {
		char *z = strstr(text, "\"id\": 0}");
		snprintf(z, sizeof text - (size_t)(z - text), "\"id\": %lld}]}", (long long)case_b);
	}
	json_t *body = fx_json(text), *out = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_relief_create(&p->hart.ctx, person, body, &errs, &out), &errs);
	int64_t id = json_integer_value(json_object_get(out, "id"));
	json_decref(body);
	json_decref(out);
	return id;
}

/* Merge p's other into kept as HART; answers the merge. */
static int64_t merged(struct pair *p)
{
	struct merge_arg a = {.as = &p->hart, .id = p->kept, .body = merge_body(p->other)};
	assert_int_equal(merge_use_case(&a), 0);
	int64_t mid = json_integer_value(json_object_get(a.out, "id"));
	json_decref(a.body);
	json_decref(a.out);
	return mid;
}

UNIT_TEST_WITH(what_was_made_after_the_merge_for_records_given_back_follows_them, fx_setup, fx_teardown)
{
	struct pair p;
	a_pair(&p, false);
	int64_t mid = merged(&p);
	/* Made on the kept record for the other's case, and for the kept one's own. */
	int64_t later_service = pf_service(p.other_case, p.kept), own_service = pf_service(p.kept_case, p.kept);
	int64_t later_relief = relief_on(&p, p.kept, p.other_case, 0), own_relief = relief_on(&p, p.kept, p.kept_case, 0);
	struct merge_arg a = {.as = &p.hart, .id = mid,
			      .body = fx_json("{\"reason\": \"A second check of the birth records says they are twins.\"}")};
	assert_int_equal(undo_use_case(&a), 0);
	assert_rows_with(&p, p.other);
	assert_int_equal(pf_int("SELECT person_id FROM service_referral WHERE id = %lld", (long long)later_service), p.other);
	assert_int_equal(pf_int("SELECT person_id FROM service_referral WHERE id = %lld", (long long)own_service), p.kept);
	assert_int_equal(pf_int("SELECT person_id FROM relief_record WHERE id = %lld", (long long)later_relief), p.other);
	assert_int_equal(pf_int("SELECT person_id FROM relief_record WHERE id = %lld", (long long)own_relief), p.kept);
	assert_int_equal(fx_count("audit", "action = 'person.merge_undo' AND detail LIKE '%followed=2'"), 1);
	json_decref(a.body);
	json_decref(a.out);
}

UNIT_TEST_WITH(relief_about_both_children_refuses_the_undo_naming_it, fx_setup, fx_teardown)
{
	struct pair p;
	a_pair(&p, false);
	int64_t mid = merged(&p);
	int64_t both = relief_on(&p, p.kept, p.kept_case, p.other_case);
	struct merge_arg a = {.as = &p.hart, .id = mid,
			      .body = fx_json("{\"reason\": \"A second check of the birth records says they are twins.\"}")};
	assert_int_equal(undo_use_case(&a), ERR_CONFLICT);
	char name[32];
	snprintf(name, sizeof name, "Relief record %lld ", (long long)both);
	assert_non_null(strstr(a.cf.detail, name));
	/* Nothing given back. */
	assert_rows_with(&p, p.kept);
	assert_int_equal(fx_count("person_merge", "undone_at IS NULL"), 1);
	assert_int_equal(fx_count("person", "merged_into IS NOT NULL"), 1);
	json_decref(a.body);
}

UNIT_TEST_WITH(only_hart_merges_or_undoes, fx_setup, fx_teardown)
{
	struct pair p;
	a_pair(&p, false);
	json_t *body = merge_body(p.other), *undo = fx_json("{\"reason\": \"Not the same child after all.\"}");
	for (size_t i = 0; i < FX_ROLES_BUT_ADMIN; i++) {
		if (fx_roles_but_admin[i].role == ROLE_HART)
			continue;
		struct fx_user u;
		fx_user(&u, fx_roles_but_admin[i].role, fx_roles_but_admin[i].scope);
		struct merge_arg a = {.as = &u, .id = p.kept, .body = body};
		assert_int_equal(merge_use_case(&a), ERR_PERM);
		a.id = 1;
		a.body = undo;
		assert_int_equal(undo_use_case(&a), ERR_PERM);
	}
	assert_int_equal(fx_count("person_merge", NULL), 0);
	assert_int_equal(fx_count("person", "merged_into IS NOT NULL"), 0);
	json_decref(body);
	json_decref(undo);
}

/* Whether a search for Katie Smyth, 15, lists person id. */
static bool found(const struct fx_user *as, int64_t id)
{
	struct person_query q = {.given_name = "Katie", .family_name = "Smyth", .age = 15};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct person_candidate *c = NULL;
	size_t n = 0;
	fx_assert_no_errors(svc_persons_match(&as->ctx, &q, &errs, &c, &n), &errs);
	bool hit = false;
	for (size_t i = 0; i < n; i++)
		hit |= c[i].person_id == id;
	person_candidates_free(c, n);
	return hit;
}

UNIT_TEST_WITH(the_registry_follows_a_merge_and_its_undo, fx_setup, fx_teardown)
{
	struct pair p;
	a_pair(&p, false);
	char err[256] = "";
	assert_int_equal(persons_registry_open(&fx.app, err, sizeof err), 0);
	size_t before = persons_registry_count(&fx.app);
	assert_true(found(&p.hart, p.other));
	json_t *body = merge_body(p.other), *out = NULL;
	struct field_errors errs;
	struct case_conflict cf = {0};
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_person_merge(&p.hart.ctx, p.kept, body, &errs, &cf, &out), &errs);
	json_decref(body);
	int64_t mid = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	/* No longer a candidate; its names now find the kept record. */
	assert_false(found(&p.hart, p.other));
	assert_true(found(&p.hart, p.kept));
	assert_int_equal(persons_registry_count(&fx.app), before - 1);
	/* A restart finds the same. */
	persons_registry_close(&fx.app);
	assert_int_equal(persons_registry_open(&fx.app, err, sizeof err), 0);
	assert_false(found(&p.hart, p.other));
	assert_true(found(&p.hart, p.kept));
	body = fx_json("{\"reason\": \"Not the same child after all.\"}");
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_person_merge_undo(&p.hart.ctx, mid, body, &errs, &cf, &out), &errs);
	json_decref(body);
	json_decref(out);
	assert_true(found(&p.hart, p.other));
	assert_int_equal(persons_registry_count(&fx.app), before);
	persons_registry_close(&fx.app);
}

#ifdef HARTLINE_TEST_HOOKS
UNIT_TEST_WITH(a_merge_stands_when_the_registry_fails_after_its_commit, fx_setup, fx_teardown)
{
	struct pair counted, p;
	a_pair(&counted, false);
	a_pair(&p, false);
	char err[256] = "";
	assert_int_equal(persons_registry_open(&fx.app, err, sizeof err), 0);
	/* The statements of a merge like this one, the last ones the registry's. */
	struct merge_arg a = {.as = &counted.hart, .id = counted.kept, .body = merge_body(counted.other)};
	struct db_fail_report rep;
	db_fail_at(1000000);
	assert_int_equal(merge_use_case(&a), 0);
	db_fail_report(&rep);
	json_decref(a.body);
	/* The registry's first statement fails, after the commit. */
	a.as = &p.hart;
	a.id = p.kept;
	a.body = merge_body(p.other);
	db_fail_at(rep.counted - 1);
	int r = merge_use_case(&a);
	db_fail_report(&rep);
	db_fail_at(0);
	assert_true(rep.fired);
	assert_int_equal(rep.commits, 1);
	assert_int_equal(r, 0);
	assert_int_equal(json_integer_value(json_object_get(a.out, "merged_id")), p.other);
	assert_int_equal(pf_int("SELECT merged_into FROM person WHERE id = %lld", (long long)p.other), p.kept);
	/* The next lookup finds the registry as the database stands. */
	assert_false(found(&p.hart, p.other));
	assert_true(found(&p.hart, p.kept));
	json_decref(a.body);
	json_decref(a.out);
}
#endif

int main(void)
{
	return unit_run("svc_merge", NULL, NULL);
}
