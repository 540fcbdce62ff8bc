/* GET /metrics: the Prometheus text format (http/metrics.h). */
#include <microhttpd.h>
#include <stdio.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "http/http.h"
#include "http/metrics.h"
#include "service/metrics.h"

static int put_gauge(struct buf *out, const char *name, const char *type, const char *help, uint64_t v)
{
	return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
	                  (unsigned long long)v) < 0
	               ? ERR_NOMEM
	               : 0;
}

/* The writer's batches: batches[k] counts commits of 2^(k-1) < n <= 2^k
 * transactions (db.h), a histogram whose bounds are 1, 2, 4, ... */
static int put_batches(struct buf *out, const struct db_writer_stats *w)
{
	const char *name = "hartline_db_commit_batch_size";
	if (buf_printf(out, "# HELP %s Transactions made durable by one commit.\n# TYPE %s histogram\n", name, name) <
	    0)
		return ERR_NOMEM;
	uint64_t cum = 0;
	for (unsigned k = 0; k < DB_BATCH_SLOTS; k++) {
		cum += w->batches[k];
		char le[24];
		if (k + 1 < DB_BATCH_SLOTS)
			snprintf(le, sizeof le, "%u", 1u << k);
		else
			snprintf(le, sizeof le, "+Inf");
		if (buf_printf(out, "%s_bucket{le=\"%s\"} %llu\n", name, le, (unsigned long long)cum) < 0)
			return ERR_NOMEM;
	}
	if (buf_printf(out, "%s_sum %llu\n%s_count %llu\n", name, (unsigned long long)w->transactions, name,
	               (unsigned long long)cum) < 0)
		return ERR_NOMEM;
	return 0;
}

static int put_figures(struct buf *out, const struct svc_metrics *m)
{
	const struct db_writer_stats *w = &m->writer;
	int r;
	if ((r = put_gauge(out, "hartline_db_writer_waiting", "gauge",
	                   "Transactions waiting for the database writer or for their commit.", w->waiting)) < 0 ||
	    (r = put_gauge(out, "hartline_db_commits_total", "counter", "Durable commits of the database writer.",
	                   w->commits)) < 0 ||
	    (r = put_gauge(out, "hartline_db_transactions_total", "counter",
	                   "Transactions the database writer made durable.", w->transactions)) < 0 ||
	    (r = put_gauge(out, "hartline_db_commits_failed_total", "counter",
	                   "Commits of the database writer that failed.", w->failed)) < 0 ||
	    (r = put_gauge(out, "hartline_db_log_restarts_total", "counter",
	                   "Times the SQLite write-ahead log was started again (0 on PostgreSQL).", w->log_restarts)) < 0 ||
	    (r = put_batches(out, w)) < 0)
		return r;
	if (buf_puts(out, "# HELP hartline_duties Duties not met yet; overdue: past their due time.\n"
	                  "# TYPE hartline_duties gauge\n") < 0 ||
	    buf_printf(out, "hartline_duties{state=\"open\"} %lld\nhartline_duties{state=\"overdue\"} %lld\n",
	               (long long)m->duties_open, (long long)m->duties_overdue) < 0 ||
	    buf_puts(out, "# HELP hartline_outbox_messages E-mail in the outbox: pending (to be sent or retried), "
	                  "failed (given up on).\n# TYPE hartline_outbox_messages gauge\n") < 0 ||
	    buf_printf(out,
	               "hartline_outbox_messages{status=\"pending\"} %lld\n"
	               "hartline_outbox_messages{status=\"failed\"} %lld\n",
	               (long long)m->outbox_pending, (long long)m->outbox_failed) < 0)
		return ERR_NOMEM;
	return 0;
}

static const char *bearer(struct http_req *req)
{
	const char *authz = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!authz || strncasecmp(authz, "Bearer ", 7) != 0)
		return NULL;
	authz += 7;
	while (*authz == ' ')
		authz++;
	return authz;
}

int h_metrics(struct http_req *req, struct http_resp *resp)
{
	/* Not for everyone, and not even there for those who bring nothing:
	 * 404 as for any address the server does not have; 403 for a wrong
	 * token. */
	int r = http_metrics_admit(req->client, bearer(req));
	if (r == ERR_NOTFOUND)
		return http_problem(resp, 404, "not-found", "Not found", "no such page or API route", NULL);
	if (r < 0)
		return http_problem(resp, 403, "forbidden", "Forbidden", "the metrics token is not the one configured",
		                    NULL);
	struct svc_metrics m;
	if ((r = svc_metrics_read(req->app, &m)) < 0)
		return r;
	if ((r = http_metrics_render_requests(&resp->body)) < 0 || (r = put_figures(&resp->body, &m)) < 0)
		return r;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 0;
}
