/* pack/summary: what a loaded pack defines, counted: what `hartline pack
 * check` prints and POST /api/v1/config/validate answers. */
#include "model/pack/pack_int.h"

#include <stdio.h>

/* The counted lists, in the order they are shown. */
static void counts(const struct pack *p, size_t out[PACK_SUMMARY_COUNTS])
{
	size_t offices = 0, towns = 0;
	for (size_t i = 0; i < p->n_regions; i++) {
		offices += p->regions[i].n_offices;
		for (size_t j = 0; j < p->regions[i].n_offices; j++)
			towns += p->regions[i].offices[j].n_towns;
	}
	size_t v[PACK_SUMMARY_COUNTS] = {
	        p->n_regions,
	        offices,
	        towns,
	        p->n_sources,
	        p->n_vulnerabilities,
	        p->n_trafficking_types,
	        p->n_services,
	        p->n_deadlines,
	        p->n_instruments,
	        p->n_dispositions,
	        p->n_mdt_roles,
	        p->n_emergency_departments,
	        p->training.n_audiences,
	        p->training.n_courses,
	};
	for (size_t i = 0; i < PACK_SUMMARY_COUNTS; i++)
		out[i] = v[i];
}

static const char *const count_keys[PACK_SUMMARY_COUNTS] = {
        "regions",
        "offices",
        "towns",
        "referral_sources",
        "vulnerabilities",
        "trafficking_types",
        "services",
        "deadlines",
        "instruments",
        "dispositions",
        "mdt_roles",
        "emergency_departments",
        "training_audiences",
        "courses",
};

/* One word and its plural for each count, as the summary line says it. */
static const char *const count_words[PACK_SUMMARY_COUNTS][2] = {
        {"region", "regions"},
        {"office", "offices"},
        {"town", "towns"},
        {"referral source", "referral sources"},
        {"vulnerability", "vulnerabilities"},
        {"trafficking type", "trafficking types"},
        {"service", "services"},
        {"deadline", "deadlines"},
        {"screening instrument", "screening instruments"},
        {"disposition", "dispositions"},
        {"MDT role", "MDT roles"},
        {"emergency department", "emergency departments"},
        {"training audience", "training audiences"},
        {"course", "courses"},
};

json_t *pack_summary(const struct pack *p)
{
	size_t n[PACK_SUMMARY_COUNTS];
	counts(p, n);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", p->id, "version", p->version, "name", p->name,
	                      "time_zone", p->time_zone, "locale", p->locale);
	if (!o)
		return NULL;
	for (size_t i = 0; i < PACK_SUMMARY_COUNTS; i++)
		if (json_object_set_new(o, count_keys[i], json_integer((json_int_t)n[i])) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

int pack_summary_line(const struct pack *p, char *out, size_t size)
{
	size_t n[PACK_SUMMARY_COUNTS];
	counts(p, n);
	int len = snprintf(out, size, "%s %s (%s)", p->id, p->version, p->name);
	for (size_t i = 0; i < PACK_SUMMARY_COUNTS && len >= 0 && (size_t)len < size; i++) {
		int k = snprintf(out + len, size - (size_t)len, ", %zu %s", n[i], count_words[i][n[i] == 1 ? 0 : 1]);
		len = k < 0 ? k : len + k;
	}
	if (len >= 0 && (size_t)len < size) {
		int k = snprintf(out + len, size - (size_t)len, ", time zone %s", p->time_zone);
		len = k < 0 ? k : len + k;
	}
	return len >= 0 && (size_t)len < size ? 0 : -1;
}
