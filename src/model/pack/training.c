/* pack/training: what awareness and education needs of a pack
 * (docs/training.md): the audiences trained, the course catalogue (hours,
 * audiences, whether and for how long a course certifies, prerequisites,
 * the train-the-trainer course), and the rule that makes a provider
 * trafficking-informed. Every key is optional: without them the agency
 * has no courses and no provider becomes trafficking-informed by rule. */
#include "model/pack/pack_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"


#define MAX_COURSE_HOURS 200
#define MAX_VALID_MONTHS 120

const struct pack_course *pack_course(const struct pack *p, const char *id)
{
	for (size_t i = 0; id && i < p->training.n_courses; i++)
		if (p->training.courses[i].id && strcmp(p->training.courses[i].id, id) == 0)
			return &p->training.courses[i];
	return NULL;
}

/* The list of ids at obj.key, each naming an entry of items (what: its
 * word in messages), into *ret (allocated; NULL when empty). */
static void id_list(struct check *c, const json_t *obj, const char *path, const char *key, const char *what,
		    bool (*known)(const struct pack *, const char *), const struct pack *p, const char ***ret,
		    size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	json_t *list = json_object_get(obj, key);
	if (!list)
		return;
	char lp[PATH_SIZE];
	pack_path_key(lp, path, key);
	if (!json_is_array(list)) {
		pack_fail(c, lp, "must be a list of %s ids", what);
		return;
	}
	*ret = pack_alloc_array(c, json_array_size(list), sizeof **ret);
	if (json_array_size(list) > 0 && !*ret)
		return;
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char ep[PATH_SIZE], s[SHOW_SIZE];
		pack_path_index(ep, lp, i);
		const char *id = pack_good_str(v);
		bool dup = false;
		for (size_t k = 0; id && k < *ret_n; k++)
			dup |= strcmp((*ret)[k], id) == 0;
		if (!id)
			pack_fail(c, ep, "must be text in quotes, not empty");
		else if (!known(p, id))
			pack_fail(c, ep, "unknown %s \"%s\"", what, pack_show(s, id));
		else if (dup)
			pack_fail(c, ep, "%s \"%s\" is listed twice", what, pack_show(s, id));
		else
			(*ret)[(*ret_n)++] = id;
	}
}

static bool audience_known(const struct pack *p, const char *id)
{
	return pack_item_find(p->training.audiences, p->training.n_audiences, id) != NULL;
}

/* Courses are checked in two passes: all ids first, so a prerequisite may
 * name a course further down the list. */
static bool course_id_known(const struct pack *p, const char *id)
{
	const json_t *list = json_object_get(p->root, "courses");
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v)
		if (pack_json_str_is(json_object_get(v, "id"), id))
			return true;
	return false;
}

static void check_course(struct check *c, const json_t *v, const char *path, json_t *seen, void *ctx)
{
	struct pack *p = ctx;
	struct pack_course *k = &p->training.courses[p->training.n_courses++];
	char fp[PATH_SIZE];
	pack_check_keys(c, v, path, PACK_KEYS_COURSE);
	k->id = pack_check_id(c, v, path, seen, false);
	k->name = pack_get_str(c, v, path, "name", true);
	k->description = pack_get_str(c, v, path, "description", false);
	json_t *hours = json_object_get(v, "hours");
	pack_path_key(fp, path, "hours");
	if (!json_is_number(hours) || json_number_value(hours) <= 0 || json_number_value(hours) > MAX_COURSE_HOURS)
		pack_fail(c, fp, "must be a number of hours above 0 and at most %d", MAX_COURSE_HOURS);
	else
		k->hours = json_number_value(hours);
	id_list(c, v, path, "audiences", "audience", audience_known, p, &k->audiences, &k->n_audiences);
	pack_path_key(fp, path, "audiences");
	if (json_object_get(v, "audiences") == NULL)
		pack_fail(c, fp, "required: the audiences the course is for");
	id_list(c, v, path, "prerequisites", "course", course_id_known, p, &k->prerequisites, &k->n_prerequisites);
	for (size_t i = 0; k->id && i < k->n_prerequisites; i++)
		if (strcmp(k->prerequisites[i], k->id) == 0) {
			pack_path_key(fp, path, "prerequisites");
			pack_fail(c, fp, "a course cannot be its own prerequisite");
		}
	k->certifies = pack_get_bool(c, v, path, "certifies");
	k->trains_trainers = pack_get_bool(c, v, path, "trains_trainers");
	if (json_object_get(v, "valid_months")) {
		if (!k->certifies) {
			pack_path_key(fp, path, "valid_months");
			pack_fail(c, fp, "only a course that certifies has certificates that expire");
		} else {
			pack_get_int(c, v, path, "valid_months", 1, MAX_VALID_MONTHS, &k->valid_months);
		}
	}
	if (k->trains_trainers && !k->certifies) {
		pack_path_key(fp, path, "trains_trainers");
		pack_fail(c, fp, "a train-the-trainer course must certify (\"certifies\": true)");
	}
}

/* A prerequisite chain that comes back to where it started. */
static bool in_cycle(const struct pack *p, const struct pack_course *from, const struct pack_course *at, int depth)
{
	if (depth > (int)p->training.n_courses) /* a cycle that does not pass through from */
		return false;
	for (size_t i = 0; i < at->n_prerequisites; i++) {
		const struct pack_course *pre = pack_course(p, at->prerequisites[i]);
		if (pre == from || (pre && in_cycle(p, from, pre, depth + 1)))
			return true;
	}
	return false;
}

static bool course_known(const struct pack *p, const char *id)
{
	return pack_course(p, id) != NULL;
}

static void check_rule(struct check *c, const json_t *root, struct pack *p)
{
	static const char key[] = "trafficking_informed";
	struct pack_informed_rule *r = &p->training.informed;
	json_t *o = json_object_get(root, key);
	if (!o)
		return;
	if (!json_is_object(o)) {
		pack_fail(c, key, "must be a set of named values in braces { }");
		return;
	}
	pack_check_keys(c, o, key, PACK_KEYS_INFORMED);
	id_list(c, o, key, "courses", "course", course_known, p, &r->courses, &r->n_courses);
	if (r->n_courses == 0)
		pack_fail(c, "trafficking_informed.courses", "must list at least one course");
	pack_get_int(c, o, key, "within_months", 1, MAX_VALID_MONTHS, &r->within_months);
	pack_get_int(c, o, key, "min_staff", 1, 100, &r->min_staff);
	r->min_supervisors = 0;
	if (json_object_get(o, "min_supervisors"))
		pack_get_int(c, o, key, "min_supervisors", 0, 100, &r->min_supervisors);
	if (r->min_supervisors > r->min_staff)
		pack_fail(c, "trafficking_informed.min_supervisors", "must not be above min_staff (%d)", r->min_staff);
	r->present = true;
}

/* After the services. */
void pack_check_training(struct check *c, const json_t *root, struct pack *p)
{
	struct pack_training *t = &p->training;
	if (json_object_get(root, "training_audiences"))
		pack_check_items_of(c, root, "training_audiences", ITEMS_PLAIN, true, NULL, &t->audiences,
				    &t->n_audiences);
	json_t *list = json_object_get(root, "courses");
	if (list && !json_is_array(list)) {
		pack_fail(c, "courses", "must be a list of courses");
		list = NULL;
	}
	if (list && json_array_size(list) > 0) {
		t->courses = pack_alloc_array(c, json_array_size(list), sizeof *t->courses);
		if (!t->courses)
			return;
		json_decref(pack_each_entry(c, list, "courses", check_course, p));
		for (size_t i = 0; i < t->n_courses; i++) {
			char path[PATH_SIZE], pp[PATH_SIZE];
			pack_path_index(path, "courses", i);
			if (t->courses[i].id && in_cycle(p, &t->courses[i], &t->courses[i], 0)) {
				pack_path_key(pp, path, "prerequisites");
				pack_fail(c, pp, "the prerequisites of \"%s\" lead back to it", t->courses[i].id);
			}
		}
	}
	check_rule(c, root, p);
}

void pack_training_free(struct pack *p)
{
	struct pack_training *t = &p->training;
	for (size_t i = 0; i < t->n_courses; i++) {
		free(t->courses[i].audiences);
		free(t->courses[i].prerequisites);
	}
	free(t->courses);
	free(t->audiences);
	free(t->informed.courses);
}
