/* read.c: a referral as answered (the full view, or the provider's) and
 * GET /api/v1/referrals/{id}. */
#include "service/referrals/referrals_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "db/db.h"
#include "match/cmp.h"
#include "service/audit.h"
#include "service/relief.h"
#include "service/sealed.h"

/* Set key on j to v (taken; NULL is an allocation failure). */
static int set(json_t *j, const char *key, json_t *v)
{
	return json_object_set_new(j, key, v) < 0 ? ERR_NOMEM : 0;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static const char *item_name(const struct pack_item *items, size_t n, const char *id)
{
	const struct pack_item *it = id && *id ? pack_item_find(items, n, id) : NULL;
	return it ? it->name : NULL;
}

/* The words of a reason code given with a move to status. */
static const char *reason_name(const struct pack *p, enum referral_status s, const char *code)
{
	const struct pack_recovery *rc = &p->recovery;
	switch (s) {
	case REFERRAL_DECLINED:
		return item_name(rc->decline_reasons, rc->n_decline_reasons, code);
	case REFERRAL_ENDED:
		return item_name(rc->end_reasons, rc->n_end_reasons, code);
	case REFERRAL_COMPLETED:
		return item_name(rc->outcomes, rc->n_outcomes, code);
	default:
		return NULL;
	}
}

/* status, status_label, allowed (every move from it) and moves (those the
 * actor may make). */
static int status_json(const struct svc_ctx *ctx, enum referral_status s, json_t *j)
{
	enum referral_status out[REFERRAL_STATUS_COUNT];
	size_t n = referral_allowed(s, out);
	json_t *allowed = json_array(), *moves = json_array();
	int r = allowed && moves ? 0 : ERR_NOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (json_array_append_new(allowed, json_string(referral_status_name(out[i]))) < 0 ||
		    (role_may(ctx->actor->role, referral_move_perm(out[i])) &&
		     json_array_append_new(moves, json_string(referral_status_name(out[i]))) < 0))
			r = ERR_NOMEM;
	}
	if (r < 0) {
		json_decref(allowed);
		json_decref(moves);
		return r;
	}
	if ((r = set(j, "status", json_string(referral_status_name(s)))) < 0 ||
	    (r = set(j, "status_label", json_string(referral_status_label(s)))) < 0 ||
	    (r = set(j, "allowed", allowed)) < 0)
		return json_decref(moves), r;
	return set(j, "moves", moves);
}

/* The provider's answer against its due time: open, overdue, met_on_time
 * or met_late, as a duty's; not_needed once the referral was withdrawn
 * before an answer. */
static int answer_json(enum referral_status status, const char *due, const char *answered, json_t *j)
{
	char ts[32];
	hl_time t = now(), d = 0;
	int r = time_format(t, ts, sizeof ts);
	if (r < 0 || (r = time_parse(due, &d)) < 0)
		return r;
	bool waiting = !answered && status == REFERRAL_PENDING;
	const char *st = answered		? (strcmp(answered, due) <= 0 ? "met_on_time" : "met_late")
			 : !waiting		? "not_needed"
			 : strcmp(due, ts) < 0	? "overdue"
						: "open";
	return set(j, "answer", json_pack("{s:s, s:o}", "status", st, "minutes_left",
					  waiting ? json_integer((d - t) / MINUTE) : json_null()));
}

/* Initials of a name: "Avery Example" -> "A. E." */
static void initials(const char *given, const char *family, char out[16])
{
	size_t n = 0;
	const char *parts[2] = {given, family};
	out[0] = '\0';
	for (int i = 0; i < 2; i++)
		if (parts[i] && *parts[i] && n + 4 < 16) {
			out[n++] = (char)toupper((unsigned char)parts[i][0]);
			out[n++] = '.';
			out[n++] = ' ';
			out[n] = '\0';
		}
	if (n)
		out[n - 1] = '\0';
}

/* The child as the pack lets the provider see it: initials, age, sex,
 * town (each when allowed). */
static int child_view_json(struct db *db, struct app *app, int64_t person_id, json_t **ret)
{
	const struct pack *p = app->pack;
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT given_name, family_name, dob, estimated_age, age_estimated_on, sex, town"
				 " FROM person WHERE id = ?",
			"i", person_id);
	if (r < 0)
		return r;
	char *given = NULL, *family = NULL, *dob = NULL;
	json_t *j = json_object();
	r = j ? 0 : ERR_NOMEM;
	if (r == 0 && pack_view_allows(p, PACK_VIEW_INITIALS) &&
	    (r = sealed_get(app, st, 0, "person", "given_name", person_id, &given)) == 0 &&
	    (r = sealed_get(app, st, 1, "person", "family_name", person_id, &family)) == 0) {
		char in[16];
		initials(given, family, in);
		r = set(j, "initials", str_or_null(in));
	}
	if (r == 0 && pack_view_allows(p, PACK_VIEW_AGE) &&
	    (r = sealed_get(app, st, 2, "person", "dob", person_id, &dob)) == 0) {
		int age = -1;
		struct cmp_date today = cmp_date_local(now() / HL_USEC_PER_SEC), d;
		if (dob && cmp_date_parse(dob, "%Y-%m-%d", &d)) {
			age = cmp_age_on(&d, &today);
		} else if (!db_column_is_null(st, 3)) {
			const char *on = db_column_text(st, 4);
			int years = on && cmp_date_parse(on, "%Y-%m-%d", &d) ? cmp_age_on(&d, &today) : 0;
			age = (int)db_column_int64(st, 3) + (years > 0 ? years : 0);
		}
		r = set(j, "age", age >= 0 ? json_integer(age) : json_null());
	}
	if (r == 0 && pack_view_allows(p, PACK_VIEW_SEX))
		r = set(j, "sex", str_or_null(db_column_text(st, 5)));
	if (r == 0 && pack_view_allows(p, PACK_VIEW_TOWN))
		r = set(j, "town", str_or_null(db_column_text(st, 6)));
	db_finalize(st);
	free(given);
	free(family);
	free(dob);
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

/* The referral's history, oldest first. The provider's view holds the
 * notes its own agency wrote and says which side moved, not who. */
static int steps_json(struct db *db, const struct svc_ctx *ctx, const struct referral_row *row, bool provider_view,
		      json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT s.id, s.status, s.reason_code, s.note, s.at, u.username, u.role, u.scope, u.id,"
			    " u.display_name FROM service_referral_step s LEFT JOIN app_user u ON u.id = s.by_user"
			    " WHERE s.referral_id = ? ORDER BY s.at, s.id",
			    "i", row->id);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		enum referral_status s;
		if (referral_status_parse(db_column_text(st, 1), &s) < 0) {
			r = ERR_DB;
			break;
		}
		const char *code = db_column_text(st, 2), *role = db_column_text(st, 6), *scope = db_column_text(st, 7);
		bool by_provider = role && strcmp(role, role_name(ROLE_PROVIDER)) == 0;
		bool own = by_provider && scope && strcmp(scope, row->provider_code) == 0;
		json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s}", "status", referral_status_name(s), "status_label",
				      referral_status_label(s), "reason_code", str_or_null(code), "reason_name",
				      str_or_null(reason_name(ctx->app->pack, s, code)), "at", db_column_text(st, 4),
				      "by_side", by_provider ? "provider" : "referrer");
		if (!j || json_array_append_new(out, j) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if (!provider_view || own) {
			if ((r = sealed_json(ctx->app, st, 3, "service_referral_step", "note", db_column_int64(st, 0), j,
					     "note")) < 0)
				break;
		}
		/* Who moved it: the username, and the name they go by. */
		if (!provider_view && ((r = set(j, "by", str_or_null(db_column_text(st, 5)))) < 0 ||
				       (r = sealed_json(ctx->app, st, 9, "app_user", "display_name",
							db_column_int64(st, 8), j, "by_name")) < 0))
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

/* What every view holds: the referral's own facts. */
static int common_json(struct db_stmt *st, const struct svc_ctx *ctx, const struct referral_row *row, json_t *j)
{
	const struct pack *p = ctx->app->pack;
	int r;
	if ((r = set(j, "id", json_integer(row->id))) < 0 || (r = set(j, "number", json_string(row->number))) < 0 ||
	    (r = status_json(ctx, row->status, j)) < 0 ||
	    (r = set(j, "provider", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)row->provider_id, "code",
					      row->provider_code, "name", row->provider_name))) < 0 ||
	    (r = set(j, "reason_code", str_or_null(row->reason_code))) < 0 ||
	    (r = set(j, "reason_name", str_or_null(reason_name(p, row->status, row->reason_code)))) < 0 ||
	    (r = set(j, "outcome", str_or_null(row->outcome))) < 0 ||
	    (r = set(j, "outcome_name", str_or_null(reason_name(p, REFERRAL_COMPLETED, row->outcome)))) < 0 ||
	    (r = db_row_json(st, "referred_at answer_due_at answered_at started_at ended_at version:i", j)) < 0)
		return r;
	return answer_json(row->status, row->answer_due_at, db_column_text(st, 2), j);
}

#define VIEW_COLUMNS "referred_at, answer_due_at, answered_at, started_at, ended_at, version, reason, note"

/* The facts of the pack's view that are not the child's person. */
static int provider_facts(struct db_stmt *st, const struct svc_ctx *ctx, const struct referral_row *row, json_t *j)
{
	const struct pack *p = ctx->app->pack;
	const struct pack_region *reg = pack_region(p, row->region);
	int r = 0;
	if (pack_view_allows(p, PACK_VIEW_REGION) &&
	    ((r = set(j, "region", json_string(row->region))) < 0 ||
	     (r = set(j, "region_name", str_or_null(reg ? reg->name : NULL))) < 0))
		return r;
	if (pack_view_allows(p, PACK_VIEW_SERVICE) &&
	    ((r = set(j, "service", json_string(row->service))) < 0 ||
	     (r = set(j, "service_name", str_or_null(item_name(p->services, p->n_services, row->service)))) < 0))
		return r;
	if (pack_view_allows(p, PACK_VIEW_URGENCY) && (r = set(j, "urgency", json_string(row->urgency))) < 0)
		return r;
	if (pack_view_allows(p, PACK_VIEW_REASON))
		r = sealed_json(ctx->app, st, 6, "service_referral", "reason", row->id, j, "reason");
	return r;
}

/* The facts of the full view: the case, the child's person, the service,
 * the people, the re-referrals. */
static int full_facts(struct db *db, struct db_stmt *st, const struct svc_ctx *ctx, const struct referral_row *row,
		      json_t *j)
{
	const struct pack *p = ctx->app->pack;
	const struct pack_region *reg = pack_region(p, row->region);
	int r;
	if ((r = set(j, "region", json_string(row->region))) < 0 ||
	    (r = set(j, "region_name", str_or_null(reg ? reg->name : NULL))) < 0 ||
	    (r = set(j, "service", json_string(row->service))) < 0 ||
	    (r = set(j, "service_name", str_or_null(item_name(p->services, p->n_services, row->service)))) < 0 ||
	    (r = set(j, "urgency", json_string(row->urgency))) < 0 ||
	    (r = set(j, "person_id", json_integer(row->person_id))) < 0 ||
	    (r = sealed_json(ctx->app, st, 6, "service_referral", "reason", row->id, j, "reason")) < 0 ||
	    (r = sealed_json(ctx->app, st, 7, "service_referral", "note", row->id, j, "note")) < 0)
		return r;
	struct db_stmt *q;
	if ((r = db_rowf(db, &q,
			 "SELECT c.id, c.number, u.id, u.username,"
			 " (SELECT o.id FROM service_referral o WHERE o.id = ?), (SELECT o.number FROM service_referral o"
			 "  WHERE o.id = ?), (SELECT n.id FROM service_referral n WHERE n.rereferral_of = ? ORDER BY n.id"
			 "  LIMIT 1), (SELECT n.number FROM service_referral n WHERE n.rereferral_of = ? ORDER BY n.id"
			 "  LIMIT 1)"
			 " FROM child_case c LEFT JOIN app_user u ON u.id = ? WHERE c.id = ?",
			 "iiiiii", row->rereferral_of, row->rereferral_of, row->id, row->id, row->referred_by,
			 row->case_id)) < 0)
		return r;
	json_t *c = json_object(), *by = json_object(), *of = json_object(), *as = json_object();
	if (!c || !by || !of || !as)
		r = ERR_NOMEM;
	if (r == 0)
		r = db_row_json(q, "id:i number", c);
	if (r == 0)
		r = db_row_json(q, "- - id:i username", by);
	if (r == 0)
		r = db_row_json(q, "- - - - id:i number", of);
	if (r == 0)
		r = db_row_json(q, "- - - - - - id:i number", as);
	bool has_by = !db_column_is_null(q, 2), has_of = !db_column_is_null(q, 4), has_as = !db_column_is_null(q, 6);
	db_finalize(q);
	if (r < 0) {
		json_decref(c), json_decref(by), json_decref(of), json_decref(as);
		return r;
	}
	if (!has_by)
		json_decref(by), by = json_null();
	if (!has_of)
		json_decref(of), of = json_null();
	if (!has_as)
		json_decref(as), as = json_null();
	if ((r = set(j, "case", c)) < 0) {
		json_decref(by), json_decref(of), json_decref(as);
		return r;
	}
	if ((r = set(j, "referred_by", by)) < 0) {
		json_decref(of), json_decref(as);
		return r;
	}
	if ((r = set(j, "rereferral_of", of)) < 0) {
		json_decref(as);
		return r;
	}
	return set(j, "rereferred_as", as);
}

int referral_json(struct db *db, const struct svc_ctx *ctx, const struct referral_row *row, bool provider_view,
		  bool steps, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT " VIEW_COLUMNS " FROM service_referral WHERE id = ?", "i", row->id);
	if (r < 0)
		return r;
	json_t *j = json_object(), *child = NULL, *list = steps ? json_array() : NULL;
	r = j && (!steps || list) ? 0 : ERR_NOMEM;
	if (r == 0)
		r = common_json(st, ctx, row, j);
	if (r == 0)
		r = provider_view ? provider_facts(st, ctx, row, j) : full_facts(db, st, ctx, row, j);
	db_finalize(st);
	if (r == 0 && provider_view && (r = child_view_json(db, ctx->app, row->person_id, &child)) == 0)
		r = set(j, "child", child);
	if (r == 0 && steps && (r = steps_json(db, ctx, row, provider_view, list)) == 0) {
		r = set(j, "steps", list);
		list = NULL;
	}
	json_decref(list);
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

int referral_json_by_id(struct db *db, const struct svc_ctx *ctx, int64_t id, bool provider_view, json_t **ret)
{
	struct referral_row row;
	int r = referral_load(db, id, &row);
	return r < 0 ? r : referral_json(db, ctx, &row, provider_view, true, ret);
}

struct referral_read {
	const struct svc_ctx *ctx;
	struct referral_row *row;
	bool provider;
	json_t *j;
};

static int referral_read(struct db *db, void *arg, struct audit_read *rec)
{
	struct referral_read *p = arg;
	int r = referral_json(db, p->ctx, p->row, p->provider, true, &p->j);
	return r < 0 ? r : audit_read_detail(rec, "view=%s", p->provider ? "provider" : "full");
}

int svc_referral_get(const struct svc_ctx *ctx, int64_t id, json_t **ret)
{
	struct db *db;
	struct referral_row row;
	bool provider = false;
	int r = referral_enter(ctx, PERM_REFERRALS_READ, id, &db, &row, &provider);
	/* A case restricted by relief granted restricts its referrals, in
	 * every view, until the reader breaks the glass on the case. */
	if (r < 0 || (r = relief_read_check(ctx, db, "case", row.case_id)) < 0)
		return r;
	struct referral_read p = {.ctx = ctx, .row = &row, .provider = provider};
	struct audit_read rec = {.action = "referral.read", .object_type = "referral", .object_id = id};
	if ((r = svc_audited_read(db, ctx, &rec, referral_read, &p)) < 0) {
		json_decref(p.j);
		return r;
	}
	*ret = p.j;
	return 0;
}

/* ---- the vocabulary, for GET /api/v1/config ---- */

static const char *const needs_names[] = {
	[REFERRAL_NEEDS_NOTHING] = NULL,
	[REFERRAL_NEEDS_DECLINE_REASON] = "referral_decline_reasons",
	[REFERRAL_NEEDS_END_REASON] = "referral_end_reasons",
	[REFERRAL_NEEDS_OUTCOME] = "referral_outcomes",
};

/* {id, label, move_label, by, needs, allowed} of status s. */
static json_t *status_term(enum referral_status s)
{
	enum referral_status out[REFERRAL_STATUS_COUNT];
	size_t n = referral_allowed(s, out);
	json_t *allowed = json_array();
	for (size_t i = 0; allowed && i < n; i++)
		if (json_array_append_new(allowed, json_string(referral_status_name(out[i]))) < 0) {
			json_decref(allowed);
			return NULL;
		}
	const char *needs = needs_names[referral_move_needs(s)];
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:b}", "id", referral_status_name(s), "label",
			 referral_status_label(s), "move_label", str_or_null(referral_move_label(s)), "by",
			 referral_move_perm(s) == PERM_REFERRALS_ANSWER ? "provider" : "referrer", "needs",
			 str_or_null(needs), "allowed", allowed, "final", referral_is_final(s));
}

int referrals_config_json(json_t *out)
{
	json_t *statuses = json_array(), *urgencies = json_array();
	int r = statuses && urgencies ? 0 : ERR_NOMEM;
	for (int s = 0; r == 0 && s < REFERRAL_STATUS_COUNT; s++)
		if (json_array_append_new(statuses, status_term((enum referral_status)s)) < 0)
			r = ERR_NOMEM;
	for (size_t i = 0; r == 0 && referral_urgencies[i]; i++)
		if (json_array_append_new(urgencies, json_pack("{s:s, s:s}", "id", referral_urgencies[i], "label",
							       referral_urgency_label(referral_urgencies[i]))) < 0)
			r = ERR_NOMEM;
	if (r < 0) {
		json_decref(statuses);
		json_decref(urgencies);
		return r;
	}
	if (json_object_set_new(out, "referral_statuses", statuses) < 0) {
		json_decref(urgencies);
		return ERR_NOMEM;
	}
	return json_object_set_new(out, "referral_urgencies", urgencies) < 0 ? ERR_NOMEM : 0;
}
