/* demo_providers.c: the synthetic provider directory of `hartline demo`
 * (src/cli/demo.h). Every name, telephone number and address is made up. */
#include "cli/demo.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/json.h"
#include "model/pack.h"
#include "service/ctx.h"
#include "service/providers.h"

/* Three per region, in order; the first is demo-provider's agency. */
static const struct {
	const char *stem, *name;
} names[] = {
	{"harbor_light", "Harbor Light Youth Services"},  {"cedar_path", "Cedar Path Family Center"},
	{"bright_shore", "Bright Shore Mentoring"},        {"willow_house", "Willow House Recovery"},
	{"north_star", "North Star Advocacy"},              {"riverbend", "Riverbend Counseling"},
	{"lantern_way", "Lantern Way Survivor Care"},       {"oak_hollow", "Oak Hollow Foster Network"},
	{"meadowlark", "Meadowlark Youth Center"},          {"stone_bridge", "Stone Bridge Clinical Group"},
	{"quiet_harbor", "Quiet Harbor Homes"},             {"compass_rose", "Compass Rose Mentors"},
	{"blue_heron", "Blue Heron Advocacy Project"},      {"summit_trail", "Summit Trail Youth Services"},
	{"maple_grove", "Maple Grove Family Services"},     {"first_light", "First Light Rapid Response"},
	{"hearthstone", "Hearthstone Survivor Network"},    {"new_leaf", "New Leaf Counseling"},
};
#define NAMES (sizeof names / sizeof *names)
#define PER_REGION 3

static const char *const staff_first[] = {"Jordan", "Riley", "Casey", "Morgan", "Avery", "Quinn"};
static const char *const staff_last[] = {"Example", "Sample", "Placeholder", "Demo", "Testwell", "Fictive"};
static const char *const langs[][3] = {
	{"English", "Spanish", NULL}, {"English", NULL, NULL}, {"English", "Portuguese", "Spanish"},
	{"English", "Haitian Creole", NULL}, {"English", "Polish", NULL}, {"English", "Spanish", "Arabic"},
};

static void code_for(char *out, size_t size, const char *stem, const char *region)
{
	int n = snprintf(out, size, "%s_%s", stem, region);
	for (int i = 0; n > 0 && i < n && (size_t)i < size; i++)
		out[i] = isalnum((unsigned char)out[i]) ? (char)tolower((unsigned char)out[i]) : '_';
}

/* Provider j (0..2) of region ri: the services it offers, so that the
 * three of a region offer every service, each 2 to 4 (more when the
 * catalogue is longer); survivor-care rapid response rides with the first. */
static json_t *services_for(const struct pack *p, size_t ri, size_t j)
{
	json_t *a = json_array();
	size_t n = p->n_services;
	for (size_t k = 0; a && k < n; k++)
		if ((k + ri) % PER_REGION == j)
			json_array_append_new(a, json_string(p->services[k].id));
	/* The rapid service in every region, from two providers where it can. */
	const char *rapid = p->cases.rapid_response_service;
	bool has = !rapid;
	for (size_t k = 0; a && k < json_array_size(a); k++)
		has = has || strcmp(json_string_value(json_array_get(a, k)), rapid) == 0;
	if (a && !has && j == (ri % 2) && pack_item_find(p->services, n, rapid))
		json_array_append_new(a, json_string(rapid));
	return a;
}

static json_t *populations_for(const struct pack *p, size_t i)
{
	json_t *a = json_array();
	for (size_t k = 0; a && k < p->recovery.n_populations; k++)
		if (i % 4 == 0 || (k + i) % 2 == 0)
			json_array_append_new(a, json_string(p->recovery.populations[k].id));
	return a;
}

static json_t *staff_for(const struct pack *p, size_t i)
{
	json_t *a = json_array();
	for (size_t k = 0; a && k < 1 + i % 3; k++) {
		char name[64], phone[16], email[80];
		size_t f = (i + k) % 6, l = (i * 2 + k) % 6;
		snprintf(name, sizeof name, "%s %s", staff_first[f], staff_last[l]);
		demo_phone(p, (unsigned)(100 + i * 3 + k), phone, sizeof phone);
		snprintf(email, sizeof email, "%c.%s%zu@example.org", tolower((unsigned char)staff_first[f][0]),
			 staff_last[l], i);
		for (char *c = email; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "name", name, "role",
						   k == 0 ? "Program director" : "Trafficking-informed clinician",
						   "phone", phone, "email", email));
	}
	return a;
}

/* The body of provider j of region ri (i is its place in the directory). */
static json_t *body_for(const struct pack *p, size_t ri, size_t j, size_t i)
{
	const struct pack_region *reg = &p->regions[ri];
	char code[64], name[160], phone[16], web[96], addr[160], basis[160];
	code_for(code, sizeof code, names[i % NAMES].stem, reg->id);
	snprintf(name, sizeof name, "%s (synthetic)", names[i % NAMES].name);
	demo_phone(p, (unsigned)(200 + i), phone, sizeof phone);
	/* The agency's public contacts are kept in clear (docs/recovery.md):
	 * another reserved domain than the people's, whose addresses are
	 * sealed. */
	char email[96];
	snprintf(web, sizeof web, "https://%s.example.net", names[i % NAMES].stem);
	snprintf(email, sizeof email, "intake@%s.example.net", names[i % NAMES].stem);
	for (char *c = web; *c; c++)
		*c = *c == '_' ? '-' : *c;
	for (char *c = email; *c; c++)
		*c = *c == '_' ? '-' : *c;
	snprintf(addr, sizeof addr, "%zu Example Street, %s", 10 + i * 7, reg->name);
	json_t *langs_a = json_array();
	for (size_t k = 0; langs_a && k < 3 && langs[i % 6][k]; k++)
		json_array_append_new(langs_a, json_string(langs[i % 6][k]));
	int64_t capacity = 4 + (int64_t)(i % 5) * 2, openings = (int64_t)((i * 7) % 4);
	const char *status = i % 3 == 2 ? "not_informed" : i % 5 == 4 ? "lapsed" : "informed";
	snprintf(basis, sizeof basis, "The trafficking-informed courses completed, %zu staff", 1 + i % 3);
	char until[16];
	snprintf(until, sizeof until, "%d-%02zu-%02zu", strcmp(status, "lapsed") == 0 ? 2026 : 2027, 1 + i % 12,
		 1 + i % 28);
	json_t *b = json_pack("{s:s, s:s, s:s, s:o, s:[s], s:o, s:o, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:s}",
			      "code", code, "name", name, "description",
			      "A synthetic provider of the demo directory; no real agency.", "services",
			      services_for(p, ri, j), "regions", reg->id, "populations", populations_for(p, i),
			      "languages", langs_a, "age_min", (json_int_t)(i % 2 ? 12 : 10), "age_max",
			      (json_int_t)(i % 4 == 3 ? 21 : 18), "capacity", (json_int_t)capacity, "openings",
			      (json_int_t)openings, "phone", phone, "email", email, "website", web,
			      "address", addr, "staff", staff_for(p, i), "informed_status", status);
	if (b && strcmp(status, "not_informed") != 0) {
		json_object_set_new(b, "informed_basis", json_string(basis));
		json_object_set_new(b, "informed_until", json_string(until));
	}
	return b;
}

int demo_providers(struct app *app)
{
	struct actor cli;
	actor_cli(&cli);
	struct svc_ctx ctx = {.app = app, .actor = &cli, .client = "cli"};
	const struct pack *p = app->pack;
	int added = 0;
	for (size_t ri = 0, i = 0; ri < p->n_regions; ri++)
		for (size_t j = 0; j < PER_REGION; j++, i++) {
			json_t *body = body_for(p, ri, j, i), *got = NULL;
			struct field_errors errs;
			field_errors_init(&errs, 10);
			int r = body ? svc_provider_create(&ctx, body, &errs, &got) : ERR_NOMEM;
			if (r < 0 && r != ERR_EXISTS) {
				char line[300];
				for (size_t e = 0; e < errs.count && field_error_format(&errs, e, line, sizeof line) == 0; e++)
					fprintf(stderr, "hartline demo: provider %s: %s\n",
						json_string_value(json_object_get(body, "code")), line);
				fprintf(stderr, "hartline demo: cannot add the demo providers: %s\n", err_str(r));
				field_errors_done(&errs);
				json_decref(body);
				return 1;
			}
			added += r == 0;
			field_errors_done(&errs);
			json_decref(got);
			json_decref(body);
		}
	if (added)
		printf("  Provider directory: %d synthetic providers, %d in each of the %zu regions.\n\n", added,
		       PER_REGION, p->n_regions);
	return 0;
}

int demo_provider_ids(struct app *app, int64_t *ids, size_t max, size_t *ret_n)
{
	struct actor cli;
	actor_cli(&cli);
	struct svc_ctx ctx = {.app = app, .actor = &cli, .client = "cli"};
	const struct pack *p = app->pack;
	size_t n = 0;
	for (size_t ri = 0, i = 0; ri < p->n_regions; ri++)
		for (size_t j = 0; j < PER_REGION; j++, i++) {
			char code[64];
			code_for(code, sizeof code, names[i % NAMES].stem, p->regions[ri].id);
			struct provider_filter f = {.q = code, .age = -1, .all = true};
			struct field_errors errs;
			field_errors_init(&errs, 4);
			json_t *page = NULL;
			int r = svc_providers_search(&ctx, &f, &errs, &page);
			field_errors_done(&errs);
			if (r < 0)
				return r;
			size_t k;
			json_t *it;
			json_array_foreach(json_object_get(page, "items"), k, it)
			{
				if (n < max && strcmp(json_string_value(json_object_get(it, "code")), code) == 0)
					ids[n++] = json_integer_value(json_object_get(it, "id"));
			}
			json_decref(page);
		}
	*ret_n = n;
	return 0;
}
