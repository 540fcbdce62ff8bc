-- 0016: the child's page (docs/recovery.md): break-the-glass grants on the
-- records a court vacated or erased, and why a merge of two records was
-- undone.
--
-- A grant lets one user read one restricted report or case until
-- expires_at. Sealed: the reason given (it speaks of the child), and the
-- reason a merge was undone.
CREATE TABLE break_glass (
	id @ID@,
	user_id BIGINT NOT NULL REFERENCES app_user (id),
	object_type TEXT NOT NULL,
	object_id BIGINT NOT NULL,
	reason @BLOB@,
	granted_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX break_glass_user ON break_glass (user_id, object_type, object_id, expires_at);
CREATE INDEX break_glass_object ON break_glass (object_type, object_id);

ALTER TABLE person_merge ADD COLUMN undo_reason @BLOB@;
CREATE INDEX intake_child_person ON intake_child (person_id);
CREATE INDEX child_case_person ON child_case (person_id, opened_at);
