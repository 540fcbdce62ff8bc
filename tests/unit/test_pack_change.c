/* Tests for changing the pack of a live database: model/pack/compare
 * (what changes from one pack to another) and service/packs (what the
 * database records, the uses that refuse a change, the audit record).
 * docs/packs.md, "Changing a pack on a live database". */
#include "svc_fixture.h"

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "model/access.h"
#include "model/pack.h"
#include "service/packs.h"

/* The fixture's teardown, and the retired labels svc_pack_start kept. */
static int teardown(void **state)
{
	json_decref(fx.app.pack_retired);
	fx.app.pack_retired = NULL;
	return fx_teardown(state);
}

/* The fixture's pack as a document to change. */
static json_t *doc(void)
{
	return json_deep_copy(fx.app.pack->root);
}

static struct pack *load(json_t *root)
{
	struct field_errors errs;
	field_errors_init(&errs, 0);
	struct pack *p = NULL;
	int r = pack_from_json(root, &errs, &p);
	if (r != 0)
		fail_msg("%s: %s", json_get_str(json_array_get(errs.list, 0), "field"),
			 json_get_str(json_array_get(errs.list, 0), "reason"));
	field_errors_done(&errs);
	json_decref(root);
	return p;
}

/* The changes from the fixture's pack to p, as lines for people. */
static json_t *change_lines(const struct pack *p)
{
	json_t *a = pack_labels(fx.app.pack), *b = pack_labels(p), *changes = NULL, *lines = json_array();
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(pack_compare_labels(a, b, &changes), 0);
	size_t i;
	json_t *c;
	json_array_foreach (changes, i, c) {
		char line[512];
		assert_int_equal(pack_change_text(c, line, sizeof line), 0);
		json_array_append_new(lines, json_string(line));
	}
	json_decref(a);
	json_decref(b);
	json_decref(changes);
	return lines;
}

static bool has_line(const json_t *lines, const char *want)
{
	size_t i;
	json_t *l;
	json_array_foreach (lines, i, l)
		if (strstr(json_string_value(l), want))
			return true;
	return false;
}

UNIT_TEST_WITH(the_same_pack_changes_nothing, fx_setup, teardown)
{
	struct pack *p = load(doc());
	json_t *lines = change_lines(p);
	assert_int_equal(json_array_size(lines), 0);
	json_decref(lines);
	pack_free(p);
}

UNIT_TEST_WITH(names_each_kind_of_change, fx_setup, teardown)
{
	json_t *root = doc();
	json_t *regions = json_object_get(root, "regions");
	json_object_set_new(json_array_get(regions, 0), "name", json_string("The North"));
	json_t *services = json_object_get(root, "services");
	json_array_append_new(services, json_pack("{s:s, s:s}", "id", "peer_mentoring", "name", "Peer mentoring"));
	json_t *sources = json_object_get(root, "referral_sources");
	const char *gone = json_string_value(json_object_get(json_array_get(sources, 0), "id"));
	char gone_id[64];
	snprintf(gone_id, sizeof gone_id, "%s", gone);
	/* The first source renamed: the same label under a new id. */
	json_object_set_new(json_array_get(sources, 0), "id", json_string("renamed_source"));
	json_t *deadlines = json_object_get(root, "deadlines");
	json_t *d = json_array_get(deadlines, 0);
	json_int_t minutes = json_integer_value(json_object_get(d, "minutes"));
	json_object_set_new(d, "minutes", json_integer(minutes + 30));
	struct pack *p = load(root);
	json_t *lines = change_lines(p);
	char want[256];
	assert_true(has_line(lines, "region R1 is relabelled from"));
	assert_true(has_line(lines, "to \"The North\""));
	assert_true(has_line(lines, "service peer_mentoring \"Peer mentoring\" is added"));
	snprintf(want, sizeof want, "referral source %s", gone_id);
	assert_true(has_line(lines, want));
	assert_true(has_line(lines, "is renamed to renamed_source"));
	snprintf(want, sizeof want, "changes from %lld to %lld minutes", (long long)minutes, (long long)minutes + 30);
	assert_true(has_line(lines, want));
	assert_int_equal(json_array_size(lines), 5);
	json_decref(lines);
	pack_free(p);
}

UNIT_TEST_WITH(the_first_start_records_the_pack_and_audits_it, fx_setup, teardown)
{
	char err[1024] = "";
	int64_t before = fx_count("audit", "action = 'pack.recorded'");
	assert_int_equal(svc_pack_start(&fx.app, err, sizeof err), 0);
	assert_int_equal(fx_count("audit", "action = 'pack.recorded'"), before + 1);
	char digest[CRYPTO_HASH_HEX_SIZE], stored[128];
	assert_int_equal(svc_pack_digest(fx.app.pack, digest), 0);
	fx_text("SELECT value FROM setting WHERE key = 'pack_digest'", stored, sizeof stored);
	assert_string_equal(stored, digest);
	/* Again with the same pack: nothing new. */
	assert_int_equal(svc_pack_start(&fx.app, err, sizeof err), 0);
	assert_int_equal(fx_count("audit", "action LIKE 'pack.%'"), before + 1);
}

/* The fixture's server started with p instead: 0 or the error, with err. */
static int start_with(struct pack *p, char *err, size_t size)
{
	struct pack *was = fx.app.pack;
	fx.app.pack = p;
	json_decref(fx.app.pack_retired);
	fx.app.pack_retired = NULL;
	int r = svc_pack_start(&fx.app, err, size);
	fx.app.pack = was;
	return r;
}

UNIT_TEST_WITH(a_relabel_is_recorded_and_audited_with_both_digests, fx_setup, teardown)
{
	char err[1024] = "", old_digest[CRYPTO_HASH_HEX_SIZE], new_digest[CRYPTO_HASH_HEX_SIZE];
	assert_int_equal(svc_pack_start(&fx.app, err, sizeof err), 0);
	assert_int_equal(svc_pack_digest(fx.app.pack, old_digest), 0);
	json_t *root = doc();
	json_object_set_new(json_array_get(json_object_get(root, "regions"), 2), "name", json_string("Eastern Region"));
	struct pack *p = load(root);
	assert_int_equal(svc_pack_digest(p, new_digest), 0);
	assert_int_equal(start_with(p, err, sizeof err), 0);
	char detail[1024], want[256];
	fx_text("SELECT detail FROM audit WHERE action = 'pack.changed'", detail, sizeof detail);
	snprintf(want, sizeof want, "digest=%s to=", old_digest);
	assert_non_null(strstr(detail, want));
	snprintf(want, sizeof want, "digest=%s changes=1", new_digest);
	assert_non_null(strstr(detail, want));
	pack_free(p);
}

UNIT_TEST_WITH(a_region_in_use_may_not_go_and_its_uses_are_named, fx_setup, teardown)
{
	char err[2048] = "";
	assert_int_equal(svc_pack_start(&fx.app, err, sizeof err), 0);
	struct fx_user liaison;
	fx_user(&liaison, ROLE_LIAISON, "R3");
	fx_exec("INSERT INTO mdt_team (code, name, region, created_at) VALUES ('EAST', 'East', 'R3', '2026-11-28T00:00:00Z')");
	json_t *root = doc();
	json_t *regions = json_object_get(root, "regions");
	json_array_remove(regions, 2);
	json_t *eds = json_object_get(root, "emergency_departments");
	for (size_t i = json_array_size(eds); i-- > 0;)
		if (strcmp(json_get_str(json_array_get(eds, i), "region"), "R3") == 0)
			json_array_remove(eds, i);
	struct pack *p = load(root);
	int64_t audited = fx_count("audit", "action LIKE 'pack.%'");
	assert_int_equal(start_with(p, err, sizeof err), ERR_CONFLICT);
	assert_non_null(strstr(err, "is removed, but it is used by 1 MDT team, 1 user"));
	assert_non_null(strstr(err, "region R3"));
	/* Nothing recorded, nothing audited. */
	assert_int_equal(fx_count("audit", "action LIKE 'pack.%'"), audited);
	struct svc_pack_compare c;
	assert_int_equal(svc_pack_compare(fx.db, p, &c), 0);
	assert_int_equal(json_array_size(c.problems), 1);
	svc_pack_compare_done(&c);
	pack_free(p);
}

UNIT_TEST_WITH(a_value_no_record_uses_may_go_and_its_label_is_kept, fx_setup, teardown)
{
	char err[1024] = "";
	assert_int_equal(svc_pack_start(&fx.app, err, sizeof err), 0);
	json_t *root = doc();
	json_t *services = json_object_get(root, "services");
	/* A service no referral and no provider names, and that no answer
	 * deadline names. */
	size_t k = json_array_size(services);
	const char *id = NULL;
	for (size_t i = 0; i < k && !id; i++) {
		const char *s = json_get_str(json_array_get(services, i), "id");
		if (pack_answer_minutes(fx.app.pack, s) == 0)
			id = s, k = i;
	}
	assert_non_null(id);
	char gone[64], label[128];
	snprintf(gone, sizeof gone, "%s", id);
	snprintf(label, sizeof label, "%s", json_get_str(json_array_get(services, k), "name"));
	json_array_remove(services, k);
	struct pack *p = load(root);
	assert_int_equal(start_with(p, err, sizeof err), 0);
	assert_string_equal(json_get_str(json_object_get(fx.app.pack_retired, "services"), gone), label);
	/* Kept through a later change too. */
	root = json_deep_copy(p->root);
	json_object_set_new(json_array_get(json_object_get(root, "regions"), 0), "name", json_string("The North"));
	struct pack *q = load(root);
	assert_int_equal(start_with(q, err, sizeof err), 0);
	assert_string_equal(json_get_str(json_object_get(fx.app.pack_retired, "services"), gone), label);
	pack_free(q);
	pack_free(p);
}

int main(void)
{
	return unit_run("pack_change", NULL, NULL);
}
