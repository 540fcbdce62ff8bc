/* names.c: the people a name typed into a list's search box may be,
 * through the identity registry (service/persons.h, persons_name_ids). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "match/nick.h"
#include "match/norm.h"
#include "service/persons.h"
#include "service/persons/persons_int.h"

#define NAME_MAX_LEN 100

/* Split "Katie Smyth" into given names and the family name (the last
 * word); one word is a family name alone. */
static void split_name(const char *name, char *given, size_t gsize, char *family, size_t fsize)
{
	char buf[2 * NAME_MAX_LEN + 2];
	str_copy(buf, sizeof buf, name);
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	char *s = buf;
	while (*s == ' ' || *s == '\t')
		s++;
	char *last = strrchr(s, ' ');
	if (!last) {
		given[0] = '\0';
		str_copy(family, fsize, s);
		return;
	}
	*last = '\0';
	str_copy(family, fsize, last + 1);
	str_copy(given, gsize, s);
}

/* One lookup of (as_given, family) in the registry; each person whose
 * names, compared with (given, family), both weigh for the same person is
 * added to ids[*n] (once). */
static int name_lookup(struct person_registry *reg, const char *as_given, const char *given, const char *family,
		       int64_t *ids, size_t max, size_t *n)
{
	const char *v[F_COUNT] = {as_given, family, NULL, NULL, NULL, NULL};
	const char *typed[F_COUNT] = {given, family, NULL, NULL, NULL, NULL};
	struct match_hit hits[NAME_SEARCH_MAX];
	size_t nh = 0;
	char qpool[1024], tpool[1024];
	struct match_rec qr, tr;
	pthread_rwlock_rdlock(&reg->lock);
	int r = match_prepare(reg->store, v, &qr, qpool, sizeof qpool);
	if (r == 0)
		r = match_prepare(reg->store, typed, &tr, tpool, sizeof tpool);
	if (r == 0)
		r = match_lookup(reg->store, reg->index, &reg->model, &qr, qpool, NAME_SEARCH_MAX, hits, &nh);
	/* Names alone never make a probable match (nothing else was given):
	 * a person is kept when both names, as typed, agree at a level that
	 * weighs for the same person (the same, a nickname, a spelling). */
	for (size_t i = 0; r == 0 && i < nh && *n < max; i++) {
		uint8_t levels[MATCH_MAX_FIELDS] = {0};
		double w[MATCH_MAX_FIELDS] = {0};
		match_compare_names(reg->store, &tr, tpool, match_store_rec(reg->store, hits[i].index),
				    match_store_pool(reg->store), levels);
		(void)match_weight(&reg->model, reg->store, &tr, tpool, levels, w);
		if (w[F_GIVEN] <= 0 || w[F_FAMILY] <= 0)
			continue;
		int64_t id = strtoll(match_store_id(reg->store, hits[i].index), NULL, 10);
		bool dup = false;
		for (size_t k = 0; k < *n; k++)
			dup |= ids[k] == id;
		if (!dup)
			ids[(*n)++] = id;
	}
	pthread_rwlock_unlock(&reg->lock);
	return r;
}

int persons_name_ids(struct app *app, struct db *db, const char *name, int64_t *ids, size_t max, size_t *ret_n)
{
	struct person_registry *reg = app->registry;
	char given[NAME_MAX_LEN + 1], family[NAME_MAX_LEN + 1];
	*ret_n = 0;
	if (!reg)
		return ERR_BUSY;
	split_name(name, given, sizeof given, family, sizeof family);
	persons_registry_catch_up(app, db);
	if (!given[0]) {
		struct person_query q = {.family_name = family, .age = -1};
		int64_t *all = NULL;
		size_t n = 0;
		int r = persons_family_ids(reg, &q, &all, &n);
		if (r < 0)
			return r;
		*ret_n = n < max ? n : max;
		memcpy(ids, all, *ret_n * sizeof *ids);
		free(all);
		return 0;
	}
	/* The index blocks a name alone under its sound: the given name is
	 * also looked up as each formal name it is a nickname of ("katie" as
	 * "katherine"), while the levels compare the name as typed. */
	char norm[NORM_MAX];
	uint32_t groups[NICK_MAX_GROUPS];
	norm_text(given, norm, sizeof norm);
	size_t ng = nick_groups(norm, groups), kept = 0;
	int r = 0;
	for (size_t g = 0; r == 0 && g <= ng && kept < max; g++)
		r = name_lookup(reg, g == 0 ? given : nick_group_name(groups[g - 1]), given, family, ids, max, &kept);
	*ret_n = kept;
	return r;
}
