#include "model/pack.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/json.h"
#include "base/str.h"

#define PACK_FILE_CAP ((size_t)4 << 20)
#define PACK_MAX_MINUTES 525600 /* one year */
#define PACK_ZONEINFO "/usr/share/zoneinfo"
#define PACK_MAX_RULE_COUNT 100 /* most a rule's min, clear_count or possible_count may be */
#define PACK_MIN_MINOR_AGE 1
#define PACK_MAX_MINOR_AGE 25
#define PACK_MAX_AGE 120            /* the oldest age a group may name */
#define PACK_MIN_THRESHOLD 2        /* suppression: hide at least the ones */
#define PACK_MAX_THRESHOLD 20

/* Paths inside the pack ("regions[2].offices[0].towns[3]") and values quoted
 * in reasons are bounded; a longer one is cut and ends in "...". */
#define PATH_SIZE 256
#define SHOW_SIZE 80

static const char *const required_deadlines[] = {
	"law_enforcement_report", "missing_law_enforcement_report",
	"missing_ncmec_report",   "return_debrief",
	"return_rescreen",        "intake_disposition",
};

/* The other parts of the program rely on these dispositions by id. */
static const char *const required_dispositions[] = {
	"accepted_hart",
	"information_referral",
	"screened_out",
	"forwarded",
};

static const char *const root_keys[] = {
	"pack",     "regions",   "referral_sources",      "vulnerabilities", "trafficking_types",
	"services", "deadlines", "screening_instruments", "dispositions",    "law",
	"commercial_sex_concerns", "mdt_roles", "emergency_departments", "age_groups",
	"suppression_threshold", "gender_identities", NULL,
};
static const char *const pack_keys[] = {
	"id",       "version",           "name",  "short_name",          "jurisdiction", "time_zone",
	"hotline",  "default_screening", "notes", "rescreen_instrument", NULL,
};
static const char *const hotline_keys[] = {"name", "phone", NULL};
static const char *const region_keys[] = {"id", "name", "offices", NULL};
static const char *const office_keys[] = {"id", "name", "region", "towns", NULL};
static const char *const item_keys[] = {"id", "name", "description", NULL};
static const char *const mdt_role_keys[] = {"id", "name", "description", "federal", NULL};
static const char *const department_keys[] = {"id", "name", "description", "town", "region", NULL};
static const char *const deadline_keys[] = {"id", "name", "minutes", "basis", "earlier_reports_count", NULL};
static const char *const indicator_instrument_keys[] = {
	"id", "version", "name", "description", "kind", "ratings", "domains", "rules", NULL,
};
static const char *const yes_no_instrument_keys[] = {
	"id", "version", "name", "description", "kind", "items", "positive_at", NULL,
};
static const char *const domain_keys[] = {"id", "name", "indicators", NULL};
static const char *const question_keys[] = {"id", "text", NULL};
static const char *const rule_keys[] = {"level", "clear_in_domains", "min", "clear_count", "possible_count", NULL};
static const char *const disposition_keys[] = {"id", "name", "reason_required", "jurisdiction_required", NULL};
static const char *const age_group_keys[] = {"id", "name", "min", "max", NULL};
static const char *const gender_keys[] = {"id", "name", "description", "matches", "other", NULL};
static const char *const law_keys[] = {"minor_age", "victim_not_offender", NULL};
static const char *const victim_keys[] = {"text", "citations", NULL};
static const char *const rating_names[] = {
	[PACK_RATING_NO] = "no",
	[PACK_RATING_POSSIBLE] = "possible",
	[PACK_RATING_CLEAR] = "clear",
};

/* The state of one validation: where errors go, and whether memory ran out
 * (then the result is ERR_NOMEM whatever else was found). */
struct check {
	struct field_errors *errs;
	bool nomem;
};

/* --- Formatting paths and messages --------------------------------------- */

static void fmt_bounded(char *out, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* vsnprintf into out; a result that did not fit is cut and marked "...". */
static void fmt_bounded(char *out, size_t size, const char *fmt, va_list ap)
{
	if (!out || size == 0)
		return;
	int n = vsnprintf(out, size, fmt, ap);
	if (n < 0) {
		out[0] = '\0';
		return;
	}
	if ((size_t)n >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
}

static void fmt_to(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fmt_to(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_bounded(out, size, fmt, ap);
	va_end(ap);
}

/* A value from the document made safe to quote in a one-line message:
 * control characters become '?', and a long value is cut. */
static const char *show(char out[SHOW_SIZE], const char *s)
{
	size_t i = 0;
	for (; s[i] && i < SHOW_SIZE - 1; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	if (s[i])
		memcpy(out + SHOW_SIZE - 4, "...", 4);
	return out;
}

static void path_key(char out[PATH_SIZE], const char *base, const char *key)
{
	char k[SHOW_SIZE];
	if (base[0])
		fmt_to(out, PATH_SIZE, "%s.%s", base, show(k, key));
	else
		fmt_to(out, PATH_SIZE, "%s", show(k, key));
}

static void path_index(char out[PATH_SIZE], const char *base, size_t i)
{
	fmt_to(out, PATH_SIZE, "%s[%zu]", base, i);
}

static void fail(struct check *c, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(struct check *c, const char *path, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	fmt_bounded(reason, sizeof reason, fmt, ap);
	va_end(ap);
	field_error_add(c->errs, path, "%s", reason);
}

/* --- Checking values ----------------------------------------------------- */

/* ASCII classes, whatever the locale. */
static bool is_lower(char ch)
{
	return ch >= 'a' && ch <= 'z';
}

static bool is_alpha(char ch)
{
	return is_lower(ch) || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_space(char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

static char to_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool is_blank(const char *s)
{
	for (; *s; s++)
		if (!is_space(*s))
			return false;
	return true;
}

/* Every key of obj must be one of allowed (NULL-terminated). */
static void check_keys(struct check *c, const json_t *obj, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)obj, key, v) {
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(key, *a) == 0;
		if (!ok) {
			char p[PATH_SIZE];
			path_key(p, path, key);
			fail(c, p, "unknown key");
		}
	}
}

/* The string at obj.key, or NULL after recording why there is none. An
 * optional key may be absent; when present it must be a non-empty string. */
static const char *get_str(struct check *c, const json_t *obj, const char *path, const char *key,
			   bool required)
{
	char p[PATH_SIZE];
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required) {
			path_key(p, path, key);
			fail(c, p, "required");
		}
		return NULL;
	}
	path_key(p, path, key);
	if (!json_is_string(v)) {
		fail(c, p, "must be a string");
		return NULL;
	}
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v)) {
		fail(c, p, "must not contain NUL characters");
		return NULL;
	}
	if (is_blank(s)) {
		fail(c, p, "must not be empty");
		return NULL;
	}
	return s;
}

static json_t *get_typed(struct check *c, const json_t *obj, const char *path, const char *key,
			 bool required, json_type type)
{
	char p[PATH_SIZE];
	json_t *v = json_object_get(obj, key);
	path_key(p, path, key);
	if (!v) {
		if (required)
			fail(c, p, "required");
		return NULL;
	}
	if (json_typeof(v) != type) {
		fail(c, p, type == JSON_OBJECT ? "must be an object" : "must be an array");
		return NULL;
	}
	return v;
}

/* ^[a-z][a-z0-9_]{0,63}$ */
static bool id_valid(const char *s)
{
	if (!is_lower(s[0]))
		return false;
	size_t n = 0;
	for (; s[n]; n++)
		if (!(is_lower(s[n]) || is_digit(s[n]) || s[n] == '_'))
			return false;
	return n <= 64;
}

/* ^[A-Za-z0-9_-]{1,16}$ */
static bool region_id_valid(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!(is_alpha(s[n]) || is_digit(s[n]) || s[n] == '_' || s[n] == '-'))
			return false;
	return n >= 1 && n <= 16;
}

/* ^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$ : no dots, so never a path outside the
 * zone directory. */
static bool tz_valid(const char *s)
{
	size_t seg = 0, i = 0;
	bool first = true;
	if (strlen(s) > 128)
		return false;
	for (; s[i]; i++) {
		char ch = s[i];
		if (ch == '/') {
			if (seg == 0)
				return false;
			seg = 0;
			first = false;
			continue;
		}
		bool ok = is_alpha(ch) || ch == '_' || (!first && (is_digit(ch) || ch == '+' || ch == '-'));
		if (!ok)
			return false;
		seg++;
	}
	return seg > 0;
}

static bool tz_known(const char *tz)
{
	struct stat st;
	if (strcmp(tz, "UTC") == 0 || stat(PACK_ZONEINFO, &st) != 0 || !S_ISDIR(st.st_mode))
		return true;
	char file[256];
	int n = snprintf(file, sizeof file, "%s/%s", PACK_ZONEINFO, tz);
	if (n < 0 || (size_t)n >= sizeof file)
		return false;
	return stat(file, &st) == 0 && S_ISREG(st.st_mode);
}

/* Record key in seen; false when it was there already (*ret_first then
 * names where). */
static bool seen_add(struct check *c, json_t *seen, const char *key, const char *where,
		     const char **ret_first)
{
	json_t *prev = json_object_get(seen, key);
	if (prev) {
		*ret_first = json_string_value(prev);
		return false;
	}
	if (json_object_set_new(seen, key, json_string(where)) != 0)
		c->nomem = true;
	return true;
}

/* The town s without surrounding spaces: its start, and length in *ret_n. */
static const char *town_trim(const char *s, size_t *ret_n)
{
	while (is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	*ret_n = n;
	return s;
}

/* A town as a look-up key: surrounding spaces dropped, ASCII lower-cased.
 * NULL when out of memory. */
static char *town_key(const char *town)
{
	size_t n;
	town = town_trim(town, &n);
	char *k = malloc(n + 1);
	if (!k)
		return NULL;
	for (size_t i = 0; i < n; i++)
		k[i] = to_lower(town[i]);
	k[n] = '\0';
	return k;
}

/* n elements of size each, zeroed; NULL (and no failure) when n is 0. */
static void *alloc_array(struct check *c, size_t n, size_t size)
{
	if (n == 0)
		return NULL;
	void *a = calloc(n, size);
	if (!a)
		c->nomem = true;
	return a;
}

/* --- Sections ------------------------------------------------------------ */

static void check_header(struct check *c, const json_t *root, struct pack *p)
{
	json_t *h = get_typed(c, root, "", "pack", true, JSON_OBJECT);
	if (!h)
		return;
	check_keys(c, h, "pack", pack_keys);
	p->id = get_str(c, h, "pack", "id", true);
	if (p->id && !id_valid(p->id)) {
		char s[SHOW_SIZE];
		fail(c, "pack.id", "invalid id \"%s\": use a-z, 0-9 and _, starting with a letter, at most 64",
		     show(s, p->id));
	}
	p->version = get_str(c, h, "pack", "version", true);
	p->name = get_str(c, h, "pack", "name", true);
	p->short_name = get_str(c, h, "pack", "short_name", true);
	p->jurisdiction = get_str(c, h, "pack", "jurisdiction", true);
	p->time_zone = get_str(c, h, "pack", "time_zone", true);
	if (p->time_zone) {
		char s[SHOW_SIZE];
		if (!tz_valid(p->time_zone))
			fail(c, "pack.time_zone", "invalid time zone \"%s\"", show(s, p->time_zone));
		else if (!tz_known(p->time_zone))
			fail(c, "pack.time_zone", "unknown time zone \"%s\"", show(s, p->time_zone));
	}
	json_t *hl = get_typed(c, h, "pack", "hotline", false, JSON_OBJECT);
	if (hl) {
		check_keys(c, hl, "pack.hotline", hotline_keys);
		p->hotline_name = get_str(c, hl, "pack.hotline", "name", true);
		p->hotline_phone = get_str(c, hl, "pack.hotline", "phone", true);
		field_check_phone(c->errs, "pack.hotline.phone", "The hotline's telephone", p->hotline_phone);
	}
	p->default_screening = get_str(c, h, "pack", "default_screening", true);
	p->rescreen_instrument = get_str(c, h, "pack", "rescreen_instrument", false);
	get_str(c, h, "pack", "notes", false);
}

/* One office (an object) of the region whose id is region_id (NULL when it
 * has none); known holds every region id of the pack. */
static void check_office(struct check *c, const json_t *o, const char *path, const char *region_id,
			 const json_t *known, json_t *office_ids, json_t *towns_seen, struct pack_office *out)
{
	char s[SHOW_SIZE], p[PATH_SIZE];
	check_keys(c, o, path, office_keys);
	out->id = get_str(c, o, path, "id", true);
	if (out->id) {
		const char *first;
		path_key(p, path, "id");
		if (!id_valid(out->id))
			fail(c, p, "invalid id \"%s\": use a-z, 0-9 and _, starting with a letter, at most 64",
			     show(s, out->id));
		else if (!seen_add(c, office_ids, out->id, path, &first))
			fail(c, p, "duplicate id \"%s\" (also %s)", out->id, first);
	}
	out->name = get_str(c, o, path, "name", true);
	out->region = get_str(c, o, path, "region", true);
	if (out->region) {
		path_key(p, path, "region");
		if (!json_object_get(known, out->region))
			fail(c, p, "unknown region \"%s\"", show(s, out->region));
		else if (region_id && strcmp(region_id, out->region) != 0) {
			char s2[SHOW_SIZE];
			fail(c, p, "office is listed under %s but names %s", show(s, region_id),
			     show(s2, out->region));
		}
	}

	json_t *towns = get_typed(c, o, path, "towns", true, JSON_ARRAY);
	if (!towns)
		return;
	char towns_path[PATH_SIZE];
	path_key(towns_path, path, "towns");
	out->towns = alloc_array(c, json_array_size(towns), sizeof *out->towns);
	if (json_array_size(towns) > 0 && !out->towns)
		return;
	/* How messages name this office: its id, or its path when it has none. */
	char who[SHOW_SIZE];
	show(who, out->id ? out->id : path);
	size_t i;
	json_t *t;
	json_array_foreach (towns, i, t) {
		path_index(p, towns_path, i);
		const char *town = json_string_value(t);
		if (!town || strlen(town) != json_string_length(t) || is_blank(town)) {
			fail(c, p, "must be a non-empty string");
			continue;
		}
		out->towns[out->n_towns++] = town;
		char *key = town_key(town);
		if (!key) {
			c->nomem = true;
			continue;
		}
		const char *other;
		if (!seen_add(c, towns_seen, key, who, &other)) {
			if (strcmp(other, who) == 0)
				fail(c, p, "town \"%s\" is listed twice in office \"%s\"", show(s, town), who);
			else
				fail(c, p, "town \"%s\" is listed under both \"%s\" and \"%s\"", show(s, town),
				     other, who);
		}
		free(key);
	}
}

static void check_regions(struct check *c, const json_t *root, struct pack *p)
{
	json_t *regions = get_typed(c, root, "", "regions", true, JSON_ARRAY);
	json_t *known = json_object(), *region_ids = json_object(), *office_ids = json_object(),
	       *towns_seen = json_object();
	if (!known || !region_ids || !office_ids || !towns_seen) {
		c->nomem = true;
		goto cleanup;
	}
	if (!regions)
		goto cleanup;
	if (json_array_size(regions) == 0) {
		fail(c, "regions", "must list at least one region");
		goto cleanup;
	}
	p->regions = alloc_array(c, json_array_size(regions), sizeof *p->regions);
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
		path_index(path, "regions", i);
		if (!json_is_object(r)) {
			fail(c, path, "must be an object");
			continue;
		}
		struct pack_region *out = &p->regions[p->n_regions++];
		check_keys(c, r, path, region_keys);
		out->id = get_str(c, r, path, "id", true);
		if (out->id) {
			const char *first;
			path_key(p2, path, "id");
			if (!region_id_valid(out->id))
				fail(c, p2, "invalid region id \"%s\": use 1 to 16 of A-Z, a-z, 0-9, _ and -",
				     show(s, out->id));
			else if (!seen_add(c, region_ids, out->id, path, &first))
				fail(c, p2, "duplicate id \"%s\"", out->id);
		}
		out->name = get_str(c, r, path, "name", true);

		json_t *offices = get_typed(c, r, path, "offices", true, JSON_ARRAY);
		if (!offices)
			continue;
		char op[PATH_SIZE];
		path_key(op, path, "offices");
		if (json_array_size(offices) == 0) {
			fail(c, op, "must list at least one office");
			continue;
		}
		out->offices = alloc_array(c, json_array_size(offices), sizeof *out->offices);
		if (!out->offices)
			continue;
		size_t j;
		json_t *o;
		json_array_foreach (offices, j, o) {
			path_index(p2, op, j);
			if (!json_is_object(o)) {
				fail(c, p2, "must be an object");
				continue;
			}
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
enum item_kind { ITEMS_PLAIN, ITEMS_MDT_ROLES, ITEMS_DEPARTMENTS };

/* A list of {id, name, description?, ...} at root.key; with at_least_one
 * an empty list is an error. Emergency departments name a region of the
 * pack, so they are checked after the regions. */
static void check_items_of(struct check *c, const json_t *root, const char *key, enum item_kind kind,
			   bool at_least_one, const struct pack *p, struct pack_item **ret_items, size_t *ret_n)
{
	static const char *const *const keys_of[] = {
		[ITEMS_PLAIN] = item_keys,
		[ITEMS_MDT_ROLES] = mdt_role_keys,
		[ITEMS_DEPARTMENTS] = department_keys,
	};
	json_t *list = get_typed(c, root, "", key, true, JSON_ARRAY);
	if (!list)
		return;
	if (at_least_one && json_array_size(list) == 0) {
		fail(c, key, "must list at least one entry");
		return;
	}
	json_t *seen = json_object();
	struct pack_item *items = alloc_array(c, json_array_size(list), sizeof *items);
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
		path_index(path, key, i);
		if (!json_is_object(v)) {
			fail(c, path, "must be an object");
			continue;
		}
		struct pack_item *it = &items[n++];
		check_keys(c, v, path, keys_of[kind]);
		it->id = get_str(c, v, path, "id", true);
		if (it->id) {
			const char *first;
			path_key(p2, path, "id");
			if (!id_valid(it->id))
				fail(c, p2, "invalid id \"%s\": use a-z, 0-9 and _, starting with a letter, at most 64",
				     show(s, it->id));
			else if (!seen_add(c, seen, it->id, path, &first))
				fail(c, p2, "duplicate id \"%s\"", it->id);
		}
		it->name = get_str(c, v, path, "name", true);
		it->description = get_str(c, v, path, "description", false);
		if (kind == ITEMS_MDT_ROLES) {
			json_t *f = json_object_get(v, "federal");
			if (f && !json_is_boolean(f)) {
				path_key(p2, path, "federal");
				fail(c, p2, "must be true or false");
			}
			it->federal = json_is_true(f);
		} else if (kind == ITEMS_DEPARTMENTS) {
			it->town = get_str(c, v, path, "town", true);
			it->region = get_str(c, v, path, "region", true);
			if (it->region && regions_known && !pack_region(p, it->region)) {
				path_key(p2, path, "region");
				fail(c, p2, "unknown region \"%s\"", show(s, it->region));
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

static void check_items(struct check *c, const json_t *root, const char *key, struct pack_item **ret_items,
			size_t *ret_n)
{
	check_items_of(c, root, key, ITEMS_PLAIN, false, NULL, ret_items, ret_n);
}

static void check_deadlines(struct check *c, const json_t *root, struct pack *p)
{
	json_t *list = get_typed(c, root, "", "deadlines", true, JSON_ARRAY);
	if (!list)
		return;
	json_t *seen = json_object();
	p->deadlines = alloc_array(c, json_array_size(list), sizeof *p->deadlines);
	if (!seen || (json_array_size(list) > 0 && !p->deadlines)) {
		c->nomem = true;
		goto cleanup;
	}
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE], pp[PATH_SIZE], s[SHOW_SIZE];
		path_index(path, "deadlines", i);
		if (!json_is_object(v)) {
			fail(c, path, "must be an object");
			continue;
		}
		struct pack_deadline *d = &p->deadlines[p->n_deadlines++];
		check_keys(c, v, path, deadline_keys);
		d->id = get_str(c, v, path, "id", true);
		if (d->id) {
			const char *first;
			path_key(pp, path, "id");
			if (!id_valid(d->id))
				fail(c, pp, "invalid id \"%s\": use a-z, 0-9 and _, starting with a letter, at most 64",
				     show(s, d->id));
			else if (!seen_add(c, seen, d->id, path, &first))
				fail(c, pp, "duplicate id \"%s\"", d->id);
		}
		d->name = get_str(c, v, path, "name", true);
		json_t *m = json_object_get(v, "minutes");
		path_key(pp, path, "minutes");
		if (!m)
			fail(c, pp, "required");
		else if (!json_is_integer(m) || json_integer_value(m) < 1 ||
			 json_integer_value(m) > PACK_MAX_MINUTES)
			fail(c, pp, "must be an integer from 1 to %d", PACK_MAX_MINUTES);
		else
			d->minutes = json_integer_value(m);
		d->basis = get_str(c, v, path, "basis", false);
		json_t *early = json_object_get(v, "earlier_reports_count");
		path_key(pp, path, "earlier_reports_count");
		if (early && !json_is_boolean(early))
			fail(c, pp, "must be true or false");
		else if (early && (!d->id || strcmp(d->id, "law_enforcement_report") != 0))
			fail(c, pp, "only the law_enforcement_report deadline takes it");
		else
			d->earlier_reports_count = json_is_true(early);
	}
	for (size_t k = 0; k < sizeof required_deadlines / sizeof *required_deadlines; k++)
		if (!json_object_get(seen, required_deadlines[k]))
			fail(c, "deadlines", "missing deadline \"%s\"", required_deadlines[k]);
cleanup:
	json_decref(seen);
}

/* --- Helpers for the sections below -------------------------------------- */

/* The string value of v when it is a non-empty string without NUL
 * characters; NULL otherwise. */
static const char *good_str(const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s || strlen(s) != json_string_length(v) || is_blank(s))
		return NULL;
	return s;
}

/* The id at obj.id: required, lower_snake_case and not already in seen.
 * With say_where a duplicate names where the first one is. */
static const char *check_id(struct check *c, const json_t *obj, const char *path, json_t *seen, bool say_where)
{
	char p[PATH_SIZE], s[SHOW_SIZE];
	const char *id = get_str(c, obj, path, "id", true), *first;
	if (!id)
		return NULL;
	path_key(p, path, "id");
	if (!id_valid(id))
		fail(c, p, "invalid id \"%s\": use a-z, 0-9 and _, starting with a letter, at most 64", show(s, id));
	else if (!seen_add(c, seen, id, path, &first)) {
		if (say_where)
			fail(c, p, "duplicate id \"%s\" (also %s)", id, first);
		else
			fail(c, p, "duplicate id \"%s\"", id);
	}
	return id;
}

/* The integer at obj.key, which must be from lo to hi: false after recording
 * why when it is absent or is not such an integer. */
static bool get_int(struct check *c, const json_t *obj, const char *path, const char *key, int lo, int hi,
		    int *ret)
{
	char p[PATH_SIZE];
	json_t *v = json_object_get(obj, key);
	path_key(p, path, key);
	if (!v) {
		fail(c, p, "required");
		return false;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		fail(c, p, "must be an integer from %d to %d", lo, hi);
		return false;
	}
	*ret = (int)json_integer_value(v);
	return true;
}

/* The optional boolean at obj.key; false when absent. */
static bool get_bool(struct check *c, const json_t *obj, const char *path, const char *key)
{
	char p[PATH_SIZE];
	json_t *v = json_object_get(obj, key);
	if (!v)
		return false;
	if (!json_is_boolean(v)) {
		path_key(p, path, key);
		fail(c, p, "must be true or false");
		return false;
	}
	return json_is_true(v);
}

/* v is the string s exactly. */
static bool json_str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && json_string_length(v) == strlen(s) && strcmp(json_string_value(v), s) == 0;
}

/* --- Screening instruments ----------------------------------------------- */

/* A non-empty list of {id, text} at obj.key: the indicators of a domain or
 * the items of a yes/no screen. Ids go into seen, which is the
 * instrument's, so that an answer names one question only. what names an
 * entry in messages. */
static void check_questions(struct check *c, const json_t *obj, const char *path, const char *key,
			    const char *what, json_t *seen, bool say_where, struct pack_question **ret,
			    size_t *ret_n)
{
	char lp[PATH_SIZE];
	json_t *list = get_typed(c, obj, path, key, true, JSON_ARRAY);
	if (!list)
		return;
	path_key(lp, path, key);
	if (json_array_size(list) == 0) {
		fail(c, lp, "must list at least one %s", what);
		return;
	}
	struct pack_question *qs = alloc_array(c, json_array_size(list), sizeof *qs);
	if (!qs)
		return;
	*ret = qs;
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char ip[PATH_SIZE];
		path_index(ip, lp, i);
		if (!json_is_object(v)) {
			fail(c, ip, "must be an object");
			continue;
		}
		struct pack_question *q = &qs[(*ret_n)++];
		check_keys(c, v, ip, question_keys);
		q->id = check_id(c, v, ip, seen, say_where);
		q->text = get_str(c, v, ip, "text", true);
	}
}

/* The ratings of an indicator screen: fixed, because the rules and the
 * stored answers use these three words. */
static void check_ratings(struct check *c, const json_t *obj, const char *path)
{
	char p[PATH_SIZE];
	json_t *v = json_object_get(obj, "ratings");
	path_key(p, path, "ratings");
	if (!v) {
		fail(c, p, "required");
		return;
	}
	bool ok = json_is_array(v) && json_array_size(v) == 3;
	for (size_t k = 0; ok && k < 3; k++)
		ok = json_str_is(json_array_get(v, k), rating_names[k]);
	if (!ok)
		fail(c, p, "must be [\"no\", \"possible\", \"clear\"]");
}

static void check_domains(struct check *c, const json_t *obj, const char *path, json_t *questions_seen,
			  struct pack_instrument *ins)
{
	char lp[PATH_SIZE];
	json_t *list = get_typed(c, obj, path, "domains", true, JSON_ARRAY);
	if (!list)
		return;
	path_key(lp, path, "domains");
	if (json_array_size(list) == 0) {
		fail(c, lp, "must list at least one domain");
		return;
	}
	json_t *seen = json_object();
	ins->domains = alloc_array(c, json_array_size(list), sizeof *ins->domains);
	if (!seen || !ins->domains) {
		c->nomem = true;
		goto cleanup;
	}
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char dp[PATH_SIZE];
		path_index(dp, lp, i);
		if (!json_is_object(v)) {
			fail(c, dp, "must be an object");
			continue;
		}
		struct pack_domain *d = &ins->domains[ins->n_domains++];
		check_keys(c, v, dp, domain_keys);
		d->id = check_id(c, v, dp, seen, false);
		d->name = get_str(c, v, dp, "name", true);
		check_questions(c, v, dp, "indicators", "indicator", questions_seen, true, &d->indicators,
				&d->n_indicators);
	}
cleanup:
	json_decref(seen);
}

static const struct pack_domain *find_domain(const struct pack_instrument *ins, const char *id)
{
	for (size_t i = 0; i < ins->n_domains; i++)
		if (ins->domains[i].id && strcmp(ins->domains[i].id, id) == 0)
			return &ins->domains[i];
	return NULL;
}

/* rule.clear_in_domains: a non-empty list of distinct domain ids. */
static void check_rule_domains(struct check *c, const json_t *rule, const char *path,
			       const struct pack_instrument *ins, struct pack_rule *out)
{
	char lp[PATH_SIZE], s[SHOW_SIZE];
	json_t *list = get_typed(c, rule, path, "clear_in_domains", true, JSON_ARRAY);
	if (!list)
		return;
	path_key(lp, path, "clear_in_domains");
	if (json_array_size(list) == 0) {
		fail(c, lp, "must list at least one domain");
		return;
	}
	out->domains = alloc_array(c, json_array_size(list), sizeof *out->domains);
	if (!out->domains)
		return;
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char dp[PATH_SIZE];
		path_index(dp, lp, i);
		const char *id = good_str(v);
		if (!id) {
			fail(c, dp, "must be a non-empty string");
			continue;
		}
		const struct pack_domain *d = find_domain(ins, id);
		if (!d) {
			fail(c, dp, "unknown domain \"%s\"", show(s, id));
			continue;
		}
		bool twice = false;
		for (size_t k = 0; k < out->n_domains && !twice; k++)
			twice = out->domains[k] == d;
		if (twice) {
			fail(c, dp, "domain \"%s\" is listed twice", show(s, id));
			continue;
		}
		out->domains[out->n_domains++] = d;
	}
}

/* The rules of an indicator screen, after its domains: each has a level
 * and exactly one form. */
static void check_rules(struct check *c, const json_t *obj, const char *path, struct pack_instrument *ins)
{
	char lp[PATH_SIZE];
	json_t *list = get_typed(c, obj, path, "rules", true, JSON_ARRAY);
	if (!list)
		return;
	path_key(lp, path, "rules");
	if (json_array_size(list) == 0) {
		fail(c, lp, "must list at least one rule");
		return;
	}
	ins->rules = alloc_array(c, json_array_size(list), sizeof *ins->rules);
	if (!ins->rules)
		return;
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char rp[PATH_SIZE], p[PATH_SIZE];
		path_index(rp, lp, i);
		if (!json_is_object(v)) {
			fail(c, rp, "must be an object");
			continue;
		}
		struct pack_rule *r = &ins->rules[ins->n_rules++];
		check_keys(c, v, rp, rule_keys);
		const char *level = get_str(c, v, rp, "level", true);
		if (level && pack_rating_from_name(level, &r->level) < 0) {
			path_key(p, rp, "level");
			fail(c, p, "must be \"no\", \"possible\" or \"clear\"");
		}
		bool in_domains = json_object_get(v, "clear_in_domains") != NULL,
		     clear = json_object_get(v, "clear_count") != NULL,
		     possible = json_object_get(v, "possible_count") != NULL;
		int forms = in_domains + clear + possible;
		if (forms == 0) {
			fail(c, rp, "needs one of clear_in_domains, clear_count or possible_count");
			continue;
		}
		if (forms > 1) {
			fail(c, rp, "must have only one of clear_in_domains, clear_count and possible_count");
			continue;
		}
		if (in_domains) {
			r->kind = PACK_RULE_CLEAR_IN_DOMAINS;
			check_rule_domains(c, v, rp, ins, r);
			get_int(c, v, rp, "min", 1, PACK_MAX_RULE_COUNT, &r->count);
			continue;
		}
		if (json_object_get(v, "min")) {
			path_key(p, rp, "min");
			fail(c, p, "goes only with clear_in_domains");
		}
		r->kind = clear ? PACK_RULE_CLEAR_COUNT : PACK_RULE_POSSIBLE_COUNT;
		get_int(c, v, rp, clear ? "clear_count" : "possible_count", 1, PACK_MAX_RULE_COUNT, &r->count);
	}
}

static void check_instrument(struct check *c, const json_t *v, const char *path, json_t *seen,
			     struct pack_instrument *ins)
{
	char p[PATH_SIZE];
	ins->id = check_id(c, v, path, seen, false);
	const char *kind = get_str(c, v, path, "kind", true);
	const char *const *keys = NULL;
	if (kind && strcmp(kind, "indicator") == 0) {
		ins->kind = PACK_INSTRUMENT_INDICATOR;
		keys = indicator_instrument_keys;
	} else if (kind && strcmp(kind, "yes_no") == 0) {
		ins->kind = PACK_INSTRUMENT_YES_NO;
		keys = yes_no_instrument_keys;
	} else if (kind) {
		path_key(p, path, "kind");
		fail(c, p, "must be \"indicator\" or \"yes_no\"");
	}
	ins->version = get_str(c, v, path, "version", true);
	ins->name = get_str(c, v, path, "name", true);
	ins->description = get_str(c, v, path, "description", true);
	/* Without a kind there is no knowing which other keys belong. */
	if (!keys)
		return;
	check_keys(c, v, path, keys);

	json_t *questions_seen = json_object();
	if (!questions_seen) {
		c->nomem = true;
		return;
	}
	if (ins->kind == PACK_INSTRUMENT_INDICATOR) {
		check_ratings(c, v, path);
		check_domains(c, v, path, questions_seen, ins);
		check_rules(c, v, path, ins);
	} else {
		check_questions(c, v, path, "items", "item", questions_seen, false, &ins->items, &ins->n_items);
		/* Up to the number of items listed, valid or not, so that one bad
		 * item is not reported twice; 100 when there are none. */
		json_t *items = json_object_get(v, "items");
		size_t n = json_is_array(items) ? json_array_size(items) : 0;
		int most = n == 0 ? PACK_MAX_RULE_COUNT : n < INT_MAX ? (int)n : INT_MAX;
		get_int(c, v, path, "positive_at", 1, most, &ins->positive_at);
	}
	json_decref(questions_seen);
}

static void check_instruments(struct check *c, const json_t *root, struct pack *p)
{
	char s[SHOW_SIZE];
	json_t *list = get_typed(c, root, "", "screening_instruments", true, JSON_ARRAY);
	if (!list)
		return;
	if (json_array_size(list) == 0) {
		fail(c, "screening_instruments", "must list at least one instrument");
		return;
	}
	json_t *seen = json_object();
	p->instruments = alloc_array(c, json_array_size(list), sizeof *p->instruments);
	if (!seen || !p->instruments) {
		c->nomem = true;
		goto cleanup;
	}
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE];
		path_index(path, "screening_instruments", i);
		if (!json_is_object(v)) {
			fail(c, path, "must be an object");
			continue;
		}
		check_instrument(c, v, path, seen, &p->instruments[p->n_instruments++]);
	}
	if (p->default_screening && !pack_instrument(p, p->default_screening))
		fail(c, "pack.default_screening", "unknown screening instrument \"%s\"",
		     show(s, p->default_screening));
	if (p->rescreen_instrument && !pack_instrument(p, p->rescreen_instrument))
		fail(c, "pack.rescreen_instrument", "unknown screening instrument \"%s\"",
		     show(s, p->rescreen_instrument));
cleanup:
	json_decref(seen);
}

/* --- Dispositions, law, commercial-sex concerns -------------------------- */

static void check_dispositions(struct check *c, const json_t *root, struct pack *p)
{
	json_t *list = get_typed(c, root, "", "dispositions", true, JSON_ARRAY);
	if (!list)
		return;
	json_t *seen = json_object();
	p->dispositions = alloc_array(c, json_array_size(list), sizeof *p->dispositions);
	if (!seen || (json_array_size(list) > 0 && !p->dispositions)) {
		c->nomem = true;
		goto cleanup;
	}
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE];
		path_index(path, "dispositions", i);
		if (!json_is_object(v)) {
			fail(c, path, "must be an object");
			continue;
		}
		struct pack_disposition *d = &p->dispositions[p->n_dispositions++];
		check_keys(c, v, path, disposition_keys);
		d->id = check_id(c, v, path, seen, false);
		d->name = get_str(c, v, path, "name", true);
		d->reason_required = get_bool(c, v, path, "reason_required");
		d->jurisdiction_required = get_bool(c, v, path, "jurisdiction_required");
	}
	for (size_t k = 0; k < sizeof required_dispositions / sizeof *required_dispositions; k++)
		if (!json_object_get(seen, required_dispositions[k]))
			fail(c, "dispositions", "missing disposition \"%s\"", required_dispositions[k]);
cleanup:
	json_decref(seen);
}

static void check_law(struct check *c, const json_t *root, struct pack *p)
{
	static const char vp[] = "law.victim_not_offender";
	json_t *law = get_typed(c, root, "", "law", true, JSON_OBJECT);
	if (!law)
		return;
	check_keys(c, law, "law", law_keys);
	get_int(c, law, "law", "minor_age", PACK_MIN_MINOR_AGE, PACK_MAX_MINOR_AGE, &p->law.minor_age);
	json_t *v = get_typed(c, law, "law", "victim_not_offender", true, JSON_OBJECT);
	if (!v)
		return;
	check_keys(c, v, vp, victim_keys);
	p->law.victim_not_offender = get_str(c, v, vp, "text", true);
	json_t *cites = get_typed(c, v, vp, "citations", true, JSON_ARRAY);
	if (!cites)
		return;
	p->law.citations = alloc_array(c, json_array_size(cites), sizeof *p->law.citations);
	if (json_array_size(cites) > 0 && !p->law.citations)
		return;
	size_t i;
	json_t *e;
	json_array_foreach (cites, i, e) {
		char path[PATH_SIZE], lp[PATH_SIZE];
		path_key(lp, vp, "citations");
		path_index(path, lp, i);
		const char *s = good_str(e);
		if (!s)
			fail(c, path, "must be a non-empty string");
		else
			p->law.citations[p->law.n_citations++] = s;
	}
}

/* After the vulnerabilities: each entry names one of them, once. */
static void check_commercial_sex_concerns(struct check *c, const json_t *root, struct pack *p)
{
	static const char key[] = "commercial_sex_concerns";
	json_t *list = get_typed(c, root, "", key, true, JSON_ARRAY);
	if (!list)
		return;
	if (json_array_size(list) == 0) {
		fail(c, key, "must list at least one vulnerability");
		return;
	}
	/* Without a list of vulnerabilities every name would be unknown. */
	bool known = json_is_array(json_object_get(root, "vulnerabilities"));
	p->commercial_sex_concerns = alloc_array(c, json_array_size(list), sizeof *p->commercial_sex_concerns);
	if (!p->commercial_sex_concerns)
		return;
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE], s[SHOW_SIZE];
		path_index(path, key, i);
		const char *id = good_str(v);
		if (!id) {
			fail(c, path, "must be a non-empty string");
			continue;
		}
		if (known && !pack_item_find(p->vulnerabilities, p->n_vulnerabilities, id)) {
			fail(c, path, "unknown vulnerability \"%s\"", show(s, id));
			continue;
		}
		if (pack_is_commercial_sex_concern(p, id)) {
			fail(c, path, "vulnerability \"%s\" is listed twice", show(s, id));
			continue;
		}
		p->commercial_sex_concerns[p->n_commercial_sex_concerns++] = id;
	}
}

/* --- Figures: age groups and the suppression threshold ------------------ */

/* The groups the figures use when the pack names none. */
static const struct pack_age_group default_age_groups[] = {
	{"age_0_11", "0-11", 0, 11},   {"age_12_13", "12-13", 12, 13}, {"age_14_15", "14-15", 14, 15},
	{"age_16_17", "16-17", 16, 17}, {"age_18_over", "18 and over", 18, -1},
};

static void check_age_groups(struct check *c, const json_t *root, struct pack *p)
{
	static const char key[] = "age_groups";
	json_t *list = json_object_get(root, key);
	if (!list) {
		size_t n = sizeof default_age_groups / sizeof *default_age_groups;
		p->age_groups = alloc_array(c, n, sizeof *p->age_groups);
		if (!p->age_groups)
			return;
		memcpy(p->age_groups, default_age_groups, sizeof default_age_groups);
		p->n_age_groups = n;
		return;
	}
	if (!json_is_array(list)) {
		fail(c, key, "must be an array");
		return;
	}
	if (json_array_size(list) == 0) {
		fail(c, key, "must list at least one age group");
		return;
	}
	json_t *seen = json_object();
	p->age_groups = alloc_array(c, json_array_size(list), sizeof *p->age_groups);
	if (!seen || !p->age_groups) {
		c->nomem = true;
		goto cleanup;
	}
	/* The previous good group's upper bound: -2 before the first, -1 when
	 * it was open-ended (nothing may follow it). */
	int prev_max = -2;
	const char *prev_path = NULL;
	char prev_buf[PATH_SIZE];
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE], pp[PATH_SIZE];
		path_index(path, key, i);
		if (!json_is_object(v)) {
			fail(c, path, "must be an object");
			continue;
		}
		check_keys(c, v, path, age_group_keys);
		struct pack_age_group g = {.max = -1};
		g.id = check_id(c, v, path, seen, false);
		g.name = get_str(c, v, path, "name", true);
		bool ok = get_int(c, v, path, "min", 0, PACK_MAX_AGE, &g.min);
		json_t *mx = json_object_get(v, "max");
		path_key(pp, path, "max");
		if (!mx) {
			fail(c, pp, "required: the oldest age in the group, or null for \"and over\"");
			ok = false;
		} else if (!json_is_null(mx)) {
			if (!json_is_integer(mx) || json_integer_value(mx) < 0 || json_integer_value(mx) > PACK_MAX_AGE) {
				fail(c, pp, "must be an integer from 0 to %d, or null", PACK_MAX_AGE);
				ok = false;
			} else {
				g.max = (int)json_integer_value(mx);
				if (ok && g.max < g.min) {
					fail(c, pp, "must not be below min (%d)", g.min);
					ok = false;
				}
			}
		}
		if (ok && prev_max == -1) {
			char pm[PATH_SIZE];
			path_key(pm, path, "min");
			fail(c, pm, "%s is open-ended (max null): no group may follow it", prev_path);
			ok = false;
		} else if (ok && prev_max >= 0 && g.min <= prev_max) {
			char pm[PATH_SIZE];
			path_key(pm, path, "min");
			fail(c, pm, "must be above %d, the max of %s: groups are in order and do not overlap", prev_max,
			     prev_path);
			ok = false;
		}
		if (!ok)
			continue;
		p->age_groups[p->n_age_groups++] = g;
		prev_max = g.max;
		fmt_to(prev_buf, sizeof prev_buf, "%s", path);
		prev_path = prev_buf;
	}
cleanup:
	json_decref(seen);
}

static void check_threshold(struct check *c, const json_t *root, struct pack *p)
{
	p->suppression_threshold = PACK_DEFAULT_SUPPRESSION_THRESHOLD;
	if (!json_object_get(root, "suppression_threshold"))
		return;
	get_int(c, root, "", "suppression_threshold", PACK_MIN_THRESHOLD, PACK_MAX_THRESHOLD,
		&p->suppression_threshold);
}

/* --- Gender identity categories ----------------------------------------- */

#define GENDER_WORD_MAX 100

/* text as a match key: ASCII lower-cased, '-' and '_' as spaces, runs of
 * spaces as one, none at either end. False when it does not fit. */
static bool gender_key(const char *text, char out[GENDER_WORD_MAX + 1])
{
	size_t n = 0;
	bool space = false;
	for (const unsigned char *q = (const unsigned char *)text; *q; q++) {
		unsigned char ch = *q == '-' || *q == '_' || is_space((char)*q) ? ' ' : *q;
		if (ch == ' ') {
			space = n > 0;
			continue;
		}
		if (n + (space ? 2 : 1) > GENDER_WORD_MAX)
			return false;
		if (space)
			out[n++] = ' ';
		space = false;
		out[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
	}
	out[n] = '\0';
	return true;
}

static const char *const gender_female[] = {"girl", "woman", "f", "cis female", "cisgender female", "cis girl"};
static const char *const gender_male[] = {"boy", "man", "m", "cis male", "cisgender male", "cis boy"};
static const char *const gender_trans_f[] = {"trans female", "trans girl", "transgender girl", "trans woman",
					     "transgender woman", "mtf", "male to female"};
static const char *const gender_trans_m[] = {"trans male", "trans boy", "transgender boy", "trans man",
					     "transgender man", "ftm", "female to male"};
static const char *const gender_nb[] = {"nonbinary", "enby", "genderqueer", "gender queer", "genderfluid",
					"gender fluid", "agender"};
static const char *const gender_questioning[] = {"unsure", "not sure"};

/* The categories the figures use when the pack names none. */
static const struct {
	const char *id, *name;
	const char *const *matches;
	size_t n;
	bool other;
} default_genders[] = {
	{"female", "Female", gender_female, sizeof gender_female / sizeof *gender_female, false},
	{"male", "Male", gender_male, sizeof gender_male / sizeof *gender_male, false},
	{"transgender_female", "Transgender female", gender_trans_f, sizeof gender_trans_f / sizeof *gender_trans_f,
	 false},
	{"transgender_male", "Transgender male", gender_trans_m, sizeof gender_trans_m / sizeof *gender_trans_m, false},
	{"non_binary", "Non-binary", gender_nb, sizeof gender_nb / sizeof *gender_nb, false},
	{"questioning", "Questioning", gender_questioning, sizeof gender_questioning / sizeof *gender_questioning,
	 false},
	{"another_identity", "Another identity", NULL, 0, true},
};

static void default_gender_list(struct check *c, struct pack *p)
{
	size_t n = sizeof default_genders / sizeof *default_genders;
	if (!(p->genders = alloc_array(c, n, sizeof *p->genders)))
		return;
	for (size_t i = 0; i < n; i++) {
		struct pack_gender *g = &p->genders[p->n_genders++];
		g->id = default_genders[i].id;
		g->name = default_genders[i].name;
		g->other = default_genders[i].other;
		if (default_genders[i].n && !(g->matches = alloc_array(c, default_genders[i].n, sizeof *g->matches)))
			return;
		for (size_t k = 0; k < default_genders[i].n; k++)
			g->matches[g->n_matches++] = default_genders[i].matches[k];
	}
}

/* word (at path) as a key that no other category may hold. */
static void gender_word(struct check *c, json_t *words, const char *word, const char *path)
{
	char key[GENDER_WORD_MAX + 1], s[SHOW_SIZE];
	const char *first;
	if (!gender_key(word, key) || !key[0])
		fail(c, path, "must be at most %d characters and not only spaces", GENDER_WORD_MAX);
	else if (!seen_add(c, words, key, path, &first) && strncmp(first, path, strcspn(path, ".")) != 0)
		fail(c, path, "\"%s\" also names %s: a typed value must fall in one category only", show(s, word),
		     first);
}

static void check_gender_matches(struct check *c, json_t *v, const char *path, json_t *words,
				 struct pack_gender *g)
{
	char mp[PATH_SIZE];
	json_t *m = get_typed(c, v, path, "matches", false, JSON_ARRAY);
	if (!m)
		return;
	if (json_array_size(m) > 0 && !(g->matches = alloc_array(c, json_array_size(m), sizeof *g->matches)))
		return;
	size_t k;
	json_t *w;
	json_array_foreach (m, k, w) {
		fmt_to(mp, sizeof mp, "%s.matches[%zu]", path, k);
		if (!json_is_string(w) || strlen(json_string_value(w)) != json_string_length(w)) {
			fail(c, mp, "must be a string");
			continue;
		}
		gender_word(c, words, json_string_value(w), mp);
		g->matches[g->n_matches++] = json_string_value(w);
	}
}

static void check_genders(struct check *c, const json_t *root, struct pack *p)
{
	static const char key[] = "gender_identities";
	json_t *list = json_object_get(root, key);
	if (!list) {
		default_gender_list(c, p);
		return;
	}
	if (!json_is_array(list) || json_array_size(list) < 2) {
		fail(c, key, "must be an array of at least two categories, one of them with \"other\": true");
		return;
	}
	json_t *seen = json_object(), *words = json_object();
	p->genders = alloc_array(c, json_array_size(list), sizeof *p->genders);
	if (!seen || !words || !p->genders) {
		c->nomem = true;
		goto cleanup;
	}
	size_t i, others = 0;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE], np[PATH_SIZE];
		path_index(path, key, i);
		if (!json_is_object(v)) {
			fail(c, path, "must be an object");
			continue;
		}
		check_keys(c, v, path, gender_keys);
		struct pack_gender *g = &p->genders[p->n_genders++];
		g->id = check_id(c, v, path, seen, false);
		g->name = get_str(c, v, path, "name", true);
		g->other = get_bool(c, v, path, "other");
		if (g->other && ++others > 1) {
			path_key(np, path, "other");
			fail(c, np, "only one category may be the other one");
		}
		if (g->id) {
			path_key(np, path, "id");
			gender_word(c, words, g->id, np);
		}
		if (g->name) {
			path_key(np, path, "name");
			gender_word(c, words, g->name, np);
		}
		check_gender_matches(c, v, path, words, g);
	}
	if (others == 0)
		fail(c, key, "one category needs \"other\": true: free text that falls in no category counts there");
cleanup:
	json_decref(seen);
	json_decref(words);
}

const struct pack_gender *pack_gender_of(const struct pack *p, const char *text)
{
	char key[GENDER_WORD_MAX + 1], k2[GENDER_WORD_MAX + 1];
	if (!text || is_blank(text))
		return NULL;
	const struct pack_gender *other = NULL;
	bool fits = gender_key(text, key);
	for (size_t i = 0; i < p->n_genders; i++) {
		const struct pack_gender *g = &p->genders[i];
		if (g->other)
			other = g;
		if (!fits)
			continue;
		if ((gender_key(g->id, k2) && strcmp(k2, key) == 0) || (gender_key(g->name, k2) && strcmp(k2, key) == 0))
			return g;
		for (size_t k = 0; k < g->n_matches; k++)
			if (gender_key(g->matches[k], k2) && strcmp(k2, key) == 0)
				return g;
	}
	return other;
}

/* --- Building ------------------------------------------------------------ */

void pack_free(struct pack *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_regions; i++) {
		for (size_t j = 0; j < p->regions[i].n_offices; j++)
			free(p->regions[i].offices[j].towns);
		free(p->regions[i].offices);
	}
	free(p->regions);
	free(p->sources);
	free(p->vulnerabilities);
	free(p->trafficking_types);
	free(p->services);
	free(p->deadlines);
	for (size_t i = 0; i < p->n_instruments; i++) {
		struct pack_instrument *ins = &p->instruments[i];
		for (size_t j = 0; j < ins->n_domains; j++)
			free(ins->domains[j].indicators);
		free(ins->domains);
		for (size_t j = 0; j < ins->n_rules; j++)
			free(ins->rules[j].domains);
		free(ins->rules);
		free(ins->items);
	}
	free(p->instruments);
	free(p->dispositions);
	free(p->law.citations);
	free(p->commercial_sex_concerns);
	free(p->mdt_roles);
	free(p->emergency_departments);
	free(p->age_groups);
	for (size_t i = 0; i < p->n_genders; i++)
		free(p->genders[i].matches);
	free(p->genders);
	json_decref(p->root);
	free(p);
}

int pack_from_json(json_t *root, struct field_errors *errs, struct pack **ret)
{
	struct field_errors local;
	struct pack *p = NULL;
	int r;

	field_errors_init(&local, 0);
	struct check c = {.errs = errs ? errs : &local};
	size_t before = c.errs->count;

	if (!json_is_object(root)) {
		fail(&c, "", "must be a JSON object");
		r = ERR_INVAL;
		goto cleanup;
	}
	p = calloc(1, sizeof *p);
	if (!p) {
		r = ERR_NOMEM;
		goto cleanup;
	}
	p->root = json_incref(root);

	check_keys(&c, root, "", root_keys);
	check_header(&c, root, p);
	check_regions(&c, root, p);
	check_items(&c, root, "referral_sources", &p->sources, &p->n_sources);
	check_items(&c, root, "vulnerabilities", &p->vulnerabilities, &p->n_vulnerabilities);
	check_items(&c, root, "trafficking_types", &p->trafficking_types, &p->n_trafficking_types);
	check_items(&c, root, "services", &p->services, &p->n_services);
	check_deadlines(&c, root, p);
	check_instruments(&c, root, p);
	check_dispositions(&c, root, p);
	check_law(&c, root, p);
	check_commercial_sex_concerns(&c, root, p);
	check_items_of(&c, root, "mdt_roles", ITEMS_MDT_ROLES, true, p, &p->mdt_roles, &p->n_mdt_roles);
	check_items_of(&c, root, "emergency_departments", ITEMS_DEPARTMENTS, false, p, &p->emergency_departments,
		       &p->n_emergency_departments);
	check_age_groups(&c, root, p);
	check_threshold(&c, root, p);
	check_genders(&c, root, p);

	if (c.nomem) {
		r = ERR_NOMEM;
		goto cleanup;
	}
	if (c.errs->count > before) {
		r = ERR_INVAL;
		goto cleanup;
	}
	*ret = p;
	p = NULL;
	r = 0;
cleanup:
	pack_free(p);
	field_errors_done(&local);
	return r;
}

/* --- Loading ------------------------------------------------------------- */

static void msg(char *errmsg, size_t errsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void msg(char *errmsg, size_t errsize, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_bounded(errmsg, errsize, fmt, ap);
	va_end(ap);
}

/* Parse and validate data; a validation failure leaves every problem in
 * errs and the first (with how many more) in errmsg. */
static int load_buffer(const char *name, const char *data, size_t len, struct field_errors *errs,
		       struct pack **ret, char *errmsg, size_t errsize)
{
	json_t *root = NULL;
	struct pack *p = NULL;
	char why[256];
	int r;

	if (!name)
		name = "(pack)";
	r = json_parse_limited(data, len, NULL, &root, why, sizeof why);
	if (r < 0) {
		msg(errmsg, errsize, "%s: %s", name, why);
		goto cleanup;
	}
	r = pack_from_json(root, errs, &p);
	if (r == ERR_INVAL) {
		json_t *e = json_array_get(errs->list, 0);
		const char *field = json_get_str(e, "field"), *reason = json_get_str(e, "reason");
		char more[48] = "";
		if (errs->count > 1)
			fmt_to(more, sizeof more, " (and %zu more)", errs->count - 1);
		if (field && field[0])
			msg(errmsg, errsize, "%s: %s: %s%s", name, field, reason ? reason : "invalid", more);
		else
			msg(errmsg, errsize, "%s: %s%s", name, reason ? reason : "invalid", more);
		goto cleanup;
	}
	if (r < 0) {
		msg(errmsg, errsize, "%s: %s", name, err_str(r));
		goto cleanup;
	}
	*ret = p;
	r = 0;
cleanup:
	json_decref(root);
	return r;
}

int pack_load_buffer(const char *name, const char *data, size_t len, struct pack **ret, char *errmsg,
		     size_t errsize)
{
	struct field_errors errs;
	field_errors_init(&errs, 0);
	int r = load_buffer(name, data, len, &errs, ret, errmsg, errsize);
	field_errors_done(&errs);
	return r;
}

int pack_check_file(const char *path, struct field_errors *errs, struct pack **ret, char *errmsg,
		    size_t errsize)
{
	char *data = NULL;
	size_t len = 0;
	int r;

	errno = 0;
	r = file_read_all(path, PACK_FILE_CAP, &data, &len);
	if (r < 0) {
		int e = errno;
		if (r == ERR_NOTFOUND)
			msg(errmsg, errsize, "%s: cannot read: no such file", path);
		else if (r == ERR_TOOBIG)
			msg(errmsg, errsize, "%s: cannot read: larger than %zu bytes", path, PACK_FILE_CAP);
		else if (r == ERR_IO && e != 0)
			msg(errmsg, errsize, "%s: cannot read: %s", path, strerror(e));
		else
			msg(errmsg, errsize, "%s: cannot read: %s", path, err_str(r));
		goto cleanup;
	}
	r = load_buffer(path, data, len, errs, ret, errmsg, errsize);
cleanup:
	free(data);
	return r;
}

int pack_load_file(const char *path, struct pack **ret, char *errmsg, size_t errsize)
{
	struct field_errors errs;
	field_errors_init(&errs, 0);
	int r = pack_check_file(path, &errs, ret, errmsg, errsize);
	field_errors_done(&errs);
	return r;
}

/* --- Look-ups ------------------------------------------------------------ */

/* a and b equal ignoring ASCII case and surrounding spaces. */
static bool town_eq(const char *a, const char *b)
{
	size_t na, nb;
	a = town_trim(a, &na);
	b = town_trim(b, &nb);
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (to_lower(a[i]) != to_lower(b[i]))
			return false;
	return true;
}

/* Every look-up skips entries without an id: validation uses them on a pack
 * that is still being checked, where a missing, null or mistyped id leaves
 * an entry's id NULL. */

const struct pack_region *pack_region(const struct pack *p, const char *id)
{
	if (!p || !id)
		return NULL;
	for (size_t i = 0; i < p->n_regions; i++)
		if (p->regions[i].id && strcmp(p->regions[i].id, id) == 0)
			return &p->regions[i];
	return NULL;
}

const struct pack_office *pack_office(const struct pack *p, const char *id)
{
	if (!p || !id)
		return NULL;
	for (size_t i = 0; i < p->n_regions; i++)
		for (size_t j = 0; j < p->regions[i].n_offices; j++)
			if (p->regions[i].offices[j].id && strcmp(p->regions[i].offices[j].id, id) == 0)
				return &p->regions[i].offices[j];
	return NULL;
}

const struct pack_office *pack_office_for_town(const struct pack *p, const char *town)
{
	if (!p || !town || is_blank(town))
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
	if (!items || !id)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (items[i].id && strcmp(items[i].id, id) == 0)
			return &items[i];
	return NULL;
}

const struct pack_deadline *pack_deadline(const struct pack *p, const char *id)
{
	if (!p || !id)
		return NULL;
	for (size_t i = 0; i < p->n_deadlines; i++)
		if (p->deadlines[i].id && strcmp(p->deadlines[i].id, id) == 0)
			return &p->deadlines[i];
	return NULL;
}

const struct pack_instrument *pack_instrument(const struct pack *p, const char *id)
{
	if (!p || !id)
		return NULL;
	for (size_t i = 0; i < p->n_instruments; i++)
		if (p->instruments[i].id && strcmp(p->instruments[i].id, id) == 0)
			return &p->instruments[i];
	return NULL;
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

static const struct pack_question *question_find(const struct pack_question *qs, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (qs[i].id && strcmp(qs[i].id, id) == 0)
			return &qs[i];
	return NULL;
}

const struct pack_question *pack_instrument_question(const struct pack_instrument *ins, const char *id)
{
	if (!ins || !id)
		return NULL;
	if (ins->kind == PACK_INSTRUMENT_YES_NO)
		return question_find(ins->items, ins->n_items, id);
	for (size_t i = 0; i < ins->n_domains; i++) {
		const struct pack_question *q =
			question_find(ins->domains[i].indicators, ins->domains[i].n_indicators, id);
		if (q)
			return q;
	}
	return NULL;
}

const struct pack_disposition *pack_disposition(const struct pack *p, const char *id)
{
	if (!p || !id)
		return NULL;
	for (size_t i = 0; i < p->n_dispositions; i++)
		if (p->dispositions[i].id && strcmp(p->dispositions[i].id, id) == 0)
			return &p->dispositions[i];
	return NULL;
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
