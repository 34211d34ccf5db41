DROP PROCEDURE purge_deleted_media(interval);
