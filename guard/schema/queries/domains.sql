-- domains.sql: the domains of the schemas in scope ($1), leaving out those
-- an extension owns, with their base type, NOT NULL, default and CHECK
-- constraints (names and pg_get_constraintdef, as parallel arrays in name
-- order). Runs with search_path = '', so names outside pg_catalog come out
-- schema-qualified.
SELECT
    n.nspname::text                       AS schema,
    t.typname::text                       AS name,
    format_type(t.typbasetype, t.typtypmod) AS type,
    t.typnotnull                          AS not_null,
    coalesce(pg_get_expr(t.typdefaultbin, 0), '') AS default_expr,
    ARRAY(SELECT c.conname::text FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_names,
    ARRAY(SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_defs
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ANY($1)
  AND t.typtype = 'd'
  AND t.oid NOT IN ( -- members of an extension
      SELECT dep.objid FROM pg_depend dep
      WHERE dep.refclassid = 'pg_extension'::regclass
        AND dep.classid = 'pg_type'::regclass
        AND dep.deptype = 'e'
  )
