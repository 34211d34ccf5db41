-- Entries created before 41 have no source: derive it from what points at
-- them, 5000 at a time.
DO $$
DECLARE
    n integer;
BEGIN
    LOOP
        UPDATE journal_entries e
           SET source = CASE
                   WHEN EXISTS (SELECT 1 FROM invoices i WHERE i.entry_id = e.id) THEN 'invoice'
                   WHEN EXISTS (SELECT 1 FROM payments p WHERE p.entry_id = e.id) THEN 'payment'
                   WHEN EXISTS (SELECT 1 FROM bank_transactions b WHERE b.entry_id = e.id) THEN 'bank'
                   ELSE 'manual'
               END
         WHERE e.id IN (SELECT id FROM journal_entries WHERE source IS NULL ORDER BY id LIMIT 5000);
        GET DIAGNOSTICS n = ROW_COUNT;
        EXIT WHEN n = 0;
    END LOOP;
END
$$;
