/* Handlers for MDT teams, members, case reviews and action items, and the
 * contacts directory (docs/cases.md). Routes in routes_teams.inc. */
#pragma once

#include "http/http.h"

int h_teams_list(struct http_req *req, struct http_resp *resp);
int h_team_create(struct http_req *req, struct http_resp *resp);
int h_team_get(struct http_req *req, struct http_resp *resp);
int h_team_member_add(struct http_req *req, struct http_resp *resp);
int h_team_member_remove(struct http_req *req, struct http_resp *resp);
int h_review_create(struct http_req *req, struct http_resp *resp);
int h_review_update(struct http_req *req, struct http_resp *resp);
int h_action_item_done(struct http_req *req, struct http_resp *resp);

int h_contacts_list(struct http_req *req, struct http_resp *resp);
int h_contact_create(struct http_req *req, struct http_resp *resp);
int h_contact_update(struct http_req *req, struct http_resp *resp);
