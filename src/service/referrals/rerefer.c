/* rerefer.c: a declined referral re-referred to another provider in one
 * step: a new pending referral of the same case, service, reason and
 * urgency, pointing back at the declined one. */
#include "service/referrals/referrals_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "service/audit.h"
#include "service/mailer.h"
#include "service/sealed.h"

static const struct field_rule rerefer_fields[] = {
	{"provider_id", FT_ID, .required = true, .reason = "choose another provider", .label = "Provider"},
	{"note", FT_STRING, .max_len = REFERRAL_TEXT_MAX},
	{.key = NULL},
};
const struct schema svc_referral_rerefer_schema = {.name = "referral rereferral", .fields = rerefer_fields};

static int rerefer_write(struct db *db, const struct svc_ctx *ctx, const struct referral_row *row,
			 const json_t *body, const char *region, const char *name, const char *code,
			 int64_t *ret_id)
{
	char *reason = NULL;
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT reason FROM service_referral WHERE id = ?", "i", row->id);
	if (r < 0)
		return r;
	r = sealed_get(ctx->app, st, 0, "service_referral", "reason", row->id, &reason);
	db_finalize(st);
	if (r < 0)
		return r;
	/* Again inside the transaction: another may have re-referred it
	 * since the check before it (the unique key stops the rest). */
	int64_t again = 0;
	if ((r = db_int64f(db, &again, "SELECT id FROM service_referral WHERE rereferral_of = ? LIMIT 1", "i",
			   row->id)) != ERR_NOTFOUND) {
		free(reason);
		return r < 0 ? r : ERR_CONFLICT;
	}
	const char *note = json_get_str(body, "note");
	struct referral_new n = {
		.case_id = row->case_id,
		.person_id = row->person_id,
		.provider_id = json_integer_value(json_object_get(body, "provider_id")),
		.rereferral_of = row->id,
		.service = row->service,
		.region = region,
		.urgency = row->urgency,
		.reason = reason,
		.note = note && *note ? note : NULL,
		.provider_name = name,
		.provider_code = code,
		.referred_at = now() - now() % HL_USEC_PER_SEC,
	};
	r = referral_insert(db, ctx, &n, ret_id);
	free(reason);
	if (r < 0)
		return r;
	return svc_audit_appendf(db, ctx, "referral.rerefer", "referral", *ret_id, "of=%lld provider=%lld",
				 (long long)row->id, (long long)n.provider_id);
}

int svc_referral_rerefer(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
			 struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct referral_row row;
	struct case_head h;
	int r;
	if ((r = referral_enter(ctx, PERM_REFERRALS_WRITE, id, &db, &row, NULL)) < 0 ||
	    (r = case_load(db, row.case_id, &h)) < 0)
		return r;
	if (schema_check(&svc_referral_rerefer_schema, body, errs) < 0)
		return ERR_INVAL;
	if (row.status != REFERRAL_DECLINED) {
		referral_conflict(cf, "conflict", "only a declined referral is re-referred; this one is %s",
				  referral_status_label(row.status));
		return ERR_CONFLICT;
	}
	int64_t again = 0;
	if ((r = db_int64f(db, &again, "SELECT id FROM service_referral WHERE rereferral_of = ? LIMIT 1", "i", id)) !=
	    ERR_NOTFOUND) {
		if (r < 0)
			return r;
		referral_conflict(cf, "conflict", "referral %s is already re-referred", row.number);
		return ERR_CONFLICT;
	}
	if (strcmp(h.status, "closed") == 0) {
		referral_conflict(cf, "conflict", "case %s is closed: a closed case takes no new referral", h.number);
		return ERR_CONFLICT;
	}
	int64_t pid = json_integer_value(json_object_get(body, "provider_id"));
	char name[200] = "", code[64] = "";
	if (pid == row.provider_id) {
		field_error_add(errs, "provider_id", "%s declined this referral; choose another provider",
				row.provider_name);
		return ERR_INVAL;
	}
	if ((r = referral_provider_check(db, ctx->app->pack, pid, row.service, h.region, errs, name, code)) < 0)
		return r;
	int64_t nid = 0;
	if ((r = db_begin(db)) < 0 ||
	    (r = referral_end(db, rerefer_write(db, ctx, &row, body, h.region, name, code, &nid))) < 0) {
		/* Re-referred by another at the same time: the check inside
		 * the transaction, or the unique key on rereferral_of. */
		if (r == ERR_CONFLICT)
			referral_conflict(cf, "conflict", "referral %s is already re-referred", row.number);
		return r;
	}
	mailer_kick(ctx->app);
	return referral_json_by_id(db, ctx, nid, false, ret);
}
