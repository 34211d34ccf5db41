DROP PROCEDURE IF EXISTS purge_deleted_pages(interval);
