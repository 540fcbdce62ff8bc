/* Is this child known? The candidates for a child of a report, and the
 * link of the child to a known person or to a new one. */
#include "service/intake/intake_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/str.h"
#include "model/schema.h"
#include "service/audit.h"
#include "service/figures.h"
#include "service/persons.h"
#include "service/sealed.h"


/* The body of a link, {person_id} or {new_person: true}; that exactly one
 * is given is the handler's to say, as the service takes the choice made. */
static const struct field_rule link_fields[] = {
	{"person_id", FT_INT, .required = false},
	{"new_person", FT_BOOL, .required = false},
	{.key = NULL},
};
const struct schema svc_intake_link_schema = {.name = "intake link", .fields = link_fields};

/* ---- is this child known? ---- */

struct child_names {
	int64_t cid;
	char *given, *family, *dob, *aliases;
	int estimated_age;
	char sex[8], town[64];
	int64_t person_id;
};

static void child_names_done(struct child_names *c)
{
	free(c->given);
	free(c->family);
	free(c->dob);
	free(c->aliases);
}

static int load_child(struct app *app, struct db *db, int64_t id, int child, struct child_names *c)
{
	memset(c, 0, sizeof *c);
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT id, given_name, family_name, dob, aliases, estimated_age, sex, town, person_id"
			" FROM intake_child WHERE intake_id = ? AND position = ?",
			"id", id, child);
	if (r < 0)
		return r;
	c->cid = db_column_int64(st, 0);
	if ((r = sealed_get(app, st, 1, "intake_child", "given_name", c->cid, &c->given)) == 0 &&
	    (r = sealed_get(app, st, 2, "intake_child", "family_name", c->cid, &c->family)) == 0 &&
	    (r = sealed_get(app, st, 3, "intake_child", "dob", c->cid, &c->dob)) == 0)
		r = sealed_get(app, st, 4, "intake_child", "aliases", c->cid, &c->aliases);
	c->estimated_age = db_column_is_null(st, 5) ? -1 : (int)db_column_int64(st, 5);
	if (r == 0)
		r = str_copy(c->sex, sizeof c->sex, db_column_text(st, 6) ? db_column_text(st, 6) : "");
	if (r == 0)
		r = str_copy(c->town, sizeof c->town, db_column_text(st, 7) ? db_column_text(st, 7) : "");
	c->person_id = db_column_is_null(st, 8) ? 0 : db_column_int64(st, 8);
	db_finalize(st);
	if (r < 0)
		child_names_done(c);
	return r;
}

int svc_intake_candidates(const struct svc_ctx *ctx, int64_t id, int child, json_t **ret)
{
	struct db *db;
	struct intake_head h;
	int r = intake_open(ctx, PERM_INTAKE_WRITE, id, &db, &h);
	if (r < 0)
		return r;
	struct child_names c;
	if ((r = load_child(ctx->app, db, id, child, &c)) < 0)
		return r;
	struct person_query q = {
		.given_name = c.given, .family_name = c.family, .dob = c.dob, .sex = c.sex, .town = c.town,
		.age = c.dob ? -1 : c.estimated_age,
	};
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct person_candidate *cand = NULL;
	size_t n = 0;
	struct person_verdict v = {0};
	r = svc_persons_find(ctx, &q, 0, 10, &errs, &cand, &n, &v);
	json_t *list = json_array();
	/* A report with only a given name cannot be searched: no candidates,
	 * and the reason. */
	const char *why = NULL;
	if (r == ERR_INVAL) {
		why = json_get_str(json_array_get(errs.list, 0), "reason");
		r = 0;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		json_t *reasons = json_array();
		for (int k = 0; k < cand[i].nwhy; k++)
			json_array_append_new(reasons, json_pack("{s:s, s:s, s:f, s:s}", "field", cand[i].why[k].field,
								 "level", cand[i].why[k].level, "weight",
								 cand[i].why[k].weight, "text", cand[i].why[k].text));
		json_t *e = json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:f, s:s, s:o}", "person_id",
				      (json_int_t)cand[i].person_id, "given_name", cand[i].given_name, "family_name",
				      cand[i].family_name, "dob", cand[i].dob, "sex", cand[i].sex[0] ? cand[i].sex : NULL,
				      "town", cand[i].town[0] ? cand[i].town : NULL, "probability", cand[i].probability,
				      "band", cand[i].band, "explanation", reasons);
		json_object_set_new(e, "age", cand[i].age >= 0 ? json_integer(cand[i].age) : json_null());
		json_array_append_new(list, e);
	}
	/* verdict: never "new" for a child described too thinly to tell
	 * (a family name alone); total: how many share it. */
	*ret = json_pack("{s:o, s:s?, s:o, s:s?, s:I, s:b}", "candidates", list, "not_searched", why,
			 "linked_person_id", c.person_id ? json_integer(c.person_id) : json_null(), "verdict",
			 why ? NULL : v.verdict, "total", (json_int_t)v.total, "by_family", v.by_family);
	if (!*ret && r == 0)
		r = ERR_NOMEM;
	person_candidates_free(cand, n);
	field_errors_done(&errs);
	child_names_done(&c);
	return r;
}

/* Link child `child` of report id to person_id, or to a new person
 * recorded from what the report says (person_id 0); the caller has checked
 * permission and scope. */
static int link_child(const struct svc_ctx *ctx, struct db *db, int64_t id, int child, int64_t person_id,
		      struct field_errors *errs, int64_t *ret_person)
{
	int r;
	struct child_names c;
	if ((r = load_child(ctx->app, db, id, child, &c)) < 0)
		return r;
	/* A database error is an error: answering "no such person" for it
	 * would send the worker to record the child twice. */
	int64_t exists = 0;
	if (person_id > 0 &&
	    (r = db_int64f(db, &exists, "SELECT count(*) FROM person WHERE id = ?", "i", person_id)) < 0) {
		child_names_done(&c);
		return r;
	}
	if (person_id > 0 && !exists) {
		field_error_add(errs, "person_id", "Person: no such person; search again and choose one from the list");
		child_names_done(&c);
		return ERR_INVAL;
	}
	/* A new child is recorded from what the report says, in the same
	 * transaction as the link: a failed link leaves no one recorded. */
	const char *aliases[8];
	size_t na = 0;
	json_t *al = person_id <= 0 && c.aliases ? json_loads(c.aliases, 0, NULL) : NULL;
	size_t k;
	json_t *a;
	json_array_foreach(al, k, a)
	{
		if (na < 8 && json_is_string(a))
			aliases[na++] = json_string_value(a);
	}
	struct person_new p = {
		.given_name = c.given, .family_name = c.family, .aliases = aliases, .naliases = na, .dob = c.dob,
		.estimated_age = c.dob ? -1 : c.estimated_age, .sex = c.sex, .town = c.town,
	};
	/* Opening a case records the child as a new person too (a liaison
	 * may open a case but not record children otherwise): the person
	 * is recorded, and audited, as the same user. */
	struct actor as = *ctx->actor;
	if (!role_may(as.role, PERM_PERSONS_WRITE))
		as.role = ROLE_HART;
	struct svc_ctx pctx = {.app = ctx->app, .actor = &as, .client = ctx->client};
	bool new_person = person_id <= 0;
	/* Inside a use case's transaction (opening a case), the link is one
	 * of its steps: the caller commits, and registers the person. */
	bool joined = db_in_transaction(db);
	char ts[32];
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (!joined && (r = db_begin(db)) < 0))
		goto out;
	if (new_person && (r = persons_insert(&pctx, db, &p, 1, errs, &person_id)) < 0)
		goto fail;
	r = db_execf(db, "UPDATE intake_child SET person_id = ?, linked_by = ?, linked_at = ? WHERE id = ?", "iiti",
		     person_id, ctx->actor->user_id, ts, c.cid);
	if (r < 0 || (r = figures_child_linked(db, id, child, person_id)) < 0 ||
	    (r = svc_audit_appendf(db, ctx, "intake.link", "intake", id, "child=%d person=%lld", child,
				   (long long)person_id)) < 0)
		goto fail;
	if (!joined && (r = db_commit(db)) < 0)
		goto fail;
	if (!joined && new_person && (r = persons_register(ctx->app, &p, 1, &person_id)) < 0)
		goto out;
	*ret_person = person_id;
	goto out;
fail:
	if (!joined)
		db_rollback(db);
out:
	json_decref(al);
	child_names_done(&c);
	return r;
}

int svc_intake_link(const struct svc_ctx *ctx, int64_t id, int child, int64_t person_id, struct field_errors *errs,
		    int64_t *ret_person)
{
	struct db *db;
	struct intake_head h;
	int r = intake_open(ctx, PERM_INTAKE_WRITE, id, &db, &h);
	if (r < 0)
		return r;
	return link_child(ctx, db, id, child, person_id, errs, ret_person);
}

int intake_child_new_person(const struct svc_ctx *ctx, int64_t id, int child, struct field_errors *errs,
			    int64_t *ret_person)
{
	struct db *db;
	int r = app_db(ctx->app, &db);
	if (r < 0)
		return r;
	return link_child(ctx, db, id, child, 0, errs, ret_person);
}

