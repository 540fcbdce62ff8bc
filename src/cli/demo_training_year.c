/* demo_training_year.c: a year of training in the demo (docs/training.md):
 * 360 synthetic people across the pack's audiences and regions, some of
 * them staff of four demo providers (every third a supervisor), and 44
 * sessions over the past year, about one a week across regions and
 * courses, each with the people of its audiences registered, nine in ten
 * attending and most of them completing. The second of the courses that
 * make a provider trafficking-informed takes only those who completed the
 * first before, train-the-trainer those who completed both, and
 * the sessions after a train-the-trainer session are led by the trainers
 * it certified, so that every figure (people, sessions, reach, providers
 * trafficking-informed over time) has a year to show. All through the
 * services, as the demo trainer. */
#include "cli/demo.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "model/pack.h"
#include "service/training.h"

#define PEOPLE 360
#define SESSIONS 44
#define PER_SESSION 18
#define STAFF_PROVIDERS 4

static const char *const given[] = {"Avery", "Blake", "Casey", "Dana", "Ellis", "Frankie", "Gray", "Harper",
				    "Indy", "Jordan", "Kai", "Logan", "Marlow", "Noel", "Oakley", "Peyton",
				    "Quincy", "Reese", "Skyler", "Tatum"};
static const char *const family[] = {"Abbott", "Bishop", "Carver", "Dalton", "Ellery", "Fairley", "Garner",
				     "Hollis", "Ingram", "Jessup", "Keller", "Lowry", "Mercer", "Norwood",
				     "Osgood", "Prescott", "Quimby", "Rowland"};

/* The courses of the year, in turn: the first trafficking-informed
 * course (-1), the second some weeks after it (-2), and between them the
 * pack's other courses (n: the n-th of them, taken round), with a
 * train-the-trainer session a third of the way in. */
static const int turn[] = {-1, 0, -1, 3, -2, 1, 5, -1, 2, 4, -2};
#define TURNS (sizeof turn / sizeof *turn)

struct year {
	const struct svc_ctx *ctx;
	const struct pack *pack;
	const struct pack_course *first, *second; /* the trafficking-informed courses */
	int64_t id[PEOPLE];
	int audience[PEOPLE]; /* index into the pack's audiences */
	bool done_day1[PEOPLE], done_day2[PEOPLE], trainer[PEOPLE];
	struct field_errors errs;
};

static int failed(struct year *y, const char *what, int r)
{
	char line[300] = "";
	if (y->errs.count)
		(void)field_error_format(&y->errs, 0, line, sizeof line);
	fprintf(stderr, "hartline: demo training: cannot %s: %s %s\n", what, err_str(r), line);
	return -1;
}

static int64_t out_id(json_t *out)
{
	int64_t id = json_integer_value(json_object_get(out, "id"));
	json_decref(out);
	return id;
}

static const char *organisation(const struct pack *p, int a, int region)
{
	static char buf[160];
	const char *audience = p->training.audiences[a].id;
	snprintf(buf, sizeof buf, "%s, region %d (synthetic)",
		 strncmp(audience, "police", 6) == 0 ? "Town police"
		 : strstr(audience, "judges")	      ? "Court"
		 : strncmp(audience, "youth", 5) == 0 ? "Youth program"
		 : a == 0			      ? p->short_name
						      : "Community agency",
		 region + 1);
	return buf;
}

static int add_people(struct year *y, const int64_t *providers, size_t np)
{
	const struct pack *p = y->pack;
	size_t na = p->training.n_audiences;
	for (int i = 0; i < PEOPLE; i++) {
		int a = (int)((size_t)i % na), reg = i % (int)(p->n_regions ? p->n_regions : 1);
		const char *aud = p->training.audiences[a].id;
		char name[64], email[96];
		snprintf(name, sizeof name, "%s %s", given[i % 20], family[(i / 20) % 18]);
		snprintf(email, sizeof email, "%s.%s.%d@example.org", given[i % 20], family[(i / 20) % 18], i);
		bool staff = strcmp(aud, "service_providers") == 0 && np > 0;
		json_t *out = NULL, *body = json_pack(
			"{s:s, s:s, s:s, s:s, s:b}", "name", name, "email", email, "organisation",
			organisation(p, a, reg), "audience", aud, "supervisor", staff && (i / (int)na) % 3 == 0);
		if (!body)
			return ERR_NOMEM;
		if (p->n_regions)
			json_object_set_new(body, "region", json_string(p->regions[reg].id));
		if (staff)
			json_object_set_new(body, "provider_id",
					    json_integer(providers[(size_t)(i / (int)na) % (np < STAFF_PROVIDERS ? np : STAFF_PROVIDERS)]));
		int r = svc_trainee_create(y->ctx, body, &y->errs, &out);
		json_decref(body);
		if (r < 0)
			return failed(y, "add a demo person trained", r);
		y->id[i] = out_id(out);
		y->audience[i] = a;
	}
	return 0;
}

static bool takes(const struct pack_course *c, const char *audience)
{
	for (size_t i = 0; i < c->n_audiences; i++)
		if (strcmp(c->audiences[i], audience) == 0)
			return true;
	return false;
}

/* Whether person i may come to course c now. */
static bool eligible(const struct year *y, const struct pack_course *c, int i)
{
	if (!takes(c, y->pack->training.audiences[y->audience[i]].id))
		return false;
	if (c == y->second)
		return y->done_day1[i] && !y->done_day2[i];
	if (c->trains_trainers)
		return y->done_day1[i] && y->done_day2[i] && !y->trainer[i];
	if (c == y->first)
		return !y->done_day1[i];
	return true;
}

static int schedule(struct year *y, const struct pack_course *c, int k, int64_t *ret)
{
	const struct pack *p = y->pack;
	hl_time t = now() - (hl_time)(360 - k * 8) * 86400 * HL_USEC_PER_SEC;
	char ts[32], a[32], b[32];
	if (time_format(t, ts, sizeof ts) < 0)
		return ERR_INVAL;
	snprintf(a, sizeof a, "%.10sT14:00:00Z", ts);
	snprintf(b, sizeof b, "%.10sT21:00:00Z", ts);
	json_t *trainers = json_array(), *out = NULL;
	for (int i = 0; trainers && i < PEOPLE && json_array_size(trainers) < 2; i++)
		if (y->trainer[(i + k) % PEOPLE])
			json_array_append_new(trainers, json_integer(y->id[(i + k) % PEOPLE]));
	json_t *body = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:o}", "course", c->id, "starts_at", a, "ends_at", b,
				 "capacity", 30, "region", p->n_regions ? p->regions[k % (int)p->n_regions].id : "",
				 "place", "Training room (synthetic)", "trainer_ids", trainers);
	if (!body)
		return ERR_NOMEM;
	int r = svc_tsession_create(y->ctx, body, &y->errs, &out);
	json_decref(body);
	if (r < 0)
		return failed(y, "schedule a demo session", r);
	*ret = out_id(out);
	return 0;
}

/* Session k of course c: registered, attended (nine in ten), completed
 * (most of those), and what each completed remembered. */
static int hold(struct year *y, const struct pack_course *c, int k)
{
	int64_t sid;
	int r = schedule(y, c, k, &sid);
	if (r < 0)
		return r;
	json_t *lines = json_array(), *out = NULL;
	int who[PER_SESSION], n = 0;
	for (int j = 0; lines && j < PEOPLE && n < PER_SESSION; j++) {
		int i = (j + k * 37) % PEOPLE;
		if (!eligible(y, c, i))
			continue;
		json_t *body = json_pack("{s:I}", "trainee_id", (json_int_t)y->id[i]);
		r = body ? svc_registration_create(y->ctx, sid, body, &y->errs, &out) : ERR_NOMEM;
		json_decref(body);
		if (r < 0) {
			json_decref(lines);
			return failed(y, "register a demo person", r);
		}
		bool attended = (n + k) % 10 != 9, completed = attended && (n + k) % 7 != 6;
		json_array_append_new(lines, json_pack("{s:I, s:b, s:b}", "registration_id", (json_int_t)out_id(out),
						       "attended", attended, "completed", completed));
		who[n++] = completed ? i : -1;
	}
	json_t *body = json_pack("{s:o}", "lines", lines);
	r = !body ? ERR_NOMEM : n == 0 ? 0 : svc_attendance_put(y->ctx, sid, body, &y->errs, &out);
	json_decref(body);
	if (r < 0)
		return failed(y, "take demo attendance", r);
	if (n > 0)
		json_decref(out);
	for (int m = 0; m < n; m++) {
		if (who[m] < 0)
			continue;
		if (c == y->first)
			y->done_day1[who[m]] = true;
		else if (c == y->second)
			y->done_day2[who[m]] = true;
		else if (c->trains_trainers)
			y->trainer[who[m]] = true;
	}
	return 0;
}

int demo_training_year(const struct svc_ctx *ctx)
{
	static struct year y; /* a few kilobytes a person: not on the stack */
	memset(&y, 0, sizeof y);
	y.ctx = ctx;
	y.pack = ctx->app->pack;
	const struct pack *p = y.pack;
	int64_t providers[STAFF_PROVIDERS];
	size_t np = 0;
	if (p->training.n_audiences == 0 || p->training.n_courses == 0 ||
	    demo_provider_ids(ctx->app, providers, STAFF_PROVIDERS, &np) < 0)
		return 0;
	field_errors_init(&y.errs, 4);
	int r = add_people(&y, providers, np), held = 0;
	const struct pack_course *ttt = NULL;
	for (size_t i = 0; i < p->training.n_courses; i++)
		if (p->training.courses[i].trains_trainers)
			ttt = &p->training.courses[i];
	y.first = demo_informed_course(p, 0);
	y.second = demo_informed_course(p, 1);
	/* The other courses, in the pack's order. */
	const struct pack_course *other[64];
	size_t n_other = 0;
	for (size_t i = 0; i < p->training.n_courses && n_other < 64; i++) {
		const struct pack_course *c = &p->training.courses[i];
		if (c != y.first && c != y.second && !c->trains_trainers)
			other[n_other++] = c;
	}
	for (int k = 0; r == 0 && k < SESSIONS; k++) {
		int t = turn[k % TURNS];
		const struct pack_course *c = k == SESSIONS / 3 && ttt ? ttt
					      : t == -1		? y.first
					      : t == -2		? y.second
					      : n_other		? other[(size_t)t % n_other]
								: NULL;
		if (!c)
			continue;
		if ((r = hold(&y, c, k)) == 0)
			held++;
	}
	field_errors_done(&y.errs);
	if (r < 0)
		return 1;
	printf("  Demo training year: %d people, %d sessions over the past year across regions and audiences.\n",
	       PEOPLE, held);
	return 0;
}
