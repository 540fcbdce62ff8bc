/* svc_metrics: the figures of the running installation that /metrics
 * shows beside the request counters, counted cheaply: the open and
 * overdue duties (one indexed count each) and the e-mail outbox, cached
 * for a few seconds so that a scrape every second costs nothing. */
#pragma once

#include <stdint.h>

#include "db/db.h"

struct app;

struct svc_metrics {
	int64_t duties_open;    /* not met */
	int64_t duties_overdue; /* not met, and past their due time */
	int64_t outbox_pending; /* e-mail waiting to be sent, or retried */
	int64_t outbox_failed;  /* e-mail given up on */
	struct db_writer_stats writer;
};

/* How long the counts are reused, in microseconds. */
#define SVC_METRICS_CACHE_US (5 * INT64_C(1000000))

/* The figures now (the counts at most SVC_METRICS_CACHE_US old). No
 * permission: who may read them is the caller's gate (http/metrics.h). */
int svc_metrics_read(struct app *app, struct svc_metrics *ret);
