/* Handlers for persons: is this child known? */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "http/http.h"
#include "service/persons.h"

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
