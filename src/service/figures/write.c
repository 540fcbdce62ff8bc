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
	struct db_stmt *st;
	int r = db_prepare(db, "UPDATE referral_seq SET last = last + 1 WHERE id = 1 RETURNING last", &st);
	if (r < 0)
		return r;
	r = db_step(st);
	if (r == DB_ROW)
		*ret = db_column_int64(st, 0);
	db_finalize(st);
	return r == DB_ROW ? 0 : r < 0 ? r : ERR_DB;
}

void figures_person_key(int64_t person_id, char *out, size_t size)
{
	snprintf(out, size, "p:%lld", (long long)person_id);
}

/* A report's concerns (a JSON array of vulnerability ids) as the ids
 * joined with ';'. Caller frees. */
static char *join_concerns(const char *json)
{
	json_t *a = json ? json_loads(json, 0, NULL) : NULL;
	struct buf b;
	buf_init(&b, 0);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		if (json_is_string(v)) {
			if (b.len)
				buf_putc(&b, ';');
			buf_puts(&b, json_string_value(v));
		}
	}
	json_decref(a);
	char *s = buf_detach(&b, NULL);
	return s ? s : strdup("");
}

struct new_referral {
	int64_t child, person_id;
	int64_t age; /* -1 unknown */
	char *sex, *gender, *type;
};

int figures_intake_decided(struct db *db, const struct app *app, int64_t intake_id, const char *disposition)
{
	(void)app;
	int64_t seq;
	int r = figures_seq_next(db, &seq);
	if (r < 0)
		return r;
	bool accepted = strcmp(disposition, "accepted_hart") == 0;
	char ts[32];
	time_format(now(), ts, sizeof ts);
	struct db_stmt *st;
	if (accepted) {
		/* The report once, then its children that have no referral yet. */
		if ((r = db_prepare(db, "SELECT received_at, source, region, office, incident_town, concerns"
					" FROM intake WHERE id = ?",
				    &st)) < 0)
			return r;
		db_bind_int64(st, 1, intake_id);
		char date[16] = "", *source = NULL, *region = NULL, *office = NULL, *town = NULL, *vuln = NULL;
		if ((r = db_step(st)) == DB_ROW) {
			int32_t day;
			if (figures_local_day(db_column_text(st, 0), &day))
				figures_format_day(day, date);
			source = db_column_text(st, 1) ? strdup(db_column_text(st, 1)) : NULL;
			region = db_column_text(st, 2) ? strdup(db_column_text(st, 2)) : NULL;
			office = db_column_text(st, 3) ? strdup(db_column_text(st, 3)) : NULL;
			town = db_column_text(st, 4) ? strdup(db_column_text(st, 4)) : NULL;
			vuln = join_concerns(db_column_text(st, 5));
		}
		db_finalize(st);
		struct new_referral *kids = NULL;
		size_t nk = 0;
		if (r != DB_ROW) {
			r = r < 0 ? r : ERR_NOTFOUND;
			goto done;
		}
		if (!date[0] || !vuln) {
			r = !vuln ? ERR_NOMEM : ERR_INVAL;
			goto done;
		}
		if ((r = db_prepare(db,
				    "SELECT c.position, coalesce(c.age_at_report, c.estimated_age), c.sex, c.gender_category,"
				    " coalesce(c.person_id, 0),"
				    " (SELECT cc.trafficking_type FROM case_intake ci JOIN child_case cc ON cc.id = ci.case_id"
				    "  WHERE ci.intake_id = c.intake_id AND ci.child = c.position ORDER BY cc.id DESC LIMIT 1)"
				    " FROM intake_child c WHERE c.intake_id = ? AND NOT EXISTS"
				    " (SELECT 1 FROM referral f WHERE f.intake_id = c.intake_id AND f.child = c.position)"
				    " ORDER BY c.position",
				    &st)) < 0)
			goto done;
		db_bind_int64(st, 1, intake_id);
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
			k->sex = db_column_text(st, 2) ? strdup(db_column_text(st, 2)) : NULL;
			k->gender = db_column_text(st, 3) ? strdup(db_column_text(st, 3)) : NULL;
			k->person_id = db_column_int64(st, 4);
			k->type = db_column_text(st, 5) ? strdup(db_column_text(st, 5)) : NULL;
		}
		db_finalize(st);
		if (r < 0)
			goto done;
		for (size_t i = 0; i < nk && r >= 0; i++) {
			struct new_referral *k = &kids[i];
			char key[48];
			if (k->person_id > 0)
				figures_person_key(k->person_id, key, sizeof key);
			else
				snprintf(key, sizeof key, "r:%lld:%lld", (long long)intake_id, (long long)k->child);
			if ((r = db_prepare(db,
					    "INSERT INTO referral (intake_id, child, child_key, referral_date, source, region,"
					    " office, town, age, sex, gender_identity, vulnerabilities, trafficking_type,"
					    " disposition, imported, created_at, seq)"
					    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted_hart', 0, ?, ?)",
					    &st)) < 0)
				break;
			db_bind_int64(st, 1, intake_id);
			db_bind_int64(st, 2, k->child);
			db_bind_text(st, 3, key);
			db_bind_text(st, 4, date);
			db_bind_text(st, 5, source);
			db_bind_text(st, 6, region);
			db_bind_text(st, 7, office);
			db_bind_text(st, 8, town);
			if (k->age >= 0)
				db_bind_int64(st, 9, k->age);
			else
				db_bind_null(st, 9);
			db_bind_text(st, 10, k->sex);
			db_bind_text(st, 11, k->gender);
			db_bind_text(st, 12, vuln);
			db_bind_text(st, 13, k->type);
			db_bind_text(st, 14, ts);
			db_bind_int64(st, 15, seq);
			r = db_step(st);
			db_finalize(st);
		}
	done:
		for (size_t i = 0; i < nk; i++) {
			free(kids[i].sex);
			free(kids[i].gender);
			free(kids[i].type);
		}
		free(kids);
		free(source);
		free(region);
		free(office);
		free(town);
		free(vuln);
		if (r < 0)
			return r;
	}
	/* A decision changed: the report's referrals keep the current one. */
	if ((r = db_prepare(db, "UPDATE referral SET disposition = ?, seq = ? WHERE intake_id = ? AND disposition <> ?",
			    &st)) < 0)
		return r;
	db_bind_text(st, 1, disposition);
	db_bind_int64(st, 2, seq);
	db_bind_int64(st, 3, intake_id);
	db_bind_text(st, 4, disposition);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : 0;
}

int figures_child_linked(struct db *db, int64_t intake_id, int child, int64_t person_id)
{
	int64_t seq;
	int r = figures_seq_next(db, &seq);
	if (r < 0)
		return r;
	char key[48];
	figures_person_key(person_id, key, sizeof key);
	struct db_stmt *st;
	if ((r = db_prepare(db, "UPDATE referral SET child_key = ?, seq = ? WHERE intake_id = ? AND child = ?", &st)) < 0)
		return r;
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, seq);
	db_bind_int64(st, 3, intake_id);
	db_bind_int64(st, 4, child);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : 0;
}

int figures_case_type(struct db *db, int64_t case_id)
{
	int64_t seq;
	int r = figures_seq_next(db, &seq);
	if (r < 0)
		return r;
	struct db_stmt *st;
	if ((r = db_prepare(db,
			    "UPDATE referral SET trafficking_type = (SELECT trafficking_type FROM child_case WHERE id = ?),"
			    " seq = ? WHERE EXISTS (SELECT 1 FROM case_intake ci WHERE ci.case_id = ?"
			    " AND ci.intake_id = referral.intake_id AND ci.child = referral.child)",
			    &st)) < 0)
		return r;
	db_bind_int64(st, 1, case_id);
	db_bind_int64(st, 2, seq);
	db_bind_int64(st, 3, case_id);
	r = db_step(st);
	db_finalize(st);
	return r < 0 ? r : 0;
}
