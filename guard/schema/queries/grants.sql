-- grants.sql: the table privileges granted to roles other than the table's
-- owner (relacl), for the tables of the schemas in scope ($1): one row per
-- table, grantee and privilege. The owner's own privileges are left out:
-- they come with ownership, which differs between a database and its
-- shadow (made by another user). A grantee of oid 0 is PUBLIC.
SELECT
    c.oid                                                        AS table_oid,
    CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee,
    a.privilege_type::text                                       AS privilege
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) AS a
LEFT JOIN pg_roles r ON r.oid = a.grantee
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND c.relacl IS NOT NULL
  AND a.grantee <> c.relowner
ORDER BY 1, 2, 3
