#include "model/reliefstate.h"

#include <string.h>

#include "base/err.h"

static const struct {
	const char *name, *label;
	unsigned next; /* bits of the statuses allowed from this one */
} statuses[RELIEF_STATUS_COUNT] = {
	[RELIEF_IDENTIFIED] = {"identified", "Identified", 1u << RELIEF_PETITION_FILED},
	[RELIEF_PETITION_FILED] = {"petition_filed", "Petition filed",
				   (1u << RELIEF_HEARING_SET) | (1u << RELIEF_GRANTED) | (1u << RELIEF_DENIED)},
	[RELIEF_HEARING_SET] = {"hearing_set", "Hearing set", (1u << RELIEF_GRANTED) | (1u << RELIEF_DENIED)},
	[RELIEF_GRANTED] = {"granted", "Granted", 0},
	[RELIEF_DENIED] = {"denied", "Denied", 0},
};

const char *relief_status_name(enum relief_status s)
{
	return (unsigned)s < RELIEF_STATUS_COUNT ? statuses[s].name : NULL;
}

const char *relief_status_label(enum relief_status s)
{
	return (unsigned)s < RELIEF_STATUS_COUNT ? statuses[s].label : NULL;
}

int relief_status_parse(const char *name, enum relief_status *ret)
{
	for (int i = 0; name && i < RELIEF_STATUS_COUNT; i++)
		if (strcmp(name, statuses[i].name) == 0) {
			*ret = (enum relief_status)i;
			return 0;
		}
	return ERR_INVAL;
}

bool relief_status_may(enum relief_status from, enum relief_status to)
{
	return (unsigned)from < RELIEF_STATUS_COUNT && (unsigned)to < RELIEF_STATUS_COUNT &&
	       (statuses[from].next & (1u << to)) != 0;
}

size_t relief_status_allowed(enum relief_status from, enum relief_status out[RELIEF_STATUS_COUNT])
{
	size_t n = 0;
	for (int i = 0; i < RELIEF_STATUS_COUNT; i++)
		if (relief_status_may(from, (enum relief_status)i))
			out[n++] = (enum relief_status)i;
	return n;
}

const char *const relief_kinds[] = {"vacatur", "erasure", NULL};

const char *relief_kind_label(const char *kind)
{
	if (kind && strcmp(kind, "vacatur") == 0)
		return "Vacatur";
	if (kind && strcmp(kind, "erasure") == 0)
		return "Erasure";
	return NULL;
}
