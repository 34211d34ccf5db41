-- Called by the nightly job: CALL purge_deleted_pages(interval '30 days');
CREATE OR REPLACE PROCEDURE purge_deleted_pages(retention interval DEFAULT interval '30 days')
LANGUAGE plpgsql
AS $$
DECLARE
    removed bigint;
BEGIN
    DELETE FROM pages
     WHERE deleted_at IS NOT NULL
       AND deleted_at < now() - retention;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RAISE NOTICE 'purged % pages', removed;
END
$$;
