-- indexdefs.sql: pg_get_indexdef of the given indexes ($1, oids), for those
-- whose definition Inspect could not assemble itself. Runs with
-- search_path = ''.
SELECT
    i.oid,
    pg_get_indexdef(i.oid)                AS definition
FROM unnest($1::oid[]) AS i(oid)
