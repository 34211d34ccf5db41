CREATE OR REPLACE PROCEDURE purge_deleted_pages(retention interval DEFAULT interval '30 days')
LANGUAGE plpgsql
AS $$
DECLARE
    removed bigint;
BEGIN
    DELETE FROM pages p
     WHERE p.deleted_at IS NOT NULL
       AND p.deleted_at < now() - retention
       AND NOT EXISTS (SELECT 1 FROM pages c WHERE c.parent_id = p.id AND c.deleted_at IS NULL);
    GET DIAGNOSTICS removed = ROW_COUNT;
    RAISE NOTICE 'purged % pages', removed;
END
$$;
