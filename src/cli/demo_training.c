/* demo_training.c: training in the demo (docs/training.md): people
 * trained, some of them staff of the demo providers with supervisors; the
 * two courses that make a provider trafficking-informed (the pack's) held
 * with attendance, so that the demo provider demo-provider works for has
 * two staff who completed both; and an upcoming session with a waiting
 * list. All through the services as the
 * demo trainer. */
#include "cli/demo.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "base/str.h"
#include "service/training.h"
#include "service/users.h"

/* One call's outcome: 0, or -1 after printing what went wrong. */
static int step(const char *what, int r, struct field_errors *errs, json_t *body)
{
	json_decref(body);
	if (r == 0)
		return 0;
	char line[300] = "";
	if (errs->count)
		(void)field_error_format(errs, 0, line, sizeof line);
	fprintf(stderr, "hartline: demo training: cannot %s: %s %s\n", what, err_str(r), line);
	return -1;
}

/* The date days from today, at hour:00 UTC. */
static const char *day(char *out, size_t size, int days, int hour)
{
	hl_time t = now() + (hl_time)days * 86400 * HL_USEC_PER_SEC;
	char ts[32];
	if (time_format(t, ts, sizeof ts) < 0)
		ts[0] = '\0';
	snprintf(out, size, "%.10sT%02d:00:00Z", ts, hour);
	return out;
}

static int64_t made_id(json_t *out)
{
	int64_t id = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	return id;
}

static int schedule(const struct svc_ctx *ctx, const char *course, int days, int capacity, int64_t *ret)
{
	const struct pack *p = ctx->app->pack;
	char a[32], b[32], place[160];
	const char *town = demo_town(p, 0, 0, 0);
	snprintf(place, sizeof place, "Training center, %s (synthetic)", town ? town : demo_region_name(p, 0));
	json_t *out = NULL, *body = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "course", course, "starts_at",
					      day(a, sizeof a, days, 13), "ends_at", day(b, sizeof b, days, 20),
					      "capacity", capacity, "region", demo_region_id(p, 0), "place", place);
	struct field_errors errs;
	field_errors_init(&errs, 4);
	int r = svc_tsession_create(ctx, body, &errs, &out);
	r = step("schedule a demo session", r, &errs, body);
	field_errors_done(&errs);
	*ret = r == 0 ? made_id(out) : 0;
	return r;
}

/* Register each of n people in session s; then, with attend, all of
 * them attended and completed. */
static int fill(const struct svc_ctx *ctx, int64_t s, const int64_t *people, size_t n, bool attend)
{
	json_t *lines = json_array(), *out = NULL;
	struct field_errors errs;
	field_errors_init(&errs, 4);
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		json_t *body = json_pack("{s:I}", "trainee_id", (json_int_t)people[i]);
		r = step("register a demo person", svc_registration_create(ctx, s, body, &errs, &out), &errs, body);
		if (r == 0)
			json_array_append_new(lines, json_pack("{s:I, s:b, s:b}", "registration_id",
							       (json_int_t)made_id(out), "attended", 1, "completed", 1));
	}
	json_t *body = json_pack("{s:o}", "lines", lines);
	if (r == 0 && attend &&
	    (r = step("take demo attendance", svc_attendance_put(ctx, s, body, &errs, &out), &errs, NULL)) == 0)
		json_decref(out);
	json_decref(body);
	field_errors_done(&errs);
	return r;
}

int demo_training(struct app *app)
{
	struct actor a;
	actor_cli(&a);
	struct svc_ctx cli = {.app = app, .actor = &a, .client = "cli"};
	int64_t trainer_id = 0, providers[8];
	size_t np = 0;
	if (svc_users_find(&cli, "demo-trainer", &trainer_id) < 0 ||
	    demo_provider_ids(app, providers, 8, &np) < 0 || np < 2)
		return 0;
	a.user_id = trainer_id;
	str_copy(a.username, sizeof a.username, "demo-trainer");
	a.role = ROLE_TRAINER;
	struct svc_ctx ctx = {.app = app, .actor = &a, .client = "cli"};
	/* The audiences by meaning; the agency's own staff are the pack's
	 * first audience. An org of NULL: the agency's office in the region. */
	static const struct {
		const char *name, *org, *role, *audience;
		int provider; /* index into providers, or -1 */
		bool supervisor;
	} people[] = {
		{"Jamie Harbor", "Harbor Light (synthetic)", "Program director", "service_providers", 0, true},
		{"Riley Harbor", "Harbor Light (synthetic)", "Case manager", "service_providers", 0, false},
		{"Parker Second", "Second demo provider (synthetic)", "Advocate", "service_providers", 1, false},
		{"Quinn Social", NULL, "Social worker", NULL, -1, false},
		{"Sage Officer", "Police department (synthetic)", "Sergeant", "police_roll_call", -1, false},
		{"Taylor Nurse", "Example Hospital (synthetic)", "ED nurse", "medical_providers", -1, false},
		{"Morgan Teacher", "Example High School (synthetic)", "Counsellor", "educators", -1, false},
	};
	const struct pack *p = app->pack;
	const struct pack_course *first = demo_informed_course(p, 0), *second = demo_informed_course(p, 1);
	if (!first || !second || p->training.n_audiences == 0)
		return 0;
	char own_org[160];
	snprintf(own_org, sizeof own_org, "%s, %s (synthetic)", p->short_name, demo_region_name(p, 0));
	int64_t id[7];
	struct field_errors errs;
	field_errors_init(&errs, 4);
	for (size_t i = 0; i < 7; i++) {
		char email[80];
		snprintf(email, sizeof email, "%s@example.org", people[i].name);
		*strchr(email, ' ') = '.';
		const char *audience = demo_pick(p->training.audiences, p->training.n_audiences, people[i].audience, NULL, 0);
		json_t *out = NULL, *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "name", people[i].name,
						      "email", email, "organisation", people[i].org ? people[i].org : own_org,
						      "role_title", people[i].role, "audience", audience, "region",
						      demo_region_id(p, 0), "supervisor", people[i].supervisor);
		if (people[i].provider >= 0)
			json_object_set_new(body, "provider_id", json_integer(providers[people[i].provider]));
		if (step("add a demo person trained", svc_trainee_create(&ctx, body, &errs, &out), &errs,
			 body) < 0) {
			field_errors_done(&errs);
			return 1;
		}
		id[i] = made_id(out);
	}
	field_errors_done(&errs);
	int64_t d1, d2, next;
	if (schedule(&ctx, first->id, -60, 25, &d1) || fill(&ctx, d1, id, 5, true) ||
	    schedule(&ctx, second->id, -30, 25, &d2) || fill(&ctx, d2, id, 3, true) ||
	    schedule(&ctx, first->id, 14, 3, &next) || fill(&ctx, next, id + 4, 3, false) ||
	    fill(&ctx, next, id + 3, 1, false))
		return 1;
	printf("  Demo training: 7 people, two sessions held (%s, %s), an upcoming one with a waiting list.\n",
	       first->id, second->id);
	return demo_training_year(&ctx);
}
