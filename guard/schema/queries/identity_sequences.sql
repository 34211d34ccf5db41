-- identity_sequences.sql: the options of the identity columns' sequences
-- of the schemas in scope ($1) that are not the defaults (START 1,
-- INCREMENT 1, MINVALUE 1, MAXVALUE the type's largest, NO CYCLE): one row
-- per such column, as its table's oid and its attnum. The defaults are most
-- identity columns', which so cost no row. It starts from pg_sequence (a
-- few pages), and looks up by oid the dependency of each that passes, and
-- the table of each identity sequence left: joining pg_class read the
-- whole of it. Runs with search_path = ''.
SELECT
    d.refobjid                            AS table_oid,
    d.refobjsubid::int2                   AS attnum,
    s.seqstart                            AS start,
    s.seqmin                              AS min,
    s.seqmax                              AS max,
    s.seqincrement                        AS increment,
    s.seqcycle                            AS cycle
FROM pg_sequence s
CROSS JOIN LATERAL ( -- an index lookup per sequence (LIMIT keeps it one)
    SELECT d.refobjid, d.refobjsubid
    FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass
      AND d.objid = s.seqrelid
      AND d.objsubid = 0
      AND d.deptype = 'i'
      AND d.refclassid = 'pg_class'::regclass
      AND d.refobjsubid > 0
    LIMIT 1
) d
WHERE (s.seqstart <> 1 OR s.seqincrement <> 1 OR s.seqmin <> 1 OR s.seqcycle
       OR s.seqmax <> CASE s.seqtypid WHEN 'int2'::regtype THEN 32767
                                      WHEN 'int4'::regtype THEN 2147483647
                                      ELSE 9223372036854775807 END)
  AND (SELECT c.relnamespace FROM pg_class c WHERE c.oid = d.refobjid) -- the table's
      IN (SELECT n.oid FROM pg_namespace n WHERE n.nspname = ANY($1))
