/* pack/cases.c: the cases section: how long the author of a timeline
 * entry may correct it (docs/packs.md, docs/cases.md "Corrections"), and
 * the service rapid response dispatch offers. */
#include "model/pack/pack_int.h"

#define DEFAULT_NOTE_CORRECTION_HOURS 24
#define MAX_NOTE_CORRECTION_HOURS 720


void pack_check_cases(struct check *c, const json_t *root, struct pack *p)
{
	static const char key[] = "cases";
	p->cases.note_correction_hours = DEFAULT_NOTE_CORRECTION_HOURS;
	json_t *o = json_object_get(root, key);
	if (!o)
		return;
	if (!json_is_object(o)) {
		pack_fail(c, key, "must be a set of named values in braces { }");
		return;
	}
	pack_check_keys(c, o, key, PACK_KEYS_CASES);
	if (json_object_get(o, "note_correction_hours"))
		pack_get_int(c, o, key, "note_correction_hours", 1, MAX_NOTE_CORRECTION_HOURS,
			     &p->cases.note_correction_hours);
	const char *rapid = pack_get_str(c, o, key, "rapid_response_service", false);
	if (!rapid)
		return;
	if (!pack_item_find(p->services, p->n_services, rapid)) {
		char path[PATH_SIZE], s[SHOW_SIZE];
		pack_path_key(path, key, "rapid_response_service");
		pack_fail(c, path, "unknown service \"%s\"", pack_show(s, rapid));
		return;
	}
	p->cases.rapid_response_service = rapid;
}
