/* worker.c: a background thread on an interval (worker.h). */
#include "service/worker.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/thread.h"

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		pthread_mutex_unlock(&w->lock);
		bool again = w->job(w->arg);
		pthread_mutex_lock(&w->lock);
		if (again || w->kicked) {
			w->kicked = false;
			continue;
		}
		/* A wait can end early for no reason (POSIX allows it): only
		 * the interval, a kick or a stop ends this one. */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)w->interval_s;
		while (!w->stop && !w->kicked && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int worker_start(struct worker *w, bool (*job)(void *arg), void *arg, int64_t interval_s)
{
	memset(w, 0, sizeof *w);
	w->job = job;
	w->arg = arg;
	w->interval_s = interval_s;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (thread_start(&w->thread, worker_main, w) != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		return ERR_NOMEM;
	}
	return 0;
}

void worker_kick(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->kicked = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void worker_stop(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
}
