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
