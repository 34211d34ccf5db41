ALTER TABLE pages DROP COLUMN deleted_at;
