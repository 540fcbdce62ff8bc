/* hartline audit, key and routes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/seal.h"
#include "base/str.h"
#include "cli/cli.h"
#include "db/db.h"
#include "http/http.h"
#include "service/app.h"
#include "service/audit.h"
#include "service/keys.h"

/* "SEQ:MAC" as verify prints it. */
static int parse_head(const char *s, struct audit_head *ret)
{
	const char *colon = strchr(s, ':');
	char num[24];
	size_t mac_len = CRYPTO_HASH_HEX_SIZE - 1;
	if (!colon || (size_t)(colon - s) >= sizeof num || strlen(colon + 1) != mac_len)
		return ERR_INVAL;
	memcpy(num, s, (size_t)(colon - s));
	num[colon - s] = '\0';
	if (str_to_int64(num, 1, INT64_MAX, &ret->seq) < 0)
		return ERR_INVAL;
	for (size_t i = 0; i < mac_len; i++) {
		char c = colon[1 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return ERR_INVAL;
	}
	memcpy(ret->mac, colon + 1, mac_len + 1);
	return 0;
}

/* The key ring of db_url's key file, checked against the database. */
static int load_keys(struct db *db, const char *db_url, const char *key_opt, char **ret_file,
		     struct keyring **ret)
{
	char err[1024];
	int r = app_key_file(db_url, key_opt, ret_file, err, sizeof err);
	if (r == 0 && (r = keyring_load(*ret_file, ret, err, sizeof err)) == 0 &&
	    (r = keys_check(db, *ret, *ret_file, err, sizeof err)) < 0) {
		keyring_free(*ret);
		*ret = NULL;
	}
	if (r < 0)
		fprintf(stderr, "hartline: %s (audit verify needs the key file)\n", err);
	return r;
}

static void print_result(const struct audit_verify_result *res, const char *head_path)
{
	if (res->broken && res->records == 1 && res->broken_seq == 2)
		printf("broken: %s (record 1 before it is intact)\n", res->reason);
	else if (res->broken && res->records > 1 && res->broken_seq == res->records + 1)
		printf("broken: %s (records 1 to %lld before it are intact)\n", res->reason, (long long)res->records);
	else if (res->broken)
		printf("broken: %s\n", res->reason);
	else if (res->unkeyed)
		printf("ok: %lld records (1 to %lld written before the chain was keyed at record %lld; checked as they "
		       "stood then)\n",
		       (long long)res->records, (long long)res->unkeyed, (long long)res->keyed_from);
	else
		printf("ok: %lld records\n", (long long)res->records);
	printf("head: %lld:%s\n", (long long)res->head.seq, res->head.mac);
	if (res->head_file_exists)
		printf("head file: %s, at record %lld\n", head_path, (long long)res->filed.seq);
	if (res->after_filed)
		printf("note: %lld records after the head file's head, checked by their MACs alone (written in the "
		       "moment before a crash, or by a process still running)\n",
		       (long long)res->after_filed);
	if (res->head_restarted)
		printf("note: the head file started again at record %lld (it was missing or empty); records deleted "
		       "from the end before then are seen only against a head filed elsewhere (--head)\n",
		       (long long)res->head_restarted);
}

struct audit_opts {
	const char *db, *key, *head;
};

static const struct opt audit_table[] = {
	OPT_DB(struct audit_opts, db),
	OPT_KEY_FILE(struct audit_opts, key),
	OPT_STRING(struct audit_opts, head, "head", "SEQ:MAC",
		   "also check against this head, as an earlier audit verify printed it and it was filed elsewhere"),
	OPT_END,
};

static int run_audit(int argc, char **argv)
{
	struct audit_opts o = {0};
	int r;
	if (!cli_parse_verb(&cli_audit, argc, argv, &o, "verify", NULL, &r))
		return r;
	struct audit_head given;
	if (o.head && parse_head(o.head, &given) < 0)
		return cli_misuse(&cli_audit, "--head wants SEQ:MAC as an earlier audit verify printed it on its head: line");
	const char *url = cli_db_url(o.db);
	struct db *db;
	char err[512];
	if (db_open(url, &db, err, sizeof err) < 0) {
		fprintf(stderr, "hartline: cannot open the database: %s\n", err);
		return 1;
	}
	int version = 0;
	if (db_schema_version(db, &version) < 0 || version < 2) {
		fprintf(stderr, "hartline: the database has no audit trail yet; run: hartline init\n");
		db_close(db);
		return 1;
	}
	/* The MACs are checked with the key file, and the chain against the
	 * head file beside it: neither is in the database. */
	char *key_file = NULL, *head_path = NULL;
	struct keyring *keys = NULL;
	struct audit_verify_result res;
	if ((r = load_keys(db, url, o.key, &key_file, &keys)) == 0 &&
	    (r = audit_head_path(key_file, &head_path)) == 0 &&
	    (r = svc_audit_verify(db, keys, head_path, o.head ? &given : NULL, &res)) < 0)
		fprintf(stderr, "hartline: cannot read the audit trail: %s\n",
			r == ERR_DB ? db_errmsg(db) : err_str(r));
	db_close(db);
	keyring_free(keys);
	free(key_file);
	if (r == 0)
		print_result(&res, head_path);
	free(head_path);
	return r < 0 || res.broken ? 1 : 0;
}

static const struct opt key_table[] = {
	OPT_DB(struct audit_opts, db),
	OPT_KEY_FILE(struct audit_opts, key),
	OPT_END,
};

static int run_key(int argc, char **argv)
{
	struct audit_opts o = {0};
	int r;
	if (!cli_parse_verb(&cli_key, argc, argv, &o, "rotate", NULL, &r))
		return r;
	struct app app;
	if (cli_open_app(&app, o.db, NULL, o.key))
		return 1;
	struct actor cli;
	actor_cli(&cli);
	struct svc_ctx ctx = {.app = &app, .actor = &cli, .client = "cli"};
	struct keys_rotation rot;
	char err[1024];
	r = svc_keys_rotate(&ctx, &rot, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "hartline key rotate: %s\n", err);
		app_close(&app);
		return 1;
	}
	printf("key %u is now current in %s; %lld sealed values re-sealed under it.\n"
	       "Older keys stay in the file so that older backups still open; restart running servers.\n",
	       (unsigned)rot.new_id, app.key_file, (long long)rot.resealed);
	app_close(&app);
	return 0;
}

static int run_routes(int argc, char **argv)
{
	int r = cli_parse(&cli_routes, argc, argv, NULL, NULL, NULL);
	if (r)
		return cli_exit(r);
	for (size_t i = 0; i < http_routes_count; i++)
		printf("%-6s %-28s %s\n", http_routes[i].method, http_routes[i].pattern,
		       http_routes[i].flags & HTTP_PUBLIC ? "public" : "session");
	return 0;
}

const struct cli_command cli_audit = {
	.name = "audit", .args = "verify", .opts = audit_table, .max_args = 1, .run = run_audit,
	.summary = "check the audit chain with the key file and its head file; prints the head to file elsewhere",
};

const struct cli_command cli_key = {
	.name = "key", .args = "rotate", .opts = key_table, .max_args = 1, .run = run_key,
	.summary = "add a new seal key and re-seal every sealed value under it",
};

const struct cli_command cli_routes = {
	.name = "routes",
	.summary = "list the HTTP routes",
	.run = run_routes,
};
