/* The route table: every URL the server answers. A route missing here does
 * not exist. Routes need a session unless marked HTTP_PUBLIC; what each
 * role may do is decided by the services. The tests walk this table
 * (`hartline routes` prints it) against their expected-access table. */
#include "http/h_cases.h"
#include "http/h_stats.h"
#include "http/h_teams.h"
#include "http/http.h"

const struct http_route http_routes[] = {
	{"GET", "/healthz", h_healthz, HTTP_PUBLIC},
	{"GET", "/api/v1/config", h_config, HTTP_PUBLIC},
	{"POST", "/api/v1/config/validate", h_config_validate, HTTP_JSON_BODY},

	{"POST", "/api/v1/session", h_session_create, HTTP_PUBLIC | HTTP_JSON_BODY | HTTP_OFFLOAD},
	{"DELETE", "/api/v1/session", h_session_delete, HTTP_MFA_STEP},
	{"GET", "/api/v1/me", h_me, HTTP_MFA_STEP},
	{"POST", "/api/v1/session/second-factor", h_session_mfa, HTTP_MFA_STEP | HTTP_JSON_BODY},
	{"POST", "/api/v1/session/second-factor/enrolment", h_mfa_enrol_begin, HTTP_MFA_STEP},
	{"POST", "/api/v1/session/second-factor/enrolment/confirm", h_mfa_enrol_confirm, HTTP_MFA_STEP | HTTP_JSON_BODY},
	{"GET", "/api/v1/me/sessions", h_my_sessions, 0},
	{"DELETE", "/api/v1/me/sessions/{sid}", h_my_session_delete, 0},

	{"GET", "/api/v1/users", h_users_list, 0},
	{"POST", "/api/v1/users", h_users_create, HTTP_JSON_BODY},
	{"GET", "/api/v1/users/{id}", h_users_get, 0},
	{"PATCH", "/api/v1/users/{id}", h_users_update, HTTP_JSON_BODY},
	{"POST", "/api/v1/users/{id}/setup-link", h_users_setup_link, 0},
	/* The person with a set-up link has no session: the link is the key. */
	{"POST", "/api/v1/setup/check", h_setup_check, HTTP_PUBLIC | HTTP_JSON_BODY},
	{"POST", "/api/v1/setup", h_setup_complete, HTTP_PUBLIC | HTTP_JSON_BODY},
	{"POST", "/api/v1/access-notices/{id}/acknowledge", h_access_notice_ack, 0},
	{"DELETE", "/api/v1/users/{id}/sessions", h_user_sessions_delete, 0},
	{"DELETE", "/api/v1/users/{id}/second-factor", h_user_mfa_delete, 0},

	{"GET", "/api/v1/audit", h_audit_list, 0},

	{"POST", "/api/v1/persons/match", h_persons_match, HTTP_JSON_BODY},

	{"POST", "/api/v1/intakes", h_intake_create, HTTP_JSON_BODY},
	{"GET", "/api/v1/intakes", h_intake_list, 0},
	{"GET", "/api/v1/intakes/{id}", h_intake_get, 0},
	{"GET", "/api/v1/intakes/{id}/children/{child}/candidates", h_intake_candidates, 0},
	{"POST", "/api/v1/intakes/{id}/children/{child}/link", h_intake_link, HTTP_JSON_BODY},
	{"POST", "/api/v1/intakes/{id}/screenings", h_intake_screen, HTTP_JSON_BODY},
	{"POST", "/api/v1/intakes/{id}/disposition", h_intake_dispose, HTTP_JSON_BODY},

	{"GET", "/api/v1/notifications", h_notifications, 0},
	{"POST", "/api/v1/notifications/{id}/read", h_notification_read, 0},
	{"GET", "/api/v1/outbox", h_outbox, 0},

	{"GET", "/api/v1/drafts/{kind}", h_draft_get, 0},
	{"PUT", "/api/v1/drafts/{kind}", h_draft_put, HTTP_JSON_BODY},
	{"DELETE", "/api/v1/drafts/{kind}", h_draft_delete, 0},

/* Cases, duties, the dashboard (h_cases.c), and MDT teams and contacts
 * (h_teams.c). */
#include "http/routes_cases.inc"
#include "http/routes_teams.inc"
/* Figures and the import of past years (h_stats.c). */
#include "http/routes_stats.inc"

	{"GET", "/", h_static, HTTP_PUBLIC},
	{"GET", "/app.js", h_static, HTTP_PUBLIC},
	{"GET", "/common.js", h_static, HTTP_PUBLIC},
	{"GET", "/admin.js", h_static, HTTP_PUBLIC},
	{"GET", "/find.js", h_static, HTTP_PUBLIC},
	{"GET", "/intake.js", h_static, HTTP_PUBLIC},
	{"GET", "/report.js", h_static, HTTP_PUBLIC},
	{"GET", "/queue.js", h_static, HTTP_PUBLIC},
	{"GET", "/notify.js", h_static, HTTP_PUBLIC},
	{"GET", "/dashboard.js", h_static, HTTP_PUBLIC},
	{"GET", "/cases.js", h_static, HTTP_PUBLIC},
	{"GET", "/teams.js", h_static, HTTP_PUBLIC},
	{"GET", "/contacts.js", h_static, HTTP_PUBLIC},
	{"GET", "/figures.js", h_static, HTTP_PUBLIC},
	{"GET", "/import.js", h_static, HTTP_PUBLIC},
	{"GET", "/account.js", h_static, HTTP_PUBLIC},
	{"GET", "/app.css", h_static, HTTP_PUBLIC},
	{"GET", "/favicon.svg", h_static, HTTP_PUBLIC},
	{"GET", "/setup", h_static, HTTP_PUBLIC},
	{"GET", "/setup.js", h_static, HTTP_PUBLIC},
};

const size_t http_routes_count = sizeof http_routes / sizeof http_routes[0];
