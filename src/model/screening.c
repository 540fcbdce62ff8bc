#include "model/screening.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"

/* Paths are bounded: a long key is cut and ends in "...". */
#define PATH_SIZE 128

static const char *const level_names[] = {
	[SCREEN_NO] = "no",
	[SCREEN_POSSIBLE] = "possible",
	[SCREEN_CLEAR] = "clear",
	[SCREEN_POSITIVE] = "positive",
	[SCREEN_NEGATIVE] = "negative",
};

const char *screen_level_name(enum screen_level level)
{
	if ((unsigned)level >= sizeof level_names / sizeof *level_names)
		return NULL;
	return level_names[level];
}

int screen_level_from_name(const char *name, enum screen_level *ret)
{
	if (!name)
		return ERR_INVAL;
	for (size_t i = 0; i < sizeof level_names / sizeof *level_names; i++)
		if (strcmp(level_names[i], name) == 0) {
			*ret = (enum screen_level)i;
			return 0;
		}
	return ERR_INVAL;
}

/* "answers.<key>", with control characters in key made '?' (the key comes
 * from the client) and a long one cut. */
static void answer_path(char out[PATH_SIZE], const char *key)
{
	static const char prefix[] = "answers.";
	size_t n = sizeof prefix - 1;
	memcpy(out, prefix, n);
	for (; *key && n < PATH_SIZE - 1; key++, n++)
		out[n] = (unsigned char)*key < 0x20 || *key == 0x7f ? '?' : *key;
	out[n] = '\0';
	if (*key)
		memcpy(out + PATH_SIZE - 4, "...", 4);
}

/* The rating of an answer to an indicator; false when it is not one. */
static bool rating_of(const json_t *v, enum pack_rating *ret)
{
	const char *s = json_string_value(v);
	return s && strlen(s) == json_string_length(v) && pack_rating_from_name(s, ret) == 0;
}

/* Record every unknown key, bad value and unanswered question; true when
 * there was none. */
static bool check_answers(const struct pack_instrument *ins, const json_t *answers, struct field_errors *errs)
{
	char path[PATH_SIZE];
	bool ok = true, yes_no = ins->kind == PACK_INSTRUMENT_YES_NO;
	const char *key;
	json_t *v;

	json_object_foreach ((json_t *)answers, key, v) {
		enum pack_rating rating;
		answer_path(path, key);
		if (!pack_instrument_question(ins, key)) {
			field_error_add(errs, path, "%s", yes_no ? "unknown item" : "unknown indicator");
			ok = false;
		} else if (yes_no && !json_is_boolean(v)) {
			field_error_add(errs, path, "must be true or false");
			ok = false;
		} else if (!yes_no && !rating_of(v, &rating)) {
			field_error_add(errs, path, "must be \"no\", \"possible\" or \"clear\"");
			ok = false;
		}
	}

	/* Unanswered questions in the instrument's order, so that the list reads
	 * like the form. */
	if (yes_no) {
		for (size_t i = 0; i < ins->n_items; i++)
			if (!json_object_get(answers, ins->items[i].id)) {
				answer_path(path, ins->items[i].id);
				field_error_add(errs, path, "required");
				ok = false;
			}
		return ok;
	}
	for (size_t d = 0; d < ins->n_domains; d++)
		for (size_t i = 0; i < ins->domains[d].n_indicators; i++) {
			const char *id = ins->domains[d].indicators[i].id;
			if (!json_object_get(answers, id)) {
				answer_path(path, id);
				field_error_add(errs, path, "required");
				ok = false;
			}
		}
	return ok;
}

/* The number of indicators of domain d rated at least min. Answers have
 * been checked. */
static size_t count_in_domain(const struct pack_domain *d, const json_t *answers, enum pack_rating min)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n_indicators; i++) {
		enum pack_rating r = PACK_RATING_NO;
		if (rating_of(json_object_get(answers, d->indicators[i].id), &r) && r >= min)
			n++;
	}
	return n;
}

static bool rule_holds(const struct pack_rule *rule, size_t clear, size_t possible_or_clear,
		       const json_t *answers)
{
	size_t n = 0;
	switch (rule->kind) {
	case PACK_RULE_CLEAR_IN_DOMAINS:
		for (size_t k = 0; k < rule->n_domains; k++)
			n += count_in_domain(rule->domains[k], answers, PACK_RATING_CLEAR);
		break;
	case PACK_RULE_CLEAR_COUNT:
		n = clear;
		break;
	case PACK_RULE_POSSIBLE_COUNT:
		n = possible_or_clear;
		break;
	default:
		return false;
	}
	return rule->count > 0 && n >= (size_t)rule->count;
}

static enum screen_level level_of_rating(enum pack_rating r)
{
	switch (r) {
	case PACK_RATING_CLEAR:
		return SCREEN_CLEAR;
	case PACK_RATING_POSSIBLE:
		return SCREEN_POSSIBLE;
	case PACK_RATING_NO:
	default:
		return SCREEN_NO;
	}
}

int screening_score(const struct pack_instrument *ins, const json_t *answers, struct field_errors *errs,
		    enum screen_level *ret, int *ret_count)
{
	struct field_errors local;
	enum screen_level level = SCREEN_NO;
	size_t count = 0;
	int r;

	field_errors_init(&local, 0);
	if (!errs)
		errs = &local;
	if (!ins || !ret) {
		r = ERR_INVAL;
		goto cleanup;
	}
	if (!json_is_object(answers)) {
		field_error_add(errs, "answers", "Answers: not sent as the form sends them; reload the page and try again");
		r = ERR_INVAL;
		goto cleanup;
	}
	if (!check_answers(ins, answers, errs)) {
		r = ERR_INVAL;
		goto cleanup;
	}

	if (ins->kind == PACK_INSTRUMENT_YES_NO) {
		for (size_t i = 0; i < ins->n_items; i++)
			if (json_is_true(json_object_get(answers, ins->items[i].id)))
				count++;
		level = ins->positive_at > 0 && count >= (size_t)ins->positive_at ? SCREEN_POSITIVE
										 : SCREEN_NEGATIVE;
	} else {
		size_t possible_or_clear = 0;
		for (size_t d = 0; d < ins->n_domains; d++) {
			count += count_in_domain(&ins->domains[d], answers, PACK_RATING_CLEAR);
			possible_or_clear += count_in_domain(&ins->domains[d], answers, PACK_RATING_POSSIBLE);
		}
		for (size_t i = 0; i < ins->n_rules; i++)
			if (rule_holds(&ins->rules[i], count, possible_or_clear, answers)) {
				level = level_of_rating(ins->rules[i].level);
				break;
			}
	}

	*ret = level;
	if (ret_count)
		*ret_count = count > INT_MAX ? INT_MAX : (int)count;
	r = 0;
cleanup:
	field_errors_done(&local);
	return r;
}
