/* Handlers for a case's safety and service plans (docs/recovery.md, "Safety
 * and service plans"). Routes in routes_plans.inc. */
#pragma once

#include "http/http.h"

int h_plans_get(struct http_req *req, struct http_resp *resp);
int h_plan_get(struct http_req *req, struct http_resp *resp);
int h_plan_version(struct http_req *req, struct http_resp *resp);
int h_plan_put(struct http_req *req, struct http_resp *resp);
