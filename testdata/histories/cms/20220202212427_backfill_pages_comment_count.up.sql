DO $$
DECLARE
    done integer;
BEGIN
    LOOP
        WITH batch AS (
            SELECT p.id, count(c.id) FILTER (WHERE c.status = 'approved') AS n
              FROM pages p
              LEFT JOIN comments c ON c.page_id = p.id
             WHERE p.id IN (
                   SELECT p2.id FROM pages p2
                    WHERE p2.comment_count = 0
                      AND EXISTS (SELECT 1 FROM comments c2 WHERE c2.page_id = p2.id AND c2.status = 'approved')
                    LIMIT 1000)
             GROUP BY p.id
        )
        UPDATE pages SET comment_count = batch.n FROM batch WHERE pages.id = batch.id;
        GET DIAGNOSTICS done = ROW_COUNT;
        EXIT WHEN done = 0;
    END LOOP;
END
$$;
