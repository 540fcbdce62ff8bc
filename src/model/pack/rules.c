/* pack/rules: dispositions, the law's settings, the commercial-sex
 * concerns, and what the figures use: age groups and the suppression
 * threshold. */
#include "model/pack/pack_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/str.h"

/* The other parts of the program rely on these dispositions by id. */
static const char *const required_dispositions[] = {
	"accepted_hart",
	"information_referral",
	"screened_out",
	"forwarded",
};





/* --- Dispositions, law, commercial-sex concerns -------------------------- */

static void check_disposition(struct check *c, const json_t *v, const char *path, json_t *seen, void *ctx)
{
	struct pack *p = ctx;
	struct pack_disposition *d = &p->dispositions[p->n_dispositions++];
	pack_check_keys(c, v, path, PACK_KEYS_DISPOSITION);
	d->id = pack_check_id(c, v, path, seen, false);
	d->name = pack_get_str(c, v, path, "name", true);
	d->reason_required = pack_get_bool(c, v, path, "reason_required");
	d->jurisdiction_required = pack_get_bool(c, v, path, "jurisdiction_required");
}

void pack_check_dispositions(struct check *c, const json_t *root, struct pack *p)
{
	json_t *list = pack_get_typed(c, root, "", "dispositions", true, JSON_ARRAY);
	if (!list)
		return;
	p->dispositions = pack_alloc_array(c, json_array_size(list), sizeof *p->dispositions);
	if (json_array_size(list) > 0 && !p->dispositions)
		return;
	json_t *seen = pack_each_entry(c, list, "dispositions", check_disposition, p);
	pack_require_ids(c, seen, "dispositions", "disposition", required_dispositions,
			 sizeof required_dispositions / sizeof *required_dispositions);
	json_decref(seen);
}

void pack_check_law(struct check *c, const json_t *root, struct pack *p)
{
	static const char vp[] = "law.victim_not_offender";
	json_t *law = pack_get_typed(c, root, "", "law", true, JSON_OBJECT);
	if (!law)
		return;
	pack_check_keys(c, law, "law", PACK_KEYS_LAW);
	pack_get_int(c, law, "law", "minor_age", PACK_MIN_MINOR_AGE, PACK_MAX_MINOR_AGE, &p->law.minor_age);
	json_t *v = pack_get_typed(c, law, "law", "victim_not_offender", true, JSON_OBJECT);
	if (!v)
		return;
	pack_check_keys(c, v, vp, PACK_KEYS_VICTIM);
	p->law.victim_not_offender = pack_get_str(c, v, vp, "text", true);
	json_t *cites = pack_get_typed(c, v, vp, "citations", true, JSON_ARRAY);
	if (!cites)
		return;
	p->law.citations = pack_alloc_array(c, json_array_size(cites), sizeof *p->law.citations);
	if (json_array_size(cites) > 0 && !p->law.citations)
		return;
	size_t i;
	json_t *e;
	json_array_foreach (cites, i, e) {
		char path[PATH_SIZE], lp[PATH_SIZE];
		pack_path_key(lp, vp, "citations");
		pack_path_index(path, lp, i);
		const char *s = pack_good_str(e);
		if (!s)
			pack_fail(c, path, "must be text in quotes, not empty");
		else
			p->law.citations[p->law.n_citations++] = s;
	}
}

/* After the vulnerabilities: each entry names one of them, once. */
void pack_check_commercial_sex_concerns(struct check *c, const json_t *root, struct pack *p)
{
	static const char key[] = "commercial_sex_concerns";
	char lp[PATH_SIZE];
	const json_t *list;
	p->commercial_sex_concerns =
		pack_list_items(c, root, "", key, "vulnerability", sizeof *p->commercial_sex_concerns, &list, lp);
	if (!p->commercial_sex_concerns)
		return;
	/* Without a list of vulnerabilities every name would be unknown. */
	bool known = json_is_array(json_object_get(root, "vulnerabilities"));
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE], s[SHOW_SIZE];
		pack_path_index(path, key, i);
		const char *id = pack_good_str(v);
		if (!id) {
			pack_fail(c, path, "must be text in quotes, not empty");
			continue;
		}
		if (known && !pack_item_find(p->vulnerabilities, p->n_vulnerabilities, id)) {
			pack_fail(c, path, "unknown vulnerability \"%s\"", pack_show(s, id));
			continue;
		}
		if (pack_is_commercial_sex_concern(p, id)) {
			pack_fail(c, path, "vulnerability \"%s\" is listed twice", pack_show(s, id));
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

void pack_check_age_groups(struct check *c, const json_t *root, struct pack *p)
{
	static const char key[] = "age_groups";
	json_t *list = json_object_get(root, key);
	if (!list) {
		size_t n = sizeof default_age_groups / sizeof *default_age_groups;
		p->age_groups = pack_alloc_array(c, n, sizeof *p->age_groups);
		if (!p->age_groups)
			return;
		memcpy(p->age_groups, default_age_groups, sizeof default_age_groups);
		p->n_age_groups = n;
		return;
	}
	if (!json_is_array(list)) {
		pack_fail(c, key, "must be a list in brackets [ ]");
		return;
	}
	if (json_array_size(list) == 0) {
		pack_fail(c, key, "must list at least one age group");
		return;
	}
	json_t *seen = json_object();
	p->age_groups = pack_alloc_array(c, json_array_size(list), sizeof *p->age_groups);
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
		if (!pack_entry(c, v, key, i, path))
			continue;
		pack_check_keys(c, v, path, PACK_KEYS_AGE_GROUP);
		struct pack_age_group g = {.max = -1};
		g.id = pack_check_id(c, v, path, seen, false);
		g.name = pack_get_str(c, v, path, "name", true);
		bool ok = pack_get_int(c, v, path, "min", 0, PACK_MAX_AGE, &g.min);
		json_t *mx = json_object_get(v, "max");
		pack_path_key(pp, path, "max");
		if (!mx) {
			pack_fail(c, pp, "required: the oldest age in the group, or null for \"and over\"");
			ok = false;
		} else if (!json_is_null(mx)) {
			if (!json_is_integer(mx) || json_integer_value(mx) < 0 || json_integer_value(mx) > PACK_MAX_AGE) {
				pack_fail(c, pp, "must be a whole number from 0 to %d, or null", PACK_MAX_AGE);
				ok = false;
			} else {
				g.max = (int)json_integer_value(mx);
				if (ok && g.max < g.min) {
					pack_fail(c, pp, "must not be below min (%d)", g.min);
					ok = false;
				}
			}
		}
		if (ok && prev_max == -1) {
			char pm[PATH_SIZE];
			pack_path_key(pm, path, "min");
			pack_fail(c, pm, "%s is open-ended (max null): no group may follow it", prev_path);
			ok = false;
		} else if (ok && prev_max >= 0 && g.min <= prev_max) {
			char pm[PATH_SIZE];
			pack_path_key(pm, path, "min");
			pack_fail(c, pm, "must be above %d, the max of %s: groups are in order and do not overlap", prev_max,
			     prev_path);
			ok = false;
		}
		if (!ok)
			continue;
		p->age_groups[p->n_age_groups++] = g;
		prev_max = g.max;
		pack_fmt_to(prev_buf, sizeof prev_buf, "%s", path);
		prev_path = prev_buf;
	}
cleanup:
	json_decref(seen);
}

void pack_check_threshold(struct check *c, const json_t *root, struct pack *p)
{
	p->suppression_threshold = PACK_DEFAULT_SUPPRESSION_THRESHOLD;
	if (!json_object_get(root, "suppression_threshold"))
		return;
	pack_get_int(c, root, "", "suppression_threshold", PACK_MIN_THRESHOLD, PACK_MAX_THRESHOLD,
		&p->suppression_threshold);
}
