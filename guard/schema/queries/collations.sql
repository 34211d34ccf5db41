-- collations.sql: the names of the given collations ($1, oids), as the
-- columns' collations are written. Runs with search_path = ''.
SELECT
    c.oid,
    c.oid::regcollation::text             AS name
FROM unnest($1::oid[]) AS c(oid)
