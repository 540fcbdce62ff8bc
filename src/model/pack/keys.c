/* pack/keys: every key a pack may hold, object by object. The loader
 * refuses any other key with its path (pack_check_keys takes one of these
 * sets, never a list of its own), and packs/schema.json describes the same
 * keys: tests/unit/test_pack_schema.c walks the schema against this table
 * both ways, so neither can gain or lose a key without the other. */
#include "model/pack/pack_int.h"

#include <string.h>

static const char *const root_keys[] = {
        "pack",
        "regions",
        "referral_sources",
        "vulnerabilities",
        "trafficking_types",
        "services",
        "deadlines",
        "screening_instruments",
        "dispositions",
        "law",
        "commercial_sex_concerns",
        "mdt_roles",
        "emergency_departments",
        "age_groups",
        "suppression_threshold",
        "gender_identities",
        "populations",
        "referral_answer",
        "provider_view",
        "referral_decline_reasons",
        "referral_end_reasons",
        "referral_outcomes",
        "relief_offences",
        "plan_review_days",
        "training_audiences",
        "courses",
        "trafficking_informed",
        "attachments",
        "case_closure_reasons",
        "cases",
        NULL,
};

static const char *const header_keys[] = {
        "id",      "version", "name",  "short_name",          "jurisdiction",      "time_zone",
        "hotline", "locale",  "notes", "rescreen_instrument", "default_screening", NULL,
};
static const char *const hotline_keys[] = {"name", "phone", NULL};
static const char *const region_keys[] = {"id", "name", "offices", NULL};
static const char *const office_keys[] = {"id", "name", "region", "towns", NULL};
static const char *const item_keys[] = {"id", "name", "description", NULL};
static const char *const mdt_role_keys[] = {"id", "name", "description", "federal", NULL};
static const char *const department_keys[] = {"id", "name", "description", "town", "region", NULL};
static const char *const deadline_keys[] = {"id", "name", "minutes", "basis", "earlier_reports_count", NULL};
static const char *const indicator_instrument_keys[] = {
        "id", "version", "name", "description", "kind", "ratings", "domains", "rules", NULL,
};
static const char *const yes_no_instrument_keys[] = {
        "id", "version", "name", "description", "kind", "items", "positive_at", NULL,
};
static const char *const domain_keys[] = {"id", "name", "indicators", NULL};
static const char *const question_keys[] = {"id", "text", NULL};
static const char *const rule_keys[] = {"level", "clear_in_domains", "min", "clear_count", "possible_count", NULL};
static const char *const disposition_keys[] = {"id", "name", "reason_required", "jurisdiction_required", NULL};
static const char *const law_keys[] = {"minor_age", "victim_not_offender", NULL};
static const char *const victim_keys[] = {"text", "citations", NULL};
static const char *const age_group_keys[] = {"id", "name", "min", "max", NULL};
static const char *const gender_keys[] = {"id", "name", "description", "matches", "other", NULL};
static const char *const answer_keys[] = {"business_days", "services", NULL};
static const char *const answer_service_keys[] = {"service", "minutes", NULL};
static const char *const course_keys[] = {
        "id",        "name",         "description",   "hours",           "audiences",
        "certifies", "valid_months", "prerequisites", "trains_trainers", NULL,
};
static const char *const informed_keys[] = {"courses", "within_months", "min_staff", "min_supervisors", NULL};
static const char *const attachments_keys[] = {"max_bytes", NULL};
static const char *const cases_keys[] = {"note_correction_hours", "rapid_response_service", NULL};

/* Where each set applies: paths with "[]" for any entry of a list,
 * separated by spaces. */
static const struct pack_keyset keysets[PACK_KEYS_COUNT] = {
        [PACK_KEYS_ROOT] = {"", root_keys},
        [PACK_KEYS_HEADER] = {"pack", header_keys},
        [PACK_KEYS_HOTLINE] = {"pack.hotline", hotline_keys},
        [PACK_KEYS_REGION] = {"regions[]", region_keys},
        [PACK_KEYS_OFFICE] = {"regions[].offices[]", office_keys},
        [PACK_KEYS_ITEM] = {"referral_sources[] vulnerabilities[] trafficking_types[] services[] populations[] "
                            "referral_decline_reasons[] referral_end_reasons[] referral_outcomes[] relief_offences[] "
                            "case_closure_reasons[] training_audiences[]",
                            item_keys},
        [PACK_KEYS_MDT_ROLE] = {"mdt_roles[]", mdt_role_keys},
        [PACK_KEYS_DEPARTMENT] = {"emergency_departments[]", department_keys},
        [PACK_KEYS_DEADLINE] = {"deadlines[]", deadline_keys},
        [PACK_KEYS_INDICATOR_INSTRUMENT] = {"screening_instruments[]", indicator_instrument_keys},
        [PACK_KEYS_YES_NO_INSTRUMENT] = {"screening_instruments[]", yes_no_instrument_keys},
        [PACK_KEYS_DOMAIN] = {"screening_instruments[].domains[]", domain_keys},
        [PACK_KEYS_QUESTION] = {"screening_instruments[].domains[].indicators[] screening_instruments[].items[]",
                                question_keys},
        [PACK_KEYS_RULE] = {"screening_instruments[].rules[]", rule_keys},
        [PACK_KEYS_DISPOSITION] = {"dispositions[]", disposition_keys},
        [PACK_KEYS_LAW] = {"law", law_keys},
        [PACK_KEYS_VICTIM] = {"law.victim_not_offender", victim_keys},
        [PACK_KEYS_AGE_GROUP] = {"age_groups[]", age_group_keys},
        [PACK_KEYS_GENDER] = {"gender_identities[]", gender_keys},
        [PACK_KEYS_ANSWER] = {"referral_answer", answer_keys},
        [PACK_KEYS_ANSWER_SERVICE] = {"referral_answer.services[]", answer_service_keys},
        [PACK_KEYS_COURSE] = {"courses[]", course_keys},
        [PACK_KEYS_INFORMED] = {"trafficking_informed", informed_keys},
        [PACK_KEYS_ATTACHMENTS] = {"attachments", attachments_keys},
        [PACK_KEYS_CASES] = {"cases", cases_keys},
};

const struct pack_keyset *pack_keysets(size_t *ret_n)
{
	*ret_n = PACK_KEYS_COUNT;
	return keysets;
}

/* Every key of obj must be one of the set's. */
void pack_check_keys(struct check *c, const json_t *obj, const char *path, enum pack_keys set)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v)
	{
		bool ok = false;
		for (const char *const *a = keysets[set].keys; *a && !ok; a++)
			ok = strcmp(key, *a) == 0;
		if (!ok) {
			char p[PATH_SIZE];
			pack_path_key(p, path, key);
			pack_fail(c, p, "unknown key");
		}
	}
}
