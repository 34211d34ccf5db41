-- views.sql: the views and materialized views of the schemas in scope ($1),
-- with their output columns as parallel arrays in attnum order and their
-- definition. Views owned by an extension are left out. Runs with
-- search_path = '', so the definition names its tables schema-qualified.
SELECT
    n.nspname::text                       AS schema,
    c.relname::text                       AS name,
    c.relkind = 'm'                       AS materialized,
    coalesce(cols.names, '{}')            AS column_names,
    coalesce(cols.types, '{}')            AS column_types,
    pg_get_viewdef(c.oid)                 AS definition,
    coalesce((
        SELECT o.option_value FROM pg_options_to_table(c.reloptions) o
        WHERE o.option_name = 'check_option'
    ), '')                                AS check_option
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT
        array_agg(a.attname::text ORDER BY a.attnum) AS names,
        array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) AS types
    FROM pg_attribute a
    WHERE a.attrelid = c.oid
      AND a.attnum > 0
      AND NOT a.attisdropped
) cols ON true
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('v', 'm')
  AND c.oid NOT IN ( -- members of an extension
      SELECT dep.objid FROM pg_depend dep
      WHERE dep.refclassid = 'pg_extension'::regclass
        AND dep.classid = 'pg_class'::regclass
        AND dep.deptype = 'e'
  )
