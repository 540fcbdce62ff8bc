/* demo_pack.c: where the demo's made-up people and cases take their
 * places, telephone numbers, services and courses from: the pack the demo
 * runs with (src/cli/demo.h). Nothing here names a jurisdiction. */
#include "cli/demo.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "model/pack.h"

const struct pack_region *demo_region(const struct pack *p, size_t ri)
{
	return p->n_regions ? &p->regions[ri % p->n_regions] : NULL;
}

const char *demo_region_id(const struct pack *p, size_t ri)
{
	const struct pack_region *r = demo_region(p, ri);
	return r ? r->id : "";
}

const char *demo_region_name(const struct pack *p, size_t ri)
{
	const struct pack_region *r = demo_region(p, ri);
	return r && r->name ? r->name : "";
}

const struct pack_office *demo_office(const struct pack *p, size_t ri, size_t oi)
{
	const struct pack_region *r = demo_region(p, ri);
	return r && r->n_offices ? &r->offices[oi % r->n_offices] : NULL;
}

const char *demo_town(const struct pack *p, size_t ri, size_t oi, size_t ti)
{
	const struct pack_office *o = demo_office(p, ri, oi);
	return o && o->n_towns ? o->towns[ti % o->n_towns] : NULL;
}

/* s in lower case, every character but a letter or digit made '_'
 * (keep_dash: '-' kept). */
static void lower_code(char *out, size_t size, const char *s, bool keep_dash)
{
	size_t i = 0;
	for (; s[i] && i + 1 < size; i++) {
		unsigned char ch = (unsigned char)s[i];
		out[i] = isalnum(ch) ? (char)tolower(ch) : keep_dash && ch == '-' ? '-' : '_';
	}
	if (size)
		out[i < size ? i : size - 1] = '\0';
}

void demo_team_code(const struct pack *p, size_t ri, char *out, size_t size)
{
	char r[32];
	lower_code(r, sizeof r, demo_region_id(p, ri), true);
	for (char *c = r; *c; c++)
		*c = *c == '_' ? '-' : *c;
	snprintf(out, size, "mdt-%s", r);
}

void demo_provider_code(const char *stem, const char *region, char *out, size_t size)
{
	char buf[96];
	snprintf(buf, sizeof buf, "%s_%s", stem, region);
	lower_code(out, size, buf, false);
}

void demo_phone(const struct pack *p, unsigned line, char *out, size_t size)
{
	/* The area code of the hotline's number when it has one that is not
	 * toll-free (a number of 10 digits, or 11 after a leading 1). */
	char digits[16];
	size_t n = 0;
	for (const char *c = p->hotline_phone ? p->hotline_phone : ""; *c && n < sizeof digits - 1; c++)
		if (*c >= '0' && *c <= '9')
			digits[n++] = *c;
	digits[n] = '\0';
	const char *d = n == 11 && digits[0] == '1' ? digits + 1 : n == 10 ? digits : NULL;
	char area[4] = "555";
	if (d && d[0] != '8' && d[0] != '0' && d[0] != '1') {
		memcpy(area, d, 3);
		area[3] = '\0';
	}
	snprintf(out, size, "%s-555-%04u", area, line % 10000);
}

const char *demo_pick(const struct pack_item *items, size_t n, const char *want, const char *avoid, size_t i)
{
	if (n == 0)
		return NULL;
	if (want && pack_item_find(items, n, want) && !(avoid && strcmp(want, avoid) == 0))
		return want;
	for (size_t k = 0; k < n; k++) {
		const char *id = items[(i + k) % n].id;
		if (!avoid || strcmp(id, avoid) != 0)
			return id;
	}
	return items[i % n].id;
}

const struct pack_course *demo_informed_course(const struct pack *p, size_t k)
{
	const struct pack_informed_rule *r = &p->training.informed;
	if (k < r->n_courses)
		return pack_course(p, r->courses[k]);
	/* Without a rule: the pack's certifying courses, in order. */
	for (size_t i = 0, seen = 0; i < p->training.n_courses; i++) {
		const struct pack_course *c = &p->training.courses[i];
		if (c->certifies && !c->trains_trainers && seen++ == k)
			return c;
	}
	return NULL;
}
