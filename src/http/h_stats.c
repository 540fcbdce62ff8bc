/* Handlers for the figures (docs/figures.md) and the import of past
 * years' referrals (docs/import.md). The services check permission, scope
 * and the query; a handler reads the query string and sends the figure in
 * the format asked for. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "http/h_stats.h"
#include "service/figures.h"
#include "service/import.h"

enum format { FMT_JSON, FMT_CSV, FMT_XLSX, FMT_SVG };

/* A query flag: true, false or absent. */
static bool query_flag(struct http_req *req, const char *key, struct field_errors *errs)
{
	const char *v = http_query(req, key);
	if (!v || !*v || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return false;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		return true;
	field_error_add(errs, key, "true or false");
	return false;
}

static enum format query_format(struct http_req *req, struct field_errors *errs)
{
	const char *v = http_query(req, "format");
	if (!v || !*v || strcmp(v, "json") == 0)
		return FMT_JSON;
	if (strcmp(v, "csv") == 0)
		return FMT_CSV;
	if (strcmp(v, "xlsx") == 0)
		return FMT_XLSX;
	if (strcmp(v, "svg") == 0)
		return FMT_SVG;
	field_error_add(errs, "format", "Format: choose a table, a spreadsheet or a picture");
	return FMT_JSON;
}

/* A file name for a download: the figure, and what it is by. */
static const char *download_name(struct http_req *req, const struct figure *f, const char *ext)
{
	char name[96];
	if (f->then[0])
		snprintf(name, sizeof name, "%s-by-%s-and-%s", f->figure, f->by, f->then);
	else if (f->by[0] && strcmp(f->figure, "repeat") != 0 && strcmp(f->figure, "federal") != 0)
		snprintf(name, sizeof name, "%s-by-%s", f->figure, f->by);
	else
		snprintf(name, sizeof name, "%s", f->figure);
	for (char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			*p = '-';
	return arena_printf(&req->arena, "attachment; filename=\"%s.%s\"", name, ext);
}

static int send_figure(struct http_req *req, struct http_resp *resp, const struct figure *f, enum format fmt)
{
	if (fmt == FMT_JSON)
		return http_json(resp, 200, figure_json(f));
	buf_clear(&resp->body);
	int r;
	const char *type, *ext = NULL;
	switch (fmt) {
	case FMT_CSV:
		r = figure_csv(f, &resp->body);
		type = "text/csv; charset=utf-8";
		ext = "csv";
		break;
	case FMT_XLSX:
		r = figure_xlsx(f, &resp->body);
		type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
		ext = "xlsx";
		break;
	default:
		r = figure_svg(f, &resp->body);
		type = "image/svg+xml";
		break;
	}
	if (r < 0) {
		buf_clear(&resp->body);
		if (r == ERR_INVAL && fmt == FMT_SVG)
			return http_problem(resp, 422, "validation", "Invalid input",
					    "this figure cannot be drawn: too many or no categories", NULL);
		return http_problem_from_err(resp, r);
	}
	resp->status = 200;
	resp->content_type = type;
	if (ext)
		http_header_add(resp, "Content-Disposition", download_name(req, f, ext));
	return 0;
}

static int stats(struct http_req *req, struct http_resp *resp, const char *figure)
{
	struct svc_ctx ctx = http_ctx(req);
	int r;
	struct field_errors errs;
	field_errors_init(&errs, 20);
	struct figure_query q = {
		.figure = figure,
		.by = http_query(req, "by"),
		.then = http_query(req, "then"),
		.measure = http_query(req, "measure"),
		.from = http_query(req, "from"),
		.to = http_query(req, "to"),
		.region = http_query(req, "region"),
		.kind = http_query(req, "kind"),
		.fy = http_query(req, "fy"),
	};
	q.suppressed = query_flag(req, "suppressed", &errs);
	enum format fmt = query_format(req, &errs);
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	struct figure f;
	memset(&f, 0, sizeof f);
	if ((r = svc_stats_figure(&ctx, &q, &errs, &f)) < 0) {
		if (r == ERR_INVAL && field_errors_any(&errs))
			return http_problem_fields(resp, &errs);
		field_errors_done(&errs);
		return r;
	}
	field_errors_done(&errs);
	r = send_figure(req, resp, &f, fmt);
	figure_free(&f);
	return r;
}

/* GET /api/v1/stats/{figure}: each figure is a route of its own (the
 * table lists them, and a figure not listed is a 404), answered by this
 * one handler, which reads the figure's name from the path. */
int h_stats(struct http_req *req, struct http_resp *resp)
{
	const char *slash = strrchr(req->path, '/');
	return stats(req, resp, slash ? slash + 1 : "");
}

/* The file is the body (text/csv); ?dry_run=true checks without writing.
 * 201 with the report when imported (a batch was made), 200 when checked,
 * and when refused a 422 problem whose members are the report's (errors:
 * every line, column and reason). */
int h_import_referrals(struct http_req *req, struct http_resp *resp)
{
	struct svc_ctx ctx = http_ctx(req);
	int r;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	bool dry_run = query_flag(req, "dry_run", &errs);
	const char *file_name = http_query(req, "file_name");
	if (file_name && strlen(file_name) > 200)
		field_error_add(&errs, "file_name", "at most 200 characters");
	if (field_errors_any(&errs))
		return http_problem_fields(resp, &errs);
	field_errors_done(&errs);
	struct import_report rep;
	memset(&rep, 0, sizeof rep);
	r = svc_import_referrals(&ctx, req->body.data ? (const char *)req->body.data : "", req->body.len,
				 file_name && *file_name ? file_name : NULL, dry_run, NULL, NULL, &rep);
	if (r < 0) {
		import_report_done(&rep);
		return r;
	}
	json_t *j = import_report_json(&rep);
	bool refused = rep.error_count > 0, written = rep.batch_id > 0;
	import_report_done(&rep);
	if (!j)
		return ERR_NOMEM;
	if (refused) {
		char detail[96];
		snprintf(detail, sizeof detail, "%lld problems in the file: nothing was imported",
			 (long long)json_integer_value(json_object_get(j, "error_count")));
		return http_problem_ext(resp, 422, "import-refused", "Import refused", detail, j);
	}
	return http_json(resp, written ? 201 : 200, j);
}
