/* The route table: every URL the server answers. A route missing here does
 * not exist. A row reads {method, pattern, handler, flags, permission,
 * body schema}: routes need a session unless marked HTTP_PUBLIC, and the
 * dispatcher checks the permission (model/access.c says which roles hold
 * it) and the body before the handler runs. The body's schema is the
 * service's own (svc_<use case>_schema, declared in its header), which the
 * service checks again for the command line. The tests walk this table
 * (`hartline routes` prints it) against their expected-access table. */
#include "http/h_attachments.h"
#include "http/h_cases.h"
#include "http/h_corrections.h"
#include "http/h_plans.h"
#include "http/h_persons.h"
#include "http/h_stats.h"
#include "http/h_teams.h"
#include "http/h_certificates.h"
#include "http/h_providers.h"
#include "http/h_referrals.h"
#include "http/h_training.h"
#include "http/h_training_import.h"
#include "http/http.h"
#include "service/auth.h"
#include "service/cases.h"
#include "service/child.h"
#include "service/contacts.h"
#include "service/drafts.h"
#include "service/intake.h"
#include "service/persons.h"
#include "service/providers.h"
#include "service/plans.h"
#include "service/relief.h"
#include "service/referrals.h"
#include "service/setup.h"
#include "service/teams.h"
#include "service/training.h"
#include "service/training_certs.h"
#include "service/users.h"

/* One row a line, however long: the table is read across. */
/* clang-format off */
const struct http_route http_routes[] = {
	{"GET", "/healthz", h_healthz, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	/* No session: read from the addresses allowed or with the metrics token (http/metrics.h). */
	{"GET", "/metrics", h_metrics, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/api/v1/config", h_config, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"POST", "/api/v1/config/validate", h_config_validate, HTTP_JSON_BODY, PERM_CONFIG_CHECK, NULL}, /* schema: none, a pack: model/pack checks it whole */

	{"POST", "/api/v1/session", h_session_create, HTTP_PUBLIC | HTTP_JSON_BODY | HTTP_OFFLOAD, HTTP_NO_PERM, &svc_auth_login_schema},
	{"DELETE", "/api/v1/session", h_session_delete, HTTP_MFA_STEP, PERM_SESSION, NULL},
	{"GET", "/api/v1/session", h_session_state, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/api/v1/me", h_me, HTTP_MFA_STEP, PERM_SESSION, NULL},
	{"POST", "/api/v1/session/second-factor", h_session_mfa, HTTP_MFA_STEP | HTTP_JSON_BODY, PERM_SESSION, &svc_auth_mfa_verify_schema},
	{"POST", "/api/v1/session/second-factor/enrolment", h_mfa_enrol_begin, HTTP_MFA_STEP, PERM_SESSION, NULL},
	{"POST", "/api/v1/session/second-factor/enrolment/confirm", h_mfa_enrol_confirm, HTTP_MFA_STEP | HTTP_JSON_BODY, PERM_SESSION, &svc_auth_mfa_enrol_confirm_schema},
	{"GET", "/api/v1/me/sessions", h_my_sessions, 0, PERM_SESSION, NULL},
	{"DELETE", "/api/v1/me/sessions/{sid}", h_my_session_delete, 0, PERM_SESSION, NULL},

	{"GET", "/api/v1/users", h_users_list, 0, PERM_USERS_MANAGE, NULL},
	{"POST", "/api/v1/users", h_users_create, HTTP_JSON_BODY, PERM_USERS_MANAGE, &svc_users_create_schema},
	{"GET", "/api/v1/users/{id}", h_users_get, 0, PERM_USERS_MANAGE, NULL},
	{"PATCH", "/api/v1/users/{id}", h_users_update, HTTP_JSON_BODY, PERM_USERS_MANAGE, &svc_users_update_schema},
	{"POST", "/api/v1/users/{id}/setup-link", h_users_setup_link, 0, PERM_USERS_MANAGE, NULL},
	/* The person with a set-up link has no session: the link is the key. */
	{"POST", "/api/v1/setup/check", h_setup_check, HTTP_PUBLIC | HTTP_JSON_BODY, HTTP_NO_PERM, &svc_setup_check_schema},
	{"POST", "/api/v1/setup", h_setup_complete, HTTP_PUBLIC | HTTP_JSON_BODY, HTTP_NO_PERM, &svc_setup_complete_schema},
	{"POST", "/api/v1/access-notices/{id}/acknowledge", h_access_notice_ack, 0, PERM_ACCESS_REVIEW, NULL},
	{"DELETE", "/api/v1/users/{id}/sessions", h_user_sessions_delete, 0, PERM_USERS_MANAGE, NULL},
	{"DELETE", "/api/v1/users/{id}/second-factor", h_user_mfa_delete, 0, PERM_USERS_MANAGE, NULL},

	{"GET", "/api/v1/audit", h_audit_list, 0, PERM_AUDIT_READ, NULL},
	{"GET", "/api/v1/audit/export", h_audit_export, 0, PERM_AUDIT_READ, NULL},
	{"GET", "/api/v1/audit/actions", h_audit_actions, 0, PERM_AUDIT_READ, NULL},

	{"POST", "/api/v1/persons/match", h_persons_match, HTTP_JSON_BODY, PERM_PERSONS_MATCH, &svc_persons_match_schema},

	/* A report is checked whole by its service, the children and the reporter
	 * with the top level, so that one 422 names every field at once. */
	{"POST", "/api/v1/intakes", h_intake_create, HTTP_JSON_BODY, PERM_INTAKE_WRITE, NULL}, /* schema: svc_intake_create_schema, run by the service */
	{"GET", "/api/v1/intakes", h_intake_list, 0, PERM_INTAKE_READ, NULL},
	{"GET", "/api/v1/intakes/{id}", h_intake_get, 0, PERM_INTAKE_READ, NULL},
	{"GET", "/api/v1/intakes/{id}/children/{child}/candidates", h_intake_candidates, 0, PERM_INTAKE_WRITE, NULL},
	{"POST", "/api/v1/intakes/{id}/children/{child}/link", h_intake_link, HTTP_JSON_BODY, PERM_INTAKE_WRITE, &svc_intake_link_schema},
	{"POST", "/api/v1/intakes/{id}/screenings", h_intake_screen, HTTP_JSON_BODY, PERM_INTAKE_WRITE, &svc_intake_screen_schema},
	{"POST", "/api/v1/intakes/{id}/disposition", h_intake_dispose, HTTP_JSON_BODY, PERM_INTAKE_DISPOSE, &svc_intake_dispose_schema},

	{"GET", "/api/v1/notifications", h_notifications, 0, PERM_SESSION, NULL},
	{"POST", "/api/v1/notifications/{id}/read", h_notification_read, 0, PERM_SESSION, NULL},
	{"POST", "/api/v1/notifications/read", h_notifications_read_all, 0, PERM_SESSION, NULL},
	{"GET", "/api/v1/outbox", h_outbox, 0, PERM_OUTBOX_READ, NULL},

	{"GET", "/api/v1/drafts/{kind}", h_draft_get, 0, PERM_INTAKE_WRITE, NULL},
	{"PUT", "/api/v1/drafts/{kind}", h_draft_put, HTTP_JSON_BODY, PERM_INTAKE_WRITE, &svc_draft_put_schema},
	{"DELETE", "/api/v1/drafts/{kind}", h_draft_delete, 0, PERM_INTAKE_WRITE, NULL},

/* Cases, duties, the dashboard (h_cases.c), and MDT teams and contacts
 * (h_teams.c). */
#include "http/routes_cases.inc"
#include "http/routes_assign.inc"
#include "http/routes_teams.inc"
/* Corrections of a timeline entry, a located time, a done time (h_corrections.c). */
#include "http/routes_corrections.inc"
/* A child's page, merges, record relief, break the glass (h_persons.c). */
#include "http/routes_persons.inc"
/* Figures and the import of past years (h_stats.c). */
#include "http/routes_stats.inc"
/* The provider directory and rapid response dispatch (h_providers.c). */
#include "http/routes_providers.inc"
/* A case's safety and service plans (h_plans.c). */
#include "http/routes_plans.inc"
/* Attachments to a case or a child (h_attachments.c). */
#include "http/routes_attachments.inc"
/* Service referrals (h_referrals.c). */
#include "http/routes_referrals.inc"
/* Training: trainees, sessions, registration, attendance (h_training.c). */
#include "http/routes_training.inc"
/* Training certificates, their public check, the trainers' cascade (h_certificates.c). */
#include "http/routes_certificates.inc"

	{"GET", "/", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/app.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/common.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/admin.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/settingscheck.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/find.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/intake.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/report.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/queue.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/listpage.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/notify.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/dashboard.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/cases.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/timeline.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/confirm.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/teams.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/contacts.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/figures.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/plans.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/assign.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/caseload.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/closing.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/mywork.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/print.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/import.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/account.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/person.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/app.css", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/favicon.svg", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/setup", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
	{"GET", "/setup.js", h_static, HTTP_PUBLIC, HTTP_NO_PERM, NULL},
};
/* clang-format on */

const size_t http_routes_count = sizeof http_routes / sizeof http_routes[0];
