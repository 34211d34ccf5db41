-- tables.sql: the ordinary and partitioned tables of the schemas in scope
-- ($1), one row per table, with its live columns as parallel arrays in attnum
-- order (so a column's position is its array index + 1). Each array is
-- aggregated from rows already sorted: an ORDER BY per array_agg would sort
-- once per table and array. The defaults and generation expressions
-- (pg_attrdef) come apart, as parallel arrays of their own in no particular
-- order, which Inspect matches to the columns by attnum: joining pg_attrdef
-- to the columns took a merge join and a sort per table, and an array as long
-- as the columns, for a tenth of this query's time. Partitions and tables
-- owned by an extension are left out. Runs with search_path = '', so every
-- name outside pg_catalog comes out schema-qualified.
SELECT
    c.oid,
    n.nspname::text                       AS schema,
    c.relname::text                       AS name,
    coalesce(cols.attnums, '{}')          AS column_attnums,
    coalesce(cols.names, '{}')            AS column_names,
    coalesce(cols.types, '{}')            AS column_types,
    coalesce(cols.not_nulls, '{}')        AS column_not_nulls,
    coalesce(cols.identities, '{}')       AS column_identities,
    coalesce(cols.collations, '{}')       AS column_collations,
    coalesce(cols.type_oids, '{}')        AS column_type_oids,
    coalesce(cols.collation_oids, '{}')   AS column_collation_oids,
    coalesce(defs.attnums, '{}')          AS default_attnums,
    coalesce(defs.exprs, '{}')            AS default_exprs,
    coalesce(defs.generated, '{}')        AS default_generated
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT
        array_agg(col.attnum) AS attnums,
        array_agg(col.name) AS names,
        array_agg(col.type) AS types,
        array_agg(col.not_null) AS not_nulls,
        array_agg(col.identity) AS identities,
        array_agg(col.collation) AS collations,
        -- for assembling index definitions (see indexes.sql)
        array_agg(col.atttypid) AS type_oids,
        array_agg(col.attcollation) AS collation_oids,
        array_agg(col.attnum) FILTER (WHERE col.attgenerated <> '') AS generated_attnums
    FROM (
        SELECT
            a.attnum,
            a.atttypid,
            a.attcollation,
            a.attname::text AS name,
            format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null,
            a.attgenerated,
            CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' ELSE '' END AS identity,
            -- Only a collation other than the type's own is reported; the
            -- common text types with the default collation need no lookup.
            CASE WHEN a.attcollation <> 0
                  AND NOT (a.attcollation = 'default'::regcollation
                           AND a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype))
                  AND a.attcollation <> (SELECT t.typcollation FROM pg_type t WHERE t.oid = a.atttypid)
                 THEN a.attcollation::regcollation::text ELSE '' END AS collation
        FROM pg_attribute a
        WHERE a.attrelid = c.oid
          AND a.attnum > 0
          AND NOT a.attisdropped
        ORDER BY a.attnum
    ) col
) cols ON true
LEFT JOIN LATERAL (
    SELECT
        array_agg(d.adnum) AS attnums,
        -- A default cannot refer to columns, so it is deparsed without its
        -- relation (relid 0), which spares opening the table; a generation
        -- expression needs it.
        array_agg(CASE WHEN d.adnum = ANY (cols.generated_attnums) THEN pg_get_expr(d.adbin, d.adrelid)
                       ELSE pg_get_expr(d.adbin, 0) END) AS exprs,
        array_agg(coalesce(d.adnum = ANY (cols.generated_attnums), false)) AS generated
    FROM pg_attrdef d
    WHERE d.adrelid = c.oid
) defs ON true
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND c.oid NOT IN ( -- members of an extension
      SELECT dep.objid FROM pg_depend dep
      WHERE dep.refclassid = 'pg_extension'::regclass
        AND dep.classid = 'pg_class'::regclass
        AND dep.deptype = 'e'
  )
