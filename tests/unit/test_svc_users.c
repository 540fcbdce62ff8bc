/* Tests for service/users: what an administrator may do to accounts, what
 * nobody else may, and that a failure anywhere in a write leaves nothing
 * behind. */
#include "svc_fixture.h"
#include "unit.h"

#include <string.h>

#include "base/err.h"
#include "service/auth.h"
#include "service/setup.h"
#include "service/users.h"

static int create(const struct fx_user *as, const char *username, const char *role, const char *scope,
		  int64_t *ret_id)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct user_new u = {.username = username, .role = role, .scope = scope, .display_name = "Dana Whitfield",
			     .email = "dana@example.org"};
	struct setup_link link;
	int r = svc_users_create(&as->ctx, &u, &errs, ret_id, &link);
	field_errors_done(&errs);
	return r;
}

/* An administrator (into admin) who has created the account username. */
static void admin_created(struct fx_user *admin, const char *username, const char *role, const char *scope,
			  int64_t *id)
{
	fx_user(admin, ROLE_ADMIN, NULL);
	assert_int_equal(create(admin, username, role, scope, id), 0);
}

UNIT_TEST_WITH(creates_an_account_with_a_setup_link_and_seals_the_name, fx_setup, fx_teardown)
{
	struct fx_user admin;
	int64_t id = 0;
	admin_created(&admin, "dana", "liaison", "R2", &id);
	assert_true(id > 0);
	assert_int_equal(fx_count("app_user", "username = 'dana' AND role = 'liaison' AND scope = 'R2'"), 1);
	assert_int_equal(fx_count("user_setup", NULL), 1);
	/* The name and address are stored sealed, never as typed. */
	assert_int_equal(fx_count("app_user", "CAST(display_name AS TEXT) LIKE '%Whitfield%'"), 0);
	assert_int_equal(fx_count("app_user", "CAST(email AS TEXT) LIKE '%example%'"), 0);
	assert_int_equal(fx_count("audit", "action = 'user.create'"), 1);

	struct user_info u;
	memset(&u, 0, sizeof u);
	assert_int_equal(svc_users_get(&admin.ctx, id, &u), 0);
	assert_string_equal(u.display_name, "Dana Whitfield");
	assert_string_equal(u.email, "dana@example.org");
	assert_string_equal(u.scope, "R2");
	assert_true(u.setup_expires_at[0] != '\0');
	user_info_done(&u);
	/* A role that reads case content is told to HART. */
	assert_int_equal(fx_count("access_notice", "reason = 'created'"), 1);
}

UNIT_TEST_WITH(refuses_a_taken_username_and_a_missing_scope, fx_setup, fx_teardown)
{
	struct fx_user admin;
	int64_t id;
	admin_created(&admin, "dana", "careline", NULL, &id);
	assert_int_equal(create(&admin, "dana", "careline", NULL, &id), ERR_EXISTS);
	assert_int_equal(create(&admin, "lee", "liaison", NULL, &id), ERR_INVAL);
	assert_int_equal(fx_count("app_user", "username IN ('dana', 'lee')"), 1);
}

UNIT_TEST_WITH(no_other_role_may_create_or_change_accounts, fx_setup, fx_teardown)
{
	struct fx_user admin;
	int64_t target;
	admin_created(&admin, "dana", "careline", NULL, &target);
	for (size_t i = 0; i < FX_ROLES_BUT_ADMIN; i++) {
		struct fx_user u;
		fx_user(&u, fx_roles_but_admin[i].role, fx_roles_but_admin[i].scope);
		int64_t users = fx_count("app_user", NULL), denials = fx_count("audit", "action = 'permission.denied'");
		int64_t id = 0;
		assert_int_equal(create(&u, "mallory", "admin", NULL, &id), ERR_PERM);
		struct field_errors errs;
		field_errors_init(&errs, 10);
		struct user_patch p = {.version = 1, .role = "admin", .disabled = -1};
		assert_int_equal(svc_users_update(&u.ctx, target, &p, &errs), ERR_PERM);
		field_errors_done(&errs);
		struct user_info info;
		assert_int_equal(svc_users_get(&u.ctx, target, &info), ERR_PERM);
		assert_int_equal(fx_count("app_user", NULL), users);
		assert_int_equal(fx_count("app_user", "role = 'admin'"), 1);
		/* Each refusal is on the audit trail. */
		assert_true(fx_count("audit", "action = 'permission.denied'") >= denials + 3);
	}
}

UNIT_TEST_WITH(a_stale_version_changes_nothing, fx_setup, fx_teardown)
{
	struct fx_user admin;
	int64_t id;
	admin_created(&admin, "dana", "careline", NULL, &id);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct user_patch p = {.version = 1, .disabled = 1};
	assert_int_equal(svc_users_update(&admin.ctx, id, &p, &errs), 0);
	assert_int_equal(fx_count("app_user", "username = 'dana' AND disabled = 1 AND version = 2"), 1);
	p = (struct user_patch){.version = 1, .disabled = 0};
	assert_int_equal(svc_users_update(&admin.ctx, id, &p, &errs), ERR_CONFLICT);
	assert_int_equal(fx_count("app_user", "username = 'dana' AND disabled = 1 AND version = 2"), 1);
	field_errors_done(&errs);
}

/* An administrator's write on one account, and HART to be told of it
 * (the access notice notifies someone). */
struct admin_arg {
	struct fx_user admin, hart;
	int64_t id;
};

static void admin_and_hart(struct admin_arg *a)
{
	fx_user(&a->admin, ROLE_ADMIN, NULL);
	fx_user(&a->hart, ROLE_HART, NULL);
}

static int create_use_case(void *arg)
{
	struct admin_arg *a = arg;
	return create(&a->admin, "dana", "hart", NULL, &a->id);
}

/* Whatever fails in a create, statement or allocation, nothing is left;
 * the run without a failure creates the account and its record once. */
static void create_under(fx_failure_loop each)
{
	struct admin_arg a;
	admin_and_hart(&a);
	long made = each(create_use_case, &a);
	assert_true(made > 5);
	assert_int_equal(fx_count("app_user", "username = 'dana'"), 1);
	assert_int_equal(fx_count("audit", "action = 'user.create'"), 1);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_failed_statement_in_create_leaves_nothing, a_failed_allocation_in_create_leaves_nothing, create_under)

static int update_use_case(void *arg)
{
	struct admin_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct user_patch p = {.version = 1, .role = "liaison", .scope = "R3", .email = "new@example.org",
			       .disabled = -1};
	int r = svc_users_update(&a->admin.ctx, a->id, &p, &errs);
	field_errors_done(&errs);
	return r;
}

static void update_under(fx_failure_loop each)
{
	struct admin_arg a;
	admin_and_hart(&a);
	assert_int_equal(create(&a.admin, "dana", "careline", NULL, &a.id), 0);
	char before[64];
	fx_text("SELECT role || version FROM app_user WHERE username = 'dana'", before, sizeof before);
	assert_string_equal(before, "careline1");
	assert_true(each(update_use_case, &a) > 0);
	assert_int_equal(fx_count("app_user", "username = 'dana' AND role = 'liaison' AND version = 2"), 1);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_failed_statement_in_update_leaves_nothing, a_failed_allocation_in_update_leaves_nothing, update_under)

/* Logging out and an administrator's reset of a second factor each end in
 * one commit: a commit that fails must not leave the connection inside
 * the transaction for the next use case on it. */
static int logout_use_case(void *arg)
{
	return svc_auth_logout(&((struct fx_user *)arg)->ctx);
}

UNIT_TEST_WITH(a_failed_statement_in_logout_leaves_nothing, fx_setup, fx_teardown)
{
	struct fx_user careline;
	fx_user(&careline, ROLE_CARELINE, NULL);
	fx_each_failure(logout_use_case, &careline);
	assert_int_equal(fx_count("audit", "action = 'logout'"), 1);
}

FX_USE_CASE_ON(mfa_reset_use_case, svc_auth_mfa_reset(&a->as->ctx, a->id))

UNIT_TEST_WITH(a_failed_statement_in_a_second_factor_reset_leaves_nothing, fx_setup, fx_teardown)
{
	struct fx_user admin, careline;
	fx_user(&admin, ROLE_ADMIN, NULL);
	fx_user(&careline, ROLE_CARELINE, NULL);
	struct fx_on a = {.as = &admin, .id = careline.actor.user_id};
	fx_each_failure(mfa_reset_use_case, &a);
	assert_int_equal(fx_count("audit", "action = 'mfa.reset'"), 1);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
