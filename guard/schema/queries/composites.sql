-- composites.sql: the composite types made with CREATE TYPE … AS (…) in the
-- schemas in scope ($1) (not the row types of tables and views), leaving
-- out those an extension owns, with their attributes as parallel arrays in
-- attnum order. Runs with search_path = ''.
SELECT
    n.nspname::text                       AS schema,
    t.typname::text                       AS name,
    ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attribute_names,
    ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attribute_types
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
WHERE n.nspname = ANY($1)
  AND t.typtype = 'c'
  AND t.oid NOT IN ( -- members of an extension
      SELECT dep.objid FROM pg_depend dep
      WHERE dep.refclassid = 'pg_extension'::regclass
        AND dep.classid = 'pg_type'::regclass
        AND dep.deptype = 'e'
  )
