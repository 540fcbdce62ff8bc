-- 0004: Careline intakes: reports, the children in them, screenings,
-- dispositions, and in-app notifications.
--
-- Sealed: children's names, aliases, birth dates; the narrative; the
-- reporter's identity and contact; free-text reasons. In the clear for
-- figures: year and time received, age at the report, sex, town, region,
-- office, source, channel, concerns, flags, disposition.
CREATE TABLE intake (
	id @ID@,
	number TEXT NOT NULL UNIQUE,
	received_at TEXT NOT NULL,
	channel TEXT NOT NULL,
	source TEXT NOT NULL,
	reporter_anonymous BIGINT NOT NULL DEFAULT 0,
	reporter @BLOB@,
	narrative @BLOB@,
	incident_town TEXT,
	concerns TEXT NOT NULL,
	region TEXT,
	office TEXT,
	unmapped_town BIGINT NOT NULL DEFAULT 0,
	suspected_victim BIGINT NOT NULL DEFAULT 0,
	disposition TEXT,
	disposition_at TEXT,
	created_by BIGINT NOT NULL REFERENCES app_user (id),
	idempotency_key TEXT,
	version BIGINT NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (created_by, idempotency_key)
);
CREATE INDEX intake_open ON intake (disposition, received_at);
CREATE INDEX intake_region ON intake (region, received_at);

CREATE TABLE intake_child (
	id @ID@,
	intake_id BIGINT NOT NULL REFERENCES intake (id),
	position BIGINT NOT NULL,
	given_name @BLOB@,
	family_name @BLOB@,
	aliases @BLOB@,
	dob @BLOB@,
	estimated_age BIGINT,
	age_at_report BIGINT,
	sex TEXT,
	gender_identity TEXT,
	town TEXT,
	placement TEXT,
	in_care BIGINT NOT NULL DEFAULT 0,
	missing BIGINT NOT NULL DEFAULT 0,
	suspected_victim BIGINT NOT NULL DEFAULT 0,
	person_id BIGINT REFERENCES person (id),
	linked_by BIGINT,
	linked_at TEXT,
	UNIQUE (intake_id, position)
);
CREATE INDEX intake_child_intake ON intake_child (intake_id);

-- Counters for readable numbers: I-2026-000123.
CREATE TABLE number_seq (
	kind TEXT NOT NULL,
	year BIGINT NOT NULL,
	last BIGINT NOT NULL,
	PRIMARY KEY (kind, year)
);

CREATE TABLE screening (
	id @ID@,
	intake_id BIGINT NOT NULL REFERENCES intake (id),
	instrument_id TEXT NOT NULL,
	instrument_version TEXT NOT NULL,
	answers TEXT NOT NULL,
	level TEXT NOT NULL,
	score BIGINT NOT NULL,
	screened_by BIGINT NOT NULL REFERENCES app_user (id),
	screened_at TEXT NOT NULL
);
CREATE INDEX screening_intake ON screening (intake_id);

-- Every decision is kept; intake.disposition is the current one.
CREATE TABLE disposition (
	id @ID@,
	intake_id BIGINT NOT NULL REFERENCES intake (id),
	disposition TEXT NOT NULL,
	reason @BLOB@,
	jurisdiction TEXT,
	supervisor TEXT,
	decided_by BIGINT NOT NULL REFERENCES app_user (id),
	decided_at TEXT NOT NULL
);
CREATE INDEX disposition_intake ON disposition (intake_id);

CREATE TABLE notification (
	id @ID@,
	user_id BIGINT NOT NULL REFERENCES app_user (id),
	kind TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id TEXT NOT NULL,
	text TEXT NOT NULL,
	created_at TEXT NOT NULL,
	read_at TEXT
);
CREATE INDEX notification_user ON notification (user_id, read_at);
