/* Recording a report: the body is checked (the schema, then what only
 * code can say of the reporter and each child), the software decides what
 * it decides for the worker (the region, whether a child is a suspected
 * victim), and the report and its children are written in one
 * transaction. */
#include "service/intake/intake_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/json.h"
#include "base/str.h"
#include "match/cmp.h"
#include "model/routing.h"
#include "model/schema.h"
#include "service/audit.h"
#include "service/numbers.h"
#include "service/sealed.h"

static const char *const channels[] = {"phone", "web", "email", "fax", "walk_in", "law_enforcement", NULL};
static const char *const placements[] = {"home", "foster", "congregate_care", "homeless", "unknown", NULL};

/* The top level of a report; the reporter and each child are checked
 * further below, by the paths a client names them with. */
static const struct field_rule create_fields[] = {
	{"received_at", FT_TIME, .required = true, .reason = "enter the date and time the report came in", .label = "Received"},
	{"channel", FT_STRING, .required = true, .max_len = 32, .allowed = channels},
	{"reporter", FT_OBJECT, .required = true, .reason = "fill in who made the report, or tick anonymous", .label = "Reporter"},
	{"children", FT_ARRAY, .required = true, .reason = "add at least one child", .label = "Children"},
	{"narrative", FT_STRING, .max_len = MAX_TEXT},
	{"town", FT_STRING, .max_len = MAX_NAME},
	{"concerns", FT_ARRAY, .reason = "tick them in the list", .label = "Concerns"},
	{.key = NULL},
};
const struct schema svc_intake_create_schema = {.name = "intake create", .fields = create_fields};

/* ---- the fields of the reporter and the children ---- */

static bool in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* The calendar date of t in the jurisdiction's time zone (app_open sets
 * the process's zone to the pack's): a girl is 17 until midnight in
 * Connecticut, whatever the hour in UTC. */
static struct cmp_date date_of(hl_time t)
{
	return cmp_date_local(t / HL_USEC_PER_SEC);
}

/* A field as the intake form names it ("dob" is "Birth date"). */
static const char *form_words(const char *key, const char *path, char *out, size_t size)
{
	static const char *const words[][2] = {
		{"given_name", "Given name"},
		{"family_name", "Family name"},
		{"dob", "Birth date"},
		{"sex", "Sex"},
		{"gender_identity", "Gender identity"},
		{"town", "Town"},
		{"placement", "Placement"},
		{"source", "Source"},
		{"name", "Name"},
		{"agency", "Agency or relationship"},
		{"phone", "Phone"},
		{"email", "E-mail"},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(key, words[i][0]) == 0)
			return words[i][1];
	return field_key_words(path, out, size);
}

static const char *str_field(const json_t *o, const char *key, const char *path, size_t max, bool required,
			     struct field_errors *errs)
{
	char buf[96];
	const char *words = form_words(key, path, buf, sizeof buf);
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			field_error_add(errs, path, "%s: required; fill it in", words);
		return NULL;
	}
	if (!json_is_string(v)) {
		field_error_add(errs, path, "%s: type it as text", words);
		return NULL;
	}
	const char *s = json_string_value(v);
	size_t len = strlen(s);
	if (len != json_string_length(v)) {
		field_error_add(errs, path, "%s: %s", words, JSON_NUL_REASON);
		return NULL;
	}
	if (len > max) {
		field_error_add(errs, path, "%s: at most %zu characters; shorten it by %zu", words, max, len - max);
		return NULL;
	}
	if (required && !*s)
		field_error_add(errs, path, "%s: required; fill it in", words);
	return s;
}

static void unknown_keys(const json_t *o, const char *const *known, const char *prefix, struct field_errors *errs)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
	{
		if (!in_list(known, key)) {
			char path[128];
			char words[96];
			snprintf(path, sizeof path, "%s%s%.60s", prefix, *prefix ? "." : "", key);
			field_error_add(errs, path, "%s: not a field of this form; reload the page and try again",
					field_key_words(path, words, sizeof words));
		}
	}
}

static bool flag(const json_t *o, const char *key, const char *path, const char *words, struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		field_error_add(errs, path, "%s: not sent as the form sends it; reload the page and try again", words);
		return false;
	}
	return json_is_true(v);
}

struct child_in {
	const char *given, *family, *dob, *sex, *gender, *town, *placement;
	const json_t *aliases;
	int estimated_age, age_at_report;
	bool in_care, missing;
};

/* A report as checked, and what the software decided of it. */
struct report_in {
	hl_time received;
	const char *channel, *source, *narrative, *town;
	bool anonymous;
	const json_t *reporter, *concerns;
	struct child_in kids[MAX_CHILDREN];
	size_t nkids;
	struct route to;
	bool victim[MAX_CHILDREN], any_victim;
};

static void check_child(const json_t *c, size_t i, hl_time received, struct child_in *out, struct field_errors *errs)
{
	static const char *const known[] = {"given_name", "family_name", "aliases", "dob", "estimated_age", "sex",
					    "gender_identity", "town", "placement", "in_care", "missing", NULL};
	char p[64], q[96];
	snprintf(p, sizeof p, "children[%zu]", i);
	memset(out, 0, sizeof *out);
	out->estimated_age = out->age_at_report = -1;
	if (!json_is_object(c)) {
		field_error_add(errs, p, "Child %zu: not sent as the form sends it; reload the page and try again", i + 1);
		return;
	}
	unknown_keys(c, known, p, errs);
#define PATH(k) (snprintf(q, sizeof q, "%s.%s", p, k), q)
	out->given = str_field(c, "given_name", PATH("given_name"), MAX_NAME, false, errs);
	out->family = str_field(c, "family_name", PATH("family_name"), MAX_NAME, false, errs);
	out->dob = str_field(c, "dob", PATH("dob"), 10, false, errs);
	out->sex = str_field(c, "sex", PATH("sex"), 1, false, errs);
	out->gender = str_field(c, "gender_identity", PATH("gender_identity"), 60, false, errs);
	out->town = str_field(c, "town", PATH("town"), MAX_NAME, false, errs);
	out->placement = str_field(c, "placement", PATH("placement"), 32, false, errs);
	out->in_care = flag(c, "in_care", PATH("in_care"), "In the agency\u2019s care", errs);
	out->missing = flag(c, "missing", PATH("missing"), "Missing now", errs);
	if ((!out->given || !*out->given) && (!out->family || !*out->family))
		field_error_add(errs, PATH("given_name"), "Given name: a given or a family name is needed; a nickname will do");
	if (out->sex && *out->sex && !strchr("FMX", out->sex[0]))
		field_error_add(errs, PATH("sex"), "Sex: not one of the choices; choose Female, Male, X or Not known");
	if (out->placement && *out->placement && !in_list(placements, out->placement))
		field_error_add(errs, PATH("placement"), "Placement: choose one from the list");
	json_t *al = json_object_get(c, "aliases");
	if (al && !json_is_null(al)) {
		size_t k;
		json_t *a;
		if (!json_is_array(al) || json_array_size(al) > 8)
			field_error_add(errs, PATH("aliases"), "Other names or nicknames: at most 8 names; leave out the rest");
		else
			json_array_foreach(al, k, a)
			{
				if (!json_is_string(a) || !*json_string_value(a) || json_string_length(a) > MAX_NAME) {
					snprintf(q, sizeof q, "%s.aliases[%zu]", p, k);
					field_error_add(errs, q, "Other names or nicknames: each name 1 to %d characters; shorten it", MAX_NAME);
				}
			}
		out->aliases = al;
	}
	struct cmp_date rec = date_of(received), d;
	json_t *ea = json_object_get(c, "estimated_age");
	if (ea && !json_is_null(ea)) {
		if (!json_is_integer(ea) || json_integer_value(ea) < 0 || json_integer_value(ea) > 25)
			field_error_add(errs, PATH("estimated_age"), "Age: not a whole number of years from 0 to 25; type the age in years");
		else
			out->estimated_age = (int)json_integer_value(ea);
	}
	if (out->dob && *out->dob) {
		if (!cmp_date_parse(out->dob, "%Y-%m-%d", &d))
			field_error_add(errs, PATH("dob"), "Birth date: not a whole date; type the day, month and year");
		else if (cmp_date_days(&d) > cmp_date_days(&rec))
			field_error_add(errs, PATH("dob"), "Birth date: it cannot be in the future; check it with the caller");
		else if (cmp_age_on(&d, &rec) > 25)
			field_error_add(errs, PATH("dob"), "Birth date: more than 25 years before the report; check it with the caller");
		else
			out->age_at_report = cmp_age_on(&d, &rec);
		if (out->estimated_age >= 0)
			field_error_add(errs, PATH("estimated_age"), "Age: give a birth date or an age, not both; clear one of them");
	} else if (out->estimated_age >= 0) {
		out->age_at_report = out->estimated_age;
	}
#undef PATH
}

/* The report as sent, members sorted, hashed: kept sealed beside its
 * Idempotency-Key so that the key replays the same report only. */
static int body_digest(const json_t *body, char out[CRYPTO_HASH_HEX_SIZE])
{
	char *canon = json_dump_text(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!canon)
		return ERR_NOMEM;
	crypto_hash_hex(canon, strlen(canon), out);
	free(canon);
	return 0;
}

/* The report an earlier submission with this key recorded, into ret (id 0:
 * none). ERR_EXISTS when that report was sent with another body. A report
 * recorded before digests were kept has none and is replayed as before. A
 * database error is an error, never "no replay": answering it so would
 * record the report twice. */
static int find_replay(const struct svc_ctx *ctx, struct db *db, const char *key, const char *digest,
		       struct intake_created *ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, "SELECT id, number, idempotency_digest FROM intake"
				 " WHERE created_by = ? AND idempotency_key = ?",
			"it", ctx->actor->user_id, key);
	if (r == ERR_NOTFOUND)
		return 0;
	if (r < 0)
		return r;
	int64_t id = db_column_int64(st, 0);
	char *stored = NULL;
	if ((r = str_copy(ret->number, sizeof ret->number, db_column_text(st, 1))) == 0)
		r = sealed_get(ctx->app, st, 2, "intake", "idempotency_digest", id, &stored);
	db_finalize(st);
	if (r < 0)
		return r;
	bool same = !stored || (strlen(stored) == strlen(digest) && crypto_equal(stored, digest, strlen(digest)));
	free(stored);
	if (!same) {
		ret->number[0] = '\0';
		return ERR_EXISTS;
	}
	ret->id = id;
	ret->replayed = true;
	return 0;
}

static void check_reporter(const struct pack *pack, const json_t *rep, struct report_in *in, struct field_errors *errs)
{
	static const char *const known[] = {"name", "source", "agency", "phone", "email", "anonymous", NULL};
	if (!json_is_object(rep))
		return; /* the schema said so */
	in->reporter = rep;
	unknown_keys(rep, known, "reporter", errs);
	in->source = str_field(rep, "source", "reporter.source", 64, true, errs);
	if (in->source && *in->source && !pack_item_find(pack->sources, pack->n_sources, in->source))
		field_error_add(errs, "reporter.source", "Source: \u201c%.40s\u201d is not one of the sources; choose one from the list", in->source);
	str_field(rep, "name", "reporter.name", 200, false, errs);
	str_field(rep, "agency", "reporter.agency", 200, false, errs);
	field_check_phone(errs, "reporter.phone", "Reporter's telephone",
			  str_field(rep, "phone", "reporter.phone", STR_PHONE_MAX, false, errs));
	field_check_email(errs, "reporter.email", "Reporter's e-mail",
			  str_field(rep, "email", "reporter.email", STR_EMAIL_MAX, false, errs));
	in->anonymous = flag(rep, "anonymous", "reporter.anonymous", "The caller wants to stay anonymous", errs);
}

static void check_concerns(const struct pack *pack, const json_t *concerns, struct report_in *in,
			   struct field_errors *errs)
{
	size_t i;
	json_t *c;
	if (!json_is_array(concerns))
		return;
	in->concerns = concerns;
	json_array_foreach(concerns, i, c)
	{
		char q[48];
		snprintf(q, sizeof q, "concerns[%zu]", i);
		if (!json_is_string(c) ||
		    !pack_item_find(pack->vulnerabilities, pack->n_vulnerabilities, json_string_value(c)))
			field_error_add(errs, q, "Concerns: not one of the concerns in the list; tick them in the list");
	}
}

static void check_children(const json_t *children, struct report_in *in, struct field_errors *errs)
{
	if (!json_is_array(children))
		return;
	if (json_array_size(children) == 0) {
		field_error_add(errs, "children", "Children: none in the report; add at least one child");
	} else if (json_array_size(children) > MAX_CHILDREN) {
		field_error_add(errs, "children", "Children: at most %d children in one report; make a second report for the others", MAX_CHILDREN);
	} else {
		in->nkids = json_array_size(children);
		for (size_t i = 0; i < in->nkids; i++)
			check_child(json_array_get(children, i), i, in->received, &in->kids[i], errs);
	}
}

/* Every problem of the body goes to errs at once, the schema's and the
 * deeper ones alike, so the form shows them all. */
static int check_report(const struct pack *pack, const json_t *body, struct report_in *in, struct field_errors *errs)
{
	memset(in, 0, sizeof *in);
	in->received = now();
	if (schema_check(&svc_intake_create_schema, body, errs) < 0 && !json_is_object(body))
		return ERR_INVAL;
	const char *received = json_get_str(body, "received_at");
	hl_time t;
	if (received && time_parse(received, &t) == 0) {
		in->received = t;
		if (t > now() + 5 * 60 * HL_USEC_PER_SEC)
			field_error_add(errs, "received_at", "Received: it cannot be in the future; check the date and time of the call");
	}
	in->channel = json_get_str(body, "channel");
	in->narrative = json_get_str(body, "narrative");
	in->town = json_get_str(body, "town");
	check_reporter(pack, json_object_get(body, "reporter"), in, errs);
	check_concerns(pack, json_object_get(body, "concerns"), in, errs);
	check_children(json_object_get(body, "children"), in, errs);
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

/* The decisions the software makes for the worker: the region the report
 * goes to, and which children are suspected victims. */
static int decide(const struct pack *pack, struct report_in *in)
{
	const char *towns[MAX_CHILDREN];
	for (size_t i = 0; i < in->nkids; i++)
		towns[i] = in->kids[i].town;
	int r = route_report(pack, towns, in->nkids, in->town, &in->to);
	for (size_t i = 0; r == 0 && i < in->nkids; i++) {
		struct guardrail g;
		if ((r = guardrail_check(pack, in->kids[i].age_at_report, in->concerns, &g)) < 0)
			break;
		in->victim[i] = g.suspected_victim;
		in->any_victim |= g.suspected_victim;
	}
	return r;
}

static int insert_report(struct db *db, const struct svc_ctx *ctx, const struct report_in *in, const char *idem_key,
			 const char *digest, struct intake_created *ret)
{
	char ts[32], rec[32];
	char *reporter = NULL, *concerns = NULL;
	int64_t seq;
	struct cmp_date rd = date_of(in->received);
	int r;
	if ((r = time_format(now(), ts, sizeof ts)) < 0 || (r = time_format(in->received, rec, sizeof rec)) < 0 ||
	    (r = svc_next_number(db, "I", rd.y, &seq)) < 0)
		return r;
	int n = snprintf(ret->number, sizeof ret->number, "I-%04d-%06lld", rd.y, (long long)seq);
	if (n < 0 || (size_t)n >= sizeof ret->number)
		return ERR_TOOBIG;
	reporter = json_dump_text(in->reporter, JSON_COMPACT | JSON_SORT_KEYS);
	concerns = in->concerns ? json_dump_text(in->concerns, JSON_COMPACT) : strdup("[]");
	if (!reporter || !concerns) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = db_int64f(db, &ret->id,
			   "INSERT INTO intake (number, received_at, channel, source, reporter_anonymous, incident_town,"
			   " concerns, region, office, unmapped_town, suspected_victim, created_by, idempotency_key,"
			   " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			   "ttttdttttddittt", ret->number, rec, in->channel, in->source,
			   in->anonymous, intake_nonempty(in->town), concerns, in->to.region, in->to.office, in->to.unmapped,
			   in->any_victim, ctx->actor->user_id, idem_key, ts, ts)) < 0)
		goto out;
	const struct sealed_col sealed[] = {
		{"reporter", in->anonymous ? NULL : reporter},
		{"narrative", in->narrative},
		{"idempotency_digest", idem_key ? digest : NULL},
	};
	r = sealed_put_row(db, ctx->app, "intake", ret->id, sealed, sizeof sealed / sizeof sealed[0]);
out:
	free(reporter);
	free(concerns);
	return r;
}

static int insert_child(struct db *db, struct app *app, int64_t intake_id, size_t i, const struct child_in *k,
			bool victim)
{
	/* The words typed are sealed below; only their category stays in
	 * clear, for figures. */
	const struct pack_gender *gender = pack_gender_of(app->pack, k->gender);
	int64_t cid;
	int r = db_int64f(db, &cid,
			  "INSERT INTO intake_child (intake_id, position, estimated_age, age_at_report, sex,"
			  " gender_category, town, placement, in_care, missing, suspected_victim)"
			  " VALUES (?, ?, NULLIF(?, -1), NULLIF(?, -1), ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  "iiddttttddd", intake_id, (int64_t)i, k->estimated_age, k->age_at_report,
			  intake_nonempty(k->sex), gender ? gender->id : NULL, intake_nonempty(k->town),
			  k->placement && *k->placement ? k->placement : "unknown", k->in_care, k->missing, victim);
	if (r < 0)
		return r;
	char *aliases = k->aliases ? json_dump_text(k->aliases, JSON_COMPACT) : NULL;
	if (k->aliases && !aliases)
		return ERR_NOMEM;
	const struct sealed_col sealed[] = {
		{"given_name", k->given},
		{"family_name", k->family},
		{"aliases", aliases && strcmp(aliases, "[]") != 0 ? aliases : NULL},
		{"dob", k->dob},
		{"gender_sealed", k->gender},
	};
	r = sealed_put_row(db, app, "intake_child", cid, sealed, sizeof sealed / sizeof sealed[0]);
	free(aliases);
	return r;
}

static int insert_all(struct db *db, const struct svc_ctx *ctx, const struct report_in *in, const char *idem_key,
		      const char *digest, struct intake_created *ret)
{
	int r = insert_report(db, ctx, in, idem_key, digest, ret);
	for (size_t i = 0; r == 0 && i < in->nkids; i++)
		r = insert_child(db, ctx->app, ret->id, i, &in->kids[i], in->victim[i]);
	if (r < 0)
		return r;
	return svc_audit_appendf(db, ctx, "intake.create", "intake", ret->id, "number=%s children=%zu region=%s%s%s",
				 ret->number, in->nkids, in->to.region ? in->to.region : "statewide",
				 in->to.unmapped ? " unmapped_town" : "", in->any_victim ? " suspected_victim" : "");
}

int svc_intake_create(const struct svc_ctx *ctx, const json_t *body, const char *idem_key, struct field_errors *errs,
		      struct intake_created *ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_INTAKE_WRITE, &db);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof *ret);
	if (idem_key && (strlen(idem_key) == 0 || strlen(idem_key) > 200)) {
		field_error_add(errs, "Idempotency-Key", "The report was not sent as the form sends it; reload the page and try again");
		return ERR_INVAL;
	}
	char digest[CRYPTO_HASH_HEX_SIZE] = "";
	if (idem_key && ((r = body_digest(body, digest)) < 0 || (r = find_replay(ctx, db, idem_key, digest, ret)) < 0 ||
			 ret->replayed))
		return r;
	struct report_in *in = malloc(sizeof *in);
	if (!in)
		return ERR_NOMEM;
	if ((r = check_report(ctx->app->pack, body, in, errs)) < 0 || (r = decide(ctx->app->pack, in)) < 0 ||
	    (r = db_begin(db)) < 0)
		goto out;
	/* Once more inside the transaction, which sees every report written
	 * before it, also those whose commit is still under way: a replay is
	 * answered only once the commit it waits for is durable. */
	if (idem_key && ((r = find_replay(ctx, db, idem_key, digest, ret)) < 0 || ret->replayed)) {
		if (r == 0 && (r = db_commit(db)) < 0)
			ret->id = 0;
		if (r < 0)
			db_rollback(db);
		goto out;
	}
	if ((r = insert_all(db, ctx, in, idem_key, digest, ret)) < 0 || (r = db_commit(db)) < 0) {
		db_rollback(db);
		ret->id = 0;
		/* Two submissions with one key at once: the second finds the first. */
		if (r == ERR_CONFLICT && idem_key) {
			int rr = find_replay(ctx, db, idem_key, digest, ret);
			if (rr < 0 || ret->replayed)
				r = rr;
		}
	}
out:
	free(in);
	return r;
}
