/* The route table: every URL the server answers. A route missing here does
 * not exist; the tests walk this table. */
#include "http/http.h"

const struct http_route http_routes[] = {
	{"GET", "/healthz", h_healthz, 0},
	{"GET", "/api/v1/config", h_config, 0},
	{"POST", "/api/v1/config/validate", h_config_validate, HTTP_JSON_BODY},

	{"GET", "/", h_static, 0},
	{"GET", "/app.js", h_static, 0},
	{"GET", "/app.css", h_static, 0},
	{"GET", "/favicon.svg", h_static, 0},
};

const size_t http_routes_count = sizeof http_routes / sizeof http_routes[0];
