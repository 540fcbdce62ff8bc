-- 0005: e-mail waiting to be sent, and what became of it. The recipient is
-- sealed; the message names no child, only a report number and a link.
CREATE TABLE outbox (
	id @ID@,
	to_addr @BLOB@,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	object_type TEXT,
	object_id TEXT,
	status TEXT NOT NULL DEFAULT 'pending',
	attempts BIGINT NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,
	last_error TEXT,
	created_at TEXT NOT NULL,
	sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
