#include "model/access.h"

#include <string.h>

#include "base/err.h"

static const struct {
	const char *name, *label;
	enum scope_kind scope;
} roles[ROLE_COUNT] = {
	[ROLE_CARELINE] = {"careline", "Hotline worker", SCOPE_NONE},
	[ROLE_HART] = {"hart", "HART coordinator", SCOPE_NONE},
	[ROLE_LIAISON] = {"liaison", "Regional liaison", SCOPE_REGION},
	[ROLE_MDT] = {"mdt", "MDT member", SCOPE_TEAM},
	[ROLE_PROVIDER] = {"provider", "Provider staff", SCOPE_PROVIDER},
	[ROLE_TRAINER] = {"trainer", "Trainer", SCOPE_NONE},
	[ROLE_ANALYST] = {"analyst", "Analyst", SCOPE_NONE},
	[ROLE_ADMIN] = {"admin", "Administrator", SCOPE_NONE},
};

#define R(x) (1u << (x))
#define ALL_ROLES ((1u << ROLE_COUNT) - 1)

/* Which roles hold each permission. */
static const struct {
	const char *name;
	unsigned roles;
} perms[PERM_COUNT] = {
	[PERM_SESSION] = {"session", ALL_ROLES},
	[PERM_USERS_MANAGE] = {"users.manage", R(ROLE_ADMIN)},
	[PERM_AUDIT_READ] = {"audit.read", R(ROLE_ADMIN)},
	[PERM_CONFIG_CHECK] = {"config.check", R(ROLE_ADMIN)},
	[PERM_KEYS_ROTATE] = {"keys.rotate", R(ROLE_ADMIN)},
	[PERM_PERSONS_MATCH] = {"persons.match", R(ROLE_CARELINE) | R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_PERSONS_WRITE] = {"persons.write", R(ROLE_CARELINE) | R(ROLE_HART)},
	[PERM_INTAKE_WRITE] = {"intakes.write", R(ROLE_CARELINE) | R(ROLE_HART)},
	[PERM_INTAKE_READ] = {"intakes.read", R(ROLE_CARELINE) | R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_INTAKE_DISPOSE] = {"intakes.dispose", R(ROLE_CARELINE) | R(ROLE_HART)},
	[PERM_OUTBOX_READ] = {"outbox.read", R(ROLE_ADMIN)},
	[PERM_CASES_READ] = {"cases.read", R(ROLE_HART) | R(ROLE_LIAISON) | R(ROLE_MDT)},
	[PERM_CASES_OPEN] = {"cases.open", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_CASES_WRITE] = {"cases.write", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_DEADLINES_READ] = {"deadlines.read", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_TEAMS_READ] = {"teams.read", R(ROLE_HART) | R(ROLE_LIAISON) | R(ROLE_MDT)},
	[PERM_TEAMS_MANAGE] = {"teams.manage", R(ROLE_HART)},
	[PERM_REVIEWS_WRITE] = {"reviews.write", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_CONTACTS_READ] = {"contacts.read", ALL_ROLES},
	[PERM_CONTACTS_MANAGE] = {"contacts.manage", R(ROLE_HART) | R(ROLE_ADMIN)},
	[PERM_STATS_READ] = {"stats.read", R(ROLE_HART) | R(ROLE_LIAISON) | R(ROLE_ANALYST)},
	[PERM_REFERRALS_IMPORT] = {"referrals.import", R(ROLE_HART) | R(ROLE_ADMIN)},
	[PERM_ACCESS_REVIEW] = {"access.review", R(ROLE_HART)},
	[PERM_PERSONS_READ] = {"persons.read", R(ROLE_HART) | R(ROLE_LIAISON) | R(ROLE_MDT)},
	[PERM_PERSONS_MERGE] = {"persons.merge", R(ROLE_HART)},
	[PERM_PROVIDERS_READ] = {"providers.read", ALL_ROLES},
	[PERM_PROVIDERS_MANAGE] = {"providers.manage", R(ROLE_HART) | R(ROLE_ADMIN)},
	[PERM_REFERRALS_READ] = {"referrals.read", R(ROLE_HART) | R(ROLE_LIAISON) | R(ROLE_MDT) | R(ROLE_PROVIDER)},
	[PERM_REFERRALS_WRITE] = {"referrals.write", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_REFERRALS_ANSWER] = {"referrals.answer", R(ROLE_PROVIDER)},
	[PERM_PLANS_READ] = {"plans.read", R(ROLE_HART) | R(ROLE_LIAISON) | R(ROLE_MDT)},
	[PERM_PLANS_WRITE] = {"plans.write", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_ATTACHMENTS_READ] = {"attachments.read", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_ATTACHMENTS_WRITE] = {"attachments.write", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_RELIEF_READ] = {"relief.read", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_RELIEF_WRITE] = {"relief.write", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_TRAINING_MANAGE] = {"training.manage", R(ROLE_TRAINER)},
	[PERM_TRAINING_READ] = {"training.read", R(ROLE_TRAINER) | R(ROLE_PROVIDER)},
	[PERM_TRAINING_STATS] = {"training.stats", R(ROLE_TRAINER) | R(ROLE_HART) | R(ROLE_ANALYST)},
	[PERM_CASES_REOPEN] = {"cases.reopen", R(ROLE_HART)},
	[PERM_CASELOAD_READ] = {"caseload.read", R(ROLE_HART) | R(ROLE_LIAISON)},
	[PERM_ACTION_ITEMS_DONE] = {"items.done", R(ROLE_HART) | R(ROLE_LIAISON) | R(ROLE_MDT)},
};

/* The roles that read case content somewhere: every role that works with
 * children's records, whatever its scope. */
#define CASE_CONTENT_ROLES (R(ROLE_CARELINE) | R(ROLE_HART) | R(ROLE_LIAISON) | R(ROLE_MDT) | R(ROLE_PROVIDER))

const char *role_name(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].name : NULL;
}

const char *role_label(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].label : NULL;
}

int role_parse(const char *s, enum role *ret)
{
	for (int i = 0; s && i < ROLE_COUNT; i++)
		if (strcmp(s, roles[i].name) == 0) {
			*ret = (enum role)i;
			return 0;
		}
	return ERR_INVAL;
}

enum scope_kind role_scope_kind(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].scope : SCOPE_NONE;
}

const char *scope_kind_name(enum scope_kind k)
{
	switch (k) {
	case SCOPE_REGION: return "region";
	case SCOPE_TEAM: return "team";
	case SCOPE_PROVIDER: return "provider";
	case SCOPE_NONE: break;
	}
	return NULL;
}

const char *perm_name(enum perm p)
{
	return (unsigned)p < PERM_COUNT ? perms[p].name : NULL;
}

bool role_may(enum role r, enum perm p)
{
	return (unsigned)r < ROLE_COUNT && (unsigned)p < PERM_COUNT && (perms[p].roles & R(r)) != 0;
}

bool role_reads_case_content(enum role r)
{
	return (unsigned)r < ROLE_COUNT && (CASE_CONTENT_ROLES & R(r)) != 0;
}
