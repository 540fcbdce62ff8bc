/* relief.c: a child's record relief: the records that may be vacated or
 * erased, their petitions and the court's decision (docs/recovery.md,
 * "Record relief"). The statuses are model/reliefstate.c's. */
#include "service/persons/persons_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "db/db.h"
#include "match/cmp.h"
#include "model/pack.h"
#include "model/reliefstate.h"
#include "service/audit.h"
#include "service/cases.h"
#include "service/relief.h"
#include "service/sealed.h"

#define COURT_MAX 200
#define DOCKET_MAX 100
#define NOTES_MAX 20000
#define LINKS_MAX 50

static const char *const statuses[] = {"identified", "petition_filed", "hearing_set", "granted", "denied", NULL};

#define RELIEF_FIELDS                                                                                          \
	{"docket", FT_STRING, .nullable = true, .max_len = DOCKET_MAX},                                          \
	{"offence_date", FT_STRING, .nullable = true, .max_len = 10},                                            \
	{"relief_kind", FT_STRING, .nullable = true, .allowed = relief_kinds},                                  \
	{"defence_notes", FT_STRING, .nullable = true, .max_len = NOTES_MAX},                                    \
	{"links", FT_ARRAY, .max_len = LINKS_MAX}

static const struct field_rule create_fields[] = {
	{"court", FT_STRING, .required = true, .max_len = COURT_MAX},
	{"offence", FT_STRING, .required = true, .max_len = 64},
	RELIEF_FIELDS,
	{.key = NULL},
};
const struct schema svc_relief_create_schema = {.name = "relief create", .fields = create_fields};

static const struct field_rule update_fields[] = {
	{"version", FT_INT, .required = true},
	{"status", FT_STRING, .allowed = statuses},
	{"court", FT_STRING, .max_len = COURT_MAX},
	{"offence", FT_STRING, .max_len = 64},
	RELIEF_FIELDS,
	{"petition_filed_on", FT_STRING, .nullable = true, .max_len = 10},
	{"hearing_on", FT_STRING, .nullable = true, .max_len = 10},
	{"decided_on", FT_STRING, .nullable = true, .max_len = 10},
	{"outcome", FT_STRING, .nullable = true, .max_len = NOTES_MAX},
	{.key = NULL},
};
const struct schema svc_relief_update_schema = {.name = "relief update", .fields = update_fields};

/* ---- reading ---- */

#define RELIEF_COLUMNS                                                                                          \
	"id, person_id, court, docket, offence, offence_date, relief_kind, status, petition_filed_on, hearing_on," \
	" decided_on, outcome, defence_notes, version, created_at, updated_at"

/* The region of the report or case relief_link row l names ('' for none). */
#define LINK_REGION(l)                                                                                   \
	"COALESCE((SELECT i.region FROM intake i WHERE " l ".kind = 'intake' AND i.id = " l ".object_id),"   \
	" (SELECT c.region FROM child_case c WHERE " l ".kind = 'case' AND c.id = " l ".object_id), '')"

/* A liaison reaches a relief record only when it names at least one record
 * and every record it names is of the liaison's region (two parameters:
 * the region or NULL for all, and the region again). */
#define RELIEF_IN_REGION                                                                                  \
	"(CAST(? AS TEXT) IS NULL OR (EXISTS (SELECT 1 FROM relief_link l WHERE l.relief_id = relief_record.id)" \
	" AND NOT EXISTS (SELECT 1 FROM relief_link l WHERE l.relief_id = relief_record.id AND " LINK_REGION("l") \
	" <> ?)))"

/* The reports and cases a record is about, with their numbers. */
static int links_json(struct db *db, int64_t rid, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT l.kind, l.object_id, COALESCE(i.number, c.number) FROM relief_link l"
			    " LEFT JOIN intake i ON l.kind = 'intake' AND i.id = l.object_id"
			    " LEFT JOIN child_case c ON l.kind = 'case' AND c.id = l.object_id"
			    " WHERE l.relief_id = ? ORDER BY l.kind DESC, l.object_id",
			    "i", rid);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		json_t *o = json_object();
		if (!o || json_array_append_new(out, o) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = db_row_json(st, "kind id:i number", o)) < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

static json_t *allowed_json(const char *status)
{
	enum relief_status s, out[RELIEF_STATUS_COUNT];
	json_t *a = json_array();
	size_t n = a && relief_status_parse(status, &s) == 0 ? relief_status_allowed(s, out) : 0;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(relief_status_name(out[i]))) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* One record of RELIEF_COLUMNS as answered (its links read after). */
static int record_json(struct app *app, struct db_stmt *st, json_t *o)
{
	int64_t id = db_column_int64(st, 0);
	const struct pack_recovery *rec = &app->pack->recovery;
	const struct pack_item *off = pack_item_find(rec->relief_offences, rec->n_relief_offences, db_column_text(st, 4));
	enum relief_status s;
	const char *label = relief_status_parse(db_column_text(st, 7), &s) == 0 ? relief_status_label(s) : NULL;
	int r;
	if ((r = db_row_json(st, "id:i person_id:i court", o)) < 0 ||
	    (r = sealed_json(app, st, 3, "relief_record", "docket", id, o, "docket")) < 0 ||
	    (r = db_row_json(st, "- - - - offence offence_date relief_kind status petition_filed_on hearing_on decided_on",
			     o)) < 0 ||
	    (r = sealed_json(app, st, 11, "relief_record", "outcome", id, o, "outcome")) < 0 ||
	    (r = sealed_json(app, st, 12, "relief_record", "defence_notes", id, o, "defence_notes")) < 0 ||
	    (r = db_row_json(st, "- - - - - - - - - - - - - version:i created_at updated_at", o)) < 0)
		return r;
	if ((r = persons_set(o, "offence_name", persons_text(off ? off->name : NULL))) < 0 ||
	    (r = persons_set(o, "status_label", persons_text(label))) < 0 ||
	    (r = persons_set(o, "relief_kind_label", persons_text(relief_kind_label(db_column_text(st, 6))))) < 0 ||
	    (r = persons_set(o, "allowed", allowed_json(db_column_text(st, 7)))) < 0)
		return r;
	return persons_set(o, "links", json_array());
}

int persons_relief_json(struct db *db, struct app *app, const char *region, int64_t person_id, int limit,
			int64_t after, json_t *out)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT " RELIEF_COLUMNS " FROM relief_record WHERE person_id = ? AND id > ? AND " RELIEF_IN_REGION
			    " ORDER BY id LIMIT ?",
			    "iittd", person_id, after, region, region, limit);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		json_t *o = json_object();
		if (!o || json_array_append_new(out, o) < 0) {
			r = ERR_NOMEM;
			break;
		}
		if ((r = record_json(app, st, o)) < 0)
			break;
	}
	db_finalize(st);
	size_t i;
	json_t *o;
	json_array_foreach(out, i, o)
	{
		if (r >= 0)
			r = links_json(db, json_integer_value(json_object_get(o, "id")), json_object_get(o, "links"));
	}
	return r < 0 ? r : 0;
}

/* One record by id, as answered. */
static int relief_one(struct db *db, struct app *app, int64_t rid, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT " RELIEF_COLUMNS " FROM relief_record WHERE id = ?", "i", rid);
	if (r < 0)
		return r;
	json_t *o = json_object();
	r = o ? record_json(app, st, o) : ERR_NOMEM;
	db_finalize(st);
	if (r == 0)
		r = links_json(db, rid, json_object_get(o, "links"));
	if (r < 0) {
		json_decref(o);
		return r;
	}
	*ret = o;
	return 0;
}

/* A liaison's region, else NULL (the others reach every record of a child
 * they reach). */
static const char *liaison_region(const struct svc_ctx *ctx)
{
	return ctx->actor->role == ROLE_LIAISON ? ctx->actor->scope : NULL;
}

/* Whether the actor reaches relief record rid (RELIEF_IN_REGION). */
static int relief_reached(const struct svc_ctx *ctx, struct db *db, int64_t rid, bool *ret)
{
	const char *region = liaison_region(ctx);
	int64_t n = 0;
	int r = db_int64f(db, &n, "SELECT count(*) FROM relief_record WHERE id = ? AND " RELIEF_IN_REGION, "itt", rid,
			  region, region);
	*ret = n > 0;
	return r;
}

/* Permission, then the child and the actor's reach of it. */
static int relief_enter(const struct svc_ctx *ctx, enum perm perm, int64_t person_id, struct db **ret_db)
{
	struct person_reach pr;
	int r = svc_enter(ctx, perm, ret_db);
	if (r < 0)
		return r;
	persons_reach(ctx, &pr);
	return persons_reached(ctx, *ret_db, &pr, person_id);
}

/* A child's record relief, oldest first, by id (the one order). */
static const struct page_sort relief_sorts[] = {
	{"id", "id"},
	{NULL, NULL},
};
static const struct page_list relief_page_list = {"relief", "id", relief_sorts, "id"};

int svc_relief_list(const struct svc_ctx *ctx, int64_t person_id, const struct page_query *q,
		    struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct list_page p;
	int r = relief_enter(ctx, PERM_RELIEF_READ, person_id, &db);
	if (r < 0 || (r = page_parse(&relief_page_list, q, &p, errs)) < 0)
		return r;
	if (p.desc) {
		field_error_add(errs, "sort", "Record relief is listed oldest first: leave Sort out.");
		return ERR_INVAL;
	}
	json_t *items = json_array();
	if (!items)
		return ERR_NOMEM;
	/* One more than the page, to know whether there is a next. */
	if ((r = db_begin(db)) == 0 &&
	    (r = persons_relief_json(db, ctx->app, liaison_region(ctx), person_id, p.limit + 1,
				     p.has_after ? p.id : 0, items)) == 0) {
		p.more = json_array_size(items) > (size_t)p.limit;
		if (p.more && json_array_remove(items, (size_t)p.limit) < 0)
			r = ERR_NOMEM;
	}
	if (r < 0 ||
	    (r = svc_audit_appendf(db, ctx, "relief.list", "person", person_id, "count=%zu", json_array_size(items))) <
		    0 ||
	    (r = db_commit(db)) < 0) {
		db_rollback(db);
		json_decref(items);
		return r;
	}
	p.n = json_array_size(items);
	p.last_id = p.n ? json_integer_value(json_object_get(json_array_get(items, p.n - 1), "id")) : 0;
	p.last_key[0] = '\0';
	return page_answer(&p, items, ret);
}

/* ---- checking what is written ---- */

/* A date YYYY-MM-DD at key, when there is one: not in the future unless
 * future is allowed. *ret: the date or NULL. */
static void check_date(const json_t *body, const char *key, const char *words, bool future,
		       struct field_errors *errs)
{
	const char *s = json_get_str(body, key);
	struct cmp_date d, t = cmp_date_local(now() / HL_USEC_PER_SEC);
	if (!s || !*s)
		return;
	if (strlen(s) != 10 || !cmp_date_parse(s, "%Y-%m-%d", &d))
		field_error_add(errs, key, "%s: a date as YYYY-MM-DD", words);
	else if (!future && cmp_date_days(&d) > cmp_date_days(&t))
		field_error_add(errs, key, "%s cannot be in the future", words);
}

/* What a schema cannot say of the fields present in body. */
static void check_fields(const struct pack *p, const json_t *body, struct field_errors *errs)
{
	const char *s = json_get_str(body, "offence");
	const struct pack_recovery *rec = &p->recovery;
	if (s && !pack_item_find(rec->relief_offences, rec->n_relief_offences, s))
		field_error_add(errs, "offence", "Choose an offence from the list");
	if ((s = json_get_str(body, "court")) && !str_is_line(s, COURT_MAX))
		field_error_add(errs, "court", "The court: one line of at most %d characters", COURT_MAX);
	if ((s = json_get_str(body, "docket")) && *s && !str_is_line(s, DOCKET_MAX))
		field_error_add(errs, "docket", "The docket number: one line of at most %d characters", DOCKET_MAX);
	check_date(body, "offence_date", "The offence date", false, errs);
	check_date(body, "petition_filed_on", "The date the petition was filed", false, errs);
	check_date(body, "hearing_on", "The hearing date", true, errs);
	check_date(body, "decided_on", "The date of the decision", false, errs);
}

/* The links in body, each a report or case of this child (and, for a
 * liaison, of its region). */
static int check_links(const struct svc_ctx *ctx, struct db *db, int64_t person_id, const json_t *links, bool create,
		       struct field_errors *errs)
{
	size_t i;
	json_t *l;
	json_array_foreach(links, i, l)
	{
		char key[32];
		snprintf(key, sizeof key, "links[%zu]", i);
		const char *kind = json_get_str(l, "kind");
		json_t *idv = json_object_get(l, "id");
		if (!json_is_object(l) || !kind || (strcmp(kind, "intake") != 0 && strcmp(kind, "case") != 0) ||
		    !json_is_integer(idv) || json_integer_value(idv) < 1) {
			field_error_add(errs, key, "Reports and cases: choose a report or a case from the list");
			continue;
		}
		const char *region = liaison_region(ctx);
		bool intake = strcmp(kind, "intake") == 0;
		int64_t n = 0;
		int r = db_int64f(db, &n,
				  intake ? "SELECT count(*) FROM intake_child c JOIN intake i ON i.id = c.intake_id"
					   " WHERE c.intake_id = ? AND c.person_id = ? AND (CAST(? AS TEXT) IS NULL OR i.region = ?)"
					 : "SELECT count(*) FROM child_case WHERE id = ? AND person_id = ?"
					   " AND (CAST(? AS TEXT) IS NULL OR region = ?)",
				  "iitt", json_integer_value(idv), person_id, region, region);
		if (r < 0)
			return r;
		if (!n)
			field_error_add(errs, key, intake ? "Not a report about this child" : "Not a case of this child");
	}
	/* A liaison's relief names its region's records, or it could not read it back. */
	if ((links || create) && liaison_region(ctx) && json_array_size(links) == 0)
		field_error_add(errs, "links", "Name at least one report or case of your region this relief is about");
	return 0;
}

/* Replace the links of rid by links; a liaison's (region not NULL) removes
 * only those of its region. */
static int links_write(struct db *db, const char *region, int64_t rid, const json_t *links)
{
	size_t i;
	json_t *l;
	int r = db_execf(db,
			 "DELETE FROM relief_link WHERE relief_id = ? AND (CAST(? AS TEXT) IS NULL OR " LINK_REGION(
				 "relief_link") " = ?)",
			 "itt", rid, region, region);
	json_array_foreach(links, i, l)
	{
		/* The same record twice is one link. */
		if (r == 0)
			r = db_execf(db,
				     "INSERT INTO relief_link (relief_id, kind, object_id) SELECT ?, ?, ?"
				     " WHERE NOT EXISTS (SELECT 1 FROM relief_link WHERE relief_id = ? AND kind = ?"
				     " AND object_id = ?)",
				     "itiiti", rid, json_get_str(l, "kind"), (int64_t)json_integer_value(json_object_get(l, "id")),
				     rid, json_get_str(l, "kind"), (int64_t)json_integer_value(json_object_get(l, "id")));
	}
	return r;
}

/* "" and null are no value. */
static const char *opt(const json_t *body, const char *key)
{
	const char *s = json_get_str(body, key);
	return s && *s ? s : NULL;
}

int svc_relief_create(const struct svc_ctx *ctx, int64_t person_id, const json_t *body, struct field_errors *errs,
		      json_t **ret)
{
	struct db *db;
	int r = relief_enter(ctx, PERM_RELIEF_WRITE, person_id, &db);
	if (r < 0)
		return r;
	int64_t merged;
	if ((r = persons_merged_into(db, person_id, &merged)) < 0)
		return r;
	if (merged)
		field_error_add(errs, "person", "This record was merged into record %lld: record relief there",
				(long long)merged);
	if (schema_check(&svc_relief_create_schema, body, errs) == 0) {
		check_fields(ctx->app->pack, body, errs);
		if ((r = check_links(ctx, db, person_id, json_object_get(body, "links"), true, errs)) < 0)
			return r;
	}
	if (field_errors_any(errs))
		return ERR_INVAL;
	char ts[32];
	int64_t rid;
	const json_t *links = json_object_get(body, "links");
	const char *kind = opt(body, "relief_kind") ? opt(body, "relief_kind") : "vacatur";
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = db_int64f(db, &rid,
			   "INSERT INTO relief_record (person_id, court, offence, offence_date, relief_kind, status,"
			   " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?, ?)"
			   " RETURNING id",
			   "itttttitt", person_id, json_get_str(body, "court"), json_get_str(body, "offence"),
			   opt(body, "offence_date"), kind, relief_status_name(RELIEF_IDENTIFIED), ctx->actor->user_id, ts,
			   ts)) < 0 ||
	    (r = sealed_put_row(db, ctx->app, "relief_record", rid,
				(const struct sealed_col[]){{"docket", opt(body, "docket")},
							    {"defence_notes", opt(body, "defence_notes")}},
				2)) < 0 ||
	    (r = links_write(db, liaison_region(ctx), rid, links)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "relief.create", "relief", rid, "person=%lld kind=%s links=%zu",
				   (long long)person_id, kind, json_array_size(links))) < 0 ||
	    (r = relief_one(db, ctx->app, rid, ret)) < 0) {
		db_rollback(db);
		return r;
	}
	if ((r = db_commit(db)) < 0) {
		db_rollback(db);
		json_decref(*ret);
		*ret = NULL;
	}
	return r;
}

/* ---- changing one ---- */

struct relief_head {
	int64_t person_id, version;
	enum relief_status status;
	char petition_filed_on[16], hearing_on[16], decided_on[16];
};

static int head_load(struct db *db, int64_t rid, struct relief_head *h)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT person_id, version, status, petition_filed_on, hearing_on, decided_on FROM relief_record"
			" WHERE id = ?",
			"i", rid);
	if (r < 0)
		return r;
	h->person_id = db_column_int64(st, 0);
	h->version = db_column_int64(st, 1);
	r = relief_status_parse(db_column_text(st, 2), &h->status);
	str_copy(h->petition_filed_on, sizeof h->petition_filed_on, db_column_text(st, 3) ? db_column_text(st, 3) : "");
	str_copy(h->hearing_on, sizeof h->hearing_on, db_column_text(st, 4) ? db_column_text(st, 4) : "");
	str_copy(h->decided_on, sizeof h->decided_on, db_column_text(st, 5) ? db_column_text(st, 5) : "");
	db_finalize(st);
	return r;
}

/* The dates after the change: given ones, else kept, and the day a move
 * happened when it needs one and none is given. */
struct relief_dates {
	const char *filed, *hearing, *decided;
	char today[16];
};

static int check_move(const json_t *body, const struct relief_head *h, enum relief_status to,
		      struct relief_dates *d, struct field_errors *errs, struct case_conflict *cf)
{
	struct cmp_date t = cmp_date_local(now() / HL_USEC_PER_SEC);
	snprintf(d->today, sizeof d->today, "%04d-%02d-%02d", t.y, t.m, t.d);
	d->filed = json_object_get(body, "petition_filed_on") ? opt(body, "petition_filed_on")
	       : *h->petition_filed_on				  ? h->petition_filed_on
								  : NULL;
	d->hearing = json_object_get(body, "hearing_on") ? opt(body, "hearing_on") : *h->hearing_on ? h->hearing_on : NULL;
	d->decided = json_object_get(body, "decided_on") ? opt(body, "decided_on") : *h->decided_on ? h->decided_on : NULL;
	if (to != h->status && !relief_status_may(h->status, to)) {
		enum relief_status out[RELIEF_STATUS_COUNT];
		size_t n = relief_status_allowed(h->status, out);
		cf->allowed = allowed_json(relief_status_name(h->status));
		persons_conflict(cf, "illegal-transition", "A record %s cannot become %s%s",
				 relief_status_label(h->status), relief_status_label(to),
				 n ? "" : ": the court has decided; a new petition is a new record");
		return cf->allowed ? ERR_CONFLICT : ERR_NOMEM;
	}
	if (to >= RELIEF_PETITION_FILED && !d->filed)
		d->filed = d->today;
	if (to == RELIEF_HEARING_SET && !d->hearing)
		field_error_add(errs, "hearing_on", "Give the date of the hearing");
	if ((to == RELIEF_GRANTED || to == RELIEF_DENIED) && !d->decided)
		d->decided = d->today;
	if (d->decided && d->filed && strcmp(d->decided, d->filed) < 0)
		field_error_add(errs, "decided_on", "The decision cannot come before the petition was filed (%s)", d->filed);
	if (d->hearing && d->filed && strcmp(d->hearing, d->filed) < 0)
		field_error_add(errs, "hearing_on", "The hearing cannot come before the petition was filed (%s)", d->filed);
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

/* A decided record (granted or denied) keeps what the court decided on:
 * its records, court, offence, its date and the kind of relief. */
static int check_decided(const json_t *body, const struct relief_head *h, struct case_conflict *cf)
{
	static const char *const kept[] = {"links", "court", "offence", "offence_date", "relief_kind", NULL};
	if (h->status != RELIEF_GRANTED && h->status != RELIEF_DENIED)
		return 0;
	for (size_t i = 0; kept[i]; i++)
		if (json_object_get(body, kept[i])) {
			persons_conflict(cf, "conflict", "This relief was decided; record a new one to correct it.");
			return ERR_CONFLICT;
		}
	return 0;
}

/* The write itself: the row, its sealed fields and its links. */
static int relief_write(const struct svc_ctx *ctx, struct db *db, int64_t rid, int64_t version, const json_t *body,
			enum relief_status to, const struct relief_dates *d, const char *ts)
{
	const char *court = opt(body, "court"), *offence = opt(body, "offence"), *kind = opt(body, "relief_kind");
	int64_t rows = 0;
	int r = db_execnf(db, &rows,
			 "UPDATE relief_record SET status = ?, court = COALESCE(?, court), offence = COALESCE(?, offence),"
			 " relief_kind = COALESCE(?, relief_kind), offence_date = CASE WHEN ? = 1 THEN ? ELSE offence_date END,"
			 " petition_filed_on = ?, hearing_on = ?, decided_on = ?, version = version + 1, updated_at = ?"
			 " WHERE id = ? AND version = ? RETURNING id",
			 "ttttdtttttii", relief_status_name(to), court, offence, kind,
			 json_object_get(body, "offence_date") ? 1 : 0, opt(body, "offence_date"), d->filed, d->hearing,
			 d->decided, ts, rid, version);
	/* Another write came between the read and this one. */
	if (r == 0 && rows != 1)
		r = ERR_CONFLICT;
	static const char *const sealed[] = {"docket", "outcome", "defence_notes", NULL};
	struct sealed_col given[sizeof sealed / sizeof sealed[0]];
	size_t n = 0;
	for (size_t i = 0; sealed[i]; i++)
		if (json_object_get(body, sealed[i]))
			given[n++] = (struct sealed_col){sealed[i], opt(body, sealed[i])};
	if (r == 0 && n > 0)
		r = sealed_put_row(db, ctx->app, "relief_record", rid, given, n);
	if (r == 0 && json_object_get(body, "links"))
		r = links_write(db, liaison_region(ctx), rid, json_object_get(body, "links"));
	return r;
}

int svc_relief_update(const struct svc_ctx *ctx, int64_t rid, const json_t *body, struct field_errors *errs,
		      struct case_conflict *cf, json_t **ret)
{
	struct db *db;
	struct relief_head h;
	int r = svc_enter(ctx, PERM_RELIEF_WRITE, &db);
	if (r < 0 || (r = head_load(db, rid, &h)) < 0)
		return r;
	struct person_reach pr;
	bool reached;
	persons_reach(ctx, &pr);
	if ((r = persons_reached(ctx, db, &pr, h.person_id)) < 0 || (r = relief_reached(ctx, db, rid, &reached)) < 0)
		return r;
	if (!reached)
		return ERR_NOTFOUND;
	if ((r = check_decided(body, &h, cf)) < 0)
		return r;
	if (schema_check(&svc_relief_update_schema, body, errs) == 0) {
		check_fields(ctx->app->pack, body, errs);
		if ((r = check_links(ctx, db, h.person_id, json_object_get(body, "links"), false, errs)) < 0)
			return r;
	}
	if (field_errors_any(errs))
		return ERR_INVAL;
	if (json_integer_value(json_object_get(body, "version")) != h.version) {
		persons_conflict(cf, "stale-version", "This record changed since you read it: reload it and try again");
		return ERR_CONFLICT;
	}
	enum relief_status to = h.status;
	if (json_get_str(body, "status") && (r = relief_status_parse(json_get_str(body, "status"), &to)) < 0)
		return r;
	struct relief_dates d;
	if ((r = check_move(body, &h, to, &d, errs, cf)) < 0)
		return r;
	char ts[32];
	int64_t restricts = 0, before = 0;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = db_begin(db)) < 0)
		return r;
	if ((r = db_int64f(db, &before, "SELECT count(*) FROM relief_link WHERE relief_id = ?", "i", rid)) < 0 ||
	    (r = relief_write(ctx, db, rid, h.version, body, to, &d, ts)) < 0 ||
	    (r = db_int64f(db, &restricts, "SELECT count(*) FROM relief_link WHERE relief_id = ?", "i", rid)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "relief.update", "relief", rid,
				   "person=%lld links=%lld->%lld status=%s%s%s restricts=%lld", (long long)h.person_id,
				   (long long)before, (long long)restricts, relief_status_name(h.status),
				   to != h.status ? "->" : "", to != h.status ? relief_status_name(to) : "",
				   (long long)(to == RELIEF_GRANTED ? restricts : 0))) < 0 ||
	    (r = relief_one(db, ctx->app, rid, ret)) < 0) {
		db_rollback(db);
		if (r == ERR_CONFLICT)
			persons_conflict(cf, "stale-version", "This record changed since you read it: reload it and try again");
		return r;
	}
	if ((r = db_commit(db)) < 0) {
		db_rollback(db);
		json_decref(*ret);
		*ret = NULL;
	}
	return r;
}
