/* pack/instruments: the screening instruments, indicator screens with
 * their domains and rules, and yes/no screens. */
#include "model/pack/pack_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/str.h"






/* --- Screening instruments ----------------------------------------------- */

/* A non-empty list of {id, text} at obj.key: the indicators of a domain or
 * the items of a yes/no screen. Ids go into seen, which is the
 * instrument's, so that an answer names one question only. what names an
 * entry in messages. */
static void check_questions(struct check *c, const json_t *obj, const char *path, const char *key,
			    const char *what, json_t *seen, bool say_where, struct pack_question **ret,
			    size_t *ret_n)
{
	char lp[PATH_SIZE];
	const json_t *list;
	struct pack_question *qs = pack_list_items(c, obj, path, key, what, sizeof *qs, &list, lp);
	if (!qs)
		return;
	*ret = qs;
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char ip[PATH_SIZE];
		if (!pack_entry(c, v, lp, i, ip))
			continue;
		struct pack_question *q = &qs[(*ret_n)++];
		pack_check_keys(c, v, ip, PACK_KEYS_QUESTION);
		q->id = pack_check_id(c, v, ip, seen, say_where);
		q->text = pack_get_str(c, v, ip, "text", true);
	}
}

/* The ratings of an indicator screen: fixed, because the rules and the
 * stored answers use these three words. */
static void check_ratings(struct check *c, const json_t *obj, const char *path)
{
	char p[PATH_SIZE];
	json_t *v = json_object_get(obj, "ratings");
	pack_path_key(p, path, "ratings");
	if (!v) {
		pack_fail(c, p, "required");
		return;
	}
	bool ok = json_is_array(v) && json_array_size(v) == 3;
	for (size_t k = 0; ok && k < 3; k++)
		ok = pack_json_str_is(json_array_get(v, k), pack_rating_name((enum pack_rating)k));
	if (!ok)
		pack_fail(c, p, "must be [\"no\", \"possible\", \"clear\"]");
}

struct domains {
	struct pack_instrument *ins;
	json_t *questions_seen;
};

static void check_domain(struct check *c, const json_t *v, const char *dp, json_t *seen, void *ctx)
{
	struct domains *x = ctx;
	struct pack_domain *d = &x->ins->domains[x->ins->n_domains++];
	pack_check_keys(c, v, dp, PACK_KEYS_DOMAIN);
	d->id = pack_check_id(c, v, dp, seen, false);
	d->name = pack_get_str(c, v, dp, "name", true);
	check_questions(c, v, dp, "indicators", "indicator", x->questions_seen, true, &d->indicators, &d->n_indicators);
}

static void check_domains(struct check *c, const json_t *obj, const char *path, json_t *questions_seen,
			  struct pack_instrument *ins)
{
	char lp[PATH_SIZE];
	const json_t *list;
	ins->domains = pack_list_items(c, obj, path, "domains", "domain", sizeof *ins->domains, &list, lp);
	if (ins->domains)
		json_decref(pack_each_entry(c, list, lp, check_domain, &(struct domains){ins, questions_seen}));
}

static const struct pack_domain *find_domain(const struct pack_instrument *ins, const char *id)
{
	for (size_t i = 0; i < ins->n_domains; i++)
		if (ins->domains[i].id && strcmp(ins->domains[i].id, id) == 0)
			return &ins->domains[i];
	return NULL;
}

/* rule.clear_in_domains: a non-empty list of distinct domain ids. */
static void check_rule_domains(struct check *c, const json_t *rule, const char *path,
			       const struct pack_instrument *ins, struct pack_rule *out)
{
	char lp[PATH_SIZE], s[SHOW_SIZE];
	const json_t *list;
	out->domains = pack_list_items(c, rule, path, "clear_in_domains", "domain", sizeof *out->domains, &list, lp);
	if (!out->domains)
		return;
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char dp[PATH_SIZE];
		pack_path_index(dp, lp, i);
		const char *id = pack_good_str(v);
		if (!id) {
			pack_fail(c, dp, "must be text in quotes, not empty");
			continue;
		}
		const struct pack_domain *d = find_domain(ins, id);
		if (!d) {
			pack_fail(c, dp, "unknown domain \"%s\"", pack_show(s, id));
			continue;
		}
		bool twice = false;
		for (size_t k = 0; k < out->n_domains && !twice; k++)
			twice = out->domains[k] == d;
		if (twice) {
			pack_fail(c, dp, "domain \"%s\" is listed twice", pack_show(s, id));
			continue;
		}
		out->domains[out->n_domains++] = d;
	}
}

/* The rules of an indicator screen, after its domains: each has a level
 * and exactly one form. */
static void check_rules(struct check *c, const json_t *obj, const char *path, struct pack_instrument *ins)
{
	char lp[PATH_SIZE];
	const json_t *list;
	ins->rules = pack_list_items(c, obj, path, "rules", "rule", sizeof *ins->rules, &list, lp);
	if (!ins->rules)
		return;
	size_t i;
	json_t *v;
	json_array_foreach (list, i, v) {
		char rp[PATH_SIZE], p[PATH_SIZE];
		if (!pack_entry(c, v, lp, i, rp))
			continue;
		struct pack_rule *r = &ins->rules[ins->n_rules++];
		pack_check_keys(c, v, rp, PACK_KEYS_RULE);
		const char *level = pack_get_str(c, v, rp, "level", true);
		if (level && pack_rating_from_name(level, &r->level) < 0) {
			pack_path_key(p, rp, "level");
			pack_fail(c, p, "must be \"no\", \"possible\" or \"clear\"");
		}
		bool in_domains = json_object_get(v, "clear_in_domains") != NULL,
		     clear = json_object_get(v, "clear_count") != NULL,
		     possible = json_object_get(v, "possible_count") != NULL;
		int forms = in_domains + clear + possible;
		if (forms == 0) {
			pack_fail(c, rp, "needs one of clear_in_domains, clear_count or possible_count");
			continue;
		}
		if (forms > 1) {
			pack_fail(c, rp, "must have only one of clear_in_domains, clear_count and possible_count");
			continue;
		}
		if (in_domains) {
			r->kind = PACK_RULE_CLEAR_IN_DOMAINS;
			check_rule_domains(c, v, rp, ins, r);
			pack_get_int(c, v, rp, "min", 1, PACK_MAX_RULE_COUNT, &r->count);
			continue;
		}
		if (json_object_get(v, "min")) {
			pack_path_key(p, rp, "min");
			pack_fail(c, p, "goes only with clear_in_domains");
		}
		r->kind = clear ? PACK_RULE_CLEAR_COUNT : PACK_RULE_POSSIBLE_COUNT;
		pack_get_int(c, v, rp, clear ? "clear_count" : "possible_count", 1, PACK_MAX_RULE_COUNT, &r->count);
	}
}

static void check_instrument(struct check *c, const json_t *v, const char *path, json_t *seen,
			     struct pack_instrument *ins)
{
	char p[PATH_SIZE];
	ins->id = pack_check_id(c, v, path, seen, false);
	const char *kind = pack_get_str(c, v, path, "kind", true);
	enum pack_keys keys = PACK_KEYS_COUNT;
	if (kind && strcmp(kind, "indicator") == 0) {
		ins->kind = PACK_INSTRUMENT_INDICATOR;
		keys = PACK_KEYS_INDICATOR_INSTRUMENT;
	} else if (kind && strcmp(kind, "yes_no") == 0) {
		ins->kind = PACK_INSTRUMENT_YES_NO;
		keys = PACK_KEYS_YES_NO_INSTRUMENT;
	} else if (kind) {
		pack_path_key(p, path, "kind");
		pack_fail(c, p, "must be \"indicator\" or \"yes_no\"");
	}
	ins->version = pack_get_str(c, v, path, "version", true);
	ins->name = pack_get_str(c, v, path, "name", true);
	ins->description = pack_get_str(c, v, path, "description", true);
	/* Without a kind there is no knowing which other keys belong. */
	if (keys == PACK_KEYS_COUNT)
		return;
	pack_check_keys(c, v, path, keys);

	json_t *questions_seen = json_object();
	if (!questions_seen) {
		c->nomem = true;
		return;
	}
	if (ins->kind == PACK_INSTRUMENT_INDICATOR) {
		check_ratings(c, v, path);
		check_domains(c, v, path, questions_seen, ins);
		check_rules(c, v, path, ins);
	} else {
		check_questions(c, v, path, "items", "item", questions_seen, false, &ins->items, &ins->n_items);
		/* Up to the number of items listed, valid or not, so that one bad
		 * item is not reported twice; 100 when there are none. */
		json_t *items = json_object_get(v, "items");
		size_t n = json_is_array(items) ? json_array_size(items) : 0;
		int most = n == 0 ? PACK_MAX_RULE_COUNT : n < INT_MAX ? (int)n : INT_MAX;
		pack_get_int(c, v, path, "positive_at", 1, most, &ins->positive_at);
	}
	json_decref(questions_seen);
}

static void check_one_instrument(struct check *c, const json_t *v, const char *path, json_t *seen, void *ctx)
{
	struct pack *p = ctx;
	check_instrument(c, v, path, seen, &p->instruments[p->n_instruments++]);
}

void pack_check_instruments(struct check *c, const json_t *root, struct pack *p)
{
	char s[SHOW_SIZE];
	char lp[PATH_SIZE];
	const json_t *list;
	p->instruments =
		pack_list_items(c, root, "", "screening_instruments", "instrument", sizeof *p->instruments, &list, lp);
	if (!p->instruments)
		return;
	json_t *seen = pack_each_entry(c, list, "screening_instruments", check_one_instrument, p);
	if (!seen)
		return;
	json_decref(seen);
	if (p->default_screening && !pack_instrument(p, p->default_screening))
		pack_fail(c, "pack.default_screening", "unknown screening instrument \"%s\"",
			  pack_show(s, p->default_screening));
	if (p->rescreen_instrument && !pack_instrument(p, p->rescreen_instrument))
		pack_fail(c, "pack.rescreen_instrument", "unknown screening instrument \"%s\"",
			  pack_show(s, p->rescreen_instrument));
}
