-- 0001: the instance itself.
--
-- setting holds facts about this installation that are not personal data:
-- when it was created, which jurisdiction pack it was created with, its
-- random instance id (used to tell backups of different installations
-- apart). Later migrations add the domain's tables.
CREATE TABLE setting (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
