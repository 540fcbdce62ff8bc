#include "service/metrics.h"

#include <pthread.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "service/app.h"

/* The last counts, shared by every worker; the writer's statistics are
 * read fresh each time (they are counters in memory). */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	const struct app *app;
	int64_t at_us; /* monotonic; 0: never */
	struct svc_metrics m;
} cache;

static int count_now(struct app *app, struct svc_metrics *m)
{
	struct db *db;
	int r = app_db(app, &db);
	if (r < 0)
		return r;
	char ts[32];
	if ((r = time_format(now(), ts, sizeof ts)) < 0)
		return r;
	/* duty_unmet (met_at, due_at) answers both from the index alone. */
	if ((r = db_int64f(db, &m->duties_open, "SELECT count(*) FROM duty WHERE met_at IS NULL", "")) < 0 ||
	    (r = db_int64f(db, &m->duties_overdue, "SELECT count(*) FROM duty WHERE met_at IS NULL AND due_at < ?", "t",
	                   ts)) < 0 ||
	    (r = db_int64f(db, &m->outbox_pending, "SELECT count(*) FROM outbox WHERE status = 'pending'", "")) < 0 ||
	    (r = db_int64f(db, &m->outbox_failed, "SELECT count(*) FROM outbox WHERE status = 'failed'", "")) < 0)
		return r;
	return 0;
}

int svc_metrics_read(struct app *app, struct svc_metrics *ret)
{
	memset(ret, 0, sizeof *ret);
	int64_t t = clock_mono_us();
	int r = 0;
	pthread_mutex_lock(&cache_lock);
	bool fresh = cache.app == app && cache.at_us && t - cache.at_us < SVC_METRICS_CACHE_US;
	if (fresh) {
		*ret = cache.m;
	} else if ((r = count_now(app, ret)) == 0) {
		cache.app = app;
		cache.at_us = t;
		cache.m = *ret;
	}
	pthread_mutex_unlock(&cache_lock);
	if (r < 0)
		return r;
	db_pool_writer_stats(app->pool, &ret->writer);
	return 0;
}
