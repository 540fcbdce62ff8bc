/* Test registration for the unit tests: each test names itself where it
 * is defined, instead of in a list in main(), and runs in the order of
 * the file.
 *
 *   UNIT_TEST(parses_an_empty_line) { ... }
 *   UNIT_TEST_WITH(opens_a_case, fx_setup, fx_teardown) { ... }
 *   UNIT_REGISTER(a_test_defined_by_another_macro, fx_setup, fx_teardown)
 *   int main(void) { return unit_run("group", NULL, NULL); }
 *
 * Include after <cmocka.h>, in the test's one .c file. */
#ifndef HARTLINE_TESTS_UNIT_H
#define HARTLINE_TESTS_UNIT_H

#include <stdint.h>
#include <stdlib.h>

#define UNIT_MAX_TESTS 256

struct unit_entry {
	int line;
	struct CMUnitTest test;
};

static struct unit_entry unit_entries[UNIT_MAX_TESTS];
static size_t unit_n;

static void unit_add(int line, const char *name, CMUnitTestFunction fn, CMFixtureFunction setup,
		     CMFixtureFunction teardown)
{
	if (unit_n == UNIT_MAX_TESTS)
		abort();
	unit_entries[unit_n++] = (struct unit_entry){
		.line = line,
		.test = {.name = name, .test_func = fn, .setup_func = setup, .teardown_func = teardown},
	};
}

/* Register name, a test defined elsewhere in the file. */
#define UNIT_REGISTER(name, setup, teardown)                                      \
	__attribute__((constructor)) static void unit_register_##name(void)       \
	{                                                                         \
		unit_add(__LINE__, #name, name, setup, teardown);                \
	}

/* Define and register a test, run between setup and teardown. Its body
 * may leave state unused. */
#define UNIT_TEST_WITH(name, setup, teardown)                                     \
	static void name(void **state);                                           \
	UNIT_REGISTER(name, setup, teardown)                                      \
	static void name(void **state __attribute__((unused)))

#define UNIT_TEST(name) UNIT_TEST_WITH(name, NULL, NULL)

/* A small deterministic generator (xorshift64), so that random tests are
 * the same on every run: a number below n. */
static uint64_t unit_rand_state = 0x9E3779B97F4A7C15u;
static inline uint32_t unit_rand(uint32_t n)
{
	unit_rand_state ^= unit_rand_state << 13;
	unit_rand_state ^= unit_rand_state >> 7;
	unit_rand_state ^= unit_rand_state << 17;
	return (uint32_t)(unit_rand_state % n);
}

static int unit_by_line(const void *a, const void *b)
{
	const struct unit_entry *x = a, *y = b;
	return (x->line > y->line) - (x->line < y->line);
}

/* Run the registered tests, in the order they stand in the file, as the
 * group called group, between group_setup and group_teardown. */
static int unit_run(const char *group, CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
	qsort(unit_entries, unit_n, sizeof *unit_entries, unit_by_line);
	struct CMUnitTest tests[UNIT_MAX_TESTS];
	for (size_t i = 0; i < unit_n; i++)
		tests[i] = unit_entries[i].test;
	return _cmocka_run_group_tests(group, tests, unit_n, group_setup, group_teardown);
}

#endif
