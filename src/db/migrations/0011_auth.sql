-- 0011: a second factor, lockout by account and client address, and what a
-- user needs to recognise each of their sessions.
--
-- A failed login now names the client address it came from: five failures
-- of one account from one address lock that pair only (locks_until on the
-- failure that reached the limit), so nobody can lock the owner out from
-- elsewhere.
ALTER TABLE login_failure ADD COLUMN client TEXT;
ALTER TABLE login_failure ADD COLUMN locks_until TEXT;
CREATE INDEX login_failure_user_client ON login_failure (user_id, client, at);

-- mfa_pending: NULL for a full session; 'code' while the password was right
-- but the second factor is still to be given, 'enrol' while it is still to
-- be set up. user_agent is a short summary ("Firefox on Linux"), not the
-- header as sent.
ALTER TABLE user_session ADD COLUMN user_agent TEXT;
ALTER TABLE user_session ADD COLUMN mfa_pending TEXT;

-- One authenticator (RFC 6238) per user. secret is sealed; confirmed_at is
-- NULL until a first code proved the app holds it; last_step is the time
-- step of the last accepted code, so that no code is accepted twice.
CREATE TABLE user_totp (
	id @ID@,
	user_id BIGINT NOT NULL UNIQUE REFERENCES app_user (id),
	secret @BLOB@,
	confirmed_at TEXT,
	last_step BIGINT NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);

-- Single-use recovery codes: only a salted BLAKE2b hash of each is kept.
CREATE TABLE user_recovery_code (
	id @ID@,
	user_id BIGINT NOT NULL REFERENCES app_user (id),
	code_hash TEXT NOT NULL,
	used_at TEXT
);
CREATE INDEX user_recovery_code_user ON user_recovery_code (user_id);
