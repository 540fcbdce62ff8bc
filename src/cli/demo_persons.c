/* demo_persons: the demo's child's page (docs/recovery.md): Morgan was
 * reported once as "Mo Democase", a record since merged into hers, and has
 * two relief petitions, one granted, one filed. Synthetic throughout. */
#include "cli/demo.h"

#include <stdio.h>

#include "base/clock.h"
#include "base/err.h"
#include "service/cases.h"
#include "service/child.h"
#include "service/intake.h"
#include "service/persons.h"
#include "service/relief.h"

static int step(const char *what, int r, struct field_errors *errs, json_t *body, json_t *ret)
{
	if (r < 0) {
		char line[300];
		for (size_t i = 0; i < errs->count && field_error_format(errs, i, line, sizeof line) == 0; i++)
			fprintf(stderr, "hartline demo: %s: %s\n", what, line);
		fprintf(stderr, "hartline demo: %s: %s\n", what, err_str(r));
	}
	json_decref(body);
	json_decref(ret);
	field_errors_done(errs);
	field_errors_init(errs, 10);
	return r;
}

/* A report of "Mo Democase" two months ago, its child recorded as a new
 * person: *ret_intake, *ret_person. */
static int second_record(const struct svc_ctx *ctx, struct field_errors *errs, int64_t *ret_intake,
			 int64_t *ret_person)
{
	const struct pack *p = ctx->app->pack;
	char received[32];
	time_format(now() - (hl_time)60 * 24 * 3600 * HL_USEC_PER_SEC, received, sizeof received);
	const char *town = demo_town(p, 0, 1, 4), *source = demo_pick(p->sources, p->n_sources, "law_enforcement", NULL, 0),
		   *concern = demo_pick(p->vulnerabilities, p->n_vulnerabilities, "detained_for_prostitution", NULL, 0);
	json_t *body = json_pack(
		"{s:s, s:s, s:{s:s, s:s}, s:[{s:s, s:s, s:i, s:s, s:s}], s:s, s:[s]}", "received_at", received, "channel",
		"phone", "reporter", "source", source ? source : "", "name", "Officer Example (synthetic)", "children",
		"given_name", "Mo", "family_name", "Democase", "estimated_age", 14, "town", town ? town : "", "placement",
		"home", "narrative", "Picked up at a motel with an adult; charged with loitering (synthetic).", "concerns",
		concern ? concern : "");
	struct intake_created created;
	int r = svc_intake_create(ctx, body, NULL, errs, &created);
	if (step("record the demo report of Mo", r, errs, body, NULL) < 0)
		return r;
	*ret_intake = created.id;
	r = svc_intake_link(ctx, created.id, 0, 0, errs, ret_person);
	return step("record Mo as a child", r, errs, NULL, NULL);
}

static int relief(const struct svc_ctx *ctx, int64_t person, json_t *body, json_t *moves, struct field_errors *errs)
{
	json_t *rec = NULL, *out = NULL;
	int r = svc_relief_create(ctx, person, body, errs, &rec);
	if (step("record demo relief", r, errs, body, NULL) < 0) {
		json_decref(moves);
		return r;
	}
	int64_t rid = json_integer_value(json_object_get(rec, "id")), version = json_integer_value(json_object_get(rec, "version"));
	json_decref(rec);
	size_t i;
	json_t *m;
	json_array_foreach(moves, i, m)
	{
		struct case_conflict cf = {0};
		json_object_set_new(m, "version", json_integer(version++));
		r = svc_relief_update(ctx, rid, m, errs, &cf, &out);
		json_decref(cf.allowed);
		if (step("advance demo relief", r, errs, NULL, out) < 0)
			break;
	}
	json_decref(moves);
	return r;
}

int demo_child_page(const struct svc_ctx *ctx, int64_t person, int64_t case_id)
{
	(void)case_id;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int64_t intake = 0, mo = 0;
	const struct pack *p = ctx->app->pack;
	const struct pack_item *off = p->recovery.relief_offences;
	size_t noff = p->recovery.n_relief_offences;
	const char *first = demo_pick(off, noff, "prostitution", NULL, 0), *second = demo_pick(off, noff, "theft", first, 2);
	const char *town = demo_town(p, 0, 1, 4);
	char court[160];
	snprintf(court, sizeof court, "Juvenile court, %s (synthetic)", town ? town : demo_region_name(p, 0));
	if (!first || !second)
		return 0;
	struct case_conflict cf = {0};
	json_t *out = NULL, *body;
	int r = second_record(ctx, &errs, &intake, &mo);
	if (r == 0) {
		body = json_pack("{s:I, s:s}", "other_id", (json_int_t)mo, "reason",
				 "Mo is Morgan: the same birth date, school and aunt's address (synthetic).");
		r = svc_person_merge(ctx, person, body, &errs, &cf, &out);
		r = step("merge the demo records", r, &errs, body, out);
	}
	if (r == 0)
		r = relief(ctx, person,
			   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:I}]}", "court", court, "docket",
				     "JV-DEMO-0101", "offence", first, "offence_date", "2026-09-28", "relief_kind", "vacatur", "defence_notes",
				     "Picked up while under a trafficker's control (synthetic).", "links", "kind", "intake", "id",
				     (json_int_t)intake),
			   json_pack("[{s:s, s:s}, {s:s, s:s}]", "status", "petition_filed", "petition_filed_on", "2026-10-15",
				     "status", "granted", "outcome", "Vacated and erased (synthetic)."),
			   &errs);
	if (r == 0)
		r = relief(ctx, person,
			   json_pack("{s:s, s:s, s:s, s:s}", "court", court, "docket", "JV-DEMO-0144", "offence", second,
				     "relief_kind", "erasure"),
			   json_pack("[{s:s}]", "status", "petition_filed"), &errs);
	field_errors_done(&errs);
	json_decref(cf.allowed);
	if (r == 0)
		printf("  Demo child's page: a merged record and two relief petitions (one granted, one filed).\n");
	return r;
}
