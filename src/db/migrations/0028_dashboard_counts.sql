-- 0028: the dashboard's counts, kept as cases, duties and missing episodes
-- change (src/service/counts.c), so that the dashboard reads a few rows per
-- region instead of counting every open case and overdue duty.
--
-- One row per region and item: "case.STATUS" (the cases of the region in
-- that status, closed ones too), "missing" (its children missing now: the
-- episodes not located) and "overdue" (its duties not met that the sweep
-- has counted as overdue). Each write that changes what is counted changes
-- the row in the same transaction.
CREATE TABLE dashboard_count (
	region TEXT NOT NULL,
	item TEXT NOT NULL,
	n BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (region, item)
);

-- Overdue depends on the time as well as on the writes. A duty not met is
-- either in its region's "overdue" count or here, waiting: a duty opened
-- waits here, the sweep moves those come due into the count, and a duty
-- met or moved leaves either. The dashboard adds the waiting duties already
-- due (a short range of duty_pending_due), so the number is right at any
-- moment between sweeps. A table of its own, not a column of duty: its
-- statistics are its own, so both engines read that range from its index.
CREATE TABLE duty_pending (
	duty_id BIGINT PRIMARY KEY REFERENCES duty (id),
	region TEXT NOT NULL,
	due_at TEXT NOT NULL
);
CREATE INDEX duty_pending_due ON duty_pending (due_at);

-- counted_before: every duty in a count was due before it (the latest time
-- a sweep counted to). A reader whose clock is behind it (another server's
-- clock, a sweep run for a later time) takes away the counted duties not
-- yet due by its own clock.
CREATE TABLE dashboard_count_mark (
	id BIGINT PRIMARY KEY,
	counted_before TEXT NOT NULL
);

-- The counts of the data already here. Duties due before the newest duty
-- was opened are surely due by now: counted here, the rest wait.
INSERT INTO dashboard_count_mark (id, counted_before)
SELECT 1, COALESCE(MAX(created_at), '') FROM duty;
INSERT INTO duty_pending (duty_id, region, due_at)
SELECT id, COALESCE(region, ''), due_at FROM duty
WHERE met_at IS NULL AND due_at >= (SELECT counted_before FROM dashboard_count_mark WHERE id = 1);
INSERT INTO dashboard_count (region, item, n)
SELECT region, 'case.' || status, COUNT(*) FROM child_case GROUP BY region, status;
INSERT INTO dashboard_count (region, item, n)
SELECT COALESCE(region, ''), 'overdue', COUNT(*) FROM duty
WHERE met_at IS NULL AND due_at < (SELECT counted_before FROM dashboard_count_mark WHERE id = 1)
GROUP BY COALESCE(region, '');
INSERT INTO dashboard_count (region, item, n)
SELECT c.region, 'missing', COUNT(*) FROM missing_episode m JOIN child_case c ON c.id = m.case_id
WHERE m.located_at IS NULL GROUP BY c.region;
