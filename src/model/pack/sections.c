/* pack/sections: the pack's header, its regions with their offices and
 * towns, the plain lists (sources, vulnerabilities, services, ...) and
 * the deadlines. */
#include "model/pack/pack_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/str.h"

static const char *const required_deadlines[] = {
	"law_enforcement_report", "missing_law_enforcement_report",
	"missing_ncmec_report",   "return_debrief",
	"return_rescreen",        "intake_disposition",
};









/* A language tag as browsers take it: a language of 2 or 3 letters, then
 * subtags of 2 to 8 letters or digits ("en-US", "es-419", "zh-Hant-TW"). */
static bool locale_tag_valid(const char *s)
{
	size_t n = 0, part = 0, parts = 0;
	for (const char *q = s;; q++) {
		if (*q == '-' || *q == '\0') {
			if (parts == 0 ? (part < 2 || part > 3) : (part < 2 || part > 8))
				return false;
			parts++;
			part = 0;
			if (*q == '\0')
				break;
			continue;
		}
		bool letter = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z');
		bool digit = *q >= '0' && *q <= '9';
		if (!letter && !(digit && parts > 0))
			return false;
		part++;
		if (++n > 35)
			return false;
	}
	return true;
}

/* --- Sections ------------------------------------------------------------ */

void pack_check_header(struct check *c, const json_t *root, struct pack *p)
{
	json_t *h = pack_get_typed(c, root, "", "pack", true, JSON_OBJECT);
	if (!h)
		return;
	pack_check_keys(c, h, "pack", PACK_KEYS_HEADER);
	p->id = pack_get_str(c, h, "pack", "id", true);
	if (p->id && !pack_id_valid(p->id)) {
		char s[SHOW_SIZE];
		pack_fail(c, "pack.id", "invalid id \"%s\": use a-z, 0-9 and _, starting with a letter, at most 64",
		     pack_show(s, p->id));
	}
	p->version = pack_get_str(c, h, "pack", "version", true);
	p->name = pack_get_str(c, h, "pack", "name", true);
	p->short_name = pack_get_str(c, h, "pack", "short_name", true);
	p->jurisdiction = pack_get_str(c, h, "pack", "jurisdiction", true);
	p->time_zone = pack_get_str(c, h, "pack", "time_zone", true);
	if (p->time_zone) {
		char s[SHOW_SIZE];
		if (!pack_tz_valid(p->time_zone))
			pack_fail(c, "pack.time_zone", "invalid time zone \"%s\"", pack_show(s, p->time_zone));
		else if (!pack_tz_known(p->time_zone))
			pack_fail(c, "pack.time_zone", "unknown time zone \"%s\"", pack_show(s, p->time_zone));
	}
	p->locale = pack_get_str(c, h, "pack", "locale", false);
	if (p->locale && !locale_tag_valid(p->locale)) {
		char s[SHOW_SIZE];
		pack_fail(c, "pack.locale", "invalid locale \"%s\": use a language tag such as en-US",
			  pack_show(s, p->locale));
	}
	if (!p->locale)
		p->locale = "en-US";
	json_t *hl = pack_get_typed(c, h, "pack", "hotline", false, JSON_OBJECT);
	if (hl) {
		pack_check_keys(c, hl, "pack.hotline", PACK_KEYS_HOTLINE);
		p->hotline_name = pack_get_str(c, hl, "pack.hotline", "name", true);
		p->hotline_phone = pack_get_str(c, hl, "pack.hotline", "phone", true);
		field_check_phone(c->errs, "pack.hotline.phone", "The hotline's telephone", p->hotline_phone);
	}
	p->default_screening = pack_get_str(c, h, "pack", "default_screening", true);
	p->rescreen_instrument = pack_get_str(c, h, "pack", "rescreen_instrument", false);
	pack_get_str(c, h, "pack", "notes", false);
}

/* One office (an object) of the region whose id is region_id (NULL when it
 * has none); known holds every region id of the pack. */
static void check_office(struct check *c, const json_t *o, const char *path, const char *region_id,
			 const json_t *known, json_t *office_ids, json_t *towns_seen, struct pack_office *out)
{
	char s[SHOW_SIZE], p[PATH_SIZE];
	pack_check_keys(c, o, path, PACK_KEYS_OFFICE);
	out->id = pack_get_str(c, o, path, "id", true);
	if (out->id) {
		const char *first;
		pack_path_key(p, path, "id");
		if (!pack_id_valid(out->id))
			pack_fail(c, p, "invalid id \"%s\": use a-z, 0-9 and _, starting with a letter, at most 64",
			     pack_show(s, out->id));
		else if (!pack_seen_add(c, office_ids, out->id, path, &first))
			pack_fail(c, p, "duplicate id \"%s\" (also %s)", out->id, first);
	}
	out->name = pack_get_str(c, o, path, "name", true);
	out->region = pack_get_str(c, o, path, "region", true);
	if (out->region) {
		pack_path_key(p, path, "region");
		if (!json_object_get(known, out->region))
			pack_fail(c, p, "unknown region \"%s\"", pack_show(s, out->region));
		else if (region_id && strcmp(region_id, out->region) != 0) {
			char s2[SHOW_SIZE];
			pack_fail(c, p, "office is listed under %s but names %s", pack_show(s, region_id),
			     pack_show(s2, out->region));
		}
	}

	json_t *towns = pack_get_typed(c, o, path, "towns", true, JSON_ARRAY);
	if (!towns)
		return;
	char towns_path[PATH_SIZE];
	pack_path_key(towns_path, path, "towns");
	out->towns = pack_alloc_array(c, json_array_size(towns), sizeof *out->towns);
	if (json_array_size(towns) > 0 && !out->towns)
		return;
	/* How messages name this office: its id, or its path when it has none. */
	char who[SHOW_SIZE];
	pack_show(who, out->id ? out->id : path);
	size_t i;
	json_t *t;
	json_array_foreach (towns, i, t) {
		pack_path_index(p, towns_path, i);
		const char *town = json_string_value(t);
		if (!town || strlen(town) != json_string_length(t) || pack_is_blank(town)) {
			pack_fail(c, p, "must be text in quotes, not empty");
			continue;
		}
		out->towns[out->n_towns++] = town;
		char *key = pack_town_key(town);
		if (!key) {
			c->nomem = true;
			continue;
		}
		const char *other;
		if (!pack_seen_add(c, towns_seen, key, who, &other)) {
			if (strcmp(other, who) == 0)
				pack_fail(c, p, "town \"%s\" is listed twice in office \"%s\"", pack_show(s, town), who);
			else
				pack_fail(c, p, "town \"%s\" is listed under both \"%s\" and \"%s\"", pack_show(s, town),
				     other, who);
		}
		free(key);
	}
}

void pack_check_regions(struct check *c, const json_t *root, struct pack *p)
{
	json_t *regions = pack_get_typed(c, root, "", "regions", true, JSON_ARRAY);
	json_t *known = json_object(), *region_ids = json_object(), *office_ids = json_object(),
	       *towns_seen = json_object();
	if (!known || !region_ids || !office_ids || !towns_seen) {
		c->nomem = true;
		goto cleanup;
	}
	if (!regions)
		goto cleanup;
	if (json_array_size(regions) == 0) {
		pack_fail(c, "regions", "must list at least one region");
		goto cleanup;
	}
	p->regions = pack_alloc_array(c, json_array_size(regions), sizeof *p->regions);
	if (!p->regions)
		goto cleanup;

	/* Every region id first, so that an office naming a region listed after
	 * its own is told it is in the wrong region, not an unknown one. */
	size_t i;
	json_t *r;
	json_array_foreach (regions, i, r) {
		const char *id = json_string_value(json_object_get(r, "id"));
		if (id && json_object_set_new(known, id, json_true()) != 0)
			c->nomem = true;
	}

	json_array_foreach (regions, i, r) {
		char path[PATH_SIZE], p2[PATH_SIZE], s[SHOW_SIZE];
		if (!pack_entry(c, r, "regions", i, path))
			continue;
		struct pack_region *out = &p->regions[p->n_regions++];
		pack_check_keys(c, r, path, PACK_KEYS_REGION);
		out->id = pack_get_str(c, r, path, "id", true);
		if (out->id) {
			const char *first;
			pack_path_key(p2, path, "id");
			if (!pack_region_id_valid(out->id))
				pack_fail(c, p2, "invalid region id \"%s\": use 1 to 16 of A-Z, a-z, 0-9, _ and -",
				     pack_show(s, out->id));
			else if (!pack_seen_add(c, region_ids, out->id, path, &first))
				pack_fail(c, p2, "duplicate id \"%s\"", out->id);
		}
		out->name = pack_get_str(c, r, path, "name", true);

		json_t *offices = pack_get_typed(c, r, path, "offices", true, JSON_ARRAY);
		if (!offices)
			continue;
		char op[PATH_SIZE];
		pack_path_key(op, path, "offices");
		if (json_array_size(offices) == 0) {
			pack_fail(c, op, "must list at least one office");
			continue;
		}
		out->offices = pack_alloc_array(c, json_array_size(offices), sizeof *out->offices);
		if (!out->offices)
			continue;
		size_t j;
		json_t *o;
		json_array_foreach (offices, j, o) {
			if (!pack_entry(c, o, op, j, p2))
				continue;
			check_office(c, o, p2, out->id, known, office_ids, towns_seen,
				     &out->offices[out->n_offices++]);
		}
	}
cleanup:
	json_decref(known);
	json_decref(region_ids);
	json_decref(office_ids);
	json_decref(towns_seen);
}

/* The kinds of simple list: plain items, MDT roles (which may be marked
 * federal) and emergency departments (each in a town and a region). */

/* A list of {id, name, description?, ...} at root.key; with at_least_one
 * an empty list is an error. Emergency departments name a region of the
 * pack, so they are checked after the regions. */
void pack_check_items_of(struct check *c, const json_t *root, const char *key, enum item_kind kind,
			   bool at_least_one, const struct pack *p, struct pack_item **ret_items, size_t *ret_n)
{
	static const enum pack_keys keys_of[] = {
		[ITEMS_PLAIN] = PACK_KEYS_ITEM,
		[ITEMS_MDT_ROLES] = PACK_KEYS_MDT_ROLE,
		[ITEMS_DEPARTMENTS] = PACK_KEYS_DEPARTMENT,
	};
	json_t *list = pack_get_typed(c, root, "", key, true, JSON_ARRAY);
	if (!list)
		return;
	if (at_least_one && json_array_size(list) == 0) {
		pack_fail(c, key, "must list at least one entry");
		return;
	}
	json_t *seen = json_object();
	struct pack_item *items = pack_alloc_array(c, json_array_size(list), sizeof *items);
	size_t n = 0;
	if (!seen || (json_array_size(list) > 0 && !items)) {
		c->nomem = true;
		goto cleanup;
	}
	/* Without a list of regions every region would be unknown. */
	bool regions_known = json_is_array(json_object_get(root, "regions"));
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE], p2[PATH_SIZE], s[SHOW_SIZE];
		if (!pack_entry(c, v, key, i, path))
			continue;
		struct pack_item *it = &items[n++];
		pack_check_keys(c, v, path, keys_of[kind]);
		it->id = pack_get_str(c, v, path, "id", true);
		if (it->id) {
			const char *first;
			pack_path_key(p2, path, "id");
			if (!pack_id_valid(it->id))
				pack_fail(c, p2, "invalid id \"%s\": use a-z, 0-9 and _, starting with a letter, at most 64",
				     pack_show(s, it->id));
			else if (!pack_seen_add(c, seen, it->id, path, &first))
				pack_fail(c, p2, "duplicate id \"%s\"", it->id);
		}
		it->name = pack_get_str(c, v, path, "name", true);
		it->description = pack_get_str(c, v, path, "description", false);
		if (kind == ITEMS_MDT_ROLES) {
			json_t *f = json_object_get(v, "federal");
			if (f && !json_is_boolean(f)) {
				pack_path_key(p2, path, "federal");
				pack_fail(c, p2, "must be true or false");
			}
			it->federal = json_is_true(f);
		} else if (kind == ITEMS_DEPARTMENTS) {
			it->town = pack_get_str(c, v, path, "town", true);
			it->region = pack_get_str(c, v, path, "region", true);
			if (it->region && regions_known && !pack_region(p, it->region)) {
				pack_path_key(p2, path, "region");
				pack_fail(c, p2, "unknown region \"%s\"", pack_show(s, it->region));
			}
		}
	}
	*ret_items = items;
	*ret_n = n;
	items = NULL;
cleanup:
	free(items);
	json_decref(seen);
}

void pack_check_items(struct check *c, const json_t *root, const char *key, struct pack_item **ret_items,
			size_t *ret_n)
{
	pack_check_items_of(c, root, key, ITEMS_PLAIN, false, NULL, ret_items, ret_n);
}

static void check_deadline(struct check *c, const json_t *v, const char *path, json_t *seen, void *ctx)
{
	struct pack *p = ctx;
	char pp[PATH_SIZE];
	struct pack_deadline *d = &p->deadlines[p->n_deadlines++];
	pack_check_keys(c, v, path, PACK_KEYS_DEADLINE);
	d->id = pack_check_id(c, v, path, seen, false);
	d->name = pack_get_str(c, v, path, "name", true);
	json_t *m = json_object_get(v, "minutes");
	pack_path_key(pp, path, "minutes");
	if (!m)
		pack_fail(c, pp, "required");
	else if (!json_is_integer(m) || json_integer_value(m) < 1 ||
		 json_integer_value(m) > PACK_MAX_MINUTES)
		pack_fail(c, pp, "must be a whole number from 1 to %d", PACK_MAX_MINUTES);
	else
		d->minutes = json_integer_value(m);
	d->basis = pack_get_str(c, v, path, "basis", false);
	json_t *early = json_object_get(v, "earlier_reports_count");
	pack_path_key(pp, path, "earlier_reports_count");
	if (early && !json_is_boolean(early))
		pack_fail(c, pp, "must be true or false");
	else if (early && (!d->id || strcmp(d->id, "law_enforcement_report") != 0))
		pack_fail(c, pp, "only the law_enforcement_report deadline takes it");
	else
		d->earlier_reports_count = json_is_true(early);
}

void pack_check_deadlines(struct check *c, const json_t *root, struct pack *p)
{
	json_t *list = pack_get_typed(c, root, "", "deadlines", true, JSON_ARRAY);
	if (!list)
		return;
	p->deadlines = pack_alloc_array(c, json_array_size(list), sizeof *p->deadlines);
	if (json_array_size(list) > 0 && !p->deadlines)
		return;
	json_t *seen = pack_each_entry(c, list, "deadlines", check_deadline, p);
	pack_require_ids(c, seen, "deadlines", "deadline", required_deadlines,
			 sizeof required_deadlines / sizeof *required_deadlines);
	json_decref(seen);
}
