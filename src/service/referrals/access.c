/* access.c: a referral loaded in the actor's scope, the checks of a
 * provider that is to take a referral, the answer deadline in the pack's
 * zone, and the end of a write. */
#include "service/referrals/referrals_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/teams.h"

int referral_load(struct db *db, int64_t id, struct referral_row *ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT r.id, r.case_id, r.person_id, r.provider_id, r.referred_by, r.rereferral_of, r.version,"
			" r.number, r.service, r.region, r.urgency, r.reason_code, r.outcome, r.referred_at,"
			" r.answer_due_at, p.code, p.name, r.status"
			" FROM service_referral r JOIN provider p ON p.id = r.provider_id WHERE r.id = ?",
			"i", id);
	if (r < 0)
		return r;
	struct referral_row *w = ret;
	memset(w, 0, sizeof *w);
	int64_t *ints[] = {&w->id, &w->case_id, &w->person_id, &w->provider_id, &w->referred_by, &w->rereferral_of,
			   &w->version};
	for (int i = 0; i < 7; i++)
		*ints[i] = db_column_is_null(st, i) ? 0 : db_column_int64(st, i);
	struct {
		char *dst;
		size_t size;
	} texts[] = {{w->number, sizeof w->number},	      {w->service, sizeof w->service},
		     {w->region, sizeof w->region},	      {w->urgency, sizeof w->urgency},
		     {w->reason_code, sizeof w->reason_code}, {w->outcome, sizeof w->outcome},
		     {w->referred_at, sizeof w->referred_at}, {w->answer_due_at, sizeof w->answer_due_at},
		     {w->provider_code, sizeof w->provider_code}, {w->provider_name, sizeof w->provider_name}};
	for (int i = 0; r == 0 && i < 10; i++) {
		const char *s = db_column_text(st, 7 + i);
		r = str_copy(texts[i].dst, texts[i].size, s ? s : "");
	}
	if (r == 0 && referral_status_parse(db_column_text(st, 17), &w->status) < 0)
		r = ERR_DB;
	db_finalize(st);
	return r;
}

/* Whether the actor reaches a referral of case h: 1 yes, 0 no (why set),
 * or a database error. */
static int in_scope(const struct svc_ctx *ctx, struct db *db, const struct referral_row *row, const char **why,
		    bool *ret_provider)
{
	const struct actor *a = ctx->actor;
	struct case_head h;
	int r;
	switch (a->role) {
	case ROLE_HART:
		return 1;
	case ROLE_PROVIDER:
		*ret_provider = true;
		*why = "referral to another agency";
		return a->scope[0] && strcmp(a->scope, row->provider_code) == 0;
	case ROLE_LIAISON:
		if ((r = case_load(db, row->case_id, &h)) < 0)
			return r;
		*why = "referral of a case outside the liaison's region";
		return strcmp(h.region, a->scope) == 0;
	case ROLE_MDT:
		*why = "referral of a case not reviewed by the member's team";
		return teams_case_visible(db, row->case_id, a->scope);
	default:
		*why = "referral outside the role";
		return 0;
	}
}

int referral_enter(const struct svc_ctx *ctx, enum perm perm, int64_t id, struct db **ret_db,
		   struct referral_row *row, bool *ret_provider)
{
	bool provider = false;
	const char *why = NULL;
	int r;
	if ((r = svc_enter(ctx, perm, ret_db)) < 0 || (r = referral_load(*ret_db, id, row)) < 0 ||
	    (r = in_scope(ctx, *ret_db, row, &why, &provider)) < 0)
		return r;
	if (r == 0) {
		char oid[24];
		snprintf(oid, sizeof oid, "%lld", (long long)id);
		svc_audit_denial(ctx, why, "referral", oid);
		return ERR_NOTFOUND;
	}
	if (ret_provider)
		*ret_provider = provider;
	return 0;
}

int referral_case_scope(const struct svc_ctx *ctx, struct db *db, const struct case_head *h)
{
	(void)db;
	const struct actor *a = ctx->actor;
	if (a->role == ROLE_HART || (a->role == ROLE_LIAISON && strcmp(h->region, a->scope) == 0))
		return 0;
	char oid[24];
	snprintf(oid, sizeof oid, "%lld", (long long)h->id);
	svc_audit_denial(ctx, a->role == ROLE_LIAISON ? "case outside the liaison's region" : "case outside the role",
			 "case", oid);
	return ERR_PERM;
}

int referral_provider_check(struct db *db, const struct pack *p, int64_t provider_id, const char *service,
			    const char *region, struct field_errors *errs, char ret_name[200], char ret_code[64])
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT p.name, p.active,"
			" (SELECT count(*) FROM provider_offer o WHERE o.provider_id = p.id AND o.kind = 'service'"
			"  AND o.value = ?),"
			" (SELECT count(*) FROM provider_offer o WHERE o.provider_id = p.id AND o.kind = 'region'"
			"  AND o.value = ?), p.code"
			" FROM provider p WHERE p.id = ?",
			"tti", service, region, provider_id);
	if (r == ERR_NOTFOUND) {
		field_error_add(errs, "provider_id", "there is no such provider; choose one from the directory");
		return ERR_INVAL;
	}
	if (r < 0)
		return r;
	const struct pack_item *svc = pack_item_find(p->services, p->n_services, service);
	const struct pack_region *reg = pack_region(p, region);
	const char *name = db_column_text(st, 0);
	bool active = db_column_int64(st, 1) != 0, offers = db_column_int64(st, 2) > 0,
	     serves = db_column_int64(st, 3) > 0;
	r = str_copy(ret_name, 200, name ? name : "");
	if (r == 0)
		r = str_copy(ret_code, 64, db_column_text(st, 4) ? db_column_text(st, 4) : "");
	if (!active)
		field_error_add(errs, "provider_id", "%s is not taking referrals (inactive); choose another provider",
				ret_name);
	else if (!offers)
		field_error_add(errs, "provider_id", "%s does not offer %s; choose a provider that does", ret_name,
				svc ? svc->name : service);
	else if (!serves)
		field_error_add(errs, "provider_id", "%s does not serve %s, the case's region; choose a provider that does",
				ret_name, reg ? reg->name : region);
	db_finalize(st);
	if (r < 0)
		return r;
	return active && offers && serves ? 0 : ERR_INVAL;
}

/* The offset from UTC at t in the process's zone, which is the pack's
 * (app_open sets TZ). */
static int64_t process_zone_offset(hl_time t, void *arg)
{
	(void)arg;
	time_t secs = (time_t)(t / HL_USEC_PER_SEC);
	struct tm tm;
	if (!localtime_r(&secs, &tm))
		return 0;
	return (int64_t)tm.tm_gmtoff;
}

hl_time referral_due(const struct pack *p, const char *service, hl_time referred_at)
{
	return referral_answer_due(referred_at, pack_answer_minutes(p, service), p->recovery.answer_business_days,
				   process_zone_offset, NULL);
}

void referral_time_words(hl_time t, char *out, size_t size)
{
	time_t secs = (time_t)(t / HL_USEC_PER_SEC);
	struct tm tm;
	if (!localtime_r(&secs, &tm) || strftime(out, size, "%a %e %b %Y %H:%M %Z", &tm) == 0)
		(void)time_format(t, out, size);
}

void referral_conflict(struct case_conflict *cf, const char *slug, const char *fmt, ...)
{
	if (!cf)
		return;
	cf->slug = slug;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cf->detail, sizeof cf->detail, fmt, ap);
	va_end(ap);
}

int referral_end(struct db *db, int r)
{
	if (r >= 0 && (r = db_commit(db)) >= 0)
		return 0;
	db_rollback(db);
	return r;
}
