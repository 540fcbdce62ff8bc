-- 0006: a worker's unsaved form, kept on the server so that a reload, a
-- crash or another computer loses nothing. One per user and kind; sealed,
-- since a half-written report already names a child.
CREATE TABLE draft (
	id @ID@,
	user_id BIGINT NOT NULL REFERENCES app_user (id),
	kind TEXT NOT NULL,
	body @BLOB@,
	updated_at TEXT NOT NULL,
	UNIQUE (user_id, kind)
);
