DO $$
DECLARE
    batch integer;
BEGIN
    LOOP
        UPDATE accounts SET display_name = name
        WHERE id IN (SELECT id FROM accounts WHERE display_name IS NULL LIMIT 1000);
        GET DIAGNOSTICS batch = ROW_COUNT;
        EXIT WHEN batch = 0;
    END LOOP;
END;
$$;
