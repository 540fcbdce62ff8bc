/* Handlers for the installation itself: health, configuration, packs. */
#include <stdio.h>

#include "base/err.h"
#include "http/http.h"
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

int h_config(struct http_req *req, struct http_resp *resp)
{
	json_t *out;
	int r = svc_system_config(req->app, &out);
	if (r < 0)
		return r;
	return http_json(resp, 200, out);
}

int h_config_validate(struct http_req *req, struct http_resp *resp)
{
	struct field_errors errs;
	field_errors_init(&errs, 100);
	struct svc_pack_summary sum;
	struct svc_ctx ctx = http_ctx(req);
	int r = svc_system_validate_pack(&ctx, req->json, &errs, &sum);
	if (r == ERR_INVAL) {
		char detail[64];
		snprintf(detail, sizeof detail, "%zu problem%s in the pack", errs.count, errs.count == 1 ? "" : "s");
		json_t *list = json_incref(errs.list);
		field_errors_done(&errs);
		return http_problem(resp, 422, "validation", "Invalid jurisdiction pack", detail, list);
	}
	field_errors_done(&errs);
	if (r < 0)
		return r;
	return http_json(resp, 200,
			 json_pack("{s:b, s:s, s:I, s:I, s:I}", "valid", 1, "id", sum.id, "regions",
				   (json_int_t)sum.regions, "offices", (json_int_t)sum.offices, "towns",
				   (json_int_t)sum.towns));
}
