/* Handlers for the provider directory and rapid response dispatch
 * (docs/recovery.md, "Providers"). Routes in routes_providers.inc. */
#pragma once

#include "http/http.h"

int h_providers_search(struct http_req *req, struct http_resp *resp);
int h_provider_create(struct http_req *req, struct http_resp *resp);
int h_provider_get(struct http_req *req, struct http_resp *resp);
int h_provider_update(struct http_req *req, struct http_resp *resp);
int h_providers_export(struct http_req *req, struct http_resp *resp);
int h_rapid_offers(struct http_req *req, struct http_resp *resp);
