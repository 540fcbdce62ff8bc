-- 0010: the audit chain is keyed. Each record made from now on carries
-- the id of the seal key its MAC key was derived from; records from before
-- keep NULL and their plain BLAKE2b hash (the first start with the key file
-- appends a keyed record that binds their head).
ALTER TABLE audit ADD COLUMN key_id BIGINT;
