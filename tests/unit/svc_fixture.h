/* svc_fixture: what a service unit test stands on. A temporary SQLite
 * database with every migration applied, a key ring of its own, the
 * built-in pack, a clock fixed at FX_NOW, and users of any role and scope
 * to call the services as. Tests call services directly, as the HTTP
 * handlers and the command line do.
 *
 *   static void opens_a_case(void **state)
 *   {
 *           struct fx_user hart;
 *           fx_user(&hart, ROLE_HART, NULL);
 *           ... svc_case_open(&hart.ctx, body, &errs, &id) ...
 *   }
 *   cmocka_unit_test_setup_teardown(opens_a_case, fx_setup, fx_teardown)
 *
 * In test builds (-Dtest_hooks=true) fx_each_failure() runs a write use
 * case once for every statement it makes, failing that statement, and
 * checks each time that the call answered an error and left the tables
 * and the audit chain as they were; fx_each_alloc_failure() does the same
 * for every allocation it makes. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/clock.h"
#include "base/json.h"
#include "db/db.h"
#include "service/app.h"
#include "service/ctx.h"

/* 2026-11-28T18:40:00Z, a Saturday afternoon. */
#define FX_NOW (INT64_C(1795891200) * HL_USEC_PER_SEC)

struct svc_fixture {
	char dir[64], url[128];
	char pg_name[32]; /* fx_setup_pg: the database to drop */
	struct app app;
	struct db *db; /* this thread's connection, the one the services use */
};

extern struct svc_fixture fx;

struct fx_user {
	struct actor actor;
	struct svc_ctx ctx;
};

/* cmocka setup and teardown: a fresh database for each test. */
int fx_setup(void **state);
int fx_teardown(void **state);
/* The same on a fresh PostgreSQL database, when the environment names a
 * server (PGHOST or PGPORT: run under pg_virtualenv); without one it makes
 * nothing, and the test skips itself when fx_pg_available() is false. */
int fx_setup_pg(void **state);
bool fx_pg_available(void);

/* A user of role with scope (NULL: none) in app_user, and a context to
 * call services as them. */
void fx_user(struct fx_user *u, enum role role, const char *scope);

/* A role and the scope its users have (NULL: none). */
struct fx_role {
	enum role role;
	const char *scope;
};
/* Every role but the administrator's, each with a scope where it takes one. */
#define FX_ROLES_BUT_ADMIN 7
extern const struct fx_role fx_roles_but_admin[FX_ROLES_BUT_ADMIN];

/* Run sql, failing the test on an error. */
void fx_exec(const char *sql);
/* Rows in table (optionally narrowed: where NULL or "kind = 'x'"). */
int64_t fx_count(const char *table, const char *where);
/* The text of the first column of the first row of sql; "" for NULL or no
 * row. */
void fx_text(const char *sql, char *out, size_t size);
/* The region of the (one) case into region, of size bytes. */
void fx_case_region(char *region, size_t size);
/* A region of the pack other than region (there must be one). */
const char *fx_other_region(const char *region);
/* A JSON value from text, failing the test when it does not parse. */
json_t *fx_json(const char *text);

/* Fail the test when r is an error, printing errs; then free errs. */
void fx_assert_no_errors(int r, struct field_errors *errs);
/* Whether errs has an error for field. */
bool fx_names_field(const struct field_errors *errs, const char *field);

/* A report of one child (given_name, 15, of Bridgeport) recorded by
 * careline; accepted for HART when accept. */
void fx_report(const struct fx_user *careline, const char *given_name, bool accept, int64_t *ret_id);
/* The body that accepts a report for HART at its current version. */
int fx_accept_body(int64_t intake_id, json_t **ret);
void fx_accept(const struct fx_user *as, int64_t intake_id);
/* A case opened from an accepted report. */
void fx_case(const struct fx_user *as, int64_t intake_id, int64_t *ret_id);
/* A careline user and a HART user, and a report of "Avery" the careline
 * user took (and accepted, if accept). Answers the report's id. */
int64_t fx_report_for_hart(struct fx_user *careline, struct fx_user *hart, bool accept);
/* Where most case tests start: a careline user and a HART user, and the
 * case the HART user opened from a report of "Avery" the careline user
 * took and accepted. Answers the case's id. */
int64_t fx_case_as_hart(struct fx_user *careline, struct fx_user *hart);

/* A write use case, run by fx_each_failure with the test's arg. Answers
 * the service's result. */
typedef int (*fx_use_case)(void *arg);

/* Make statement 1, 2, ... of fn fail in turn until fn runs without
 * meeting the failure. Each failed run must answer an error, leave no
 * transaction open, and change no table: neither its rows nor their
 * values, the audit chain and its head included. The last, whole run must
 * answer 0. A failure after the use case's one commit (reading back its
 * answer) ends the loop: the write is whole, and the use case must have
 * been one transaction. Answers the number of statements of the last run.
 * Without the test hooks nothing can fail, and the test is skipped. */
long fx_each_failure(fx_use_case fn, void *arg);

/* Allocation failure, in test builds: the svc_* tests link with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,
 * so every allocation our code makes passes through the fixture, and
 * jansson's too (json_set_alloc_funcs). The nth from now (1 = the next)
 * answers NULL, once; n 0 turns it off. SQLite and libc keep their own
 * allocations: those are their tests' business. */
void fx_fail_alloc_at(long n);

/* As fx_each_failure, for allocations: make allocation 1, 2, ... of fn
 * fail in turn until fn runs without meeting the failure. Each failed run
 * must answer an error and change no table, or fail only after the use
 * case's commit (its audit record is there: the write is whole, and the
 * loop ends). Leaks are the sanitizer's and Valgrind's to find. Answers
 * the number of allocations of the last run. */
long fx_each_alloc_failure(fx_use_case fn, void *arg);

/* Either loop, for a test that runs one use case under both:
 *
 *   static void create_under(fx_failure_loop each) { ... each(create_use_case, &a) ... }
 */
typedef long (*fx_failure_loop)(fx_use_case fn, void *arg);

/* Define an fx_use_case name whose arg is a struct arg_type, in scope as
 * `a`, that answers call, made with a fresh struct field_errors `errs`
 * (freed after). */
#define FX_USE_CASE_WITH_ERRS(name, arg_type, call)                   \
	static int name(void *arg)                                     \
	{                                                              \
		struct arg_type *a = arg;                              \
		struct field_errors errs;                              \
		field_errors_init(&errs, 10);                          \
		int r = (call);                                        \
		field_errors_done(&errs);                              \
		return r;                                              \
	}

/* A use case's argument: who calls, on which row. */
struct fx_on {
	struct fx_user *as;
	int64_t id;
};

/* Define the fx_use_case name, taking a struct fx_on `a`, that answers call. */
#define FX_USE_CASE_ON(name, call)                                     \
	static int name(void *arg)                                     \
	{                                                              \
		struct fx_on *a = arg;                                 \
		return (call);                                         \
	}

/* Define two tests that run under(each) with each loop in turn:
 * statement_test with fx_each_failure, allocation_test with
 * fx_each_alloc_failure. */
#define FX_UNDER_BOTH_LOOPS(statement_test, allocation_test, under)   \
	static void statement_test(void **state)                       \
	{                                                              \
		(void)state;                                           \
		under(fx_each_failure);                                \
	}                                                              \
	static void allocation_test(void **state)                      \
	{                                                              \
		(void)state;                                           \
		under(fx_each_alloc_failure);                          \
	}

/* FX_UNDER_BOTH_LOOPS, with both tests registered to run between
 * fx_setup and fx_teardown (needs tests/unit/unit.h). */
#define FX_TESTS_UNDER_BOTH_LOOPS(statement_test, allocation_test, under) \
	FX_UNDER_BOTH_LOOPS(statement_test, allocation_test, under)        \
	UNIT_REGISTER(statement_test, fx_setup, fx_teardown)              \
	UNIT_REGISTER(allocation_test, fx_setup, fx_teardown)

/* For a test file whose writes go through its own `loop` (an
 * fx_failure_loop, fx_each_failure by default): define
 * test_when_allocations_fail, which runs test with loop set to
 * fx_each_alloc_failure. */
#define FX_WHEN_ALLOCATIONS_FAIL(test, loop)                          \
	static void test##_when_allocations_fail(void **state)         \
	{                                                              \
		(loop) = fx_each_alloc_failure;                        \
		test(state);                                           \
		(loop) = fx_each_failure;                              \
	}
