-- Backfill in batches of 5000 so that we never hold row locks on the whole
-- table. On a fresh database the loop exits at once.
DO $$
DECLARE
  n integer;
BEGIN
  LOOP
    UPDATE users
       SET display_name = coalesce(nullif(full_name, ''), split_part(email::text, '@', 1))
     WHERE id IN (SELECT id FROM users WHERE display_name IS NULL LIMIT 5000);
    GET DIAGNOSTICS n = ROW_COUNT;
    EXIT WHEN n = 0;
  END LOOP;
END
$$;
