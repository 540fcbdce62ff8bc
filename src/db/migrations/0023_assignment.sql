-- 0023: who works a case, and how a case is closed (docs/cases.md,
-- "Assignment" and "Closing and reopening").
--
-- case_assignment keeps every lead and worker a case has had: a transfer
-- ends one row and starts another, so the history stays. child_case's
-- lead_user_id stays the current lead, for the lists that show it.
CREATE TABLE case_assignment (
	id @ID@,
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	user_id BIGINT NOT NULL REFERENCES app_user (id),
	role TEXT NOT NULL,
	started_at TEXT NOT NULL,
	started_by BIGINT REFERENCES app_user (id),
	ended_at TEXT,
	ended_by BIGINT REFERENCES app_user (id)
);
CREATE INDEX case_assignment_case ON case_assignment (case_id, ended_at);
CREATE INDEX case_assignment_user ON case_assignment (user_id, ended_at);
-- One current lead per case, one current row per worker.
CREATE UNIQUE INDEX case_assignment_current ON case_assignment (case_id, user_id) WHERE ended_at IS NULL;

-- The leads set before assignments were kept, as their first assignment.
INSERT INTO case_assignment (case_id, user_id, role, started_at, started_by)
	SELECT id, lead_user_id, 'lead', updated_at, NULL FROM child_case WHERE lead_user_id IS NOT NULL;

-- Why a case was closed (a closure reason of the agency's list), and the
-- status it had, to which reopening returns it.
ALTER TABLE child_case ADD COLUMN closure_reason TEXT;
ALTER TABLE child_case ADD COLUMN closed_from TEXT;
