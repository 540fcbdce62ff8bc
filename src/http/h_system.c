/* Handlers for the installation itself: health, configuration, packs. */
#include <stdio.h>

#include "base/err.h"
#include "http/http.h"
#include "model/pack.h"
#include "service/system.h"

int h_healthz(struct http_req *req, struct http_resp *resp)
{
	struct svc_health h;
	int r = svc_system_health(req->app, &h);
	if (r < 0 || !h.ok)
		return http_json(resp, 503,
				 json_pack("{s:s, s:s, s:n}", "status", "unavailable", "db", db_engine_name(h.engine),
					   "schema"));
	return http_json(resp, 200,
			 json_pack("{s:s, s:s, s:i}", "status", "ok", "db", db_engine_name(h.engine), "schema",
				   h.schema));
}

/* The words of the values the pages show and offer beside the pack's and
 * the case vocabularies: the page keeps no copy, so what it shows is what
 * the server says. The values are the services' (deadlines, teams,
 * screening, intake); the lists here are their words for people. */
struct term {
	const char *id, *label;
};

static const struct term duty_statuses[] = {
	{"open", "Open"}, {"overdue", "Overdue"}, {"met_on_time", "Met on time"}, {"met_late", "Met late"}, {NULL, NULL},
};
static const struct term review_statuses[] = {
	{"scheduled", "Scheduled"}, {"held", "Held"}, {"cancelled", "Cancelled"}, {NULL, NULL},
};
static const struct term screening_levels[] = {
	{"no", "No concern"},          {"possible", "Possible concern"}, {"clear", "Clear concern"},
	{"positive", "Positive screen"}, {"negative", "Negative screen"}, {NULL, NULL},
};
/* Where a child on a report lives; "Not known" is the form's empty choice. */
static const struct term intake_placements[] = {
	{"home", "At home"}, {"foster", "Foster home"}, {"congregate_care", "Congregate care"},
	{"homeless", "Homeless"}, {NULL, NULL},
};

static int add_terms(json_t *out, const char *key, const struct term *t)
{
	json_t *arr = json_array();
	for (; arr && t->id; t++)
		if (json_array_append_new(arr, json_pack("{s:s, s:s}", "id", t->id, "label", t->label)) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr && json_object_set_new(out, key, arr) == 0 ? 0 : ERR_NOMEM;
}

int h_config(struct http_req *req, struct http_resp *resp)
{
	json_t *out = NULL;
	int r = svc_system_config(req->app, &out);
	if (r < 0)
		return r;
	if ((r = add_terms(out, "duty_statuses", duty_statuses)) < 0 ||
	    (r = add_terms(out, "review_statuses", review_statuses)) < 0 ||
	    (r = add_terms(out, "screening_levels", screening_levels)) < 0 ||
	    (r = add_terms(out, "intake_placements", intake_placements)) < 0) {
		json_decref(out);
		return r;
	}
	return http_json(resp, 200, out);
}

int h_config_validate(struct http_req *req, struct http_resp *resp)
{
	struct field_errors errs;
	field_errors_init(&errs, PACK_PROBLEMS_LISTED);
	json_t *sum = NULL;
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_system_validate_pack(&ctx, req->json, &errs, &sum);
	if (r == ERR_INVAL) {
		char detail[64];
		snprintf(detail, sizeof detail, "%zu problem%s in the configuration", errs.count,
			 errs.count == 1 ? "" : "s");
		json_t *list = json_incref(errs.list);
		field_errors_done(&errs);
		return http_problem(resp, 422, "validation", "The configuration has problems", detail, list);
	}
	field_errors_done(&errs);
	if (r < 0)
		return r;
	if (json_object_set_new(sum, "valid", json_true()) != 0) {
		json_decref(sum);
		return ERR_NOMEM;
	}
	return http_json(resp, 200, sum);
}
