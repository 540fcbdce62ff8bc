/* demo_plans.c: the demo case's safety plan (two versions) and service
 * plan, written through the plans service (synthetic). */
#include <stdio.h>

#include "base/err.h"
#include "base/json.h"
#include "cli/demo.h"
#include "service/plans.h"

/* Write a version of the case's plan of kind (body is taken); print why not. */
static int put(const struct svc_ctx *ctx, int64_t case_id, const char *kind, json_t *body)
{
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct case_conflict cf = {0};
	json_t *got = NULL;
	int r = body ? svc_plan_put(ctx, case_id, kind, body, &errs, &cf, &got) : ERR_NOMEM;
	if (r < 0) {
		char line[300];
		for (size_t i = 0; i < errs.count && field_error_format(&errs, i, line, sizeof line) == 0; i++)
			fprintf(stderr, "hartline demo: %s plan: %s\n", kind, line);
		fprintf(stderr, "hartline demo: write the demo %s plan: %s\n", kind, err_str(r));
	}
	json_decref(got);
	json_decref(body);
	json_decref(cf.allowed);
	field_errors_done(&errs);
	return r;
}

int demo_plans(const struct svc_ctx *ctx, int64_t case_id)
{
	/* The services by meaning, the pack's own where it names others. */
	const struct pack *p = ctx->app->pack;
	const struct pack_item *sv = p->services;
	size_t ns = p->n_services;
	const char *foster = demo_pick(sv, ns, "specialized_foster_care", NULL, 0);
	const char *advocacy = demo_pick(sv, ns, "victim_advocacy", NULL, 5);
	const char *group = demo_pick(sv, ns, "my_life_my_choice", advocacy, 6);
	const char *clinical = demo_pick(sv, ns, "clinical_services", NULL, 4);
	const char *mentoring = demo_pick(sv, ns, "mentoring", NULL, 3);
	if (!foster)
		return 0;
	/* Version 1, then a review that changed it: version 2. */
	int r = put(ctx, case_id, PLAN_KIND_SAFETY,
		    json_pack("{s:i, s:[{s:s, s:[s], s:s}, {s:s, s:[s], s:s}]}", "version", 0, "goals", "goal",
			      "Morgan stays with her aunt every night and keeps her phone charged (synthetic).",
			      "services", foster, "responsible", "Aunt, with the regional liaison",
			      "goal", "Meets her victim advocate weekly (synthetic).", "services", advocacy,
			      "responsible", "Victim advocate, Advocacy Org"));
	if (r == 0)
		r = put(ctx, case_id, PLAN_KIND_SAFETY,
			json_pack("{s:i, s:[{s:s, s:[s], s:s}, {s:s, s:[s, s], s:s, s:n}, {s:s, s:[], s:s}]}", "version", 1,
				  "goals", "goal",
				  "Morgan stays with her aunt every night and keeps her phone charged (synthetic).",
				  "services", foster, "responsible", "Aunt, with the regional liaison",
				  "goal", "Meets her victim advocate weekly and starts a support group (synthetic).",
				  "services", advocacy, group, "responsible",
				  "Victim advocate, Advocacy Org", "target_date", "goal",
				  "No contact with the adult named in the report; school alerts the liaison (synthetic).",
				  "services", "responsible", "School counselor"));
	if (r == 0)
		r = put(ctx, case_id, PLAN_KIND_SERVICE,
			json_pack("{s:i, s:[{s:s, s:[s], s:s}, {s:s, s:[s], s:s}]}", "version", 0, "goals", "goal",
				  "Trauma-focused counselling every week (synthetic).", "services", clinical,
				  "responsible", "Clinic (synthetic)", "goal", "A mentor for the school year (synthetic).",
				  "services", mentoring, "responsible", "Mentoring program (synthetic)"));
	if (r == 0)
		printf("  Demo plans: a safety plan in two versions and a service plan.\n");
	return r;
}
