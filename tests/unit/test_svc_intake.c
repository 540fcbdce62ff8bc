/* Tests for service/intake: a report is stored sealed and numbered, who
 * may record, read and decide it, and that each write (record, link,
 * screen, decide, a draft of the form, a notification read) is whole or
 * absent when a statement fails, and that a failed statement is answered
 * as a failure, never as "no replay" or "no such person". */
#include "svc_fixture.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "model/pack.h"
#include "service/drafts.h"
#include "service/intake.h"
#include "service/persons.h"
#include "service/sealed.h"

UNIT_TEST_WITH(records_a_report_numbered_and_sealed, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	int64_t id;
	fx_report(&careline, "Avery", false, &id);
	assert_int_equal(fx_count("intake", NULL), 1);
	assert_int_equal(fx_count("intake_child", NULL), 1);
	/* Names, the narrative and the reporter are never stored as typed. */
	const char *tables[] = {"intake", "intake_child"};
	for (size_t i = 0; i < 2; i++) {
		char sql[256];
		assert_true(snprintf(sql, sizeof sql, "SELECT * FROM %s", tables[i]) < (int)sizeof sql);
		struct db_stmt *st;
		assert_int_equal(db_prepare(fx.db, sql, &st), 0);
		assert_int_equal(db_step(st), DB_ROW);
		for (int c = 0; c < db_column_count(st); c++) {
			size_t len = 0;
			const char *v = db_column_is_null(st, c) ? NULL : db_column_blob(st, c, &len);
			if (!v)
				continue;
			assert_null(memmem(v, len, "Avery", 5));
			assert_null(memmem(v, len, "synthetic", 9));
			assert_null(memmem(v, len, "counselor", 9));
		}
		db_finalize(st);
	}
	json_t *got = NULL;
	assert_int_equal(svc_intake_get(&careline.ctx, id, &got), 0);
	const char *number = json_string_value(json_object_get(got, "number"));
	assert_non_null(number);
	assert_string_equal(json_string_value(json_object_get(got, "narrative")), "A synthetic report.");
	json_t *child = json_array_get(json_object_get(got, "children"), 0);
	assert_string_equal(json_string_value(json_object_get(child, "given_name")), "Avery");
	json_decref(got);
	assert_int_equal(fx_count("audit", "action = 'intake.create'"), 1);
	assert_int_equal(fx_count("audit", "action = 'intake.read'"), 1);
}

/* A row's sealed values written in one statement: each opens for its own
 * column of its own row, none for another column; empty or missing is
 * NULL. */
UNIT_TEST_WITH(a_rows_sealed_values_are_written_in_one_statement, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	int64_t id;
	fx_report(&careline, "Avery", false, &id);
	int64_t cid = -1;
	assert_int_equal(db_int64f(fx.db, &cid, "SELECT id FROM intake_child WHERE intake_id = ?", "i", id), 0);
	const struct sealed_col cols[] = {
		{"given_name", "Rowan"}, {"family_name", ""}, {"aliases", NULL}, {"dob", "2011-02-03"}, {"gender_sealed", "Girl"},
	};
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(sealed_put_row(fx.db, &fx.app, "intake_child", cid, cols, 5), 0);
	assert_int_equal(db_commit(fx.db), 0);
	struct db_stmt *st;
	assert_int_equal(db_rowf(fx.db, &st, "SELECT given_name, family_name, aliases, dob, gender_sealed FROM intake_child"
				 " WHERE id = ?", "i", cid), 0);
	for (int c = 0; c < 5; c++) {
		char *v = NULL;
		assert_int_equal(sealed_get(&fx.app, st, c, "intake_child", cols[c].column, cid, &v), 0);
		if (cols[c].value && *cols[c].value)
			assert_string_equal(v, cols[c].value);
		else
			assert_null(v);
		free(v);
	}
	/* Sealed for its column: the given name does not open as the date of
	 * birth, nor for another row. */
	char *v = NULL;
	assert_true(sealed_get(&fx.app, st, 0, "intake_child", "dob", cid, &v) < 0);
	assert_true(sealed_get(&fx.app, st, 0, "intake_child", "given_name", cid + 1, &v) < 0);
	assert_null(v);
	db_finalize(st);
	assert_int_equal(sealed_put_row(fx.db, &fx.app, "intake_child", cid, cols, 0), ERR_INVAL);
	assert_int_equal(sealed_put_row(fx.db, &fx.app, "intake_child", cid, cols, SEALED_ROW_MAX + 1), ERR_INVAL);
}

UNIT_TEST_WITH(refuses_a_report_without_children_naming_the_field, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	json_t *body = fx_json("{\"received_at\": \"2026-11-28T18:30:00Z\", \"channel\": \"phone\","
			       " \"reporter\": {\"source\": \"school\"}, \"children\": []}");
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct intake_created c;
	assert_int_equal(svc_intake_create(&careline.ctx, body, NULL, &errs, &c), ERR_INVAL);
	bool named = false;
	char line[300];
	for (size_t i = 0; i < errs.count && field_error_format(&errs, i, line, sizeof line) == 0; i++)
		named = named || strstr(line, "children");
	assert_true(named);
	field_errors_done(&errs);
	json_decref(body);
	assert_int_equal(fx_count("intake", NULL), 0);
}

UNIT_TEST_WITH(roles_without_intake_may_neither_record_nor_read_nor_decide, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	int64_t id;
	fx_report(&careline, "Avery", false, &id);
	struct {
		enum role role;
		const char *scope;
	} others[] = {{ROLE_MDT, "T1"}, {ROLE_PROVIDER, "P1"}, {ROLE_TRAINER, NULL}, {ROLE_ANALYST, NULL},
		      {ROLE_ADMIN, NULL}};
	json_t *body = fx_json("{\"received_at\": \"2026-11-28T18:30:00Z\", \"channel\": \"phone\","
			       " \"reporter\": {\"source\": \"school\"}, \"children\": [{\"given_name\": \"B\"}]}");
	for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
		struct fx_user u;
		fx_user(&u, others[i].role, others[i].scope);
		struct field_errors errs;
		field_errors_init(&errs, 10);
		struct intake_created c;
		assert_int_equal(svc_intake_create(&u.ctx, body, NULL, &errs, &c), ERR_PERM);
		json_t *got = NULL;
		assert_int_equal(svc_intake_get(&u.ctx, id, &got), ERR_PERM);
		assert_null(got);
		json_t *accept;
		fx_accept_body(id, &accept);
		assert_int_equal(svc_intake_dispose(&u.ctx, id, accept, &errs), ERR_PERM);
		json_decref(accept);
		field_errors_done(&errs);
	}
	json_decref(body);
	assert_int_equal(fx_count("intake", NULL), 1);
	assert_int_equal(fx_count("disposition", NULL), 0);
	assert_int_equal(fx_count("audit", "action = 'intake.read'"), 0);
}

UNIT_TEST_WITH(a_liaison_of_another_region_does_not_see_the_report, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	int64_t id = fx_report_for_hart(&careline, &hart, true);
	char region[32];
	fx_text("SELECT region FROM intake", region, sizeof region);
	assert_true(region[0] != '\0');
	const char *other = fx_other_region(region);
	struct fx_user mine, theirs;
	fx_user(&mine, ROLE_LIAISON, region);
	fx_user(&theirs, ROLE_LIAISON, other);
	json_t *got = NULL;
	assert_int_equal(svc_intake_get(&mine.ctx, id, &got), 0);
	json_decref(got);
	got = NULL;
	assert_true(svc_intake_get(&theirs.ctx, id, &got) < 0);
	assert_null(got);
	/* Accepting it told HART and the region's liaison, not the other. */
	char sql[160];
	assert_true(snprintf(sql, sizeof sql, "user_id = %lld", (long long)hart.actor.user_id) < (int)sizeof sql);
	assert_int_equal(fx_count("notification", sql), 1);
}

struct create_arg {
	struct fx_user *careline;
	const char *idem;
	json_t *body; /* made once, before any failure is armed */
	struct intake_created made;
};

static void create_arg_init(struct create_arg *a, struct fx_user *careline, const char *idem)
{
	*a = (struct create_arg){.careline = careline, .idem = idem};
	a->body = fx_json("{\"received_at\": \"2026-11-28T18:30:00Z\", \"channel\": \"phone\","
			  " \"reporter\": {\"source\": \"school\", \"name\": \"A counselor\"},"
			  " \"children\": [{\"given_name\": \"Avery\", \"estimated_age\": 15, \"town\": \"Bridgeport\"},"
			  " {\"given_name\": \"Blair\", \"estimated_age\": 14}],"
			  " \"narrative\": \"A synthetic report.\", \"concerns\": [\"runaway_awol\"]}");
}

FX_USE_CASE_WITH_ERRS(create_use_case, create_arg, svc_intake_create(&a->careline->ctx, a->body, a->idem, &errs, &a->made))

static void recording_under(fx_failure_loop each)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	int64_t first;
	fx_report(&careline, "Earlier", false, &first); /* so numbering has a row to move on */
	struct create_arg a;
	create_arg_init(&a, &careline, "key-1");
	assert_true(each(create_use_case, &a) > 5);
	assert_int_equal(fx_count("intake", NULL), 2);
	assert_int_equal(fx_count("intake_child", NULL), 3);
	/* The key answers the report stored, not a second one. */
	int64_t id = a.made.id;
	assert_int_equal(create_use_case(&a), 0);
	assert_true(a.made.replayed);
	assert_int_equal(a.made.id, id);
	assert_int_equal(fx_count("intake", NULL), 2);
	json_decref(a.body);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_failed_statement_in_recording_leaves_nothing, a_failed_allocation_in_recording_leaves_nothing, recording_under)

struct dispose_arg {
	struct fx_user *careline;
	int64_t id;
	json_t *body;
};

FX_USE_CASE_WITH_ERRS(dispose_use_case, dispose_arg, svc_intake_dispose(&a->careline->ctx, a->id, a->body, &errs))

static void deciding_under(fx_failure_loop each)
{
	struct fx_user careline, hart, liaison;
	struct dispose_arg a = {.careline = &careline, .id = fx_report_for_hart(&careline, &hart, false)};
	char region[32];
	fx_text("SELECT region FROM intake", region, sizeof region);
	fx_user(&liaison, ROLE_LIAISON, region);
	fx_accept_body(a.id, &a.body);
	each(dispose_use_case, &a);
	json_decref(a.body);
	assert_int_equal(fx_count("disposition", "disposition = 'accepted_hart'"), 1);
	/* HART and the liaison are told once each. */
	assert_int_equal(fx_count("notification", NULL), 2);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_failed_statement_in_deciding_leaves_nothing, a_failed_allocation_in_deciding_leaves_nothing, deciding_under)

struct link_arg {
	struct fx_user *careline;
	int64_t id, person;
	int64_t known;            /* the person to link to; 0: a new one */
	bool said_no_such_person; /* ... when that person is there */
};

static int link_use_case(void *arg)
{
	struct link_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int r = svc_intake_link(&a->careline->ctx, a->id, 0, a->known, &errs, &a->person);
	a->said_no_such_person |= a->known && r == ERR_INVAL;
	field_errors_done(&errs);
	return r;
}

static void linking_under(fx_failure_loop each)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	struct link_arg a = {.careline = &careline};
	fx_report(&careline, "Avery", false, &a.id);
	each(link_use_case, &a);
	assert_true(a.person > 0);
	assert_int_equal(fx_count("person", NULL), 1);
	assert_int_equal(fx_count("intake_child", "person_id IS NOT NULL"), 1);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_failed_statement_in_linking_leaves_nothing, a_failed_allocation_in_linking_leaves_nothing, linking_under)

struct screen_arg {
	struct fx_user *careline;
	int64_t id;
	json_t *answers;
	const char *instrument;
};

static int screen_use_case(void *arg)
{
	struct screen_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *got = NULL;
	int r = svc_intake_screen(&a->careline->ctx, a->id, a->instrument, a->answers, &errs, &got);
	json_decref(got);
	field_errors_done(&errs);
	return r;
}

static void screening_under(fx_failure_loop each)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	/* The yes/no instrument the pack keeps for re-screens. */
	const struct pack_instrument *in = pack_rescreen_instrument(fx.app.pack);
	assert_non_null(in);
	assert_int_equal(in->kind, PACK_INSTRUMENT_YES_NO);
	struct screen_arg a = {.careline = &careline, .answers = json_object(), .instrument = in->id};
	for (size_t i = 0; i < in->n_items; i++)
		assert_int_equal(json_object_set_new(a.answers, in->items[i].id, json_boolean(i == 0)), 0);
	fx_report(&careline, "Avery", false, &a.id);
	each(screen_use_case, &a);
	json_decref(a.answers);
	assert_int_equal(fx_count("screening", NULL), 1);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_failed_statement_in_screening_leaves_nothing, a_failed_allocation_in_screening_leaves_nothing, screening_under)

#ifdef HARTLINE_TEST_HOOKS
UNIT_TEST_WITH(a_failed_replay_lookup_is_an_error_not_a_second_report, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	struct create_arg a;
	create_arg_init(&a, &careline, "key-1");
	assert_int_equal(create_use_case(&a), 0);
	int64_t reports = fx_count("intake", NULL);
	/* The lookup of the key is the use case's first statement. */
	db_fail_at(1);
	struct intake_created first = a.made;
	memset(&a.made, 0, sizeof a.made);
	assert_int_equal(create_use_case(&a), ERR_DB);
	db_fail_at(0);
	assert_false(a.made.replayed);
	assert_int_equal(fx_count("intake", NULL), reports);
	assert_int_equal(create_use_case(&a), 0);
	assert_true(a.made.replayed);
	assert_int_equal(a.made.id, first.id);
	json_decref(a.body);
}
#endif

UNIT_TEST_WITH(linking_to_a_known_child_is_whole_and_never_no_such_person_on_a_failure, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	int64_t first;
	fx_report(&careline, "Avery", false, &first);
	struct link_arg made = {.careline = &careline, .id = first};
	assert_int_equal(link_use_case(&made), 0);
	struct link_arg a = {.careline = &careline, .known = made.person};
	fx_report(&careline, "Avery", false, &a.id);
	fx_each_failure(link_use_case, &a);
	assert_false(a.said_no_such_person);
	assert_int_equal(a.person, made.person);
	assert_int_equal(fx_count("person", NULL), 1);
	assert_int_equal(fx_count("intake_child", "person_id IS NOT NULL"), 2);
	/* A person who is not there is a field error. */
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int64_t got = 0;
	assert_int_equal(svc_intake_link(&careline.ctx, a.id, 0, made.person + 1000, &errs, &got), ERR_INVAL);
	assert_true(field_errors_any(&errs));
	field_errors_done(&errs);
}

struct draft_arg {
	struct fx_user *careline;
	json_t *doc;
	bool delete;
};

static int draft_use_case(void *arg)
{
	struct draft_arg *a = arg;
	char at[32];
	return a->delete ? svc_draft_delete(&a->careline->ctx, "intake")
			 : svc_draft_put(&a->careline->ctx, "intake", a->doc, at);
}

UNIT_TEST_WITH(a_draft_is_saved_read_and_deleted_whole, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	struct draft_arg a = {.careline = &careline, .doc = fx_json("{\"narrative\": \"half a call\"}")};
	fx_each_failure(draft_use_case, &a);
	assert_int_equal(fx_count("draft", NULL), 1);
	assert_int_equal(fx_count("audit", "action = 'draft.save'"), 1);
	json_t *got = NULL;
	char at[32];
	assert_int_equal(svc_draft_get(&careline.ctx, "intake", &got, at), 0);
	assert_string_equal(json_string_value(json_object_get(got, "narrative")), "half a call");
	json_decref(got);
	/* A draft is an object; a draft of another kind is no draft. */
	json_t *list = json_array();
	assert_int_equal(svc_draft_put(&careline.ctx, "intake", list, at), ERR_INVAL);
	assert_int_equal(svc_draft_put(&careline.ctx, "case", a.doc, at), ERR_NOTFOUND);
	json_decref(list);
	a.delete = true;
	fx_each_failure(draft_use_case, &a);
	assert_int_equal(fx_count("draft", NULL), 0);
	/* None left: an answer with no draft, not an error. */
	assert_int_equal(svc_draft_get(&careline.ctx, "intake", &got, at), 0);
	assert_null(got);
	assert_string_equal(at, "");
	assert_int_equal(svc_draft_get(&careline.ctx, "case", &got, at), ERR_NOTFOUND);
	json_decref(a.doc);
}

FX_USE_CASE_ON(notification_read_use_case, svc_notification_read(&a->as->ctx, a->id))

UNIT_TEST_WITH(an_accepted_report_notifies_and_the_notice_is_read_once, fx_setup, fx_teardown)
{
	struct fx_user careline, hart;
	fx_report_for_hart(&careline, &hart, true);
	json_t *list = NULL;
	struct page_query q = {0};
	struct field_errors errs;
	field_errors_init(&errs, 4);
	assert_int_equal(svc_notifications_list(&hart.ctx, true, &q, &errs, &list), 0);
	field_errors_done(&errs);
	assert_int_equal(json_integer_value(json_object_get(list, "unread")), 1);
	assert_true(json_is_null(json_object_get(list, "next")));
	json_t *n = json_array_get(json_object_get(list, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(n, "kind")), "intake.accepted");
	struct fx_on a = {.as = &hart, .id = json_integer_value(json_object_get(n, "id"))};
	json_decref(list);
	fx_each_failure(notification_read_use_case, &a);
	assert_int_equal(fx_count("notification", "read_at IS NOT NULL"), 1);
	/* Another user's notice is none of theirs. */
	assert_int_equal(svc_notification_read(&careline.ctx, a.id), ERR_NOTFOUND);
}

struct persons_arg {
	struct fx_user *hart;
	int64_t first;
};

static int persons_add_use_case(void *arg)
{
	struct persons_arg *a = arg;
	const char *aliases[] = {"Jo"};
	struct person_new p[2] = {
		{.given_name = "Jordan", .family_name = "Example", .aliases = aliases, .naliases = 1,
		 .dob = "2011-04-02", .estimated_age = -1, .sex = "F", .town = "Bridgeport"},
		{.given_name = "Casey", .estimated_age = 15, .sex = "M"},
	};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int r = svc_persons_add(&a->hart->ctx, p, 2, &errs, &a->first);
	field_errors_done(&errs);
	return r;
}

UNIT_TEST_WITH(people_are_recorded_all_or_none, fx_setup, fx_teardown)
{
	struct fx_user hart;
	fx_user(&hart, ROLE_HART, NULL);
	struct persons_arg a = {.hart = &hart};
	fx_each_failure(persons_add_use_case, &a);
	assert_true(a.first > 0);
	assert_int_equal(fx_count("person", NULL), 2);
	assert_int_equal(fx_count("person", "estimated_age = 15 AND age_estimated_on IS NOT NULL"), 1);
	assert_int_equal(fx_count("person", "estimated_age IS NULL AND age_estimated_on IS NULL"), 1);
	assert_int_equal(fx_count("audit", "action = 'person.import'"), 1);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
