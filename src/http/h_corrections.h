/* Handlers for corrections (docs/cases.md, "Corrections"): a timeline
 * entry's text, the time a child was located, the time an action item was
 * done. Routes in routes_corrections.inc. */
#pragma once

#include "http/http.h"

int h_case_event_correct(struct http_req *req, struct http_resp *resp);
int h_missing_locate_correct(struct http_req *req, struct http_resp *resp);
int h_action_item_done_correct(struct http_req *req, struct http_resp *resp);
