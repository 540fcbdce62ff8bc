/* Fuzz target: the pack loader. Any document is either a pack or a list of
 * problems with their paths; never a crash. A pack that loads answers its
 * look-ups and its summary, and every problem of one that does not has a
 * path and a reason. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "model/pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void look_up_everything(const struct pack *p)
{
	for (size_t i = 0; i < p->n_regions; i++) {
		const struct pack_region *r = &p->regions[i];
		if (pack_region(p, r->id) != r)
			abort();
		for (size_t j = 0; j < r->n_offices; j++) {
			const struct pack_office *o = &r->offices[j];
			if (!pack_office(p, o->id) || !pack_region(p, o->region))
				abort();
			for (size_t k = 0; k < o->n_towns; k++)
				if (!pack_office_for_town(p, o->towns[k]))
					abort();
		}
	}
	for (size_t i = 0; i < p->n_deadlines; i++)
		if (!pack_deadline(p, p->deadlines[i].id))
			abort();
	if (!pack_default_instrument(p) || !pack_rescreen_instrument(p))
		abort();
	for (size_t i = 0; i < p->n_instruments; i++) {
		const struct pack_instrument *ins = &p->instruments[i];
		for (size_t j = 0; j < ins->n_items; j++)
			if (!pack_instrument_question(ins, ins->items[j].id))
				abort();
		for (size_t d = 0; d < ins->n_domains; d++)
			for (size_t j = 0; j < ins->domains[d].n_indicators; j++)
				if (!pack_instrument_question(ins, ins->domains[d].indicators[j].id))
					abort();
	}
	for (size_t i = 0; i < p->n_commercial_sex_concerns; i++)
		if (!pack_item_find(p->vulnerabilities, p->n_vulnerabilities, p->commercial_sex_concerns[i]))
			abort();
	for (size_t i = 0; i < p->n_emergency_departments; i++)
		if (!pack_region(p, p->emergency_departments[i].region))
			abort();
	for (int age = -1; age <= 121; age++)
		pack_age_group_of(p, age);
	pack_disposition(p, "accepted_hart");
	pack_is_commercial_sex_concern(p, "x");
	/* The summary `pack check` prints and the API answers. */
	json_t *sum = pack_summary(p);
	if (sum && json_integer_value(json_object_get(sum, "regions")) != (json_int_t)p->n_regions)
		abort();
	json_decref(sum);
	char line[4096];
	if (pack_summary_line(p, line, sizeof line) == 0 && !strstr(line, p->time_zone))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As `hartline pack check`, `init --pack` and `serve --pack` load it. */
	struct pack *p = NULL;
	char msg[1024];
	int r = pack_load_buffer("fuzz.json", (const char *)data, size, &p, msg, sizeof msg);
	if (r == 0) {
		look_up_everything(p);
		pack_free(p);
	} else if (!msg[0]) {
		abort();
	}

	/* As POST /api/v1/config/validate checks it: every problem has a
	 * path (empty only for the document itself) and a reason. */
	json_t *root = NULL;
	char why[256];
	if (json_parse_limited((const char *)data, size, NULL, &root, why, sizeof why) < 0)
		return 0;
	struct field_errors errs;
	field_errors_init(&errs, 0);
	p = NULL;
	r = pack_from_json(root, &errs, &p);
	if (r == 0) {
		pack_free(p);
	} else if (r == ERR_INVAL) {
		size_t i;
		json_t *e;
		if (errs.count == 0)
			abort();
		json_array_foreach (errs.list, i, e)
			if (!json_get_str(e, "field") || !json_get_str(e, "reason"))
				abort();
	} else if (r != ERR_NOMEM) {
		abort();
	}
	field_errors_done(&errs);
	json_decref(root);
	return 0;
}
