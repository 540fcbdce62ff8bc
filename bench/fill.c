#include "fill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/csv.h"
#include "base/err.h"
#include "base/seal.h"
#include "base/str.h"
#include "match/gen.h"
#include "service/app.h"
#include "service/counts.h"

#define TS "2026-11-28T15:00:00Z"
#define TS_DAY "2026-11-28"
#define ROWS 100
#define MAX_PARAMS 256 /* the most a statement takes on PostgreSQL (db_pg.c) */
#define BATCH 50000
#define DUE_DAYS 90

static const char *const regions[] = {"R1", "R2", "R3", "R4", "R5", "R6"};
static const char *const statuses[] = {"open", "response", "services", "closed"};

static uint64_t rnd_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* ---- rows by direct SQL ---- */

int fill_insert_loop(struct db *db, const char *head, const char *row, int n, fill_bind_fn *bind, void *arg)
{
	/* Up to ROWS rows a statement (and one statement for the rest), so
	 * that PostgreSQL makes one round trip for many rows. */
	int nparams = 0;
	for (const char *q = row; *q; q++)
		nparams += *q == '?';
	int rows = nparams && MAX_PARAMS / nparams < ROWS ? MAX_PARAMS / nparams : ROWS;
	struct buf full, tail;
	buf_init(&full, 0);
	buf_init(&tail, 0);
	int r = buf_puts(&full, head);
	for (int k = 0; r == 0 && k < rows; k++) {
		if ((r = buf_puts(&full, k ? ", " : " ")) == 0)
			r = buf_puts(&full, row);
		if (r == 0 && k == n % rows - 1)
			r = buf_puts(&tail, full.data);
	}
	struct db_stmt *st = NULL, *rest = NULL;
	if (r == 0)
		r = db_begin(db);
	if (r == 0 && n >= rows)
		r = db_prepare(db, full.data, &st);
	if (r == 0 && n % rows)
		r = db_prepare(db, tail.data, &rest);
	int since = 0;
	for (int i = 0; r == 0 && i < n; i += rows) {
		struct db_stmt *s = n - i >= rows ? st : rest;
		int m = n - i >= rows ? rows : n - i;
		if ((r = db_reset(s)) < 0)
			break;
		for (int k = 0; r == 0 && k < m; k++)
			r = bind(s, i + k, k * nparams, arg);
		if (r < 0)
			break;
		r = db_step(s);
		r = r == DB_DONE || r == DB_ROW ? 0 : r < 0 ? r : ERR_DB;
		if (r == 0 && (since += m) >= BATCH && (r = db_commit(db)) == 0) {
			since = 0;
			r = db_begin(db);
		}
	}
	if (st)
		db_finalize(st);
	if (rest)
		db_finalize(rest);
	buf_done(&full);
	buf_done(&tail);
	if (r == 0)
		return db_commit(db);
	db_rollback(db);
	return r;
}

/* ---- people ---- */

struct people {
	struct app *app;
	struct csv_reader *rd;
	int64_t first_id;
	struct buf sealed;
};

/* Seal value (NULL or "" binds NULL) for person.column of row id and bind
 * it as parameter idx. */
static int bind_sealed(struct db_stmt *st, int idx, struct people *pp, const char *column, int64_t id,
                       const char *value)
{
	if (!value || !*value)
		return db_bind_null(st, idx);
	pp->sealed.len = 0;
	int r = seal_value(pp->app->keys, "person", column, id, value, strlen(value), &pp->sealed);
	return r < 0 ? r : db_bind_blob(st, idx, pp->sealed.data, pp->sealed.len);
}

/* The next row of the generator's CSV (rec_id, given_name, family_name,
 * dob, age, sex, town, ...) as person first_id + i. */
static int bind_generated(struct db_stmt *st, int i, int base, void *arg)
{
	struct people *pp = arg;
	struct csv_row row;
	int r = csv_next(pp->rd, 10, &row);
	if (r != 1)
		return r < 0 ? r : ERR_PARSE;
	int64_t id = pp->first_id + i, age = -1;
	const char *dob = row.fields[3];
	if (!*dob && *row.fields[4] && str_to_int64(row.fields[4], 0, 120, &age) < 0)
		age = -1;
	if ((r = db_bind_int64(st, base + 1, id)) < 0 ||
	    (r = bind_sealed(st, base + 2, pp, "given_name", id, row.fields[1])) < 0 ||
	    (r = bind_sealed(st, base + 3, pp, "family_name", id, row.fields[2])) < 0 ||
	    (r = bind_sealed(st, base + 4, pp, "dob", id, dob)) < 0 ||
	    (r = age >= 0 ? db_bind_int64(st, base + 5, age) : db_bind_null(st, base + 5)) < 0 ||
	    (r = db_bind_text(st, base + 6, age >= 0 ? TS_DAY : NULL)) < 0 ||
	    (r = db_bind_text(st, base + 7, *row.fields[5] ? row.fields[5] : NULL)) < 0)
		return r;
	return db_bind_text(st, base + 8, *row.fields[6] ? row.fields[6] : NULL);
}

int fill_people_generated(struct app *app, struct db *db, int n, uint64_t seed)
{
	struct gen_config gc;
	gen_config_defaults(&gc);
	gc.seed = seed;
	gc.originals = (size_t)n;
	gc.records = (size_t)n;
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	if (!f)
		return ERR_NOMEM;
	int r = gen_write(f, &gc, NULL, NULL);
	if (fclose(f) != 0 && r == 0)
		r = ERR_IO;
	struct people pp = {.app = app};
	buf_init(&pp.sealed, 0);
	struct csv_row header;
	if (r == 0 && (r = csv_open_buffer("generated people", data, len, &pp.rd)) == 0)
		r = csv_next(pp.rd, 0, &header) == 1 ? 0 : ERR_PARSE;
	if (r == 0 && (r = db_query_int64(db, "SELECT COALESCE(MAX(id), 0) + 1 FROM person", &pp.first_id)) == 0)
		r = fill_insert_loop(
		        db,
		        "INSERT INTO person (id, given_name, family_name, dob, estimated_age, age_estimated_on,"
		        " sex, town, synthetic, created_at, updated_at) VALUES",
		        "(?, ?, ?, ?, ?, ?, ?, ?, 1, '" TS "', '" TS "')", n, bind_generated, &pp);
	/* The ids were given: PostgreSQL's counter goes on after them. */
	if (r == 0 && db_engine(db) == DB_POSTGRESQL)
		r = db_exec(db, "SELECT setval(pg_get_serial_sequence('person', 'id'), (SELECT MAX(id) FROM person))");
	if (pp.rd)
		csv_close(pp.rd);
	buf_done(&pp.sealed);
	free(data);
	return r;
}

struct fill_ctx {
	const struct fill_config *c;
	int64_t first_person, user, first_case;
	int64_t *opened; /* each case's opening time, seconds */
	unsigned char *closed, *region;
	char number[32], at[32], due[32], met[32];
};

static int bind_person(struct db_stmt *st, int i, int base, void *arg)
{
	(void)arg;
	return db_bind_int64(st, base + 1, 10 + i % 8);
}

/* A time in the three years before TS: row i of n, a little out of order
 * (as rows are recorded late), so that the indexes fill from one end. */
static int64_t when(int i, int n)
{
	int64_t span = 3 * 365 * 86400LL;
	return 1701000000 + span * i / n + (int64_t)(rnd() % 7200);
}

static int bind_case(struct db_stmt *st, int i, int base, void *arg)
{
	struct fill_ctx *f = arg;
	snprintf(f->number, sizeof f->number, "C-%07d", i + 1);
	f->opened[i] = when(i, f->c->cases);
	int status = (int)(rnd() % 4);
	f->closed[i] = status == 3;
	f->region[i] = (unsigned char)(rnd() % 6);
	int r = time_format(f->opened[i] * HL_USEC_PER_SEC, f->at, sizeof f->at);
	if (r < 0 || (r = db_bind_text(st, base + 1, f->number)) < 0 ||
	    (r = db_bind_int64(st, base + 2, f->first_person + i)) < 0 ||
	    (r = db_bind_text(st, base + 3, regions[f->region[i]])) < 0 ||
	    (r = db_bind_text(st, base + 4, statuses[status])) < 0 || (r = db_bind_int64(st, base + 5, f->user)) < 0 ||
	    (r = db_bind_text(st, base + 6, f->at)) < 0)
		return r;
	return db_bind_text(st, base + 7, f->at);
}

static int bind_report(struct db_stmt *st, int i, int base, void *arg)
{
	struct fill_ctx *f = arg;
	snprintf(f->number, sizeof f->number, "I-%07d", i + 1);
	int r = time_format(when(i, f->c->reports) * HL_USEC_PER_SEC, f->at, sizeof f->at);
	if (r < 0 || (r = db_bind_text(st, base + 1, f->number)) < 0 || (r = db_bind_text(st, base + 2, f->at)) < 0 ||
	    (r = db_bind_text(st, base + 3, regions[rnd() % 6])) < 0 ||
	    (r = db_bind_int64(st, base + 4, f->user)) < 0 ||
	    (r = db_bind_text(st, base + 5, rnd() % 10 ? "accepted_hart" : NULL)) < 0)
		return r;
	return db_bind_text(st, base + 6, f->at);
}

/* A case's duty: due DUE_DAYS after the case opened, met a day before it
 * was due when the case is closed; an unmet one was reminded of and its
 * lateness told when the case opened (as if the server's sweeps had run,
 * so that the first sweep of a benchmarked server has nothing to send). */
static int bind_duty(struct db_stmt *st, int i, int base, void *arg)
{
	struct fill_ctx *f = arg;
	int64_t opened = f->opened[i], due = opened + DUE_DAYS * 86400LL;
	int r;
	if ((r = time_format(opened * HL_USEC_PER_SEC, f->at, sizeof f->at)) < 0 ||
	    (r = time_format(due * HL_USEC_PER_SEC, f->due, sizeof f->due)) < 0 ||
	    (r = time_format((due - 86400) * HL_USEC_PER_SEC, f->met, sizeof f->met)) < 0)
		return r;
	if ((r = db_bind_int64(st, base + 1, f->first_case + i)) < 0 ||
	    (r = db_bind_int64(st, base + 2, f->first_case + i)) < 0 ||
	    (r = db_bind_text(st, base + 3, regions[f->region[i]])) < 0 ||
	    (r = db_bind_text(st, base + 4, f->at)) < 0 || (r = db_bind_text(st, base + 5, f->due)) < 0 ||
	    (r = db_bind_text(st, base + 6, f->closed[i] ? f->met : NULL)) < 0 ||
	    (r = db_bind_text(st, base + 7, f->closed[i] ? NULL : f->at)) < 0 ||
	    (r = db_bind_text(st, base + 8, f->closed[i] ? NULL : f->at)) < 0)
		return r;
	return db_bind_text(st, base + 9, f->at);
}

static int fill_cases(struct db *db, struct fill_ctx *f)
{
	const struct fill_config *c = f->c;
	int64_t persons = 0;
	int r = db_query_int64(db, "SELECT COUNT(*) FROM person", &persons);
	if (r == 0 && persons < c->cases)
		r = fill_insert_loop(db, "INSERT INTO person (estimated_age, synthetic, created_at, updated_at) VALUES",
		                     "(?, 1, '" TS "', '" TS "')", c->cases - (int)persons, bind_person, f);
	if (r == 0)
		r = db_query_int64(db, "SELECT MIN(id) FROM person", &f->first_person);
	if (r == 0)
		r = db_int64f(db, &f->user,
		              "INSERT INTO app_user (username, role, password_hash, created_at, updated_at)"
		              " VALUES ('bench-fill', 'hart', 'x', ?, ?) RETURNING id",
		              "tt", TS, TS);
	if (r == 0)
		r = fill_insert_loop(db,
		                     "INSERT INTO child_case (number, person_id, region, status, opened_by, opened_at,"
		                     " updated_at) VALUES",
		                     "(?, ?, ?, ?, ?, ?, ?)", c->cases, bind_case, f);
	if (r == 0)
		r = db_query_int64(db, "SELECT MIN(id) FROM child_case", &f->first_case);
	if (r == 0 && c->duties)
		r = fill_insert_loop(
		        db,
		        "INSERT INTO duty (case_id, kind, name, subject_type, subject_id, region, starts_at,"
		        " due_at, met_at, reminded_at, overdue_notified_at, created_at) VALUES",
		        "(?, 'plan_review', 'Plan review', 'case', ?, ?, ?, ?, ?, ?, ?, ?)", c->cases, bind_duty, f);
	return r;
}

/* The reports, and their children and cases as c asks, the links made by
 * one INSERT ... SELECT each (row k of the reports is intake first + k). */
static int fill_reports(struct db *db, struct fill_ctx *f)
{
	const struct fill_config *c = f->c;
	int64_t first = 0;
	int r = fill_insert_loop(
	        db,
	        "INSERT INTO intake (number, received_at, channel, source, concerns, region, created_by,"
	        " disposition, created_at, updated_at) VALUES",
	        "(?, ?, 'phone', 'school', '[]', ?, ?, ?, ?, '" TS "')", c->reports, bind_report, f);
	if (r == 0)
		r = db_query_int64(db, "SELECT MIN(id) FROM intake", &first);
	if (r == 0 && c->child_every > 0 && c->child_of_case)
		r = db_execf(db,
		             "INSERT INTO intake_child (intake_id, position, person_id)"
		             " SELECT id, 0, id - ? + ? FROM intake WHERE id - ? < ? AND (id - ?) % ? = 0",
		             "iiiiii", first, f->first_person, first, (int64_t)c->cases, first,
		             (int64_t)c->child_every);
	else if (r == 0 && c->child_every > 0)
		r = db_execf(db,
		             "INSERT INTO intake_child (intake_id, position, person_id)"
		             " SELECT id, 0, ? + ((id - ?) / ?) % ? FROM intake WHERE (id - ?) % ? = 0",
		             "iiiiii", f->first_person, first, (int64_t)c->child_every,
		             (int64_t)(c->named ? c->named : 1), first, (int64_t)c->child_every);
	if (r == 0 && c->cases_linked)
		r = db_execf(db,
		             "INSERT INTO case_intake (case_id, intake_id, child, added_at, added_by)"
		             " SELECT id, id - ? + ?, 0, opened_at, opened_by FROM child_case WHERE id - ? < ?",
		             "iiii", f->first_case, first, f->first_case, (int64_t)c->reports);
	return r;
}

int fill_rows(struct db *db, const struct fill_config *c)
{
	struct fill_ctx f = {.c = c};
	f.opened = calloc((size_t)c->cases + 1, sizeof *f.opened);
	f.closed = calloc((size_t)c->cases + 1, 1);
	f.region = calloc((size_t)c->cases + 1, 1);
	int r = f.opened && f.closed && f.region ? 0 : ERR_NOMEM;
	if (r == 0 && db_engine(db) == DB_SQLITE)
		r = db_exec(db, "PRAGMA cache_size = -400000");
	if (r == 0)
		r = fill_cases(db, &f);
	if (r == 0)
		r = fill_reports(db, &f);
	/* Rows written by direct SQL: the dashboard's kept counts are made
	 * from them, as the migration makes them for an older database. */
	if (r == 0)
		r = counts_rebuild(db, now());
	if (r == 0)
		r = db_exec(db, "ANALYZE");
	free(f.opened);
	free(f.closed);
	free(f.region);
	return r;
}
