/* hartline routes: the route table as the dispatcher sees it, one line a
 * route, for people and for the access test that walks it:
 *
 *   METHOD PATTERN public|session PERMISSION ROLES BODY
 *
 * PERMISSION and ROLES are "-" on a public route; ROLES are the roles that
 * hold the permission (model/access.c), comma-separated; BODY is "-" for
 * none, "handler" for a JSON body its handler still checks, or the body
 * schema: its name in brackets, then its fields (schema_format). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "http/http.h"
#include "model/access.h"
#include "model/schema.h"

/* "careline,hart,liaison": who holds p. */
static void roles_of(enum perm p, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (int r = 0; r < ROLE_COUNT && len < size; r++) {
		if (!role_may((enum role)r, p))
			continue;
		int w = snprintf(out + len, size - len, "%s%s", len ? "," : "", role_name((enum role)r));
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static void print_route(const struct http_route *rt)
{
	bool pub = rt->flags & HTTP_PUBLIC;
	char roles[160], body[1024];
	if (pub)
		snprintf(roles, sizeof roles, "-");
	else
		roles_of(rt->perm, roles, sizeof roles);
	if (rt->body) {
		int n = snprintf(body, sizeof body, "[%s] ", rt->body->name);
		if (n < 0 || (size_t)n >= sizeof body || schema_format(rt->body, body + n, sizeof body - (size_t)n) < 0)
			snprintf(body, sizeof body, "[%s]", rt->body->name);
	} else {
		snprintf(body, sizeof body, "%s", rt->flags & HTTP_JSON_BODY ? "handler" : "-");
	}
	printf("%-6s %-56s %-7s %-18s %-36s %s\n", rt->method, rt->pattern, pub ? "public" : "session",
	       pub ? "-" : perm_name(rt->perm), roles, body);
}

static int run_routes(int argc, char **argv)
{
	int r = cli_parse(&cli_routes, argc, argv, NULL, NULL, NULL);
	if (r)
		return cli_exit(r);
	for (size_t i = 0; i < http_routes_count; i++)
		print_route(&http_routes[i]);
	return 0;
}

const struct cli_command cli_routes = {
	.name = "routes",
	.summary = "list the HTTP routes: method, pattern, public or session, the permission and the roles that "
		   "hold it, and the body's rules",
	.run = run_routes,
};
