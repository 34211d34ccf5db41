-- Closing a period: refuses unposted entries, then stamps closed_at.
-- Run with: CALL close_fiscal_period(42);
CREATE OR REPLACE PROCEDURE close_fiscal_period(p_period_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    open_entries integer;
BEGIN
    SELECT count(*) INTO open_entries
      FROM journal_entries
     WHERE period_id = p_period_id AND posted_at IS NULL;
    IF open_entries > 0 THEN
        RAISE EXCEPTION 'period % still has % unposted entries', p_period_id, open_entries;
    END IF;
    UPDATE fiscal_periods SET closed_at = now() WHERE id = p_period_id AND closed_at IS NULL;
END
$$;
