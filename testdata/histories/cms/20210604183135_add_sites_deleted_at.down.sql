ALTER TABLE sites DROP COLUMN deleted_at;
