#include "service/system.h"
#include "service/packs.h"
#include "service/referrals.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/seal.h"
#include "model/casestate.h"
#include "service/keys.h"
#include "service/relief.h"
#include "service/upgrade.h"

/* Insert key = value unless the key is there already. */
static int setting_put_new(struct db *db, const char *key, const char *value, const char *ts, bool *ret_new)
{
	int64_t exists;
	int r = db_int64f(db, &exists, "SELECT count(*) FROM setting WHERE key = ?", "t", key);
	if (r < 0)
		return r;
	if (ret_new)
		*ret_new = exists == 0;
	if (exists)
		return 0;
	return db_execf(db, "INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?)", "ttt", key, value, ts);
}

int svc_system_init(const char *db_url, const char *key_file, const struct pack *pack, bool pack_given,
		    struct svc_init_result *ret,
		    char *errmsg, size_t errsize)
{
	struct db *db;
	char dberr[512];
	int r = db_open(db_url, &db, dberr, sizeof dberr);
	if (r < 0) {
		snprintf(errmsg, errsize, "cannot open the database: %s", dberr);
		return r;
	}
	int applied = 0;
	if ((r = db_migrate(db, &applied, errmsg, errsize)) < 0)
		goto out;
	/* A pack given that would remove a value in use is refused here
	 * already; the server records and audits any other change when it
	 * starts. */
	struct svc_pack_compare pc = {0};
	if (pack_given && (r = svc_pack_compare(db, pack, &pc)) < 0) {
		snprintf(errmsg, errsize, "cannot compare the jurisdiction settings with those the database runs with: %s",
			 r == ERR_DB ? db_errmsg(db) : err_str(r));
		goto out;
	}
	if (pack_given && json_array_size(pc.problems) > 0) {
		svc_pack_refusal(&pc, pack->id, errmsg, errsize);
		r = ERR_CONFLICT;
	}
	svc_pack_compare_done(&pc);
	if (r < 0)
		goto out;
	bool key_created = false;
	if ((r = keys_init(db, key_file, &key_created, errmsg, errsize)) < 0)
		goto out;
	/* Values an older version kept in clear are sealed now, with the key. */
	struct keyring *keys = NULL;
	if ((r = keyring_load(key_file, &keys, errmsg, errsize)) < 0)
		goto out;
	r = svc_upgrade_seal(db, keys, pack, NULL, errmsg, errsize);
	keyring_free(keys);
	if (r < 0)
		goto out;
	char ts[32], instance[33];
	time_format(now(), ts, sizeof ts);
	crypto_random_hex(16, instance, sizeof instance);
	bool created = false;
	if ((r = db_begin(db)) < 0)
		goto dberror;
	if ((r = setting_put_new(db, "instance_id", instance, ts, &created)) < 0 ||
	    (r = setting_put_new(db, "created_at", ts, ts, NULL)) < 0 ||
	    (r = setting_put_new(db, "created_with_pack", pack->id, ts, NULL)) < 0) {
		db_rollback(db);
		goto dberror;
	}
	if ((r = db_commit(db)) < 0)
		goto dberror;
	ret->engine = db_engine(db);
	ret->schema = db_schema_latest();
	ret->applied = applied;
	ret->created = created;
	ret->key_created = key_created;
	goto out;
dberror:
	snprintf(errmsg, errsize, "cannot record the installation: %s", db_errmsg(db));
out:
	db_close(db);
	return r;
}

/* How long a health check's answer stands: a load balancer or a monitor
 * polling /healthz many times a second asks the database once a second. */
#define HEALTH_TTL_US 1000000

/* Ask the database for its schema version: -1 when it does not answer. */
static int health_ask(struct app *a)
{
	struct db *db;
	int version;
	if (app_db(a, &db) < 0 || db_schema_version(db, &version) < 0)
		return -1;
	return version;
}

int svc_system_health(struct app *a, struct svc_health *ret)
{
	ret->engine = a->engine;
	int64_t t = clock_mono_us();
	int64_t at = atomic_load_explicit(&a->health_at, memory_order_acquire);
	int schema;
	if (at != 0 && t - at < HEALTH_TTL_US) {
		schema = atomic_load_explicit(&a->health_schema, memory_order_relaxed);
	} else {
		/* Two threads may both ask when the answer has aged: both
		 * answers are current. */
		schema = health_ask(a);
		atomic_store_explicit(&a->health_schema, schema, memory_order_relaxed);
		atomic_store_explicit(&a->health_at, t > 0 ? t : 1, memory_order_release);
	}
	ret->ok = schema >= 0;
	ret->schema = schema >= 0 ? schema : 0;
	return 0;
}

/* [{id, label}, ...] of a vocabulary. */
static json_t *terms_json(const struct case_term *t)
{
	json_t *arr = json_array();
	for (; arr && t->id; t++)
		if (json_array_append_new(arr, json_pack("{s:s, s:s}", "id", t->id, "label", t->label)) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

/* [{id, label, allowed: [id, ...]}, ...]: each status and where it may go. */
static json_t *case_statuses_json(void)
{
	json_t *arr = json_array();
	for (int s = 0; arr && s < CASE_STATUS_COUNT; s++) {
		enum case_status to[CASE_STATUS_COUNT];
		size_t n = case_status_allowed((enum case_status)s, to);
		json_t *allowed = json_array();
		for (size_t i = 0; allowed && i < n; i++)
			if (json_array_append_new(allowed, json_string(case_status_name(to[i]))) < 0) {
				json_decref(allowed);
				allowed = NULL;
			}
		json_t *o = allowed ? json_pack("{s:s, s:s, s:o}", "id", case_status_name((enum case_status)s), "label",
						case_status_label((enum case_status)s), "allowed", allowed)
				    : NULL;
		if (json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* [{id, label, identifies}, ...]. */
static json_t *victim_statuses_json(void)
{
	json_t *arr = json_array();
	for (int v = 0; arr && v < VICTIM_STATUS_COUNT; v++)
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "id", victim_status_name((enum victim_status)v),
							 "label", victim_status_label((enum victim_status)v),
							 "identifies",
							 victim_status_identifies((enum victim_status)v))) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

/* {kind, label, user}: user marks the kinds POST /cases/{id}/events takes. */
static json_t *event_kinds_json(void)
{
	json_t *arr = json_array();
	for (const struct case_term *t = case_event_kind_terms; arr && t->id; t++)
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "id", t->id, "label", t->label, "user",
							 case_event_kind_user(t->id))) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

/* [{id, name, description?}, ...] of a pack list, as the pack resolved it
 * (a built-in list when the pack names none). */
static json_t *items_json(const struct pack_item *items, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		json_t *o = json_pack("{s:s, s:s}", "id", items[i].id, "name", items[i].name);
		if (o && items[i].description && json_object_set_new(o, "description", json_string(items[i].description)) < 0) {
			json_decref(o);
			o = NULL;
		}
		if (json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The pack's provider_view as the list of what a provider is shown. */
static json_t *provider_view_json(const struct pack *p)
{
	json_t *arr = json_array();
	for (int f = 0; arr && f < PACK_VIEW_COUNT; f++)
		if (pack_view_allows(p, (enum pack_view_field)f) &&
		    json_array_append_new(arr, json_string(pack_view_name((enum pack_view_field)f))) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

int svc_system_config(struct app *a, json_t **ret)
{
	const struct pack_recovery *rec = &a->pack->recovery;
	/* A shallow copy: the pack's own document stays as loaded. */
	json_t *out = json_copy(a->pack->root);
	if (!out)
		return ERR_NOMEM;
	struct {
		const char *key;
		json_t *value;
	} add[] = {
		{"case_statuses", case_statuses_json()},
		{"victim_statuses", victim_statuses_json()},
		{"petition_statuses", terms_json(case_petition_terms)},
		{"placements", terms_json(case_placement_terms)},
		{"report_kinds", terms_json(case_report_kind_terms)},
		{"event_kinds", event_kinds_json()},
		/* Restore and recovery, resolved: a pack without them gets these. */
		{"populations", items_json(rec->populations, rec->n_populations)},
		{"referral_decline_reasons", items_json(rec->decline_reasons, rec->n_decline_reasons)},
		{"referral_end_reasons", items_json(rec->end_reasons, rec->n_end_reasons)},
		{"referral_outcomes", items_json(rec->outcomes, rec->n_outcomes)},
		{"relief_offences", items_json(rec->relief_offences, rec->n_relief_offences)},
		{"case_closure_reasons", items_json(rec->closure_reasons, rec->n_closure_reasons)},
		{"provider_view", provider_view_json(a->pack)},
		{"plan_review_days", json_integer(rec->plan_review_days)},
		{"relief_statuses", relief_statuses_json()},
		{"relief_kinds", relief_kinds_json()},
		/* The largest file the attachment forms take, resolved. */
		{"attachments", json_pack("{s:I}", "max_bytes", (json_int_t)a->pack->attachments.max_bytes)},
	};
	int r = 0;
	for (size_t i = 0; i < sizeof add / sizeof add[0]; i++) {
		if (!add[i].value)
			r = ERR_NOMEM;
		else if (r < 0)
			json_decref(add[i].value);
		else if (json_object_set_new(out, add[i].key, add[i].value) < 0)
			r = ERR_NOMEM;
	}
	/* Service referrals: statuses, the moves from each, urgencies. */
	if (r == 0)
		r = referrals_config_json(out);
	/* The header with its locale resolved ("en-US" when the pack names none),
	 * copied so the loaded document stays as it was. */
	if (r == 0) {
		json_t *head = json_deep_copy(json_object_get(a->pack->root, "pack"));
		if (!head || json_object_set_new(head, "locale", json_string(a->pack->locale)) < 0) {
			json_decref(head);
			r = ERR_NOMEM;
		} else if (json_object_set_new(out, "pack", head) < 0) { /* takes head either way */
			r = ERR_NOMEM;
		}
	}
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*ret = out;
	return 0;
}

/* The comparison a validation answers: each change with its words for
 * people and, for a value in use that would go, its uses; whether a
 * restart with the document would be refused. Counts only. */
static json_t *comparison_json(const struct svc_pack_compare *c)
{
	json_t *changes = json_array(), *ch;
	size_t i;
	json_array_foreach (c->changes, i, ch) {
		char text[1024];
		json_t *o = json_deep_copy(ch);
		if (!o || pack_change_text(ch, text, sizeof text) < 0 ||
		    json_object_set_new(o, "text", json_string(text)) != 0 ||
		    json_object_set_new(o, "refused", json_boolean(json_object_get(ch, "used_by") != NULL)) != 0 ||
		    json_array_append_new(changes, o) != 0) {
			json_decref(o);
			json_decref(changes);
			return NULL;
		}
	}
	if (!changes)
		return NULL;
	return json_pack("{s:b, s:b, s:s, s:s, s:o, s:O, s:b}", "recorded", c->recorded, "same", c->same, "running_id",
	                 c->old_id, "running_version", c->old_version, "changes", changes, "problems", c->problems,
	                 "refused", json_array_size(c->problems) > 0);
}

int svc_system_validate_pack(const struct svc_ctx *ctx, json_t *doc, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	int r = svc_enter(ctx, PERM_CONFIG_CHECK, &db);
	if (r < 0)
		return r;
	struct pack *p;
	r = pack_from_json(doc, errs, &p);
	if (r < 0)
		return r;
	struct svc_pack_compare c;
	json_t *sum = pack_summary(p), *cmp = NULL;
	r = sum ? svc_pack_compare(db, p, &c) : ERR_NOMEM;
	pack_free(p);
	if (r == 0) {
		cmp = comparison_json(&c);
		svc_pack_compare_done(&c);
	}
	if (r == 0 && (!cmp || json_object_set_new(sum, "comparison", cmp) != 0))
		r = ERR_NOMEM;
	if (r < 0) {
		json_decref(sum);
		return r;
	}
	*ret = sum;
	return 0;
}
