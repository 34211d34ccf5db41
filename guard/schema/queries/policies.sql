-- policies.sql: the row-level security policies of the tables in the
-- schemas in scope ($1), with their command, whether permissive, the roles
-- they apply to (PUBLIC for all) and their USING and WITH CHECK
-- expressions. Runs with search_path = ''.
SELECT
    p.polrelid                            AS table_oid,
    p.polname::text                       AS name,
    CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
    p.polpermissive                       AS permissive,
    ARRAY(
        SELECT CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE quote_ident(a.rolname) END
        FROM unnest(p.polroles) AS r(oid)
        LEFT JOIN pg_roles a ON a.oid = r.oid
        ORDER BY 1
    )                                     AS roles,
    coalesce(pg_get_expr(p.polqual, p.polrelid), '') AS using_expr,
    coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') AS check_expr
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
