/* persons_fx: what the tests of the child's page, merges and record
 * relief stand on (test_svc_persons_page.c, test_svc_merge.c,
 * test_svc_relief.c), over svc_fixture: reports about a named child,
 * linking them, cases, an MDT team's review, and the rows of the services
 * other areas write (a referral to a provider, a plan), put in by SQL. */
#pragma once

#include "svc_fixture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "service/cases.h"
#include "service/intake.h"

/* The integer the first column of sql answers (0 for none). */
static inline int64_t pf_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int64_t pf_int(const char *fmt, ...)
{
	char sql[512], out[32];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && n < (int)sizeof sql);
	fx_text(sql, out, sizeof out);
	return strtoll(out, NULL, 10);
}

/* Run sql made by fmt. */
static inline void pf_exec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void pf_exec(const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && n < (int)sizeof sql);
	fx_exec(sql);
}

/* A report of one child, given family, of Bridgeport, received at
 * received (RFC 3339), taken by careline; accepted for HART when accept. */
static inline int64_t pf_report_at(const struct fx_user *careline, const char *given, const char *family,
				   const char *received, bool accept)
{
	char text[1024];
	int n = snprintf(text, sizeof text,
			 "{\"received_at\": \"%s\", \"channel\": \"phone\","
			 " \"reporter\": {\"source\": \"school\", \"name\": \"A school counselor\"},"
			 " \"children\": [{\"given_name\": \"%s\", \"family_name\": \"%s\","
			 " \"estimated_age\": 15, \"town\": \"Bridgeport\", \"placement\": \"foster\"}],"
			 " \"narrative\": \"A synthetic report.\", \"concerns\": [\"runaway_awol\"]}",
			 received, given, family);
	assert_true(n > 0 && n < (int)sizeof text);
	json_t *body = fx_json(text);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	struct intake_created created;
	fx_assert_no_errors(svc_intake_create(&careline->ctx, body, NULL, &errs, &created), &errs);
	json_decref(body);
	if (accept)
		fx_accept(careline, created.id);
	return created.id;
}

static inline int64_t pf_report(const struct fx_user *careline, const char *given, const char *family, bool accept)
{
	return pf_report_at(careline, given, family, "2026-11-28T18:30:00Z", accept);
}

/* Link the report's child to person (0: a new person); answers the person. */
static inline int64_t pf_link(const struct fx_user *careline, int64_t intake, int64_t person)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	int64_t got = 0;
	fx_assert_no_errors(svc_intake_link(&careline->ctx, intake, 0, person, &errs, &got), &errs);
	return got;
}

/* A case opened by hart from an accepted report of given family; *person
 * (may be NULL) is the child's. */
static inline int64_t pf_case(const struct fx_user *careline, const struct fx_user *hart, const char *given,
			      const char *family, int64_t *person)
{
	int64_t intake = pf_report(careline, given, family, true), id;
	fx_case(hart, intake, &id);
	if (person)
		*person = pf_int("SELECT person_id FROM child_case WHERE id = %lld", (long long)id);
	return id;
}

static inline void pf_close_case(int64_t case_id)
{
	pf_exec("UPDATE child_case SET status = 'closed', closed_at = '2026-11-28T18:35:00Z' WHERE id = %lld",
		(long long)case_id);
}

/* Team code reviews case_id (a review scheduled). */
static inline void pf_review(int64_t case_id, const char *code)
{
	if (!pf_int("SELECT count(*) FROM mdt_team WHERE code = '%s'", code))
		pf_exec("INSERT INTO mdt_team (code, name, region, created_at) VALUES ('%s', 'Team %s', 'R1',"
			" '2026-11-01T00:00:00Z')",
			code, code);
	pf_exec("INSERT INTO case_review (team_id, case_id, status, scheduled_at, created_at, updated_at)"
		" SELECT id, %lld, 'scheduled', '2026-12-01T15:00:00Z', '2026-11-28T18:00:00Z', '2026-11-28T18:00:00Z' FROM mdt_team"
		" WHERE code = '%s'",
		(long long)case_id, code);
}

/* A referral of the case's child to a provider, started (the referrals
 * service is another's; its row is all the page reads). */
static inline int64_t pf_service(int64_t case_id, int64_t person)
{
	if (!pf_int("SELECT count(*) FROM provider WHERE code = 'pf-prov'"))
		fx_exec("INSERT INTO provider (code, name, created_at, updated_at) VALUES ('pf-prov', 'Harbor Mentoring',"
			" '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')");
	int64_t n = pf_int("SELECT count(*) FROM service_referral") + 1;
	pf_exec("INSERT INTO service_referral (number, case_id, person_id, provider_id, service, region, status,"
		" referred_at, answer_due_at, answered_at, started_at, created_at, updated_at)"
		" SELECT 'SR-2026-%04lld', %lld, %lld, id, 'mentoring', 'R1', 'started', '2026-11-28T18:36:00Z',"
		" '2026-12-01T18:36:00Z', '2026-11-28T18:37:00Z', '2026-11-28T18:38:00Z', '2026-11-28T18:36:00Z',"
		" '2026-11-28T18:38:00Z' FROM provider WHERE code = 'pf-prov'",
		(long long)n, (long long)case_id, (long long)person);
	return pf_int("SELECT max(id) FROM service_referral");
}

/* A safety plan of the case, in version versions. */
static inline void pf_plan(int64_t case_id, int versions)
{
	for (int v = 1; v <= versions; v++)
		pf_exec("INSERT INTO case_plan (case_id, kind, version, review_at, written_at)"
			" VALUES (%lld, 'safety', %d, '2027-02-26', '2026-11-28T18:3%d:00Z')",
			(long long)case_id, v, v);
}

/* The object in array of page's key whose member k is v (NULL: none). */
static inline json_t *pf_find(const json_t *page, const char *key, const char *k, json_int_t v)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(page, key), i, o)
	{
		if (json_integer_value(json_object_get(o, k)) == v)
			return o;
	}
	return NULL;
}

/* Whether the page's timeline has an entry of kind. */
static inline bool pf_timeline_has(const json_t *page, const char *kind)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(page, "timeline"), i, o)
	{
		if (strcmp(json_string_value(json_object_get(o, "kind")), kind) == 0)
			return true;
	}
	return false;
}
