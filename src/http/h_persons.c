/* Handlers for persons: is this child known? A child's page, merging two
 * records, record relief and breaking the glass (docs/recovery.md). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "http/h_persons.h"
#include "http/http.h"
#include "service/child.h"
#include "service/persons.h"
#include "service/relief.h"

int h_persons_match(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	json_t *age = json_object_get(req->json, "age");
	if (age && json_is_integer(age) && (json_integer_value(age) < 0 || json_integer_value(age) > 25))
		field_error_add(&errs, "age", "from 0 to 25");
	/* A page of the children listed by family name alone. */
	json_t *off = json_object_get(req->json, "offset"), *lim = json_object_get(req->json, "limit");
	if (off && json_is_integer(off) && json_integer_value(off) < 0)
		field_error_add(&errs, "offset", "0 or more");
	if (lim && json_is_integer(lim) && (json_integer_value(lim) < 1 || json_integer_value(lim) > 50))
		field_error_add(&errs, "limit", "from 1 to 50");
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	size_t offset = off && json_is_integer(off) ? (size_t)json_integer_value(off) : 0;
	size_t limit = lim && json_is_integer(lim) ? (size_t)json_integer_value(lim) : 10;
	struct person_query q = {
		.given_name = json_get_str(req->json, "given_name"),
		.family_name = json_get_str(req->json, "family_name"),
		.dob = json_get_str(req->json, "dob"),
		.sex = json_get_str(req->json, "sex"),
		.town = json_get_str(req->json, "town"),
		.age = age && json_is_integer(age) ? (int)json_integer_value(age) : -1,
	};
	struct person_candidate *c;
	size_t n;
	struct person_verdict v;
	r = svc_persons_find(&ctx, &q, offset, limit, &errs, &c, &n, &v);
	if (r == ERR_INVAL)
		return http_problem_fields(resp, &errs);
	field_errors_done(&errs);
	if (r < 0)
		return r;
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *why = json_array();
		for (int k = 0; k < c[i].nwhy; k++)
			json_array_append_new(why, json_pack("{s:s, s:s, s:f, s:s}", "field", c[i].why[k].field, "level",
							      c[i].why[k].level, "weight", c[i].why[k].weight, "text",
							      c[i].why[k].text));
		json_t *j = json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:f, s:s, s:o}", "person_id",
				      (json_int_t)c[i].person_id, "given_name", c[i].given_name, "family_name",
				      c[i].family_name, "dob", c[i].dob, "sex", c[i].sex[0] ? c[i].sex : NULL, "town",
				      c[i].town[0] ? c[i].town : NULL, "probability", c[i].probability, "band", c[i].band,
				      "explanation", why);
		if (c[i].age >= 0)
			json_object_set_new(j, "age", json_integer(c[i].age));
		else
			json_object_set_new(j, "age", json_null());
		json_array_append_new(list, j);
	}
	person_candidates_free(c, n);
	json_t *needed = json_array();
	for (size_t k = 0; needed && k < sizeof v.needed / sizeof *v.needed && v.needed[k]; k++)
		if (json_array_append_new(needed, json_string(v.needed[k])) < 0) {
			json_decref(needed);
			needed = NULL;
		}
	json_t *body = json_pack("{s:o, s:I, s:s, s:o*, s:I, s:I, s:I, s:b}", "candidates", list, "registry_size",
				 (json_int_t)persons_registry_count(req->app), "verdict", v.verdict, "needed", needed,
				 "total", (json_int_t)v.total, "offset", (json_int_t)v.offset, "limit", (json_int_t)limit,
				 "by_family", v.by_family);
	if (!body || !needed) {
		json_decref(body);
		return ERR_NOMEM;
	}
	return http_json(resp, 200, body);
}

/* ---- the child's page, merges, relief, break the glass ---- */

/* The answer to a refusal: 422 with the fields, 409 with why (an illegal
 * transition lists the statuses allowed), else the error. */
static int refusal(struct http_resp *resp, int r, struct field_errors *errs, struct case_conflict *cf)
{
	if (r == ERR_INVAL && field_errors_any(errs))
		return http_problem_fields(resp, errs);
	field_errors_done(errs);
	json_t *allowed = cf->allowed;
	cf->allowed = NULL;
	if (r == ERR_CONFLICT && cf->slug && strcmp(cf->slug, "illegal-transition") == 0)
		return http_problem_ext(resp, 409, "illegal-transition", "Illegal transition", cf->detail,
					json_pack("{s:o}", "allowed", allowed ? allowed : json_array()));
	json_decref(allowed);
	if (r == ERR_CONFLICT && cf->slug)
		return http_problem(resp, 409, cf->slug, "Conflict", cf->detail, NULL);
	return r;
}

typedef int (*conflict_write_fn)(const struct svc_ctx *, int64_t, const json_t *, struct field_errors *,
				 struct case_conflict *, json_t **);

static int conflict_write(struct http_req *req, struct http_resp *resp, conflict_write_fn fn, int status)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 50);
	if (r < 0)
		return r;
	struct case_conflict cf = {0};
	json_t *out = NULL;
	if ((r = fn(&ctx, id, req->json, &errs, &cf, &out)) < 0)
		return refusal(resp, r, &errs, &cf);
	field_errors_done(&errs);
	return http_json(resp, status, out);
}

int h_person_page(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_person_page);
}

int h_person_merge(struct http_req *req, struct http_resp *resp)
{
	return conflict_write(req, resp, svc_person_merge, 201);
}

int h_person_merge_undo(struct http_req *req, struct http_resp *resp)
{
	return conflict_write(req, resp, svc_person_merge_undo, 200);
}

int h_relief_update(struct http_req *req, struct http_resp *resp)
{
	return conflict_write(req, resp, svc_relief_update, 200);
}

int h_relief_list(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 4);
	if (r < 0)
		return r;
	struct page_query q;
	http_page_query(req, &q);
	json_t *out = NULL;
	r = svc_relief_list(&ctx, id, &q, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_relief_create(struct http_req *req, struct http_resp *resp)
{
	return http_write_by_id(req, resp, svc_relief_create, 50, 201);
}

int h_break_glass(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct case_conflict cf = {0};
	json_t *out = NULL;
	int r = svc_break_glass(&ctx, req->json, &errs, &cf, &out);
	if (r < 0)
		return refusal(resp, r, &errs, &cf);
	field_errors_done(&errs);
	return http_json(resp, 201, out);
}
