-- columns.sql: the live columns of the given relations ($1, oids), with the
-- relation's schema and name, for resolving foreign keys to tables Inspect
-- has not read (in another schema, a partition).
SELECT
    a.attrelid                            AS table_oid,
    n.nspname::text                       AS schema,
    c.relname::text                       AS table_name,
    a.attnum,
    a.attname::text                       AS name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attrelid = ANY($1)
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
