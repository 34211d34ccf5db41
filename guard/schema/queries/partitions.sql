-- partitions.sql: the partitioned tables of the schemas in scope ($1), one
-- row per table (not itself a partition) with its partition key
-- (pg_get_partkeydef, e.g. "RANGE (created_at)") and its partitions as
-- parallel arrays sorted by schema and name: where each lives, its name
-- and its bound (pg_get_expr of relpartbound, e.g. "FOR VALUES FROM
-- ('2026-01-01') TO ('2026-02-01')", or "DEFAULT"), and the constraints
-- of its own (not the parent's: "name CHECK (…); …", by name). Partitions are not
-- tables of the model (tables.sql leaves them out): they are known by
-- their parent. Runs with search_path = ''.
SELECT
    p.oid                                  AS table_oid,
    pg_get_partkeydef(p.oid)               AS key,
    coalesce(parts.schemas, '{}')          AS partition_schemas,
    coalesce(parts.names, '{}')            AS partition_names,
    coalesce(parts.bounds, '{}')           AS partition_bounds,
    coalesce(parts.constraints, '{}')      AS partition_constraints
FROM pg_partitioned_table pt
JOIN pg_class p ON p.oid = pt.partrelid
JOIN pg_namespace n ON n.oid = p.relnamespace
LEFT JOIN LATERAL (
    SELECT
        array_agg(part.schema ORDER BY part.schema, part.name) AS schemas,
        array_agg(part.name ORDER BY part.schema, part.name) AS names,
        array_agg(part.bound ORDER BY part.schema, part.name) AS bounds,
        array_agg(part.constraints ORDER BY part.schema, part.name) AS constraints
    FROM (
        SELECT cn.nspname::text AS schema, c.relname::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
               coalesce((
                   SELECT string_agg(quote_ident(con.conname) || ' ' || pg_get_constraintdef(con.oid), '; ' ORDER BY con.conname)
                   FROM pg_constraint con
                   WHERE con.conrelid = c.oid
                     AND con.coninhcount = 0 -- its own, not the parent's
                     AND con.conparentid = 0
               ), '') AS constraints
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_namespace cn ON cn.oid = c.relnamespace
        WHERE i.inhparent = p.oid
    ) part
) parts ON true
WHERE n.nspname = ANY($1)
  AND NOT p.relispartition
