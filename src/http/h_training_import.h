/* Handler of the sign-in sheet import (docs/training.md, "Sign-in sheet
 * import"). */
#pragma once

#include "http/http.h"

int h_training_import(struct http_req *req, struct http_resp *resp);
