-- 0024: corrections (docs/cases.md, "Corrections"). Nothing a worker
-- entered is erased: a corrected timeline entry keeps each earlier text,
-- and a corrected time (a child located, an action item done) keeps the
-- earlier time, who corrected it, when, and why.

-- The text a timeline entry had before one correction, sealed like the
-- entry's own (case_event_correction.earlier_text).
CREATE TABLE case_event_correction (
	id @ID@,
	event_id BIGINT NOT NULL REFERENCES case_event (id),
	earlier_text @BLOB@,
	corrected_by BIGINT NOT NULL REFERENCES app_user (id),
	corrected_at TEXT NOT NULL
);
CREATE INDEX case_event_correction_event ON case_event_correction (event_id, id);

-- A corrected time: subject_type missing_episode (field located_at) or
-- action_item (field done_at). The reason is the text of the timeline
-- entry event_id (kind time_corrected), sealed there.
CREATE TABLE time_correction (
	id @ID@,
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	subject_type TEXT NOT NULL,
	subject_id BIGINT NOT NULL,
	field TEXT NOT NULL,
	earlier_at TEXT NOT NULL,
	new_at TEXT NOT NULL,
	event_id BIGINT NOT NULL REFERENCES case_event (id),
	corrected_by BIGINT NOT NULL REFERENCES app_user (id),
	corrected_at TEXT NOT NULL
);
CREATE INDEX time_correction_subject ON time_correction (subject_type, subject_id, id);
