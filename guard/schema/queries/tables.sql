-- tables.sql: the ordinary and partitioned tables of the schemas in scope
-- ($1), one row per table, with its live columns as parallel arrays in attnum
-- order (so a column's position is its array index + 1). Each array is
-- aggregated from rows already sorted: an ORDER BY per array_agg would sort
-- once per table and array. The defaults and generation expressions
-- (pg_attrdef) come apart, as parallel arrays of their own in no particular
-- order, which Inspect matches to the columns by attnum: joining pg_attrdef
-- to the columns took a merge join and a sort per table, and an array as long
-- as the columns, for a tenth of this query's time. Types and collations
-- come as oids (and typmods), which Inspect names with types.sql and
-- collations.sql, once per distinct type and collation: format_type and a
-- collation lookup per column took another seventh. Partitions and tables
-- owned by an extension are left out. Runs with search_path = '', so every
-- name outside pg_catalog comes out schema-qualified.
SELECT
    c.oid,
    n.nspname::text                       AS schema,
    c.relname::text                       AS name,
    coalesce(cols.attnums, '{}')          AS column_attnums,
    coalesce(cols.names, '{}')            AS column_names,
    coalesce(cols.not_nulls, '{}')        AS column_not_nulls,
    coalesce(cols.identities, '{}')       AS column_identities,
    coalesce(cols.type_oids, '{}')        AS column_type_oids,
    coalesce(cols.typmods, '{}')          AS column_typmods,
    coalesce(cols.collation_oids, '{}')   AS column_collation_oids,
    coalesce(defs.attnums, '{}')          AS default_attnums,
    coalesce(defs.exprs, '{}')            AS default_exprs,
    coalesce(defs.generated, '{}')        AS default_generated,
    c.relrowsecurity                      AS row_security,
    c.relforcerowsecurity                 AS force_row_security,
    coalesce(cols.acl_attnums, '{}')      AS column_acl_attnums,
    coalesce(cols.acls, '{}')             AS column_acls,
    -- The table's privileges to roles other than the owner (the owner's
    -- come with ownership, which a shadow made by another user does not
    -- share), as the columns' are: read from the row at hand, where a
    -- query of their own read pg_class again and a row per privilege.
    CASE WHEN c.relacl IS NULL THEN '' ELSE coalesce((
        SELECT string_agg(x.privilege_type || '=' || CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END, ',')
        FROM aclexplode(c.relacl) x
        WHERE x.grantee <> c.relowner
    ), '') END                            AS table_acl
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT
        array_agg(col.attnum) AS attnums,
        array_agg(col.name) AS names,
        array_agg(col.attnotnull) AS not_nulls,
        array_agg(col.identity) AS identities,
        array_agg(col.atttypid) AS type_oids,
        array_agg(col.atttypmod) AS typmods,
        array_agg(col.attcollation) AS collation_oids,
        array_agg(col.attnum) FILTER (WHERE col.attgenerated <> '') AS generated_attnums,
        array_agg(col.attnum) FILTER (WHERE col.acl IS NOT NULL) AS acl_attnums,
        array_agg(col.acl) FILTER (WHERE col.acl IS NOT NULL) AS acls
    FROM (
        SELECT
            a.attnum,
            a.attname::text AS name,
            a.attnotnull,
            a.atttypid,
            a.atttypmod,
            a.attcollation,
            a.attgenerated,
            CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' ELSE '' END AS identity,
            -- The column's privileges to roles other than the owner,
            -- "PRIVILEGE=grantee,…" (grantees as quote_ident writes them),
            -- read here where the column is: a query of their own read
            -- every column again, for a tenth of an inspection.
            CASE WHEN a.attacl IS NOT NULL THEN (
                SELECT string_agg(x.privilege_type || '=' || CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END, ',')
                FROM aclexplode(a.attacl) x
                WHERE x.grantee <> c.relowner
            ) END AS acl
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
