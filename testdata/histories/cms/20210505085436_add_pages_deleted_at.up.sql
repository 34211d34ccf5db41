-- Soft delete. The trash is emptied by purge_deleted_pages (later).
ALTER TABLE pages ADD COLUMN deleted_at timestamptz;
