/* Handlers for training certificates, their public verification and the
 * train-the-trainer cascade (docs/training.md). Routes in
 * routes_certificates.inc. */
#pragma once

#include "http/http.h"

int h_certificates_list(struct http_req *req, struct http_resp *resp);
int h_certificate_get(struct http_req *req, struct http_resp *resp);
int h_certificate_print(struct http_req *req, struct http_resp *resp);
int h_certificate_revoke(struct http_req *req, struct http_resp *resp);
int h_certificate_verify(struct http_req *req, struct http_resp *resp);
int h_trainers_list(struct http_req *req, struct http_resp *resp);
int h_trainer_get(struct http_req *req, struct http_resp *resp);
