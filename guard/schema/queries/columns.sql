-- columns.sql: the live columns of the given relations ($1, oids), for
-- resolving the referenced columns of foreign keys to tables Inspect has not
-- read (another schema, a partition, an excluded table).
SELECT
    a.attrelid                            AS table_oid,
    a.attnum,
    a.attname::text                       AS name
FROM pg_attribute a
WHERE a.attrelid = ANY($1)
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
