/* app: what one running hartline holds: the jurisdiction pack, the
 * database, the key ring and the settings it was started with. Services
 * take a struct app (inside a struct svc_ctx); they never see HTTP. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/crypto.h"
#include "db/db.h"
#include "model/pack.h"

struct keyring;
struct audit_head_file;
struct person_registry;
struct mailer;
struct auth_limits;

#define APP_DEFAULT_DB "hartline.db"
#define APP_DEFAULT_LISTEN "127.0.0.1:8080"
#define APP_DEFAULT_MAX_BODY ((size_t)1 << 20)
#define APP_KEY_FILE_NAME "hartline.key"

/* Sessions and lockout; durations in microseconds. */
struct auth_config {
	int64_t idle;         /* a session unused this long ends (30 min) */
	int64_t absolute;     /* a session ends this long after login (12 h) */
	int lockout_failures; /* failed logins that lock an account (5) ... */
	int64_t lockout_window;   /* ... within this time (15 min) */
	int64_t lockout_duration; /* and for how long (15 min) */
	bool cookie_secure;   /* mark the cookie Secure (served over TLS) */
};

void auth_config_defaults(struct auth_config *c);

struct app {
	struct pack *pack;
	char *pack_source; /* the file it came from, or "built-in" */
	/* {list: {id: label}} of values earlier packs had and this one lacks
	 * (service/packs.h): figures over old records still show a label. */
	json_t *pack_retired;
	char *db_url;
	enum db_engine engine;
	struct db_pool *pool;
	struct keyring *keys;
	char *key_file;
	struct audit_head_file *audit_head; /* the audit chain's head file beside the key file */
	struct auth_config auth;
	/* A hash of a random password: unknown users are checked against it
	 * so that they take as long as known ones. */
	char dummy_hash[CRYPTO_PWHASH_SIZE];
	const char *common_passwords; /* the embedded list */
	size_t common_passwords_len;
	struct person_registry *registry; /* open in the server only */
	char *smtp_url, *mail_from, *public_url; /* e-mail; smtp_url NULL: none */
	struct mailer *mailer; /* the sender thread, in the server */
	int64_t setup_ttl;     /* a set-up link lasts this long; 0: 72 hours */
	struct auth_limits *limits; /* login rate limits, in the server; NULL: none */
	/* Audit records written on their own (a read, a denial), waiting to
	 * be written together by one job of the writer (service/audit.c,
	 * under a lock of its own): the first in line, the last, and whether
	 * a request is writing some now. */
	struct audit_waiting *audit_first, *audit_last;
	bool audit_writing;
	/* The last health check (svc_system_health): when (clock_mono_us, 0:
	 * never), and the schema version the database gave (-1: no answer). */
	_Atomic int64_t health_at;
	_Atomic int health_schema;
};

/* Load the pack (pack_file NULL: the built-in default). */
int app_load_pack(const char *pack_file, struct pack **ret, char *errmsg, size_t errsize);

/* The key file for db_url: key_file if given, else HARTLINE_KEY_FILE, else
 * hartline.key beside a SQLite database. ERR_INVAL with a message for a
 * PostgreSQL database without one. Caller frees. */
int app_key_file(const char *db_url, const char *key_file, char **ret, char *errmsg, size_t errsize);
/* The path of the file called name in path's directory (the key file beside
 * the database, the audit head beside the key); the caller frees it. */
int app_path_beside(const char *path, const char *name, char **ret);

/* Load the pack and the key ring and connect to an initialised, current
 * database whose sealed values the key ring opens. A database never
 * initialised, behind or ahead of this program is refused with a message
 * that says what to do. */
int app_open(struct app *a, const char *db_url, const char *pack_file, const char *key_file, char *errmsg,
	     size_t errsize);
void app_close(struct app *a);

/* This thread's database connection. */
int app_db(struct app *a, struct db **ret);
