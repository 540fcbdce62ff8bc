-- What a competent agency DBA adds for a fuzzy person search.
CREATE INDEX person_given_trgm  ON person USING gin (given_name gin_trgm_ops);
CREATE INDEX person_family_trgm ON person USING gin (family_name gin_trgm_ops);
CREATE INDEX person_family_dmeta ON person (dmetaphone(family_name));
CREATE INDEX person_dob   ON person (dob);
CREATE INDEX person_ident ON person (ident) WHERE ident IS NOT NULL;
VACUUM ANALYZE person;
