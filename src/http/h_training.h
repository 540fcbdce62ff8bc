/* Handlers for training (docs/training.md). Routes in routes_training.inc. */
#pragma once

#include "http/http.h"

int h_trainees_list(struct http_req *req, struct http_resp *resp);
int h_trainee_create(struct http_req *req, struct http_resp *resp);
int h_trainee_get(struct http_req *req, struct http_resp *resp);
int h_trainee_update(struct http_req *req, struct http_resp *resp);
int h_tsessions_list(struct http_req *req, struct http_resp *resp);
int h_tsession_create(struct http_req *req, struct http_resp *resp);
int h_tsession_get(struct http_req *req, struct http_resp *resp);
int h_tsession_update(struct http_req *req, struct http_resp *resp);
int h_registration_create(struct http_req *req, struct http_resp *resp);
int h_registration_cancel(struct http_req *req, struct http_resp *resp);
int h_attendance_put(struct http_req *req, struct http_resp *resp);
