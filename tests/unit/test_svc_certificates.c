/* Tests for service/training: certificates (their status by the service
 * clock, revoking, the provider's scope, the public check of a code) and
 * the train-the-trainer cascade two levels deep. Trainees, sessions and
 * certificates are written here as attendance would write them. */
#include "svc_fixture.h"
#include "unit.h"

#include <string.h>

#include "base/err.h"
#include "service/sealed.h"
#include "service/training_certs.h"
#include "service/page.h"

/* The trainers' first page; no field error is kept (none is expected). */
static const struct page_query first_page = {0};
static struct field_errors page_errs;

#define T0 "'2026-01-05T09:00:00Z'"

static void trainee(int64_t id, const char *name, const char *provider)
{
	char sql[400];
	snprintf(sql, sizeof sql,
		 "INSERT INTO trainee (id, organisation, audience, provider_id, created_at, updated_at)"
		 " VALUES (%lld, 'Org %lld', 'service_providers', %s, " T0 ", " T0 ")",
		 (long long)id, (long long)id, provider ? provider : "NULL");
	fx_exec(sql);
	assert_int_equal(sealed_put(fx.db, &fx.app, "trainee", "name", id, name), 0);
}

static void certificate(int64_t id, const char *code, int64_t trainee_id, const char *course, const char *expires)
{
	char sql[500];
	snprintf(sql, sizeof sql,
		 "INSERT INTO certificate (id, code, trainee_id, course, completed_on, issued_at, expires_at)"
		 " VALUES (%lld, '%s', %lld, '%s', '2026-03-03', '2026-03-03T17:00:00Z', %s)",
		 (long long)id, code, (long long)trainee_id, course, expires ? expires : "NULL");
	fx_exec(sql);
}

/* A session of course led by trainer (status), attended by the given
 * trainees. */
static void session(int64_t id, int64_t trainer, const char *status, const int64_t *attended, size_t n)
{
	char sql[400];
	snprintf(sql, sizeof sql,
		 "INSERT INTO training_session (id, number, course, starts_at, ends_at, capacity, status, created_at,"
		 " updated_at) VALUES (%lld, 'S-%lld', 'day1', '2026-0%lld-10T09:00:00Z', '2026-0%lld-10T16:00:00Z', 30,"
		 " '%s', " T0 ", " T0 ")",
		 (long long)id, (long long)id, (long long)id, (long long)id, status);
	fx_exec(sql);
	snprintf(sql, sizeof sql, "INSERT INTO session_trainer (session_id, trainee_id) VALUES (%lld, %lld)",
		 (long long)id, (long long)trainer);
	fx_exec(sql);
	for (size_t i = 0; i < n; i++) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO registration (session_id, trainee_id, status, attended, completed, registered_at)"
			 " VALUES (%lld, %lld, 'registered', 1, 1, " T0 ")",
			 (long long)id, (long long)attended[i]);
		fx_exec(sql);
	}
}

/* Ann (P1) and Bo (P2) work for providers; Cy, Di, Ed and Flo for none.
 * Ann holds Day 1 (valid) and train-the-trainer; Bo's Day 1 expired at the
 * start of November; Cy's train-the-trainer is valid through today. Ann
 * led a session Bo, Cy and Di attended (and a cancelled one Ed would have);
 * Cy led one Di, Ed and Flo attended. */
static void world(void)
{
	fx_exec("INSERT INTO provider (id, code, name, active, created_at, updated_at) VALUES"
		" (1, 'P1', 'Harbor Light', 1, " T0 ", " T0 "), (2, 'P2', 'Beacon House', 1, " T0 ", " T0 ")");
	trainee(1, "Ann Example", "1");
	trainee(2, "Bo Example", "2");
	trainee(3, "Cy Example", NULL);
	trainee(4, "Di Example", NULL);
	trainee(5, "Ed Example", NULL);
	trainee(6, "Flo Example", NULL);
	certificate(1, "K7M2Q9XW4R", 1, "day1", "'2028-03-03'");
	certificate(2, "B4N8T2ZD6H", 2, "day1", "'2026-11-01'");
	certificate(3, "T3R9V5PC8J", 1, "train_the_trainer", NULL);
	certificate(4, "W6Y2F8LM3N", 3, "train_the_trainer", "'2026-11-28'");
	static const int64_t first[] = {2, 3, 4}, cancelled[] = {5}, second[] = {4, 5, 6};
	session(1, 1, "held", first, 3);
	session(2, 1, "cancelled", cancelled, 1);
	session(3, 3, "held", second, 3);
}

static const char *status_of(json_t *c)
{
	return json_string_value(json_object_get(c, "status"));
}

UNIT_TEST_WITH(a_certificate_is_valid_expired_or_revoked_by_the_service_clock, fx_setup, fx_teardown)
{
	assert_string_equal(cert_status(NULL, NULL, FX_NOW), "valid");
	assert_string_equal(cert_status("2026-11-28", NULL, FX_NOW), "valid"); /* through that day */
	assert_string_equal(cert_status("2026-11-27", NULL, FX_NOW), "expired");
	assert_string_equal(cert_status("2026-11-28T18:40:00Z", NULL, FX_NOW), "expired");
	assert_string_equal(cert_status("2026-11-28T18:40:01Z", NULL, FX_NOW), "valid");
	assert_string_equal(cert_status("2030-01-01", "2026-11-01T00:00:00Z", FX_NOW), "revoked");

	world();
	struct fx_user trainer;
	fx_user(&trainer, ROLE_TRAINER, NULL);
	json_t *c = NULL;
	assert_int_equal(svc_certificate_get(&trainer.ctx, 1, &c), 0);
	assert_string_equal(status_of(c), "valid");
	assert_string_equal(json_string_value(json_object_get(c, "name")), "Ann Example");
	assert_string_equal(json_string_value(json_object_get(c, "course_name")), pack_course(fx.app.pack, "day1")->name);
	json_decref(c);
	assert_int_equal(svc_certificate_get(&trainer.ctx, 2, &c), 0);
	assert_string_equal(status_of(c), "expired");
	json_decref(c);
	assert_int_equal(svc_certificate_get(&trainer.ctx, 99, &c), ERR_NOTFOUND);
	assert_int_equal(fx_count("audit", "action = 'certificate.read'"), 2);
}

struct revoke_arg {
	struct fx_user *as;
	int64_t id;
	json_t *body, *got;
};

static int revoke_use_case(void *arg)
{
	struct revoke_arg *a = arg;
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_decref(a->got);
	a->got = NULL;
	int r = svc_certificate_revoke(&a->as->ctx, a->id, a->body, &errs, &a->got);
	field_errors_done(&errs);
	return r;
}

static void a_revoke_is_whole_sealed_and_once_under(fx_failure_loop each)
{
	world();
	struct fx_user trainer;
	fx_user(&trainer, ROLE_TRAINER, NULL);
	struct revoke_arg a = {.as = &trainer, .id = 1, .body = fx_json("{\"reason\": \"Issued to the wrong person\"}")};
	each(revoke_use_case, &a);
	assert_int_equal(fx_count("certificate", "id = 1 AND revoked_at = '2026-11-28T18:40:00Z'"), 1);
	assert_int_equal(fx_count("certificate", "revoke_reason IS NOT NULL"), 1);
	assert_int_equal(fx_count("audit", "action = 'certificate.revoke'"), 1);
	assert_string_equal(status_of(a.got), "revoked");
	assert_string_equal(json_string_value(json_object_get(a.got, "revoke_reason")), "Issued to the wrong person");

	/* Once only: a second revoke is refused and changes nothing. */
	assert_int_equal(revoke_use_case(&a), ERR_CONFLICT);
	assert_int_equal(fx_count("audit", "action = 'certificate.revoke'"), 1);
	json_decref(a.body);
	json_decref(a.got);
}

FX_TESTS_UNDER_BOTH_LOOPS(a_revoke_is_whole_sealed_and_once, a_revoke_is_whole_sealed_and_once_when_allocations_fail,
			  a_revoke_is_whole_sealed_and_once_under)

UNIT_TEST_WITH(a_revoke_needs_a_reason_and_the_trainer, fx_setup, fx_teardown)
{
	world();
	struct fx_user trainer;
	fx_user(&trainer, ROLE_TRAINER, NULL);
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *blank = fx_json("{\"reason\": \"  \"}"), *none = fx_json("{}"), *got = NULL;
	assert_int_equal(svc_certificate_revoke(&trainer.ctx, 1, blank, &errs, &got), ERR_INVAL);
	assert_true(fx_names_field(&errs, "reason"));
	field_errors_done(&errs);
	field_errors_init(&errs, 10);
	assert_int_equal(svc_certificate_revoke(&trainer.ctx, 1, none, &errs, &got), ERR_INVAL);
	assert_true(fx_names_field(&errs, "reason"));
	field_errors_done(&errs);
	json_t *body = fx_json("{\"reason\": \"Wrong person\"}");
	for (size_t i = 0; i < FX_ROLES_BUT_ADMIN; i++) {
		if (fx_roles_but_admin[i].role == ROLE_TRAINER)
			continue;
		struct fx_user u;
		fx_user(&u, fx_roles_but_admin[i].role, fx_roles_but_admin[i].scope);
		field_errors_init(&errs, 10);
		assert_int_equal(svc_certificate_revoke(&u.ctx, 1, body, &errs, &got), ERR_PERM);
		field_errors_done(&errs);
	}
	assert_int_equal(fx_count("certificate", "revoked_at IS NOT NULL"), 0);
	assert_int_equal(fx_count("audit", "action = 'certificate.revoke'"), 0);
	field_errors_init(&errs, 10);
	assert_int_equal(svc_certificate_revoke(&trainer.ctx, 77, body, &errs, &got), ERR_NOTFOUND);
	field_errors_done(&errs);
	json_decref(blank);
	json_decref(none);
	json_decref(body);
}

UNIT_TEST_WITH(only_training_roles_read_certificates_and_trainers, fx_setup, fx_teardown)
{
	world();
	struct cert_filter f = {0};
	for (size_t i = 0; i < FX_ROLES_BUT_ADMIN; i++) {
		enum role role = fx_roles_but_admin[i].role;
		if (role == ROLE_TRAINER || role == ROLE_PROVIDER)
			continue;
		struct fx_user u;
		fx_user(&u, role, fx_roles_but_admin[i].scope);
		struct field_errors errs;
		field_errors_init(&errs, 10);
		json_t *got = NULL;
		assert_int_equal(svc_certificates_list(&u.ctx, &f, &errs, &got), ERR_PERM);
		assert_int_equal(svc_certificate_get(&u.ctx, 1, &got), ERR_PERM);
		assert_int_equal(svc_certificate_print(&u.ctx, 1, &got), ERR_PERM);
		assert_int_equal(svc_trainers_list(&u.ctx, &first_page, &page_errs, &got), ERR_PERM);
		assert_int_equal(svc_trainer_get(&u.ctx, 1, &got), ERR_PERM);
		field_errors_done(&errs);
	}
	assert_int_equal(fx_count("audit", "action LIKE 'certificate.%' OR action = 'training.trainers'"), 0);
}

static size_t list_count(struct fx_user *u, struct cert_filter *f, json_t **next)
{
	struct field_errors errs;
	field_errors_init(&errs, 10);
	json_t *got = NULL;
	assert_int_equal(svc_certificates_list(&u->ctx, f, &errs, &got), 0);
	field_errors_done(&errs);
	size_t n = json_array_size(json_object_get(got, "items"));
	if (next)
		*next = json_incref(json_object_get(got, "next"));
	json_decref(got);
	return n;
}

UNIT_TEST_WITH(a_provider_user_reads_only_its_own_staffs_certificates, fx_setup, fx_teardown)
{
	world();
	struct fx_user p1, p2, trainer;
	fx_user(&p1, ROLE_PROVIDER, "P1");
	fx_user(&p2, ROLE_PROVIDER, "P2");
	fx_user(&trainer, ROLE_TRAINER, NULL);
	struct cert_filter f = {0};
	assert_int_equal(list_count(&trainer, &f, NULL), 4);
	assert_int_equal(list_count(&p1, &f, NULL), 2);
	assert_int_equal(list_count(&p2, &f, NULL), 1);
	json_t *got = NULL;
	assert_int_equal(svc_certificate_get(&p1.ctx, 2, &got), ERR_NOTFOUND);
	assert_int_equal(svc_certificate_get(&p2.ctx, 2, &got), 0);
	/* The reason of a revoke is for those who keep certificates. */
	assert_false(json_object_get(got, "revoke_reason") != NULL);
	json_decref(got);

	/* Filters and pages. */
	f.course = "train_the_trainer";
	assert_int_equal(list_count(&trainer, &f, NULL), 2);
	f = (struct cert_filter){.trainee = 1, .limit = 1};
	json_t *next = NULL;
	assert_int_equal(list_count(&trainer, &f, &next), 1);
	assert_true(json_is_string(next));
	f.after = json_string_value(next);
	json_t *last = NULL;
	assert_int_equal(list_count(&trainer, &f, &last), 1);
	assert_true(json_is_null(last));
	json_decref(next);
	json_decref(last);

	struct field_errors errs;
	field_errors_init(&errs, 10);
	f = (struct cert_filter){.course = "knitting", .after = "x"};
	assert_int_equal(svc_certificates_list(&trainer.ctx, &f, &errs, &got), ERR_INVAL);
	assert_true(fx_names_field(&errs, "course"));
	assert_true(fx_names_field(&errs, "after"));
	field_errors_done(&errs);
}

UNIT_TEST_WITH(the_public_check_answers_only_course_date_and_validity, fx_setup, fx_teardown)
{
	world();
	json_t *v = NULL;
	int retry = 0;
	assert_int_equal(svc_certificate_verify(&fx.app, "10.0.0.1", "K7M2Q9XW4R", &v, &retry), 0);
	assert_int_equal(json_object_size(v), 4);
	assert_true(json_is_true(json_object_get(v, "valid")));
	assert_string_equal(status_of(v), "valid");
	assert_string_equal(json_string_value(json_object_get(v, "completed_on")), "2026-03-03");
	assert_string_equal(json_string_value(json_object_get(v, "course_name")), pack_course(fx.app.pack, "day1")->name);
	char *text = json_dump_text(v, 0);
	assert_non_null(text);
	assert_null(strstr(text, "Ann"));
	assert_null(strstr(text, "Org"));
	free(text);
	json_decref(v);
	/* As typed by hand: small letters, hyphens, spaces around. */
	assert_int_equal(svc_certificate_verify(&fx.app, "10.0.0.1", " k7m2-q9xw-4r ", &v, &retry), 0);
	assert_true(json_is_true(json_object_get(v, "valid")));
	json_decref(v);
	assert_int_equal(svc_certificate_verify(&fx.app, "10.0.0.1", "B4N8T2ZD6H", &v, &retry), 0);
	assert_true(json_is_false(json_object_get(v, "valid")));
	assert_string_equal(status_of(v), "expired");
	json_decref(v);
	/* Forged, or not a code at all: the same answer as any unknown code. */
	static const char *const forged[] = {"K7M2Q9XW4S", "<script>", "", "' OR 1=1 --",
					     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
	for (size_t i = 0; i < sizeof forged / sizeof *forged; i++) {
		assert_int_equal(svc_certificate_verify(&fx.app, "10.0.0.1", forged[i], &v, &retry), 0);
		assert_int_equal(json_object_size(v), 2);
		assert_true(json_is_false(json_object_get(v, "valid")));
		assert_string_equal(status_of(v), "unknown");
		json_decref(v);
	}
	fx_exec("UPDATE certificate SET revoked_at = '2026-11-01T00:00:00Z' WHERE id = 1");
	assert_int_equal(svc_certificate_verify(&fx.app, "10.0.0.1", "K7M2Q9XW4R", &v, &retry), 0);
	assert_true(json_is_false(json_object_get(v, "valid")));
	assert_string_equal(status_of(v), "revoked");
	json_decref(v);
}

UNIT_TEST_WITH(a_printed_certificate_carries_its_check_address_and_qr_code, fx_setup, fx_teardown)
{
	world();
	struct fx_user trainer;
	fx_user(&trainer, ROLE_TRAINER, NULL);
	json_t *c = NULL;
	assert_int_equal(svc_certificate_print(&trainer.ctx, 1, &c), 0);
	assert_string_equal(json_string_value(json_object_get(c, "verify_url")), "/verify?code=K7M2Q9XW4R");
	assert_non_null(strstr(json_string_value(json_object_get(c, "qr_svg")), "<svg"));
	json_decref(c);
	assert_int_equal(fx_count("audit", "action = 'certificate.print' AND object_id = '1'"), 1);
}

static json_t *trainer_named(json_t *list, const char *name)
{
	size_t i;
	json_t *t;
	json_array_foreach(list, i, t)
	{
		if (json_is_string(json_object_get(t, "name")) && strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
			return t;
	}
	return NULL;
}

static int64_t num(json_t *j, const char *key)
{
	return json_integer_value(json_object_get(j, key));
}

UNIT_TEST_WITH(the_cascade_counts_two_levels_of_reach, fx_setup, fx_teardown)
{
	world();
	struct fx_user trainer, p1;
	fx_user(&trainer, ROLE_TRAINER, NULL);
	fx_user(&p1, ROLE_PROVIDER, "P1");
	json_t *doc = NULL;
	assert_int_equal(svc_trainers_list(&trainer.ctx, &first_page, &page_errs, &doc), 0);
	json_t *list = json_object_get(doc, "items");
	assert_int_equal(json_array_size(list), 2);
	json_t *ann = trainer_named(list, "Ann Example"), *cy = trainer_named(list, "Cy Example");
	assert_non_null(ann);
	assert_non_null(cy);
	/* The cancelled session counts for nothing: Ed is not Ann's. */
	assert_int_equal(num(ann, "sessions"), 1);
	assert_int_equal(num(ann, "reached"), 3);
	json_t *next = json_object_get(ann, "trainers_reached");
	assert_int_equal(json_array_size(next), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(next, 0), "name")), "Cy Example");
	assert_int_equal(num(json_array_get(next, 0), "reached"), 3);
	/* Through Cy: Ed and Flo (Di Ann reached herself). */
	assert_int_equal(num(ann, "reached_second_level"), 2);
	assert_int_equal(num(cy, "reached"), 3);
	assert_int_equal(json_array_size(json_object_get(cy, "trainers_reached")), 0);
	json_decref(doc);

	/* Cy's certificate lapses tomorrow: then Cy is no trainer, and Ann's
	 * cascade stops at the first level. */
	fx_exec("UPDATE certificate SET expires_at = '2026-11-27' WHERE id = 4");
	assert_int_equal(svc_trainer_get(&trainer.ctx, 3, &doc), ERR_NOTFOUND);
	assert_int_equal(svc_trainer_get(&trainer.ctx, 1, &doc), 0);
	assert_int_equal(json_array_size(json_object_get(doc, "sessions")), 1);
	assert_int_equal(num(json_array_get(json_object_get(doc, "sessions"), 0), "attended"), 3);
	assert_int_equal(num(doc, "reached_second_level"), 0);
	json_decref(doc);
	fx_exec("UPDATE certificate SET expires_at = NULL WHERE id = 4");

	/* A provider user: its own staff's trainers, and other people's
	 * names withheld. */
	assert_int_equal(svc_trainers_list(&p1.ctx, &first_page, &page_errs, &doc), 0);
	list = json_object_get(doc, "items");
	assert_int_equal(json_array_size(list), 1);
	next = json_object_get(json_array_get(list, 0), "trainers_reached");
	assert_true(json_is_null(json_object_get(json_array_get(next, 0), "name")));
	assert_true(json_is_true(json_object_get(json_array_get(next, 0), "withheld")));
	json_decref(doc);
	assert_int_equal(svc_trainer_get(&p1.ctx, 3, &doc), ERR_NOTFOUND);
	assert_int_equal(svc_trainer_get(&trainer.ctx, 4, &doc), ERR_NOTFOUND);
	assert_int_equal(fx_count("audit", "action = 'training.trainers'"), 3);
}

int main(void)
{
	return unit_run("tests", NULL, NULL);
}
