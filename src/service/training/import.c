/* import.c: a session's sign-in sheet from a CSV file (docs/training.md,
 * "Sign-in sheet import"). The file is read once into its lines, each
 * checked and its person matched; only a file without a problem is
 * written, in one transaction. */
#include "service/training_import.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/csv.h"
#include "base/err.h"
#include "base/str.h"
#include "match/cmp.h"
#include "match/norm.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/sealed.h"
#include "service/training/training_int.h"

#define NAME_THRESHOLD 0.92

enum col { C_NAME, C_EMAIL, C_ORG, C_ROLE, C_AUDIENCE, C_ATTENDED, C_COMPLETED, C_COUNT };
static const char *const col_name[C_COUNT] = {"name",     "email",    "organisation", "role",
					      "audience", "attended", "completed"};

/* One line as read: its texts (malloc'd) and what it will write. */
struct row {
	char *name, *email, *org, *role;
	const char *audience;
	int64_t provider, reg; /* reg: 0 when not registered */
	bool registered;       /* reg's status is registered */
};

struct run {
	const struct svc_ctx *ctx;
	struct db *db;
	const struct tr_session *s;
	struct timport_report *rep;
	int idx[C_COUNT];
	struct row *rows;
	size_t n;
};

static void add_error(struct timport_report *rep, int64_t line, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_error(struct timport_report *rep, int64_t line, const char *column, const char *fmt, ...)
{
	rep->error_count++;
	if (rep->nerrors >= IMPORT_ERRORS_MAX)
		return;
	if (!rep->errors && !(rep->errors = calloc(IMPORT_ERRORS_MAX, sizeof *rep->errors)))
		return;
	struct import_error *e = &rep->errors[rep->nerrors++];
	e->line = line;
	str_copy(e->column, sizeof e->column, column ? column : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof e->reason, fmt, ap);
	va_end(ap);
}

void timport_report_done(struct timport_report *r)
{
	if (!r)
		return;
	free(r->errors);
	free(r->lines);
	r->errors = NULL;
	r->lines = NULL;
	r->nerrors = 0;
}

static const char *how_name(enum timport_how h)
{
	return h == TIMPORT_EMAIL ? "email" : h == TIMPORT_NAME ? "name" : "new";
}

json_t *timport_report_json(const struct timport_report *r)
{
	json_t *errs = json_array(), *lines = json_array();
	int bad = !errs || !lines;
	for (int64_t i = 0; !bad && i < r->nerrors; i++) {
		const struct import_error *e = &r->errors[i];
		bad = json_array_append_new(errs, json_pack("{s:I, s:o, s:s}", "line", (json_int_t)e->line, "column",
							     e->column[0] ? json_string(e->column) : json_null(),
							     "reason", e->reason)) < 0;
	}
	for (int64_t i = 0; !bad && r->lines && r->error_count == 0 && i < r->rows; i++) {
		const struct timport_line *l = &r->lines[i];
		bad = json_array_append_new(
			      lines, json_pack("{s:I, s:o, s:s, s:b, s:b, s:b}", "line", (json_int_t)l->line, "trainee_id",
					       l->trainee_id ? json_integer(l->trainee_id) : json_null(), "found",
					       how_name(l->how), "register", l->register_, "attended", l->attended,
					       "completed", l->completed)) < 0;
	}
	if (bad) {
		json_decref(errs);
		json_decref(lines);
		return NULL;
	}
	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:I}", "dry_run", r->dry_run,
			 "rows", (json_int_t)r->rows, "matched", (json_int_t)r->matched, "created",
			 (json_int_t)r->created, "registered", (json_int_t)r->registered, "attended",
			 (json_int_t)r->attended, "completed", (json_int_t)r->completed, "certificates",
			 (json_int_t)r->certificates, "import_id",
			 r->import_id ? json_integer(r->import_id) : json_null(), "lines", lines, "errors", errs,
			 "error_count", (json_int_t)r->error_count);
}

/* ---- reading ---- */

static bool check_header(struct run *u, const struct csv_row *row)
{
	for (int c = 0; c < C_COUNT; c++)
		u->idx[c] = -1;
	bool ok = true;
	for (size_t i = 0; i < row->n; i++) {
		int c = 0;
		while (c < C_COUNT && strcasecmp(col_name[c], row->fields[i]) != 0)
			c++;
		if (c == C_COUNT) {
			char shown[40];
			str_copy(shown, sizeof shown, row->fields[i]);
			add_error(u->rep, 1, shown[0] ? shown : NULL,
				  "column %zu: not a column of a sign-in sheet (name, email, organisation, role, audience,"
				  " attended, completed)", i + 1);
			ok = false;
		} else if (u->idx[c] >= 0) {
			add_error(u->rep, 1, col_name[c], "the column is given twice"), ok = false;
		} else {
			u->idx[c] = (int)i;
		}
	}
	static const enum col required[] = {C_NAME, C_AUDIENCE, C_ATTENDED};
	for (size_t i = 0; i < sizeof required / sizeof *required; i++)
		if (u->idx[required[i]] < 0)
			add_error(u->rep, 1, col_name[required[i]], "the column is required"), ok = false;
	return ok;
}

static const char *field(const struct run *u, const struct csv_row *row, enum col c)
{
	int i = u->idx[c];
	return i >= 0 && (size_t)i < row->n ? row->fields[i] : "";
}

/* yes, no or blank (no): 1, 0, or -1 for anything else. */
static int yes_no(const char *s)
{
	if (!*s || strcasecmp(s, "no") == 0)
		return 0;
	return strcasecmp(s, "yes") == 0 ? 1 : -1;
}

static char *dup_or_null(const char *s, int *err)
{
	if (!*s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*err = ERR_NOMEM;
	return d;
}

/* One data line checked into u->rows[i] and rep->lines[i]. */
static int read_line(struct run *u, const struct csv_row *row, size_t i)
{
	struct timport_report *rep = u->rep;
	const struct pack_training *t = &u->ctx->app->pack->training;
	int64_t line = (int64_t)row->line;
	struct row *w = &u->rows[i];
	struct timport_line *l = &rep->lines[i];
	l->line = line;
	static const enum col texts[] = {C_NAME, C_ORG, C_ROLE};
	for (size_t k = 0; k < 3; k++) {
		const char *s = field(u, row, texts[k]);
		if (*s && !str_is_line(s, TRAINING_NAME_MAX))
			add_error(rep, line, col_name[texts[k]], "one line of at most %d characters", TRAINING_NAME_MAX);
	}
	const char *s = field(u, row, C_NAME);
	if (!*s)
		add_error(rep, line, "name", "required: the person's name as they signed");
	s = field(u, row, C_EMAIL);
	if (*s && (strlen(s) > 254 || !str_is_email(s)))
		add_error(rep, line, "email", "\"%.60s\" is not an e-mail address: the whole address, or leave it blank", s);
	s = field(u, row, C_AUDIENCE);
	for (size_t k = 0; *s && k < t->n_audiences && !w->audience; k++)
		if (strcasecmp(t->audiences[k].id, s) == 0 || (t->audiences[k].name && strcasecmp(t->audiences[k].name, s) == 0))
			w->audience = t->audiences[k].id;
	if (!*s)
		add_error(rep, line, "audience", "required: one of the training audiences");
	else if (!w->audience)
		add_error(rep, line, "audience", "\"%.60s\" is not one of the training audiences", s);
	int a = yes_no(field(u, row, C_ATTENDED)), c = yes_no(field(u, row, C_COMPLETED));
	if (a < 0)
		add_error(rep, line, "attended", "yes, no or blank");
	if (c < 0)
		add_error(rep, line, "completed", "yes, no or blank");
	else if (c == 1 && a == 0)
		add_error(rep, line, "completed", "completed without attending: attended must be yes too");
	l->attended = a == 1;
	l->completed = c == 1;
	int err = 0;
	w->name = dup_or_null(field(u, row, C_NAME), &err);
	w->email = dup_or_null(field(u, row, C_EMAIL), &err);
	w->org = dup_or_null(field(u, row, C_ORG), &err);
	w->role = dup_or_null(field(u, row, C_ROLE), &err);
	return err;
}

/* "csv:12: field 3: reason" as a problem of line 12. */
static void add_parse_error(struct run *u, struct csv_reader *rd)
{
	const char *msg = csv_error(rd), *p = strchr(msg, ':');
	int64_t line = p ? strtoll(p + 1, NULL, 10) : 0;
	const char *reason = p ? strchr(p + 1, ':') : NULL;
	reason = reason ? reason + 1 : msg;
	while (*reason == ' ')
		reason++;
	add_error(u->rep, line, NULL, "%s", reason);
}

static int read_file(struct run *u, const char *csv, size_t len, import_progress_fn progress, void *arg)
{
	struct csv_reader *rd;
	struct csv_row row;
	int r = csv_open_buffer("csv", csv, len, &rd);
	if (r < 0)
		return r;
	r = csv_next(rd, 0, &row);
	if (r == 0) {
		add_error(u->rep, 1, NULL, "the file is empty: a header line is required");
	} else if (r < 0) {
		add_parse_error(u, rd);
		r = 0;
	} else if (check_header(u, &row)) {
		size_t nfields = row.n, cap = 0;
		while ((r = csv_next(rd, nfields, &row)) != 0) {
			if (r < 0) {
				add_parse_error(u, rd);
				continue;
			}
			if (u->n == TIMPORT_LINES_MAX) {
				add_error(u->rep, (int64_t)row.line, NULL, "more than %d lines: split the sheet",
					  TIMPORT_LINES_MAX);
				break;
			}
			if (u->n == cap) {
				cap = cap ? cap * 2 : 32;
				struct row *nr = realloc(u->rows, cap * sizeof *nr);
				struct timport_line *nl = nr ? realloc(u->rep->lines, cap * sizeof *nl) : NULL;
				if (nr)
					u->rows = nr;
				if (!nl) {
					r = ERR_NOMEM;
					break;
				}
				u->rep->lines = nl;
			}
			memset(&u->rows[u->n], 0, sizeof *u->rows);
			memset(&u->rep->lines[u->n], 0, sizeof *u->rep->lines);
			if ((r = read_line(u, &row, u->n++)) < 0)
				break;
			if (progress)
				progress(arg, "check", (int64_t)u->n, 0);
		}
		if (r == 0 && u->n == 0 && u->rep->error_count == 0)
			add_error(u->rep, 2, NULL, "no one on the sheet: the file has a header and nothing under it");
	}
	csv_close(rd);
	u->rep->rows = (int64_t)u->n;
	return r < 0 ? r : 0;
}

/* ---- matching ---- */

/* The people already known that line i's person is: by match key with an
 * e-mail, else by name among the trainees of the same organisation. Up to
 * two ids into found; *nfound says how many. */
static int find_known(struct run *u, size_t i, int64_t found[2], int *nfound)
{
	struct row *w = &u->rows[i];
	struct db_stmt *st;
	int r;
	*nfound = 0;
	if (w->email) {
		char key[CRYPTO_HASH_HEX_SIZE];
		if ((r = training_match_key(u->ctx->app, w->name, w->email, key)) < 0 ||
		    (r = db_preparef(u->db, &st, "SELECT id FROM trainee WHERE match_key = ? ORDER BY id LIMIT 2", "t",
				     key)) < 0)
			return r;
		while ((r = db_step(st)) == DB_ROW)
			found[(*nfound)++] = db_column_int64(st, 0);
		db_finalize(st);
		return r < 0 ? r : 0;
	}
	char want[NORM_MAX], have[NORM_MAX];
	norm_text(w->name, want, sizeof want);
	int64_t ids[256];
	size_t n = 0;
	if ((r = db_preparef(u->db, &st,
			     "SELECT id FROM trainee WHERE (CAST(? AS TEXT) IS NULL AND organisation IS NULL) OR"
			     " LOWER(organisation) = LOWER(?) ORDER BY id LIMIT 256",
			     "tt", w->org, w->org)) < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW)
		ids[n++] = db_column_int64(st, 0);
	db_finalize(st);
	if (r < 0)
		return r;
	for (size_t k = 0; k < n && *nfound < 2; k++) {
		char *name;
		if ((r = tr_trainee_name(u->ctx->app, u->db, ids[k], &name)) < 0)
			return r;
		norm_text(name ? name : "", have, sizeof have);
		free(name);
		if (*want && cmp_jaro_winkler(want, have) >= NAME_THRESHOLD)
			found[(*nfound)++] = ids[k];
	}
	return 0;
}

/* The same person twice on the sheet: the same trainee, or two new
 * people of the same name and e-mail. */
static void check_twice(struct run *u, size_t i)
{
	struct timport_line *l = u->rep->lines;
	struct row *w = u->rows;
	for (size_t k = 0; k < i; k++) {
		bool same = l[i].trainee_id ? l[k].trainee_id == l[i].trainee_id
					    : !l[k].trainee_id && w[k].name && w[i].name &&
						      strcasecmp(w[k].name, w[i].name) == 0 &&
						      strcasecmp(w[k].email ? w[k].email : "", w[i].email ? w[i].email : "") == 0;
		if (same) {
			add_error(u->rep, l[i].line, "name", "the same person as line %lld: keep one line for each person",
				  (long long)l[k].line);
			return;
		}
	}
}

/* Match every good line; find its registration, its provider and whether
 * it issues a certificate. */
static int match_lines(struct run *u, import_progress_fn progress, void *arg)
{
	struct timport_report *rep = u->rep;
	const struct pack_course *course = pack_course(u->ctx->app->pack, u->s->course);
	int r = 0;
	for (size_t i = 0; r == 0 && i < u->n; i++) {
		struct row *w = &u->rows[i];
		struct timport_line *l = &rep->lines[i];
		if (!w->name || !w->audience)
			continue;
		int64_t found[2];
		int nfound;
		if ((r = find_known(u, i, found, &nfound)) < 0)
			return r;
		if (nfound == 2) {
			add_error(rep, l->line, w->email ? "email" : "name",
				  "matches two people already known: trainees %lld and %lld; add their e-mail",
				  (long long)found[0], (long long)found[1]);
			continue;
		}
		l->trainee_id = nfound ? found[0] : 0;
		l->how = nfound == 0 ? TIMPORT_NEW : w->email ? TIMPORT_EMAIL : TIMPORT_NAME;
		check_twice(u, i);
		if (w->org && (r = db_int64f(u->db, &w->provider,
					     "SELECT id FROM provider WHERE LOWER(code) = LOWER(?) OR LOWER(name) = LOWER(?)"
					     " ORDER BY id LIMIT 1", "tt", w->org, w->org)) == ERR_NOTFOUND)
			r = 0;
		struct db_stmt *st;
		if (r == 0 && l->trainee_id &&
		    (r = db_rowf(u->db, &st, "SELECT id, status FROM registration WHERE session_id = ? AND trainee_id = ?",
				 "ii", u->s->id, l->trainee_id)) == 0) {
			w->reg = db_column_int64(st, 0);
			w->registered = strcmp(db_column_text(st, 1), "registered") == 0;
			db_finalize(st);
		}
		if (r == ERR_NOTFOUND)
			r = 0;
		l->register_ = !w->registered;
		int64_t had = 0;
		if (r == 0 && l->completed && course && course->certifies && l->trainee_id &&
		    (r = db_int64f(u->db, &had, "SELECT 1 FROM certificate WHERE trainee_id = ? AND course = ? AND"
						" session_id = ? AND revoked_at IS NULL", "iti", l->trainee_id,
				   u->s->course, u->s->id)) == ERR_NOTFOUND)
			r = 0;
		rep->matched += l->trainee_id != 0;
		rep->created += l->trainee_id == 0;
		rep->registered += l->register_;
		rep->attended += l->attended;
		rep->completed += l->completed;
		rep->certificates += l->completed && course && course->certifies && !had;
		if (progress)
			progress(arg, "check", (int64_t)i + 1, (int64_t)u->n);
	}
	return r;
}

/* ---- writing ---- */

static bool is_supervisor(const char *role)
{
	return role && strcasestr(role, "supervisor") != NULL;
}

/* A new trainee for line i: sealed name and e-mail, its match key. */
static int create_trainee(struct run *u, size_t i, const char *ts, int64_t *ret)
{
	struct row *w = &u->rows[i];
	char key[CRYPTO_HASH_HEX_SIZE];
	int r;
	if ((r = db_int64f(u->db, ret,
			   "INSERT INTO trainee (organisation, role_title, audience, provider_id, supervisor, created_at,"
			   " updated_at) VALUES (?, ?, ?, NULLIF(?, 0), ?, ?, ?) RETURNING id",
			   "tttiitt", w->org, w->role, w->audience, w->provider, (int64_t)is_supervisor(w->role), ts,
			   ts)) < 0 ||
	    (r = sealed_put(u->db, u->ctx->app, "trainee", "name", *ret, w->name)) < 0 ||
	    (r = sealed_put(u->db, u->ctx->app, "trainee", "email", *ret, w->email)) < 0 ||
	    (r = training_match_key(u->ctx->app, w->name, w->email, key)) < 0)
		return r;
	if ((r = db_execf(u->db, "UPDATE trainee SET match_key = ? WHERE id = ?", "ti", key, *ret)) < 0)
		return r;
	return tr_mark_trainee(u->db, *ret);
}

/* Line i's registration: made, or given its place (an import records what
 * happened, so capacity and the waiting list do not hold it back). */
static int ensure_registration(struct run *u, size_t i, int64_t import_id, const char *ts)
{
	struct row *w = &u->rows[i];
	struct timport_line *l = &u->rep->lines[i];
	if (w->registered)
		return 0;
	if (w->reg)
		return db_execf(u->db,
				"UPDATE registration SET status = 'registered', waitlist_position = NULL, import_id = ?,"
				" version = version + 1 WHERE id = ?", "ii", import_id, w->reg);
	return db_int64f(u->db, &w->reg,
			 "INSERT INTO registration (session_id, trainee_id, status, registered_at, registered_by,"
			 " import_id) VALUES (?, ?, 'registered', ?, NULLIF(?, 0), ?) RETURNING id",
			 "iitii", u->s->id, l->trainee_id, ts, u->ctx->actor->user_id, import_id);
}

static int write_all(struct run *u, const char *digest, const char *file_name, import_progress_fn progress,
		     void *arg)
{
	struct timport_report *rep = u->rep;
	struct tr_attendance_line *al = calloc(u->n, sizeof *al);
	char ts[32];
	int issued = 0, revoked = 0, r = al ? time_format(now(), ts, sizeof ts) : ERR_NOMEM;
	if (r < 0 || (r = db_begin(u->db)) < 0) {
		free(al);
		return r;
	}
	r = db_int64f(u->db, &rep->import_id,
		      "INSERT INTO training_import (session_id, file_name, digest, lines, matched, created, created_by,"
		      " created_at) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?) RETURNING id",
		      "ittiiiit", u->s->id, file_name, digest, rep->rows, rep->matched, rep->created,
		      u->ctx->actor->user_id, ts);
	for (size_t i = 0; r == 0 && i < u->n; i++) {
		struct timport_line *l = &rep->lines[i];
		if (!l->trainee_id)
			r = create_trainee(u, i, ts, &l->trainee_id);
		if (r == 0)
			r = ensure_registration(u, i, rep->import_id, ts);
		al[i] = (struct tr_attendance_line){.reg = u->rows[i].reg, .trainee = l->trainee_id,
						    .attended = l->attended, .completed = l->completed};
		if (progress)
			progress(arg, "write", (int64_t)i + 1, (int64_t)u->n);
	}
	if (r < 0 || (r = tr_attendance_write(u->ctx, u->db, u->s, al, u->n, ts, &issued, &revoked)) < 0 ||
	    (r = svc_audit_appendf(u->db, u->ctx, "training.import", "training_session", u->s->id,
				   "import=%lld lines=%lld matched=%lld created=%lld attended=%lld completed=%lld"
				   " issued=%d", (long long)rep->import_id, (long long)rep->rows,
				   (long long)rep->matched, (long long)rep->created, (long long)rep->attended,
				   (long long)rep->completed, issued)) < 0 ||
	    (r = db_commit(u->db)) < 0) {
		db_rollback(u->db);
		rep->import_id = 0;
		for (size_t i = 0; i < u->n; i++)
			if (rep->lines[i].how == TIMPORT_NEW)
				rep->lines[i].trainee_id = 0;
	}
	free(al);
	rep->certificates = r == 0 ? issued : rep->certificates;
	return r;
}

static void run_done(struct run *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->rows[i].name);
		free(u->rows[i].email);
		free(u->rows[i].org);
		free(u->rows[i].role);
	}
	free(u->rows);
}

int svc_training_import(const struct svc_ctx *ctx, int64_t sid, const char *csv, size_t len, const char *file_name,
			bool dry_run, import_progress_fn progress, void *progress_arg, struct timport_report *ret)
{
	memset(ret, 0, sizeof *ret);
	ret->dry_run = dry_run;
	struct db *db;
	struct tr_session s;
	int r = svc_enter(ctx, PERM_TRAINING_MANAGE, &db);
	if (r < 0 || (r = tr_session_load(db, sid, &s)) < 0)
		return r;
	char digest[CRYPTO_HASH_HEX_SIZE];
	crypto_hash_hex(csv ? csv : "", len, digest);
	struct db_stmt *st;
	if ((r = db_rowf(db, &st, "SELECT id, created_at FROM training_import WHERE digest = ? ORDER BY id LIMIT 1",
			 "t", digest)) == 0) {
		ret->earlier_id = db_column_int64(st, 0);
		str_copy(ret->earlier_at, sizeof ret->earlier_at, db_column_text(st, 1));
		db_finalize(st);
		return 0;
	}
	if (r != ERR_NOTFOUND)
		return r;
	if (strcmp(s.status, "cancelled") == 0) {
		add_error(ret, 0, NULL, "the session is cancelled: it takes no attendance");
		return 0;
	}
	const char *nul = csv ? memchr(csv, 0, len) : NULL;
	if (nul) {
		int64_t line = 1;
		for (const char *p = csv; p < nul; p++)
			line += *p == '\n';
		add_error(ret, line, NULL, "a NUL byte: save the sheet as CSV text (UTF-8) and try again");
		return 0;
	}
	struct run u = {.ctx = ctx, .db = db, .s = &s, .rep = ret};
	if ((r = read_file(&u, csv ? csv : "", len, progress, progress_arg)) == 0 && ret->error_count == 0)
		r = match_lines(&u, progress, progress_arg);
	if (r == 0 && ret->error_count == 0 && !dry_run)
		r = write_all(&u, digest, file_name, progress, progress_arg);
	run_done(&u);
	return r;
}
