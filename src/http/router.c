#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "http/http.h"

/* Match path against pattern; on success the {x} segments go to params. */
static bool pattern_match(const char *pattern, const char *path, const char **params, int *nparams,
			  struct arena *arena)
{
	int n = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			const char *se = strchr(s, '/');
			if (!pe)
				return false;
			if (!se)
				se = s + strlen(s);
			if (se == s || n >= HTTP_MAX_PARAMS)
				return false;
			if (params) {
				params[n] = arena ? arena_strndup(arena, s, (size_t)(se - s)) : NULL;
				if (arena && !params[n])
					return false;
			}
			n++;
			p = pe + 1;
			s = se;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	if (*p || *s)
		return false;
	if (nparams)
		*nparams = n;
	return true;
}

int http_route_find(const char *method, const char *path, const struct http_route **ret,
		    const char **params, int *nparams, struct arena *arena, char *allow, size_t allowsize)
{
	bool path_known = false;
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
	for (size_t i = 0; i < http_routes_count; i++) {
		const struct http_route *r = &http_routes[i];
		if (!pattern_match(r->pattern, path, NULL, NULL, NULL))
			continue;
		path_known = true;
		if (strcmp(r->method, m) == 0) {
			if (!pattern_match(r->pattern, path, params, nparams, arena))
				return ERR_NOMEM;
			*ret = r;
			return 0;
		}
	}
	if (!path_known)
		return ERR_NOTFOUND;
	/* The methods this path answers, in table order, HEAD beside GET. */
	size_t len = 0;
	allow[0] = '\0';
	for (size_t i = 0; i < http_routes_count; i++) {
		const struct http_route *r = &http_routes[i];
		if (!pattern_match(r->pattern, path, NULL, NULL, NULL))
			continue;
		int w = snprintf(allow + len, allowsize - len, "%s%s%s", len ? ", " : "", r->method,
				 strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
		if (w < 0 || (size_t)w >= allowsize - len)
			break;
		len += (size_t)w;
	}
	return ERR_PERM;
}
