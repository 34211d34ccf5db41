ALTER TABLE media DROP COLUMN deleted_at;
