/* load.c: every person read into the identity registry at start-up.
 *
 * Reading a row and opening its sealed names costs about as much as
 * normalising them and indexing the record, so the two run side by side:
 * this thread steps the query and opens each row, a second one puts the
 * opened rows in the registry, in the query's order (the registry is the
 * same as when one thread does both). Rows pass between them in batches,
 * a few at a time, so memory stays small however many people there are. */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/thread.h"
#include "db/db.h"
#include "service/persons/persons_int.h"

#define BATCH_ROWS 256
#define BATCHES 8

struct batch {
	struct registry_row row[BATCH_ROWS];
	size_t n;
};

struct loader {
	struct person_registry *reg;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch batch[BATCHES];
	/* Full batches wait in a ring (head, nfull); the others are free. */
	size_t head, nfull;
	bool end;      /* no more batches will come */
	int rc;        /* the first failure of the putting thread */
	int64_t bad_id; /* the row it failed on */
};

void persons_row_done(struct registry_row *row)
{
	free(row->given);
	free(row->family);
	free(row->aliases);
	free(row->dob);
	free(row->sex);
	free(row->town);
	row->given = row->family = row->aliases = row->dob = row->sex = row->town = NULL;
}

static void *put_rows(void *arg)
{
	struct loader *l = arg;
	pthread_mutex_lock(&l->lock);
	for (;;) {
		while (!l->nfull && !l->end)
			pthread_cond_wait(&l->changed, &l->lock);
		if (!l->nfull)
			break;
		struct batch *b = &l->batch[l->head];
		bool failed = l->rc < 0;
		pthread_mutex_unlock(&l->lock);
		int r = 0;
		for (size_t i = 0; i < b->n; i++) {
			if (!failed && r == 0 && (r = persons_row_put(l->reg, &b->row[i])) < 0)
				l->bad_id = b->row[i].id;
			persons_row_done(&b->row[i]);
		}
		b->n = 0;
		pthread_mutex_lock(&l->lock);
		if (r < 0 && l->rc == 0)
			l->rc = r;
		l->head = (l->head + 1) % BATCHES;
		l->nfull--;
		pthread_cond_broadcast(&l->changed);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/* The batch to fill next: the one after the full ones, once it is free.
 * NULL when the putting thread failed. */
static struct batch *free_batch(struct loader *l)
{
	pthread_mutex_lock(&l->lock);
	while (l->nfull == BATCHES && l->rc == 0)
		pthread_cond_wait(&l->changed, &l->lock);
	struct batch *b = l->rc == 0 ? &l->batch[(l->head + l->nfull) % BATCHES] : NULL;
	pthread_mutex_unlock(&l->lock);
	return b;
}

static void hand_over(struct loader *l, bool end)
{
	pthread_mutex_lock(&l->lock);
	if (l->batch[(l->head + l->nfull) % BATCHES].n)
		l->nfull++;
	l->end = end;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->lock);
}

/* One thread: open and put each row in turn. */
static int load_alone(struct app *app, struct person_registry *reg, struct db_stmt *st, char *errmsg,
		      size_t errsize)
{
	int r;
	while ((r = db_step(st)) == DB_ROW) {
		struct registry_row row;
		if ((r = persons_row_open(app, st, &row)) == 0) {
			r = persons_row_put(reg, &row);
			persons_row_done(&row);
		}
		if (r < 0) {
			snprintf(errmsg, errsize, "person %lld: %s", (long long)db_column_int64(st, 0), err_str(r));
			return r;
		}
	}
	return r;
}

static int load_rows(struct app *app, struct person_registry *reg, struct db_stmt *st, char *errmsg,
		     size_t errsize)
{
	struct loader *l = calloc(1, sizeof *l);
	if (!l)
		return load_alone(app, reg, st, errmsg, errsize);
	l->reg = reg;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->changed, NULL);
	pthread_t thread;
	if (thread_start(&thread, put_rows, l) != 0) {
		pthread_cond_destroy(&l->changed);
		pthread_mutex_destroy(&l->lock);
		free(l);
		return load_alone(app, reg, st, errmsg, errsize);
	}
	int r = 0;
	struct batch *b = free_batch(l);
	while (b && (r = db_step(st)) == DB_ROW) {
		if ((r = persons_row_open(app, st, &b->row[b->n])) < 0) {
			snprintf(errmsg, errsize, "person %lld: %s", (long long)db_column_int64(st, 0), err_str(r));
			break;
		}
		if (++b->n == BATCH_ROWS) {
			hand_over(l, false);
			b = free_batch(l);
		}
	}
	hand_over(l, true);
	pthread_join(thread, NULL);
	if (r >= 0 && l->rc < 0) {
		r = l->rc;
		snprintf(errmsg, errsize, "person %lld: %s", (long long)l->bad_id, err_str(r));
	}
	/* Rows opened into a batch that never went over (a failure). */
	for (size_t k = 0; k < BATCHES; k++)
		for (size_t i = 0; i < l->batch[k].n; i++)
			persons_row_done(&l->batch[k].row[i]);
	pthread_cond_destroy(&l->changed);
	pthread_mutex_destroy(&l->lock);
	free(l);
	return r;
}

int persons_registry_load(struct app *app, struct person_registry *reg, struct db_stmt *st, char *errmsg,
			  size_t errsize)
{
	int64_t t0 = clock_mono_us();
	reg->loading = true;
	int r = load_rows(app, reg, st, errmsg, errsize);
	reg->rows_us = clock_mono_us() - t0;
	/* The rows' values are freed: give the room back before the fit
	 * takes its own. */
	malloc_trim(0);
	return r;
}

void persons_registry_loaded(struct person_registry *reg, int64_t started, int64_t loaded)
{
	int64_t fitted = clock_mono_us();
	/* Loading freed much (rows, sealed values, the index's growth):
	 * give it back. */
	malloc_trim(0);
	log_info("registry_open",
		 "persons=%zu records=%zu store_mib=%.1f index_mib=%.1f load_s=%.2f rows_s=%.2f fit_index_s=%.2f",
		 reg->persons, match_store_count(reg->store), (double)match_store_bytes(reg->store) / 1048576.0,
		 (double)match_index_bytes(reg->index) / 1048576.0, (double)(loaded - started) / 1e6,
		 (double)reg->rows_us / 1e6, (double)(fitted - loaded) / 1e6);
}
