/* Unit tests of src/model/access: the roles, their scopes and the
 * permission table, including what each role may NOT do. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <string.h>

#include "base/err.h"
#include "model/access.h"

UNIT_TEST(every_role_has_a_name_a_label_and_parses_back)
{
	for (int i = 0; i < ROLE_COUNT; i++) {
		enum role r;
		assert_non_null(role_name((enum role)i));
		assert_non_null(role_label((enum role)i));
		assert_int_equal(role_parse(role_name((enum role)i), &r), 0);
		assert_int_equal(r, i);
	}
	enum role r = ROLE_HART;
	assert_int_equal(role_parse("superuser", &r), ERR_INVAL);
	assert_int_equal(role_parse("Admin", &r), ERR_INVAL);
	assert_int_equal(role_parse(NULL, &r), ERR_INVAL);
	assert_int_equal(r, ROLE_HART);
	assert_null(role_name(ROLE_COUNT));
}

UNIT_TEST(scoped_roles_need_their_kind_of_scope)
{
	assert_int_equal(role_scope_kind(ROLE_LIAISON), SCOPE_REGION);
	assert_int_equal(role_scope_kind(ROLE_MDT), SCOPE_TEAM);
	assert_int_equal(role_scope_kind(ROLE_PROVIDER), SCOPE_PROVIDER);
	assert_int_equal(role_scope_kind(ROLE_CARELINE), SCOPE_NONE);
	assert_int_equal(role_scope_kind(ROLE_HART), SCOPE_NONE);
	assert_int_equal(role_scope_kind(ROLE_ADMIN), SCOPE_NONE);
	assert_string_equal(scope_kind_name(SCOPE_REGION), "region");
	assert_null(scope_kind_name(SCOPE_NONE));
}

UNIT_TEST(every_role_may_see_its_own_session)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		assert_true(role_may((enum role)i, PERM_SESSION));
}

/* The roles whose new accounts HART is told of: every role that works with
 * a child's record, and none of the others. */
UNIT_TEST(the_roles_that_read_case_content_are_those_that_work_with_children)
{
	const enum role yes[] = {ROLE_CARELINE, ROLE_HART, ROLE_LIAISON, ROLE_MDT, ROLE_PROVIDER};
	const enum role no[] = {ROLE_TRAINER, ROLE_ANALYST, ROLE_ADMIN};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		assert_true(role_reads_case_content(yes[i]));
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(role_reads_case_content(no[i]));
	assert_false(role_reads_case_content(ROLE_COUNT));
	assert_false(role_reads_case_content((enum role)-1));
}

/* The whole table, role by role: a permission added or granted without a
 * line here fails. */
UNIT_TEST(the_permission_table_is_exactly_as_designed)
{
	static const struct {
		enum role role;
		enum perm perm;
	} granted[] = {
		{ROLE_ADMIN, PERM_USERS_MANAGE},
		{ROLE_ADMIN, PERM_AUDIT_READ},
		{ROLE_ADMIN, PERM_CONFIG_CHECK},
		{ROLE_ADMIN, PERM_KEYS_ROTATE},
		{ROLE_CARELINE, PERM_PERSONS_MATCH},
		{ROLE_HART, PERM_PERSONS_MATCH},
		{ROLE_LIAISON, PERM_PERSONS_MATCH},
		{ROLE_CARELINE, PERM_PERSONS_WRITE},
		{ROLE_HART, PERM_PERSONS_WRITE},
		{ROLE_CARELINE, PERM_INTAKE_WRITE},
		{ROLE_HART, PERM_INTAKE_WRITE},
		{ROLE_CARELINE, PERM_INTAKE_READ},
		{ROLE_HART, PERM_INTAKE_READ},
		{ROLE_LIAISON, PERM_INTAKE_READ},
		{ROLE_CARELINE, PERM_INTAKE_DISPOSE},
		{ROLE_HART, PERM_INTAKE_DISPOSE},
		{ROLE_ADMIN, PERM_OUTBOX_READ},
		{ROLE_HART, PERM_CASES_READ},
		{ROLE_LIAISON, PERM_CASES_READ},
		{ROLE_MDT, PERM_CASES_READ},
		{ROLE_HART, PERM_CASES_OPEN},
		{ROLE_LIAISON, PERM_CASES_OPEN},
		{ROLE_HART, PERM_CASES_WRITE},
		{ROLE_LIAISON, PERM_CASES_WRITE},
		{ROLE_HART, PERM_DEADLINES_READ},
		{ROLE_LIAISON, PERM_DEADLINES_READ},
		{ROLE_HART, PERM_TEAMS_READ},
		{ROLE_LIAISON, PERM_TEAMS_READ},
		{ROLE_MDT, PERM_TEAMS_READ},
		{ROLE_HART, PERM_TEAMS_MANAGE},
		{ROLE_HART, PERM_REVIEWS_WRITE},
		{ROLE_LIAISON, PERM_REVIEWS_WRITE},
		{ROLE_CARELINE, PERM_CONTACTS_READ},
		{ROLE_HART, PERM_CONTACTS_READ},
		{ROLE_LIAISON, PERM_CONTACTS_READ},
		{ROLE_MDT, PERM_CONTACTS_READ},
		{ROLE_PROVIDER, PERM_CONTACTS_READ},
		{ROLE_TRAINER, PERM_CONTACTS_READ},
		{ROLE_ANALYST, PERM_CONTACTS_READ},
		{ROLE_ADMIN, PERM_CONTACTS_READ},
		{ROLE_HART, PERM_CONTACTS_MANAGE},
		{ROLE_ADMIN, PERM_CONTACTS_MANAGE},
		{ROLE_HART, PERM_STATS_READ},
		{ROLE_LIAISON, PERM_STATS_READ},
		{ROLE_ANALYST, PERM_STATS_READ},
		{ROLE_HART, PERM_REFERRALS_IMPORT},
		{ROLE_ADMIN, PERM_REFERRALS_IMPORT},
		{ROLE_HART, PERM_ACCESS_REVIEW},
		{ROLE_HART, PERM_PERSONS_READ},
		{ROLE_LIAISON, PERM_PERSONS_READ},
		{ROLE_MDT, PERM_PERSONS_READ},
		{ROLE_HART, PERM_PERSONS_MERGE},
		{ROLE_CARELINE, PERM_PROVIDERS_READ},
		{ROLE_HART, PERM_PROVIDERS_READ},
		{ROLE_LIAISON, PERM_PROVIDERS_READ},
		{ROLE_MDT, PERM_PROVIDERS_READ},
		{ROLE_PROVIDER, PERM_PROVIDERS_READ},
		{ROLE_TRAINER, PERM_PROVIDERS_READ},
		{ROLE_ANALYST, PERM_PROVIDERS_READ},
		{ROLE_ADMIN, PERM_PROVIDERS_READ},
		{ROLE_HART, PERM_PROVIDERS_MANAGE},
		{ROLE_ADMIN, PERM_PROVIDERS_MANAGE},
		{ROLE_HART, PERM_REFERRALS_READ},
		{ROLE_LIAISON, PERM_REFERRALS_READ},
		{ROLE_MDT, PERM_REFERRALS_READ},
		{ROLE_PROVIDER, PERM_REFERRALS_READ},
		{ROLE_HART, PERM_REFERRALS_WRITE},
		{ROLE_LIAISON, PERM_REFERRALS_WRITE},
		{ROLE_PROVIDER, PERM_REFERRALS_ANSWER},
		{ROLE_HART, PERM_PLANS_READ},
		{ROLE_LIAISON, PERM_PLANS_READ},
		{ROLE_MDT, PERM_PLANS_READ},
		{ROLE_HART, PERM_PLANS_WRITE},
		{ROLE_LIAISON, PERM_PLANS_WRITE},
		{ROLE_HART, PERM_RELIEF_READ},
		{ROLE_LIAISON, PERM_RELIEF_READ},
		{ROLE_HART, PERM_RELIEF_WRITE},
		{ROLE_LIAISON, PERM_RELIEF_WRITE},
		{ROLE_TRAINER, PERM_TRAINING_MANAGE},
		{ROLE_TRAINER, PERM_TRAINING_READ},
		{ROLE_PROVIDER, PERM_TRAINING_READ},
		{ROLE_TRAINER, PERM_TRAINING_STATS},
		{ROLE_HART, PERM_TRAINING_STATS},
		{ROLE_ANALYST, PERM_TRAINING_STATS},
		{ROLE_HART, PERM_ATTACHMENTS_READ},
		{ROLE_LIAISON, PERM_ATTACHMENTS_READ},
		{ROLE_HART, PERM_ATTACHMENTS_WRITE},
		{ROLE_LIAISON, PERM_ATTACHMENTS_WRITE},
		{ROLE_HART, PERM_CASES_REOPEN},
		{ROLE_HART, PERM_CASELOAD_READ},
		{ROLE_LIAISON, PERM_CASELOAD_READ},
		{ROLE_HART, PERM_ACTION_ITEMS_DONE},
		{ROLE_LIAISON, PERM_ACTION_ITEMS_DONE},
		{ROLE_MDT, PERM_ACTION_ITEMS_DONE},
	};
	for (int r = 0; r < ROLE_COUNT; r++)
		for (int p = 0; p < PERM_COUNT; p++) {
			if (p == PERM_SESSION)
				continue;
			bool want = false;
			for (size_t k = 0; k < sizeof granted / sizeof granted[0]; k++)
				want |= granted[k].role == (enum role)r && granted[k].perm == (enum perm)p;
			if (role_may((enum role)r, (enum perm)p) != want)
				fail_msg("role %s %s permission %s", role_name((enum role)r),
					 want ? "lacks" : "must not have", perm_name((enum perm)p));
		}
}

UNIT_TEST(only_the_roles_that_take_or_run_cases_may_look_for_a_child)
{
	const enum role no[] = {ROLE_MDT, ROLE_PROVIDER, ROLE_TRAINER, ROLE_ANALYST, ROLE_ADMIN};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		assert_false(role_may(no[i], PERM_PERSONS_MATCH));
		assert_false(role_may(no[i], PERM_PERSONS_WRITE));
	}
	assert_false(role_may(ROLE_LIAISON, PERM_PERSONS_WRITE));
}

/* Separation of duties: the hotline, providers, trainers, analysts and the
 * administrator read no case; an MDT member reads but never changes one. */
UNIT_TEST(only_hart_liaisons_and_mdt_members_read_cases)
{
	const enum role no[] = {ROLE_CARELINE, ROLE_PROVIDER, ROLE_TRAINER, ROLE_ANALYST, ROLE_ADMIN};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		assert_false(role_may(no[i], PERM_CASES_READ));
		assert_false(role_may(no[i], PERM_CASES_WRITE));
		assert_false(role_may(no[i], PERM_DEADLINES_READ));
		assert_false(role_may(no[i], PERM_TEAMS_READ));
	}
	assert_false(role_may(ROLE_MDT, PERM_CASES_WRITE));
	assert_false(role_may(ROLE_MDT, PERM_CASES_OPEN));
	assert_false(role_may(ROLE_MDT, PERM_DEADLINES_READ));
	assert_false(role_may(ROLE_MDT, PERM_REVIEWS_WRITE));
	assert_false(role_may(ROLE_LIAISON, PERM_TEAMS_MANAGE));
	assert_true(role_may(ROLE_ADMIN, PERM_CONTACTS_MANAGE));
}

/* Figures: the analyst reads aggregates and nothing else of a case; the
 * administrator imports history but reads no figure. */
UNIT_TEST(the_analyst_reads_figures_and_no_case)
{
	assert_true(role_may(ROLE_ANALYST, PERM_STATS_READ));
	assert_false(role_may(ROLE_ANALYST, PERM_CASES_READ));
	assert_false(role_may(ROLE_ANALYST, PERM_INTAKE_READ));
	assert_false(role_may(ROLE_ANALYST, PERM_PERSONS_MATCH));
	assert_false(role_may(ROLE_ANALYST, PERM_REFERRALS_IMPORT));
	const enum role no[] = {ROLE_CARELINE, ROLE_MDT, ROLE_PROVIDER, ROLE_TRAINER, ROLE_ADMIN};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(role_may(no[i], PERM_STATS_READ));
}

UNIT_TEST(no_role_but_admin_manages_users_or_reads_the_audit)
{
	const enum role others[] = {ROLE_CARELINE, ROLE_HART, ROLE_LIAISON, ROLE_MDT,
				    ROLE_PROVIDER, ROLE_TRAINER, ROLE_ANALYST};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		assert_false(role_may(others[i], PERM_USERS_MANAGE));
		assert_false(role_may(others[i], PERM_AUDIT_READ));
		assert_false(role_may(others[i], PERM_KEYS_ROTATE));
	}
	assert_false(role_may(ROLE_COUNT, PERM_SESSION));
	assert_false(role_may(ROLE_ADMIN, PERM_COUNT));
}

int main(void)
{
	return unit_run("access", NULL, NULL);
}
