/* figures/write: the referral rows a report's decision, a child's link
 * to the registry and a case's trafficking type write, inside the caller's
 * transaction. Each write takes a new seq so that the store reads it. */
#include "service/figures/figures_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"

int figures_seq_next(struct db *db, int64_t *ret)
{
	int r = db_int64f(db, ret, "UPDATE referral_seq SET last = last + 1 WHERE id = 1 RETURNING last", "");
	/* The counter row is made by the migration: without it no figure is
	 * right, so that is the database's fault, not a missing thing. */
	return r == ERR_NOTFOUND ? ERR_DB : r;
}

void figures_person_key(int64_t person_id, char *out, size_t size)
{
	snprintf(out, size, "p:%lld", (long long)person_id);
}

/* A report's concerns (a JSON array of vulnerability ids) as the ids
 * joined with ';'. Caller frees; NULL when out of memory. */
static char *join_concerns(const char *json)
{
	json_t *a = json ? json_loads(json, 0, NULL) : NULL;
	struct buf b;
	buf_init(&b, 0);
	size_t i;
	json_t *v;
	int r = 0;
	json_array_foreach(a, i, v)
	{
		if (json_is_string(v) && r == 0) {
			if (b.len)
				r = buf_putc(&b, ';');
			if (r == 0)
				r = buf_puts(&b, json_string_value(v));
		}
	}
	json_decref(a);
	if (r < 0) {
		buf_done(&b);
		return NULL;
	}
	char *s = buf_detach(&b, NULL);
	return s ? s : strdup("");
}

static char *dup_column(struct db_stmt *st, int i)
{
	const char *s = db_column_text(st, i);
	return s ? strdup(s) : NULL;
}

/* What every referral of one report shares. */
struct report {
	char date[16];
	char *source, *region, *office, *town, *vuln;
};

static void report_done(struct report *rp)
{
	free(rp->source);
	free(rp->region);
	free(rp->office);
	free(rp->town);
	free(rp->vuln);
}

static int report_read(struct db *db, int64_t intake_id, struct report *rp)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st,
			"SELECT received_at, source, region, office, incident_town, concerns FROM intake WHERE id = ?",
			"i", intake_id);
	if (r < 0)
		return r;
	int32_t day;
	if (figures_local_day(db_column_text(st, 0), &day))
		figures_format_day(day, rp->date);
	rp->source = dup_column(st, 1);
	rp->region = dup_column(st, 2);
	rp->office = dup_column(st, 3);
	rp->town = dup_column(st, 4);
	rp->vuln = join_concerns(db_column_text(st, 5));
	db_finalize(st);
	return !rp->vuln ? ERR_NOMEM : !rp->date[0] ? ERR_INVAL : 0;
}

struct new_referral {
	int64_t child, person_id;
	int64_t age; /* -1 unknown */
	char *sex, *gender, *type;
};

static void kids_free(struct new_referral *kids, size_t nk)
{
	for (size_t i = 0; i < nk; i++) {
		free(kids[i].sex);
		free(kids[i].gender);
		free(kids[i].type);
	}
	free(kids);
}

/* The report's children that have no referral yet, with the type of the
 * latest case each joined. */
static int kids_read(struct db *db, int64_t intake_id, struct new_referral **ret, size_t *ret_n)
{
	struct db_stmt *st;
	int r = db_preparef(db, &st,
			    "SELECT c.position, coalesce(c.age_at_report, c.estimated_age), c.sex, c.gender_category,"
			    " coalesce(c.person_id, 0),"
			    " (SELECT cc.trafficking_type FROM case_intake ci JOIN child_case cc ON cc.id = ci.case_id"
			    "  WHERE ci.intake_id = c.intake_id AND ci.child = c.position ORDER BY cc.id DESC LIMIT 1)"
			    " FROM intake_child c WHERE c.intake_id = ? AND NOT EXISTS"
			    " (SELECT 1 FROM referral f WHERE f.intake_id = c.intake_id AND f.child = c.position)"
			    " ORDER BY c.position",
			    "i", intake_id);
	if (r < 0)
		return r;
	struct new_referral *kids = NULL;
	size_t nk = 0;
	while ((r = db_step(st)) == DB_ROW) {
		struct new_referral *nkids = realloc(kids, (nk + 1) * sizeof *kids);
		if (!nkids) {
			r = ERR_NOMEM;
			break;
		}
		kids = nkids;
		struct new_referral *k = &kids[nk++];
		k->child = db_column_int64(st, 0);
		k->age = db_column_is_null(st, 1) ? -1 : db_column_int64(st, 1);
		k->sex = dup_column(st, 2);
		k->gender = dup_column(st, 3);
		k->person_id = db_column_int64(st, 4);
		k->type = dup_column(st, 5);
	}
	db_finalize(st);
	*ret = kids;
	*ret_n = nk;
	return r < 0 ? r : 0;
}

static int referral_insert(struct db *db, int64_t intake_id, const struct report *rp, const struct new_referral *k,
			   const char *ts, int64_t seq)
{
	char key[48];
	if (k->person_id > 0)
		figures_person_key(k->person_id, key, sizeof key);
	else
		snprintf(key, sizeof key, "r:%lld:%lld", (long long)intake_id, (long long)k->child);
	/* An unknown age is -1 here and NULL in the table. */
	return db_execf(db,
			"INSERT INTO referral (intake_id, child, child_key, referral_date, source, region,"
			" office, town, age, sex, gender_identity, vulnerabilities, trafficking_type,"
			" disposition, imported, created_at, seq)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, nullif(?, -1), ?, ?, ?, ?, 'accepted_hart', 0, ?, ?)",
			"iitttttti" "tttt" "ti", intake_id, k->child, key, rp->date, rp->source, rp->region, rp->office,
			rp->town, k->age, k->sex, k->gender, rp->vuln, k->type, ts, seq);
}

/* The report once, then its children that have no referral yet. */
static int referrals_write(struct db *db, int64_t intake_id, int64_t seq)
{
	char ts[32];
	time_format(now(), ts, sizeof ts);
	struct report rp = {0};
	struct new_referral *kids = NULL;
	size_t nk = 0;
	int r = report_read(db, intake_id, &rp);
	if (r == 0)
		r = kids_read(db, intake_id, &kids, &nk);
	for (size_t i = 0; i < nk && r >= 0; i++)
		r = referral_insert(db, intake_id, &rp, &kids[i], ts, seq);
	kids_free(kids, nk);
	report_done(&rp);
	return r;
}

int figures_intake_decided(struct db *db, const struct app *app, int64_t intake_id, const char *disposition)
{
	(void)app;
	int64_t seq;
	int r = figures_seq_next(db, &seq);
	if (r < 0)
		return r;
	if (strcmp(disposition, "accepted_hart") == 0 && (r = referrals_write(db, intake_id, seq)) < 0)
		return r;
	/* A decision changed: the report's referrals keep the current one. */
	return db_execf(db, "UPDATE referral SET disposition = ?, seq = ? WHERE intake_id = ? AND disposition <> ?",
			"tiit", disposition, seq, intake_id, disposition);
}

int figures_child_linked(struct db *db, int64_t intake_id, int child, int64_t person_id)
{
	int64_t seq;
	int r = figures_seq_next(db, &seq);
	if (r < 0)
		return r;
	char key[48];
	figures_person_key(person_id, key, sizeof key);
	return db_execf(db, "UPDATE referral SET child_key = ?, seq = ? WHERE intake_id = ? AND child = ?", "tiid", key,
			seq, intake_id, child);
}

int figures_case_type(struct db *db, int64_t case_id)
{
	int64_t seq;
	int r = figures_seq_next(db, &seq);
	if (r < 0)
		return r;
	return db_execf(db,
			"UPDATE referral SET trafficking_type = (SELECT trafficking_type FROM child_case WHERE id = ?),"
			" seq = ? WHERE EXISTS (SELECT 1 FROM case_intake ci WHERE ci.case_id = ?"
			" AND ci.intake_id = referral.intake_id AND ci.child = referral.child)",
			"iii", case_id, seq, case_id);
}
