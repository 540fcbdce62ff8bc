/* create.c: a child on a case referred to a provider for a service. */
#include "service/referrals/referrals_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "match/cmp.h"
#include "model/duty.h"
#include "service/audit.h"
#include "service/deadlines.h"
#include "service/mailer.h"
#include "service/numbers.h"
#include "service/sealed.h"

static const struct field_rule create_fields[] = {
	{"provider_id", FT_ID, .required = true, .reason = "choose a provider", .label = "Provider"},
	{"service", FT_STRING, .required = true, .max_len = 64, .reason = "choose a service", .label = "Service"},
	{"reason", FT_STRING, .required = true, .max_len = REFERRAL_TEXT_MAX},
	{"urgency", FT_STRING, .max_len = 16, .allowed = referral_urgencies},
	{"referred_at", FT_TIME, .required = false},
	{.key = NULL},
};
const struct schema svc_referral_create_schema = {.name = "referral create", .fields = create_fields};

/* How long the answer may take, in words, for the duty's basis. */
static void basis_text(const struct pack *p, const char *service, char *out, size_t size)
{
	int64_t minutes = pack_answer_minutes(p, service);
	if (minutes > 0 && minutes % 60 == 0)
		snprintf(out, size, "agency policy: answer within %lld hours", (long long)(minutes / 60));
	else if (minutes > 0)
		snprintf(out, size, "agency policy: answer within %lld minutes", (long long)minutes);
	else
		snprintf(out, size, "agency policy: answer within %d business day%s",
			 p->recovery.answer_business_days, p->recovery.answer_business_days == 1 ? "" : "s");
}

int referral_insert(struct db *db, const struct svc_ctx *ctx, const struct referral_new *n, int64_t *ret_id)
{
	const struct pack *p = ctx->app->pack;
	const struct pack_item *svc = pack_item_find(p->services, p->n_services, n->service);
	const char *service_name = svc ? svc->name : n->service;
	hl_time due = referral_due(p, n->service, n->referred_at);
	char ts[32], at[32], due_ts[32], number[24], name[300], basis[120];
	struct cmp_date today = cmp_date_local(n->referred_at / HL_USEC_PER_SEC);
	int64_t seq, id;
	int r;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = time_format(n->referred_at, at, sizeof at)) < 0 ||
	    (r = time_format(due, due_ts, sizeof due_ts)) < 0 ||
	    (r = svc_next_number(db, "referral", today.y, &seq)) < 0)
		return r;
	snprintf(number, sizeof number, "S-%04d-%04lld", today.y, (long long)seq);
	/* The duty reads well on the dashboard and in the sweep's notices. */
	snprintf(name, sizeof name, "Provider answer: %s (%s)", service_name, n->provider_name);
	basis_text(p, n->service, basis, sizeof basis);
	int64_t by = ctx->actor->user_id;
	if ((r = db_int64f(db, &id,
			   "INSERT INTO service_referral (number, case_id, person_id, provider_id, service, region, urgency,"
			   " status, referred_at, referred_by, answer_due_at, rereferral_of, created_at, updated_at)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, NULLIF(?, 0), ?, NULLIF(?, 0), ?, ?) RETURNING id",
			   "tiiittttititt", number, n->case_id, n->person_id, n->provider_id, n->service, n->region,
			   n->urgency, at, by > 0 ? by : (int64_t)0, due_ts, n->rereferral_of, ts, ts)) < 0)
		return r;
	int64_t step;
	if ((r = sealed_put(db, ctx->app, "service_referral", "reason", id, n->reason)) < 0 ||
	    (r = sealed_put(db, ctx->app, "service_referral", "note", id, n->note)) < 0 ||
	    (r = db_int64f(db, &step,
			   "INSERT INTO service_referral_step (referral_id, status, at, by_user)"
			   " VALUES (?, 'pending', ?, NULLIF(?, 0)) RETURNING id",
			   "iti", id, at, by > 0 ? by : (int64_t)0)) < 0 ||
	    (r = sealed_put(db, ctx->app, "service_referral_step", "note", step, n->note)) < 0 ||
	    /* The referring user owns the duty: the provider has no user to own
	     * it, and the referrer and HART get the sweep's notices. */
	    (r = duty_open_named(db, n->case_id, DUTY_REFERRAL_ANSWER, name, basis, "referral", id, n->referred_at, due,
				 by, NULL)) < 0)
		return r;
	char due_words[64];
	referral_time_words(due, due_words, sizeof due_words);
	if ((r = referral_notify_new(db, ctx->app, n->provider_code, id, number, service_name, n->urgency,
				     due_words)) < 0)
		return r;
	*ret_id = id;
	return 0;
}

/* The referral's time: referred_at when given (not in the future, to the
 * second), else now. false with errs when refused. */
static bool referred_time(const json_t *body, hl_time t, struct field_errors *errs, hl_time *ret)
{
	const char *s = json_get_str(body, "referred_at");
	hl_time x = t;
	if (s && *s && time_parse(s, &x) == 0 && x > t) {
		field_error_add(errs, "referred_at", "must not be in the future");
		return false;
	}
	*ret = x - x % HL_USEC_PER_SEC;
	return true;
}

/* A referral is of an open case: referred_at not before it was opened. */
static int check_after_opening(struct db *db, const struct case_head *h, hl_time at, struct field_errors *errs)
{
	char *opened = NULL;
	hl_time o = 0;
	int r = db_textf(db, &opened, "SELECT opened_at FROM child_case WHERE id = ?", "i", h->id);
	if (r == 0 && opened && time_parse(opened, &o) == 0 && at < o - o % HL_USEC_PER_SEC)
		field_error_add(errs, "referred_at", "Referred at: not before case %s was opened (%s)", h->number, opened);
	free(opened);
	return r;
}

/* What the schema cannot say: a service of the pack. */
static void check_service(const struct pack *p, const json_t *body, struct field_errors *errs)
{
	const char *service = json_get_str(body, "service");
	if (service && *service && !pack_item_find(p->services, p->n_services, service))
		field_error_add(errs, "service", "not one of the agency's services; choose one from the list");
}

static int create_write(const struct svc_ctx *ctx, struct db *db, const struct case_head *h, const json_t *body,
			hl_time at, const char *provider_name, const char *provider_code, int64_t *ret_id)
{
	const char *urgency = json_get_str(body, "urgency");
	struct referral_new n = {
		.case_id = h->id,
		.person_id = h->person_id,
		.provider_id = json_integer_value(json_object_get(body, "provider_id")),
		.service = json_get_str(body, "service"),
		.region = h->region,
		.urgency = urgency && *urgency ? urgency : "routine",
		.reason = json_get_str(body, "reason"),
		.provider_name = provider_name,
		.provider_code = provider_code,
		.referred_at = at,
	};
	int r = referral_insert(db, ctx, &n, ret_id);
	if (r < 0)
		return r;
	return svc_audit_appendf(db, ctx, "referral.create", "referral", *ret_id,
				 "case=%lld provider=%lld service=%s urgency=%s", (long long)h->id,
				 (long long)n.provider_id, n.service, n.urgency);
}

int svc_referral_create(const struct svc_ctx *ctx, int64_t case_id, const json_t *body, struct field_errors *errs,
			struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	int r;
	if ((r = svc_enter(ctx, PERM_REFERRALS_WRITE, &db)) < 0 || (r = case_load(db, case_id, &h)) < 0 ||
	    (r = referral_case_scope(ctx, db, &h)) < 0)
		return r;
	const struct pack *p = ctx->app->pack;
	hl_time at = now();
	if (schema_check(&svc_referral_create_schema, body, errs) == 0 || json_is_object(body)) {
		check_service(p, body, errs);
		if (referred_time(body, now(), errs, &at) && (r = check_after_opening(db, &h, at, errs)) < 0)
			return r;
	}
	char name[200] = "", code[64] = "";
	if (!field_errors_any(errs)) {
		int64_t pid = json_integer_value(json_object_get(body, "provider_id"));
		r = referral_provider_check(db, p, pid, json_get_str(body, "service"), h.region, errs, name, code);
		if (r < 0 && r != ERR_INVAL)
			return r;
	}
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (strcmp(h.status, "closed") == 0) {
		referral_conflict(cf, "conflict", "case %s is closed: a closed case takes no new referral", h.number);
		return ERR_CONFLICT;
	}
	int64_t id = 0;
	if ((r = db_begin(db)) < 0 ||
	    (r = referral_end(db, create_write(ctx, db, &h, body, at, name, code, &id))) < 0)
		return r;
	mailer_kick(ctx->app);
	return referral_json_by_id(db, ctx, id, false, ret);
}
