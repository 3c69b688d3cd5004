-- Finding a person by part of a name without reading the whole register (issue 10): a
-- trigram index (pg_trgm, a trusted extension shipped with PostgreSQL) over UPPER(name), which
-- `UPPER(name) LIKE '%SITI%'` uses as it is. The extension goes to `public` so that every
-- schema of the database (one per instance or test) finds its operator class there. And a
-- pattern index on the NIK, so `nik LIKE '3519024%'` walks an index whatever the collation.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX residents_name_trigrams ON residents USING gin (UPPER(name) public.gin_trgm_ops);
CREATE INDEX residents_nik_prefix ON residents (nik text_pattern_ops);
