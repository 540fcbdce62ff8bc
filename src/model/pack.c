/* pack: a pack built from its JSON document and loaded from a file; the
 * checks of each section are in model/pack/, the look-ups in
 * model/pack/lookup.c. */
#include "model/pack.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/json.h"
#include "base/str.h"
#include "model/pack/pack_int.h"


/* --- Building ------------------------------------------------------------ */

void pack_free(struct pack *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_regions; i++) {
		for (size_t j = 0; j < p->regions[i].n_offices; j++)
			free(p->regions[i].offices[j].towns);
		free(p->regions[i].offices);
	}
	free(p->regions);
	free(p->sources);
	free(p->vulnerabilities);
	free(p->trafficking_types);
	free(p->services);
	free(p->deadlines);
	for (size_t i = 0; i < p->n_instruments; i++) {
		struct pack_instrument *ins = &p->instruments[i];
		for (size_t j = 0; j < ins->n_domains; j++)
			free(ins->domains[j].indicators);
		free(ins->domains);
		for (size_t j = 0; j < ins->n_rules; j++)
			free(ins->rules[j].domains);
		free(ins->rules);
		free(ins->items);
	}
	free(p->instruments);
	free(p->dispositions);
	free(p->law.citations);
	free(p->commercial_sex_concerns);
	free(p->mdt_roles);
	free(p->emergency_departments);
	free(p->age_groups);
	for (size_t i = 0; i < p->n_genders; i++)
		free(p->genders[i].matches);
	free(p->genders);
	pack_recovery_free(p);
	pack_training_free(p);
	json_decref(p->root);
	free(p);
}

int pack_from_json(json_t *root, struct field_errors *errs, struct pack **ret)
{
	struct field_errors local;
	struct pack *p = NULL;
	int r;

	field_errors_init(&local, 0);
	struct check c = {.errs = errs ? errs : &local};
	size_t before = c.errs->count;

	if (!json_is_object(root)) {
		pack_fail(&c, "", "must be a set of named values in braces { }");
		r = ERR_INVAL;
		goto cleanup;
	}
	p = calloc(1, sizeof *p);
	if (!p) {
		r = ERR_NOMEM;
		goto cleanup;
	}
	p->root = json_incref(root);

	pack_check_keys(&c, root, "", PACK_KEYS_ROOT);
	pack_check_header(&c, root, p);
	pack_check_regions(&c, root, p);
	pack_check_items(&c, root, "referral_sources", &p->sources, &p->n_sources);
	pack_check_items(&c, root, "vulnerabilities", &p->vulnerabilities, &p->n_vulnerabilities);
	pack_check_items(&c, root, "trafficking_types", &p->trafficking_types, &p->n_trafficking_types);
	pack_check_items(&c, root, "services", &p->services, &p->n_services);
	pack_check_deadlines(&c, root, p);
	pack_check_instruments(&c, root, p);
	pack_check_dispositions(&c, root, p);
	pack_check_law(&c, root, p);
	pack_check_commercial_sex_concerns(&c, root, p);
	pack_check_items_of(&c, root, "mdt_roles", ITEMS_MDT_ROLES, true, p, &p->mdt_roles, &p->n_mdt_roles);
	pack_check_items_of(&c, root, "emergency_departments", ITEMS_DEPARTMENTS, false, p, &p->emergency_departments,
		       &p->n_emergency_departments);
	pack_check_age_groups(&c, root, p);
	pack_check_threshold(&c, root, p);
	pack_check_genders(&c, root, p);
	pack_check_recovery(&c, root, p);
	pack_check_training(&c, root, p);
	pack_check_attachments(&c, root, p);
	pack_check_cases(&c, root, p);

	if (c.nomem) {
		r = ERR_NOMEM;
		goto cleanup;
	}
	if (c.errs->count > before) {
		r = ERR_INVAL;
		goto cleanup;
	}
	*ret = p;
	p = NULL;
	r = 0;
cleanup:
	pack_free(p);
	field_errors_done(&local);
	return r;
}

/* --- Loading ------------------------------------------------------------- */

static void msg(char *errmsg, size_t errsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void msg(char *errmsg, size_t errsize, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pack_fmt_bounded(errmsg, errsize, fmt, ap);
	va_end(ap);
}

/* Parse and validate data; a validation failure leaves every problem in
 * errs and the first (with how many more) in errmsg. */
static int load_buffer(const char *name, const char *data, size_t len, struct field_errors *errs,
		       struct pack **ret, char *errmsg, size_t errsize)
{
	json_t *root = NULL;
	struct pack *p = NULL;
	char why[256];
	int r;

	if (!name)
		name = "(pack)";
	r = json_parse_limited(data, len, NULL, &root, why, sizeof why);
	if (r < 0) {
		msg(errmsg, errsize, "%s: %s", name, why);
		goto cleanup;
	}
	r = pack_from_json(root, errs, &p);
	if (r == ERR_INVAL) {
		json_t *e = json_array_get(errs->list, 0);
		const char *field = json_get_str(e, "field"), *reason = json_get_str(e, "reason");
		char more[48] = "";
		if (errs->count > 1)
			pack_fmt_to(more, sizeof more, " (and %zu more)", errs->count - 1);
		if (field && field[0])
			msg(errmsg, errsize, "%s: %s: %s%s", name, field, reason ? reason : "invalid", more);
		else
			msg(errmsg, errsize, "%s: %s%s", name, reason ? reason : "invalid", more);
		goto cleanup;
	}
	if (r < 0) {
		msg(errmsg, errsize, "%s: %s", name, err_str(r));
		goto cleanup;
	}
	*ret = p;
	r = 0;
cleanup:
	json_decref(root);
	return r;
}

int pack_load_buffer(const char *name, const char *data, size_t len, struct pack **ret, char *errmsg,
		     size_t errsize)
{
	struct field_errors errs;
	field_errors_init(&errs, 0);
	int r = load_buffer(name, data, len, &errs, ret, errmsg, errsize);
	field_errors_done(&errs);
	return r;
}

int pack_check_file(const char *path, struct field_errors *errs, struct pack **ret, char *errmsg,
		    size_t errsize)
{
	char *data = NULL;
	size_t len = 0;
	int r;

	errno = 0;
	r = file_read_all(path, PACK_FILE_CAP, &data, &len);
	if (r < 0) {
		int e = errno;
		if (r == ERR_NOTFOUND)
			msg(errmsg, errsize, "%s: cannot read: no such file", path);
		else if (r == ERR_TOOBIG)
			msg(errmsg, errsize, "%s: cannot read: larger than %zu bytes", path, PACK_FILE_CAP);
		else if (r == ERR_IO && e != 0)
			msg(errmsg, errsize, "%s: cannot read: %s", path, strerror(e));
		else
			msg(errmsg, errsize, "%s: cannot read: %s", path, err_str(r));
		goto cleanup;
	}
	r = load_buffer(path, data, len, errs, ret, errmsg, errsize);
cleanup:
	free(data);
	return r;
}

int pack_load_file(const char *path, struct pack **ret, char *errmsg, size_t errsize)
{
	struct field_errors errs;
	field_errors_init(&errs, 0);
	int r = pack_check_file(path, &errs, ret, errmsg, errsize);
	field_errors_done(&errs);
	return r;
}
