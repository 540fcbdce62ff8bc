/* open.c: opening a case from an accepted report, or directly by HART. A
 * report whose child already has a case that is not closed joins it. */
#include "service/cases/cases_int.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "match/cmp.h"
#include "service/audit.h"
#include "service/intake.h"
#include "service/numbers.h"
#include "service/persons.h"

static const struct field_rule open_fields[] = {
	{.key = "intake_id", .type = FT_ID, .reason = "choose a report from the list", .label = "Report"},
	{.key = "child", .type = FT_INT, .reason = "choose a child of the report", .label = "Child"},
	{.key = "region", .type = FT_STRING, .max_len = 16},
	{.key = "person_id", .type = FT_ID, .reason = "choose a child from the search", .label = "Child"},
	{.key = NULL},
};
const struct schema svc_case_open_schema = {.name = "case open", .fields = open_fields};

/* What an opening asks for, once checked. */
struct open_req {
	bool from_intake;        /* else directly, for a person */
	int64_t intake_id, person_id;
	int child;
	const char *region;      /* the region given, NULL when none */
	const char *case_region; /* the region the case gets */
	char office[64];
	struct intake_for_case it;
	bool new_person;         /* the report's child is not linked yet */
	int64_t denied_case;     /* a liaison met the child's case of another region */
};

/* The rules between fields: one of intake_id and person_id, a region for
 * a person, a child's position in the report. */
static int check_input(const struct pack *pack, const json_t *body, struct field_errors *errs, struct open_req *q)
{
	if (schema_check(&svc_case_open_schema, body, errs) < 0 && !json_is_object(body))
		return ERR_INVAL;
	q->from_intake = json_object_get(body, "intake_id") != NULL;
	bool direct = json_object_get(body, "person_id") != NULL;
	if (q->from_intake && direct) {
		field_error_add(errs, "person_id", "Child: open the case from a report or for a known child, not both");
		return ERR_INVAL;
	}
	if (!q->from_intake && !direct) {
		field_error_add(errs, "intake_id", "required: the accepted report the case is opened from");
		return ERR_INVAL;
	}
	q->region = cases_str(body, "region");
	if (q->region && !pack_region(pack, q->region))
		field_error_add(errs, "region", "unknown region \"%.16s\"", q->region);
	const char *key = q->from_intake ? "intake_id" : "person_id";
	int64_t id = json_integer_value(json_object_get(body, key));
	if (json_is_null(json_object_get(body, key)))
		field_error_add(errs, key, "required");
	/* A region of another type is refused by the schema already. */
	json_t *rv = json_object_get(body, "region");
	if (!q->from_intake && !q->region && (!rv || json_is_string(rv) || json_is_null(rv)))
		field_error_add(errs, "region", "required");
	json_t *c = json_object_get(body, "child");
	if (q->from_intake && json_is_integer(c) && (json_integer_value(c) < 0 || json_integer_value(c) > 100))
		field_error_add(errs, "child", "Child: choose a child of the report");
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (q->from_intake) {
		q->intake_id = id;
		q->child = (int)json_integer_value(c);
	} else {
		q->person_id = id;
	}
	return 0;
}

/* The report the case is opened from: in the liaison's region, accepted
 * for HART, with the child, in a region of the pack. */
static int check_report(const struct svc_ctx *ctx, struct db *db, struct open_req *q, struct field_errors *errs,
			struct case_conflict *cf)
{
	struct intake_for_case *it = &q->it;
	int r = cases_load_intake(db, q->intake_id, q->child, it);
	if (r == ERR_NOTFOUND) {
		field_error_add(errs, "intake_id", "no such report");
		return ERR_INVAL;
	}
	if (r < 0)
		return r;
	if (ctx->actor->role == ROLE_LIAISON && (!it->has_region || strcmp(it->region, ctx->actor->scope) != 0)) {
		char oid[24];
		fmt_id(oid, q->intake_id);
		svc_audit_denial(ctx, "report outside the liaison's region", "intake", oid);
		return ERR_PERM;
	}
	if (!it->child_found)
		field_error_add(errs, "child", "the report has no child at position %d", q->child);
	else if (it->has_region && q->region && strcmp(q->region, it->region) != 0)
		field_error_add(errs, "region", "the report's region is %s", it->region);
	else if (!it->has_region && !q->region)
		field_error_add(errs, "region", "required: the report's town is not mapped to a region");
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (strcmp(it->disposition, "accepted_hart") != 0) {
		cases_conflict(cf,
			       "report %s is %s: a case is opened only from a report accepted for HART response"
			       " (disposition accepted_hart)",
			       it->number, it->disposition[0] ? it->disposition : "not yet decided");
		return ERR_CONFLICT;
	}
	q->case_region = q->region;
	if (it->has_region) {
		const struct pack_region *reg = pack_region(ctx->app->pack, it->region);
		q->case_region = reg ? reg->id : NULL;
		str_copy(q->office, sizeof q->office, it->office);
	}
	if (!q->case_region) {
		field_error_add(errs, "region", "Region: the report's region %s is not one of the agency's regions; choose one from the list", it->region);
		return ERR_INVAL;
	}
	q->person_id = it->person_id;
	q->new_person = !q->person_id;
	return 0;
}

/* A case without a report: opened by HART only, for a person there is. */
static int check_person(const struct svc_ctx *ctx, struct db *db, struct open_req *q, struct field_errors *errs)
{
	if (ctx->actor->role != ROLE_HART) {
		char oid[24];
		fmt_id(oid, q->person_id);
		svc_audit_denial(ctx, "a case without a report is opened by HART only", "person", oid);
		return ERR_PERM;
	}
	int64_t exists = 0;
	int r = db_int64f(db, &exists, "SELECT count(*) FROM person WHERE id = ?", "i", q->person_id);
	if (r < 0)
		return r;
	if (!exists) {
		field_error_add(errs, "person_id", "no such person");
		return ERR_INVAL;
	}
	q->case_region = q->region;
	return 0;
}

/* The person's case that is not closed: its id, or 0 when there is none. */
static int open_case_of(struct db *db, int64_t person_id, struct case_head *h)
{
	int64_t id = 0;
	int r = db_int64f(db, &id, "SELECT id FROM child_case WHERE person_id = ? AND status <> 'closed'", "i",
			  person_id);
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0 || (r = case_load(db, id, h)) < 0)
		return r;
	return 1;
}

/* The report joins the child's case. */
static int join_existing(const struct svc_ctx *ctx, struct db *db, struct open_req *q, const struct case_head *h,
			 hl_time t, struct case_opened *ret)
{
	bool added;
	int r = cases_join_intake(db, ctx, h->id, q->intake_id, q->child, q->it.number, t, &added);
	struct case_head now_h;
	if (r < 0 ||
	    (r = svc_audit_appendf(db, ctx, "case.open", "case", h->id, "joined intake=%lld",
				   (long long)q->intake_id)) < 0 ||
	    (r = case_load(db, h->id, &now_h)) < 0)
		return r;
	*ret = (struct case_opened){.id = h->id, .version = now_h.version, .joined = true};
	str_copy(ret->number, sizeof ret->number, now_h.number);
	return 0;
}

/* A new case, its first event and, from a report naming a suspected
 * victim, the identification. */
static int insert_case(const struct svc_ctx *ctx, struct db *db, const struct open_req *q, hl_time t,
		       struct case_opened *ret)
{
	char ts[32], number[24];
	time_str(t, ts);
	int64_t seq, id = 0;
	struct cmp_date today = cmp_date_local(t / HL_USEC_PER_SEC);
	int r = svc_next_number(db, "case", today.y, &seq);
	if (r < 0)
		return r;
	snprintf(number, sizeof number, "C-%04d-%04lld", today.y, (long long)seq);
	if ((r = db_int64f(db, &id,
			   "INSERT INTO child_case (number, person_id, region, office, opened_by, opened_at,"
			   " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			   "tittitt", number, q->person_id, q->case_region, q->office[0] ? q->office : NULL,
			   ctx->actor->user_id, ts, ts)) < 0 ||
	    (r = counts_case_status(db, q->case_region, NULL, "open")) < 0)
		return r;
	const char *by = q->it.suspected_by;
	if (q->from_intake) {
		if ((r = db_execf(db,
				  "INSERT INTO case_intake (case_id, intake_id, child, joined, added_at, added_by)"
				  " VALUES (?, ?, ?, 0, ?, ?)",
				  "iidti", id, q->intake_id, q->child, ts, ctx->actor->user_id)) < 0 ||
		    (r = cases_event_packf(db, ctx, id, "opened", t, "{s:I, s:s, s:i}", "intake_id",
					   (json_int_t)q->intake_id, "intake_number", q->it.number, "child",
					   q->child)) < 0 ||
		    (by && (r = cases_identify_from_intake(db, ctx, id, &q->it, "none")) < 0))
			return r;
		r = svc_audit_appendf(db, ctx, "case.open", "case", id, "number=%s intake=%lld person=%lld%s%s", number,
				      (long long)q->intake_id, (long long)q->person_id,
				      by ? " victim_status=suspected by=" : "", by ? by : "");
	} else {
		r = cases_event_add(db, ctx->app, id, "opened", t, ctx->actor->user_id, false, NULL, NULL, NULL);
		if (r < 0)
			return r;
		r = svc_audit_appendf(db, ctx, "case.open", "case", id, "number=%s person=%lld", number,
				      (long long)q->person_id);
	}
	if (r < 0)
		return r;
	*ret = (struct case_opened){.id = id, .version = 1};
	str_copy(ret->number, sizeof ret->number, number);
	return 0;
}

/* Inside the transaction: the child's person (recorded now when the report
 * had none), then a new case or the child's case the report joins. */
static int open_write(const struct svc_ctx *ctx, struct db *db, struct open_req *q, struct field_errors *errs,
		      struct case_conflict *cf, struct case_opened *ret)
{
	hl_time t = now();
	struct case_head h;
	int r;
	if (q->new_person && (r = intake_child_new_person(ctx, q->intake_id, q->child, errs, &q->person_id)) < 0)
		return r;
	if ((r = open_case_of(db, q->person_id, &h)) <= 0)
		return r < 0 ? r : insert_case(ctx, db, q, t, ret);
	if (!q->from_intake) {
		cases_conflict(cf, "the child already has case %s, which is not closed", h.number);
		return ERR_CONFLICT;
	}
	/* A liaison joins a report to the child's case only in its own region:
	 * it may neither change nor learn of a case elsewhere. */
	if (ctx->actor->role == ROLE_LIAISON && strcmp(h.region, ctx->actor->scope) != 0) {
		q->denied_case = h.id;
		return ERR_PERM;
	}
	return join_existing(ctx, db, q, &h, t, ret);
}

int svc_case_open(const struct svc_ctx *ctx, const json_t *body, struct field_errors *errs,
		  struct case_conflict *cf, struct case_opened *ret)
{
	struct db *db;
	struct open_req q = {0};
	int r;
	if ((r = svc_enter(ctx, PERM_CASES_OPEN, &db)) < 0 || (r = check_input(ctx->app->pack, body, errs, &q)) < 0)
		return r;
	if ((r = q.from_intake ? check_report(ctx, db, &q, errs, cf) : check_person(ctx, db, &q, errs)) < 0)
		return r;
	if ((r = db_begin(db)) < 0)
		return r;
	r = cases_end(db, open_write(ctx, db, &q, errs, cf, ret));
	if (q.denied_case) {
		/* After the rollback, so that the denial's record stays. */
		char oid[24];
		fmt_id(oid, q.denied_case);
		svc_audit_denial(ctx, "the child's open case is outside the liaison's region", "case", oid);
	}
	if (r < 0)
		return r;
	/* The new child joins the registry only once the case is committed. */
	return q.new_person && !ret->joined ? persons_register_id(ctx->app, db, q.person_id) : 0;
}
