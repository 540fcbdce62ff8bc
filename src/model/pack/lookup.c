/* pack/lookup: the look-ups the rest of the program makes in a loaded
 * pack. */
#include "model/pack/pack_int.h"

#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/str.h"

static const char *const rating_names[] = {
	[PACK_RATING_NO] = "no",
	[PACK_RATING_POSSIBLE] = "possible",
	[PACK_RATING_CLEAR] = "clear",
};

/* --- Look-ups ------------------------------------------------------------ */

/* a and b equal ignoring ASCII case and surrounding spaces. */
static bool town_eq(const char *a, const char *b)
{
	size_t na, nb;
	a = pack_town_trim(a, &na);
	b = pack_town_trim(b, &nb);
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (pack_to_lower(a[i]) != pack_to_lower(b[i]))
			return false;
	return true;
}

/* Every look-up skips entries without an id: validation uses them on a pack
 * that is still being checked, where a missing, null or mistyped id leaves
 * an entry's id NULL. */

/* The entry of an array (n of size bytes each) whose id is id. Every entry
 * type keeps its id first, so one walk serves them all. */
static const void *find_id(const void *base, size_t n, size_t size, const char *id)
{
	if (!base || !id)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const void *e = (const char *)base + i * size;
		const char *eid = *(const char *const *)e;
		if (eid && strcmp(eid, id) == 0)
			return e;
	}
	return NULL;
}

#define FIND_ID(arr, n, id) find_id((arr), (n), sizeof *(arr), (id))

_Static_assert(offsetof(struct pack_region, id) == 0, "find_id reads the id first");
_Static_assert(offsetof(struct pack_office, id) == 0, "find_id reads the id first");
_Static_assert(offsetof(struct pack_item, id) == 0, "find_id reads the id first");
_Static_assert(offsetof(struct pack_deadline, id) == 0, "find_id reads the id first");
_Static_assert(offsetof(struct pack_instrument, id) == 0, "find_id reads the id first");
_Static_assert(offsetof(struct pack_question, id) == 0, "find_id reads the id first");
_Static_assert(offsetof(struct pack_disposition, id) == 0, "find_id reads the id first");

const struct pack_region *pack_region(const struct pack *p, const char *id)
{
	return p ? FIND_ID(p->regions, p->n_regions, id) : NULL;
}

const struct pack_office *pack_office(const struct pack *p, const char *id)
{
	for (size_t i = 0; p && i < p->n_regions; i++) {
		const struct pack_office *o = FIND_ID(p->regions[i].offices, p->regions[i].n_offices, id);
		if (o)
			return o;
	}
	return NULL;
}

const struct pack_office *pack_office_for_town(const struct pack *p, const char *town)
{
	if (!p || !town || pack_is_blank(town))
		return NULL;
	for (size_t i = 0; i < p->n_regions; i++)
		for (size_t j = 0; j < p->regions[i].n_offices; j++) {
			const struct pack_office *o = &p->regions[i].offices[j];
			for (size_t k = 0; k < o->n_towns; k++)
				if (town_eq(o->towns[k], town))
					return o;
		}
	return NULL;
}

const struct pack_item *pack_item_find(const struct pack_item *items, size_t n, const char *id)
{
	return FIND_ID(items, n, id);
}

const struct pack_deadline *pack_deadline(const struct pack *p, const char *id)
{
	return p ? FIND_ID(p->deadlines, p->n_deadlines, id) : NULL;
}

const struct pack_instrument *pack_instrument(const struct pack *p, const char *id)
{
	return p ? FIND_ID(p->instruments, p->n_instruments, id) : NULL;
}

const struct pack_instrument *pack_default_instrument(const struct pack *p)
{
	return p ? pack_instrument(p, p->default_screening) : NULL;
}

const struct pack_instrument *pack_rescreen_instrument(const struct pack *p)
{
	if (!p)
		return NULL;
	return pack_instrument(p, p->rescreen_instrument ? p->rescreen_instrument : p->default_screening);
}

const struct pack_question *pack_instrument_question(const struct pack_instrument *ins, const char *id)
{
	if (!ins || !id)
		return NULL;
	if (ins->kind == PACK_INSTRUMENT_YES_NO)
		return FIND_ID(ins->items, ins->n_items, id);
	for (size_t i = 0; i < ins->n_domains; i++) {
		const struct pack_question *q =
			FIND_ID(ins->domains[i].indicators, ins->domains[i].n_indicators, id);
		if (q)
			return q;
	}
	return NULL;
}

const struct pack_disposition *pack_disposition(const struct pack *p, const char *id)
{
	return p ? FIND_ID(p->dispositions, p->n_dispositions, id) : NULL;
}

bool pack_is_commercial_sex_concern(const struct pack *p, const char *vulnerability_id)
{
	if (!p || !vulnerability_id)
		return false;
	for (size_t i = 0; i < p->n_commercial_sex_concerns; i++)
		if (p->commercial_sex_concerns[i] && strcmp(p->commercial_sex_concerns[i], vulnerability_id) == 0)
			return true;
	return false;
}

const struct pack_age_group *pack_age_group_of(const struct pack *p, int age)
{
	if (!p || age < 0)
		return NULL;
	for (size_t i = 0; i < p->n_age_groups; i++) {
		const struct pack_age_group *g = &p->age_groups[i];
		if (age >= g->min && (g->max < 0 || age <= g->max))
			return g;
	}
	return NULL;
}

const char *pack_rating_name(enum pack_rating rating)
{
	if ((unsigned)rating >= sizeof rating_names / sizeof *rating_names)
		return NULL;
	return rating_names[rating];
}

int pack_rating_from_name(const char *name, enum pack_rating *ret)
{
	if (!name)
		return ERR_INVAL;
	for (size_t i = 0; i < sizeof rating_names / sizeof *rating_names; i++)
		if (strcmp(rating_names[i], name) == 0) {
			*ret = (enum pack_rating)i;
			return 0;
		}
	return ERR_INVAL;
}
