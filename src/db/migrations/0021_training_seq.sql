-- 0021: the order of changes to training rows, for the training figures
-- kept in memory (src/service/figures/tstore.c), which catch up by
-- reading the rows whose seq is above the last they saw. Every write of a
-- session (its registrations, attendance and trainers included) or of a
-- trainee takes a new value from training_seq (tr_seq_next() in
-- src/service/training/common.c) in its transaction: the counter row is
-- locked until commit, so seq follows commit order. A session's seq also
-- stands for its registrations and trainers, which are read again with it.
ALTER TABLE training_session ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE trainee ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX training_session_by_seq ON training_session (seq);
CREATE INDEX trainee_by_seq ON trainee (seq);

CREATE TABLE training_seq (
	id BIGINT PRIMARY KEY,
	last BIGINT NOT NULL
);
INSERT INTO training_seq (id, last) VALUES (1, 0);
