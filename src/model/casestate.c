/* casestate.c: see casestate.h and docs/cases.md. */
#include "model/casestate.h"

#include <string.h>

#include "base/err.h"

static const char *const status_names[CASE_STATUS_COUNT] = {
	[CASE_OPEN] = "open",
	[CASE_RESPONSE] = "response",
	[CASE_SERVICES] = "services",
	[CASE_MONITORING] = "monitoring",
	[CASE_CLOSED] = "closed",
};

static const char *const status_labels[CASE_STATUS_COUNT] = {
	[CASE_OPEN] = "Open",
	[CASE_RESPONSE] = "Response",
	[CASE_SERVICES] = "Services",
	[CASE_MONITORING] = "Monitoring",
	[CASE_CLOSED] = "Closed",
};

#define S(x) (1u << (x))

/* The allowed transitions, one bit per target status:
 *
 *   open ──► response ──► services ◄──► monitoring
 *     │          │           │              │
 *     └──────────┴───────────┴──────────────┴──► closed
 *                └─────────────────────────► monitoring
 */
static const unsigned allowed[CASE_STATUS_COUNT] = {
	[CASE_OPEN] = S(CASE_RESPONSE) | S(CASE_CLOSED),
	[CASE_RESPONSE] = S(CASE_SERVICES) | S(CASE_MONITORING) | S(CASE_CLOSED),
	[CASE_SERVICES] = S(CASE_MONITORING) | S(CASE_CLOSED),
	[CASE_MONITORING] = S(CASE_SERVICES) | S(CASE_CLOSED),
	[CASE_CLOSED] = 0,
};

static const char *const victim_names[VICTIM_STATUS_COUNT] = {
	[VICTIM_NONE] = "none",
	[VICTIM_AT_RISK] = "at_risk",
	[VICTIM_SUSPECTED] = "suspected",
	[VICTIM_CONFIRMED] = "confirmed",
};

static const char *const victim_labels[VICTIM_STATUS_COUNT] = {
	[VICTIM_NONE] = "None",
	[VICTIM_AT_RISK] = "At risk",
	[VICTIM_SUSPECTED] = "Suspected victim",
	[VICTIM_CONFIRMED] = "Confirmed victim",
};

const struct case_term case_petition_terms[] = {
	{"none", "None"}, {"planned", "Planned"}, {"filed", "Filed"}, {"granted", "Granted"}, {"denied", "Denied"},
	{NULL, NULL},
};
const struct case_term case_placement_terms[] = {
	{"home", "Home"},       {"foster", "Foster care"}, {"congregate_care", "Congregate care"},
	{"homeless", "Homeless"}, {"unknown", "Not known"},  {NULL, NULL},
};
const struct case_term case_report_kind_terms[] = {
	{"law_enforcement", "Law enforcement"},
	{"ncmec", "NCMEC"},
	{NULL, NULL},
};
const struct case_term case_event_kind_terms[] = {
	{"note", "Note"},
	{"contact", "Contact"},
	{"medical_exam", "Medical exam"},
	{"forensic_interview", "Forensic interview"},
	{"placement_change", "Placement change"},
	{"debrief", "Debrief after return"},
	{"rescreen", "Re-screen after return"},
	{"opened", "Case opened"},
	{"intake_joined", "Report joined the case"},
	{"status_change", "Status changed"},
	{"victim_status", "Victim status changed"},
	{"report", "Report made"},
	{"missing_started", "Went missing"},
	{"missing_located", "Located"},
	{"rapid_response_requested", "Rapid response requested"},
	{"rapid_response_arrived", "Responder arrived"},
	{"review_scheduled", "MDT review scheduled"},
	{"review_held", "MDT review held"},
	{"lead_changed", "Lead changed"},
	{"worker_added", "Worker added"},
	{"worker_removed", "Worker removed"},
	{"reopened", "Case reopened"},
	{"time_corrected", "Time corrected"},
	{NULL, NULL},
};
static const char *const user_event_kinds[] = {"note",     "contact", "medical_exam", "forensic_interview",
					       "placement_change", "debrief", "rescreen",     NULL};
static const char *const text_event_kinds[] = {"note", "contact", NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool in_terms(const struct case_term *t, const char *s)
{
	for (; s && t->id; t++)
		if (strcmp(t->id, s) == 0)
			return true;
	return false;
}

static int parse(const char *const *names, size_t n, const char *name, int *ret)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0) {
			*ret = (int)i;
			return 0;
		}
	return ERR_INVAL;
}

/* prefix_name, prefix_label and prefix_parse for an enum of count values,
 * from its tables of names and labels (systemd's string table lookup). */
#define NAME_TABLE(prefix, type, count, names, labels)                      \
	const char *prefix##_name(type v)                                   \
	{                                                                   \
		return (unsigned)v < (count) ? (names)[v] : NULL;           \
	}                                                                   \
	const char *prefix##_label(type v)                                  \
	{                                                                   \
		return (unsigned)v < (count) ? (labels)[v] : NULL;          \
	}                                                                   \
	int prefix##_parse(const char *name, type *ret)                     \
	{                                                                   \
		int i;                                                      \
		int r = parse(names, count, name, &i);                      \
		if (r == 0)                                                 \
			*ret = (type)i;                                     \
		return r;                                                   \
	}

NAME_TABLE(case_status, enum case_status, CASE_STATUS_COUNT, status_names, status_labels)

bool case_status_may(enum case_status from, enum case_status to)
{
	if ((unsigned)from >= CASE_STATUS_COUNT || (unsigned)to >= CASE_STATUS_COUNT)
		return false;
	return (allowed[from] & S(to)) != 0;
}

size_t case_status_allowed(enum case_status from, enum case_status out[CASE_STATUS_COUNT])
{
	size_t n = 0;
	for (int to = 0; to < CASE_STATUS_COUNT; to++)
		if (case_status_may(from, (enum case_status)to))
			out[n++] = (enum case_status)to;
	return n;
}

NAME_TABLE(victim_status, enum victim_status, VICTIM_STATUS_COUNT, victim_names, victim_labels)

bool victim_status_identifies(enum victim_status v)
{
	return v == VICTIM_SUSPECTED || v == VICTIM_CONFIRMED;
}

bool victim_status_first_identification(bool already_identified, enum victim_status to)
{
	return !already_identified && victim_status_identifies(to);
}

bool case_petition_status_valid(const char *s)
{
	return in_terms(case_petition_terms, s);
}

bool case_placement_valid(const char *s)
{
	return in_terms(case_placement_terms, s);
}

bool case_event_kind_user(const char *s)
{
	return in_list(user_event_kinds, s);
}

bool case_event_kind_needs_text(const char *s)
{
	return in_list(text_event_kinds, s);
}

bool case_report_kind_valid(const char *s)
{
	return in_terms(case_report_kind_terms, s);
}
