#include "match/nick.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/embed.h"
#include "base/err.h"
#include "match/cmp.h"
#include "match/norm.h"

extern const struct embedded_file data_files[];

#define TABLE_SIZE 8192 /* power of two, > 2 x names */

struct entry {
	char *name;
	char code[CMP_PHONETIC_MAX];
	uint32_t groups[NICK_MAX_GROUPS];
	uint8_t ngroups;
	int32_t next_code; /* the next entry (in table order) with groups and a code of the same hash */
};

/* Spellings looked up that the table lacks, with the groups found for them
 * by sound; a bounded cache. */
#define EXTRA_SIZE 16384
struct extra {
	char name[32];
	uint32_t groups[NICK_MAX_GROUPS];
	uint8_t ngroups;
	bool used;
};
static struct extra extras[EXTRA_SIZE];
static size_t nextras;
static pthread_mutex_t extra_lock = PTHREAD_MUTEX_INITIALIZER;

static struct entry table[TABLE_SIZE];
/* Entries with groups by the hash of their phonetic code, each chain in
 * table order: a spelling the table lacks is matched by sound against its
 * chain only. */
static int32_t code_head[TABLE_SIZE];
static char **formal; /* group id -> formal name */
static size_t nformal, formal_cap;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_result;

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct entry *slot(const char *name, bool create)
{
	size_t i = hash_str(name) & (TABLE_SIZE - 1);
	for (size_t probes = 0; probes < TABLE_SIZE; probes++, i = (i + 1) & (TABLE_SIZE - 1)) {
		if (!table[i].name) {
			if (!create)
				return NULL;
			table[i].name = strdup(name);
			return table[i].name ? &table[i] : NULL;
		}
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	}
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static size_t extra_slot(const char *name)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h & (EXTRA_SIZE - 1);
}

static struct extra *find_extra(const char *name)
{
	for (size_t i = extra_slot(name), k = 0; k < EXTRA_SIZE; k++, i = (i + 1) & (EXTRA_SIZE - 1)) {
		if (!extras[i].used)
			return NULL;
		if (strcmp(extras[i].name, name) == 0)
			return &extras[i];
	}
	return NULL;
}

/* NULL when the cache is full or the name too long: then the caller goes
 * without, and the name simply has no nickname groups. */
static struct extra *add_extra(const char *name)
{
	if (strlen(name) >= sizeof extras[0].name || nextras >= EXTRA_SIZE / 2)
		return NULL;
	size_t i = extra_slot(name);
	while (extras[i].used)
		i = (i + 1) & (EXTRA_SIZE - 1);
	memcpy(extras[i].name, name, strlen(name) + 1);
	extras[i].used = true;
	nextras++;
	return &extras[i];
}

static uint32_t group_of_formal(const char *name)
{
	/* A formal name's group is found through its own entry. */
	struct entry *e = slot(name, true);
	if (!e)
		return UINT32_MAX;
	for (uint8_t i = 0; i < e->ngroups; i++)
		if (strcmp(formal[e->groups[i]], name) == 0)
			return e->groups[i];
	if (nformal == formal_cap) {
		size_t cap = formal_cap ? formal_cap * 2 : 1024;
		char **p = realloc(formal, cap * sizeof *p);
		if (!p)
			return UINT32_MAX;
		formal = p;
		formal_cap = cap;
	}
	formal[nformal] = e->name;
	uint32_t g = (uint32_t)nformal++;
	if (e->ngroups < NICK_MAX_GROUPS)
		e->groups[e->ngroups++] = g;
	return g;
}

static void add_group(struct entry *e, uint32_t g)
{
	for (uint8_t i = 0; i < e->ngroups; i++)
		if (e->groups[i] == g)
			return;
	if (e->ngroups < NICK_MAX_GROUPS)
		e->groups[e->ngroups++] = g;
}

static void load(void)
{
	const struct embedded_file *f = embedded_find(data_files, "names.csv");
	if (!f) {
		init_result = ERR_NOTFOUND;
		return;
	}
	struct csv_reader *r;
	if (csv_open_buffer("names.csv", (const char *)f->data, f->size, &r) < 0) {
		init_result = ERR_NOMEM;
		return;
	}
	struct csv_row row;
	int rc;
	bool header = true;
	while ((rc = csv_next(r, 3, &row)) != 0) {
		if (rc < 0)
			continue;
		if (header) {
			header = false;
			continue;
		}
		char a[NORM_MAX], b[NORM_MAX];
		norm_text(row.fields[0], a, sizeof a);
		norm_text(row.fields[2], b, sizeof b);
		if (!*a || !*b || strcmp(row.fields[1], "has_nickname") != 0)
			continue;
		uint32_t g = group_of_formal(a);
		struct entry *e = slot(b, true);
		if (g == UINT32_MAX || !e) {
			init_result = ERR_NOMEM;
			break;
		}
		add_group(e, g);
	}
	csv_close(r);
	/* One hop further: "katie" is a nickname of "katy", itself a nickname
	 * of "katherine", so katie and katherine are of one group too. */
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		struct entry *e = &table[i];
		if (!e->name)
			continue;
		uint8_t n0 = e->ngroups;
		for (uint8_t g = 0; g < n0; g++) {
			struct entry *via = slot(formal[e->groups[g]], false);
			for (uint8_t k = 0; via && via != e && k < via->ngroups; k++)
				add_group(e, via->groups[k]);
		}
	}
	int32_t tail[TABLE_SIZE];
	for (size_t i = 0; i < TABLE_SIZE; i++)
		code_head[i] = tail[i] = -1;
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		if (table[i].name && table[i].ngroups > 1)
			qsort(table[i].groups, table[i].ngroups, sizeof table[i].groups[0], cmp_u32);
		table[i].next_code = -1;
		if (!table[i].name)
			continue;
		cmp_phonetic(table[i].name, table[i].code);
		if (!table[i].ngroups)
			continue;
		size_t h = hash_str(table[i].code) & (TABLE_SIZE - 1);
		if (tail[h] < 0)
			code_head[h] = (int32_t)i;
		else
			table[tail[h]].next_code = (int32_t)i;
		tail[h] = (int32_t)i;
	}
}

int nick_init(void)
{
	pthread_once(&once, load);
	return init_result;
}

/* A spelling the table lacks ("katie" where it has "katy") takes the
 * groups of a listed name that sounds the same, starts with the same
 * letter and is about as long. */
static void sounds_like(const char *name, uint32_t *groups, uint8_t *ngroups)
{
	char code[CMP_PHONETIC_MAX];
	cmp_phonetic(name, code);
	*ngroups = 0;
	if (!code[0])
		return;
	size_t n = strlen(name);
	for (int32_t i = code_head[hash_str(code) & (TABLE_SIZE - 1)]; i >= 0; i = table[i].next_code) {
		struct entry *e = &table[i];
		if (e->name[0] != name[0] || strcmp(e->code, code) != 0)
			continue;
		size_t m = strlen(e->name), d = m > n ? m - n : n - m;
		if (d > 2)
			continue;
		for (uint8_t g = 0; g < e->ngroups && *ngroups < NICK_MAX_GROUPS; g++) {
			bool have = false;
			for (uint8_t k = 0; k < *ngroups; k++)
				have |= groups[k] == e->groups[g];
			if (!have)
				groups[(*ngroups)++] = e->groups[g];
		}
	}
	qsort(groups, *ngroups, sizeof groups[0], cmp_u32);
}

size_t nick_groups(const char *name, uint32_t groups[NICK_MAX_GROUPS])
{
	if (nick_init() < 0 || !*name)
		return 0;
	struct entry *e = slot(name, false);
	if (!e) {
		/* Remember the answer, so the scan runs once per spelling. */
		pthread_mutex_lock(&extra_lock);
		struct extra *x = find_extra(name);
		if (!x && (x = add_extra(name)) != NULL)
			sounds_like(name, x->groups, &x->ngroups);
		size_t ng = x ? x->ngroups : 0;
		if (ng)
			memcpy(groups, x->groups, ng * sizeof groups[0]);
		pthread_mutex_unlock(&extra_lock);
		return ng;
	}
	memcpy(groups, e->groups, e->ngroups * sizeof groups[0]);
	return e->ngroups;
}

bool nick_equivalent(const char *a, const char *b)
{
	uint32_t ga[NICK_MAX_GROUPS], gb[NICK_MAX_GROUPS];
	size_t na = nick_groups(a, ga), nb = nick_groups(b, gb);
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (ga[i] == gb[j])
				return true;
	return false;
}

const char *nick_group_name(uint32_t group)
{
	return nick_init() == 0 && group < nformal ? formal[group] : NULL;
}
