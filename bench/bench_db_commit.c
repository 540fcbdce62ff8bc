/* bench_db_commit: durable single-row commits per second on SQLite, raw
 * (sqlite3 directly) and through hartline's db layer, side by side in one
 * run. The raw rate is the yardstick of the intake budget in the design:
 * intake creation must reach at least half of it.
 *
 *   bench_db_commit [DIR] [SECONDS]
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"
#include "db/db.h"

static const char *SCHEMA = "CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY, v TEXT NOT NULL)";

static double run_raw(const char *path, double seconds)
{
	sqlite3 *h;
	if (sqlite3_open(path, &h) != SQLITE_OK)
		return -1;
	sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL);
	sqlite3_exec(h, SCHEMA, NULL, NULL, NULL);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(h, "INSERT INTO bench (v) VALUES (?)", -1, &st, NULL);
	int64_t start = clock_mono_us(), end = start + (int64_t)(seconds * 1e6);
	long n = 0;
	while (clock_mono_us() < end) {
		sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_text(st, 1, "I-2026-000001", -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
		n++;
	}
	double rate = (double)n / ((double)(clock_mono_us() - start) / 1e6);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rate;
}

static double run_layer(const char *path, double seconds)
{
	struct db *db;
	char err[256];
	if (db_open(path, &db, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	struct db_stmt *st;
	if (db_exec(db, SCHEMA) < 0 || db_prepare(db, "INSERT INTO bench (v) VALUES (?)", &st) < 0) {
		fprintf(stderr, "%s\n", db_errmsg(db));
		db_close(db);
		return -1;
	}
	int64_t start = clock_mono_us(), end = start + (int64_t)(seconds * 1e6);
	long n = 0;
	while (clock_mono_us() < end) {
		/* One failed commit makes the rate meaningless: stop and say so. */
		if (db_begin(db) < 0 || db_bind_text(st, 1, "I-2026-000001") < 0 || db_step(st) < 0 ||
		    db_reset(st) < 0 || db_commit(db) < 0) {
			fprintf(stderr, "%s\n", db_errmsg(db));
			db_finalize(st);
			db_close(db);
			return -1;
		}
		n++;
	}
	double rate = (double)n / ((double)(clock_mono_us() - start) / 1e6);
	db_finalize(st);
	db_close(db);
	return rate;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	int64_t secs = 3;
	if (argc > 2 && str_to_int64(argv[2], 1, 600, &secs) < 0) {
		fprintf(stderr, "usage: bench_db_commit [DIR] [SECONDS]\n");
		return 2;
	}
	char raw[1024], layer[1024];
	snprintf(raw, sizeof raw, "%s/bench-raw-%d.db", dir, (int)getpid());
	snprintf(layer, sizeof layer, "%s/bench-layer-%d.db", dir, (int)getpid());
	double r = run_raw(raw, (double)secs);
	double l = run_layer(layer, (double)secs);
	printf("sqlite durable commits/s: raw %.0f, hartline db layer %.0f (%.0f%% of raw)\n", r, l,
	       r > 0 ? 100.0 * l / r : 0.0);
	const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		char p[1100];
		snprintf(p, sizeof p, "%s%s", raw, suffix[i]);
		unlink(p);
		snprintf(p, sizeof p, "%s%s", layer, suffix[i]);
		unlink(p);
	}
	return r > 0 && l > 0 ? 0 : 1;
}
