ALTER TABLE comments ADD COLUMN deleted_at timestamptz;
