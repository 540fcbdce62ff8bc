/* pack: the jurisdiction pack, loaded and validated.
 *
 * A pack (packs/connecticut.json is the default, compiled into the binary)
 * holds what differs from one agency to the next: regions and their area
 * offices with the towns each serves, referral sources, vulnerabilities,
 * trafficking types, services, deadlines and the time zone. Nothing here
 * does I/O except pack_load_file(); validation is a pure function of the
 * JSON document and reports every problem with its path inside the pack,
 * e.g. regions[2].offices[0].region: unknown region "R7". */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"

/* An entry of a simple list: referral sources, vulnerabilities, trafficking
 * types, services. */
struct pack_item {
	const char *id;
	const char *name;
	const char *description; /* may be NULL */
};

struct pack_office {
	const char *id;
	const char *name;
	const char *region; /* id of the region that holds it */
	const char **towns; /* towns this office serves, as written in the pack */
	size_t n_towns;
};

struct pack_region {
	const char *id;
	const char *name;
	struct pack_office *offices;
	size_t n_offices;
};

struct pack_deadline {
	const char *id;   /* e.g. "law_enforcement_report" */
	const char *name; /* for people: "Report to law enforcement" */
	int64_t minutes;
	const char *basis; /* the law or policy that sets it; may be NULL */
};

struct pack {
	json_t *root; /* the document as loaded; strings below point into it */
	const char *id, *version, *name, *short_name, *jurisdiction, *time_zone;
	const char *hotline_name, *hotline_phone;
	struct pack_region *regions;
	size_t n_regions;
	struct pack_item *sources, *vulnerabilities, *trafficking_types, *services;
	size_t n_sources, n_vulnerabilities, n_trafficking_types, n_services;
	struct pack_deadline *deadlines;
	size_t n_deadlines;
};

/* Validate root and build a pack from it (root gains a reference). On
 * failure returns ERR_INVAL and fills errs with every problem found, each
 * with its path ("regions[2].offices[0].region") and reason. */
int pack_from_json(json_t *root, struct field_errors *errs, struct pack **ret);

/* Read, parse and validate a pack file. On failure returns an error code
 * and writes one line to errmsg that names the file, the path inside it and
 * the reason: `packs/x.json: regions[2].offices[0].region: unknown region "R7"`.
 * A parse error names the line and column instead of a path. */
int pack_load_file(const char *path, struct pack **ret, char *errmsg, size_t errsize);

/* The same for a document already in memory (the embedded default pack);
 * name is used in messages in place of the file name. */
int pack_load_buffer(const char *name, const char *data, size_t len, struct pack **ret, char *errmsg,
		     size_t errsize);

void pack_free(struct pack *p);

/* Look-ups; NULL when absent. Town names compare case-insensitively and
 * ignore surrounding spaces. */
const struct pack_region *pack_region(const struct pack *p, const char *id);
const struct pack_office *pack_office(const struct pack *p, const char *id);
const struct pack_office *pack_office_for_town(const struct pack *p, const char *town);
const struct pack_item *pack_item_find(const struct pack_item *items, size_t n, const char *id);
const struct pack_deadline *pack_deadline(const struct pack *p, const char *id);
