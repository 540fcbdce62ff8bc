#include "http/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/str.h"
#include "http/http.h"

/* The statuses counted one by one; any other is counted as "other". */
static const int statuses[] = {0,   200, 201, 202, 204, 206, 301, 302, 303, 304, 400, 401, 403,
                               404, 405, 409, 410, 412, 413, 415, 422, 429, 500, 502, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0])
#define STATUS_OTHER NSTATUS
#define NSLOTS (NSTATUS + 1)

/* Upper bounds of the latency histogram, in microseconds, and as the text
 * format writes them in seconds. */
static const int64_t bounds_us[] = {1000,   2500,   5000,    10000,   25000,   50000,   100000,
                                    250000, 500000, 1000000, 2500000, 5000000, 10000000};
static const char *const bounds_text[] = {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                                          "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};
#define NBOUNDS (sizeof bounds_us / sizeof bounds_us[0])

/* Row METRICS_MAX_ROUTES holds the requests no route matched. */
#define NROWS (METRICS_MAX_ROUTES + 1)

static struct {
	atomic_uint_fast64_t by_status[NROWS][NSLOTS];
	atomic_uint_fast64_t buckets[NROWS][NBOUNDS + 1]; /* not cumulative; the last is over every bound */
	atomic_uint_fast64_t sum_us[NROWS];
} counters;

static size_t row_of(const struct http_route *route)
{
	if (!route || route < http_routes || route >= http_routes + http_routes_count)
		return METRICS_MAX_ROUTES;
	size_t i = (size_t)(route - http_routes);
	return i < METRICS_MAX_ROUTES ? i : METRICS_MAX_ROUTES;
}

static size_t slot_of(int status)
{
	for (size_t i = 0; i < NSTATUS; i++)
		if (statuses[i] == status)
			return i;
	return STATUS_OTHER;
}

void http_metrics_count(const struct http_route *route, int status, int64_t micros)
{
	size_t row = row_of(route), b = 0;
	if (micros < 0)
		micros = 0;
	while (b < NBOUNDS && micros > bounds_us[b])
		b++;
	atomic_fetch_add_explicit(&counters.by_status[row][slot_of(status)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&counters.buckets[row][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&counters.sum_us[row], (uint_fast64_t)micros, memory_order_relaxed);
}

/* A label value with \, " and newline escaped, as the text format wants. */
static int put_label(struct buf *out, const char *s)
{
	int r = 0;
	for (; *s && r == 0; s++) {
		if (*s == '\\' || *s == '"')
			r = buf_putc(out, '\\') < 0 ? ERR_NOMEM : buf_putc(out, *s);
		else if (*s == '\n')
			r = buf_puts(out, "\\n");
		else
			r = buf_putc(out, *s);
	}
	return r < 0 ? ERR_NOMEM : 0;
}

/* {method="GET",route="/api/v1/cases/{id}" without the closing brace. */
static int put_route(struct buf *out, const char *name, size_t row)
{
	const struct http_route *rt = row < METRICS_MAX_ROUTES ? &http_routes[row] : NULL;
	if (buf_printf(out, "%s{method=\"", name) < 0 || put_label(out, rt ? rt->method : "") < 0 ||
	    buf_puts(out, "\",route=\"") < 0 || put_label(out, rt ? rt->pattern : "none") < 0 || buf_putc(out, '"') < 0)
		return ERR_NOMEM;
	return 0;
}

static bool row_used(size_t row)
{
	for (size_t s = 0; s < NSLOTS; s++)
		if (atomic_load_explicit(&counters.by_status[row][s], memory_order_relaxed))
			return true;
	return false;
}

static size_t nrows(void)
{
	return http_routes_count < METRICS_MAX_ROUTES ? http_routes_count : METRICS_MAX_ROUTES;
}

static int render_counts(struct buf *out)
{
	if (buf_puts(out, "# HELP hartline_http_requests_total Requests answered, by route pattern and status (0: none "
	                  "sent, the client went away).\n# TYPE hartline_http_requests_total counter\n") < 0)
		return ERR_NOMEM;
	for (size_t row = 0; row <= nrows(); row++) {
		size_t r = row == nrows() ? METRICS_MAX_ROUTES : row;
		for (size_t s = 0; s < NSLOTS; s++) {
			uint64_t n = atomic_load_explicit(&counters.by_status[r][s], memory_order_relaxed);
			if (!n)
				continue;
			char status[16];
			snprintf(status, sizeof status, "%d", statuses[s < NSTATUS ? s : 0]);
			if (put_route(out, "hartline_http_requests_total", r) < 0 ||
			    buf_printf(out, ",status=\"%s\"} %llu\n", s == STATUS_OTHER ? "other" : status,
			               (unsigned long long)n) < 0)
				return ERR_NOMEM;
		}
	}
	return 0;
}

static int render_histogram(struct buf *out, size_t r)
{
	const char *name = "hartline_http_request_duration_seconds";
	uint64_t cum = 0;
	for (size_t b = 0; b <= NBOUNDS; b++) {
		cum += atomic_load_explicit(&counters.buckets[r][b], memory_order_relaxed);
		if (put_route(out, "hartline_http_request_duration_seconds_bucket", r) < 0 ||
		    buf_printf(out, ",le=\"%s\"} %llu\n", b < NBOUNDS ? bounds_text[b] : "+Inf",
		               (unsigned long long)cum) < 0)
			return ERR_NOMEM;
	}
	uint64_t sum = atomic_load_explicit(&counters.sum_us[r], memory_order_relaxed);
	char sum_name[96], count_name[96];
	snprintf(sum_name, sizeof sum_name, "%s_sum", name);
	snprintf(count_name, sizeof count_name, "%s_count", name);
	if (put_route(out, sum_name, r) < 0 ||
	    buf_printf(out, "} %llu.%06llu\n", (unsigned long long)(sum / 1000000),
	               (unsigned long long)(sum % 1000000)) < 0 ||
	    put_route(out, count_name, r) < 0 || buf_printf(out, "} %llu\n", (unsigned long long)cum) < 0)
		return ERR_NOMEM;
	return 0;
}

int http_metrics_render_requests(struct buf *out)
{
	int r = render_counts(out);
	if (r < 0)
		return r;
	if (buf_puts(out,
	             "# HELP hartline_http_request_duration_seconds Time from a request's first byte to its answer "
	             "sent, by route pattern.\n# TYPE hartline_http_request_duration_seconds histogram\n") < 0)
		return ERR_NOMEM;
	for (size_t row = 0; row <= nrows(); row++) {
		size_t i = row == nrows() ? METRICS_MAX_ROUTES : row;
		if (row_used(i) && (r = render_histogram(out, i)) < 0)
			return r;
	}
	return 0;
}

/* ---- who may read the page ---- */

#define MAX_NETS 32

struct net {
	int family;
	unsigned char addr[16];
	unsigned bits;
};

static struct {
	struct net nets[MAX_NETS];
	size_t n;
	bool have_token;
	char token_hash[CRYPTO_HASH_HEX_SIZE];
} gate = {
        .nets = {{AF_INET, {127, 0, 0, 1}, 32}, {AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128}},
        .n = 2,
};

static int parse_net(const char *s, struct net *ret)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof addr)
		return ERR_INVAL;
	memcpy(addr, s, len);
	addr[len] = '\0';
	memset(ret, 0, sizeof *ret);
	if (inet_pton(AF_INET, addr, ret->addr) == 1)
		ret->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, ret->addr) == 1)
		ret->family = AF_INET6;
	else
		return ERR_INVAL;
	int64_t most = ret->family == AF_INET ? 32 : 128, bits = most;
	if (slash && str_to_int64(slash + 1, 0, most, &bits) < 0)
		return ERR_INVAL;
	ret->bits = (unsigned)bits;
	return 0;
}

static bool net_has(const struct net *n, int family, const unsigned char *addr)
{
	if (n->family != family)
		return false;
	unsigned full = n->bits / 8, rest = n->bits % 8;
	if (memcmp(n->addr, addr, full) != 0)
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (n->addr[full] & mask) == (addr[full] & mask);
}

static int parse_allow(const char *allow, char *errmsg, size_t errsize)
{
	gate.n = 0;
	const char *p = allow;
	while (*p) {
		size_t len = strcspn(p, ",");
		char item[96];
		if (len == 0 || len >= sizeof item || gate.n == MAX_NETS) {
			snprintf(errmsg, errsize,
			         "--metrics-allow %s: expected up to %d addresses or networks such as "
			         "127.0.0.1,10.0.0.0/8,::1, separated by commas",
			         allow, MAX_NETS);
			return ERR_INVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (parse_net(item, &gate.nets[gate.n]) < 0) {
			snprintf(errmsg, errsize,
			         "--metrics-allow: %s is not an address or a network such as 10.0.0.0/8", item);
			return ERR_INVAL;
		}
		gate.n++;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int read_token(const char *file, char *errmsg, size_t errsize)
{
	struct stat st;
	if (stat(file, &st) < 0) {
		snprintf(errmsg, errsize, "--metrics-token-file %s: no such file", file);
		return ERR_NOTFOUND;
	}
	if (st.st_mode & 077) {
		snprintf(errmsg, errsize, "--metrics-token-file %s: group or others may read it; run: chmod 600 %s",
		         file, file);
		return ERR_PERM;
	}
	char *text = NULL;
	size_t len = 0;
	if (file_read_all(file, 4096, &text, &len) < 0) {
		snprintf(errmsg, errsize, "--metrics-token-file %s: cannot read it", file);
		return ERR_IO;
	}
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		text[--len] = '\0';
	int r = 0;
	if (len < 16 || memchr(text, '\n', len) || strchr(text, ' ')) {
		snprintf(errmsg, errsize,
		         "--metrics-token-file %s: write one line of at least 16 characters, no spaces, "
		         "such as the output of: openssl rand -hex 32",
		         file);
		r = ERR_INVAL;
	} else {
		crypto_hash_hex(text, len, gate.token_hash);
		gate.have_token = true;
	}
	free(text);
	return r;
}

int http_metrics_configure(const char *allow, const char *token_file, char *errmsg, size_t errsize)
{
	int r = parse_allow(allow ? allow : "127.0.0.1,::1", errmsg, errsize);
	if (r < 0)
		return r;
	gate.have_token = false;
	if (token_file && (r = read_token(token_file, errmsg, errsize)) < 0)
		return r;
	return 0;
}

static bool address_allowed(const char *client)
{
	unsigned char addr[16];
	int family;
	if (!client)
		return false;
	if (inet_pton(AF_INET, client, addr) == 1) {
		family = AF_INET;
	} else if (inet_pton(AF_INET6, client, addr) == 1) {
		family = AF_INET6;
		/* An IPv4 client on a dual-stack socket: ::ffff:a.b.c.d. */
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(addr, mapped, sizeof mapped) == 0) {
			memmove(addr, addr + 12, 4);
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < gate.n; i++)
		if (net_has(&gate.nets[i], family, addr))
			return true;
	return false;
}

int http_metrics_admit(const char *client, const char *token)
{
	if (address_allowed(client))
		return 0;
	if (!token || !*token)
		return ERR_NOTFOUND;
	char h[CRYPTO_HASH_HEX_SIZE];
	crypto_hash_hex(token, strlen(token), h);
	if (gate.have_token && crypto_equal(h, gate.token_hash, sizeof h))
		return 0;
	return ERR_PERM;
}
