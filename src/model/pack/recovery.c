/* pack/recovery: what restore and recovery needs of a pack (docs/recovery.md):
 * the populations a provider serves, how long a provider has to answer a
 * referral, what a provider may see of the child, the reasons and
 * outcomes of a referral, the offence categories of record relief and the
 * days between plan reviews. Every key is optional; a pack without one
 * gets the built-in list or value. */
#include "model/pack/pack_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static const struct pack_item default_populations[] = {
	{.id = "girls", .name = "Girls"},
	{.id = "boys", .name = "Boys and male-bodied youth"},
	{.id = "lgbtqi", .name = "LGBTQI youth"},
};
static const struct pack_item default_decline_reasons[] = {
	{.id = "no_opening", .name = "No opening"},
	{.id = "not_eligible", .name = "Child not eligible for the service"},
	{.id = "outside_area", .name = "Outside the area served"},
	{.id = "other", .name = "Another reason (say which)"},
};
static const struct pack_item default_end_reasons[] = {
	{.id = "child_declined", .name = "The child declined the service"},
	{.id = "child_missing", .name = "The child went missing"},
	{.id = "moved", .name = "The child moved away"},
	{.id = "provider_ended", .name = "The provider ended the service"},
	{.id = "other", .name = "Another reason (say which)"},
};
static const struct pack_item default_closure_reasons[] = {
	{.id = "services_completed", .name = "Services completed and the child is safe"},
	{.id = "declined_services", .name = "The child and family declined further services"},
	{.id = "moved_away", .name = "The child moved away"},
	{.id = "transferred", .name = "Transferred to another agency"},
	{.id = "not_trafficking", .name = "Not a trafficking concern after assessment"},
	{.id = "other", .name = "Another reason (say which)"},
};
static const struct pack_item default_outcomes[] = {
	{.id = "goals_met", .name = "Goals met"},
	{.id = "goals_partly_met", .name = "Goals partly met"},
	{.id = "goals_not_met", .name = "Goals not met"},
	{.id = "transferred", .name = "Transferred to another service"},
};
static const struct pack_item default_relief_offences[] = {
	{.id = "prostitution", .name = "Prostitution or loitering for prostitution"},
	{.id = "drug", .name = "Drug possession"},
	{.id = "theft", .name = "Theft or shoplifting"},
	{.id = "trespass", .name = "Trespass"},
	{.id = "other", .name = "Another offence committed as a result of being trafficked"},
};

static const char *const view_names[PACK_VIEW_COUNT] = {
	[PACK_VIEW_INITIALS] = "initials", [PACK_VIEW_AGE] = "age",         [PACK_VIEW_SEX] = "sex",
	[PACK_VIEW_REGION] = "region",     [PACK_VIEW_TOWN] = "town",       [PACK_VIEW_SERVICE] = "service",
	[PACK_VIEW_REASON] = "reason",     [PACK_VIEW_URGENCY] = "urgency",
};

#define DEFAULT_VIEW                                                                                        \
	((1u << PACK_VIEW_INITIALS) | (1u << PACK_VIEW_AGE) | (1u << PACK_VIEW_REGION) |                       \
	 (1u << PACK_VIEW_SERVICE) | (1u << PACK_VIEW_REASON))


const char *pack_view_name(enum pack_view_field f)
{
	return (unsigned)f < PACK_VIEW_COUNT ? view_names[f] : NULL;
}

bool pack_view_allows(const struct pack *p, enum pack_view_field f)
{
	return (unsigned)f < PACK_VIEW_COUNT && (p->recovery.provider_view & (1u << f)) != 0;
}

/* A list of {id, name, description?} at root.key, or a copy of the
 * built-in one when the pack has none. */
static void items_or_default(struct check *c, const json_t *root, const char *key, const struct pack_item *def,
			     size_t n_def, struct pack_item **ret, size_t *ret_n)
{
	if (json_object_get(root, key)) {
		pack_check_items_of(c, root, key, ITEMS_PLAIN, true, NULL, ret, ret_n);
		return;
	}
	*ret = pack_alloc_array(c, n_def, sizeof **ret);
	if (!*ret)
		return;
	memcpy(*ret, def, n_def * sizeof *def);
	*ret_n = n_def;
}

static void check_answer_service(struct check *c, const json_t *v, const char *path, json_t *seen, void *ctx)
{
	struct pack *p = ctx;
	char sp[PATH_SIZE], s[SHOW_SIZE];
	pack_check_keys(c, v, path, PACK_KEYS_ANSWER_SERVICE);
	struct pack_answer_deadline *d = &p->recovery.answer_by_service[p->recovery.n_answer_by_service];
	d->service = pack_get_str(c, v, path, "service", true);
	int minutes = 0;
	bool ok = pack_get_int(c, v, path, "minutes", 1, PACK_MAX_MINUTES, &minutes);
	if (!d->service || !ok)
		return;
	pack_path_key(sp, path, "service");
	const char *first;
	if (!pack_item_find(p->services, p->n_services, d->service)) {
		pack_fail(c, sp, "unknown service \"%s\"", pack_show(s, d->service));
		return;
	}
	if (!pack_seen_add(c, seen, d->service, path, &first)) {
		pack_fail(c, sp, "service \"%s\" is listed twice (first at %s)", pack_show(s, d->service), first);
		return;
	}
	d->minutes = minutes;
	p->recovery.n_answer_by_service++;
}

static void check_answer(struct check *c, const json_t *root, struct pack *p)
{
	static const char key[] = "referral_answer";
	p->recovery.answer_business_days = 2;
	json_t *a = json_object_get(root, key);
	if (!a)
		return;
	if (!json_is_object(a)) {
		pack_fail(c, key, "must be a set of named values in braces { }");
		return;
	}
	pack_check_keys(c, a, key, PACK_KEYS_ANSWER);
	if (json_object_get(a, "business_days"))
		pack_get_int(c, a, key, "business_days", 1, 30, &p->recovery.answer_business_days);
	json_t *list = json_object_get(a, "services");
	if (!list)
		return;
	if (!json_is_array(list)) {
		pack_fail(c, "referral_answer.services", "must be a list in brackets [ ]");
		return;
	}
	p->recovery.answer_by_service =
		pack_alloc_array(c, json_array_size(list), sizeof *p->recovery.answer_by_service);
	if (json_array_size(list) > 0 && !p->recovery.answer_by_service)
		return;
	json_decref(pack_each_entry(c, list, "referral_answer.services", check_answer_service, p));
}

static void check_view(struct check *c, const json_t *root, struct pack *p)
{
	static const char key[] = "provider_view";
	p->recovery.provider_view = DEFAULT_VIEW;
	json_t *list = json_object_get(root, key);
	if (!list)
		return;
	if (!json_is_array(list)) {
		pack_fail(c, key, "must be a list of: initials, age, sex, region, town, service, reason, urgency");
		return;
	}
	p->recovery.provider_view = 0;
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE], s[SHOW_SIZE];
		pack_path_index(path, key, i);
		const char *name = pack_good_str(v);
		int f = 0;
		while (name && f < PACK_VIEW_COUNT && strcmp(view_names[f], name) != 0)
			f++;
		if (!name || f == PACK_VIEW_COUNT)
			pack_fail(c, path, "\"%s\" is not one of: initials, age, sex, region, town, service, reason, urgency",
				  pack_show(s, name ? name : ""));
		else
			p->recovery.provider_view |= 1u << f;
	}
}

/* After the services. */
void pack_check_recovery(struct check *c, const json_t *root, struct pack *p)
{
	struct pack_recovery *r = &p->recovery;
#define ITEMS(key, list, field)                                                                              \
	items_or_default(c, root, key, list, sizeof list / sizeof *list, &r->field, &r->n_##field)
	ITEMS("populations", default_populations, populations);
	ITEMS("referral_decline_reasons", default_decline_reasons, decline_reasons);
	ITEMS("referral_end_reasons", default_end_reasons, end_reasons);
	ITEMS("referral_outcomes", default_outcomes, outcomes);
	ITEMS("relief_offences", default_relief_offences, relief_offences);
	ITEMS("case_closure_reasons", default_closure_reasons, closure_reasons);
#undef ITEMS
	check_answer(c, root, p);
	check_view(c, root, p);
	r->plan_review_days = 90;
	if (json_object_get(root, "plan_review_days"))
		pack_get_int(c, root, "", "plan_review_days", 1, 366, &r->plan_review_days);
}

void pack_recovery_free(struct pack *p)
{
	struct pack_recovery *r = &p->recovery;
	free(r->populations);
	free(r->decline_reasons);
	free(r->end_reasons);
	free(r->outcomes);
	free(r->relief_offences);
	free(r->closure_reasons);
	free(r->answer_by_service);
}

int64_t pack_answer_minutes(const struct pack *p, const char *service)
{
	for (size_t i = 0; service && i < p->recovery.n_answer_by_service; i++)
		if (strcmp(p->recovery.answer_by_service[i].service, service) == 0)
			return p->recovery.answer_by_service[i].minutes;
	return 0;
}
