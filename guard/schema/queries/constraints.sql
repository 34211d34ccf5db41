-- constraints.sql: the primary key, unique, foreign key, check and exclusion
-- constraints of the tables in the schemas in scope ($1), one row per
-- constraint. Key columns come as attnums (conkey, confkey), which Inspect
-- resolves against the columns it has already read: resolving them here would
-- cost two subqueries per constraint. The per-partition clones of a
-- constraint (conparentid <> 0) are left out: only the parent's counts. Runs
-- with search_path = ''.
SELECT
    con.conrelid                          AS table_oid,
    con.conname::text                     AS name,
    con.contype::text                     AS kind,
    coalesce(con.conkey, '{}')            AS attnums,
    con.confrelid                         AS referenced_oid,
    coalesce(rn.nspname::text, '')        AS referenced_schema,
    coalesce(rc.relname::text, '')        AS referenced_table,
    coalesce(con.confkey, '{}')           AS referenced_attnums,
    CASE con.confdeltype
        WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
        WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE ''
    END                                   AS on_delete,
    CASE con.confupdtype
        WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
        WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE ''
    END                                   AS on_update,
    CASE WHEN con.contype IN ('c', 'x') THEN pg_get_constraintdef(con.oid) ELSE '' END AS definition
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND con.conparentid = 0
