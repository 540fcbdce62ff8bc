/* access: roles, their scopes and what each may do.
 *
 * The table in access.c is the one place that says which role holds which
 * permission; services ask role_may() on every call. Scope narrows a
 * permission further (a liaison sees one region, an MDT member one team, a
 * provider one agency); services check scope against the object. */
#pragma once

#include <stdbool.h>

enum role {
	ROLE_CARELINE, /* takes calls, records and screens reports */
	ROLE_HART,     /* statewide oversight */
	ROLE_LIAISON,  /* runs cases in one region */
	ROLE_MDT,      /* sits on one MDT team */
	ROLE_PROVIDER, /* staff of one provider agency */
	ROLE_TRAINER,  /* training records only */
	ROLE_ANALYST,  /* de-identified aggregates only */
	ROLE_ADMIN,    /* users and configuration; no case content */
	ROLE_COUNT
};

enum scope_kind { SCOPE_NONE, SCOPE_REGION, SCOPE_TEAM, SCOPE_PROVIDER };

enum perm {
	PERM_SESSION,      /* see oneself, log out: every role */
	PERM_USERS_MANAGE, /* create, list, change and disable users */
	PERM_AUDIT_READ,   /* read the audit trail */
	PERM_CONFIG_CHECK, /* check a jurisdiction pack */
	PERM_KEYS_ROTATE,  /* re-seal everything under a new key */
	PERM_PERSONS_MATCH, /* ask whether a child is known (identity resolution) */
	PERM_PERSONS_WRITE, /* record a child */
	PERM_INTAKE_WRITE,  /* record and screen a report */
	PERM_INTAKE_READ,   /* read reports (a liaison: of its region) */
	PERM_INTAKE_DISPOSE, /* decide what happens to a report */
	PERM_OUTBOX_READ,    /* see e-mail sent and failed */
	PERM_CASES_READ,     /* read cases (liaison: its region; mdt: its team's, the MDT view) */
	PERM_CASES_OPEN,     /* open a case from an accepted report */
	PERM_CASES_WRITE,    /* change a case, record events, reports, missing episodes */
	PERM_DEADLINES_READ, /* the duties and their deadlines */
	PERM_TEAMS_READ,     /* MDT teams, members and case reviews (mdt: its own team) */
	PERM_TEAMS_MANAGE,   /* create teams, add and remove members */
	PERM_REVIEWS_WRITE,  /* schedule and record case reviews and action items */
	PERM_CONTACTS_READ,  /* the staff contacts directory */
	PERM_CONTACTS_MANAGE, /* keep the contacts directory */
	PERM_STATS_READ,      /* figures (analyst: always with small counts hidden; liaison: its region) */
	PERM_REFERRALS_IMPORT, /* import past years' referrals */
	PERM_ACCESS_REVIEW,    /* see and acknowledge accounts given case access */
	PERM_PERSONS_READ,     /* a child's page (liaison: its region's; mdt: its team's cases) */
	PERM_PERSONS_MERGE,    /* merge two records of one child, and undo it */
	PERM_PROVIDERS_READ,   /* search the provider directory */
	PERM_PROVIDERS_MANAGE, /* add and change providers */
	PERM_REFERRALS_READ,   /* service referrals (provider: its agency's, with the pack's view of the child) */
	PERM_REFERRALS_WRITE,  /* refer a child to a provider from a case, re-refer, withdraw */
	PERM_REFERRALS_ANSWER, /* a provider answers, starts, updates and closes its referrals */
	PERM_PLANS_READ,       /* safety and service plans of the cases in scope */
	PERM_PLANS_WRITE,      /* write a plan's new version */
	PERM_RELIEF_READ,      /* a child's record relief */
	PERM_RELIEF_WRITE,     /* record and advance record relief */
	PERM_TRAINING_MANAGE,  /* schedule sessions, register, take attendance, certificates, imports */
	PERM_TRAINING_READ,    /* training records (provider: its own staff's) */
	PERM_TRAINING_STATS,   /* training figures */
	PERM_ATTACHMENTS_READ,  /* list and download a case's or a child's attachments */
	PERM_ATTACHMENTS_WRITE, /* attach a file to a case or a child */
	PERM_CASES_REOPEN,     /* reopen a closed case */
	PERM_CASELOAD_READ,    /* each worker's open cases, overdue duties and missing children (liaison: its region) */
	PERM_ACTION_ITEMS_DONE, /* mark an action item done (mdt: only one it owns) */
	PERM_COUNT
};

/* "careline", "hart", ...; NULL for an invalid role. */
const char *role_name(enum role r);
/* For people: "Hotline worker", "HART coordinator", ... */
const char *role_label(enum role r);
/* 0 and *ret set when s names a role; ERR_INVAL otherwise. */
int role_parse(const char *s, enum role *ret);
/* The kind of scope a role needs (a region for liaison, ...). */
enum scope_kind role_scope_kind(enum role r);
/* "region", "team", "provider" or NULL. */
const char *scope_kind_name(enum scope_kind k);

const char *perm_name(enum perm p);
bool role_may(enum role r, enum perm p);
/* Whether a role reads case content (children, reports, cases) in some
 * scope: giving it to an account is told to HART. */
bool role_reads_case_content(enum role r);
