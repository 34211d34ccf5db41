COMMENT ON TABLE pages IS 'Pages of a site. Soft-deleted: deleted_at IS NOT NULL means in the trash.';
COMMENT ON TABLE page_revisions IS 'Previous versions of a page, written by the pages_record_revision trigger.';
COMMENT ON TABLE media IS 'Uploaded files. The bytes live in object storage under storage_key.';
COMMENT ON COLUMN pages.number IS 'Public short number, /p/<number>.';
