CREATE OR REPLACE PROCEDURE purge_deleted_media(retention interval DEFAULT interval '30 days')
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM media
     WHERE deleted_at IS NOT NULL
       AND deleted_at < now() - retention;
END
$$;
