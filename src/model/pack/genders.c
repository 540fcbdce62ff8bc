/* pack/genders: the gender identity categories the figures count by, and
 * the words each one matches, or the default list when the pack names
 * none. */
#include "model/pack/pack_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/str.h"


/* --- Gender identity categories ----------------------------------------- */

#define GENDER_WORD_MAX 100

/* text as a match key: ASCII lower-cased, '-' and '_' as spaces, runs of
 * spaces as one, none at either end. False when it does not fit. */
static bool gender_key(const char *text, char out[GENDER_WORD_MAX + 1])
{
	size_t n = 0;
	bool space = false;
	for (const unsigned char *q = (const unsigned char *)text; *q; q++) {
		unsigned char ch = *q == '-' || *q == '_' || pack_is_space((char)*q) ? ' ' : *q;
		if (ch == ' ') {
			space = n > 0;
			continue;
		}
		if (n + (space ? 2 : 1) > GENDER_WORD_MAX)
			return false;
		if (space)
			out[n++] = ' ';
		space = false;
		out[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
	}
	out[n] = '\0';
	return true;
}

static const char *const gender_female[] = {"girl", "woman", "f", "cis female", "cisgender female", "cis girl"};
static const char *const gender_male[] = {"boy", "man", "m", "cis male", "cisgender male", "cis boy"};
static const char *const gender_trans_f[] = {"trans female", "trans girl", "transgender girl", "trans woman",
					     "transgender woman", "mtf", "male to female"};
static const char *const gender_trans_m[] = {"trans male", "trans boy", "transgender boy", "trans man",
					     "transgender man", "ftm", "female to male"};
static const char *const gender_nb[] = {"nonbinary", "enby", "genderqueer", "gender queer", "genderfluid",
					"gender fluid", "agender"};
static const char *const gender_questioning[] = {"unsure", "not sure"};

/* The categories the figures use when the pack names none. */
static const struct {
	const char *id, *name;
	const char *const *matches;
	size_t n;
	bool other;
} default_genders[] = {
	{"female", "Female", gender_female, sizeof gender_female / sizeof *gender_female, false},
	{"male", "Male", gender_male, sizeof gender_male / sizeof *gender_male, false},
	{"transgender_female", "Transgender female", gender_trans_f, sizeof gender_trans_f / sizeof *gender_trans_f,
	 false},
	{"transgender_male", "Transgender male", gender_trans_m, sizeof gender_trans_m / sizeof *gender_trans_m, false},
	{"non_binary", "Non-binary", gender_nb, sizeof gender_nb / sizeof *gender_nb, false},
	{"questioning", "Questioning", gender_questioning, sizeof gender_questioning / sizeof *gender_questioning,
	 false},
	{"another_identity", "Another identity", NULL, 0, true},
};

static void default_gender_list(struct check *c, struct pack *p)
{
	size_t n = sizeof default_genders / sizeof *default_genders;
	if (!(p->genders = pack_alloc_array(c, n, sizeof *p->genders)))
		return;
	for (size_t i = 0; i < n; i++) {
		struct pack_gender *g = &p->genders[p->n_genders++];
		g->id = default_genders[i].id;
		g->name = default_genders[i].name;
		g->other = default_genders[i].other;
		if (default_genders[i].n && !(g->matches = pack_alloc_array(c, default_genders[i].n, sizeof *g->matches)))
			return;
		for (size_t k = 0; k < default_genders[i].n; k++)
			g->matches[g->n_matches++] = default_genders[i].matches[k];
	}
}

/* word (at path) as a key that no other category may hold. */
static void gender_word(struct check *c, json_t *words, const char *word, const char *path)
{
	char key[GENDER_WORD_MAX + 1], s[SHOW_SIZE];
	const char *first;
	if (!gender_key(word, key) || !key[0])
		pack_fail(c, path, "must be at most %d characters and not only spaces", GENDER_WORD_MAX);
	else if (!pack_seen_add(c, words, key, path, &first) && strncmp(first, path, strcspn(path, ".")) != 0)
		pack_fail(c, path, "\"%s\" also names %s: a typed value must fall in one category only", pack_show(s, word),
		     first);
}

static void check_gender_matches(struct check *c, json_t *v, const char *path, json_t *words,
				 struct pack_gender *g)
{
	char mp[PATH_SIZE];
	json_t *m = pack_get_typed(c, v, path, "matches", false, JSON_ARRAY);
	if (!m)
		return;
	if (json_array_size(m) > 0 && !(g->matches = pack_alloc_array(c, json_array_size(m), sizeof *g->matches)))
		return;
	size_t k;
	json_t *w;
	json_array_foreach (m, k, w) {
		pack_fmt_to(mp, sizeof mp, "%s.matches[%zu]", path, k);
		if (!json_is_string(w) || strlen(json_string_value(w)) != json_string_length(w)) {
			pack_fail(c, mp, "must be text in quotes");
			continue;
		}
		gender_word(c, words, json_string_value(w), mp);
		g->matches[g->n_matches++] = json_string_value(w);
	}
}

void pack_check_genders(struct check *c, const json_t *root, struct pack *p)
{
	static const char key[] = "gender_identities";
	json_t *list = json_object_get(root, key);
	if (!list) {
		default_gender_list(c, p);
		return;
	}
	if (!json_is_array(list) || json_array_size(list) < 2) {
		pack_fail(c, key, "must list at least two categories, one of them with \"other\": true");
		return;
	}
	json_t *seen = json_object(), *words = json_object();
	p->genders = pack_alloc_array(c, json_array_size(list), sizeof *p->genders);
	if (!seen || !words || !p->genders) {
		c->nomem = true;
		goto cleanup;
	}
	size_t i, others = 0;
	json_t *v;
	json_array_foreach (list, i, v) {
		char path[PATH_SIZE], np[PATH_SIZE];
		if (!pack_entry(c, v, key, i, path))
			continue;
		pack_check_keys(c, v, path, PACK_KEYS_GENDER);
		struct pack_gender *g = &p->genders[p->n_genders++];
		g->id = pack_check_id(c, v, path, seen, false);
		g->name = pack_get_str(c, v, path, "name", true);
		g->other = pack_get_bool(c, v, path, "other");
		if (g->other && ++others > 1) {
			pack_path_key(np, path, "other");
			pack_fail(c, np, "only one category may be the other one");
		}
		if (g->id) {
			pack_path_key(np, path, "id");
			gender_word(c, words, g->id, np);
		}
		if (g->name) {
			pack_path_key(np, path, "name");
			gender_word(c, words, g->name, np);
		}
		check_gender_matches(c, v, path, words, g);
	}
	if (others == 0)
		pack_fail(c, key, "one category needs \"other\": true: free text that falls in no category counts there");
cleanup:
	json_decref(seen);
	json_decref(words);
}

const struct pack_gender *pack_gender_of(const struct pack *p, const char *text)
{
	char key[GENDER_WORD_MAX + 1], k2[GENDER_WORD_MAX + 1];
	if (!text || pack_is_blank(text))
		return NULL;
	const struct pack_gender *other = NULL;
	bool fits = gender_key(text, key);
	for (size_t i = 0; i < p->n_genders; i++) {
		const struct pack_gender *g = &p->genders[i];
		if (g->other)
			other = g;
		if (!fits)
			continue;
		if ((gender_key(g->id, k2) && strcmp(k2, key) == 0) || (gender_key(g->name, k2) && strcmp(k2, key) == 0))
			return g;
		for (size_t k = 0; k < g->n_matches; k++)
			if (gender_key(g->matches[k], k2) && strcmp(k2, key) == 0)
				return g;
	}
	return other;
}
