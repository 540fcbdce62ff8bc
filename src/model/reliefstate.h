/* reliefstate: the rules of record relief that need no database
 * (docs/recovery.md, "Record relief").
 *
 * A record that may be vacated or erased moves identified -> petition
 * filed -> hearing set -> granted or denied; a court may decide on the
 * papers, so a filed petition may be granted or denied without a hearing.
 * Granted and denied are final: a new petition is a new record. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum relief_status {
	RELIEF_IDENTIFIED,
	RELIEF_PETITION_FILED,
	RELIEF_HEARING_SET,
	RELIEF_GRANTED,
	RELIEF_DENIED,
	RELIEF_STATUS_COUNT
};

/* "identified", "petition_filed", ...; NULL outside the enum. */
const char *relief_status_name(enum relief_status s);
/* "Identified", "Petition filed", ...; NULL outside the enum. */
const char *relief_status_label(enum relief_status s);
/* 0 and *ret when name is a status; ERR_INVAL otherwise. */
int relief_status_parse(const char *name, enum relief_status *ret);
/* Whether a record may move from one status to another (from == to is no
 * move: false). */
bool relief_status_may(enum relief_status from, enum relief_status to);
/* The statuses allowed from `from`, in the enum's order, into out; their
 * count (0 for granted and denied). */
size_t relief_status_allowed(enum relief_status from, enum relief_status out[RELIEF_STATUS_COUNT]);

/* The kinds of relief: "vacatur" (a conviction or adjudication set aside,
 * C.G.S. 54-95c) and "erasure" (records erased, P.A. 15-195), NULL-ended. */
extern const char *const relief_kinds[];
/* "Vacatur", "Erasure"; NULL for another word. */
const char *relief_kind_label(const char *kind);
