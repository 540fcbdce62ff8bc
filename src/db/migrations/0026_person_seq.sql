-- 0026: the order of changes to people, for the identity registry kept in
-- memory by each server (src/service/persons/sync.c). Every write of a
-- person row (a new child, a merge, the undoing of one) takes a new value
-- from person_seq in its transaction and sets it on each person whose
-- place in the registry changed: the counter row is locked until commit,
-- so seq follows commit order, and a server brings its registry up to date
-- by reading the rows whose seq is above the last it saw. Rows from before
-- this migration keep 0: every server reads them whole at start.
ALTER TABLE person ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX person_by_seq ON person (seq);

CREATE TABLE person_seq (
	id BIGINT PRIMARY KEY,
	last BIGINT NOT NULL
);
INSERT INTO person_seq (id, last) VALUES (1, 0);
