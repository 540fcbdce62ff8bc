-- The registry as an agency would keep it in PostgreSQL: one row per
-- record, loaded by COPY (bench/run pipes the CSV into psql).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
CREATE TABLE person (
    rec_id      text PRIMARY KEY,
    given_name  text,
    family_name text,
    dob         date,
    age         integer,
    sex         text,
    town        text,
    postcode    text,
    address     text,
    ident       text
);
