/* server: libmicrohttpd started with a pool of worker threads; every
 * request goes through the route table. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "service/app.h"

struct http_server_config {
	const char *listen; /* "127.0.0.1:8080", "[::1]:8080"; port 0 = any free port */
	size_t max_body;    /* bytes; larger bodies get 413 */
	unsigned workers;   /* 0 = http_default_workers() */
	unsigned connection_timeout; /* seconds a connection may stay idle */
	bool trust_proxy;   /* take the client address from X-Forwarded-For */
	unsigned slow_threads; /* threads for the slow routes (password hashing); 0 = 1 */
	const char *tls_cert; /* HTTPS: the certificate chain and its key as text (http/tls.h); NULL: HTTP */
	const char *tls_key;
};

struct http_server;

int http_server_start(struct app *app, const struct http_server_config *cfg, struct http_server **ret,
		      char *errmsg, size_t errsize);
/* The port actually bound (useful with port 0). */
unsigned http_server_port(const struct http_server *s);
unsigned http_server_workers(const struct http_server *s);
/* Worker threads when none are asked for: eight per core, 8 to 64. */
unsigned http_default_workers(void);
/* Stop accepting, let requests in flight finish (at most grace_ms), stop. */
void http_server_stop(struct http_server *s, unsigned grace_ms);

/* Parse "HOST:PORT" or "[V6]:PORT". */
int http_parse_listen(const char *s, char *host, size_t hostsize, unsigned *ret_port, int *ret_family);
