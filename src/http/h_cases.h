/* Handlers for cases, their timeline, reports, missing episodes and rapid
 * responses, the deadlines and the dashboard (docs/cases.md). Routes in
 * routes_cases.inc. */
#pragma once

#include "http/http.h"

int h_cases_create(struct http_req *req, struct http_resp *resp);
int h_cases_list(struct http_req *req, struct http_resp *resp);
int h_case_get(struct http_req *req, struct http_resp *resp);
int h_case_update(struct http_req *req, struct http_resp *resp);
int h_case_event(struct http_req *req, struct http_resp *resp);
int h_case_report(struct http_req *req, struct http_resp *resp);
int h_missing_start(struct http_req *req, struct http_resp *resp);
int h_missing_locate(struct http_req *req, struct http_resp *resp);
int h_rapid_request(struct http_req *req, struct http_resp *resp);
int h_rapid_arrive(struct http_req *req, struct http_resp *resp);
int h_deadlines_list(struct http_req *req, struct http_resp *resp);
int h_dashboard(struct http_req *req, struct http_resp *resp);
/* Who works a case, my cases and duties, the caseload, reopening and the
 * printed summary (routes_assign.inc). */
int h_case_assign(struct http_req *req, struct http_resp *resp);
int h_case_unassign(struct http_req *req, struct http_resp *resp);
int h_case_assignable(struct http_req *req, struct http_resp *resp);
int h_case_reopen(struct http_req *req, struct http_resp *resp);
int h_case_print(struct http_req *req, struct http_resp *resp);
int h_my_cases(struct http_req *req, struct http_resp *resp);
int h_my_duties(struct http_req *req, struct http_resp *resp);
int h_caseload(struct http_req *req, struct http_resp *resp);
