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
-- in its region's "overdue" count when overdue_counted is 1: the sweep sets
-- it, once the duty is due, and a move of the duty's time or its meeting
-- takes the duty out again. The dashboard adds the duties due since then
-- and not yet counted (duty_uncounted, a short range), so the number is
-- right at any moment between sweeps. The index names both conditions in
-- its columns, so that SQLite prefers it to duty_unmet, which would read
-- every overdue duty (as duty_overdue_untold, migration 0027).
ALTER TABLE duty ADD COLUMN overdue_counted BIGINT NOT NULL DEFAULT 0;
CREATE INDEX duty_uncounted ON duty (met_at, overdue_counted, due_at) WHERE met_at IS NULL AND overdue_counted = 0;

-- counted_before: every counted duty was due before it (the latest time a
-- sweep counted at). A reader whose clock is behind it (another server's
-- clock, a sweep run for a later time) takes away the counted duties not
-- yet due by its own clock.
CREATE TABLE dashboard_count_mark (
	id BIGINT PRIMARY KEY,
	counted_before TEXT NOT NULL
);

-- The counts of the data already here. Duties due before the newest duty
-- was opened are surely due by now: counted here, the rest by the sweep.
INSERT INTO dashboard_count_mark (id, counted_before)
SELECT 1, COALESCE(MAX(created_at), '') FROM duty;
UPDATE duty SET overdue_counted = 1
WHERE met_at IS NULL AND due_at < (SELECT counted_before FROM dashboard_count_mark WHERE id = 1);
INSERT INTO dashboard_count (region, item, n)
SELECT region, 'case.' || status, COUNT(*) FROM child_case GROUP BY region, status;
INSERT INTO dashboard_count (region, item, n)
SELECT COALESCE(region, ''), 'overdue', COUNT(*) FROM duty
WHERE met_at IS NULL AND overdue_counted = 1 GROUP BY COALESCE(region, '');
INSERT INTO dashboard_count (region, item, n)
SELECT c.region, 'missing', COUNT(*) FROM missing_episode m JOIN child_case c ON c.id = m.case_id
WHERE m.located_at IS NULL GROUP BY c.region;
