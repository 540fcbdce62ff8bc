/* audit_labels: what each audit action means, in words an administrator
 * reads in the audit view and its export ("stats.read" is "Read a
 * figure"). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The words for action, or NULL when the table has none. */
const char *audit_action_label(const char *action);

/* The label of action, or the action in words when the table has none
 * ("case.rapid_offers" is "Case rapid offers"). Into out; out. */
const char *audit_action_words(const char *action, char *out, size_t size);

/* The i-th action of the table and its label (for the view's choice of
 * action); false past the end. */
bool audit_action_at(size_t i, const char **ret_action, const char **ret_label);

/* Whether records of action are folded in the view: the same reader, the
 * same object, within AUDIT_FOLD_SECONDS, shown as one line with a count. */
bool audit_action_folds(const char *action);
#define AUDIT_FOLD_SECONDS 3600
