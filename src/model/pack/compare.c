/* pack/compare: the values a pack defines, as {list: {id: label}}, and
 * what changes from one such set of values to another pack: values added,
 * removed (perhaps renamed: a new id with the same label), relabelled, and
 * deadlines that change length. docs/packs.md, "Changing a pack on a live
 * database". */
#include "model/pack/pack_int.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"

/* The lists whose ids records keep, with their word for people. */
static const struct {
	const char *key, *word;
} kinds[] = {
        {"regions", "region"},
        {"offices", "office"},
        {"referral_sources", "referral source"},
        {"vulnerabilities", "vulnerability"},
        {"trafficking_types", "trafficking type"},
        {"services", "service"},
        {"deadlines", "deadline"},
        {"screening_instruments", "screening instrument"},
        {"dispositions", "disposition"},
        {"mdt_roles", "MDT role"},
        {"emergency_departments", "emergency department"},
        {"gender_identities", "gender identity category"},
        {"age_groups", "age group"},
        {"populations", "population"},
        {"referral_decline_reasons", "reason to decline"},
        {"referral_end_reasons", "reason a service ended"},
        {"referral_outcomes", "referral outcome"},
        {"relief_offences", "relief offence"},
        {"case_closure_reasons", "closure reason"},
        {"training_audiences", "training audience"},
        {"courses", "course"},
};
#define N_KINDS (sizeof kinds / sizeof *kinds)
_Static_assert(N_KINDS == 21, "fill() has a case for each list");

const char *pack_value_word(const char *list)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (strcmp(kinds[i].key, list) == 0)
			return kinds[i].word;
	return NULL;
}

static int put(json_t *map, const char *id, const char *label)
{
	if (!id || !label)
		return 0;
	return json_object_set_new(map, id, json_string(label)) == 0 ? 0 : ERR_NOMEM;
}

static int put_items(json_t *map, const struct pack_item *items, size_t n)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = put(map, items[i].id, items[i].name);
	return r;
}

/* The labels of one list of p. */
static int fill(const struct pack *p, size_t k, json_t *map)
{
	const struct pack_recovery *rec = &p->recovery;
	int r = 0;
	switch (k) {
	case 0:
		for (size_t i = 0; r == 0 && i < p->n_regions; i++)
			r = put(map, p->regions[i].id, p->regions[i].name);
		return r;
	case 1:
		for (size_t i = 0; r == 0 && i < p->n_regions; i++)
			for (size_t j = 0; r == 0 && j < p->regions[i].n_offices; j++)
				r = put(map, p->regions[i].offices[j].id, p->regions[i].offices[j].name);
		return r;
	case 2:
		return put_items(map, p->sources, p->n_sources);
	case 3:
		return put_items(map, p->vulnerabilities, p->n_vulnerabilities);
	case 4:
		return put_items(map, p->trafficking_types, p->n_trafficking_types);
	case 5:
		return put_items(map, p->services, p->n_services);
	case 6:
		for (size_t i = 0; r == 0 && i < p->n_deadlines; i++)
			r = put(map, p->deadlines[i].id, p->deadlines[i].name);
		return r;
	case 7:
		for (size_t i = 0; r == 0 && i < p->n_instruments; i++)
			r = put(map, p->instruments[i].id, p->instruments[i].name);
		return r;
	case 8:
		for (size_t i = 0; r == 0 && i < p->n_dispositions; i++)
			r = put(map, p->dispositions[i].id, p->dispositions[i].name);
		return r;
	case 9:
		return put_items(map, p->mdt_roles, p->n_mdt_roles);
	case 10:
		return put_items(map, p->emergency_departments, p->n_emergency_departments);
	case 11:
		for (size_t i = 0; r == 0 && i < p->n_genders; i++)
			r = put(map, p->genders[i].id, p->genders[i].name);
		return r;
	case 12:
		for (size_t i = 0; r == 0 && i < p->n_age_groups; i++)
			r = put(map, p->age_groups[i].id, p->age_groups[i].name);
		return r;
	case 13:
		return put_items(map, rec->populations, rec->n_populations);
	case 14:
		return put_items(map, rec->decline_reasons, rec->n_decline_reasons);
	case 15:
		return put_items(map, rec->end_reasons, rec->n_end_reasons);
	case 16:
		return put_items(map, rec->outcomes, rec->n_outcomes);
	case 17:
		return put_items(map, rec->relief_offences, rec->n_relief_offences);
	case 18:
		return put_items(map, rec->closure_reasons, rec->n_closure_reasons);
	case 19:
		return put_items(map, p->training.audiences, p->training.n_audiences);
	default:
		for (size_t i = 0; r == 0 && i < p->training.n_courses; i++)
			r = put(map, p->training.courses[i].id, p->training.courses[i].name);
		return r;
	}
}

json_t *pack_labels(const struct pack *p)
{
	json_t *out = json_object(), *minutes = json_object();
	if (!out || !minutes)
		goto fail;
	for (size_t k = 0; k < N_KINDS; k++) {
		json_t *map = json_object();
		if (!map || json_object_set_new(out, kinds[k].key, map) != 0 || fill(p, k, map) < 0)
			goto fail;
	}
	for (size_t i = 0; i < p->n_deadlines; i++)
		if (p->deadlines[i].id &&
		    json_object_set_new(minutes, p->deadlines[i].id, json_integer(p->deadlines[i].minutes)) != 0)
			goto fail;
	if (json_object_set_new(out, "deadline_minutes", minutes) != 0) {
		minutes = NULL;
		goto fail;
	}
	return out;
fail:
	json_decref(minutes);
	json_decref(out);
	return NULL;
}

/* Append {list, id, change, label?, new_label?, renamed_to?, ...} to out. */
static int add(json_t *out, json_t *o)
{
	return o && json_array_append_new(out, o) == 0 ? 0 : ERR_NOMEM;
}

/* The id of now's list with the label label that old's list lacks: what a
 * removed id was most likely renamed to. */
static const char *renamed_to(const json_t *old_map, const json_t *new_map, const char *label)
{
	const char *id;
	json_t *v;
	json_object_foreach((json_t *)new_map, id,
	                    v) if (!json_object_get(old_map, id) && strcmp(json_string_value(v), label) == 0) return id;
	return NULL;
}

static int compare_list(const char *key, const json_t *old_map, const json_t *new_map, json_t *out)
{
	const char *id;
	json_t *v;
	int r = 0;
	json_object_foreach((json_t *)old_map, id, v)
	{
		const char *label = json_string_value(v);
		json_t *now = json_object_get(new_map, id);
		if (!label)
			continue;
		if (!now) {
			const char *to = renamed_to(old_map, new_map, label);
			r = add(out, to ? json_pack("{s:s, s:s, s:s, s:s, s:s}", "list", key, "id", id, "change",
			                            "removed", "label", label, "renamed_to", to)
			                : json_pack("{s:s, s:s, s:s, s:s}", "list", key, "id", id, "change", "removed",
			                            "label", label));
		} else if (strcmp(json_string_value(now), label) != 0) {
			r = add(out, json_pack("{s:s, s:s, s:s, s:s, s:s}", "list", key, "id", id, "change",
			                       "relabelled", "label", label, "new_label", json_string_value(now)));
		}
		if (r < 0)
			return r;
	}
	json_object_foreach((json_t *)new_map, id,
	                    v) if (!json_object_get(old_map, id) &&
	                           (r = add(out, json_pack("{s:s, s:s, s:s, s:s}", "list", key, "id", id, "change",
	                                                   "added", "label", json_string_value(v)))) < 0) return r;
	return 0;
}

int pack_compare_labels(const json_t *old_labels, const json_t *new_labels, json_t **ret)
{
	json_t *out = json_array();
	if (!out)
		return ERR_NOMEM;
	int r = 0;
	for (size_t k = 0; r == 0 && k < N_KINDS; k++) {
		const json_t *o = json_object_get(old_labels, kinds[k].key),
		             *n = json_object_get(new_labels, kinds[k].key);
		if (json_is_object(o) && json_is_object(n))
			r = compare_list(kinds[k].key, o, n, out);
	}
	const json_t *om = json_object_get(old_labels, "deadline_minutes"),
	             *nm = json_object_get(new_labels, "deadline_minutes");
	const char *id;
	json_t *v;
	json_object_foreach((json_t *)om, id, v)
	{
		json_t *now = json_object_get(nm, id);
		if (r == 0 && now && json_integer_value(now) != json_integer_value(v))
			r = add(out, json_pack("{s:s, s:s, s:s, s:I, s:I}", "list", "deadlines", "id", id, "change",
			                       "length", "minutes", json_integer_value(v), "new_minutes",
			                       json_integer_value(now)));
	}
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

int pack_change_text(const json_t *change, char *out, size_t size)
{
	const char *list = json_string_value(json_object_get(change, "list")),
	           *id = json_string_value(json_object_get(change, "id")),
	           *what = json_string_value(json_object_get(change, "change")),
	           *label = json_string_value(json_object_get(change, "label"));
	const char *word = list ? pack_value_word(list) : NULL;
	if (!word || !id || !what)
		return ERR_INVAL;
	int n;
	if (strcmp(what, "added") == 0)
		n = snprintf(out, size, "%s %s \"%s\" is added", word, id, label ? label : "");
	else if (strcmp(what, "relabelled") == 0)
		n = snprintf(out, size, "%s %s is relabelled from \"%s\" to \"%s\"", word, id, label ? label : "",
		             json_string_value(json_object_get(change, "new_label")));
	else if (strcmp(what, "length") == 0)
		n = snprintf(out, size, "%s %s changes from %lld to %lld minutes, for duties opened from now on", word,
		             id, (long long)json_integer_value(json_object_get(change, "minutes")),
		             (long long)json_integer_value(json_object_get(change, "new_minutes")));
	else if (json_object_get(change, "renamed_to"))
		n = snprintf(out, size, "%s %s \"%s\" is renamed to %s", word, id, label ? label : "",
		             json_string_value(json_object_get(change, "renamed_to")));
	else
		n = snprintf(out, size, "%s %s \"%s\" is removed", word, id, label ? label : "");
	return n < 0 || (size_t)n >= size ? ERR_TOOBIG : 0;
}
