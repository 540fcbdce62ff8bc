-- 0018: the provider directory's search (docs/recovery.md, "Providers"):
-- pages by name without case, and by openings, each with the id to break
-- ties, so that a keyset page reads along an index.
CREATE INDEX provider_lower_name ON provider (lower(name), id);
CREATE INDEX provider_openings ON provider (openings, id);
