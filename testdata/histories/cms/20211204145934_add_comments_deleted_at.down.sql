ALTER TABLE comments DROP COLUMN deleted_at;
