/* POST /api/v1/training/sessions/{id}/imports: the session's sign-in sheet
 * as the body (text/csv); ?dry_run=true checks it and says what would
 * happen without writing. 201 with the counts when imported, 200 for a
 * dry run, 422 with every line's problem, 409 for a file imported before
 * (naming that import). */
#include "http/h_training_import.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "service/training_import.h"

int h_training_import(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int64_t id;
	struct field_errors errs;
	int r = http_id_errs(req, &id, &errs, 10);
	if (r < 0)
		return r;
	const char *v = http_query(req, "dry_run"), *file_name = http_query(req, "file_name");
	bool dry_run = v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
	if (v && *v && !dry_run && strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
		field_error_add(&errs, "dry_run", "true or false");
	if (file_name && strlen(file_name) > 200)
		field_error_add(&errs, "file_name", "at most 200 characters");
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	field_errors_done(&errs);
	struct timport_report rep;
	r = svc_training_import(&ctx, id, req->body.data ? (const char *)req->body.data : "", req->body.len,
				file_name && *file_name ? file_name : NULL, dry_run, NULL, NULL, &rep);
	if (r < 0) {
		timport_report_done(&rep);
		return r;
	}
	char detail[160];
	if (rep.earlier_id) {
		snprintf(detail, sizeof detail, "this file was imported on %.10s (import %lld): nothing was imported again",
			 rep.earlier_at, (long long)rep.earlier_id);
		timport_report_done(&rep);
		return http_problem_ext(resp, 409, "already-imported", "Already imported", detail,
					json_pack("{s:I}", "earlier_import_id", (json_int_t)rep.earlier_id));
	}
	json_t *j = timport_report_json(&rep);
	bool refused = rep.error_count > 0, written = rep.import_id > 0;
	long long problems = (long long)rep.error_count;
	timport_report_done(&rep);
	if (!j)
		return ERR_NOMEM;
	if (refused) {
		snprintf(detail, sizeof detail, "%lld problems in the file: nothing was imported", problems);
		return http_problem_ext(resp, 422, "import-refused", "Import refused", detail, j);
	}
	return http_json(resp, written ? 201 : 200, j);
}
