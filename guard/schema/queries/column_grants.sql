-- column_grants.sql: the column privileges (attacl) granted to roles other
-- than the table's owner, for the tables of the schemas in scope ($1): one
-- row per table, column, grantee and privilege. Only the columns that have
-- privileges of their own are read (attacl not null). A grantee of oid 0 is
-- PUBLIC. See grants.sql for the table privileges.
SELECT
    c.oid                                                        AS table_oid,
    a.attnum                                                     AS attnum,
    CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee,
    x.privilege_type::text                                       AS privilege
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(a.attacl) AS x
LEFT JOIN pg_roles r ON r.oid = x.grantee
WHERE a.attacl IS NOT NULL
  AND a.attnum > 0
  AND NOT a.attisdropped
  AND n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND x.grantee <> c.relowner
ORDER BY 1, 2, 3, 4
