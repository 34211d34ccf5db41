-- sequences.sql: the sequences of the schemas in scope ($1), leaving out
-- identity columns' sequences (the column's identity stands for them) and
-- those an extension owns, with the column that owns one (a serial's), as
-- its table's oid and the column's attnum. A sequence's few dependencies are
-- looked up by its oid (an index lookup each): a join against pg_depend
-- read every dependency of every relation. Runs with search_path = ''.
SELECT
    n.nspname::text                       AS schema,
    c.relname::text                       AS name,
    format_type(s.seqtypid, NULL)         AS type,
    s.seqstart                            AS start,
    s.seqmin                              AS min,
    s.seqmax                              AS max,
    s.seqincrement                        AS increment,
    s.seqcycle                            AS cycle,
    coalesce(dep.owner_oid, 0)            AS owner_oid,
    coalesce(dep.owner_attnum, 0)::int2   AS owner_attnum
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind = 'S'
JOIN pg_sequence s ON s.seqrelid = c.oid
CROSS JOIN LATERAL (
    SELECT
        coalesce(bool_or(d.deptype = 'i' OR d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass), false) AS hidden,
        max(d.refobjid) FILTER (WHERE d.deptype = 'a' AND d.refclassid = 'pg_class'::regclass) AS owner_oid,
        max(d.refobjsubid) FILTER (WHERE d.deptype = 'a' AND d.refclassid = 'pg_class'::regclass) AS owner_attnum
    FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass
      AND d.objid = c.oid
      AND d.objsubid = 0
) dep
WHERE n.nspname = ANY($1)
  AND NOT dep.hidden
