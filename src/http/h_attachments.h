/* Handlers for attachments to a case or a child (docs/attachments.md):
 * the upload, whose body is the file itself, streamed to the attachments
 * service; the lists; the download, streamed back chunk by chunk. Routes
 * in routes_attachments.inc. */
#pragma once

#include "http/http.h"

int h_case_attachment_add(struct http_req *req, struct http_resp *resp);
int h_person_attachment_add(struct http_req *req, struct http_resp *resp);
int h_case_attachments(struct http_req *req, struct http_resp *resp);
int h_person_attachments(struct http_req *req, struct http_resp *resp);
int h_attachment_get(struct http_req *req, struct http_resp *resp);
