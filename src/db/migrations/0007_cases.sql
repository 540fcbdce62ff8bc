-- 0007: cases, their timeline, duties, missing episodes, reports, rapid responses (docs/cases.md).
--
-- Sealed: event text and a missing episode's circumstances (they speak of
-- the child). In the clear for figures and deadlines: numbers, regions,
-- statuses, kinds, times, agencies and officers, report references.

-- One child's response, for one episode. A person has at most one case
-- that is not closed (child_case_one_open).
CREATE TABLE child_case (
	id @ID@,
	number TEXT NOT NULL UNIQUE,
	person_id BIGINT NOT NULL REFERENCES person (id),
	region TEXT NOT NULL,
	office TEXT,
	status TEXT NOT NULL DEFAULT 'open',
	victim_status TEXT NOT NULL DEFAULT 'none',
	identified_at TEXT,
	trafficking_type TEXT,
	uncared_for BIGINT NOT NULL DEFAULT 0,
	petition_status TEXT NOT NULL DEFAULT 'none',
	lead_user_id BIGINT REFERENCES app_user (id),
	opened_by BIGINT NOT NULL REFERENCES app_user (id),
	opened_at TEXT NOT NULL,
	closed_at TEXT,
	version BIGINT NOT NULL DEFAULT 1,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX child_case_one_open ON child_case (person_id) WHERE status <> 'closed';
CREATE INDEX child_case_region ON child_case (region, status);

-- The reports that make up a case: the one it was opened from and those
-- that joined it later (child: the child's position in the report).
CREATE TABLE case_intake (
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	intake_id BIGINT NOT NULL REFERENCES intake (id),
	child BIGINT NOT NULL,
	joined BIGINT NOT NULL DEFAULT 0,
	added_at TEXT NOT NULL,
	added_by BIGINT REFERENCES app_user (id),
	PRIMARY KEY (case_id, intake_id)
);
CREATE INDEX case_intake_intake ON case_intake (intake_id);

-- The timeline. occurred_at is when it happened, recorded_at when it was
-- typed in. data holds the kind's fields that are not free text (JSON).
CREATE TABLE case_event (
	id @ID@,
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	kind TEXT NOT NULL,
	occurred_at TEXT NOT NULL,
	recorded_at TEXT NOT NULL,
	recorded_by BIGINT REFERENCES app_user (id),
	shared BIGINT NOT NULL DEFAULT 0,
	data TEXT,
	text @BLOB@
);
CREATE INDEX case_event_case ON case_event (case_id, occurred_at);

-- Every duty with a due time (docs/cases.md, "Duties and deadlines"). name
-- and basis are the pack's words when the duty opened.
CREATE TABLE duty (
	id @ID@,
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	basis TEXT,
	subject_type TEXT NOT NULL,
	subject_id BIGINT NOT NULL,
	region TEXT,
	starts_at TEXT NOT NULL,
	due_at TEXT NOT NULL,
	owner_id BIGINT REFERENCES app_user (id),
	met_at TEXT,
	met_by BIGINT,
	reminded_at TEXT,
	overdue_notified_at TEXT,
	created_at TEXT NOT NULL,
	UNIQUE (kind, subject_type, subject_id)
);
CREATE INDEX duty_case ON duty (case_id);
CREATE INDEX duty_unmet ON duty (met_at, due_at);

-- A child missing from care: from the time the agency learned of it until
-- the child is located.
CREATE TABLE missing_episode (
	id @ID@,
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	last_seen_at TEXT NOT NULL,
	learned_at TEXT NOT NULL,
	circumstances @BLOB@,
	located_at TEXT,
	ncmec_number TEXT,
	created_by BIGINT REFERENCES app_user (id),
	created_at TEXT NOT NULL,
	located_by BIGINT REFERENCES app_user (id),
	updated_at TEXT NOT NULL
);
CREATE INDEX missing_episode_case ON missing_episode (case_id, located_at);

-- A report made to law enforcement or NCMEC.
CREATE TABLE mandated_report (
	id @ID@,
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	kind TEXT NOT NULL,
	agency TEXT NOT NULL,
	officer TEXT,
	reference TEXT,
	reported_at TEXT NOT NULL,
	missing_episode_id BIGINT REFERENCES missing_episode (id),
	recorded_by BIGINT REFERENCES app_user (id),
	recorded_at TEXT NOT NULL
);
CREATE INDEX mandated_report_case ON mandated_report (case_id);

-- A request for a responder to meet the child, and the arrival.
CREATE TABLE rapid_response (
	id @ID@,
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	requested_at TEXT NOT NULL,
	responder TEXT,
	target_minutes BIGINT,
	arrived_at TEXT,
	requested_by BIGINT REFERENCES app_user (id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX rapid_response_case ON rapid_response (case_id);
