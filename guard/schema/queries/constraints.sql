-- constraints.sql: the primary key, unique, foreign key, check and exclusion
-- constraints of the tables in the schemas in scope ($1), one row per
-- constraint. Key columns come as attnums (conkey, confkey), and the table a
-- foreign key references as an oid, which Inspect resolves against the tables
-- it has already read: resolving them here would cost two subqueries per
-- constraint for the columns, and an index lookup per constraint (half of
-- this query's time) for the table. The foreign key actions come as
-- pg_constraint's letters, which Inspect spells out. The per-partition clones
-- of a constraint (conparentid <> 0) are left out: only the parent's counts.
--
-- An exclusion constraint's key may hold expressions (attnum 0 in conkey),
-- so it comes apart, from its index: the access method, each element as
-- written (pg_get_indexdef of the key column: a column name or an
-- expression) with its operator (unqualified when in pg_catalog), the WHERE
-- predicate, and the columns it references anywhere (the plain key columns,
-- on which the constraint depends, and those of its expressions and
-- predicate, on which its index depends).
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
    CASE WHEN con.contype IN ('c', 'x') THEN pg_get_constraintdef(con.oid) ELSE '' END AS definition,
    CASE WHEN NOT con.condeferrable THEN '' WHEN con.condeferred THEN 'deferred' ELSE 'immediate' END AS deferrable,
    con.confmatchtype::text               AS match,
    CASE WHEN con.contype = 'u' THEN coalesce((
        SELECT i.indnullsnotdistinct FROM pg_index i WHERE i.indexrelid = con.conindid
    ), false) ELSE false END              AS nulls_not_distinct,
    -- Each CASE runs its subqueries for an exclusion constraint only: a
    -- lateral join filtered on contype ran them for every constraint (the
    -- filter is applied after the join), which tripled this query's time.
    CASE WHEN con.contype = 'x' THEN (
        SELECT am.amname::text FROM pg_class ic JOIN pg_am am ON am.oid = ic.relam
        WHERE ic.oid = con.conindid
    ) ELSE '' END                         AS exclusion_method,
    CASE WHEN con.contype = 'x' THEN ARRAY(
        SELECT pg_get_indexdef(con.conindid, k, true)
        FROM generate_series(1, cardinality(con.conkey)) AS k
        ORDER BY k
    ) ELSE '{}' END                       AS exclusion_elements,
    CASE WHEN con.contype = 'x' THEN ARRAY(
        SELECT CASE WHEN o.oprnamespace = 'pg_catalog'::regnamespace THEN o.oprname::text
                    ELSE 'OPERATOR(' || quote_ident(opn.nspname) || '.' || o.oprname || ')' END
        FROM unnest(con.conexclop) WITH ORDINALITY AS x(oid, k)
        JOIN pg_operator o ON o.oid = x.oid
        JOIN pg_namespace opn ON opn.oid = o.oprnamespace
        ORDER BY x.k
    ) ELSE '{}' END                       AS exclusion_operators,
    CASE WHEN con.contype = 'x' THEN coalesce((
        SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
        WHERE i.indexrelid = con.conindid
    ), '') ELSE '' END                    AS exclusion_where,
    CASE WHEN con.contype = 'x' THEN ARRAY(
        SELECT a FROM unnest(con.conkey) AS a WHERE a > 0
        UNION
        SELECT d.refobjsubid FROM pg_depend d
        WHERE d.classid = 'pg_class'::regclass
          AND d.objid = con.conindid
          AND d.refclassid = 'pg_class'::regclass
          AND d.refobjid = con.conrelid
          AND d.refobjsubid > 0
        ORDER BY 1
    ) ELSE '{}' END                       AS exclusion_attnums
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND con.conparentid = 0
