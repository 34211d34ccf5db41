-- The balance of one journal entry (debits minus credits), for the
-- reconciliation report. A SQL-standard body (PostgreSQL 14+): parsed when
-- it is created, so it follows the columns it reads, and it needs no
-- plpgsql.
CREATE FUNCTION journal_entry_balance(p_entry_id bigint) RETURNS numeric
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT coalesce(sum(CASE WHEN l.debit > 0 THEN l.debit ELSE -l.credit END), 0)
      FROM journal_lines l
     WHERE l.entry_id = p_entry_id;
END;

COMMENT ON FUNCTION journal_entry_balance(bigint) IS 'debits minus credits of one entry; 0 when balanced';
