/* pack: the jurisdiction pack, loaded and validated.
 *
 * A pack (packs/connecticut.json is the default, compiled into the binary)
 * holds what differs from one agency to the next: regions and their area
 * offices with the towns each serves, referral sources, vulnerabilities,
 * trafficking types, services, deadlines, the time zone, the screening
 * instruments the hotline may use, the dispositions of a report and the
 * law the screen must show. Nothing here
 * does I/O except pack_load_file(); validation is a pure function of the
 * JSON document and reports every problem with its path inside the pack,
 * e.g. regions[2].offices[0].region: unknown region "R7". */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"

/* An entry of a simple list: referral sources, vulnerabilities, trafficking
 * types, services, MDT roles, emergency departments. */
struct pack_item {
	const char *id;
	const char *name;
	const char *description; /* may be NULL */
	bool federal;            /* MDT roles: a federal partner (FBI, HSI, US Attorney) */
	const char *town;        /* emergency departments: the town it is in */
	const char *region;      /* emergency departments: a region id of the pack */
};

struct pack_office {
	const char *id;
	const char *name;
	const char *region; /* id of the region that holds it */
	const char **towns; /* towns this office serves, as written in the pack */
	size_t n_towns;
};

struct pack_region {
	const char *id;
	const char *name;
	struct pack_office *offices;
	size_t n_offices;
};

struct pack_deadline {
	const char *id;   /* e.g. "law_enforcement_report" */
	const char *name; /* for people: "Report to law enforcement" */
	int64_t minutes;
	const char *basis; /* the law or policy that sets it; may be NULL */
	/* law_enforcement_report only: a report made before the child was
	 * identified meets the duty (default false: it is kept, shown as made
	 * before identification, and the duty stays open). */
	bool earlier_reports_count;
};

/* --- Screening instruments ------------------------------------------------
 *
 * No instrument is hard-wired: the pack lists those the agency uses, each
 * with an id and a version that a stored screening keeps. Two kinds:
 * an indicator screen (indicators in domains, each rated no / possible /
 * clear concern, and an overall level from ordered rules) and a yes/no
 * screen (positive at a number of yes answers). Scoring is in
 * model/screening. */

/* The rating of one indicator, and the level an indicator screen gives. */
enum pack_rating { PACK_RATING_NO, PACK_RATING_POSSIBLE, PACK_RATING_CLEAR };

enum pack_instrument_kind { PACK_INSTRUMENT_INDICATOR, PACK_INSTRUMENT_YES_NO };

/* An indicator of an indicator screen, or an item of a yes/no screen. Its
 * id is the key of its answer; ids are unique in the instrument. */
struct pack_question {
	const char *id;
	const char *text;
};

struct pack_domain {
	const char *id;
	const char *name;
	struct pack_question *indicators;
	size_t n_indicators;
};

enum pack_rule_kind {
	PACK_RULE_CLEAR_IN_DOMAINS, /* at least count rated clear in the domains */
	PACK_RULE_CLEAR_COUNT,      /* at least count rated clear anywhere */
	PACK_RULE_POSSIBLE_COUNT,   /* at least count rated possible or clear anywhere */
};

/* The first rule of an instrument that holds gives the overall level; when
 * none holds it is PACK_RATING_NO. */
struct pack_rule {
	enum pack_rating level;
	enum pack_rule_kind kind;
	int count; /* 1..100: "min", "clear_count" or "possible_count" */
	const struct pack_domain **domains; /* PACK_RULE_CLEAR_IN_DOMAINS only; point into the instrument */
	size_t n_domains;
};

struct pack_instrument {
	const char *id, *version, *name, *description;
	enum pack_instrument_kind kind;
	/* PACK_INSTRUMENT_INDICATOR */
	struct pack_domain *domains;
	size_t n_domains;
	struct pack_rule *rules;
	size_t n_rules;
	/* PACK_INSTRUMENT_YES_NO */
	struct pack_question *items;
	size_t n_items;
	int positive_at; /* positive at this many yes answers or more; 1..n_items */
};

/* --- Dispositions and law ------------------------------------------------- */

/* The hotline's decision on a report. These ids are always present:
 * accepted_hart, information_referral, screened_out, forwarded. */
struct pack_disposition {
	const char *id;
	const char *name;
	bool reason_required;       /* a reason must be recorded with it */
	bool jurisdiction_required; /* the receiving jurisdiction must be named */
};

/* What the screen tells the worker about a minor in commercial sex. */
struct pack_law {
	int minor_age; /* under this age a person is a minor; 1..25 */
	const char *victim_not_offender; /* text shown on the screen */
	const char **citations;          /* e.g. "P.A. 16-71" */
	size_t n_citations;
};

/* An age group of the figures: min to max years, inclusive; max -1 for
 * "and over" (the last group only). Groups are ordered and do not
 * overlap; an age in no group counts as not recorded. */
struct pack_age_group {
	const char *id;
	const char *name;
	int min, max;
};

/* A gender identity category of the figures. A child's gender identity is
 * typed as free text (and sealed); figures count it only by the category
 * it falls in: the category whose id, name or one of whose matches it is
 * (compared without case, with '-' and '_' as spaces), else the one
 * category marked other ("Another identity"), so no typed words ever
 * become a row label. */
struct pack_gender {
	const char *id;
	const char *name;
	const char **matches;
	size_t n_matches;
	bool other;
};

#define PACK_DEFAULT_SUPPRESSION_THRESHOLD 5

/* --- Restore and recovery (docs/recovery.md) ------------------------------ */

/* What a provider may be shown of the child a referral is about. */
enum pack_view_field {
	PACK_VIEW_INITIALS,
	PACK_VIEW_AGE,
	PACK_VIEW_SEX,
	PACK_VIEW_REGION,
	PACK_VIEW_TOWN,
	PACK_VIEW_SERVICE,
	PACK_VIEW_REASON,
	PACK_VIEW_URGENCY,
	PACK_VIEW_COUNT,
};

/* A provider's answer to a referral for this service is due within
 * minutes of the referral, instead of the business days. */
struct pack_answer_deadline {
	const char *service;
	int64_t minutes;
};

/* --- Awareness and education (docs/training.md) --------------------------- */

/* A course of the catalogue. */
struct pack_course {
	const char *id, *name, *description;
	double hours;
	const char **audiences; /* ids of training_audiences */
	size_t n_audiences;
	const char **prerequisites; /* ids of courses a trainee must have completed first */
	size_t n_prerequisites;
	bool certifies;       /* completing it gives a certificate */
	int valid_months;     /* a certificate's life; 0: it does not expire */
	bool trains_trainers; /* train-the-trainer: its holders may lead sessions */
};

/* A provider is trafficking-informed while at least min_staff of its staff
 * (min_supervisors of them supervisors) completed every one of courses
 * within the last within_months. */
struct pack_informed_rule {
	bool present;
	const char **courses;
	size_t n_courses;
	int within_months, min_staff, min_supervisors;
};

/* Files attached to a case or a child (docs/attachments.md). */
#define PACK_ATTACHMENT_MAX_BYTES_DEFAULT (25 * 1024 * 1024)
#define PACK_ATTACHMENT_MAX_BYTES_LIMIT (1024 * 1024 * 1024)
struct pack_attachments {
	int max_bytes; /* the largest file taken, in bytes (1 to 1 GiB; 25 MiB) */
};

struct pack_training {
	struct pack_item *audiences;
	size_t n_audiences;
	struct pack_course *courses;
	size_t n_courses;
	struct pack_informed_rule informed;
};

struct pack_recovery {
	/* populations a provider serves; why a provider declines; why a
	 * service ends early; a referral's outcome; offence categories of
	 * record relief. Built-in lists when the pack has none. */
	struct pack_item *populations, *decline_reasons, *end_reasons, *outcomes, *relief_offences;
	size_t n_populations, n_decline_reasons, n_end_reasons, n_outcomes, n_relief_offences;
	/* Why a case is closed (docs/cases.md, "Closing and reopening"). */
	struct pack_item *closure_reasons;
	size_t n_closure_reasons;
	/* referral_answer: business days (Monday to Friday in the pack's
	 * zone; default 2), and the services answered faster. */
	int answer_business_days;
	struct pack_answer_deadline *answer_by_service;
	size_t n_answer_by_service;
	unsigned provider_view; /* bits of enum pack_view_field; default initials, age, region, service, reason */
	int plan_review_days;   /* a plan's next review, by default (90) */
};

/* cases: how long the author of a timeline entry may correct its text
 * (note_correction_hours, 1 to 720; default 24). */
struct pack_cases {
	int note_correction_hours;
	/* rapid_response_service: the service whose providers rapid response
	 * dispatch offers (an id of services); NULL offers none. */
	const char *rapid_response_service;
};

struct pack {
	json_t *root; /* the document as loaded; strings below point into it */
	const char *id, *version, *name, *short_name, *jurisdiction, *time_zone;
	const char *locale; /* how dates are written ("en-US"); never NULL once loaded */
	const char *hotline_name, *hotline_phone;
	const char *default_screening; /* id of the instrument the hotline uses by default */
	struct pack_region *regions;
	size_t n_regions;
	struct pack_item *sources, *vulnerabilities, *trafficking_types, *services;
	size_t n_sources, n_vulnerabilities, n_trafficking_types, n_services;
	struct pack_deadline *deadlines;
	size_t n_deadlines;
	struct pack_instrument *instruments;
	size_t n_instruments;
	struct pack_disposition *dispositions;
	size_t n_dispositions;
	struct pack_law law;
	/* Vulnerability ids that mean "reported in connection with commercial
	 * sex": a report with one of them shows law.victim_not_offender. */
	const char **commercial_sex_concerns;
	size_t n_commercial_sex_concerns;
	/* The roles of MDT members (at least one), and the emergency
	 * departments a medical exam may be recorded at. */
	struct pack_item *mdt_roles;
	size_t n_mdt_roles;
	struct pack_item *emergency_departments;
	size_t n_emergency_departments;
	/* The instrument of the re-screen after a return from missing; NULL in
	 * the pack means default_screening (use pack_rescreen_instrument). */
	const char *rescreen_instrument;
	/* Figures: the age groups (the default 0-11, 12-13, 14-15, 16-17, 18
	 * and over when the pack has none) and the suppression threshold
	 * (2..20, default 5): counts from 1 to threshold-1 are hidden. */
	struct pack_age_group *age_groups;
	size_t n_age_groups;
	int suppression_threshold;
	/* Gender identity categories (a built-in list when the pack has
	 * none); exactly one is other. */
	struct pack_gender *genders;
	size_t n_genders;
	struct pack_recovery recovery;
	struct pack_training training;
	struct pack_attachments attachments;
	struct pack_cases cases;
};

/* Validate root and build a pack from it (root gains a reference). On
 * failure returns ERR_INVAL and fills errs with every problem found, each
 * with its path ("regions[2].offices[0].region") and reason. */
int pack_from_json(json_t *root, struct field_errors *errs, struct pack **ret);

/* Read, parse and validate a pack file. On failure returns an error code
 * and writes one line to errmsg that names the file, the path inside it and
 * the reason: `packs/x.json: regions[2].offices[0].region: unknown region "R7"`.
 * A parse error names the line and column instead of a path. */
int pack_load_file(const char *path, struct pack **ret, char *errmsg, size_t errsize);

/* pack_load_file that also leaves every problem of a pack that fails
 * validation in errs, each with its path and reason (errmsg still says the
 * first): `hartline pack check` lists them all. */
int pack_check_file(const char *path, struct field_errors *errs, struct pack **ret, char *errmsg,
		    size_t errsize);

/* The same for a document already in memory (the embedded default pack);
 * name is used in messages in place of the file name. */
int pack_load_buffer(const char *name, const char *data, size_t len, struct pack **ret, char *errmsg,
		     size_t errsize);

void pack_free(struct pack *p);

/* The keys an object of a pack may hold: the objects at paths (separated
 * by spaces; "" is the document, "regions[]" any entry of regions) may
 * hold keys (NULL-terminated) and no other. Several sets may share a path
 * (the two kinds of screening instrument). packs/schema.json describes the
 * same keys. */
struct pack_keyset {
	const char *paths;
	const char *const *keys;
};
const struct pack_keyset *pack_keysets(size_t *ret_n);

/* What a loaded pack defines (pack/summary.c): {id, version, name,
 * time_zone, locale} and the number of regions, offices, towns,
 * referral_sources, vulnerabilities, trafficking_types, services,
 * deadlines, instruments, dispositions, mdt_roles, emergency_departments,
 * training_audiences and courses. NULL when memory ran out. */
#define PACK_SUMMARY_COUNTS 14
/* --- Changing a pack on a live database (pack/compare.c) ---------------
 *
 * The values a pack defines whose ids records keep, as {list: {id: label}}
 * for each list ("regions", "offices", "referral_sources", ...), and
 * "deadline_minutes": {id: minutes}. NULL when memory ran out. */
json_t *pack_labels(const struct pack *p);
/* The word people use for an entry of list ("region"); NULL for none. */
const char *pack_value_word(const char *list);
/* What changes from old_labels to new_labels (both pack_labels), as a new
 * array of {list, id, change, ...}: change "added" (label), "removed"
 * (label, and renamed_to when an added id has the same label), "relabelled"
 * (label, new_label) or "length" (a deadline: minutes, new_minutes). */
int pack_compare_labels(const json_t *old_labels, const json_t *new_labels, json_t **ret)
	__attribute__((warn_unused_result));
/* One change for people: `region N2 "North" is renamed to N9`. */
int pack_change_text(const json_t *change, char *out, size_t size) __attribute__((warn_unused_result));

/* The most problems of a pack that are listed (`pack check`, the API);
 * all are counted. */
#define PACK_PROBLEMS_LISTED 1000
json_t *pack_summary(const struct pack *p);
/* The same as one line for people ("example 2027.1 (...), 4 regions,
 * ..., time zone America/Denver"); -1 when it does not fit in size. */
int pack_summary_line(const struct pack *p, char *out, size_t size) __attribute__((warn_unused_result));

/* Look-ups; NULL when absent. Town names compare case-insensitively and
 * ignore surrounding spaces. */
const struct pack_region *pack_region(const struct pack *p, const char *id);
const struct pack_office *pack_office(const struct pack *p, const char *id);
const struct pack_office *pack_office_for_town(const struct pack *p, const char *town);
const struct pack_item *pack_item_find(const struct pack_item *items, size_t n, const char *id);
const struct pack_deadline *pack_deadline(const struct pack *p, const char *id);
/* The course with this id, or NULL. */
const struct pack_course *pack_course(const struct pack *p, const char *id);
/* "initials", ...; NULL outside the enum. */
const char *pack_view_name(enum pack_view_field f);
/* The pack lets a provider see f of a referral's child. */
bool pack_view_allows(const struct pack *p, enum pack_view_field f);
/* The minutes a provider has to answer a referral for service, or 0 when
 * the business days apply. */
int64_t pack_answer_minutes(const struct pack *p, const char *service);
const struct pack_instrument *pack_instrument(const struct pack *p, const char *id);
/* The instrument named by pack.default_screening. */
const struct pack_instrument *pack_default_instrument(const struct pack *p);
/* The instrument named by pack.rescreen_instrument, else the default. */
const struct pack_instrument *pack_rescreen_instrument(const struct pack *p);
/* The indicator (of any domain) or item of ins whose id is id. */
const struct pack_question *pack_instrument_question(const struct pack_instrument *ins, const char *id);
const struct pack_disposition *pack_disposition(const struct pack *p, const char *id);
/* Whether the vulnerability id is one of commercial_sex_concerns. */
bool pack_is_commercial_sex_concern(const struct pack *p, const char *vulnerability_id);

/* The gender category typed text falls in (see struct pack_gender); NULL
 * for NULL or blank text. */
const struct pack_gender *pack_gender_of(const struct pack *p, const char *text);

/* The age group an age falls in; NULL when none. */
const struct pack_age_group *pack_age_group_of(const struct pack *p, int age);

/* "no", "possible", "clear"; NULL for a value outside the enum. */
const char *pack_rating_name(enum pack_rating rating);
/* The rating named name; ERR_INVAL when it names none. */
int pack_rating_from_name(const char *name, enum pack_rating *ret);
