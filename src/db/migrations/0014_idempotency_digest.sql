-- 0014: a sealed digest of the report sent with each Idempotency-Key, so
-- that a reused key with a different report is refused instead of
-- answering the first report and dropping the new one. Sealed like the
-- report itself: a bare hash would let whoever reads the database confirm
-- a guessed report.
ALTER TABLE intake ADD COLUMN idempotency_digest @BLOB@;
