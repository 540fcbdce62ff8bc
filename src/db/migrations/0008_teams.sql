-- 0008: MDT teams, members, case reviews, action items, and the contacts
-- directory (docs/cases.md).
--
-- Sealed: a review's decisions and an action item's text (they speak of
-- the child). In the clear: team codes and names, members' names, agencies
-- and contact details (staff, not children), times, statuses, owners.

-- A regional Multi-Disciplinary Team; code is the scope of its mdt users.
CREATE TABLE mdt_team (
	id @ID@,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	region TEXT NOT NULL,
	created_at TEXT NOT NULL
);

-- A member leaves by active = 0; the row stays for the reviews they sat in.
CREATE TABLE mdt_member (
	id @ID@,
	team_id BIGINT NOT NULL REFERENCES mdt_team (id),
	name TEXT NOT NULL,
	agency TEXT NOT NULL,
	mdt_role TEXT NOT NULL,
	email TEXT,
	phone TEXT,
	user_id BIGINT REFERENCES app_user (id),
	active BIGINT NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL
);
CREATE INDEX mdt_member_team ON mdt_member (team_id, active);

-- A case put before a team: scheduled, then held or cancelled. attendees is
-- a JSON array of mdt_member ids.
CREATE TABLE case_review (
	id @ID@,
	team_id BIGINT NOT NULL REFERENCES mdt_team (id),
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	status TEXT NOT NULL DEFAULT 'scheduled',
	scheduled_at TEXT NOT NULL,
	held_at TEXT,
	attendees TEXT NOT NULL DEFAULT '[]',
	decisions @BLOB@,
	created_by BIGINT REFERENCES app_user (id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX case_review_case ON case_review (case_id, status);
CREATE INDEX case_review_team ON case_review (team_id, scheduled_at);

-- What a review decided someone must do, by when; each is a duty (kind
-- action_item, subject action_item) and done_at meets it.
CREATE TABLE action_item (
	id @ID@,
	review_id BIGINT NOT NULL REFERENCES case_review (id),
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	text @BLOB@,
	owner TEXT NOT NULL,
	owner_user_id BIGINT REFERENCES app_user (id),
	due_at TEXT NOT NULL,
	done_at TEXT,
	done_by BIGINT,
	duty_id BIGINT REFERENCES duty (id),
	created_at TEXT NOT NULL
);
CREATE INDEX action_item_review ON action_item (review_id);

-- The staff directory: HART leadership, regional liaisons, MDT
-- coordinators. No child data.
CREATE TABLE contact (
	id @ID@,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	title TEXT,
	region TEXT,
	phone TEXT,
	email TEXT,
	active BIGINT NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX contact_kind ON contact (active, kind, region);
