/* Fuzz target: URL paths and query strings. An input is "METHOD target"
 * (GET when there is no space). The path is percent-decoded as the server
 * (libmicrohttpd) decodes it and routed (http_route_find, with its {x}
 * segments); each segment and each query argument, decoded the same way,
 * goes through the parsers handlers use on them: record numbers and limits
 * (str_to_int64) and times (time_parse; a time written back reads the
 * same). */
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TARGET_MAX 8192

static void parse_value(const char *v)
{
	int64_t n;
	if (str_to_int64(v, 1, INT64_MAX, &n) == 0 && n < 1)
		abort();
	if (str_to_int64(v, 1, 500, &n) == 0 && (n < 1 || n > 500))
		abort();
	hl_time t;
	if (time_parse(v, &t) == 0) {
		/* Written back in whole seconds (as the audit filter does), it
		 * reads as the same second. */
		char s[64];
		hl_time again, second = t - ((t % HL_USEC_PER_SEC) + HL_USEC_PER_SEC) % HL_USEC_PER_SEC;
		if (time_format(t, s, sizeof s) == 0 && time_parse(s, &again) == 0 && again != second)
			abort();
	}
}

/* key=value&key=value, each decoded with '+' as a space, as the server's
 * query arguments are. */
static void parse_query(char *q)
{
	char *save = q;
	while (save) {
		char *arg = save;
		char *amp = strchr(arg, '&');
		if (amp)
			*amp = '\0';
		save = amp ? amp + 1 : NULL;
		char *eq = strchr(arg, '=');
		char *val = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		for (char *c = arg; *c; c++)
			if (*c == '+')
				*c = ' ';
		MHD_http_unescape(arg);
		if (val) {
			for (char *c = val; *c; c++)
				if (*c == '+')
					*c = ' ';
			MHD_http_unescape(val);
			parse_value(val);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > TARGET_MAX)
		return 0;
	char *in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';

	const char *method = "GET";
	char *target = in;
	char *sp = memchr(in, ' ', size);
	if (sp) {
		*sp = '\0';
		method = in;
		target = sp + 1;
	}
	char *q = strchr(target, '?');
	if (q)
		*q++ = '\0';
	MHD_http_unescape(target);

	struct arena arena;
	arena_init(&arena, 0);
	const struct http_route *route = NULL;
	const char *params[HTTP_MAX_PARAMS] = {0};
	int nparams = 0;
	char allow[256];
	int r = http_route_find(method, target, &route, params, &nparams, &arena, allow, sizeof allow);
	if (r == 0) {
		if (!route || nparams < 0 || nparams > HTTP_MAX_PARAMS)
			abort();
		for (int i = 0; i < nparams; i++) {
			if (!params[i] || !params[i][0] || strchr(params[i], '/'))
				abort();
			parse_value(params[i]);
		}
	} else if (r == ERR_PERM) {
		if (!allow[0])
			abort();
	} else if (r != ERR_NOTFOUND && r != ERR_NOMEM) {
		abort();
	}
	if (q)
		parse_query(q);
	arena_done(&arena);
	free(in);
	return 0;
}
