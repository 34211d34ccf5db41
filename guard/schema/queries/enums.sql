-- enums.sql: the enum types of the schemas in scope ($1) with their labels in
-- sort order. Enums owned by an extension are left out.
SELECT
    n.nspname::text                       AS schema,
    t.typname::text                       AS name,
    ARRAY(
        SELECT e.enumlabel::text FROM pg_enum e
        WHERE e.enumtypid = t.oid
        ORDER BY e.enumsortorder
    )                                     AS labels
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = ANY($1)
  AND t.typtype = 'e'
  AND t.oid NOT IN ( -- members of an extension
      SELECT dep.objid FROM pg_depend dep
      WHERE dep.refclassid = 'pg_extension'::regclass
        AND dep.classid = 'pg_type'::regclass
        AND dep.deptype = 'e'
  )
