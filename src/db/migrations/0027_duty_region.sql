-- 0027: the duties of a region by status and due time. The dashboard
-- counts each region's overdue duties, and the deadline list of a region
-- (a liaison's, or one asked for) walks them in due order: both read this
-- index on the duty's own region, where joining each duty to its case to
-- learn the region read every duty not met. A duty takes its case's region
-- when it is opened, and a case keeps its region; the update below gives
-- any duty without one its case's.
UPDATE duty SET region = (SELECT c.region FROM child_case c WHERE c.id = duty.case_id)
WHERE region IS NULL OR region = '';
CREATE INDEX duty_region_due ON duty (region, met_at, due_at);
-- The children missing now (an episode not located), in the order they
-- became known: the dashboard's list and its count per region.
CREATE INDEX missing_episode_open ON missing_episode (located_at, learned_at, id);
-- The sweep's overdue duties not yet told (src/service/deadlines.c): a
-- partial index holds only those, so the sweep once a minute reads the few
-- newly overdue, not every duty that is overdue and was told long ago. Its
-- columns name both conditions, so that SQLite prefers it to duty_unmet.
CREATE INDEX duty_overdue_untold ON duty (met_at, overdue_notified_at, due_at)
WHERE met_at IS NULL AND overdue_notified_at IS NULL;
-- Every duty in due order, and the met ones, on time or late, in due
-- order: the deadline list of each reads its page from one of these
-- instead of sorting every duty it finds.
CREATE INDEX duty_due ON duty (due_at);
CREATE INDEX duty_met_on_time ON duty (due_at) WHERE met_at <= due_at;
CREATE INDEX duty_met_late ON duty (due_at) WHERE met_at > due_at;
