-- facts.sql: what Inspect needs to write index definitions as
-- pg_get_indexdef does: the default operator classes (with their input type
-- and whether they are built in), the enum types, and the keywords
-- quote_ident quotes.
SELECT
    coalesce(oc.oids, '{}')               AS default_opclasses,
    coalesce(oc.input_types, '{}')        AS default_opclass_types,
    coalesce(oc.builtin, '{}')            AS default_opclass_builtin,
    ARRAY(SELECT t.oid FROM pg_type t WHERE t.typtype = 'e') AS enum_types,
    ARRAY(SELECT k.word FROM pg_get_keywords() k WHERE k.catcode <> 'U') AS quoted_keywords,
    current_setting('quote_all_identifiers')::bool AS quote_all_identifiers
FROM (
    SELECT
        array_agg(o.oid)                  AS oids,
        array_agg(o.opcintype)            AS input_types,
        array_agg(o.opcnamespace = 'pg_catalog'::regnamespace) AS builtin
    FROM pg_opclass o
    WHERE o.opcdefault
) oc
