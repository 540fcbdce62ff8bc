/* metrics: what GET /metrics shows, in the Prometheus text format.
 *
 * Every request is counted when libmicrohttpd reports it complete
 * (server.c): by its route row (the pattern, never the path with its ids),
 * its status and its duration, in lock-free counters indexed by the row's
 * place in the fixed route table. The page adds the database writer's
 * statistics, the open and overdue duties and the e-mail outbox, and is
 * shown only to the addresses allowed (--metrics-allow) or to a request
 * that brings the metrics token (--metrics-token-file). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct http_route;

/* The most route rows counted one by one; a test holds the table under it. */
#define METRICS_MAX_ROUTES 1024

/* Count one request: route NULL when no row matched (404, 405, a bad
 * path); status 0 when no answer was sent (the client went away). */
void http_metrics_count(const struct http_route *route, int status, int64_t micros);

/* The request counters and the latency histogram, as text-format lines. */
int http_metrics_render_requests(struct buf *out);

/* Who may read /metrics. allow: "CIDR,CIDR,..." (an address alone is one
 * address); NULL for the default, 127.0.0.1 and ::1. token_file: a file
 * holding the token (mode 0600 or stricter), or NULL for none. On failure
 * a message naming the option. */
int http_metrics_configure(const char *allow, const char *token_file, char *errmsg, size_t errsize);

/* May a request from client (an address as text) with this bearer token
 * (NULL: none) read the page? 0 yes; ERR_NOTFOUND when it brought no token
 * from an address not allowed (answered as if there were no such page);
 * ERR_PERM when it brought a token that is not the one. */
int http_metrics_admit(const char *client, const char *token);
