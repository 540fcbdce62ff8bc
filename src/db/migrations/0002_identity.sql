-- 0002: who may use hartline, their sessions, and the audit trail.
--
-- @ID@ and @BLOB@ are written per engine by the migration runner: an
-- auto-numbered integer key, and bytes. Sealed columns hold
-- XChaCha20-Poly1305 values (src/base/seal.h), never clear text.
CREATE TABLE app_user (
	id @ID@,
	username TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL,
	scope TEXT,
	display_name @BLOB@,
	email @BLOB@,
	password_hash TEXT NOT NULL,
	disabled BIGINT NOT NULL DEFAULT 0,
	locked_until TEXT,
	version BIGINT NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE login_failure (
	id @ID@,
	user_id BIGINT NOT NULL REFERENCES app_user (id),
	at TEXT NOT NULL
);
CREATE INDEX login_failure_user_at ON login_failure (user_id, at);

-- Only a hash of each session token is kept.
CREATE TABLE user_session (
	id @ID@,
	token_hash TEXT NOT NULL UNIQUE,
	user_id BIGINT NOT NULL REFERENCES app_user (id),
	created_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	ended_at TEXT,
	client TEXT
);
CREATE INDEX user_session_user ON user_session (user_id);

-- Append-only hash chain: hash = BLAKE2b(prev_hash, record). seq runs
-- 1, 2, 3, ... without gaps; setting 'audit_head' holds the last seq and
-- hash, so that a removed tail is seen too.
CREATE TABLE audit (
	seq BIGINT PRIMARY KEY,
	at TEXT NOT NULL,
	actor_id BIGINT,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	object_type TEXT,
	object_id TEXT,
	client TEXT,
	detail TEXT,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_object ON audit (object_type, object_id, seq);
CREATE INDEX audit_at ON audit (at);

INSERT INTO setting (key, value, updated_at)
VALUES ('audit_head', '0 0000000000000000000000000000000000000000000000000000000000000000', '1970-01-01T00:00:00Z');
