/* pack_test: what the unit tests of the pack and of the rules read from
 * it share: where the shipped Connecticut pack is, and whether a
 * validation reported a given error. Included by test_pack.c,
 * test_routing.c and test_screening.c after cmocka.h. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

/* packs/connecticut.json under HARTLINE_SOURCE_ROOT. */
static inline const char *ct_path(void)
{
	static char path[4096];
	const char *root = getenv("HARTLINE_SOURCE_ROOT");
	if (!root)
		fail_msg("HARTLINE_SOURCE_ROOT is not set");
	int n = snprintf(path, sizeof path, "%s/packs/connecticut.json", root);
	assert_true(n > 0 && (size_t)n < sizeof path);
	return path;
}

/* Is field: reason among fe's errors? */
static inline bool has_error(const struct field_errors *fe, const char *field, const char *reason)
{
	size_t i;
	json_t *e;
	json_array_foreach (fe->list, i, e)
		if (strcmp(json_get_str(e, "field"), field) == 0 && strcmp(json_get_str(e, "reason"), reason) == 0)
			return true;
	return false;
}
