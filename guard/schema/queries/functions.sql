-- functions.sql: the functions, procedures and aggregates of the schemas in
-- scope ($1), one row per routine, leaving out those an extension owns. The
-- signature is the routine's regprocedure ("public.f(integer,text)"), its
-- identity; the arguments (with names and defaults) and the result are
-- pg_get_function_arguments and pg_get_function_result. The body is not sent,
-- only its sha256: prosrc, or the deparsed body of a SQL-standard body
-- (BEGIN ATOMIC … END, RETURN …). The oid tells a routine renamed from one
-- dropped and created again. Runs with search_path = '', so every name
-- outside pg_catalog comes out schema-qualified.
SELECT
    n.nspname::text                       AS schema,
    p.proname::text                       AS name,
    p.oid::regprocedure::text             AS signature,
    CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window' ELSE 'function' END AS kind,
    pg_get_function_arguments(p.oid)      AS arguments,
    coalesce(pg_get_function_result(p.oid), '') AS result,
    l.lanname::text                       AS language,
    CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
    p.proisstrict                         AS strict,
    p.prosecdef                           AS security_definer,
    encode(sha256(convert_to(
        CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid) ELSE p.prosrc END,
        'UTF8')), 'hex')                  AS body_hash,
    p.oid::int8                           AS oid
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = ANY($1)
  AND p.oid NOT IN ( -- members of an extension
      SELECT dep.objid FROM pg_depend dep
      WHERE dep.refclassid = 'pg_extension'::regclass
        AND dep.classid = 'pg_proc'::regclass
        AND dep.deptype = 'e'
  )
