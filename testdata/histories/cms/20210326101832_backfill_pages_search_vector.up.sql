-- touch title to fire the trigger, a batch at a time
DO $$
DECLARE
    n bigint;
BEGIN
    LOOP
        UPDATE pages SET title = title
         WHERE id IN (SELECT id FROM pages WHERE search_vector IS NULL LIMIT 500);
        GET DIAGNOSTICS n = ROW_COUNT;
        EXIT WHEN n = 0;
    END LOOP;
END
$$;
