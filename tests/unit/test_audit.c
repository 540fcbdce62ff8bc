/* The audit chain's head file, and how appends keep it: only what was
 * committed is filed, a gap is recorded once per transaction, and verify
 * follows records across a key rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/err.h"
#include "base/seal.h"
#include "db/db.h"
#include "service/app.h"
#include "service/audit.h"
#include "service/audit_head.h"

struct fixture {
	char dir[64], url[128], key[160], head[160];
	struct app app;
	struct actor actor;
	struct svc_ctx ctx;
	struct db *db;
};

static struct fixture fx;

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof fx);
	assert_int_equal(crypto_init(), 0);
	snprintf(fx.dir, sizeof fx.dir, "/tmp/hartline-audit-XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	snprintf(fx.url, sizeof fx.url, "%s/h.db", fx.dir);
	snprintf(fx.key, sizeof fx.key, "%s/hartline.key", fx.dir);
	snprintf(fx.head, sizeof fx.head, "%s/" AUDIT_HEAD_FILE_NAME, fx.dir);
	char err[512];
	assert_int_equal(keyring_create(fx.key, err, sizeof err), 0);
	assert_int_equal(keyring_load(fx.key, &fx.app.keys, err, sizeof err), 0);
	fx.app.key_file = strdup(fx.key);
	assert_int_equal(db_pool_new(fx.url, &fx.app.pool), 0);
	assert_int_equal(app_db(&fx.app, &fx.db), 0);
	assert_int_equal(db_migrate(fx.db, NULL, err, sizeof err), 0);
	assert_int_equal(svc_audit_open(&fx.app, err, sizeof err), 0);
	actor_cli(&fx.actor);
	fx.ctx = (struct svc_ctx){.app = &fx.app, .actor = &fx.actor, .client = "test"};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_pool_free(fx.app.pool);
	keyring_free(fx.app.keys);
	audit_head_close(fx.app.audit_head);
	free(fx.app.key_file);
	const char *names[] = {"h.db", "h.db-wal", "h.db-shm", "hartline.key", AUDIT_HEAD_FILE_NAME};
	char path[200];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", fx.dir, names[i]);
		unlink(path);
	}
	rmdir(fx.dir);
	return 0;
}

static struct audit_head filed(void)
{
	struct audit_head h;
	bool exists;
	assert_int_equal(audit_head_read(fx.head, &h, &exists), 0);
	assert_true(exists);
	return h;
}

static void verify(struct audit_verify_result *res)
{
	assert_int_equal(svc_audit_verify(fx.db, fx.app.keys, fx.head, NULL, res), 0);
}

UNIT_TEST_WITH(files_only_what_commits, setup, teardown)
{
	assert_int_equal(svc_audit_record(&fx.ctx, "test.one", NULL, NULL, NULL), 0);
	assert_int_equal(filed().seq, 1);
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(svc_audit_append(fx.db, &fx.ctx, "test.two", NULL, NULL, NULL), 0);
	assert_int_equal(filed().seq, 1); /* not before the commit */
	assert_int_equal(db_rollback(fx.db), 0);
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(db_commit(fx.db), 0);
	assert_int_equal(filed().seq, 1); /* nor after a rollback */
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(svc_audit_append(fx.db, &fx.ctx, "test.two", NULL, NULL, NULL), 0);
	assert_int_equal(svc_audit_append(fx.db, &fx.ctx, "test.three", NULL, NULL, NULL), 0);
	assert_int_equal(db_commit(fx.db), 0);
	assert_int_equal(filed().seq, 3);
	struct audit_verify_result res;
	verify(&res);
	assert_false(res.broken);
	assert_int_equal(res.records, 3);
	assert_string_equal(res.head.mac, filed().mac);
}

UNIT_TEST_WITH(records_a_gap_once_per_transaction, setup, teardown)
{
	for (int i = 0; i < 4; i++)
		assert_int_equal(svc_audit_record(&fx.ctx, "test.n", NULL, NULL, NULL), 0);
	assert_int_equal(db_exec(fx.db,
	                         "DELETE FROM audit WHERE seq > 2;"
	                         "UPDATE setting SET value = (SELECT seq || ' ' || hash FROM audit WHERE seq = 2)"
	                         " WHERE key = 'audit_head'"),
	                 0);
	assert_int_equal(db_begin(fx.db), 0);
	assert_int_equal(svc_audit_append(fx.db, &fx.ctx, "test.a", NULL, NULL, NULL), 0);
	assert_int_equal(svc_audit_append(fx.db, &fx.ctx, "test.b", NULL, NULL, NULL), 0);
	assert_int_equal(db_commit(fx.db), 0);
	int64_t gaps = -1;
	assert_int_equal(db_query_int64(fx.db, "SELECT count(*) FROM audit WHERE action = 'audit.chain.gap'", &gaps),
	                 0);
	assert_int_equal(gaps, 1);
	assert_int_equal(filed().seq, 5); /* gap 3, a 4, b 5: filed though below the 4 filed before */
	assert_int_equal(svc_audit_record(&fx.ctx, "test.c", NULL, NULL, NULL), 0);
	assert_int_equal(db_query_int64(fx.db, "SELECT count(*) FROM audit WHERE action = 'audit.chain.gap'", &gaps),
	                 0);
	assert_int_equal(gaps, 1);
	struct audit_verify_result res;
	verify(&res);
	assert_true(res.broken);
	assert_int_equal(res.broken_seq, 3);
	assert_non_null(strstr(res.reason, "the head file had filed record 4, but the chain ended at record 2"));
}

UNIT_TEST_WITH(verifies_across_a_key_rotation, setup, teardown)
{
	assert_int_equal(svc_audit_record(&fx.ctx, "test.before", NULL, NULL, NULL), 0);
	uint32_t id;
	char err[512];
	assert_int_equal(keyring_rotate(fx.key, fx.app.keys, &id, err, sizeof err), 0);
	assert_int_equal(svc_audit_record(&fx.ctx, "test.after", NULL, NULL, NULL), 0);
	struct audit_verify_result res;
	verify(&res);
	assert_false(res.broken);
	assert_int_equal(res.records, 2);
	/* Without the older key, the record made under it cannot be checked. */
	struct keyring *only_new;
	write_file(fx.key, "hartline-keyring 1\n"
			   "key 2 0000000000000000000000000000000000000000000000000000000000000000\n"
			   "current 2\n");
	assert_int_equal(keyring_load(fx.key, &only_new, err, sizeof err), 0);
	assert_int_equal(svc_audit_verify(fx.db, only_new, fx.head, NULL, &res), 0);
	keyring_free(only_new);
	assert_true(res.broken);
	assert_non_null(strstr(res.reason, "record 1 (")); /* names key 1 */
	assert_non_null(strstr(res.reason, "names key 1, which the key file does not hold"));
}

UNIT_TEST_WITH(reads_the_last_whole_line, setup, teardown)
{
	char mac[CRYPTO_HASH_HEX_SIZE];
	memset(mac, 'a', sizeof mac - 1);
	mac[sizeof mac - 1] = '\0';
	char text[400];
	snprintf(text, sizeof text, "7 %s\n8 %s\n9 %.10s", mac, mac, mac);
	write_file(fx.head, text);
	struct audit_head h = filed();
	assert_int_equal(h.seq, 8); /* the torn line 9 is not a head */
	assert_string_equal(h.mac, mac);
	write_file(fx.head, "8 not-a-mac\n");
	bool exists;
	assert_int_equal(audit_head_read(fx.head, &h, &exists), ERR_PARSE);
	chmod(fx.head, 0644);
	assert_int_equal(audit_head_read(fx.head, &h, &exists), ERR_PERM);
}

UNIT_TEST_WITH(skips_a_lower_head_unless_forced, setup, teardown)
{
	char mac[CRYPTO_HASH_HEX_SIZE];
	memset(mac, 'b', sizeof mac - 1);
	mac[sizeof mac - 1] = '\0';
	assert_int_equal(audit_head_append(fx.app.audit_head, 5, mac, false), 0);
	assert_int_equal(audit_head_append(fx.app.audit_head, 4, mac, false), 0);
	assert_int_equal(filed().seq, 5);
	assert_int_equal(audit_head_append(fx.app.audit_head, 4, mac, true), 0);
	assert_int_equal(filed().seq, 4);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
