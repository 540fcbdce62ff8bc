/* svc_packs: the pack a database runs with, compared with the pack a
 * server starts with, recorded and audited (service/packs.h). */
#include "service/packs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "db/db.h"
#include "service/app.h"
#include "service/audit.h"

/* Settings that record the pack. */
#define SET_DIGEST "pack_digest"
#define SET_ID "pack_id"
#define SET_VERSION "pack_version"
#define SET_LABELS "pack_labels"

/* Where records keep the ids of a list: a column of a table, counted by
 * value ("SELECT value, count" over the rows that have one); sep, when
 * not 0, separates several ids in one value. one and many name the rows
 * for people. */
static const struct use {
	const char *list, *sql, *one, *many;
	char sep;
} uses[] = {
        {"regions", "SELECT region, count(*) FROM child_case GROUP BY region", "case", "cases", 0},
        {"regions", "SELECT region, count(*) FROM intake WHERE region IS NOT NULL GROUP BY region", "report", "reports",
         0},
        {"regions", "SELECT region, count(*) FROM duty WHERE region IS NOT NULL GROUP BY region", "duty", "duties", 0},
        {"regions", "SELECT region, count(*) FROM referral WHERE region IS NOT NULL GROUP BY region",
         "referral counted in figures", "referrals counted in figures", 0},
        {"regions", "SELECT region, count(*) FROM mdt_team GROUP BY region", "MDT team", "MDT teams", 0},
        {"regions", "SELECT region, count(*) FROM contact WHERE region IS NOT NULL GROUP BY region", "contact",
         "contacts", 0},
        {"regions", "SELECT region, count(*) FROM service_referral GROUP BY region", "service referral",
         "service referrals", 0},
        {"regions", "SELECT region, count(*) FROM trainee WHERE region IS NOT NULL GROUP BY region", "trainee",
         "trainees", 0},
        {"regions", "SELECT region, count(*) FROM training_session WHERE region IS NOT NULL GROUP BY region",
         "training session", "training sessions", 0},
        {"regions", "SELECT scope, count(*) FROM app_user WHERE role = 'liaison' AND scope IS NOT NULL GROUP BY scope",
         "user", "users", 0},
        {"regions", "SELECT value, count(*) FROM provider_offer WHERE kind = 'region' GROUP BY value", "provider",
         "providers", 0},
        {"offices", "SELECT office, count(*) FROM child_case WHERE office IS NOT NULL GROUP BY office", "case", "cases",
         0},
        {"offices", "SELECT office, count(*) FROM intake WHERE office IS NOT NULL GROUP BY office", "report", "reports",
         0},
        {"offices", "SELECT office, count(*) FROM referral WHERE office IS NOT NULL GROUP BY office",
         "referral counted in figures", "referrals counted in figures", 0},
        {"referral_sources", "SELECT source, count(*) FROM intake GROUP BY source", "report", "reports", 0},
        {"referral_sources", "SELECT source, count(*) FROM referral WHERE source IS NOT NULL GROUP BY source",
         "referral counted in figures", "referrals counted in figures", 0},
        {"vulnerabilities",
         "SELECT vulnerabilities, count(*) FROM referral WHERE vulnerabilities <> '' GROUP BY vulnerabilities",
         "referral counted in figures", "referrals counted in figures", ';'},
        {"trafficking_types",
         "SELECT trafficking_type, count(*) FROM child_case WHERE trafficking_type IS NOT NULL GROUP BY "
         "trafficking_type",
         "case", "cases", 0},
        {"trafficking_types",
         "SELECT trafficking_type, count(*) FROM referral WHERE trafficking_type IS NOT NULL GROUP BY trafficking_type",
         "referral counted in figures", "referrals counted in figures", 0},
        {"services", "SELECT service, count(*) FROM service_referral GROUP BY service", "service referral",
         "service referrals", 0},
        {"services", "SELECT value, count(*) FROM provider_offer WHERE kind = 'service' GROUP BY value", "provider",
         "providers", 0},
        {"populations", "SELECT value, count(*) FROM provider_offer WHERE kind = 'population' GROUP BY value",
         "provider", "providers", 0},
        {"deadlines", "SELECT kind, count(*) FROM duty GROUP BY kind", "duty", "duties", 0},
        {"screening_instruments", "SELECT instrument_id, count(*) FROM screening GROUP BY instrument_id", "screening",
         "screenings", 0},
        {"dispositions", "SELECT disposition, count(*) FROM disposition GROUP BY disposition", "decision", "decisions",
         0},
        {"dispositions", "SELECT disposition, count(*) FROM referral GROUP BY disposition",
         "referral counted in figures", "referrals counted in figures", 0},
        {"mdt_roles", "SELECT mdt_role, count(*) FROM mdt_member GROUP BY mdt_role", "MDT member", "MDT members", 0},
        {"gender_identities",
         "SELECT gender_category, count(*) FROM intake_child WHERE gender_category IS NOT NULL GROUP BY "
         "gender_category",
         "child of a report", "children of reports", 0},
        {"referral_outcomes",
         "SELECT outcome, count(*) FROM service_referral WHERE outcome IS NOT NULL GROUP BY outcome",
         "service referral", "service referrals", 0},
        {"relief_offences", "SELECT offence, count(*) FROM relief_record GROUP BY offence", "relief record",
         "relief records", 0},
        {"case_closure_reasons",
         "SELECT closure_reason, count(*) FROM child_case WHERE closure_reason IS NOT NULL GROUP BY closure_reason",
         "case", "cases", 0},
        {"training_audiences", "SELECT audience, count(*) FROM trainee GROUP BY audience", "trainee", "trainees", 0},
        {"training_audiences",
         "SELECT audience, count(*) FROM training_session WHERE audience IS NOT NULL GROUP BY audience",
         "training session", "training sessions", 0},
        {"courses", "SELECT course, count(*) FROM training_session GROUP BY course", "training session",
         "training sessions", 0},
        {"courses", "SELECT course, count(*) FROM certificate GROUP BY course", "certificate", "certificates", 0},
};
#define N_USES (sizeof uses / sizeof *uses)

int svc_pack_digest(const struct pack *p, char out[CRYPTO_HASH_HEX_SIZE])
{
	char *text = json_dump_text(p->root, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return ERR_NOMEM;
	crypto_hash_hex(text, strlen(text), out);
	free(text);
	return 0;
}

void svc_pack_compare_done(struct svc_pack_compare *c)
{
	json_decref(c->changes);
	json_decref(c->problems);
	json_decref(c->labels);
	memset(c, 0, sizeof *c);
}

/* The setting key's value into out ("" when there is none). */
static int setting(struct db *db, const char *key, char *out, size_t size)
{
	char *v = NULL;
	int r = db_textf(db, &v, "SELECT value FROM setting WHERE key = ?", "t", key);
	out[0] = '\0';
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	str_copy(out, size, v ? v : "");
	free(v);
	return 0;
}

/* Add each id of value (one, or several separated by sep) to counts. */
static int count_value(json_t *counts, const char *value, char sep, int64_t n)
{
	char id[128];
	const char *s = value;
	while (s && *s) {
		const char *end = sep ? strchr(s, sep) : NULL;
		size_t len = end ? (size_t)(end - s) : strlen(s);
		if (len > 0 && len < sizeof id) {
			memcpy(id, s, len);
			id[len] = '\0';
			json_int_t had = json_integer_value(json_object_get(counts, id));
			if (json_object_set_new(counts, id, json_integer(had + n)) != 0)
				return ERR_NOMEM;
		}
		s = end ? end + 1 : NULL;
	}
	return 0;
}

/* {id: count} of the rows of u. */
static int use_counts(struct db *db, const struct use *u, json_t **ret)
{
	json_t *counts = json_object();
	struct db_stmt *st;
	if (!counts)
		return ERR_NOMEM;
	int r = db_preparef(db, &st, u->sql, "");
	while (r == 0 && (r = db_step(st)) == DB_ROW) {
		const char *v = db_column_text(st, 0);
		r = v ? count_value(counts, v, u->sep, db_column_int64(st, 1)) : 0;
	}
	if (r == DB_DONE)
		r = 0;
	if (st)
		db_finalize(st);
	if (r < 0) {
		json_decref(counts);
		return r;
	}
	*ret = counts;
	return 0;
}

/* "region N2 "North" is used by 12 cases, 3 duties" for a removed
 * value in use, into problems, and its uses ("12 cases, 3 duties") into the
 * change as "used_by"; nothing for one that is not used. */
static int problem_of(struct db *db, json_t *change, json_t *cache, json_t *problems)
{
	const char *list = json_string_value(json_object_get(change, "list")),
	           *id = json_string_value(json_object_get(change, "id"));
	char used[1024] = "";
	size_t len = 0, parts = 0;
	for (size_t i = 0; i < N_USES; i++) {
		if (strcmp(uses[i].list, list) != 0)
			continue;
		char key[8];
		snprintf(key, sizeof key, "%zu", i);
		json_t *counts = json_object_get(cache, key);
		if (!counts) {
			int r = use_counts(db, &uses[i], &counts);
			if (r < 0)
				return r;
			if (json_object_set_new(cache, key, counts) != 0)
				return ERR_NOMEM;
		}
		json_int_t n = json_integer_value(json_object_get(counts, id));
		if (n <= 0)
			continue;
		int k = snprintf(used + len, sizeof used - len, "%s%lld %s", parts ? ", " : "", (long long)n,
		                 n == 1 ? uses[i].one : uses[i].many);
		if (k < 0 || (size_t)k >= sizeof used - len)
			break;
		len += (size_t)k;
		parts++;
	}
	if (parts == 0)
		return 0;
	if (json_object_set_new(change, "used_by", json_string(used)) != 0)
		return ERR_NOMEM;
	char what[512], line[1600];
	if (pack_change_text(change, what, sizeof what) < 0)
		str_copy(what, sizeof what, id);
	int k = snprintf(line, sizeof line, "%s, but it is used by %s", what, used);
	if (k < 0)
		return ERR_INVAL;
	return json_array_append_new(problems, json_string(line)) == 0 ? 0 : ERR_NOMEM;
}

/* The labels to record: the new pack's, and under "retired" the labels of
 * every value a pack this database ran with had and the new one lacks. */
static int labels_to_record(const json_t *old, json_t *labels)
{
	json_t *retired = json_object();
	if (!retired || json_object_set_new(labels, "retired", retired) != 0)
		return ERR_NOMEM;
	const json_t *sources[2] = {json_object_get(old, "retired"), old};
	for (int s = 0; s < 2; s++) {
		const char *list, *id;
		json_t *map, *v;
		json_object_foreach((json_t *)sources[s], list, map)
		{
			if (!pack_value_word(list) || !json_is_object(map))
				continue;
			json_t *now = json_object_get(labels, list);
			json_object_foreach(map, id, v)
			{
				if (json_object_get(now, id))
					continue;
				json_t *out = json_object_get(retired, list);
				if (!out && (json_object_set_new(retired, list, out = json_object()) != 0 || !out))
					return ERR_NOMEM;
				if (json_object_set(out, id, v) != 0)
					return ERR_NOMEM;
			}
		}
	}
	return 0;
}

static int compare_with(struct db *db, const json_t *old, struct svc_pack_compare *ret)
{
	int r = pack_compare_labels(old, ret->labels, &ret->changes);
	json_t *cache = json_object();
	if (r < 0 || !cache) {
		json_decref(cache);
		return r < 0 ? r : ERR_NOMEM;
	}
	size_t i;
	json_t *c;
	json_array_foreach(ret->changes, i, c) if (r == 0 && strcmp(json_get_str(c, "change"), "removed") == 0) r =
	        problem_of(db, c, cache, ret->problems);
	json_decref(cache);
	return r < 0 ? r : labels_to_record(old, ret->labels);
}

int svc_pack_compare(struct db *db, const struct pack *p, struct svc_pack_compare *ret)
{
	memset(ret, 0, sizeof *ret);
	char *stored = NULL;
	json_t *old = NULL;
	int r = svc_pack_digest(p, ret->new_digest);
	if (r == 0 && (!(ret->labels = pack_labels(p)) || !(ret->problems = json_array())))
		r = ERR_NOMEM;
	if (r == 0 && (r = setting(db, SET_DIGEST, ret->old_digest, sizeof ret->old_digest)) == 0 &&
	    (r = setting(db, SET_ID, ret->old_id, sizeof ret->old_id)) == 0)
		r = setting(db, SET_VERSION, ret->old_version, sizeof ret->old_version);
	if (r == 0) {
		r = db_textf(db, &stored, "SELECT value FROM setting WHERE key = ?", "t", SET_LABELS);
		if (r == ERR_NOTFOUND)
			r = 0;
	}
	if (r < 0)
		goto out;
	ret->recorded = stored != NULL && ret->old_digest[0];
	ret->same = ret->recorded && strcmp(ret->old_digest, ret->new_digest) == 0;
	if (stored && (r = json_load_stored(stored, &old)) < 0)
		goto out;
	if (!ret->recorded) {
		ret->changes = json_array();
		r = ret->changes ? labels_to_record(NULL, ret->labels) : ERR_NOMEM;
		goto out;
	}
	r = compare_with(db, old, ret);
out:
	free(stored);
	json_decref(old);
	if (r < 0)
		svc_pack_compare_done(ret);
	return r;
}

void svc_pack_refusal(const struct svc_pack_compare *c, const char *source, char *out, size_t size)
{
	size_t n = json_array_size(c->problems), len = 0;
	int k = snprintf(out, size,
	                 "%s cannot replace the jurisdiction settings this database runs with (%s %s): "
	                 "%zu value%s in use would go:",
	                 source, c->old_id, c->old_version, n, n == 1 ? "" : "s");
	for (size_t i = 0; k >= 0 && (size_t)k < size - len && i < n; i++) {
		len += (size_t)k;
		const char *line = json_string_value(json_array_get(c->problems, i));
		char more[96] = "";
		/* Room for this one and, after it, how many are left unsaid. */
		if (i + 1 < n)
			snprintf(more, sizeof more, " (and %zu more: hartline pack check FILE --db DB lists them)",
			         n - i - 1);
		if (len + strlen(line) + 3 + strlen(more) >= size) {
			snprintf(out + len, size - len, "%s", more[0] ? more : "");
			return;
		}
		k = snprintf(out + len, size - len, "%s %s", i ? ";" : "", line);
	}
}

/* Record the pack in the setting table and audit it, in one transaction. */
static int record(struct app *a, struct db *db, const struct pack *p, const struct svc_pack_compare *c)
{
	char ts[32];
	char *labels = json_dump_text(c->labels, JSON_COMPACT | JSON_SORT_KEYS);
	if (!labels)
		return ERR_NOMEM;
	if (time_format(now(), ts, sizeof ts) < 0) {
		free(labels);
		return ERR_INVAL;
	}
	const char *keys[4] = {SET_DIGEST, SET_ID, SET_VERSION, SET_LABELS};
	const char *values[4] = {c->new_digest, p->id, p->version, labels};
	struct svc_ctx ctx = {.app = a, .actor = NULL, .client = "hartline"};
	int r = db_begin(db);
	for (int i = 0; r == 0 && i < 4; i++)
		if ((r = db_execf(db, "DELETE FROM setting WHERE key = ?", "t", keys[i])) == 0)
			r = db_execf(db, "INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?)", "ttt",
			             keys[i], values[i], ts);
	if (r == 0 && c->recorded)
		r = svc_audit_appendf(db, &ctx, "pack.changed", NULL, AUDIT_NO_OBJECT,
		                      "from=%s %s digest=%s to=%s %s digest=%s changes=%zu", c->old_id, c->old_version,
		                      c->old_digest, p->id, p->version, c->new_digest, json_array_size(c->changes));
	else if (r == 0)
		r = svc_audit_appendf(db, &ctx, "pack.recorded", NULL, AUDIT_NO_OBJECT, "pack=%s %s digest=%s", p->id,
		                      p->version, c->new_digest);
	free(labels);
	if (r < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		return r;
	}
	return db_commit(db);
}

int svc_pack_start(struct app *a, char *errmsg, size_t errsize)
{
	struct db *db;
	struct svc_pack_compare c;
	int r = app_db(a, &db);
	if (r == 0)
		r = svc_pack_compare(db, a->pack, &c);
	if (r < 0) {
		snprintf(errmsg, errsize,
		         "cannot compare the jurisdiction settings with those the database runs with: %s", err_str(r));
		return r;
	}
	if (json_array_size(c.problems) > 0) {
		svc_pack_refusal(&c, a->pack_source, errmsg, errsize);
		for (size_t i = 0; i < json_array_size(c.problems); i++)
			log_error("pack", "refused=\"%s\"", json_string_value(json_array_get(c.problems, i)));
		svc_pack_compare_done(&c);
		return ERR_CONFLICT;
	}
	if (!c.same) {
		if ((r = record(a, db, a->pack, &c)) < 0) {
			snprintf(errmsg, errsize, "cannot record the jurisdiction settings: %s",
			         r == ERR_DB ? db_errmsg(db) : err_str(r));
			svc_pack_compare_done(&c);
			return r;
		}
		log_info("pack", "event=%s id=%s version=%s digest=%s from_digest=%s changes=%zu",
		         c.recorded ? "changed" : "recorded", a->pack->id, a->pack->version, c.new_digest,
		         c.recorded ? c.old_digest : "none", json_array_size(c.changes));
	}
	json_decref(a->pack_retired);
	a->pack_retired = json_incref(json_object_get(c.labels, "retired"));
	svc_pack_compare_done(&c);
	return 0;
}
