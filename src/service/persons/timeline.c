/* timeline.c: the child's page as one timeline: every report, case,
 * placement, missing episode, service, plan, relief step and merge on the
 * page, by date (kind, date, label, link). */
#include "service/persons/persons_int.h"

#include <stdarg.h>
#include <string.h>

#include "base/err.h"
#include "model/reliefstate.h"

int persons_timeline_add(json_t *timeline, const char *kind, const char *date, const char *link, const char *fmt,
			 ...)
{
	if (!date || !*date)
		return 0;
	char label[320];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(label, sizeof label, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ERR_INVAL;
	/* A long provider or court name is cut at the end of the label. */
	json_t *e = json_pack("{s:s, s:s, s:s, s:o, s:I}", "kind", kind, "date", date, "label", label, "link",
			      persons_text(link), "seq", (json_int_t)json_array_size(timeline));
	return e && json_array_append_new(timeline, e) == 0 ? 0 : ERR_NOMEM;
}

static int by_date(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c = strcmp(json_string_value(json_object_get(a, "date")), json_string_value(json_object_get(b, "date")));
	if (c)
		return c;
	json_int_t x = json_integer_value(json_object_get(a, "seq")), y = json_integer_value(json_object_get(b, "seq"));
	return (x > y) - (x < y);
}

int persons_timeline_sort(json_t *timeline)
{
	int r = json_array_sort(timeline, by_date);
	size_t i;
	json_t *e;
	json_array_foreach(timeline, i, e) json_object_del(e, "seq");
	return r;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* "#case/3" for key's id on o, into out. */
static const char *link(char out[40], const char *page, const json_t *o, const char *key)
{
	snprintf(out, 40, "#%s/%lld", page, (long long)num(o, key));
	return out;
}

static int reports_and_cases(const json_t *page, json_t *t)
{
	size_t i;
	json_t *o;
	char l[40];
	int r = 0;
	json_array_foreach(json_object_get(page, "reports"), i, o)
	{
		if (r == 0 && str(o, "received_at"))
			r = persons_timeline_add(t, "report", str(o, "received_at"), link(l, "intake", o, "id"),
						 "Report %s received", str(o, "number"));
	}
	json_array_foreach(json_object_get(page, "cases"), i, o)
	{
		if (r == 0)
			r = persons_timeline_add(t, "case_opened", str(o, "opened_at"), link(l, "case", o, "id"),
						 "Case %s opened", str(o, "number"));
		if (r == 0)
			r = persons_timeline_add(t, "case_closed", str(o, "closed_at"), link(l, "case", o, "id"),
						 "Case %s closed", str(o, "number"));
	}
	json_array_foreach(json_object_get(page, "placements"), i, o)
	{
		if (r == 0)
			r = persons_timeline_add(t, "placement", str(o, "occurred_at"), link(l, "case", o, "case_id"),
						 "Placement: %s (case %s)",
						 str(o, "placement_label") ? str(o, "placement_label") : "not said",
						 str(o, "case_number"));
	}
	json_array_foreach(json_object_get(page, "missing_episodes"), i, o)
	{
		if (r == 0)
			r = persons_timeline_add(t, "missing", str(o, "last_seen_at"), link(l, "case", o, "case_id"),
						 "Missing: last seen (case %s)", str(o, "case_number"));
		if (r == 0)
			r = persons_timeline_add(t, "located", str(o, "located_at"), link(l, "case", o, "case_id"),
						 "Located after being missing (case %s)", str(o, "case_number"));
	}
	return r;
}

static int services_and_plans(const json_t *page, json_t *t)
{
	size_t i;
	json_t *o;
	char l[40];
	int r = 0;
	json_array_foreach(json_object_get(page, "services"), i, o)
	{
		const char *service = str(o, "service_name") ? str(o, "service_name") : str(o, "service");
		const char *provider = str(json_object_get(o, "provider"), "name");
		if (r == 0)
			r = persons_timeline_add(t, "service_referred", str(o, "referred_at"), link(l, "case", o, "case_id"),
						 "Referred to %.120s for %.120s", provider ? provider : "a provider", service);
		if (r == 0)
			r = persons_timeline_add(t, "service_started", str(o, "started_at"), link(l, "case", o, "case_id"),
						 "%.120s started with %.120s", service, provider ? provider : "the provider");
		if (r == 0)
			r = persons_timeline_add(t, "service_ended", str(o, "ended_at"), link(l, "case", o, "case_id"),
						 "%.120s %s", service,
						 str(o, "status") && strcmp(str(o, "status"), "completed") == 0 ? "completed"
														  : "ended");
	}
	json_array_foreach(json_object_get(page, "plans"), i, o)
	{
		if (r == 0)
			r = persons_timeline_add(t, "plan", str(o, "written_at"), link(l, "case", o, "case_id"),
						 "Plan (%s), version %lld, written (case %s)", str(o, "kind"),
						 (long long)num(o, "version"), str(o, "case_number"));
		if (r == 0)
			r = persons_timeline_add(t, "plan_review", str(o, "review_at"), link(l, "case", o, "case_id"),
						 "Plan (%s) review due (case %s)", str(o, "kind"), str(o, "case_number"));
	}
	return r;
}

static int relief_and_merges(const json_t *page, json_t *t)
{
	size_t i;
	json_t *o;
	char l[40];
	int r = 0;
	json_array_foreach(json_object_get(page, "relief"), i, o)
	{
		const char *kind = str(o, "relief_kind_label") ? str(o, "relief_kind_label") : str(o, "relief_kind");
		const char *offence = str(o, "offence_name") ? str(o, "offence_name") : str(o, "offence");
		if (r == 0)
			r = persons_timeline_add(t, "relief_identified", str(o, "created_at"), NULL,
						 "Record relief identified (%s): %.160s", kind, offence);
		if (r == 0)
			r = persons_timeline_add(t, "relief_filed", str(o, "petition_filed_on"), NULL,
						 "Petition for %s filed at %.160s", kind, str(o, "court"));
		if (r == 0)
			r = persons_timeline_add(t, "relief_hearing", str(o, "hearing_on"), NULL,
						 "Hearing on the petition for %s", kind);
		if (r == 0)
			r = persons_timeline_add(t, "relief_decided", str(o, "decided_on"), NULL, "%s %s", kind,
						 str(o, "status") && strcmp(str(o, "status"), "granted") == 0 ? "granted"
														 : "denied");
	}
	json_int_t self = num(page, "id");
	json_array_foreach(json_object_get(page, "merges"), i, o)
	{
		const char *other = num(o, "kept_id") == self ? "merged_id" : "kept_id";
		if (r == 0)
			r = persons_timeline_add(t, "merge", str(o, "merged_at"), link(l, "persons", o, other),
						 "Record %lld merged into record %lld", (long long)num(o, "merged_id"),
						 (long long)num(o, "kept_id"));
		if (r == 0)
			r = persons_timeline_add(t, "merge_undone", str(o, "undone_at"), link(l, "persons", o, other),
						 "Merge of record %lld into record %lld undone", (long long)num(o, "merged_id"),
						 (long long)num(o, "kept_id"));
	}
	return r;
}

int persons_timeline_build(json_t *page)
{
	json_t *t = json_object_get(page, "timeline");
	int r;
	if ((r = reports_and_cases(page, t)) < 0 || (r = services_and_plans(page, t)) < 0 ||
	    (r = relief_and_merges(page, t)) < 0)
		return r;
	return persons_timeline_sort(t);
}
