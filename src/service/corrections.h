/* corrections: what a correction keeps (docs/cases.md, "Corrections").
 * Nothing a worker entered is erased: a timeline entry's text corrected by
 * its author keeps each earlier text (case_event_correction, sealed like
 * the entry), and a corrected time (a child located, an action item done)
 * keeps the earlier time, who corrected it and when (time_correction),
 * with the reason as the text of a time_corrected entry on the timeline.
 *
 * The use cases that correct are cases/corrections.c (a note, a located
 * time) and teams/done.c (a done time); this module writes what they keep
 * and reads it into the answers of the case and the team. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "base/clock.h"
#include "model/pack.h"
#include "model/schema.h"
#include "service/ctx.h"

struct db;

#define CORRECTION_REASON_MAX 2000

/* A corrected time, as kept. */
struct time_correction {
	int64_t case_id;
	const char *subject_type; /* missing_episode, action_item */
	int64_t subject_id;
	const char *field;        /* located_at, done_at */
	const char *subject_key;  /* the subject's key in the time_corrected entry: missing_episode_id, action_item_id */
	hl_time earlier, to;
	const char *reason;
};

/* The body of a time correction: {<field>, reason}. The schema checks the
 * keys; correction_time_input checks what only the service can judge: the
 * time not in the future, not before floor (else the words before), not
 * the time already recorded, and a reason that is not blank. */
int correction_time_input(const json_t *body, const struct schema *sc, const char *field, hl_time floor,
			  const char *before, hl_time current, struct field_errors *errs, hl_time *ret);

/* Keep a corrected time: its time_corrected entry on the case's timeline
 * (the reason sealed as its text) and its time_correction row. Inside the
 * caller's transaction. */
int correction_time_keep(struct db *db, const struct svc_ctx *ctx, const struct time_correction *c);

/* For each object of list (each with an "id" of subject_type), set
 * "corrections": [{field, earlier_at, corrected_to, reason, corrected_at,
 * corrected_by}], oldest first. */
int corrections_times_json(struct db *db, struct app *app, const char *subject_type, json_t *list);

/* For each entry of events (a case's timeline as answered), set
 * "corrections": [{earlier_text, corrected_at, corrected_by}], oldest
 * first; and for an entry a user wrote, "correctable_until": the time its
 * author may correct it until (recorded_at plus the pack's
 * cases.note_correction_hours). */
int corrections_notes_json(struct db *db, struct app *app, int64_t case_id, json_t *events);
