-- 0012: set-up links, so that people choose their own first password, and
-- the notices that tell HART of every account given case access.
--
-- Only a hash of each link's token is kept. A link is used once: used_at
-- is set in the same statement that checks it; issuing a new one for the
-- same account sets voided_at on the old.
CREATE TABLE user_setup (
	id @ID@,
	user_id BIGINT NOT NULL REFERENCES app_user (id),
	token_hash TEXT NOT NULL UNIQUE,
	issued_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at TEXT,
	voided_at TEXT
);
CREATE INDEX user_setup_user ON user_setup (user_id);

-- An account given a role that reads case content (a new account, a new
-- role or area of work, or a new set-up link that replaces its password),
-- listed on HART's dashboard until a HART coordinator acknowledges it.
CREATE TABLE access_notice (
	id @ID@,
	user_id BIGINT NOT NULL REFERENCES app_user (id),
	reason TEXT NOT NULL,
	role TEXT NOT NULL,
	scope TEXT,
	granted_by TEXT NOT NULL,
	granted_at TEXT NOT NULL,
	acknowledged_by BIGINT REFERENCES app_user (id),
	acknowledged_at TEXT
);
CREATE INDEX access_notice_open ON access_notice (acknowledged_at, granted_at);
