/* Handlers for service referrals (docs/recovery.md, "Service referrals").
 * Routes in routes_referrals.inc. */
#pragma once

#include "http/http.h"

int h_referral_create(struct http_req *req, struct http_resp *resp);
int h_referral_get(struct http_req *req, struct http_resp *resp);
int h_referral_update(struct http_req *req, struct http_resp *resp);
int h_referral_rerefer(struct http_req *req, struct http_resp *resp);
int h_referrals_list(struct http_req *req, struct http_resp *resp);
