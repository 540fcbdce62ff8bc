/* svc_import: past years' referrals from a CSV file (docs/import.md).
 *
 * The file is read twice: the first pass checks every line and collects
 * every problem; only a file without one is read again, line by line, into
 * one transaction. Both passes use the same check, so what is written is
 * exactly what was checked. */
#include "service/import.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/csv.h"
#include "base/err.h"
#include "match/cmp.h"
#include "base/str.h"
#include "db/db.h"
#include "model/pack.h"
#include "service/audit.h"
#include "service/figures.h"

/* ---- columns ---- */

enum col {
	C_DATE,
	C_SOURCE,
	C_TOWN,
	C_REGION,
	C_AGE,
	C_SEX,
	C_GENDER,
	C_VULNS,
	C_TYPE,
	C_CHILD,
	C_COUNT,
};

static const char *const col_name[C_COUNT] = {
	"referral_date", "source", "town", "region", "age", "sex", "gender_identity", "vulnerabilities",
	"trafficking_type", "child_id",
};

#define AGE_MAX 25
#define GENDER_MAX 60
#define CHILD_ID_MAX 64
#define ROWS_MAX 20000000

/* ---- the report ---- */

static void add_error(struct import_report *rep, int64_t line, const char *column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_error(struct import_report *rep, int64_t line, const char *column, const char *fmt, ...)
{
	rep->error_count++;
	if (rep->nerrors >= IMPORT_ERRORS_MAX)
		return;
	if (!rep->errors) {
		rep->errors = calloc(IMPORT_ERRORS_MAX, sizeof *rep->errors);
		if (!rep->errors)
			return;
	}
	struct import_error *e = &rep->errors[rep->nerrors++];
	e->line = line;
	str_copy(e->column, sizeof e->column, column ? column : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof e->reason, fmt, ap);
	va_end(ap);
}

void import_report_done(struct import_report *r)
{
	if (!r)
		return;
	free(r->errors);
	r->errors = NULL;
	r->nerrors = 0;
}

json_t *import_report_json(const struct import_report *r)
{
	json_t *errs = json_array();
	if (!errs)
		return NULL;
	for (int64_t i = 0; i < r->nerrors; i++) {
		const struct import_error *e = &r->errors[i];
		if (json_array_append_new(errs, json_pack("{s:I, s:o, s:s}", "line", (json_int_t)e->line, "column",
							  e->column[0] ? json_string(e->column) : json_null(),
							  "reason", e->reason)) < 0) {
			json_decref(errs);
			return NULL;
		}
	}
	return json_pack("{s:b, s:I, s:I, s:o, s:o, s:I}", "dry_run", r->dry_run, "rows", (json_int_t)r->rows,
			 "imported", (json_int_t)r->imported, "batch_id",
			 r->batch_id ? json_integer(r->batch_id) : json_null(), "errors", errs, "error_count",
			 (json_int_t)r->error_count);
}

/* ---- checking one line ---- */

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		int n;
		uint32_t cp;
		if ((*p & 0xe0) == 0xc0)
			n = 1, cp = *p & 0x1f;
		else if ((*p & 0xf0) == 0xe0)
			n = 2, cp = *p & 0x0f;
		else if ((*p & 0xf8) == 0xf0)
			n = 3, cp = *p & 0x07;
		else
			return false;
		p++;
		for (int i = 0; i < n; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

/* 1: a date; 0: not written YYYY-MM-DD; -1: written so, but no such day. */
static int parse_date(const char *s, int *y, int *m, int *d)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	return *m >= 1 && *m <= 12 && *d >= 1 && *d <= civil_days_in_month(*y, *m) ? 1 : -1;
}

/* Towns are looked up once per distinct spelling: a file of a million
 * lines names a few hundred towns. */
struct town_slot {
	char *text;
	const struct pack_office *office;
	const char *name; /* the pack's spelling */
};

struct town_cache {
	struct town_slot *slot;
	size_t cap, used;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool town_same(const char *a, const char *b)
{
	while (*a == ' ')
		a++;
	while (*b == ' ')
		b++;
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	while (*a == ' ')
		a++;
	while (*b == ' ')
		b++;
	return !*a && !*b;
}

static const struct pack_office *town_lookup_pack(const struct pack *p, const char *town, const char **ret_name)
{
	const struct pack_office *o = pack_office_for_town(p, town);
	*ret_name = town;
	if (!o)
		return NULL;
	for (size_t k = 0; k < o->n_towns; k++)
		if (town_same(o->towns[k], town)) {
			*ret_name = o->towns[k];
			break;
		}
	return o;
}

static int town_lookup(struct town_cache *c, const struct pack *p, const char *town,
		       const struct pack_office **ret_office, const char **ret_name)
{
	if (c->used * 2 >= c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct town_slot *ns = calloc(ncap, sizeof *ns);
		if (!ns)
			return ERR_NOMEM;
		for (size_t i = 0; i < c->cap; i++)
			if (c->slot[i].text) {
				size_t h = hash_str(c->slot[i].text) & (ncap - 1);
				while (ns[h].text)
					h = (h + 1) & (ncap - 1);
				ns[h] = c->slot[i];
			}
		free(c->slot);
		c->slot = ns;
		c->cap = ncap;
	}
	size_t h = hash_str(town) & (c->cap - 1);
	while (c->slot[h].text) {
		if (strcmp(c->slot[h].text, town) == 0) {
			*ret_office = c->slot[h].office;
			*ret_name = c->slot[h].name;
			return 0;
		}
		h = (h + 1) & (c->cap - 1);
	}
	char *t = strdup(town);
	if (!t)
		return ERR_NOMEM;
	const char *name;
	const struct pack_office *o = town_lookup_pack(p, town, &name);
	c->slot[h] = (struct town_slot){.text = t, .office = o, .name = o ? name : NULL};
	c->used++;
	*ret_office = o;
	*ret_name = o ? name : NULL;
	return 0;
}

static void town_cache_done(struct town_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->slot[i].text);
	free(c->slot);
	memset(c, 0, sizeof *c);
}

/* One line, checked: what goes into the referral row. */
struct line {
	char date[11];
	const char *source;
	const char *region, *office, *town;
	int64_t age; /* -1: not given */
	char sex[2];
	const struct pack_gender *gender; /* the pack's category of the text; NULL: not given */
	char vulns[1024];
	const char *type;
	char child[CHILD_ID_MAX + 1];
};

struct checker {
	const struct pack *pack;
	int idx[C_COUNT]; /* field index of each column, -1 when absent */
	int64_t today;    /* days; no referral after it */
	struct town_cache towns;
	unsigned char *vseen; /* n_vulnerabilities */
};

static const struct pack_item *item_find_ci(const struct pack_item *items, size_t n, const char *id)
{
	const struct pack_item *it = pack_item_find(items, n, id);
	if (it)
		return it;
	for (size_t i = 0; i < n; i++)
		if (items[i].id && strcasecmp(items[i].id, id) == 0)
			return &items[i];
	return NULL;
}

static const char *field(const struct checker *ck, const struct csv_row *row, enum col c)
{
	int i = ck->idx[c];
	return i >= 0 && (size_t)i < row->n ? row->fields[i] : "";
}

/* referral_date: a day from 1900 to today. */
static void check_date(struct checker *ck, const struct csv_row *row, int64_t line, struct line *out,
		       struct import_report *rep)
{
	const char *s = field(ck, row, C_DATE);
	int y, m, d, pd = *s ? parse_date(s, &y, &m, &d) : 0;
	if (!*s)
		add_error(rep, line, "referral_date", "required");
	else if (pd == 0)
		add_error(rep, line, "referral_date", "not a date written YYYY-MM-DD");
	else if (pd < 0)
		add_error(rep, line, "referral_date", "no such day: %s", s);
	else if (y < 1900)
		add_error(rep, line, "referral_date", "before 1900");
	else if (days_from_civil(y, m, d) > ck->today)
		add_error(rep, line, "referral_date", "in the future");
	else
		memcpy(out->date, s, 11);
}

/* A column naming an item of the pack (in any case): its id into
 * *ret, or a problem naming what it should be. */
static void check_item(struct checker *ck, const struct csv_row *row, int64_t line, enum col c,
		       const struct pack_item *items, size_t n, const char *what, bool required,
		       struct import_report *rep, const char **ret)
{
	const char *s = field(ck, row, c);
	if (!*s) {
		if (required)
			add_error(rep, line, col_name[c], "required");
		return;
	}
	const struct pack_item *it = item_find_ci(items, n, s);
	if (!it)
		add_error(rep, line, col_name[c], "\"%.60s\" is not %s of the pack", s, what);
	else
		*ret = it->id;
}

/* town and region: a town the pack routes, a region of the pack, or both
 * when they agree. An error (not a problem of the line) is returned. */
static int check_place(struct checker *ck, const struct csv_row *row, int64_t line, struct line *out,
		       struct import_report *rep)
{
	const char *town = field(ck, row, C_TOWN), *region = field(ck, row, C_REGION);
	const struct pack_region *reg = NULL;
	if (*region) {
		reg = pack_region(ck->pack, region);
		for (size_t i = 0; !reg && i < ck->pack->n_regions; i++)
			if (strcasecmp(ck->pack->regions[i].id, region) == 0)
				reg = &ck->pack->regions[i];
		if (!reg)
			add_error(rep, line, "region", "\"%.60s\" is not a region of the pack", region);
	}
	if (*town) {
		const struct pack_office *o;
		const char *name;
		int r = town_lookup(&ck->towns, ck->pack, town, &o, &name);
		if (r < 0)
			return r;
		if (!o) {
			add_error(rep, line, "town", "\"%.60s\" is not a town the pack routes", town);
		} else if (reg && strcmp(reg->id, o->region) != 0) {
			add_error(rep, line, "region", "%s is in region %s, not %s", name, o->region, reg->id);
		} else {
			out->town = name;
			out->office = o->id;
			out->region = o->region;
		}
	} else if (reg) {
		out->region = reg->id;
	} else if (!*region) {
		add_error(rep, line, ck->idx[C_TOWN] >= 0 ? "town" : "region", "a town or a region is required");
	}
	return 0;
}

/* age: whole years; sex: F, M or X. */
static void check_age_sex(struct checker *ck, const struct csv_row *row, int64_t line, struct line *out,
		          struct import_report *rep)
{
	const char *s = field(ck, row, C_AGE);
	if (*s) {
		int64_t age;
		if (str_to_int64(s, 0, AGE_MAX, &age) < 0 || !isdigit((unsigned char)s[0]))
			add_error(rep, line, "age", "not a whole number from 0 to %d", AGE_MAX);
		else
			out->age = age;
	}

	s = field(ck, row, C_SEX);
	if (*s) {
		if (s[1] || !strchr("FMXfmx", s[0]))
			add_error(rep, line, "sex", "F, M, X or empty");
		else
			out->sex[0] = (char)toupper((unsigned char)s[0]);
	}
}

/* gender_identity: kept only as the pack's category of it. */
static void check_gender(struct checker *ck, const struct csv_row *row, int64_t line, struct line *out,
		         struct import_report *rep)
{
	const char *s = field(ck, row, C_GENDER);
	if (*s) {
		size_t chars = 0;
		bool ctrl = false;
		for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
			chars += (*q & 0xc0) != 0x80;
			ctrl |= *q < 0x20 || *q == 0x7f;
		}
		if (chars > GENDER_MAX)
			add_error(rep, line, "gender_identity", "longer than %d characters", GENDER_MAX);
		else if (ctrl)
			add_error(rep, line, "gender_identity", "holds a line break or a control character");
		else
			out->gender = pack_gender_of(ck->pack, s);
	}
}

/* The vulnerabilities of the line, in the pack's order, each once. */
static void vulns_in_order(struct checker *ck, int64_t line, struct line *out, struct import_report *rep)
{
	const struct pack *p = ck->pack;
	size_t len = 0;
	for (size_t i = 0; i < p->n_vulnerabilities; i++) {
		if (!ck->vseen[i])
			continue;
		size_t n = strlen(p->vulnerabilities[i].id);
		if (len + n + 2 > sizeof out->vulns) {
			add_error(rep, line, "vulnerabilities", "too many");
			break;
		}
		if (len)
			out->vulns[len++] = ';';
		memcpy(out->vulns + len, p->vulnerabilities[i].id, n);
		len += n;
		out->vulns[len] = '\0';
	}
}

/* vulnerabilities: ids of the pack, separated by ";". */
static void check_vulns(struct checker *ck, const struct csv_row *row, int64_t line, struct line *out,
		        struct import_report *rep)
{
	const char *s = field(ck, row, C_VULNS);
	if (*s) {
		memset(ck->vseen, 0, ck->pack->n_vulnerabilities ? ck->pack->n_vulnerabilities : 1);
		bool bad = false;
		const char *q = s;
		while (*q && !bad) {
			const char *e = strchr(q, ';');
			size_t n = e ? (size_t)(e - q) : strlen(q);
			while (n && isspace((unsigned char)*q))
				q++, n--;
			while (n && isspace((unsigned char)q[n - 1]))
				n--;
			if (n) {
				char id[128];
				if (n >= sizeof id) {
					add_error(rep, line, "vulnerabilities", "an id longer than %zu characters",
						  sizeof id - 1);
					bad = true;
					break;
				}
				memcpy(id, q, n);
				id[n] = '\0';
				const struct pack_item *it =
					item_find_ci(ck->pack->vulnerabilities, ck->pack->n_vulnerabilities, id);
				if (!it) {
					add_error(rep, line, "vulnerabilities", "\"%.60s\" is not a vulnerability of the pack",
						  id);
					bad = true;
				} else {
					ck->vseen[it - ck->pack->vulnerabilities] = 1;
				}
			}
			if (!e)
				break;
			q = e + 1;
		}
		if (!bad)
			vulns_in_order(ck, line, out, rep);
	}
}

/* child_id: the agency's key for the child, never a name. */
static void check_child_id(struct checker *ck, const struct csv_row *row, int64_t line, struct line *out,
		           struct import_report *rep)
{
	const char *s = field(ck, row, C_CHILD);
	if (*s) {
		size_t n = strlen(s);
		bool ok = n <= CHILD_ID_MAX, digit = false;
		for (const char *q = s; ok && *q; q++) {
			digit |= isdigit((unsigned char)*q) != 0;
			ok = isalnum((unsigned char)*q) || strchr("-_.:/#", *q);
		}
		if (!ok)
			add_error(rep, line, "child_id",
				  "at most %d letters, digits and - _ . : / # (the agency's own key, never a name)",
				  CHILD_ID_MAX);
		else if (!digit)
			add_error(rep, line, "child_id", "holds no digit: a child_id is a key, never a name");
		else
			str_copy(out->child, sizeof out->child, s);
	}
}

/* Check the line; every problem goes to rep. false when it has one. */
static bool check_line(struct checker *ck, const struct csv_row *row, int64_t line, struct line *out,
		       struct import_report *rep, int *ret_err)
{
	int64_t before = rep->error_count;
	memset(out, 0, sizeof *out);
	out->age = -1;
	*ret_err = 0;

	for (int c = 0; c < C_COUNT; c++)
		if (!valid_utf8(field(ck, row, (enum col)c)))
			add_error(rep, line, col_name[c], "not valid UTF-8 text");
	if (rep->error_count > before)
		return false;
	check_date(ck, row, line, out, rep);
	check_item(ck, row, line, C_SOURCE, ck->pack->sources, ck->pack->n_sources, "a referral source", true, rep,
		   &out->source);
	if ((*ret_err = check_place(ck, row, line, out, rep)) < 0)
		return false;
	check_age_sex(ck, row, line, out, rep);
	check_gender(ck, row, line, out, rep);
	check_vulns(ck, row, line, out, rep);
	check_item(ck, row, line, C_TYPE, ck->pack->trafficking_types, ck->pack->n_trafficking_types,
		   "a trafficking type", false, rep, &out->type);
	check_child_id(ck, row, line, out, rep);
	return rep->error_count == before;
}

/* The header: known columns, each once, the required ones there. */
static bool check_header(struct checker *ck, const struct csv_row *row, struct import_report *rep)
{
	for (int c = 0; c < C_COUNT; c++)
		ck->idx[c] = -1;
	bool ok = true;
	for (size_t i = 0; i < row->n; i++) {
		char name[64];
		str_copy(name, sizeof name, row->fields[i]);
		for (char *q = name; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		int c = 0;
		while (c < C_COUNT && strcmp(col_name[c], name) != 0)
			c++;
		if (c == C_COUNT) {
			char shown[40];
			str_copy(shown, sizeof shown, row->fields[i]);
			add_error(rep, row->line, shown[0] ? shown : NULL,
				  "column %zu: not a column of an import (docs/import.md lists them)", i + 1);
			ok = false;
		} else if (ck->idx[c] >= 0) {
			add_error(rep, row->line, col_name[c], "the column is given twice");
			ok = false;
		} else {
			ck->idx[c] = (int)i;
		}
	}
	if (ck->idx[C_DATE] < 0)
		add_error(rep, row->line, "referral_date", "the column is required"), ok = false;
	if (ck->idx[C_SOURCE] < 0)
		add_error(rep, row->line, "source", "the column is required"), ok = false;
	if (ck->idx[C_TOWN] < 0 && ck->idx[C_REGION] < 0)
		add_error(rep, row->line, "town", "a town or a region column is required"), ok = false;
	return ok;
}

/* "csv:12: field 3: a quote is never closed" into line 12, the column's
 * name and the reason. */
static void add_parse_error(struct checker *ck, struct csv_reader *rd, struct import_report *rep)
{
	const char *msg = csv_error(rd);
	const char *p = strchr(msg, ':');
	int64_t line = p ? strtoll(p + 1, NULL, 10) : 0;
	const char *reason = p ? strchr(p + 1, ':') : NULL;
	reason = reason ? reason + 1 : msg;
	while (*reason == ' ')
		reason++;
	const char *column = NULL;
	unsigned long fno;
	int used = 0;
	if (sscanf(reason, "field %lu: %n", &fno, &used) == 1 && used > 0) {
		for (int c = 0; c < C_COUNT; c++)
			if (ck->idx[c] == (int)fno - 1)
				column = col_name[c];
		if (column)
			reason += used;
	}
	add_error(rep, line, column, "%s", reason);
}

static void checker_done(struct checker *ck)
{
	town_cache_done(&ck->towns);
	free(ck->vseen);
	ck->vseen = NULL;
}

/* ---- writing ---- */

static int insert_batch(struct db *db, const struct svc_ctx *ctx, const char *file_name, int64_t rows,
			const char *ts, int64_t *ret)
{
	/* The command line imports as nobody: imported_by is NULL then. */
	int r = db_int64f(db, ret,
			  "INSERT INTO import_batch (kind, file_name, rows, imported_by, imported_at)"
			  " VALUES ('referrals', ?, ?, NULLIF(?, 0), ?) RETURNING id",
			  "tiit", file_name, rows, ctx->actor->user_id > 0 ? ctx->actor->user_id : (int64_t)0, ts);
	return r == ERR_NOTFOUND ? ERR_DB : r;
}

static int write_rows(struct db *db, struct checker *ck, const char *csv, size_t len, int64_t batch, int64_t seq,
		      const char *ts, int64_t rows, import_progress_fn progress, void *parg, struct import_report *rep)
{
	struct csv_reader *rd;
	int r = csv_open_buffer("csv", csv, len, &rd);
	if (r < 0)
		return r;
	struct db_stmt *st = NULL;
	r = db_prepare(db,
		       "INSERT INTO referral (child_key, referral_date, source, region, office, town, age, sex,"
		       " gender_identity, vulnerabilities, trafficking_type, disposition, imported, batch_id,"
		       " created_at, seq) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, -1), ?, ?, ?, ?, 'accepted_hart', 1, ?, ?, ?)",
		       &st);
	if (r < 0)
		goto out;
	struct csv_row row;
	size_t nfields = 0;
	if ((r = csv_next(rd, 0, &row)) != 1) {
		r = r < 0 ? r : ERR_INVAL;
		goto out;
	}
	nfields = row.n;
	int64_t done = 0;
	struct line ln;
	char key[128];
	while ((r = csv_next(rd, nfields, &row)) == 1) {
		int err;
		if (!check_line(ck, &row, (int64_t)row.line, &ln, rep, &err)) {
			r = err < 0 ? err : ERR_INVAL; /* it passed a moment ago */
			goto out;
		}
		if (ln.child[0])
			snprintf(key, sizeof key, "import:%" PRId64 ":%s", batch, ln.child);
		else
			snprintf(key, sizeof key, "import:%" PRId64 ":line:%zu", batch, row.line);
		/* Only the category is kept: the words of a past year's file
		 * never reach the figures or the database. */
		if ((r = db_reset(st)) < 0 ||
		    (r = db_bindf(st, "ttttttittttiti", key, ln.date, ln.source, ln.region, ln.office, ln.town,
				  ln.age >= 0 ? (int64_t)ln.age : (int64_t)-1, ln.sex[0] ? ln.sex : NULL,
				  ln.gender ? ln.gender->id : NULL, ln.vulns, ln.type, batch, ts, seq)) < 0)
			goto out;
		if ((r = db_step(st)) < 0)
			goto out;
		done++;
		if (progress && (done & 4095) == 0)
			progress(parg, "write", done, rows);
	}
	if (r < 0)
		goto out;
	if (progress)
		progress(parg, "write", done, rows);
	rep->imported = done;
	r = 0;
out:
	db_finalize(st);
	csv_close(rd);
	return r;
}

int svc_import_referrals(const struct svc_ctx *ctx, const char *csv, size_t len, const char *file_name,
			 bool dry_run, import_progress_fn progress, void *progress_arg, struct import_report *ret)
{
	int r = svc_require(ctx, PERM_REFERRALS_IMPORT);
	if (r < 0)
		return r;
	if (!ret || (!csv && len))
		return ERR_INVAL;
	struct import_report rep = {.dry_run = dry_run};
	const struct pack *p = ctx->app->pack;
	struct checker ck = {.pack = p};
	ck.vseen = calloc(p->n_vulnerabilities ? p->n_vulnerabilities : 1, 1);
	if (!ck.vseen)
		return ERR_NOMEM;
	/* No referral after today, in the jurisdiction's time zone (app_open
	 * sets the process's zone to the pack's). */
	struct cmp_date today = cmp_date_local(now() / HL_USEC_PER_SEC);
	ck.today = days_from_civil(today.y, today.m, today.d);

	struct csv_reader *rd = NULL;
	if ((r = csv_open_buffer("csv", csv ? csv : "", len, &rd)) < 0)
		goto fail;
	struct csv_row row;
	r = csv_next(rd, 0, &row);
	if (r == 0) {
		add_error(&rep, 1, NULL, "the file is empty: a header line is required");
	} else if (r < 0) {
		add_parse_error(&ck, rd, &rep);
	} else if (check_header(&ck, &row, &rep)) {
		size_t nfields = row.n;
		struct line ln;
		for (;;) {
			r = csv_next(rd, nfields, &row);
			if (r == 0)
				break;
			rep.rows++;
			if (r < 0) {
				if (r != ERR_PARSE)
					goto fail;
				add_parse_error(&ck, rd, &rep);
			} else {
				int err;
				if (!check_line(&ck, &row, (int64_t)row.line, &ln, &rep, &err) && err < 0) {
					r = err;
					goto fail;
				}
			}
			if (progress && (rep.rows & 4095) == 0)
				progress(progress_arg, "check", (int64_t)(csv_progress(rd) * (double)len), (int64_t)len);
			if (rep.rows > ROWS_MAX) {
				add_error(&rep, (int64_t)row.line, NULL, "more than %d lines", ROWS_MAX);
				break;
			}
		}
		if (progress)
			progress(progress_arg, "check", (int64_t)len, (int64_t)len);
		if (rep.rows == 0 && rep.error_count == 0)
			add_error(&rep, 2, NULL, "no referrals: the file has a header and nothing under it");
	}
	csv_close(rd);
	rd = NULL;
	if (rep.error_count > 0 || dry_run) {
		checker_done(&ck);
		*ret = rep;
		return 0;
	}

	struct db *db;
	if ((r = app_db(ctx->app, &db)) < 0)
		goto fail;
	char ts[40];
	time_format(now(), ts, sizeof ts);
	if ((r = db_begin(db)) < 0)
		goto fail;
	int64_t batch = 0, seq = 0;
	if ((r = insert_batch(db, ctx, file_name, rep.rows, ts, &batch)) < 0 || (r = figures_seq_next(db, &seq)) < 0 ||
	    (r = write_rows(db, &ck, csv, len, batch, seq, ts, rep.rows, progress, progress_arg, &rep)) < 0)
		goto rollback;
	char oid[24], detail[96];
	snprintf(oid, sizeof oid, "%" PRId64, batch);
	snprintf(detail, sizeof detail, "rows=%" PRId64 " batch=%" PRId64, rep.imported, batch);
	if ((r = svc_audit_append(db, ctx, "referrals.import", "import_batch", oid, detail)) < 0)
		goto rollback;
	if ((r = db_commit(db)) < 0)
		goto rollback;
	rep.batch_id = batch;
	checker_done(&ck);
	*ret = rep;
	return 0;
rollback:
	db_rollback(db);
fail:
	csv_close(rd);
	checker_done(&ck);
	import_report_done(&rep);
	return r;
}

/* ---- synthetic files ---- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rng_unit(struct rng *g)
{
	return (double)(rng_next(g) >> 11) / 9007199254740992.0;
}

/* Indices 0..n-1, earlier ones likelier (weight 1 / (i + bias)): the
 * cumulative weights, and a pick by bisection. */
static double *skew_weights(size_t n, double bias)
{
	double *cum = malloc(sizeof *cum * (n ? n : 1));
	double total = 0;
	for (size_t i = 0; cum && i < n; i++) {
		total += 1.0 / ((double)i + bias);
		cum[i] = total;
	}
	return cum;
}

static size_t pick_skewed(struct rng *g, const double *cum, size_t n)
{
	double x = rng_unit(g) * cum[n - 1];
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct gen_child {
	int64_t first_day;
	int8_t age;
	char sex;
};

struct gen_out {
	int (*write)(void *, const char *, size_t);
	void *arg;
	struct buf b;
};

static int gen_flush(struct gen_out *o, bool force)
{
	if (!force && o->b.len < 60000)
		return 0;
	int r = o->b.len ? o->write(o->arg, o->b.data, o->b.len) : 0;
	buf_clear(&o->b);
	return r < 0 ? r : 0;
}

/* A child referred for the first time on day: an age at that referral
 * (most 12 to 17) and a sex (most F). */
static void gen_new_child(struct rng *g, int64_t day, struct gen_child *c)
{
	c->first_day = day;
	double a = rng_unit(g);
	int age = a < 0.03 ? 8 + (int)(rng_unit(g) * 2)
		: a < 0.12 ? 10 + (int)(rng_unit(g) * 2)
		: a < 0.94 ? 12 + (int)(rng_unit(g) * 6)
		: 18 + (int)(rng_unit(g) * 3);
	c->age = (int8_t)age;
	double s = rng_unit(g);
	c->sex = s < 0.78 ? 'F' : s < 0.96 ? 'M' : s < 0.985 ? 'X' : 0;
}

/* Some of the pack's vulnerabilities, the first ones more often, as
 * "id;id". */
static void gen_vulns(const struct pack *pack, struct rng *g, char *out, size_t size)
{
	size_t vl = 0;
	out[0] = '\0';
	for (size_t i = 0; i < pack->n_vulnerabilities; i++) {
		double pr = 0.6 / (1.0 + 0.55 * (double)i);
		if (rng_unit(g) < pr) {
			int w = snprintf(out + vl, size - vl, "%s%s", vl ? ";" : "", pack->vulnerabilities[i].id);
			if (w < 0 || (size_t)w >= size - vl)
				break;
			vl += (size_t)w;
		}
	}
}

/* A CSV field: town names may hold a comma or a quote in some packs, and
 * are quoted then. */
static int put_quoted(struct buf *b, const char *s)
{
	bool q = strpbrk(s, ",\"") != NULL;
	int r = q ? buf_putc(b, '"') : 0;
	for (const char *t = s; *t && r == 0; t++)
		r = *t == '"' ? buf_puts(b, "\"\"") : buf_putc(b, *t);
	return r == 0 && q ? buf_putc(b, '"') : r;
}


int import_generate(const struct pack *pack, const struct import_gen_opts *o,
		    int (*write)(void *arg, const char *data, size_t n), void *arg)
{
	if (!pack || !o || !write || o->count < 0 || o->count > ROWS_MAX || pack->n_sources == 0 ||
	    pack->n_regions == 0)
		return ERR_INVAL;
	int from = o->from_year ? o->from_year : 2008, to = o->to_year ? o->to_year : 2015;
	if (from < 1900 || to < from || to > 9999)
		return ERR_INVAL;
	const char **towns = NULL;
	size_t ntowns = 0;
	for (size_t i = 0; i < pack->n_regions; i++)
		for (size_t j = 0; j < pack->regions[i].n_offices; j++)
			ntowns += pack->regions[i].offices[j].n_towns;
	struct gen_child *kids = NULL;
	double *w_source = NULL, *w_town = NULL, *w_type = NULL;
	struct gen_out out = {.write = write, .arg = arg};
	buf_init(&out.b, 0);
	int r = ERR_NOMEM;
	towns = calloc(ntowns ? ntowns : 1, sizeof *towns);
	kids = calloc((size_t)(o->count ? o->count : 1), sizeof *kids);
	w_source = skew_weights(pack->n_sources, 1.5);
	w_town = skew_weights(ntowns, 3.0);
	w_type = skew_weights(pack->n_trafficking_types, 1.2);
	if (!towns || !kids || !w_source || !w_town || !w_type)
		goto out;
	size_t k = 0;
	for (size_t i = 0; i < pack->n_regions; i++)
		for (size_t j = 0; j < pack->regions[i].n_offices; j++)
			for (size_t t = 0; t < pack->regions[i].offices[j].n_towns; t++)
				towns[k++] = pack->regions[i].offices[j].towns[t];

	struct rng g = {.s = o->seed * 0x2545f4914f6cdd1dull + 1};
	int64_t day0 = days_from_civil(from, 1, 1), ndays = days_from_civil(to, 12, 31) - day0 + 1;
	int64_t nkids = 0;
	static const char *const genders[] = {"female", "male", "non-binary", "transgender female",
					      "transgender male", "questioning"};
	if ((r = buf_printf(&out.b, "referral_date,source,%s,age,sex,gender_identity,vulnerabilities,"
				    "trafficking_type,child_id\n", ntowns ? "town" : "region")) < 0)
		goto out;
	for (int64_t n = 0; n < o->count; n++) {
		/* Dates in order through the range, more in later years. */
		double u = ((double)n + rng_unit(&g)) / (double)o->count;
		int64_t day = day0 + (int64_t)(pow(u, 0.8) * (double)ndays);
		if (day >= day0 + ndays)
			day = day0 + ndays - 1;
		int y, m, d;
		civil_from_days(day, &y, &m, &d);

		struct gen_child *c;
		int64_t id;
		if (nkids > 0 && rng_unit(&g) < 0.22) {
			/* A repeat: a child referred in the last two years or so. */
			int64_t back = (int64_t)(rng_unit(&g) * (double)(nkids < 4000 ? nkids : 4000));
			id = nkids - 1 - back;
			c = &kids[id];
		} else {
			id = nkids++;
			c = &kids[id];
			gen_new_child(&g, day, c);
		}
		int age = c->age + (int)((day - c->first_day) / 365);
		if (age > AGE_MAX)
			age = AGE_MAX;

		const char *source = pack->sources[pick_skewed(&g, w_source, pack->n_sources)].id;
		const char *town = ntowns ? towns[pick_skewed(&g, w_town, ntowns)] : NULL;
		const char *region = ntowns ? NULL : pack->regions[rng_next(&g) % pack->n_regions].id;
		char vulns[1024];
		gen_vulns(pack, &g, vulns, sizeof vulns);
		const char *type = NULL;
		if (pack->n_trafficking_types && rng_unit(&g) < 0.45)
			type = pack->trafficking_types[pick_skewed(&g, w_type, pack->n_trafficking_types)].id;
		const char *gender = "";
		if (rng_unit(&g) < 0.12)
			gender = genders[rng_next(&g) % (sizeof genders / sizeof genders[0])];
		char sex[2] = {c->sex, 0};

		r = buf_printf(&out.b, "%04d-%02d-%02d,%s,", y, m, d, source);
		if (r == 0)
			r = town ? put_quoted(&out.b, town) : buf_puts(&out.b, region);
		if (r == 0)
			r = buf_printf(&out.b, ",%d,%s,%s,%s,%s,CH-%07" PRId64 "\n", age, sex, gender, vulns,
				       type ? type : "", id + 1);
		if (r < 0 || (r = gen_flush(&out, false)) < 0)
			goto out;
	}
	r = gen_flush(&out, true);
out:
	buf_done(&out.b);
	free(towns);
	free(kids);
	free(w_source);
	free(w_town);
	free(w_type);
	return r;
}
