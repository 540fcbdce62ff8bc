/* Handlers for a child's page, merging records, record relief and
 * breaking the glass (docs/recovery.md; h_persons.c). */
#pragma once

#include "http/http.h"

int h_person_page(struct http_req *req, struct http_resp *resp);
int h_person_merge(struct http_req *req, struct http_resp *resp);
int h_person_merge_undo(struct http_req *req, struct http_resp *resp);
int h_relief_list(struct http_req *req, struct http_resp *resp);
int h_relief_create(struct http_req *req, struct http_resp *resp);
int h_relief_update(struct http_req *req, struct http_resp *resp);
int h_break_glass(struct http_req *req, struct http_resp *resp);
