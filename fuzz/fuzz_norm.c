/* Fuzz target: name normalisation. Any bytes (invalid UTF-8, combining
 * marks, cut sequences) normalise to lower-case ASCII letters, digits and
 * single inner spaces, within the size given, and normalising the result
 * again changes nothing; splitting, squashing and digit-keeping stay within
 * their buffers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match/norm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_normal(const char *out, size_t len, size_t size)
{
	if (len >= size || strlen(out) != len)
		abort();
	if (len > 0 && (out[0] == ' ' || out[len - 1] == ' '))
		abort();
	for (size_t i = 0; i < len; i++) {
		char c = out[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == ' ' && out[i + 1] != ' ');
		if (!ok)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	/* The first byte picks the output size, so that cutting is tried at
	 * every length. */
	size_t cap = size > 0 ? (size_t)data[0] % (NORM_MAX + 8) + 1 : NORM_MAX;
	char *in = malloc(size + 1);
	char *out = malloc(cap), *again = malloc(cap), *squash = malloc(cap), *digits = malloc(cap);
	if (!in || !out || !again || !squash || !digits)
		goto done;
	memcpy(in, data, size);
	in[size] = '\0';

	size_t len = norm_text(in, out, cap);
	check_normal(out, len, cap);
	if (norm_text(out, again, cap) != len || strcmp(out, again) != 0)
		abort();

	char *copy = strdup(out);
	const char *parts[8];
	if (copy) {
		size_t n = norm_split(copy, parts, 8);
		for (size_t i = 0; i < n; i++)
			if (!parts[i][0] || strchr(parts[i], ' ') || strchr(parts[i], '-'))
				abort();
		free(copy);
	}
	size_t sl = norm_squash(out, squash, cap);
	if (sl >= cap || strlen(squash) != sl || strchr(squash, ' '))
		abort();
	size_t dl = norm_digits(in, digits, cap);
	if (dl >= cap || strlen(digits) != dl || strspn(digits, "0123456789") != dl)
		abort();
done:
	free(in);
	free(out);
	free(again);
	free(squash);
	free(digits);
	return 0;
}
