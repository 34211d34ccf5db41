-- types.sql: how Inspect writes the types of the columns it has read, once
-- per distinct (type oid, typmod) pair ($1, $2, parallel arrays): their
-- format_type, and the type's own collation (a column's collation is reported
-- only when it differs). Runs with search_path = '', so a type outside
-- pg_catalog comes out schema-qualified.
SELECT
    t.oid,
    t.typmod,
    format_type(t.oid, t.typmod)          AS name,
    coalesce(pt.typcollation, 0)          AS collation_oid
FROM unnest($1::oid[], $2::int4[]) AS t(oid, typmod)
LEFT JOIN pg_type pt ON pt.oid = t.oid
