-- 0022: attachments to a case or to a child (docs/attachments.md): police
-- reports, forensic interview summaries, photos of documents. The file's
-- name and description are sealed in attachment; its bytes are sealed in
-- chunks of 64 KiB, one row of attachment_chunk each, bound to that row.
-- The type, the size and who added it when stay in clear for the list.
CREATE TABLE attachment (
	id @ID@,
	case_id BIGINT REFERENCES child_case (id),
	person_id BIGINT REFERENCES person (id),
	name @BLOB@,
	description @BLOB@,
	content_type TEXT NOT NULL,
	size_bytes BIGINT NOT NULL,
	chunks INTEGER NOT NULL,
	added_by BIGINT NOT NULL REFERENCES app_user (id),
	added_at TEXT NOT NULL,
	CHECK ((case_id IS NULL) <> (person_id IS NULL)),
	CHECK (size_bytes > 0 AND chunks > 0)
);
CREATE INDEX attachment_by_case ON attachment (case_id, id);
CREATE INDEX attachment_by_person ON attachment (person_id, id);

CREATE TABLE attachment_chunk (
	id @ID@,
	attachment_id BIGINT NOT NULL REFERENCES attachment (id),
	seq INTEGER NOT NULL,
	data @BLOB@,
	UNIQUE (attachment_id, seq)
);
