/* Handlers for the figures and the import of past years' referrals
 * (docs/figures.md, docs/import.md). Routes in routes_stats.inc. */
#pragma once

#include "http/http.h"

int h_stats(struct http_req *req, struct http_resp *resp);
int h_import_referrals(struct http_req *req, struct http_resp *resp);
