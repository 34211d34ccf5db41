-- indexes.sql: the indexes of the tables in the schemas in scope ($1) that do
-- not back a primary key, unique or exclusion constraint of their own table
-- (those are reported as the constraint). Runs with search_path = ''.
--
-- The definition is pg_get_indexdef's, but pg_get_indexdef is the most
-- expensive call of an inspection (it opens the table and scans pg_opclass
-- for each column's default operator class). So for an index on plain
-- columns with nothing but defaults (no expression, predicate, INCLUDE,
-- storage or ordering option, NULLS NOT DISTINCT), the definition is left
-- empty here and Inspect assembles it, byte for byte as pg_get_indexdef
-- would, from the key columns, operator classes and collations below, or
-- asks pg_get_indexdef afterwards when a key is not plain after all.
SELECT
    i.indexrelid                          AS oid,
    i.indrelid                            AS table_oid,
    ic.relname::text                      AS name,
    am.amname::text                       AS method,
    i.indisunique                         AS is_unique,
    i.indpred IS NOT NULL                 AS partial,
    NOT (i.indisvalid AND i.indisready)   AS invalid,
    i.indkey::int2[]                      AS keys,
    i.indclass::oid[]                     AS opclasses,
    i.indcollation::oid[]                 AS collations,
    CASE WHEN i.indexprs IS NULL
          AND i.indpred IS NULL
          AND i.indnkeyatts = i.indnatts
          AND NOT i.indnullsnotdistinct
          AND ic.relkind = 'i'
          AND ic.reloptions IS NULL
          AND 0 = ALL (i.indoption::int2[])
        THEN ''
        ELSE pg_get_indexdef(i.indexrelid)
    END                                   AS definition
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT i.indisprimary -- a primary key's index always backs the constraint
  AND NOT (
      (i.indisunique OR i.indisexclusion)
      AND EXISTS (
          SELECT FROM pg_constraint con
          WHERE con.conrelid = i.indrelid
            AND con.conindid = i.indexrelid
            AND con.contype IN ('u', 'x')
      )
  )
