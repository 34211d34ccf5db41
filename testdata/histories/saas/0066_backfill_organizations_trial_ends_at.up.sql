-- one batch per statement would need a script; a DO block keeps it in the
-- migration
DO $$
DECLARE
  rows_done integer;
BEGIN
  LOOP
    UPDATE organizations
       SET trial_ends_at = created_at + interval '14 days'
     WHERE id IN (
       SELECT id FROM organizations
        WHERE trial_ends_at IS NULL
        ORDER BY created_at
        LIMIT 2000
        FOR UPDATE SKIP LOCKED
     );
    GET DIAGNOSTICS rows_done = ROW_COUNT;
    EXIT WHEN rows_done = 0;
  END LOOP;
END
$$;
