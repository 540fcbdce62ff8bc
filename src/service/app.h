/* app: what one running hartline holds: the jurisdiction pack, the
 * database and the settings it was started with. Services take a struct
 * app; they never see HTTP. */
#pragma once

#include <stddef.h>

#include "db/db.h"
#include "model/pack.h"

#define APP_DEFAULT_DB "hartline.db"
#define APP_DEFAULT_LISTEN "127.0.0.1:8080"
#define APP_DEFAULT_MAX_BODY ((size_t)1 << 20)

struct app {
	struct pack *pack;
	char *pack_source; /* the file it came from, or "built-in" */
	char *db_url;
	enum db_engine engine;
	struct db_pool *pool;
};

/* Load the pack (pack_file NULL: the built-in default). */
int app_load_pack(const char *pack_file, struct pack **ret, char *errmsg, size_t errsize);

/* Load the pack and connect to an initialised, current database. A database
 * never initialised, behind or ahead of this program is refused with a
 * message that says what to do. */
int app_open(struct app *a, const char *db_url, const char *pack_file, char *errmsg, size_t errsize);
void app_close(struct app *a);

/* This thread's database connection. */
int app_db(struct app *a, struct db **ret);
