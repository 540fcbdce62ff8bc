/* h_providers.c: handlers for the provider directory, its public export
 * and the offers of rapid response dispatch (docs/recovery.md,
 * "Providers"). The services check permission and input; a handler reads
 * the path and query, and turns a refusal into its answer. */
#include "http/h_providers.h"

#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "service/cases.h"
#include "service/providers.h"

/* 409 for a code taken or a stale version, else as http_answer. */
static int provider_answer(struct http_resp *resp, int r, struct field_errors *errs, int status, json_t *out)
{
	if (r == ERR_EXISTS || r == ERR_CONFLICT) {
		field_errors_done(errs);
		json_t *errors = r == ERR_EXISTS ? json_pack("[{s:s, s:s}]", "field", "code", "reason",
							     "Code: another provider has this code; choose another")
						 : NULL;
		return r == ERR_EXISTS ? http_problem(resp, 409, "conflict", "Provider code taken",
						      "another provider has this code; choose another", errors)
				       : http_problem(resp, 409, "stale-version", "Changed by someone else",
						      "the provider was changed since you read it; reload and try again",
						      NULL);
	}
	return http_answer(resp, r, errs, status, out);
}

int h_provider_create(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 50);
	json_t *out = NULL;
	int r = svc_provider_create(&ctx, req->json, &errs, &out);
	if (r == 0)
		http_header_add(resp, "Location",
				arena_printf(&req->arena, "/api/v1/providers/%lld",
					     (long long)json_integer_value(json_object_get(out, "id"))));
	return provider_answer(resp, r, &errs, 201, out);
}

int h_provider_get(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_provider_get);
}

int h_provider_update(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 50);
	if (r < 0)
		return r;
	json_t *out = NULL;
	r = svc_provider_update(&ctx, id, req->json, &errs, &out);
	return provider_answer(resp, r, &errs, 200, out);
}

/* An integer query argument in lo..hi, or dflt when absent. */
static int64_t query_int(struct http_req *req, const char *key, int64_t lo, int64_t hi, int64_t dflt,
			 const char *reason, struct field_errors *errs)
{
	const char *v = http_query(req, key);
	int64_t n;
	if (!v || !*v)
		return dflt;
	if (str_to_int64(v, lo, hi, &n) < 0) {
		field_error_add(errs, key, "%s", reason);
		return dflt;
	}
	return n;
}

/* A query argument that must be one of two words: true for yes, false for
 * no or absent. */
static bool query_word(struct http_req *req, const char *key, const char *yes, const char *no,
		       struct field_errors *errs)
{
	const char *v = http_query(req, key);
	if (!v || !*v || (no && strcmp(v, no) == 0))
		return false;
	if (strcmp(v, yes) == 0)
		return true;
	field_error_add(errs, key, no ? "%s or %s" : "%s", yes, no);
	return false;
}

static const char *query_str(struct http_req *req, const char *key)
{
	const char *v = http_query(req, key);
	return v && *v ? v : NULL;
}

int h_providers_search(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct provider_filter f = {
		.service = query_str(req, "service"),
		.region = query_str(req, "region"),
		.population = query_str(req, "population"),
		.q = query_str(req, "q"),
		.after = query_str(req, "after"),
	};
	f.age = (int)query_int(req, "age", 0, 25, -1, "Age: a whole number from 0 to 25", &errs);
	f.limit = (int)query_int(req, "limit", 1, 500, 0, "from 1 to 500", &errs);
	f.open = query_word(req, "open", "true", "false", &errs);
	f.all = query_word(req, "active", "all", NULL, &errs);
	f.by_openings = query_word(req, "sort", "openings", "name", &errs);
	json_t *out = NULL;
	int r = field_errors_any(&errs) ? ERR_INVAL : svc_providers_search(&ctx, &f, &errs, &out);
	return http_answer(resp, r, &errs, 200, out);
}

int h_providers_export(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	buf_clear(&resp->body);
	int r = svc_providers_export_csv(&ctx, &resp->body);
	if (r < 0) {
		buf_clear(&resp->body);
		return r;
	}
	resp->status = 200;
	resp->content_type = "text/csv; charset=utf-8";
	http_header_add(resp, "Content-Disposition", "attachment; filename=\"provider-directory.csv\"");
	return 0;
}

int h_rapid_offers(struct http_req *req, struct http_resp *resp)
{
	return http_read_by_id(req, resp, svc_rapid_offers);
}
