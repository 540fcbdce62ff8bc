/* bench_providers: the provider directory's search and a provider's
 * referral queue over 10,000 providers and 1,000,000 service referrals,
 * against the 50 ms budget of issue 13 ("Bad input and limits").
 *
 *   bench_providers --db URL [--key-file FILE] [--runs N]
 *
 * The database is one `hartline init` made. The first run fills it in one
 * transaction with synthetic rows, by direct SQL: 10,000 providers (each
 * 2 to 4 services, 1 or 2 regions, populations, languages, openings), 1,000
 * children and their cases, and 1,000,000 referrals spread over the
 * providers, the cases and the statuses; later runs reuse them. Then each
 * query is timed N times (default 200) on one thread: the search through
 * the providers service as every signed-in user asks it (the first page;
 * a page filtered by service, region and openings; the next page by its
 * cursor; by openings) and the queue of one provider's pending referrals
 * (first page, and a page after a keyset cursor) as the referrals service
 * reads it. Prints p50 and p99 in milliseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/json.h"
#include "base/str.h"
#include "db/db.h"
#include "service/app.h"
#include "service/providers.h"

#define PROVIDERS 10000
#define CHILDREN 1000
#define REFERRALS 1000000
#define TS "2026-11-28T15:00:00Z"

static const char *const services[] = {"specialized_foster_care", "survivor_care_rapid", "survivor_care_long_term",
				       "mentoring", "clinical_services", "victim_advocacy", "my_life_my_choice",
				       "not_a_number"};
static const char *const regions[] = {"R1", "R2", "R3", "R4", "R5", "R6"};
static const char *const statuses[] = {"pending", "accepted", "declined", "started", "completed", "ended"};
static const char *const populations[] = {"girls", "boys", "lgbtqi"};

/* A small, fixed pseudo-random stream: the same rows every time. */
static uint64_t rnd_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static int offer(struct db *db, int64_t id, const char *kind, const char *value)
{
	return db_execf(db, "INSERT INTO provider_offer (provider_id, kind, value) VALUES (?, ?, ?)", "itt", id, kind,
			value);
}

static int fill_providers(struct db *db)
{
	int r = 0;
	for (int i = 0; r == 0 && i < PROVIDERS; i++) {
		char code[32], name[64];
		snprintf(code, sizeof code, "bench_%05d", i);
		snprintf(name, sizeof name, "Bench Provider %05d (synthetic)", (int)(rnd() % 100000));
		int64_t id, openings = (int64_t)(rnd() % 6), cap = openings + (int64_t)(rnd() % 6);
		r = db_int64f(db, &id,
			      "INSERT INTO provider (code, name, capacity, openings, age_min, age_max, informed_status,"
			      " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			      "ttiiiittt", code, name, cap, openings, (int64_t)(rnd() % 12), (int64_t)(18 + rnd() % 4),
			      rnd() % 3 ? "informed" : "not_informed", TS, TS);
		int ns = 2 + (int)(rnd() % 3), first = (int)(rnd() % 8);
		for (int k = 0; r == 0 && k < ns; k++)
			r = offer(db, id, "service", services[(first + k) % 8]);
		int reg = (int)(rnd() % 6);
		if (r == 0)
			r = offer(db, id, "region", regions[reg]);
		if (r == 0 && rnd() % 3 == 0)
			r = offer(db, id, "region", regions[(reg + 1) % 6]);
		if (r == 0)
			r = offer(db, id, "population", populations[rnd() % 3]);
		if (r == 0)
			r = offer(db, id, "language", "English");
	}
	return r;
}

static int fill_cases(struct db *db, int64_t *first_case, int64_t *first_person)
{
	int64_t user;
	int r = db_int64f(db, &user,
			  "INSERT INTO app_user (username, role, password_hash, created_at, updated_at)"
			  " VALUES ('bench-hart', 'hart', 'x', ?, ?) RETURNING id",
			  "tt", TS, TS);
	for (int i = 0; r == 0 && i < CHILDREN; i++) {
		int64_t person, kase;
		char number[24];
		snprintf(number, sizeof number, "C-BENCH-%05d", i);
		if ((r = db_int64f(db, &person,
				   "INSERT INTO person (estimated_age, synthetic, created_at, updated_at)"
				   " VALUES (15, 1, ?, ?) RETURNING id",
				   "tt", TS, TS)) < 0 ||
		    (r = db_int64f(db, &kase,
				   "INSERT INTO child_case (number, person_id, region, opened_by, opened_at, updated_at)"
				   " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
				   "tititt", number, person, regions[i % 6], user, TS, TS)) < 0)
			break;
		if (i == 0) {
			*first_case = kase;
			*first_person = person;
		}
	}
	return r;
}

/* Cases and persons were inserted in pairs, one after the other, so case
 * first_case + k belongs to person first_person + k. */
static int fill_referrals(struct db *db, int64_t first_case, int64_t first_person, int64_t first_provider)
{
	struct db_stmt *st = NULL;
	int r = db_prepare(db,
			   "INSERT INTO service_referral (number, case_id, person_id, provider_id, service, region,"
			   " status, referred_at, answer_due_at, created_at, updated_at)"
			   " VALUES (?, ?, ?, ?, ?, 'R1', ?, '" TS "', '" TS "', '" TS "', '" TS "')",
			   &st);
	for (int i = 0; r == 0 && i < REFERRALS; i++) {
		char number[24];
		snprintf(number, sizeof number, "S-BENCH-%07d", i);
		int64_t k = (int64_t)(rnd() % CHILDREN);
		if ((r = db_reset(st)) < 0 || (r = db_bind_text(st, 1, number)) < 0 ||
		    (r = db_bind_int64(st, 2, first_case + k)) < 0 || (r = db_bind_int64(st, 3, first_person + k)) < 0 ||
		    (r = db_bind_int64(st, 4, first_provider + (int64_t)(rnd() % PROVIDERS))) < 0 ||
		    (r = db_bind_text(st, 5, services[rnd() % 8])) < 0 ||
		    (r = db_bind_text(st, 6, statuses[rnd() % 6])) < 0)
			break;
		r = db_step(st);
		r = r == DB_DONE ? 0 : r < 0 ? r : ERR_DB;
	}
	if (st)
		db_finalize(st);
	return r;
}

static int fill(struct db *db)
{
	int64_t n = 0, first_case = 0, first_person = 0, first_provider = 0;
	int r = db_query_int64(db, "SELECT COUNT(*) FROM provider", &n);
	if (r < 0 || n >= PROVIDERS)
		return r;
	printf("filling: %d providers, %d children, %d referrals (one transaction)...\n", PROVIDERS, CHILDREN,
	       REFERRALS);
	fflush(stdout);
	int64_t t0 = clock_mono_us();
	if ((r = db_begin(db)) < 0)
		return r;
	if ((r = fill_providers(db)) < 0 ||
	    (r = db_query_int64(db, "SELECT MIN(id) FROM provider", &first_provider)) < 0 ||
	    (r = fill_cases(db, &first_case, &first_person)) < 0 ||
	    (r = fill_referrals(db, first_case, first_person, first_provider)) < 0 || (r = db_commit(db)) < 0) {
		db_rollback(db);
		return r;
	}
	if ((r = db_exec(db, "ANALYZE")) < 0)
		return r;
	printf("filled in %.1f s\n", (double)(clock_mono_us() - t0) / 1e6);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, int64_t *us, int runs)
{
	qsort(us, (size_t)runs, sizeof *us, cmp_i64);
	double p50 = (double)us[runs / 2] / 1000.0, p99 = (double)us[(runs * 99) / 100 - (runs >= 100)] / 1000.0;
	printf("| %s | %.2f | %.2f | %s |\n", what, p50, p99, p99 < 50.0 ? "yes" : "NO");
}

/* One search, N times; *next: the cursor of its first answer (may be NULL). */
static int time_search(const struct svc_ctx *ctx, const char *what, const struct provider_filter *f, int runs,
		       char *next, size_t next_size)
{
	int64_t *us = calloc((size_t)runs, sizeof *us);
	int r = us ? 0 : ERR_NOMEM;
	for (int i = 0; r == 0 && i < runs; i++) {
		struct field_errors errs;
		field_errors_init(&errs, 4);
		json_t *page = NULL;
		int64_t t0 = clock_mono_us();
		r = svc_providers_search(ctx, f, &errs, &page);
		us[i] = clock_mono_us() - t0;
		field_errors_done(&errs);
		if (r == 0 && i == 0 && next)
			snprintf(next, next_size, "%s", json_string_value(json_object_get(page, "next")) ?: "");
		if (r == 0 && i == 0 && json_array_size(json_object_get(page, "items")) == 0)
			fprintf(stderr, "%s: no items\n", what);
		json_decref(page);
	}
	if (r == 0)
		report(what, us, runs);
	free(us);
	return r;
}

/* The referral queue of provider p: its pending referrals, 50 a page, by
 * id after a keyset cursor. */
static int time_queue(struct db *db, const char *what, int64_t provider, int64_t after, int runs)
{
	int64_t *us = calloc((size_t)runs, sizeof *us);
	int r = us ? 0 : ERR_NOMEM, rows = 0;
	for (int i = 0; r == 0 && i < runs; i++) {
		struct db_stmt *st = NULL;
		int64_t t0 = clock_mono_us();
		r = db_preparef(db, &st,
				"SELECT id, number, case_id, service, status, referred_at, answer_due_at, version"
				" FROM service_referral WHERE provider_id = ? AND status = ? AND id > ? ORDER BY id LIMIT 50",
				"iti", provider, "pending", after);
		rows = 0;
		while (r == 0 && (r = db_step(st)) == DB_ROW) {
			rows++;
			r = 0;
		}
		if (st)
			db_finalize(st);
		r = r < 0 ? r : 0;
		us[i] = clock_mono_us() - t0;
	}
	if (r == 0) {
		char label[96];
		snprintf(label, sizeof label, "%s (%d rows)", what, rows);
		report(label, us, runs);
	}
	free(us);
	return r;
}

int main(int argc, char **argv)
{
	const char *url = NULL, *key = NULL;
	int64_t runs = 200;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--key-file") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			if (str_to_int64(argv[++i], 1, 100000, &runs) < 0)
				goto usage;
		} else
			goto usage;
	}
	if (!url)
		goto usage;
	struct app app;
	char msg[512];
	if (crypto_init() < 0) {
		fprintf(stderr, "bench_providers: libsodium did not start\n");
		return 1;
	}
	if (app_open(&app, url, NULL, key, msg, sizeof msg) < 0) {
		fprintf(stderr, "bench_providers: %s\n", msg);
		return 1;
	}
	struct db *db;
	int r = app_db(&app, &db);
	if (r == 0 && (r = fill(db)) < 0)
		fprintf(stderr, "bench_providers: filling failed: %s (%s)\n", err_str(r), db_errmsg(db));
	struct actor who;
	actor_cli(&who);
	who.role = ROLE_CARELINE; /* any signed-in user searches */
	struct svc_ctx ctx = {.app = &app, .actor = &who, .client = "bench"};
	char next[32] = "";
	int64_t provider = 0, after = 0;
	if (r == 0) {
		printf("\n| query | p50 (ms) | p99 (ms) | under 50 ms |\n| --- | ---: | ---: | ---: |\n");
		struct provider_filter first = {.age = -1};
		struct provider_filter filtered = {.age = -1, .service = "survivor_care_rapid", .region = "R3", .open = true};
		struct provider_filter by_open = {.age = -1, .by_openings = true};
		struct provider_filter narrow = {.age = 14, .service = "mentoring", .region = "R5", .population = "girls"};
		if ((r = time_search(&ctx, "search: first page (50 by name)", &first, (int)runs, next, sizeof next)) == 0 &&
		    (r = time_search(&ctx, "search: rapid response, R3, with openings", &filtered, (int)runs, NULL, 0)) == 0 &&
		    (r = time_search(&ctx, "search: mentoring, R5, girls, age 14", &narrow, (int)runs, NULL, 0)) == 0 &&
		    (r = time_search(&ctx, "search: most openings first", &by_open, (int)runs, NULL, 0)) == 0) {
			struct provider_filter second = {.age = -1, .after = next};
			r = time_search(&ctx, "search: second page (after a cursor)", &second, (int)runs, NULL, 0);
		}
	}
	if (r == 0 && (r = db_query_int64(db, "SELECT provider_id FROM service_referral WHERE id = 500000", &provider)) == 0 &&
	    (r = time_queue(db, "queue: one provider's pending, first page", provider, 0, (int)runs)) == 0 &&
	    (r = db_query_int64(db, "SELECT MIN(id) FROM service_referral", &after)) == 0)
		r = time_queue(db, "queue: next page (after a keyset cursor)", provider, after + REFERRALS / 2, (int)runs);
	if (r < 0)
		fprintf(stderr, "bench_providers: %s\n", err_str(r));
	app_close(&app);
	return r < 0 ? 1 : 0;
usage:
	fprintf(stderr, "usage: bench_providers --db URL [--key-file FILE] [--runs N]\n");
	return 2;
}
