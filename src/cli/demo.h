/* demo: the demo data of each area of restore and recovery, loaded by
 * `hartline demo --cases` (demo_response in cmd_user.c) through the
 * services, as the demo HART coordinator. Each answers 0, or <0 after
 * printing what went wrong. */
#pragma once

#include <stdint.h>

#include "service/ctx.h"

/* A safety plan in two versions and a service plan on case case_id. */
int demo_plans(const struct svc_ctx *ctx, int64_t case_id);
