-- 0019: awareness and education (docs/training.md): the people trained,
-- sessions of the pack's courses, their trainers, registrations with a
-- waiting list and attendance, certificates with a verification code, and
-- sign-in sheet imports.
--
-- Sealed: a trainee's name and e-mail (staff and the public, not
-- children, but personal data all the same), a cancelled session's reason
-- and a revoked certificate's reason. In the clear: courses, audiences,
-- organisations, regions, times, statuses and counts, for the figures.

-- A person trained. user_id links a hartline user, provider_id a provider
-- organisation. supervisor counts for the trafficking-informed rule.
-- match_key is a keyed hash of the normalised name and e-mail, to find a
-- person already known without opening every sealed name.
CREATE TABLE trainee (
	id @ID@,
	name @BLOB@,
	email @BLOB@,
	organisation TEXT,
	role_title TEXT,
	audience TEXT NOT NULL,
	region TEXT,
	user_id BIGINT REFERENCES app_user (id),
	provider_id BIGINT REFERENCES provider (id),
	supervisor BIGINT NOT NULL DEFAULT 0,
	match_key TEXT,
	version BIGINT NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX trainee_provider ON trainee (provider_id);
CREATE INDEX trainee_match ON trainee (match_key);

-- A session of a course. status: scheduled, held, cancelled.
CREATE TABLE training_session (
	id @ID@,
	number TEXT NOT NULL UNIQUE,
	course TEXT NOT NULL,
	starts_at TEXT NOT NULL,
	ends_at TEXT NOT NULL,
	region TEXT,
	place TEXT,
	online BIGINT NOT NULL DEFAULT 0,
	capacity BIGINT NOT NULL,
	audience TEXT,
	status TEXT NOT NULL DEFAULT 'scheduled',
	cancel_reason @BLOB@,
	created_by BIGINT REFERENCES app_user (id),
	version BIGINT NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX training_session_starts ON training_session (starts_at, id);
CREATE INDEX training_session_course ON training_session (course, starts_at);

-- Who leads a session: a trainee certified by the train-the-trainer course.
CREATE TABLE session_trainer (
	session_id BIGINT NOT NULL REFERENCES training_session (id),
	trainee_id BIGINT NOT NULL REFERENCES trainee (id),
	PRIMARY KEY (session_id, trainee_id)
);
CREATE INDEX session_trainer_trainee ON session_trainer (trainee_id);

-- A place in a session. status: registered, waitlisted, cancelled;
-- waitlist_position orders the waiting list. attended and completed are
-- NULL until attendance is taken.
CREATE TABLE registration (
	id @ID@,
	session_id BIGINT NOT NULL REFERENCES training_session (id),
	trainee_id BIGINT NOT NULL REFERENCES trainee (id),
	status TEXT NOT NULL,
	waitlist_position BIGINT,
	attended BIGINT,
	completed BIGINT,
	registered_at TEXT NOT NULL,
	registered_by BIGINT REFERENCES app_user (id),
	attendance_at TEXT,
	attendance_by BIGINT REFERENCES app_user (id),
	import_id BIGINT,
	version BIGINT NOT NULL DEFAULT 1,
	UNIQUE (session_id, trainee_id)
);
CREATE INDEX registration_trainee ON registration (trainee_id);
CREATE INDEX registration_session ON registration (session_id, status);

-- A certificate for a course completed. code is what anyone may check at
-- the public verification page; expires_at NULL: it does not expire.
CREATE TABLE certificate (
	id @ID@,
	code TEXT NOT NULL UNIQUE,
	trainee_id BIGINT NOT NULL REFERENCES trainee (id),
	course TEXT NOT NULL,
	session_id BIGINT REFERENCES training_session (id),
	completed_on TEXT NOT NULL,
	issued_at TEXT NOT NULL,
	expires_at TEXT,
	revoked_at TEXT,
	revoke_reason @BLOB@,
	UNIQUE (trainee_id, course, session_id)
);
CREATE INDEX certificate_trainee ON certificate (trainee_id, course);

-- A sign-in sheet imported: all its lines or none.
CREATE TABLE training_import (
	id @ID@,
	session_id BIGINT NOT NULL REFERENCES training_session (id),
	file_name TEXT,
	digest TEXT NOT NULL,
	lines BIGINT NOT NULL,
	matched BIGINT NOT NULL,
	created BIGINT NOT NULL,
	created_by BIGINT REFERENCES app_user (id),
	created_at TEXT NOT NULL
);
