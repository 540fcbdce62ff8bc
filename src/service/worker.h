/* worker: one background thread that runs a job at start, then again after
 * an interval or as soon as it is kicked, until it is stopped. The mail
 * sender (mailer.c) and the server's duty sweep (cli/cmd_serve.c) are
 * workers; the job reads the database through app_db like any use case. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct worker {
	/* Run the job once; true when more is waiting and it should run again
	 * at once (a full batch of mail). */
	bool (*job)(void *arg);
	void *arg;
	int64_t interval_s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, kicked;
};

/* Start w's thread. ERR_NOMEM when the thread cannot be made (then there
 * is nothing to stop). */
int worker_start(struct worker *w, bool (*job)(void *arg), void *arg, int64_t interval_s);
/* Run the job again now (or as soon as the run under way ends). */
void worker_kick(struct worker *w);
/* Let the run under way end, and join the thread. */
void worker_stop(struct worker *w);
