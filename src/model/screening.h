/* screening: scoring a completed screen against its instrument.
 *
 * The instrument comes from the jurisdiction pack (model/pack); this module
 * only checks a set of answers and computes the overall level, so that the
 * careline, the API and the tests agree on what a screen means. Pure: no
 * I/O, no clock, no allocation beyond the error list. */
#pragma once

#include <jansson.h>

#include "base/json.h"
#include "model/pack.h"

/* --- Levels --------------------------------------------------------------- */

/* The overall result of a screen. An indicator screen gives NO, POSSIBLE or
 * CLEAR (concern); a yes/no screen gives POSITIVE or NEGATIVE. */
enum screen_level { SCREEN_NO, SCREEN_POSSIBLE, SCREEN_CLEAR, SCREEN_POSITIVE, SCREEN_NEGATIVE };

/* "no", "possible", "clear", "positive", "negative"; NULL for a value
 * outside the enum. */
const char *screen_level_name(enum screen_level level);

/* The level named name (as screen_level_name writes it); ERR_INVAL when it
 * names none. For reading a stored screening back. */
int screen_level_from_name(const char *name, enum screen_level *ret);

/* --- Scoring -------------------------------------------------------------- */

/* Score answers, a JSON object {question id: answer}, against ins.
 *
 * An indicator instrument takes "no", "possible" or "clear" for each of its
 * indicators and gives SCREEN_NO, SCREEN_POSSIBLE or SCREEN_CLEAR by the
 * first of its rules that holds (SCREEN_NO when none does); *ret_count is
 * then the number of indicators rated clear. A yes/no instrument takes true
 * or false for each item and gives SCREEN_POSITIVE when the number of yes
 * answers is at least positive_at, else SCREEN_NEGATIVE; *ret_count is then
 * that number.
 *
 * Every key must be a question of ins and every question must be answered:
 * a partial screen is refused. On a bad answer set returns ERR_INVAL and
 * adds every problem to errs (which may be NULL) with its path:
 * "answers.runaway_history: required", "answers.colour: unknown indicator",
 * "answers.ran_away: must be true or false". ret and ret_count (which may
 * be NULL) are written only on success. */
int screening_score(const struct pack_instrument *ins, const json_t *answers, struct field_errors *errs,
		    enum screen_level *ret, int *ret_count);
