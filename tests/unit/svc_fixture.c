#include "svc_fixture.h"

#include "service/figures.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/err.h"
#include "model/access.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/cases.h"
#include "service/intake.h"
#include "base/seal.h"

struct svc_fixture fx;

#ifdef HARTLINE_TEST_HOOKS
/* The linker's names for the allocator (-Wl,--wrap, tests/unit/meson.build):
 * __wrap_x is what our code calls for x, __real_x the C library's. */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
#endif
static int users_made;

/* Migrating and making a key are the slow part of a fresh database (under
 * Valgrind above all): done once per test program into a template that
 * each test copies. The pack is read-only, and loaded once too. */
static char template_dir[64];
static struct pack *pack;

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[400];
		if (e->d_name[0] != '.' && snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void template_done(void)
{
	if (template_dir[0])
		remove_dir(template_dir);
	pack_free(pack);
}

static void copy_file(const char *from_dir, const char *to_dir, const char *name)
{
	char from[160], to[160];
	assert_true(snprintf(from, sizeof from, "%s/%s", from_dir, name) < (int)sizeof from);
	assert_true(snprintf(to, sizeof to, "%s/%s", to_dir, name) < (int)sizeof to);
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	assert_false(ferror(in));
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(to, 0600), 0);
}

static void make_dir(char *dir, size_t size)
{
	/* In memory where the machine has it: every commit syncs the file,
	 * and the failure loops commit many times. */
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	assert_true(snprintf(dir, size, "%s/hartline-svc-XXXXXX", base) < (int)size);
	assert_non_null(mkdtemp(dir));
}

static void make_template(void)
{
	char err[512], path[160];
	assert_int_equal(crypto_init(), 0);
	assert_int_equal(app_load_pack(NULL, &pack, err, sizeof err), 0);
	make_dir(template_dir, sizeof template_dir);
	atexit(template_done);
	assert_true(snprintf(path, sizeof path, "%s/h.db", template_dir) < (int)sizeof path);
	struct db *db;
	if (db_open(path, &db, err, sizeof err) < 0 || db_migrate(db, NULL, err, sizeof err) < 0)
		fail_msg("%s", err);
	db_close(db);
	assert_true(snprintf(path, sizeof path, "%s/hartline.key", template_dir) < (int)sizeof path);
	assert_int_equal(keyring_create(path, err, sizeof err), 0);
}

/* The rest of a setup, once fx.dir holds the key and fx.url names the
 * migrated database. */
static int setup_rest(enum db_engine engine);

int fx_setup(void **state)
{
	(void)state;
	if (!template_dir[0])
		make_template();
	memset(&fx, 0, sizeof fx);
	users_made = 0;
	make_dir(fx.dir, sizeof fx.dir);
	copy_file(template_dir, fx.dir, "h.db");
	copy_file(template_dir, fx.dir, "hartline.key");
	assert_true(snprintf(fx.url, sizeof fx.url, "%s/h.db", fx.dir) < (int)sizeof fx.url);
	return setup_rest(DB_SQLITE);
}

bool fx_pg_available(void)
{
	return getenv("PGHOST") || getenv("PGPORT");
}

int fx_setup_pg(void **state)
{
	(void)state;
	if (!template_dir[0])
		make_template();
	memset(&fx, 0, sizeof fx);
	users_made = 0;
	if (!fx_pg_available())
		return 0;
	make_dir(fx.dir, sizeof fx.dir);
	copy_file(template_dir, fx.dir, "hartline.key");
	char err[512], hex[17], sql[96];
	crypto_random_hex(8, hex, sizeof hex);
	assert_true(snprintf(fx.pg_name, sizeof fx.pg_name, "hl_svc_%s", hex) < (int)sizeof fx.pg_name);
	struct db *admin;
	if (db_open("postgresql://", &admin, err, sizeof err) < 0)
		fail_msg("cannot reach PostgreSQL: %s", err);
	assert_true(snprintf(sql, sizeof sql, "CREATE DATABASE %s", fx.pg_name) < (int)sizeof sql);
	assert_int_equal(db_exec(admin, sql), 0);
	db_close(admin);
	assert_true(snprintf(fx.url, sizeof fx.url, "postgresql:///%s", fx.pg_name) < (int)sizeof fx.url);
	struct db *db;
	if (db_open(fx.url, &db, err, sizeof err) < 0 || db_migrate(db, NULL, err, sizeof err) < 0)
		fail_msg("%s", err);
	db_close(db);
	return setup_rest(DB_POSTGRESQL);
}

static int setup_rest(enum db_engine engine)
{
	char err[512], key[160];
	fx.app.pack = pack;
	fx.app.engine = engine;
	auth_config_defaults(&fx.app.auth);
	assert_int_equal(db_pool_new(fx.url, &fx.app.pool), 0);
	assert_int_equal(app_db(&fx.app, &fx.db), 0);
	assert_true(snprintf(key, sizeof key, "%s/hartline.key", fx.dir) < (int)sizeof key);
	assert_int_equal(keyring_load(key, &fx.app.keys, err, sizeof err), 0);
	/* The chain's head is filed beside the key, as in the server. */
	assert_non_null(fx.app.key_file = strdup(key));
	clock_set(FX_NOW);
#ifdef HARTLINE_TEST_HOOKS
	crypto_password_hash_light(true);
	/* jansson is a shared library, out of reach of --wrap: hand it ours. */
	json_set_alloc_funcs(__wrap_malloc, free);
#endif
	if (svc_audit_open(&fx.app, err, sizeof err) < 0)
		fail_msg("%s", err);
	return 0;
}

int fx_teardown(void **state)
{
	(void)state;
#ifdef HARTLINE_TEST_HOOKS
	db_fail_at(0);
	crypto_password_hash_light(false);
#endif
	clock_reset();
	if (!fx.app.pool) /* fx_setup_pg without a server: nothing was made */
		return 0;
	/* The figures' stores belong to this test's database. */
	figures_store_reset();
	db_pool_free(fx.app.pool);
	keyring_free(fx.app.keys);
	audit_head_close(fx.app.audit_head);
	free(fx.app.key_file);
	if (fx.dir[0])
		remove_dir(fx.dir);
	struct db *admin;
	char err[512], sql[96];
	if (fx.pg_name[0] && db_open("postgresql://", &admin, err, sizeof err) == 0) {
		assert_true(snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", fx.pg_name) < (int)sizeof sql);
		if (db_exec(admin, sql) < 0) /* a leftover database, not a failed test */
			fprintf(stderr, "cannot drop %s: %s\n", fx.pg_name, db_errmsg(admin));
		db_close(admin);
	}
	return 0;
}

void fx_exec(const char *sql)
{
	if (db_exec(fx.db, sql) < 0)
		fail_msg("%s: %s", sql, db_errmsg(fx.db));
}

void fx_user(struct fx_user *u, enum role role, const char *scope)
{
	memset(u, 0, sizeof *u);
	u->actor.role = role;
	int n = snprintf(u->actor.username, sizeof u->actor.username, "%s%d", role_name(role), ++users_made);
	assert_true(n > 0 && n < (int)sizeof u->actor.username);
	if (scope) {
		n = snprintf(u->actor.scope, sizeof u->actor.scope, "%s", scope);
		assert_true(n >= 0 && n < (int)sizeof u->actor.scope);
	}
	struct db_stmt *st;
	assert_int_equal(db_prepare(fx.db,
				    "INSERT INTO app_user (username, role, scope, password_hash, created_at, updated_at)"
				    " VALUES (?, ?, ?, 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
				    &st),
			 0);
	assert_int_equal(db_bind_text(st, 1, u->actor.username), 0);
	assert_int_equal(db_bind_text(st, 2, role_name(role)), 0);
	assert_int_equal(db_bind_text(st, 3, scope), 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
	char sql[160];
	assert_true(snprintf(sql, sizeof sql, "SELECT id FROM app_user WHERE username = '%s'", u->actor.username) <
		    (int)sizeof sql);
	assert_int_equal(db_query_int64(fx.db, sql, &u->actor.user_id), 0);
	u->ctx = (struct svc_ctx){.app = &fx.app, .actor = &u->actor, .client = "test"};
}

int64_t fx_count(const char *table, const char *where)
{
	char sql[512];
	int n = snprintf(sql, sizeof sql, "SELECT count(*) FROM %s%s%s", table, where ? " WHERE " : "",
			 where ? where : "");
	assert_true(n > 0 && n < (int)sizeof sql);
	int64_t count = -1;
	if (db_query_int64(fx.db, sql, &count) < 0)
		fail_msg("%s: %s", sql, db_errmsg(fx.db));
	return count;
}

const struct fx_role fx_roles_but_admin[FX_ROLES_BUT_ADMIN] = {
	{ROLE_CARELINE, NULL}, {ROLE_HART, NULL},    {ROLE_LIAISON, "R1"}, {ROLE_MDT, "T1"},
	{ROLE_PROVIDER, "P1"}, {ROLE_TRAINER, NULL}, {ROLE_ANALYST, NULL},
};

const char *fx_other_region(const char *region)
{
	const struct pack *p = fx.app.pack;
	const char *other = NULL;
	for (size_t i = 0; i < p->n_regions && !other; i++)
		if (strcmp(p->regions[i].id, region) != 0)
			other = p->regions[i].id;
	assert_non_null(other);
	return other;
}

void fx_text(const char *sql, char *out, size_t size)
{
	struct db_stmt *st;
	if (db_prepare(fx.db, sql, &st) < 0)
		fail_msg("%s: %s", sql, db_errmsg(fx.db));
	out[0] = '\0';
	int r = db_step(st);
	assert_true(r == DB_ROW || r == DB_DONE);
	if (r == DB_ROW && db_column_text(st, 0)) {
		int n = snprintf(out, size, "%s", db_column_text(st, 0));
		assert_true(n >= 0 && (size_t)n < size);
	}
	db_finalize(st);
}

void fx_case_region(char *region, size_t size)
{
	fx_text("SELECT region FROM child_case", region, size);
}

json_t *fx_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("bad JSON in the test: %s: %s", e.text, text);
	return j;
}

#ifdef HARTLINE_TEST_HOOKS
#define FX_TABLES_MAX 64

/* What a failed use case must leave as it was: every table's rows and
 * their content (a hash of every value, in rowid order), so that an
 * UPDATE half-made shows as well as an INSERT. */
struct snapshot {
	size_t n;
	char name[FX_TABLES_MAX][64];
	int64_t rows[FX_TABLES_MAX];
	uint64_t hash[FX_TABLES_MAX];
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

static void take_table(struct snapshot *s, size_t i)
{
	char sql[128];
	assert_true(snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", s->name[i]) < (int)sizeof sql);
	struct db_stmt *st;
	if (db_prepare(fx.db, sql, &st) < 0)
		fail_msg("%s: %s", sql, db_errmsg(fx.db));
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	int r;
	while ((r = db_step(st)) == DB_ROW) {
		s->rows[i]++;
		for (int c = 0; c < db_column_count(st); c++) {
			size_t len = 0;
			const void *v = db_column_is_null(st, c) ? NULL : db_column_blob(st, c, &len);
			h = fnv(h, v ? "v" : "n", 1);
			h = fnv(h, &len, sizeof len);
			if (v)
				h = fnv(h, v, len);
		}
	}
	assert_int_equal(r, DB_DONE);
	db_finalize(st);
	s->hash[i] = h;
}

static void take(struct snapshot *s)
{
	memset(s, 0, sizeof *s);
	struct db_stmt *st;
	assert_int_equal(db_prepare(fx.db,
				    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
				    " ORDER BY name",
				    &st),
			 0);
	while (db_step(st) == DB_ROW) {
		assert_true(s->n < FX_TABLES_MAX);
		int n = snprintf(s->name[s->n], sizeof s->name[0], "%s", db_column_text(st, 0));
		assert_true(n > 0 && n < (int)sizeof s->name[0]);
		s->n++;
	}
	db_finalize(st);
	for (size_t i = 0; i < s->n; i++)
		take_table(s, i);
}

/* what: "statement" or "allocation", the nth of which failed. */
static void same(const struct snapshot *a, const struct snapshot *b, const char *what, long n)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		if (a->rows[i] != b->rows[i])
			fail_msg("%s %ld failed, yet %s went from %lld to %lld rows", what, n, a->name[i],
				 (long long)a->rows[i], (long long)b->rows[i]);
		if (a->hash[i] != b->hash[i])
			fail_msg("%s %ld failed, yet rows of %s changed", what, n, a->name[i]);
	}
}

/* Did the use case commit between a and b? Every write appends to the
 * audit trail in its transaction, so a longer trail says it did. */
static bool committed(const struct snapshot *a, const struct snapshot *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++)
		if (strcmp(a->name[i], "audit") == 0)
			return b->rows[i] > a->rows[i];
	return false;
}

/* One kind of failure the loops inject: how to make the nth fail (0: none),
 * and what the run met. */
struct failure_kind {
	const char *what; /* "statement", "allocation" */
	void (*arm)(long n);
	void (*report)(struct db_fail_report *ret);
	/* Did the failure come after the use case committed? Then what is
	 * left reads the answer and the write is whole, and the loop ends. */
	bool (*after_commit)(const struct db_fail_report *rep, const struct snapshot *before,
			     const struct snapshot *after, long n);
};

static long each_failure(const struct failure_kind *k, fx_use_case fn, void *arg)
{
	for (long n = 1;; n++) {
		struct snapshot before, after;
		take(&before);
		k->arm(n);
		int r = fn(arg);
		struct db_fail_report rep;
		k->report(&rep);
		k->arm(0);
		if (!rep.fired) {
			if (r < 0)
				fail_msg("the use case failed with %s (%s) without an injected failure", err_str(r),
					 db_errmsg(fx.db));
			return rep.counted;
		}
		if (r >= 0)
			fail_msg("%s %ld failed (%s), yet the use case answered %d", k->what, n, db_errmsg(fx.db), r);
		if (db_in_transaction(fx.db))
			fail_msg("%s %ld failed, and the use case left its transaction open", k->what, n);
		take(&after);
		if (k->after_commit(&rep, &before, &after, n))
			return rep.counted;
		same(&before, &after, k->what, n);
	}
}

/* That holds only for a use case of one transaction: a second one begun
 * (or about to begin) means a first was committed on its own. */
static bool statement_after_commit(const struct db_fail_report *rep, const struct snapshot *before,
				   const struct snapshot *after, long n)
{
	(void)before;
	(void)after;
	if (rep->commits > 0 && (rep->commits != 1 || rep->begins != 1 || rep->fired_on_begin))
		fail_msg("statement %ld failed after %ld commits: the use case is not one transaction", n,
			 rep->commits);
	return rep->commits > 0;
}

long fx_each_failure(fx_use_case fn, void *arg)
{
	static const struct failure_kind statements = {"statement", db_fail_at, db_fail_report, statement_after_commit};
	return each_failure(&statements, fn, arg);
}

/* ---- allocation failure ---- */

static _Atomic long alloc_fail_at, alloc_counted;
static _Atomic bool alloc_fired;

void fx_fail_alloc_at(long n)
{
	alloc_counted = 0;
	alloc_fired = false;
	alloc_fail_at = n;
}

/* Is this allocation the one to fail? */
static bool alloc_fails(void)
{
	long n = ++alloc_counted;
	if (n != alloc_fail_at)
		return false;
	alloc_fired = true;
	return true;
}

void *__wrap_malloc(size_t size)
{
	return alloc_fails() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return alloc_fails() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	return alloc_fails() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return alloc_fails() ? NULL : __real_strndup(s, n);
}

static void alloc_report(struct db_fail_report *ret)
{
	*ret = (struct db_fail_report){.counted = alloc_counted, .fired = alloc_fired};
}

/* The allocator does not see transactions: a longer audit trail says the
 * use case committed (building its answer failed). That it is one
 * transaction is fx_each_failure's to show; a second run would meet what
 * the first wrote. */
static bool alloc_after_commit(const struct db_fail_report *rep, const struct snapshot *before,
			       const struct snapshot *after, long n)
{
	(void)rep;
	(void)n;
	return committed(before, after);
}

long fx_each_alloc_failure(fx_use_case fn, void *arg)
{
	static const struct failure_kind allocations = {"allocation", fx_fail_alloc_at, alloc_report,
							alloc_after_commit};
	return each_failure(&allocations, fn, arg);
}
#else
long fx_each_failure(fx_use_case fn, void *arg)
{
	(void)fn;
	(void)arg;
	/* Nothing can be made to fail without the test hooks: such a test
	 * says it did not run rather than pass untried. */
	skip();
	return 0;
}

long fx_each_alloc_failure(fx_use_case fn, void *arg)
{
	(void)fn;
	(void)arg;
	skip();
	return 0;
}
#endif

void fx_report(const struct fx_user *careline, const char *given_name, bool accept, int64_t *ret_id)
{
	char text[1024];
	int n = snprintf(text, sizeof text,
			 "{\"received_at\": \"2026-11-28T18:30:00Z\", \"channel\": \"phone\","
			 " \"reporter\": {\"source\": \"school\", \"name\": \"A school counselor\"},"
			 " \"children\": [{\"given_name\": \"%s\", \"family_name\": \"Fixture\","
			 " \"estimated_age\": 15, \"town\": \"Bridgeport\"}],"
			 " \"narrative\": \"A synthetic report.\", \"concerns\": [\"runaway_awol\"]}",
			 given_name);
	assert_true(n > 0 && n < (int)sizeof text);
	json_t *body = fx_json(text);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct intake_created created;
	int r = svc_intake_create(&careline->ctx, body, NULL, &errs, &created);
	fx_assert_no_errors(r, &errs);
	json_decref(body);
	*ret_id = created.id;
	if (accept)
		fx_accept(careline, created.id);
}

int fx_accept_body(int64_t intake_id, json_t **ret)
{
	char sql[96], version[24];
	assert_true(snprintf(sql, sizeof sql, "SELECT version FROM intake WHERE id = %lld", (long long)intake_id) <
		    (int)sizeof sql);
	fx_text(sql, version, sizeof version);
	char text[256];
	int n = snprintf(text, sizeof text,
			 "{\"disposition\": \"accepted_hart\", \"unscreened_reason\": \"Known to the team: the screen"
			 " follows.\", \"version\": %s}",
			 version);
	assert_true(n > 0 && n < (int)sizeof text);
	*ret = fx_json(text);
	return 0;
}

void fx_accept(const struct fx_user *as, int64_t intake_id)
{
	json_t *body;
	assert_int_equal(fx_accept_body(intake_id, &body), 0);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	fx_assert_no_errors(svc_intake_dispose(&as->ctx, intake_id, body, &errs), &errs);
	json_decref(body);
}

void fx_case(const struct fx_user *as, int64_t intake_id, int64_t *ret_id)
{
	char text[64];
	assert_true(snprintf(text, sizeof text, "{\"intake_id\": %lld}", (long long)intake_id) < (int)sizeof text);
	json_t *body = fx_json(text);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct case_conflict cf;
	memset(&cf, 0, sizeof cf);
	struct case_opened opened;
	fx_assert_no_errors(svc_case_open(&as->ctx, body, &errs, &cf, &opened), &errs);
	json_decref(body);
	*ret_id = opened.id;
}

void fx_assert_no_errors(int r, struct field_errors *errs)
{
	if (r < 0) {
		char line[300];
		for (size_t i = 0; i < errs->count && field_error_format(errs, i, line, sizeof line) == 0; i++)
			print_error("  %s\n", line);
		fail_msg("the service answered %s (%s)", err_str(r), db_errmsg(fx.db));
	}
	field_errors_done(errs);
}

bool fx_names_field(const struct field_errors *errs, const char *field)
{
	size_t i;
	json_t *e;
	json_array_foreach(errs->list, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
			return true;
	}
	return false;
}

int64_t fx_report_for_hart(struct fx_user *careline, struct fx_user *hart, bool accept)
{
	fx_user(careline, ROLE_CARELINE, NULL);
	fx_user(hart, ROLE_HART, NULL);
	int64_t intake;
	fx_report(careline, "Avery", accept, &intake);
	return intake;
}

int64_t fx_case_as_hart(struct fx_user *careline, struct fx_user *hart)
{
	int64_t id;
	fx_case(hart, fx_report_for_hart(careline, hart, true), &id);
	return id;
}
