-- One person search: $1 given name, $2 family name, $3 date of birth,
-- $4 agency client id, $5 age (when the date of birth is unknown),
-- $6 postcode, $7 address; any of them may be null.
-- Candidates: both names trigram-similar (the % operator at
-- pg_trgm.similarity_threshold), or the given name similar and the family
-- name sounding alike (double metaphone), or the same date of birth, or the
-- same client id; every branch is served by an index (pg_index.sql).
-- Ranked by name similarity, a date-of-birth bonus (1 for the same date, 0.5
-- for a birth year within one, an age counting as born in 2025 - age: ages
-- are on 1 January 2026 in the generated data), 2 for the same client id,
-- 0.3 for the same postcode and half the address similarity.
SELECT rec_id,
       coalesce(similarity(given_name, $1), 0) + coalesce(similarity(family_name, $2), 0)
       + CASE WHEN dob = $3 THEN 1.0
              WHEN abs(coalesce(2025 - extract(year FROM dob)::int, age)
                       - coalesce(2025 - extract(year FROM $3::date)::int, $5)) <= 1 THEN 0.5
              ELSE 0 END
       + CASE WHEN ident = $4 THEN 2 ELSE 0 END
       + CASE WHEN postcode = $6 THEN 0.3 ELSE 0 END
       + 0.5 * coalesce(similarity(address, $7), 0) AS score
  FROM person
 WHERE (given_name % $1 AND family_name % $2)
    OR (given_name % $1 AND dmetaphone(family_name) = dmetaphone($2))
    OR dob = $3
    OR ident = $4
 ORDER BY score DESC
 LIMIT 11
