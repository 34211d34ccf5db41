ALTER TABLE media ADD COLUMN deleted_at timestamptz;
