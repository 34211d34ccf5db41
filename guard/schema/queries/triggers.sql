-- triggers.sql: the triggers of the tables in the schemas in scope ($1),
-- leaving out the internal ones (those of foreign keys) and the clones a
-- partition has of its parent's (tgparentid <> 0). The definition is
-- pg_get_triggerdef; the function its regprocedure. Runs with
-- search_path = ''.
SELECT
    t.tgrelid                             AS table_oid,
    t.tgname::text                        AS name,
    pg_get_triggerdef(t.oid)              AS definition,
    t.tgfoid::regprocedure::text          AS function,
    t.tgenabled::text                     AS enabled
FROM pg_trigger t
CROSS JOIN LATERAL ( -- an index lookup per trigger left (LIMIT keeps it one): a join read the whole of pg_class
    SELECT c.relnamespace, c.relkind, c.relispartition FROM pg_class c WHERE c.oid = t.tgrelid LIMIT 1
) c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT t.tgisinternal
  AND t.tgparentid = 0
