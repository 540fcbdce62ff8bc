/* demo: the parts of `hartline demo --cases` that live in files of their
 * own (src/cli/demo_<area>.c), each called once from demo_response() in
 * cmd_user.c as the demo HART coordinator, through the services. */
#pragma once

#include <stdint.h>

#include "service/ctx.h"

/* The child's page (docs/recovery.md): a second record of the child of
 * case case_id (person), with a report of its own, merged into the child's
 * record (kept), and two relief petitions, one granted (restricting that
 * report), one filed. 0, or an error already printed. */
int demo_child_page(const struct svc_ctx *ctx, int64_t person, int64_t case_id);
