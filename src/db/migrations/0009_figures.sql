-- 0009: referrals for figures, and imports of past years (docs/figures.md).
--
-- A referral is one child in a report accepted for HART response, or one
-- line of an imported past year. It holds only what figures need: never a
-- name, a birth date, an address or a narrative. child_key counts a child
-- once ("p:<person id>" for a registry person; an imported child's own
-- key; "r:<intake>:<child>" for a report child not yet linked).
--
-- seq orders changes for the figures store in memory, which catches up by
-- reading the rows whose seq is above the last it saw. Every write of
-- referral rows takes a new value from referral_seq (figures_seq_next() in
-- src/service/figures.h) inside its transaction and sets it on every row
-- it inserts or updates: the counter row is locked until commit, so seq
-- follows commit order on both engines.
CREATE TABLE import_batch (
	id @ID@,
	kind TEXT NOT NULL DEFAULT 'referrals',
	file_name TEXT,
	rows BIGINT NOT NULL DEFAULT 0,
	imported_by BIGINT,
	imported_at TEXT NOT NULL
);

CREATE TABLE referral (
	id @ID@,
	intake_id BIGINT REFERENCES intake (id),
	child BIGINT,
	child_key TEXT NOT NULL,
	referral_date TEXT NOT NULL,
	source TEXT,
	region TEXT,
	office TEXT,
	town TEXT,
	age BIGINT,
	sex TEXT,
	gender_identity TEXT,
	vulnerabilities TEXT NOT NULL DEFAULT '',
	trafficking_type TEXT,
	disposition TEXT NOT NULL DEFAULT 'accepted_hart',
	imported BIGINT NOT NULL DEFAULT 0,
	batch_id BIGINT REFERENCES import_batch (id),
	created_at TEXT NOT NULL,
	seq BIGINT NOT NULL
);
CREATE UNIQUE INDEX referral_intake_child ON referral (intake_id, child);
CREATE INDEX referral_date ON referral (referral_date);
CREATE INDEX referral_region_date ON referral (region, referral_date);
CREATE INDEX referral_by_seq ON referral (seq);
CREATE INDEX referral_batch ON referral (batch_id);

CREATE TABLE referral_seq (
	id BIGINT PRIMARY KEY,
	last BIGINT NOT NULL
);
INSERT INTO referral_seq (id, last) VALUES (1, 0);
