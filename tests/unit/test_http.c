/* Unit tests of src/http that need no socket: the router over the real
 * route table, listen addresses, problem answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/str.h"

#include "base/err.h"
#include "base/buf.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/server.h"

UNIT_TEST(every_route_is_well_formed_and_unique)
{
	for (size_t i = 0; i < http_routes_count; i++) {
		const struct http_route *r = &http_routes[i];
		assert_non_null(r->handler);
		assert_true(r->pattern[0] == '/');
		assert_true(strcmp(r->method, "GET") == 0 || strcmp(r->method, "POST") == 0 ||
			    strcmp(r->method, "PATCH") == 0 || strcmp(r->method, "PUT") == 0 ||
			    strcmp(r->method, "DELETE") == 0);
		for (size_t j = i + 1; j < http_routes_count; j++)
			assert_false(strcmp(r->method, http_routes[j].method) == 0 &&
				     strcmp(r->pattern, http_routes[j].pattern) == 0);
	}
}

/* A route that needs a session names the permission it needs. A row with
 * none would still compile (PERM_SESSION is 0), so the routes open to
 * every signed-in user are listed here: a new one is a decision to make. */
UNIT_TEST(every_session_route_names_its_permission)
{
	static const char *const any_user[] = {
		"DELETE /api/v1/session",
		"GET /api/v1/me",
		"POST /api/v1/session/second-factor",
		"POST /api/v1/session/second-factor/enrolment",
		"POST /api/v1/session/second-factor/enrolment/confirm",
		"GET /api/v1/me/sessions",
		"DELETE /api/v1/me/sessions/{sid}",
		"GET /api/v1/notifications",
		"POST /api/v1/notifications/{id}/read",
		"POST /api/v1/notifications/read",
		NULL,
	};
	for (size_t i = 0; i < http_routes_count; i++) {
		const struct http_route *r = &http_routes[i];
		if (r->handler == h_static || (r->flags & HTTP_PUBLIC))
			continue;
		assert_true((unsigned)r->perm < PERM_COUNT);
		assert_non_null(perm_name(r->perm));
		char key[128];
		snprintf(key, sizeof key, "%s %s", r->method, r->pattern);
		bool listed = false;
		for (const char *const *k = any_user; *k; k++)
			listed = listed || strcmp(*k, key) == 0;
		if (listed != (r->perm == PERM_SESSION))
			fail_msg("%s: permission %s, but %s the list of routes open to every signed-in user", key,
				 perm_name(r->perm), listed ? "in" : "not in");
	}
}

/* The source line of the row for method and pattern, from routes.c or one
 * of the routes_*.inc it includes; NULL when not found. Freed by the caller. */
static char *route_row_source(const char *method, const char *pattern)
{
	static const char *const files[] = {"routes.c", "routes_cases.inc", "routes_teams.inc", "routes_stats.inc"};
	char want[256];
	snprintf(want, sizeof want, "{\"%s\", \"%s\",", method, pattern);
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		char path[1024];
		char *text;
		snprintf(path, sizeof path, "%s/src/http/%s", getenv("HARTLINE_SOURCE_ROOT"), files[f]);
		assert_int_equal(file_read_all(path, 1 << 20, &text, NULL), 0);
		char *at = strstr(text, want);
		if (at) {
			size_t len = strcspn(at, "\n");
			char *line = strndup(at, len);
			free(text);
			return line;
		}
		free(text);
	}
	return NULL;
}

/* A JSON body has rules: the row's schema, or a schema: comment on the row
 * naming the schema its service runs on the whole body (a report, whose
 * nested fields are named in the same 422 as the top level's). */
UNIT_TEST(every_json_body_has_its_rules)
{
	for (size_t i = 0; i < http_routes_count; i++) {
		const struct http_route *r = &http_routes[i];
		if (r->body) {
			assert_true(r->flags & HTTP_JSON_BODY);
			assert_non_null(r->body->name);
			continue;
		}
		if (!(r->flags & HTTP_JSON_BODY))
			continue;
		char *line = route_row_source(r->method, r->pattern);
		if (!line)
			fail_msg("%s %s: no row in src/http/routes*.c", r->method, r->pattern);
		bool marked = strstr(line, "/* schema: ") != NULL;
		free(line);
		if (!marked)
			fail_msg("%s %s takes a JSON body but names no schema: give it one, or say which with a "
				 "/* schema: svc_..._schema */ comment on the row",
				 r->method, r->pattern);
	}
}

/* http_route_find with the buffers a request would give it; allow gets
 * the methods of a known path on ERR_PERM. */
static int find(const char *method, const char *path, const struct http_route **r, int *nparams, char *allow)
{
	struct arena a;
	arena_init(&a, 0);
	const char *params[HTTP_MAX_PARAMS];
	int n = -1, ret = http_route_find(method, path, r, params, &n, &a, allow, 64);
	if (nparams)
		*nparams = n;
	arena_done(&a);
	return ret;
}

UNIT_TEST(a_known_path_and_method_finds_its_handler)
{
	const struct http_route *r = NULL;
	int n = -1;
	char allow[64];
	assert_int_equal(find("GET", "/healthz", &r, &n, allow), 0);
	assert_ptr_equal(r->handler, h_healthz);
	assert_int_equal(n, 0);
	assert_int_equal(find("HEAD", "/healthz", &r, NULL, allow), 0);
	assert_ptr_equal(r->handler, h_healthz);
	assert_int_equal(find("POST", "/api/v1/config/validate", &r, NULL, allow), 0);
	assert_true(r->flags & HTTP_JSON_BODY);
}

UNIT_TEST(an_unknown_path_is_not_found)
{
	const struct http_route *r = NULL;
	char allow[64];
	assert_int_equal(find("GET", "/api/v1/nothing", &r, NULL, allow), ERR_NOTFOUND);
	assert_int_equal(find("GET", "/healthz/", &r, NULL, allow), ERR_NOTFOUND);
	assert_int_equal(find("GET", "", &r, NULL, allow), ERR_NOTFOUND);
}

UNIT_TEST(a_wrong_method_lists_the_allowed_ones)
{
	const struct http_route *r = NULL;
	char allow[64];
	assert_int_equal(find("DELETE", "/healthz", &r, NULL, allow), ERR_PERM);
	assert_string_equal(allow, "GET, HEAD");
	assert_int_equal(find("GET", "/api/v1/config/validate", &r, NULL, allow), ERR_PERM);
	assert_string_equal(allow, "POST");
}

UNIT_TEST(listen_addresses_are_parsed_and_checked)
{
	char host[64];
	unsigned port;
	int family;
	assert_int_equal(http_parse_listen("127.0.0.1:8080", host, sizeof host, &port, &family), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_int_equal(family, AF_INET);
	assert_int_equal(http_parse_listen("[::1]:0", host, sizeof host, &port, &family), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 0);
	assert_int_equal(family, AF_INET6);
	assert_int_equal(http_parse_listen("localhost:9000", host, sizeof host, &port, &family), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(http_parse_listen("127.0.0.1", host, sizeof host, &port, &family), ERR_INVAL);
	assert_int_equal(http_parse_listen("127.0.0.1:99999", host, sizeof host, &port, &family), ERR_INVAL);
	assert_int_equal(http_parse_listen("example.org:80", host, sizeof host, &port, &family), ERR_INVAL);
	assert_int_equal(http_parse_listen("[::1:80", host, sizeof host, &port, &family), ERR_INVAL);
	assert_int_equal(http_parse_listen(":80", host, sizeof host, &port, &family), ERR_INVAL);
}

UNIT_TEST(problems_carry_type_title_status_and_fields)
{
	struct http_resp resp = {0};
	buf_init(&resp.body, 0);
	json_t *errors = json_pack("[{s:s, s:s}]", "field", "children[0].dob", "reason", "in the future");
	assert_int_equal(http_problem(&resp, 422, "validation", "Invalid input", "1 problem", errors), 0);
	assert_int_equal(resp.status, 422);
	assert_string_equal(resp.content_type, "application/problem+json");
	json_t *j = json_loads(buf_str(&resp.body), 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")), "urn:hartline:problem:validation");
	assert_int_equal(json_integer_value(json_object_get(j, "status")), 422);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "errors"), 0), "field")),
			    "children[0].dob");
	json_decref(j);

	assert_int_equal(http_problem_from_err(&resp, ERR_CONFLICT), 0);
	assert_int_equal(resp.status, 409);
	assert_int_equal(http_problem_from_err(&resp, ERR_NOTFOUND), 0);
	assert_int_equal(resp.status, 404);
	assert_int_equal(http_problem_from_err(&resp, ERR_DB), 0);
	assert_int_equal(resp.status, 500);
	buf_done(&resp.body);
}

/* docs/openapi.yaml lists exactly the API routes of the table: a route
 * added without documentation, or documentation of a route that does not
 * exist, fails here. The UI's static pages are not API routes. */
UNIT_TEST(the_openapi_document_lists_exactly_the_api_routes)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/docs/openapi.yaml", getenv("HARTLINE_SOURCE_ROOT"));
	char *doc;
	assert_int_equal(file_read_all(path, 1 << 20, &doc, NULL), 0);
	size_t documented = 0;
	char current[256] = "";
	bool in_paths = false;
	for (char *line = doc, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strcmp(line, "paths:") == 0) {
			in_paths = true;
			continue;
		}
		if (in_paths && line[0] != ' ' && line[0] != '\0')
			break;
		if (in_paths && strncmp(line, "  /", 3) == 0 && line[2 + strcspn(line + 2, ":")] == ':') {
			str_copy(current, sizeof current, line + 2);
			current[strlen(current) - 1] = '\0';
			continue;
		}
		static const char *methods[] = {"get", "post", "put", "patch", "delete"};
		for (size_t m = 0; m < 5; m++) {
			char want[32];
			snprintf(want, sizeof want, "    %s:", methods[m]);
			if (in_paths && strcmp(line, want) == 0) {
				char upper[8];
				for (size_t k = 0; k <= strlen(methods[m]); k++)
					upper[k] = (char)(methods[m][k] >= 'a' ? methods[m][k] - 32 : methods[m][k]);
				bool found = false;
				for (size_t i = 0; i < http_routes_count; i++)
					if (strcmp(http_routes[i].method, upper) == 0 &&
					    strcmp(http_routes[i].pattern, current) == 0)
						found = true;
				if (!found)
					fail_msg("docs/openapi.yaml documents %s %s, which the route table lacks", upper,
						 current);
				documented++;
			}
		}
	}
	free(doc);
	size_t api_routes = 0;
	for (size_t i = 0; i < http_routes_count; i++)
		if (http_routes[i].handler != h_static)
			api_routes++;
	if (documented != api_routes)
		fail_msg("the route table has %zu API routes, docs/openapi.yaml documents %zu", api_routes, documented);
}

UNIT_TEST(metrics_count_every_route_row_by_its_pattern)
{
	assert_true(http_routes_count <= METRICS_MAX_ROUTES);
	const struct http_route *rt = NULL;
	const char *params[HTTP_MAX_PARAMS];
	int n = 0;
	struct arena a;
	arena_init(&a, 0);
	char allow[64];
	assert_int_equal(http_route_find("GET", "/api/v1/users/4242", &rt, params, &n, &a, allow, sizeof allow), 0);
	http_metrics_count(rt, 200, 1500);
	http_metrics_count(rt, 200, 20 * 1000 * 1000);
	http_metrics_count(rt, 418, 10);
	http_metrics_count(NULL, 404, 10);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(http_metrics_render_requests(&out), 0);
	const char *text = buf_str(&out);
	assert_non_null(strstr(text, "hartline_http_requests_total{method=\"GET\",route=\"/api/v1/users/{id}\","
				     "status=\"200\"} 2\n"));
	assert_non_null(strstr(text, "route=\"/api/v1/users/{id}\",status=\"other\"} 1\n"));
	assert_non_null(strstr(text, "hartline_http_requests_total{method=\"\",route=\"none\",status=\"404\"} 1\n"));
	assert_non_null(strstr(text, "route=\"/api/v1/users/{id}\",le=\"0.0025\"} 2\n"));
	assert_non_null(strstr(text, "route=\"/api/v1/users/{id}\",le=\"10\"} 2\n"));
	assert_non_null(strstr(text, "route=\"/api/v1/users/{id}\",le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(text, "hartline_http_request_duration_seconds_sum{method=\"GET\","
				     "route=\"/api/v1/users/{id}\"} 20.001510\n"));
	assert_null(strstr(text, "4242"));
	buf_done(&out);
	arena_done(&a);
}

UNIT_TEST(metrics_are_read_from_the_allowed_addresses_or_with_the_token)
{
	char err[256];
	/* The default: this machine alone. */
	assert_int_equal(http_metrics_configure(NULL, NULL, err, sizeof err), 0);
	assert_int_equal(http_metrics_admit("127.0.0.1", NULL), 0);
	assert_int_equal(http_metrics_admit("::1", NULL), 0);
	assert_int_equal(http_metrics_admit("::ffff:127.0.0.1", NULL), 0);
	assert_int_equal(http_metrics_admit("127.0.0.2", NULL), ERR_NOTFOUND);
	assert_int_equal(http_metrics_admit("10.1.2.3", "sometoken"), ERR_PERM);
	assert_int_equal(http_metrics_configure("10.0.0.0/8,192.0.2.7,2001:db8::/32", NULL, err, sizeof err), 0);
	assert_int_equal(http_metrics_admit("10.255.0.1", NULL), 0);
	assert_int_equal(http_metrics_admit("11.0.0.1", NULL), ERR_NOTFOUND);
	assert_int_equal(http_metrics_admit("192.0.2.7", NULL), 0);
	assert_int_equal(http_metrics_admit("192.0.2.8", NULL), ERR_NOTFOUND);
	assert_int_equal(http_metrics_admit("2001:db8:1::5", NULL), 0);
	assert_int_equal(http_metrics_admit("2001:db9::5", NULL), ERR_NOTFOUND);
	assert_int_equal(http_metrics_admit("127.0.0.1", NULL), ERR_NOTFOUND);
	assert_int_equal(http_metrics_configure("10.0.0.0/12,", NULL, err, sizeof err), 0);
	assert_int_equal(http_metrics_admit("10.15.255.255", NULL), 0);
	assert_int_equal(http_metrics_admit("10.16.0.0", NULL), ERR_NOTFOUND);
	assert_int_equal(http_metrics_configure("10.0.0.0/33", NULL, err, sizeof err), ERR_INVAL);
	assert_non_null(strstr(err, "--metrics-allow"));
	assert_int_equal(http_metrics_configure("nonsense", NULL, err, sizeof err), ERR_INVAL);
	assert_int_equal(http_metrics_configure(",", NULL, err, sizeof err), ERR_INVAL);
	assert_int_equal(http_metrics_configure(NULL, NULL, err, sizeof err), 0);
	assert_int_equal(http_metrics_admit("127.0.0.1", NULL), 0);
	assert_int_equal(http_metrics_admit("10.255.0.1", NULL), ERR_NOTFOUND);
}

int main(void)
{
	return unit_run("http", NULL, NULL);
}
