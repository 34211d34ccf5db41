-- constraints.sql: the primary key, unique, foreign key, check and exclusion
-- constraints of the tables in the schemas in scope ($1), one row per
-- constraint. Key columns come as attnums (conkey, confkey), and the table a
-- foreign key references as an oid, which Inspect resolves against the tables
-- it has already read: resolving them here would cost two subqueries per
-- constraint for the columns, and an index lookup per constraint (half of
-- this query's time) for the table. The foreign key actions come as
-- pg_constraint's letters, which Inspect spells out. The per-partition clones
-- of a constraint (conparentid <> 0) are left out: only the parent's counts.
-- Runs with search_path = ''.
SELECT
    con.conrelid                          AS table_oid,
    con.conname::text                     AS name,
    con.contype::text                     AS kind,
    coalesce(con.conkey, '{}')            AS attnums,
    con.confrelid                         AS referenced_oid,
    coalesce(con.confkey, '{}')           AS referenced_attnums,
    con.confdeltype::text                 AS on_delete,
    con.confupdtype::text                 AS on_update,
    CASE WHEN con.contype IN ('c', 'x') THEN pg_get_constraintdef(con.oid) ELSE '' END AS definition
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND con.conparentid = 0
