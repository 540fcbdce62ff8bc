/* audit_labels.c: the audit actions in words (audit_labels.h). */
#include "model/audit_labels.h"

#include <stdio.h>
#include <string.h>

#include "model/schema.h"

static const struct {
	const char *action, *label;
} labels[] = {
	{"login.success", "Logged in"},
	{"login.password", "Password right, code next"},
	{"login.failure", "Login failed"},
	{"logout", "Logged out"},
	{"session.end", "Ended a session"},
	{"sessions.end_all", "Ended all sessions"},
	{"mfa.enrol.begin", "Began setting up an authenticator"},
	{"mfa.enrolled", "Set up an authenticator"},
	{"mfa.reset", "Removed an authenticator"},
	{"user.create", "Added a user"},
	{"user.update", "Changed a user"},
	{"user.list", "Listed the users"},
	{"user.locked", "Account locked"},
	{"user.setup.issue", "Issued a set-up link"},
	{"user.setup.use", "Chose a password with a set-up link"},
	{"user.setup.refused", "Set-up link refused"},
	{"user.case_access", "Account given case access"},
	{"access_notice.acknowledge", "Acknowledged an account given case access"},
	{"permission.denied", "Refused: not allowed"},
	{"record.restricted", "Refused: a restricted record"},
	{"break_glass", "Broke the glass to open a restricted record"},
	{"key.rotate", "Rotated the keys"},
	{"person.match", "Searched for a child"},
	{"person.read", "Saw a child's record"},
	{"person.create", "Recorded a child"},
	{"person.import", "Recorded children"},
	{"person.merge", "Merged two records of a child"},
	{"person.merge_undo", "Undid a merge of records"},
	{"intake.create", "Recorded a report"},
	{"intake.read", "Read a report"},
	{"intake.list", "Listed reports"},
	{"intake.link", "Linked a child of a report to a record"},
	{"intake.screen", "Screened a report"},
	{"intake.dispose", "Decided a report"},
	{"intake.accepted", "Report accepted"},
	{"draft.save", "Saved a draft report"},
	{"case.open", "Opened a case"},
	{"case.read", "Read a case"},
	{"case.list", "Listed cases"},
	{"case.update", "Changed a case"},
	{"case.event", "Recorded on a case's timeline"},
	{"case.report", "Recorded a report made"},
	{"case.rapid_offers", "Read the rapid response offers"},
	{"dashboard.read", "Read the dashboard"},
	{"deadlines.list", "Listed deadlines"},
	{"deadlines.read", "Read deadlines"},
	{"team.create", "Created a team"},
	{"team.read", "Read a team"},
	{"team.member_add", "Added a team member"},
	{"team.member_remove", "Removed a team member"},
	{"review.schedule", "Scheduled a case review"},
	{"review.update", "Recorded a case review"},
	{"review.action_item_done", "Marked an action item done"},
	{"review.action_item_done_correct", "Corrected the time an action item was done"},
	{"contact.create", "Added a contact"},
	{"contact.update", "Changed a contact"},
	{"stats.read", "Read a figure"},
	{"referrals.import", "Imported past referrals"},
	{"provider.create", "Added a provider"},
	{"provider.update", "Changed a provider"},
	{"provider.export", "Exported the provider directory"},
	{"provider.staff_read", "Read a provider's staff"},
	{"provider.informed", "Changed a provider's trafficking-informed status"},
	{"provider.informed_notice", "Told a provider its status lapses"},
	{"referral.create", "Referred a child to a provider"},
	{"referral.read", "Read a referral"},
	{"referral.list", "Listed referrals"},
	{"referral.update", "Changed a referral"},
	{"referral.rerefer", "Referred a child again"},
	{"plan.read", "Read a plan"},
	{"plan.write", "Wrote a plan"},
	{"relief.create", "Recorded record relief"},
	{"relief.list", "Listed record relief"},
	{"relief.read", "Read record relief"},
	{"relief.update", "Changed record relief"},
	{"training.trainee_create", "Added a person trained"},
	{"training.trainee_read", "Read a person trained"},
	{"training.trainee_list", "Listed people trained"},
	{"training.trainee_update", "Changed a person trained"},
	{"training.session_create", "Scheduled a training session"},
	{"training.session_read", "Read a training session"},
	{"training.session_update", "Changed a training session"},
	{"training.session_cancel", "Cancelled a training session"},
	{"training.register", "Registered for a training session"},
	{"training.unregister", "Cancelled a registration"},
	{"training.attendance", "Recorded attendance"},
	{"training.import", "Imported a sign-in sheet"},
	{"training.trainers", "Read the trainers"},
	{"certificate.list", "Listed certificates"},
	{"certificate.read", "Read a certificate"},
	{"certificate.print", "Printed a certificate"},
	{"certificate.revoke", "Revoked a certificate"},
	{"audit.export", "Exported the audit trail"},
	{"pack.recorded", "Recorded the jurisdiction settings the server runs with"},
	{"pack.changed", "Changed the jurisdiction settings the server runs with"},
	{"attachment.add", "Attached a file"},
	{"attachment.list", "Listed attached files"},
	{"attachment.download", "Downloaded an attached file"},
	{"case.assign", "Assigned a case"},
	{"case.unassign", "Took someone off a case"},
	{"case.reopen", "Reopened a case"},
	{"case.print", "Printed a case summary"},
	{"case.event_correct", "Corrected a timeline entry"},
	{"caseload.read", "Read the caseload"},
	{"missing.start", "Recorded a child missing"},
	{"missing.locate", "Recorded a child located"},
	{"missing.locate_correct", "Corrected the time a child was located"},
	{"rapid.request", "Requested a rapid response"},
	{"rapid.arrive", "Recorded a rapid response's arrival"},
};

const char *audit_action_label(const char *action)
{
	for (size_t i = 0; action && i < sizeof labels / sizeof *labels; i++)
		if (strcmp(labels[i].action, action) == 0)
			return labels[i].label;
	return NULL;
}

const char *audit_action_words(const char *action, char *out, size_t size)
{
	const char *l = audit_action_label(action);
	if (l && snprintf(out, size, "%s", l) >= 0)
		return out;
	return field_key_words(action ? action : "", out, size);
}

bool audit_action_at(size_t i, const char **ret_action, const char **ret_label)
{
	if (i >= sizeof labels / sizeof *labels)
		return false;
	*ret_action = labels[i].action;
	*ret_label = labels[i].label;
	return true;
}

bool audit_action_folds(const char *action)
{
	return action && strcmp(action, "stats.read") == 0;
}
