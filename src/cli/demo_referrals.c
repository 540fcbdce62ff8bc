/* demo_referrals.c: service referrals of `hartline demo --cases`
 * (src/cli/demo.h), one in each status, on the demo cases to the demo
 * providers, made and answered through the services: HART refers, the
 * provider's side (demo-provider for its own agency) answers. Every reason
 * and note is made up. */
#include "cli/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "base/str.h"
#include "db/db.h"
#include "service/casehead.h"
#include "service/ctx.h"
#include "service/providers.h"
#include "service/referrals.h"
#include "service/users.h"

/* One referral of the demo: the case (an index into the cases given), the
 * service, how long ago, and the moves the provider (or HART, for a
 * withdrawal) makes, each "status" or "status:code". */
struct demo_ref {
	int kase;
	const char *service, *urgency, *reason;
	int hours_ago;
	const char *moves[4];
	bool rerefer; /* declined, then re-referred to another provider */
};

static const struct demo_ref plan[] = {
	{0, "mentoring", "routine", "Avery asked for a mentor who has been through it (synthetic).", 3, {NULL}, false},
	{1, NULL, "emergency", "Jordan may be found tonight; a responder should meet them (synthetic).",
	 6, {NULL}, false},
	{2, "clinical_services", "urgent", "Trauma-focused assessment after the forensic interview (synthetic).", 50,
	 {"accepted", NULL}, false},
	{2, "survivor_care_long_term", "routine", "Long-term survivor support at home (synthetic).", 70,
	 {"accepted", "started", NULL}, false},
	{2, "victim_advocacy", "routine", "An advocate through the court process (synthetic).", 400,
	 {"accepted", "started", "completed:goals_met", NULL}, false},
	{2, "my_life_my_choice", "routine", "The curriculum with a peer group (synthetic).", 300,
	 {"accepted", "started", "ended:child_declined", NULL}, false},
	{2, "not_a_number", "routine", "Prevention group at school (synthetic).", 30, {"withdrawn", NULL}, false},
	{0, NULL, "urgent", "A responder to meet Avery after the interview (synthetic).", 26,
	 {"declined:no_opening", NULL}, true},
};

static int say(const char *what, int r, struct field_errors *errs)
{
	if (r >= 0)
		return 0;
	char line[300];
	fprintf(stderr, "hartline demo: %s: %s\n", what, err_str(r));
	for (size_t i = 0; errs && i < errs->count && field_error_format(errs, i, line, sizeof line) == 0; i++)
		fprintf(stderr, "  %s\n", line);
	return r;
}

/* The provider of service in region that is not `not`: demo-provider's own
 * agency when it offers it, else the one with the most openings. */
static int pick(const struct svc_ctx *hart, const char *service, const char *region, int64_t not, int64_t *ret_id,
		char code[64])
{
	char own[64];
	demo_provider_code(DEMO_PROVIDER_STEM, demo_region_id(hart->app->pack, 0), own, sizeof own);
	struct provider_filter f = {.service = service, .region = region, .age = -1, .by_openings = true};
	struct field_errors errs;
	field_errors_init(&errs, 5);
	json_t *page = NULL;
	int r = svc_providers_search(hart, &f, &errs, &page);
	if (say("find a demo provider", r, &errs) < 0) {
		field_errors_done(&errs);
		return r;
	}
	field_errors_done(&errs);
	size_t i;
	json_t *p, *chosen = NULL;
	json_array_foreach(json_object_get(page, "items"), i, p)
	{
		int64_t id = json_integer_value(json_object_get(p, "id"));
		const char *c = json_string_value(json_object_get(p, "code"));
		if (id == not || !c)
			continue;
		if (!chosen || strcmp(c, own) == 0)
			chosen = p;
	}
	r = chosen ? 0 : ERR_NOTFOUND;
	if (chosen) {
		*ret_id = json_integer_value(json_object_get(chosen, "id"));
		r = str_copy(code, 64, json_string_value(json_object_get(chosen, "code")));
	} else {
		fprintf(stderr, "hartline demo: no demo provider offers %s in %s\n", service, region);
	}
	json_decref(page);
	return r;
}

/* The provider's side of the move: demo-provider for its own agency, else
 * a staff member of that agency without an account (user 0). */
static void provider_actor(const struct svc_ctx *hart, const char *code, struct actor *a, struct svc_ctx *ctx)
{
	char own[64];
	demo_provider_code(DEMO_PROVIDER_STEM, demo_region_id(hart->app->pack, 0), own, sizeof own);
	memset(a, 0, sizeof *a);
	a->role = ROLE_PROVIDER;
	(void)str_copy(a->scope, sizeof a->scope, code);
	(void)str_copy(a->username, sizeof a->username, "demo-provider-staff");
	if (strcmp(code, own) == 0 && svc_users_find(hart, "demo-provider", &a->user_id) == 0)
		(void)str_copy(a->username, sizeof a->username, "demo-provider");
	*ctx = (struct svc_ctx){.app = hart->app, .actor = a, .client = "cli"};
}

/* Move referral id (now at version) by the moves, each "status" or
 * "status:code". */
static int answer(const struct svc_ctx *hart, const char *code, json_t *ref, const char *const *moves)
{
	struct actor a;
	struct svc_ctx pctx;
	provider_actor(hart, code, &a, &pctx);
	int r = 0;
	json_t *now = json_incref(ref);
	for (size_t i = 0; r == 0 && moves[i]; i++) {
		char status[32];
		const char *colon = strchr(moves[i], ':');
		int len = snprintf(status, sizeof status, "%.*s", (int)(colon ? colon - moves[i] : (long)strlen(moves[i])),
				   moves[i]);
		if (len < 0 || (size_t)len >= sizeof status) {
			r = ERR_INVAL;
			break;
		}
		json_t *body = json_pack("{s:O, s:s}", "version", json_object_get(now, "version"), "status", status);
		if (body && colon &&
		    json_object_set_new(body, strcmp(status, "completed") == 0 ? "outcome" : "reason_code",
					json_string(colon + 1)) < 0) {
			json_decref(body);
			body = NULL;
		}
		struct field_errors errs;
		field_errors_init(&errs, 5);
		struct case_conflict cf = {0};
		json_t *next = NULL;
		r = body ? svc_referral_update(strcmp(status, "withdrawn") == 0 ? hart : &pctx,
					       json_integer_value(json_object_get(now, "id")), body, &errs, &cf, &next)
			 : ERR_NOMEM;
		r = say("answer a demo referral", r, &errs);
		field_errors_done(&errs);
		json_decref(cf.allowed);
		json_decref(body);
		if (r == 0) {
			json_decref(now);
			now = next;
		}
	}
	json_decref(now);
	return r;
}

/* The service plan[i] asks for: its own, or (NULL) the one rapid response
 * dispatch offers in this pack. */
static const char *wanted(const struct pack *p, size_t i)
{
	return plan[i].service ? plan[i].service : p->cases.rapid_response_service;
}

/* The service of plan[i]: the one it asks for when the pack has it, else
 * one of the pack's that no other referral of the same case uses. */
static const char *service_of(const struct pack *p, size_t i)
{
	const struct demo_ref *d = &plan[i];
	const char *want = wanted(p, i);
	if (want && pack_item_find(p->services, p->n_services, want))
		return want;
	for (size_t k = 0; k < p->n_services; k++) {
		const char *cand = p->services[k].id;
		bool used = false;
		for (size_t j = 0; j < sizeof plan / sizeof plan[0] && !used; j++) {
			if (j == i || plan[j].kase != d->kase)
				continue;
			const char *wj = wanted(p, j);
			const char *other = j < i ? service_of(p, j)
				: wj && pack_item_find(p->services, p->n_services, wj) ? wj
										       : NULL;
			used = other && strcmp(other, cand) == 0;
		}
		if (!used)
			return cand;
	}
	return NULL;
}

static int one(const struct svc_ctx *hart, const struct demo_ref *d, const char *service, const int64_t *cases,
	       size_t n, int *made)
{
	struct case_head h = {0};
	struct db *db;
	int r = 0;
	if (!service)
		return 0;
	if ((size_t)d->kase >= n || (r = app_db(hart->app, &db)) < 0 || (r = case_load(db, cases[d->kase], &h)) < 0)
		return d->kase >= (int)n ? 0 : r;
	int64_t pid = 0;
	char code[64], at[32];
	if ((r = pick(hart, service, h.region, 0, &pid, code)) < 0)
		return r == ERR_NOTFOUND ? 0 : r;
	/* Hours ago, but never before the case was opened (the service
	 * refuses that): the demo's cases are opened just now. */
	char *opened = NULL;
	hl_time t = now() - (int64_t)d->hours_ago * 3600 * HL_USEC_PER_SEC, o = 0;
	if ((r = db_textf(db, &opened, "SELECT opened_at FROM child_case WHERE id = ?", "i", h.id)) < 0)
		return r;
	if (opened && time_parse(opened, &o) == 0 && t < o)
		t = o;
	free(opened);
	if ((r = time_format(t, at, sizeof at)) < 0)
		return r;
	json_t *body = json_pack("{s:I, s:s, s:s, s:s, s:s}", "provider_id", (json_int_t)pid, "service", service,
				 "urgency", d->urgency, "reason", d->reason, "referred_at", at);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct case_conflict cf = {0};
	json_t *ref = NULL;
	r = body ? svc_referral_create(hart, h.id, body, &errs, &cf, &ref) : ERR_NOMEM;
	r = say("make a demo referral", r, &errs);
	field_errors_done(&errs);
	json_decref(cf.allowed);
	json_decref(body);
	if (r == 0)
		(*made)++;
	if (r == 0 && d->moves[0])
		r = answer(hart, code, ref, d->moves);
	if (r == 0 && d->rerefer) {
		int64_t other = 0;
		char other_code[64];
		if ((r = pick(hart, service, h.region, pid, &other, other_code)) == 0) {
			json_t *again = NULL;
			body = json_pack("{s:I, s:s}", "provider_id", (json_int_t)other, "note",
					 "The first provider had no opening (synthetic).");
			field_errors_init(&errs, 10);
			r = body ? svc_referral_rerefer(hart, json_integer_value(json_object_get(ref, "id")), body, &errs,
							&cf, &again)
				 : ERR_NOMEM;
			r = say("re-refer a demo referral", r, &errs);
			field_errors_done(&errs);
			json_decref(cf.allowed);
			json_decref(body);
			json_decref(again);
			if (r == 0)
				(*made)++;
		} else if (r == ERR_NOTFOUND) {
			r = 0;
		}
	}
	json_decref(ref);
	return r;
}

int demo_referrals(const struct svc_ctx *hart, const int64_t *cases, size_t n)
{
	int made = 0;
	for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
		if (one(hart, &plan[i], service_of(hart->app->pack, i), cases, n, &made) < 0)
			return 1;
	printf("  Demo service referrals: %d, one in each status, to the demo providers.\n", made);
	return 0;
}
