/* update.c: changing a case's status, victim status, type, petition and
 * lead, each change on the timeline where it matters and in one audit
 * record. */
#include "service/cases/cases_int.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"
#include "model/casestate.h"
#include "service/deadlines.h"
#include "service/figures.h"
#include "service/relief.h"

static const char *const statuses[] = {"open", "response", "services", "monitoring", "closed", NULL};
static const char *const victim_statuses[] = {"none", "at_risk", "suspected", "confirmed", NULL};
static const char *const petitions[] = {"none", "planned", "filed", "granted", "denied", NULL};

static const struct field_rule update_fields[] = {
	{.key = "version", .type = FT_INT, .required = true, .reason = "reload the case and try again", .label = "The case you read"},
	{.key = "status", .type = FT_STRING, .max_len = 32, .allowed = statuses},
	{.key = "victim_status", .type = FT_STRING, .max_len = 32, .allowed = victim_statuses},
	{.key = "identified_at", .type = FT_TIME},
	{.key = "trafficking_type", .type = FT_STRING, .max_len = 64},
	{.key = "uncared_for", .type = FT_BOOL},
	{.key = "petition_status", .type = FT_STRING, .max_len = 32, .allowed = petitions},
	{.key = "lead_user_id", .type = FT_ID, .nullable = true, .reason = "choose a lead from the list", .label = "Lead"},
	{.key = "closure_reason", .type = FT_STRING, .max_len = 64},
	{.key = "close_anyway", .type = FT_STRING, .max_len = 2000},
	{.key = NULL},
};
const struct schema svc_case_update_schema = {.name = "case update", .fields = update_fields};

/* What a change asks for, once checked. A key given (even null) is a
 * change of that field. */
struct update_req {
	int64_t version;
	const char *status; /* NULL: unchanged */
	enum case_status from_status, to_status;
	bool status_change;
	const char *victim; /* NULL: unchanged */
	enum victim_status cur_victim, new_victim;
	bool has_identified;
	hl_time identified;
	bool set_type;
	const char *traffic; /* NULL: none */
	const json_t *uf;    /* true or false, or NULL: unchanged */
	const char *petition;
	bool set_lead;
	int64_t lead;               /* 0: none */
	const char *closure_reason; /* closing: why, of the pack's list */
	const char *close_anyway;   /* closing with open work: why all the same */
};

/* The body's rules beyond its schema: the pack's types, the lead, and an
 * identification time only with an identification. */
static int check_input(struct app *app, struct db *db, const struct case_head *h, const json_t *body,
		       struct field_errors *errs, struct update_req *q)
{
	int r;
	if (schema_check(&svc_case_update_schema, body, errs) < 0 && !json_is_object(body))
		return ERR_INVAL;
	/* The schema lets "" pass as no value; a change here names one. */
	static const struct {
		const char *key, *values;
	} named[] = {
		{"status", "Status: choose one from the list"},
		{"victim_status", "Victim status: choose one from the list"},
		{"petition_status", "Petition: choose one from the list"},
	};
	for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
		const char *v = json_string_value(json_object_get(body, named[i].key));
		if (v && !*v)
			field_error_add(errs, named[i].key, "%s", named[i].values);
	}
	/* Care is either given or not: null is not a third answer. */
	if (json_is_null(json_object_get(body, "uncared_for")))
		field_error_add(errs, "uncared_for", "Without care: answer yes or no");
	q->version = json_integer_value(json_object_get(body, "version"));
	q->status = cases_str(body, "status");
	q->closure_reason = cases_str(body, "closure_reason");
	q->close_anyway = cases_str(body, "close_anyway");
	bool closing = q->status && strcmp(q->status, "closed") == 0 && strcmp(h->status, "closed") != 0;
	const struct pack_recovery *rec = &app->pack->recovery;
	if (closing && !q->closure_reason)
		field_error_add(errs, "closure_reason", "Choose why the case is closed.");
	else if (q->closure_reason && !pack_item_find(rec->closure_reasons, rec->n_closure_reasons, q->closure_reason))
		field_error_add(errs, "closure_reason", "Choose a closure reason from the list.");
	if (!closing && (q->closure_reason || q->close_anyway))
		field_error_add(errs, q->closure_reason ? "closure_reason" : "close_anyway",
				"Give it only when you close the case.");
	q->victim = cases_str(body, "victim_status");
	q->has_identified = cases_time_past(body, "identified_at", now(), errs, &q->identified);
	q->set_type = json_object_get(body, "trafficking_type") != NULL;
	q->traffic = cases_str(body, "trafficking_type");
	if (q->traffic && !pack_item_find(app->pack->trafficking_types, app->pack->n_trafficking_types, q->traffic))
		field_error_add(errs, "trafficking_type", "unknown trafficking type \"%.40s\"", q->traffic);
	q->uf = json_is_boolean(json_object_get(body, "uncared_for")) ? json_object_get(body, "uncared_for") : NULL;
	q->petition = cases_str(body, "petition_status");
	q->set_lead = json_object_get(body, "lead_user_id") != NULL;
	q->lead = json_integer_value(json_object_get(body, "lead_user_id"));
	if (q->lead > 0 && (r = cases_check_lead(db, q->lead, h->region, "lead_user_id", errs)) < 0)
		return r;
	/* identified_at goes with an identification: now or before. */
	q->cur_victim = VICTIM_NONE;
	if (victim_status_parse(h->victim, &q->cur_victim) < 0)
		q->cur_victim = VICTIM_NONE;
	q->new_victim = q->cur_victim;
	if (q->victim && victim_status_parse(q->victim, &q->new_victim) < 0)
		q->new_victim = q->cur_victim;
	if (q->has_identified && !victim_status_identifies(q->new_victim) && !h->identified)
		field_error_add(errs, "identified_at",
				"Identified: the child is not identified as a victim; set the victim status to suspected or confirmed first");
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

/* Whether the change may be made to the case as it is: the version read,
 * a transition allowed, and nothing but the status of a closed case. */
static int decide(const struct case_head *h, struct update_req *q, struct case_conflict *cf)
{
	if (q->version != h->version) {
		cases_conflict(cf, "case %s changed since it was read (version %lld, now %lld): read it again",
			       h->number, (long long)q->version, (long long)h->version);
		cases_stale(cf);
		return ERR_CONFLICT;
	}
	q->from_status = q->to_status = CASE_OPEN;
	if (case_status_parse(h->status, &q->from_status) < 0 ||
	    (q->status && case_status_parse(q->status, &q->to_status) < 0))
		return ERR_INVAL;
	q->status_change = q->status && q->to_status != q->from_status;
	if (q->status_change && !case_status_may(q->from_status, q->to_status)) {
		if (cf) {
			cf->slug = "illegal-transition";
			snprintf(cf->detail, sizeof cf->detail, "a case that is %s cannot become %s", h->status,
				 q->status);
			cf->allowed = cases_allowed_json(h->status);
		}
		return ERR_CONFLICT;
	}
	bool any_other = q->victim || q->has_identified || q->set_type || q->uf || q->petition || q->set_lead;
	if (q->from_status == CASE_CLOSED && any_other) {
		cases_conflict(cf, "case %s is closed", h->number);
		return ERR_CONFLICT;
	}
	return 0;
}

static int write_status(const struct svc_ctx *ctx, struct db *db, const struct case_head *h,
			const struct update_req *q, hl_time t, struct buf *detail)
{
	char ts[32];
	time_str(t, ts);
	int64_t n = 0;
	/* Only from the status read: the counts move from it (service/counts.h). */
	int r = db_execnf(db, &n,
			  "UPDATE child_case SET status = ?, closed_at = CASE WHEN ? = 'closed' THEN ? ELSE NULL END"
			  " WHERE id = ? AND status = ? RETURNING id",
			  "tttit", q->status, q->status, ts, h->id, h->status);
	if (r == 0 && n != 1)
		r = ERR_CONFLICT;
	if (r < 0 || (r = counts_case_status(db, h->region, h->status, q->status)) < 0 ||
	    (r = cases_event_packf(db, ctx, h->id, "status_change", t, "{s:s, s:s}", "from", h->status, "to",
				   q->status)) < 0)
		return r;
	return buf_printf(detail, " status=%s->%s", h->status, q->status);
}

/* The duty to report to law enforcement follows the identification: opened
 * at the first, moved when its time is corrected. */
static int identification_duty(struct app *app, struct db *db, int64_t id, bool first, const struct update_req *q,
			       hl_time ident)
{
	const struct pack_deadline *le = pack_deadline(app->pack, duty_kind_to_string(DUTY_LAW_ENFORCEMENT_REPORT));
	int r;
	if (first) {
		r = duty_open_pack(db, app->pack, id, DUTY_LAW_ENFORCEMENT_REPORT, "case", id, ident, 0, NULL);
		/* A pack without the duty owes none. */
		if (r < 0 && r != ERR_NOTFOUND)
			return r;
	} else if (q->has_identified && le) {
		if ((r = duty_move(db, DUTY_LAW_ENFORCEMENT_REPORT, "case", id, ident + le->minutes * MINUTE)) < 0)
			return r;
	} else {
		return 0;
	}
	return cases_meet_with_recorded_report(db, app->pack, id, ident);
}

static int write_victim(const struct svc_ctx *ctx, struct db *db, const struct case_head *h,
			const struct update_req *q, hl_time t, struct buf *detail)
{
	bool first = victim_status_first_identification(h->identified, q->new_victim);
	bool at_ident = first || q->has_identified;
	hl_time ident = q->has_identified ? q->identified : t;
	char ident_ts[32];
	time_str(ident, ident_ts);
	const char *to = victim_status_name(q->new_victim);
	int r = db_execf(db, "UPDATE child_case SET victim_status = ?, identified_at = ? WHERE id = ?", "tti", to,
			 at_ident ? ident_ts : (h->identified ? h->identified_at : NULL), h->id);
	if (r < 0 || (r = identification_duty(ctx->app, db, h->id, first, q, ident)) < 0)
		return r;
	if (q->victim && q->new_victim != q->cur_victim) {
		r = at_ident ? cases_event_packf(db, ctx, h->id, "victim_status", ident, "{s:s, s:s, s:s}", "from",
						 h->victim, "to", to, "identified_at", ident_ts)
			     : cases_event_packf(db, ctx, h->id, "victim_status", t, "{s:s, s:s}", "from", h->victim,
						 "to", to);
		if (r < 0 || (r = buf_printf(detail, " victim_status=%s->%s", h->victim, to)) < 0)
			return r;
	}
	return q->has_identified ? buf_printf(detail, " identified_at=%s", ident_ts) : 0;
}

/* The fields that change nothing else: type, care, petition, lead. */
static int write_fields(const struct svc_ctx *ctx, struct db *db, const struct case_head *h,
			const struct update_req *q, struct buf *detail)
{
	int64_t id = h->id;
	int r = 0;
	if (q->set_type &&
	    ((r = db_execf(db, "UPDATE child_case SET trafficking_type = ? WHERE id = ?", "ti", q->traffic, id)) < 0 ||
	     /* Figures: the case's reports' referrals take its type. */
	     (r = figures_case_type(db, id)) < 0 ||
	     (r = buf_printf(detail, " trafficking_type=%s", q->traffic ? q->traffic : "none")) < 0))
		return r;
	bool uf = json_is_true(q->uf);
	if (q->uf &&
	    ((r = db_execf(db, "UPDATE child_case SET uncared_for = ? WHERE id = ?", "di", (int)uf, id)) < 0 ||
	     (r = buf_printf(detail, " uncared_for=%s", uf ? "true" : "false")) < 0))
		return r;
	if (q->petition &&
	    ((r = db_execf(db, "UPDATE child_case SET petition_status = ? WHERE id = ?", "ti", q->petition, id)) < 0 ||
	     (r = buf_printf(detail, " petition_status=%s", q->petition)) < 0))
		return r;
	if (q->set_lead && ((r = cases_set_lead(db, ctx, h, q->lead)) < 0 ||
			    (r = buf_printf(detail, " lead=%lld", (long long)q->lead)) < 0))
		return r;
	return 0;
}

static int update_write(const struct svc_ctx *ctx, struct db *db, const struct case_head *h,
			const struct update_req *q, struct case_conflict *cf, json_t **ret)
{
	hl_time t = now();
	/* Someone may have changed it since it was loaded. */
	struct case_head now_h;
	int r = case_load(db, h->id, &now_h);
	if (r < 0)
		return r;
	if (now_h.version != h->version) {
		cases_conflict(cf, "case %s changed since it was read: read it again", h->number);
		cases_stale(cf);
		return ERR_CONFLICT;
	}
	struct buf detail;
	buf_init(&detail, 1024);
	bool closing = q->status_change && q->to_status == CASE_CLOSED;
	if ((closing && (r = cases_close(db, ctx, h, q->closure_reason, q->close_anyway, t, cf, &detail)) < 0) ||
	    (q->status_change && !closing && (r = write_status(ctx, db, h, q, t, &detail)) < 0) ||
	    (((q->victim && q->new_victim != q->cur_victim) || q->has_identified) &&
	     (r = write_victim(ctx, db, h, q, t, &detail)) < 0) ||
	    (r = write_fields(ctx, db, h, q, &detail)) < 0 ||
	    (r = cases_written(db, ctx, h->id, "case.update", "%s", detail.len ? buf_str(&detail) + 1 : "none")) < 0 ||
	    (r = cases_json(db, ctx->app, h->id, false, NULL, ret)) < 0) {
		buf_done(&detail);
		return r;
	}
	buf_done(&detail);
	return 0;
}

int svc_case_update(const struct svc_ctx *ctx, int64_t id, const json_t *body, struct field_errors *errs,
		    struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct case_head h;
	struct update_req q = {0};
	json_t *j = NULL;
	int r;
	/* The answer is the whole case: the glass first, as for a read. */
	if ((r = cases_access(ctx, PERM_CASES_WRITE, id, &db, &h, NULL)) < 0 ||
	    (r = relief_read_check(ctx, db, "case", id)) < 0 ||
	    (r = check_input(ctx->app, db, &h, body, errs, &q)) < 0 || (r = decide(&h, &q, cf)) < 0 ||
	    (r = db_begin(db)) < 0)
		return r;
	if ((r = cases_end(db, update_write(ctx, db, &h, &q, cf, &j))) < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}
