/* counts: the dashboard's counts per region, kept as cases, duties and
 * missing episodes change (table dashboard_count, migration 0028), so that
 * the dashboard reads a few rows instead of counting every open case and
 * overdue duty.
 *
 * Each write that changes what is counted calls one of these inside its
 * own transaction, next to the change:
 *
 *   a case opened, its status changed, closed, reopened  counts_case_status
 *   a missing episode begun, the child located            counts_missing
 *   a duty opened                                         counts_duty_opened
 *   a duty met                                            counts_duty_met
 *   a duty's due time moved                               counts_duty_moved
 *   the deadline sweep                                    counts_overdue_sweep
 *
 * Overdue depends on the time: a duty not met is either in its region's
 * "overdue" count or waiting in duty_pending; the sweep moves the waiting
 * duties come due into the count, and a reader adds the waiting duties
 * already due (counts_read). The number read is the number of duties not
 * met and due before the reader's time, at any moment. counts_check
 * compares everything kept with a recount. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"

struct db;
struct pack;

/* What the dashboard shows of one region. */
struct region_counts {
	int64_t open_cases; /* cases not closed */
	int64_t overdue;    /* duties not met and due before the time read at */
	int64_t missing;    /* children missing now: episodes not located */
};

/* A case of region went from status from (NULL: a new case) to status to
 * (NULL: it left the region; a case moved to another region is that, then
 * a new case of the other region in its status). */
int counts_case_status(struct db *db, const char *region, const char *from, const char *to);
/* A missing episode of case case_id began (delta 1) or ended (-1). */
int counts_missing(struct db *db, int64_t case_id, int delta);
/* Duty duty_id was opened (after its INSERT): it waits for the sweep. */
int counts_duty_opened(struct db *db, int64_t duty_id);
/* Duty duty_id of region was just met (by the UPDATE that met it): out of
 * the waiting duties, or out of region's overdue count. */
int counts_duty_met(struct db *db, int64_t duty_id, const char *region);
/* Duty duty_id's due time was just moved: out of either, and waiting again
 * at its new due time (a met duty is in neither). */
int counts_duty_moved(struct db *db, int64_t duty_id);
/* The sweep at time t: count the duties not met that came due before t;
 * *ret_counted (may be NULL) how many. */
int counts_overdue_sweep(struct db *db, hl_time t, int64_t *ret_counted);

/* The counts of the pack's regions at time t (only: one region's, the
 * others left at zero; NULL for all), into out[pack->n_regions]. Read in
 * one view (db_read_begin) with the lists beside them. */
int counts_read(struct db *db, const struct pack *pack, const char *only, hl_time t, struct region_counts *out);

/* Every kept count against a recount of the rows: *ret_ok, and when a
 * count is off, what in why ("R1 case.open: kept 5, counted 4"). */
int counts_check(struct db *db, hl_time t, bool *ret_ok, char *why, size_t size);
/* Count everything again from the rows (a database filled by direct SQL,
 * or one whose counts_check failed), counting as overdue the duties due
 * before t. In the caller's transaction, or one of its own. */
int counts_rebuild(struct db *db, hl_time t);
