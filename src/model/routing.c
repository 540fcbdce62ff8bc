/* routing.c: see routing.h. */
#include "model/routing.h"

#include <string.h>

#include "base/err.h"

int route_town(const struct pack *p, const char *town, struct route *ret)
{
	if (!p || !ret)
		return ERR_INVAL;
	const struct pack_office *o = town && *town ? pack_office_for_town(p, town) : NULL;
	*ret = (struct route){
	        .town = town && *town ? town : NULL,
	        .office = o ? o->id : NULL,
	        .region = o ? o->region : NULL,
	        .unmapped = o == NULL,
	};
	return 0;
}

int route_report(const struct pack *p, const char *const *child_towns, size_t n, const char *incident_town,
                 struct route *ret)
{
	const char *town = NULL;
	for (size_t i = 0; child_towns && i < n && !town; i++)
		if (child_towns[i] && *child_towns[i])
			town = child_towns[i];
	if (!town && incident_town && *incident_town)
		town = incident_town;
	return route_town(p, town, ret);
}

int guardrail_check(const struct pack *p, int age, const json_t *concerns, struct guardrail *ret)
{
	if (!p || !ret || (concerns && !json_is_array(concerns)))
		return ERR_INVAL;
	const char *cse = NULL;
	size_t i;
	const json_t *c;
	json_array_foreach(concerns, i, c)
	{
		const char *id = json_string_value(c);
		for (size_t k = 0; id && !cse && k < p->n_commercial_sex_concerns; k++)
			if (p->commercial_sex_concerns[k] && strcmp(p->commercial_sex_concerns[k], id) == 0)
				cse = p->commercial_sex_concerns[k];
		if (cse)
			break;
	}
	int minor = p->law.minor_age > 0 ? p->law.minor_age : ROUTING_DEFAULT_MINOR_AGE;
	enum guardrail_reason why = !cse          ? GUARDRAIL_NO_CONCERN
	                            : age < 0     ? GUARDRAIL_AGE_UNKNOWN
	                            : age < minor ? GUARDRAIL_MINOR
	                                          : GUARDRAIL_ADULT;
	*ret = (struct guardrail){
	        .suspected_victim = why == GUARDRAIL_MINOR || why == GUARDRAIL_AGE_UNKNOWN,
	        .reason = why,
	        .concern = cse,
	        .minor_age = minor,
	};
	return 0;
}

const char *guardrail_suspected_by(bool flagged_at_intake, const char *screen_level)
{
	if (flagged_at_intake)
		return "guardrail";
	if (screen_level && (strcmp(screen_level, "clear") == 0 || strcmp(screen_level, "positive") == 0))
		return "screening";
	return NULL;
}
