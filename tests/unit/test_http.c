/* Unit tests of src/http that need no socket: the router over the real
 * route table, listen addresses, problem answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "base/err.h"
#include "http/http.h"
#include "http/server.h"

static void every_route_is_well_formed_and_unique(void **state)
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

static void a_known_path_and_method_finds_its_handler(void **state)
{
	struct arena a;
	arena_init(&a, 0);
	const struct http_route *r = NULL;
	const char *params[HTTP_MAX_PARAMS];
	int n = -1;
	char allow[64];
	assert_int_equal(http_route_find("GET", "/healthz", &r, params, &n, &a, allow, sizeof allow), 0);
	assert_ptr_equal(r->handler, h_healthz);
	assert_int_equal(n, 0);
	assert_int_equal(http_route_find("HEAD", "/healthz", &r, params, &n, &a, allow, sizeof allow), 0);
	assert_ptr_equal(r->handler, h_healthz);
	assert_int_equal(http_route_find("POST", "/api/v1/config/validate", &r, params, &n, &a, allow, sizeof allow), 0);
	assert_true(r->flags & HTTP_JSON_BODY);
	arena_done(&a);
}

static void an_unknown_path_is_not_found(void **state)
{
	struct arena a;
	arena_init(&a, 0);
	const struct http_route *r = NULL;
	const char *params[HTTP_MAX_PARAMS];
	int n;
	char allow[64];
	assert_int_equal(http_route_find("GET", "/api/v1/nothing", &r, params, &n, &a, allow, sizeof allow),
			 ERR_NOTFOUND);
	assert_int_equal(http_route_find("GET", "/healthz/", &r, params, &n, &a, allow, sizeof allow), ERR_NOTFOUND);
	assert_int_equal(http_route_find("GET", "", &r, params, &n, &a, allow, sizeof allow), ERR_NOTFOUND);
	arena_done(&a);
}

static void a_wrong_method_lists_the_allowed_ones(void **state)
{
	struct arena a;
	arena_init(&a, 0);
	const struct http_route *r = NULL;
	const char *params[HTTP_MAX_PARAMS];
	int n;
	char allow[64];
	assert_int_equal(http_route_find("DELETE", "/healthz", &r, params, &n, &a, allow, sizeof allow), ERR_PERM);
	assert_string_equal(allow, "GET, HEAD");
	assert_int_equal(http_route_find("GET", "/api/v1/config/validate", &r, params, &n, &a, allow, sizeof allow),
			 ERR_PERM);
	assert_string_equal(allow, "POST");
	arena_done(&a);
}

static void listen_addresses_are_parsed_and_checked(void **state)
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

static void problems_carry_type_title_status_and_fields(void **state)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_route_is_well_formed_and_unique),
		cmocka_unit_test(a_known_path_and_method_finds_its_handler),
		cmocka_unit_test(an_unknown_path_is_not_found),
		cmocka_unit_test(a_wrong_method_lists_the_allowed_ones),
		cmocka_unit_test(listen_addresses_are_parsed_and_checked),
		cmocka_unit_test(problems_carry_type_title_status_and_fields),
	};
	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
