/* casehead: the head of a child's case, read by the services that act on
 * a case without being the cases service (the teams service's reviews), so
 * that they need not include the cases service nor it them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct db;

/* What services need to know of a case before they touch it: its number,
 * region and status, for scope checks and messages. */
struct case_head {
	int64_t id, person_id, lead, opened_by, version;
	char number[24], region[32], office[64], status[16], victim[16], identified_at[32];
	bool identified;
};

/* Read case id's head (no permission check, no audit: the caller's job).
 * ERR_NOTFOUND when there is no such case. */
int case_load(struct db *db, int64_t id, struct case_head *h);
