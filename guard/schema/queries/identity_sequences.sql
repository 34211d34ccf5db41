-- identity_sequences.sql: the options of the identity columns' sequences
-- of the schemas in scope ($1) that are not the defaults (START 1,
-- INCREMENT 1, MINVALUE 1, MAXVALUE the type's largest, NO CYCLE): one row
-- per such column, as its table's oid and its attnum. The defaults are most
-- identity columns', which so cost no row. Runs with search_path = ''.
SELECT
    d.refobjid                            AS table_oid,
    d.refobjsubid::int2                   AS attnum,
    s.seqstart                            AS start,
    s.seqmin                              AS min,
    s.seqmax                              AS max,
    s.seqincrement                        AS increment,
    s.seqcycle                            AS cycle
FROM pg_namespace n
JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind = 'S'
JOIN pg_sequence s ON s.seqrelid = c.oid
JOIN pg_depend d ON d.classid = 'pg_class'::regclass
                AND d.objid = c.oid
                AND d.objsubid = 0
                AND d.deptype = 'i'
                AND d.refclassid = 'pg_class'::regclass
                AND d.refobjsubid > 0
WHERE n.nspname = ANY($1)
  AND (s.seqstart <> 1 OR s.seqincrement <> 1 OR s.seqmin <> 1 OR s.seqcycle
       OR s.seqmax <> CASE s.seqtypid WHEN 'int2'::regtype THEN 32767
                                      WHEN 'int4'::regtype THEN 2147483647
                                      ELSE 9223372036854775807 END)
